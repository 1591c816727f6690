//! The rules a campaign's audience and content must meet, wherever the campaign comes from:
//! the admin API (campaigns, one-to-one messages, automation rules) and the automations that
//! turn a rule into campaigns.

use wecom_api::model::{MAX_ATTACHMENTS, MAX_TEXT_BYTES};

use super::Campaigns;
use super::model::{Audience, Content, ContentAttachment, MAX_EXPLICIT_AUDIENCE};
use crate::audience::CustomerFilter;
use crate::{CrmError, FieldError};

/// A refused field, as the domain's error.
fn refused(field: &str, message: impl Into<String>) -> CrmError {
    CrmError::Field(FieldError::new(field, message))
}

fn bytes_at_most(name: &str, s: &str, max: usize, what: &str) -> Result<(), FieldError> {
    if s.len() > max {
        return Err(FieldError::new(name, format!("{what}不能超过 {max} 字节")));
    }
    Ok(())
}

fn http_url(name: &str, url: &str) -> Result<(), FieldError> {
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048 {
        return Err(FieldError::new(
            name,
            "链接必须以 http:// 或 https:// 开头，且不超过 2048 字节",
        ));
    }
    Ok(())
}

/// Checks an audience against the limits of a campaign and drops repeated customers.
pub fn validate_audience(audience: Audience) -> Result<Audience, FieldError> {
    match &audience {
        Audience::Filter { filter } => check_filter(filter)?,
        Audience::Customers { external_userids } => {
            if external_userids.is_empty() || external_userids.len() > MAX_EXPLICIT_AUDIENCE {
                return Err(FieldError::new(
                    "audience.external_userids",
                    format!("请选择 1 到 {MAX_EXPLICIT_AUDIENCE} 位客户"),
                ));
            }
            if external_userids
                .iter()
                .any(|id| id.trim().is_empty() || id.len() > 128)
            {
                return Err(FieldError::new(
                    "audience.external_userids",
                    "客户 ID 不能为空",
                ));
            }
        }
        Audience::Tags { groups } => {
            if groups.is_empty()
                || groups.len() > 20
                || groups
                    .iter()
                    .any(|g| g.is_empty() || g.len() > 100 || g.iter().any(|t| t.trim().is_empty()))
            {
                return Err(FieldError::new(
                    "audience.groups",
                    "标签筛选需要 1 到 20 组，每组 1 到 100 个标签",
                ));
            }
        }
    }
    Ok(match audience {
        Audience::Customers {
            mut external_userids,
        } => {
            let mut seen = std::collections::HashSet::new();
            external_userids.retain(|id| seen.insert(id.clone()));
            Audience::Customers { external_userids }
        }
        other => other,
    })
}

/// The filter's values are ones the customer list understands.
pub fn check_filter(f: &CustomerFilter) -> Result<(), FieldError> {
    if f.gender.is_some_and(|g| !(0..=2).contains(&g)) {
        return Err(FieldError::new(
            "audience.filter.gender",
            "gender 只能是 0（未知）、1（男）或 2（女）",
        ));
    }
    if f.tiers
        .iter()
        .any(|t| !matches!(t.as_str(), "A" | "B" | "C"))
    {
        return Err(FieldError::new(
            "audience.filter.tiers",
            "客户等级只能是 A、B 或 C",
        ));
    }
    if f.birthday_month.is_some_and(|m| !(1..=12).contains(&m)) {
        return Err(FieldError::new(
            "audience.filter.birthday_month",
            "生日月份必须是 1 到 12 之间的整数",
        ));
    }
    if f.no_purchase_days.is_some_and(|d| !(1..=3650).contains(&d)) {
        return Err(FieldError::new(
            "audience.filter.no_purchase_days",
            "no_purchase_days 必须是 1 到 3650 之间的整数",
        ));
    }
    if [
        f.added_from,
        f.added_to,
        f.last_purchase_before,
        f.last_purchase_after,
    ]
    .iter()
    .flatten()
    .any(|t| *t < 0)
    {
        return Err(FieldError::new(
            "audience.filter",
            "时间必须是毫秒时间戳（非负整数）",
        ));
    }
    Ok(())
}

