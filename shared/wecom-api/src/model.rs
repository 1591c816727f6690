//! Request and response shapes, named as in WeCom's documentation.

use serde::{Deserialize, Serialize};

/// `externalcontact/get` → `external_contact`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalContact {
    pub external_userid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub avatar: String,
    /// 1 WeChat user, 2 WeCom user.
    #[serde(default, rename = "type")]
    pub contact_type: i64,
    /// 0 unknown, 1 male, 2 female.
    #[serde(default)]
    pub gender: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// A tag on a follow-user relationship.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUserTag {
    #[serde(default)]
    pub group_name: String,
    #[serde(default)]
    pub tag_name: String,
    /// Absent for personal tags (type 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<String>,
    /// 1 corp tag, 2 personal tag, 3 rule-group tag.
    #[serde(default, rename = "type")]
    pub tag_type: i64,
}

/// `externalcontact/get` → `follow_user[]`: the customer's relationship with one staff member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUser {
    pub userid: String,
    #[serde(default)]
    pub remark: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub createtime: i64,
    #[serde(default)]
    pub tags: Vec<FollowUserTag>,
    #[serde(default)]
    pub remark_corp_name: String,
    #[serde(default)]
    pub remark_mobiles: Vec<String>,
    #[serde(default)]
    pub add_way: i64,
    #[serde(default)]
    pub oper_userid: String,
    #[serde(default)]
    pub state: String,
}

/// The whole `externalcontact/get` answer, every `follow_user` page merged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalContactDetail {
    pub external_contact: ExternalContact,
    #[serde(default)]
    pub follow_user: Vec<FollowUser>,
    #[serde(default)]
    pub next_cursor: String,
}

/// `get_corp_tag_list` → `tag_group[].tag[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpTag {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub order: u32,
    #[serde(default)]
    pub deleted: bool,
}

/// `get_corp_tag_list` → `tag_group[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpTagGroup {
    pub group_id: String,
    pub group_name: String,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub order: u32,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub tag: Vec<CorpTag>,
}

/// `add_corp_tag` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddCorpTag {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
    pub tag: Vec<NewTag>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewTag {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
}

/// `mark_tag` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MarkTag {
    pub userid: String,
    pub external_userid: String,
    pub add_tag: Vec<String>,
    pub remove_tag: Vec<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub content: String,
}

/// One message attachment, serialised as WeCom wants: `{"msgtype":"link","link":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub msgtype: String,
    #[serde(flatten)]
    pub body: AttachmentBody,
}

