//! The admin API as Lambda runs it: API Gateway v2 events from `events/admin-api/` through
//! lambda_http's request conversion into the router; the caller comes from the JWT claims.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use admin_api::{AdminState, AuthMode};
use crm::config::CorpConfig;
use crm::repo::StoreTokenStore;
use ports::{Clock, FixedClock, SequentialIds};
use test_kit::{Embedded, samples, wecom};
use tower::ServiceExt;

fn state() -> AdminState {
    let embedded = Embedded::new();
    // As deployed: the aggregates are kept on every write.
    let store = crm::aggregates::AggregatingStore::wrap(embedded.store.clone());
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::at_ms(1_795_852_800_000));
    let mut seed = CorpConfig::from_env_map(|_| None);
    seed.corp_id = samples::CORP_ID.into();
    seed.token = samples::TOKEN.into();
    seed.encoding_aes_key = samples::ENCODING_AES_KEY.into();
    seed.corp_secret = "a-secret-never-shown".into();
    let wecom = Arc::new(wecom::offline_client(
        &seed.corp_id,
        Arc::new(StoreTokenStore::new(store.clone())),
        clock.clone(),
    ));
    let sync = crm::sync::SyncRunner::new(
        Arc::new(crm::sync::SyncEngine::new(
            store.clone(),
            wecom.clone(),
            clock.clone(),
            Arc::new(SequentialIds::new("run")),
            crm::sync::SyncConfig::default(),
        )),
        embedded.queue("sync"),
        crm::sync::StepBudget::pages(1),
    );
    let campaigns = crm::campaign::Campaigns {
        store: store.clone(),
        campaign_queue: embedded.queue("campaigns"),
        send_queue: embedded.queue("sends"),
        scheduler: embedded.scheduler(),
        wecom: wecom.clone(),
        clock: clock.clone(),
        ids: Arc::new(SequentialIds::new("campaign")),
        settings: crm::campaign::CampaignSettings::default(),
    };
    AdminState {
        campaigns,
        dead_letters: Arc::new(Vec::new()),
        callback_url: Some("https://crm.example.cn/api/wework/callback".to_owned()),
        sync: Arc::new(sync),
        store,
        queue: embedded.queue("events"),
        clock,
        ids: Arc::new(SequentialIds::new("audit")),
        wecom,
        wecom_endpoint: wecom_api::Endpoint::at(wecom::NOWHERE),
        config_seed: seed,
        callback_log_retention_days: 90,
        http: reqwest::Client::new(),
        import_slice: crm::import::SliceBudget::unlimited(),
        import_max_bytes: crm::import::AWS_MAX_FILE_BYTES,
    }
}

async fn send(state: &AdminState, event: &str) -> (u16, serde_json::Value) {
    send_event(state, &samples::text(&format!("admin-api/{event}.json"))).await
}

/// Sends an API Gateway event (its JSON) through the router.
async fn send_event(state: &AdminState, event: &str) -> (u16, serde_json::Value) {
    let request = lambda_http::request::from_str(event).unwrap();
    let (parts, body) = request.into_parts();
    let request = axum::http::Request::from_parts(parts, axum::body::Body::from(body.to_vec()));
    let response = admin_api::router(state.clone(), AuthMode::ApiGatewayJwt)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or_default())
}

#[tokio::test]
async fn a_request_with_authorizer_claims_is_served() {
    let state = state();
    let (status, config) = send(&state, "get-config").await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["corp_id"], "ww1436e0e65a779aee");
    assert_eq!(
        config["corp_secret"], "****hown",
        "masked: only the last four characters"
    );
}

#[tokio::test]
async fn the_audit_log_names_the_caller_from_the_jwt() {
    let state = state();
    let (status, config) = send(&state, "put-config").await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["agent_id"], "1000005");
    let (entries, _) = state.audit().recent(10, None).await.unwrap();
    // The stable subject, not the e-mail (which the user may change).
    assert_eq!(entries[0].actor, "5f1c0a9e-0000-4000-8000-000000000001");
    assert_eq!(entries[0].fields, vec!["agent_id".to_owned()]);
}

