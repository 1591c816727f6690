//! Wall-clock time. The simulated clock (wall clock plus `advance_clock` offsets) is
//! `Simulator::now_ms` in the simulator core.

use std::time::{SystemTime, UNIX_EPOCH};

/// One day in milliseconds.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// Wall-clock unix milliseconds.
pub(crate) fn system_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
