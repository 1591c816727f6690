//! Emitting callbacks the way WeCom does: encrypt + sign the inner XML, POST the envelope to
//! `{callback_url}?msg_signature=…&timestamp=…&nonce=…`, retry on failure.
//!
//! Retry policy (wecom-api.md §6): an attempt fails on a non-200 status or when no complete
//! answer arrives within `callback_timeout`; a failed delivery is retried up to 3 more times,
//! `callback_retry_delay` apart. The control call that caused the event returns after the first
//! attempt of each delivery; later attempts continue in the background and are recorded in
//! `GET /sim/control/deliveries`.

use std::time::{Duration, Instant};

use axum::http::header;
use tokio::sync::oneshot;
use wecom_callback::{MsgCrypt, envelope_xml};

use crate::control_error::ControlError;
use crate::model::{
    DeliveryAttempt, DeliveryRecord, DeliveryReport, DeliveryStatus, VerifyUrlReport,
};
use crate::sim::Simulator;

/// One attempt plus three retries.
pub(crate) const MAX_ATTEMPTS: u32 = 4;
/// Most deliveries of one event a control call may ask for.
pub(crate) const MAX_DELIVERIES: u32 = 50;
const MAX_RECORDED_BODY: usize = 1024;
/// Delivery records kept for `GET /sim/control/deliveries`.
pub(crate) const MAX_KEPT_DELIVERIES: usize = 10_000;

fn crypt(sim: &Simulator) -> Result<MsgCrypt, ControlError> {
    let c = sim.config();
    MsgCrypt::new(&c.token, &c.encoding_aes_key, &c.corp_id)
        .map_err(|e| ControlError::Internal(format!("callback crypto not usable: {e}")))
}

fn truncate(bytes: &[u8]) -> String {
    let cut = bytes.get(..MAX_RECORDED_BODY).unwrap_or(bytes);
    String::from_utf8_lossy(cut).into_owned()
}

/// Seals `inner_xml` and delivers it `deliveries` times concurrently (each with its own nonce,
/// signature and random prefix; the inner XML is the same). Returns after the first attempt of
/// each delivery. No callback URL → no delivery, empty report list.
pub(crate) async fn emit(
    sim: &Simulator,
    kind: &str,
    inner_xml: &str,
    deliveries: u32,
) -> Result<Vec<DeliveryReport>, ControlError> {
    let Some(url) = sim.callback_url() else {
        tracing::debug!(kind, "no callback url: event applied, not delivered");
        return Ok(Vec::new());
    };
    if deliveries == 0 || deliveries > MAX_DELIVERIES {
        return Err(ControlError::BadRequest(format!(
            "deliveries must be 1 to {MAX_DELIVERIES}"
        )));
    }
    let crypt = crypt(sim)?;
    let config = sim.config();
    let mut waiting = Vec::new();
    for _ in 0..deliveries {
        // The query timestamp is the receiver's current time (it checks its freshness): the
        // clock the simulator was given, without `clock/advance` offsets; the inner CreateTime
        // follows the simulated clock.
        let timestamp = (sim.signing_now_ms() / 1000).to_string();
        let nonce = crate::ids::nonce();
        let sealed = crypt.seal(inner_xml, &timestamp, &nonce, crate::ids::random16());
        let body = envelope_xml(&config.corp_id, &config.agent_id, &sealed.encrypt);
        let id = {
            let mut st = sim.lock();
            trim_history(&mut st.deliveries);
            let id = st.next_delivery_id;
            st.next_delivery_id += 1;
            st.deliveries.push(DeliveryRecord {
                id,
                kind: kind.to_owned(),
                url: url.clone(),
                inner_xml: inner_xml.to_owned(),
                timestamp: timestamp.clone(),
                nonce: nonce.clone(),
                msg_signature: sealed.msg_signature.clone(),
                status: DeliveryStatus::Pending,
                attempts: Vec::new(),
            });
            id
        };
        let target = reqwest::Url::parse(&url).map(|mut u| {
            u.query_pairs_mut()
                .append_pair("msg_signature", &sealed.msg_signature)
                .append_pair("timestamp", &timestamp)
                .append_pair("nonce", &nonce);
            u
        });
        let (tx, rx) = oneshot::channel();
        match target {
            Ok(target) => {
                tokio::spawn(run_delivery(sim.clone(), id, target, body, tx));
            }
            Err(e) => {
                let report = finish_unsendable(sim, id, &format!("invalid callback url: {e}"));
                let _ = tx.send(report);
            }
        }
        waiting.push((id, rx));
    }
    let mut reports = Vec::with_capacity(waiting.len());
    for (id, rx) in waiting {
        reports.push(rx.await.unwrap_or(DeliveryReport {
            id,
            status: None,
            attempts: 0,
            ok: false,
            error: Some("delivery task ended without a report".to_owned()),
        }));
    }
    Ok(reports)
}

/// Keeps memory bounded in long runs (benchmarks): beyond [`MAX_KEPT_DELIVERIES`] records, the
/// oldest finished ones are dropped (pending ones are always kept).
fn trim_history(deliveries: &mut Vec<DeliveryRecord>) {
    if deliveries.len() < MAX_KEPT_DELIVERIES {
        return;
    }
    let mut excess = deliveries.len() + 1 - MAX_KEPT_DELIVERIES;
    deliveries.retain(|d| {
        if excess > 0 && d.status != DeliveryStatus::Pending {
            excess -= 1;
            false
        } else {
            true
        }
    });
}

