//! Matching each row and working out what it would change, without writing.

use wecom_api::model::CorpTagGroup;

use crate::CrmError;
use crate::clinic_fields::ClinicFields;
use crate::consent::Purpose;
use crate::leads::{Lead, LeadConsent, LeadRepo, lead_id};
use crate::model::{Customer, RelationshipStatus};
use crate::phone_index::{PhoneIndex, PhoneMatch};
use crate::repo::CustomerRepo;
use crate::tags::TagService;

use super::rows::{Column, ImportRow};
use super::{Importer, Problem};

/// Who a row is about.
#[derive(Debug, Clone)]
pub enum Target {
    Customer(Box<Customer>),
    /// No customer matches: the lead as stored (if any) and as it would be.
    Lead {
        existing: Option<Box<Lead>>,
        next: Box<Lead>,
    },
}

/// What applying a row does (or would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effect {
    /// Clinic fields that change.
    pub fields: Vec<&'static str>,
    /// A marketing consent record is written.
    pub consent: bool,
    /// Tags marked on relationships.
    pub tags_marked: usize,
    /// A lead is created or changed.
    pub lead: bool,
}

impl Effect {
    pub fn changed(&self) -> bool {
        !self.fields.is_empty() || self.consent || self.tags_marked > 0 || self.lead
    }
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub row: ImportRow,
    pub target: Target,
    /// Per follow-user of the customer, the tag ids to add.
    pub tags: Vec<(String, Vec<String>)>,
    pub effect: Effect,
}

/// Sets the row's non-empty fields; returns the fields whose value changes.
pub fn apply_fields(crm: &mut ClinicFields, row: &ImportRow) -> Vec<&'static str> {
    fn set<T: PartialEq + Clone>(slot: &mut Option<T>, to: &Option<T>) -> bool {
        match to {
            Some(v) if slot.as_ref() != Some(v) => {
                *slot = Some(v.clone());
                true
            }
            _ => false,
        }
    }
    let mut changed = Vec::new();
    if set(&mut crm.tier, &row.tier) {
        crm.other.remove("tier");
        changed.push("tier");
    }
    if set(&mut crm.psych_type, &row.psych_type) {
        crm.other.remove("psych_type");
        changed.push("psych_type");
    }
    if set(&mut crm.birthday, &row.birthday) {
        crm.other.remove("birthday");
        changed.push("birthday");
    }
    if set(&mut crm.phone, &row.phone) {
        crm.other.remove("phone");
        changed.push("phone");
    }
    if set(&mut crm.notes, &row.notes) {
        crm.other.remove("notes");
        changed.push("notes");
    }
    changed
}

/// The customer's current marketing consent.
pub fn marketing(customer: &Customer) -> Option<bool> {
    customer
        .consents
        .get(&Purpose::Marketing)
        .map(|s| s.granted)
        .or(customer.crm.marketing_consent)
}

pub struct Planner {
    customers: CustomerRepo,
    leads: LeadRepo,
    tags: TagService,
    groups: Vec<CorpTagGroup>,
    refreshed: bool,
    /// Customers by their phone field.
    phones: PhoneIndex,
}

/// A live tag by `组名/标签名` or by its name alone: `Ok(id)`, or the problem.
fn find_tag(groups: &[CorpTagGroup], name: &str) -> Result<String, String> {
    let (group, tag) = match name.split_once(['/', '／']) {
        Some((g, t)) => (Some(g.trim()), t.trim()),
        None => (None, name.trim()),
    };
    let found: Vec<&str> = groups
        .iter()
        .filter(|g| !g.deleted && group.is_none_or(|n| g.group_name == n))
        .flat_map(|g| g.tag.iter())
        .filter(|t| !t.deleted && t.name == tag)
        .map(|t| t.id.as_str())
        .collect();
    match found.as_slice() {
        [id] => Ok((*id).to_owned()),
        [] => Err(format!(
            "标签「{name}」在企业标签库中不存在，请先在「标签管理」中创建"
        )),
        _ => Err(format!(
            "标签「{name}」在多个标签组中都有，请写成「标签组/标签」"
        )),
    }
}

impl Planner {
    pub async fn new(importer: &Importer, rows: &[ImportRow]) -> Result<Self, CrmError> {
        let tags = TagService::new(
            crate::repo::TagCatalogue::new(importer.store.clone()),
            importer.wecom.clone(),
        );
        let groups = if rows.iter().any(|r| !r.tags.is_empty()) {
            tags.catalogue.groups().await?
        } else {
            Vec::new()
        };
        Ok(Self {
            customers: CustomerRepo::new(importer.store.clone()),
            leads: LeadRepo::new(importer.store.clone()),
            tags,
            groups,
            refreshed: false,
            phones: PhoneIndex::new(importer.store.clone()),
        })
    }

