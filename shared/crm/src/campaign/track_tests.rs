//! Result tracking's decisions: what WeCom's send results make of a recipient, when a task
//! counts as sent, when a consultant is reminded, and when a campaign closes or is cancelled.

use super::*;

const NOW: i64 = 1_767_225_600_000;
const MINUTE: i64 = 60_000;

#[test]
fn a_send_result_of_1_is_sent_at_wecoms_send_time_and_2_or_3_end_the_recipient() {
    assert_eq!(
        result_status(Some((1, Some(1_767_225_000))), NOW),
        Some((RecipientStatus::Sent, Some(1_767_225_000_000)))
    );
    assert_eq!(
        result_status(Some((1, None)), NOW),
        Some((RecipientStatus::Sent, Some(NOW))),
        "no send time: now"
    );
    assert_eq!(
        result_status(Some((2, None)), NOW),
        Some((RecipientStatus::NotFriend, None))
    );
    assert_eq!(
        result_status(Some((3, Some(1))), NOW),
        Some((RecipientStatus::OverQuota, None))
    );
    // Not sent yet, not listed, or a status WeCom does not document: still waiting.
    assert_eq!(result_status(Some((0, None)), NOW), None);
    assert_eq!(result_status(None, NOW), None);
    assert_eq!(result_status(Some((4, None)), NOW), None);
}

fn awaiting(id: &str) -> Recipient {
    Recipient {
        campaign_id: "c1".into(),
        external_userid: id.into(),
        status: RecipientStatus::AwaitingStaff,
        ledger_at_ms: Some(NOW - 60 * MINUTE),
        ..Recipient::default()
    }
}

#[test]
fn a_sent_recipient_keeps_its_quota_reservation_and_the_others_release_it() {
    let mut sent = awaiting("wm1");
    assert_eq!(
        apply_send_result(&mut sent, Some((1, Some(1_767_225_000))), NOW),
        Some(None)
    );
    assert_eq!(sent.status, RecipientStatus::Sent);
    assert_eq!(sent.sent_at_ms, Some(1_767_225_000_000));
    assert_eq!(sent.history.len(), 1);

    let mut gone = awaiting("wm2");
    assert_eq!(
        apply_send_result(&mut gone, Some((2, None)), NOW),
        Some(Some(LedgerEntry {
            external_userid: "wm2".into(),
            campaign_id: "c1".into(),
            at_ms: NOW - 60 * MINUTE,
        }))
    );
    assert_eq!(gone.status, RecipientStatus::NotFriend);
    assert_eq!(gone.sent_at_ms, None);

    let mut waiting = awaiting("wm3");
    assert_eq!(apply_send_result(&mut waiting, Some((0, None)), NOW), None);
    assert_eq!(waiting, awaiting("wm3"), "left as it is");
}

#[test]
fn when_tracking_ends_a_recipient_still_waiting_is_not_sent_and_gives_its_quota_back() {
    let mut waiting = awaiting("wm1");
    waiting.msgid = Some("msg-1".into());
    assert_eq!(
        expire_recipient(&mut waiting, NOW),
        Some(Some(LedgerEntry {
            external_userid: "wm1".into(),
            campaign_id: "c1".into(),
            at_ms: NOW - 60 * MINUTE,
        }))
    );
    assert_eq!(waiting.status, RecipientStatus::Failed);
    assert!(waiting.status.is_final());
    assert_eq!(waiting.reason.as_deref(), Some(NOT_SENT_BY_STAFF));
    assert_eq!(
        waiting.msgid.as_deref(),
        Some("msg-1"),
        "its task was created"
    );
    assert_eq!(
        waiting.history.last(),
        Some(&crate::campaign::model::StatusChange {
            status: RecipientStatus::Failed,
            at_ms: NOW
        })
    );

    // Still queued (its task was recorded, its status not yet): the same.
    let mut queued = Recipient {
        status: RecipientStatus::Queued,
        ledger_at_ms: None,
        ..awaiting("wm2")
    };
    assert_eq!(
        expire_recipient(&mut queued, NOW),
        Some(None),
        "nothing reserved"
    );
    assert_eq!(queued.status, RecipientStatus::Failed);

    // Final ones are left as they are: a sent recipient keeps its reservation.
    for status in [
        RecipientStatus::Sent,
        RecipientStatus::NotFriend,
        RecipientStatus::OverQuota,
        RecipientStatus::Failed,
        RecipientStatus::Cancelled,
        RecipientStatus::Skipped,
    ] {
        let mut done = Recipient {
            status,
            ..awaiting("wm3")
        };
        let before = done.clone();
        assert_eq!(expire_recipient(&mut done, NOW), None, "{status:?}");
        assert_eq!(done, before);
    }
}

