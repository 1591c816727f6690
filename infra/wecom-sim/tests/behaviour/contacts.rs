//! Customer APIs: externalcontact/get, list, get_follow_user_list, batch/get_by_user, remark.

use serde_json::json;
use wecom_sim::{DeleteRequest, DeletedBy, ScanRequest, Staff, demo};

use crate::common::{Sim, TestResult, errcode, scan};

#[tokio::test]
async fn externalcontact_get_has_wecom_shape() -> TestResult {
    let sim = Sim::demo().await?;
    let s = scan(&sim, "zhangsan", "xhs_post_1").await?;
    let ext = s["external_userid"].as_str().unwrap_or_default().to_owned();
    assert!(ext.starts_with("wm") && ext.len() == 32, "{ext}");
    assert_eq!(s["change_type"], "add_external_contact");
    assert!(s["welcome_code"].is_string());
    let marked = sim
        .api_post(
            "externalcontact/mark_tag",
            &json!({ "userid": "zhangsan", "external_userid": ext, "add_tag": [demo::TAG_TIER_A] }),
        )
        .await?;
    assert_eq!(errcode(&marked), 0);

    let v = sim
        .api_get("externalcontact/get", &format!("external_userid={ext}"))
        .await?;
    assert_eq!(errcode(&v), 0);
    assert_eq!(v["errmsg"], "ok");
    let c = &v["external_contact"];
    assert_eq!(c["external_userid"], ext.as_str());
    assert!(c["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(c["avatar"].as_str().is_some_and(|a| a.starts_with("http")));
    assert_eq!(c["type"], 1);
    assert!(matches!(c["gender"].as_i64(), Some(0..=2)));
    assert!(c["unionid"].is_string());
    let f = v["follow_user"].as_array().cloned().unwrap_or_default();
    assert_eq!(f.len(), 1);
    let f = &f[0];
    assert_eq!(f["userid"], "zhangsan");
    assert_eq!(f["remark"], "");
    assert_eq!(f["description"], "");
    assert!(f["createtime"].as_i64().is_some_and(|t| t > 1_600_000_000));
    assert_eq!(f["add_way"], 1);
    assert_eq!(f["oper_userid"], ext.as_str());
    assert_eq!(f["state"], "xhs_post_1");
    assert_eq!(f["remark_mobiles"], json!([]));
    assert_eq!(
        f["tags"],
        json!([{ "group_name": "客户等级", "tag_name": "A类客户", "tag_id": demo::TAG_TIER_A, "type": 1 }])
    );
    assert!(v.get("next_cursor").is_none());
    Ok(())
}

#[tokio::test]
async fn externalcontact_get_gives_40096_for_an_unknown_id() -> TestResult {
    let sim = Sim::demo().await?;
    let v = sim
        .api_get("externalcontact/get", "external_userid=wmNOBODY")
        .await?;
    assert_eq!(errcode(&v), 40096);
    let missing = sim.api_get("externalcontact/get", "").await?;
    assert_eq!(errcode(&missing), 40058);
    Ok(())
}

#[tokio::test]
async fn a_half_added_contact_gives_84061_until_the_member_adds_back() -> TestResult {
    let sim = Sim::demo().await?;
    let half = sim
        .running
        .sim
        .scan(ScanRequest::new("lisi").half())
        .await?;
    assert_eq!(half.change_type, "add_half_external_contact");
    assert!(half.welcome_code.is_some());
    let q = format!("external_userid={}", half.external_userid);
    assert_eq!(
        errcode(&sim.api_get("externalcontact/get", &q).await?),
        84061
    );
    let list = sim.api_get("externalcontact/list", "userid=lisi").await?;
    assert_eq!(list["external_userid"], json!([]));
    let back = sim
        .running
        .sim
        .scan(ScanRequest::new("lisi").external_userid(&half.external_userid))
        .await?;
    assert_eq!(back.change_type, "add_external_contact");
    assert_eq!(errcode(&sim.api_get("externalcontact/get", &q).await?), 0);
    Ok(())
}

#[tokio::test]
async fn staff_deletion_gives_84061_but_customer_deletion_keeps_the_apis_working() -> TestResult {
    let sim = Sim::demo().await?;
    let a = sim.running.sim.scan(ScanRequest::new("zhangsan")).await?;
    let b = sim.running.sim.scan(ScanRequest::new("zhangsan")).await?;
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
    let del = sim
        .control(
            "delete",
            json!({ "userid": "zhangsan", "external_userid": b.external_userid, "by": "customer" }),
        )
        .await?;
    assert_eq!(del["fired"], true);
    let qa = format!("external_userid={}", a.external_userid);
    let qb = format!("external_userid={}", b.external_userid);
    assert_eq!(
        errcode(&sim.api_get("externalcontact/get", &qa).await?),
        84061
    );
    assert_eq!(errcode(&sim.api_get("externalcontact/get", &qb).await?), 0);
    let mark_a = sim
        .api_post(
            "externalcontact/mark_tag",
            &json!({ "userid": "zhangsan", "external_userid": a.external_userid, "add_tag": [demo::TAG_TIER_B] }),
        )
        .await?;
    assert_eq!(errcode(&mark_a), 84061);
    let list = sim
        .api_get("externalcontact/list", "userid=zhangsan")
        .await?;
    assert_eq!(list["external_userid"], json!([b.external_userid]));
    let state = sim.running.sim.state();
    assert_eq!(
        state
            .relationship("zhangsan", &a.external_userid)
            .map(|r| r.status),
        Some(wecom_sim::RelationStatus::DeletedByStaff)
    );
    Ok(())
}

#[tokio::test]
async fn follow_user_is_paged_at_500_with_next_cursor() -> TestResult {
    let sim = Sim::demo().await?;
    let s = &sim.running.sim;
    let first = s
        .scan(ScanRequest::new("zhangsan").without_welcome_code())
        .await?;
    for i in 0..501 {
        let userid = format!("consultant{i:03}");
        s.add_staff(Staff {
            userid: userid.clone(),
            name: format!("顾问{i}"),
            customer_contact: true,
        })?;
        s.scan(
            ScanRequest::new(&userid)
                .external_userid(&first.external_userid)
                .without_welcome_code(),
        )
        .await?;
    }
    let q = format!("external_userid={}", first.external_userid);
    let page1 = sim.api_get("externalcontact/get", &q).await?;
    assert_eq!(page1["follow_user"].as_array().map(Vec::len), Some(500));
    let cursor = page1["next_cursor"].as_str().unwrap_or_default().to_owned();
    assert!(!cursor.is_empty());
    let page2 = sim
        .api_get("externalcontact/get", &format!("{q}&cursor={cursor}"))
        .await?;
    assert_eq!(page2["follow_user"].as_array().map(Vec::len), Some(2));
    assert!(page2.get("next_cursor").is_none());
    let bad = sim
        .api_get("externalcontact/get", &format!("{q}&cursor=garbage"))
        .await?;
    assert_eq!(errcode(&bad), 40058);
    Ok(())
}

#[tokio::test]
async fn follow_user_list_and_list_by_member() -> TestResult {
    let sim = Sim::demo().await?;
    let v = sim
        .api_get("externalcontact/get_follow_user_list", "")
        .await?;
    assert_eq!(v["follow_user"], json!(["lisi", "wangwu", "zhangsan"]));
    let a = scan(&sim, "wangwu", "dy_1").await?;
    let b = scan(&sim, "wangwu", "dy_2").await?;
    let list = sim.api_get("externalcontact/list", "userid=wangwu").await?;
    assert_eq!(
        list["external_userid"],
        json!([a["external_userid"], b["external_userid"]])
    );
    assert_eq!(
        errcode(&sim.api_get("externalcontact/list", "").await?),
        41009
    );
    assert_eq!(
        errcode(&sim.api_get("externalcontact/list", "userid=ghost").await?),
        60111
    );
    Ok(())
}

#[tokio::test]
async fn batch_get_by_user_pages_with_next_cursor() -> TestResult {
    let sim = Sim::demo().await?;
    for _ in 0..3 {
        scan(&sim, "lisi", "pyq").await?;
    }
    let p1 = sim
        .api_post(
            "externalcontact/batch/get_by_user",
            &json!({ "userid_list": ["lisi"], "limit": 2 }),
        )
        .await?;
    assert_eq!(errcode(&p1), 0);
    assert_eq!(
        p1["external_contact_list"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        p1["external_contact_list"][0]["follow_info"]["state"],
        "pyq"
    );
    assert!(p1["external_contact_list"][0]["follow_info"]["tag_id"].is_array());
    let cursor = p1["next_cursor"].as_str().unwrap_or_default().to_owned();
    assert!(!cursor.is_empty());
    let p2 = sim
        .api_post(
            "externalcontact/batch/get_by_user",
            &json!({ "userid_list": ["lisi"], "limit": 2, "cursor": cursor }),
        )
        .await?;
    assert_eq!(
        p2["external_contact_list"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(p2["next_cursor"], "");
    let empty = sim
        .api_post(
            "externalcontact/batch/get_by_user",
            &json!({ "userid_list": [] }),
        )
        .await?;
    assert_eq!(errcode(&empty), 40058);
    Ok(())
}

#[tokio::test]
async fn remark_through_the_api_changes_the_relationship() -> TestResult {
    let sim = Sim::demo().await?;
    let s = scan(&sim, "zhangsan", "").await?;
    let ext = s["external_userid"].as_str().unwrap_or_default().to_owned();
    let v = sim
        .api_post(
            "externalcontact/remark",
            &json!({ "userid": "zhangsan", "external_userid": ext, "remark": "王女士", "description": "想做光子嫩肤", "remark_mobiles": ["13800000000"] }),
        )
        .await?;
    assert_eq!(errcode(&v), 0);
    let g = sim
        .api_get("externalcontact/get", &format!("external_userid={ext}"))
        .await?;
    assert_eq!(g["follow_user"][0]["remark"], "王女士");
    assert_eq!(g["follow_user"][0]["description"], "想做光子嫩肤");
    assert_eq!(
        g["follow_user"][0]["remark_mobiles"],
        json!(["13800000000"])
    );
    assert!(g["follow_user"][0].get("state").is_none());
    let too_long = sim
        .api_post(
            "externalcontact/remark",
            &json!({ "userid": "zhangsan", "external_userid": ext, "remark": "一二三四五六七八九十一二三四五六七八九十一" }),
        )
        .await?;
    assert_eq!(errcode(&too_long), 40058);
    Ok(())
}

#[tokio::test]
async fn scanning_an_existing_friend_again_is_a_conflict() -> TestResult {
    let sim = Sim::demo().await?;
    let s = scan(&sim, "zhangsan", "").await?;
    let resp = sim
        .http
        .post(sim.url("/sim/control/scan"))
        .json(&json!({ "userid": "zhangsan", "external_userid": s["external_userid"] }))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 409);
    let body: serde_json::Value = resp.json().await?;
    assert_eq!(body["error"]["code"], "conflict");
    let unknown = sim
        .http
        .post(sim.url("/sim/control/scan"))
        .json(&json!({ "userid": "nobody" }))
        .send()
        .await?;
    assert_eq!(unknown.status().as_u16(), 404);
    let malformed = sim
        .http
        .post(sim.url("/sim/control/scan"))
        .body("{not json")
        .send()
        .await?;
    assert_eq!(malformed.status().as_u16(), 400);
    Ok(())
}
