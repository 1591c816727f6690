//! The sender's decisions: what each add_msg_template answer means for the chunk and its
//! recipients, when a lost attempt is reconciled, and how the campaign moves on.

use std::collections::BTreeSet;
use std::time::Duration;

use super::*;

fn api(code: i64) -> WeComError {
    WeComError::Api {
        api: "externalcontact/add_msg_template",
        errcode: code,
        errmsg: format!("errmsg {code}"),
    }
}

#[test]
fn an_ambiguous_add_msg_template_answer_is_reconciled_before_any_resend() {
    let lost = WeComError::Ambiguous {
        api: "externalcontact/add_msg_template",
        detail: "timeout".into(),
    };
    assert!(lost.is_retryable(), "the job is retried…");
    assert_eq!(
        CreateFailure::of(&lost),
        CreateFailure::Ambiguous,
        "…as a reconcile"
    );
}

#[test]
fn an_expired_media_id_40007_is_uploaded_again_and_the_chunk_retried() {
    assert_eq!(
        CreateFailure::of(&api(errcode::INVALID_MEDIA_ID)),
        CreateFailure::MediaExpired
    );
}

#[test]
fn a_busy_rate_limited_or_unreachable_wecom_puts_the_chunk_back_to_pending() {
    let transient = [
        WeComError::RateLimited {
            api: "externalcontact/add_msg_template",
            errmsg: "api freq out of limit".into(),
        },
        WeComError::Busy {
            api: "externalcontact/add_msg_template",
            errcode: errcode::CONCURRENCY_LIMIT,
            errmsg: "busy".into(),
        },
        WeComError::Transport {
            api: "gettoken",
            detail: "connection refused".into(),
        },
        WeComError::TokenStore("down".into()),
    ];
    for e in &transient {
        assert_eq!(CreateFailure::of(e), CreateFailure::RetryLater, "{e}");
    }
}

#[test]
fn a_refusal_the_operator_fixes_40001_60020_48002_leaves_the_chunk_to_be_retried() {
    let refusals = [
        WeComError::InvalidSecret {
            errmsg: "invalid credential".into(),
        },
        api(errcode::INVALID_SECRET),
        api(errcode::UNTRUSTED_IP),
        WeComError::Api {
            api: "gettoken",
            errcode: errcode::UNTRUSTED_IP,
            errmsg: "not allow to access from your ip".into(),
        },
        api(errcode::NO_API_PERMISSION),
    ];
    for e in &refusals {
        assert_eq!(CreateFailure::of(e), CreateFailure::Configuration, "{e}");
        // Not retryable: the message takes the long backoff, then the dead letters.
        assert!(!crate::CrmError::WeCom(e.clone()).is_retryable(), "{e}");
    }
    assert_eq!(
        [40001, 60020, 48002],
        [
            errcode::INVALID_SECRET,
            errcode::UNTRUSTED_IP,
            errcode::NO_API_PERMISSION
        ]
    );
}

#[test]
fn any_other_refusal_fails_the_chunk_for_good_with_the_errcode_as_reason() {
    for (e, reason) in [
        (
            api(errcode::NO_SENDABLE_CUSTOMERS),
            "wecom_errcode_41048".to_owned(),
        ),
        (
            api(errcode::INVALID_PARAMETER),
            "wecom_errcode_40058".into(),
        ),
        (
            WeComError::invalid(
                "externalcontact/add_msg_template",
                "attachments",
                "more than 9 attachments",
            ),
            "wecom_request_refused".into(),
        ),
    ] {
        assert_eq!(CreateFailure::of(&e), CreateFailure::Permanent, "{e}");
        assert_eq!(failure_reason(&e), reason);
    }
    // The chunk keeps errcode and errmsg only.
    let kept = crate::CrmError::WeCom(api(errcode::NO_SENDABLE_CUSTOMERS));
    assert_eq!(kept.summary(), "wecom errcode 41048: errmsg 41048");
}

fn recipient(id: &str, status: RecipientStatus, ledger_at_ms: Option<i64>) -> Recipient {
    Recipient {
        campaign_id: "c1".into(),
        external_userid: id.into(),
        userid: "zhangsan".into(),
        status,
        ledger_at_ms,
        ..Recipient::default()
    }
}

