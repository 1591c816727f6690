//! Consent records (授权记录) through the admin API: recording grants and withdrawals per
//! purpose, the history and current state, validation, the PATCH that refuses the marketing
//! flag, imports, and the marketing purpose deciding campaigns and direct messages.
#![allow(clippy::unwrap_used, clippy::panic)]

use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, on_both_backends};

on_both_backends!(
    consents_are_appended_per_purpose_and_listed_newest_first_with_who_when_and_how,
    an_opt_in_campaign_skips_withdrawn_and_health_only_consents_and_sends_to_the_granted,
);

async fn scanned(h: &Harness, userid: &str, state: &str) -> String {
    let scan = h.scan(userid, state).await;
    h.processed(&tests::scan_key(&scan)).await;
    scan["external_userid"].as_str().unwrap().to_owned()
}

async fn consents(h: &Harness, id: &str) -> Value {
    let (status, body) = h
        .api(Method::GET, &format!("/api/customers/{id}/consents"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn current<'a>(view: &'a Value, purpose: &str) -> &'a Value {
    view["current"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["purpose"] == purpose)
        .unwrap()
}

async fn consents_are_appended_per_purpose_and_listed_newest_first_with_who_when_and_how(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    let id = scanned(&h, "zhangsan", "xiaohongshu").await;
    let empty = consents(&h, &id).await;
    assert_eq!(empty["history"], json!([]));
    assert_eq!(current(&empty, "marketing")["granted"], Value::Null);

    let t0 = h.now_ms();
    let (status, first) = h
        .api(
            Method::POST,
            &format!("/api/customers/{id}/consents"),
            Some(
                json!({"purpose": "marketing", "granted": true, "method": "written",
                        "note": " 到店签署纸质授权书 "}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(current(&first, "marketing")["granted"], true);
    h.advance_clock_to_ms(t0 + 60_000);
    h.record_consent(&id, "health_data", true, "form").await;
    h.advance_clock_to_ms(t0 + 120_000);
    let last = h.record_consent(&id, "marketing", false, "verbal").await;

    let view = consents(&h, &id).await;
    assert_eq!(view, last, "the answer to a record is the state it made");
    let history = view["history"].as_array().unwrap();
    // When each was recorded: the fake clock's time then (it ticks on each read).
    let near = |at: &Value, expected: i64| {
        let at = at.as_i64().unwrap();
        (expected..expected + 1_000).contains(&at)
    };
    let summary: Vec<(String, bool, String, bool)> = history
        .iter()
        .zip([t0 + 120_000, t0 + 60_000, t0])
        .map(|(r, expected)| {
            (
                r["purpose"].as_str().unwrap().to_owned(),
                r["granted"].as_bool().unwrap(),
                r["method"].as_str().unwrap().to_owned(),
                near(&r["at_ms"], expected),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("marketing".into(), false, "verbal".into(), true),
            ("health_data".into(), true, "form".into(), true),
            ("marketing".into(), true, "written".into(), true),
        ],
        "newest first, across purposes"
    );
    assert!(history.iter().all(|r| r["recorded_by"] == "local-admin"));
    assert_eq!(history[2]["note"], "到店签署纸质授权书");
    assert!(history[0].get("note").is_none());

    let marketing = current(&view, "marketing");
    assert_eq!(marketing["granted"], false);
    assert_eq!(marketing["method"], "verbal");
    assert_eq!(marketing["at_ms"], history[0]["at_ms"]);
    assert_eq!(marketing["legacy"], false);
    assert_eq!(current(&view, "health_data")["granted"], true);
    // The profile's marketing flag is the projection of the latest marketing record.
    let (_, detail) = h
        .api(Method::GET, &format!("/api/customers/{id}"), None)
        .await;
    assert_eq!(detail["crm"]["marketing_consent"], false);

    // Append-only records under the customer's partition.
    let page = h
        .store
        .query(
            ports::Query::partition(ports::IndexName::Primary, format!("CUST#{id}"))
                .sk(ports::SkCondition::BeginsWith("CONSENT#".into())),
        )
        .await
        .unwrap();
    let keys: Vec<&str> = page.items.iter().map(|i| i.sk.as_str()).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys[0].starts_with("CONSENT#health_data#"), "{keys:?}");
    assert!(
        keys[1..]
            .iter()
            .all(|k| k.starts_with("CONSENT#marketing#"))
    );

    let (_, audit) = h.api(Method::GET, "/api/audit-logs", None).await;
    let recorded: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "customer.consent")
        .collect();
    assert_eq!(recorded.len(), 3, "{audit}");
    assert_eq!(recorded[0]["target"], id.as_str());
    assert_eq!(recorded[0]["fields"], json!(["marketing"]));

    // Refusals name the field, in Chinese, and write nothing.
    let path = format!("/api/customers/{id}/consents");
    for (body, field) in [
        (json!({"granted": true, "method": "written"}), "purpose"),
        (
            json!({"purpose": "sms", "granted": true, "method": "written"}),
            "purpose",
        ),
        (
            json!({"purpose": "marketing", "granted": "yes", "method": "written"}),
            "granted",
        ),
        (
            json!({"purpose": "marketing", "method": "written"}),
            "granted",
        ),
        (json!({"purpose": "marketing", "granted": true}), "method"),
        (
            json!({"purpose": "marketing", "granted": true, "method": "email"}),
            "method",
        ),
        (
            json!({"purpose": "marketing", "granted": true, "method": "import"}),
            "method",
        ),
        (
            json!({"purpose": "marketing", "granted": true, "method": "form", "note": "长".repeat(201)}),
            "note",
        ),
        (
            json!({"purpose": "marketing", "granted": true, "method": "form", "recorded_by": "x"}),
            "recorded_by",
        ),
    ] {
        let (status, err) = h.api(Method::POST, &path, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{message}"
        );
    }
    assert_eq!(
        consents(&h, &id).await["history"].as_array().unwrap().len(),
        3
    );
    let (status, err) = h
        .api(
            Method::POST,
            "/api/customers/wm-nobody/consents",
            Some(json!({"purpose": "marketing", "granted": true, "method": "written"})),
        )
        .await;
    assert_eq!(status, 404, "{err}");

    // The profile's flag is not patched directly: the PATCH points to the consent records.
    let (status, err) = h
        .api(
            Method::PATCH,
            &format!("/api/customers/{id}"),
            Some(json!({"marketing_consent": true, "tier": "A"})),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["field"], "marketing_consent");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("授权记录"),
        "{err}"
    );
    let (_, detail) = h
        .api(Method::GET, &format!("/api/customers/{id}"), None)
        .await;
    assert_eq!(detail["crm"]["marketing_consent"], false);
    assert!(detail["crm"].get("tier").is_none(), "a refused patch wrote");

    // A marketing consent that arrives with imported data gets an `import` record.
    let mut imported = crm::model::Customer {
        external_userid: "wmImported01".into(),
        name: "导入客户".into(),
        first_channel: "walk_in".into(),
        first_added_at_ms: t0,
        updated_at_ms: t0 + 1,
        ..Default::default()
    };
    imported.crm.marketing_consent = Some(true);
    h.customers
        .import(std::slice::from_ref(&imported), &[])
        .await
        .unwrap();
    let view = consents(&h, "wmImported01").await;
    assert_eq!(view["history"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(view["history"][0]["method"], "import");
    assert_eq!(view["history"][0]["recorded_by"], "import");
    assert_eq!(current(&view, "marketing")["granted"], true);
    assert_eq!(current(&view, "marketing")["legacy"], false);
    // Writing the stored profile again (as a sync does) records nothing new.
    let stored: crm::model::Customer = h
        .store
        .get("CUST#wmImported01", "PROFILE")
        .await
        .unwrap()
        .unwrap()
        .doc()
        .unwrap();
    h.customers.import(&[stored], &[]).await.unwrap();
    assert_eq!(
        consents(&h, "wmImported01").await["history"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    h.shutdown().await;
}

async fn an_opt_in_campaign_skips_withdrawn_and_health_only_consents_and_sends_to_the_granted(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    let granted = scanned(&h, "zhangsan", "xiaohongshu").await;
    let withdrawn = scanned(&h, "zhangsan", "douyin").await;
    let health_only = scanned(&h, "lisi", "xiaohongshu").await;
    h.record_consent(&granted, "marketing", true, "written")
        .await;
    h.record_consent(&withdrawn, "marketing", true, "form")
        .await;
    h.record_consent(&withdrawn, "marketing", false, "verbal")
        .await;
    h.record_consent(&health_only, "health_data", true, "written")
        .await;

    // A direct message to a customer without marketing consent is refused up front.
    let (status, err) = h
        .api(
            Method::POST,
            "/api/messages",
            Some(json!({"external_userids": [granted, health_only], "content": {"text": "您好"}})),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["code"], "no_consent");
    assert_eq!(err["error"]["field"], "external_userids");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("授权记录")
    );
    let (status, sent) = h
        .api(
            Method::POST,
            "/api/messages",
            Some(json!({"external_userids": [granted], "content": {"text": "{name}，您好"}})),
        )
        .await;
    assert_eq!(status, 202, "{sent}");

    let (status, created) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "授权测试",
                "audience": {"type": "customers", "external_userids": [granted, withdrawn, health_only]},
                "content": {"text": "您好"}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    h.campaign_in(&id, "tracking").await;
    let (status, recipients) = h
        .api(
            Method::GET,
            &format!("/api/campaigns/{id}/recipients?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{recipients}");
    let outcome = |who: &str| -> (String, Value) {
        let r = recipients["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["external_userid"] == who)
            .unwrap();
        (
            r["status"].as_str().unwrap().to_owned(),
            r["reason"].clone(),
        )
    };
    assert_eq!(outcome(&withdrawn), ("skipped".into(), json!("no_consent")));
    assert_eq!(
        outcome(&health_only),
        ("skipped".into(), json!("no_consent")),
        "consent to health data is not consent to marketing"
    );
    assert_ne!(outcome(&granted).0, "skipped", "{recipients}");
    h.shutdown().await;
}
