#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use ports::{
    Condition, FixedClock, IndexName, Item, ItemStore, Page, Query, RandomIds, SequentialIds,
    SkCondition, StoreError, WriteOp,
};

use super::*;
use crate::aggregates::AggregatingStore;
use crate::keys::{AUDIT_SEQ_PREFIX, audit_sk};

const T0: i64 = 1_765_000_000_000;
const DAY_MS: i64 = 86_400_000;

struct Fixture {
    raw: Arc<dyn ItemStore>,
    clock: FixedClock,
    log: AuditLog,
}

/// The embedded store on a fixed clock (its TTL follows it), wrapped as every function wraps it.
fn fixture() -> Fixture {
    let clock = FixedClock::at_ms(T0);
    let raw = test_kit::Embedded::with_clock(Arc::new(clock.clone())).store;
    let log = AuditLog::new(
        AggregatingStore::wrap(raw.clone()),
        Arc::new(clock.clone()),
        Arc::new(SequentialIds::new("audit")),
    );
    Fixture { raw, clock, log }
}

async fn record_n(log: &AuditLog, n: usize) -> Vec<AuditEntry> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(
            log.record(
                "sub-1",
                "customer.update",
                &format!("wm{i}"),
                vec!["tier".into()],
            )
            .await
            .unwrap(),
        );
    }
    out
}

async fn chained(store: &dyn ItemStore) -> Vec<Item> {
    crate::repo::query_all_items(
        store,
        Query::partition(IndexName::Primary, AUDIT_PK)
            .sk(SkCondition::BeginsWith(AUDIT_SEQ_PREFIX.into()))
            .limit(1000),
    )
    .await
    .unwrap()
}

