//! A sync engine for unit tests: an in-memory store and a fixed clock that the store shares
//! (TTLs expire when the clock moves), sequential run ids, and a WeCom client pointed at an
//! address nothing listens on, for the decisions that must not call WeCom.

use std::sync::Arc;
use std::time::Duration;

use ports::{Clock, FixedClock, ItemStore, SequentialIds};

use super::config::SyncConfig;
use super::engine::SyncEngine;
use crate::repo::StoreTokenStore;

/// 2026-01-01T00:00:00Z.
pub(super) const T0_MS: i64 = 1_767_225_600_000;

pub(super) struct Fixture {
    pub(super) engine: SyncEngine,
    pub(super) store: Arc<dyn ItemStore>,
    pub(super) clock: FixedClock,
}

pub(super) fn fixture() -> Fixture {
    let clock = FixedClock::at_ms(T0_MS);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let store = test_kit::Embedded::with_clock(shared.clone()).store;
    let wecom = test_kit::wecom::offline_client(
        "ww1",
        Arc::new(StoreTokenStore::new(store.clone())),
        shared.clone(),
    );
    let engine = SyncEngine::new(
        store.clone(),
        Arc::new(wecom),
        shared,
        Arc::new(SequentialIds::new("run")),
        SyncConfig {
            min_call_interval: Duration::ZERO,
            lease_ttl: Duration::from_secs(900),
            ..SyncConfig::default()
        },
    );
    Fixture {
        engine,
        store,
        clock,
    }
}
