//! 数据保留 through the router: the retention periods in force, changed by an admin (refused to
//! managers and consultants, validated field by field, audited with old and new values), the
//! changed periods stamped on records written afterwards; and an erasure that follows what
//! was merged into the customer (a lead, an earlier record of the same person).

#![allow(clippy::unwrap_used)]

use admin_api::Role;
use crm::leads::{Lead, LeadConsent, LeadRepo};
use ports::{IndexName, Query};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, on_both_backends, scan_key};

on_both_backends!(
    an_admin_changes_the_retention_and_records_written_afterwards_get_it,
    managers_consultants_and_too_short_periods_are_refused,
    erasing_a_customer_erases_the_lead_and_the_earlier_record_merged_into_them,
);

const DAY_S: i64 = 86_400;

fn period<'a>(view: &'a Value, field: &str) -> &'a Value {
    view["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["field"] == field)
        .unwrap_or_else(|| panic!("no period {field} in {view}"))
}

async fn retention(h: &Harness) -> Value {
    let (status, view) = h.api(Method::GET, "/api/privacy/retention", None).await;
    assert_eq!(status, 200, "{view}");
    view
}

async fn an_admin_changes_the_retention_and_records_written_afterwards_get_it(backend: Backend) {
    let h = Harness::start(backend).await;
    let view = retention(&h).await;
    assert_eq!(view["periods"].as_array().unwrap().len(), 5);
    let recipients = period(&view, "recipient_days");
    assert_eq!(
        (
            &recipients["days"],
            &recipients["min_days"],
            &recipients["source"]
        ),
        (&json!(365), &json!(30), &json!("default"))
    );
    assert_eq!(period(&view, "audit_days")["min_days"], 180);
    assert_eq!(period(&view, "audit_days")["zero_keeps"], false);
    assert_eq!(period(&view, "ended_customer_days")["zero_keeps"], true);

    let (status, changed) = h
        .api(
            Method::PUT,
            "/api/privacy/retention",
            Some(json!({"recipient_days": 60, "audit_days": 2000, "raw_event_days": 7})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let view = retention(&h).await;
    assert_eq!(view, changed);
    let recipients = period(&view, "recipient_days");
    assert_eq!(
        (
            &recipients["days"],
            &recipients["source"],
            &recipients["deployment_days"]
        ),
        (&json!(60), &json!("console"), &json!(365))
    );
    assert_eq!(period(&view, "click_days")["source"], "default");
    assert_eq!(view["updated_by"], "local-admin");

    // Audited with the old and the new values; the entry itself is written afterwards, so it
    // carries the new audit period.
    let (status, log) = h.api(Method::GET, "/api/audit-logs?limit=100", None).await;
    assert_eq!(status, 200, "{log}");
    let entry = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "privacy.retention")
        .unwrap_or_else(|| panic!("no retention entry in {log}"))
        .clone();
    let fields: Vec<&str> = entry["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec![
            "raw_event_days: 90 -> 7",
            "recipient_days: 365 -> 60",
            "audit_days: 1095 -> 2000"
        ]
    );
    let stored = h
        .store
        .query(Query::partition(IndexName::Primary, "AUDIT").limit(1000))
        .await
        .unwrap();
    let item = stored
        .items
        .iter()
        .find(|i| i.data["id"] == entry["id"])
        .unwrap();
    let at_s = item.data["at_ms"].as_i64().unwrap().div_euclid(1000);
    assert_eq!(item.expires_at, Some(at_s + 2000 * DAY_S));

    // A WeCom event received afterwards is kept the console's 7 days, not the deployment's 90.
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let logged = h.processed(&scan_key(&scan)).await;
    let raw = h.log.raw_item(&logged.dedupe_key).await.unwrap().unwrap();
    assert_eq!(
        raw.expires_at,
        Some(logged.received_at_ms.div_euclid(1000) + 7 * DAY_S)
    );

    // Leaving a period out gives it back to the deployment.
    let (status, reset) = h
        .api(Method::PUT, "/api/privacy/retention", Some(json!({})))
        .await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(period(&reset, "recipient_days")["days"], 365);
    assert_eq!(period(&reset, "recipient_days")["source"], "default");
    h.shutdown().await;
}

