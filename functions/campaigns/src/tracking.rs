//! The result-tracking function (a schedule, every 15 minutes): send results of open
//! campaigns, reminders to consultants, closing finished campaigns; the customer handovers
//! waiting on WeCom (`crm::handover`); and the appointment notices that are due (预约确认
//! left over, 预约提醒 the day before: `crm::appointments`).

use std::sync::Arc;
use std::time::Duration;

use crm::CrmError;
use crm::campaign::Campaigns;
use crm::campaign::track::TrackSummary;
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

/// Local mode: a tracking round every `every` until `stop` fires.
pub async fn run_schedule(
    campaigns: Arc<Campaigns>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = handle(&campaigns).await {
            warn!(error = %e.summary(), "tracking round failed");
        }
    }
}
