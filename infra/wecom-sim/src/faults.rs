//! Fault injection (crate docs, "Faults"): the FIFO of [`FaultRule`]s the `/cgi-bin/` pipeline
//! consumes, its validation, and the answer an injected fault gives instead of the real one.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::control_error::{ControlError, ControlResult};
use crate::model::FaultRule;
use crate::sim::Simulator;
use crate::wx::{self, WxError};

pub(crate) fn validate_fault(rule: &FaultRule) -> ControlResult<()> {
    if rule.path.trim().is_empty() {
        return Err(ControlError::BadRequest(
            "path is required ('*' = every api)".to_owned(),
        ));
    }
    if rule.times == 0 {
        return Err(ControlError::BadRequest(
            "times must be at least 1".to_owned(),
        ));
    }
    if let Some(s) = rule.http_status
        && !(100..=599).contains(&s)
    {
        return Err(ControlError::BadRequest(
            "http_status must be 100 to 599".to_owned(),
        ));
    }
    if rule.errcode.is_none() && rule.http_status.is_none() && rule.delay_ms.is_none() {
        return Err(ControlError::BadRequest(
            "a fault needs errcode, http_status or delay_ms".to_owned(),
        ));
    }
    if rule.delay_ms.is_some_and(|d| d > 600_000) {
        return Err(ControlError::BadRequest(
            "delay_ms must be at most 600000".to_owned(),
        ));
    }
    Ok(())
}

impl Simulator {
    /// Appends a fault rule to the FIFO.
    pub fn inject_fault(&self, rule: FaultRule) -> Result<(), ControlError> {
        validate_fault(&rule)?;
        self.lock().faults.push_back(rule);
        Ok(())
    }

    /// Removes every pending fault rule.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The pending fault rules, in FIFO order.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.lock().faults.iter().cloned().collect()
    }

    /// The answer an injected fault gives instead of the real one (`None`: delay only).
    pub(crate) fn fault_response(&self, rule: &FaultRule) -> Option<Response> {
        if rule.errcode.is_none() && rule.http_status.is_none() {
            return None;
        }
        if let Some(code) = rule.errcode {
            // Token faults also really invalidate / expire the token, so a refresh is needed.
            match code {
                40014 => self.invalidate_tokens(),
                42001 => self.expire_tokens(),
                _ => {}
            }
        }
        let status = rule
            .http_status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK);
        Some(match rule.errcode {
            Some(code) => {
                let mut body = WxError::new(code).body();
                if let (Some(msg), Some(obj)) = (&rule.errmsg, body.as_object_mut()) {
                    obj.insert("errmsg".to_owned(), serde_json::Value::from(msg.clone()));
                }
                (status, axum::Json(body)).into_response()
            }
            None => wx::http_error_page(status),
        })
    }
}
