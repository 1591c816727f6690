//! What one stored record adds to the counters: a pure function of the record alone, so that
//! the counters can be kept by differences (new − stored) and recomputed by a walk.

use std::collections::BTreeMap;

use ports::{Item, StoreError};

use crate::calendar::day_string;
use crate::campaign::model::{Click, Recipient, RecipientStatus};
use crate::keys::{
    CAMPAIGN_CLICKS_SK, CHANNEL_DAYS_PK, CLICK_PREFIX, CLICKER_PREFIX, CONTACT_WAY_COUNTS_PK,
    LINK_COUNTS_SK, PIPELINE_COUNTS_PK, PROFILE_SK, RECIPIENT_PREFIX, campaign_counts_pk,
    campaign_shard_sk, channel_day_sk, pipeline_channel_sk, pipeline_consultant_sk,
};
use crate::model::{
    Appointment, Customer, CustomerStatus, Purchase, Relationship, RelationshipStatus,
};

/// Counter names of a channel-day item.
pub mod channel {
    /// Relationships added that day through the channel, by their status now.
    pub const ADDED: &str = "added";
    pub const ACTIVE: &str = "active";
    pub const PENDING: &str = "pending";
    pub const ENDED: &str = "ended";
    /// Relationships of the channel that ended that day (whenever they were added).
    pub const ENDED_ON: &str = "ended_on";
    /// Customers first added that day through the channel (merged records left out), and how
    /// many of them are connected to a consultant now.
    pub const CUSTOMERS: &str = "customers";
    pub const CUSTOMERS_CONNECTED: &str = "customers_connected";
    /// Appointments recorded that day by customers of the channel.
    pub const APPOINTMENTS: &str = "appointments";
    /// Purchases made that day by customers of the channel, and their amount.
    pub const PURCHASES: &str = "purchases";
    pub const REVENUE_FEN: &str = "revenue_fen";
}

/// Counter names of a pipeline item: `stage:<stage>`, customers at that stage now.
pub mod pipeline {
    pub const PREFIX: &str = "stage:";
    pub fn field(stage: crate::model::LeadStage) -> String {
        format!("{PREFIX}{}", stage.as_str())
    }
}

/// Counter names of a 「联系我」 item.
pub mod contact_way {
    /// Relationships credited to the code, and how many are not ended.
    pub const ADDED: &str = "added";
    pub const CONNECTED: &str = "connected";
}

/// Counter names of a link's and a campaign's click items.
pub mod clicks {
    pub const CLICKS: &str = "clicks";
    /// Clicks on links that went to one customer (attributable to them).
    pub const ATTRIBUTED: &str = "attributed";
    /// Customers with at least one click on the link (known only for one-customer links).
    pub const UNIQUE_CLICKERS: &str = "unique_clickers";
}

/// A campaign shard's counter names: `<dimension>|<stage>` where the dimension is `all`,
/// `tier:<tier>` or `channel:<channel>` and the stage `targeted`, a recipient status,
/// `task_created` or `booked`; plus `skipped:<reason>` and `failed:<reason>`.
pub mod funnel {
    pub const ALL: &str = "all";
    pub const TIER: &str = "tier:";
    pub const CHANNEL: &str = "channel:";
    pub const TARGETED: &str = "targeted";
    pub const TASK_CREATED: &str = "task_created";
    pub const BOOKED: &str = "booked";
    pub const SKIPPED_REASON: &str = "skipped:";
    pub const FAILED_REASON: &str = "failed:";
    pub fn field(dimension: &str, stage: &str) -> String {
        format!("{dimension}|{stage}")
    }
}

/// Counter changes: (pk, sk) of a counter item → field → amount.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally(pub BTreeMap<(String, String), BTreeMap<String, i64>>);

impl Tally {
    pub fn add(&mut self, pk: impl Into<String>, sk: impl Into<String>, field: &str, n: i64) {
        if n == 0 {
            return;
        }
        *self
            .0
            .entry((pk.into(), sk.into()))
            .or_default()
            .entry(field.to_owned())
            .or_default() += n;
    }

