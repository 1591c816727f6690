//! The simulator core: the [`Simulator`] handle, the lock on its state, its clock and the
//! accessors every layer above uses. API families add their own `impl Simulator` blocks; the
//! router is in `router.rs`, the server runner in `server.rs`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::clock::system_now_ms;
use crate::config::SimConfig;
use crate::control_error::ControlError;
use crate::model::{
    AppMessage, CallCounts, DeliveryRecord, DeliveryStatus, InboundAppMessage, Staff,
    StateSnapshot, WelcomeMessage,
};
use crate::state::State;

/// Where the simulator reads the time (unix milliseconds): the wall clock by default; local
/// mode hands it the app's clock, so a test that moves one moves both.
pub type SimClock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub(crate) struct Inner {
    pub config: SimConfig,
    pub clock: SimClock,
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
        Self::with_clock(config, Arc::new(system_now_ms))
    }

    /// A simulator whose time is `clock` (plus what [`Simulator::advance_clock`] adds).
    pub fn with_clock(config: SimConfig, clock: SimClock) -> Self {
        let state = State::new(
            config.demo_data,
            config.callback_url.clone(),
            clock() / 1000,
        );
        // Callbacks go straight to the configured URL, never through a proxy.
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap_or_default();
        Simulator {
            inner: Arc::new(Inner {
                config,
                clock,
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

    /// The simulated corp's id.
    pub(crate) fn corp_id(&self) -> &str {
        &self.config().corp_id
    }

    /// The configuration, with the current callback URL.
    pub fn current_config(&self) -> SimConfig {
        SimConfig {
            callback_url: self.callback_url(),
            ..self.inner.config.clone()
        }
    }

    /// Simulated unix milliseconds (its clock plus [`Simulator::advance_clock`] offsets).
    pub fn now_ms(&self) -> i64 {
        (self.inner.clock)() + self.lock().clock_offset_ms
    }

    /// The receiver's "now" (unix milliseconds): the clock the simulator was given, without
    /// [`Simulator::advance_clock`] offsets. Callbacks are signed with it, so that a receiver
    /// on the same clock (local mode, tests with a fake clock) or on the wall clock finds them
    /// fresh.
    pub fn signing_now_ms(&self) -> i64 {
        (self.inner.clock)()
    }

    /// Moves the simulated clock forward: tokens and welcome codes expire as if that time had
    /// passed; event `CreateTime`s and `createtime`s use the moved clock.
    pub fn advance_clock(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let mut st = self.lock();
        st.clock_offset_ms = st.clock_offset_ms.saturating_add(ms);
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
    pub fn add_staff(&self, staff: Staff) -> Result<(), ControlError> {
        if staff.userid.trim().is_empty() || staff.userid.len() > 64 {
            return Err(ControlError::BadRequest(
                "userid must be 1 to 64 bytes".to_owned(),
            ));
        }
        self.lock().staff.insert(staff.userid.clone(), staff);
        Ok(())
    }
}
