//! Customer handover (客户继承) end to end through the admin API and the simulator: 在职继承
//! waits the customers' 24 hours and then moves them in the CRM; a refusal, WeCom's 90-day
//! rule, calls of at most 100, and 离职继承 of everything a departed consultant left, with
//! their unfinished campaign task reported.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, eventually_every, on_both_backends};

on_both_backends!(
    on_job_handover_waits_24_hours_then_the_crm_shows_the_new_consultant,
    a_refusal_and_a_third_transfer_in_90_days_are_reported,
    more_than_100_customers_go_out_in_calls_of_100,
    a_transfer_whose_answer_is_lost_is_reconciled_not_started_twice,
    a_departed_consultants_customers_and_pending_campaign_task_are_handed_over,
    bad_requests_name_the_field_in_chinese_and_consultants_are_refused,
);

const DAY_MS: i64 = 86_400_000;

async fn create(h: &Harness, body: Value) -> Value {
    let (status, answer) = h.api(Method::POST, "/api/handovers", Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    answer
}

async fn detail(h: &Harness, id: &str) -> Value {
    let (status, answer) = h
        .api(Method::GET, &format!("/api/handovers/{id}"), None)
        .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// Waits (through the result-tracking rounds) until the handover is done.
async fn done(h: &Harness, id: &str) -> Value {
    eventually_every(
        &format!("handover {id} done"),
        Duration::from_secs(60),
        Duration::from_millis(300),
        || async move {
            let d = detail(h, id).await;
            (d["handover"]["status"] == "done").then_some(d)
        },
    )
    .await
}

fn results(d: &Value) -> Vec<String> {
    d["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["result"].as_str().unwrap().to_owned())
        .collect()
}

/// The CRM's consultants of a customer: (userid, status).
async fn follow_users(h: &Harness, id: &str) -> Vec<(String, String)> {
    let (status, c) = h
        .api(Method::GET, &format!("/api/customers/{id}"), None)
        .await;
    assert_eq!(status, 200, "{c}");
    let mut v: Vec<(String, String)> = c["follow_users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["userid"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn customers_of(h: &Harness, userid: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(h.customer_with(userid, "xhs_post_1", json!({})).await.0);
    }
    out
}

fn skip_day(h: &Harness) {
    h.advance_clock_to_ms(h.now_ms() + DAY_MS + 60_000);
}

async fn on_job_handover_waits_24_hours_then_the_crm_shows_the_new_consultant(backend: Backend) {
    let h = Harness::start(backend).await;
    let ids = customers_of(&h, "zhangsan", 3).await;
    let created = create(
        &h,
        json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "lisi",
               "message": "您好，张三调岗了，之后由李四为您服务", "external_userids": ids}),
    )
    .await;
    let id = created["handover"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["handover"]["total"], 3);
    assert_eq!(created["handover"]["counts"]["waiting"], 3, "{created}");
    assert_eq!(results(&created), vec!["waiting"; 3]);
    assert!(created["customers"][0]["name"].is_string(), "{created}");
    // Nothing moves before the customers' 24 hours are over.
    let (status, _) = h
        .api(Method::POST, &format!("/api/handovers/{id}/refresh"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(results(&detail(&h, &id).await), vec!["waiting"; 3]);
    assert_eq!(
        follow_users(&h, &ids[0]).await,
        vec![("zhangsan".to_owned(), "active".to_owned())]
    );
    // The list shows it with its progress.
    let (_, list) = h.api(Method::GET, "/api/handovers", None).await;
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"][0]["status"], "running");

    skip_day(&h);
    let d = done(&h, &id).await;
    assert_eq!(results(&d), vec!["accepted"; 3]);
    assert_eq!(d["handover"]["counts"]["accepted"], 3);
    assert!(d["customers"][0]["takeover_time"].as_i64().unwrap() > 0);
    h.settled().await;
    for c in &ids {
        assert_eq!(
            follow_users(&h, c).await,
            vec![
                ("lisi".to_owned(), "active".to_owned()),
                ("zhangsan".to_owned(), "ended".to_owned())
            ],
            "{c}"
        );
    }
    // Audited, with the caller.
    let (_, audit) = h.api(Method::GET, "/api/audit-logs?limit=100", None).await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "handover.create" && e["target"] == id.as_str()),
        "{audit}"
    );
    h.shutdown().await;
}

async fn a_refusal_and_a_third_transfer_in_90_days_are_reported(backend: Backend) {
    let h = Harness::start(backend).await;
    let ids = customers_of(&h, "zhangsan", 3).await;
    let (refuser, hopper, limited) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    // wangwu is at WeCom's customer limit: a transfer to him ends 接替成员客户达到上限.
    h.control("transfer/limit", json!({"userid": "wangwu"}))
        .await;
    let to_full = create(
        &h,
        json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "wangwu",
               "external_userids": [limited]}),
    )
    .await;
    let first = create(
        &h,
        json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "lisi",
               "external_userids": [refuser, hopper]}),
    )
    .await;
    let first_id = first["handover"]["id"].as_str().unwrap().to_owned();
    h.control("transfer/refuse", json!({"external_userid": refuser}))
        .await;
    skip_day(&h);
    let d = done(&h, &first_id).await;
    let by_id: Vec<(String, String)> = d["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["external_userid"].as_str().unwrap().to_owned(),
                c["result"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        by_id.contains(&(refuser.clone(), "refused".to_owned())),
        "{d}"
    );
    assert!(
        by_id.contains(&(hopper.clone(), "accepted".to_owned())),
        "{d}"
    );
    assert_eq!(d["handover"]["counts"]["refused"], 1);
    let full = done(&h, to_full["handover"]["id"].as_str().unwrap()).await;
    assert_eq!(results(&full), vec!["over_limit"]);
    assert_eq!(full["handover"]["counts"]["over_limit"], 1);
    h.control(
        "transfer/limit",
        json!({"userid": "wangwu", "over_limit": false}),
    )
    .await;
    h.settled().await;
    // The refuser stays with zhangsan.
    assert_eq!(
        follow_users(&h, &refuser).await,
        vec![("zhangsan".to_owned(), "active".to_owned())]
    );

    // Second transfer of the hopper: lisi → wangwu.
    let second = create(
        &h,
        json!({"kind": "on_job", "handover_userid": "lisi", "takeover_userid": "wangwu",
               "external_userids": [hopper]}),
    )
    .await;
    skip_day(&h);
    done(&h, second["handover"]["id"].as_str().unwrap()).await;
    h.settled().await;
    // A third within 90 days: WeCom's rule refuses it at once.
    let third = create(
        &h,
        json!({"kind": "on_job", "handover_userid": "wangwu", "takeover_userid": "zhangsan",
               "external_userids": [hopper]}),
    )
    .await;
    assert_eq!(third["handover"]["status"], "done", "{third}");
    assert_eq!(third["customers"][0]["result"], "rejected_by_rule");
    assert_eq!(third["customers"][0]["errcode"], 40128);
    assert_eq!(third["handover"]["counts"]["rejected_by_rule"], 1);
    h.shutdown().await;
}

