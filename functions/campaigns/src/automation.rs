//! The automation function (EventBridge cron, 01:00 Asia/Shanghai): runs every enabled rule
//! for the day.

use std::sync::Arc;

use crm::CrmError;
use crm::automation::{AutomationRun, Automations};
use crm::calendar;
use tracing::{info, warn};

pub async fn handle(automations: &Automations) -> Result<Vec<AutomationRun>, CrmError> {
    let runs = automations.run_all().await?;
    info!(rules = runs.len(), "automation rules ran");
    Ok(runs)
}

/// Milliseconds from `now_ms` to the next 01:00 in Shanghai.
pub fn until_next_run(now_ms: i64) -> i64 {
    let today = calendar::date(now_ms);
    let at = |d: chrono::NaiveDate| calendar::start_of_day(d) + 3_600_000;
    let next = at(today);
    if next > now_ms {
        next - now_ms
    } else {
        at(today.succ_opt().unwrap_or(today)) - now_ms
    }
}

/// Local mode: runs the rules every day at 01:00 Shanghai until `stop` fires.
pub async fn run_daily(
    automations: Arc<Automations>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let wait = until_next_run(automations.campaigns.clock.now_ms());
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_millis(u64::try_from(wait).unwrap_or(0))) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = handle(&automations).await {
            warn!(error = %e.summary(), "automation run failed");
        }
    }
}
