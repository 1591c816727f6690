//! The [`Simulator`] handle, its router and the server runner.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::SimConfig;
use crate::model::{
    AppMessage, CallCounts, DeliveryRecord, DeliveryStatus, FaultRule, InboundAppMessage, Staff,
    StateSnapshot, WelcomeMessage,
};
use crate::state::State;
use crate::wx::{self, WxError};
use crate::{api, control};

/// Wall-clock unix milliseconds.
pub(crate) fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) struct Inner {
    pub config: SimConfig,
    pub state: Mutex<State>,
    pub http: reqwest::Client,
}

/// A simulated WeCom corp: cheap to clone, all clones share one state.
#[derive(Clone)]
pub struct Simulator {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("corp_id", &self.inner.config.corp_id)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    pub fn new(config: SimConfig) -> Self {
        let state = State::new(
            config.demo_data,
            config.callback_url.clone(),
            system_now_ms() / 1000,
        );
        // Callbacks go straight to the configured URL, never through a proxy.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_default();
        Simulator {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
                http,
            }),
        }
    }

    /// The state lock. A panic while holding it cannot leave the state half-written in a way
    /// that matters for a simulator, so a poisoned lock is simply taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// The configuration, with the current callback URL.
    pub fn current_config(&self) -> SimConfig {
        SimConfig {
            callback_url: self.callback_url(),
            ..self.inner.config.clone()
        }
    }

    /// Simulated unix milliseconds (wall clock plus [`Simulator::advance_clock`] offsets).
    pub fn now_ms(&self) -> i64 {
        system_now_ms() + self.lock().clock_offset_ms
    }

    /// Moves the simulated clock forward: tokens and welcome codes expire as if that time had
    /// passed; event `CreateTime`s and `createtime`s use the moved clock.
    pub fn advance_clock(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let mut st = self.lock();
        st.clock_offset_ms = st.clock_offset_ms.saturating_add(ms);
    }

    /// The router serving `/cgi-bin/…` (the WeCom API) and `/sim/control/…` (the control API).
    /// It has no fallback, so it can be merged into another server's router.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/cgi-bin/{*path}", any(api::handle))
            .route("/sim/qr/{file}", get(crate::contact_way::qr_image))
            .route("/sim/control", get(control::index))
            .route("/sim/control/scan", post(control::scan))
            .route("/sim/control/seed", post(crate::seed::seed))
            .route("/sim/control/silent", post(crate::seed::silent))
            .route("/sim/control/edit", post(control::edit))
            .route("/sim/control/delete", post(control::delete))
            .route("/sim/control/transfer-fail", post(control::transfer_fail))
            .route("/sim/control/tag-event", post(control::tag_event))
            .route("/sim/control/app-message", post(control::app_message))
            .route("/sim/control/raw-callback", post(control::raw_callback))
            .route("/sim/control/verify-url", post(control::verify_url))
            .route("/sim/control/state", get(control::state))
            .route(
                "/sim/control/welcome-messages",
                get(control::welcome_messages),
            )
            .route("/sim/control/app-messages", get(control::app_messages))
            .route("/sim/control/deliveries", get(control::deliveries))
            .route("/sim/control/calls", get(control::calls))
            .route("/sim/control/calls/reset", post(control::reset_calls))
            .route(
                "/sim/control/faults",
                get(control::list_faults)
                    .post(control::add_faults)
                    .delete(control::clear_faults),
            )
            .route("/sim/control/tokens/expire", post(control::expire_tokens))
            .route(
                "/sim/control/tokens/invalidate",
                post(control::invalidate_tokens),
            )
            .route(
                "/sim/control/callback-url",
                get(control::get_callback_url).put(control::put_callback_url),
            )
            .route("/sim/control/staff", post(control::add_staff))
            .route("/sim/control/clock/advance", post(control::advance_clock))
            .route(
                "/sim/control/groupmsg/confirm",
                post(crate::groupmsg::confirm),
            )
            .route("/sim/control/groupmsgs", get(crate::groupmsg::list))
            .route(
                "/sim/control/groupmsg/quota",
                get(crate::groupmsg::get_quota).post(crate::groupmsg::set_quota),
            )
            .route(
                "/sim/control/groupmsg/received",
                post(crate::groupmsg::received),
            )
            .route("/sim/control/media", get(crate::media::list))
            .route("/sim/control/media/expire", post(crate::media::expire))
            .with_state(self.clone())
    }

    /// Where callbacks go from now on (an empty string disables delivery).
    pub fn set_callback_url(&self, url: &str) {
        let url = url.trim();
        self.lock().callback_url = (!url.is_empty()).then(|| url.to_owned());
    }

    /// Stops delivering callbacks (events are still applied).
    pub fn clear_callback_url(&self) {
        self.lock().callback_url = None;
    }

    pub fn callback_url(&self) -> Option<String> {
        self.lock().callback_url.clone()
    }

    /// Everything the simulator holds.
    pub fn state(&self) -> StateSnapshot {
        let now_ms = self.now_ms();
        let st = self.lock();
        StateSnapshot {
            corp_id: self.inner.config.corp_id.clone(),
            agent_id: self.inner.config.agent_id.clone(),
            callback_url: st.callback_url.clone(),
            now_ms,
            staff: st.staff.values().cloned().collect(),
            contacts: st.contacts.values().cloned().collect(),
            relationships: {
                let mut rels: Vec<_> = st.relations.values().collect();
                rels.sort_by_key(|r| r.seq);
                rels.into_iter().map(|r| st.relationship_view(r)).collect()
            },
            tag_groups: st.tag_groups.clone(),
            welcome_codes: st.welcome_codes.values().cloned().collect(),
            welcome_messages: st.welcome_messages.clone(),
            app_messages: st.app_messages.clone(),
            inbound_app_messages: st.inbound_app_messages.clone(),
            deliveries: st.deliveries.clone(),
            faults: st.faults.iter().cloned().collect(),
            calls: st.calls.clone(),
            group_msgs: st.group_msgs.clone(),
            groupmsg_quota: st.groupmsg_quota,
            media: st.media.values().cloned().collect(),
            uploaded_images: st.uploaded_images.clone(),
        }
    }

    /// Welcome messages delivered through `send_welcome_msg`, oldest first.
    pub fn welcome_messages(&self) -> Vec<WelcomeMessage> {
        self.lock().welcome_messages.clone()
    }

    /// Application messages sent through `message/send`, oldest first.
    pub fn app_messages(&self) -> Vec<AppMessage> {
        self.lock().app_messages.clone()
    }

    /// Texts members sent to the app (`/sim/control/app-message`), oldest first.
    pub fn inbound_app_messages(&self) -> Vec<InboundAppMessage> {
        self.lock().inbound_app_messages.clone()
    }

    /// Callback deliveries and their attempts, oldest first.
    pub fn deliveries(&self) -> Vec<DeliveryRecord> {
        self.lock().deliveries.clone()
    }

    /// Waits until no delivery is pending (all delivered or given up). Returns false on timeout.
    pub async fn wait_for_deliveries(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let pending = self
                .lock()
                .deliveries
                .iter()
                .any(|d| d.status == DeliveryStatus::Pending);
            if !pending {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Appends a fault rule to the FIFO.
    pub fn inject_fault(&self, rule: FaultRule) -> Result<(), control::ControlError> {
        control::validate_fault(&rule)?;
        self.lock().faults.push_back(rule);
        Ok(())
    }

    /// Removes every pending fault rule.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The pending fault rules, in FIFO order.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.lock().faults.iter().cloned().collect()
    }

    /// Calls received under `/cgi-bin/` since the start or the last reset.
    pub fn call_counts(&self) -> CallCounts {
        self.lock().calls.clone()
    }

    pub fn reset_call_counts(&self) {
        self.lock().calls = CallCounts::default();
    }

    /// Every issued token expires now: the next call with one gets 42001.
    pub fn expire_tokens(&self) {
        let now = self.now_ms();
        self.lock().expire_tokens(now);
    }

    /// Every issued token becomes invalid now: the next call with one gets 40014.
    pub fn invalidate_tokens(&self) {
        self.lock().invalidate_tokens();
    }

    /// Adds (or replaces) an internal member.
    pub fn add_staff(&self, staff: Staff) -> Result<(), control::ControlError> {
        if staff.userid.trim().is_empty() || staff.userid.len() > 64 {
            return Err(control::ControlError::BadRequest(
                "userid must be 1 to 64 bytes".to_owned(),
            ));
        }
        self.lock().staff.insert(staff.userid.clone(), staff);
        Ok(())
    }

    /// The answer an injected fault gives instead of the real one (`None`: delay only).
    pub(crate) fn fault_response(&self, rule: &FaultRule) -> Option<Response> {
        if rule.errcode.is_none() && rule.http_status.is_none() {
            return None;
        }
        if let Some(code) = rule.errcode {
            // Token faults also really invalidate / expire the token, so a refresh is needed.
            match code {
                40014 => self.invalidate_tokens(),
                42001 => self.expire_tokens(),
                _ => {}
            }
        }
        let status = rule
            .http_status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        Some(match rule.errcode {
            Some(code) => {
                let mut body = WxError::new(code).body();
                if let (Some(msg), Some(obj)) = (&rule.errmsg, body.as_object_mut()) {
                    obj.insert("errmsg".to_owned(), serde_json::Value::from(msg.clone()));
                }
                (status, axum::Json(body)).into_response()
            }
            None => wx::http_error_page(status),
        })
    }
}

/// A simulator serving on a local port. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSim {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base_url: String,
    pub addr: SocketAddr,
    pub sim: Simulator,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    /// The WeCom API base to give a client: `http://127.0.0.1:PORT/cgi-bin/`.
    pub fn api_base(&self) -> String {
        format!("{}/cgi-bin/", self.base_url)
    }

    /// `http://127.0.0.1:PORT/sim/control`.
    pub fn control_base(&self) -> String {
        format!("{}/sim/control", self.base_url)
    }

    /// Stops the server and waits (at most 5 s) for it to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts a simulator on `127.0.0.1` with a free port.
pub async fn spawn(config: SimConfig) -> std::io::Result<RunningSim> {
    spawn_at(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

/// Starts a simulator on `addr`.
pub async fn spawn_at(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSim> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let sim = Simulator::new(config);
    let (tx, rx) = oneshot::channel::<()>();
    let router = sim.router();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "wecom-sim server stopped");
        }
    });
    Ok(RunningSim {
        base_url: format!("http://{addr}"),
        addr,
        sim,
        shutdown: Some(tx),
        task: Some(task),
    })
}
