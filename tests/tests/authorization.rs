//! Roles and scope through HTTP with staff tokens made as `wecom-crm token create` makes them:
//! every route of the OpenAPI document × every role, against a table written here (not derived
//! from the code's table), and a consultant's customer scope.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;

use admin_api::Role;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, scan_key};

/// Who may call a route: the lowest role allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Min {
    Consultant,
    Manager,
    Admin,
}

/// Every route of the admin API and who may call it. `{external_userid}` is a customer the
/// consultant follows; other parameters name nothing (a 404 is an allowed answer).
const ROUTES: &[(&str, &str, Min)] = &[
    ("GET", "/api/me", Min::Consultant),
    ("GET", "/api/overview", Min::Manager),
    ("GET", "/api/staff", Min::Consultant),
    ("PATCH", "/api/staff/{userid}", Min::Admin),
    ("GET", "/api/config", Min::Consultant),
    ("PUT", "/api/config", Min::Admin),
    ("POST", "/api/config/test", Min::Admin),
    ("GET", "/api/callback-logs", Min::Admin),
    ("GET", "/api/callback-logs/{id}", Min::Admin),
    ("POST", "/api/callback-logs/{id}/replay", Min::Admin),
    ("GET", "/api/audit-logs", Min::Admin),
    ("GET", "/api/audit-logs/verify", Min::Admin),
    ("POST", "/api/sync", Min::Manager),
    ("GET", "/api/sync/runs", Min::Manager),
    ("GET", "/api/sync/runs/{id}", Min::Manager),
    ("GET", "/api/customers", Min::Consultant),
    ("POST", "/api/customers/import", Min::Manager),
    ("GET", "/api/customers/imports/{id}", Min::Manager),
    ("GET", "/api/customers/export", Min::Consultant),
    ("GET", "/api/leads", Min::Manager),
    ("GET", "/api/campaigns/{id}/recipients/export", Min::Manager),
    ("GET", "/api/stats/channels/export", Min::Manager),
    ("GET", "/api/customers/{external_userid}", Min::Consultant),
    ("PATCH", "/api/customers/{external_userid}", Min::Consultant),
    (
        "POST",
        "/api/customers/{external_userid}/sync",
        Min::Consultant,
    ),
    (
        "POST",
        "/api/customers/{external_userid}/tags",
        Min::Consultant,
    ),
    (
        "PATCH",
        "/api/customers/{external_userid}/relationships/{userid}",
        Min::Consultant,
    ),
    (
        "GET",
        "/api/customers/{external_userid}/appointments",
        Min::Consultant,
    ),
    (
        "GET",
        "/api/customers/{external_userid}/purchases",
        Min::Consultant,
    ),
    (
        "GET",
        "/api/customers/{external_userid}/consents",
        Min::Consultant,
    ),
    (
        "POST",
        "/api/customers/{external_userid}/consents",
        Min::Consultant,
    ),
    ("POST", "/api/appointments", Min::Consultant),
    ("GET", "/api/appointments", Min::Consultant),
    ("GET", "/api/appointments/{id}", Min::Consultant),
    ("POST", "/api/appointments/{id}/status", Min::Consultant),
    ("POST", "/api/appointments/{id}/reschedule", Min::Consultant),
    // The booking system's credential (tests/tests/appointments.rs) and admins only.
    ("GET", "/api/booking/customers", Min::Admin),
    ("POST", "/api/booking/appointments", Min::Admin),
    ("GET", "/api/booking/appointments/{booking_id}", Min::Admin),
    ("POST", "/api/purchases", Min::Consultant),
    ("GET", "/api/tags", Min::Consultant),
    ("POST", "/api/tags", Min::Manager),
    ("PATCH", "/api/tags/{id}", Min::Manager),
    ("DELETE", "/api/tags/{id}", Min::Manager),
    ("GET", "/api/stats/channels", Min::Manager),
    ("POST", "/api/stats/rebuild", Min::Admin),
    ("GET", "/api/stats/pipeline", Min::Manager),
    (
        "PUT",
        "/api/customers/{external_userid}/stage",
        Min::Consultant,
    ),
    ("GET", "/api/stats/consultants", Min::Consultant),
    ("POST", "/api/stats/consultants/import", Min::Manager),
    ("GET", "/api/handovers", Min::Manager),
    ("POST", "/api/handovers", Min::Manager),
    ("GET", "/api/handovers/unassigned", Min::Manager),
    ("GET", "/api/handovers/{id}", Min::Manager),
    ("POST", "/api/handovers/{id}/refresh", Min::Manager),
    ("GET", "/api/contact-ways", Min::Consultant),
    ("POST", "/api/contact-ways", Min::Manager),
    ("GET", "/api/contact-ways/{config_id}", Min::Consultant),
    ("PATCH", "/api/contact-ways/{config_id}", Min::Manager),
    ("DELETE", "/api/contact-ways/{config_id}", Min::Manager),
    (
        "GET",
        "/api/contact-ways/{config_id}/qrcode",
        Min::Consultant,
    ),
    ("GET", "/api/campaigns", Min::Manager),
    ("POST", "/api/campaigns", Min::Manager),
    ("POST", "/api/campaigns/preview", Min::Manager),
    ("GET", "/api/campaigns/{id}", Min::Manager),
    ("GET", "/api/campaigns/{id}/recipients", Min::Manager),
    ("GET", "/api/campaigns/{id}/links", Min::Manager),
    ("POST", "/api/campaigns/{id}/cancel", Min::Manager),
    ("POST", "/api/campaigns/{id}/remind", Min::Manager),
    ("POST", "/api/media", Min::Consultant),
    ("GET", "/api/messages", Min::Consultant),
    ("POST", "/api/messages", Min::Consultant),
    ("GET", "/api/automations", Min::Manager),
    ("POST", "/api/automations", Min::Manager),
    ("GET", "/api/automations/{id}", Min::Manager),
    ("PATCH", "/api/automations/{id}", Min::Manager),
    ("DELETE", "/api/automations/{id}", Min::Manager),
    ("GET", "/api/automations/{id}/runs", Min::Manager),
    ("POST", "/api/automations/{id}/run", Min::Manager),
    ("GET", "/api/privacy/retention", Min::Admin),
    ("PUT", "/api/privacy/retention", Min::Admin),
    ("GET", "/api/dead-letters", Min::Admin),
    ("POST", "/api/dead-letters/{id}/replay", Min::Admin),
    // Data-subject requests last: an allowed erase removes the customer the others use.
    ("GET", "/api/customers/{external_userid}/export", Min::Admin),
    ("POST", "/api/customers/{external_userid}/erase", Min::Admin),
];

