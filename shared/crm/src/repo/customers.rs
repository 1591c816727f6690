use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError};
use wecom_api::model::ExternalContact;

use std::collections::HashMap;

use super::{ContactWayRepo, MAX_OPTIMISTIC_ATTEMPTS, query_all, query_page, update_item};
use crate::CrmError;
use crate::keys::{
    CUSTOMERS_GSI_PK, PROFILE_SK, RELATIONSHIP_PREFIX, TIMELINE_PREFIX, birthday_gsi_pk,
    channel_gsi_pk, customer_pk, relationship_sk, staff_gsi_pk, timeline_sk, ts, unionid_gsi_pk,
};
use crate::model::{Customer, CustomerStatus, Relationship, RelationshipStatus, TimelineEvent};

/// Customers, their relationships with staff and their history.
#[derive(Clone)]
pub struct CustomerRepo {
    store: Arc<dyn ItemStore>,
}

/// What an upsert of a customer profile did.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileUpsert {
    pub customer: Customer,
    pub created: bool,
    /// Older records of the same person (same unionid) that this one absorbed.
    pub merged_from: Vec<String>,
}

impl CustomerRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    pub async fn get(&self, external_userid: &str) -> Result<Option<Customer>, CrmError> {
        match self
            .store
            .get(&customer_pk(external_userid), PROFILE_SK)
            .await?
        {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Customers known under a WeChat unionid.
    pub async fn find_by_unionid(&self, unionid: &str) -> Result<Vec<Customer>, CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, unionid_gsi_pk(unionid)).limit(100),
        )
        .await
        .map(|(customers, _)| customers)
    }

    /// Every customer, newest first (one page).
    pub async fn list(
        &self,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<Customer>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi2, CUSTOMERS_GSI_PK)
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// Creates or refreshes the profile from WeCom's detail. A new external_userid whose
    /// unionid is already known absorbs the older record: the clinic's fields carry over, the
    /// old record stays (with `merged_into`) so that history is kept.
    pub async fn upsert_profile(
        &self,
        contact: &ExternalContact,
        channel: &str,
        now_ms: i64,
    ) -> Result<ProfileUpsert, CrmError> {
        let external_userid = contact.external_userid.as_str();
        let existing = self.get(external_userid).await?;
        let previous = match (&existing, contact.unionid.as_deref()) {
            (None, Some(unionid)) if !unionid.is_empty() => self
                .find_by_unionid(unionid)
                .await?
                .into_iter()
                .filter(|c| c.external_userid != external_userid && c.merged_into.is_none())
                .collect(),
            _ => Vec::new(),
        };
        let mut created = false;
        let written = update_item::<Customer, _>(
            self.store.as_ref(),
            &customer_pk(external_userid),
            PROFILE_SK,
            |current| {
                let customer = match current {
                    Some(mut customer) => {
                        created = false;
                        customer.refresh_from(contact, now_ms);
                        customer
                    }
                    None => {
                        created = true;
                        let mut customer = Customer::from_wecom(contact, now_ms);
                        customer.first_channel = channel.to_owned();
                        for old in &previous {
                            customer.merged_from.push(old.external_userid.clone());
                            customer.crm.fill_from(&old.crm);
                            if old.first_added_at_ms > 0
                                && old.first_added_at_ms < customer.first_added_at_ms
                            {
                                customer.first_added_at_ms = old.first_added_at_ms;
                                if !old.first_channel.is_empty() {
                                    customer.first_channel = old.first_channel.clone();
                                }
                            }
                        }
                        customer
                    }
                };
                Ok(Some(customer_item(&customer)?))
            },
        )
        .await?;
        let customer: Customer = match written {
            Some(item) => item.doc()?,
            None => return Err(CrmError::Contention(customer_pk(external_userid))),
        };
        let mut merged_from = Vec::new();
        if created {
            for old in &previous {
                self.mark_merged(&old.external_userid, external_userid, now_ms)
                    .await?;
                merged_from.push(old.external_userid.clone());
            }
        }
        Ok(ProfileUpsert {
            customer,
            created,
            merged_from,
        })
    }

    /// A minimal profile for a customer WeCom will not describe yet (half-added).
    pub async fn ensure_placeholder(
        &self,
        external_userid: &str,
        channel: &str,
        now_ms: i64,
    ) -> Result<(), CrmError> {
        let customer = Customer {
            external_userid: external_userid.to_owned(),
            first_channel: channel.to_owned(),
            first_added_at_ms: now_ms,
            updated_at_ms: now_ms,
            ..Customer::default()
        };
        match self
            .store
            .put(customer_item(&customer)?, Condition::NotExists)
            .await
        {
            Ok(()) | Err(ports::StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn mark_merged(&self, old: &str, into: &str, now_ms: i64) -> Result<(), CrmError> {
        update_item::<Customer, _>(self.store.as_ref(), &customer_pk(old), PROFILE_SK, |c| {
            let Some(mut customer) = c else {
                return Ok(None);
            };
            customer.merged_into = Some(into.to_owned());
            customer.updated_at_ms = now_ms;
            Ok(Some(customer_item(&customer)?))
        })
        .await?;
        let event = TimelineEvent {
            at_ms: now_ms,
            kind: "merged_into".into(),
            userid: None,
            detail: Some(into.to_owned()),
        };
        self.add_timeline(old, &format!("merged-{into}"), &event)
            .await
    }

    /// Writes many customers and relationships as they are (an import, or a sync that has
    /// already decided what changed): batched, unconditional, indexes maintained. A marketing
    /// consent that arrives without a consent record behind it gets one, method `import`
    /// (`crate::consent::import_record`), and the profile its projection.
    pub async fn import(
        &self,
        customers: &[Customer],
        relationships: &[Relationship],
    ) -> Result<(), CrmError> {
        let mut items = Vec::with_capacity(customers.len() + relationships.len());
        for customer in customers {
            match crate::consent::import_record(customer) {
                Some(record) => {
                    let mut customer = customer.clone();
                    crate::consent::project(&mut customer, &record);
                    items.push(crate::consent::record_item(&record)?);
                    items.push(customer_item(&customer)?);
                }
                None => items.push(customer_item(customer)?),
            }
        }
        // Relationships not yet credited to a 「联系我」 are credited here (one lookup per
        // channel and consultant of the batch).
        let ways = ContactWayRepo::new(self.store.clone());
        let mut credited: HashMap<(&str, &str), Option<String>> = HashMap::new();
        for rel in relationships {
            if rel.contact_way.is_some() || rel.state.is_empty() {
                items.push(relationship_item(rel)?);
                continue;
            }
            let key = (rel.state.as_str(), rel.userid.as_str());
            let way = match credited.get(&key) {
                Some(way) => way.clone(),
                None => {
                    let way = ways.attribute(&rel.state, &rel.userid).await?;
                    credited.insert(key, way.clone());
                    way
                }
            };
            let mut rel = rel.clone();
            rel.contact_way = way;
            items.push(relationship_item(&rel)?);
        }
        for chunk in items.chunks(500) {
            self.store.batch_put(chunk.to_vec()).await?;
        }
        Ok(())
    }

    pub async fn get_relationship(
        &self,
        external_userid: &str,
        userid: &str,
    ) -> Result<Option<Relationship>, CrmError> {
        match self
            .store
            .get(&customer_pk(external_userid), &relationship_sk(userid))
            .await?
        {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    pub async fn relationships(
        &self,
        external_userid: &str,
    ) -> Result<Vec<Relationship>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, customer_pk(external_userid))
                .sk(SkCondition::BeginsWith(RELATIONSHIP_PREFIX.into()))
                .limit(500),
        )
        .await
    }

    /// Read-modify-write of one relationship; `change` gets the current one (if any) and
    /// returns the new one, or `None` to leave it as it is. A relationship stored for the first
    /// time is credited to its 「联系我」 ([`ContactWayRepo::attribute`]) in the same write.
    pub async fn update_relationship<F>(
        &self,
        external_userid: &str,
        userid: &str,
        mut change: F,
    ) -> Result<Option<Relationship>, CrmError>
    where
        F: FnMut(Option<Relationship>) -> Option<Relationship>,
    {
        let (pk, sk) = (customer_pk(external_userid), relationship_sk(userid));
        let mut credited: Option<(String, Option<String>)> = None;
        for _ in 0..MAX_OPTIMISTIC_ATTEMPTS {
            let current = self.store.get(&pk, &sk).await?;
            let (doc, condition, version) = match &current {
                Some(item) => (
                    Some(item.doc::<Relationship>()?),
                    Condition::VersionIs(item.version),
                    item.version,
                ),
                None => (None, Condition::NotExists, 0),
            };
            let first_write = doc.is_none();
            let Some(mut rel) = change(doc) else {
                return Ok(None);
            };
            if first_write && rel.contact_way.is_none() && !rel.state.is_empty() {
                let way = match &credited {
                    Some((state, way)) if *state == rel.state => way.clone(),
                    _ => {
                        let way = ContactWayRepo::new(self.store.clone())
                            .attribute(&rel.state, &rel.userid)
                            .await?;
                        credited = Some((rel.state.clone(), way.clone()));
                        way
                    }
                };
                rel.contact_way = way;
            }
            let mut item = relationship_item(&rel)?;
            item.version = version + 1;
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(Some(rel)),
                Err(ports::StoreError::ConditionFailed) => tokio::task::yield_now().await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CrmError::Contention(format!("{pk}/{sk}")))
    }

    /// Recomputes the customer's status from their relationships.
    pub async fn refresh_status(&self, external_userid: &str, now_ms: i64) -> Result<(), CrmError> {
        let relationships = self.relationships(external_userid).await?;
        let status = if relationships
            .iter()
            .any(|r| r.status != RelationshipStatus::Ended)
        {
            CustomerStatus::Active
        } else {
            CustomerStatus::Ended
        };
        update_item::<Customer, _>(
            self.store.as_ref(),
            &customer_pk(external_userid),
            PROFILE_SK,
            |c| {
                let Some(mut customer) = c else {
                    return Ok(None);
                };
                if customer.status == status {
                    return Ok(None);
                }
                customer.status = status;
                customer.updated_at_ms = now_ms;
                Ok(Some(customer_item(&customer)?))
            },
        )
        .await?;
        Ok(())
    }

    /// Appends to the customer's history, once per `event_id`: the same event processed again
    /// (redelivered after a crash, retried after a failed write) finds its entry and adds
    /// nothing, even where its time (part of the sort key) differs. Callers processing a WeCom
    /// event give the event's own time, so two processings at once write the same key and the
    /// second finds the first's (a conditional write).
    pub async fn add_timeline(
        &self,
        external_userid: &str,
        event_id: &str,
        event: &TimelineEvent,
    ) -> Result<(), CrmError> {
        let pk = customer_pk(external_userid);
        let suffix = format!("#{event_id}");
        let mut cursor = None;
        loop {
            let page = self
                .store
                .query(
                    Query::partition(IndexName::Primary, pk.clone())
                        .sk(SkCondition::BeginsWith(TIMELINE_PREFIX.into()))
                        .limit(1000)
                        .after(cursor),
                )
                .await?;
            if page.items.iter().any(|i| i.sk.ends_with(&suffix)) {
                return Ok(());
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        // Two processings of one event at once both find nothing above; the key (the event's
        // own time and id) is the same for both, so the second write finds the first's.
        let item = Item::with_doc(pk, timeline_sk(event.at_ms, event_id), event)?;
        match self.store.put(item, Condition::NotExists).await {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn timeline(&self, external_userid: &str) -> Result<Vec<TimelineEvent>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, customer_pk(external_userid))
                .sk(SkCondition::BeginsWith(TIMELINE_PREFIX.into()))
                .limit(1000),
        )
        .await
    }

    /// A staff member's relationships (one page).
    pub async fn relationships_of_staff(
        &self,
        userid: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<Relationship>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, staff_gsi_pk(userid))
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// Relationships that came through one channel, newest first (one page).
    pub async fn relationships_of_channel(
        &self,
        state: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<Relationship>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi2, channel_gsi_pk(state))
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }
}

pub(crate) fn customer_item(customer: &Customer) -> Result<Item, CrmError> {
    let pk = customer_pk(&customer.external_userid);
    let mut item = Item::with_doc(pk.clone(), PROFILE_SK, customer)?;
    item.gsi1 = customer
        .unionid
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(|u| (unionid_gsi_pk(u), pk.clone()));
    item.gsi2 = Some((
        CUSTOMERS_GSI_PK.to_owned(),
        format!(
            "{}#{}",
            ts(customer.first_added_at_ms),
            customer.external_userid
        ),
    ));
    // The birthday index, by the day it comes back every year.
    item.gsi3 = customer
        .crm
        .birthday
        .as_ref()
        .map(|b| (birthday_gsi_pk(b.month_day()), pk.clone()));
    Ok(item)
}

fn relationship_item(rel: &Relationship) -> Result<Item, CrmError> {
    let pk = customer_pk(&rel.external_userid);
    let mut item = Item::with_doc(pk.clone(), relationship_sk(&rel.userid), rel)?;
    // Both relationship indexes sort by add time, so a consultant's or a channel's customers
    // can be listed newest first straight from the index.
    let added = ts(rel.createtime.saturating_mul(1000));
    item.gsi1 = Some((
        staff_gsi_pk(&rel.userid),
        format!("{added}#{}", rel.external_userid),
    ));
    item.gsi2 = (!rel.state.is_empty()).then(|| {
        (
            channel_gsi_pk(&rel.state),
            format!("{added}#{}#{}", rel.external_userid, rel.userid),
        )
    });
    Ok(item)
}
