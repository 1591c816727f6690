//! The corp configuration: credentials (write-only secrets), channels, welcome messages, send
//! rules; and a connection test that explains WeCom's answer in plain Chinese.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, State};
use crm::config::{ChannelConfig, ConsentMode, CorpConfig, QuotaRule, SendRules, WelcomeTemplate};
use crm::repo::StoreTokenStore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wecom_api::model::{Attachment, MAX_ATTACHMENTS, MAX_TEXT_BYTES, Text, WelcomeMessage};
use wecom_api::{MemoryTokenStore, WeComClient, WeComSettings};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody, explain_wecom};
use crate::state::AdminState;

/// A welcome message as the console edits it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WelcomeView {
    /// ≤ 4000 bytes; `{name}` becomes the customer's name.
    pub text: String,
    /// ≤ 9 WeCom attachments (`{"msgtype":"link","link":{…}}`, image, miniprogram, video, file).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// One channel (`state` of a 「联系我」).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelView {
    /// Human name, e.g. 小红书.
    pub label: String,
    /// Corp tag group of the channel tag (default 来源渠道).
    #[serde(default = "default_group")]
    pub tag_group: String,
    /// Corp tag applied to the channel's customers, e.g. 来源:小红书.
    pub tag_name: String,
    #[serde(default)]
    pub welcome: Option<WelcomeView>,
}

fn default_group() -> String {
    crm::config::CHANNEL_TAG_GROUP.to_owned()
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRulesView {
    /// Most marketing messages one customer receives per day (1–20, default 3).
    pub daily_cap_per_customer: u32,
    /// Quiet hours start, `HH:MM` Asia/Shanghai (default 22:00).
    pub quiet_start: String,
    /// Quiet hours end, `HH:MM` (default 08:00). Equal start and end: no quiet hours.
    pub quiet_end: String,
    /// WeCom's per-customer group-send quota as set in 群发助手: `month` (as many per month as
    /// the month has days, WeCom's default), `week` (7) or `day` (1). Absent: unchanged.
    #[serde(default)]
    #[schema(value_type = Option<QuotaRule>)]
    pub wecom_quota: Option<String>,
    /// `opt_in` (default: only customers with marketing_consent = true) or `opt_out`
    /// (everyone except marketing_consent = false). Absent: unchanged.
    #[serde(default)]
    #[schema(value_type = Option<ConsentMode>)]
    pub consent: Option<String>,
    /// Minutes before a consultant who has not sent a group-send task is reminded
    /// (10–1440, default 120). Absent: unchanged.
    #[serde(default)]
    pub remind_after_minutes: Option<u32>,
}

/// The consultant alerts (app messages), each on or off.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertsView {
    /// 新客户提醒: a new customer added the consultant (channel and a link to the customer).
    pub new_customer: bool,
    /// 流失提醒: a customer deleted the consultant.
    pub lost_customer: bool,
    /// 每日提醒 at 08:00: pending group-send tasks and tomorrow's appointments.
    pub daily_digest: bool,
}

impl From<crm::config::AlertSettings> for AlertsView {
    fn from(a: crm::config::AlertSettings) -> Self {
        Self {
            new_customer: a.new_customer,
            lost_customer: a.lost_customer,
            daily_digest: a.daily_digest,
        }
    }
}

/// 预约确认 and 预约提醒 (single-customer tasks for the consultant, plus an app message).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentSettingsView {
    /// 预约确认: a task on booking and on reschedule.
    pub confirmation: bool,
    /// 预约提醒 this many days before the visit (0–7; 0: none).
    pub reminder_days_before: u32,
}

impl From<crm::config::AppointmentSettings> for AppointmentSettingsView {
    fn from(a: crm::config::AppointmentSettings) -> Self {
        Self {
            confirmation: a.confirmation,
            reminder_days_before: a.reminder_days_before,
        }
    }
}

