//! Scheduler behaviours. Each one names its schedules with a unique suffix, so all of them may
//! share one backend.
//!
//! Times are whole seconds (EventBridge Scheduler's granularity) unless a behaviour checks the
//! rounding itself, and lie in the future so that no backend fires them during the test.

use crate::scheduler::{OneTimeSchedule, Scheduler, SchedulerError};

/// 2030-01-01T00:00:00Z.
const Y2030_MS: i64 = 1_893_456_000_000;

/// A schedule name unique to one run of one behaviour: `[0-9A-Za-z-]`, at most 64 characters.
pub fn unique_schedule_name(behaviour: &str) -> String {
    let clean: String = behaviour
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    let random: u64 = rand::random();
    format!("cf-{clean}-{random:016x}")
}

fn assert_invalid<T: std::fmt::Debug>(result: Result<T, SchedulerError>, what: &str) {
    match result {
        Err(SchedulerError::Invalid(_)) => {}
        other => panic!("{what}: expected Invalid, got {other:?}"),
    }
}

async fn must_schedule(scheduler: &dyn Scheduler, schedule: &OneTimeSchedule) {
    scheduler
        .schedule_once(schedule.clone())
        .await
        .unwrap_or_else(|e| panic!("schedule_once {schedule:?} failed: {e}"));
}

async fn must_get(scheduler: &dyn Scheduler, name: &str) -> Option<OneTimeSchedule> {
    scheduler
        .get(name)
        .await
        .unwrap_or_else(|e| panic!("get {name} failed: {e}"))
}

async fn must_cancel(scheduler: &dyn Scheduler, name: &str) -> bool {
    scheduler
        .cancel(name)
        .await
        .unwrap_or_else(|e| panic!("cancel {name} failed: {e}"))
}

pub async fn schedule_then_get_round_trips(scheduler: &dyn Scheduler) {
    let name = unique_schedule_name("round-trip");
    let schedule = OneTimeSchedule::new(
        name.clone(),
        Y2030_MS + 86_400_000 + 3_723_000,
        "{\"campaign\":\"双十一\",\"step\":1}",
    );
    must_schedule(scheduler, &schedule).await;
    assert_eq!(must_get(scheduler, &name).await, Some(schedule.clone()));

    // 16:30:05 UTC is already the next day in Shanghai.
    let late = OneTimeSchedule::new(
        unique_schedule_name("round-trip-late"),
        Y2030_MS + 16 * 3_600_000 + 30 * 60_000 + 5_000,
        "{}",
    );
    must_schedule(scheduler, &late).await;
    assert_eq!(must_get(scheduler, &late.name).await, Some(late.clone()));

    // Milliseconds may be dropped, never more.
    let precise = OneTimeSchedule::new(
        unique_schedule_name("round-trip-ms"),
        Y2030_MS + 59_999,
        "x",
    );
    must_schedule(scheduler, &precise).await;
    let got = must_get(scheduler, &precise.name)
        .await
        .unwrap_or_else(|| panic!("{} not stored", precise.name));
    assert_eq!(got.name, precise.name);
    assert_eq!(got.payload, precise.payload);
    assert_eq!(
        got.at_ms.div_euclid(1000),
        precise.at_ms.div_euclid(1000),
        "at_ms must round-trip to the second (got {}, put {})",
        got.at_ms,
        precise.at_ms
    );

    // The largest payload goes through whole.
    let big = OneTimeSchedule::new(
        unique_schedule_name("round-trip-big"),
        Y2030_MS,
        format!("\"{}\"", "x".repeat(8190)),
    );
    must_schedule(scheduler, &big).await;
    assert_eq!(must_get(scheduler, &big.name).await, Some(big.clone()));

    for s in [&schedule, &late, &precise, &big] {
        assert!(must_cancel(scheduler, &s.name).await, "cancel {}", s.name);
    }
}

