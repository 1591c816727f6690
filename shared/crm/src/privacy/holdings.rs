//! Everything held about one customer, found by their external_userid: what the export
//! answers and what an erasure scrubs (docs/data-model.md, "Data-subject rights").
//!
//! Found through keys and indexes, never by scanning the table:
//! - their partition `CUST#<id>`, whole (profile with the clinic's fields, relationships with
//!   remarks, descriptions and tags, history, appointments, purchases, consent records, and any
//!   record type added there later);
//! - the raw WeCom events about them (`gsi3 CBLOG#CUST#<id>`) and the welcome claims those
//!   events name (`WELCOME#<code>`);
//! - the send ledger `LEDGER#<id>`; the order numbers of their purchases (`ORDER#<order_id>`)
//!   and the booking system's ids of their appointments (`BOOKINGREF#<booking_id>`);
//!   their automation claims (`gsi3 AUTOCLAIMS#<id>`);
//! - for every campaign (`gsi1 CAMPAIGNS`): their recipient row (`RCPT#<id>`: status history,
//!   personalised text — the message log), an explicit audience naming them, and in campaigns
//!   that reached them the chunks whose `fail_list` names them, the links that went to them
//!   alone, their clicks and their clicker markers;
//! - the recent sync runs' `SEEN#` pages (3-day TTL) naming them;
//! - the leads merged into them (`LEAD#<id>` with `merged_into` naming them: found by the
//!   `lead-<id>` history entries of the merge, their unionid and their phone numbers).
//!
//! Earlier records of the same person merged into them (same unionid, `merged_from`, each
//! with `merged_into` naming them) are customers of their own: [`merged_customers`] finds them,
//! and the export and the erasure treat each the same way.

use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};
use ports::{IndexName, Item, ItemStore, Query, SkCondition};
use serde_json::Value;

use crate::CrmError;
use crate::keys::{
    CALLBACK_LOG_SK, CAMPAIGNS_GSI_PK, CHUNK_PREFIX, CLAIM_SK, CLICK_PREFIX, ORDER_SK,
    PURCHASE_PREFIX, SYNC_RUNS_GSI_PK, SYNC_SEEN_PREFIX, automation_claims_gsi_pk,
    callback_customer_gsi_pk, campaign_links_gsi_pk, campaign_pk, clicker_sk, customer_pk,
    ledger_pk, order_pk, recipient_sk, ts, welcome_claim_pk,
};
use crate::keys::{PROFILE_SK, TIMELINE_PREFIX};
use crate::leads::{LEAD_SK, lead_pk};
use crate::model::Customer;
use crate::repo::query_all_items;

/// Campaigns read at once while looking for the customer's recipient rows.
const READS_IN_FLIGHT: usize = 16;
/// `SEEN#` pages expire after 3 days; runs started earlier than this hold none.
const SEEN_WINDOW_MS: i64 = 4 * 86_400_000;

/// The items holding one customer's data, by kind.
#[derive(Debug, Clone, Default)]
pub struct Holdings {
    /// `CUST#<id>`: profile, relationships, history, appointments, purchases, consent…
    pub partition: Vec<Item>,
    /// Their recipient rows in every campaign (the message log).
    pub recipients: Vec<Item>,
    /// Campaign records whose explicit audience names them.
    pub audiences: Vec<Item>,
    /// Chunks whose `fail_list` names them.
    pub chunks: Vec<Item>,
    /// Tracked links that went to them alone.
    pub links: Vec<Item>,
    /// Their clicks, and their clicker markers.
    pub clicks: Vec<Item>,
    pub ledger: Vec<Item>,
    /// Raw WeCom events about them (callback log entries).
    pub events: Vec<Item>,
    pub welcome_claims: Vec<Item>,
    pub orders: Vec<Item>,
    pub automation_claims: Vec<Item>,
    /// Sync pages that saw them.
    pub sync_pages: Vec<Item>,
    /// Leads merged into them (the imported phone, name, fields and consent).
    pub leads: Vec<Item>,
}