impl Attachment {
    pub fn new(body: AttachmentBody) -> Self {
        let msgtype = match &body {
            AttachmentBody::Image(_) => "image",
            AttachmentBody::Link(_) => "link",
            AttachmentBody::Miniprogram(_) => "miniprogram",
            AttachmentBody::Video(_) => "video",
            AttachmentBody::File(_) => "file",
        };
        Self {
            msgtype: msgtype.to_owned(),
            body,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttachmentBody {
    Image(ImageAttachment),
    Link(LinkAttachment),
    Miniprogram(MiniprogramAttachment),
    Video(MediaAttachment),
    File(MediaAttachment),
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageAttachment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_url: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAttachment {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picurl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    pub url: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiniprogramAttachment {
    pub title: String,
    pub pic_media_id: String,
    pub appid: String,
    pub page: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaAttachment {
    pub media_id: String,
}

/// `send_welcome_msg` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WelcomeMessage {
    pub welcome_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// Most attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = 9;
/// Most bytes of text in a welcome or group-send message.
pub const MAX_TEXT_BYTES: usize = 4000;

impl WelcomeMessage {
    /// Checks WeCom's documented limits before the call is spent.
    pub fn validate(&self) -> Result<(), String> {
        if self.text.is_none() && self.attachments.is_empty() {
            return Err("a welcome message needs text or an attachment".into());
        }
        if let Some(text) = &self.text
            && text.content.len() > MAX_TEXT_BYTES
        {
            return Err(format!("text is over {MAX_TEXT_BYTES} bytes"));
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Err(format!("more than {MAX_ATTACHMENTS} attachments"));
        }
        for a in &self.attachments {
            a.validate()?;
        }
        Ok(())
    }
}

impl Attachment {
    /// Checks the attachment against WeCom's field rules (wecom-api.md §5): `msgtype` names the
    /// body, required fields are present and within their byte limits.
    pub fn validate(&self) -> Result<(), String> {
        let kind = match &self.body {
            AttachmentBody::Image(_) => "image",
            AttachmentBody::Link(_) => "link",
            AttachmentBody::Miniprogram(_) => "miniprogram",
            AttachmentBody::Video(_) => "video",
            AttachmentBody::File(_) => "file",
        };
        if self.msgtype != kind {
            return Err(format!(
                "msgtype `{}` does not match a {kind} body",
                self.msgtype
            ));
        }
        let blank = |s: &str| s.trim().is_empty();
        match &self.body {
            AttachmentBody::Image(i) => {
                if i.media_id.as_deref().is_none_or(blank) && i.pic_url.as_deref().is_none_or(blank)
                {
                    return Err("an image needs media_id or pic_url".into());
                }
            }
            AttachmentBody::Link(l) => {
                if blank(&l.title) || l.title.len() > 128 {
                    return Err("a link needs a title of at most 128 bytes".into());
                }
                if blank(&l.url) || l.url.len() > 2048 {
                    return Err("a link needs a url of at most 2048 bytes".into());
                }
                if l.desc.as_ref().is_some_and(|d| d.len() > 512) {
                    return Err("a link's desc is over 512 bytes".into());
                }
                if l.picurl.as_ref().is_some_and(|p| p.len() > 2048) {
                    return Err("a link's picurl is over 2048 bytes".into());
                }
            }
            AttachmentBody::Miniprogram(m) => {
                if blank(&m.title) || m.title.len() > 64 {
                    return Err("a miniprogram needs a title of at most 64 bytes".into());
                }
                if blank(&m.pic_media_id) || blank(&m.appid) || blank(&m.page) {
                    return Err("a miniprogram needs pic_media_id, appid and page".into());
                }
            }
            AttachmentBody::Video(m) | AttachmentBody::File(m) => {
                if blank(&m.media_id) {
                    return Err(format!("a {kind} needs a media_id"));
                }
            }
        }
        Ok(())
    }
}

// ---- 「联系我」 contact ways (wecom-api.md §2) -------------------------------------------

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

/// A contact-way rule broken, naming the offending field with WeCom's field name
/// (`remark`, `conclusions.link.title`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ContactWayRuleError {
    pub field: &'static str,
    pub message: String,
}

fn rule(field: &'static str, message: impl Into<String>) -> ContactWayRuleError {
    ContactWayRuleError {
        field,
        message: message.into(),
    }
}

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
    pub fn validate(&self) -> Result<(), ContactWayRuleError> {
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

fn check_style(type_: u8, style: Option<u8>) -> Result<(), ContactWayRuleError> {
    let allowed: &[u8] = if type_ == 1 { &[1, 2, 3] } else { &[1, 2] };
    match style {
        Some(s) if !allowed.contains(&s) => Err(rule(
            "style",
            format!("{s} is not allowed for type {type_} (type 1: 1-3, type 2: 1-2)"),
        )),
        _ => Ok(()),
    }
}

fn check_texts(remark: Option<&str>, state: Option<&str>) -> Result<(), ContactWayRuleError> {
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

fn check_expiry(
    expires_in: Option<u32>,
    chat_expires_in: Option<u32>,
) -> Result<(), ContactWayRuleError> {
    if expires_in.is_some_and(|e| e > MAX_CONTACT_WAY_EXPIRES_SECS) {
        return Err(rule("expires_in", "is over 14 days (1209600 seconds)"));
    }
    if chat_expires_in.is_some_and(|e| e > MAX_CONTACT_WAY_EXPIRES_SECS) {
        return Err(rule("chat_expires_in", "is over 14 days (1209600 seconds)"));
    }
    Ok(())
}

fn check_members(type_: u8, user: &[String], party: &[u64]) -> Result<(), ContactWayRuleError> {
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
    pub fn validate(&self) -> Result<(), ContactWayRuleError> {
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
    pub fn validate(&self) -> Result<(), ContactWayRuleError> {
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

// ---- customer remark (wecom-api.md §3) ------------------------------------------------------

/// `externalcontact/remark` limits.
pub const MAX_REMARK_CHARS: usize = 20;
pub const MAX_DESCRIPTION_CHARS: usize = 150;
pub const MAX_REMARK_COMPANY_CHARS: usize = 20;

/// `externalcontact/remark` request. Fires no callback: update the local record yourself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Remark {
    pub userid: String,
    pub external_userid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// WeChat users only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_company: Option<String>,
    /// Overwrites the old list; `[""]` clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_mobiles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_pic_mediaid: Option<String>,
}

impl Remark {
    /// Required ids and the documented length limits (characters).
    pub fn validate(&self) -> Result<(), String> {
        if self.userid.is_empty() {
            return Err("userid is required".into());
        }
        if self.external_userid.is_empty() {
            return Err("external_userid is required".into());
        }
        let over =
            |v: &Option<String>, max: usize| v.as_ref().is_some_and(|s| s.chars().count() > max);
        if over(&self.remark, MAX_REMARK_CHARS) {
            return Err(format!("remark is over {MAX_REMARK_CHARS} characters"));
        }
        if over(&self.description, MAX_DESCRIPTION_CHARS) {
            return Err(format!(
                "description is over {MAX_DESCRIPTION_CHARS} characters"
            ));
        }
        if over(&self.remark_company, MAX_REMARK_COMPANY_CHARS) {
            return Err(format!(
                "remark_company is over {MAX_REMARK_COMPANY_CHARS} characters"
            ));
        }
        Ok(())
    }
}

// ---- batch/get_by_user (wecom-api.md §3) ---------------------------------------------------

/// `batch/get_by_user` `userid_list`: at most 100 userids.
pub const MAX_BATCH_USERIDS: usize = 100;
/// `batch/get_by_user` `limit`: 1 to 100 (WeCom's default is 50).
pub const MAX_BATCH_LIMIT: u32 = 100;

/// `batch/get_by_user` → `external_contact_list[].follow_info`: one member's relationship,
/// with corp tag ids only (`tag_id[]`, not the `tags[]` objects of `externalcontact/get`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowInfo {
    pub userid: String,
    #[serde(default)]
    pub remark: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub createtime: i64,
    #[serde(default)]
    pub tag_id: Vec<String>,
    #[serde(default)]
    pub remark_corp_name: String,
    #[serde(default)]
    pub remark_mobiles: Vec<String>,
    #[serde(default)]
    pub oper_userid: String,
    #[serde(default)]
    pub add_way: i64,
    #[serde(default)]
    pub state: String,
}

/// One `batch/get_by_user` entry: a customer and one member's relationship with them (a
/// customer followed by several listed members appears once per member).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchContact {
    pub external_contact: ExternalContact,
    pub follow_info: FollowInfo,
}

/// One `batch/get_by_user` page; `next_cursor` is `""` on the last page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchPage {
    #[serde(default)]
    pub external_contact_list: Vec<BatchContact>,
    #[serde(default)]
    pub next_cursor: String,
}

/// `message/send` text content: at most 2048 bytes (WeCom: 45002 beyond).
pub const MAX_APP_TEXT_BYTES: usize = 2048;
/// `message/send` `touser`: at most 1000 members.
pub const MAX_APP_MESSAGE_USERS: usize = 1000;

// ---- 企业群发 (wecom-api.md §5) -----------------------------------------------------------

/// `add_msg_template` `external_userid[]`: at most 10 000 customers.
pub const MAX_GROUPMSG_RECIPIENTS: usize = 10_000;
/// Attachment limits of `add_msg_template` / `send_welcome_msg` (bytes).
pub const MAX_LINK_TITLE_BYTES: usize = 128;
pub const MAX_LINK_URL_BYTES: usize = 2048;
pub const MAX_LINK_DESC_BYTES: usize = 512;
pub const MAX_LINK_PICURL_BYTES: usize = 2048;
pub const MAX_IMAGE_PIC_URL_BYTES: usize = 2048;
pub const MAX_MINIPROGRAM_TITLE_BYTES: usize = 64;
/// `get_groupmsg_task` / `get_groupmsg_send_result` `limit`: at most 1000.
pub const MAX_GROUPMSG_TASK_LIMIT: u32 = 1000;
/// `get_groupmsg_list_v2` `limit`: at most 100.
pub const MAX_GROUPMSG_LIST_LIMIT: u32 = 100;
/// `get_groupmsg_list_v2`: `end_time - start_time` may not exceed one month (31 days).
pub const MAX_GROUPMSG_LIST_SPAN_SECS: i64 = 31 * 86_400;

/// `""` (WeCom's "no more pages") and a missing field both become `None`.
fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// `0` (not sent yet) and a missing field both become `None`.
fn zero_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<i64>::deserialize(d)?.filter(|t| *t != 0))
}

/// A unix time WeCom sends either as a number or as a string (`media/upload` `created_at`).
fn int_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i64),
        Str(String),
    }
    match IntOrString::deserialize(d)? {
        IntOrString::Int(i) => Ok(i),
        IntOrString::Str(s) if s.is_empty() => Ok(0),
        IntOrString::Str(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

/// Checks one attachment of a customer message (group send or welcome message) against the
/// documented limits; `at` names it in the error.
fn validate_attachment(a: &Attachment, at: usize) -> Result<(), String> {
    let expected = Attachment::new(a.body.clone()).msgtype;
    if a.msgtype != expected {
        return Err(format!(
            "attachments[{at}]: msgtype {} does not match its {expected} body",
            a.msgtype
        ));
    }
    let blank = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
    let over = |v: &Option<String>, max: usize| v.as_ref().is_some_and(|s| s.len() > max);
    match &a.body {
        AttachmentBody::Image(i) => {
            if blank(&i.media_id) && blank(&i.pic_url) {
                return Err(format!(
                    "attachments[{at}]: image needs media_id or pic_url"
                ));
            }
            if over(&i.pic_url, MAX_IMAGE_PIC_URL_BYTES) {
                return Err(format!(
                    "attachments[{at}]: image.pic_url is over {MAX_IMAGE_PIC_URL_BYTES} bytes"
                ));
            }
        }
        AttachmentBody::Link(l) => {
            if l.title.is_empty() || l.title.len() > MAX_LINK_TITLE_BYTES {
                return Err(format!(
                    "attachments[{at}]: link.title must be 1 to {MAX_LINK_TITLE_BYTES} bytes"
                ));
            }
            if l.url.is_empty() || l.url.len() > MAX_LINK_URL_BYTES {
                return Err(format!(
                    "attachments[{at}]: link.url must be 1 to {MAX_LINK_URL_BYTES} bytes"
                ));
            }
            if over(&l.desc, MAX_LINK_DESC_BYTES) {
                return Err(format!(
                    "attachments[{at}]: link.desc is over {MAX_LINK_DESC_BYTES} bytes"
                ));
            }
            if over(&l.picurl, MAX_LINK_PICURL_BYTES) {
                return Err(format!(
                    "attachments[{at}]: link.picurl is over {MAX_LINK_PICURL_BYTES} bytes"
                ));
            }
        }
        AttachmentBody::Miniprogram(m) => {
            if m.title.is_empty() || m.title.len() > MAX_MINIPROGRAM_TITLE_BYTES {
                return Err(format!(
                    "attachments[{at}]: miniprogram.title must be 1 to {MAX_MINIPROGRAM_TITLE_BYTES} bytes"
                ));
            }
            if m.pic_media_id.is_empty() || m.appid.is_empty() || m.page.is_empty() {
                return Err(format!(
                    "attachments[{at}]: miniprogram needs pic_media_id, appid and page"
                ));
            }
        }
        AttachmentBody::Video(v) | AttachmentBody::File(v) => {
            if v.media_id.is_empty() {
                return Err(format!(
                    "attachments[{at}]: {expected}.media_id is required"
                ));
            }
        }
    }
    Ok(())
}

/// `add_msg_template` request (chat_type `single`): a task for `sender`, who must confirm it in
/// the WeCom client before anything reaches the customers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgTemplate {
    /// The member who sends (required here, although WeCom can pick one itself).
    #[serde(default)]
    pub sender: String,
    /// 1 to 10 000 customers of `sender`; the others come back in `fail_list`.
    #[serde(default)]
    pub external_userid: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// At most 9. Media ids must come from `media/upload` (valid 3 days).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Lets the member re-pick the recipients.
    #[serde(default)]
    pub allow_select: bool,
}

impl MsgTemplate {
    /// Checks WeCom's documented limits (wecom-api.md §5) before the call is spent.
    pub fn validate(&self) -> Result<(), String> {
        if self.sender.is_empty() {
            return Err("sender is required".into());
        }
        if self.external_userid.is_empty() {
            return Err("external_userid needs at least one customer".into());
        }
        if self.external_userid.len() > MAX_GROUPMSG_RECIPIENTS {
            return Err(format!(
                "external_userid holds {} customers, at most {MAX_GROUPMSG_RECIPIENTS}",
                self.external_userid.len()
            ));
        }
        if self.external_userid.iter().any(String::is_empty) {
            return Err("external_userid holds an empty id".into());
        }
        let text = self.text.as_ref().filter(|t| !t.content.is_empty());
        if text.is_none() && self.attachments.is_empty() {
            return Err("a group message needs text or an attachment".into());
        }
        if let Some(t) = text
            && t.content.len() > MAX_TEXT_BYTES
        {
            return Err(format!("text is over {MAX_TEXT_BYTES} bytes"));
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Err(format!("more than {MAX_ATTACHMENTS} attachments"));
        }
        for (i, a) in self.attachments.iter().enumerate() {
            validate_attachment(a, i)?;
        }
        Ok(())
    }
}

/// `add_msg_template` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgTemplateCreated {
    pub msgid: String,
    /// Requested customers that cannot be sent to (not a customer of the sender, invalid id).
    #[serde(default)]
    pub fail_list: Vec<String>,
}

/// `get_groupmsg_task` → `task_list[]`: one member's task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgTask {
    pub userid: String,
    /// 0 not sent yet, 2 sent.
    #[serde(default)]
    pub status: i64,
    /// Unix seconds; `None` until sent.
    #[serde(
        default,
        deserialize_with = "zero_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_time: Option<i64>,
}

/// One `get_groupmsg_task` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgTaskPage {
    #[serde(default)]
    pub task_list: Vec<GroupMsgTask>,
    /// `None` on the last page.
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_cursor: Option<String>,
}

