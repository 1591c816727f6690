//! Retention on the embedded store with a fake clock: what each record kind's expiry is, that
//! an expired record is gone, which ended customers are due, and how the rebuild treats the
//! counters of campaigns whose records may have expired.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ports::{Clock, Condition, FixedClock, Item, ItemStore};

use super::*;
use crate::aggregates::AggregatingStore;
use crate::campaign::model::{Campaign, Click, Recipient, RecipientStatus};
use crate::campaign::repo::{CampaignRepo, recipient_item};
use crate::keys::{PROFILE_SK, link_pk, relationship_sk};
use crate::model::{Customer, CustomerStatus, Relationship, RelationshipStatus};
use crate::repo::customer_item;

/// 2026-12-01 10:00 Beijing.
const T0_MS: i64 = 1_796_090_400_000;

struct Fixture {
    clock: Arc<FixedClock>,
    raw: Arc<dyn ItemStore>,
    store: Arc<dyn ItemStore>,
}

fn fixture(retention: Retention) -> Fixture {
    let clock = Arc::new(FixedClock::at_ms(T0_MS));
    let raw = test_kit::Embedded::with_clock(clock.clone()).store;
    let store = RetentionStore::wrap(
        AggregatingStore::wrap(raw.clone()),
        retention,
        clock.clone(),
    );
    Fixture { clock, raw, store }
}

fn recipient(campaign_id: &str, customer: &str) -> Recipient {
    Recipient {
        campaign_id: campaign_id.into(),
        external_userid: customer.into(),
        userid: "zhangsan".into(),
        status: RecipientStatus::Queued,
        channel: "xiaohongshu".into(),
        ..Recipient::default()
    }
}

fn click_item(token: &str, sk: &str) -> Item {
    let click = Click {
        token: token.into(),
        campaign_id: "c1".into(),
        at_ms: T0_MS,
        external_userid: None,
    };
    Item::with_doc(link_pk(token), sk, &click).unwrap()
}

#[test]
fn settings_come_from_the_environment_with_minimums_and_zero_keeping_forever() {
    let env = |vars: &'static [(&'static str, &'static str)]| {
        Retention::from_env_map(move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    };
    assert_eq!(env(&[]), Retention::default());
    let set = env(&[
        ("RETENTION_ENDED_CUSTOMER_DAYS", "730"),
        ("CALLBACK_LOG_RETENTION_DAYS", "30"),
        ("RETENTION_RECIPIENT_DAYS", "7"),
        ("RETENTION_CLICK_DAYS", "0"),
        ("RETENTION_AUDIT_DAYS", "90"),
    ]);
    assert_eq!(
        set,
        Retention {
            ended_customer_days: 730,
            raw_event_days: 30,
            recipient_days: MIN_CAMPAIGN_RECORD_DAYS,
            click_days: 0,
            audit_days: MIN_AUDIT_DAYS,
        }
    );
    assert_eq!(
        env(&[("RETENTION_RECIPIENT_DAYS", "a year")]).recipient_days,
        365
    );
}

