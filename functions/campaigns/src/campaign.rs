//! The campaign function. Triggers: a campaign's EventBridge Scheduler one-time schedule (its
//! payload is the job itself) and the campaign queue (runs due now, continuations of long
//! resolutions).

use aws_lambda_events::event::sqs::SqsEvent;
use crm::CrmError;
use crm::campaign::Campaigns;
use serde_json::{Value, json};

pub async fn handle_event(campaigns: &Campaigns, event: Value) -> Result<Value, CrmError> {
    if event.get("Records").is_some() {
        let batch: SqsEvent =
            serde_json::from_value(event).map_err(|e| CrmError::unreadable("SQS event", e))?;
        let response =
            crate::queue::handle_sqs(
                batch,
                |body| async move { campaigns.handle_job(&body).await },
            )
            .await;
        return serde_json::to_value(response).map_err(|e| CrmError::Inconsistent(e.to_string()));
    }
    campaigns.handle_job(&event.to_string()).await?;
    Ok(json!({ "ok": true }))
}
