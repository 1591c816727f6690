//! The result-tracking function (a schedule, every 15 minutes): send results of open
//! campaigns, reminders to consultants, closing finished campaigns; the customer handovers
//! waiting on WeCom (`crm::handover`); and the appointment notices that are due (预约确认
//! left over, 预约提醒 the day before: `crm::appointments`); and WeCom events that were logged
//! but never queued ([`requeue_unqueued_events`]).

use std::sync::Arc;
use std::time::Duration;

use crm::CrmError;
use crm::campaign::Campaigns;
use crm::campaign::track::TrackSummary;
use crm::ingest::{Ingestor, RequeueSummary};
use tracing::{info, warn};

pub async fn handle(campaigns: &Campaigns) -> Result<TrackSummary, CrmError> {
    // The appointment notices do not wait on the tracking (nor fail it): each keeps its own
    // state and the next round retries.
    if let Err(e) = crm::appointments::AppointmentNotices::new(campaigns.clone())
        .run_due()
        .await
    {
        warn!(error = %e.summary(), "appointment notices round failed");
    }
    // Customer handovers (客户继承) waiting on WeCom: their results, like the campaigns'.
    match crm::handover::Handovers::new(campaigns)
        .check_running()
        .await
    {
        Ok(check) if check.jobs > 0 => info!(
            jobs = check.jobs,
            updated = check.updated,
            finished = check.finished,
            errors = check.errors,
            "handover check"
        ),
        Ok(_) => {}
        Err(e) => warn!(error = %e.summary(), "handover check failed"),
    }
    let summary = campaigns.track_open().await?;
    info!(
        campaigns = summary.campaigns,
        updated = summary.recipients_updated,
        reminders = summary.reminders,
        closed = summary.closed,
        "tracking round"
    );
    Ok(summary)
}

/// An event logged this long ago and still never queued is taken as given up by WeCom.
pub const UNQUEUED_GRACE_MS: i64 = 5 * 60_000;
/// How far back each round looks (rounds are 15 minutes apart: each event is looked at a few
/// times).
pub const UNQUEUED_WINDOW_MS: i64 = 2 * 3_600_000;

/// Queues the job of every recent event that was logged but never queued (WeCom gave up on
/// its delivery after the log write went through: `crm::ingest`). Its failure is logged, never
/// the round's.
pub async fn requeue_unqueued_events(ingestor: &Ingestor) -> RequeueSummary {
    match ingestor
        .requeue_unqueued(UNQUEUED_GRACE_MS, UNQUEUED_WINDOW_MS)
        .await
    {
        Ok(summary) => summary,
        Err(e) => {
            warn!(error = %e.summary(), "sweep of events never queued failed");
            RequeueSummary::default()
        }
    }
}

/// Local mode: a tracking round (and the sweep of events never queued) every `every` until
/// `stop` fires.
pub async fn run_schedule(
    campaigns: Arc<Campaigns>,
    ingestor: Arc<Ingestor>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        requeue_unqueued_events(&ingestor).await;
        if let Err(e) = handle(&campaigns).await {
            warn!(error = %e.summary(), "tracking round failed");
        }
    }
}
