//! Maintained aggregates: the counters reports read instead of walking records
//! (`docs/data-model.md`, "Aggregates").
//!
//! - [`contribution`]: what one stored record adds to which counters — a pure function of the
//!   record, so counters can be kept by differences and recomputed by a walk.
//! - [`AggregatingStore`]: the item store every function writes through; each write of a
//!   counted record moves its counters in the same transaction, conditioned on the record read.
//! - [`Aggregates`]: the reads reports make (days × channels, a code, a campaign, a link).
//! - [`rebuild`]: every counter recomputed from the records, compared, and optionally corrected.

pub mod contribution;
mod read;
mod rebuild;
mod store;

pub use read::{Aggregates, ChannelDay, Counts};
pub use rebuild::{Difference, RebuildReport, ensure_initialized, rebuild, rebuild_as_of};
pub use store::AggregatingStore;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "store_tests.rs"]
mod tests;
