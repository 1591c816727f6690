//! The tracking function's sample event (`events/tracking`: its schedule) through its handler,
//! on the embedded adapters and the WeCom simulator, handed over the way `src/bin/tracking.rs`
//! does: send results, and reminders to consultants who have not sent.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use crm::campaign::{CampaignStatus, RecipientStatus};
use wecom_sim::GroupMsgConfirmRequest;

use common::{chunk_event, chunk_keys, failures, fixture, fixture_on, now_ms, sample, sends_chunk};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracking_sample_moves_confirmed_recipients_to_sent() {
    let f = fixture().await;
    let mut audience = f.customers("zhangsan", 2, true).await;
    audience.extend(f.customers("lisi", 1, true).await);
    let id = "01a221038300d5e6f708192a3b4c";
    let sends = f.ran(id, "双十二特惠，到院有礼", audience).await;
    for chunk in chunk_keys(&sends) {
        let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
        assert!(failures(&response).is_empty(), "{response:?}");
    }
    let schedule = sample("tracking/schedule");
    assert_eq!(schedule["detail-type"], "Scheduled Event");

    // Nobody has confirmed: everyone still waits for their consultant.
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.campaigns, summary.recipients_updated), (1, 0));
    assert_eq!(
        summary.reminders, 0,
        "reminders come after remind_after_minutes"
    );

    let confirmed = f
        .sim
        .sim
        .confirm_group_msgs(&GroupMsgConfirmRequest {
            userid: "zhangsan".into(),
            msgid: None,
        })
        .unwrap();
    assert_eq!(confirmed.sent, 2);
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.recipients_updated, summary.closed), (2, 0));
    let statuses: Vec<(String, RecipientStatus)> = f
        .statuses(id)
        .await
        .into_iter()
        .map(|(u, s, _)| (u, s))
        .collect();
    assert_eq!(
        statuses,
        [
            ("lisi".to_owned(), RecipientStatus::AwaitingStaff),
            ("zhangsan".to_owned(), RecipientStatus::Sent),
            ("zhangsan".to_owned(), RecipientStatus::Sent),
        ]
    );
    for r in f.campaigns.repo().all_recipients(id).await.unwrap() {
        assert_eq!(r.sent_at_ms.is_some(), r.status == RecipientStatus::Sent);
    }
    assert_eq!(f.status(id).await, CampaignStatus::Tracking);

    f.sim
        .sim
        .confirm_group_msgs(&GroupMsgConfirmRequest {
            userid: "lisi".into(),
            msgid: None,
        })
        .unwrap();
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.recipients_updated, summary.closed), (1, 1));
    assert_eq!(f.status(id).await, CampaignStatus::Done);
    let funnel = f.campaigns.funnel(id).await.unwrap().unwrap();
    assert_eq!(
        (
            funnel.total.targeted,
            funnel.total.task_created,
            funnel.total.sent
        ),
        (3, 3, 3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracking_sample_reminds_consultants_who_have_not_sent_at_most_three_times_a_day() {
    let clock = Arc::new(ports::FixedClock::at_ms(now_ms()));
    let f = fixture_on(Duration::from_secs(5), clock.clone()).await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a2210383007a1b2c3d4e5f6a7b";
    let sends = f.ran(id, "双十二特惠，到院有礼", audience).await;
    let chunk = sends_chunk(&sends);
    let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let reminders = || f.sim.sim.state().group_msgs[0].reminders.len();
    let waiting_notes = || {
        f.sim
            .sim
            .app_messages()
            .iter()
            .filter(|m| {
                m.touser.iter().any(|u| u == "zhangsan")
                    && m.content.as_deref().is_some_and(|c| c.contains("待发送"))
            })
            .count()
    };
    let later = |minutes: i64| {
        clock.advance_ms(minutes * 60_000);
        f.sim
            .sim
            .advance_clock(Duration::from_secs(minutes as u64 * 60));
    };

    // Within remind_after (120 minutes by default): nothing.
    later(60);
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.reminders, summary.staff_notified), (0, 0));
    // After it: WeCom's reminder, and an app message telling the consultant what waits.
    later(61);
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.reminders, summary.staff_notified), (1, 1));
    assert_eq!((reminders(), waiting_notes()), (1, 1));
    // Not again before another remind_after.
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!(summary.reminders, 0);
    // Two more in the day, then WeCom's cap (3 per 24 h) holds.
    for _ in 0..3 {
        later(121);
        campaigns::tracking::handle(&f.campaigns).await.unwrap();
    }
    assert_eq!((reminders(), waiting_notes()), (3, 3));
    // A day after the first (sent at minute 121; it is now minute 484), one more.
    later(121 + 24 * 60 - 484 + 1);
    campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!(reminders(), 4);
    let chunk = f.campaigns.repo().chunks(id).await.unwrap().remove(0);
    assert_eq!(chunk.reminders.len(), 4);
}
