//! Leads (线索): imported people who match no WeCom customer yet. A lead holds what the file
//! said about them (phone, unionid, name, the clinic's fields, the marketing consent and how
//! it was given, tags) and nothing can be sent to it: it has no external_userid, so no
//! campaign, automation or message can reach it.
//!
//! When the person adds a consultant (or a consultant records their phone as a remark phone),
//! the event processor finds the lead by unionid or by a remark phone and merges it into the
//! customer ([`LeadRepo::merge_into_customer`]): fields the customer does not have yet are
//! filled, the consent is recorded (method 导入), the tags are returned to be marked in WeCom,
//! and the lead is marked merged (kept, for the record).
//!
//! Keys: `LEAD#<id>` / `LEAD`, id `p<phone>` (or `u<unionid>` without a phone); GSI1
//! `LEADU#<unionid>` finds one by unionid; GSI2 `LEADS` lists them, newest first.

use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query};
use serde::{Deserialize, Serialize};

use crate::CrmError;
use crate::clinic_fields::ClinicFields;
use crate::consent::{ConsentRecord, ConsentRepo, Method, Purpose};
use crate::keys::ts;
use crate::model::{Customer, TimelineEvent};
use crate::repo::{CustomerAdmin, CustomerRepo};

pub const LEADS_GSI_PK: &str = "LEADS";
pub const LEAD_SK: &str = "LEAD";

pub fn lead_pk(id: &str) -> String {
    format!("LEAD#{id}")
}

pub fn lead_unionid_gsi_pk(unionid: &str) -> String {
    format!("LEADU#{unionid}")
}

/// The id of a lead with this phone (preferred) or unionid.
pub fn lead_id(phone: Option<&str>, unionid: Option<&str>) -> Option<String> {
    match (phone, unionid) {
        (Some(p), _) => Some(format!("p{p}")),
        (None, Some(u)) => Some(format!("u{u}")),
        (None, None) => None,
    }
}

/// The marketing consent a lead came with.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadConsent {
    pub granted: bool,
    /// How it was originally given, as the file said (书面、口头…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tier, psych type, birthday, notes (the phone is [`Lead::phone`]).
    #[serde(default)]
    pub fields: ClinicFields,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<LeadConsent>,
    /// Corp tag ids to mark once they are a customer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_ids: Vec<String>,
    /// Where it came from (`import`).
    pub source: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The customer it was merged into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_at_ms: Option<i64>,
}

fn lead_item(lead: &Lead) -> Result<Item, CrmError> {
    let pk = lead_pk(&lead.id);
    let mut item = Item::with_doc(pk.clone(), LEAD_SK, lead)?;
    item.gsi1 = lead
        .unionid
        .as_deref()
        .map(|u| (lead_unionid_gsi_pk(u), pk.clone()));
    item.gsi2 = Some((
        LEADS_GSI_PK.to_owned(),
        format!("{}#{}", ts(lead.created_at_ms), lead.id),
    ));
    Ok(item)
}

/// What a merge did: the lead, and the tags to mark on the new relationship.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedLead {
    pub lead_id: String,
    pub tag_ids: Vec<String>,
}

#[derive(Clone)]
pub struct LeadRepo {
    store: Arc<dyn ItemStore>,
}

