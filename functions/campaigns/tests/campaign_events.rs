//! The campaign function's sample events (`events/campaign`: the EventBridge Scheduler input
//! and its queue's SQS message) through its handler, on the embedded adapters and the WeCom
//! simulator, handed over the way `src/bin/campaign.rs` does.
#![allow(clippy::unwrap_used)]

mod common;

use crm::campaign::{CampaignStatus, RecipientStatus, schedule_name};
use ports::scheduler::Scheduler;
use serde_json::{Value, json};

use common::{SAMPLE_CAMPAIGN, chunk_keys, drain, fixture, message_id, now_ms, sample, sqs_sample};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_sample_is_a_campaigns_schedule_input_and_runs_it() {
    let mut f = fixture().await;
    f.campaigns.settings.chunk_size = 2;
    let mut audience = f.customers("zhangsan", 3, true).await;
    audience.extend(f.customers("lisi", 2, true).await);
    audience.extend(f.customers("lisi", 1, false).await);

    // A campaign for later gets a one-time schedule whose input is the sample.
    let later = f
        .campaign(
            SAMPLE_CAMPAIGN,
            "双十二特惠",
            audience.clone(),
            now_ms() + 3_600_000,
        )
        .await;
    let schedule = f
        .scheduler
        .get(&schedule_name(&later.id))
        .await
        .unwrap()
        .unwrap();
    let input: Value = serde_json::from_str(&schedule.payload).unwrap();
    assert_eq!(input, sample("campaign/scheduler-run"));
    // Fired early (a schedule may fire twice, or a stray trigger), it runs nothing.
    let answer = campaigns::campaign::handle_event(&f.campaigns, input)
        .await
        .unwrap();
    assert_eq!(answer, json!({"ok": true}));
    assert_eq!(f.status(&later.id).await, CampaignStatus::Scheduled);
    assert!(f.statuses(&later.id).await.is_empty());

    // A campaign that is due: its schedule's payload resolves the audience and fans out.
    let due_id = "01a22103830091d2e3f4a5b6c7d8";
    f.campaign(due_id, "双十二特惠", audience, now_ms()).await;
    assert_eq!(drain(&f.campaign_queue).await.len(), 1, "due now: queued");
    let mut event = sample("campaign/scheduler-run");
    event["campaign_id"] = json!(due_id);
    let answer = campaigns::campaign::handle_event(&f.campaigns, event.clone())
        .await
        .unwrap();
    assert_eq!(answer, json!({"ok": true}));

    let recipients = f.statuses(due_id).await;
    let queued = |u: &str| (u.to_owned(), RecipientStatus::Queued, None);
    assert_eq!(
        recipients,
        [
            (
                String::new(),
                RecipientStatus::Skipped,
                Some("no_consent".to_owned())
            ),
            queued("lisi"),
            queued("lisi"),
            queued("zhangsan"),
            queued("zhangsan"),
            queued("zhangsan"),
        ]
    );
    let campaign = f.campaigns.repo().get(due_id).await.unwrap().unwrap();
    assert_eq!(campaign.status, CampaignStatus::Sending);
    assert_eq!(
        (campaign.progress.targeted, campaign.progress.queued),
        (6, 5)
    );
    // One send message per chunk: ≤ chunk_size recipients, one sender each.
    let sends = drain(&f.send_queue).await;
    assert_eq!(
        chunk_keys(&sends),
        [
            "CHUNK#lisi#00000",
            "CHUNK#zhangsan#00000",
            "CHUNK#zhangsan#00001"
        ]
    );
    let mut sizes: Vec<(String, u32)> = f
        .campaigns
        .repo()
        .chunks(due_id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.key, c.recipients))
        .collect();
    sizes.sort();
    assert_eq!(
        sizes,
        [
            ("CHUNK#lisi#00000".to_owned(), 2),
            ("CHUNK#zhangsan#00000".to_owned(), 2),
            ("CHUNK#zhangsan#00001".to_owned(), 1)
        ]
    );

    // The same schedule firing again records nobody twice; it re-queues the chunks whose task
    // does not exist yet (the sender creates each task once).
    campaigns::campaign::handle_event(&f.campaigns, event)
        .await
        .unwrap();
    assert_eq!(f.statuses(due_id).await, recipients);
    assert_eq!(
        f.campaigns.repo().get(due_id).await.unwrap().unwrap().runs,
        2
    );
    assert_eq!(chunk_keys(&drain(&f.send_queue).await), chunk_keys(&sends));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_campaign_queue_sample_reports_only_an_unknown_campaign() {
    let f = fixture().await;
    let unknown = sample("campaign/sqs-run");
    let answer = campaigns::campaign::handle_event(&f.campaigns, unknown.clone())
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": message_id(&unknown)}]}),
        "SQS delivers it again, then dead-letters it"
    );

    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a2210383009a8b7c6d5e4f3a2b";
    f.campaign(id, "双十二特惠", audience, now_ms()).await;
    let queued: Vec<Value> = drain(&f.campaign_queue)
        .await
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let event = sqs_sample("campaign/sqs-run", |job| job["campaign_id"] = json!(id));
    let body: Value = serde_json::from_str(event["Records"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(queued, [body], "the sample's body is what create() queues");
    let answer = campaigns::campaign::handle_event(&f.campaigns, event)
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    assert_eq!(f.status(id).await, CampaignStatus::Sending);
    assert_eq!(
        chunk_keys(&drain(&f.send_queue).await),
        ["CHUNK#zhangsan#00000"]
    );
}