#[test]
fn a_task_counts_as_sent_only_when_its_sender_task_status_is_2() {
    let task = |userid: &str, status: i64| GroupMsgTask {
        userid: userid.into(),
        status,
        ..GroupMsgTask::default()
    };
    let page = [task("lisi", 2), task("zhangsan", 0)];
    assert_eq!(sender_sent(&page, "zhangsan"), Some(false));
    assert_eq!(sender_sent(&page, "lisi"), Some(true));
    assert_eq!(sender_sent(&page, "wangwu"), None, "look on the next page");
}

#[test]
fn an_unsent_task_counts_every_recipient_wecom_took_as_waiting() {
    let chunk = |recipients: u32, failed: usize| Chunk {
        recipients,
        fail_list: (0..failed).map(|i| format!("wm{i}")).collect(),
        ..Chunk::default()
    };
    assert_eq!(waiting_before_send(&chunk(10, 3)), 7);
    assert_eq!(waiting_before_send(&chunk(10, 0)), 10);
    assert_eq!(
        waiting_before_send(&chunk(2, 2)),
        1,
        "never zero: still open"
    );
}

fn created_chunk(created_at_ms: i64, reminders: Vec<i64>) -> Chunk {
    Chunk {
        msgid: Some("msg-1".into()),
        created_at_ms: Some(created_at_ms),
        reminders,
        ..Chunk::default()
    }
}

#[test]
fn a_reminder_is_due_remind_after_both_creation_and_the_last_reminder() {
    let after = 120 * MINUTE;
    assert!(!reminder_due(
        &created_chunk(NOW - 119 * MINUTE, vec![]),
        NOW,
        after
    ));
    assert!(reminder_due(
        &created_chunk(NOW - 120 * MINUTE, vec![]),
        NOW,
        after
    ));
    assert!(!reminder_due(
        &created_chunk(NOW - 600 * MINUTE, vec![NOW - 60 * MINUTE]),
        NOW,
        after
    ));
    assert!(reminder_due(
        &created_chunk(NOW - 600 * MINUTE, vec![NOW - 130 * MINUTE]),
        NOW,
        after
    ));
    // No creation time recorded: it counts from now, so not yet.
    let unknown = Chunk {
        created_at_ms: None,
        ..created_chunk(0, vec![])
    };
    assert!(!reminder_due(&unknown, NOW, after));
}

#[test]
fn at_most_three_reminders_per_task_in_any_24_hours() {
    let after = 60 * MINUTE;
    let day = 24 * 60 * MINUTE;
    let three_today = vec![
        NOW - 20 * 60 * MINUTE,
        NOW - 10 * 60 * MINUTE,
        NOW - 2 * 60 * MINUTE,
    ];
    assert_eq!(reminders_in_last_day(&three_today, NOW), 3);
    assert!(!reminder_due(
        &created_chunk(NOW - 2 * day, three_today),
        NOW,
        after
    ));
    // The oldest is exactly 24 hours old: it no longer counts.
    let one_expired = vec![NOW - day, NOW - 10 * 60 * MINUTE, NOW - 2 * 60 * MINUTE];
    assert_eq!(reminders_in_last_day(&one_expired, NOW), 2);
    assert!(reminder_due(
        &created_chunk(NOW - 2 * day, one_expired),
        NOW,
        after
    ));
}

