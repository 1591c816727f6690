//! The sync function's sample events (`events/sync/`) through its handler: the schedule starts
//! a run and queues a step; resume messages carry the run to the end; a resume for an unknown
//! run is reported as a batch item failure.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crm::repo::{CustomerRepo, StoreTokenStore};
use crm::sync::{StepBudget, SyncConfig, SyncEngine, SyncRunner};
use ports::{QueueConsumer, SequentialIds, SystemClock};
use serde_json::Value;
use test_kit::{Embedded, samples, wecom};

fn sample(name: &str) -> String {
    samples::text(&format!("sync/{name}.json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schedule_starts_a_run_and_resume_messages_finish_it() {
    let sim = wecom::quiet_sim().await;
    sim.sim.seed(&wecom_sim::SeedRequest::new(4, 250)).unwrap();

    let embedded = Embedded::new();
    // As deployed: the aggregates are kept on every write.
    let store = crm::aggregates::AggregatingStore::wrap(embedded.store.clone());
    let queue = embedded.queue("sync");
    let wecom = wecom::sim_client(
        &sim,
        Arc::new(StoreTokenStore::new(store.clone())),
        Arc::new(SystemClock),
    );
    let sync_config = SyncConfig {
        min_call_interval: std::time::Duration::ZERO,
        ..SyncConfig::default()
    };
    let runner = SyncRunner::new(
        Arc::new(SyncEngine::new(
            store.clone(),
            Arc::new(wecom),
            Arc::new(SystemClock),
            Arc::new(SequentialIds::new("run")),
            sync_config,
        )),
        queue.clone(),
        StepBudget::pages(1),
    );

    let answer = sync::handle_event(&runner, serde_json::from_str(&sample("schedule")).unwrap())
        .await
        .unwrap();
    assert_eq!(answer["started"], true, "{answer}");
    let run_id = answer["run_id"].as_str().unwrap().to_owned();
    let again = sync::handle_event(&runner, serde_json::from_str(&sample("schedule")).unwrap())
        .await
        .unwrap();
    assert_eq!(
        (again["started"].as_bool(), again["run_id"].as_str()),
        (Some(false), Some(run_id.as_str()))
    );

    // Each step works one page and queues the next, as SQS would deliver them.
    let mut steps = 0;
    loop {
        let delivered = queue.receive(1, 60, 100).await.unwrap();
        let Some(message) = delivered.into_iter().next() else {
            break;
        };
        let mut event: Value = serde_json::from_str(&sample("resume")).unwrap();
        event["Records"][0]["body"] = Value::String(message.body.clone());
        let response = sync::handle_event(&runner, event).await.unwrap();
        assert_eq!(
            response["batchItemFailures"],
            serde_json::json!([]),
            "{response}"
        );
        queue.ack(&message.receipt).await.unwrap();
        steps += 1;
        assert!(steps < 100, "the run never finished");
    }
    assert!(steps > 2, "the run took several steps ({steps})");
    let run = runner.engine().get_run(&run_id).await.unwrap().unwrap();
    assert_eq!(run.status, crm::model::SyncRunStatus::Done, "{run:?}");
    let (customers, _) = CustomerRepo::new(store).list(100, None).await.unwrap();
    assert!(!customers.is_empty());

    // A resume for a run that does not exist is reported, so SQS retries and then dead-letters.
    let unknown = sample("resume");
    let response = sync::handle_event(&runner, serde_json::from_str(&unknown).unwrap())
        .await
        .unwrap();
    assert_eq!(
        response["batchItemFailures"][0]["itemIdentifier"],
        "3c1e2f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6"
    );
}
