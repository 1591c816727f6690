//! The API's error model: `{ "error": { "code", "message", "field"?, "errcode"? } }`, with
//! messages in Chinese for the clinic's staff and no internal detail.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use crm::CrmError;
use ports::StoreError;
use serde::Serialize;
use tracing::{error, warn};
use utoipa::ToSchema;
use wecom_api::{WeComError, errcode};

/// An API error as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub errcode: Option<i64>,
}

/// The JSON body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid_field`.
    pub code: String,
    /// For people (zh-CN).
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// WeCom's errcode, when WeCom refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errcode: Option<i64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            errcode: None,
        }
    }

    /// 400 naming the field at fault.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, "invalid_field", message);
        e.field = Some(field.to_owned());
        e
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("未找到{what}"))
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "未登录或登录已失效，请重新登录",
        )
    }

    /// 403: the caller's role may not do this (or the customer is not theirs).
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "服务暂时不可用，请稍后重试",
        )
    }

    /// 503 with a specific message (e.g. what the admin must write down).
    pub fn unavailable_with(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    pub fn bad_gateway(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "wecom_unreachable", message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后重试或联系管理员",
        )
    }

    /// A WeCom failure, with a plain-Chinese explanation: 422 when WeCom refused the request
    /// (retrying the same request will not help), 503 when it is busy or rate-limiting (retry
    /// later), 502 when it could not be reached or answered nonsense.
    pub fn wecom(e: &WeComError) -> Self {
        if let WeComError::InvalidRequest { rule, .. } = e {
            return Self::invalid_field(
                &rule.field,
                format!("请求不符合企业微信的规则：{}", rule.message),
            );
        }
        let (status, code) = match e {
            WeComError::Transport { .. } | WeComError::Decode { .. } => {
                (StatusCode::BAD_GATEWAY, "wecom_unreachable")
            }
            _ if e.is_retryable() => (StatusCode::SERVICE_UNAVAILABLE, "wecom_busy"),
            _ => (StatusCode::UNPROCESSABLE_ENTITY, "wecom_refused"),
        };
        let mut err = Self::new(status, code, explain_wecom(e));
        err.errcode = e.errcode();
        err
    }
}

/// What a WeCom failure means, for clinic staff.
pub fn explain_wecom(e: &WeComError) -> String {
    if e.errcode() == Some(errcode::UNTRUSTED_IP) {
        return untrusted_ip(e.errmsg().unwrap_or_default());
    }
    let text = match e.errcode() {
        Some(errcode::INVALID_SECRET) => {
            "Secret 错误或已被重置，请在企业微信管理后台核对应用的 Secret"
        }
        Some(errcode::INVALID_CORP_ID) => "企业 ID（CorpID）无效，请核对",
        Some(errcode::INVALID_TOKEN | errcode::TOKEN_EXPIRED) => "访问令牌已失效，请稍后重试",
        Some(errcode::NO_API_PERMISSION) => {
            "该应用没有客户联系接口权限：请在企业微信管理后台「客户联系 → API → 可调用接口的应用」中添加本应用"
        }
        Some(errcode::MEMBER_NOT_VISIBLE) => "成员不在应用的可见范围内，请调整应用的可见范围",
        Some(errcode::INVALID_EXTERNAL_USERID) => {
            "客户 ID 无效，或该客户的跟进成员不在应用可见范围内"
        }
        Some(errcode::NOT_A_FRIEND) => "该成员与客户不是好友关系（已删除或尚未通过验证）",
        Some(errcode::CONTACT_WAY_TOO_MANY_MEMBERS) => "「联系我」成员数超过 100 人上限",
        Some(errcode::CONTACT_WAY_LIMIT) => "「联系我」数量已达企业上限（50 万）",
        Some(errcode::MEMBER_NOT_ACTIVATED) => "成员尚未激活企业微信",
        Some(errcode::MEMBER_NOT_VERIFIED) => "成员尚未实名认证",
        Some(errcode::TAG_NOT_OWNED) => "无权操作该标签：只能编辑或删除本应用创建的标签",
        Some(errcode::FREQUENCY_LIMIT) => "调用企业微信接口过于频繁，已被限流，请稍后再试",
        Some(errcode::CONCURRENCY_LIMIT) => "企业微信接口并发过高，请稍后再试",
        Some(errcode::SYSTEM_BUSY) => "企业微信系统繁忙，请稍后再试",
        _ => match e {
            WeComError::Transport { .. } => "无法连接企业微信服务器，请检查网络后重试",
            WeComError::Decode { .. } => "企业微信返回了无法识别的结果",
            WeComError::TokenStore(_) => "服务暂时不可用，请稍后重试",
            _ => "企业微信拒绝了该请求",
        },
    };
    match (e.errcode(), e.errmsg()) {
        (Some(code), Some(msg)) if !msg.is_empty() => format!("{text}（错误码 {code}：{msg}）"),
        (Some(code), _) => format!("{text}（错误码 {code}）"),
        _ => text.to_owned(),
    }
}

