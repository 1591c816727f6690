//! The tracking function when a campaign's tracking ends (`tracking_days` after its last task
//! was created) while consultants have not sent: the campaign is done, nobody is left waiting
//! for the consultant, and the quota they reserved is given back.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use crm::campaign::track::NOT_SENT_BY_STAFF;
use crm::campaign::{CampaignStatus, RecipientStatus};
use wecom_sim::GroupMsgConfirmRequest;

use common::{chunk_event, chunk_keys, failures, fixture_on, now_ms};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipients_still_awaiting_staff_when_tracking_ends_are_not_sent_and_give_their_quota_back()
{
    let clock = Arc::new(ports::FixedClock::at_ms(now_ms()));
    let f = fixture_on(Duration::from_secs(5), clock.clone()).await;
    let mut audience = f.customers("zhangsan", 2, true).await;
    let sent_one = f.customers("lisi", 1, true).await;
    audience.extend(sent_one.clone());
    let id = "01a221038300e1f2a3b4c5d6e7f8";
    let sends = f.ran(id, "双十二特惠，到院有礼", audience.clone()).await;
    for chunk in chunk_keys(&sends) {
        let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
        assert!(failures(&response).is_empty(), "{response:?}");
    }
    // lisi sends; zhangsan never does.
    f.sim
        .sim
        .confirm_group_msgs(&GroupMsgConfirmRequest {
            userid: "lisi".into(),
            msgid: None,
        })
        .unwrap();
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.recipients_updated, summary.closed), (1, 0));
    let reserved = |ext: String| {
        let repo = f.campaigns.repo();
        async move {
            repo.ledger(&ext, 0)
                .await
                .unwrap()
                .iter()
                .filter(|e| e.campaign_id == id)
                .count()
        }
    };
    for ext in &audience {
        assert_eq!(reserved(ext.clone()).await, 1);
    }

    // Tracking ends (3 days by default) with zhangsan's task still unsent.
    let later = Duration::from_secs(3 * 86_400 + 60);
    clock.advance_ms(i64::try_from(later.as_millis()).unwrap());
    f.sim.sim.advance_clock(later);
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!(summary.closed, 1);
    assert_eq!(f.status(id).await, CampaignStatus::Done);

    let recipients = f.campaigns.repo().all_recipients(id).await.unwrap();
    for r in &recipients {
        if r.userid == "zhangsan" {
            assert_eq!(r.status, RecipientStatus::Failed, "{r:?}");
            assert_eq!(r.reason.as_deref(), Some(NOT_SENT_BY_STAFF));
            assert!(r.msgid.is_some(), "their task was created");
            assert_eq!(
                reserved(r.external_userid.clone()).await,
                0,
                "quota released"
            );
        } else {
            assert_eq!(r.status, RecipientStatus::Sent, "{r:?}");
            assert_eq!(reserved(r.external_userid.clone()).await, 1, "sent: kept");
        }
    }
    // No task is left open.
    assert!(!f.campaigns.repo().has_open_chunk(id).await.unwrap());
    let funnel = f.campaigns.funnel(id).await.unwrap().unwrap();
    assert_eq!(
        (
            funnel.total.task_created,
            funnel.total.sent,
            funnel.total.awaiting_staff,
            funnel.total.failed
        ),
        (3, 1, 0, 2)
    );
    assert_eq!(funnel.failed_by_reason.get(NOT_SENT_BY_STAFF), Some(&2));

    // Nothing to do in the next rounds.
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.campaigns, summary.closed), (0, 0));
}
