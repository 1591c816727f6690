//! Data-subject rights through the router, on both backends: the export holds every record
//! type seeded for one customer and nothing of another; the erasure removes their personal
//! data from every API answer and every stored item, keeps the anonymous statistics (the
//! aggregates rebuild finds no difference), and neither a full sync (WeCom still has the
//! contact), a repeated nor a new add event, nor a new campaign brings them back.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, eventually_within, on_both_backends, scan_key};

on_both_backends!(
    erasing_a_customer_removes_every_trace_and_nothing_brings_them_back,
    export_and_erase_refuse_unknown_customers_and_bad_reasons,
);

const NAME: &str = "林秘密";
const PHONE: &str = "13812345678";
const NOTES: &str = "对玻尿酸过敏";

/// Every string of the SQLite file (items, queues, dead letters), for the embedded backend.
fn stored_text(h: &Harness) -> Option<String> {
    h.embedded_queue.as_ref()?;
    let conn = rusqlite::Connection::open_with_flags(
        h.data_dir().join("crm.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut out = String::new();
    // The audit log is the record of processing, kept whole (its entries chain hashes): it
    // names a customer by external_userid and never holds values (checked separately).
    for query in [
        "SELECT * FROM items WHERE pk NOT LIKE 'AUDIT%'",
        "SELECT * FROM queue_messages",
        "SELECT * FROM queue_dead_letters",
    ] {
        let mut stmt = conn.prepare(query).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                if let Ok(Some(text)) = row.get::<_, Option<String>>(i) {
                    out.push_str(&text);
                    out.push('\n');
                }
            }
        }
    }
    Some(out)
}

/// Fails naming the first of the customer's strings found in `text`.
fn assert_gone(text: &str, strings: &[&str], where_: &str) {
    for s in strings {
        assert!(
            !text.contains(s),
            "{where_} still holds {s:?}: …{}…",
            text.find(s)
                .map(|i| &text[i.saturating_sub(200)..(i + 200).min(text.len())])
                .unwrap_or("")
        );
    }
}

async fn get(h: &Harness, path: &str) -> (u16, Value) {
    h.api(Method::GET, path, None).await
}

