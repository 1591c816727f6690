//! The lead pipeline (issue 14, item 5): a customer's stage moves forward with the clinic's
//! events (booked → 已预约, arrived → 已到店, purchase → 已成交, a second one → 复购), staff set
//! any stage (audited), the list filters by stage, and `GET /api/stats/pipeline` reports the
//! conversion by channel and by consultant from counters the rebuild agrees with.
#![allow(clippy::unwrap_used, clippy::panic)]

use admin_api::Role;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, on_both_backends};

on_both_backends!(
    events_move_the_stage_forward_and_staff_may_set_any_stage,
    pipeline_stats_report_conversion_by_channel_and_consultant_and_rebuild_agrees,
    customers_found_by_the_sync_count_for_their_first_consultant,
);

async fn stage_of(h: &Harness, id: &str) -> String {
    let (status, detail) = h
        .api(Method::GET, &format!("/api/customers/{id}"), None)
        .await;
    assert_eq!(status, 200, "{detail}");
    detail["stage"].as_str().unwrap().to_owned()
}

async fn book(h: &Harness, id: &str) -> String {
    let (status, body) = h
        .api(
            Method::POST,
            "/api/appointments",
            Some(json!({"external_userid": id, "scheduled_at_ms": h.now_ms() + 86_400_000, "item": "水光针"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn purchase(h: &Harness, id: &str, amount_fen: i64) {
    let (status, body) = h
        .api(
            Method::POST,
            "/api/purchases",
            Some(json!({"external_userid": id, "amount_fen": amount_fen, "item": "热玛吉", "purchased_at_ms": h.now_ms()})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

async fn set_stage(h: &Harness, token: &str, id: &str, stage: &str) -> (u16, Value) {
    h.api_as(
        token,
        Method::PUT,
        &format!("/api/customers/{id}/stage"),
        Some(json!({"stage": stage})),
    )
    .await
}

async fn events_move_the_stage_forward_and_staff_may_set_any_stage(backend: Backend) {
    let h = Harness::start(backend).await;
    let (id, created) = h.customer_with("zhangsan", "xiaohongshu", json!({})).await;
    assert_eq!(created["stage"], "new", "a new customer is a new lead");

    // Booking → 已预约; the customer arriving → 已到店.
    let appointment = book(&h, &id).await;
    assert_eq!(stage_of(&h, &id).await, "booked");
    let (status, body) = h
        .api(
            Method::POST,
            &format!("/api/appointments/{appointment}/status"),
            Some(json!({"status": "arrived"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(stage_of(&h, &id).await, "arrived");
    // Another booking does not move them back.
    book(&h, &id).await;
    assert_eq!(stage_of(&h, &id).await, "arrived");

    // A purchase → 已成交, the second → 复购.
    purchase(&h, &id, 880_000).await;
    assert_eq!(stage_of(&h, &id).await, "purchased");
    purchase(&h, &id, 120_000).await;
    assert_eq!(stage_of(&h, &id).await, "repurchased");

    // Staff set any stage, backwards too; audited with the caller.
    let consultant = h.staff_token(Role::Consultant, Some("zhangsan"));
    let (status, body) = set_stage(&h, &consultant, &id, "consulted").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["stage"].as_str(), body["previous"].as_str()),
        (Some("consulted"), Some("repurchased"))
    );
    assert_eq!(stage_of(&h, &id).await, "consulted");
    let (status, audit) = h.api(Method::GET, "/api/audit-logs?limit=100", None).await;
    assert_eq!(status, 200, "{audit}");
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "customer.stage" && e["target"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("audited: {audit}"));
    assert_eq!(entry["fields"], json!(["stage:repurchased->consulted"]));

    // Bad input names the field; a consultant cannot reach another's customer.
    let (status, error) = set_stage(&h, &consultant, &id, "vip").await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"]["field"], "stage");
    let (other, _) = h.customer_with("lisi", "douyin", json!({})).await;
    let (status, _) = set_stage(&h, &consultant, &other, "booked").await;
    assert!(status == 403 || status == 404, "{status}");
    assert_eq!(stage_of(&h, &other).await, "new");
    let (status, _) = set_stage(&h, &h.app.admin_token, "wm-nobody", "booked").await;
    assert_eq!(status, 404);

    // The list filters by stage and shows it.
    let consulted = h.all_customers("stage=consulted").await;
    assert_eq!(consulted.len(), 1, "{consulted:?}");
    assert_eq!(consulted[0]["external_userid"], id.as_str());
    assert_eq!(consulted[0]["stage"], "consulted");
    let new = h.all_customers("stage=new").await;
    assert!(new.iter().all(|c| c["stage"] == "new"));
    assert!(new.iter().any(|c| c["external_userid"] == other.as_str()));
    let (status, error) = h.api(Method::GET, "/api/customers?stage=vip", None).await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("stage"))
    );
    h.shutdown().await;
}

async fn pipeline_stats_report_conversion_by_channel_and_consultant_and_rebuild_agrees(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    // 小红书 (zhangsan): one booked, one purchased, one new. 抖音 (lisi): one repurchased.
    let (a, _) = h.customer_with("zhangsan", "xiaohongshu", json!({})).await;
    let (b, _) = h.customer_with("zhangsan", "xiaohongshu", json!({})).await;
    let (_c, _) = h.customer_with("zhangsan", "xiaohongshu", json!({})).await;
    let (d, _) = h.customer_with("lisi", "douyin", json!({})).await;
    book(&h, &a).await;
    book(&h, &b).await;
    purchase(&h, &b, 100_000).await;
    purchase(&h, &d, 100_000).await;
    purchase(&h, &d, 200_000).await;

    let now = h.now_ms();
    let (status, report) = h
        .api(
            Method::GET,
            &format!("/api/stats/pipeline?from={}&to={now}", now - 86_400_000),
            None,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["total"]["customers"], 4, "{report}");
    let channel = |state: &str| -> Value {
        report["by_channel"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == state)
            .cloned()
            .unwrap_or_else(|| panic!("{state}: {report}"))
    };
    let xhs = channel("xiaohongshu");
    assert_eq!(xhs["label"], "小红书");
    assert_eq!(xhs["customers"], 3);
    assert_eq!(xhs["at_stage"]["new"], 1);
    assert_eq!(xhs["at_stage"]["booked"], 1);
    assert_eq!(xhs["at_stage"]["purchased"], 1);
    assert_eq!(xhs["reached"]["booked"], 2);
    assert_eq!(xhs["reached"]["purchased"], 1);
    let rate = xhs["conversion"]["booked"].as_f64().unwrap();
    assert!((rate - 0.6667).abs() < 1e-4, "{rate}");
    let douyin = channel("douyin");
    assert_eq!(douyin["at_stage"]["repurchased"], 1);
    assert_eq!(douyin["conversion"]["purchased"], 1.0);

    let consultant = |userid: &str| -> Value {
        report["by_consultant"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["userid"] == userid)
            .cloned()
            .unwrap_or_else(|| panic!("{userid}: {report}"))
    };
    assert_eq!(consultant("zhangsan")["customers"], 3);
    assert_eq!(consultant("zhangsan")["reached"]["purchased"], 1);
    assert_eq!(consultant("lisi")["at_stage"]["repurchased"], 1);

    // A staff override moves the counters with it.
    let (status, _) = set_stage(&h, &h.app.admin_token, &a, "new").await;
    assert_eq!(status, 200);
    let (_, report) = h
        .api(
            Method::GET,
            &format!("/api/stats/pipeline?from={}&to={now}", now - 86_400_000),
            None,
        )
        .await;
    let xhs = report["by_channel"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "xiaohongshu")
        .cloned()
        .unwrap();
    assert_eq!(xhs["at_stage"]["new"], 2, "{report}");
    assert_eq!(xhs["at_stage"]["booked"], 0, "{report}");

    // Bad input: 400 naming the field.
    let (status, error) = h
        .api(Method::GET, "/api/stats/pipeline?from=yesterday", None)
        .await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("from"))
    );
    // Managers only.
    let consultant_token = h.staff_token(Role::Consultant, Some("zhangsan"));
    let (status, _) = h
        .api_as(&consultant_token, Method::GET, "/api/stats/pipeline", None)
        .await;
    assert_eq!(status, 403);

    // The counters are what the records add up to.
    let (status, rebuilt) = h
        .api(
            Method::POST,
            "/api/stats/rebuild",
            Some(json!({"apply": false})),
        )
        .await;
    assert_eq!(status, 200, "{rebuilt}");
    assert_eq!(rebuilt["differences"], json!([]), "{rebuilt}");
    h.shutdown().await;
}

async fn customers_found_by_the_sync_count_for_their_first_consultant(backend: Backend) {
    let h = Harness::start(backend).await;
    let seeded = h
        .control("seed", json!({"staff": 3, "customers": 30, "seed": 11}))
        .await;
    assert_eq!(seeded["customers"], 30, "{seeded}");
    let run = h.sync_to_completion().await;
    assert_eq!(run["status"], "done", "{run}");
    let customers = h.all_customers("").await;
    assert_eq!(customers.len(), 30);
    for c in &customers {
        assert_eq!(c["stage"], "new", "{c}");
        let id = c["external_userid"].as_str().unwrap();
        let profile = h.customers.get(id).await.unwrap().unwrap();
        let rels = h.customers.relationships(id).await.unwrap();
        let first = rels.iter().min_by_key(|r| r.createtime).unwrap();
        assert_eq!(profile.first_userid, first.userid, "{c}");
    }
    // The pipeline counters agree with the records the sync wrote.
    let (status, rebuilt) = h
        .api(
            Method::POST,
            "/api/stats/rebuild",
            Some(json!({"apply": false})),
        )
        .await;
    assert_eq!(status, 200, "{rebuilt}");
    assert_eq!(rebuilt["differences"], json!([]), "{rebuilt}");
    h.shutdown().await;
}