#[tokio::test]
async fn recipients_clicks_and_audit_entries_are_written_with_their_retention_and_others_without() {
    let retention = Retention {
        recipient_days: 100,
        click_days: 40,
        audit_days: 400,
        ..Retention::default()
    };
    let f = fixture(retention);
    let day_s = 86_400;
    let t0_s = T0_MS / 1000;

    CampaignRepo::new(f.store.clone())
        .put_recipients(&[recipient("c1", "wm1")])
        .await
        .unwrap();
    f.store
        .put(click_item("ab12", "CLICK#V#0f0f"), Condition::NotExists)
        .await
        .unwrap();
    let mut entry = Item::new(crate::keys::AUDIT_PK, "000000000000001");
    entry.data.insert("action".into(), "customer.update".into());
    f.store
        .transact(vec![ports::WriteOp::Put {
            item: entry,
            condition: Condition::NotExists,
        }])
        .await
        .unwrap();
    let profile = customer_item(&Customer {
        external_userid: "wm1".into(),
        ..Customer::default()
    })
    .unwrap();
    f.store.put(profile, Condition::Always).await.unwrap();

    let expiry = |pk: String, sk: String| {
        let raw = f.raw.clone();
        async move {
            raw.get(&pk, &sk)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{pk}/{sk} not stored"))
                .expires_at
        }
    };
    let rcpt = recipient_item(&recipient("c1", "wm1")).unwrap();
    assert_eq!(
        expiry(rcpt.pk.clone(), rcpt.sk.clone()).await,
        Some(t0_s + 100 * day_s)
    );
    assert_eq!(
        expiry(link_pk("ab12"), "CLICK#V#0f0f".into()).await,
        Some(t0_s + 40 * day_s)
    );
    assert_eq!(
        expiry(crate::keys::AUDIT_PK.into(), "000000000000001".into()).await,
        Some(t0_s + 400 * day_s)
    );
    assert_eq!(expiry(customer_pk("wm1"), PROFILE_SK.into()).await, None);

    // A recipient rewritten later is kept from its last change.
    f.clock.advance_ms(10 * crate::calendar::DAY_MS);
    let mut sent = recipient("c1", "wm1");
    sent.status = RecipientStatus::Sent;
    CampaignRepo::new(f.store.clone())
        .put_recipients(&[sent])
        .await
        .unwrap();
    assert_eq!(
        expiry(rcpt.pk.clone(), rcpt.sk.clone()).await,
        Some(t0_s + 110 * day_s)
    );

    // An expiry the writer chose is kept.
    let mut own = click_item("ab12", "CLICK#V#1f1f");
    let own_expiry = f.clock.now_ms() / 1000 + 5;
    own.expires_at = Some(own_expiry);
    f.store.put(own, Condition::NotExists).await.unwrap();
    assert_eq!(
        expiry(link_pk("ab12"), "CLICK#V#1f1f".into()).await,
        Some(own_expiry)
    );
}

#[tokio::test]
async fn an_expired_recipient_is_gone_from_reads_and_nothing_expires_when_kept() {
    let f = fixture(Retention {
        recipient_days: 30,
        ..Retention::default()
    });
    let repo = CampaignRepo::new(f.store.clone());
    repo.put_recipients(&[recipient("c1", "wm1"), recipient("c1", "wm2")])
        .await
        .unwrap();
    assert_eq!(repo.all_recipients("c1").await.unwrap().len(), 2);
    f.clock.advance_ms(30 * crate::calendar::DAY_MS - 1000);
    assert_eq!(
        repo.all_recipients("c1").await.unwrap().len(),
        2,
        "a second before"
    );
    f.clock.advance_ms(1000);
    assert!(repo.all_recipients("c1").await.unwrap().is_empty());
    assert!(repo.recipient("c1", "wm1").await.unwrap().is_none());

    let kept = fixture(Retention::keep_all());
    let repo = CampaignRepo::new(kept.store.clone());
    repo.put_recipients(&[recipient("c1", "wm1")])
        .await
        .unwrap();
    kept.clock.advance_ms(5000 * crate::calendar::DAY_MS);
    assert_eq!(repo.all_recipients("c1").await.unwrap().len(), 1);
}

