//! The hourly sync against the WeCom simulator on the embedded store: a full import, silent
//! changes repaired, resumption after an interruption, one run at a time, 45009 survived, no
//! writes when nothing changed, a call count that follows the paging, and a run that would
//! end every (or most) active relationship ends none.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use crm::model::{EndCause, RelationshipStatus, SyncRunStatus};
use crm::repo::{CustomerRepo, StoreTokenStore};
use crm::sync::{StartOutcome, StepBudget, StepOutcome, SyncConfig, SyncEngine, SyncRunner};
use ports::{Condition, Item, ItemStore, Page, Query, RandomIds, StoreError, SystemClock, WriteOp};
use wecom_sim::{
    DeletedBy, FaultRule, RelationStatus, RunningSim, SeedRequest, SilentChange, demo,
};

const BATCH: &str = "externalcontact/batch/get_by_user";

/// Counts the items written, by key prefix (`CUST`, `SYNC`, `TAGS`…).
struct CountingStore {
    inner: Arc<dyn ItemStore>,
    writes: Mutex<BTreeMap<String, u64>>,
    /// Fails the n-th checkpoint write from now, and each retry of it (a crash after a
    /// page's writes).
    crash_at_checkpoint: Mutex<Option<u32>>,
    /// Retries of the crashed checkpoint write still to fail.
    crash_retries: Mutex<u32>,
}

/// The sync's attempts of one store operation in these tests.
const STORE_ATTEMPTS: u32 = 4;

impl CountingStore {
    fn count(&self, pk: &str) {
        let prefix = pk.split('#').next().unwrap_or(pk).to_owned();
        *self.writes.lock().unwrap().entry(prefix).or_default() += 1;
    }

    fn writes(&self, prefix: &str) -> u64 {
        self.writes
            .lock()
            .unwrap()
            .get(prefix)
            .copied()
            .unwrap_or(0)
    }

    fn reset(&self) {
        self.writes.lock().unwrap().clear();
    }
}

#[async_trait]
impl ItemStore for CountingStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        if item.sk == "RUN" {
            let mut retries = self.crash_retries.lock().unwrap();
            if *retries > 0 {
                *retries -= 1;
                return Err(StoreError::Unavailable("crashed".into()));
            }
            let mut crash = self.crash_at_checkpoint.lock().unwrap();
            if let Some(n) = crash.as_mut() {
                *n -= 1;
                if *n == 0 {
                    *crash = None;
                    *retries = STORE_ATTEMPTS - 1;
                    return Err(StoreError::Unavailable("crashed".into()));
                }
            }
        }
        self.count(&item.pk);
        self.inner.put(item, condition).await
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.count(pk);
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        for op in &ops {
            match op {
                WriteOp::Put { item, .. } => self.count(&item.pk),
                WriteOp::Delete { pk, .. } => self.count(pk),
                WriteOp::Check { .. } => {}
            }
        }
        self.inner.transact(ops).await
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        for item in &items {
            self.count(&item.pk);
        }
        self.inner.batch_put(items).await
    }
}

struct Fixture {
    sim: RunningSim,
    store: Arc<CountingStore>,
}

async fn fixture(staff: u32, customers: u32) -> Fixture {
    let sim = test_kit::wecom::quiet_sim().await;
    if customers > 0 {
        sim.sim
            .seed(&SeedRequest::new(staff, customers).seed(7))
            .unwrap();
    }
    Fixture {
        sim,
        store: new_store(),
    }
}

fn new_store() -> Arc<CountingStore> {
    Arc::new(CountingStore {
        inner: test_kit::Embedded::new().store,
        writes: Mutex::new(BTreeMap::new()),
        crash_at_checkpoint: Mutex::new(None),
        crash_retries: Mutex::new(0),
    })
}

fn engine(sim: &RunningSim, store: &Arc<CountingStore>) -> SyncEngine {
    let store: Arc<dyn ItemStore> = store.clone();
    let wecom = test_kit::wecom::sim_client(
        sim,
        Arc::new(StoreTokenStore::new(store.clone())),
        Arc::new(SystemClock),
    );
    SyncEngine::new(
        store,
        Arc::new(wecom),
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        SyncConfig {
            min_call_interval: Duration::ZERO,
            store_attempts: STORE_ATTEMPTS,
            store_backoff: Duration::from_millis(1),
            ..SyncConfig::default()
        },
    )
}

