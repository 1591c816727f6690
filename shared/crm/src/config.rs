//! The corp configuration: WeCom credentials, channels (`state` → tag and welcome message).
//!
//! Environment variables (the seed's names) seed it on first start; afterwards the stored
//! configuration is the source of truth (the admin API edits it).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wecom_api::model::{Attachment, Text, WelcomeMessage};

/// The tag group that channel tags live in.
pub const CHANNEL_TAG_GROUP: &str = "来源渠道";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CorpConfig {
    pub corp_id: String,
    /// Write-only through the admin API; never logged.
    pub corp_secret: String,
    pub agent_id: String,
    /// Callback token; never logged.
    pub token: String,
    /// Callback EncodingAESKey; never logged.
    pub encoding_aes_key: String,
    /// Accepted callback timestamp skew in seconds; 0 disables the check.
    #[serde(default = "default_callback_max_skew_secs")]
    pub callback_max_skew_secs: i64,
    /// Channel settings by `state`.
    #[serde(default)]
    pub channels: BTreeMap<String, ChannelConfig>,
    /// Welcome message for channels without one of their own.
    #[serde(default)]
    pub default_welcome: Option<WelcomeTemplate>,
    /// The clinic's own sending rules, on top of WeCom's quotas.
    #[serde(default)]
    pub send_rules: SendRules,
    /// Which app-message alerts consultants get (`crate::alerts`).
    #[serde(default)]
    pub alerts: AlertSettings,
    /// Appointment confirmations and reminders (`crate::appointments`).
    #[serde(default)]
    pub appointments: AppointmentSettings,
    #[serde(default)]
    pub updated_at_ms: i64,
}

/// What a booking sets off (预约确认 on booking and on reschedule, 预约提醒 before the visit):
/// each a single-customer group-send task for the consultant to confirm in WeCom, plus an app
/// message telling them. On by default, and for a configuration stored before this existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentSettings {
    /// A confirmation task when an appointment is booked or rescheduled.
    #[serde(default = "on")]
    pub confirmation: bool,
    /// The reminder goes this many days before the visit (at the visit's time of day); 0: no
    /// reminder.
    #[serde(default = "default_reminder_days")]
    pub reminder_days_before: u32,
}

fn default_reminder_days() -> u32 {
    1
}

impl Default for AppointmentSettings {
    fn default() -> Self {
        Self {
            confirmation: true,
            reminder_days_before: default_reminder_days(),
        }
    }
}

/// The consultant alerts (app messages through the corp's app), each switchable; all on by
/// default, and on for a stored configuration written before they existed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettings {
    /// A new customer added the consultant: channel and a link to the customer's page.
    #[serde(default = "on")]
    pub new_customer: bool,
    /// A customer deleted the consultant (流失提醒).
    #[serde(default = "on")]
    pub lost_customer: bool,
    /// The morning digest of pending group-send tasks and tomorrow's appointments.
    #[serde(default = "on")]
    pub daily_digest: bool,
}

fn on() -> bool {
    true
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            new_customer: true,
            lost_customer: true,
            daily_digest: true,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChannelConfig {
    /// Human name, e.g. 小红书.
    pub label: String,
    /// Corp tag applied to customers of this channel, e.g. `来源:小红书`.
    pub tag_name: String,
    #[serde(default = "default_group")]
    pub tag_group: String,
    #[serde(default)]
    pub welcome: Option<WelcomeTemplate>,
}

/// The callback timestamp window unless configured otherwise: 5 minutes either way.
pub const DEFAULT_CALLBACK_MAX_SKEW_SECS: i64 = 300;

fn default_callback_max_skew_secs() -> i64 {
    DEFAULT_CALLBACK_MAX_SKEW_SECS
}

fn default_group() -> String {
    CHANNEL_TAG_GROUP.to_owned()
}

/// The clinic's sending rules (the seed: ≤ 3 per customer per day, nothing 22:00–08:00).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRules {
    /// Most marketing messages one customer gets per day.
    pub daily_cap_per_customer: u32,
    /// Quiet hours, Asia/Shanghai, `HH:MM`; sends inside them are deferred, never dropped.
    pub quiet_start: String,
    pub quiet_end: String,
    /// WeCom's per-customer group-send quota as set in 群发助手 → 群发规则.
    #[serde(default)]
    pub wecom_quota: QuotaRule,
    /// Whether marketing needs the customer's recorded consent.
    #[serde(default)]
    pub consent: ConsentMode,
    /// Minutes after a task is created before a consultant who has not sent it is reminded.
    #[serde(default = "default_remind_after")]
    pub remind_after_minutes: u32,
}

fn default_remind_after() -> u32 {
    120
}

/// WeCom's per-customer group-send quota (wecom-api.md §5).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaRule {
    /// As many per natural month as the month has days (WeCom's default).
    #[default]
    Month,
    /// 7 per week.
    Week,
    /// 1 per day.
    Day,
}

/// Which customers may receive marketing.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMode {
    /// Only customers whose `marketing_consent` is true (PIPL-minded default).
    #[default]
    OptIn,
    /// Everyone except customers whose `marketing_consent` is false.
    OptOut,
}

impl Default for SendRules {
    fn default() -> Self {
        Self {
            daily_cap_per_customer: 3,
            quiet_start: "22:00".to_owned(),
            quiet_end: "08:00".to_owned(),
            wecom_quota: QuotaRule::default(),
            consent: ConsentMode::default(),
            remind_after_minutes: default_remind_after(),
        }
    }
}

/// A welcome message; `{name}` in the text becomes the customer's name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WelcomeTemplate {
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

