//! [`SwitchableQueue`]: a job queue in front of another that a test can switch off, to play a
//! queue that refuses sends (SQS unreachable, throttled) at a chosen moment.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use ports::{JobQueue, OutgoingMessage, QueueError};

pub struct SwitchableQueue {
    inner: Arc<dyn JobQueue>,
    down: AtomicBool,
}

impl SwitchableQueue {
    /// Passes every send to `inner` until switched off.
    pub fn new(inner: Arc<dyn JobQueue>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            down: AtomicBool::new(false),
        })
    }

    /// Off: every send is refused as `Unavailable`, and nothing reaches the queue behind.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

#[async_trait]
impl JobQueue for SwitchableQueue {
    async fn send_batch(&self, messages: Vec<OutgoingMessage>) -> Result<(), QueueError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(QueueError::Unavailable("switched off".into()));
        }
        self.inner.send_batch(messages).await
    }
}
