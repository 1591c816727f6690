//! The tamper-evident audit through the admin API: reads of one customer's personal data are
//! audited with the caller as actor, every entry is chained, `GET /api/audit-logs/verify`
//! reports an intact chain and where a tampered one breaks — on both backends.
#![allow(clippy::unwrap_used, clippy::panic)]

use admin_api::Role;
use crm::keys::{AUDIT_PK, audit_seq_sk};
use ports::Condition;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, on_both_backends};

async fn get(h: &Harness, path: &str) -> Value {
    let (status, body) = h.api(Method::GET, path, None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Every audit entry, newest first.
async fn audit_entries(h: &Harness) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/audit-logs?limit=100&cursor={c}"),
            None => "/api/audit-logs?limit=100".to_owned(),
        };
        let page = get(h, &path).await;
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

fn reads_of<'a>(entries: &'a [Value], external_userid: &str) -> Vec<&'a Value> {
    entries
        .iter()
        .filter(|e| e["action"] == "customer.read" && e["target"] == external_userid)
        .collect()
}

async fn reads_are_audited_with_the_caller_and_the_chain_verifies(backend: Backend) {
    let h = Harness::start(backend).await;
    let (id, _) = h.customer_with("zhangsan", "xiaohongshu", json!({})).await;
    let before = reads_of(&audit_entries(&h).await, &id).len();

    // A consultant who follows the customer opens their page.
    let consultant = h.staff_token(Role::Consultant, Some("zhangsan"));
    let (_, me) = h.api_as(&consultant, Method::GET, "/api/me", None).await;
    let (status, detail) = h
        .api_as(
            &consultant,
            Method::GET,
            &format!("/api/customers/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{detail}");

    let entries = audit_entries(&h).await;
    let reads = reads_of(&entries, &id);
    assert_eq!(reads.len(), before + 1, "{entries:?}");
    let read = reads[0];
    assert_eq!(
        read["actor"], me["id"],
        "the stable subject id of the caller"
    );
    assert!(read["actor"].as_str().unwrap().starts_with("token:"));
    assert_eq!(read["fields"], json!(["detail"]));
    assert!(read["seq"].as_u64().unwrap() >= 1);
    assert_eq!(read["hash"].as_str().unwrap().len(), 64);
    let name = detail["name"].as_str().unwrap();
    assert!(!name.is_empty());
    assert!(
        !entries.iter().any(|e| e.to_string().contains(name)),
        "no personal data in the audit"
    );

    // A customer that does not exist: nothing was read, nothing audited.
    let (status, _) = h.api(Method::GET, "/api/customers/wm_nobody", None).await;
    assert_eq!(status, 404);
    // Lists are not audited per customer.
    get(&h, "/api/customers").await;
    let after = audit_entries(&h).await;
    assert_eq!(after.len(), entries.len(), "{after:?}");

    // The customer's treatments and purchases, read on their own, are reads too.
    for part in ["appointments", "purchases"] {
        let path = format!("/api/customers/{id}/{part}");
        let (status, body) = h.api_as(&consultant, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{body}");
    }
    let after = audit_entries(&h).await;
    let reads = reads_of(&after, &id);
    assert_eq!(reads[0]["fields"], json!(["purchases"]), "{reads:?}");
    assert_eq!(reads[1]["fields"], json!(["appointments"]), "{reads:?}");
    assert_eq!(reads[1]["actor"], me["id"]);

    let report = get(&h, "/api/audit-logs/verify").await;
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["broken"], Value::Null);
    let chained = after.iter().filter(|e| e["seq"].is_u64()).count() as u64;
    assert_eq!(report["checked"], chained);
    assert_eq!(report["first_seq"], 1);
    assert_eq!(report["last_seq"], chained);
    assert_eq!(report["head_seq"], chained);
    h.shutdown().await;
}

async fn concurrent_requests_keep_one_contiguous_chain(backend: Backend) {
    let h = Harness::start(backend).await;
    let (id, _) = h.customer_with("zhangsan", "douyin", json!({})).await;
    let tiers = ["A", "B", "C"];
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let request = if i % 2 == 0 {
                h.http.get(h.url(&format!("/api/customers/{id}")))
            } else {
                h.http
                    .patch(h.url(&format!("/api/customers/{id}")))
                    .json(&json!({"tier": tiers[i % 3], "notes": format!("第 {i} 次")}))
            };
            let request = request.bearer_auth(&h.app.admin_token);
            tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                assert_eq!(status, 200, "{}", response.text().await.unwrap());
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }

    let entries = audit_entries(&h).await;
    let mut seqs: Vec<u64> = entries.iter().filter_map(|e| e["seq"].as_u64()).collect();
    seqs.sort_unstable();
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "one seq each, no gap, no fork");
    assert_eq!(
        reads_of(&entries, &id).len(),
        6 + 1,
        "six reads, and the one of customer_with"
    );
    let report = get(&h, "/api/audit-logs/verify").await;
    assert_eq!(report["intact"], true, "{report}");
    assert_eq!(report["checked"], seqs.len() as u64);
    h.shutdown().await;
}

async fn verify_reports_an_edited_entry_and_a_deleted_one(backend: Backend) {
    let h = Harness::start(backend).await;
    let (id, _) = h.customer_with("zhangsan", "xiaohongshu", json!({})).await;
    for _ in 0..5 {
        get(&h, &format!("/api/customers/{id}")).await;
    }
    let report = get(&h, "/api/audit-logs/verify").await;
    assert_eq!(report["intact"], true, "{report}");
    let last = report["last_seq"].as_u64().unwrap();
    assert!(last >= 5, "{report}");

    // Someone with write access to the table changes who read the customer.
    let target = last - 2;
    let mut item = h
        .store
        .get(AUDIT_PK, &audit_seq_sk(target))
        .await
        .unwrap()
        .unwrap();
    let entry_id = item.data["id"].as_str().unwrap().to_owned();
    item.data.insert("actor".into(), json!("somebody-else"));
    h.store.put(item.clone(), Condition::Always).await.unwrap();
    let report = get(&h, "/api/audit-logs/verify").await;
    assert_eq!(report["intact"], false, "{report}");
    assert_eq!(
        report["broken"],
        json!({"seq": target, "entry_id": entry_id, "reason": "hash_mismatch"})
    );
    assert_eq!(report["checked"], target - 1);

    // The entry removed instead: a gap in the middle.
    let original = h
        .store
        .get(AUDIT_PK, &audit_seq_sk(target + 1))
        .await
        .unwrap()
        .unwrap();
    h.store
        .delete(AUDIT_PK, &audit_seq_sk(target), Condition::Always)
        .await
        .unwrap();
    let report = get(&h, "/api/audit-logs/verify").await;
    assert_eq!(
        report["broken"],
        json!({"seq": target, "entry_id": original.data["id"], "reason": "sequence_gap"}),
        "{report}"
    );
    h.shutdown().await;
}

on_both_backends!(
    reads_are_audited_with_the_caller_and_the_chain_verifies,
    concurrent_requests_keep_one_contiguous_chain,
    verify_reports_an_edited_entry_and_a_deleted_one,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_admins_verify_and_errors_are_json() {
    let h = Harness::start(Backend::Embedded).await;
    let manager = h.staff_token(Role::Manager, None);
    let (status, body) = h
        .api_as(&manager, Method::GET, "/api/audit-logs/verify", None)
        .await;
    assert_eq!(status, 403, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    let status = h
        .http
        .get(h.url("/api/audit-logs/verify"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    h.shutdown().await;
}
