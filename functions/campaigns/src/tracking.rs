//! The result-tracking function (a schedule, every 15 minutes): send results of open
//! campaigns, reminders to consultants, closing finished campaigns.

use std::sync::Arc;
use std::time::Duration;

use crm::CrmError;
use crm::campaign::Campaigns;
use crm::campaign::track::TrackSummary;
use tracing::{info, warn};

pub async fn handle(campaigns: &Campaigns) -> Result<TrackSummary, CrmError> {
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
