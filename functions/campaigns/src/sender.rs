//! The sender function: the send queue, one group-send task per message (partial batch
//! failures; the queue's dead-letter queue keeps what never succeeds).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use crm::campaign::Campaigns;

pub async fn handle_batch(campaigns: &Campaigns, event: SqsEvent) -> SqsBatchResponse {
    crate::queue::handle_sqs(
        event,
        |body| async move { campaigns.handle_send(&body).await },
    )
    .await
}
