//! Injectable time source. All domain code asks a `Clock`, never the system directly.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time, as milliseconds since the Unix epoch (UTC).
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;

    fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug, Clone, Default)]
pub struct FixedClock {
    ms: Arc<AtomicI64>,
}

impl FixedClock {
    pub fn at_ms(ms: i64) -> Self {
        Self {
            ms: Arc::new(AtomicI64::new(ms)),
        }
    }

    pub fn advance_ms(&self, delta: i64) {
        self.ms.fetch_add(delta, Ordering::SeqCst);
    }

    pub fn set_ms(&self, ms: i64) {
        self.ms.store(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::SeqCst)
    }
}

/// The system clock moved forward by an offset that only grows: time runs as usual, and a
/// test (or local mode's simulator) jumps ahead instead of waiting for it. Clones share the
/// offset.
#[derive(Debug, Clone, Default)]
pub struct AdvancingClock {
    offset_ms: Arc<AtomicI64>,
}

impl AdvancingClock {
    pub fn new() -> Self {
        Self::default()
    }

    /// Jumps `by` into the future (never back).
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(ms))
            });
    }

    /// Jumps to `ms` if that is ahead of now (does nothing otherwise).
    pub fn advance_to_ms(&self, ms: i64) {
        let ahead = ms.saturating_sub(self.now_ms());
        if ahead > 0 {
            self.advance(std::time::Duration::from_millis(ahead.unsigned_abs()));
        }
    }
}

impl Clock for AdvancingClock {
    fn now_ms(&self) -> i64 {
        SystemClock
            .now_ms()
            .saturating_add(self.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_advancing_clock_jumps_ahead_and_never_back() {
        let clock = AdvancingClock::new();
        let shared = clock.clone();
        let start = clock.now_ms();
        clock.advance(Duration::from_secs(3600));
        let jumped = shared.now_ms();
        assert!(jumped >= start + 3_600_000, "{jumped} vs {start}");
        assert!(jumped < start + 3_660_000, "{jumped} vs {start}");
        shared.advance_to_ms(start);
        assert!(clock.now_ms() >= jumped, "advance_to_ms never goes back");
        shared.advance_to_ms(jumped + 86_400_000);
        assert!(clock.now_ms() >= jumped + 86_400_000);
    }
}
