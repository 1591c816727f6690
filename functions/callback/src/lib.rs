//! The WeCom callback endpoint, independent of how requests arrive (Lambda Function URL in
//! AWS, the local listener in local mode).
//!
//! `GET` answers WeCom's URL verification with the decrypted `echostr`, exactly. `POST`
//! verifies the signature, decrypts (padding, length field, receiveid), and makes the message
//! durable before answering 200 `success`: an interpreted event as raw log + idempotency key +
//! queued job; an authentic plaintext this version cannot interpret (JSON, not XML, elements
//! missing…) as a raw log entry marked unrecognized, replayable after an upgrade. Only a
//! forged or corrupt request gets a 4xx, with one generic body (the reason goes to the log
//! only), and leaves no trace; a storage or queue failure gets a 503 so that WeCom retries.

use std::sync::Arc;

use bytes::Bytes;
use std::time::{Duration, Instant};

use crm::ingest::{IngestOutcome, Ingestor};
use crm::repo::ConfigRepo;
use http::{Method, StatusCode};
use ports::Clock;
use tracing::{info, warn};
use wecom_callback::{CallbackError, MsgCrypt, check_freshness, parse_message_ref, query_params};

/// The body of every 200 to a POST: WeCom takes it (like an empty body) as "received, no
/// passive reply".
pub const SUCCESS: &str = "success";

/// The code of every refusal's body: the body never says which check failed.
pub const REFUSED_CODE: &str = "invalid_callback";
/// The message of every refusal's body.
pub const REFUSED_MESSAGE: &str = "回调请求无效";

/// What the handler needs of a request.
#[derive(Debug, Clone)]
pub struct CallbackRequest {
    pub method: Method,
    /// The raw (still percent-encoded) query string.
    pub raw_query: String,
    pub body: Bytes,
}

/// What the handler answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackResponse {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
}

impl CallbackResponse {
    fn text(body: String) -> Self {
        Self {
            status: StatusCode::OK,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }

    fn error(status: StatusCode, code: &str, message: &str) -> Self {
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        Self {
            status,
            content_type: "application/json",
            body: body.to_string(),
        }
    }
}

/// Converts a Lambda Function URL request into the handler's request.
pub fn from_lambda(request: lambda_http::Request) -> CallbackRequest {
    let (parts, body) = request.into_parts();
    CallbackRequest {
        method: parts.method,
        raw_query: parts.uri.query().unwrap_or_default().to_owned(),
        body: match body {
            lambda_http::Body::Text(text) => Bytes::from(text),
            lambda_http::Body::Binary(bytes) => Bytes::from(bytes),
            _ => Bytes::new(),
        },
    }
}

/// Converts the handler's answer into a Lambda response.
pub fn to_lambda(
    answer: CallbackResponse,
) -> Result<lambda_http::Response<lambda_http::Body>, http::Error> {
    lambda_http::Response::builder()
        .status(answer.status)
        .header(http::header::CONTENT_TYPE, answer.content_type)
        .body(lambda_http::Body::Text(answer.body))
}

/// The callback crypto settings, from the stored corp configuration.
pub struct CallbackSettings {
    pub crypt: MsgCrypt,
    /// 0 disables the timestamp freshness check.
    pub max_skew_secs: i64,
}

impl CallbackSettings {
    pub fn from_config(config: &crm::config::CorpConfig) -> Result<Self, CallbackError> {
        Ok(Self {
            crypt: MsgCrypt::new(&config.token, &config.encoding_aes_key, &config.corp_id)?,
            max_skew_secs: config.callback_max_skew_secs,
        })
    }
}

pub struct CallbackHandler {
    settings: std::sync::Mutex<Loaded>,
    reload: Option<(ConfigRepo, Duration)>,
    ingestor: Ingestor,
    clock: Arc<dyn Clock>,
}

/// The settings in use and when they were read.
struct Loaded {
    settings: Arc<CallbackSettings>,
    fingerprint: [String; 4],
    read_at: Instant,
}

fn fingerprint(config: &crm::config::CorpConfig) -> [String; 4] {
    [
        config.token.clone(),
        config.encoding_aes_key.clone(),
        config.corp_id.clone(),
        config.callback_max_skew_secs.to_string(),
    ]
}

impl CallbackHandler {
    pub fn new(settings: CallbackSettings, ingestor: Ingestor, clock: Arc<dyn Clock>) -> Self {
        Self {
            settings: std::sync::Mutex::new(Loaded {
                settings: Arc::new(settings),
                fingerprint: Default::default(),
                read_at: Instant::now(),
            }),
            reload: None,
            ingestor,
            clock,
        }
    }

    /// Re-reads the stored configuration at most every `every`, so that a Token or
    /// EncodingAESKey changed in the admin API is used without a restart.
    pub fn reloading(mut self, configs: ConfigRepo, every: Duration) -> Self {
        self.reload = Some((configs, every));
        self
    }

