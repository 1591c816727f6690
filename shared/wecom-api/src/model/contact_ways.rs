//! 「联系我」 contact ways (wecom-api.md §2): `add/get/update_contact_way`, `list_contact_way`,
//! and the rules WeCom documents for them.

use serde::{Deserialize, Serialize};

use super::attachments::{ImageAttachment, LinkAttachment, MiniprogramAttachment, Text};
use super::rules::{RuleError, rule};

/// `remark` of a contact way: at most 30 characters.
pub const MAX_CONTACT_WAY_REMARK_CHARS: usize = 30;
/// `state` (channel tag): at most 30 characters.
pub const MAX_CONTACT_WAY_STATE_CHARS: usize = 30;
/// Members per way, counted after expanding departments (WeCom: 41041 beyond).
pub const MAX_CONTACT_WAY_MEMBERS: usize = 100;
/// `expires_in` and `chat_expires_in`: at most 14 days.
pub const MAX_CONTACT_WAY_EXPIRES_SECS: u32 = 14 * 86_400;
/// `conclusions.text.content`: at most 4000 bytes.
pub const MAX_CONCLUSION_TEXT_BYTES: usize = 4000;
/// `conclusions.link.title`: at most 128 bytes.
pub const MAX_CONCLUSION_LINK_TITLE_BYTES: usize = 128;
/// `conclusions.link.desc`: at most 512 bytes.
pub const MAX_CONCLUSION_LINK_DESC_BYTES: usize = 512;
/// `conclusions.miniprogram.title`: at most 64 bytes.
pub const MAX_CONCLUSION_MINIPROGRAM_TITLE_BYTES: usize = 64;
/// `list_contact_way` `limit`: at most 1000 (default 100).
pub const MAX_CONTACT_WAY_LIST_LIMIT: u32 = 1000;

/// The session-end message of a temporary way (结束语).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conclusions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// `media_id` or `pic_url` (from `uploadimg`); `get_contact_way` returns `pic_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageAttachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkAttachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram: Option<MiniprogramAttachment>,
}

impl Conclusions {
    /// Byte limits and required fields of each part.
    pub fn validate(&self) -> Result<(), RuleError> {
        if let Some(t) = &self.text
            && t.content.len() > MAX_CONCLUSION_TEXT_BYTES
        {
            return Err(rule(
                "conclusions.text.content",
                format!("is over {MAX_CONCLUSION_TEXT_BYTES} bytes"),
            ));
        }
        if let Some(i) = &self.image {
            let empty = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
            if empty(&i.media_id) && empty(&i.pic_url) {
                return Err(rule("conclusions.image", "needs media_id or pic_url"));
            }
        }
        if let Some(l) = &self.link {
            if l.title.is_empty() {
                return Err(rule("conclusions.link.title", "is required"));
            }
            if l.title.len() > MAX_CONCLUSION_LINK_TITLE_BYTES {
                return Err(rule(
                    "conclusions.link.title",
                    format!("is over {MAX_CONCLUSION_LINK_TITLE_BYTES} bytes"),
                ));
            }
            if l.url.is_empty() {
                return Err(rule("conclusions.link.url", "is required"));
            }
            if l.desc
                .as_ref()
                .is_some_and(|d| d.len() > MAX_CONCLUSION_LINK_DESC_BYTES)
            {
                return Err(rule(
                    "conclusions.link.desc",
                    format!("is over {MAX_CONCLUSION_LINK_DESC_BYTES} bytes"),
                ));
            }
        }
        if let Some(m) = &self.miniprogram {
            if m.title.is_empty() {
                return Err(rule("conclusions.miniprogram.title", "is required"));
            }
            if m.title.len() > MAX_CONCLUSION_MINIPROGRAM_TITLE_BYTES {
                return Err(rule(
                    "conclusions.miniprogram.title",
                    format!("is over {MAX_CONCLUSION_MINIPROGRAM_TITLE_BYTES} bytes"),
                ));
            }
            if m.pic_media_id.is_empty() {
                return Err(rule("conclusions.miniprogram.pic_media_id", "is required"));
            }
            if m.appid.is_empty() {
                return Err(rule("conclusions.miniprogram.appid", "is required"));
            }
            if m.page.is_empty() {
                return Err(rule("conclusions.miniprogram.page", "is required"));
            }
        }
        Ok(())
    }
}

/// `add_contact_way` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContactWay {
    /// 1 single member, 2 multiple members.
    #[serde(rename = "type")]
    pub type_: u8,
    /// 1 mini-program button, 2 QR code.
    pub scene: u8,
    /// Mini-program button style: type 1 allows 1/2/3, type 2 allows 1/2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// WeCom's default is true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_verify: Option<bool>,
    /// Channel tag, echoed in `follow_user.state` and the callback `<State>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user: Vec<String>,
    /// Department ids (type 2 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub party: Vec<u64>,
    /// Temporary session (type 1, medical-industry corps only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_temp: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_expires_in: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_exclusive: Option<bool>,
    /// Temporary ways only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusions: Option<Conclusions>,
}

