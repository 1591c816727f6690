//! The sync function's hourly schedule also runs the daily behaviour import (consultant
//! performance): the first scheduled invocation of a day imports every consultant's last 30
//! days, later ones that day ask WeCom nothing; an SQS batch never imports.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crm::performance::{BehaviorImport, PerformanceStats, StatsPeriod};
use crm::repo::StoreTokenStore;
use crm::sync::{StepBudget, SyncConfig, SyncEngine, SyncRunner};
use ports::{Clock, SequentialIds, SystemClock};
use test_kit::{Embedded, samples, wecom};
use wecom_sim::{BehaviorDay, SeedBehavior, SeedBehaviorRequest};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hourly_schedule_imports_behaviour_data_once_a_day() {
    let sim = wecom::quiet_sim().await;
    let yesterday = crm::calendar::day_start(SystemClock.now_ms()) / 1000 - 86_400;
    sim.sim
        .seed_behavior(SeedBehaviorRequest {
            days: vec![SeedBehavior {
                userid: "zhangsan".into(),
                date: None,
                stat_time: Some(yesterday),
                day: BehaviorDay {
                    chat_cnt: 12,
                    message_cnt: 30,
                    reply_percentage: 75.0,
                    avg_reply_time: 3,
                    ..BehaviorDay::default()
                },
            }],
        })
        .unwrap();

    let embedded = Embedded::new();
    let store = crm::aggregates::AggregatingStore::wrap(embedded.store.clone());
    let client = Arc::new(wecom::sim_client(
        &sim,
        Arc::new(StoreTokenStore::new(store.clone())),
        Arc::new(SystemClock),
    ));
    let runner = SyncRunner::new(
        Arc::new(SyncEngine::new(
            store.clone(),
            client.clone(),
            Arc::new(SystemClock),
            Arc::new(SequentialIds::new("run")),
            SyncConfig::default(),
        )),
        embedded.queue("sync"),
        StepBudget::pages(1),
    );
    let import = BehaviorImport::new(store.clone(), client, Arc::new(SystemClock));
    let schedule = || serde_json::from_str(&samples::text("sync/schedule.json")).unwrap();

    sync::handle_event_full(&runner, None, Some(&import), schedule())
        .await
        .unwrap();
    let calls = sim
        .sim
        .call_counts()
        .get("externalcontact/get_user_behavior_data");
    assert_eq!(calls, 3, "one call per consultant (zhangsan, lisi, wangwu)");
    let now = SystemClock.now_ms();
    let period = StatsPeriod {
        from: crm::calendar::date(now - 40 * crm::calendar::DAY_MS),
        to: crm::calendar::date(now),
    };
    let days = PerformanceStats::new(store.clone())
        .days("zhangsan", period)
        .await
        .unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days.last().map(|d| d.chat_cnt), Some(12));

    // The next hour: already done today.
    sync::handle_event_full(&runner, None, Some(&import), schedule())
        .await
        .unwrap();
    assert_eq!(
        sim.sim
            .call_counts()
            .get("externalcontact/get_user_behavior_data"),
        3
    );
    // A resume message (SQS) is the sync's own business.
    let resume = samples::text("sync/resume.json");
    let _ = sync::handle_event_full(
        &runner,
        None,
        Some(&import),
        serde_json::from_str(&resume).unwrap(),
    )
    .await;
    assert_eq!(
        sim.sim
            .call_counts()
            .get("externalcontact/get_user_behavior_data"),
        3
    );
}
