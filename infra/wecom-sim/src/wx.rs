//! WeCom's answer shape: HTTP 200 with `{"errcode": N, "errmsg": "…"}`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// A WeCom error answer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WxError {
    pub code: i64,
    pub detail: Option<String>,
    /// Extra fields in the error body (e.g. `invaliduser` with 81013).
    pub extra: Map<String, Value>,
}

/// What an API returns: its fields (merged into the `errcode: 0` answer) or an error.
pub(crate) type WxResult = Result<Value, WxError>;

impl WxError {
    pub fn new(code: i64) -> Self {
        WxError {
            code,
            detail: None,
            extra: Map::new(),
        }
    }

    pub fn detail(code: i64, detail: impl Into<String>) -> Self {
        WxError {
            code,
            detail: Some(detail.into()),
            extra: Map::new(),
        }
    }

    #[cfg(test)]
    pub fn with_extra(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("errcode".to_owned(), Value::from(self.code));
        m.insert(
            "errmsg".to_owned(),
            Value::from(errmsg(self.code, self.detail.as_deref())),
        );
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

impl IntoResponse for WxError {
    fn into_response(self) -> Response {
        (StatusCode::OK, Json(self.body())).into_response()
    }
}

/// WeCom's short text for an errcode (clients must key on the errcode, never on this text).
pub(crate) fn base_errmsg(code: i64) -> &'static str {
    match code {
        -1 => "system busy",
        0 => "ok",
        6000 => "data version conflict",
        40001 => "invalid credential",
        40003 => "invalid userid",
        40004 => "invalid media type",
        40005 => "invalid file type",
        40006 => "invalid file size",
        40007 => "invalid media_id",
        40008 => "invalid message type",
        40009 => "invalid image size",
        40011 => "invalid video size",
        40013 => "invalid corpid",
        40014 => "invalid access_token",
        40032 => "invalid userid list size",
        40056 => "invalid agentid",
        40058 => "invalid Request Parameter",
        40068 => "invalid tagid",
        40071 => "invalid tag name, tag name exists",
        40072 => "invalid tag name size",
        40096 => "invalid external userid",
        40126 => "too many corp tags",
        41001 => "access_token missing",
        41002 => "corpid missing",
        41004 => "corpsecret missing",
        41006 => "media_id missing",
        41009 => "missing userid",
        41011 => "missing agentid",
        41046 => "msgid missing",
        41047 => "invalid msgid",
        41048 => "no valid external userid to send",
        41050 => "invalid welcome_code",
        41051 => "welcome msg already sent",
        41063 => "group msg is being dispatched, please retry later",
        41064 => "too many attachments",
        41065 => "invalid attachment type",
        42001 => "access_token expired",
        44001 => "empty media data",
        44004 => "empty content",
        45001 => "media size out of limit",
        45002 => "content size out of limit",
        45009 => "api freq out of limit",
        45033 => "api concurrent out of limit",
        48002 => "api forbidden",
        60011 => "no privilege to access/modify contact/party/agent",
        60020 => "not allow to access from your ip",
        60111 => "userid not found",
        81011 => "no privilege to modify tag",
        81013 => "user & party & tag all invalid",
        84061 => "not external contact",
        84074 => "no privilege of external contact",
        _ => "error",
    }
}

/// The full errmsg the way WeCom writes it: text, hint, caller ip, help link.
pub(crate) fn errmsg(code: i64, detail: Option<&str>) -> String {
    if code == 0 {
        return "ok".to_owned();
    }
    let base = base_errmsg(code);
    let text = match detail {
        Some(d) if !d.is_empty() => format!("{base}: {d}"),
        _ => base.to_owned(),
    };
    let secs = crate::clock::system_now_ms() / 1000;
    format!(
        "{text}, hint: [{secs}_{}_{}], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e={code}",
        crate::ids::random_u64(100),
        crate::ids::hint_hex()
    )
}

/// `{"errcode":0,"errmsg":"ok", …fields}`.
pub(crate) fn ok_body(fields: Value) -> Value {
    let mut m = Map::new();
    m.insert("errcode".to_owned(), Value::from(0));
    m.insert("errmsg".to_owned(), Value::from("ok"));
    if let Value::Object(f) = fields {
        for (k, v) in f {
            m.insert(k, v);
        }
    }
    Value::Object(m)
}

pub(crate) fn ok_response(fields: Value) -> Response {
    (StatusCode::OK, Json(ok_body(fields))).into_response()
}

/// An unknown path under `/cgi-bin/`: WeCom answers HTTP 404 with an empty body (observed on the
/// live API for a non-existent cgi path), not an errcode.
pub(crate) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_LENGTH, "0")],
        String::new(),
    )
        .into_response()
}

/// A fault's HTTP error page (no errcode JSON): a short text like a gateway's.
pub(crate) fn http_error_page(status: StatusCode) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let code = status.as_u16();
    (
        status,
        [(header::CONTENT_TYPE, "text/html")],
        format!(
            "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n<center><h1>{code} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
        ),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_carry_errcode_and_a_wecom_style_errmsg() {
        let b = WxError::detail(40058, "tag is empty")
            .with_extra("invaliduser", Value::from("x"))
            .body();
        assert_eq!(b["errcode"], 40058);
        let msg = b["errmsg"].as_str().unwrap_or_default();
        assert!(msg.starts_with("invalid Request Parameter: tag is empty, hint: ["));
        assert!(msg.ends_with("devtool/query?e=40058"));
        assert_eq!(b["invaliduser"], "x");
        assert_eq!(errmsg(0, Some("x")), "ok");
    }
}
