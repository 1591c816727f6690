//! Local mode: the product in one process.
//!
//! [`start`] binds one listener and serves the WeCom callback at `/api/wework/callback`,
//! runs the event workers over the queue, and — in simulation — mounts the WeCom simulator on
//! the same listener (`/cgi-bin/*` for the API, `/sim/control/*` to drive it) and points the
//! WeCom client and the simulator's callbacks at it. The adapters are passed in, so tests run
//! the same assembly on the embedded store and on DynamoDB/SQS.

use std::net::SocketAddr;
use std::sync::Arc;

use admin_api::{AdminState, AuthMode};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use callback::{CallbackHandler, CallbackRequest, CallbackSettings};
use campaigns::queue::Backoff;
use crm::automation::Automations;
use crm::campaign::{CampaignSettings, Campaigns};
use crm::config::CorpConfig;
use crm::ingest::Ingestor;
use crm::process::{Processor, ProcessorSettings};
use crm::repo::{CallbackLog, ConfigRepo, StoreTokenStore};
use crm::sync::{StepBudget, SyncConfig, SyncEngine, SyncRunner};
use ports::RandomIds;
use ports::{Clock, DeadLetters, ItemStore, JobQueue, QueueConsumer, Scheduler};
use store_embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedScheduler, SqliteStore};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};
use wecom_api::{RetryPolicy, WeComClient, WeComSettings};
use wecom_sim::{SimConfig, Simulator};

/// The callback path (the seed's).
pub const CALLBACK_PATH: &str = "/api/wework/callback";

pub mod console;
pub mod exposure;
pub mod seed;
pub mod tokens;

/// The ports the app runs on.
pub struct Adapters {
    pub store: Arc<dyn ItemStore>,
    pub queue: Arc<dyn JobQueue>,
    pub consumer: Arc<dyn QueueConsumer>,
    /// The sync's own queue (a run's steps).
    pub sync_queue: Arc<dyn JobQueue>,
    pub sync_consumer: Arc<dyn QueueConsumer>,
    /// Campaign runs due now and continuations of long resolutions.
    pub campaign_queue: Arc<dyn JobQueue>,
    pub campaign_consumer: Arc<dyn QueueConsumer>,
    /// One message per group-send task to create.
    pub send_queue: Arc<dyn JobQueue>,
    pub send_consumer: Arc<dyn QueueConsumer>,
    /// Campaigns' one-time schedules.
    pub scheduler: Arc<dyn Scheduler>,
    /// Fires due schedules in this process; `None` when something else fires them (moto's
    /// EventBridge stores schedules but never fires them).
    pub schedule_runner: Option<Arc<EmbeddedScheduler>>,
    /// Each queue's dead letters, by queue name.
    pub dead_letters: Vec<(String, Arc<dyn DeadLetters>)>,
    pub clock: Arc<dyn Clock>,
}

impl Adapters {
    /// Everything on one embedded database: the store, durable queues (dead-lettered after
    /// `max_receives`) and the in-process scheduler.
    pub fn embedded(db: Arc<EmbeddedDb>, max_receives: u32, clock: Arc<dyn Clock>) -> Self {
        let store = crm::aggregates::AggregatingStore::wrap(Arc::new(SqliteStore::new(db.clone())));
        let queue = |name: &str| Arc::new(EmbeddedQueue::new(db.clone(), name, max_receives));
        let (events, sync, campaigns, sends) = (
            queue("events"),
            queue("sync"),
            queue("campaigns"),
            queue("sends"),
        );
        let scheduler = Arc::new(EmbeddedScheduler::new(store.clone()));
        let dead_letters: Vec<(String, Arc<dyn DeadLetters>)> = vec![
            ("events".to_owned(), events.clone()),
            ("sync".to_owned(), sync.clone()),
            ("campaigns".to_owned(), campaigns.clone()),
            ("sends".to_owned(), sends.clone()),
        ];
        Self {
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
            schedule_runner: Some(scheduler),
            dead_letters,
            clock,
        }
    }
}