/// The configuration as read: secrets are masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigView {
    pub corp_id: String,
    pub agent_id: String,
    /// Masked (`****` + last 4) when set, empty when not.
    pub corp_secret: String,
    pub token: String,
    pub encoding_aes_key: String,
    pub callback_max_skew_secs: i64,
    pub channels: BTreeMap<String, ChannelView>,
    pub default_welcome: Option<WelcomeView>,
    pub send_rules: SendRulesView,
    pub alerts: AlertsView,
    pub appointments: AppointmentSettingsView,
    pub updated_at_ms: i64,
    /// The URL to enter as the app's 接收消息 URL in the WeCom admin console, when known.
    pub callback_url: Option<String>,
}

/// A change: absent fields stay as they are; a blank secret keeps the stored one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigUpdate {
    pub corp_id: Option<String>,
    pub agent_id: Option<String>,
    pub corp_secret: Option<String>,
    pub token: Option<String>,
    pub encoding_aes_key: Option<String>,
    pub callback_max_skew_secs: Option<i64>,
    /// Replaces every channel.
    pub channels: Option<BTreeMap<String, ChannelView>>,
    pub default_welcome: Option<WelcomeView>,
    pub send_rules: Option<SendRulesView>,
    pub alerts: Option<AlertsView>,
    pub appointments: Option<AppointmentSettingsView>,
}

fn mask(secret: &str) -> String {
    if secret.is_empty() {
        return String::new();
    }
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}

fn welcome_view(t: &WelcomeTemplate) -> WelcomeView {
    WelcomeView {
        text: t.text.clone(),
        attachments: t.attachments.clone(),
    }
}

fn welcome_template(v: &WelcomeView) -> WelcomeTemplate {
    WelcomeTemplate {
        text: v.text.clone(),
        attachments: v.attachments.clone(),
    }
}

fn view(config: &CorpConfig, callback_url: Option<&str>) -> ConfigView {
    ConfigView {
        callback_url: callback_url.map(str::to_owned),
        corp_id: config.corp_id.clone(),
        agent_id: config.agent_id.clone(),
        corp_secret: mask(&config.corp_secret),
        token: mask(&config.token),
        encoding_aes_key: mask(&config.encoding_aes_key),
        callback_max_skew_secs: config.callback_max_skew_secs,
        channels: config
            .channels
            .iter()
            .map(|(state, c)| {
                (
                    state.clone(),
                    ChannelView {
                        label: c.label.clone(),
                        tag_group: c.tag_group.clone(),
                        tag_name: c.tag_name.clone(),
                        welcome: c.welcome.as_ref().map(welcome_view),
                    },
                )
            })
            .collect(),
        default_welcome: config.default_welcome.as_ref().map(welcome_view),
        send_rules: SendRulesView {
            daily_cap_per_customer: config.send_rules.daily_cap_per_customer,
            quiet_start: config.send_rules.quiet_start.clone(),
            quiet_end: config.send_rules.quiet_end.clone(),
            wecom_quota: Some(
                match config.send_rules.wecom_quota {
                    QuotaRule::Month => "month",
                    QuotaRule::Week => "week",
                    QuotaRule::Day => "day",
                }
                .to_owned(),
            ),
            consent: Some(
                match config.send_rules.consent {
                    ConsentMode::OptIn => "opt_in",
                    ConsentMode::OptOut => "opt_out",
                }
                .to_owned(),
            ),
            remind_after_minutes: Some(config.send_rules.remind_after_minutes),
        },
        alerts: config.alerts.into(),
        appointments: config.appointments.into(),
        updated_at_ms: config.updated_at_ms,
    }
}

/// The configuration, secrets masked.
#[utoipa::path(get, path = "/api/config", tag = "config",
    responses((status = 200, body = ConfigView), (status = 401, body = ErrorBody)))]
pub async fn get_config(State(state): State<AdminState>) -> ApiResult<Json<ConfigView>> {
    Ok(Json(view(
        &state.config().await?,
        state.callback_url.as_deref(),
    )))
}

