//! A sync engine for unit tests: an in-memory store and a fixed clock that the store shares
//! (TTLs expire when the clock moves), sequential run ids, and a WeCom client pointed at an
//! address nothing listens on, for the decisions that must not call WeCom.

use std::sync::Arc;
use std::time::Duration;

use ports::{Clock, FixedClock, ItemStore, SequentialIds};
use store_embedded::{EmbeddedDb, SqliteStore};
use wecom_api::{WeComClient, WeComSettings};

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
    let db = EmbeddedDb::open_in_memory_with_clock(shared.clone()).expect("in-memory store");
    let store: Arc<dyn ItemStore> = Arc::new(SqliteStore::new(db));
    let wecom = WeComClient::new(
        WeComSettings::new("http://127.0.0.1:9", "ww1", "secret"),
        Arc::new(StoreTokenStore::new(store.clone())),
        shared.clone(),
    )
    .expect("client");
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