impl WelcomeTemplate {
    pub fn needs_name(&self) -> bool {
        self.text.contains("{name}")
    }

    pub fn render(&self, welcome_code: &str, name: &str) -> WelcomeMessage {
        let text = self.text.replace("{name}", name);
        WelcomeMessage {
            welcome_code: welcome_code.to_owned(),
            text: (!text.trim().is_empty()).then_some(Text { content: text }),
            attachments: self.attachments.clone(),
        }
    }
}

/// What processing needs to know about one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedChannel {
    pub state: String,
    pub tag_group: String,
    pub tag_name: String,
    pub welcome: Option<WelcomeTemplate>,
}

impl CorpConfig {
    /// Whether it has the credentials every function needs between them: corp id, Secret,
    /// Token and EncodingAESKey.
    pub fn has_credentials(&self) -> bool {
        [
            &self.corp_id,
            &self.corp_secret,
            &self.token,
            &self.encoding_aes_key,
        ]
        .iter()
        .all(|v| !v.trim().is_empty())
    }

    /// The channel for a `state`. Unknown non-empty states still get a tag (`来源:<state>`) so
    /// that no channel goes unmeasured; an empty state (no 「联系我」) gets no channel tag.
    pub fn channel(&self, state: &str) -> Option<ResolvedChannel> {
        if state.is_empty() {
            return None;
        }
        Some(match self.channels.get(state) {
            Some(channel) => ResolvedChannel {
                state: state.to_owned(),
                tag_group: channel.tag_group.clone(),
                tag_name: channel.tag_name.clone(),
                welcome: channel
                    .welcome
                    .clone()
                    .or_else(|| self.default_welcome.clone()),
            },
            None => ResolvedChannel {
                state: state.to_owned(),
                tag_group: CHANNEL_TAG_GROUP.to_owned(),
                tag_name: format!("来源:{state}"),
                welcome: self.default_welcome.clone(),
            },
        })
    }

    /// The welcome message for a customer who arrived through `state` (or none).
    pub fn welcome_for(&self, state: &str) -> Option<WelcomeTemplate> {
        match self.channel(state) {
            Some(channel) => channel.welcome,
            None => self.default_welcome.clone(),
        }
    }

    /// The configuration implied by the environment (`WEWORK_*`), with the clinic's default
    /// channels and welcome messages.
    pub fn from_env_map(get: impl Fn(&str) -> Option<String>) -> Self {
        let var = |name: &str| get(name).unwrap_or_default();
        CorpConfig {
            corp_id: var("WEWORK_CORP_ID"),
            corp_secret: var("WEWORK_CORP_SECRET"),
            agent_id: var("WEWORK_AGENT_ID"),
            token: var("WEWORK_TOKEN"),
            encoding_aes_key: var("WEWORK_ENCODING_AES_KEY"),
            callback_max_skew_secs: get("WEWORK_CALLBACK_MAX_SKEW_SECS")
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(DEFAULT_CALLBACK_MAX_SKEW_SECS),
            channels: default_channels(),
            default_welcome: Some(WelcomeTemplate {
                text: "您好{name}，欢迎添加深圳妍美医疗美容门诊部！我是您的专属顾问，有任何问题随时问我。".into(),
                attachments: Vec::new(),
            }),
            send_rules: SendRules::default(),
            alerts: AlertSettings::default(),
            appointments: AppointmentSettings::default(),
            updated_at_ms: 0,
        }
    }

    pub fn from_env() -> Self {
        Self::from_env_map(|name| std::env::var(name).ok())
    }
}

/// The channels named in the client's specification.
pub fn default_channels() -> BTreeMap<String, ChannelConfig> {
    let channel = |label: &str, welcome: &str| ChannelConfig {
        label: label.to_owned(),
        tag_name: format!("来源:{label}"),
        tag_group: CHANNEL_TAG_GROUP.to_owned(),
        welcome: Some(WelcomeTemplate {
            text: welcome.to_owned(),
            attachments: Vec::new(),
        }),
    };
    BTreeMap::from([
        (
            "xiaohongshu".to_owned(),
            channel(
                "小红书",
                "您好{name}，感谢您从小红书关注深圳妍美！我是您的专属顾问，项目、价格和预约都可以直接问我。",
            ),
        ),
        (
            "douyin".to_owned(),
            channel(
                "抖音",
                "您好{name}，感谢您从抖音关注深圳妍美！我是您的专属顾问，有任何问题随时问我。",
            ),
        ),
        (
            "pengyouquan".to_owned(),
            channel(
                "朋友圈",
                "您好{name}，感谢您通过朋友圈添加深圳妍美！我是您的专属顾问，随时为您服务。",
            ),
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_channels_map_to_their_tag_and_unknown_ones_are_still_tagged() {
        let config = CorpConfig::from_env_map(|_| None);
        let xhs = config.channel("xiaohongshu").map(|c| c.tag_name);
        assert_eq!(xhs.as_deref(), Some("来源:小红书"));
        let other = config
            .channel("bilibili")
            .map(|c| (c.tag_group, c.tag_name));
        assert_eq!(
            other,
            Some((CHANNEL_TAG_GROUP.to_owned(), "来源:bilibili".to_owned()))
        );
        assert!(config.channel("").is_none());
    }

    #[test]
    fn welcome_templates_fill_in_the_name() {
        let template = WelcomeTemplate {
            text: "您好{name}！".into(),
            attachments: Vec::new(),
        };
        let msg = template.render("code", "李女士");
        assert_eq!(msg.text.map(|t| t.content).as_deref(), Some("您好李女士！"));
    }
}
