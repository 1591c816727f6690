//! What the admin console needs beyond the event processing: walking the customer indexes
//! with a resumable position, editing the clinic's fields, appointments and purchases.

use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError, WriteOp};

use super::customers::customer_item;
use super::{query_all, query_all_items, update_item};
use crate::CrmError;
use crate::keys::{
    APPOINTMENT_PREFIX, CUSTOMERS_GSI_PK, ORDER_SK, PROFILE_SK, PURCHASE_PREFIX, appointment_sk,
    channel_gsi_pk, customer_pk, order_pk, purchase_sk, staff_gsi_pk, timeline_sk, visits_gsi_pk,
};
use crate::model::{Appointment, Customer, Purchase, TimelineEvent};

/// GSI2 of an appointment or purchase: the visits of its Shanghai day.
fn visit_key(at_ms: i64, id: &str) -> (String, String) {
    (
        visits_gsi_pk(&crate::calendar::day_string(at_ms)),
        format!("{}#{id}", crate::keys::ts(at_ms)),
    )
}

/// GSI3 of an appointment or purchase: the day it was booked or made.
fn booking_key(at_ms: i64, id: &str) -> (String, String) {
    (
        crate::keys::bookings_gsi_pk(&crate::calendar::day_string(at_ms)),
        format!("{}#{id}", crate::keys::ts(at_ms)),
    )
}

/// A booking (an appointment recorded, or a purchase made): who, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub external_userid: String,
    pub at_ms: i64,
}

/// An appointment recorded or a purchase made (with its amount).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub external_userid: String,
    pub at_ms: i64,
    /// The amount, when it is a purchase.
    pub purchase_fen: Option<i64>,
}

/// Which index a customer search walks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexSource {
    /// GSI2 `CUSTOMERS`: every customer profile, by first add time.
    AllCustomers,
    /// GSI1 `STAFF#<userid>`: one staff member's relationships, by external_userid.
    Staff(String),
    /// GSI2 `CHANNEL#<state>`: relationships of one channel, by WeCom `createtime`.
    Channel(String),
}

/// One item read from an index, with its sort key in that index (a resumable position).
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub index_sk: String,
    pub item: Item,
}

/// What recording a purchase did.
#[derive(Debug, Clone, PartialEq)]
pub enum PurchaseOutcome {
    /// Stored; the customer with the new total.
    Recorded(Box<Customer>),
    /// The order was recorded before; this is that purchase (nothing changed).
    AlreadyRecorded(Box<Purchase>),
    UnknownCustomer,
}

/// The admin console's customer operations.
#[derive(Clone)]
pub struct CustomerAdmin {
    store: Arc<dyn ItemStore>,
}