/// `get_groupmsg_send_result` → `send_list[]`: one recipient.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgSendResult {
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_userid: Option<String>,
    /// Customer-group sends only.
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub userid: String,
    /// 0 未发送 (not sent yet), 1 已发送 (sent), 2 not a friend, 3 the customer's 群发 quota was
    /// already reached.
    #[serde(default)]
    pub status: i64,
    /// Unix seconds; `None` until sent.
    #[serde(
        default,
        deserialize_with = "zero_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_time: Option<i64>,
}

/// One `get_groupmsg_send_result` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgSendResultPage {
    #[serde(default)]
    pub send_list: Vec<GroupMsgSendResult>,
    /// `None` on the last page.
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_cursor: Option<String>,
}

/// `get_groupmsg_list_v2` → `group_msg_list[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgSummary {
    pub msgid: String,
    #[serde(default)]
    pub creator: String,
    /// Unix seconds.
    #[serde(default)]
    pub create_time: i64,
    /// 0 created by the corp, 1 by a member.
    #[serde(default)]
    pub create_type: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// As WeCom returns them (`{"msgtype": "image", "image": {…}}`, …).
    #[serde(default)]
    pub attachments: Vec<serde_json::Value>,
}

/// One `get_groupmsg_list_v2` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgListPage {
    #[serde(default)]
    pub group_msg_list: Vec<GroupMsgSummary>,
    /// `None` on the last page.
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_cursor: Option<String>,
}