    /// Adds `other` times `sign` (1 or −1).
    pub fn merge(&mut self, other: &Tally, sign: i64) {
        for ((pk, sk), fields) in &other.0 {
            for (field, n) in fields {
                self.add(pk.clone(), sk.clone(), field, n * sign);
            }
        }
    }

    /// Drops the fields that netted to zero and the items left empty.
    pub fn compact(mut self) -> Self {
        for fields in self.0.values_mut() {
            fields.retain(|_, n| *n != 0);
        }
        self.0.retain(|_, fields| !fields.is_empty());
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|f| f.values().all(|n| *n == 0))
    }
}

/// Whether records under this key count towards an aggregate (the store wrapper only does
/// extra work for these).
pub fn is_counted(pk: &str, sk: &str) -> bool {
    (pk.starts_with("CUST#")
        && (sk == PROFILE_SK
            || sk.starts_with("REL#")
            || sk.starts_with("APPT#")
            || sk.starts_with("PURCHASE#")))
        || (pk.starts_with("CAMPAIGN#") && sk.starts_with(RECIPIENT_PREFIX))
        || (pk.starts_with("LINK#")
            && (sk.starts_with(CLICK_PREFIX) || sk.starts_with(CLICKER_PREFIX)))
        || crate::privacy::tally::is_erased_tally(pk, sk)
}

/// The record's contribution, added to `tally` with `sign`. Records that are not counted add
/// nothing; a counted record that does not decode is refused (its counters could not be kept).
pub fn contribute(item: &Item, sign: i64, tally: &mut Tally) -> Result<(), StoreError> {
    let (pk, sk) = (item.pk.as_str(), item.sk.as_str());
    if !is_counted(pk, sk) {
        return Ok(());
    }
    if crate::privacy::tally::is_erased_tally(pk, sk) {
        // An erased customer's records, as they counted when they were erased.
        let erased: crate::privacy::tally::ErasedTally = item.doc()?;
        tally.merge(&erased.tally(), sign);
        return Ok(());
    }
    let mut t = |pk: String, sk: String, field: &str, n: i64| tally.add(pk, sk, field, n * sign);
    if pk.starts_with("CUST#") {
        if sk == PROFILE_SK {
            let c: Customer = item.doc()?;
            if c.merged_into.is_none() {
                let key = channel_day_sk(&day_string(c.first_added_at_ms), &c.first_channel);
                t(CHANNEL_DAYS_PK.into(), key.clone(), channel::CUSTOMERS, 1);
                if c.status == CustomerStatus::Active {
                    t(CHANNEL_DAYS_PK.into(), key, channel::CUSTOMERS_CONNECTED, 1);
                }
                // The lead pipeline: the customer's stage now, by first channel and consultant.
                let day = day_string(c.first_added_at_ms);
                let stage = pipeline::field(c.stage);
                t(
                    PIPELINE_COUNTS_PK.into(),
                    pipeline_channel_sk(&day, &c.first_channel),
                    &stage,
                    1,
                );
                t(
                    PIPELINE_COUNTS_PK.into(),
                    pipeline_consultant_sk(&day, &c.first_userid),
                    &stage,
                    1,
                );
            }
        } else if sk.starts_with("REL#") {
            let r: Relationship = item.doc()?;
            if !r.state.is_empty() {
                let key = channel_day_sk(&day_string(r.createtime.saturating_mul(1000)), &r.state);
                t(CHANNEL_DAYS_PK.into(), key.clone(), channel::ADDED, 1);
                let status = match r.status {
                    RelationshipStatus::Active => channel::ACTIVE,
                    RelationshipStatus::Pending => channel::PENDING,
                    RelationshipStatus::Ended => channel::ENDED,
                };
                t(CHANNEL_DAYS_PK.into(), key, status, 1);
                if let (RelationshipStatus::Ended, Some(at)) = (r.status, r.ended_at) {
                    let on = channel_day_sk(&day_string(at.saturating_mul(1000)), &r.state);
                    t(CHANNEL_DAYS_PK.into(), on, channel::ENDED_ON, 1);
                }
            }
            if let Some(way) = r.contact_way.filter(|w| !w.is_empty()) {
                t(
                    CONTACT_WAY_COUNTS_PK.into(),
                    way.clone(),
                    contact_way::ADDED,
                    1,
                );
                if r.status != RelationshipStatus::Ended {
                    t(CONTACT_WAY_COUNTS_PK.into(), way, contact_way::CONNECTED, 1);
                }
            }
        } else if sk.starts_with("APPT#") {
            let a: Appointment = item.doc()?;
            let key = channel_day_sk(
                &day_string(a.created_at_ms),
                a.channel.as_deref().unwrap_or(""),
            );
            t(CHANNEL_DAYS_PK.into(), key, channel::APPOINTMENTS, 1);
        } else {
            let p: Purchase = item.doc()?;
            let key = channel_day_sk(
                &day_string(p.purchased_at_ms),
                p.channel.as_deref().unwrap_or(""),
            );
            t(CHANNEL_DAYS_PK.into(), key.clone(), channel::PURCHASES, 1);
            t(
                CHANNEL_DAYS_PK.into(),
                key,
                channel::REVENUE_FEN,
                p.amount_fen,
            );
        }
    } else if pk.starts_with("CAMPAIGN#") {
        let r: Recipient = item.doc()?;
        recipient(&r, &mut t);
    } else if sk.starts_with(CLICK_PREFIX) {
        let c: Click = item.doc()?;
        let attributed = i64::from(c.external_userid.is_some());
        t(pk.to_owned(), LINK_COUNTS_SK.into(), clicks::CLICKS, 1);
        t(
            pk.to_owned(),
            LINK_COUNTS_SK.into(),
            clicks::ATTRIBUTED,
            attributed,
        );
        if !c.campaign_id.is_empty() {
            let cpk = campaign_counts_pk(&c.campaign_id);
            t(cpk.clone(), CAMPAIGN_CLICKS_SK.into(), clicks::CLICKS, 1);
            t(
                cpk,
                CAMPAIGN_CLICKS_SK.into(),
                clicks::ATTRIBUTED,
                attributed,
            );
        }
    } else {
        // A clicker marker: one per customer and link.
        t(
            pk.to_owned(),
            LINK_COUNTS_SK.into(),
            clicks::UNIQUE_CLICKERS,
            1,
        );
    }
    Ok(())
}