async fn customer(
    f: &Fixture,
    id: &str,
    relationships: &[(&str, RelationshipStatus, Option<i64>)],
) {
    let ended = relationships
        .iter()
        .all(|(_, s, _)| *s == RelationshipStatus::Ended);
    let profile = Customer {
        external_userid: id.into(),
        status: if ended {
            CustomerStatus::Ended
        } else {
            CustomerStatus::Active
        },
        updated_at_ms: T0_MS,
        ..Customer::default()
    };
    f.store
        .put(customer_item(&profile).unwrap(), Condition::Always)
        .await
        .unwrap();
    for (userid, status, ended_at_ms) in relationships {
        let r = Relationship {
            external_userid: id.into(),
            userid: (*userid).into(),
            status: *status,
            ended_at: ended_at_ms.map(|ms| ms / 1000),
            ..Relationship::default()
        };
        f.store
            .put(
                Item::with_doc(customer_pk(id), relationship_sk(userid), &r).unwrap(),
                Condition::Always,
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn customers_are_due_for_erasure_once_their_last_relationship_ended_longer_ago_than_the_retention()
 {
    let f = fixture(Retention {
        ended_customer_days: 365,
        ..Retention::default()
    });
    let day = crate::calendar::DAY_MS;
    use RelationshipStatus::{Active, Ended};
    customer(&f, "wm-old", &[("zhangsan", Ended, Some(T0_MS))]).await;
    // One relationship ended long ago, the other recently: kept until the later one is old.
    customer(
        &f,
        "wm-two",
        &[
            ("zhangsan", Ended, Some(T0_MS)),
            ("lisi", Ended, Some(T0_MS + 100 * day)),
        ],
    )
    .await;
    customer(
        &f,
        "wm-active",
        &[("zhangsan", Ended, Some(T0_MS)), ("lisi", Active, None)],
    )
    .await;
    let retention = Retention {
        ended_customer_days: 365,
        ..Retention::default()
    };
    let due = |now| {
        let store = f.store.clone();
        async move {
            let mut due = ended_customers_due(store.as_ref(), &retention, now, 100)
                .await
                .unwrap();
            due.sort();
            due
        }
    };
    assert!(due(T0_MS + 365 * day).await.is_empty());
    assert_eq!(due(T0_MS + 366 * day).await, vec!["wm-old".to_owned()]);
    assert_eq!(
        due(T0_MS + 466 * day).await,
        vec!["wm-old".to_owned(), "wm-two".to_owned()]
    );
    let never = Retention {
        ended_customer_days: 0,
        ..retention
    };
    assert!(
        ended_customers_due(f.store.as_ref(), &never, T0_MS + 5000 * day, 100)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_rebuild_leaves_the_counters_of_campaigns_older_than_the_minimum_retention_alone() {
    let f = fixture(Retention {
        recipient_days: MIN_CAMPAIGN_RECORD_DAYS,
        ..Retention::default()
    });
    let repo = CampaignRepo::new(f.store.clone());
    let campaign = Campaign {
        id: "c1".into(),
        name: "双十二".into(),
        created_at_ms: T0_MS,
        updated_at_ms: T0_MS,
        ..Campaign::default()
    };
    repo.insert(&campaign).await.unwrap();
    repo.put_recipients(&[recipient("c1", "wm1"), recipient("c1", "wm2")])
        .await
        .unwrap();
    let now = f.clock.now_ms();
    let clean = crate::aggregates::rebuild_as_of(&f.store, false, now)
        .await
        .unwrap();
    assert!(clean.differences.is_empty(), "{:?}", clean.differences);
    assert!(clean.counters > 0);

    // The recipients expire; their funnel counters stay.
    f.clock
        .advance_ms(i64::from(MIN_CAMPAIGN_RECORD_DAYS) * crate::calendar::DAY_MS);
    let now = f.clock.now_ms();
    assert!(repo.all_recipients("c1").await.unwrap().is_empty());
    let (funnel, _) = crate::aggregates::Aggregates::new(f.raw.clone())
        .campaign("c1")
        .await
        .unwrap();
    assert_eq!(
        funnel.count(&crate::aggregates::contribution::funnel::field(
            "all", "targeted"
        )),
        2
    );
    let frozen = crate::aggregates::rebuild_as_of(&f.store, true, now)
        .await
        .unwrap();
    assert!(frozen.differences.is_empty(), "{:?}", frozen.differences);
    assert_eq!(frozen.corrected, 0);
    // Compared as of the day they were written, they would be drift: the freeze is what
    // keeps the rebuild quiet, not an empty walk.
    let unfrozen = crate::aggregates::rebuild(&f.store, false).await.unwrap();
    assert!(!unfrozen.differences.is_empty());
}

#[tokio::test]
async fn the_sweep_erases_customers_ended_longer_ago_than_the_retention_and_leaves_a_tombstone() {
    let retention = Retention {
        ended_customer_days: 365,
        ..Retention::default()
    };
    let f = fixture(retention);
    let day = crate::calendar::DAY_MS;
    use RelationshipStatus::{Active, Ended};
    customer(&f, "wm-old", &[("zhangsan", Ended, Some(T0_MS))]).await;
    customer(&f, "wm-active", &[("lisi", Active, None)]).await;
    let sweep = RetentionSweep::new(f.store.clone(), retention, f.clock.clone());
    assert_eq!(sweep.run().await.unwrap(), SweepReport::default());

    f.clock.advance_ms(366 * day);
    assert_eq!(
        sweep.run().await.unwrap(),
        SweepReport {
            erased: 1,
            failed: 0,
            audit_expiries_given: 0,
        }
    );
    assert!(
        f.store
            .get(&customer_pk("wm-old"), PROFILE_SK)
            .await
            .unwrap()
            .is_none(),
        "the ended customer's profile is gone"
    );
    assert!(
        crate::privacy::Tombstones::new(f.store.clone())
            .is_erased("wm-old")
            .await
            .unwrap()
    );
    assert!(
        f.store
            .get(&customer_pk("wm-active"), PROFILE_SK)
            .await
            .unwrap()
            .is_some()
    );
    // Erased customers are not found again; the counters still add up.
    assert_eq!(sweep.run().await.unwrap(), SweepReport::default());
    let report = crate::aggregates::rebuild(&f.store, false).await.unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
}

/// The stored item's expiry.
async fn expiry_of(raw: &Arc<dyn ItemStore>, pk: &str, sk: &str) -> Option<i64> {
    raw.get(pk, sk).await.unwrap().unwrap().expires_at
}

#[tokio::test]
async fn periods_changed_in_the_console_apply_at_once_here_and_within_a_minute_elsewhere() {
    let f = fixture(Retention::default());
    // Another process (a Lambda) over the same table, which has read the periods already.
    let other = RetentionStore::wrap(f.raw.clone(), Retention::default(), f.clock.clone());
    let t0_s = T0_MS / 1000;
    let day_s = 86_400;
    other
        .put(click_item("ab12", "CLICK#V#1"), Condition::Always)
        .await
        .unwrap();
    assert_eq!(
        expiry_of(&f.raw, "LINK#ab12", "CLICK#V#1").await,
        Some(t0_s + 180 * day_s)
    );

    let stored = settings::StoredRetention {
        days: [(settings::RetentionField::ClickDays, 45)].into(),
        ..settings::StoredRetention::default()
    };
    settings::save(f.store.as_ref(), &stored).await.unwrap();
    // This process: at once.
    f.store
        .put(click_item("ab12", "CLICK#V#2"), Condition::Always)
        .await
        .unwrap();
    assert_eq!(
        expiry_of(&f.raw, "LINK#ab12", "CLICK#V#2").await,
        Some(t0_s + 45 * day_s)
    );
    // The other: the period it read until its cache runs out, then the new one.
    other
        .put(click_item("ab12", "CLICK#V#3"), Condition::Always)
        .await
        .unwrap();
    assert_eq!(
        expiry_of(&f.raw, "LINK#ab12", "CLICK#V#3").await,
        Some(t0_s + 180 * day_s)
    );
    f.clock.advance_ms(settings::CACHE_MS);
    other
        .put(click_item("ab12", "CLICK#V#4"), Condition::Always)
        .await
        .unwrap();
    assert_eq!(
        expiry_of(&f.raw, "LINK#ab12", "CLICK#V#4").await,
        Some((T0_MS + settings::CACHE_MS) / 1000 + 45 * day_s)
    );
    assert_eq!(
        settings::in_force(f.raw.as_ref(), Retention::default())
            .await
            .unwrap()
            .click_days,
        45
    );
}

#[tokio::test]
async fn after_the_audit_period_is_shortened_no_entry_expires_before_the_one_before_it() {
    let f = fixture(Retention::default());
    let audit = |seq: u64| {
        let mut entry = Item::new(AUDIT_PK, audit_seq_sk(seq));
        entry.data.insert("at_ms".into(), T0_MS.into());
        entry
    };
    f.store.put(audit(1), Condition::NotExists).await.unwrap();
    let first = expiry_of(&f.raw, AUDIT_PK, &audit_seq_sk(1)).await.unwrap();
    assert_eq!(first, T0_MS / 1000 + 1095 * 86_400);
    let stored = settings::StoredRetention {
        days: [(settings::RetentionField::AuditDays, 180)].into(),
        ..settings::StoredRetention::default()
    };
    settings::save(f.store.as_ref(), &stored).await.unwrap();
    f.store.put(audit(2), Condition::NotExists).await.unwrap();
    assert_eq!(
        expiry_of(&f.raw, AUDIT_PK, &audit_seq_sk(2)).await,
        Some(first),
        "kept as long as the entry before it"
    );
    // Recipients take the shorter period at once (no chain).
    let stored = settings::StoredRetention {
        days: [(settings::RetentionField::RecipientDays, 30)].into(),
        ..settings::StoredRetention::default()
    };
    settings::save(f.store.as_ref(), &stored).await.unwrap();
    CampaignRepo::new(f.store.clone())
        .put_recipients(&[recipient("c1", "wm1")])
        .await
        .unwrap();
    assert_eq!(
        expiry_of(&f.raw, "CAMPAIGN#c1", &crate::keys::recipient_sk("wm1")).await,
        Some(T0_MS / 1000 + 30 * 86_400)
    );
}

/// Kept while the audit period was 0, then a period set in the console: without expiries for
/// the entries kept meanwhile, the later ones would expire first and leave a gap in the chain.
#[tokio::test]
async fn audit_entries_kept_while_the_period_was_zero_expire_from_the_start_once_a_period_is_set() {
    use crate::repo::AuditLog;
    let kept = Retention {
        audit_days: 0,
        ..Retention::default()
    };
    let f = fixture(kept);
    let log = AuditLog::new(
        f.store.clone(),
        f.clock.clone(),
        Arc::new(ports::SequentialIds::new("audit")),
    );
    let record = || async {
        log.record("admin", "config.update", "corp", vec!["agent_id".into()])
            .await
            .unwrap();
        f.clock.advance_ms(DAY_MS);
    };
    for _ in 0..3 {
        record().await;
    }
    for seq in 1..=3 {
        assert_eq!(expiry_of(&f.raw, AUDIT_PK, &audit_seq_sk(seq)).await, None);
    }
    let stored = settings::StoredRetention {
        days: [(settings::RetentionField::AuditDays, 180)].into(),
        ..settings::StoredRetention::default()
    };
    settings::save(f.store.as_ref(), &stored).await.unwrap();
    for _ in 0..2 {
        record().await;
    }

    let sweep = RetentionSweep::new(f.store.clone(), kept, f.clock.clone());
    assert_eq!(sweep.run().await.unwrap().audit_expiries_given, 3);
    let mut expiries = Vec::new();
    for seq in 1..=5 {
        expiries.push(
            expiry_of(&f.raw, AUDIT_PK, &audit_seq_sk(seq))
                .await
                .unwrap(),
        );
    }
    let day_s = DAY_MS / 1000;
    assert_eq!(
        expiries[0],
        T0_MS / 1000 + 180 * day_s,
        "its own time plus the period"
    );
    assert!(expiries.windows(2).all(|w| w[0] <= w[1]), "{expiries:?}");
    assert_eq!(
        sweep.run().await.unwrap().audit_expiries_given,
        0,
        "walked once"
    );

    // 183.5 days on: the four oldest entries have expired, the chain verifies from the fifth.
    f.clock.set_ms(T0_MS + 183 * DAY_MS + DAY_MS / 2);
    let report = log.verify().await.unwrap();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.first_seq, Some(5));
    // More entries later are walked past (they carry their expiry already).
    record().await;
    assert_eq!(sweep.run().await.unwrap().audit_expiries_given, 0);
    assert!(log.verify().await.unwrap().intact);
}

#[test]
fn console_periods_are_checked_against_their_minimums_and_the_maximum() {
    use settings::RetentionField::*;
    assert!(RecipientDays.check(29).is_err());
    assert!(RecipientDays.check(0).is_ok());
    assert!(RecipientDays.check(30).is_ok());
    assert!(AuditDays.check(0).is_err());
    assert!(AuditDays.check(180).is_ok());
    assert!(RawEventDays.check(0).is_err());
    assert!(EndedCustomerDays.check(0).is_ok());
    assert!(ClickDays.check(settings::MAX_DAYS + 1).is_err());
    assert!(
        ClickDays
            .check(10)
            .unwrap_err()
            .contains("链接点击记录的保留天数不能少于 30 天")
    );
}