/// 60020: the app was created after 2022-06-20 and this server's egress IP is not among its
/// 企业可信IP. WeCom's errmsg names the caller's IP (`…, from ip: 1.2.3.4, …`): say which IP to
/// add, and where.
fn untrusted_ip(errmsg: &str) -> String {
    let ip = errmsg
        .split("from ip:")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .map(str::trim)
        .filter(|ip| !ip.is_empty() && ip.len() <= 45);
    let which = ip.map_or_else(
        || "本服务器的出口 IP".to_owned(),
        |ip| format!("本服务器的出口 IP {ip} "),
    );
    format!(
        "{which}不在企业微信应用的「企业可信IP」中：请在企业微信管理后台 → 应用管理 → 本应用 → 企业可信IP 中添加{}（须先为应用设置接收消息服务器 URL 或可信域名）（错误码 60020）",
        ip.unwrap_or("该 IP")
    )
}

impl From<CrmError> for ApiError {
    fn from(e: CrmError) -> Self {
        match &e {
            CrmError::WeCom(w) => {
                warn!(error = %e.summary(), "WeCom call failed");
                ApiError::wecom(w)
            }
            CrmError::Store(StoreError::Unavailable(_) | StoreError::Conflict)
            | CrmError::Contention(_)
            | CrmError::Queue(_)
            | CrmError::Scheduler(_) => {
                warn!(error = %e, "backend unavailable");
                ApiError::unavailable()
            }
            CrmError::Store(StoreError::BadCursor) => {
                warn!(error = %e, "invalid cursor");
                ApiError::invalid_field("cursor", "分页游标无效，请从第一页重新查询")
            }
            CrmError::Store(StoreError::Invalid(_)) => {
                // Keys built from the request (an empty or over-long id) or an oversized item.
                warn!(error = %e, "store refused the request");
                ApiError::bad_request("请求无效：参数为空或过长")
            }
            CrmError::Field(f) => ApiError::invalid_field(&f.field, f.message.clone()),
            CrmError::NotFound { what, .. } => ApiError::not_found(match *what {
                "campaign" => "该推送任务",
                "media" => "该素材",
                "sync run" => "该同步记录",
                _ => "该记录",
            }),
            CrmError::Unreadable { .. } | CrmError::Inconsistent(_) => {
                error!(error = %e.summary(), "the domain met data it cannot use");
                ApiError::internal()
            }
            CrmError::Store(_) => {
                error!(error = %e, "store failure");
                ApiError::internal()
            }
        }
    }
}

impl From<crm::FieldError> for ApiError {
    fn from(e: crm::FieldError) -> Self {
        ApiError::invalid_field(&e.field, e.message)
    }
}

/// A body that is not JSON at all (bad syntax, cut short, or trailing characters).
fn not_json() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_json",
        "请求体不是有效的 JSON",
    )
}

