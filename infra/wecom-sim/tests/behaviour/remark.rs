//! `externalcontact/remark` (wecom-api.md §3, §9 "Remarks"): only the fields sent change,
//! `remark_mobiles` overwrites (`[""]` clears), the documented lengths, a relationship the
//! member deleted answers 84061, and an API change fires no callback.

use serde_json::json;
use wecom_sim::{DeleteRequest, DeletedBy, ScanRequest};

use crate::common::{Sim, TestResult, errcode, scan};

#[tokio::test]
async fn remark_changes_only_what_is_sent_and_fires_no_callback() -> TestResult {
    let sim = Sim::demo().await?;
    let s = scan(&sim, "zhangsan", "douyin").await?;
    let ext = s["external_userid"].as_str().unwrap_or_default().to_owned();
    let deliveries = sim.running.sim.deliveries().len();
    let remark = |body: serde_json::Value| {
        let sim = &sim;
        async move { sim.api_post("externalcontact/remark", &body).await }
    };
    let v = remark(json!({ "userid": "zhangsan", "external_userid": ext, "remark": "王女士",
                           "description": "想做光子嫩肤", "remark_mobiles": ["13800000000", "0571-88886666"] }))
    .await?;
    assert_eq!(errcode(&v), 0, "{v}");
    // Only the description: the rest stays.
    let v =
        remark(json!({ "userid": "zhangsan", "external_userid": ext, "description": "改约下周" }))
            .await?;
    assert_eq!(errcode(&v), 0, "{v}");
    let g = sim
        .api_get("externalcontact/get", &format!("external_userid={ext}"))
        .await?;
    let f = &g["follow_user"][0];
    assert_eq!(f["remark"], "王女士");
    assert_eq!(f["description"], "改约下周");
    assert_eq!(f["remark_mobiles"], json!(["13800000000", "0571-88886666"]));
    // A new list overwrites; [""] clears.
    let v = remark(
        json!({ "userid": "zhangsan", "external_userid": ext, "remark_mobiles": ["13900000000"] }),
    )
    .await?;
    assert_eq!(errcode(&v), 0, "{v}");
    let v = remark(json!({ "userid": "zhangsan", "external_userid": ext, "remark_mobiles": [""] }))
        .await?;
    assert_eq!(errcode(&v), 0, "{v}");
    let g = sim
        .api_get("externalcontact/get", &format!("external_userid={ext}"))
        .await?;
    assert_eq!(g["follow_user"][0]["remark_mobiles"], json!([]));
    // Limits: 20 characters of remark, 150 of description (exactly at the limit is fine).
    let v =
        remark(json!({ "userid": "zhangsan", "external_userid": ext, "remark": "一".repeat(20) }))
            .await?;
    assert_eq!(errcode(&v), 0, "{v}");
    let v = remark(
        json!({ "userid": "zhangsan", "external_userid": ext, "description": "述".repeat(151) }),
    )
    .await?;
    assert_eq!(errcode(&v), 40058, "{v}");
    // Nothing of this reached the callback URL.
    assert_eq!(sim.running.sim.deliveries().len(), deliveries);
    Ok(())
}

#[tokio::test]
async fn remark_needs_a_live_relationship() -> TestResult {
    let sim = Sim::demo().await?;
    let a = sim.running.sim.scan(ScanRequest::new("zhangsan")).await?;
    sim.running
        .sim
        .delete_contact(DeleteRequest {
            userid: "zhangsan".into(),
            external_userid: a.external_userid.clone(),
            by: DeletedBy::Staff,
            source: None,
            deliveries: 1,
        })
        .await?;
    let v = sim
        .api_post(
            "externalcontact/remark",
            &json!({ "userid": "zhangsan", "external_userid": a.external_userid, "remark": "x" }),
        )
        .await?;
    assert_eq!(errcode(&v), 84061, "{v}");
    let v = sim
        .api_post(
            "externalcontact/remark",
            &json!({ "userid": "lisi", "external_userid": a.external_userid, "remark": "x" }),
        )
        .await?;
    assert_ne!(errcode(&v), 0, "lisi has no relationship: {v}");
    Ok(())
}
