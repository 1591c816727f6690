//! Appointments in the item store.
//!
//! An appointment lives under its customer's partition (`CUST#<id>`, `APPT#<ts>#<id>`: the
//! sort key keeps the time it was first booked for; a reschedule moves `scheduled_at_ms` and
//! the visits index, not the key). Indexes:
//! - GSI2 `VISITS#<day>`: the visits of one Shanghai day (the calendar, the after-visit rules);
//! - GSI3 `BOOKINGS#<day>`: what was booked that day. Ids start with their creation time in
//!   milliseconds, so an appointment is found by id alone through this index;
//! - GSI1 `APPTDUE`: appointments whose confirmation or reminder has work waiting, by when.
//!
//! A booking system's id is claimed by `BOOKINGREF#<ref>` in the same transaction as the
//! appointment: the same id books once.

use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError, WriteOp};

use super::model::AppointmentRecord;
use crate::CrmError;
use crate::keys::{
    APPOINTMENT_PREFIX, PROFILE_SK, appointment_sk, bookings_gsi_pk, customer_pk, timeline_sk, ts,
    visits_gsi_pk,
};
use crate::model::{Customer, TimelineEvent};
use crate::repo::query_all_items;

/// GSI1 partition of appointments with notice work waiting.
pub const DUE_GSI_PK: &str = "APPTDUE";
/// A notice left `creating` this long is reconciled with WeCom's task list.
pub const RECONCILE_AFTER_MS: i64 = 120_000;
/// The calendar reads at most this many days at once.
pub const MAX_RANGE_DAYS: i64 = 62;

pub fn booking_ref_pk(booking_ref: &str) -> String {
    format!("BOOKINGREF#{booking_ref}")
}
pub const BOOKING_REF_SK: &str = "REF";

/// What a booking system's id points at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct BookingRef {
    external_userid: String,
    id: String,
    created_at_ms: i64,
}

/// What storing a booking did.
#[derive(Debug, Clone, PartialEq)]
pub enum Booked {
    Created(Box<AppointmentRecord>),
    /// The booking system's id was booked before: that appointment (nothing changed).
    Existing(Box<AppointmentRecord>),
}

/// What a change did.
#[derive(Debug, Clone, PartialEq)]
pub enum Updated<E> {
    NotFound,
    /// The change refused the current record.
    Refused(E),
    /// The change left it alone.
    Unchanged(Box<AppointmentRecord>),
    Done(Box<AppointmentRecord>),
}

/// The milliseconds an id starts with (`RandomIds`: 12 hex digits).
pub fn id_created_ms(id: &str) -> Option<i64> {
    let prefix = id.get(..12)?;
    if id.len() < 13 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    i64::from_str_radix(prefix, 16).ok()
}

#[derive(Clone)]
pub struct AppointmentRepo {
    store: Arc<dyn ItemStore>,
}