fn finish_unsendable(sim: &Simulator, id: u64, error: &str) -> DeliveryReport {
    let now = sim.now_ms();
    let mut st = sim.lock();
    if let Some(d) = st.deliveries.iter_mut().find(|d| d.id == id) {
        d.status = DeliveryStatus::Failed;
        d.attempts.push(DeliveryAttempt {
            attempt: 1,
            at_ms: now,
            status: None,
            error: Some(error.to_owned()),
            elapsed_ms: 0,
            response_body: None,
        });
    }
    DeliveryReport {
        id,
        status: None,
        attempts: 1,
        ok: false,
        error: Some(error.to_owned()),
    }
}

async fn run_delivery(
    sim: Simulator,
    id: u64,
    url: reqwest::Url,
    body: String,
    first: oneshot::Sender<DeliveryReport>,
) {
    let mut first = Some(first);
    let timeout = sim.config().callback_timeout;
    let retry_delay = sim.config().callback_retry_delay;
    for attempt in 1..=MAX_ATTEMPTS {
        let at_ms = sim.now_ms();
        let started = Instant::now();
        let sent = sim
            .inner
            .http
            .post(url.clone())
            .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .timeout(timeout)
            .body(body.clone())
            .send()
            .await;
        let (status, error, response_body) = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                match resp.bytes().await {
                    Ok(b) => (Some(status), None, Some(truncate(&b))),
                    // The answer did not complete in time: WeCom counts that as no answer.
                    Err(e) => (None, Some(describe(&e)), None),
                }
            }
            Err(e) => (None, Some(describe(&e)), None),
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let ok = status == Some(200);
        let done = ok || attempt == MAX_ATTEMPTS;
        {
            let mut st = sim.lock();
            if let Some(d) = st.deliveries.iter_mut().find(|d| d.id == id) {
                d.attempts.push(DeliveryAttempt {
                    attempt,
                    at_ms,
                    status,
                    error: error.clone(),
                    elapsed_ms,
                    response_body,
                });
                if ok {
                    d.status = DeliveryStatus::Delivered;
                } else if done {
                    d.status = DeliveryStatus::Failed;
                }
            }
        }
        if let Some(tx) = first.take() {
            let _ = tx.send(DeliveryReport {
                id,
                status,
                attempts: attempt,
                ok,
                error,
            });
        }
        if done {
            return;
        }
        tokio::time::sleep(retry_delay).await;
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout: no answer within callback_timeout".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        format!("request failed: {e}")
    }
}

/// WeCom's URL verification: `GET {callback_url}?msg_signature&timestamp&nonce&echostr` with an
/// encrypted random echostr; the answer must be the plaintext exactly, within one second.
pub(crate) async fn verify_url(sim: &Simulator) -> Result<VerifyUrlReport, ControlError> {
    let url = sim
        .callback_url()
        .ok_or_else(|| ControlError::Conflict("no callback url is configured".to_owned()))?;
    let crypt = crypt(sim)?;
    let expected = crate::ids::echostr_plain();
    let echostr = crypt.encrypt(&expected, crate::ids::random16());
    let timestamp = (sim.signing_now_ms() / 1000).to_string();
    let nonce = crate::ids::nonce();
    let signature = crypt.signature(&timestamp, &nonce, &echostr);
    let mut target = reqwest::Url::parse(&url)
        .map_err(|e| ControlError::BadRequest(format!("invalid callback url: {e}")))?;
    // Form-encoding turns '+', '/' and '=' of the base64 echostr into %2B, %2F, %3D.
    target
        .query_pairs_mut()
        .append_pair("msg_signature", &signature)
        .append_pair("timestamp", &timestamp)
        .append_pair("nonce", &nonce)
        .append_pair("echostr", &echostr);
    let started = Instant::now();
    let sent = sim
        .inner
        .http
        .get(target)
        .timeout(sim.config().callback_timeout.max(Duration::from_secs(1)))
        .send()
        .await;
    let (status, body, error) = match sent {
        Ok(resp) => {
            let status = resp.status().as_u16();
            match resp.bytes().await {
                Ok(b) => (Some(status), Some(b.to_vec()), None),
                Err(e) => (Some(status), None, Some(describe(&e))),
            }
        }
        Err(e) => (None, None, Some(describe(&e))),
    };
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let exact = body.as_deref() == Some(expected.as_bytes());
    Ok(VerifyUrlReport {
        url,
        ok: status == Some(200) && exact && elapsed_ms <= 1000,
        status,
        expected,
        body: body.as_deref().map(truncate),
        elapsed_ms,
        within_1s: elapsed_ms <= 1000,
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_history_is_bounded_but_keeps_pending_ones() {
        let record = |id: u64, status: DeliveryStatus| DeliveryRecord {
            id,
            kind: "raw".to_owned(),
            url: String::new(),
            inner_xml: String::new(),
            timestamp: String::new(),
            nonce: String::new(),
            msg_signature: String::new(),
            status,
            attempts: Vec::new(),
        };
        let mut v: Vec<DeliveryRecord> = (0..MAX_KEPT_DELIVERIES as u64)
            .map(|i| {
                record(
                    i,
                    if i == 0 {
                        DeliveryStatus::Pending
                    } else {
                        DeliveryStatus::Delivered
                    },
                )
            })
            .collect();
        trim_history(&mut v);
        assert_eq!(v.len(), MAX_KEPT_DELIVERIES - 1);
        assert_eq!(v.first().map(|d| d.id), Some(0));
        assert_eq!(v.get(1).map(|d| d.id), Some(2));
    }

    #[test]
    fn recorded_bodies_are_truncated() {
        let long = vec![b'a'; 5000];
        assert_eq!(truncate(&long).len(), MAX_RECORDED_BODY);
        assert_eq!(truncate(b"ok"), "ok");
    }
}
