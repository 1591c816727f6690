//! Data-subject rights (PIPL): export everything held about one customer, erase it, and keep
//! a tombstone so that nothing brings it back (docs/data-model.md, "Data-subject rights").
//!
//! - [`holdings`]: every record about one customer, found by keys and indexes.
//! - [`export`]: those records as one JSON document.
//! - [`erase`]: tombstone first, then every record deleted or rewritten without them; the
//!   counted ones move into an anonymous [`tally`] so the aggregates do not change.
//! - [`tombstone`]: the keyed-hash tombstone that the callback processor, the sync and the
//!   campaign planner check.

pub mod erase;
pub mod export;
pub mod holdings;
pub mod tally;
pub mod tombstone;

pub use erase::{ERASED_OUTCOME, ERASED_PLACEHOLDER, EraseReport, erase};
pub use export::{CustomerExport, ExportedRecord, export};
pub use tombstone::{Tombstone, Tombstones};
