//! The end-to-end harness: the local-mode assembly (callback listener, event workers, WeCom
//! simulator on the same listener) on either the embedded adapters or DynamoDB + SQS on moto.
//! Tests drive it the way WeCom and a user would: the simulator's control API (a customer
//! scans a QR code…) and HTTP requests to the callback URL; they check the stored records and
//! what the simulated WeCom saw.
#![allow(clippy::unwrap_used, clippy::panic)]

pub mod faults;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crm::model::{CallbackLogEntry, CallbackStatus};
use crm::process::ProcessorSettings;
use crm::repo::{CallbackLog, CustomerRepo, TagCatalogue};
use ports::{AdvancingClock, ItemStore, QueueConsumer};
use serde_json::{Value, json};
use store_embedded::{EmbeddedDb, EmbeddedQueue};
use wecom_api::RetryPolicy;
use wecom_crm::{Adapters, AppOptions, RunningApp};
use wecom_sim::SimConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file + durable in-process queue (local mode).
    Embedded,
    /// DynamoDB + SQS on the moto server started by `./scripts/test`.
    Moto,
}

pub struct Harness {
    pub app: RunningApp,
    pub store: Arc<dyn ItemStore>,
    pub http: reqwest::Client,
    pub customers: CustomerRepo,
    pub log: CallbackLog,
    pub tags: TagCatalogue,
    /// The embedded queue, when the backend is embedded (to check it stays empty).
    pub embedded_queue: Option<Arc<EmbeddedQueue>>,
    /// EventBridge Scheduler on moto, when the backend is moto (schedules are never fired).
    pub eventbridge: Option<Arc<store_aws::EventBridgeScheduler>>,
    pub backend: Backend,
    /// The app's and the simulator's clock: runs with the wall clock, tests jump it ahead.
    pub clock: AdvancingClock,
    /// The store under the aggregates, when the scenario asked for write faults.
    pub faults: Option<Arc<faults::FaultyStore>>,
    /// The faulty queues (events, sync, campaigns, sends), when the scenario asked for them.
    pub queue_faults: Vec<Arc<faults::FaultyQueue>>,
    /// Every queue the app consumes, by name (to wait until they are drained).
    queues: Vec<(&'static str, Arc<dyn QueueConsumer>)>,
    _dir: tempfile::TempDir,
}

/// Options a scenario may change before the app starts.
pub struct Setup {
    pub sim: SimConfig,
    pub max_skew_secs: i64,
    /// Event workers (0: events are accepted and queued, not processed).
    pub workers: usize,
    /// How often open campaigns' send results are read.
    pub tracking_every: Option<Duration>,
    /// The console build to serve at `/` (default: none there).
    pub console_dir: Option<std::path::PathBuf>,
    /// Random write faults under the aggregates (seed, rates); off until a test turns
    /// `Harness::faults` on.
    pub store_faults: Option<(u64, faults::FaultRates)>,
    /// With `store_faults`: throttling, conflicts, timeouts, late condition failures, partial
    /// batches.
    pub more_store_faults: faults::StoreFaultRates,
    /// Faults on every queue the app sends to and consumes (seed, rates); off until a test
    /// turns `Harness::queue_faults` on.
    pub queue_faults: Option<(u64, faults::QueueFaultRates)>,
    /// How much of a file one customer-import request does (default: the whole file).
    pub import_slice: crm::import::SliceBudget,
}

impl Default for Setup {
    fn default() -> Self {
        let mut sim = SimConfig::demo();
        sim.callback_retry_delay = Duration::from_millis(300);
        sim.callback_timeout = Duration::from_secs(3);
        sim.groupmsg_dispatch_delay = Duration::from_millis(200);
        Self {
            sim,
            // The product's default window: the simulator signs with the harness clock.
            max_skew_secs: crm::config::DEFAULT_CALLBACK_MAX_SKEW_SECS,
            workers: 2,
            tracking_every: Some(Duration::from_secs(1)),
            console_dir: None,
            store_faults: None,
            more_store_faults: faults::StoreFaultRates::default(),
            queue_faults: None,
            import_slice: crm::import::SliceBudget::unlimited(),
        }
    }
}

impl Harness {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, Setup::default()).await
    }

    pub async fn start_with(backend: Backend, setup: Setup) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), backend, setup).await
    }

    /// Stops the app and starts it again on the same embedded database file (local mode's
    /// restart).
    pub async fn restart(self, setup: Setup) -> Self {
        assert!(
            self.embedded_queue.is_some(),
            "restart is for the embedded backend"
        );
        let Harness { app, _dir, .. } = self;
        app.shutdown().await;
        Self::start_in(_dir, Backend::Embedded, setup).await
    }

    async fn start_in(dir: tempfile::TempDir, backend: Backend, setup: Setup) -> Self {
        let clock = AdvancingClock::new();
        let mut faulty_store = None;
        let (adapters, embedded_queue, scheduler) = match backend {
            Backend::Embedded => {
                let db = EmbeddedDb::open(&dir.path().join("crm.db")).unwrap();
                let queue = Arc::new(EmbeddedQueue::new(db.clone(), "events", 8));
                let mut adapters = Adapters::embedded(db.clone(), 8, Arc::new(clock.clone()));
                if let Some((seed, rates)) = setup.store_faults {
                    let faulty = Arc::new(
                        faults::FaultyStore::new(
                            Arc::new(store_embedded::SqliteStore::new(db)),
                            seed,
                            rates,
                        )
                        .with(setup.more_store_faults),
                    );
                    adapters.store = crm::aggregates::AggregatingStore::wrap(faulty.clone());
                    faulty_store = Some(faulty);
                }
                (adapters, Some(queue), None)
            }
            Backend::Moto => {
                let mut store: Arc<dyn ItemStore> = store_aws::testing::fresh_shared_store().await;
                if let Some((seed, rates)) = setup.store_faults {
                    let faulty = Arc::new(
                        faults::FaultyStore::new(store, seed, rates).with(setup.more_store_faults),
                    );
                    store = faulty.clone();
                    faulty_store = Some(faulty);
                }
                let store = crm::aggregates::AggregatingStore::wrap(store);
                let events = store_aws::testing::fresh_queue(8).await;
                let sync = store_aws::testing::fresh_queue(8).await;
                let campaigns = store_aws::testing::fresh_queue(8).await;
                let sends = store_aws::testing::fresh_queue(8).await;
                let scheduler = Arc::new(store_aws::testing::fresh_scheduler().await);
                let dead_letters: Vec<(String, Arc<dyn ports::DeadLetters>)> = vec![
                    ("events".to_owned(), Arc::new(events.dead_letter_port)),
                    ("sync".to_owned(), Arc::new(sync.dead_letter_port)),
                    ("campaigns".to_owned(), Arc::new(campaigns.dead_letter_port)),
                    ("sends".to_owned(), Arc::new(sends.dead_letter_port)),
                ];
                let (events, sync, campaigns, sends) = (
                    Arc::new(events.queue),
                    Arc::new(sync.queue),
                    Arc::new(campaigns.queue),
                    Arc::new(sends.queue),
                );
                let adapters = Adapters {
                    store,
                    queue: events.clone(),
                    consumer: events,
                    sync_queue: sync.clone(),
                    sync_consumer: sync,
                    campaign_queue: campaigns.clone(),
                    campaign_consumer: campaigns,
                    send_queue: sends.clone(),
                    send_consumer: sends,
                    scheduler: scheduler.clone(),
                    // moto stores schedules and never fires them: tests invoke the campaign
                    // function with the schedule's payload, as EventBridge would.
                    schedule_runner: None,
                    dead_letters,
                    clock: Arc::new(clock.clone()),
                };
                (adapters, None, Some(scheduler))
            }
        };
        let mut adapters = adapters;
        let mut queue_faults = Vec::new();
        if let Some((seed, rates)) = setup.queue_faults {
            let mut wrap = |name,
                            producer: &mut Arc<dyn ports::JobQueue>,
                            consumer: &mut Arc<dyn QueueConsumer>| {
                let faulty = Arc::new(faults::FaultyQueue::new(
                    name,
                    producer.clone(),
                    consumer.clone(),
                    seed ^ queue_faults.len() as u64,
                    rates,
                ));
                *producer = faulty.clone();
                *consumer = faulty.clone();
                queue_faults.push(faulty);
            };
            wrap("events", &mut adapters.queue, &mut adapters.consumer);
            wrap(
                "sync",
                &mut adapters.sync_queue,
                &mut adapters.sync_consumer,
            );
            wrap(
                "campaigns",
                &mut adapters.campaign_queue,
                &mut adapters.campaign_consumer,
            );
            wrap(
                "sends",
                &mut adapters.send_queue,
                &mut adapters.send_consumer,
            );
        }
        let store = adapters.store.clone();
        let queues = vec![
            ("events", adapters.consumer.clone()),
            ("sync", adapters.sync_consumer.clone()),
            ("campaigns", adapters.campaign_consumer.clone()),
            ("sends", adapters.send_consumer.clone()),
        ];
        let mut options = AppOptions::new("127.0.0.1:0".parse().unwrap());
        options.simulate = Some(setup.sim);
        options.config_seed = crm::config::CorpConfig::from_env_map(|_| None);
        options.config_seed.callback_max_skew_secs = setup.max_skew_secs;
        options.retry = RetryPolicy::fast();
        options.workers = setup.workers;
        options.config_reload = Duration::ZERO;
        // Staff tokens as `wecom-crm token create` makes them, in this data directory.
        options.tokens = Some(Arc::new(wecom_crm::tokens::FileTokenDirectory::new(
            dir.path(),
        )));
        options.sync_every = None;
        options.sync.min_call_interval = Duration::ZERO;
        options.tracking_every = setup.tracking_every;
        options.import_slice = setup.import_slice;
        options.console_dir = setup
            .console_dir
            .unwrap_or_else(|| dir.path().join("no-console-build"));
        options.automations_daily = false;
        options.digest_daily = false;
        options.schedule_tick = Duration::from_millis(100);
        options.send_backoff = campaigns::queue::Backoff {
            retry: Duration::from_secs(1),
            rate_limited: Duration::from_secs(1),
            poison: Duration::from_secs(1),
        };
        options.campaigns.reconcile_after = Duration::from_secs(10);
        options.sync_retry = Duration::from_secs(1);
        options.processor = ProcessorSettings {
            rate_limit_backoff: Duration::from_secs(1),
            retry_base: Duration::from_millis(200),
            retry_max: Duration::from_secs(1),
            ..ProcessorSettings::default()
        };
        let app = wecom_crm::start(adapters, options).await.unwrap();
        Self {
            app,
            customers: CustomerRepo::new(store.clone()),
            log: CallbackLog::new(store.clone(), 90),
            tags: TagCatalogue::new(store.clone()),
            store,
            http: reqwest::Client::new(),
            embedded_queue,
            eventbridge: scheduler,
            backend,
            clock,
            faults: faulty_store,
            queue_faults,
            queues,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app.base_url)
    }

    /// Calls the admin API with the local admin token; the status and the JSON body (a string
    /// when the body is not JSON).
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.api_as(&self.app.admin_token, method, path, body).await
    }

    /// The app's data directory (staff tokens live there).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._dir.path().to_owned()
    }

    /// A new staff token with a role (a consultant's: with their WeCom userid), as
    /// `wecom-crm token create` makes it in the data directory the app reads.
    pub fn staff_token(&self, role: admin_api::Role, userid: Option<&str>) -> String {
        wecom_crm::tokens::Tokens::in_dir(self._dir.path())
            .create(role, userid.map(str::to_owned), None, 0)
            .unwrap()
            .0
    }

    /// Calls the admin API with a bearer token; the status and the JSON body.
    pub async fn api_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.unwrap()).await
    }

    /// POSTs a file as `multipart/form-data` (field `file`, named `file_name`) with a token.
    pub async fn upload_as(
        &self,
        token: &str,
        path: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> (u16, Value) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        let request = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .multipart(form);
        answer(request.send().await.unwrap()).await
    }

    /// POSTs to the simulator's control API and returns its JSON answer (panics on non-2xx).
    pub async fn control(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(self.url(&format!("/sim/control/{path}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path} answered {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    pub async fn control_get(&self, path: &str) -> Value {
        self.http
            .get(self.url(&format!("/sim/control/{path}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A customer scans a 「联系我」 of `userid` for `state`; returns the simulator's answer.
    pub async fn scan(&self, userid: &str, state: &str) -> Value {
        self.control("scan", json!({ "userid": userid, "state": state }))
            .await
    }

    /// Welcome messages WeCom delivered to one customer.
    pub async fn welcomes_to(&self, external_userid: &str) -> Vec<Value> {
        let all = self.control_get("welcome-messages").await;
        all.as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m["external_userid"] == external_userid)
            .collect()
    }

    /// How many times the app called one WeCom API.
    pub async fn calls(&self, api: &str) -> u64 {
        self.control_get("calls").await["by_path"][api]
            .as_u64()
            .unwrap_or(0)
    }

    /// Waits until the logged event with this key reaches a final status.
    pub async fn processed(&self, dedupe_key: &str) -> CallbackLogEntry {
        let log = self.log.clone();
        let key = dedupe_key.to_owned();
        eventually(&format!("event {dedupe_key} processed"), move || {
            let log = log.clone();
            let key = key.clone();
            async move {
                log.get(&key).await.unwrap().filter(|e| {
                    matches!(
                        e.status,
                        CallbackStatus::Processed
                            | CallbackStatus::Ignored
                            | CallbackStatus::Failed
                    )
                })
            }
        })
        .await
    }

    pub async fn shutdown(self) {
        self.app.shutdown().await;
    }

    /// Waits until nothing is left to happen on its own: WeCom has delivered (or given up on)
    /// every callback and every queue is drained (no message visible, delayed or in flight),
    /// twice in a row. What a test counts after this is final, not "so far".
    pub async fn settled(&self) {
        self.settled_within(Duration::from_secs(30)).await;
    }

    /// [`Harness::settled`], waiting up to `limit`.
    pub async fn settled_within(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut quiet_polls = 0;
        loop {
            let mut busy = Vec::new();
            if let Some(sim) = &self.app.sim
                && !sim.wait_for_deliveries(Duration::ZERO).await
            {
                busy.push("callback deliveries".to_owned());
            }
            for (name, queue) in &self.queues {
                let pending = queue.pending().await.unwrap();
                if pending > 0 {
                    busy.push(format!("{pending} message(s) on {name}"));
                }
            }
            quiet_polls = if busy.is_empty() { quiet_polls + 1 } else { 0 };
            if quiet_polls == 2 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not settled after {limit:?}: {}",
                busy.join(", ")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The app's (and WeCom's) time, unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        ports::Clock::now_ms(&self.clock)
    }

    /// Moves the app's and WeCom's clock forward to `ms` (unix milliseconds) instead of
    /// waiting for it.
    pub fn advance_clock_to_ms(&self, ms: i64) {
        self.clock.advance_to_ms(ms);
    }
}

/// The idempotency key of an external-contact event.
pub fn contact_key(change: &str, userid: &str, external_userid: &str, create_time: i64) -> String {
    format!("ec:{change}:{userid}:{external_userid}:{create_time}")
}

/// The key of the add event a scan answer describes.
pub fn scan_key(scan: &Value) -> String {
    contact_key(
        scan["change_type"].as_str().unwrap(),
        scan["userid"].as_str().unwrap(),
        scan["external_userid"].as_str().unwrap(),
        scan["create_time"].as_i64().unwrap(),
    )
}

/// A response's status and body: JSON when it parses, else the text as a JSON string.
pub async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Polls `check` until it yields a value (15 s at most).
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Runs each scenario on both backends, as `embedded::name` and `moto::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::Backend::Embedded).await;
                }
            )*
        }
        mod moto {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                #[ignore = "needs moto: ./scripts/test starts it"]
                async fn $name() {
                    super::$name($crate::Backend::Moto).await;
                }
            )*
        }
    };
}

impl Harness {
    /// Waits for the newest processed (or ignored/failed) event of a type, optionally about
    /// one customer.
    pub async fn processed_event(
        &self,
        event_type: &str,
        external_userid: Option<&str>,
    ) -> CallbackLogEntry {
        let log = self.log.clone();
        let event_type = event_type.to_owned();
        let external_userid = external_userid.map(str::to_owned);
        eventually(&format!("a processed {event_type} event"), move || {
            let log = log.clone();
            let event_type = event_type.clone();
            let external_userid = external_userid.clone();
            async move {
                let (entries, _) = log.recent(Some(&event_type), 50, None).await.unwrap();
                entries.into_iter().find(|e| {
                    e.status != CallbackStatus::Received
                        && e.status != CallbackStatus::Retrying
                        && external_userid
                            .as_ref()
                            .is_none_or(|id| e.external_userid.as_ref() == Some(id))
                })
            }
        })
        .await
    }

    /// The simulator's view of one relationship.
    pub async fn sim_relationship(&self, userid: &str, external_userid: &str) -> Value {
        let state = self.control_get("state").await;
        state["relationships"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .find(|r| r["userid"] == userid && r["external_userid"] == external_userid)
            .unwrap_or(Value::Null)
    }
}

/// Polls `check` until it yields a value, for at most `limit`.
pub async fn eventually_within<T, F, Fut>(what: &str, limit: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    eventually_every(what, limit, Duration::from_millis(100), check).await
}

/// Polls `check` every `interval` until it yields a value, for at most `limit` (a check that
/// is itself expensive — a campaign's funnel on moto — should not run back to back).
pub async fn eventually_every<T, F, Fut>(
    what: &str,
    limit: Duration,
    interval: Duration,
    mut check: F,
) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(interval).await;
    }
}

impl Harness {
    /// Runs a sync through the admin API and waits for it to finish.
    pub async fn sync_to_completion(&self) -> Value {
        let (status, started) = self.api(reqwest::Method::POST, "/api/sync", None).await;
        assert_eq!(status, 202, "{started}");
        let run_id = started["run_id"].as_str().unwrap().to_owned();
        eventually_within("the sync run finishes", Duration::from_secs(180), || {
            let run_id = run_id.clone();
            async move {
                let (status, run) = self
                    .api(
                        reqwest::Method::GET,
                        &format!("/api/sync/runs/{run_id}"),
                        None,
                    )
                    .await;
                assert_eq!(status, 200, "{run}");
                (run["status"] == "done").then_some(run)
            }
        })
        .await
    }

    /// Every customer matching a `GET /api/customers` query string, all pages.
    pub async fn all_customers(&self, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/customers?limit=100&{query}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, page) = self.api(reqwest::Method::GET, &path, None).await;
            assert_eq!(status, 200, "{page}");
            out.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    /// A customer who scanned `userid`'s QR code for `state` (processed), with the clinic's
    /// fields set through `PATCH /api/customers/{id}` and `marketing_consent`, when given,
    /// recorded as a written consent (`POST /api/customers/{id}/consents`); their id and the
    /// record as it then is.
    pub async fn customer_with(&self, userid: &str, state: &str, fields: Value) -> (String, Value) {
        let scan = self.scan(userid, state).await;
        let id = scan["external_userid"].as_str().unwrap().to_owned();
        self.processed(&scan_key(&scan)).await;
        let mut fields = fields.as_object().cloned().unwrap_or_default();
        if let Some(granted) = fields.remove("marketing_consent") {
            self.record_consent(&id, "marketing", granted.as_bool().unwrap(), "written")
                .await;
        }
        let (status, body) = if fields.is_empty() {
            self.api(reqwest::Method::GET, &format!("/api/customers/{id}"), None)
                .await
        } else {
            self.api(
                reqwest::Method::PATCH,
                &format!("/api/customers/{id}"),
                Some(Value::Object(fields)),
            )
            .await
        };
        assert_eq!(status, 200, "{body}");
        (id, body)
    }

    /// Records a consent (`POST /api/customers/{id}/consents`); the answered consents.
    pub async fn record_consent(
        &self,
        external_userid: &str,
        purpose: &str,
        granted: bool,
        method: &str,
    ) -> Value {
        let (status, body) = self
            .api(
                reqwest::Method::POST,
                &format!("/api/customers/{external_userid}/consents"),
                Some(json!({"purpose": purpose, "granted": granted, "method": method})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body
    }

    /// A customer of `userid` who agreed to marketing.
    pub async fn consenting_customer(&self, userid: &str, state: &str) -> String {
        self.customer_with(userid, state, json!({"marketing_consent": true}))
            .await
            .0
    }

    /// Turns quiet hours off (the scenario must not depend on the time of day it runs at).
    pub async fn without_quiet_hours(&self) {
        let (status, body) = self
            .api(
                reqwest::Method::PUT,
                "/api/config",
                Some(json!({"send_rules": {"daily_cap_per_customer": 3, "quiet_start": "00:00", "quiet_end": "00:00"}})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Waits until the campaign's funnel shows `count` for `stage` (e.g. `sent`).
    pub async fn funnel_reaches(&self, id: &str, stage: &str, count: usize) -> Value {
        eventually_every(
            &format!("campaign {id}: {count} {stage}"),
            Duration::from_secs(240),
            Duration::from_millis(500),
            || async move {
                let c = self.campaign(id).await;
                (c["funnel"][stage] == count).then(|| c["funnel"].clone())
            },
        )
        .await
    }

    /// A campaign's view (status, progress, funnel).
    pub async fn campaign(&self, id: &str) -> Value {
        let (status, body) = self
            .api(reqwest::Method::GET, &format!("/api/campaigns/{id}"), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Waits until the campaign reaches `status`.
    pub async fn campaign_in(&self, id: &str, status: &str) -> Value {
        eventually_every(
            &format!("campaign {id} is {status}"),
            Duration::from_secs(240),
            Duration::from_millis(500),
            || async move {
                let c = self.campaign(id).await;
                (c["status"] == status).then_some(c)
            },
        )
        .await
    }

    /// The group-send tasks WeCom (the simulator) holds.
    pub async fn group_msgs(&self) -> Vec<Value> {
        self.control_get("groupmsgs")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}