impl LeadRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    pub async fn get(&self, id: &str) -> Result<Option<Lead>, CrmError> {
        match self.store.get(&lead_pk(id), LEAD_SK).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Leads known under a unionid.
    pub async fn by_unionid(&self, unionid: &str) -> Result<Vec<Lead>, CrmError> {
        crate::repo::query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, lead_unionid_gsi_pk(unionid)).limit(100),
        )
        .await
    }

    /// The lead of this phone, else of this unionid.
    pub async fn find(
        &self,
        phone: Option<&str>,
        unionid: Option<&str>,
    ) -> Result<Option<Lead>, CrmError> {
        if let Some(p) = phone
            && let Some(lead) = self.get(&format!("p{p}")).await?
        {
            return Ok(Some(lead));
        }
        if let Some(u) = unionid {
            return Ok(self.by_unionid(u).await?.into_iter().next());
        }
        Ok(None)
    }

    pub async fn put(&self, lead: &Lead) -> Result<(), CrmError> {
        self.store.put(lead_item(lead)?, Condition::Always).await?;
        Ok(())
    }

    pub async fn put_many(&self, leads: &[Lead]) -> Result<(), CrmError> {
        let items = leads.iter().map(lead_item).collect::<Result<Vec<_>, _>>()?;
        for chunk in items.chunks(25) {
            self.store.batch_put(chunk.to_vec()).await?;
        }
        Ok(())
    }

    /// One page of leads, newest first.
    pub async fn list(
        &self,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<Lead>, Option<String>), CrmError> {
        crate::repo::query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi2, LEADS_GSI_PK)
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// Leads not merged yet that are this person: the same unionid, or a phone among
    /// `phones` (the customer's remark phones).
    pub async fn candidates(
        &self,
        unionid: Option<&str>,
        phones: &[String],
    ) -> Result<Vec<Lead>, CrmError> {
        let mut out: Vec<Lead> = Vec::new();
        if let Some(u) = unionid.filter(|u| !u.is_empty()) {
            out.extend(self.by_unionid(u).await?);
        }
        for phone in phones {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            if digits.is_empty() {
                continue;
            }
            if let Some(lead) = self.get(&format!("p{digits}")).await?
                && !out.iter().any(|l| l.id == lead.id)
            {
                out.push(lead);
            }
        }
        out.retain(|l| l.merged_into.is_none());
        Ok(out)
    }

    /// Merges the leads that are this customer (by unionid or a remark phone) into them: the
    /// clinic's fields the customer has no value for are filled, the lead's marketing consent
    /// is recorded (method 导入) unless the customer has one already, the lead is marked
    /// merged. Returns what was merged, with the tag ids to mark in WeCom.
    pub async fn merge_into_customer(
        &self,
        external_userid: &str,
        unionid: Option<&str>,
        remark_phones: &[String],
        now_ms: i64,
    ) -> Result<Vec<MergedLead>, CrmError> {
        let leads = self.candidates(unionid, remark_phones).await?;
        let mut merged = Vec::new();
        for lead in leads {
            let Some(customer) = CustomerAdmin::new(self.store.clone())
                .update_profile(external_userid, |c| fill_from_lead(c, &lead, now_ms))
                .await?
                .or(CustomerRepo::new(self.store.clone())
                    .get(external_userid)
                    .await?)
            else {
                return Ok(merged);
            };
            if let Some(consent) = &lead.consent
                && !has_marketing_state(&customer)
            {
                let record = ConsentRecord {
                    id: format!("lead-{}", lead.id),
                    external_userid: external_userid.to_owned(),
                    purpose: Purpose::Marketing,
                    granted: consent.granted,
                    at_ms: now_ms,
                    recorded_by: "import".to_owned(),
                    method: Method::Import,
                    note: Some(consent_note(consent.how.as_deref(), true)),
                };
                ConsentRepo::new(self.store.clone()).record(&record).await?;
            }
            CustomerRepo::new(self.store.clone())
                .add_timeline(
                    external_userid,
                    &format!("lead-{}", lead.id),
                    &TimelineEvent {
                        at_ms: now_ms,
                        kind: "lead_merged".into(),
                        userid: None,
                        detail: Some(lead.source.clone()),
                    },
                )
                .await?;
            let mut done = lead.clone();
            done.merged_into = Some(external_userid.to_owned());
            done.merged_at_ms = Some(now_ms);
            done.updated_at_ms = now_ms;
            self.put(&done).await?;
            merged.push(MergedLead {
                lead_id: lead.id,
                tag_ids: lead.tag_ids,
            });
        }
        Ok(merged)
    }
}

/// The note of a consent record written by the import (or a lead's merge).
pub fn consent_note(how: Option<&str>, from_lead: bool) -> String {
    let origin = if from_lead {
        "线索合并：随导入文件登记的营销授权"
    } else {
        "随导入文件登记的营销授权"
    };
    match how {
        Some(how) => format!("{origin}（原授权方式：{how}）"),
        None => format!("{origin}（原授权方式未注明）"),
    }
}

/// Whether the customer's marketing consent is known (a record, or a value from before).
pub fn has_marketing_state(customer: &Customer) -> bool {
    customer.consents.contains_key(&Purpose::Marketing) || customer.crm.marketing_consent.is_some()
}

