//! The processor's decisions: the queue action for each outcome, the welcome window and
//! WeCom's welcome answers, the channel of an add event, and which events change a
//! relationship. The last tests run whole jobs on an in-memory store and a fixed clock,
//! with a WeCom client that is never called.

use crate::jobs::QueueJob;
use std::collections::BTreeMap;

use ports::{FixedClock, StoreError};
use wecom_api::model::FollowUser;
use wecom_api::{WeComError, errcode};

use super::*;
use crate::config::{CHANNEL_TAG_GROUP, ChannelConfig};
use crate::refresh::merge_follow;
use crate::repo::StoreTokenStore;

fn settings() -> ProcessorSettings {
    ProcessorSettings {
        welcome_window_secs: 20,
        welcome_lease_ms: 10_000,
        rate_limit_backoff: Duration::from_secs(90),
        retry_base: Duration::from_secs(2),
        retry_max: Duration::from_secs(300),
        console_base: String::new(),
    }
}

fn api(code: i64) -> WeComError {
    WeComError::Api {
        api: "externalcontact/get",
        errcode: code,
        errmsg: format!("errmsg {code}"),
    }
}

fn rate_limited() -> WeComError {
    WeComError::RateLimited {
        api: "externalcontact/get",
        errmsg: "api freq out of limit".into(),
    }
}

#[test]
fn the_retry_backoff_doubles_from_the_base_with_each_delivery() {
    let s = settings();
    assert_eq!(s.backoff(0), Duration::from_secs(2));
    assert_eq!(s.backoff(1), Duration::from_secs(2));
    assert_eq!(s.backoff(2), Duration::from_secs(4));
    assert_eq!(s.backoff(3), Duration::from_secs(8));
    assert_eq!(s.backoff(8), Duration::from_secs(256));
}

#[test]
fn the_retry_backoff_is_capped_at_retry_max() {
    let s = settings();
    assert_eq!(s.backoff(9), Duration::from_secs(300));
    assert_eq!(s.backoff(40), Duration::from_secs(300));
    assert_eq!(s.backoff(u32::MAX), Duration::from_secs(300));
}

#[test]
fn a_45009_answer_backs_off_for_the_rate_limit_window() {
    let s = settings();
    for receive_count in [1, 4, 30] {
        assert_eq!(
            s.on_failure(&CrmError::WeCom(rate_limited()), receive_count),
            (
                CallbackStatus::Retrying,
                JobResult::RetryAfter(Duration::from_secs(90))
            )
        );
    }
}

#[test]
fn a_transient_failure_is_retried_after_the_exponential_backoff() {
    let s = settings();
    let transient = [
        CrmError::WeCom(WeComError::Busy {
            api: "externalcontact/get",
            errcode: errcode::SYSTEM_BUSY,
            errmsg: "system busy".into(),
        }),
        CrmError::WeCom(WeComError::Transport {
            api: "externalcontact/get",
            detail: "timeout".into(),
        }),
        CrmError::WeCom(WeComError::TokenStore("down".into())),
        CrmError::Store(StoreError::Unavailable("down".into())),
        CrmError::Contention("CUST#wm1".into()),
    ];
    for e in &transient {
        assert_eq!(
            s.on_failure(e, 3),
            (
                CallbackStatus::Retrying,
                JobResult::RetryAfter(Duration::from_secs(8))
            ),
            "{e}"
        );
    }
}

#[test]
fn a_permanent_failure_is_recorded_as_failed_and_the_message_deleted() {
    let s = settings();
    let permanent = [
        CrmError::WeCom(api(errcode::NO_API_PERMISSION)),
        CrmError::WeCom(api(errcode::UNTRUSTED_IP)),
        CrmError::WeCom(WeComError::InvalidSecret {
            errmsg: "invalid credential".into(),
        }),
        CrmError::unreadable("stored event", "does not parse"),
    ];
    for e in &permanent {
        assert_eq!(
            s.on_failure(e, 1),
            (CallbackStatus::Failed, JobResult::Done),
            "{e}"
        );
    }
}

#[test]
fn a_welcome_is_accepted_up_to_the_last_second_of_the_window() {
    let s = settings();
    let added = 1_700_000_000;
    assert!(s.welcome_window_open(added * 1000, added));
    assert!(s.welcome_window_open((added + 20) * 1000 + 999, added));
    assert!(!s.welcome_window_open((added + 21) * 1000, added));
    // A worker whose clock is behind WeCom's is still inside the window.
    assert!(s.welcome_window_open((added - 5) * 1000, added));
}

