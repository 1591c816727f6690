//! Behaviour suites every adapter must pass, so the AWS and embedded adapters cannot drift apart.
//!
//! Each behaviour is a public async function that takes the adapter and panics (like a test
//! assertion) when the adapter misbehaves. The macros
//! [`item_store_conformance!`](crate::item_store_conformance) and
//! [`queue_conformance!`](crate::queue_conformance) expand, inside an adapter crate's
//! integration test, to one `#[tokio::test]` per behaviour, so a failure names the behaviour:
//!
//! ```ignore
//! // shared/store-embedded/tests/conformance.rs
//! ports::item_store_conformance!(async { std::sync::Arc::new(make_store()) });
//! ports::queue_conformance!(async { make_queue_fixture() });
//! // An attribute first is put on every test, e.g. for a backend that needs a server running:
//! ports::queue_conformance!(#[ignore = "needs moto"] async { make_sqs_fixture().await });
//! ```
//!
//! The store constructor expression must evaluate to a pointer (`Arc`, `Box`, `&'static`) to an
//! [`ItemStore`](crate::ItemStore); the queue constructor to a value implementing
//! [`queue::QueueFixture`]. Store behaviours write under a unique key prefix each, so one backend
//! may be shared by all of them; queue behaviours need a fresh, empty queue each.
//!
//! Likewise [`scheduler_conformance!`](crate::scheduler_conformance) takes a pointer to a
//! [`Scheduler`](crate::Scheduler) (behaviours use unique schedule names, so one backend may be
//! shared), and [`dead_letters_conformance!`](crate::dead_letters_conformance) a value
//! implementing [`dead_letters::DeadLetterFixture`] over a fresh, empty queue.
//!
//! The adapter crate needs `tokio` (with `macros` and `rt-multi-thread`) among its dependencies,
//! and enables this crate's `conformance` feature in its dev-dependencies.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

pub mod dead_letters;
pub mod queue;
pub mod scheduler;
pub mod store;

/// A key prefix unique to one run of one behaviour, so behaviours can share one backend.
pub fn unique_prefix(behaviour: &str) -> String {
    let random: u64 = rand::random();
    format!("cf/{behaviour}/{random:016x}")
}

