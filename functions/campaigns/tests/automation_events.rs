//! The automation function's sample event (`events/automation`: the daily cron's input) through
//! its handler, on the embedded adapters and the WeCom simulator, handed over the way
//! `src/bin/automation.rs` does: birthday, after-visit and re-engagement rules.
#![allow(clippy::unwrap_used)]

mod common;

use crm::automation::{AutomationRule, Automations, RuleKind};
use crm::campaign::{Audience, CampaignJob, RecipientStatus};
use crm::jobs::QueueJob;
use crm::repo::CustomerAdmin;
use serde_json::Value;

use common::{drain, fixture, now_ms, sample};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_automation_cron_sample_hands_a_birthday_to_a_campaign_once() {
    let f = fixture().await;
    let customer = f.customers("zhangsan", 1, true).await.remove(0);
    let in_a_week = crm::calendar::date(now_ms()) + chrono::Duration::days(7);
    CustomerAdmin::new(f.store.clone())
        .update_profile(&customer, |c| {
            c.crm.birthday =
                crm::clinic_fields::Birthday::parse(&in_a_week.format("1990-%m-%d").to_string())
                    .ok();
            true
        })
        .await
        .unwrap();
    let automations = Automations::new(f.campaigns.clone());
    let now = now_ms();
    automations
        .create(&AutomationRule {
            id: "bday7".into(),
            name: "生日祝福".into(),
            kind: RuleKind::Birthday {
                days_ahead: 7,
                coupon: "BDAY200".into(),
            },
            text: "{name}您好，提前祝您生日快乐！生日券 {coupon}，{valid_until}前有效。".into(),
            attachments: Vec::new(),
            enabled: true,
            sender_policy: Default::default(),
            created_by: "manager@yanmei.example".into(),
            created_at_ms: now,
            updated_at_ms: now,
            last_run_at_ms: None,
        })
        .await
        .unwrap();
    // The sample is the daily schedule's Input in template.yaml, its context attributes filled.
    let cron = sample("automation/cron");
    let template = std::fs::read_to_string(format!(
        "{}/../../template.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let input: Value = template
        .lines()
        .find_map(|l| l.trim().strip_prefix("Input: '")?.strip_suffix('\''))
        .map(|json| serde_json::from_str(json).unwrap())
        .unwrap();
    let (input, filled) = (input.as_object().unwrap(), cron.as_object().unwrap());
    assert_eq!(
        input.keys().collect::<Vec<_>>(),
        filled.keys().collect::<Vec<_>>()
    );
    for (key, value) in input {
        let value = value.as_str().unwrap();
        if !value.starts_with("<aws.scheduler.") {
            assert_eq!(filled[key], value, "{key}");
        }
    }

    let runs = campaigns::automation::handle(&automations).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].matched, runs[0].handed_over, runs[0].already_done),
        (1, 1, 0)
    );
    assert_eq!(runs[0].day, in_a_week.format("%Y-%m-%d").to_string());
    let campaign_id = runs[0].campaign_ids[0].clone();
    let campaign = f.campaigns.repo().get(&campaign_id).await.unwrap().unwrap();
    assert_eq!(campaign.kind, crm::campaign::CampaignKind::Automation);
    assert!(campaign.personalised);
    // Due now: its run waits on the campaign queue.
    let jobs = drain(&f.campaign_queue).await;
    assert_eq!(
        jobs,
        [CampaignJob::Run {
            campaign_id: campaign_id.clone()
        }
        .to_body()]
    );
    f.campaigns.handle_job(&jobs[0]).await.unwrap();
    let recipient = f
        .campaigns
        .repo()
        .recipient(&campaign_id, &customer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recipient.status, RecipientStatus::Queued);
    assert!(
        recipient
            .text
            .as_deref()
            .is_some_and(|t| t.starts_with("顾客您好") && t.contains("BDAY200")),
        "{:?}",
        recipient.text
    );

    // The schedule retried (or run twice the same day): nobody is handed over again.
    let runs = campaigns::automation::handle(&automations).await.unwrap();
    assert_eq!((runs[0].handed_over, runs[0].already_done), (0, 1));
    assert!(drain(&f.campaign_queue).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_visit_and_re_engagement_rules_find_their_day_through_the_visits_index() {
    let f = fixture().await;
    let now = now_ms();
    let day = 86_400_000;
    let admin = CustomerAdmin::new(f.store.clone());
    let ids = f.customers("zhangsan", 5, true).await;
    let purchase = |n: usize, id: &str, at: i64| crm::model::Purchase {
        id: format!("p{n}"),
        external_userid: id.to_owned(),
        amount_fen: 58_000,
        item: "光子嫩肤".into(),
        purchased_at_ms: at,
        created_at_ms: at,
        created_by: "front-desk".into(),
        order_id: None,
        channel: None,
    };
    // 0: bought 7 days ago; 1: came for an appointment 7 days ago; 2: last bought 30 days ago;
    // 3: bought 30 days ago and again 3 days ago; 4: bought 8 days ago.
    admin
        .record_purchase(&purchase(0, &ids[0], now - 7 * day))
        .await
        .unwrap();
    admin
        .add_appointment(&crm::model::Appointment {
            id: "a1".into(),
            external_userid: ids[1].clone(),
            scheduled_at_ms: now - 7 * day,
            item: "热玛吉".into(),
            source: crm::model::AppointmentSource::Staff,
            notes: None,
            created_at_ms: now - 10 * day,
            created_by: "front-desk".into(),
            channel: None,
        })
        .await
        .unwrap();
    admin
        .record_purchase(&purchase(2, &ids[2], now - 30 * day))
        .await
        .unwrap();
    admin
        .record_purchase(&purchase(3, &ids[3], now - 30 * day))
        .await
        .unwrap();
    admin
        .record_purchase(&purchase(4, &ids[3], now - 3 * day))
        .await
        .unwrap();
    admin
        .record_purchase(&purchase(5, &ids[4], now - 8 * day))
        .await
        .unwrap();

    let automations = Automations::new(f.campaigns.clone());
    for (id, kind) in [
        ("care7", RuleKind::AfterVisit { days_after: 7 }),
        (
            "lapse30",
            RuleKind::ReEngagement {
                days_without_purchase: 30,
            },
        ),
    ] {
        automations
            .create(&AutomationRule {
                id: id.into(),
                name: id.into(),
                kind,
                text: "{name}您好，最近感觉怎么样？".into(),
                attachments: Vec::new(),
                enabled: true,
                sender_policy: Default::default(),
                created_by: "manager@yanmei.example".into(),
                created_at_ms: now,
                updated_at_ms: now,
                last_run_at_ms: None,
            })
            .await
            .unwrap();
    }
    let runs = campaigns::automation::handle(&automations).await.unwrap();
    let audience = |rule: &str| -> Vec<String> {
        let run = runs.iter().find(|r| r.rule_id == rule).unwrap();
        assert_eq!(run.campaign_ids.len(), 1, "{run:?}");
        run.campaign_ids.clone()
    };
    let mut found = Vec::new();
    for rule in ["care7", "lapse30"] {
        let campaign = f
            .campaigns
            .repo()
            .get(&audience(rule)[0])
            .await
            .unwrap()
            .unwrap();
        let Some(Audience::Customers {
            mut external_userids,
        }) = campaign.audience
        else {
            panic!("{campaign:?}");
        };
        external_userids.sort();
        found.push(external_userids);
    }
    let mut care = vec![ids[0].clone(), ids[1].clone()];
    care.sort();
    assert_eq!(
        found[0], care,
        "after-visit D+7: the purchase and the appointment of that day"
    );
    assert_eq!(
        found[1],
        vec![ids[2].clone()],
        "re-engagement: nothing bought since"
    );
    // Running again the same day hands nobody over twice.
    let again = campaigns::automation::handle(&automations).await.unwrap();
    assert!(
        again
            .iter()
            .all(|r| r.handed_over == 0 && r.already_done == r.matched)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_that_breaks_wecoms_limits_once_filled_in_is_refused_and_nobody_is_marked_done() {
    let f = fixture().await;
    let customer = f.customers("zhangsan", 1, true).await.remove(0);
    let in_a_week = crm::calendar::date(now_ms()) + chrono::Duration::days(7);
    CustomerAdmin::new(f.store.clone())
        .update_profile(&customer, |c| {
            c.crm.birthday =
                crm::clinic_fields::Birthday::parse(&in_a_week.format("%m-%d").to_string()).ok();
            true
        })
        .await
        .unwrap();
    let automations = Automations::new(f.campaigns.clone());
    let now = now_ms();
    // Valid as saved (under WeCom's 4 000 bytes); 200 characters of coupon take it over.
    let text = format!("{}{{coupon}}", "生日快乐".repeat(320));
    assert!(text.len() < 4000);
    let mut rule = AutomationRule {
        id: "bday-long".into(),
        name: "生日祝福".into(),
        kind: RuleKind::Birthday {
            days_ahead: 7,
            coupon: "券".repeat(200),
        },
        text,
        attachments: Vec::new(),
        enabled: true,
        sender_policy: Default::default(),
        created_by: "manager@yanmei.example".into(),
        created_at_ms: now,
        updated_at_ms: now,
        last_run_at_ms: None,
    };
    automations.create(&rule).await.unwrap();

    let run = automations.run_rule(&rule).await.unwrap();
    assert_eq!((run.matched, run.handed_over, run.already_done), (1, 0, 0));
    let refused = run
        .refused
        .clone()
        .expect("the run says why it sent nothing");
    assert_eq!(refused.field, "content.text");
    assert!(refused.message.contains("消息文字"), "{}", refused.message);
    assert!(run.campaign_ids.is_empty());
    assert!(drain(&f.campaign_queue).await.is_empty(), "no campaign");
    let (runs, _) = automations.runs(&rule.id, 10, None).await.unwrap();
    assert_eq!(runs, [run], "the refused run is in the rule's history");

    // Fixed the same day: the customer was never marked as done, so they get it now.
    rule.kind = RuleKind::Birthday {
        days_ahead: 7,
        coupon: "BDAY200".into(),
    };
    automations
        .update(&rule.id, |r| {
            r.kind = rule.kind.clone();
            true
        })
        .await
        .unwrap();
    let run = automations.run_rule(&rule).await.unwrap();
    assert_eq!((run.handed_over, run.already_done), (1, 0));
    assert_eq!(run.refused, None);
}