#[test]
fn a_created_task_awaits_the_consultant_except_for_the_customers_wecom_could_not_take() {
    let fail_list = vec!["wm2".to_owned()];
    let mut waiting = recipient("wm1", RecipientStatus::Queued, Some(100));
    assert_eq!(
        recipient_on_created(&mut waiting, "msg-1", &fail_list, 500),
        None
    );
    assert_eq!(waiting.status, RecipientStatus::AwaitingStaff);
    assert_eq!(waiting.msgid.as_deref(), Some("msg-1"));
    assert_eq!(waiting.updated_at_ms, 500);

    let mut refused = recipient("wm2", RecipientStatus::Queued, Some(100));
    assert_eq!(
        recipient_on_created(&mut refused, "msg-1", &fail_list, 500),
        Some(LedgerEntry {
            external_userid: "wm2".into(),
            campaign_id: "c1".into(),
            at_ms: 100,
        }),
        "its quota reservation is released"
    );
    assert_eq!(refused.status, RecipientStatus::Failed);
    assert_eq!(refused.reason.as_deref(), Some("wecom_fail_list"));
    assert_eq!(refused.msgid, None);

    let mut no_ledger = recipient("wm2", RecipientStatus::Queued, None);
    assert_eq!(
        recipient_on_created(&mut no_ledger, "msg-1", &fail_list, 500),
        None
    );
    assert_eq!(no_ledger.status, RecipientStatus::Failed);

    let mut cancelled = recipient("wm2", RecipientStatus::Cancelled, Some(100));
    assert_eq!(
        recipient_on_created(&mut cancelled, "msg-1", &fail_list, 500),
        None
    );
    assert_eq!(cancelled.status, RecipientStatus::Cancelled);
    assert!(cancelled.history.is_empty());
}

#[test]
fn a_creating_chunk_waits_for_its_lost_outcome_until_reconcile_after() {
    let after = Duration::from_secs(60);
    let started = 1_000_000;
    assert!(outcome_still_unknown(
        Some(started),
        started + 59_999,
        after
    ));
    assert!(!outcome_still_unknown(
        Some(started),
        started + 60_000,
        after
    ));
    // No recorded start: nothing to wait for.
    assert!(!outcome_still_unknown(None, started, after));
}

#[test]
fn quiet_hours_defer_only_a_chunk_not_yet_attempted() {
    let now = 1_000;
    assert!(defer_for_quiet_hours(ChunkStatus::Pending, now + 1, now));
    assert!(!defer_for_quiet_hours(ChunkStatus::Pending, now, now));
    assert!(!defer_for_quiet_hours(ChunkStatus::Creating, now + 1, now));
}

#[test]
fn a_lost_task_is_adopted_only_with_the_same_sender_text_and_recipients() {
    let chunk = Chunk {
        key: "CHUNK#zhangsan#00000".into(),
        sender: "zhangsan".into(),
        sent_text: "Spring offer".into(),
        ..Chunk::default()
    };
    let task = |msgid: &str, creator: &str, text: Option<&str>| GroupMsgSummary {
        msgid: msgid.into(),
        creator: creator.into(),
        text: text.map(|t| Text { content: t.into() }),
        ..GroupMsgSummary::default()
    };
    let claimed = vec!["msg-other-chunk".to_owned()];
    assert!(may_be_lost_task(
        &task("msg-1", "zhangsan", Some("Spring offer")),
        &chunk,
        &claimed,
        &[]
    ));
    assert!(!may_be_lost_task(
        &task("msg-1", "lisi", Some("Spring offer")),
        &chunk,
        &claimed,
        &[]
    ));
    assert!(!may_be_lost_task(
        &task("msg-1", "zhangsan", Some("Autumn offer")),
        &chunk,
        &claimed,
        &[]
    ));
    assert!(!may_be_lost_task(
        &task("msg-other-chunk", "zhangsan", Some("Spring offer")),
        &chunk,
        &claimed,
        &[]
    ));

    let ours: BTreeSet<String> = ["wm1".to_owned(), "wm2".to_owned()].into();
    let sent_to = |ids: &[&str]| -> Vec<GroupMsgSendResult> {
        ids.iter()
            .map(|id| GroupMsgSendResult {
                external_userid: Some((*id).into()),
                userid: "zhangsan".into(),
                ..GroupMsgSendResult::default()
            })
            .collect()
    };
    assert!(same_recipient_set(&sent_to(&["wm1", "wm2"]), &ours));
    assert!(
        same_recipient_set(&sent_to(&["wm2", "wm1"]), &ours),
        "any order"
    );
    assert!(
        !same_recipient_set(&sent_to(&["wm1"]), &ours),
        "a task to some of them is someone else's"
    );
    assert!(
        !same_recipient_set(&sent_to(&["wm1", "wm2", "wm9"]), &ours),
        "a task to others too is someone else's"
    );
    assert!(!same_recipient_set(&sent_to(&["wm1", "wm1"]), &ours));
    assert!(
        !same_recipient_set(&[], &ours),
        "an empty list proves nothing"
    );
    assert!(!same_recipient_set(&[], &BTreeSet::new()));
    let group_chat = GroupMsgSendResult {
        chat_id: Some("wrC".into()),
        userid: "zhangsan".into(),
        ..GroupMsgSendResult::default()
    };
    let mut with_chat = sent_to(&["wm1", "wm2"]);
    with_chat.push(group_chat.clone());
    assert!(!same_recipient_set(&with_chat, &ours));
    assert!(!is_ours(&group_chat, &ours));
}