async fn started(engine: &SyncEngine) -> String {
    match engine.start().await.unwrap() {
        StartOutcome::Started { run_id } => run_id,
        other => panic!("not started: {other:?}"),
    }
}

/// A whole run, in one step.
async fn sync(engine: &SyncEngine) -> crm::model::SyncRun {
    let run_id = started(engine).await;
    match engine
        .run_step(&run_id, StepBudget::unlimited())
        .await
        .unwrap()
    {
        StepOutcome::Done(run) => *run,
        other => panic!("not done: {other:?}"),
    }
}

/// The store holds WeCom's view: every visible relationship as it is, every relationship the
/// member deleted ended as missing.
async fn assert_matches_sim(sim: &RunningSim, store: &Arc<CountingStore>) {
    let repo = CustomerRepo::new(store.clone());
    let state = sim.sim.state();
    let contacts: BTreeMap<_, _> = state
        .contacts
        .iter()
        .map(|c| (c.external_userid.clone(), c))
        .collect();
    let mut checked = 0;
    for rel in &state.relationships {
        let stored = repo
            .get_relationship(&rel.external_userid, &rel.userid)
            .await
            .unwrap();
        match rel.status {
            RelationStatus::Active | RelationStatus::DeletedByCustomer => {
                let stored = stored
                    .unwrap_or_else(|| panic!("missing {}/{}", rel.external_userid, rel.userid));
                assert_eq!(stored.status, RelationshipStatus::Active);
                assert_eq!(stored.remark, rel.remark);
                assert_eq!(stored.description, rel.description);
                // An empty `state` keeps the recorded channel (as `Relationship::refresh_from`).
                if !rel.state.is_empty() {
                    assert_eq!(stored.state, rel.state);
                }
                assert_eq!(stored.createtime, rel.createtime);
                assert_eq!(stored.add_way, i64::from(rel.add_way));
                let stored_tags: BTreeSet<_> = stored
                    .tags
                    .iter()
                    .filter_map(|t| t.tag_id.clone())
                    .collect();
                let sim_tags: BTreeSet<_> = rel.tag_ids.iter().cloned().collect();
                assert_eq!(stored_tags, sim_tags);
                for tag in &stored.tags {
                    assert!(!tag.tag_name.is_empty(), "tag names resolved");
                }
                let customer = repo.get(&rel.external_userid).await.unwrap().unwrap();
                assert_eq!(customer.name, contacts[&rel.external_userid].name);
                checked += 1;
            }
            RelationStatus::DeletedByStaff => {
                if let Some(stored) = stored {
                    assert_eq!(stored.status, RelationshipStatus::Ended);
                    assert_eq!(stored.end_cause, Some(EndCause::MissingInSync));
                }
            }
            RelationStatus::Half => {}
        }
    }
    assert!(checked > 0);
}

fn calls(sim: &RunningSim, path: &str) -> u64 {
    sim.sim.call_counts().get(path)
}

fn visible_relationships(sim: &RunningSim) -> u64 {
    sim.sim
        .state()
        .relationships
        .iter()
        .filter(|r| r.status.visible())
        .count() as u64
}

#[tokio::test]
async fn a_first_sync_imports_everything_by_pages_and_a_second_writes_nothing() {
    let f = fixture(10, 2000).await;
    let engine = engine(&f.sim, &f.store);
    f.sim.sim.reset_call_counts();
    let run = sync(&engine).await;
    assert_eq!(run.status, SyncRunStatus::Done);
    assert_matches_sim(&f.sim, &f.store).await;

    // Calls follow the paging, not the customers.
    let visible = visible_relationships(&f.sim);
    assert!(visible >= 2000);
    let pages = calls(&f.sim, BATCH);
    assert!(
        pages == visible.div_ceil(100) || pages == visible.div_ceil(100) + 1,
        "{pages} pages for {visible} relationships"
    );
    assert_eq!(calls(&f.sim, "externalcontact/get"), 0);
    assert_eq!(calls(&f.sim, "externalcontact/list"), 0);
    assert_eq!(calls(&f.sim, "externalcontact/get_follow_user_list"), 1);
    assert_eq!(calls(&f.sim, "externalcontact/get_corp_tag_list"), 1);
    assert_eq!(run.wecom_calls, pages + 2);
    assert_eq!(run.relationships_seen, visible);
    assert_eq!(run.relationships_added, visible);
    assert!(run.customers_added >= 2000);
    assert_eq!(run.customers_seen, run.customers_added);
    assert!(f.sim.sim.call_counts().total <= pages + 3, "plus one token");

    // Nothing changed: no customer, relationship or tag is written.
    f.store.reset();
    let second = sync(&engine).await;
    assert_eq!(second.status, SyncRunStatus::Done);
    assert_eq!(f.store.writes("CUST"), 0);
    assert_eq!(f.store.writes("TAGS"), 0);
    assert_eq!(second.customers_added + second.customers_changed, 0);
    assert_eq!(second.relationships_added + second.relationships_changed, 0);
    assert_eq!(second.relationships_ended, 0);
    assert!(f.store.writes("SYNC") > 0, "checkpoints only");

    let runs = engine.recent_runs(10).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].run_id, second.run_id, "newest first");
}

