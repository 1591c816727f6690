use std::time::Duration;

/// WeCom errcodes the client treats specially (see wecom-api.md §1 and §7).
pub mod errcode {
    pub const SYSTEM_BUSY: i64 = -1;
    pub const INVALID_SECRET: i64 = 40001;
    pub const INVALID_CORP_ID: i64 = 40013;
    pub const INVALID_TOKEN: i64 = 40014;
    pub const MISSING_TOKEN: i64 = 41001;
    pub const TOKEN_EXPIRED: i64 = 42001;
    pub const FREQUENCY_LIMIT: i64 = 45009;
    pub const CONCURRENCY_LIMIT: i64 = 45033;
    pub const DATA_VERSION_CONFLICT: i64 = 6000;
    pub const WELCOME_CODE_INVALID: i64 = 41050;
    pub const WELCOME_ALREADY_SENT: i64 = 41051;
    pub const WELCOME_BEING_SENT: i64 = 41096;
    /// 群发 still being dispatched right after `add_msg_template`: ask again later.
    pub const GROUPMSG_DISPATCHING: i64 = 41063;
    /// `media_id` unknown, expired (3 days) or of the wrong type.
    pub const INVALID_MEDIA_ID: i64 = 40007;
    /// `add_msg_template`: none of the recipients can be sent to.
    pub const NO_SENDABLE_CUSTOMERS: i64 = 41048;
    /// 群发 msgid missing (global list).
    pub const GROUPMSG_ID_MISSING: i64 = 41046;
    /// 群发 msgid unknown (global list).
    pub const INVALID_GROUPMSG_ID: i64 = 41047;
    /// Too many attachments.
    pub const TOO_MANY_ATTACHMENTS: i64 = 41064;
    /// Invalid attachment type.
    pub const INVALID_ATTACHMENT_TYPE: i64 = 41065;
    pub const NOT_A_FRIEND: i64 = 84061;
    pub const INVALID_EXTERNAL_USERID: i64 = 40096;
    /// The caller's IP is not on the app's 企业可信IP list (apps created since 2022-06-20);
    /// errmsg names the IP.
    pub const UNTRUSTED_IP: i64 = 60020;
    /// The app may not call customer-contact APIs (客户联系 → API → 可调用接口的应用).
    pub const NO_API_PERMISSION: i64 = 48002;
    /// The member is outside the app's visible range.
    pub const MEMBER_NOT_VISIBLE: i64 = 60011;
    /// A 「联系我」 with more than 100 members.
    pub const CONTACT_WAY_TOO_MANY_MEMBERS: i64 = 41041;
    /// The corp's 500 000 「联系我」 are used up.
    pub const CONTACT_WAY_LIMIT: i64 = 41045;
    /// The member has not activated WeCom.
    pub const MEMBER_NOT_ACTIVATED: i64 = 41054;
    /// The member has not verified their identity.
    pub const MEMBER_NOT_VERIFIED: i64 = 40098;
    /// A parameter WeCom refuses (also: an unknown 「联系我」 config_id).
    pub const INVALID_PARAMETER: i64 = 40058;
    /// A tag or group created elsewhere (e.g. in the admin console) that this app may not edit.
    pub const TAG_NOT_OWNED: i64 = 81011;
}

/// How long a 45009 frequency block is waited out before the job is retried.
pub const FREQUENCY_LIMIT_BACKOFF: Duration = Duration::from_secs(60);

/// Errors of the WeCom client. Every WeCom-side error keeps its errcode and errmsg.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeComError {
    /// WeCom answered with a non-zero errcode that retrying will not fix.
    #[error("WeCom {api} failed: errcode {errcode}: {errmsg}")]
    Api {
        api: &'static str,
        errcode: i64,
        errmsg: String,
    },
    /// 40001: the corp secret is wrong or was reset; never answered by refreshing the token.
    #[error("WeCom rejected the corp secret (40001): {errmsg}")]
    InvalidSecret { errmsg: String },
    /// 45009: the frequency limit was hit; wait out the window before trying again.
    #[error("WeCom {api} frequency limit (45009): {errmsg}")]
    RateLimited { api: &'static str, errmsg: String },
    /// -1 / 45033 / 6000 still failing after the bounded in-process retries.
    #[error("WeCom {api} busy: errcode {errcode}: {errmsg}")]
    Busy {
        api: &'static str,
        errcode: i64,
        errmsg: String,
    },
    /// Network failure, timeout or an HTTP 5xx, still failing after the bounded retries.
    #[error("WeCom {api} unreachable: {detail}")]
    Transport { api: &'static str, detail: String },
    /// A non-idempotent call (`add_msg_template`) failed after the request may have reached
    /// WeCom (timeout, connection lost, HTTP 5xx, unreadable answer): it may or may not have
    /// been applied. It is not retried in-process; reconcile (for example through
    /// `get_groupmsg_list_v2`) before sending it again.
    #[error("WeCom {api} outcome unknown, the request may have been applied: {detail}")]
    Ambiguous { api: &'static str, detail: String },
    /// WeCom answered something that is not the documented JSON.
    #[error("WeCom {api} answered an unexpected body: {detail}")]
    Decode { api: &'static str, detail: String },
    /// The shared token cache failed.
    #[error("token store failed: {0}")]
    TokenStore(String),
    /// The client cannot be built as configured (a proxy URL that is not one).
    #[error("WeCom client configuration: {0}")]
    Config(String),
    /// The request was refused before it was sent: it breaks a documented WeCom rule.
    #[error("invalid WeCom {api} request: {rule}")]
    InvalidRequest {
        api: &'static str,
        rule: crate::model::RuleError,
    },
}

impl WeComError {
    /// `api`'s request breaks the rule on `field`.
    pub fn invalid(
        api: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        WeComError::InvalidRequest {
            api,
            rule: crate::model::rule(field, message),
        }
    }

    /// True when the same call may succeed later (the job should be retried, not failed).
    /// For [`WeComError::Ambiguous`] the caller must first find out whether the call was
    /// applied ([`WeComError::is_ambiguous`]).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            WeComError::RateLimited { .. }
                | WeComError::Busy { .. }
                | WeComError::Transport { .. }
                | WeComError::Ambiguous { .. }
                | WeComError::TokenStore(_)
        )
    }

    /// True when the request may have been applied although the call failed (see
    /// [`WeComError::Ambiguous`]): reconcile before retrying.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, WeComError::Ambiguous { .. })
    }

    /// The delay a retry should wait, when WeCom imposes one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            WeComError::RateLimited { .. } => Some(FREQUENCY_LIMIT_BACKOFF),
            _ => None,
        }
    }

    /// WeCom's errcode, when the error came from WeCom.
    pub fn errcode(&self) -> Option<i64> {
        match self {
            WeComError::Api { errcode, .. } | WeComError::Busy { errcode, .. } => Some(*errcode),
            WeComError::InvalidSecret { .. } => Some(errcode::INVALID_SECRET),
            WeComError::RateLimited { .. } => Some(errcode::FREQUENCY_LIMIT),
            _ => None,
        }
    }

    pub fn errmsg(&self) -> Option<&str> {
        match self {
            WeComError::Api { errmsg, .. }
            | WeComError::Busy { errmsg, .. }
            | WeComError::InvalidSecret { errmsg }
            | WeComError::RateLimited { errmsg, .. } => Some(errmsg),
            _ => None,
        }
    }
}
