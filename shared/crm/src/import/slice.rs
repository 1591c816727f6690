//! Slicing an import so that each request fits the admin API's time limit (API Gateway waits at
//! most 29 s — this stack's integration 20 s — and the admin API Lambda runs 15 s).
//!
//! A request names where to start (`start_row`, the file's row number; the header is row 1)
//! and the server goes through the rows from there until every row is done or its
//! [`SliceBudget`] is spent; the answer says whether the file is finished and, if not, the row
//! to continue from. Every write compares with what is stored first, so sending a slice again
//! (a retry after a failure) changes nothing more.

use std::time::Duration;

use crate::FieldError;

/// The environment variable with the time budget of one slice, in milliseconds (`0`: one row
/// a request; `unlimited`: the whole file in one request).
pub const SLICE_MS_VAR: &str = "IMPORT_SLICE_MS";

/// The AWS default: well under the admin API Lambda's 15 s (template.yaml), leaving time for
/// reading the file, the row in progress (a WeCom call with its retries), the progress and
/// audit writes.
pub const AWS_SLICE: Duration = Duration::from_millis(8_000);

/// How much one request may do. A slice always does at least one row, so an import always
/// moves on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SliceBudget {
    /// Stop once this much time has passed since the request started reading the file.
    pub max_time: Option<Duration>,
    /// Stop after this many rows (tests use it for slices of a known size).
    pub max_rows: Option<usize>,
}

impl SliceBudget {
    /// The whole file in one request.
    pub fn unlimited() -> Self {
        Self::default()
    }

    pub fn time(max_time: Duration) -> Self {
        Self {
            max_time: Some(max_time),
            max_rows: None,
        }
    }

    pub fn rows(max_rows: usize) -> Self {
        Self {
            max_time: None,
            max_rows: Some(max_rows),
        }
    }

    /// `IMPORT_SLICE_MS` as `get` reads it: milliseconds, or `unlimited`; `default` when unset,
    /// blank or not understood.
    pub fn from_env_map(get: impl Fn(&str) -> Option<String>, default: Self) -> Self {
        let Some(value) = get(SLICE_MS_VAR) else {
            return default;
        };
        let value = value.trim();
        if value.is_empty() {
            return default;
        }
        if value.eq_ignore_ascii_case("unlimited") {
            return Self::unlimited();
        }
        match value.parse::<u64>() {
            Ok(ms) => Self::time(Duration::from_millis(ms)),
            Err(_) => {
                tracing::warn!(
                    var = SLICE_MS_VAR,
                    "not a number of milliseconds; the default slice budget applies"
                );
                default
            }
        }
    }

    /// Whether a slice that has done `rows` rows in `elapsed` stops before the next row.
    pub fn is_spent(&self, rows: usize, elapsed: Duration) -> bool {
        rows > 0
            && (self.max_rows.is_some_and(|max| rows >= max)
                || self.max_time.is_some_and(|max| elapsed >= max))
    }
}

/// The first row of a file's data (row 1 is the header).
pub const FIRST_DATA_ROW: usize = 2;

/// The `start_row` query parameter: the file's row number, at least 2 (row 1 is the header).
pub fn start_row(s: &str) -> Result<usize, FieldError> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= FIRST_DATA_ROW => Ok(n),
        _ => Err(FieldError::new(
            "start_row",
            "start_row 必须是不小于 2 的整数（文件第 1 行是表头）",
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_slice_budget_is_spent_by_rows_or_time_after_at_least_one_row() {
        let rows = SliceBudget::rows(3);
        assert!(!rows.is_spent(2, Duration::from_secs(3600)));
        assert!(rows.is_spent(3, Duration::ZERO));
        let time = SliceBudget::time(Duration::ZERO);
        assert!(
            !time.is_spent(0, Duration::from_secs(60)),
            "at least one row"
        );
        assert!(time.is_spent(1, Duration::ZERO));
        assert!(!SliceBudget::unlimited().is_spent(1_000_000, Duration::from_secs(3600)));
    }

    #[test]
    fn the_budget_comes_from_import_slice_ms() {
        let with = |v: &'static str| {
            SliceBudget::from_env_map(
                move |n| (n == SLICE_MS_VAR).then(|| v.to_owned()),
                SliceBudget::time(AWS_SLICE),
            )
        };
        assert_eq!(with("250"), SliceBudget::time(Duration::from_millis(250)));
        assert_eq!(with("0"), SliceBudget::time(Duration::ZERO));
        assert_eq!(with("unlimited"), SliceBudget::unlimited());
        assert_eq!(with(" "), SliceBudget::time(AWS_SLICE));
        assert_eq!(with("soon"), SliceBudget::time(AWS_SLICE));
        assert_eq!(
            SliceBudget::from_env_map(|_| None, SliceBudget::unlimited()),
            SliceBudget::unlimited()
        );
    }

    #[test]
    fn start_row_is_a_row_after_the_header() {
        assert_eq!(start_row("2"), Ok(2));
        assert_eq!(start_row(" 501 "), Ok(501));
        for bad in ["1", "0", "-3", "x", "", "99999999999999999999999"] {
            let e = start_row(bad).unwrap_err();
            assert_eq!(e.field, "start_row", "{bad}");
        }
    }
}
