//! Writing one planned row. Every write compares with what is stored first, so a row applied
//! twice (the same file imported again, or a retry) changes nothing the second time.

use wecom_api::model::{FollowUserTag, MarkTag};

use crate::CrmError;
use crate::consent::{ConsentRecord, ConsentRepo, Method, Purpose};
use crate::leads::{LeadRepo, consent_note};
use crate::repo::{CustomerAdmin, CustomerRepo, TagCatalogue};
use crate::tags::live_tag;

use super::Importer;
use super::plan::{Effect, Planned, Target, apply_fields, marketing};

/// Applies the row; returns what it did.
pub async fn apply(
    importer: &Importer,
    planned: &Planned,
    now_ms: i64,
) -> Result<Effect, CrmError> {
    let row = &planned.row;
    let mut effect = Effect::default();
    match &planned.target {
        Target::Lead { existing, next } => {
            // Planned from a fresh read just before: unchanged means no write.
            if !planned.effect.lead {
                return Ok(effect);
            }
            let mut lead = (**next).clone();
            if existing.is_none() {
                lead.created_at_ms = now_ms;
            }
            lead.updated_at_ms = now_ms;
            LeadRepo::new(importer.store.clone()).put(&lead).await?;
            effect.lead = true;
        }
        Target::Customer(customer) => {
            let id = customer.external_userid.as_str();
            // The plan was made from a fresh read just before (rows are planned and applied
            // one after the other): nothing to change there means no write here.
            let mut current = Some((**customer).clone());
            if !planned.effect.fields.is_empty() {
                let mut changed = Vec::new();
                let updated = CustomerAdmin::new(importer.store.clone())
                    .update_profile(id, |c| {
                        changed = apply_fields(&mut c.crm, row);
                        if changed.is_empty() {
                            return false;
                        }
                        c.updated_at_ms = c.updated_at_ms.max(now_ms);
                        true
                    })
                    .await?;
                effect.fields = changed;
                current = match updated {
                    Some(c) => Some(c),
                    None => CustomerRepo::new(importer.store.clone()).get(id).await?,
                };
            }
            if planned.effect.consent
                && let (Some(consent), Some(current)) = (&row.consent, &current)
                && marketing(current) != Some(consent.granted)
            {
                let record = ConsentRecord {
                    id: format!("import-{now_ms}-{}", row.row),
                    external_userid: id.to_owned(),
                    purpose: Purpose::Marketing,
                    granted: consent.granted,
                    at_ms: now_ms,
                    recorded_by: "import".to_owned(),
                    method: Method::Import,
                    note: Some(consent_note(consent.how.as_deref(), false)),
                };
                ConsentRepo::new(importer.store.clone())
                    .record(&record)
                    .await?;
                effect.consent = true;
            }
            effect.tags_marked = mark_tags(importer, id, &planned.tags, now_ms).await?;
        }
    }
    Ok(effect)
}

/// Adds corp tags to relationships in WeCom (`mark_tag`), then locally (WeCom sends no
/// callback for changes made through the API). Returns how many tags were added.
pub async fn mark_tags(
    importer: &Importer,
    external_userid: &str,
    tags: &[(String, Vec<String>)],
    now_ms: i64,
) -> Result<usize, CrmError> {
    if tags.is_empty() {
        return Ok(0);
    }
    let groups = TagCatalogue::new(importer.store.clone()).groups().await?;
    let repo = CustomerRepo::new(importer.store.clone());
    let mut marked = 0;
    for (userid, add) in tags {
        importer
            .wecom
            .mark_tag(&MarkTag {
                userid: userid.clone(),
                external_userid: external_userid.to_owned(),
                add_tag: add.clone(),
                remove_tag: Vec::new(),
            })
            .await?;
        marked += add.len();
        repo.update_relationship(external_userid, userid, |current| {
            let mut rel = current?;
            let mut any = false;
            for id in add {
                if rel.has_tag(id) {
                    continue;
                }
                if let Some((group_name, tag_name)) = live_tag(&groups, id) {
                    rel.tags.push(FollowUserTag {
                        group_name,
                        tag_name,
                        tag_id: Some(id.clone()),
                        tag_type: 1,
                    });
                    any = true;
                }
            }
            if !any {
                return None;
            }
            rel.updated_at_ms = now_ms;
            Some(rel)
        })
        .await?;
    }
    Ok(marked)
}
