//! Editing a relationship's remark, description and remark phones from the CRM: the change goes
//! to WeCom (`externalcontact/remark`, which fires no callback) and is stored on the
//! relationship at once; bad input is refused before anything reaches WeCom; a consultant may
//! edit only their own relationships.
#![allow(clippy::unwrap_used, clippy::panic)]

use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, scan_key};

async fn scanned(h: &Harness, userid: &str, state: &str) -> String {
    let scan = h.scan(userid, state).await;
    h.processed(&scan_key(&scan)).await;
    scan["external_userid"].as_str().unwrap().to_owned()
}

fn relationship<'a>(detail: &'a Value, userid: &str) -> &'a Value {
    detail["follow_users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["userid"] == userid)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_remark_edit_reaches_wecom_and_the_customer_page_at_once() {
    let h = Harness::start(Backend::Embedded).await;
    let id = scanned(&h, "lisi", "douyin").await;
    let path = format!("/api/customers/{id}/relationships/lisi");
    h.settled().await;
    let deliveries_before = h.control_get("deliveries").await.as_array().unwrap().len();

    let (status, body) = h
        .api(
            Method::PATCH,
            &path,
            Some(json!({
                "remark": "王女士-水光针",
                "description": "想做水光针，周末有空",
                "remark_mobiles": ["13800138000", " 0571-88886666 "],
            })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["remark"], "王女士-水光针");
    assert_eq!(
        body["remark_mobiles"],
        json!(["13800138000", "0571-88886666"])
    );

    // WeCom's record changed.
    let sim = h.sim_relationship("lisi", &id).await;
    assert_eq!(sim["remark"], "王女士-水光针", "{sim}");
    assert_eq!(sim["description"], "想做水光针，周末有空");
    assert_eq!(
        sim["remark_mobiles"],
        json!(["13800138000", "0571-88886666"])
    );
    assert_eq!(h.calls("externalcontact/remark").await, 1);

    // The customer page shows it at once (no callback comes for an API change).
    let (_, detail) = h
        .api(Method::GET, &format!("/api/customers/{id}"), None)
        .await;
    let rel = relationship(&detail, "lisi");
    assert_eq!(rel["remark"], "王女士-水光针", "{detail}");
    assert_eq!(rel["description"], "想做水光针，周末有空");
    assert_eq!(
        rel["remark_mobiles"],
        json!(["13800138000", "0571-88886666"])
    );
    h.settled().await;
    let deliveries_after = h.control_get("deliveries").await.as_array().unwrap().len();
    assert_eq!(
        deliveries_before, deliveries_after,
        "an API change fires no callback"
    );

    // Only what is sent changes; an empty list clears the phones.
    let (status, body) = h
        .api(Method::PATCH, &path, Some(json!({ "remark_mobiles": [] })))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["remark"], "王女士-水光针");
    assert_eq!(body["remark_mobiles"], json!([]));
    let sim = h.sim_relationship("lisi", &id).await;
    assert_eq!(sim["remark_mobiles"], json!([]), "{sim}");
    assert_eq!(sim["remark"], "王女士-水光针");

    // Audited, naming the fields, never the phone numbers.
    let (_, audit) = h.api(Method::GET, "/api/audit-logs", None).await;
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "customer.remark")
        .unwrap_or_else(|| panic!("{audit}"))
        .clone();
    assert!(!entry.to_string().contains("13800138000"), "{entry}");
    assert!(entry.to_string().contains("remark_mobiles"), "{entry}");

    // A sync from WeCom keeps the phones (they are WeCom's).
    let (status, _) = h
        .api(
            Method::PATCH,
            &path,
            Some(json!({ "remark_mobiles": ["13900139000"] })),
        )
        .await;
    assert_eq!(status, 200);
    let (status, synced) = h
        .api(Method::POST, &format!("/api/customers/{id}/sync"), None)
        .await;
    assert_eq!(status, 200, "{synced}");
    assert_eq!(
        relationship(&synced, "lisi")["remark_mobiles"],
        json!(["13900139000"])
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_is_refused_with_nothing_sent_to_wecom() {
    let h = Harness::start(Backend::Embedded).await;
    let id = scanned(&h, "lisi", "douyin").await;
    let path = format!("/api/customers/{id}/relationships/lisi");
    for (body, field) in [
        (
            json!({ "remark_mobiles": ["138-abc-0000"] }),
            "remark_mobiles",
        ),
        (json!({ "remark_mobiles": ["1234"] }), "remark_mobiles"),
        (
            json!({ "remark_mobiles": ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005", "13800000006"] }),
            "remark_mobiles",
        ),
        (json!({ "remark": "一".repeat(21) }), "remark"),
        (json!({ "description": "述".repeat(151) }), "description"),
    ] {
        let (status, answer) = h.api(Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{message}"
        );
    }
    // Nothing to change; unknown fields.
    let (status, _) = h.api(Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!(status, 400);
    let (status, _) = h
        .api(Method::PATCH, &path, Some(json!({ "remark_pic": "x" })))
        .await;
    assert_eq!(status, 400);
    // A member without a relationship with the customer.
    let (status, _) = h
        .api(
            Method::PATCH,
            &format!("/api/customers/{id}/relationships/nobody"),
            Some(json!({ "remark": "x" })),
        )
        .await;
    assert_eq!(status, 404);
    // None of the refused requests reached WeCom.
    assert_eq!(h.calls("externalcontact/remark").await, 0);
    // A relationship WeCom no longer has (the member deleted the customer while the callback
    // was lost): WeCom refuses, the CRM keeps its record and says why.
    let gone = scanned(&h, "wangwu", "douyin").await;
    h.control(
        "silent",
        json!({ "op": "remove_relationship", "userid": "wangwu", "external_userid": gone }),
    )
    .await;
    let (status, answer) = h
        .api(
            Method::PATCH,
            &format!("/api/customers/{gone}/relationships/wangwu"),
            Some(json!({ "remark": "x" })),
        )
        .await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("无法修改备注"),
        "{answer}"
    );
    let (_, detail) = h
        .api(Method::GET, &format!("/api/customers/{gone}"), None)
        .await;
    assert_eq!(relationship(&detail, "wangwu")["remark"], "");
    assert_eq!(h.calls("externalcontact/remark").await, 1);
    h.control("calls/reset", json!({})).await;
    // 20 characters exactly is allowed by WeCom and here.
    let (status, body) = h
        .api(
            Method::PATCH,
            &path,
            Some(json!({ "remark": "一".repeat(20) })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(h.calls("externalcontact/remark").await, 1);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_consultant_edits_only_their_own_relationship() {
    let h = Harness::start(Backend::Embedded).await;
    let id = scanned(&h, "zhangsan", "xiaohongshu").await;
    // The same customer also adds lisi.
    let second = h
        .control(
            "scan",
            json!({ "userid": "lisi", "state": "douyin", "external_userid": id }),
        )
        .await;
    h.processed(&scan_key(&second)).await;

    let zhangsan = h.staff_token(admin_api::Role::Consultant, Some("zhangsan"));
    let (status, answer) = h
        .api_as(
            &zhangsan,
            Method::PATCH,
            &format!("/api/customers/{id}/relationships/lisi"),
            Some(json!({ "remark": "不是我的" })),
        )
        .await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["error"]["code"], "forbidden");
    assert_eq!(h.calls("externalcontact/remark").await, 0);
    assert_eq!(h.sim_relationship("lisi", &id).await["remark"], "");

    let (status, answer) = h
        .api_as(
            &zhangsan,
            Method::PATCH,
            &format!("/api/customers/{id}/relationships/zhangsan"),
            Some(json!({ "remark": "我的客户" })),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        h.sim_relationship("zhangsan", &id).await["remark"],
        "我的客户"
    );

    // A consultant who does not follow the customer at all.
    let wangwu = h.staff_token(admin_api::Role::Consultant, Some("wangwu"));
    let (status, _) = h
        .api_as(
            &wangwu,
            Method::PATCH,
            &format!("/api/customers/{id}/relationships/wangwu"),
            Some(json!({ "remark": "x" })),
        )
        .await;
    assert_eq!(status, 403);
    h.shutdown().await;
}
