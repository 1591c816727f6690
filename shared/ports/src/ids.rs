//! Injectable id generation.

use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;

/// Produces unique, roughly time-ordered identifiers.
pub trait IdGen: Send + Sync {
    /// A new identifier; `now_ms` lets ids sort by creation time.
    fn new_id(&self, now_ms: i64) -> String;
}

/// Time-prefixed random ids: 12 hex digits of milliseconds and 16 of randomness.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdGen for RandomIds {
    fn new_id(&self, now_ms: i64) -> String {
        let random: u64 = rand::rng().random();
        format!("{:012x}{random:016x}", now_ms.max(0))
    }
}

/// Deterministic ids for tests: `prefix-000001`, `prefix-000002`, …
#[derive(Debug)]
pub struct SequentialIds {
    prefix: String,
    next: AtomicU64,
}

impl SequentialIds {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            next: AtomicU64::new(1),
        }
    }
}

impl IdGen for SequentialIds {
    fn new_id(&self, _now_ms: i64) -> String {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        format!("{}-{n:06}", self.prefix)
    }
}