async fn more_than_100_customers_go_out_in_calls_of_100(backend: Backend) {
    let h = Harness::start(backend).await;
    let mut ids = Vec::new();
    for _ in 0..150 {
        let scan = h.scan("zhangsan", "xhs_post_1").await;
        ids.push(scan["external_userid"].as_str().unwrap().to_owned());
    }
    let before = h.calls("externalcontact/transfer_customer").await;
    let created = create(
        &h,
        json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "lisi",
               "external_userids": ids}),
    )
    .await;
    assert_eq!(created["handover"]["total"], 150);
    assert_eq!(created["handover"]["batches"], 2);
    assert_eq!(
        created["handover"]["counts"]["waiting"], 150,
        "{}",
        created["handover"]
    );
    assert_eq!(
        h.calls("externalcontact/transfer_customer").await - before,
        2
    );
    // Every customer's transfer started exactly once in WeCom.
    let transfers = h.control_get("transfers").await;
    assert_eq!(transfers.as_array().unwrap().len(), 150);
    h.shutdown().await;
}

async fn a_transfer_whose_answer_is_lost_is_reconciled_not_started_twice(backend: Backend) {
    let h = Harness::start(backend).await;
    let mut ids = Vec::new();
    for _ in 0..120 {
        let scan = h.scan("zhangsan", "xhs_post_1").await;
        ids.push(scan["external_userid"].as_str().unwrap().to_owned());
    }
    // WeCom applies the first call but answers after the client gave up (5 s).
    h.control(
        "faults",
        json!([{"path": "externalcontact/transfer_customer", "delay_ms": 6000, "times": 1}]),
    )
    .await;
    let created = create(
        &h,
        json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "lisi",
               "external_userids": ids}),
    )
    .await;
    let id = created["handover"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["handover"]["status"], "running");
    assert!(
        created["handover"]["counts"]["pending"].as_u64().unwrap() >= 100,
        "the first batch's outcome is unknown: {}",
        created["handover"]
    );
    // The second batch goes out in the next check; the first waits until its call is surely over.
    eventually_every(
        "the second batch started",
        Duration::from_secs(60),
        Duration::from_millis(300),
        || async {
            let d = detail(&h, &id).await;
            (d["handover"]["counts"]["waiting"] == 20).then_some(())
        },
    )
    .await;
    // WeCom applied the late call (the client had given up on it long before).
    eventually_every(
        "the late call applied in WeCom",
        Duration::from_secs(30),
        Duration::from_millis(200),
        || async {
            (h.control_get("transfers").await.as_array().unwrap().len() == 120).then_some(())
        },
    )
    .await;
    assert_eq!(h.calls("externalcontact/transfer_customer").await, 2);
    h.advance_clock_to_ms(h.now_ms() + 3 * 60_000);
    let d = eventually_every(
        "the first batch reconciled",
        Duration::from_secs(60),
        Duration::from_millis(300),
        || async {
            let d = detail(&h, &id).await;
            (d["handover"]["counts"]["waiting"] == 120).then_some(d)
        },
    )
    .await;
    assert_eq!(d["handover"]["counts"]["pending"], 0);
    // WeCom got each customer exactly once: two calls, 120 transfers.
    assert_eq!(h.calls("externalcontact/transfer_customer").await, 2);
    assert_eq!(
        h.control_get("transfers").await.as_array().unwrap().len(),
        120
    );
    h.shutdown().await;
}

