//! One API call: the access token in the URL, a token refresh on 40014 / 42001, bounded retries
//! with backoff; JSON and `multipart/form-data` bodies.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::{debug, warn};

use super::WeComClient;
use super::outcome::{
    Attempt, Replay, classify_errcode, classify_http, decode, errcode_of, errmsg_of,
};
use crate::WeComError;

#[derive(Clone, Copy)]
pub(super) enum Verb {
    Get,
    Post,
}

/// What a request carries.
pub(super) enum Payload {
    None,
    Json(Value),
    /// A `multipart/form-data` body, already framed.
    Multipart {
        content_type: String,
        body: Vec<u8>,
    },
}

impl WeComClient {
    pub(super) async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        api: &'static str,
        verb: Verb,
        params: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<T, WeComError> {
        let payload = match body {
            Some(b) => Payload::Json(
                serde_json::to_value(b)
                    .map_err(|e| WeComError::invalid(api, "body", e.to_string()))?,
            ),
            None => Payload::None,
        };
        self.send(api, verb, params, &payload, Replay::Safe).await
    }

    /// One API call with the token in the URL: refreshes the token once on 40014 / 42001 and
    /// retries -1 / 45033 / 6000 (and, for [`Replay::Safe`], transport failures) with backoff.
    pub(super) async fn send<T: DeserializeOwned>(
        &self,
        api: &'static str,
        verb: Verb,
        params: &[(&str, &str)],
        payload: &Payload,
        replay: Replay,
    ) -> Result<T, WeComError> {
        let url = format!("{}/cgi-bin/{api}", self.settings.endpoint.base_url);
        let mut retries = 0;
        let mut refreshed = false;
        loop {
            let token = self.access_token().await?;
            let mut query: Vec<(&str, &str)> = Vec::with_capacity(params.len() + 1);
            query.push(("access_token", token.as_str()));
            query.extend_from_slice(params);
            let request = match verb {
                Verb::Get => self.http.get(&url),
                Verb::Post => self.http.post(&url),
            }
            .query(&query);
            let request = match payload {
                Payload::None => request,
                Payload::Json(body) => request.json(body),
                Payload::Multipart { content_type, body } => request
                    .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
                    .body(body.clone()),
            };
            let attempt = match classify_http(api, request.send().await, replay).await {
                Ok(value) => match errcode_of(&value) {
                    0 => {
                        return decode(api, value).map_err(|e| match (replay, e) {
                            // WeCom applied it, but its answer (the msgid) is unreadable.
                            (Replay::Unsafe, WeComError::Decode { api, detail }) => {
                                WeComError::Ambiguous { api, detail }
                            }
                            (_, e) => e,
                        });
                    }
                    code => classify_errcode(api, code, errmsg_of(&value)),
                },
                Err(attempt) => attempt,
            };
            match attempt {
                Attempt::TokenRejected(err) if !refreshed => {
                    refreshed = true;
                    debug!(api, error = %err, "token refused; refreshing once");
                    self.forget(&token).await?;
                }
                Attempt::Retry(err) if retries < self.settings.retry.max_retries => {
                    retries += 1;
                    warn!(api, retry = retries, error = %err, "retrying");
                    tokio::time::sleep(self.settings.retry.delay(retries)).await;
                }
                Attempt::TokenRejected(err) | Attempt::Retry(err) | Attempt::Fail(err) => {
                    return Err(err);
                }
            }
        }
    }
}

/// A `multipart/form-data` body with the file in the part `media`, as WeCom documents it:
/// `Content-Disposition: form-data; name="media";filename="…"; filelength=N`.
pub(super) fn multipart_media(filename: &str, bytes: &[u8]) -> Payload {
    // Quotes and line breaks would break the header; WeCom only shows the name.
    let filename: String = filename
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\r' | '\n' => '_',
            c => c,
        })
        .collect();
    let boundary = loop {
        let b = format!(
            "----wecom-api-{:016x}{:016x}",
            rand::random::<u64>(),
            rand::random::<u64>()
        );
        let delim = format!("--{b}");
        if !bytes.windows(delim.len()).any(|w| w == delim.as_bytes()) {
            break b;
        }
    };
    let mut body = Vec::with_capacity(bytes.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"media\";filename=\"{filename}\"; filelength={}\r\nContent-Type: application/octet-stream\r\n\r\n",
            bytes.len()
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Payload::Multipart {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}