fn link(url: &str) -> Attachment {
    Attachment::new(AttachmentBody::Link(LinkAttachment {
        title: "Spring offer".into(),
        picurl: None,
        desc: None,
        url: url.into(),
    }))
}

fn image(media_id: &str) -> Attachment {
    Attachment::new(AttachmentBody::Image(ImageAttachment {
        media_id: Some(media_id.into()),
        pic_url: None,
    }))
}

#[test]
fn an_attachments_only_lost_task_is_adopted_only_with_the_same_attachments() {
    let chunk = Chunk {
        key: "CHUNK#zhangsan#00000".into(),
        sender: "zhangsan".into(),
        sent_text: String::new(),
        ..Chunk::default()
    };
    let ours = vec![
        link("https://t.example/t/0123456789abcdef0123"),
        image("m-1"),
    ];
    // As get_groupmsg_list_v2 returns them; WeCom may add fields (a pic_url) of its own.
    let listed = |a: &[serde_json::Value]| GroupMsgSummary {
        msgid: "msg-2".into(),
        creator: "zhangsan".into(),
        text: None,
        attachments: a.to_vec(),
        ..GroupMsgSummary::default()
    };
    let our_link = serde_json::json!({"msgtype": "link", "link": {
        "title": "Spring offer", "url": "https://t.example/t/0123456789abcdef0123"}});
    let our_image = serde_json::json!({"msgtype": "image", "image": {
        "media_id": "m-1", "pic_url": "https://wework.qpic.cn/x"}});
    assert!(may_be_lost_task(
        &listed(&[our_link.clone(), our_image.clone()]),
        &chunk,
        &[],
        &ours
    ));
    let other_link = serde_json::json!({"msgtype": "link", "link": {
        "title": "Spring offer", "url": "https://t.example/t/ffffffffffffffffffff"}});
    let other_image = serde_json::json!({"msgtype": "image", "image": {"media_id": "m-9"}});
    for other in [
        vec![other_link, our_image.clone()],
        vec![our_link.clone(), other_image],
        vec![our_image.clone(), our_link.clone()],
        vec![our_link.clone()],
        vec![our_link.clone(), our_image.clone(), our_image.clone()],
        Vec::new(),
    ] {
        assert!(
            !may_be_lost_task(&listed(&other), &chunk, &[], &ours),
            "{other:?}"
        );
    }
    // A task with text is not an attachments-only one.
    let with_text = GroupMsgSummary {
        text: Some(Text {
            content: "Spring offer".into(),
        }),
        ..listed(&[our_link.clone(), our_image.clone()])
    };
    assert!(!may_be_lost_task(&with_text, &chunk, &[], &ours));
    // With text, the text tells tasks apart (attachments are not compared).
    let texted = Chunk {
        sent_text: "Spring offer".into(),
        ..chunk.clone()
    };
    assert!(may_be_lost_task(&with_text, &texted, &[], &[]));

    assert!(has_fields_of(
        &serde_json::json!({"a": {"b": 1, "c": 2}, "d": 3}),
        &serde_json::json!({"a": {"b": 1}})
    ));
    assert!(!has_fields_of(
        &serde_json::json!({"a": {"b": 1}}),
        &serde_json::json!({"a": {"b": 1, "c": 2}})
    ));
    assert!(!has_fields_of(
        &serde_json::json!({"a": [1, 2]}),
        &serde_json::json!({"a": [1]})
    ));
}

#[test]
fn the_campaign_tracks_open_tasks_or_is_done_once_its_last_task_is_created() {
    let sending = || Campaign {
        status: CampaignStatus::Sending,
        ..Campaign::default()
    };
    let mut open = sending();
    assert!(after_last_task(&mut open, true, 7));
    assert_eq!(open.status, CampaignStatus::Tracking);
    assert_eq!((open.finished_at_ms, open.updated_at_ms), (None, 7));

    let mut all_failed = sending();
    assert!(after_last_task(&mut all_failed, false, 7));
    assert_eq!(all_failed.status, CampaignStatus::Done);
    assert_eq!(all_failed.finished_at_ms, Some(7));

    let mut cancelled = Campaign {
        status: CampaignStatus::Cancelled,
        ..Campaign::default()
    };
    assert!(!after_last_task(&mut cancelled, true, 7));
    assert_eq!(cancelled.status, CampaignStatus::Cancelled);
}