// ---- media (wecom-api.md §5 "Media") --------------------------------------------------------

const MIB: usize = 1024 * 1024;
/// Every uploaded file must be larger than this.
pub const MIN_MEDIA_BYTES: usize = 5;
/// `media/uploadimg`: 5 bytes to 2 MB.
pub const MAX_UPLOADIMG_BYTES: usize = 2 * MIB;

/// `media/upload` `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// JPG/PNG, at most 10 MB.
    Image,
    /// AMR, at most 2 MB and 60 s.
    Voice,
    /// MP4, at most 10 MB.
    Video,
    /// Any file, at most 20 MB.
    File,
}

impl MediaKind {
    /// The `type` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Voice => "voice",
            MediaKind::Video => "video",
            MediaKind::File => "file",
        }
    }

    /// The largest file WeCom accepts for this type (bytes).
    pub fn max_bytes(self) -> usize {
        match self {
            MediaKind::Image | MediaKind::Video => 10 * MIB,
            MediaKind::Voice => 2 * MIB,
            MediaKind::File => 20 * MIB,
        }
    }
}

/// `media/upload` answer: a temporary `media_id`, valid for 3 days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedMedia {
    #[serde(rename = "type")]
    pub media_type: String,
    pub media_id: String,
    /// Unix seconds (WeCom sends a string; a number is accepted too).
    #[serde(default, deserialize_with = "int_or_string")]
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_serialise_in_wecom_shape() {
        let link = Attachment::new(AttachmentBody::Link(LinkAttachment {
            title: "预约".into(),
            picurl: None,
            desc: None,
            url: "https://example.com/a".into(),
        }));
        let json = serde_json::to_value(&link).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"msgtype": "link", "link": {"title": "预约", "url": "https://example.com/a"}})
        );
        let back: Attachment = serde_json::from_value(json).unwrap_or_else(|_| link.clone());
        assert_eq!(back, link);
    }

    #[test]
    fn group_send_answers_decode_from_wecom_shapes() {
        let page: GroupMsgSendResultPage = serde_json::from_value(serde_json::json!({
            "errcode": 0, "errmsg": "ok", "next_cursor": "",
            "send_list": [
                {"external_userid": "wmA", "userid": "zhangsan", "status": 1, "send_time": 1_700_000_000},
                {"external_userid": "wmB", "userid": "zhangsan", "status": 0, "send_time": 0},
                {"chat_id": "wrC", "userid": "zhangsan", "status": 0}
            ]
        }))
        .unwrap_or_default();
        assert_eq!(page.next_cursor, None);
        assert_eq!(page.send_list.len(), 3);
        assert_eq!(page.send_list[0].send_time, Some(1_700_000_000));
        assert_eq!(page.send_list[1].send_time, None, "0 means not sent");
        assert_eq!(page.send_list[2].external_userid, None);
        assert_eq!(page.send_list[2].chat_id.as_deref(), Some("wrC"));
        let tasks: GroupMsgTaskPage = serde_json::from_value(serde_json::json!({
            "task_list": [{"userid": "lisi", "status": 2, "send_time": 1_700_000_001}],
            "next_cursor": "CURSOR"
        }))
        .unwrap_or_default();
        assert_eq!(tasks.next_cursor.as_deref(), Some("CURSOR"));
        assert_eq!(tasks.task_list[0].status, 2);
        let empty: GroupMsgListPage =
            serde_json::from_value(serde_json::json!({})).unwrap_or_else(|_| GroupMsgListPage {
                next_cursor: Some("decode failed".into()),
                ..GroupMsgListPage::default()
            });
        assert_eq!(empty, GroupMsgListPage::default());
        for created_at in [
            serde_json::json!("1380000000"),
            serde_json::json!(1_380_000_000),
        ] {
            let m: UploadedMedia = serde_json::from_value(serde_json::json!({
                "type": "image", "media_id": "MID", "created_at": created_at
            }))
            .unwrap_or_default();
            assert_eq!(
                (m.media_type.as_str(), m.created_at),
                ("image", 1_380_000_000)
            );
        }
    }

    #[test]
    fn media_kinds_carry_their_limits() {
        assert_eq!(MediaKind::Image.as_str(), "image");
        assert_eq!(MediaKind::Voice.max_bytes(), 2 * 1024 * 1024);
        assert_eq!(MediaKind::Video.max_bytes(), 10 * 1024 * 1024);
        assert_eq!(MediaKind::File.max_bytes(), 20 * 1024 * 1024);
    }
}

