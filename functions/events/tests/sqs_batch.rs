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
use ports::{Clock, FixedClock, ItemStore};
use store_embedded::{EmbeddedDb, EmbeddedQueue, SqliteStore};
use wecom_api::{WeComClient, WeComSettings};

fn root(path: &str) -> String {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(full).unwrap()
}

#[tokio::test]
async fn sample_batch_processes_the_job_and_reports_the_poison_message() {
    let config = CorpConfig {
        corp_id: "ww1436e0e65a779aee".into(),
        token: "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo".into(),
        encoding_aes_key: "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt".into(),
        ..CorpConfig::default()
    };
    let db = EmbeddedDb::open_in_memory().unwrap();
    let store: Arc<dyn ItemStore> = Arc::new(SqliteStore::new(db.clone()));
    let queue = Arc::new(EmbeddedQueue::new(db, "events", 5));
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::at_ms(1_795_850_208_000));
    let log = CallbackLog::new(store.clone(), 90);

    // The sample message arrives through the callback first.
    let handler = CallbackHandler::new(
        CallbackSettings::from_config(&config).unwrap(),
        Ingestor::new(log.clone(), queue.clone(), clock.clone()),
        clock.clone(),
    );
    let request =
        lambda_http::request::from_str(&root("events/callback/app-text-message.json")).unwrap();
    assert_eq!(handler.handle(from_lambda(request)).await.status, 200);

    // An app message needs no WeCom call: the client points nowhere reachable.
    let wecom = WeComClient::new(
        WeComSettings::new("http://127.0.0.1:9", &config.corp_id, "secret"),
        Arc::new(StoreTokenStore::new(store.clone())),
        clock.clone(),
    )
    .unwrap();
    let processor = Processor::new(
        store,
        log.clone(),
        config,
        Arc::new(wecom),
        clock,
        ProcessorSettings::default(),
    );
    let event: SqsEvent = serde_json::from_str(&root("events/events/callback-jobs.json")).unwrap();
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
