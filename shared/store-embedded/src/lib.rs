//! The embedded adapters of the ports: an item store and durable job queues in one SQLite file,
//! and a scheduler over any item store.
//!
//! Local mode runs every function in one process on these; the fast behaviour tests run on them
//! too. The same conformance suites as the AWS adapters (`ports::conformance`) keep the two
//! implementations in step.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use ports::{ItemStore, JobQueue};
//! use store_embedded::{EmbeddedDb, EmbeddedQueue, SqliteStore};
//!
//! let db = EmbeddedDb::open(std::path::Path::new("data/crm.db"))?;
//! let store: Arc<dyn ItemStore> = Arc::new(SqliteStore::new(db.clone()));
//! let events: Arc<dyn JobQueue> = Arc::new(EmbeddedQueue::new(db, "events", 5));
//! # Ok(()) }
//! ```
//!
//! Schema (`PRAGMA user_version` 1): `items(pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk,
//! expires_at, version, data)` keyed by `(pk, sk)` with a partial index per GSI;
//! `queue_messages` and `queue_dead_letters` for the queues. [`EmbeddedScheduler`] keeps its
//! schedules as items (`SCHEDULE#<name>` / `SCHEDULE`, listed on GSI1 under `SCHEDULES`).

mod db;
mod error;
mod queue;
mod scheduler;
mod schema;
mod store;

pub use db::{EmbeddedDb, backup};
pub use queue::{EmbeddedQueue, MAX_BODY_BYTES, MAX_DELAY_SECS, MAX_VISIBILITY_SECS};
pub use scheduler::{EmbeddedScheduler, SCHEDULE_PK_PREFIX, SCHEDULE_SK, SCHEDULES_GSI1_PK};
pub use schema::SCHEMA_VERSION;
pub use store::{MAX_ITEM_BYTES, SqliteStore};