impl CustomerAdmin {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// Reads up to `limit` rows of `source` strictly after the index sort key `after` (in the
    /// walking direction). Returns the rows and whether the index may hold more.
    ///
    /// Positions are index sort keys, which are unique within each of these partitions, so a
    /// client can resume from any row it has seen (the store's own cursor only resumes at a page
    /// boundary).
    pub async fn walk(
        &self,
        source: &IndexSource,
        newest_first: bool,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<IndexRow>, bool), CrmError> {
        let (index, pk) = match source {
            IndexSource::AllCustomers => (IndexName::Gsi2, CUSTOMERS_GSI_PK.to_owned()),
            IndexSource::Staff(userid) => (IndexName::Gsi1, staff_gsi_pk(userid)),
            IndexSource::Channel(state) => (IndexName::Gsi2, channel_gsi_pk(state)),
        };
        let mut query = Query::partition(index, pk).limit(limit.clamp(1, 1000) + 1);
        if newest_first {
            query = query.newest_first();
        }
        if let Some(after) = after {
            query = query.sk(if newest_first {
                SkCondition::Lte(after.to_owned())
            } else {
                SkCondition::Gte(after.to_owned())
            });
        }
        let mut rows = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.store.query(query.clone().after(cursor)).await?;
            for item in page.items {
                let Some(index_sk) = item.index_key(index).map(|(_, sk)| sk.to_owned()) else {
                    continue;
                };
                if after == Some(index_sk.as_str()) {
                    continue;
                }
                if rows.len() == limit {
                    return Ok((rows, true));
                }
                rows.push(IndexRow { index_sk, item });
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok((rows, false)),
            }
        }
    }

    /// Read-modify-write of the profile (the birthday index follows `crm.birthday`). `change`
    /// returns `false` to leave it alone. `None` when the customer is unknown.
    pub async fn update_profile<F>(
        &self,
        external_userid: &str,
        mut change: F,
    ) -> Result<Option<Customer>, CrmError>
    where
        F: FnMut(&mut Customer) -> bool,
    {
        let written = update_item::<Customer, _>(
            self.store.as_ref(),
            &customer_pk(external_userid),
            PROFILE_SK,
            |current| {
                let Some(mut customer) = current else {
                    return Ok(None);
                };
                if !change(&mut customer) {
                    return Ok(None);
                }
                Ok(Some(customer_item(&customer)?))
            },
        )
        .await?;
        match written {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Stores the appointment; it counts for the customer's first channel as it is now
    /// (copied onto it unless the caller set one).
    pub async fn add_appointment(&self, appointment: &Appointment) -> Result<(), CrmError> {
        let mut appointment = appointment.clone();
        if appointment.channel.is_none() {
            appointment.channel = match self
                .store
                .get(&customer_pk(&appointment.external_userid), PROFILE_SK)
                .await?
            {
                Some(item) => Some(item.doc::<Customer>()?.first_channel),
                None => None,
            };
        }
        let appointment = &appointment;
        let mut item = Item::with_doc(
            customer_pk(&appointment.external_userid),
            appointment_sk(appointment.scheduled_at_ms, &appointment.id),
            appointment,
        )?;
        item.gsi2 = Some(visit_key(appointment.scheduled_at_ms, &appointment.id));
        item.gsi3 = Some(booking_key(appointment.created_at_ms, &appointment.id));
        self.store.put(item, Condition::NotExists).await?;
        self.timeline_line(
            &appointment.external_userid,
            &format!("appt-{}", appointment.id),
            appointment.created_at_ms,
            "appointment",
            format!("{}（{}）", appointment.item, appointment.source.as_str()),
        )
        .await
    }

    /// Stores the purchase and adds it to the profile's last purchase and total in one
    /// transaction, so a total never counts a purchase that is not stored, or the reverse. With
    /// an order number the purchase is recorded once: a retry finds the first one.
    pub async fn record_purchase(&self, purchase: &Purchase) -> Result<PurchaseOutcome, CrmError> {
        for _ in 0..12 {
            let Some(current) = self
                .store
                .get(&customer_pk(&purchase.external_userid), PROFILE_SK)
                .await?
            else {
                return Ok(PurchaseOutcome::UnknownCustomer);
            };
            let mut customer: Customer = current.doc()?;
            // It counts for the customer's first channel as it is now.
            let mut purchase = purchase.clone();
            if purchase.channel.is_none() {
                purchase.channel = Some(customer.first_channel.clone());
            }
            let purchase = &purchase;
            let mut purchase_item = Item::with_doc(
                customer_pk(&purchase.external_userid),
                purchase_sk(purchase.purchased_at_ms, &purchase.id),
                purchase,
            )?;
            purchase_item.gsi2 = Some(visit_key(purchase.purchased_at_ms, &purchase.id));
            purchase_item.gsi3 = Some(booking_key(purchase.purchased_at_ms, &purchase.id));
            customer.total_spent_fen = customer.total_spent_fen.saturating_add(purchase.amount_fen);
            customer.last_purchase_at_ms = Some(
                customer
                    .last_purchase_at_ms
                    .map_or(purchase.purchased_at_ms, |t| {
                        t.max(purchase.purchased_at_ms)
                    }),
            );
            customer.updated_at_ms = purchase.created_at_ms;
            let mut profile = customer_item(&customer)?;
            profile.version = current.version + 1;
            let mut ops = vec![
                WriteOp::Put {
                    item: purchase_item,
                    condition: Condition::NotExists,
                },
                WriteOp::Put {
                    item: profile,
                    condition: Condition::VersionIs(current.version),
                },
            ];
            if let Some(order_id) = &purchase.order_id {
                ops.push(WriteOp::Put {
                    item: Item::with_doc(order_pk(order_id), ORDER_SK, purchase)?,
                    condition: Condition::NotExists,
                });
            }
            match self.store.transact(ops).await {
                Ok(()) => {
                    self.timeline_line(
                        &purchase.external_userid,
                        &format!("purchase-{}", purchase.id),
                        purchase.created_at_ms,
                        "purchase",
                        purchase.item.clone(),
                    )
                    .await?;
                    return Ok(PurchaseOutcome::Recorded(Box::new(customer)));
                }
                Err(StoreError::ConditionFailed | StoreError::Conflict) => {
                    if let Some(order_id) = &purchase.order_id
                        && let Some(first) = self.store.get(&order_pk(order_id), ORDER_SK).await?
                    {
                        return Ok(PurchaseOutcome::AlreadyRecorded(Box::new(first.doc()?)));
                    }
                    tokio::task::yield_now().await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CrmError::Contention(customer_pk(&purchase.external_userid)))
    }

    /// Every appointment booked and purchase made from `from_ms` to `to_ms` (inclusive), one
    /// index query per Shanghai day.
    pub async fn bookings_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Booking>, CrmError> {
        Ok(self
            .activity_between(from_ms, to_ms)
            .await?
            .into_iter()
            .map(|a| Booking {
                external_userid: a.external_userid,
                at_ms: a.at_ms,
            })
            .collect())
    }

    /// The customers first added from `from_ms` to `to_ms` (inclusive): one range query of the
    /// customers index, reading only the window (merged profiles left out).
    pub async fn customers_added_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Customer>, CrmError> {
        let items = query_all_items(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi2, CUSTOMERS_GSI_PK)
                .sk(SkCondition::Between(
                    crate::keys::ts(from_ms),
                    format!("{}~", crate::keys::ts(to_ms)),
                ))
                .limit(1000),
        )
        .await?;
        let mut out = Vec::with_capacity(items.len());
        for item in &items {
            let customer: Customer = item.doc()?;
            if customer.merged_into.is_none() {
                out.push(customer);
            }
        }
        Ok(out)
    }

    /// Every appointment recorded and purchase made from `from_ms` to `to_ms` (inclusive), with
    /// the purchase amounts; one index query per Shanghai day.
    pub async fn activity_between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Activity>, CrmError> {
        let mut out = Vec::new();
        let mut day = crate::calendar::date(from_ms);
        let last = crate::calendar::date(to_ms);
        while day <= last {
            let key = crate::keys::bookings_gsi_pk(&day.format("%Y-%m-%d").to_string());
            let items = query_all_items(
                self.store.as_ref(),
                Query::partition(IndexName::Gsi3, key).limit(1000),
            )
            .await?;
            for item in &items {
                let (external_userid, at_ms, purchase_fen) = if item.sk.starts_with(PURCHASE_PREFIX)
                {
                    let p: Purchase = item.doc()?;
                    (p.external_userid, p.purchased_at_ms, Some(p.amount_fen))
                } else {
                    let a: Appointment = item.doc()?;
                    (a.external_userid, a.created_at_ms, None)
                };
                if (from_ms..=to_ms).contains(&at_ms) {
                    out.push(Activity {
                        external_userid,
                        at_ms,
                        purchase_fen,
                    });
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(out)
    }

    /// The first channel of each customer named (unknown customers are left out); at most
    /// 16 reads in flight.
    pub async fn first_channels(
        &self,
        external_userids: impl IntoIterator<Item = String>,
    ) -> Result<std::collections::HashMap<String, String>, CrmError> {
        use futures::stream::{self, StreamExt, TryStreamExt};
        let store = self.store.clone();
        let found: Vec<Option<(String, String)>> = stream::iter(external_userids)
            .map(|id| {
                let store = store.clone();
                async move {
                    let item = store.get(&customer_pk(&id), PROFILE_SK).await?;
                    let channel = match item {
                        Some(item) => Some((id, item.doc::<Customer>()?.first_channel)),
                        None => None,
                    };
                    Ok::<_, CrmError>(channel)
                }
            })
            .buffer_unordered(16)
            .try_collect()
            .await?;
        Ok(found.into_iter().flatten().collect())
    }

    pub async fn appointments(&self, external_userid: &str) -> Result<Vec<Appointment>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, customer_pk(external_userid))
                .sk(SkCondition::BeginsWith(APPOINTMENT_PREFIX.into()))
                .limit(500),
        )
        .await
    }

    pub async fn purchases(&self, external_userid: &str) -> Result<Vec<Purchase>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, customer_pk(external_userid))
                .sk(SkCondition::BeginsWith(PURCHASE_PREFIX.into()))
                .limit(500),
        )
        .await
    }

    async fn timeline_line(
        &self,
        external_userid: &str,
        event_id: &str,
        at_ms: i64,
        kind: &str,
        detail: String,
    ) -> Result<(), CrmError> {
        let event = TimelineEvent {
            at_ms,
            kind: kind.to_owned(),
            userid: None,
            detail: Some(detail),
        };
        let item = Item::with_doc(
            customer_pk(external_userid),
            timeline_sk(at_ms, event_id),
            &event,
        )?;
        self.store.put(item, Condition::Always).await?;
        Ok(())
    }
}
