//! Export (`GET /api/customers/{external_userid}/export`): everything held about one customer,
//! as one JSON document, record by record (the stored documents as they are, so a record
//! type added later is exported without a change here when it lives in their partition).

use std::sync::Arc;

use ports::{Item, ItemStore};
use serde::Serialize;
use serde_json::{Map, Value};

use super::holdings::{Holdings, collect, merged_customers};
use crate::CrmError;
use crate::keys::{
    APPOINTMENT_PREFIX, PROFILE_SK, PURCHASE_PREFIX, RELATIONSHIP_PREFIX, TIMELINE_PREFIX,
};

/// One stored record: its kind, its key and its document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedRecord {
    /// `profile`, `relationship`, `timeline`, `appointment`, `purchase`, `consent`, … (the
    /// sort key's prefix, lower-cased, for records of their partition).
    pub kind: String,
    pub pk: String,
    pub sk: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub record: Map<String, Value>,
}

/// Everything held about one customer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerExport {
    pub external_userid: String,
    pub exported_at_ms: i64,
    /// Their partition: profile (WeCom's data and the clinic's fields), relationships with
    /// each consultant (remarks, descriptions, phone numbers, tags), history, appointments,
    /// purchases, consent records.
    pub customer: Vec<ExportedRecord>,
    /// Raw WeCom events about them (the event log).
    pub events: Vec<ExportedRecord>,
    /// Their recipient row in each campaign: what was sent, when, and what happened.
    pub messages: Vec<ExportedRecord>,
    /// The send ledger (what this product asked WeCom to send them).
    pub ledger: Vec<ExportedRecord>,
    /// Their clicks on tracked links, and the links that went to them alone.
    pub clicks: Vec<ExportedRecord>,
    pub links: Vec<ExportedRecord>,
    /// Order numbers of their purchases.
    pub orders: Vec<ExportedRecord>,
    /// Automation rules that reached them (once per occasion), and welcome messages.
    pub automation_claims: Vec<ExportedRecord>,
    pub welcome_claims: Vec<ExportedRecord>,
    /// Leads merged into them (what an import said about them before they were a customer).
    pub leads: Vec<ExportedRecord>,
    /// Campaigns whose chosen audience names them, chunks that failed for them, and recent
    /// sync pages that saw them (named by key only: the records are about many customers).
    pub mentions: Vec<ExportedRecord>,
}

fn kind_of(item: &Item) -> String {
    let sk = item.sk.as_str();
    let known = [
        (PROFILE_SK, "profile"),
        (RELATIONSHIP_PREFIX, "relationship"),
        (TIMELINE_PREFIX, "timeline"),
        (APPOINTMENT_PREFIX, "appointment"),
        (PURCHASE_PREFIX, "purchase"),
    ];
    for (prefix, kind) in known {
        if sk.starts_with(prefix) {
            return kind.to_owned();
        }
    }
    sk.split('#').next().unwrap_or(sk).to_lowercase()
}

fn records(items: &[Item], kind: Option<&str>) -> Vec<ExportedRecord> {
    items
        .iter()
        .map(|i| ExportedRecord {
            kind: kind.map_or_else(|| kind_of(i), str::to_owned),
            pk: i.pk.clone(),
            sk: i.sk.clone(),
            record: i.data.clone(),
        })
        .collect()
}

/// Key only: the record is shared with other customers.
fn mentions(items: &[Item], kind: &str) -> Vec<ExportedRecord> {
    items
        .iter()
        .map(|i| ExportedRecord {
            kind: kind.to_owned(),
            pk: i.pk.clone(),
            sk: i.sk.clone(),
            record: Map::new(),
        })
        .collect()
}

/// The export, or `None` when nothing is held about them. Earlier records of the same person
/// merged into them are included, each record under its own key (`CUST#<earlier id>`).
pub async fn export(
    store: &Arc<dyn ItemStore>,
    external_userid: &str,
    now_ms: i64,
) -> Result<Option<CustomerExport>, CrmError> {
    let mut held: Holdings = collect(store, external_userid, now_ms).await?;
    if !held.partition.iter().any(|i| i.sk == PROFILE_SK) {
        return Ok(None);
    }
    for old in merged_customers(store, external_userid).await? {
        held.extend(collect(store, &old, now_ms).await?);
    }
    let mut mentioned = mentions(&held.audiences, "campaign_audience");
    mentioned.extend(mentions(&held.chunks, "campaign_chunk"));
    mentioned.extend(mentions(&held.sync_pages, "sync_page"));
    Ok(Some(CustomerExport {
        external_userid: external_userid.to_owned(),
        exported_at_ms: now_ms,
        customer: records(&held.partition, None),
        events: records(&held.events, Some("event")),
        messages: records(&held.recipients, Some("message")),
        ledger: records(&held.ledger, Some("ledger")),
        clicks: records(&held.clicks, Some("click")),
        links: records(&held.links, Some("link")),
        orders: records(&held.orders, Some("order")),
        automation_claims: records(&held.automation_claims, Some("automation_claim")),
        welcome_claims: records(&held.welcome_claims, Some("welcome_claim")),
        leads: records(&held.leads, Some("lead")),
        mentions: mentioned,
    }))
}