#[test]
fn a_welcome_is_settled_without_sending_when_unconfigured_or_late() {
    let s = settings();
    let added = 1_700_000_000;
    let template = WelcomeTemplate {
        text: "hello {name}".into(),
        attachments: Vec::new(),
    };
    assert_eq!(
        s.plan_welcome(Some(&template), (added + 3) * 1000, added),
        WelcomePlan::Send(&template)
    );
    assert_eq!(
        s.plan_welcome(None, (added + 3) * 1000, added),
        WelcomePlan::Settle(WelcomeStatus::NotConfigured)
    );
    assert_eq!(
        s.plan_welcome(Some(&template), (added + 25) * 1000, added),
        WelcomePlan::Settle(WelcomeStatus::WindowMissed)
    );
    // Nothing configured is reported as such even when it is also too late.
    assert_eq!(
        s.plan_welcome(None, (added + 25) * 1000, added),
        WelcomePlan::Settle(WelcomeStatus::NotConfigured)
    );
}

#[test]
fn welcome_answers_41051_and_41050_settle_the_welcome_without_a_retry() {
    let sent = WelcomeAnswer::of(Ok(()));
    assert_eq!(sent.status, WelcomeStatus::Sent);
    assert_eq!(sent.error, None);
    assert!(sent.retry.is_none());

    let already = WelcomeAnswer::of(Err(api(errcode::WELCOME_ALREADY_SENT)));
    assert_eq!(already.status, WelcomeStatus::AlreadySent);
    assert_eq!(already.error, None);
    assert!(already.retry.is_none());

    let expired = WelcomeAnswer::of(Err(api(errcode::WELCOME_CODE_INVALID)));
    assert_eq!(expired.status, WelcomeStatus::CodeExpired);
    assert_eq!(
        expired.error.as_deref(),
        Some("wecom errcode 41050: errmsg 41050")
    );
    assert!(expired.retry.is_none());
}

#[test]
fn a_welcome_being_sent_elsewhere_41096_retries_the_job_as_busy() {
    let answer = WelcomeAnswer::of(Err(api(errcode::WELCOME_BEING_SENT)));
    assert_eq!(answer.status, WelcomeStatus::Failed);
    let retry = answer.retry.expect("41096 retries the job");
    assert!(retry.is_retryable());
    assert_eq!(retry.retry_after(), None);
    assert!(matches!(
        retry,
        CrmError::WeCom(WeComError::Busy {
            errcode: errcode::WELCOME_BEING_SENT,
            ..
        })
    ));
    assert_eq!(
        settings().on_failure(&retry, 2).1,
        JobResult::RetryAfter(Duration::from_secs(4))
    );
}

#[test]
fn a_transient_welcome_failure_retries_the_job_and_a_permanent_one_does_not() {
    let limited = WelcomeAnswer::of(Err(rate_limited()));
    assert_eq!(limited.status, WelcomeStatus::Failed);
    assert_eq!(
        limited.error.as_deref(),
        Some("wecom errcode 45009: api freq out of limit")
    );
    let retry = limited.retry.expect("45009 retries the job");
    assert_eq!(
        settings().on_failure(&retry, 1),
        (
            CallbackStatus::Retrying,
            JobResult::RetryAfter(Duration::from_secs(90))
        )
    );

    let refused = WelcomeAnswer::of(Err(api(errcode::NO_API_PERMISSION)));
    assert_eq!(refused.status, WelcomeStatus::Failed);
    assert_eq!(
        refused.error.as_deref(),
        Some("wecom errcode 48002: errmsg 48002")
    );
    assert!(refused.retry.is_none(), "the event itself is not failed");
}

fn config_with_channels() -> CorpConfig {
    let welcome = |text: &str| WelcomeTemplate {
        text: text.into(),
        attachments: Vec::new(),
    };
    CorpConfig {
        channels: BTreeMap::from([
            (
                "xhs".to_owned(),
                ChannelConfig {
                    label: "XHS".into(),
                    tag_name: "source:xhs".into(),
                    tag_group: "channels".into(),
                    welcome: Some(welcome("from xhs")),
                },
            ),
            (
                "poster".to_owned(),
                ChannelConfig {
                    label: "Poster".into(),
                    tag_name: "source:poster".into(),
                    tag_group: "channels".into(),
                    welcome: None,
                },
            ),
        ]),
        default_welcome: Some(welcome("default")),
        ..CorpConfig::default()
    }
}