impl Campaigns {
    /// Checks the content against WeCom's limits (wecom-api.md §5) and that its media exist:
    /// the admin API for campaigns, messages and automation rules, and an automation before it
    /// sends a rule's content.
    pub async fn validate_content(
        &self,
        content: &Content,
        personalised: bool,
    ) -> Result<(), CrmError> {
        if content.text.trim().is_empty() && content.attachments.is_empty() {
            return Err(refused("content.text", "消息内容不能为空"));
        }
        bytes_at_most("content.text", &content.text, MAX_TEXT_BYTES, "消息文字")?;
        if !personalised && content.text.contains("{name}") {
            return Err(refused(
                "content.text",
                "群发的内容对每位客户都相同，不能使用 {name}；需要称呼客户时请使用单独发送或自动化规则",
            ));
        }
        if content.attachments.len() > MAX_ATTACHMENTS {
            return Err(refused(
                "content.attachments",
                format!("附件最多 {MAX_ATTACHMENTS} 个"),
            ));
        }
        for a in &content.attachments {
            match a {
                ContentAttachment::Link {
                    title,
                    url,
                    desc,
                    picurl,
                    pic_media,
                } => {
                    if picurl.is_some() && pic_media.is_some() {
                        return Err(refused(
                            "content.attachments.picurl",
                            "链接封面只能提供 picurl 或 pic_media 其中之一",
                        ));
                    }
                    if title.trim().is_empty() {
                        return Err(refused("content.attachments.title", "链接标题不能为空"));
                    }
                    bytes_at_most("content.attachments.title", title, 128, "链接标题")?;
                    http_url("content.attachments.url", url)?;
                    if let Some(d) = desc {
                        bytes_at_most("content.attachments.desc", d, 512, "链接描述")?;
                    }
                    if let Some(p) = picurl {
                        http_url("content.attachments.picurl", p)?;
                    }
                }
                ContentAttachment::Miniprogram {
                    title, appid, page, ..
                } => {
                    if title.trim().is_empty() || appid.trim().is_empty() || page.trim().is_empty()
                    {
                        return Err(refused(
                            "content.attachments",
                            "小程序卡片需要 title、appid、page 和封面图片",
                        ));
                    }
                    bytes_at_most("content.attachments.title", title, 64, "小程序标题")?;
                }
                ContentAttachment::Image {
                    media,
                    pic_media,
                    pic_url,
                } => {
                    if [media, pic_media, pic_url]
                        .iter()
                        .filter(|v| v.is_some())
                        .count()
                        != 1
                    {
                        return Err(refused(
                            "content.attachments",
                            "图片需要且只能提供一种来源：上传的素材（media 或 pic_media）或 pic_url",
                        ));
                    }
                    if let Some(p) = pic_url {
                        http_url("content.attachments.pic_url", p)?;
                    }
                }
                ContentAttachment::Video { .. } | ContentAttachment::File { .. } => {}
            }
            for hash in a.media_hash().into_iter().chain(a.image_hash()) {
                match self.media(hash).await? {
                    None => {
                        return Err(refused(
                            "content.attachments.media",
                            "找不到该素材，请先通过 /api/media 上传",
                        ));
                    }
                    Some(m) if a.image_hash() == Some(hash) && m.kind != "image" => {
                        return Err(refused(
                            "content.attachments.pic_media",
                            "封面和图片链接只能使用图片素材",
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audience_of_customers_is_deduplicated_and_held_to_its_limits() {
        let ids = |n: usize| (0..n).map(|i| format!("wm{}", i % 3)).collect::<Vec<_>>();
        let audience = validate_audience(Audience::Customers {
            external_userids: ids(5),
        });
        assert_eq!(
            audience,
            Ok(Audience::Customers {
                external_userids: vec!["wm0".into(), "wm1".into(), "wm2".into()]
            })
        );
        for refused in [
            Vec::new(),
            vec![" ".to_owned()],
            vec!["wm".to_owned(); MAX_EXPLICIT_AUDIENCE + 1],
        ] {
            let refused = validate_audience(Audience::Customers {
                external_userids: refused,
            });
            assert_eq!(
                refused.err().map(|e| e.field).as_deref(),
                Some("audience.external_userids")
            );
        }
    }

    #[test]
    fn a_filter_names_the_value_it_refuses() {
        let filter = CustomerFilter {
            birthday_month: Some(13),
            ..CustomerFilter::default()
        };
        assert_eq!(
            check_filter(&filter).err().map(|e| e.field).as_deref(),
            Some("audience.filter.birthday_month")
        );
        let filter = CustomerFilter {
            tiers: vec!["D".into()],
            ..CustomerFilter::default()
        };
        assert_eq!(
            check_filter(&filter).err().map(|e| e.field).as_deref(),
            Some("audience.filter.tiers")
        );
        assert_eq!(check_filter(&CustomerFilter::default()), Ok(()));
    }
}