#[tokio::test]
async fn a_request_without_claims_is_refused() {
    let (status, body) = send(&state(), "no-claims").await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn a_staff_member_of_another_oidc_provider_is_named_by_their_username() {
    let (status, me) = send(&state(), "get-me-oidc").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], "64f0c2a1b2c3d4e5f6a7b8c9");
    assert_eq!(me["name"], "zhang.manager");
    assert_eq!(me["role"], "manager");
    assert_eq!(me["auth"], "oidc");
    // The console says the deployment's file limit before an upload.
    assert_eq!(me["limits"]["import_max_bytes"], 4 * 1024 * 1024);
}

/// API Gateway hands Lambda a multipart upload base64-encoded, and Lambda takes at most 6 MB:
/// on AWS a customer file over 4 MB is refused by the function with the limit named, before a
/// row is read (a larger request would get API Gateway's own 413).
#[tokio::test]
async fn an_import_over_the_aws_file_limit_is_refused_naming_the_limit() {
    use base64::Engine as _;
    let state = state();
    let mut event: serde_json::Value =
        serde_json::from_str(&samples::text("admin-api/put-config.json")).unwrap();
    let boundary = "----crm-import";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"all.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend(std::iter::repeat_n(
        b'1',
        crm::import::AWS_MAX_FILE_BYTES + 1,
    ));
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    event["rawPath"] = "/api/customers/import".into();
    event["rawQueryString"] = "dry_run=true".into();
    event["requestContext"]["http"]["method"] = "POST".into();
    event["requestContext"]["http"]["path"] = "/api/customers/import".into();
    event["pathParameters"]["proxy"] = "customers/import".into();
    event["headers"]["content-type"] = format!("multipart/form-data; boundary={boundary}").into();
    event["isBase64Encoded"] = true.into();
    event["body"] = base64::engine::general_purpose::STANDARD
        .encode(&body)
        .into();
    let (status, answer) = send_event(&state, &event.to_string()).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["field"], "file");
    assert_eq!(answer["error"]["message"], "文件超过 4 MB，请拆分后再导入");
}

#[tokio::test]
async fn a_consultant_of_the_cognito_group_may_not_change_the_configuration() {
    let (status, body) = send(&state(), "put-config-consultant").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    assert_eq!(body["error"]["message"], "此操作仅限管理员");
}

#[test]
fn the_role_is_the_highest_group_and_the_userid_comes_from_the_user_attribute() {
    use admin_api::Role;
    use admin_api::auth::caller_from_claims;
    let claims = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    };
    let caller = caller_from_claims(claims(&[
        ("sub", "s-1"),
        ("email", "a@b.cn"),
        ("cognito:groups", "[consultant manager]"),
    ]))
    .unwrap();
    assert_eq!(
        (caller.id.as_str(), caller.role),
        ("s-1", Some(Role::Manager))
    );
    let caller = caller_from_claims(claims(&[
        ("sub", "s-2"),
        ("groups", "[\"consultant\"]"),
        ("wecom_userid", "lisi"),
    ]))
    .unwrap();
    assert_eq!(caller.role, Some(Role::Consultant));
    assert_eq!(caller.userid.as_deref(), Some("lisi"));
    let caller = caller_from_claims(claims(&[
        ("sub", "s-3"),
        ("cognito:groups", "[clinic-staff]"),
    ]))
    .unwrap();
    assert_eq!(caller.role, None, "an unknown group grants nothing");
    assert!(caller_from_claims(claims(&[])).is_none());
}

#[test]
fn a_client_credentials_token_with_the_booking_scope_is_the_booking_system() {
    use admin_api::Role;
    use admin_api::auth::caller_from_claims;
    let claims = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    };
    // Cognito's client-credentials access token: the client id as subject, scopes, no group.
    let caller = caller_from_claims(claims(&[
        ("sub", "7a1b2c3d4e5f"),
        ("client_id", "7a1b2c3d4e5f"),
        ("scope", "wecom-crm/booking"),
        (
            "iss",
            "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_x",
        ),
    ]))
    .unwrap();
    assert_eq!(caller.role, Some(Role::Booking));
    assert!(!caller.is_staff());
    // A staff group wins over a scope; an unrelated scope grants nothing.
    let caller = caller_from_claims(claims(&[
        ("sub", "s-4"),
        ("cognito:groups", "[consultant]"),
        ("scope", "wecom-crm/booking"),
    ]))
    .unwrap();
    assert_eq!(caller.role, Some(Role::Consultant));
    let caller =
        caller_from_claims(claims(&[("sub", "s-5"), ("scope", "openid email booking")])).unwrap();
    assert_eq!(caller.role, None, "only a resource server's booking scope");
}