async fn scanned(h: &Harness, userid: &str, state: &str) -> String {
    let scan = h.scan(userid, state).await;
    h.processed(&scan_key(&scan)).await;
    scan["external_userid"].as_str().unwrap().to_owned()
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}

/// The routes the running API documents, as (METHOD, template).
async fn documented(h: &Harness) -> BTreeSet<(String, String)> {
    let (status, doc) = h.api(Method::GET, "/api/openapi.json", None).await;
    assert_eq!(status, 200);
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "put", "post", "patch", "delete"] {
            if item.get(m).is_some() {
                routes.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_route_answers_each_role_as_the_table_says() {
    let h = Harness::start(Backend::Embedded).await;
    let theirs = scanned(&h, "zhangsan", "xiaohongshu").await;

    // The table covers every documented route, and nothing else.
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let documented = documented(&h).await;
    let missing: Vec<_> = documented.difference(&table).collect();
    let stale: Vec<_> = table.difference(&documented).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without an expected access here: {missing:?}; listed here but not documented: {stale:?}"
    );

    let tokens = [
        (
            Min::Consultant,
            h.staff_token(Role::Consultant, Some("zhangsan")),
        ),
        (Min::Manager, h.staff_token(Role::Manager, None)),
        (Min::Admin, h.staff_token(Role::Admin, None)),
    ];
    let mut report = Vec::new();
    for (m, template, min) in ROUTES {
        let path = template
            .replace("{external_userid}", &theirs)
            .replace("{userid}", "nobody-here")
            .replace("{config_id}", "no-such-code")
            .replace("{id}", "no-such-id");
        // An empty object: handlers that take a body refuse it (400) before doing anything.
        let body = (*m != "GET").then(|| json!({}));
        for (role, token) in &tokens {
            let (status, answer) = h.api_as(token, method(m), &path, body.clone()).await;
            let allowed = role >= min;
            report.push(format!("{m} {template} as {role:?}: {status}"));
            if allowed {
                assert!(
                    status != 403 && status != 401 && status < 500,
                    "{m} {template} as {role:?} should be allowed, answered {status}: {answer}"
                );
            } else {
                assert_eq!(
                    status, 403,
                    "{m} {template} as {role:?} should be refused, answered {status}: {answer}"
                );
                assert_eq!(answer["error"]["code"], "forbidden", "{answer}");
                let message = answer["error"]["message"].as_str().unwrap();
                assert!(
                    message
                        .chars()
                        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "a Chinese message: {message}"
                );
            }
        }
    }
    assert_eq!(report.len(), ROUTES.len() * 3);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_consultant_sees_and_acts_on_only_the_customers_they_follow() {
    let h = Harness::start(Backend::Embedded).await;
    let theirs = scanned(&h, "zhangsan", "xiaohongshu").await;
    let also_theirs = scanned(&h, "zhangsan", "douyin").await;
    let others = scanned(&h, "lisi", "xiaohongshu").await;
    let zhangsan = h.staff_token(Role::Consultant, Some("zhangsan"));

    let (status, page) = h
        .api_as(&zhangsan, Method::GET, "/api/customers?limit=100", None)
        .await;
    assert_eq!(status, 200, "{page}");
    let listed: BTreeSet<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_userid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from([theirs.clone(), also_theirs.clone()])
    );
    // Free text and channel filters stay inside their customers.
    let (_, page) = h
        .api_as(
            &zhangsan,
            Method::GET,
            "/api/customers?state=xiaohongshu",
            None,
        )
        .await;
    let listed: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_userid"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![theirs.as_str()]);
    // Customers who ended the relationship are no longer theirs.
    let (status, _) = h
        .api_as(&zhangsan, Method::GET, "/api/customers?status=ended", None)
        .await;
    assert_eq!(status, 403);
    // Asking for another consultant's list is refused.
    let (status, _) = h
        .api_as(&zhangsan, Method::GET, "/api/customers?userid=lisi", None)
        .await;
    assert_eq!(status, 403);

    // Their customer: detail, fields, records, messages.
    let (status, detail) = h
        .api_as(
            &zhangsan,
            Method::GET,
            &format!("/api/customers/{theirs}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{detail}");
    let (status, _) = h
        .api_as(
            &zhangsan,
            Method::PATCH,
            &format!("/api/customers/{theirs}"),
            Some(json!({ "tier": "A" })),
        )
        .await;
    assert_eq!(status, 200);

    // Another consultant's customer: every way in is refused, and nothing changes.
    for (m, path, body) in [
        (Method::GET, format!("/api/customers/{others}"), None),
        (
            Method::PATCH,
            format!("/api/customers/{others}"),
            Some(json!({ "tier": "A" })),
        ),
        (
            Method::GET,
            format!("/api/customers/{others}/appointments"),
            None,
        ),
        (
            Method::GET,
            format!("/api/customers/{others}/purchases"),
            None,
        ),
        (
            Method::POST,
            format!("/api/customers/{others}/sync"),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/api/messages?external_userid={others}"),
            None,
        ),
        (
            Method::POST,
            "/api/appointments".to_owned(),
            Some(
                json!({ "external_userid": others, "scheduled_at_ms": h.now_ms() + 86_400_000, "item": "水光针" }),
            ),
        ),
        (
            Method::POST,
            "/api/purchases".to_owned(),
            Some(
                json!({ "external_userid": others, "purchased_at_ms": h.now_ms(), "item": "水光针", "amount_fen": 100, "order_id": "o-1" }),
            ),
        ),
        (
            Method::POST,
            "/api/messages".to_owned(),
            Some(json!({ "external_userids": [others], "content": { "text": "你好" } })),
        ),
    ] {
        let (status, answer) = h.api_as(&zhangsan, m.clone(), &path, body).await;
        assert_eq!(status, 403, "{m} {path}: {answer}");
        assert_eq!(answer["error"]["message"], "只能查看和处理自己跟进的客户");
    }
    let (_, other) = h
        .api(Method::GET, &format!("/api/customers/{others}"), None)
        .await;
    assert_ne!(other["crm"]["tier"], "A", "{other}");
    let (_, appointments) = h
        .api(
            Method::GET,
            &format!("/api/customers/{others}/appointments"),
            None,
        )
        .await;
    assert_eq!(appointments["items"], json!([]), "{appointments}");

    // A manager sees everyone.
    let manager = h.staff_token(Role::Manager, None);
    let (_, page) = h
        .api_as(&manager, Method::GET, "/api/customers?limit=100", None)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);

    // A customer who deletes their consultant is no longer theirs.
    h.control(
        "delete",
        json!({"userid": "zhangsan", "external_userid": also_theirs, "by": "customer"}),
    )
    .await;
    tests::eventually("the relationship to end", || async {
        let (status, _) = h
            .api_as(
                &zhangsan,
                Method::GET,
                &format!("/api/customers/{also_theirs}"),
                None,
            )
            .await;
        (status == 403).then_some(())
    })
    .await;
    let (_, page) = h
        .api_as(&zhangsan, Method::GET, "/api/customers?limit=100", None)
        .await;
    let listed: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_userid"].as_str().unwrap())
        .collect();
    assert_eq!(listed, vec![theirs.as_str()]);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_audit_names_the_token_not_its_holder_and_a_revoked_token_is_refused() {
    let h = Harness::start(Backend::Embedded).await;
    let theirs = scanned(&h, "zhangsan", "xiaohongshu").await;
    let token = h.staff_token(Role::Consultant, Some("zhangsan"));
    let (status, me) = h.api_as(&token, Method::GET, "/api/me", None).await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "consultant");
    assert_eq!(me["userid"], "zhangsan");
    let subject = me["id"].as_str().unwrap().to_owned();
    assert!(subject.starts_with("token:"), "{me}");

    let (status, _) = h
        .api_as(
            &token,
            Method::PATCH,
            &format!("/api/customers/{theirs}"),
            Some(json!({ "tier": "B" })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, audit) = h.api(Method::GET, "/api/audit-logs?limit=50", None).await;
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["target"] == theirs.as_str() && e["action"] != "customer.read")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(entry["actor"], subject.as_str(), "{audit}");

    let id = subject.trim_start_matches("token:");
    wecom_crm::tokens::Tokens::in_dir(&h.data_dir())
        .revoke(id, 1)
        .unwrap();
    let (status, _) = h.api_as(&token, Method::GET, "/api/me", None).await;
    assert_eq!(status, 401);
    h.shutdown().await;
}
