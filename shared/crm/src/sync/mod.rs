//! The hourly reconciliation sync: WeCom's view of staff, customers, relationships and tags is
//! brought into the store, repairing whatever the callbacks missed.
//!
//! - Staff come from `get_follow_user_list`; customers and relationships from
//!   `batch/get_by_user` (100 staff per call, 100 entries per page, following the cursor).
//! - A run is resumable: after every page its checkpoint (staff batch, cursor, counters) is
//!   written to its record (`SYNC#<run_id>` / `RUN`). [`SyncEngine::run_step`] works until its
//!   budget is spent and answers [`StepOutcome::Continue`] (re-enqueue) or
//!   [`StepOutcome::Done`].
//! - Missing relationships: each page records the pairs it saw (`SYNC#<run_id>` /
//!   `SEEN#<page>`, with a TTL). Only once every page was read does the end phase walk every
//!   stored customer and end each active relationship the run did not see
//!   ([`EndCause::MissingInSync`]); it is checkpointed by customer page and idempotent.
//! - The end phase is guarded: a census (checkpointed by customer page too) first counts the
//!   active relationships and those the run did not see. A run to which WeCom listed no staff
//!   or no relationship while some are active, or that would end more than
//!   `SyncConfig::end_guard_count` of them and more than `end_guard_percent` %, ends none: it
//!   is recorded as abandoned with the reason as its `last_error` (and a warning is logged).
//! - One run at a time: a lease item (`SYNC_LEASE` / `LEASE`, with a TTL).
//! - Only what changed is written, in batches ([`CustomerRepo::import`]).
//! - Polite: calls are spaced by `min_call_interval`; a 45009 stops the step with a delay.
//! - Patient with the store: each read and write of a page is retried with backoff while the
//!   store refuses it retryably (throttling, a conflict; `SyncConfig::store_attempts`). A
//!   customer whose read or write still fails is recorded on the run (`customers_unwritten`,
//!   `unwritten_customers`, `last_error`) and the page goes on; the next run tries it again.
//!   A checkpoint, lease or census write applied but answered as failed is recognised by
//!   reading it back.
//!
//! The parts: `config` holds the tunables and the step budget; `engine` the engine, its run
//! record and the step loop over the phases; one file a phase (`prepare`, `customers`,
//! `end_missing`), with `seen` (the pairs a run saw) between the last two and `guard` (the
//! census and its verdict) before the last; `lease` the one-run-at-a-time lease; `runner`
//! carries a run from step to step through the queue.
//!
//! [`EndCause::MissingInSync`]: crate::model::EndCause::MissingInSync
//! [`CustomerRepo::import`]: crate::repo::CustomerRepo::import

mod census;
mod config;
mod customers;
mod end_missing;
mod engine;
mod guard;
mod lease;
mod prepare;
mod retry;
mod runner;
mod seen;
#[cfg(test)]
mod testing;

pub use config::{StepBudget, SyncConfig};
pub use customers::STAFF_PER_BATCH;
pub use engine::{StartOutcome, StepOutcome, SyncEngine};
pub use runner::{ResumeSync, SyncRunner};
