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

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageAttachment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pic_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkAttachment {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picurl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiniprogramAttachment {
    pub title: String,
    pub pic_media_id: String,
    pub appid: String,
    pub page: String,
}

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
        Ok(())
    }
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
}
