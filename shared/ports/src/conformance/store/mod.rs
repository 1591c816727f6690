//! Item-store behaviours. Each function writes under its own
//! [`unique_prefix`](super::unique_prefix), so all of them may share one backend.
//!
//! Global secondary indexes are eventually consistent in DynamoDB, so index queries here are
//! retried for a few seconds until the expected number of items shows; primary-key reads are
//! expected to read the caller's own writes at once.
//!
//! The behaviours live by family: `basic` reads and writes, `conditions`, `queries` of the
//! table, `indexes`, `ttl`, `transactions`, `batch` writes and `invalid` requests;
//! `helpers` holds what they share. Every behaviour is re-exported here, where the macros of
//! [`conformance`](super) call it.

mod basic;
mod batch;
mod conditions;
mod helpers;
mod indexes;
mod invalid;
mod queries;
mod transactions;
mod ttl;

pub use basic::{
    get_of_missing_returns_none, put_replaces_the_whole_item_and_its_index_keys,
    put_then_get_round_trips_nested_json,
};
pub use batch::batch_put_writes_60_items;
pub use conditions::{
    concurrent_put_if_absent_has_exactly_one_winner, delete_honours_its_condition,
    put_if_absent_rejects_the_second_writer, put_if_exists_requires_the_item,
    put_if_version_matches_requires_that_version,
};
pub use helpers::query_all;
pub use indexes::{
    query_each_gsi_lists_only_items_carrying_its_key, query_gsi_pages_through_equal_sort_keys,
};
pub use invalid::invalid_requests_are_rejected;
pub use queries::{
    query_pages_through_250_items_in_order, query_primary_with_each_sort_key_condition,
};
pub use transactions::{
    transact_check_ops_gate_the_writes, transact_enforces_its_limits, transact_is_all_or_nothing,
};
pub use ttl::expired_items_are_absent_everywhere;
