//! The consultants' daily digest (08:00 Asia/Shanghai; in AWS a second schedule of the
//! automation function): to each consultant, their group-send tasks not sent yet and
//! tomorrow's appointments, as one app message (`crm::alerts`).

use std::sync::Arc;

use crm::CrmError;
use crm::alerts::{Alerts, DigestSummary, until_next_digest};
use crm::campaign::Campaigns;
use tracing::{info, warn};

/// The `job` of the digest schedule's payload (the automation function runs the rules
/// otherwise).
pub const DIGEST_JOB: &str = "consultant-digest";

/// Whether a schedule's payload asks for the digest (the automation function's other schedule
/// runs the rules).
pub fn is_digest(payload: &serde_json::Value) -> bool {
    payload.get("job").and_then(serde_json::Value::as_str) == Some(DIGEST_JOB)
}

/// The alerts over the campaign engine's store, WeCom client and clock.
pub fn alerts(campaigns: &Campaigns, console_base: &str) -> Alerts {
    Alerts::new(
        campaigns.store.clone(),
        campaigns.wecom.clone(),
        campaigns.clock.clone(),
        console_base,
    )
}

pub async fn handle(alerts: &Alerts) -> Result<DigestSummary, CrmError> {
    let summary = alerts.daily_digest().await?;
    info!(
        consultants = summary.consultants,
        sent = summary.sent,
        errors = summary.errors,
        "consultant digest ran"
    );
    Ok(summary)
}

/// Local mode: sends the digest every day at 08:00 Shanghai until `stop` fires.
pub async fn run_daily(
    alerts: Arc<Alerts>,
    clock: Arc<dyn ports::Clock>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let wait = until_next_digest(clock.now_ms());
        tokio::select! {
            () = tokio::time::sleep(std::time::Duration::from_millis(u64::try_from(wait).unwrap_or(0))) => {}
            _ = stop.changed() => return,
        }
        if let Err(e) = handle(&alerts).await {
            warn!(error = %e.summary(), "consultant digest failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_schedule_names_its_job_in_template_yaml() {
        let template = include_str!("../../../template.yaml");
        let inputs: Vec<serde_json::Value> = template
            .lines()
            .filter_map(|l| l.trim().strip_prefix("Input: '")?.strip_suffix('\''))
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect();
        assert!(inputs.iter().any(is_digest), "{inputs:?}");
        assert!(
            inputs
                .iter()
                .any(|i| i["job"] == "automation-daily" && !is_digest(i))
        );
        assert!(!is_digest(&serde_json::json!({})));
    }
}