    async fn tag_ids(&mut self, row: &ImportRow) -> Result<Result<Vec<String>, Problem>, CrmError> {
        let mut ids = Vec::new();
        for name in &row.tags {
            let mut found = find_tag(&self.groups, name);
            if found.is_err() && !self.refreshed {
                // The local copy may be behind WeCom: ask WeCom once per import.
                self.refreshed = true;
                self.tags.refresh().await?;
                self.groups = self.tags.catalogue.groups().await?;
                found = find_tag(&self.groups, name);
            }
            match found {
                Ok(id) => {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                Err(message) => {
                    return Ok(Err(Problem::new(
                        row.row,
                        Some(Column::Tags.header().to_owned()),
                        message,
                    )));
                }
            }
        }
        Ok(Ok(ids))
    }

    /// The live customer record (following a merge).
    async fn live(&self, external_userid: &str) -> Result<Option<Customer>, CrmError> {
        let Some(c) = self.customers.get(external_userid).await? else {
            return Ok(None);
        };
        match &c.merged_into {
            Some(into) => self.customers.get(into).await,
            None => Ok(Some(c)),
        }
    }

    async fn find_customer(
        &mut self,
        row: &ImportRow,
    ) -> Result<Result<Option<Customer>, Problem>, CrmError> {
        if let Some(id) = &row.external_userid {
            return Ok(match self.live(id).await? {
                Some(c) => Ok(Some(c)),
                None => Err(Problem::new(
                    row.row,
                    Some(Column::ExternalUserid.header().to_owned()),
                    format!("客户ID「{id}」不存在"),
                )),
            });
        }
        if let Some(phone) = &row.phone {
            let found = self
                .phones
                .customers(phone.as_str(), PhoneMatch::ClinicField)
                .await?;
            match found.as_slice() {
                [] => {}
                [c] => return Ok(Ok(Some(c.clone()))),
                many => {
                    return Ok(Err(Problem::new(
                        row.row,
                        Some(Column::Phone.header().to_owned()),
                        format!(
                            "该手机号对应 {} 个客户，无法确定是哪一个，请改用客户ID匹配",
                            many.len()
                        ),
                    )));
                }
            }
        }
        if let Some(unionid) = &row.unionid {
            let found = self
                .customers
                .find_by_unionid(unionid)
                .await?
                .into_iter()
                .find(|c| c.merged_into.is_none());
            if found.is_some() {
                return Ok(Ok(found));
            }
        }
        Ok(Ok(None))
    }

    /// Matches the row and works out what it would change: `Ok(Err(problem))` when it
    /// cannot be imported.
    pub async fn plan(&mut self, row: &ImportRow) -> Result<Result<Planned, Problem>, CrmError> {
        let tag_ids = match self.tag_ids(row).await? {
            Ok(ids) => ids,
            Err(p) => return Ok(Err(p)),
        };
        let customer = match self.find_customer(row).await? {
            Ok(c) => c,
            Err(p) => return Ok(Err(p)),
        };
        let mut effect = Effect::default();
        let target = match customer {
            Some(customer) => {
                let mut crm = customer.crm.clone();
                effect.fields = apply_fields(&mut crm, row);
                effect.consent = row
                    .consent
                    .as_ref()
                    .is_some_and(|c| marketing(&customer) != Some(c.granted));
                Target::Customer(Box::new(customer))
            }
            None => {
                let Some(id) = lead_id(
                    row.phone.as_ref().map(|p| p.as_str()),
                    row.unionid.as_deref(),
                ) else {
                    return Ok(Err(Problem::new(row.row, None, "未匹配到客户".to_owned())));
                };
                let existing = self
                    .leads
                    .find(
                        row.phone.as_ref().map(|p| p.as_str()),
                        row.unionid.as_deref(),
                    )
                    .await?;
                let next = lead_from_row(existing.as_ref(), id, row, &tag_ids);
                effect.lead = existing.as_ref().is_none_or(|e| !same_lead(e, &next));
                Target::Lead {
                    existing: existing.map(Box::new),
                    next: Box::new(next),
                }
            }
        };
        let mut tags = Vec::new();
        if let Target::Customer(c) = &target
            && !tag_ids.is_empty()
        {
            for rel in self.customers.relationships(&c.external_userid).await? {
                if rel.status == RelationshipStatus::Ended {
                    continue;
                }
                let missing: Vec<String> = tag_ids
                    .iter()
                    .filter(|id| !rel.has_tag(id))
                    .cloned()
                    .collect();
                if !missing.is_empty() {
                    effect.tags_marked += missing.len();
                    tags.push((rel.userid.clone(), missing));
                }
            }
        }
        Ok(Ok(Planned {
            row: row.clone(),
            target,
            tags,
            effect,
        }))
    }
}

fn same_lead(a: &Lead, b: &Lead) -> bool {
    a.phone == b.phone
        && a.unionid == b.unionid
        && a.name == b.name
        && a.fields == b.fields
        && a.consent == b.consent
        && a.tag_ids == b.tag_ids
        && a.merged_into == b.merged_into
}

/// The lead as it is after the row: the stored one with the row's non-empty cells set.
pub fn lead_from_row(
    existing: Option<&Lead>,
    id: String,
    row: &ImportRow,
    tag_ids: &[String],
) -> Lead {
    let mut lead = existing.cloned().unwrap_or(Lead {
        id,
        phone: None,
        unionid: None,
        name: None,
        fields: ClinicFields::default(),
        consent: None,
        tag_ids: Vec::new(),
        source: "import".to_owned(),
        created_at_ms: 0,
        updated_at_ms: 0,
        merged_into: None,
        merged_at_ms: None,
    });
    if let Some(p) = &row.phone {
        lead.phone = Some(p.as_str().to_owned());
    }
    if row.unionid.is_some() {
        lead.unionid.clone_from(&row.unionid);
    }
    if row.name.is_some() {
        lead.name.clone_from(&row.name);
    }
    let mut row_without_phone = row.clone();
    row_without_phone.phone = None;
    apply_fields(&mut lead.fields, &row_without_phone);
    if let Some(c) = &row.consent {
        lead.consent = Some(LeadConsent {
            granted: c.granted,
            how: c.how.clone(),
        });
    }
    for id in tag_ids {
        if !lead.tag_ids.contains(id) {
            lead.tag_ids.push(id.clone());
        }
    }
    lead
}
