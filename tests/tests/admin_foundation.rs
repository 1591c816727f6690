//! The admin API's foundation through the local listener: authentication, the error model,
//! configuration (write-only secrets, validation naming the field, channels that drive the next
//! customer), the connection test, the WeCom event log with replay, and the audit log.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use tests::{Backend, Harness, eventually, scan_key};

async fn get(h: &Harness, path: &str) -> (u16, Value) {
    h.api(reqwest::Method::GET, path, None).await
}

async fn put(h: &Harness, path: &str, body: Value) -> (u16, Value) {
    h.api(reqwest::Method::PUT, path, Some(body)).await
}

async fn post(h: &Harness, path: &str, body: Value) -> (u16, Value) {
    h.api(reqwest::Method::POST, path, Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_admin_route_needs_the_token_and_errors_are_json() {
    let h = Harness::start(Backend::Embedded).await;
    for token in [None, Some("wrong-token")] {
        let mut request = h.http.get(h.url("/api/config"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert!(body["error"]["message"].as_str().unwrap().contains("登录"));
    }
    let openapi = h.http.get(h.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(openapi.status(), 401, "the spec is behind the token too");

    let (status, body) = get(&h, "/api/no-such-thing").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, spec) = get(&h, "/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(spec["paths"]["/api/config"]["put"].is_object());
    // The WeCom callback stays public.
    let callback = h.http.get(h.app.callback_url()).send().await.unwrap();
    assert_eq!(
        callback.status(),
        400,
        "refused for missing parameters, not for auth"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn secrets_are_write_only_and_a_blank_secret_keeps_the_stored_one() {
    let h = Harness::start(Backend::Embedded).await;
    let stored = h.app.config.clone();
    let (status, config) = get(&h, "/api/config").await;
    assert_eq!(status, 200);
    assert_eq!(config["corp_id"], stored.corp_id.as_str());
    for secret in ["corp_secret", "token", "encoding_aes_key"] {
        let shown = config[secret].as_str().unwrap();
        assert!(
            shown.starts_with("****") && shown.len() == 8,
            "{secret}: {shown}"
        );
    }
    assert!(!config.to_string().contains(&stored.corp_secret));
    assert!(!config.to_string().contains(&stored.encoding_aes_key));

    let (status, after) = put(
        &h,
        "/api/config",
        json!({"corp_secret": "", "agent_id": "1000009"}),
    )
    .await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["agent_id"], "1000009");
    assert_eq!(
        after["corp_secret"], config["corp_secret"],
        "blank kept the secret"
    );
    let saved = crm::repo::ConfigRepo::new(h.store.clone())
        .load()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.corp_secret, stored.corp_secret);

    let (_, audit) = get(&h, "/api/audit-logs").await;
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "config.update");
    assert_eq!(entry["actor"], "local-admin");
    assert_eq!(entry["fields"], json!(["agent_id"]));
    assert!(
        !audit.to_string().contains("1000009"),
        "values never reach the audit log"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn invalid_configuration_is_refused_naming_the_field_and_changes_nothing() {
    let h = Harness::start(Backend::Embedded).await;
    let (_, before) = get(&h, "/api/config").await;
    let channel = |tag: &str| json!({"label": "B站", "tag_name": tag});
    for (body, field) in [
        (json!({"encoding_aes_key": "too-short"}), "encoding_aes_key"),
        (json!({"token": "x"}), "token"),
        (json!({"agent_id": "abc"}), "agent_id"),
        (
            json!({"callback_max_skew_secs": -1}),
            "callback_max_skew_secs",
        ),
        (
            json!({"channels": {"bilibili": channel("")}}),
            "channels.bilibili.tag_name",
        ),
        (
            json!({"channels": {"a".repeat(31): channel("来源:B站")}}),
            &*format!("channels.{}", "a".repeat(31)),
        ),
        (
            json!({"send_rules": {"daily_cap_per_customer": 0, "quiet_start": "22:00", "quiet_end": "08:00"}}),
            "send_rules.daily_cap_per_customer",
        ),
        (
            json!({"send_rules": {"daily_cap_per_customer": 3, "quiet_start": "25:00", "quiet_end": "08:00"}}),
            "send_rules.quiet_start",
        ),
        (
            json!({"default_welcome": {"text": "好".repeat(1400)}}),
            "default_welcome.text",
        ),
        (json!({"corp_idd": "typo"}), "corp_idd"),
        // Wrong JSON types name the field by its path, however deep.
        (
            json!({"send_rules": {"daily_cap_per_customer": "三", "quiet_start": "22:00", "quiet_end": "08:00"}}),
            "send_rules.daily_cap_per_customer",
        ),
        (
            json!({"channels": {"bilibili": {"label": "B站", "tag_name": 7}}}),
            "channels.bilibili.tag_name",
        ),
        (
            json!({"send_rules": {"quiet_start": "22:00", "quiet_end": "08:00"}}),
            "send_rules.daily_cap_per_customer",
        ),
    ] {
        let (status, error) = put(&h, "/api/config", body.clone()).await;
        assert_eq!(status, 400, "{body} → {error}");
        assert_eq!(error["error"]["field"], field, "{body} → {error}");
        assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    }
    let (_, after) = get(&h, "/api/config").await;
    assert_eq!(after, before);
    let (_, audit) = get(&h, "/api/audit-logs").await;
    assert_eq!(audit["items"], json!([]));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_channel_configured_in_the_api_tags_and_greets_the_next_customer() {
    let h = Harness::start(Backend::Embedded).await;
    let (_, config) = get(&h, "/api/config").await;
    let mut channels = config["channels"].clone();
    channels["bilibili"] = json!({
        "label": "B站", "tag_group": "来源渠道", "tag_name": "来源:B站",
        "welcome": {"text": "{name}，感谢您从B站找到我们！"}
    });
    let (status, saved) = put(&h, "/api/config", json!({"channels": channels})).await;
    assert_eq!(status, 200, "{saved}");

    let scan = h.scan("wangwu", "bilibili").await;
    let ext = scan["external_userid"].as_str().unwrap();
    h.processed(&scan_key(&scan)).await;
    let welcomes = h.welcomes_to(ext).await;
    assert_eq!(welcomes.len(), 1);
    assert!(
        welcomes[0]["text"]
            .as_str()
            .unwrap()
            .contains("感谢您从B站找到我们")
    );
    let rel = h
        .customers
        .get_relationship(ext, "wangwu")
        .await
        .unwrap()
        .unwrap();
    assert!(rel.tags.iter().any(|t| t.tag_name == "来源:B站"));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rotated_token_and_secret_take_effect_without_a_restart() {
    let h = Harness::start(Backend::Embedded).await;
    let first = h.scan("zhangsan", "douyin").await;
    h.processed(&scan_key(&first)).await;
    let original_token = h.app.config.token.clone();

    // A new callback Token: WeCom (the simulator) still signs with the old one, so its
    // callbacks are now refused — the handler uses the stored Token, not the one it started with.
    let (status, _) = put(&h, "/api/config", json!({"token": "RotatedToken2026"})).await;
    assert_eq!(status, 200);
    let refused = h.scan("lisi", "douyin").await;
    assert_eq!(refused["deliveries"][0]["status"], 401, "{refused}");
    let (status, _) = put(&h, "/api/config", json!({"token": original_token})).await;
    assert_eq!(status, 200);
    let accepted = h.scan("wangwu", "douyin").await;
    assert_eq!(accepted["deliveries"][0]["status"], 200, "{accepted}");
    h.processed(&scan_key(&accepted)).await;

    // A wrong secret makes the workers fail to get a token; putting the right one back heals
    // them without a restart (the client's credentials follow the stored config).
    let secret = crm::repo::ConfigRepo::new(h.store.clone())
        .load()
        .await
        .unwrap()
        .unwrap()
        .corp_secret;
    put(&h, "/api/config", json!({"corp_secret": "wrong-secret"})).await;
    let failing = h.scan("zhangsan", "pengyouquan").await;
    let entry = h.processed(&scan_key(&failing)).await;
    assert_eq!(
        entry.status,
        crm::model::CallbackStatus::Failed,
        "{entry:?}"
    );
    assert!(entry.error.unwrap_or_default().contains("40001"));
    put(&h, "/api/config", json!({"corp_secret": secret})).await;
    let healed = h.scan("lisi", "pengyouquan").await;
    let entry = h.processed(&scan_key(&healed)).await;
    assert_eq!(
        entry.status,
        crm::model::CallbackStatus::Processed,
        "{entry:?}"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_connection_test_explains_wecom_answers_in_chinese() {
    let h = Harness::start(Backend::Embedded).await;
    let (status, report) = post(&h, "/api/config/test", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["follow_user_count"], 3);
    assert_eq!(report["steps"].as_array().unwrap().len(), 2);

    put(&h, "/api/config", json!({"corp_secret": "not-the-secret"})).await;
    let (_, report) = post(&h, "/api/config/test", json!({})).await;
    assert_eq!(report["ok"], false);
    let step = &report["steps"][0];
    assert_eq!(
        (step["step"].as_str(), step["errcode"].as_i64()),
        (Some("gettoken"), Some(40001))
    );
    assert!(
        step["message"].as_str().unwrap().contains("Secret"),
        "{step}"
    );
    assert!(!report.to_string().contains("not-the-secret"));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_untrusted_server_ip_is_named_with_where_to_add_it() {
    let h = Harness::start(Backend::Embedded).await;
    // An app created after 2022-06-20, called from an IP outside its 企业可信IP list.
    h.control(
        "faults",
        json!({"path": "gettoken", "errcode": 60020, "times": 1}),
    )
    .await;
    let (status, report) = post(&h, "/api/config/test", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(report["ok"], false, "{report}");
    let message = report["steps"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("出口 IP 127.0.0.1") && message.contains("企业可信IP 中添加127.0.0.1"),
        "{message}"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_event_log_lists_events_and_replays_one_without_doing_anything_twice() {
    let h = Harness::start(Backend::Embedded).await;
    let scan = h.scan("zhangsan", "douyin").await;
    let key = scan_key(&scan);
    let first = h.processed(&key).await;
    h.control(
        "app-message",
        json!({"from_userid": "lisi", "content": "你好"}),
    )
    .await;
    h.processed_event("text", None).await;

    let (status, page) = get(
        &h,
        "/api/callback-logs?event_type=change_external_contact/add_external_contact",
    )
    .await;
    assert_eq!(status, 200);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], key.as_str());
    assert_eq!(items[0]["status"], "processed");
    let (_, all) = get(&h, "/api/callback-logs?limit=1").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    assert!(all["next_cursor"].is_string(), "{all}");
    let (_, next) = get(
        &h,
        &format!(
            "/api/callback-logs?limit=1&cursor={}",
            all["next_cursor"].as_str().unwrap()
        ),
    )
    .await;
    assert_ne!(next["items"][0]["id"], all["items"][0]["id"]);
    let (status, error) = get(&h, "/api/callback-logs?limit=0").await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("limit"))
    );

    let (status, accepted) = post(&h, &format!("/api/callback-logs/{key}/replay"), json!({})).await;
    assert_eq!(status, 202, "{accepted}");
    let log = h.log.clone();
    let replayed = eventually("the replay is processed", || {
        let log = log.clone();
        let key = key.clone();
        async move {
            log.get(&key).await.unwrap().filter(|e| {
                e.attempts > first.attempts && e.status == crm::model::CallbackStatus::Processed
            })
        }
    })
    .await;
    assert!(replayed.outcome.unwrap().contains("welcome:"));
    let ext = scan["external_userid"].as_str().unwrap();
    assert_eq!(h.welcomes_to(ext).await.len(), 1, "no second welcome");
    assert_eq!(h.customers.relationships(ext).await.unwrap().len(), 1);
    assert_eq!(
        h.calls("externalcontact/mark_tag").await,
        1,
        "tag already there"
    );

    let (status, _) = post(&h, "/api/callback-logs/ec:nope/replay", json!({})).await;
    assert_eq!(status, 404);
    let (_, audit) = get(&h, "/api/audit-logs").await;
    assert_eq!(audit["items"][0]["action"], "callback_log.replay");
    h.shutdown().await;
}