/// OpenAPI: [`Attachment`] is `{"msgtype": "<kind>", "<kind>": {…}}`, described as a union
/// discriminated by `msgtype` (its serde shape is a string plus a flattened, externally tagged
/// body, which utoipa cannot derive).
#[cfg(feature = "openapi")]
mod attachment_schema {
    use std::borrow::Cow;

    use utoipa::openapi::{RefOr, schema::Schema};

    use super::{
        Attachment, ImageAttachment, LinkAttachment, MediaAttachment, MiniprogramAttachment,
    };

    /// One message attachment, as WeCom takes it: `{"msgtype":"link","link":{…}}`.
    #[derive(serde::Serialize, utoipa::ToSchema)]
    #[serde(tag = "msgtype", rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Shape {
        Image { image: ImageAttachment },
        Link { link: LinkAttachment },
        Miniprogram { miniprogram: MiniprogramAttachment },
        Video { video: MediaAttachment },
        File { file: MediaAttachment },
    }

    impl utoipa::PartialSchema for Attachment {
        fn schema() -> RefOr<Schema> {
            <Shape as utoipa::PartialSchema>::schema()
        }
    }

    impl utoipa::ToSchema for Attachment {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("Attachment")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            <Shape as utoipa::ToSchema>::schemas(schemas);
        }
    }
}