#[tokio::test]
async fn silent_changes_are_repaired_and_a_removed_relationship_is_ended_not_deleted() {
    let f = fixture(4, 150).await;
    let engine = engine(&f.sim, &f.store);
    sync(&engine).await;
    let state = f.sim.sim.state();
    let mut rels = state
        .relationships
        .iter()
        .filter(|r| r.status == RelationStatus::Active && r.userid.starts_with("seed"));
    let removed = rels.next().unwrap().clone();
    let retagged = rels.next().unwrap().clone();
    let remarked = rels.next().unwrap().clone();
    f.sim
        .sim
        .silent(SilentChange::RemoveRelationship {
            userid: removed.userid.clone(),
            external_userid: removed.external_userid.clone(),
            by: DeletedBy::Staff,
        })
        .unwrap();
    f.sim
        .sim
        .silent(SilentChange::SetTags {
            userid: retagged.userid.clone(),
            external_userid: retagged.external_userid.clone(),
            tag_ids: vec![
                demo::TAG_TIER_A.to_owned(),
                demo::TAG_PROJECT_PHOTO.to_owned(),
            ],
        })
        .unwrap();
    f.sim
        .sim
        .silent(SilentChange::SetRemark {
            userid: remarked.userid.clone(),
            external_userid: remarked.external_userid.clone(),
            remark: Some("changed".into()),
            description: Some("quietly".into()),
            remark_mobiles: None,
        })
        .unwrap();
    let added = f
        .sim
        .sim
        .silent(SilentChange::AddRelationship {
            userid: "seed0002".into(),
            external_userid: None,
            name: Some("New".into()),
            unionid: None,
            state: Some("douyin".into()),
            remark: None,
            tag_ids: vec![demo::TAG_TIER_B.to_owned()],
            add_way: None,
        })
        .unwrap()
        .external_userid
        .unwrap();

    f.store.reset();
    let run = sync(&engine).await;
    assert_matches_sim(&f.sim, &f.store).await;
    assert_eq!(run.relationships_ended, 1);
    assert_eq!(run.customers_added, 1);
    assert_eq!(run.relationships_added, 1);
    assert_eq!(run.relationships_changed, 2);
    // Only what changed was written (the customer of the ended relationship may be refreshed).
    assert!(f.store.writes("CUST") <= 8, "{}", f.store.writes("CUST"));

    let repo = CustomerRepo::new(f.store.clone());
    let ended = repo
        .get_relationship(&removed.external_userid, &removed.userid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.status, RelationshipStatus::Ended);
    assert_eq!(ended.end_cause, Some(EndCause::MissingInSync));
    assert!(repo.get(&removed.external_userid).await.unwrap().is_some());
    assert!(repo.get(&added).await.unwrap().is_some());

    // It comes back: active again.
    f.sim
        .sim
        .silent(SilentChange::AddRelationship {
            userid: removed.userid.clone(),
            external_userid: Some(removed.external_userid.clone()),
            name: None,
            unionid: None,
            state: None,
            remark: None,
            tag_ids: Vec::new(),
            add_way: None,
        })
        .unwrap();
    sync(&engine).await;
    let back = repo
        .get_relationship(&removed.external_userid, &removed.userid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(back.status, RelationshipStatus::Active);
    assert_eq!(back.end_cause, None);
    assert_matches_sim(&f.sim, &f.store).await;
}

#[tokio::test]
async fn an_interrupted_run_resumes_to_the_same_result() {
    let f = fixture(6, 600).await;
    // Reference: one uninterrupted run on its own store.
    let reference = new_store();
    let whole = sync(&engine(&f.sim, &reference)).await;

    // The same with a removal, pieces of two pages, a new engine (process) for every step.
    let run_id = started(&engine(&f.sim, &f.store)).await;
    let mut steps = 0;
    let run = loop {
        steps += 1;
        assert!(steps < 100);
        let engine = engine(&f.sim, &f.store);
        match engine
            .run_step(&run_id, StepBudget::pages(2))
            .await
            .unwrap()
        {
            StepOutcome::Continue { retry_after } => assert_eq!(retry_after, None),
            StepOutcome::Done(run) => break *run,
        }
    };
    assert!(steps > 3, "{steps} steps");
    assert_eq!(run.status, SyncRunStatus::Done);
    assert_matches_sim(&f.sim, &f.store).await;
    assert_eq!(run.relationships_seen, whole.relationships_seen);
    assert_eq!(run.relationships_added, whole.relationships_added);
    assert_eq!(run.customers_added, whole.customers_added);
    assert_eq!(run.customers_seen, whole.customers_seen);

    // Same stored documents, apart from write times.
    let a = CustomerRepo::new(reference.clone());
    let b = CustomerRepo::new(f.store.clone());
    for rel in f.sim.sim.state().relationships {
        let mut x = a
            .get_relationship(&rel.external_userid, &rel.userid)
            .await
            .unwrap()
            .unwrap();
        let mut y = b
            .get_relationship(&rel.external_userid, &rel.userid)
            .await
            .unwrap()
            .unwrap();
        x.updated_at_ms = 0;
        y.updated_at_ms = 0;
        assert_eq!(x, y);
    }
}

#[tokio::test]
async fn two_concurrent_starts_give_one_run() {
    let f = fixture(2, 10).await;
    let (e1, e2) = (engine(&f.sim, &f.store), engine(&f.sim, &f.store));
    let (a, b) = tokio::join!(e1.start(), e2.start());
    let (a, b) = (a.unwrap(), b.unwrap());
    let run_id = match (&a, &b) {
        (StartOutcome::Started { run_id }, StartOutcome::AlreadyRunning { run_id: other })
        | (StartOutcome::AlreadyRunning { run_id: other }, StartOutcome::Started { run_id }) => {
            assert_eq!(run_id, other);
            run_id.clone()
        }
        _ => panic!("{a:?} {b:?}"),
    };
    assert_eq!(
        e1.start().await.unwrap(),
        StartOutcome::AlreadyRunning {
            run_id: run_id.clone()
        }
    );
    let done = e2.run_step(&run_id, StepBudget::unlimited()).await.unwrap();
    assert!(matches!(done, StepOutcome::Done(_)));
    // Finished: the next start is a new run.
    assert!(matches!(
        e1.start().await.unwrap(),
        StartOutcome::Started { .. }
    ));
}

#[tokio::test]
async fn a_frequency_limit_mid_run_pauses_the_step_and_the_run_finishes_later() {
    let f = fixture(3, 500).await;
    let engine = engine(&f.sim, &f.store);
    let run_id = started(&engine).await;
    // Preparation and one page.
    assert_eq!(
        engine
            .run_step(&run_id, StepBudget::pages(2))
            .await
            .unwrap(),
        StepOutcome::Continue { retry_after: None }
    );
    f.sim
        .sim
        .inject_fault(FaultRule::errcode(BATCH, 45009))
        .unwrap();
    assert_eq!(
        engine
            .run_step(&run_id, StepBudget::unlimited())
            .await
            .unwrap(),
        StepOutcome::Continue {
            retry_after: Some(Duration::from_secs(60))
        }
    );
    let paused = engine.get_run(&run_id).await.unwrap().unwrap();
    assert_eq!(paused.errors, 1);
    assert_eq!(paused.status, SyncRunStatus::Running);
    let StepOutcome::Done(run) = engine
        .run_step(&run_id, StepBudget::unlimited())
        .await
        .unwrap()
    else {
        panic!("not done");
    };
    assert_eq!(run.status, SyncRunStatus::Done);
    assert_eq!(run.relationships_seen, visible_relationships(&f.sim));
    assert_matches_sim(&f.sim, &f.store).await;
}

#[tokio::test]
async fn a_crash_between_a_page_and_its_checkpoint_writes_nothing_twice() {
    let f = fixture(3, 400).await;
    let reference = new_store();
    sync(&engine(&f.sim, &reference)).await;

    let run_id = started(&engine(&f.sim, &f.store)).await;
    // Checkpoints: 1 preparation, then pages; the 4th is lost after its page was written, and
    // later one in the end phase.
    *f.store.crash_at_checkpoint.lock().unwrap() = Some(4);
    let err = engine(&f.sim, &f.store)
        .run_step(&run_id, StepBudget::unlimited())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let mut crashes = 1;
    let run = loop {
        let engine = engine(&f.sim, &f.store);
        if crashes == 1 {
            let checkpoint = engine.get_run(&run_id).await.unwrap().unwrap();
            if checkpoint.phase == crm::model::SyncPhase::EndMissing {
                *f.store.crash_at_checkpoint.lock().unwrap() = Some(1);
            }
        }
        match engine.run_step(&run_id, StepBudget::pages(3)).await {
            Ok(StepOutcome::Done(run)) => break *run,
            Ok(StepOutcome::Continue { .. }) => {}
            Err(e) => {
                assert!(e.is_retryable(), "{e}");
                crashes += 1;
            }
        }
    };
    assert_eq!(crashes, 2);
    assert_eq!(run.status, SyncRunStatus::Done);
    assert_matches_sim(&f.sim, &f.store).await;
    assert_eq!(
        f.store.writes("CUST"),
        reference.writes("CUST"),
        "each customer and relationship written once"
    );
}

/// How many of the store's relationships are ended.
async fn ended_in_store(sim: &RunningSim, store: &Arc<CountingStore>) -> usize {
    let repo = CustomerRepo::new(store.clone());
    let mut ended = 0;
    for rel in sim.sim.state().relationships {
        if let Some(stored) = repo
            .get_relationship(&rel.external_userid, &rel.userid)
            .await
            .unwrap()
            && stored.status == RelationshipStatus::Ended
        {
            ended += 1;
        }
    }
    ended
}

#[tokio::test]
async fn a_run_to_which_wecom_lists_no_staff_ends_nothing_and_fails_with_its_reason() {
    let f = fixture(3, 60).await;
    let engine = engine(&f.sim, &f.store);
    let first = sync(&engine).await;
    assert_eq!(first.status, SyncRunStatus::Done);
    assert!(first.relationships_added > 20);
    let before = ended_in_store(&f.sim, &f.store).await;
    let state_before = f.sim.sim.state();

    // WeCom answers get_follow_user_list with nobody (a permission or visibility change).
    for staff in &state_before.staff {
        f.sim
            .sim
            .silent(SilentChange::RemoveStaff {
                userid: staff.userid.clone(),
            })
            .unwrap();
    }
    let run = sync(&engine).await;
    // Over, not done: the record has no "failed" status; the reason says what went wrong.
    assert_eq!(run.status, SyncRunStatus::Failed, "{run:?}");
    assert!(run.finished_at_ms.is_some());
    assert_eq!(run.relationships_ended, 0);
    assert_eq!(run.errors, 1);
    let reason = run.last_error.clone().unwrap();
    assert!(reason.contains("no staff"), "{reason}");
    // Nothing was ended: every relationship stored as active is still active.
    let repo = CustomerRepo::new(f.store.clone());
    for rel in &state_before.relationships {
        if rel.status == RelationStatus::Active {
            let stored = repo
                .get_relationship(&rel.external_userid, &rel.userid)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(stored.status, RelationshipStatus::Active);
        }
    }
    assert_eq!(ended_in_store(&f.sim, &f.store).await, before);
    // The run is over and its lease released: the next one starts.
    assert!(matches!(
        engine.start().await.unwrap(),
        StartOutcome::Started { .. }
    ));
}

#[tokio::test]
async fn a_run_that_would_end_most_active_relationships_ends_none_and_fails() {
    let f = fixture(3, 60).await;
    let engine = engine(&f.sim, &f.store);
    sync(&engine).await;
    // Stored as active: every relationship WeCom shows (also those the customer deleted).
    let stored_active = visible_relationships(&f.sim);
    let active: Vec<_> = f
        .sim
        .sim
        .state()
        .relationships
        .into_iter()
        .filter(|r| r.status == RelationStatus::Active)
        .collect();
    assert!(active.len() > 42, "{}", active.len());
    // More than half of them (and more than 20) disappear from WeCom's answers at once.
    let gone = usize::try_from(stored_active).unwrap() / 2 + 1;
    assert!(gone < active.len());
    for rel in &active[..gone] {
        f.sim
            .sim
            .silent(SilentChange::RemoveRelationship {
                userid: rel.userid.clone(),
                external_userid: rel.external_userid.clone(),
                by: DeletedBy::Staff,
            })
            .unwrap();
    }
    let run = sync(&engine).await;
    assert_eq!(run.status, SyncRunStatus::Failed, "{run:?}");
    assert_eq!(run.relationships_ended, 0);
    let reason = run.last_error.clone().unwrap();
    assert!(
        reason.contains(&format!("{gone} of {stored_active} active")),
        "{reason}"
    );
    let repo = CustomerRepo::new(f.store.clone());
    for rel in &active {
        let stored = repo
            .get_relationship(&rel.external_userid, &rel.userid)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, RelationshipStatus::Active);
    }

    // Fewer of them gone (they come back): the run ends those as usual.
    for rel in &active[20..gone] {
        f.sim
            .sim
            .silent(SilentChange::AddRelationship {
                userid: rel.userid.clone(),
                external_userid: Some(rel.external_userid.clone()),
                name: None,
                unionid: None,
                state: None,
                remark: None,
                tag_ids: Vec::new(),
                add_way: None,
            })
            .unwrap();
    }
    let run = sync(&engine).await;
    assert_eq!(run.status, SyncRunStatus::Done, "{run:?}");
    assert_eq!(run.relationships_ended, 20);
    assert_eq!(run.last_error, None);
}

