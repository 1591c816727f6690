//! [`SyncRunner`]: runs carried from step to step through the job queue.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tracing::warn;

use super::config::StepBudget;
use super::engine::{StartOutcome, StepOutcome, SyncEngine};
use crate::CrmError;
use crate::jobs::QueueJob;

/// The queue message that carries a run from one step to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeSync {
    pub run_id: String,
}

impl QueueJob for ResumeSync {
    const WHAT: &'static str = "sync job";
}

/// Drives runs through the queue: a trigger starts a run and queues its first step; each step
/// works until its budget is spent and queues the next one (after WeCom's 45009 window when
/// rate-limited). The hourly schedule, `POST /api/sync` and a Lambda about to time out all
/// go through here, so a run survives any process ending.
pub struct SyncRunner {
    engine: Arc<SyncEngine>,
    queue: Arc<dyn ports::JobQueue>,
    budget: StepBudget,
}

impl SyncRunner {
    pub fn new(
        engine: Arc<SyncEngine>,
        queue: Arc<dyn ports::JobQueue>,
        budget: StepBudget,
    ) -> Self {
        Self {
            engine,
            queue,
            budget,
        }
    }

    pub fn engine(&self) -> &SyncEngine {
        &self.engine
    }

    /// Starts a run (or reports the one already running) and queues its first step. When that
    /// step cannot be queued the run is recorded as not started and its lease released (the error is
    /// returned): the next trigger starts again rather than finding a run that never moves.
    pub async fn trigger(&self) -> Result<StartOutcome, CrmError> {
        let outcome = self.engine.start().await?;
        if let StartOutcome::Started { run_id } = &outcome
            && let Err(e) = self.enqueue(run_id, Duration::ZERO).await
        {
            if let Err(failed) = self
                .engine
                .not_started(run_id, "its first step could not be queued")
                .await
            {
                warn!(run_id = %run_id, error = %failed, "sync run left to its lease");
            }
            return Err(e);
        }
        Ok(outcome)
    }

    /// Runs one queued step; queues the next one when the run is not finished.
    pub async fn step(&self, body: &str) -> Result<StepOutcome, CrmError> {
        let job = ResumeSync::from_body(body)?;
        let outcome = self.engine.run_step(&job.run_id, self.budget).await?;
        if let StepOutcome::Continue { retry_after } = &outcome {
            self.enqueue(&job.run_id, retry_after.unwrap_or_default())
                .await?;
        }
        Ok(outcome)
    }

    async fn enqueue(&self, run_id: &str, delay: Duration) -> Result<(), CrmError> {
        let body = ResumeSync {
            run_id: run_id.to_owned(),
        }
        .to_body();
        let delay_secs = u32::try_from(delay.as_secs())
            .unwrap_or(u32::MAX)
            .min(ports::queue::MAX_DELAY_SECS);
        self.queue
            .send_batch(vec![ports::OutgoingMessage { body, delay_secs }])
            .await?;
        Ok(())
    }
}