impl Holdings {
    /// Whether anything at all is held.
    pub fn is_empty(&self) -> bool {
        self.all().next().is_none()
    }

    /// Every item, whatever its kind.
    pub fn all(&self) -> impl Iterator<Item = &Item> {
        [
            &self.partition,
            &self.recipients,
            &self.audiences,
            &self.chunks,
            &self.links,
            &self.clicks,
            &self.ledger,
            &self.events,
            &self.welcome_claims,
            &self.orders,
            &self.automation_claims,
            &self.sync_pages,
            &self.leads,
        ]
        .into_iter()
        .flatten()
    }

    /// Adds what is held under another id of the same person.
    pub fn extend(&mut self, other: Holdings) {
        self.partition.extend(other.partition);
        self.recipients.extend(other.recipients);
        self.audiences.extend(other.audiences);
        self.chunks.extend(other.chunks);
        self.links.extend(other.links);
        self.clicks.extend(other.clicks);
        self.ledger.extend(other.ledger);
        self.events.extend(other.events);
        self.welcome_claims.extend(other.welcome_claims);
        self.orders.extend(other.orders);
        self.automation_claims.extend(other.automation_claims);
        self.sync_pages.extend(other.sync_pages);
        self.leads.extend(other.leads);
    }
}

/// Most earlier records of one person followed (a person re-adding under new ids).
const MAX_MERGED: usize = 100;

/// The earlier records of the same person merged into `external_userid` (its `merged_from`,
/// each of which names it in `merged_into`), and theirs in turn.
pub async fn merged_customers(
    store: &Arc<dyn ItemStore>,
    external_userid: &str,
) -> Result<Vec<String>, CrmError> {
    let mut found: Vec<String> = Vec::new();
    let mut next = vec![external_userid.to_owned()];
    while let Some(into) = next.pop() {
        let Some(profile) = store.get(&customer_pk(&into), PROFILE_SK).await? else {
            continue;
        };
        let customer: Customer = profile.doc()?;
        for old in customer.merged_from {
            if old == external_userid || found.contains(&old) || found.len() >= MAX_MERGED {
                continue;
            }
            let Some(item) = store.get(&customer_pk(&old), PROFILE_SK).await? else {
                continue;
            };
            if names(&item, "merged_into", &into) {
                found.push(old.clone());
                next.push(old);
            }
        }
    }
    Ok(found)
}

/// The leads merged into the customer whose partition is `partition`.
async fn merged_leads(
    store: &Arc<dyn ItemStore>,
    partition: &[Item],
    id: &str,
) -> Result<Vec<Item>, CrmError> {
    let mut lead_ids: Vec<String> = Vec::new();
    let mut add = |lead_id: String| {
        if !lead_id.is_empty() && !lead_ids.contains(&lead_id) {
            lead_ids.push(lead_id);
        }
    };
    let digits = |phone: &str| -> String { phone.chars().filter(char::is_ascii_digit).collect() };
    for item in partition {
        // The merge's history entry (`EVENT#<time>#lead-<id>`) and consent record.
        if item.sk.starts_with(TIMELINE_PREFIX)
            && let Some((_, lead_id)) = item.sk.split_once("#lead-")
        {
            add(lead_id.to_owned());
        }
        if let Some(lead_id) = item
            .data
            .get("id")
            .and_then(Value::as_str)
            .and_then(|i| i.strip_prefix("lead-"))
        {
            add(lead_id.to_owned());
        }
        // A relationship's remark phones (a lead merged by phone).
        for phone in item
            .data
            .get("remark_mobiles")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            add(format!("p{}", digits(phone)));
        }
    }
    let profile = partition.iter().find(|i| i.sk == PROFILE_SK);
    if let Some(phone) = profile
        .and_then(|p| p.data.get("crm"))
        .and_then(|c| c.get("phone"))
        .and_then(Value::as_str)
    {
        add(format!("p{}", digits(phone)));
    }
    let mut leads = Vec::new();
    if let Some(unionid) = profile
        .and_then(|p| p.data.get("unionid"))
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    {
        leads = all(
            store,
            Query::partition(IndexName::Gsi1, crate::leads::lead_unionid_gsi_pk(unionid)),
        )
        .await?;
    }
    for lead_id in lead_ids {
        if leads.iter().any(|l| l.pk == lead_pk(&lead_id)) {
            continue;
        }
        if let Some(lead) = store.get(&lead_pk(&lead_id), LEAD_SK).await? {
            leads.push(lead);
        }
    }
    leads.retain(|l| l.sk == LEAD_SK && names(l, "merged_into", id));
    Ok(leads)
}

