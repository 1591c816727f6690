//! Clinic time: Asia/Shanghai (UTC+8 all year, no daylight saving). Quiet hours, quota
//! windows, birthdays and "D+7" are all counted in it.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

const OFFSET_MS: i64 = 8 * 3_600_000;
pub const DAY_MS: i64 = 86_400_000;

/// The Shanghai wall-clock time of a Unix-ms instant.
pub fn local(ms: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_millis(ms.saturating_add(OFFSET_MS))
        .map(|t| t.naive_utc())
        .unwrap_or_default()
}

/// The Unix-ms instant of a Shanghai wall-clock time.
pub fn instant(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_millis().saturating_sub(OFFSET_MS)
}

pub fn date(ms: i64) -> NaiveDate {
    local(ms).date()
}

/// `YYYY-MM-DD` in Shanghai.
pub fn day_string(ms: i64) -> String {
    date(ms).format("%Y-%m-%d").to_string()
}

pub fn start_of_day(d: NaiveDate) -> i64 {
    instant(d.and_time(NaiveTime::MIN))
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match (first, next) {
        (Some(a), Some(b)) => u32::try_from((b - a).num_days()).unwrap_or(30),
        _ => 30,
    }
}

pub fn last_day_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), days_in_month(d.year(), d.month())).unwrap_or(d)
}

pub fn month_start(ms: i64) -> i64 {
    let d = date(ms);
    start_of_day(d.with_day(1).unwrap_or(d))
}

/// Monday 00:00 of the ISO week.
pub fn week_start(ms: i64) -> i64 {
    let d = date(ms);
    start_of_day(d - Duration::days(i64::from(d.weekday().num_days_from_monday())))
}

pub fn day_start(ms: i64) -> i64 {
    start_of_day(date(ms))
}

/// `HH:MM` → minutes after midnight.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// Quiet hours `[start, end)` in Shanghai minutes; start == end means none. A window may
/// wrap midnight (22:00–08:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start_min: u32,
    pub end_min: u32,
}

impl QuietHours {
    pub fn parse(start: &str, end: &str) -> Option<Self> {
        Some(Self {
            start_min: parse_hhmm(start)?,
            end_min: parse_hhmm(end)?,
        })
    }

    pub fn contains(&self, ms: i64) -> bool {
        let t = local(ms);
        let minute = t.time().signed_duration_since(NaiveTime::MIN).num_minutes();
        let minute = u32::try_from(minute).unwrap_or(0);
        match self.start_min.cmp(&self.end_min) {
            std::cmp::Ordering::Equal => false,
            std::cmp::Ordering::Less => (self.start_min..self.end_min).contains(&minute),
            std::cmp::Ordering::Greater => minute >= self.start_min || minute < self.end_min,
        }
    }

    /// `ms` itself when sending is allowed then, else the end of the quiet hours.
    pub fn next_allowed(&self, ms: i64) -> i64 {
        if !self.contains(ms) {
            return ms;
        }
        let t = local(ms);
        let end = NaiveTime::from_hms_opt(self.end_min / 60, self.end_min % 60, 0)
            .unwrap_or(NaiveTime::MIN);
        let today_end = instant(t.date().and_time(end));
        if today_end > ms {
            today_end
        } else {
            today_end + DAY_MS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        instant(
            NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|d| d.and_hms_opt(h, mi, 0))
                .unwrap_or_default(),
        )
    }

    #[test]
    fn quiet_hours_wrap_midnight_and_defer_to_their_end() {
        let q = QuietHours::parse("22:00", "08:00").unwrap_or(QuietHours {
            start_min: 0,
            end_min: 0,
        });
        assert!(!q.contains(at(2026, 11, 28, 21, 59)));
        assert!(q.contains(at(2026, 11, 28, 22, 0)));
        assert!(q.contains(at(2026, 11, 29, 7, 59)));
        assert!(!q.contains(at(2026, 11, 29, 8, 0)));
        assert_eq!(
            q.next_allowed(at(2026, 11, 28, 23, 30)),
            at(2026, 11, 29, 8, 0)
        );
        assert_eq!(
            q.next_allowed(at(2026, 11, 29, 1, 0)),
            at(2026, 11, 29, 8, 0)
        );
        assert_eq!(
            q.next_allowed(at(2026, 11, 29, 9, 0)),
            at(2026, 11, 29, 9, 0)
        );
    }

    #[test]
    fn absurd_instants_do_not_overflow() {
        assert_eq!(day_string(i64::MAX - 1), "1970-01-01");
        assert_eq!(day_string(i64::MIN), "1970-01-01");
        let _ = week_start(i64::MAX);
        let _ = month_start(i64::MIN);
    }

    #[test]
    fn windows_follow_the_shanghai_calendar() {
        // 2026-03-01 00:30 Shanghai is still February in UTC.
        let t = at(2026, 3, 1, 0, 30);
        assert_eq!(month_start(t), at(2026, 3, 1, 0, 0));
        assert_eq!(day_string(t), "2026-03-01");
        assert_eq!(days_in_month(2028, 2), 29);
        assert_eq!(days_in_month(2026, 2), 28);
        // 2026-11-28 is a Saturday: its week began on Monday the 23rd.
        assert_eq!(week_start(at(2026, 11, 28, 12, 0)), at(2026, 11, 23, 0, 0));
    }
}