pub struct AppOptions {
    pub listen: SocketAddr,
    /// Run the WeCom simulator on the same listener and use it instead of WeCom.
    pub simulate: Option<SimConfig>,
    /// How WeCom is reached when not simulating (`WEWORK_API_BASE`, `WEWORK_HTTPS_PROXY`).
    pub wecom: wecom_api::Endpoint,
    /// The configuration seeded on first start (from `WEWORK_*`).
    pub config_seed: CorpConfig,
    pub workers: usize,
    pub processor: ProcessorSettings,
    pub retry: RetryPolicy,
    pub callback_log_retention_days: i64,
    /// How long personal records are kept (`RETENTION_*`, `CALLBACK_LOG_RETENTION_DAYS`;
    /// docs/privacy.md).
    pub retention: crm::retention::Retention,
    /// The operator's bearer token of the admin API (`/api/*`): the admin role.
    pub admin_token: String,
    /// Staff tokens with their roles (`wecom-crm token create`; `serve` reads the data
    /// directory's file).
    pub tokens: Option<Arc<dyn admin_api::TokenDirectory>>,
    /// How often the callback re-reads its Token / EncodingAESKey from the stored config.
    pub config_reload: std::time::Duration,
    /// How often the hourly sync starts (`None`: only on demand, `POST /api/sync`).
    pub sync_every: Option<std::time::Duration>,
    pub sync: SyncConfig,
    /// Campaign settings; an empty `link_base` becomes this listener's URL.
    pub campaigns: CampaignSettings,
    /// How often open campaigns' send results are read (AWS: every 15 minutes).
    pub tracking_every: Option<std::time::Duration>,
    /// Run the automation rules daily at 01:00 Asia/Shanghai.
    pub automations_daily: bool,
    /// Send the consultants' digest daily at 08:00 Asia/Shanghai (`crm::alerts`).
    pub digest_daily: bool,
    /// Import WeCom's behaviour data (consultant performance) daily at 02:00 Asia/Shanghai.
    pub behavior_daily: bool,
    /// How often due schedules are looked for.
    pub schedule_tick: std::time::Duration,
    /// Retry spacing of the campaign and send workers.
    pub send_backoff: Backoff,
    /// How long a sync step that failed transiently waits before it runs again.
    pub sync_retry: std::time::Duration,
    /// The built web console, served at `/`.
    pub console_dir: std::path::PathBuf,
    /// Hits a second the public redirect (`/t/…`) answers, bursts of twice that; more get 429.
    pub redirect_rate_per_sec: u32,
    /// Where WeCom and customers reach this server (behind a TLS reverse proxy on the clinic's
    /// ICP-filed domain, e.g. `https://crm.clinic.example`): the callback URL and tracked links
    /// use it. `None`: the listener's own URL.
    pub public_url: Option<String>,
    /// With the simulator: the app's own clock, which `POST /sim/control/app-clock/advance`
    /// (`{"seconds": n}` or `{"to_ms": t}`) moves forward — the app and WeCom together.
    pub app_clock: Option<ports::AdvancingClock>,
    /// How much of a file one customer-import request does (`IMPORT_SLICE_MS`; default: the
    /// whole file).
    pub import_slice: crm::import::SliceBudget,
}

