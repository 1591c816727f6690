//! The admin API's request bodies through the real router: every POST/PUT/PATCH route, an
//! arbitrary body, on a fresh embedded store (aggregates on, as deployed) seeded with a
//! customer, with the WeCom simulator as WeCom.
//!
//! Input: the first byte picks the route ([`ROUTES`], modulo), the rest is the body, sent as
//! `application/json` with the bearer token. Whatever the body:
//! - no panic, and no 5xx but 503 (a 502 would say the simulator answered nonsense);
//! - every error is `{ "error": { "code", "message", "field"? } }` with a Chinese message;
//! - every success body is JSON.
//!
//! Shared by the cargo-fuzz binary `fuzz/fuzz_targets/admin_api.rs` and the corpus replay test
//! `tests/tests/fuzz_corpus.rs` of the main workspace (which includes this file).

use std::sync::{Arc, OnceLock};

use admin_api::{AdminState, AuthMode};
use axum::body::Body;
use axum::http::{Method, Request, header};
use crm::config::CorpConfig;
use crm::model::{Customer, Relationship, RelationshipStatus};
use crm::repo::{CustomerRepo, StoreTokenStore};
use ports::{Clock, FixedClock, SequentialIds};
use serde_json::Value;
use test_kit::Embedded;
use tower::ServiceExt;
use wecom_api::{RetryPolicy, WeComClient};
use wecom_sim::RunningSim;

const BEARER: &str = "fuzz-admin-token";
/// A customer of the seeded store, added by the simulator's demo staff member `zhangsan`.
pub const CUSTOMER: &str = "wmFuzzCustomer00000000000000aa";
const NOW_MS: i64 = 1_795_852_800_000;

/// Every route that takes a request body (and the bodiless POSTs: their bodies are ignored,
/// which must hold too).
pub const ROUTES: [(&str, &str); 28] = [
    ("PATCH", "/api/staff/zhangsan"),
    ("PUT", "/api/config"),
    ("POST", "/api/config/test"),
    ("POST", "/api/callback-logs/log-1/replay"),
    ("POST", "/api/sync"),
    ("PATCH", "/api/customers/wmFuzzCustomer00000000000000aa"),
    ("POST", "/api/customers/wmFuzzCustomer00000000000000aa/sync"),
    ("POST", "/api/customers/wmFuzzCustomer00000000000000aa/tags"),
    ("POST", "/api/appointments"),
    ("POST", "/api/purchases"),
    ("POST", "/api/tags"),
    ("PATCH", "/api/tags/etSimDemoTagTierA0000000000000aa"),
    ("POST", "/api/stats/rebuild"),
    ("POST", "/api/contact-ways"),
    ("PATCH", "/api/contact-ways/cw-unknown"),
    ("POST", "/api/campaigns"),
    ("POST", "/api/campaigns/preview"),
    ("POST", "/api/campaigns/campaign-1/cancel"),
    ("POST", "/api/campaigns/campaign-1/remind"),
    ("POST", "/api/media"),
    ("POST", "/api/messages"),
    ("POST", "/api/automations"),
    ("PATCH", "/api/automations/automation-1"),
    ("POST", "/api/automations/automation-1/run"),
    ("POST", "/api/dead-letters/events-1/replay"),
    ("PATCH", "/api/customers/wm-unknown"),
    ("PATCH", "/api/staff/nobody"),
    ("POST", "/api/customers/wm-unknown/tags"),
];

struct Shared {
    runtime: tokio::runtime::Runtime,
    sim: RunningSim,
    /// The WeCom client, its HTTP pool and its cached token, kept across executions (its token
    /// store lives in a store of its own, not the one under test): building a client and asking
    /// the simulator for a token cost more than the request under test.
    wecom: Arc<WeComClient>,
    _tokens: Embedded,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
}

/// One runtime, one simulator and one WeCom client for the whole run (the simulator serves on
/// loopback from the runtime's worker while a request is driven from the fuzzer's thread).
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let sim = runtime.block_on(async {
            let mut config = wecom_sim::SimConfig::demo();
            config.callback_url = None;
            wecom_sim::spawn(config)
                .await
                .expect("the simulator starts")
        });
        let clock: Arc<dyn Clock> = Arc::new(FixedClock::at_ms(NOW_MS));
        let tokens = Embedded::new();
        // No retries: a refusal is answered at once.
        let mut settings = test_kit::wecom::sim_settings(&sim);
        settings.retry = RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::fast()
        };
        let wecom = Arc::new(
            WeComClient::new(
                settings,
                Arc::new(StoreTokenStore::new(tokens.store.clone())),
                clock.clone(),
            )
            .expect("a WeCom client"),
        );
        Shared {
            runtime,
            sim,
            wecom,
            _tokens: tokens,
            http: reqwest::Client::new(),
            clock,
        }
    })
}