/// Changes the configuration. Secrets are write-only; a blank one keeps the stored value.
#[utoipa::path(put, path = "/api/config", tag = "config", request_body = ConfigUpdate,
    responses((status = 200, body = ConfigView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put_config(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(update): ApiJson<ConfigUpdate>,
) -> ApiResult<Json<ConfigView>> {
    let mut config = state.config().await?;
    let before = config.clone();
    let mut changed = Vec::new();

    let text = |v: &Option<String>| v.as_deref().map(str::trim).map(str::to_owned);
    if let Some(corp_id) = text(&update.corp_id) {
        check_id("corp_id", &corp_id, 64)?;
        config.corp_id = corp_id;
    }
    if let Some(agent_id) = text(&update.agent_id) {
        if !agent_id.is_empty() && !agent_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::invalid_field("agent_id", "AgentID 只能是数字"));
        }
        config.agent_id = agent_id;
    }
    // Secrets: blank keeps the stored value.
    if let Some(secret) = text(&update.corp_secret).filter(|s| !s.is_empty()) {
        check_id("corp_secret", &secret, 128)?;
        config.corp_secret = secret;
    }
    if let Some(token) = text(&update.token).filter(|s| !s.is_empty()) {
        if !(3..=32).contains(&token.len()) || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ApiError::invalid_field(
                "token",
                "Token 必须是 3–32 位英文字母或数字",
            ));
        }
        config.token = token;
    }
    if let Some(key) = text(&update.encoding_aes_key).filter(|s| !s.is_empty()) {
        config.encoding_aes_key = key;
    }
    if let Some(skew) = update.callback_max_skew_secs {
        if !(0..=86_400).contains(&skew) {
            return Err(ApiError::invalid_field(
                "callback_max_skew_secs",
                "时间戳容差必须在 0 到 86400 秒之间（0 表示不检查）",
            ));
        }
        config.callback_max_skew_secs = skew;
    }
    if let Some(channels) = &update.channels {
        let mut next = BTreeMap::new();
        for (channel_state, channel) in channels {
            validate_channel(channel_state, channel)?;
            next.insert(
                channel_state.clone(),
                ChannelConfig {
                    label: channel.label.trim().to_owned(),
                    tag_name: channel.tag_name.trim().to_owned(),
                    tag_group: channel.tag_group.trim().to_owned(),
                    welcome: channel.welcome.as_ref().map(welcome_template),
                },
            );
        }
        config.channels = next;
    }
    if let Some(welcome) = &update.default_welcome {
        validate_welcome("default_welcome", welcome)?;
        config.default_welcome = Some(welcome_template(welcome));
    }
    if let Some(rules) = &update.send_rules {
        if !(1..=20).contains(&rules.daily_cap_per_customer) {
            return Err(ApiError::invalid_field(
                "send_rules.daily_cap_per_customer",
                "每位客户每天最多接收的消息数必须在 1 到 20 之间",
            ));
        }
        check_time_of_day("send_rules.quiet_start", &rules.quiet_start)?;
        check_time_of_day("send_rules.quiet_end", &rules.quiet_end)?;
        let current = config.send_rules.clone();
        let wecom_quota = match rules.wecom_quota.as_deref() {
            None => current.wecom_quota,
            Some("month") => QuotaRule::Month,
            Some("week") => QuotaRule::Week,
            Some("day") => QuotaRule::Day,
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "send_rules.wecom_quota",
                    "企业微信群发规则只能是 month（每月天数次）、week（每周 7 次）或 day（每天 1 次）",
                ));
            }
        };
        let consent = match rules.consent.as_deref() {
            None => current.consent,
            Some("opt_in") => ConsentMode::OptIn,
            Some("opt_out") => ConsentMode::OptOut,
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "send_rules.consent",
                    "营销授权方式只能是 opt_in（需客户同意）或 opt_out（客户未拒绝即可）",
                ));
            }
        };
        let remind_after_minutes = rules
            .remind_after_minutes
            .unwrap_or(current.remind_after_minutes);
        if !(10..=1440).contains(&remind_after_minutes) {
            return Err(ApiError::invalid_field(
                "send_rules.remind_after_minutes",
                "提醒间隔必须在 10 到 1440 分钟之间",
            ));
        }
        config.send_rules = SendRules {
            daily_cap_per_customer: rules.daily_cap_per_customer,
            quiet_start: rules.quiet_start.clone(),
            quiet_end: rules.quiet_end.clone(),
            wecom_quota,
            consent,
            remind_after_minutes,
        };
    }
    if let Some(alerts) = update.alerts {
        config.alerts = crm::config::AlertSettings {
            new_customer: alerts.new_customer,
            lost_customer: alerts.lost_customer,
            daily_digest: alerts.daily_digest,
        };
    }
    if let Some(a) = update.appointments {
        if a.reminder_days_before > 7 {
            return Err(ApiError::invalid_field(
                "reminder_days_before",
                "预约提醒最多提前 7 天",
            ));
        }
        config.appointments = crm::config::AppointmentSettings {
            confirmation: a.confirmation,
            reminder_days_before: a.reminder_days_before,
        };
    }
    // The callback must still be able to verify and decrypt with the result.
    if let Err(e) =
        wecom_callback::MsgCrypt::new(&config.token, &config.encoding_aes_key, &config.corp_id)
    {
        tracing::info!(code = e.code(), "rejected an unusable EncodingAESKey");
        return Err(ApiError::invalid_field(
            "encoding_aes_key",
            "EncodingAESKey 必须是企业微信后台生成的 43 位字符",
        ));
    }

    for (name, differs) in [
        ("corp_id", before.corp_id != config.corp_id),
        ("agent_id", before.agent_id != config.agent_id),
        ("corp_secret", before.corp_secret != config.corp_secret),
        ("token", before.token != config.token),
        (
            "encoding_aes_key",
            before.encoding_aes_key != config.encoding_aes_key,
        ),
        (
            "callback_max_skew_secs",
            before.callback_max_skew_secs != config.callback_max_skew_secs,
        ),
        ("channels", before.channels != config.channels),
        (
            "default_welcome",
            before.default_welcome != config.default_welcome,
        ),
        ("send_rules", before.send_rules != config.send_rules),
        ("alerts", before.alerts != config.alerts),
        ("appointments", before.appointments != config.appointments),
    ] {
        if differs {
            changed.push(name.to_owned());
        }
    }
    if changed.is_empty() {
        return Ok(Json(view(&config, state.callback_url.as_deref())));
    }
    config.updated_at_ms = state.clock.now_ms();
    state.configs().save(&config).await?;
    if before.corp_id != config.corp_id || before.corp_secret != config.corp_secret {
        // The shared token belongs to the old credentials.
        StoreTokenStore::new(state.store.clone()).forget().await?;
        state
            .wecom
            .set_credentials(&config.corp_id, &config.corp_secret);
    }
    state
        .audited(&caller, "config.update", "config", changed)
        .await?;
    Ok(Json(view(&config, state.callback_url.as_deref())))
}

