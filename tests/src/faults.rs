//! Fault injection at the ports, under the real assembly.
//!
//! [`FaultyStore`] wraps an item store: writes fail before they are applied or after (a process
//! dying between two writes; its job runs again), reads and writes are throttled, transactions
//! lose to a concurrent writer, writes time out (applied or not), a conditional write is applied
//! and then answered `ConditionFailed` (an SDK retry of a write whose first answer was lost),
//! batches are applied in part, and writes to chosen keys fail until told otherwise (a poison
//! job). [`FaultyQueue`] wraps a job queue: sends fail (before, after, in part), deliveries come
//! twice, visibility lapses while a consumer works, receives fail, acks are lost.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ports::{
    Condition, Delivery, Item, ItemStore, JobQueue, OutgoingMessage, Page, Query, QueueConsumer,
    QueueError, StoreError, WriteOp,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// When a write fails.
#[derive(Debug, Clone, Copy)]
pub struct FaultRates {
    /// Probability that a write fails before it is applied.
    pub before: f64,
    /// Probability that a write is applied and then reported as failed.
    pub after: f64,
}

/// The store's other faults (each a probability per call; all 0 by default).
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreFaultRates {
    /// A read or write refused as throttled (`ProvisionedThroughputExceeded`): nothing happens.
    pub throttle: f64,
    /// A transaction cancelled by a concurrent one (`TransactionConflict`): nothing applied.
    pub conflict: f64,
    /// A write that answers only after `timeout_delay`, with an error; applied or not (even odds).
    pub timeout: f64,
    /// A conditional write applied, then answered `ConditionFailed` (what an SDK retry of a
    /// write whose first answer was lost sees).
    pub condition_after: f64,
    /// A batch put of which only a prefix is applied before the error (unprocessed items).
    pub partial_batch: f64,
    pub timeout_delay: Duration,
}

/// How many faults of each kind were injected.
#[derive(Debug, Default)]
pub struct StoreFaultCounts {
    pub throttled: AtomicU64,
    pub conflicts: AtomicU64,
    pub timeouts: AtomicU64,
    pub conditions_after: AtomicU64,
    pub partial_batches: AtomicU64,
    /// Writes refused because they touched a poisoned key.
    pub poisoned: AtomicU64,
}

pub struct FaultyStore {
    inner: Arc<dyn ItemStore>,
    rng: Mutex<StdRng>,
    rates: FaultRates,
    more: StoreFaultRates,
    /// Faults happen only while this is on (poisoned keys fail regardless).
    pub enabled: Arc<AtomicBool>,
    /// Writes failed so far (before, after).
    pub failed_before: AtomicU64,
    pub failed_after: AtomicU64,
    pub counts: StoreFaultCounts,
    /// Writes touching a partition key that starts with one of these fail (retryably).
    poison: Mutex<Vec<String>>,
    /// Updates (`VersionIs` writes) of a partition key that starts with one of these fail.
    poison_updates: Mutex<Vec<String>>,
}

enum Fault {
    None,
    Before,
    After,
    Timeout { applied: bool },
    ConditionAfter,
}

