//! The sync function's handler. Two triggers: the hourly EventBridge schedule (and the admin
//! API's `POST /api/sync`) start a run; the sync queue carries it from step to step, so a run
//! longer than one Lambda invocation continues where it stopped.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_wiring::sqs_batch::{Handled, partial_batch};
use crm::CrmError;
use crm::retention::RetentionSweep;
use crm::sync::{StartOutcome, SyncRunner};
use ports::QueueConsumer;
use ports::queue::Settle;
use serde_json::{Value, json};
use tracing::{info, warn};

/// Handles whatever invoked the function: an SQS batch of resume messages, or the schedule.
pub async fn handle_event(runner: &SyncRunner, event: Value) -> Result<Value, CrmError> {
    handle_event_with(runner, None, event).await
}

/// [`handle_event`], and on the hourly schedule the retention sweep after starting the run
/// (ended customers past their retention erased; a failed sweep is logged and retried next
/// hour, the sync starts regardless).
pub async fn handle_event_with(
    runner: &SyncRunner,
    sweep: Option<&RetentionSweep>,
    event: Value,
) -> Result<Value, CrmError> {
    if event.get("Records").is_none()
        && let Some(sweep) = sweep
        && let Err(e) = sweep.run().await
    {
        warn!(error = %e.summary(), "retention sweep failed; the next hour retries");
    }
    if event.get("Records").is_some() {
        let batch: SqsEvent =
            serde_json::from_value(event).map_err(|e| CrmError::unreadable("SQS event", e))?;
        let response = handle_batch(runner, batch).await;
        return serde_json::to_value(response).map_err(|e| CrmError::Inconsistent(e.to_string()));
    }
    let started = runner.trigger().await?;
    Ok(describe(&started))
}

/// What a trigger did, as the schedule's (and the admin API's) answer.
pub fn describe(outcome: &StartOutcome) -> Value {
    match outcome {
        StartOutcome::Started { run_id } => json!({ "run_id": run_id, "started": true }),
        StartOutcome::AlreadyRunning { run_id } => json!({ "run_id": run_id, "started": false }),
    }
}

/// One step per resume message; a failed step is reported so that SQS delivers it again.
pub async fn handle_batch(runner: &SyncRunner, event: SqsEvent) -> SqsBatchResponse {
    partial_batch(event, |message| async move {
        match runner.step(&message.body).await {
            Ok(_) => Handled::Done,
            Err(e) => {
                warn!(error = %e.summary(), "sync step failed; SQS will deliver it again");
                Handled::Failed
            }
        }
    })
    .await
}

/// Local mode: runs queued steps until `stop` fires.
pub async fn run_worker(
    runner: Arc<SyncRunner>,
    queue: Arc<dyn QueueConsumer>,
    retry_after: Duration,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let retry_secs = u32::try_from(retry_after.as_secs().max(1)).unwrap_or(u32::MAX);
    ports::queue::consume(queue.as_ref(), 1, 900, stop, |delivery| {
        let runner = runner.clone();
        async move {
            match runner.step(&delivery.body).await {
                Ok(_) => Settle::Ack,
                Err(e) if e.is_retryable() => {
                    warn!(error = %e.summary(), "sync step will be retried");
                    Settle::RetryAfter(retry_secs)
                }
                // Left to the dead-letter queue after its receives run out.
                Err(e) => {
                    warn!(error = %e.summary(), "sync step failed");
                    Settle::Leave
                }
            }
        }
    })
    .await;
}

/// Local mode: the hourly trigger (`every`) with the retention sweep, until `stop` fires.
pub async fn run_schedule(
    runner: Arc<SyncRunner>,
    sweep: Option<RetentionSweep>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if let Some(sweep) = &sweep
            && let Err(e) = sweep.run().await
        {
            warn!(error = %e.summary(), "retention sweep failed; the next hour retries");
        }
        match runner.trigger().await {
            Ok(outcome) => info!(outcome = %describe(&outcome), "scheduled sync"),
            Err(e) => warn!(error = %e.summary(), "scheduled sync could not start"),
        }
    }
}

/// The hourly schedule's part for consultant performance: WeCom's behaviour data imported once
/// a Shanghai day (`BehaviorImport::run_if_due`; later hours that day do nothing). A failure
/// is logged; the next hour retries.
pub async fn import_behavior(import: &crm::performance::BehaviorImport) {
    match import.run_if_due().await {
        Ok(report) if report.skipped => {}
        Ok(report) => info!(
            consultants = report.consultants,
            days = report.days_written,
            failed = report.failed.len(),
            "behaviour data imported"
        ),
        Err(e) => warn!(error = %e.summary(), "behaviour import failed; the next hour retries"),
    }
}

/// [`handle_event_with`], and on the schedule the daily behaviour import after the run started.
pub async fn handle_event_full(
    runner: &SyncRunner,
    sweep: Option<&RetentionSweep>,
    behavior: Option<&crm::performance::BehaviorImport>,
    event: Value,
) -> Result<Value, CrmError> {
    let scheduled = event.get("Records").is_none();
    let answer = handle_event_with(runner, sweep, event).await?;
    if scheduled && let Some(import) = behavior {
        import_behavior(import).await;
    }
    Ok(answer)
}

/// Milliseconds until the next 02:00 Asia/Shanghai.
pub fn until_behavior_import(now_ms: i64) -> i64 {
    // Asia/Shanghai has no daylight saving: every day is 24 hours.
    let next = crm::calendar::day_start(now_ms) + 2 * 3_600_000;
    if next > now_ms {
        next - now_ms
    } else {
        next + crm::calendar::DAY_MS - now_ms
    }
}

/// Local mode: the behaviour import every day at 02:00 Shanghai (the first run backfills the
/// last `backfill_days`), until `stop` fires.
pub async fn run_behavior_daily(
    import: Arc<crm::performance::BehaviorImport>,
    clock: Arc<dyn ports::Clock>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let wait = until_behavior_import(clock.now_ms());
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))) => {}
            _ = stop.changed() => return,
        }
        import_behavior(&import).await;
    }
}

#[cfg(test)]
mod behavior_schedule_tests {
    use super::until_behavior_import;

    #[test]
    fn the_import_runs_at_two_in_the_morning_shanghai() {
        // 2026-12-07 01:00 Shanghai = 2026-12-06T17:00Z → one hour to wait.
        let one_am = 1_796_572_800_000 + 3_600_000;
        assert_eq!(until_behavior_import(one_am), 3_600_000);
        // 02:00 itself: the next day's.
        assert_eq!(until_behavior_import(one_am + 3_600_000), 86_400_000);
    }
}