#[test]
fn a_known_channel_gets_its_tag_and_welcome_and_an_unknown_state_a_source_tag() {
    let config = config_with_channels();
    let known = AddPlan::new(&config, Some("xhs"), false);
    let tagged = known.channel_to_tag().expect("a channel tag");
    assert_eq!(
        (tagged.tag_group.as_str(), tagged.tag_name.as_str()),
        ("channels", "source:xhs")
    );
    assert_eq!(known.welcome.map(|w| w.text).as_deref(), Some("from xhs"));

    let without_welcome = AddPlan::new(&config, Some("poster"), false);
    assert_eq!(
        without_welcome.welcome.map(|w| w.text).as_deref(),
        Some("default")
    );

    let unknown = AddPlan::new(&config, Some("wechat-ad"), false);
    let tagged = unknown
        .channel_to_tag()
        .expect("unknown states are measured");
    assert_eq!(tagged.state, "wechat-ad");
    assert_eq!(tagged.tag_group, CHANNEL_TAG_GROUP);
    assert_eq!(tagged.tag_name, "来源:wechat-ad");
    assert_eq!(unknown.welcome.map(|w| w.text).as_deref(), Some("default"));
}

#[test]
fn no_channel_tag_is_applied_without_a_state_or_to_a_half_added_customer() {
    let config = config_with_channels();
    for state in [None, Some("")] {
        let plan = AddPlan::new(&config, state, false);
        assert_eq!(plan.state, "");
        assert!(plan.channel.is_none());
        assert!(plan.channel_to_tag().is_none());
        assert_eq!(plan.welcome.map(|w| w.text).as_deref(), Some("default"));
    }
    let half = AddPlan::new(&config, Some("xhs"), true);
    assert_eq!(half.channel.as_ref().map(|c| c.state.as_str()), Some("xhs"));
    assert!(half.channel_to_tag().is_none());
    assert_eq!(half.welcome.map(|w| w.text).as_deref(), Some("from xhs"));
}

fn event(change: ExternalContactChange) -> ExternalContactEvent {
    ExternalContactEvent {
        change,
        user_id: "zhangsan".into(),
        external_user_id: "wm1".into(),
        state: None,
        welcome_code: None,
        source: None,
        fail_reason: None,
    }
}

#[test]
fn an_end_event_older_than_the_last_applied_event_is_ignored() {
    let ev = event(ExternalContactChange::Delete);
    let current = Relationship {
        external_userid: "wm1".into(),
        userid: "zhangsan".into(),
        status: RelationshipStatus::Active,
        last_event_time: 2_000,
        ..Relationship::default()
    };
    let ended = end_relationship(
        Some(current.clone()),
        &ev,
        1_999,
        EndCause::StaffDeletedCustomer,
        None,
        5,
    );
    assert_eq!(ended, None);
    // An event of the same second is not stale.
    let ended = end_relationship(
        Some(current),
        &ev,
        2_000,
        EndCause::StaffDeletedCustomer,
        None,
        5,
    )
    .expect("ended");
    assert_eq!(ended.status, RelationshipStatus::Ended);
}

#[test]
fn an_end_event_ends_the_relationship_with_its_cause_time_and_source() {
    let ev = event(ExternalContactChange::Delete);
    let ended = end_relationship(
        None,
        &ev,
        3_000,
        EndCause::StaffDeletedCustomer,
        Some("DELETE_BY_TRANSFER"),
        3_000_500,
    )
    .expect("an unknown relationship is recorded as ended");
    assert_eq!(ended.external_userid, "wm1");
    assert_eq!(ended.userid, "zhangsan");
    assert_eq!(ended.status, RelationshipStatus::Ended);
    assert_eq!(ended.ended_at, Some(3_000));
    assert_eq!(ended.end_cause, Some(EndCause::StaffDeletedCustomer));
    assert_eq!(ended.end_source.as_deref(), Some("DELETE_BY_TRANSFER"));
    assert_eq!(ended.last_event_time, 3_000);
    assert_eq!(ended.updated_at_ms, 3_000_500);
    assert_eq!(end_kind(EndCause::StaffDeletedCustomer), "deleted_by_staff");
    assert_eq!(end_kind(EndCause::CustomerDeletedStaff), "deleted_staff");
}

