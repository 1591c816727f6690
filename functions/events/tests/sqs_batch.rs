//! The SQS payload in `events/events/` through the events function's batch handler: a job is
//! processed and acknowledged, a poison message is reported as a batch item failure.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use callback::{CallbackHandler, CallbackSettings, from_lambda};
use crm::config::CorpConfig;
use crm::ingest::Ingestor;
use crm::model::CallbackStatus;
use crm::process::{Processor, ProcessorSettings};
use crm::repo::{CallbackLog, StoreTokenStore};
use ports::{Clock, FixedClock};
use test_kit::{Embedded, samples, wecom};

#[tokio::test]
async fn sample_batch_processes_the_job_and_reports_the_poison_message() {
    let config = CorpConfig {
        corp_id: samples::CORP_ID.into(),
        token: samples::TOKEN.into(),
        encoding_aes_key: samples::ENCODING_AES_KEY.into(),
        ..CorpConfig::default()
    };
    let embedded = Embedded::new();
    // As deployed: the aggregates are kept on every write.
    let store = crm::aggregates::AggregatingStore::wrap(embedded.store.clone());
    let queue = embedded.queue("events");
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::at_ms(samples::SEALED_AT_MS));
    let log = CallbackLog::new(store.clone(), 90);

    // The sample message arrives through the callback first.
    let handler = CallbackHandler::new(
        CallbackSettings::from_config(&config).unwrap(),
        Ingestor::new(log.clone(), queue.clone(), clock.clone()),
        clock.clone(),
    );
    let request =
        lambda_http::request::from_str(&samples::text("callback/app-text-message.json")).unwrap();
    assert_eq!(handler.handle(from_lambda(request)).await.status, 200);

    // An app message needs no WeCom call: the client points nowhere reachable.
    let wecom = wecom::offline_client(
        &config.corp_id,
        Arc::new(StoreTokenStore::new(store.clone())),
        clock.clone(),
    );
    let processor = Processor::new(
        store,
        log.clone(),
        config,
        Arc::new(wecom),
        clock,
        ProcessorSettings::default(),
    );
    let event: SqsEvent =
        serde_json::from_value(samples::json("events/callback-jobs.json")).unwrap();
    let response = events::handle_batch(&processor, queue.as_ref(), event).await;

    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, vec!["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"]);
    let entry = log.get("msg:1456453720").await.unwrap().unwrap();
    assert_eq!(entry.status, CallbackStatus::Ignored);
    assert_eq!(entry.attempts, 1);
}