impl AppointmentRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// The item of `record` at its key (`pk`, `sk`), with its indexes.
    pub fn item_at(pk: &str, sk: &str, record: &AppointmentRecord) -> Result<Item, StoreError> {
        let a = &record.base;
        let mut item = Item::with_doc(pk, sk, record)?;
        item.gsi1 = record
            .work_at(RECONCILE_AFTER_MS)
            .map(|at| (DUE_GSI_PK.to_owned(), format!("{}#{}", ts(at), a.id)));
        item.gsi2 = Some((
            visits_gsi_pk(&crate::calendar::day_string(a.scheduled_at_ms)),
            format!("{}#{}", ts(a.scheduled_at_ms), a.id),
        ));
        item.gsi3 = Some((
            bookings_gsi_pk(&crate::calendar::day_string(a.created_at_ms)),
            format!("{}#{}", ts(a.created_at_ms), a.id),
        ));
        Ok(item)
    }

    /// Stores a new appointment (its channel: the customer's first channel as it is now) and a
    /// line in the customer's history. With a `booking_ref` the appointment is stored once:
    /// a repeat finds the first one. `None` when the customer is unknown.
    pub async fn create(&self, record: &AppointmentRecord) -> Result<Option<Booked>, CrmError> {
        let mut record = record.clone();
        let Some(profile) = self
            .store
            .get(&customer_pk(&record.base.external_userid), PROFILE_SK)
            .await?
        else {
            return Ok(None);
        };
        if record.base.channel.is_none() {
            record.base.channel = Some(profile.doc::<Customer>()?.first_channel);
        }
        let a = &record.base;
        let item = Self::item_at(
            &customer_pk(&a.external_userid),
            &appointment_sk(a.scheduled_at_ms, &a.id),
            &record,
        )?;
        let mut ops = vec![WriteOp::Put {
            item,
            condition: Condition::NotExists,
        }];
        if let Some(booking_ref) = &record.booking_ref {
            ops.push(WriteOp::Put {
                item: Item::with_doc(
                    booking_ref_pk(booking_ref),
                    BOOKING_REF_SK,
                    &BookingRef {
                        external_userid: a.external_userid.clone(),
                        id: a.id.clone(),
                        created_at_ms: a.created_at_ms,
                    },
                )?,
                condition: Condition::NotExists,
            });
        }
        match self.store.transact(ops).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed | StoreError::Conflict)
                if record.booking_ref.is_some() =>
            {
                let booking_ref = record.booking_ref.as_deref().unwrap_or_default();
                return match self.by_booking_ref(booking_ref).await? {
                    Some(first) => Ok(Some(Booked::Existing(Box::new(first)))),
                    None => Err(CrmError::Contention(booking_ref_pk(booking_ref))),
                };
            }
            Err(e) => return Err(e.into()),
        }
        let event = TimelineEvent {
            at_ms: a.created_at_ms,
            kind: "appointment".into(),
            userid: record.userid.clone(),
            detail: Some(format!("{}（{}）", a.item, a.source.as_str())),
        };
        self.store
            .put(
                Item::with_doc(
                    customer_pk(&a.external_userid),
                    timeline_sk(a.created_at_ms, &format!("appt-{}", a.id)),
                    &event,
                )?,
                Condition::Always,
            )
            .await?;
        Ok(Some(Booked::Created(Box::new(record))))
    }

    /// The appointment a booking system's id booked.
    pub async fn by_booking_ref(
        &self,
        booking_ref: &str,
    ) -> Result<Option<AppointmentRecord>, CrmError> {
        let Some(item) = self
            .store
            .get(&booking_ref_pk(booking_ref), BOOKING_REF_SK)
            .await?
        else {
            return Ok(None);
        };
        let r: BookingRef = item.doc()?;
        self.get(&r.id).await
    }

    /// The stored item of an appointment, by id (through the bookings index).
    pub async fn find_item(&self, id: &str) -> Result<Option<Item>, CrmError> {
        let Some(created) = id_created_ms(id) else {
            return Ok(None);
        };
        let key = bookings_gsi_pk(&crate::calendar::day_string(created));
        let items = query_all_items(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi3, key)
                .sk(SkCondition::BeginsWith(format!("{}#{id}", ts(created))))
                .limit(10),
        )
        .await?;
        let Some(found) = items
            .into_iter()
            .find(|item| item.sk.starts_with(APPOINTMENT_PREFIX))
        else {
            return Ok(None);
        };
        // The index may lag the table: read the item itself.
        Ok(self.store.get(&found.pk, &found.sk).await?)
    }

    pub async fn get(&self, id: &str) -> Result<Option<AppointmentRecord>, CrmError> {
        match self.find_item(id).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Read-modify-write of one appointment. `change` returns `Ok(false)` to leave it alone
    /// and `Err` to refuse it.
    pub async fn update<E, F>(&self, id: &str, mut change: F) -> Result<Updated<E>, CrmError>
    where
        F: FnMut(&mut AppointmentRecord) -> Result<bool, E>,
    {
        let Some(mut item) = self.find_item(id).await? else {
            return Ok(Updated::NotFound);
        };
        for _ in 0..12 {
            let mut record: AppointmentRecord = item.doc()?;
            match change(&mut record) {
                Err(e) => return Ok(Updated::Refused(e)),
                Ok(false) => return Ok(Updated::Unchanged(Box::new(record))),
                Ok(true) => {}
            }
            let mut next = Self::item_at(&item.pk, &item.sk, &record)?;
            next.version = item.version + 1;
            match self
                .store
                .put(next, Condition::VersionIs(item.version))
                .await
            {
                Ok(()) => return Ok(Updated::Done(Box::new(record))),
                Err(StoreError::ConditionFailed | StoreError::Conflict) => {
                    match self.store.get(&item.pk, &item.sk).await? {
                        Some(current) => item = current,
                        None => return Ok(Updated::NotFound),
                    }
                    tokio::task::yield_now().await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CrmError::Contention(format!("appointment {id}")))
    }

    /// Writes `record` over the stored item `item` if nobody changed it since; false when
    /// someone did.
    pub async fn replace(&self, item: &Item, record: &AppointmentRecord) -> Result<bool, CrmError> {
        let mut next = Self::item_at(&item.pk, &item.sk, record)?;
        next.version = item.version + 1;
        match self
            .store
            .put(next, Condition::VersionIs(item.version))
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed | StoreError::Conflict) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The appointments scheduled from `from_ms` to `to_ms` (inclusive), by time: one index
    /// query per Shanghai day.
    pub async fn between(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<AppointmentRecord>, CrmError> {
        let mut out = Vec::new();
        let mut day = crate::calendar::date(from_ms);
        let last = crate::calendar::date(to_ms);
        while day <= last {
            let key = visits_gsi_pk(&day.format("%Y-%m-%d").to_string());
            let items = query_all_items(
                self.store.as_ref(),
                Query::partition(IndexName::Gsi2, key).limit(1000),
            )
            .await?;
            for item in &items {
                if !item.sk.starts_with(APPOINTMENT_PREFIX) {
                    continue;
                }
                let record: AppointmentRecord = item.doc()?;
                if (from_ms..=to_ms).contains(&record.base.scheduled_at_ms) {
                    out.push(record);
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        out.sort_by(|a, b| {
            (a.base.scheduled_at_ms, &a.base.id).cmp(&(b.base.scheduled_at_ms, &b.base.id))
        });
        Ok(out)
    }

    /// One customer's appointments, by scheduled time.
    pub async fn of_customer(
        &self,
        external_userid: &str,
    ) -> Result<Vec<AppointmentRecord>, CrmError> {
        let items = query_all_items(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, customer_pk(external_userid))
                .sk(SkCondition::BeginsWith(APPOINTMENT_PREFIX.into()))
                .limit(500),
        )
        .await?;
        let mut out = items
            .iter()
            .map(|item| item.doc::<AppointmentRecord>().map_err(CrmError::from))
            .collect::<Result<Vec<_>, _>>()?;
        out.sort_by(|a, b| {
            (a.base.scheduled_at_ms, &a.base.id).cmp(&(b.base.scheduled_at_ms, &b.base.id))
        });
        Ok(out)
    }

    /// The appointments with notice work due by `now_ms` (at most `limit`).
    pub async fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Item>, CrmError> {
        let page = self
            .store
            .query(
                Query::partition(IndexName::Gsi1, DUE_GSI_PK)
                    .sk(SkCondition::Lte(format!("{}~", ts(now_ms))))
                    .limit(limit.max(1)),
            )
            .await?;
        Ok(page.items)
    }

    /// The stored item at a key.
    pub async fn item(&self, pk: &str, sk: &str) -> Result<Option<Item>, CrmError> {
        Ok(self.store.get(pk, sk).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_creation_time() {
        let id = format!("{:012x}{:016x}", 1_765_000_000_000_i64, 42_u64);
        assert_eq!(id_created_ms(&id), Some(1_765_000_000_000));
        assert_eq!(id_created_ms("appt-000001"), None);
        assert_eq!(id_created_ms("short"), None);
    }
}
