//! Message content shared by welcome messages, 群发 and 「联系我」 conclusions: [`Text`] and
//! [`Attachment`]s (image, link, miniprogram, video, file) with their documented limits.

use serde::{Deserialize, Serialize};

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

/// Checks one attachment of a customer message (group send or welcome message) against the
/// documented limits; `at` names it in the error.
pub(super) fn validate_attachment(a: &Attachment, at: usize) -> Result<(), String> {
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