    async fn settings(&self) -> Arc<CallbackSettings> {
        let (current, due) = match self.settings.lock() {
            Ok(loaded) => {
                let due = self
                    .reload
                    .as_ref()
                    .is_some_and(|(_, every)| loaded.read_at.elapsed() >= *every);
                (loaded.settings.clone(), due)
            }
            Err(poisoned) => (poisoned.into_inner().settings.clone(), false),
        };
        let Some((configs, _)) = self.reload.as_ref().filter(|_| due) else {
            return current;
        };
        let config = match configs.load().await {
            Ok(Some(config)) => config,
            Ok(None) => return current,
            Err(e) => {
                warn!(error = %e, "could not re-read the configuration; keeping the current one");
                return current;
            }
        };
        let print = fingerprint(&config);
        let Ok(mut loaded) = self.settings.lock() else {
            return current;
        };
        loaded.read_at = Instant::now();
        if loaded.fingerprint != print {
            match CallbackSettings::from_config(&config) {
                Ok(settings) => {
                    info!("callback settings reloaded");
                    loaded.settings = Arc::new(settings);
                    loaded.fingerprint = print;
                }
                Err(e) => warn!(
                    code = e.code(),
                    "stored callback settings unusable; keeping the current ones"
                ),
            }
        }
        loaded.settings.clone()
    }

    pub async fn handle(&self, request: CallbackRequest) -> CallbackResponse {
        let settings = self.settings().await;
        let result = match request.method {
            Method::GET => self.verify_url(&settings, &request),
            Method::POST => self.receive(&settings, &request).await,
            _ => Err(CallbackResponse::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "只接受 GET 和 POST",
            )),
        };
        result.unwrap_or_else(|response| response)
    }

    fn verify_url(
        &self,
        settings: &CallbackSettings,
        request: &CallbackRequest,
    ) -> Result<CallbackResponse, CallbackResponse> {
        let params = query_params(&request.raw_query);
        let (signature, timestamp, nonce, echostr) = (
            required(&params, "msg_signature")?,
            required(&params, "timestamp")?,
            required(&params, "nonce")?,
            required(&params, "echostr")?,
        );
        self.check_time(settings, timestamp)?;
        let plain = settings
            .crypt
            .verify_url(signature, timestamp, nonce, echostr)
            .map_err(|e| rejected(&e))?;
        info!("callback URL verified");
        Ok(CallbackResponse::text(plain))
    }

    async fn receive(
        &self,
        settings: &CallbackSettings,
        request: &CallbackRequest,
    ) -> Result<CallbackResponse, CallbackResponse> {
        if request.body.len() > wecom_callback::MAX_BODY_BYTES {
            return Err(rejected(&CallbackError::BodyTooLarge));
        }
        let params = query_params(&request.raw_query);
        let (signature, timestamp, nonce) = (
            required(&params, "msg_signature")?,
            required(&params, "timestamp")?,
            required(&params, "nonce")?,
        );
        self.check_time(settings, timestamp)?;
        // From here on the request is authentic or refused: whatever the plaintext is, it is
        // kept.
        let plain = settings
            .crypt
            .decrypt_post_bytes(signature, timestamp, nonce, &request.body)
            .map_err(|e| rejected(&e))?;
        let stored = match std::str::from_utf8(&plain).map(parse_message_ref) {
            // The borrowed view: what the request needs (key, event type, identifiers, raw
            // XML) without building the owned message; the events worker parses the logged XML
            // again.
            Ok(Ok(message)) => self.ingestor.ingest_ref(&message).await.map(|outcome| {
                info!(
                    event = %crm::ingest::event_type_ref(&message),
                    duplicate = outcome == IngestOutcome::Duplicate,
                    "callback accepted"
                );
            }),
            Ok(Err(e)) => self.keep_unrecognized(&plain, &e).await,
            Err(_) => {
                self.keep_unrecognized(&plain, &CallbackError::NotUtf8)
                    .await
            }
        };
        match stored {
            Ok(()) => Ok(CallbackResponse::text(SUCCESS.to_owned())),
            Err(e) => {
                warn!(error = %e.summary(), "callback could not be made durable; WeCom will retry");
                Err(CallbackResponse::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "暂时无法处理，请稍后重试",
                ))
            }
        }
    }

    /// An authentic plaintext this version cannot interpret: logged raw, marked unrecognized.
    async fn keep_unrecognized(
        &self,
        plain: &[u8],
        error: &CallbackError,
    ) -> Result<(), crm::CrmError> {
        let reason = crm::ingest::unrecognized_reason(plain, error);
        let outcome = self
            .ingestor
            .ingest_unrecognized(plain, reason.clone())
            .await?;
        warn!(
            reason = %reason,
            duplicate = outcome == IngestOutcome::Duplicate,
            "authentic callback not interpreted; kept as unrecognized"
        );
        Ok(())
    }

    fn check_time(
        &self,
        settings: &CallbackSettings,
        timestamp: &str,
    ) -> Result<(), CallbackResponse> {
        check_freshness(timestamp, self.clock.now_secs(), settings.max_skew_secs)
            .map_err(|e| rejected(&e))
    }
}

/// A query parameter WeCom always sends.
fn required<'a>(
    params: &'a std::collections::BTreeMap<String, String>,
    name: &'static str,
) -> Result<&'a str, CallbackResponse> {
    params
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| rejected(&CallbackError::MissingParameter(name)))
}

/// A refused (forged or corrupt) request: the reason is logged by its code only (never the
/// payload, never parser text); the answer is a 4xx with the same generic body whatever the
/// reason.
fn rejected(error: &CallbackError) -> CallbackResponse {
    let status = match error {
        CallbackError::BadSignature
        | CallbackError::StaleTimestamp
        | CallbackError::BadTimestamp => StatusCode::UNAUTHORIZED,
        CallbackError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    warn!(code = error.code(), "callback rejected");
    CallbackResponse::error(status, REFUSED_CODE, REFUSED_MESSAGE)
}