fn broken_at(report: &ChainReport) -> (u64, Option<&str>, BreakReason) {
    let b = report.broken.as_ref().expect("the chain should be broken");
    (b.seq, b.entry_id.as_deref(), b.reason)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_append_one_contiguous_chain() {
    let f = fixture();
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|w| {
            let log = f.log.clone();
            tokio::spawn(async move {
                for i in 0..20 {
                    log.record(
                        &format!("writer-{w}"),
                        "tag.create",
                        &format!("t{i}"),
                        vec![],
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = started.elapsed();
    let items = chained(f.raw.as_ref()).await;
    let seqs: Vec<u64> = items
        .iter()
        .map(|i| i.doc::<AuditEntry>().unwrap().seq.unwrap())
        .collect();
    assert_eq!(seqs, (1..=320).collect::<Vec<_>>(), "contiguous, no fork");
    let report = f.log.verify().await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(
        (
            report.checked,
            report.first_seq,
            report.last_seq,
            report.head_seq
        ),
        (320, Some(1), Some(320), Some(320))
    );
    eprintln!("16 writers x 20 appends: {elapsed:?}");
}

#[tokio::test]
async fn an_edited_field_is_reported_at_its_seq_as_a_hash_mismatch() {
    let f = fixture();
    let entries = record_n(&f.log, 10).await;
    assert!(f.log.verify().await.unwrap().intact);

    let mut item = f
        .raw
        .get(AUDIT_PK, &audit_seq_sk(5))
        .await
        .unwrap()
        .unwrap();
    item.data.insert("actor".into(), "someone-else".into());
    f.raw.put(item, Condition::Always).await.unwrap();

    let report = f.log.verify().await.unwrap();
    assert!(!report.intact);
    assert_eq!(
        broken_at(&report),
        (5, Some(entries[4].id.as_str()), BreakReason::HashMismatch)
    );
    assert_eq!(report.checked, 4, "the entries before it verified");
}

#[tokio::test]
async fn an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link() {
    let f = fixture();
    let entries = record_n(&f.log, 6).await;
    let mut item = f
        .raw
        .get(AUDIT_PK, &audit_seq_sk(3))
        .await
        .unwrap()
        .unwrap();
    let mut entry: AuditEntry = item.doc().unwrap();
    entry.target = "wm-other".into();
    entry.hash = Some(audit_hash(&entry, 3, entry.prev_hash.as_deref().unwrap()));
    item.set_doc(&entry).unwrap();
    f.raw.put(item, Condition::Always).await.unwrap();

    let report = f.log.verify().await.unwrap();
    assert_eq!(
        broken_at(&report),
        (4, Some(entries[3].id.as_str()), BreakReason::HashMismatch)
    );
}

#[tokio::test]
async fn a_deleted_entry_in_the_middle_is_a_sequence_gap() {
    let f = fixture();
    let entries = record_n(&f.log, 10).await;
    f.raw
        .delete(AUDIT_PK, &audit_seq_sk(4), Condition::Always)
        .await
        .unwrap();
    let report = f.log.verify().await.unwrap();
    assert_eq!(
        broken_at(&report),
        (4, Some(entries[4].id.as_str()), BreakReason::SequenceGap),
        "the first missing seq, and the entry found after the gap"
    );
    assert_eq!(report.checked, 3);
}

#[tokio::test]
async fn deleted_newest_entries_are_missing_and_a_rewritten_head_does_not_match() {
    let f = fixture();
    record_n(&f.log, 5).await;
    f.raw
        .delete(AUDIT_PK, &audit_seq_sk(5), Condition::Always)
        .await
        .unwrap();
    let report = f.log.verify().await.unwrap();
    assert_eq!(broken_at(&report), (5, None, BreakReason::MissingEntry));
    assert_eq!(report.head_seq, Some(5));

    // Someone moves the head back onto seq 4, but with another hash.
    let mut head = f
        .raw
        .get(AUDIT_HEAD_PK, AUDIT_HEAD_SK)
        .await
        .unwrap()
        .unwrap();
    let mut doc: ChainHead = head.doc().unwrap();
    doc.seq = 4;
    doc.hash = "f".repeat(64);
    head.set_doc(&doc).unwrap();
    f.raw.put(head, Condition::Always).await.unwrap();
    let report = f.log.verify().await.unwrap();
    assert_eq!(broken_at(&report).0, 4);
    assert_eq!(broken_at(&report).2, BreakReason::HeadMismatch);

    // No head at all while entries exist.
    f.raw
        .delete(AUDIT_HEAD_PK, AUDIT_HEAD_SK, Condition::Always)
        .await
        .unwrap();
    let report = f.log.verify().await.unwrap();
    assert_eq!(broken_at(&report).0, 1);
    assert_eq!(broken_at(&report).2, BreakReason::HeadMismatch);
}

#[tokio::test]
async fn expired_oldest_entries_are_not_tampering_and_verification_starts_after_them() {
    let f = fixture();
    let log = f.log.clone().with_retention_days(Some(30));
    record_n(&log, 5).await;
    f.clock.advance_ms(20 * DAY_MS);
    let later = record_n(&log, 5).await;
    f.clock.advance_ms(15 * DAY_MS);

    let report = log.verify().await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(
        (report.checked, report.first_seq, report.last_seq),
        (5, Some(6), Some(10))
    );
    assert_eq!(report.first_at_ms, Some(later[0].at_ms));

    // A gap after the oldest retained entry is still a gap.
    f.raw
        .delete(AUDIT_PK, &audit_seq_sk(8), Condition::Always)
        .await
        .unwrap();
    assert_eq!(
        broken_at(&log.verify().await.unwrap()).2,
        BreakReason::SequenceGap
    );

    // Everything expired: nothing left to check, and nothing missing.
    f.clock.advance_ms(30 * DAY_MS);
    let report = log.verify().await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!((report.checked, report.head_seq), (0, Some(10)));
    // The chain goes on from its head.
    let next = log
        .record("sub-1", "tag.create", "t", vec![])
        .await
        .unwrap();
    assert_eq!(next.seq, Some(11));
    assert_eq!(log.verify().await.unwrap().first_seq, Some(11));
}

#[tokio::test]
async fn all_entries_gone_before_their_expiry_are_missing() {
    let f = fixture();
    let log = f.log.clone().with_retention_days(Some(30));
    record_n(&log, 3).await;
    for seq in 1..=3 {
        f.raw
            .delete(AUDIT_PK, &audit_seq_sk(seq), Condition::Always)
            .await
            .unwrap();
    }
    assert_eq!(
        broken_at(&log.verify().await.unwrap()),
        (3, None, BreakReason::MissingEntry)
    );
}

#[tokio::test]
async fn a_shorter_retention_never_expires_newer_entries_before_older_ones() {
    let f = fixture();
    record_n(&f.log.clone().with_retention_days(Some(365)), 3).await;
    let short = f.log.clone().with_retention_days(Some(1));
    f.clock.advance_ms(DAY_MS);
    record_n(&short, 3).await;
    let expiries: Vec<i64> = chained(f.raw.as_ref())
        .await
        .iter()
        .map(|i| i.expires_at.unwrap())
        .collect();
    assert!(expiries.windows(2).all(|w| w[0] <= w[1]), "{expiries:?}");
    f.clock.advance_ms(3 * DAY_MS);
    let report = short.verify().await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.checked, 6);
}

#[tokio::test]
async fn time_never_runs_backwards_along_the_chain() {
    let f = fixture();
    f.log.record("a", "tag.create", "t", vec![]).await.unwrap();
    f.clock.set_ms(T0 - 60_000); // another Lambda's clock, a minute behind
    let second = f.log.record("b", "tag.create", "t", vec![]).await.unwrap();
    assert_eq!(second.at_ms, T0);
    assert!(f.log.verify().await.unwrap().intact);
}

#[tokio::test]
async fn entries_written_before_the_chain_are_listed_but_not_verified() {
    let f = fixture();
    let legacy = AuditEntry {
        id: "old-1".into(),
        at_ms: T0 - DAY_MS,
        actor: "admin@clinic".into(),
        action: "config.update".into(),
        target: "corp".into(),
        fields: vec!["agent_id".into()],
        seq: None,
        prev_hash: None,
        hash: None,
    };
    f.raw
        .put(
            Item::with_doc(AUDIT_PK, audit_sk(legacy.at_ms, &legacy.id), &legacy).unwrap(),
            Condition::NotExists,
        )
        .await
        .unwrap();
    let new = record_n(&f.log, 2).await;
    let (listed, _) = f.log.recent(10, None).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [new[1].id.as_str(), new[0].id.as_str(), "old-1"]);
    let report = f.log.verify().await.unwrap();
    assert!(report.intact);
    assert_eq!((report.checked, report.first_seq), (2, Some(1)));
}

#[tokio::test]
async fn an_empty_log_verifies_with_nothing_checked() {
    let f = fixture();
    let report = f.log.verify().await.unwrap();
    assert!(report.intact);
    assert_eq!(
        (report.checked, report.first_seq, report.head_seq),
        (0, None, None)
    );
}

#[tokio::test]
async fn a_slot_taken_outside_the_append_path_fails_at_once_instead_of_spinning() {
    let f = fixture();
    record_n(&f.log, 2).await;
    let mut planted = Item::new(AUDIT_PK, audit_seq_sk(3));
    planted.data.insert("id".into(), "x".into());
    f.raw.put(planted, Condition::Always).await.unwrap();
    let err = f
        .log
        .record("a", "tag.create", "t", vec![])
        .await
        .unwrap_err();
    assert!(matches!(err, CrmError::Inconsistent(_)), "{err:?}");
}

/// Counts the queries that reach the store.
struct CountingStore {
    inner: Arc<dyn ItemStore>,
    queries: AtomicUsize,
}

#[async_trait]
impl ItemStore for CountingStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.batch_put(items).await
    }
}

/// `n` chained entries written directly (what `n` appends leave), and their head.
async fn write_chain(store: &dyn ItemStore, n: u64) {
    let mut prev = GENESIS_HASH.to_owned();
    let mut items = Vec::new();
    for seq in 1..=n {
        let mut entry = AuditEntry {
            id: format!("e{seq}"),
            at_ms: T0 + i64::try_from(seq).unwrap(),
            actor: "sub-1".into(),
            action: "customer.read".into(),
            target: format!("wm{seq}"),
            fields: vec!["detail".into()],
            seq: Some(seq),
            prev_hash: Some(prev.clone()),
            hash: None,
        };
        let hash = audit_hash(&entry, seq, &prev);
        entry.hash = Some(hash.clone());
        items.push(Item::with_doc(AUDIT_PK, audit_seq_sk(seq), &entry).unwrap());
        prev = hash;
        if items.len() == 1000 {
            store.batch_put(std::mem::take(&mut items)).await.unwrap();
        }
    }
    store.batch_put(items).await.unwrap();
    let head = ChainHead {
        seq: n,
        hash: prev,
        id: format!("e{n}"),
        at_ms: T0 + i64::try_from(n).unwrap(),
        expires_at: None,
    };
    let mut item = Item::with_doc(AUDIT_HEAD_PK, AUDIT_HEAD_SK, &head).unwrap();
    item.version = n;
    store.put(item, Condition::Always).await.unwrap();
}

#[tokio::test]
async fn verification_walks_tens_of_thousands_of_entries_a_page_at_a_time() {
    let f = fixture();
    write_chain(f.raw.as_ref(), 25_000).await;
    let counting = Arc::new(CountingStore {
        inner: f.raw.clone(),
        queries: AtomicUsize::new(0),
    });
    let log = AuditLog::new(
        counting.clone(),
        Arc::new(f.clock.clone()),
        Arc::new(RandomIds),
    );
    let started = std::time::Instant::now();
    let report = log.verify().await.unwrap();
    let elapsed = started.elapsed();
    assert!(report.intact, "{report:?}");
    assert_eq!(
        (report.checked, report.first_seq, report.last_seq),
        (25_000, Some(1), Some(25_000))
    );
    let queries = counting.queries.load(Ordering::SeqCst);
    assert!(
        (25..=26).contains(&queries),
        "{queries} store reads for 25 000 entries"
    );
    eprintln!("verified 25 000 entries in {elapsed:?} with {queries} queries");

    // The next append continues that chain.
    let next = log
        .record("sub-1", "tag.create", "t", vec![])
        .await
        .unwrap();
    assert_eq!(next.seq, Some(25_001));
}