fn check_id(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > max || !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::invalid_field(
            field,
            format!("{field} 不能为空，且只能包含英文字母、数字和符号（最多 {max} 位）"),
        ));
    }
    Ok(())
}

fn check_time_of_day(field: &str, value: &str) -> Result<(), ApiError> {
    let ok = value.len() == 5
        && value.as_bytes().get(2) == Some(&b':')
        && value[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && value[3..].parse::<u32>().is_ok_and(|m| m < 60);
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            field,
            "时间格式应为 HH:MM，例如 22:00",
        ))
    }
}

fn validate_channel(channel_state: &str, channel: &ChannelView) -> Result<(), ApiError> {
    let prefix = format!("channels.{channel_state}");
    let chars = channel_state.chars().count();
    if chars == 0 || chars > 30 {
        return Err(ApiError::invalid_field(
            &prefix,
            "渠道标识（state）长度必须在 1 到 30 个字符之间",
        ));
    }
    for (field, value) in [
        ("label", &channel.label),
        ("tag_group", &channel.tag_group),
        ("tag_name", &channel.tag_name),
    ] {
        let n = value.trim().chars().count();
        if n == 0 || n > 30 {
            return Err(ApiError::invalid_field(
                &format!("{prefix}.{field}"),
                "名称不能为空，且不能超过 30 个字符",
            ));
        }
    }
    if let Some(welcome) = &channel.welcome {
        validate_welcome(&format!("{prefix}.welcome"), welcome)?;
    }
    Ok(())
}

