//! Repositories over the item store. Each one owns a family of keys (see `crate::keys`).

mod audit;
mod callback_log;
mod config;
mod contact_ways;
mod customer_admin;
mod customer_list;
mod customers;
mod staff;
mod tags;
mod token;
mod welcome;

pub use audit::{
    AuditLog, BreakReason, ChainBreak, ChainHead, ChainReport, GENESIS_HASH, audit_hash,
};
pub use callback_log::{CallbackLog, Delivery};
pub use config::ConfigRepo;
pub use contact_ways::{ContactWayRecord, ContactWayRepo, ContactWayStatus};
pub use customer_admin::{Activity, CustomerAdmin, IndexRow, IndexSource, PurchaseOutcome};
pub use customer_list::{
    CustomerList, ListError, ListPage, ListRequest, ListSort, SCAN_BUDGET, SORT_BUDGET,
};
pub(crate) use customers::customer_item;
pub use customers::{CustomerRepo, ProfileUpsert};
pub use staff::{DISPLAY_NAME_MAX_CHARS, StaffDirectory, StaffEntry, StaffRepo};
pub use tags::TagCatalogue;
pub(crate) use tags::find_in as find_tag;
pub use token::StoreTokenStore;
pub use welcome::{ClaimOutcome, WelcomeClaims};

use ports::{Condition, Item, ItemStore, Query, StoreError};
use serde::de::DeserializeOwned;

use crate::CrmError;

/// How many times an optimistic read-modify-write is retried before giving up.
pub(crate) const MAX_OPTIMISTIC_ATTEMPTS: usize = 12;

/// Read-modify-write of one item under optimistic concurrency. `build` gets the current
/// document (with its version) and returns the item to write, or `None` to leave it alone.
/// The new item's version is set here; a concurrent writer makes the loop re-read.
pub(crate) async fn update_item<T, F>(
    store: &dyn ItemStore,
    pk: &str,
    sk: &str,
    mut build: F,
) -> Result<Option<Item>, CrmError>
where
    T: DeserializeOwned,
    F: FnMut(Option<T>) -> Result<Option<Item>, CrmError>,
{
    for _ in 0..MAX_OPTIMISTIC_ATTEMPTS {
        let current = store.get(pk, sk).await?;
        let (doc, condition, version) = match &current {
            Some(item) => (
                Some(item.doc::<T>()?),
                Condition::VersionIs(item.version),
                item.version,
            ),
            None => (None, Condition::NotExists, 0),
        };
        let Some(mut next) = build(doc)? else {
            return Ok(None);
        };
        next.version = version + 1;
        match store.put(next.clone(), condition).await {
            Ok(()) => return Ok(Some(next)),
            Err(StoreError::ConditionFailed) => {
                tokio::task::yield_now().await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(CrmError::Contention(format!("{pk}/{sk}")))
}

/// One page of a query, decoded.
pub(crate) async fn query_page<T: DeserializeOwned>(
    store: &dyn ItemStore,
    query: Query,
) -> Result<(Vec<T>, Option<String>), CrmError> {
    let page = store.query(query).await?;
    let docs = page
        .items
        .iter()
        .map(|item| item.doc().map_err(CrmError::from))
        .collect::<Result<_, _>>()?;
    Ok((docs, page.next_cursor))
}

/// Every page of a query, decoded (for small partitions: a customer's items, the tag catalogue).
pub(crate) async fn query_all<T: DeserializeOwned>(
    store: &dyn ItemStore,
    query: Query,
) -> Result<Vec<T>, CrmError> {
    query_all_items(store, query)
        .await?
        .iter()
        .map(|item| item.doc().map_err(CrmError::from))
        .collect()
}

/// Every page of a query, as items (when the keys or versions matter, not only documents).
pub(crate) async fn query_all_items(
    store: &dyn ItemStore,
    query: Query,
) -> Result<Vec<Item>, CrmError> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.query(query.clone().after(cursor)).await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(out),
        }
    }
}