fn follow(userid: &str) -> FollowUser {
    FollowUser {
        userid: userid.into(),
        remark: "VIP".into(),
        createtime: 1_000,
        ..FollowUser::default()
    }
}

fn ended_at(userid: &str, at: i64) -> Relationship {
    Relationship {
        external_userid: "wm1".into(),
        userid: userid.into(),
        status: RelationshipStatus::Ended,
        ended_at: Some(at),
        end_cause: Some(EndCause::CustomerDeletedStaff),
        last_event_time: at,
        ..Relationship::default()
    }
}

#[test]
fn an_ended_relationship_is_reopened_only_by_its_own_add_event_newer_than_the_end() {
    let reopened = merge_follow(
        Some(ended_at("zhangsan", 2_000)),
        "wm1",
        &follow("zhangsan"),
        true,
        Some(2_100),
        9,
    );
    assert_eq!(reopened.status, RelationshipStatus::Active);
    assert_eq!(
        (reopened.ended_at, reopened.end_cause),
        (None, None),
        "the end is cleared"
    );
    assert_eq!(reopened.last_event_time, 2_100);
    assert_eq!(reopened.remark, "VIP");

    let older_add = merge_follow(
        Some(ended_at("zhangsan", 2_000)),
        "wm1",
        &follow("zhangsan"),
        true,
        Some(1_900),
        9,
    );
    assert_eq!(older_add.status, RelationshipStatus::Ended);
    let edit = merge_follow(
        Some(ended_at("zhangsan", 2_000)),
        "wm1",
        &follow("zhangsan"),
        true,
        None,
        9,
    );
    assert_eq!(edit.status, RelationshipStatus::Ended);
    let other_member = merge_follow(
        Some(ended_at("lisi", 2_000)),
        "wm1",
        &follow("lisi"),
        false,
        Some(2_100),
        9,
    );
    assert_eq!(other_member.status, RelationshipStatus::Ended);
}

#[test]
fn a_pending_relationship_becomes_active_and_a_new_one_starts_at_the_add_time() {
    let pending = Relationship {
        status: RelationshipStatus::Pending,
        ..ended_at("zhangsan", 0)
    };
    let accepted = merge_follow(Some(pending), "wm1", &follow("zhangsan"), false, None, 9);
    assert_eq!(accepted.status, RelationshipStatus::Active);

    let new = merge_follow(None, "wm1", &follow("lisi"), true, Some(1_500), 9);
    assert_eq!(new.status, RelationshipStatus::Active);
    assert_eq!((new.userid.as_str(), new.createtime), ("lisi", 1_000));
    assert_eq!(new.last_event_time, 1_500);
    let listed = merge_follow(None, "wm1", &follow("lisi"), false, None, 9);
    assert_eq!(
        listed.last_event_time, 1_000,
        "WeCom's createtime without an add"
    );
}

// Whole jobs, on an in-memory store and a fixed clock. None of them reaches WeCom.

const ADDED: i64 = 1_700_000_000;

struct Fixture {
    processor: Processor,
    log: CallbackLog,
    store: Arc<dyn ItemStore>,
}

fn fixture(now_ms: i64) -> Fixture {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::at_ms(now_ms));
    let store = test_kit::Embedded::with_clock(clock.clone()).store;
    // These jobs must not need WeCom.
    let wecom = test_kit::wecom::offline_client(
        "ww1",
        Arc::new(StoreTokenStore::new(store.clone())),
        clock.clone(),
    );
    let log = CallbackLog::new(store.clone(), 30);
    let processor = Processor::new(
        store.clone(),
        log.clone(),
        config_with_channels(),
        Arc::new(wecom),
        clock,
        settings(),
    );
    Fixture {
        processor,
        log,
        store,
    }
}

async fn logged(log: &CallbackLog, key: &str, raw_xml: &str, status: CallbackStatus) {
    let entry = CallbackLogEntry {
        dedupe_key: key.into(),
        event_type: "change_external_contact/add_half_external_contact".into(),
        create_time: ADDED,
        raw_xml: raw_xml.into(),
        status,
        delivery_count: 1,
        received_at_ms: ADDED * 1000,
        last_delivery_at_ms: ADDED * 1000,
        ..CallbackLogEntry::default()
    };
    log.record_delivery(&entry, ADDED * 1000)
        .await
        .expect("logged");
}