fn is_conditional(condition: Condition) -> bool {
    !matches!(condition, Condition::Always)
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn ItemStore>, seed: u64, rates: FaultRates) -> Self {
        Self {
            inner,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            rates,
            more: StoreFaultRates::default(),
            enabled: Arc::new(AtomicBool::new(false)),
            failed_before: AtomicU64::new(0),
            failed_after: AtomicU64::new(0),
            counts: StoreFaultCounts::default(),
            poison: Mutex::new(Vec::new()),
            poison_updates: Mutex::new(Vec::new()),
        }
    }

    /// Adds throttling, conflicts, timeouts, late condition failures and partial batches.
    pub fn with(mut self, more: StoreFaultRates) -> Self {
        self.more = more;
        self
    }

    /// Every write to a partition key starting with `prefix` fails until [`Self::cure`].
    pub fn poison(&self, prefix: &str) {
        self.poison.lock().unwrap().push(prefix.to_owned());
    }

    /// Every update (a `VersionIs` write) of a partition key starting with `prefix` fails
    /// until [`Self::cure`]; creations still succeed.
    pub fn poison_updates(&self, prefix: &str) {
        self.poison_updates.lock().unwrap().push(prefix.to_owned());
    }

    pub fn cure(&self) {
        self.poison.lock().unwrap().clear();
        self.poison_updates.lock().unwrap().clear();
    }

    fn update_poisoned(&self, pk: &str, condition: Condition) -> Result<(), StoreError> {
        let poisoned = matches!(condition, Condition::VersionIs(_))
            && self
                .poison_updates
                .lock()
                .unwrap()
                .iter()
                .any(|p| pk.starts_with(p.as_str()));
        if poisoned {
            self.counts.poisoned.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("injected: poisoned update".into()));
        }
        Ok(())
    }

    /// Faults injected so far, of every kind.
    pub fn injected(&self) -> u64 {
        let c = &self.counts;
        self.failed_before.load(Ordering::SeqCst)
            + self.failed_after.load(Ordering::SeqCst)
            + c.throttled.load(Ordering::SeqCst)
            + c.conflicts.load(Ordering::SeqCst)
            + c.timeouts.load(Ordering::SeqCst)
            + c.conditions_after.load(Ordering::SeqCst)
            + c.partial_batches.load(Ordering::SeqCst)
    }

    fn roll(&self, p: f64) -> bool {
        p > 0.0 && self.rng.lock().unwrap().random::<f64>() < p
    }

    fn on(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }

    fn throttled(&self) -> Result<(), StoreError> {
        if self.on() && self.roll(self.more.throttle) {
            self.counts.throttled.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("injected: throttled".into()));
        }
        Ok(())
    }

    fn poisoned(&self, pks: &[&str]) -> Result<(), StoreError> {
        let poison = self.poison.lock().unwrap();
        if pks
            .iter()
            .any(|pk| poison.iter().any(|p| pk.starts_with(p.as_str())))
        {
            self.counts.poisoned.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Unavailable("injected: poisoned key".into()));
        }
        Ok(())
    }

    fn draw(&self, conditional: bool) -> Fault {
        if !self.on() {
            return Fault::None;
        }
        let x: f64 = self.rng.lock().unwrap().random();
        if x < self.rates.before {
            self.failed_before.fetch_add(1, Ordering::SeqCst);
            Fault::Before
        } else if x < self.rates.before + self.rates.after {
            self.failed_after.fetch_add(1, Ordering::SeqCst);
            Fault::After
        } else if self.roll(self.more.timeout) {
            self.counts.timeouts.fetch_add(1, Ordering::SeqCst);
            Fault::Timeout {
                applied: self.roll(0.5),
            }
        } else if conditional && self.roll(self.more.condition_after) {
            self.counts.conditions_after.fetch_add(1, Ordering::SeqCst);
            Fault::ConditionAfter
        } else {
            Fault::None
        }
    }

    async fn write<F>(&self, pks: &[&str], conditional: bool, op: F) -> Result<(), StoreError>
    where
        F: std::future::Future<Output = Result<(), StoreError>>,
    {
        self.poisoned(pks)?;
        self.throttled()?;
        match self.draw(conditional) {
            Fault::Before => Err(StoreError::Unavailable("injected: before the write".into())),
            Fault::After => {
                op.await?;
                Err(StoreError::Unavailable("injected: after the write".into()))
            }
            Fault::Timeout { applied } => {
                if applied {
                    op.await?;
                }
                tokio::time::sleep(self.more.timeout_delay).await;
                Err(StoreError::Unavailable("injected: timed out".into()))
            }
            Fault::ConditionAfter => {
                op.await?;
                Err(StoreError::ConditionFailed)
            }
            Fault::None => op.await,
        }
    }
}

#[async_trait]
impl ItemStore for FaultyStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.throttled()?;
        self.inner.get(pk, sk).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.update_poisoned(&item.pk, condition)?;
        let pk = item.pk.clone();
        self.write(
            &[&pk],
            is_conditional(condition),
            self.inner.put(item, condition),
        )
        .await
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.write(
            &[pk],
            is_conditional(condition),
            self.inner.delete(pk, sk, condition),
        )
        .await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.throttled()?;
        self.inner.query(query).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        for op in &ops {
            if let WriteOp::Put { item, condition } = op {
                self.update_poisoned(&item.pk, *condition)?;
            }
        }
        let pks: Vec<String> = ops.iter().map(|op| op.key().0.to_owned()).collect();
        let pks: Vec<&str> = pks.iter().map(String::as_str).collect();
        if self.on() && self.roll(self.more.conflict) {
            self.counts.conflicts.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Conflict);
        }
        // A transaction holds conditions; an answer lost after it committed reads as a failure.
        self.write(&pks, true, self.inner.transact(ops)).await
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let pks: Vec<String> = items.iter().map(|i| i.pk.clone()).collect();
        let pks: Vec<&str> = pks.iter().map(String::as_str).collect();
        if self.on() && items.len() > 1 && self.roll(self.more.partial_batch) {
            self.poisoned(&pks)?;
            self.counts.partial_batches.fetch_add(1, Ordering::SeqCst);
            let cut = self.rng.lock().unwrap().random_range(1..items.len());
            self.inner.batch_put(items[..cut].to_vec()).await?;
            return Err(StoreError::Unavailable(
                "injected: part of the batch unprocessed".into(),
            ));
        }
        self.write(&pks, false, self.inner.batch_put(items)).await
    }
}

/// A queue's faults (each a probability per call; all 0 by default).
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueFaultRates {
    /// A send that fails with nothing enqueued.
    pub send_before: f64,
    /// A send that enqueued everything and then failed (the sender's retry duplicates it).
    pub send_after: f64,
    /// A batch of which a prefix is enqueued before the failure.
    pub partial_batch: f64,
    /// A received message that also comes again (a copy is enqueued: at-least-once delivery).
    pub duplicate: f64,
    /// A received message whose visibility ends at once: another consumer gets it while the
    /// first still works on it.
    pub visibility_lapse: f64,
    /// A receive that fails.
    pub receive_fail: f64,
    /// An ack that is lost: the message comes back a second later.
    pub ack_lost: f64,
}