async fn managers_consultants_and_too_short_periods_are_refused(backend: Backend) {
    let h = Harness::start(backend).await;
    for token in [
        h.staff_token(Role::Manager, None),
        h.staff_token(Role::Consultant, Some("zhangsan")),
    ] {
        let (status, body) = h
            .api_as(&token, Method::GET, "/api/privacy/retention", None)
            .await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = h
            .api_as(
                &token,
                Method::PUT,
                "/api/privacy/retention",
                Some(json!({"recipient_days": 60})),
            )
            .await;
        assert_eq!((status, &body["error"]["code"]), (403, &json!("forbidden")));
    }
    for (body, field, says) in [
        (
            json!({"recipient_days": 29}),
            "recipient_days",
            "不能少于 30 天",
        ),
        (json!({"click_days": 10}), "click_days", "不能少于 30 天"),
        (json!({"audit_days": 179}), "audit_days", "不能少于 180 天"),
        (json!({"audit_days": 0}), "audit_days", "不能少于 180 天"),
        (
            json!({"raw_event_days": 0}),
            "raw_event_days",
            "不能少于 1 天",
        ),
        (
            json!({"ended_customer_days": 3651}),
            "ended_customer_days",
            "不能超过 3650 天",
        ),
        (json!({"click_days": -1}), "click_days", "必须是整数"),
        (json!({"click_days": "90"}), "click_days", "必须是整数"),
        (json!({"click_days": 1e12}), "click_days", "必须是整数"),
        (json!({"ttl_days": 90}), "ttl_days", "不支持的字段"),
    ] {
        let (status, answer) = h
            .api(Method::PUT, "/api/privacy/retention", Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{body}: {message}");
    }
    // Nothing was stored; 0 keeps where it is allowed.
    assert_eq!(
        period(&retention(&h).await, "recipient_days")["source"],
        "default"
    );
    let (status, answer) = h
        .api(
            Method::PUT,
            "/api/privacy/retention",
            Some(json!({"recipient_days": 0, "ended_customer_days": 0})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(period(&answer, "recipient_days")["days"], 0);
    h.shutdown().await;
}

const LEAD_NAME: &str = "赵合并";
const LEAD_PHONE: &str = "13700000099";
const UNIONID: &str = "oMERGEDleadUnionid0000000001";

async fn erasing_a_customer_erases_the_lead_and_the_earlier_record_merged_into_them(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    // An imported lead (phone, name, notes, consent), not a customer yet.
    let now = h.now_ms();
    let fields = crm::clinic_fields::ClinicFields {
        notes: crm::clinic_fields::Notes::parse("线索备注：怕疼").ok(),
        ..Default::default()
    };
    LeadRepo::new(h.store.clone())
        .put(&Lead {
            id: format!("p{LEAD_PHONE}"),
            phone: Some(LEAD_PHONE.into()),
            unionid: Some(UNIONID.into()),
            name: Some(LEAD_NAME.into()),
            fields,
            consent: Some(LeadConsent {
                granted: true,
                how: Some("表单".into()),
            }),
            tag_ids: Vec::new(),
            source: "import".into(),
            created_at_ms: now,
            updated_at_ms: now,
            merged_into: None,
            merged_at_ms: None,
        })
        .await
        .unwrap();
    // She adds zhangsan: the lead merges into that customer (by unionid)…
    let first = h
        .control(
            "scan",
            json!({"userid": "zhangsan", "state": "pengyouquan", "unionid": UNIONID}),
        )
        .await;
    h.processed(&scan_key(&first)).await;
    let old_id = first["external_userid"].as_str().unwrap().to_owned();
    let lead = LeadRepo::new(h.store.clone())
        .get(&format!("p{LEAD_PHONE}"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lead.merged_into.as_deref(), Some(old_id.as_str()));
    // …and later comes back as another contact of lisi: that record is merged into the new one.
    let second = h
        .control(
            "scan",
            json!({"userid": "lisi", "state": "xiaohongshu", "unionid": UNIONID}),
        )
        .await;
    h.processed(&scan_key(&second)).await;
    let new_id = second["external_userid"].as_str().unwrap().to_owned();
    assert_ne!(new_id, old_id);
    let old = h.customers.get(&old_id).await.unwrap().unwrap();
    assert_eq!(old.merged_into.as_deref(), Some(new_id.as_str()));

    // The export of the customer holds the lead and the earlier record.
    let (status, export) = h
        .api(
            Method::GET,
            &format!("/api/customers/{new_id}/export"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{export}");
    let leads = export["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 1, "{export}");
    assert_eq!(leads[0]["record"]["name"], LEAD_NAME);
    assert!(
        export["customer"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["pk"] == format!("CUST#{old_id}") && r["kind"] == "profile"),
        "the earlier record is exported"
    );

    let (status, report) = h
        .api(
            Method::POST,
            &format!("/api/customers/{new_id}/erase"),
            Some(json!({"reason": "客户本人申请删除"})),
        )
        .await;
    assert_eq!(status, 200, "{report}");

    // Nothing of the lead or of the earlier record is left.
    assert!(
        LeadRepo::new(h.store.clone())
            .get(&format!("p{LEAD_PHONE}"))
            .await
            .unwrap()
            .is_none()
    );
    for id in [&old_id, &new_id] {
        let left = h
            .store
            .query(Query::partition(IndexName::Primary, format!("CUST#{id}")).limit(1000))
            .await
            .unwrap();
        assert!(
            left.items.is_empty(),
            "CUST#{id} still holds {:?}",
            left.items
        );
        let (status, _) = h
            .api(Method::GET, &format!("/api/customers/{id}"), None)
            .await;
        assert_eq!(status, 404);
    }
    let (status, listed) = h.api(Method::GET, "/api/leads?limit=100", None).await;
    assert_eq!(status, 200, "{listed}");
    let text = listed.to_string();
    for s in [LEAD_NAME, LEAD_PHONE, UNIONID, "怕疼"] {
        assert!(!text.contains(s), "the leads list still holds {s}: {text}");
    }
    h.shutdown().await;
}
