//! The sender when WeCom refuses because of the corp's configuration (40001 invalid secret,
//! 60020 IP not on the app's trusted list, 48002 API not permitted for the app): nothing is
//! failed for good. The chunk goes back to pending, its recipients stay queued with their quota
//! reservations, the message fails (not retryable: the long backoff) until its receives run
//! out and it lands among the dead letters; once the operator fixed the configuration and
//! replays it, the task is created.
#![allow(clippy::unwrap_used)]

mod common;

use crm::campaign::{CampaignStatus, ChunkStatus, RecipientStatus};
use ports::{DeadLetters, JobQueue, OutgoingMessage, QueueConsumer};
use wecom_api::errcode;
use wecom_sim::FaultRule;

use common::{ADD_MSG_TEMPLATE, Fixture, fixture, sends_chunk};

/// Every quota reservation of the campaign, by customer.
async fn reservations(f: &Fixture, campaign_id: &str, audience: &[String]) -> usize {
    let mut n = 0;
    for id in audience {
        n += f
            .campaigns
            .repo()
            .ledger(id, 0)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.campaign_id == campaign_id)
            .count();
    }
    n
}

/// Delivers the send queue's messages to the sender until none is visible, as SQS would
/// (a failed one is visible again at once: the test does not wait out the backoff). Returns
/// the errors the sender answered.
async fn deliver_until_empty(f: &Fixture) -> Vec<crm::CrmError> {
    let mut errors = Vec::new();
    for _ in 0..100 {
        let delivered = f.send_queue.receive(1, 60, 0).await.unwrap();
        let Some(message) = delivered.into_iter().next() else {
            return errors;
        };
        match f.campaigns.handle_send(&message.body).await {
            Ok(()) => f.send_queue.ack(&message.receipt).await.unwrap(),
            Err(e) => {
                errors.push(e);
                f.send_queue.retry_after(&message.receipt, 0).await.unwrap();
            }
        }
    }
    panic!("the send queue never emptied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_refusal_keeps_the_chunk_queued_until_the_operator_replays_it() {
    for (n, code) in [
        errcode::INVALID_SECRET,
        errcode::UNTRUSTED_IP,
        errcode::NO_API_PERMISSION,
    ]
    .into_iter()
    .enumerate()
    {
        let f = fixture().await;
        let audience = f.customers("zhangsan", 2, true).await;
        let id = format!("01a2210383{n:02}0c0f1e2d3c4b5a6978");
        let sends = f.ran(&id, "双十二特惠，到院有礼", audience.clone()).await;
        let chunk = sends_chunk(&sends);
        assert_eq!(reservations(&f, &id, &audience).await, 2);
        // The run's message, as SQS holds it.
        f.send_queue
            .send_batch(vec![OutgoingMessage::now(sends[0].clone())])
            .await
            .unwrap();
        // WeCom refuses every attempt until the operator fixes the configuration.
        f.sim
            .sim
            .inject_fault(FaultRule {
                times: 1000,
                ..FaultRule::errcode(ADD_MSG_TEMPLATE, code)
            })
            .unwrap();

        let errors = deliver_until_empty(&f).await;
        let max_receives = f.send_queue.max_receives() as usize;
        assert_eq!(errors.len(), max_receives, "{code}: every receive failed");
        for e in &errors {
            assert!(
                !e.is_retryable(),
                "{code}: the long backoff, not the short retry: {e}"
            );
            assert_eq!(e.retry_after(), None);
        }
        assert_eq!(f.add_msg_template_calls(), max_receives as u64);
        let (stored, _) = f
            .campaigns
            .repo()
            .chunk(&id, &chunk)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, ChunkStatus::Pending, "{code}");
        assert_eq!(stored.msgid, None);
        assert!(
            f.statuses(&id)
                .await
                .iter()
                .all(|(_, s, r)| *s == RecipientStatus::Queued && r.is_none()),
            "{code}: {:?}",
            f.statuses(&id).await
        );
        assert_eq!(
            reservations(&f, &id, &audience).await,
            2,
            "{code}: the quota stays reserved"
        );
        assert_eq!(f.status(&id).await, CampaignStatus::Sending);

        // Its receives ran out: it waits among the dead letters for the operator.
        let dead = f.send_queue.list(10).await.unwrap();
        assert_eq!(dead.len(), 1, "{code}");
        f.sim.sim.clear_faults();
        assert!(f.send_queue.replay(&dead[0].id).await.unwrap());
        let errors = deliver_until_empty(&f).await;
        assert!(errors.is_empty(), "{code}: {errors:?}");
        let tasks = f.sim.sim.group_msgs();
        assert_eq!(tasks.len(), 1, "{code}");
        assert!(
            f.statuses(&id)
                .await
                .iter()
                .all(|(_, s, _)| *s == RecipientStatus::AwaitingStaff),
            "{code}"
        );
        assert_eq!(reservations(&f, &id, &audience).await, 2);
        assert_eq!(f.status(&id).await, CampaignStatus::Tracking);
    }
}
