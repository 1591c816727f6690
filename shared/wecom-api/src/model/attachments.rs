//! Message content shared by welcome messages, 群发 and 「联系我」 conclusions: [`Text`] and
//! [`Attachment`]s (image, link, miniprogram, video, file) with their documented limits.

use serde::{Deserialize, Serialize};

use super::rules::{RuleError, rule};

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

/// Most attachments one message may carry.
pub const MAX_ATTACHMENTS: usize = 9;
/// Most bytes of text in a welcome or group-send message.
pub const MAX_TEXT_BYTES: usize = 4000;
/// Attachment limits of `add_msg_template` / `send_welcome_msg` (bytes).
pub const MAX_LINK_TITLE_BYTES: usize = 128;
pub const MAX_LINK_URL_BYTES: usize = 2048;
pub const MAX_LINK_DESC_BYTES: usize = 512;
pub const MAX_LINK_PICURL_BYTES: usize = 2048;
pub const MAX_IMAGE_PIC_URL_BYTES: usize = 2048;
pub const MAX_MINIPROGRAM_TITLE_BYTES: usize = 64;

/// Checks one attachment of a customer message (group send or welcome message) against the
/// documented limits (wecom-api.md §5); `at` is its place, named in the error's field.
pub(super) fn validate_attachment(a: &Attachment, at: usize) -> Result<(), RuleError> {
    let field = |name: &str| format!("attachments[{at}].{name}");
    let expected = Attachment::new(a.body.clone()).msgtype;
    if a.msgtype != expected {
        return Err(rule(
            field("msgtype"),
            format!("{} does not match its {expected} body", a.msgtype),
        ));
    }
    let blank = |v: &str| v.trim().is_empty();
    let missing = |v: &Option<String>| v.as_deref().is_none_or(blank);
    let over = |v: &Option<String>, max: usize| v.as_ref().is_some_and(|s| s.len() > max);
    match &a.body {
        AttachmentBody::Image(i) => {
            if missing(&i.media_id) && missing(&i.pic_url) {
                return Err(rule(field("image"), "needs media_id or pic_url"));
            }
            if over(&i.pic_url, MAX_IMAGE_PIC_URL_BYTES) {
                return Err(rule(
                    field("image.pic_url"),
                    format!("is over {MAX_IMAGE_PIC_URL_BYTES} bytes"),
                ));
            }
        }
        AttachmentBody::Link(l) => {
            if blank(&l.title) || l.title.len() > MAX_LINK_TITLE_BYTES {
                return Err(rule(
                    field("link.title"),
                    format!("must be 1 to {MAX_LINK_TITLE_BYTES} bytes"),
                ));
            }
            if blank(&l.url) || l.url.len() > MAX_LINK_URL_BYTES {
                return Err(rule(
                    field("link.url"),
                    format!("must be 1 to {MAX_LINK_URL_BYTES} bytes"),
                ));
            }
            if over(&l.desc, MAX_LINK_DESC_BYTES) {
                return Err(rule(
                    field("link.desc"),
                    format!("is over {MAX_LINK_DESC_BYTES} bytes"),
                ));
            }
            if over(&l.picurl, MAX_LINK_PICURL_BYTES) {
                return Err(rule(
                    field("link.picurl"),
                    format!("is over {MAX_LINK_PICURL_BYTES} bytes"),
                ));
            }
        }
        AttachmentBody::Miniprogram(m) => {
            if blank(&m.title) || m.title.len() > MAX_MINIPROGRAM_TITLE_BYTES {
                return Err(rule(
                    field("miniprogram.title"),
                    format!("must be 1 to {MAX_MINIPROGRAM_TITLE_BYTES} bytes"),
                ));
            }
            if blank(&m.pic_media_id) || blank(&m.appid) || blank(&m.page) {
                return Err(rule(
                    field("miniprogram"),
                    "needs pic_media_id, appid and page",
                ));
            }
        }
        AttachmentBody::Video(v) | AttachmentBody::File(v) => {
            if blank(&v.media_id) {
                return Err(rule(field(&format!("{expected}.media_id")), "is required"));
            }
        }
    }
    Ok(())
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
