//! The embedded scheduler beyond the scheduler conformance suite: the item layout, due
//! schedules, completion that spares a replaced schedule, and the firing loop.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ports::{Clock, FixedClock, ItemStore, OneTimeSchedule, Scheduler};
use store_embedded::{EmbeddedDb, EmbeddedScheduler, SqliteStore};

fn scheduler() -> (Arc<EmbeddedScheduler>, Arc<SqliteStore>) {
    let store = Arc::new(SqliteStore::new(
        EmbeddedDb::open_in_memory().expect("open in-memory database"),
    ));
    (Arc::new(EmbeddedScheduler::new(store.clone())), store)
}

/// A fixed clock that counts its reads. `run` reads the clock once at the start of each tick,
/// so a test can wait for whole ticks to pass instead of sleeping: what has not happened
/// after a full tick will not happen.
#[derive(Clone)]
struct TickClock {
    clock: FixedClock,
    reads: Arc<AtomicUsize>,
}

impl TickClock {
    fn at_ms(ms: i64) -> Self {
        Self {
            clock: FixedClock::at_ms(ms),
            reads: Arc::default(),
        }
    }

    fn set_ms(&self, ms: i64) {
        self.clock.set_ms(ms);
    }

    /// Waits until a tick has started and ended after this call (the one after it has read
    /// the clock).
    async fn a_full_tick_passes(&self) {
        let seen = self.reads.load(Ordering::SeqCst);
        eventually("a full tick of the loop", async || {
            self.reads.load(Ordering::SeqCst) >= seen + 2
        })
        .await;
    }
}

impl Clock for TickClock {
    fn now_ms(&self) -> i64 {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.clock.now_ms()
    }
}

fn schedule(name: &str, at_ms: i64, payload: &str) -> OneTimeSchedule {
    OneTimeSchedule::new(name, at_ms, payload)
}

async fn put(scheduler: &EmbeddedScheduler, s: &OneTimeSchedule) {
    scheduler
        .schedule_once(s.clone())
        .await
        .expect("schedule_once");
}

fn names(schedules: &[OneTimeSchedule]) -> Vec<&str> {
    schedules.iter().map(|s| s.name.as_str()).collect()
}