fn names(item: &Item, field: &str, id: &str) -> bool {
    item.data.get(field).and_then(Value::as_str) == Some(id)
}

fn lists(value: Option<&Value>, id: &str) -> bool {
    value
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(id)))
}

/// Whether a campaign record's explicit audience names the customer.
pub(super) fn audience_names(campaign: &Item, id: &str) -> bool {
    lists(
        campaign
            .data
            .get("audience")
            .and_then(|a| a.get("external_userids")),
        id,
    )
}

/// Whether a sync `SEEN#` page lists a pair of the customer.
pub(super) fn seen_names(page: &Item, id: &str) -> bool {
    page.data
        .get("pairs")
        .and_then(Value::as_array)
        .is_some_and(|pairs| {
            pairs
                .iter()
                .any(|p| p.as_array().and_then(|p| p.first()).and_then(Value::as_str) == Some(id))
        })
}

/// The welcome code of a logged add event (`<WelcomeCode>` in the raw XML), if any.
pub(super) fn welcome_code(raw_xml: &str) -> Option<String> {
    let start = raw_xml.find("<WelcomeCode>")? + "<WelcomeCode>".len();
    let rest = &raw_xml[start..];
    let end = rest.find("</WelcomeCode>")?;
    let text = rest[..end].trim();
    let text = text
        .strip_prefix("<![CDATA[")
        .and_then(|t| t.strip_suffix("]]>"))
        .unwrap_or(text);
    (!text.is_empty()).then(|| text.to_owned())
}

async fn get_owned(
    store: Arc<dyn ItemStore>,
    pk: String,
    sk: String,
) -> Result<Option<Item>, ports::StoreError> {
    store.get(&pk, &sk).await
}

/// Every item a query finds.
async fn all(store: &Arc<dyn ItemStore>, query: Query) -> Result<Vec<Item>, CrmError> {
    query_all_items(store.as_ref(), query.limit(1000)).await
}

