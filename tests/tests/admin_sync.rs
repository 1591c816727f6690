//! The hourly sync on demand through the admin API: customers that existed before the product
//! (seeded in WeCom without callbacks) are imported, a relationship removed behind the product's
//! back is ended (not deleted), and runs are visible with their counters.
#![allow(clippy::unwrap_used)]

use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

use tests::{Backend, Harness, eventually_within, on_both_backends};

on_both_backends!(a_sync_imports_what_wecom_has_and_ends_what_it_no_longer_has);

async fn run_to_completion(h: &Harness) -> Value {
    let (status, started) = h.api(Method::POST, "/api/sync", None).await;
    assert_eq!(status, 202, "{started}");
    let run_id = started["run_id"].as_str().unwrap().to_owned();
    // A run on moto reads and writes every customer twice (census, then the end phase): give
    // a loaded machine time.
    eventually_within("the sync run finishes", Duration::from_secs(120), || {
        let run_id = run_id.clone();
        async move {
            let (status, run) = h
                .api(Method::GET, &format!("/api/sync/runs/{run_id}"), None)
                .await;
            assert_eq!(status, 200, "{run}");
            (run["status"] != "running").then_some(run)
        }
    })
    .await
}

async fn a_sync_imports_what_wecom_has_and_ends_what_it_no_longer_has(backend: Backend) {
    let h = Harness::start(backend).await;
    let seeded = h
        .control("seed", json!({"staff": 3, "customers": 120, "seed": 7}))
        .await;
    assert_eq!(seeded["customers"], 120, "{seeded}");

    // WeCom is busy twice mid-run (-1): the client's retries absorb it.
    h.control(
        "faults",
        json!({"path": "externalcontact/batch/get_by_user", "errcode": -1, "times": 2}),
    )
    .await;
    let run = run_to_completion(&h).await;
    assert_eq!(run["status"], "done", "{run}");
    assert!(
        h.control_get("faults").await.as_array().unwrap().is_empty(),
        "the faults were hit"
    );
    assert!(run["customers_added"].as_u64().unwrap() >= 120, "{run}");
    let (status, page) = h
        .api(
            Method::GET,
            "/api/customers?userid=seed0001&limit=100",
            None,
        )
        .await;
    assert_eq!(status, 200);
    let listed = page["items"].as_array().unwrap();
    assert!(!listed.is_empty(), "{page}");

    // Staff seed0001 loses a customer in WeCom, with no callback.
    let ext = listed[0]["external_userid"].as_str().unwrap().to_owned();
    h.control(
        "silent",
        json!({"op": "remove_relationship", "userid": "seed0001", "external_userid": ext}),
    )
    .await;
    let second = run_to_completion(&h).await;
    assert_eq!(second["status"], "done", "{second}");
    assert!(
        second["relationships_ended"].as_u64().unwrap() >= 1,
        "{second}"
    );
    let rel = h
        .customers
        .get_relationship(&ext, "seed0001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rel.status, crm::model::RelationshipStatus::Ended);
    assert_eq!(rel.end_cause, Some(crm::model::EndCause::MissingInSync));

    // The app loses customer contact for every member (its visible range was emptied): WeCom
    // lists nobody. The run ends nothing and says why.
    let active_before = h.all_customers("status=active").await.len();
    for staff in h.control_get("state").await["staff"].as_array().unwrap() {
        let mut staff = staff.clone();
        staff["customer_contact"] = json!(false);
        h.control("staff", staff).await;
    }
    let third = run_to_completion(&h).await;
    assert_eq!(third["status"], "failed", "{third}");
    assert_eq!(third["relationships_ended"], 0, "{third}");
    assert!(
        third["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{third}"
    );
    assert_eq!(h.all_customers("status=active").await.len(), active_before);

    let (_, runs) = h.api(Method::GET, "/api/sync/runs", None).await;
    assert_eq!(runs["items"].as_array().unwrap().len(), 3);
    assert_eq!(runs["items"][0]["run_id"], third["run_id"], "newest first");
    let (status, _) = h.api(Method::GET, "/api/sync/runs/nope", None).await;
    assert_eq!(status, 404);
    h.shutdown().await;
}