fn check_style(type_: u8, style: Option<u8>) -> Result<(), RuleError> {
    let allowed: &[u8] = if type_ == 1 { &[1, 2, 3] } else { &[1, 2] };
    match style {
        Some(s) if !allowed.contains(&s) => Err(rule(
            "style",
            format!("{s} is not allowed for type {type_} (type 1: 1-3, type 2: 1-2)"),
        )),
        _ => Ok(()),
    }
}

fn check_texts(remark: Option<&str>, state: Option<&str>) -> Result<(), RuleError> {
    if remark.is_some_and(|r| r.chars().count() > MAX_CONTACT_WAY_REMARK_CHARS) {
        return Err(rule(
            "remark",
            format!("is over {MAX_CONTACT_WAY_REMARK_CHARS} characters"),
        ));
    }
    if state.is_some_and(|s| s.chars().count() > MAX_CONTACT_WAY_STATE_CHARS) {
        return Err(rule(
            "state",
            format!("is over {MAX_CONTACT_WAY_STATE_CHARS} characters"),
        ));
    }
    Ok(())
}

fn check_expiry(expires_in: Option<u32>, chat_expires_in: Option<u32>) -> Result<(), RuleError> {
    if expires_in.is_some_and(|e| e > MAX_CONTACT_WAY_EXPIRES_SECS) {
        return Err(rule("expires_in", "is over 14 days (1209600 seconds)"));
    }
    if chat_expires_in.is_some_and(|e| e > MAX_CONTACT_WAY_EXPIRES_SECS) {
        return Err(rule("chat_expires_in", "is over 14 days (1209600 seconds)"));
    }
    Ok(())
}

fn check_members(type_: u8, user: &[String], party: &[u64]) -> Result<(), RuleError> {
    if type_ == 1 {
        if user.len() != 1 {
            return Err(rule("user", "type 1 needs exactly one userid"));
        }
        if !party.is_empty() {
            return Err(rule("party", "is only allowed for type 2"));
        }
    } else if user.is_empty() && party.is_empty() {
        return Err(rule("user", "type 2 needs user or party"));
    }
    let mut distinct: Vec<&String> = user.iter().collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() > MAX_CONTACT_WAY_MEMBERS {
        return Err(rule(
            "user",
            format!("more than {MAX_CONTACT_WAY_MEMBERS} members"),
        ));
    }
    Ok(())
}

impl ContactWay {
    /// Checks WeCom's documented rules (wecom-api.md §2) that need no server state. Members
    /// behind `party` ids cannot be counted here; WeCom still answers 41041 past 100.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.type_ != 1 && self.type_ != 2 {
            return Err(rule("type", "must be 1 (single member) or 2 (multiple)"));
        }
        if self.scene != 1 && self.scene != 2 {
            return Err(rule("scene", "must be 1 (mini-program) or 2 (QR code)"));
        }
        check_style(self.type_, self.style)?;
        check_texts(self.remark.as_deref(), self.state.as_deref())?;
        check_members(self.type_, &self.user, &self.party)?;
        let temp = self.is_temp.unwrap_or(false);
        if temp && self.type_ != 1 {
            return Err(rule("is_temp", "is only allowed for type 1"));
        }
        check_expiry(self.expires_in, self.chat_expires_in)?;
        if let Some(c) = &self.conclusions {
            if !temp {
                return Err(rule("conclusions", "are only allowed when is_temp is true"));
            }
            c.validate()?;
        }
        Ok(())
    }
}

/// `add_contact_way` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddContactWayResponse {
    pub config_id: String,
    /// Scene 2 only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

/// `get_contact_way` → `contact_way`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactWayDetail {
    pub config_id: String,
    #[serde(default, rename = "type")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub type_: u8,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub scene: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<u8>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub remark: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub skip_verify: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub user: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub party: Vec<u64>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub is_temp: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_expires_in: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub is_exclusive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusions: Option<Conclusions>,
}

/// `update_contact_way` request: `user` / `party`, when given, overwrite the old lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateContactWay {
    pub config_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_verify: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_expires_in: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusions: Option<Conclusions>,
}

impl UpdateContactWay {
    /// The rules that need neither the way's type nor server state (the style and member rules
    /// depend on the way's type: WeCom checks them).
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.config_id.is_empty() {
            return Err(rule("config_id", "is required"));
        }
        if self.style.is_some_and(|s| !(1..=3).contains(&s)) {
            return Err(rule("style", "must be 1, 2 or 3"));
        }
        check_texts(self.remark.as_deref(), self.state.as_deref())?;
        if self
            .user
            .as_ref()
            .is_some_and(|u| u.len() > MAX_CONTACT_WAY_MEMBERS)
        {
            return Err(rule(
                "user",
                format!("more than {MAX_CONTACT_WAY_MEMBERS} members"),
            ));
        }
        check_expiry(self.expires_in, self.chat_expires_in)?;
        if let Some(c) = &self.conclusions {
            c.validate()?;
        }
        Ok(())
    }
}

/// One `list_contact_way` page: config ids and the cursor of the next page (`""` at the end).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactWayPage {
    pub contact_way: Vec<String>,
    pub next_cursor: String,
}