/// Finds everything held about `external_userid`.
pub async fn collect(
    store: &Arc<dyn ItemStore>,
    external_userid: &str,
    now_ms: i64,
) -> Result<Holdings, CrmError> {
    let id = external_userid;
    let mut h = Holdings {
        partition: all(store, Query::partition(IndexName::Primary, customer_pk(id))).await?,
        ledger: all(store, Query::partition(IndexName::Primary, ledger_pk(id))).await?,
        events: all(
            store,
            Query::partition(IndexName::Gsi3, callback_customer_gsi_pk(id)),
        )
        .await?,
        automation_claims: all(
            store,
            Query::partition(IndexName::Gsi3, automation_claims_gsi_pk(id)),
        )
        .await?,
        ..Holdings::default()
    };
    h.leads = merged_leads(store, &h.partition, id).await?;
    // An index answers what the item held when indexed: keep only entries still naming them.
    h.events
        .retain(|e| e.sk == CALLBACK_LOG_SK && names(e, "external_userid", id));
    for event in &h.events {
        let code = event
            .data
            .get("raw_xml")
            .and_then(Value::as_str)
            .and_then(welcome_code);
        if let Some(code) = code
            && let Some(claim) = store.get(&welcome_claim_pk(&code), CLAIM_SK).await?
            && names(&claim, "external_userid", id)
        {
            h.welcome_claims.push(claim);
        }
    }
    for purchase in h
        .partition
        .iter()
        .filter(|i| i.sk.starts_with(PURCHASE_PREFIX))
    {
        if let Some(order) = purchase.data.get("order_id").and_then(Value::as_str)
            && let Some(item) = store.get(&order_pk(order), ORDER_SK).await?
            && names(&item, "external_userid", id)
        {
            h.orders.push(item);
        }
    }
    // The booking system's ids of their appointments (`BOOKINGREF#<id>`, crate::appointments).
    for appointment in h
        .partition
        .iter()
        .filter(|i| i.sk.starts_with(crate::keys::APPOINTMENT_PREFIX))
    {
        if let Some(booking_ref) = appointment.data.get("booking_ref").and_then(Value::as_str)
            && let Some(item) = store
                .get(
                    &crate::appointments::repo::booking_ref_pk(booking_ref),
                    crate::appointments::repo::BOOKING_REF_SK,
                )
                .await?
            && names(&item, "external_userid", id)
        {
            h.orders.push(item);
        }
    }

    // Campaigns: the recipient row in each, and what the ones that reached them hold.
    let campaigns = all(store, Query::partition(IndexName::Gsi1, CAMPAIGNS_GSI_PK)).await?;
    h.audiences = campaigns
        .iter()
        .filter(|c| audience_names(c, id))
        .cloned()
        .collect();
    let keys: Vec<(String, String)> = campaigns
        .iter()
        .map(|c| (c.pk.clone(), recipient_sk(id)))
        .collect();
    let rows: Vec<Option<Item>> = stream::iter(keys)
        .map(|(pk, sk)| get_owned(store.clone(), pk, sk))
        .buffered(READS_IN_FLIGHT)
        .try_collect()
        .await?;
    h.recipients = rows.into_iter().flatten().collect();
    for row in &h.recipients {
        let Some(campaign_id) = row.pk.strip_prefix("CAMPAIGN#") else {
            continue;
        };
        let chunks = all(
            store,
            Query::partition(IndexName::Primary, campaign_pk(campaign_id))
                .sk(SkCondition::BeginsWith(CHUNK_PREFIX.into())),
        )
        .await?;
        h.chunks.extend(
            chunks
                .into_iter()
                .filter(|c| lists(c.data.get("fail_list"), id)),
        );
        let links = all(
            store,
            Query::partition(IndexName::Gsi1, campaign_links_gsi_pk(campaign_id)),
        )
        .await?;
        for link in links {
            let clicks = all(
                store,
                Query::partition(IndexName::Primary, link.pk.clone())
                    .sk(SkCondition::BeginsWith(CLICK_PREFIX.into())),
            )
            .await?;
            h.clicks.extend(
                clicks
                    .into_iter()
                    .filter(|c| names(c, "external_userid", id)),
            );
            if let Some(marker) = store.get(&link.pk, &clicker_sk(id)).await? {
                h.clicks.push(marker);
            }
            if names(&link, "external_userid", id) {
                h.links.push(link);
            }
        }
    }

    // Sync runs recent enough to still hold their `SEEN#` pages.
    let runs = all(
        store,
        Query::partition(IndexName::Gsi1, SYNC_RUNS_GSI_PK)
            .sk(SkCondition::Gte(ts(now_ms - SEEN_WINDOW_MS))),
    )
    .await?;
    for run in runs {
        let pages = all(
            store,
            Query::partition(IndexName::Primary, run.pk.clone())
                .sk(SkCondition::BeginsWith(SYNC_SEEN_PREFIX.into())),
        )
        .await?;
        h.sync_pages
            .extend(pages.into_iter().filter(|p| seen_names(p, id)));
    }
    Ok(h)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_welcome_code_is_read_from_plain_and_cdata_elements() {
        assert_eq!(
            welcome_code("<xml><WelcomeCode><![CDATA[WC1]]></WelcomeCode></xml>").as_deref(),
            Some("WC1")
        );
        assert_eq!(
            welcome_code("<xml><WelcomeCode>WC2</WelcomeCode></xml>").as_deref(),
            Some("WC2")
        );
        assert_eq!(welcome_code("<xml><State>x</State></xml>"), None);
        assert_eq!(welcome_code("<xml><WelcomeCode></WelcomeCode></xml>"), None);
    }
}