pub async fn schedule_once_replaces_the_schedule_of_the_same_name(scheduler: &dyn Scheduler) {
    let name = unique_schedule_name("replace");
    let neighbour = OneTimeSchedule::new(unique_schedule_name("replace-other"), Y2030_MS, "n");
    must_schedule(scheduler, &neighbour).await;

    let first = OneTimeSchedule::new(name.clone(), Y2030_MS + 1_000, "{\"v\":1}");
    must_schedule(scheduler, &first).await;
    // Idempotent: the same schedule again is fine.
    must_schedule(scheduler, &first).await;
    assert_eq!(must_get(scheduler, &name).await, Some(first.clone()));

    let second = OneTimeSchedule::new(name.clone(), Y2030_MS + 7_200_000, "{\"v\":2}");
    must_schedule(scheduler, &second).await;
    assert_eq!(must_get(scheduler, &name).await, Some(second.clone()));
    assert_eq!(
        must_get(scheduler, &neighbour.name).await,
        Some(neighbour.clone()),
        "replacing one schedule touched another"
    );

    assert!(must_cancel(scheduler, &name).await);
    assert!(must_cancel(scheduler, &neighbour.name).await);
}

pub async fn cancel_is_idempotent(scheduler: &dyn Scheduler) {
    let schedule = OneTimeSchedule::new(unique_schedule_name("cancel"), Y2030_MS, "{}");
    must_schedule(scheduler, &schedule).await;
    assert!(
        must_cancel(scheduler, &schedule.name).await,
        "cancel of an existing schedule"
    );
    assert_eq!(must_get(scheduler, &schedule.name).await, None);
    assert!(
        !must_cancel(scheduler, &schedule.name).await,
        "second cancel"
    );
    assert!(
        !must_cancel(scheduler, &unique_schedule_name("cancel-never")).await,
        "cancel of a schedule that never existed"
    );

    // The name is free again.
    must_schedule(scheduler, &schedule).await;
    assert_eq!(
        must_get(scheduler, &schedule.name).await,
        Some(schedule.clone())
    );
    assert!(must_cancel(scheduler, &schedule.name).await);
}

pub async fn get_of_missing_returns_none(scheduler: &dyn Scheduler) {
    assert_eq!(
        must_get(scheduler, &unique_schedule_name("missing")).await,
        None
    );
}

pub async fn invalid_schedules_are_refused_and_not_stored(scheduler: &dyn Scheduler) {
    let name = unique_schedule_name("invalid");
    let cases = [
        (OneTimeSchedule::new(&name, Y2030_MS, ""), "empty payload"),
        (
            OneTimeSchedule::new(&name, Y2030_MS, "x".repeat(8193)),
            "payload above 8192 bytes",
        ),
        (OneTimeSchedule::new(&name, 0, "x"), "time 0"),
        (OneTimeSchedule::new(&name, -1_000, "x"), "negative time"),
        (
            OneTimeSchedule::new(&name, crate::scheduler::MAX_SCHEDULE_AT_MS + 1, "x"),
            "time after year 9999",
        ),
    ];
    for (schedule, what) in cases {
        assert_invalid(scheduler.schedule_once(schedule).await, what);
    }
    assert_eq!(
        must_get(scheduler, &name).await,
        None,
        "a refused schedule was stored"
    );

    for bad in [
        String::new(),
        "a".repeat(65),
        "has space".into(),
        "slash/name".into(),
        "活动".into(),
        "hash#1".into(),
    ] {
        let schedule = OneTimeSchedule::new(bad.clone(), Y2030_MS, "x");
        assert_invalid(
            scheduler.schedule_once(schedule).await,
            &format!("name {bad:?}"),
        );
        assert_invalid(scheduler.get(&bad).await, &format!("get of {bad:?}"));
        assert_invalid(scheduler.cancel(&bad).await, &format!("cancel of {bad:?}"));
    }

    // A refused replacement leaves the existing schedule as it was.
    let kept = OneTimeSchedule::new(name.clone(), Y2030_MS, "kept");
    must_schedule(scheduler, &kept).await;
    assert_invalid(
        scheduler
            .schedule_once(OneTimeSchedule::new(name.clone(), Y2030_MS, ""))
            .await,
        "empty payload replacing a schedule",
    );
    assert_eq!(must_get(scheduler, &name).await, Some(kept));
    assert!(must_cancel(scheduler, &name).await);
}