#[tokio::test]
async fn a_run_whose_first_step_cannot_be_queued_is_not_started_and_the_next_trigger_starts_anew() {
    use ports::QueueConsumer;
    let f = fixture(2, 10).await;
    let embedded = test_kit::Embedded::new();
    let queue = embedded.queue("sync");
    let switch = test_kit::queue::SwitchableQueue::new(queue.clone());
    let runner = SyncRunner::new(
        Arc::new(engine(&f.sim, &f.store)),
        switch.clone(),
        StepBudget::unlimited(),
    );

    switch.set_down(true);
    assert!(
        runner.trigger().await.is_err(),
        "the refused send is reported"
    );
    let runs = runner.engine().recent_runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, SyncRunStatus::NotStarted);
    assert_eq!(
        runs[0].last_error.as_deref(),
        Some("its first step could not be queued")
    );
    assert_eq!(runs[0].relationships_seen, 0);

    // The queue is back: the next trigger starts a run at once (no 15-minute lease to wait out).
    switch.set_down(false);
    let run_id = match runner.trigger().await.unwrap() {
        StartOutcome::Started { run_id } => run_id,
        other => panic!("the lease was left behind: {other:?}"),
    };
    assert_ne!(run_id, runs[0].run_id);
    let delivered = queue.receive(10, 60, 0).await.unwrap();
    assert_eq!(delivered.len(), 1, "one first step queued");
    match runner.step(&delivered[0].body).await.unwrap() {
        StepOutcome::Done(run) => assert_eq!(run.status, SyncRunStatus::Done),
        other => panic!("not done: {other:?}"),
    }
    assert_matches_sim(&f.sim, &f.store).await;
}

