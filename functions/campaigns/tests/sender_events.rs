//! The sender function's sample events (`events/sender`: one chunk's SQS message, and a poison
//! one) through its handler, on the embedded adapters and the WeCom simulator, handed over the
//! way `src/bin/sender.rs` does.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use crm::campaign::{CampaignStatus, RecipientStatus, schedule_name};
use crm::repo::ConfigRepo;
use ports::scheduler::Scheduler;
use serde_json::Value;
use wecom_sim::FaultRule;

use common::{
    ADD_MSG_TEMPLATE, SAMPLE_CAMPAIGN, chunk_event, chunk_keys, drain, failures, fixture,
    fixture_with, message_id, now_ms, sample, sends_chunk,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_sample_creates_one_task_and_a_redelivery_creates_none() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2, true).await;
    let sends = f
        .ran(SAMPLE_CAMPAIGN, "双十二特惠，到院有礼", audience.clone())
        .await;
    // What the run queued is the sample's body.
    let sample_body: Value = serde_json::from_str(
        sample("sender/sqs-chunk")["Records"][0]["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let queued: Vec<Value> = sends
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    assert_eq!(queued, [sample_body]);

    let event: SqsEvent = serde_json::from_value(sample("sender/sqs-chunk")).unwrap();
    let response = campaigns::sender::handle_batch(&f.campaigns, event.clone()).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].creator, "zhangsan");
    assert_eq!(tasks[0].text.as_deref(), Some("双十二特惠，到院有礼"));
    let mut recipients: Vec<String> = tasks[0]
        .recipients
        .iter()
        .map(|r| r.external_userid.clone())
        .collect();
    recipients.sort();
    let mut expected = audience;
    expected.sort();
    assert_eq!(recipients, expected);
    assert_eq!(f.add_msg_template_calls(), 1);
    for r in f
        .campaigns
        .repo()
        .all_recipients(SAMPLE_CAMPAIGN)
        .await
        .unwrap()
    {
        assert_eq!(r.status, RecipientStatus::AwaitingStaff);
        assert_eq!(r.msgid.as_deref(), Some(tasks[0].msgid.as_str()));
    }
    assert_eq!(f.status(SAMPLE_CAMPAIGN).await, CampaignStatus::Tracking);

    // SQS delivers at least once: the same message again creates nothing.
    let response = campaigns::sender::handle_batch(&f.campaigns, event).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(f.sim.sim.group_msgs().len(), 1);
    assert_eq!(f.add_msg_template_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_add_msg_template_answer_is_reconciled_not_sent_twice() {
    let f = fixture_with(Duration::from_millis(300)).await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a221038300c4d5e6f708192a3b";
    f.ran(id, "双十二特惠，到院有礼", audience).await;
    // WeCom creates the task but its answer comes after the client gave up.
    f.sim
        .sim
        .inject_fault(FaultRule::delay(ADD_MSG_TEMPLATE, 3000))
        .unwrap();
    let event = chunk_event(id, "CHUNK#zhangsan#00000");
    let response = campaigns::sender::handle_batch(&f.campaigns, event.clone()).await;
    assert_eq!(
        failures(&response),
        [message_id(&sample("sender/sqs-chunk"))]
    );
    let (chunk, _) = f
        .campaigns
        .repo()
        .chunk(id, "CHUNK#zhangsan#00000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(chunk.status, crm::campaign::ChunkStatus::Creating);

    // Redelivered while the outcome is still unknown: no second call.
    let response = campaigns::sender::handle_batch(&f.campaigns, event.clone()).await;
    assert_eq!(failures(&response).len(), 1);
    assert_eq!(f.add_msg_template_calls(), 1);

    // Once WeCom shows the task, the next delivery adopts it.
    for _ in 0..200 {
        if !f.sim.sim.group_msgs().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 1);
    let response = campaigns::sender::handle_batch(&f.campaigns, event).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(f.add_msg_template_calls(), 1);
    assert_eq!(f.sim.sim.group_msgs().len(), 1);
    for r in f.campaigns.repo().all_recipients(id).await.unwrap() {
        assert_eq!(r.status, RecipientStatus::AwaitingStaff);
        assert_eq!(r.msgid.as_deref(), Some(tasks[0].msgid.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poison_sample_is_a_batch_item_failure() {
    let f = fixture().await;
    let poison = sample("sender/sqs-poison");
    let event: SqsEvent = serde_json::from_value(poison.clone()).unwrap();
    let response = campaigns::sender::handle_batch(&f.campaigns, event).await;
    assert_eq!(
        failures(&response),
        [message_id(&poison)],
        "reported, so SQS moves it to the dead-letter queue after maxReceiveCount"
    );
    assert_eq!(f.sim.sim.call_counts().total, 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_reaching_the_sender_in_quiet_hours_waits_for_their_end() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a2210383009f8e7d6c5b4a3928";
    let sends = f.ran(id, "周末护理special", audience).await;
    let chunk = sends_chunk(&sends);
    // Quiet hours start between the run and the send: from an hour ago to two hours ahead.
    let hhmm = |ms: i64| crm::calendar::local(ms).format("%H:%M").to_string();
    let now = now_ms();
    let configs = ConfigRepo::new(f.store.clone());
    let mut config = configs.load().await.unwrap().unwrap();
    config.send_rules.quiet_start = hhmm(now - 3_600_000);
    config.send_rules.quiet_end = hhmm(now + 2 * 3_600_000);
    configs.save(&config).await.unwrap();

    let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
    assert!(
        failures(&response).is_empty(),
        "deferred, not failed: {response:?}"
    );
    assert_eq!(f.add_msg_template_calls(), 0, "nothing sent in quiet hours");
    let schedule = f.scheduler.get(&schedule_name(id)).await.unwrap().unwrap();
    assert_eq!(hhmm(schedule.at_ms), hhmm(now + 2 * 3_600_000));
    assert!(
        f.statuses(id)
            .await
            .iter()
            .all(|(_, s, _)| *s == RecipientStatus::Queued)
    );

    // When they end, the schedule runs the campaign again: the chunk is queued and sent.
    config.send_rules.quiet_start = "00:00".into();
    config.send_rules.quiet_end = "00:00".into();
    configs.save(&config).await.unwrap();
    f.campaigns.handle_job(&schedule.payload).await.unwrap();
    let again = drain(&f.send_queue).await;
    assert_eq!(chunk_keys(&again), vec![chunk.clone()]);
    let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(f.add_msg_template_calls(), 1);
    assert!(
        f.statuses(id)
            .await
            .iter()
            .all(|(_, s, _)| *s == RecipientStatus::AwaitingStaff)
    );
}
