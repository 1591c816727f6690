//! Fixtures shared by the crates' tests (a dev-dependency only; nothing here ships).
//!
//! - [`Embedded`]: the embedded adapters on one in-memory database — the item store, queues by
//!   name, the scheduler.
//! - [`wecom`]: a quiet simulator (no callbacks) and WeCom clients on it with fast retries, or
//!   on an address where nothing listens (for code paths that must not call WeCom).
//! - [`queue::SwitchableQueue`]: a job queue a test switches off to refuse sends.
//! - [`samples`]: the sample events under `events/` and the corp they are sealed for.
//!
//! It depends on the ports, the adapters, the WeCom client and the simulator, never on `crm`
//! or a function crate, so that every crate above them can use it without a dependency cycle.
#![allow(clippy::unwrap_used, clippy::panic)]

pub mod queue;
pub mod samples;
pub mod wecom;

use std::sync::Arc;

use ports::{Clock, ItemStore};
use store_embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedScheduler, SqliteStore};

/// The embedded adapters on one fresh in-memory database.
#[derive(Clone)]
pub struct Embedded {
    pub db: Arc<EmbeddedDb>,
    pub store: Arc<dyn ItemStore>,
}

/// How many receives a fixture queue allows before dead-lettering.
pub const MAX_RECEIVES: u32 = 5;

impl Embedded {
    pub fn new() -> Self {
        Self::on(EmbeddedDb::open_in_memory().unwrap())
    }

    /// On a database whose TTLs and queue timers follow `clock` (a test moves it).
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self::on(EmbeddedDb::open_in_memory_with_clock(clock).unwrap())
    }

    fn on(db: Arc<EmbeddedDb>) -> Self {
        let store: Arc<dyn ItemStore> = Arc::new(SqliteStore::new(db.clone()));
        Self { db, store }
    }

    /// The queue `name` on this database ([`MAX_RECEIVES`] receives).
    pub fn queue(&self, name: &str) -> Arc<EmbeddedQueue> {
        self.queue_with(name, MAX_RECEIVES)
    }

    /// The queue `name` on this database, dead-lettering after `max_receives` receives.
    pub fn queue_with(&self, name: &str, max_receives: u32) -> Arc<EmbeddedQueue> {
        Arc::new(EmbeddedQueue::new(self.db.clone(), name, max_receives))
    }

    /// The one-time scheduler on this database's store.
    pub fn scheduler(&self) -> Arc<EmbeddedScheduler> {
        Arc::new(EmbeddedScheduler::new(self.store.clone()))
    }
}

impl Default for Embedded {
    fn default() -> Self {
        Self::new()
    }
}