fn validate_welcome(field: &str, welcome: &WelcomeView) -> Result<(), ApiError> {
    // The rules of `send_welcome_msg` itself, worded for staff; the form knows `text` and
    // `attachments`.
    let message = WelcomeMessage {
        welcome_code: String::new(),
        text: (!welcome.text.trim().is_empty()).then(|| Text {
            content: welcome.text.clone(),
        }),
        attachments: welcome.attachments.clone(),
    };
    let Err(rule) = message.validate() else {
        return Ok(());
    };
    let (part, message) = match rule.field.as_str() {
        "text" => ("text", "欢迎语需要文字或附件".to_owned()),
        "text.content" => ("text", format!("欢迎语不能超过 {MAX_TEXT_BYTES} 字节")),
        "attachments" => ("attachments", format!("附件不能超过 {MAX_ATTACHMENTS} 个")),
        _ => {
            tracing::info!(field = %rule.field, "rejected a welcome attachment");
            (
                "attachments",
                "附件不符合企业微信的要求：msgtype 须与内容一致（image 需要 media_id 或 pic_url；link 需要 title 和 url；miniprogram 需要 title、pic_media_id、appid 和 page；video、file 需要 media_id）".to_owned(),
            )
        }
    };
    Err(ApiError::invalid_field(&format!("{field}.{part}"), message))
}

/// One step of the connection test.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestStep {
    /// `gettoken` or `externalcontact/get_follow_user_list`.
    pub step: String,
    pub ok: bool,
    pub errcode: Option<i64>,
    /// Plain Chinese.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionTest {
    pub ok: bool,
    pub steps: Vec<TestStep>,
    /// Staff members with customer contact that the app can see.
    pub follow_user_count: Option<usize>,
}

/// Calls gettoken and one cheap customer-contact API with the stored credentials.
#[utoipa::path(post, path = "/api/config/test", tag = "config",
    responses((status = 200, body = ConnectionTest), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn test_config(State(state): State<AdminState>) -> ApiResult<Json<ConnectionTest>> {
    let config = state.config().await?;
    // A client of its own: a failing test must not disturb the shared token.
    let client = WeComClient::new(
        WeComSettings::via(&state.wecom_endpoint, &config.corp_id, &config.corp_secret),
        Arc::new(MemoryTokenStore::default()),
        state.clock.clone(),
    )
    .map_err(|e| ApiError::wecom(&e))?;
    let mut steps = Vec::new();
    let token = client.access_token().await;
    steps.push(step(
        "gettoken",
        &token,
        "已成功获取访问令牌（Secret 正确）",
    ));
    let mut follow_user_count = None;
    if token.is_ok() {
        let users = client.get_follow_user_list().await;
        steps.push(step(
            "externalcontact/get_follow_user_list",
            &users,
            "客户联系接口可用",
        ));
        follow_user_count = users.ok().map(|u| u.len());
    }
    Ok(Json(ConnectionTest {
        ok: steps.iter().all(|s| s.ok),
        steps,
        follow_user_count,
    }))
}

fn step<T>(name: &str, result: &Result<T, wecom_api::WeComError>, ok_message: &str) -> TestStep {
    match result {
        Ok(_) => TestStep {
            step: name.to_owned(),
            ok: true,
            errcode: None,
            message: ok_message.to_owned(),
        },
        Err(e) => TestStep {
            step: name.to_owned(),
            ok: false,
            errcode: e.errcode(),
            message: explain_wecom(e),
        },
    }
}