#[tokio::test]
async fn a_customer_recorded_without_a_first_consultant_gets_the_earliest_follow_from_the_next_sync()
 {
    let f = fixture(3, 20).await;
    let engine = engine(&f.sim, &f.store);
    sync(&engine).await;
    let store: Arc<dyn ItemStore> = f.store.clone();
    let repo = CustomerRepo::new(store.clone());
    let state = f.sim.sim.state();
    let first = state
        .relationships
        .iter()
        .filter(|r| r.status == RelationStatus::Active)
        .min_by_key(|r| (r.external_userid.clone(), r.createtime))
        .unwrap()
        .clone();
    let earliest = state
        .relationships
        .iter()
        .filter(|r| {
            r.external_userid == first.external_userid && r.status == RelationStatus::Active
        })
        .min_by_key(|r| r.createtime)
        .unwrap()
        .userid
        .clone();
    // As recorded before the first consultant was.
    let mut older = repo.get(&first.external_userid).await.unwrap().unwrap();
    assert_eq!(older.first_userid, earliest);
    let pk = crm::keys::customer_pk(&first.external_userid);
    let mut item = store
        .get(&pk, crm::keys::PROFILE_SK)
        .await
        .unwrap()
        .unwrap();
    item.data.remove("first_userid");
    item.version += 1;
    store.put(item, Condition::Always).await.unwrap();
    older = repo.get(&first.external_userid).await.unwrap().unwrap();
    assert_eq!(older.first_userid, "");

    let run = sync(&engine).await;
    assert_eq!(run.customers_changed, 1, "that customer only");
    let now = repo.get(&first.external_userid).await.unwrap().unwrap();
    assert_eq!(now.first_userid, earliest);
    assert_eq!(sync(&engine).await.customers_changed, 0);
}