fn job(key: &str) -> String {
    Job::Callback { key: key.into() }.to_body()
}

#[tokio::test]
async fn an_unreadable_job_body_is_left_to_the_dead_letter_queue() {
    let f = fixture(ADDED * 1000);
    assert_eq!(f.processor.handle("not json", 1).await, JobResult::Reject);
    assert_eq!(
        f.processor.handle(r#"{"kind":"unknown"}"#, 1).await,
        JobResult::Reject
    );
}

#[tokio::test]
async fn a_job_whose_event_expired_or_was_processed_is_done_without_work() {
    let f = fixture(ADDED * 1000);
    assert_eq!(f.processor.handle(&job("gone"), 1).await, JobResult::Done);
    logged(&f.log, "k1", "<xml>broken", CallbackStatus::Processed).await;
    assert_eq!(f.processor.handle(&job("k1"), 3).await, JobResult::Done);
    let entry = f.log.get("k1").await.expect("read").expect("entry");
    assert_eq!(entry.status, CallbackStatus::Processed);
    assert_eq!(entry.attempts, 0, "not attempted again");
}

#[tokio::test]
async fn a_stored_event_that_does_not_parse_is_kept_as_unrecognized() {
    let f = fixture(ADDED * 1000 + 500);
    logged(
        &f.log,
        "k2",
        "<xml><CreateTime>soon",
        CallbackStatus::Received,
    )
    .await;
    assert_eq!(f.processor.handle(&job("k2"), 1).await, JobResult::Done);
    let entry = f.log.get("k2").await.expect("read").expect("entry");
    assert_eq!(entry.status, CallbackStatus::Unrecognized);
    assert_eq!(entry.attempts, 1);
    assert_eq!(entry.outcome, None);
    assert_eq!(entry.error, None);
    assert_eq!(entry.unrecognized_reason.as_deref(), Some("malformed_xml"));
    assert_eq!(entry.raw_xml, "<xml><CreateTime>soon", "kept as it came");
    // A second job for it (nothing new to read) does no work.
    assert_eq!(f.processor.handle(&job("k2"), 1).await, JobResult::Done);
    let again = f.log.get("k2").await.expect("read").expect("entry");
    assert_eq!(again.attempts, 1);
}

#[tokio::test]
async fn a_half_add_after_the_window_misses_the_welcome_and_records_a_pending_relationship() {
    let now_ms = (ADDED + 30) * 1000;
    let f = fixture(now_ms);
    let xml = format!(
        "<xml><ToUserName>ww1</ToUserName><FromUserName>sys</FromUserName>\
         <CreateTime>{ADDED}</CreateTime><MsgType>event</MsgType>\
         <Event>change_external_contact</Event><ChangeType>add_half_external_contact</ChangeType>\
         <UserID>zhangsan</UserID><ExternalUserID>wm1</ExternalUserID><State>xhs</State>\
         <WelcomeCode>code-1</WelcomeCode></xml>"
    );
    logged(&f.log, "k3", &xml, CallbackStatus::Received).await;
    assert_eq!(f.processor.handle(&job("k3"), 1).await, JobResult::Done);

    let entry = f.log.get("k3").await.expect("read").expect("entry");
    assert_eq!(entry.status, CallbackStatus::Processed);
    assert_eq!(
        entry.outcome.as_deref(),
        Some("welcome:window missed relationship:pending")
    );
    assert_eq!(entry.processed_at_ms, Some(now_ms));
    assert_eq!(entry.error, None);
    let claim = WelcomeClaims::new(f.store.clone())
        .get("code-1")
        .await
        .expect("read")
        .expect("claim");
    assert_eq!(claim.status, WelcomeStatus::WindowMissed);
    let rel = CustomerRepo::new(f.store.clone())
        .get_relationship("wm1", "zhangsan")
        .await
        .expect("read")
        .expect("relationship");
    assert_eq!(rel.status, RelationshipStatus::Pending);
    assert_eq!(rel.state, "xhs");
    assert_eq!(rel.createtime, ADDED);
}
