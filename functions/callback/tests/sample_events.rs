//! The Function URL payloads in `events/callback/` through the Lambda adapter and handler,
//! with the official sample corp of wecom-api.md §8 (sample A).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use callback::{CallbackHandler, CallbackSettings, from_lambda, to_lambda};
use crm::config::CorpConfig;
use crm::ingest::Ingestor;
use crm::model::CallbackStatus;
use crm::repo::CallbackLog;
use ports::{Clock, FixedClock};
use store_embedded::EmbeddedQueue;
use test_kit::{Embedded, samples};

fn sample_a() -> CorpConfig {
    CorpConfig {
        corp_id: samples::CORP_ID.into(),
        token: samples::TOKEN.into(),
        encoding_aes_key: samples::ENCODING_AES_KEY.into(),
        ..CorpConfig::default()
    }
}

struct Fixture {
    handler: CallbackHandler,
    log: CallbackLog,
    queue: Arc<EmbeddedQueue>,
    clock: Arc<FixedClock>,
}

fn fixture() -> Fixture {
    // The store's expiry (the queued mark's) follows the test's clock too.
    let fixed = Arc::new(FixedClock::at_ms(samples::SEALED_AT_MS));
    let clock: Arc<dyn Clock> = fixed.clone();
    let embedded = Embedded::with_clock(clock.clone());
    let queue = embedded.queue("events");
    let log = CallbackLog::new(embedded.store, 90);
    let handler = CallbackHandler::new(
        CallbackSettings::from_config(&sample_a()).unwrap(),
        Ingestor::new(log.clone(), queue.clone(), clock.clone()),
        clock,
    );
    Fixture {
        handler,
        log,
        queue,
        clock: fixed,
    }
}

fn load(name: &str) -> lambda_http::Request {
    lambda_http::request::from_str(&samples::text(&format!("callback/{name}.json"))).unwrap()
}

#[tokio::test]
async fn url_verification_event_answers_the_echostr_plaintext() {
    let f = fixture();
    let answer = f.handler.handle(from_lambda(load("url-verify"))).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, "1288432023552776189");
    let response = to_lambda(answer).unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
}

#[tokio::test]
async fn app_message_event_is_logged_and_queued_once_per_delivery() {
    let f = fixture();
    for _ in 0..2 {
        let answer = f
            .handler
            .handle(from_lambda(load("app-text-message")))
            .await;
        assert_eq!(
            (answer.status.as_u16(), answer.body.as_str()),
            (200, "success")
        );
        // WeCom's retry comes a little later.
        f.clock.advance_ms(5);
    }
    let entry = f.log.get("msg:1456453720").await.unwrap().unwrap();
    assert_eq!(entry.event_type, "text");
    assert_eq!(entry.userid.as_deref(), Some("ChenJiaShun"));
    assert_eq!(entry.delivery_count, 2);
    assert_eq!(entry.status, CallbackStatus::Received);
    assert!(entry.raw_xml.contains("你好"));
    assert_eq!(
        f.queue.len().await.unwrap(),
        1,
        "one job for two deliveries"
    );
}

#[tokio::test]
async fn forged_signature_event_is_refused_without_a_trace() {
    let f = fixture();
    let answer = f
        .handler
        .handle(from_lambda(load("forged-signature")))
        .await;
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.body, r#"{"error":{"code":"invalid_callback","message":"回调请求无效"}}"#,
        "the generic refusal, which does not say what failed"
    );
    let (entries, _) = f.log.recent(None, 10, None).await.unwrap();
    assert!(entries.is_empty());
    assert_eq!(f.queue.len().await.unwrap(), 0);
}

#[tokio::test]
async fn a_json_plaintext_is_kept_as_unrecognized_and_answered_success() {
    let f = fixture();
    let crypt =
        wecom_callback::MsgCrypt::new(samples::TOKEN, samples::ENCODING_AES_KEY, samples::CORP_ID)
            .unwrap();
    let plain = r#"{"msgtype":"event","event":"future"}"#;
    let ts = (samples::SEALED_AT_MS / 1000).to_string();
    let sealed = crypt.seal(plain, &ts, "n1", [3; 16]);
    let answer = f
        .handler
        .handle(callback::CallbackRequest {
            method: http::Method::POST,
            raw_query: format!(
                "msg_signature={}&timestamp={ts}&nonce=n1",
                sealed.msg_signature
            ),
            body: wecom_callback::envelope_xml(samples::CORP_ID, "1000002", &sealed.encrypt).into(),
        })
        .await;
    assert_eq!(
        (answer.status.as_u16(), answer.body.as_str()),
        (200, "success")
    );
    let (entries, _) = f.log.recent(Some("unrecognized"), 10, None).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].status, CallbackStatus::Unrecognized);
    assert_eq!(entries[0].raw_xml, plain);
    assert_eq!(entries[0].unrecognized_reason.as_deref(), Some("json"));
    assert_eq!(f.queue.len().await.unwrap(), 0, "nothing to process");
}