/// Why a JSON body was refused, naming the field by its path (`send_rules.daily_cap`,
/// `channels.xiaohongshu.welcome.text`) as the console's forms name their inputs.
fn json_body_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    let path = e.path().to_string();
    let inner = e.into_inner();
    if !matches!(inner.classify(), Category::Data) {
        return not_json();
    }
    // A missing field is reported at its parent, with its name only in the message
    // ("missing field `corp_id`"): the name joins the path.
    let detail = inner.to_string();
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|kind| detail.strip_prefix(kind))
        .and_then(|rest| rest.split('`').next())
        .filter(|name| !name.is_empty() && name.len() < 64);
    let message = if detail.starts_with("missing field") {
        "缺少必填字段"
    } else if detail.starts_with("unknown field") {
        "包含不支持的字段"
    } else {
        "字段类型或取值不正确"
    };
    let field = match (path.as_str(), named) {
        ("." | "", Some(name)) => Some(name.to_owned()),
        // An unknown field's path already ends with it.
        (at, Some(name)) if at == name || at.ends_with(&format!(".{name}")) => Some(at.to_owned()),
        (parent, Some(name)) => Some(format!("{parent}.{name}")),
        ("." | "", None) => None,
        (at, None) => Some(at.to_owned()),
    };
    let mut e = ApiError::new(StatusCode::BAD_REQUEST, "invalid_json", message);
    e.field = field.filter(|f| f.len() < 128);
    e
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                field: self.field,
                errcode: self.errcode,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// A JSON body whose rejections are [`ApiError`]s: 400 naming the field by its path (through
/// `serde_path_to_error`), not axum's plain-text ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "请求体必须是 JSON（Content-Type: application/json）",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| {
                ApiError::new(rejection.status(), "invalid_body", "请求体无法读取或过大")
            })?;
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut json).map_err(json_body_error)?;
        json.end().map_err(|_| not_json())?;
        Ok(ApiJson(value))
    }
}

/// `Query<T>` whose rejections are [`ApiError`]s (400 naming the parameter), not axum's
/// plain-text ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

fn query_rejection(rejection: &QueryRejection) -> ApiError {
    // "Failed to deserialize query string: limit: invalid digit found in string".
    let detail = rejection.body_text();
    let field = detail
        .split_once(": ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map(|(name, _)| name)
        .filter(|name| {
            !name.is_empty()
                && name.len() < 64
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    let mut e = ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "查询参数的类型或取值不正确",
    );
    e.field = field.map(str::to_owned);
    e
}

/// `Path<T>` whose rejections are [`ApiError`]s (400 naming the parameter), not axum's
/// plain-text ones.
#[derive(Debug, Clone, Default)]
pub struct ApiPath<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(rejection: PathRejection) -> ApiError {
    use axum::extract::path::ErrorKind;
    match rejection {
        PathRejection::FailedToDeserializePathParams(e) => {
            let field = match e.kind() {
                ErrorKind::InvalidUtf8InPathParam { key }
                | ErrorKind::ParseErrorAtKey { key, .. }
                | ErrorKind::DeserializeError { key, .. } => Some(key.clone()),
                _ => None,
            };
            let mut e = ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_path",
                "路径参数不正确（须为有效的 UTF-8 文本）",
            );
            e.field = field;
            e
        }
        other => {
            error!(rejection = %other.body_text(), "path parameters missing: a routing bug");
            ApiError::internal()
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use serde::Deserialize;
    use tower::ServiceExt;

    use super::{ApiPath, ApiQuery};

    #[derive(Deserialize)]
    struct Q {
        #[allow(dead_code)]
        limit: Option<usize>,
    }

    async fn answer(uri: &str) -> (StatusCode, serde_json::Value) {
        let app = Router::new()
            .route("/q", get(|ApiQuery(_): ApiQuery<Q>| async { "ok" }))
            .route("/p/{id}", get(|ApiPath(id): ApiPath<String>| async { id }));
        let response = app
            .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
            .await
            .unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), 1 << 16).await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn query_and_path_rejections_are_json_errors_naming_the_parameter() {
        let (status, body) = answer("/q?limit=abc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_query");
        assert_eq!(body["error"]["field"], "limit");

        let (status, body) = answer("/p/%FF%FE").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "invalid_path");
        assert_eq!(body["error"]["field"], "id");

        assert_eq!(answer("/q?limit=5").await.0, StatusCode::OK);
    }
}