async fn rebuild_differences(h: &Harness) -> Value {
    let (status, report) = h
        .api(
            Method::POST,
            "/api/stats/rebuild",
            Some(json!({"apply": false})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    report["differences"].clone()
}

async fn erasing_a_customer_removes_every_trace_and_nothing_brings_them_back(backend: Backend) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    // The customer to erase (zhangsan's, named, with a phone, notes and a consent) and another.
    let scan = h
        .control(
            "scan",
            json!({"userid": "zhangsan", "state": "xiaohongshu", "name": NAME}),
        )
        .await;
    let a = scan["external_userid"].as_str().unwrap().to_owned();
    h.processed(&scan_key(&scan)).await;
    h.record_consent(&a, "marketing", true, "written").await;
    let (status, body) = h
        .api(
            Method::PATCH,
            &format!("/api/customers/{a}"),
            Some(json!({"phone": PHONE, "notes": NOTES, "tier": "A"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (b, _) = h
        .customer_with(
            "lisi",
            "douyin",
            json!({"phone": "13900000000", "marketing_consent": true}),
        )
        .await;
    for id in [&a, &b] {
        let (status, body) = h
            .api(
                Method::POST,
                "/api/appointments",
                Some(
                    json!({"external_userid": id, "scheduled_at_ms": h.now_ms() + 86_400_000,
                            "item": "光子嫩肤", "source": "staff"}),
                ),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = h
            .api(
                Method::POST,
                "/api/purchases",
                Some(
                    json!({"external_userid": id, "amount_fen": 68000, "item": "水光针",
                            "purchased_at_ms": h.now_ms(), "order_id": format!("ORD-{id}")}),
                ),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // A campaign to both: one task per consultant, so each tracked link goes to one customer.
    let (status, created) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "双十二", "audience": {"type": "customers", "external_userids": [a, b]},
                        "content": {"text": "双十二活动 https://yanmei.example/double12"}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let campaign = created["id"].as_str().unwrap().to_owned();
    h.campaign_in(&campaign, "tracking").await;
    h.control("groupmsg/confirm", json!({"userid": "zhangsan"}))
        .await;
    h.funnel_reaches(&campaign, "sent", 1).await;
    let task = h
        .group_msgs()
        .await
        .into_iter()
        // The campaign's task (the appointments' confirmations are tasks of zhangsan's too).
        .find(|t| {
            t["creator"] == "zhangsan" && t["text"].as_str().is_some_and(|s| s.contains("双十二"))
        })
        .unwrap();
    let text = task["text"].as_str().unwrap();
    let url = &text[text.find("http://").unwrap()..];
    let url = url.split_whitespace().next().unwrap();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(no_redirects.get(url).send().await.unwrap().status(), 302);
    let funnel_before = h.funnel_reaches(&campaign, "clicks", 1).await;
    h.settled().await;
    assert_eq!(rebuild_differences(&h).await, json!([]));
    let (_, overview_before) = get(&h, "/api/overview").await;

    // The export: a download holding each record type, and nothing of the other customer.
    let response = h
        .http
        .get(h.url(&format!("/api/customers/{a}/export")))
        .bearer_auth(&h.app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    let export: Value = response.json().await.unwrap();
    let text = export.to_string();
    assert!(text.contains(NAME) && text.contains(PHONE) && text.contains(NOTES));
    assert!(!text.contains(&b), "the export names another customer");
    let kinds: Vec<&str> = export["customer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "profile",
        "relationship",
        "timeline",
        "appointment",
        "purchase",
        "consent",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    for section in ["events", "messages", "ledger", "clicks", "links", "orders"] {
        assert!(
            !export[section].as_array().unwrap().is_empty(),
            "empty {section}: {export}"
        );
    }
    let (_, audit) = get(&h, "/api/audit-logs?limit=5").await;
    assert!(audit.to_string().contains("customer.export"), "{audit}");

    // The erasure, then a retry of it.
    let (status, report) = h
        .api(
            Method::POST,
            &format!("/api/customers/{a}/erase"),
            Some(json!({"reason": "客户本人申请删除"})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["resumed"], false);
    let (status, again) = h
        .api(
            Method::POST,
            &format!("/api/customers/{a}/erase"),
            Some(json!({"reason": "再次确认"})),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["resumed"], true);
    assert_eq!(again["deleted"], 0, "nothing was left: {again}");
    let (_, audit) = get(&h, "/api/audit-logs?limit=5").await;
    assert!(audit.to_string().contains("customer.erase"), "{audit}");
    assert_gone(&audit.to_string(), &[NAME, PHONE, NOTES], "the audit log");

    let personal: [&str; 4] = [&a, NAME, PHONE, NOTES];
    let check_everything = |when: &'static str| {
        let h = &h;
        let campaign = campaign.clone();
        let a = a.clone();
        async move {
            let (status, _) = get(h, &format!("/api/customers/{a}")).await;
            assert_eq!(status, 404, "{when}: the customer is gone");
            let (status, _) = get(h, &format!("/api/customers/{a}/export")).await;
            assert_eq!(status, 404, "{when}");
            let mut answers = Vec::new();
            for path in [
                "/api/customers?limit=100".to_owned(),
                format!("/api/customers?limit=100&q={NAME}"),
                format!("/api/campaigns/{campaign}/recipients?limit=100"),
                format!("/api/campaigns/{campaign}/links?limit=100"),
                format!("/api/messages?external_userid={a}"),
                "/api/callback-logs?limit=100".to_owned(),
                format!("/api/customers/{a}/appointments"),
                format!("/api/customers/{a}/purchases"),
                "/api/campaigns?limit=100".to_owned(),
            ] {
                let (_, body) = get(h, &path).await;
                answers.push(format!(
                    "{}: {body}",
                    path.replace(&a, "<id>").replace(NAME, "<name>")
                ));
            }
            let (_, listed) = get(h, "/api/customers?limit=100").await;
            assert_eq!(
                listed["items"].as_array().unwrap().len(),
                1,
                "{when}: {listed}"
            );
            assert_gone(&answers.join("\n"), &personal, when);
            let (_, audit) = get(h, "/api/audit-logs?limit=100").await;
            assert_gone(&audit.to_string(), &[NAME, PHONE, NOTES], when);
            if let Some(text) = stored_text(h) {
                assert_gone(&text, &personal, &format!("{when}: the store"));
            }
        }
    };
    check_everything("after the erasure").await;
    // The anonymous statistics did not move, and the rebuild agrees with them.
    assert_eq!(rebuild_differences(&h).await, json!([]));
    let funnel_after = h.campaign(&campaign).await["funnel"].clone();
    assert_eq!(funnel_after, funnel_before);
    let (_, mut overview_after) = get(&h, "/api/overview").await;
    overview_after["to_ms"] = overview_before["to_ms"].clone();
    assert_eq!(overview_after, overview_before, "the anonymous counts stay");

    // WeCom still has the contact: a full sync does not bring them back.
    h.sync_to_completion().await;
    check_everything("after a full sync").await;
    // A new add event (another consultant) delivered twice, and a repeat of zhangsan's: each
    // is logged without them and changes nothing.
    let again = h
        .control(
            "scan",
            json!({"userid": "lisi", "state": "douyin", "external_userid": a, "deliveries": 2}),
        )
        .await;
    assert_eq!(again["external_userid"], json!(a));
    h.settled().await;
    eventually_within(
        "the new event is dropped",
        Duration::from_secs(15),
        || async {
            let (_, log) = get(&h, "/api/callback-logs?limit=100").await;
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["outcome"] == "customer_erased" && e["status"] != "received")
                .then_some(())
        },
    )
    .await;
    check_everything("after new add events").await;
    let (status, body) = h
        .api(Method::POST, &format!("/api/customers/{a}/sync"), None)
        .await;
    assert_eq!(status, 404, "{body}");
    // A campaign created afterwards, naming them, does not reach them.
    let (status, created) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "回访", "audience": {"type": "customers", "external_userids": [a, b]},
                        "content": {"text": "您好"}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let later = created["id"].as_str().unwrap().to_owned();
    let c = h.campaign_in(&later, "tracking").await;
    assert_eq!(c["funnel"]["targeted"], 1, "{c}");
    let (_, recipients) = get(&h, &format!("/api/campaigns/{later}/recipients")).await;
    assert_gone(&recipients.to_string(), &personal, "the new campaign");
    h.settled().await;
    check_everything("after a new campaign").await;
    assert_eq!(rebuild_differences(&h).await, json!([]));
    h.shutdown().await;
}

async fn export_and_erase_refuse_unknown_customers_and_bad_reasons(backend: Backend) {
    let h = Harness::start(backend).await;
    let (status, body) = get(&h, "/api/customers/wm_nobody/export").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = h
        .api(
            Method::POST,
            "/api/customers/wm_nobody/erase",
            Some(json!({"reason": "客户申请"})),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let id = scan["external_userid"].as_str().unwrap().to_owned();
    h.processed(&scan_key(&scan)).await;
    for (bad, message) in [
        (json!({}), "请填写删除原因"),
        (json!({"reason": "   "}), "请填写删除原因"),
        (json!({"reason": 7}), "删除原因必须是文字"),
        (json!({"reason": "x".repeat(501)}), "删除原因最多 500 个字"),
    ] {
        let (status, body) = h
            .api(
                Method::POST,
                &format!("/api/customers/{id}/erase"),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "reason");
        assert_eq!(body["error"]["message"], message);
    }
    let (status, _) = get(&h, &format!("/api/customers/{id}")).await;
    assert_eq!(status, 200, "a refused erasure erases nothing");
    h.shutdown().await;
}