impl AppOptions {
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            simulate: None,
            wecom: wecom_api::Endpoint::from_env_map(|name| std::env::var(name).ok()),
            config_seed: CorpConfig::from_env(),
            workers: 2,
            processor: ProcessorSettings::default(),
            retry: RetryPolicy::default(),
            callback_log_retention_days: i64::from(
                crm::retention::Retention::from_env().raw_event_days,
            ),
            retention: crm::retention::Retention::from_env(),
            admin_token: std::env::var("WEWORK_ADMIN_TOKEN")
                .ok()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>())),
            tokens: None,
            config_reload: std::time::Duration::from_secs(10),
            sync_every: Some(std::time::Duration::from_secs(3600)),
            sync: SyncConfig::default(),
            campaigns: CampaignSettings::default(),
            tracking_every: Some(std::time::Duration::from_secs(60)),
            automations_daily: true,
            digest_daily: true,
            behavior_daily: true,
            schedule_tick: std::time::Duration::from_secs(1),
            send_backoff: Backoff::default(),
            sync_retry: std::time::Duration::from_secs(30),
            console_dir: std::path::PathBuf::from("console/dist"),
            public_url: None,
            redirect_rate_per_sec: 200,
            app_clock: None,
            import_slice: crm::import::SliceBudget::from_env_map(
                |name| std::env::var(name).ok(),
                crm::import::SliceBudget::unlimited(),
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot listen on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Crm(#[from] crm::CrmError),
}

/// The running app; dropping it does not stop it, [`RunningApp::shutdown`] does.
pub struct RunningApp {
    pub addr: SocketAddr,
    pub base_url: String,
    /// The public URL when one is set, else `base_url`.
    pub public_base: String,
    pub sim: Option<Simulator>,
    pub config: CorpConfig,
    pub admin_token: String,
    /// The campaign engine the functions run on (tests invoke handlers with it).
    pub campaigns: Arc<Campaigns>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningApp {
    pub fn callback_url(&self) -> String {
        format!("{}{CALLBACK_PATH}", self.public_base)
    }

    /// Stops the listener and the workers and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// Resolves when the app is told to stop (Ctrl-C in the CLI).
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.stop.clone()
    }
}

pub async fn start(mut adapters: Adapters, options: AppOptions) -> Result<RunningApp, AppError> {
    // Recipients, clicks and audit entries expire after the configured retention.
    adapters.store = crm::retention::RetentionStore::wrap(
        adapters.store.clone(),
        options.retention,
        adapters.clock.clone(),
    );
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|e| AppError::Listen(options.listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| AppError::Listen(options.listen, e))?;
    let base_url = format!("http://{addr}");
    let public_base = options
        .public_url
        .as_deref()
        .map(|url| url.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| base_url.clone());

    let configs = ConfigRepo::new(adapters.store.clone());
    let mut seed = options.config_seed.clone();
    let sim = options.simulate.clone().map(|mut sim_config| {
        sim_config.callback_url = Some(format!("{base_url}{CALLBACK_PATH}"));
        // WeCom and the app read one clock: a test that moves the app's time moves WeCom's.
        let clock = adapters.clock.clone();
        Simulator::with_clock(sim_config, Arc::new(move || clock.now_ms()))
    });
    let mut config = configs.load_or_seed(&seed).await?;
    let wecom_endpoint = match (&sim, &options.simulate) {
        (Some(_), Some(sim_config)) => {
            // The simulator's corp replaces whatever credentials were stored before.
            for target in [&mut seed, &mut config] {
                target.corp_id.clone_from(&sim_config.corp_id);
                target.corp_secret.clone_from(&sim_config.corp_secret);
                target.agent_id.clone_from(&sim_config.agent_id);
                target.token.clone_from(&sim_config.token);
                target
                    .encoding_aes_key
                    .clone_from(&sim_config.encoding_aes_key);
            }
            configs.save(&config).await?;
            wecom_api::Endpoint::at(&base_url)
        }
        _ => {
            // A data dir last used with --simulate holds the simulator's credentials; a run
            // against the real WeCom takes the configured ones instead.
            if config.corp_id == SimConfig::demo().corp_id && !seed.corp_id.is_empty() {
                config.corp_id.clone_from(&seed.corp_id);
                config.corp_secret.clone_from(&seed.corp_secret);
                config.agent_id.clone_from(&seed.agent_id);
                config.token.clone_from(&seed.token);
                config.encoding_aes_key.clone_from(&seed.encoding_aes_key);
                configs.save(&config).await?;
            }
            options.wecom.clone()
        }
    };
    let settings =
        CallbackSettings::from_config(&config).map_err(|e| AppError::Config(e.to_string()))?;

    let log = CallbackLog::new(adapters.store.clone(), options.callback_log_retention_days);
    let handler = Arc::new(
        CallbackHandler::new(
            settings,
            Ingestor::new(log.clone(), adapters.queue.clone(), adapters.clock.clone()),
            adapters.clock.clone(),
        )
        .reloading(configs.clone(), options.config_reload),
    );
    let mut wecom_settings =
        WeComSettings::via(&wecom_endpoint, &config.corp_id, &config.corp_secret);
    wecom_settings.retry = options.retry;
    let wecom = Arc::new(
        WeComClient::new(
            wecom_settings,
            Arc::new(StoreTokenStore::new(adapters.store.clone())),
            adapters.clock.clone(),
        )
        .map_err(|e| AppError::Config(e.to_string()))?,
    );
    let sync = Arc::new(SyncRunner::new(
        Arc::new(SyncEngine::new(
            adapters.store.clone(),
            wecom.clone(),
            adapters.clock.clone(),
            Arc::new(RandomIds),
            options.sync.clone(),
        )),
        adapters.sync_queue.clone(),
        StepBudget::time(std::time::Duration::from_secs(20)),
    ));
    let mut campaign_settings = options.campaigns.clone();
    if campaign_settings.link_base.is_empty() {
        campaign_settings.link_base.clone_from(&public_base);
    }
    let campaigns = Arc::new(Campaigns {
        store: adapters.store.clone(),
        campaign_queue: adapters.campaign_queue.clone(),
        send_queue: adapters.send_queue.clone(),
        scheduler: adapters.scheduler.clone(),
        wecom: wecom.clone(),
        clock: adapters.clock.clone(),
        ids: Arc::new(RandomIds),
        settings: campaign_settings,
    });
    let admin = admin_api::router(
        AdminState {
            store: adapters.store.clone(),
            queue: adapters.queue.clone(),
            clock: adapters.clock.clone(),
            ids: Arc::new(RandomIds),
            wecom: wecom.clone(),
            wecom_endpoint: wecom_endpoint.clone(),
            config_seed: seed.clone(),
            callback_log_retention_days: options.callback_log_retention_days,
            http: reqwest::Client::new(),
            sync: sync.clone(),
            campaigns: (*campaigns).clone(),
            dead_letters: Arc::new(adapters.dead_letters.clone()),
            callback_url: Some(format!("{public_base}{CALLBACK_PATH}")),
            import_slice: options.import_slice,
            import_max_bytes: crm::import::MAX_FILE_BYTES,
        },
        match &options.tokens {
            Some(directory) => {
                AuthMode::bearer_with(options.admin_token.clone(), directory.clone())
            }
            None => AuthMode::bearer(options.admin_token.clone()),
        },
    );
    // The alerts link to the console this server serves.
    let mut processor_settings = options.processor.clone();
    if processor_settings.console_base.is_empty() {
        processor_settings.console_base.clone_from(&public_base);
    }
    let processor = Arc::new(Processor::new(
        adapters.store.clone(),
        log.clone(),
        seed,
        wecom.clone(),
        adapters.clock.clone(),
        processor_settings.clone(),
    ));

    let mut router = Router::new()
        .route(CALLBACK_PATH, get(callback_route).post(callback_route))
        .route("/healthz", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .with_state(handler)
        .merge(admin)
        .merge(
            Router::new()
                .route("/t/{token}", get(redirect_route))
                .with_state(Arc::new(PublicLinks {
                    links: campaigns.links(),
                    limit: campaigns::redirect::RateLimit::new(
                        options.redirect_rate_per_sec,
                        options.redirect_rate_per_sec.saturating_mul(2),
                    ),
                })),
        );
    if let Some(sim) = &sim {
        router = router.merge(sim.router());
        if let Some(clock) = options.app_clock.clone() {
            router = router.route(
                "/sim/control/app-clock/advance",
                post(move |body: Bytes| advance_app_clock(clock.clone(), body)),
            );
        }
    }
    let router = router.fallback_service(
        Router::new()
            .fallback(console::serve)
            .with_state(console::ConsoleFiles::new(options.console_dir.clone())),
    );

    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut server_stop = stop_rx.clone();
    tasks.push(tokio::spawn(async move {
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = server_stop.wait_for(|stop| *stop).await;
        })
        .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "listener failed");
        }
    }));
    for _ in 0..options.workers {
        tasks.push(tokio::spawn(events::run_worker(
            processor.clone(),
            adapters.consumer.clone(),
            stop_rx.clone(),
        )));
    }
    // A data directory written by a version without aggregates gets its counters once, in the
    // background (the reports read zeros until then; a new store takes a few reads).
    {
        let store = adapters.store.clone();
        let now_ms = adapters.clock.now_ms();
        tasks.push(tokio::spawn(async move {
            match crm::aggregates::ensure_initialized(&store, now_ms).await {
                Ok(Some(report)) => info!(
                    records = report.records,
                    counters = report.counters,
                    corrected = report.corrected,
                    "aggregates rebuilt from the records"
                ),
                Ok(None) => {}
                Err(e) => warn!(error = %e.summary(), "aggregates could not be rebuilt; run `wecom-crm aggregates --apply`"),
            }
            // Likewise the phone index of records stored before it existed (the same rebuild).
            match crm::phone_index::ensure_initialized(&store).await {
                Ok(Some(report)) => info!(records = report.records, "phone index filled from the records"),
                Ok(None) => {}
                Err(e) => warn!(error = %e.summary(), "phone index could not be filled; run `wecom-crm aggregates --apply`"),
            }
        }));
    }
    tasks.push(tokio::spawn(sync::run_worker(
        sync.clone(),
        adapters.sync_consumer.clone(),
        options.sync_retry,
        stop_rx.clone(),
    )));
    if let Some(every) = options.sync_every {
        tasks.push(tokio::spawn(sync::run_schedule(
            sync,
            Some(crm::retention::RetentionSweep::new(
                adapters.store.clone(),
                options.retention,
                adapters.clock.clone(),
            )),
            every,
            stop_rx.clone(),
        )));
    }
    {
        let consumer = adapters.campaign_consumer.clone();
        let campaigns = campaigns.clone();
        let stop = stop_rx.clone();
        let backoff = options.send_backoff;
        tasks.push(tokio::spawn(async move {
            campaigns::queue::run_worker(consumer.as_ref(), backoff, stop, |body| {
                let campaigns = campaigns.clone();
                async move { campaigns.handle_job(&body).await }
            })
            .await;
        }));
    }
    for _ in 0..options.workers.max(1) {
        let campaigns = campaigns.clone();
        let consumer = adapters.send_consumer.clone();
        let stop = stop_rx.clone();
        let backoff = options.send_backoff;
        tasks.push(tokio::spawn(async move {
            campaigns::queue::run_worker(consumer.as_ref(), backoff, stop, |body| {
                let campaigns = campaigns.clone();
                async move { campaigns.handle_send(&body).await }
            })
            .await;
        }));
    }
    if let Some(runner) = adapters.schedule_runner.clone() {
        let campaigns = campaigns.clone();
        tasks.push(tokio::spawn(runner.run(
            adapters.clock.clone(),
            options.schedule_tick,
            stop_rx.clone(),
            move |schedule| {
                let campaigns = campaigns.clone();
                async move {
                    match campaigns.handle_job(&schedule.payload).await {
                        Ok(()) => true,
                        Err(e) => {
                            tracing::warn!(error = %e.summary(), schedule = %schedule.name, "scheduled run failed");
                            // A permanent failure will not heal by retrying each tick.
                            !e.is_retryable()
                        }
                    }
                }
            },
        )));
    }
    if let Some(every) = options.tracking_every {
        tasks.push(tokio::spawn(campaigns::tracking::run_schedule(
            campaigns.clone(),
            Arc::new(Ingestor::new(
                log.clone(),
                adapters.queue.clone(),
                adapters.clock.clone(),
            )),
            every,
            stop_rx.clone(),
        )));
    }
    if options.automations_daily {
        tasks.push(tokio::spawn(campaigns::automation::run_daily(
            Arc::new(Automations::new((*campaigns).clone())),
            stop_rx.clone(),
        )));
    }
    if options.behavior_daily {
        tasks.push(tokio::spawn(sync::run_behavior_daily(
            Arc::new(crm::performance::BehaviorImport::new(
                adapters.store.clone(),
                wecom.clone(),
                adapters.clock.clone(),
            )),
            adapters.clock.clone(),
            stop_rx.clone(),
        )));
    }
    if options.digest_daily {
        tasks.push(tokio::spawn(campaigns::digest::run_daily(
            Arc::new(campaigns::digest::alerts(
                &campaigns,
                &processor_settings.console_base,
            )),
            adapters.clock.clone(),
            stop_rx.clone(),
        )));
    }
    info!(%addr, simulate = sim.is_some(), "local mode started");
    Ok(RunningApp {
        addr,
        base_url,
        public_base,
        sim,
        config,
        admin_token: options.admin_token,
        campaigns,
        stop,
        tasks,
    })
}