fn recipient(r: &Recipient, t: &mut impl FnMut(String, String, &str, i64)) {
    let pk = campaign_counts_pk(&r.campaign_id);
    let sk = campaign_shard_sk(r.chunk.as_deref());
    let tier = format!("{}{}", funnel::TIER, r.tier.as_deref().unwrap_or("unknown"));
    let channel = format!(
        "{}{}",
        funnel::CHANNEL,
        if r.channel.is_empty() {
            "unknown"
        } else {
            &r.channel
        }
    );
    let booked = r.status == RecipientStatus::Sent && r.booked_at_ms.is_some();
    for dimension in [funnel::ALL, tier.as_str(), channel.as_str()] {
        let mut stage =
            |stage: &str| t(pk.clone(), sk.clone(), &funnel::field(dimension, stage), 1);
        stage(funnel::TARGETED);
        stage(r.status.name());
        if r.msgid.is_some() {
            stage(funnel::TASK_CREATED);
        }
        if booked {
            stage(funnel::BOOKED);
        }
    }
    if let Some(reason) = &r.reason {
        let prefix = match r.status {
            RecipientStatus::Skipped => Some(funnel::SKIPPED_REASON),
            RecipientStatus::Failed => Some(funnel::FAILED_REASON),
            _ => None,
        };
        if let Some(prefix) = prefix {
            t(pk.clone(), sk.clone(), &format!("{prefix}{reason}"), 1);
        }
    }
}