/// Fills the customer's empty clinic fields from the lead; false when nothing changed.
fn fill_from_lead(customer: &mut Customer, lead: &Lead, now_ms: i64) -> bool {
    let before = customer.crm.clone();
    let crm = &mut customer.crm;
    if crm.tier.is_none() {
        crm.tier = lead.fields.tier;
    }
    if crm.psych_type.is_none() {
        crm.psych_type.clone_from(&lead.fields.psych_type);
    }
    if crm.birthday.is_none() {
        crm.birthday.clone_from(&lead.fields.birthday);
    }
    if crm.notes.is_none() {
        crm.notes.clone_from(&lead.fields.notes);
    }
    if crm.phone.is_none()
        && let Some(phone) = &lead.phone
    {
        crm.phone = crate::clinic_fields::Phone::parse(phone).ok();
    }
    if customer.crm == before {
        return false;
    }
    customer.updated_at_ms = customer.updated_at_ms.max(now_ms);
    true
}

/// After an add or an edit in WeCom: merges the leads that are this customer (their unionid,
/// or a remark phone any consultant recorded) and marks the leads' corp tags on the
/// relationship with `userid` — in WeCom (`mark_tag`), then locally. Tags no longer in the
/// catalogue are left out. Safe to repeat: a merged lead is not merged again.
pub async fn merge_on_contact(
    leads: &LeadRepo,
    wecom: &wecom_api::WeComClient,
    detail: &wecom_api::model::ExternalContactDetail,
    userid: &str,
    now_ms: i64,
) -> Result<Vec<MergedLead>, CrmError> {
    let phones: Vec<String> = detail
        .follow_user
        .iter()
        .flat_map(|f| f.remark_mobiles.iter().cloned())
        .collect();
    merge_and_tag(
        leads,
        wecom,
        &detail.external_contact.external_userid,
        detail.external_contact.unionid.as_deref(),
        &phones,
        userid,
        now_ms,
    )
    .await
}

/// Merges the leads that are this customer (their unionid, or one of `phones`) and marks the
/// leads' live corp tags on the relationship with `userid` (WeCom, then locally). Used by the
/// event processor ([`merge_on_contact`]) and by the hourly sync for a customer it finds first.
pub async fn merge_and_tag(
    leads: &LeadRepo,
    wecom: &wecom_api::WeComClient,
    external_userid: &str,
    unionid: Option<&str>,
    phones: &[String],
    userid: &str,
    now_ms: i64,
) -> Result<Vec<MergedLead>, CrmError> {
    let merged = leads
        .merge_into_customer(external_userid, unionid, phones, now_ms)
        .await?;
    let mut tag_ids: Vec<String> = Vec::new();
    for m in &merged {
        for id in &m.tag_ids {
            if !tag_ids.contains(id) {
                tag_ids.push(id.clone());
            }
        }
    }
    if tag_ids.is_empty() {
        return Ok(merged);
    }
    let groups = crate::repo::TagCatalogue::new(leads.store.clone())
        .groups()
        .await?;
    let customers = CustomerRepo::new(leads.store.clone());
    let Some(rel) = customers.get_relationship(external_userid, userid).await? else {
        return Ok(merged);
    };
    let add: Vec<String> = tag_ids
        .into_iter()
        .filter(|id| crate::tags::live_tag(&groups, id).is_some() && !rel.has_tag(id))
        .collect();
    if add.is_empty() {
        return Ok(merged);
    }
    wecom
        .mark_tag(&wecom_api::model::MarkTag {
            userid: userid.to_owned(),
            external_userid: external_userid.to_owned(),
            add_tag: add.clone(),
            remove_tag: Vec::new(),
        })
        .await?;
    customers
        .update_relationship(external_userid, userid, |current| {
            let mut rel = current?;
            for id in &add {
                if rel.has_tag(id) {
                    continue;
                }
                if let Some((group_name, tag_name)) = crate::tags::live_tag(&groups, id) {
                    rel.tags.push(wecom_api::model::FollowUserTag {
                        group_name,
                        tag_name,
                        tag_id: Some(id.clone()),
                        tag_type: 1,
                    });
                }
            }
            rel.updated_at_ms = now_ms;
            Some(rel)
        })
        .await?;
    Ok(merged)
}