/// `POST /sim/control/app-clock/advance` (simulator only): `{"seconds": n}` moves the app's
/// (and WeCom's) time forward by n seconds, `{"to_ms": t}` to t if ahead; answers `now_ms`.
async fn advance_app_clock(clock: ports::AdvancingClock, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Advance {
        #[serde(default)]
        seconds: u64,
        #[serde(default)]
        to_ms: Option<i64>,
    }
    let Ok(advance) = serde_json::from_slice::<Advance>(&body) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"error": "expected {\"seconds\": n} or {\"to_ms\": t}"})),
        )
            .into_response();
    };
    clock.advance(std::time::Duration::from_secs(advance.seconds));
    if let Some(to) = advance.to_ms {
        clock.advance_to_ms(to);
    }
    axum::Json(serde_json::json!({ "now_ms": ports::Clock::now_ms(&clock) })).into_response()
}

/// The public redirect's state: the links (their key loaded once) and the rate limit.
struct PublicLinks {
    links: crm::campaign::links::Links,
    limit: campaigns::redirect::RateLimit,
}

async fn redirect_route(
    State(public): State<Arc<PublicLinks>>,
    method: Method,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    let answer = if public.limit.allow() {
        let from = campaigns::redirect::click_source(&headers, Some(peer.ip().to_string()));
        campaigns::redirect::redirect(&public.links, &token, method == Method::GET, &from).await
    } else {
        campaigns::redirect::too_many_requests()
    };
    let (parts, body) = answer.into_parts();
    Response::from_parts(parts, axum::body::Body::from(body))
}

async fn callback_route(
    State(handler): State<Arc<CallbackHandler>>,
    method: Method,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let answer = handler
        .handle(CallbackRequest {
            method,
            raw_query: query.unwrap_or_default(),
            body,
        })
        .await;
    (
        answer.status,
        [(header::CONTENT_TYPE, answer.content_type)],
        answer.body,
    )
        .into_response()
}