async fn a_departed_consultants_customers_and_pending_campaign_task_are_handed_over(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(h.consenting_customer("wangwu", "xhs_post_1").await);
    }
    // A campaign whose task waits on wangwu (created in WeCom, never sent by him).
    let (status, campaign) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "双十二光子嫩肤", "audience": {"type": "customers", "external_userids": ids},
                        "content": {"text": "双十二光子嫩肤特惠"}})),
        )
        .await;
    assert_eq!(status, 201, "{campaign}");
    eventually_every(
        "the group-send task exists",
        Duration::from_secs(60),
        Duration::from_millis(200),
        || async { (!h.group_msgs().await.is_empty()).then_some(()) },
    )
    .await;
    h.control("staff/resign", json!({"userid": "wangwu"})).await;

    let (status, unassigned) = h.api(Method::GET, "/api/handovers/unassigned", None).await;
    assert_eq!(status, 200, "{unassigned}");
    let departed = &unassigned["consultants"][0];
    assert_eq!(departed["handover_userid"], "wangwu", "{unassigned}");
    assert_eq!(departed["customers"].as_array().unwrap().len(), 3);
    assert_eq!(departed["pending_campaigns"][0]["name"], "双十二光子嫩肤");
    assert_eq!(departed["pending_campaigns"][0]["tasks"], 1);
    assert_eq!(departed["pending_campaigns"][0]["recipients"], 3);

    let created = create(
        &h,
        json!({"kind": "resigned", "handover_userid": "wangwu", "takeover_userid": "lisi",
               "all_unassigned": true}),
    )
    .await;
    let id = created["handover"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["handover"]["total"], 3);
    assert_eq!(created["handover"]["kind"], "resigned");
    // The departed consultant's unfinished task is reported on the handover.
    assert_eq!(
        created["handover"]["pending_campaigns"][0]["name"],
        "双十二光子嫩肤"
    );
    assert_eq!(created["handover"]["pending_campaigns"][0]["tasks"], 1);
    // Nothing is left unassigned while the transfers run.
    let (_, unassigned) = h.api(Method::GET, "/api/handovers/unassigned", None).await;
    assert_eq!(unassigned["consultants"], json!([]));

    skip_day(&h);
    let d = done(&h, &id).await;
    assert_eq!(results(&d), vec!["accepted"; 3]);
    h.settled().await;
    for c in &ids {
        assert_eq!(
            follow_users(&h, c).await,
            vec![
                ("lisi".to_owned(), "active".to_owned()),
                ("wangwu".to_owned(), "ended".to_owned())
            ],
            "{c}"
        );
    }
    h.shutdown().await;
}

async fn bad_requests_name_the_field_in_chinese_and_consultants_are_refused(backend: Backend) {
    let h = Harness::start(backend).await;
    let ids = customers_of(&h, "zhangsan", 1).await;
    let long = "好".repeat(201);
    for (body, field) in [
        (
            json!({"handover_userid": "zhangsan", "takeover_userid": "lisi", "external_userids": ids}),
            "kind",
        ),
        (
            json!({"kind": "on_job", "takeover_userid": "lisi", "external_userids": ids}),
            "handover_userid",
        ),
        (
            json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "zhangsan", "external_userids": ids}),
            "takeover_userid",
        ),
        (
            json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "lisi", "message": long, "external_userids": ids}),
            "message",
        ),
        (
            json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "lisi", "external_userids": []}),
            "external_userids",
        ),
        (
            json!({"kind": "on_job", "handover_userid": "zhangsan", "takeover_userid": "lisi", "all_unassigned": true}),
            "all_unassigned",
        ),
    ] {
        let (status, answer) = h
            .api(Method::POST, "/api/handovers", Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["error"]["field"], field, "{body} → {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{answer}"
        );
    }
    let (status, list) = h.api(Method::GET, "/api/handovers", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"], json!([]), "nothing stored");
    assert_eq!(h.calls("externalcontact/transfer_customer").await, 0);
    let (status, _) = h.api(Method::GET, "/api/handovers/nope", None).await;
    assert_eq!(status, 404);
    let consultant = h.staff_token(admin_api::Role::Consultant, Some("zhangsan"));
    let (status, answer) = h
        .api_as(&consultant, Method::GET, "/api/handovers", None)
        .await;
    assert_eq!(status, 403, "{answer}");
    h.shutdown().await;
}