#[test]
fn a_campaign_closes_when_no_task_is_open_or_tracking_days_after_its_last_task() {
    let day = 24 * 60 * MINUTE;
    // (unsent work, open, last created) → close (expired)?
    assert_eq!(close_reason(false, false, NOW - day, NOW, 3), Some(false));
    assert_eq!(close_reason(false, true, NOW - day, NOW, 3), None);
    assert_eq!(close_reason(false, true, NOW - 3 * day, NOW, 3), None);
    assert_eq!(
        close_reason(false, true, NOW - 3 * day - 1, NOW, 3),
        Some(true)
    );
    // A task still to be created keeps it open however old the others are.
    assert_eq!(close_reason(true, true, NOW - 30 * day, NOW, 3), None);
    // No task was ever created: only "nothing open" closes it.
    assert_eq!(close_reason(false, true, 0, NOW, 3), None);
}

#[test]
fn closing_and_cancelling_leave_a_finished_campaign_alone() {
    let campaign = |status| Campaign {
        status,
        ..Campaign::default()
    };
    let mut tracking = campaign(CampaignStatus::Tracking);
    assert!(close(&mut tracking, NOW));
    assert_eq!(tracking.status, CampaignStatus::Done);
    assert_eq!(tracking.finished_at_ms, Some(NOW));
    for status in [
        CampaignStatus::Done,
        CampaignStatus::Cancelled,
        CampaignStatus::Failed,
    ] {
        let mut c = campaign(status);
        assert!(!close(&mut c, NOW));
        assert_eq!(c.status, status);
        assert_eq!(c.finished_at_ms, None);
    }

    let mut sending = campaign(CampaignStatus::Sending);
    assert!(mark_cancelled(&mut sending, CampaignStatus::Sending, NOW));
    assert_eq!(sending.status, CampaignStatus::Cancelled);
    assert_eq!(sending.finished_at_ms, Some(NOW));
    let mut again = campaign(CampaignStatus::Cancelled);
    assert!(!mark_cancelled(&mut again, CampaignStatus::Cancelled, NOW));
    assert_eq!(again.finished_at_ms, None);
}

#[test]
fn a_cancel_is_written_only_on_the_status_it_was_decided_on() {
    let campaign = |status| Campaign {
        status,
        ..Campaign::default()
    };
    for status in [
        CampaignStatus::Scheduled,
        CampaignStatus::Deferred,
        CampaignStatus::Resolving,
        CampaignStatus::Sending,
        CampaignStatus::Tracking,
    ] {
        let mut c = campaign(status);
        assert!(mark_cancelled(&mut c, status, NOW), "{status:?}");
        assert_eq!(c.status, CampaignStatus::Cancelled);
        assert_eq!((c.finished_at_ms, c.updated_at_ms), (Some(NOW), NOW));
    }
    // Tracking closed it as done after the cancel read it as tracking: it stays done.
    let mut done = campaign(CampaignStatus::Done);
    assert!(!mark_cancelled(&mut done, CampaignStatus::Tracking, NOW));
    assert_eq!(done, campaign(CampaignStatus::Done));
    // Any other change of status since the read: not written either (decided again).
    let mut moved = campaign(CampaignStatus::Tracking);
    assert!(!mark_cancelled(&mut moved, CampaignStatus::Sending, NOW));
    assert_eq!(moved.status, CampaignStatus::Tracking);
    let mut failed = campaign(CampaignStatus::Failed);
    assert!(!mark_cancelled(&mut failed, CampaignStatus::Resolving, NOW));
    assert_eq!(failed.status, CampaignStatus::Failed);
}

#[test]
fn a_cancel_is_repeated_only_for_a_cancelled_campaign_with_tasks_still_open() {
    assert!(may_cancel_again(CampaignStatus::Cancelled, true));
    assert!(!may_cancel_again(CampaignStatus::Cancelled, false));
    assert!(!may_cancel_again(CampaignStatus::Done, true));
    assert!(!may_cancel_again(CampaignStatus::Failed, true));
}