/// Polls every future concurrently on the current task and returns their outputs in order.
///
/// (The conformance suites borrow the adapter, so they cannot `tokio::spawn`; this keeps many
/// requests in flight at once without a `'static` bound.)
pub async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut busy = false;
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => busy = true,
                }
            }
        }
        if busy { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// True when `s` only holds characters that need no escaping in a URL query string.
pub fn is_url_safe(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// Expands to one `#[tokio::test]` per item-store behaviour of [`conformance::store`](crate::conformance::store).
///
/// The argument is an expression evaluated once per test (typically an `async { … }` block) whose
/// awaited value is a pointer (`Arc`, `Box`) to the adapter under test.
#[macro_export]
macro_rules! item_store_conformance {
    (#[$attr:meta] $constructor:expr) => {
        $crate::__item_store_conformance_tests!(
            [$attr] $constructor;
            get_of_missing_returns_none,
            put_then_get_round_trips_nested_json,
            put_replaces_the_whole_item_and_its_index_keys,
            put_if_absent_rejects_the_second_writer,
            put_if_exists_requires_the_item,
            put_if_version_matches_requires_that_version,
            concurrent_put_if_absent_has_exactly_one_winner,
            delete_honours_its_condition,
            query_primary_with_each_sort_key_condition,
            query_pages_through_250_items_in_order,
            query_each_gsi_lists_only_items_carrying_its_key,
            query_gsi_pages_through_equal_sort_keys,
            expired_items_are_absent_everywhere,
            transact_is_all_or_nothing,
            transact_check_ops_gate_the_writes,
            transact_enforces_its_limits,
            batch_put_writes_60_items,
            invalid_requests_are_rejected,
        );
    };
    ($constructor:expr) => {
        $crate::item_store_conformance!(#[cfg(all())] $constructor);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __item_store_conformance_tests {
    ([$attr:meta] $constructor:expr; $($behaviour:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[$attr]
            async fn $behaviour() {
                let adapter = $constructor.await;
                $crate::conformance::store::$behaviour(&*adapter).await;
            }
        )*
    };
}

/// Expands to one `#[tokio::test]` per queue behaviour of [`conformance::queue`](crate::conformance::queue).
///
/// The argument is an expression evaluated once per test (typically an `async { … }` block) whose
/// awaited value implements [`QueueFixture`](crate::conformance::queue::QueueFixture) over a
/// fresh, empty queue.
#[macro_export]
macro_rules! queue_conformance {
    (#[$attr:meta] $constructor:expr) => {
        $crate::__queue_conformance_tests!(
            [$attr] $constructor;
            send_receive_ack_removes_the_message,
            unacked_message_reappears_after_visibility,
            retry_after_delays_redelivery,
            send_with_delay_hides_the_message_until_due,
            batch_of_25_messages_is_delivered_exactly_once,
            receive_honours_max,
            receive_with_wait_returns_promptly_when_a_message_arrives,
            message_exceeding_max_receives_is_dead_lettered,
            invalid_queue_requests_are_rejected,
            pending_counts_every_message_not_yet_done,
        );
    };
    ($constructor:expr) => {
        $crate::queue_conformance!(#[cfg(all())] $constructor);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __queue_conformance_tests {
    ([$attr:meta] $constructor:expr; $($behaviour:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[$attr]
            async fn $behaviour() {
                let fixture = $constructor.await;
                $crate::conformance::queue::$behaviour(&fixture).await;
            }
        )*
    };
}

/// Expands to one `#[tokio::test]` per scheduler behaviour of [`conformance::scheduler`](crate::conformance::scheduler).
///
/// The argument is an expression evaluated once per test (typically an `async { … }` block) whose
/// awaited value is a pointer (`Arc`, `Box`) to the adapter under test.
#[macro_export]
macro_rules! scheduler_conformance {
    (#[$attr:meta] $constructor:expr) => {
        $crate::__scheduler_conformance_tests!(
            [$attr] $constructor;
            schedule_then_get_round_trips,
            schedule_once_replaces_the_schedule_of_the_same_name,
            cancel_is_idempotent,
            get_of_missing_returns_none,
            invalid_schedules_are_refused_and_not_stored,
        );
    };
    ($constructor:expr) => {
        $crate::scheduler_conformance!(#[cfg(all())] $constructor);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __scheduler_conformance_tests {
    ([$attr:meta] $constructor:expr; $($behaviour:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[$attr]
            async fn $behaviour() {
                let adapter = $constructor.await;
                $crate::conformance::scheduler::$behaviour(&*adapter).await;
            }
        )*
    };
}

/// Expands to one `#[tokio::test]` per dead-letter behaviour of [`conformance::dead_letters`](crate::conformance::dead_letters).
///
/// The argument is an expression evaluated once per test (typically an `async { … }` block) whose
/// awaited value implements [`DeadLetterFixture`](crate::conformance::dead_letters::DeadLetterFixture)
/// over a fresh, empty queue.
#[macro_export]
macro_rules! dead_letters_conformance {
    (#[$attr:meta] $constructor:expr) => {
        $crate::__dead_letters_conformance_tests!(
            [$attr] $constructor;
            poison_message_reaches_the_dead_letters,
            replay_moves_a_dead_letter_back_exactly_once,
            replay_of_an_unknown_id_is_false,
            dead_letters_are_listed_oldest_first,
        );
    };
    ($constructor:expr) => {
        $crate::dead_letters_conformance!(#[cfg(all())] $constructor);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __dead_letters_conformance_tests {
    ([$attr:meta] $constructor:expr; $($behaviour:ident),* $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[$attr]
            async fn $behaviour() {
                let fixture = $constructor.await;
                $crate::conformance::dead_letters::$behaviour(&fixture).await;
            }
        )*
    };
}