/// A fresh state, as `functions/admin-api/tests/lambda_events.rs` builds it: a new store
/// seeded with [`CUSTOMER`], the shared WeCom client put back on the simulator's credentials
/// (an accepted `PUT /api/config` of an earlier execution may have changed them).
async fn state(shared: &Shared) -> AdminState {
    let embedded = Embedded::new();
    let store = crm::aggregates::AggregatingStore::wrap(embedded.store.clone());
    let clock = shared.clock.clone();
    let config = shared.sim.sim.current_config();
    let mut seed = CorpConfig::from_env_map(|_| None);
    seed.corp_id = config.corp_id.clone();
    seed.corp_secret = config.corp_secret.clone();
    seed.token = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo".into();
    seed.encoding_aes_key = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt".into();
    let wecom = shared.wecom.clone();
    wecom.set_credentials(&seed.corp_id, &seed.corp_secret);
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
    let customer = Customer {
        external_userid: CUSTOMER.to_owned(),
        name: "张三的客户".to_owned(),
        first_channel: "xhs_post_1".to_owned(),
        first_added_at_ms: NOW_MS - 86_400_000,
        updated_at_ms: NOW_MS - 86_400_000,
        ..Customer::default()
    };
    let relationship = Relationship {
        external_userid: CUSTOMER.to_owned(),
        userid: "zhangsan".to_owned(),
        status: RelationshipStatus::Active,
        state: "xhs_post_1".to_owned(),
        createtime: (NOW_MS - 86_400_000) / 1000,
        updated_at_ms: NOW_MS - 86_400_000,
        ..Relationship::default()
    };
    CustomerRepo::new(store.clone())
        .import(&[customer], &[relationship])
        .await
        .expect("the seed customer is stored");
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
        wecom_endpoint: wecom_api::Endpoint::at(&shared.sim.base_url),
        config_seed: seed,
        callback_log_retention_days: 90,
        http: shared.http.clone(),
        import_slice: crm::import::SliceBudget::unlimited(),
        import_max_bytes: crm::import::MAX_FILE_BYTES,
    }
}

fn is_chinese(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The checks on one answer (see the module documentation).
pub fn check_answer(route: (&str, &str), body: &[u8], status: u16, answer: &[u8]) {
    let (method, path) = route;
    let shown = String::from_utf8_lossy(body);
    let answer_text = String::from_utf8_lossy(answer);
    assert!(
        status < 500 || status == 503,
        "{method} {path} {shown:?} answered {status}: {answer_text}"
    );
    if status == 204 && answer.is_empty() {
        return;
    }
    let json: Value = serde_json::from_slice(answer).unwrap_or_else(|e| {
        panic!("{method} {path} {shown:?} answered {status} with a body that is not JSON ({e}): {answer_text}")
    });
    if status >= 400 {
        let error = &json["error"];
        let code = error["code"].as_str().unwrap_or_default();
        let message = error["message"].as_str().unwrap_or_default();
        assert!(
            !code.is_empty() && message.chars().any(is_chinese),
            "{method} {path} {shown:?} answered {status} without a well-formed error: {answer_text}"
        );
        assert!(
            error.get("field").is_none_or(|f| f.is_string()),
            "{method} {path} {shown:?}: `field` is not a string: {answer_text}"
        );
    }
}

/// Sends `body` to `route` through the router on a fresh state; the status and body.
pub fn send(route: (&str, &str), body: &[u8]) -> (u16, Vec<u8>) {
    let shared = shared();
    let (method, path) = route;
    shared.runtime.block_on(async {
        let state = state(shared).await;
        let request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("a method"))
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {BEARER}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_vec()))
            .expect("a request");
        let response = admin_api::router(state, AuthMode::bearer(BEARER))
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 4 << 20)
            .await
            .expect("the answer is read");
        (status, bytes.to_vec())
    })
}

/// The fuzz target: see the module documentation for the input's shape.
pub fn run(data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let route = ROUTES[usize::from(pick) % ROUTES.len()];
    let (status, answer) = send(route, body);
    check_answer(route, body, status, &answer);
}