/// How many faults of each kind were injected.
#[derive(Debug, Default)]
pub struct QueueFaultCounts {
    pub sends_failed_before: AtomicU64,
    pub sends_failed_after: AtomicU64,
    pub partial_batches: AtomicU64,
    pub duplicates: AtomicU64,
    pub visibility_lapses: AtomicU64,
    pub receives_failed: AtomicU64,
    pub acks_lost: AtomicU64,
}

impl QueueFaultCounts {
    pub fn total(&self) -> u64 {
        [
            &self.sends_failed_before,
            &self.sends_failed_after,
            &self.partial_batches,
            &self.duplicates,
            &self.visibility_lapses,
            &self.receives_failed,
            &self.acks_lost,
        ]
        .iter()
        .map(|c| c.load(Ordering::SeqCst))
        .sum()
    }
}

/// A job queue (both sides) with faults; dead letters stay the inner queue's.
pub struct FaultyQueue {
    pub name: &'static str,
    producer: Arc<dyn JobQueue>,
    consumer: Arc<dyn QueueConsumer>,
    rng: Mutex<StdRng>,
    rates: QueueFaultRates,
    /// Faults happen only while this is on.
    pub enabled: Arc<AtomicBool>,
    pub counts: QueueFaultCounts,
}

impl FaultyQueue {
    pub fn new(
        name: &'static str,
        producer: Arc<dyn JobQueue>,
        consumer: Arc<dyn QueueConsumer>,
        seed: u64,
        rates: QueueFaultRates,
    ) -> Self {
        Self {
            name,
            producer,
            consumer,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            rates,
            enabled: Arc::new(AtomicBool::new(false)),
            counts: QueueFaultCounts::default(),
        }
    }

    fn roll(&self, p: f64) -> bool {
        p > 0.0
            && self.enabled.load(Ordering::SeqCst)
            && self.rng.lock().unwrap().random::<f64>() < p
    }
}

#[async_trait]
impl JobQueue for FaultyQueue {
    async fn send_batch(&self, messages: Vec<OutgoingMessage>) -> Result<(), QueueError> {
        if self.roll(self.rates.send_before) {
            self.counts
                .sends_failed_before
                .fetch_add(1, Ordering::SeqCst);
            return Err(QueueError::Unavailable("injected: send failed".into()));
        }
        if messages.len() > 1 && self.roll(self.rates.partial_batch) {
            self.counts.partial_batches.fetch_add(1, Ordering::SeqCst);
            let cut = self.rng.lock().unwrap().random_range(1..messages.len());
            self.producer.send_batch(messages[..cut].to_vec()).await?;
            return Err(QueueError::Unavailable(
                "injected: part of the batch failed".into(),
            ));
        }
        let after = self.roll(self.rates.send_after);
        self.producer.send_batch(messages).await?;
        if after {
            self.counts
                .sends_failed_after
                .fetch_add(1, Ordering::SeqCst);
            return Err(QueueError::Unavailable(
                "injected: sent, answer lost".into(),
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl QueueConsumer for FaultyQueue {
    async fn receive(
        &self,
        max: usize,
        visibility_secs: u32,
        wait_ms: u64,
    ) -> Result<Vec<Delivery>, QueueError> {
        if self.roll(self.rates.receive_fail) {
            self.counts.receives_failed.fetch_add(1, Ordering::SeqCst);
            return Err(QueueError::Unavailable("injected: receive failed".into()));
        }
        let deliveries = self.consumer.receive(max, visibility_secs, wait_ms).await?;
        for d in &deliveries {
            if self.roll(self.rates.duplicate) {
                self.counts.duplicates.fetch_add(1, Ordering::SeqCst);
                self.producer
                    .send_batch(vec![OutgoingMessage::now(d.body.clone())])
                    .await?;
            }
            if self.roll(self.rates.visibility_lapse) {
                self.counts.visibility_lapses.fetch_add(1, Ordering::SeqCst);
                self.consumer.retry_after(&d.receipt, 0).await?;
            }
        }
        Ok(deliveries)
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        if self.roll(self.rates.ack_lost) {
            self.counts.acks_lost.fetch_add(1, Ordering::SeqCst);
            // Not deleted: its visibility runs out (a second here) and it comes again.
            let _ = self.consumer.retry_after(receipt, 1).await;
            return Err(QueueError::Unavailable("injected: ack lost".into()));
        }
        self.consumer.ack(receipt).await
    }

    async fn retry_after(&self, receipt: &str, delay_secs: u32) -> Result<(), QueueError> {
        self.consumer.retry_after(receipt, delay_secs).await
    }

    async fn pending(&self) -> Result<u64, QueueError> {
        self.consumer.pending().await
    }
}
