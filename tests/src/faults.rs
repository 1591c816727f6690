//! [`FaultyStore`]: an item store that fails writes at random, to play a process dying between
//! two writes — before a write (nothing of it stored) or after it (stored, but the caller saw
//! an error and its job runs again).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use ports::{Condition, Item, ItemStore, Page, Query, StoreError, WriteOp};
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

pub struct FaultyStore {
    inner: Arc<dyn ItemStore>,
    rng: Mutex<StdRng>,
    rates: FaultRates,
    /// Faults happen only while this is on.
    pub enabled: Arc<AtomicBool>,
    /// Writes failed so far (before, after).
    pub failed_before: AtomicU64,
    pub failed_after: AtomicU64,
}

enum Fault {
    None,
    Before,
    After,
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn ItemStore>, seed: u64, rates: FaultRates) -> Self {
        Self {
            inner,
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            rates,
            enabled: Arc::new(AtomicBool::new(false)),
            failed_before: AtomicU64::new(0),
            failed_after: AtomicU64::new(0),
        }
    }

    fn draw(&self) -> Fault {
        if !self.enabled.load(Ordering::SeqCst) {
            return Fault::None;
        }
        let x: f64 = self.rng.lock().unwrap().random();
        if x < self.rates.before {
            self.failed_before.fetch_add(1, Ordering::SeqCst);
            Fault::Before
        } else if x < self.rates.before + self.rates.after {
            self.failed_after.fetch_add(1, Ordering::SeqCst);
            Fault::After
        } else {
            Fault::None
        }
    }

    async fn write<F>(&self, op: F) -> Result<(), StoreError>
    where
        F: std::future::Future<Output = Result<(), StoreError>>,
    {
        match self.draw() {
            Fault::Before => Err(StoreError::Unavailable("injected: before the write".into())),
            Fault::After => {
                op.await?;
                Err(StoreError::Unavailable("injected: after the write".into()))
            }
            Fault::None => op.await,
        }
    }
}

#[async_trait]
impl ItemStore for FaultyStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.write(self.inner.put(item, condition)).await
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.write(self.inner.delete(pk, sk, condition)).await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.write(self.inner.transact(ops)).await
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.write(self.inner.batch_put(items)).await
    }
}