/// Waits up to 5 s for `check` to hold.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedules_are_items_listed_by_time_on_gsi1() {
    let (scheduler, store) = scheduler();
    put(
        &scheduler,
        &schedule("welcome.1", 1_700_000_000_123, "{\"a\":1}"),
    )
    .await;
    let item = store
        .get("SCHEDULE#welcome.1", "SCHEDULE")
        .await
        .expect("get")
        .expect("stored as an item");
    assert_eq!(
        item.gsi1,
        Some(("SCHEDULES".into(), "001700000000123#welcome.1".into()))
    );
    assert_eq!(item.version, 1);

    // The same schedule again writes nothing; a replacement bumps the version and moves it.
    put(
        &scheduler,
        &schedule("welcome.1", 1_700_000_000_123, "{\"a\":1}"),
    )
    .await;
    let same = store
        .get("SCHEDULE#welcome.1", "SCHEDULE")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(same.version, 1);
    put(&scheduler, &schedule("welcome.1", 5, "{\"a\":2}")).await;
    let moved = store
        .get("SCHEDULE#welcome.1", "SCHEDULE")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(moved.version, 2);
    assert_eq!(
        moved.gsi1,
        Some(("SCHEDULES".into(), "000000000000005#welcome.1".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_lists_schedules_up_to_now_oldest_first() {
    let (scheduler, _) = scheduler();
    for (name, at) in [("c", 3_000), ("a", 1_000), ("b", 2_000), ("d", 10_000)] {
        put(&scheduler, &schedule(name, at, "{}")).await;
    }
    // Same time: by name.
    put(&scheduler, &schedule("b-twin", 2_000, "{}")).await;

    assert!(scheduler.due(999, 10).await.expect("due").is_empty());
    assert!(scheduler.due(0, 10).await.expect("due").is_empty());
    assert!(scheduler.due(-1, 10).await.expect("due").is_empty());
    let due = scheduler.due(2_500, 10).await.expect("due");
    assert_eq!(names(&due), vec!["a", "b", "b-twin"]);
    assert_eq!(due[0], schedule("a", 1_000, "{}"));
    let due = scheduler.due(3_000, 10).await.expect("due");
    assert_eq!(
        names(&due),
        vec!["a", "b", "b-twin", "c"],
        "at_ms is inclusive"
    );
    let due = scheduler.due(3_000, 2).await.expect("due");
    assert_eq!(names(&due), vec!["a", "b"], "limit");
    assert!(scheduler.due(3_000, 0).await.expect("due").is_empty());
    let due = scheduler.due(i64::MAX, 10).await.expect("due");
    assert_eq!(names(&due), vec!["a", "b", "b-twin", "c", "d"]);

    // A replacement moves the schedule; a cancelled one is gone.
    put(&scheduler, &schedule("a", 5_000, "{}")).await;
    assert!(scheduler.cancel("b-twin").await.expect("cancel"));
    let due = scheduler.due(5_000, 10).await.expect("due");
    assert_eq!(names(&due), vec!["b", "c", "a"]);

    // Many due schedules are read across pages.
    for i in 0..1_200 {
        put(&scheduler, &schedule(&format!("bulk-{i:04}"), 4_000, "{}")).await;
    }
    let due = scheduler.due(5_000, 2_000).await.expect("due");
    assert_eq!(due.len(), 1_203);
    assert_eq!(due[2].name, "bulk-0000");
    assert_eq!(due[1_202].name, "a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_deletes_only_the_schedule_that_fired() {
    let (scheduler, _) = scheduler();
    let first = schedule("reminder", 1_000, "{\"v\":1}");
    put(&scheduler, &first).await;
    let fired = scheduler.due(1_000, 10).await.expect("due");
    assert_eq!(fired, vec![first.clone()]);

    // Replaced while it fired: the replacement survives the completion of the old one.
    let second = schedule("reminder", 9_000, "{\"v\":2}");
    put(&scheduler, &second).await;
    scheduler.complete(&fired[0]).await.expect("complete old");
    assert_eq!(
        scheduler.get("reminder").await.expect("get"),
        Some(second.clone())
    );

    // Same time, other payload: still a different schedule.
    let third = schedule("reminder", 9_000, "{\"v\":3}");
    put(&scheduler, &third).await;
    scheduler.complete(&second).await.expect("complete second");
    assert_eq!(
        scheduler.get("reminder").await.expect("get"),
        Some(third.clone())
    );

    scheduler.complete(&third).await.expect("complete current");
    assert_eq!(scheduler.get("reminder").await.expect("get"), None);
    // Completing what is already gone is fine.
    scheduler.complete(&third).await.expect("complete again");
    assert!(!scheduler.cancel("reminder").await.expect("cancel"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_fires_each_due_schedule_once_and_deletes_it() {
    let (scheduler, _) = scheduler();
    let clock = TickClock::at_ms(1_000_000);
    put(&scheduler, &schedule("now", 500_000, "{\"n\":1}")).await;
    put(&scheduler, &schedule("later", 2_000_000, "{\"n\":2}")).await;

    let fired: Arc<Mutex<Vec<OneTimeSchedule>>> = Arc::default();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let running = tokio::spawn({
        let fired = fired.clone();
        scheduler.clone().run(
            Arc::new(clock.clone()),
            Duration::from_millis(10),
            stop_rx,
            move |s| {
                let fired = fired.clone();
                async move {
                    fired.lock().expect("lock").push(s);
                    true
                }
            },
        )
    });

    eventually("the due schedule to fire and go", async || {
        scheduler.get("now").await.expect("get").is_none()
    })
    .await;
    clock.a_full_tick_passes().await;
    assert_eq!(
        *fired.lock().expect("lock"),
        vec![schedule("now", 500_000, "{\"n\":1}")],
        "fired exactly once"
    );
    assert!(scheduler.get("later").await.expect("get").is_some());

    clock.set_ms(2_000_000);
    eventually("the later schedule to fire and go", async || {
        scheduler.get("later").await.expect("get").is_none()
    })
    .await;
    clock.a_full_tick_passes().await;
    assert_eq!(names(&fired.lock().expect("lock")), vec!["now", "later"]);

    stop_tx.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(2), running)
        .await
        .expect("run stops promptly")
        .expect("run task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_retries_a_schedule_until_fire_succeeds() {
    let (scheduler, _) = scheduler();
    let clock = TickClock::at_ms(10_000);
    put(&scheduler, &schedule("flaky", 10_000, "{}")).await;

    let attempts = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let running = tokio::spawn({
        let attempts = attempts.clone();
        scheduler.clone().run(
            Arc::new(clock.clone()),
            Duration::from_millis(10),
            stop_rx,
            move |_| {
                let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
                async move { n >= 3 }
            },
        )
    });

    eventually("the third attempt to succeed", async || {
        scheduler.get("flaky").await.expect("get").is_none()
    })
    .await;
    clock.a_full_tick_passes().await;
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "no attempt after success"
    );

    // Dropping the sender stops the loop too.
    drop(stop_tx);
    tokio::time::timeout(Duration::from_secs(2), running)
        .await
        .expect("run stops when its sender is dropped")
        .expect("run task");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schedule_replaced_while_it_fires_survives() {
    let (scheduler, _) = scheduler();
    let clock = TickClock::at_ms(10_000);
    put(&scheduler, &schedule("campaign-7", 9_000, "{\"step\":1}")).await;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let fired = Arc::new(AtomicUsize::new(0));
    let running = tokio::spawn({
        let scheduler = scheduler.clone();
        let fired = fired.clone();
        scheduler.clone().run(
            Arc::new(clock.clone()),
            Duration::from_millis(10),
            stop_rx,
            move |s| {
                let scheduler = scheduler.clone();
                let fired = fired.clone();
                async move {
                    fired.fetch_add(1, Ordering::SeqCst);
                    // The campaign schedules its next step under the same name.
                    let next = OneTimeSchedule::new(s.name, 50_000, "{\"step\":2}");
                    scheduler.schedule_once(next).await.is_ok()
                }
            },
        )
    });

    eventually("the first step to fire", async || {
        fired.load(Ordering::SeqCst) >= 1
    })
    .await;
    clock.a_full_tick_passes().await;
    assert_eq!(fired.load(Ordering::SeqCst), 1);
    assert_eq!(
        scheduler.get("campaign-7").await.expect("get"),
        Some(schedule("campaign-7", 50_000, "{\"step\":2}")),
        "the next step survived the completion of the first"
    );
    stop_tx.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(2), running)
        .await
        .expect("run stops promptly")
        .expect("run task");
}
