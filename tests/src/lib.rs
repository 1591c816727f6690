//! The end-to-end harness: the local-mode assembly (callback listener, event workers, WeCom
//! simulator on the same listener) on either the embedded adapters or DynamoDB + SQS on moto.
//! Tests drive it the way WeCom and a user would: the simulator's control API (a customer
//! scans a QR code…) and HTTP requests to the callback URL; they check the stored records and
//! what the simulated WeCom saw.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crm::model::{CallbackLogEntry, CallbackStatus};
use crm::process::ProcessorSettings;
use crm::repo::{CallbackLog, CustomerRepo, TagCatalogue};
use ports::{ItemStore, SystemClock};
use serde_json::{Value, json};
use store_embedded::{EmbeddedDb, EmbeddedQueue, SqliteStore};
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
    _dir: tempfile::TempDir,
}

/// Options a scenario may change before the app starts.
pub struct Setup {
    pub sim: SimConfig,
    pub max_skew_secs: i64,
    /// Event workers (0: events are accepted and queued, not processed).
    pub workers: usize,
}

impl Default for Setup {
    fn default() -> Self {
        let mut sim = SimConfig::demo();
        sim.callback_retry_delay = Duration::from_millis(300);
        sim.callback_timeout = Duration::from_secs(3);
        Self {
            sim,
            max_skew_secs: 0,
            workers: 2,
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
        let (store, queue, consumer, embedded_queue, sync_queue, sync_consumer) = match backend {
            Backend::Embedded => {
                let db = EmbeddedDb::open(&dir.path().join("crm.db")).unwrap();
                let queue = Arc::new(EmbeddedQueue::new(db.clone(), "events", 8));
                let sync = Arc::new(EmbeddedQueue::new(db.clone(), "sync", 8));
                let sync_producer: Arc<dyn ports::JobQueue> = sync.clone();
                let sync_consumer: Arc<dyn ports::QueueConsumer> = sync;
                let store: Arc<dyn ItemStore> = Arc::new(SqliteStore::new(db));
                let producer: Arc<dyn ports::JobQueue> = queue.clone();
                let consumer: Arc<dyn ports::QueueConsumer> = queue.clone();
                (
                    store,
                    producer,
                    consumer,
                    Some(queue),
                    sync_producer,
                    sync_consumer,
                )
            }
            Backend::Moto => {
                let store: Arc<dyn ItemStore> = store_aws::testing::fresh_shared_store().await;
                let queue = Arc::new(store_aws::testing::fresh_queue(8).await.queue);
                let producer: Arc<dyn ports::JobQueue> = queue.clone();
                let consumer: Arc<dyn ports::QueueConsumer> = queue;
                let sync = Arc::new(store_aws::testing::fresh_queue(8).await.queue);
                let sync_producer: Arc<dyn ports::JobQueue> = sync.clone();
                let sync_consumer: Arc<dyn ports::QueueConsumer> = sync;
                (
                    store,
                    producer,
                    consumer,
                    None,
                    sync_producer,
                    sync_consumer,
                )
            }
        };
        let mut options = AppOptions::new("127.0.0.1:0".parse().unwrap());
        options.simulate = Some(setup.sim);
        options.config_seed = crm::config::CorpConfig::from_env_map(|_| None);
        options.config_seed.callback_max_skew_secs = setup.max_skew_secs;
        options.retry = RetryPolicy::fast();
        options.workers = setup.workers;
        options.config_reload = Duration::ZERO;
        options.sync_every = None;
        options.sync.min_call_interval = Duration::ZERO;
        options.processor = ProcessorSettings {
            rate_limit_backoff: Duration::from_secs(1),
            retry_base: Duration::from_millis(200),
            retry_max: Duration::from_secs(1),
            ..ProcessorSettings::default()
        };
        let adapters = Adapters {
            store: store.clone(),
            queue,
            consumer,
            sync_queue,
            sync_consumer,
            clock: Arc::new(SystemClock),
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
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.app.admin_token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
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
