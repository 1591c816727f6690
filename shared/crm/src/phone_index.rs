//! The phone index: the customers a mainland mobile number names, found with one query instead
//! of a read of every customer (the booking system's lookup, the import's matching).
//!
//! One index item per (number, record holding it): a customer profile whose clinic field
//! `crm.phone` is the number, a relationship whose remark phones (`remark_mobiles`, WeCom's or
//! the console's) include it. Each record owns its items, so an index item is a function of one
//! record — the same shape as the aggregates' contributions — and the [`AggregatingStore`]
//! writes and removes them in the transaction that writes the record, on the version read:
//! every write of a profile or a relationship (clinic fields, remarks, a refresh from WeCom, the
//! sync, an import, a merge, an erasure) keeps the index exact, and there is no window in which
//! a record holds a number its index item does not name.
//!
//! - pk `PHONE#<hex HMAC-SHA-256 of "phone\n<11 digits>">` under the deployment's privacy key
//!   (`crate::privacy::tombstone::privacy_key`, created once, never rotated): the number is in
//!   no key and no index item, and the hash cannot be recomputed from a list of numbers without
//!   the key;
//! - sk `<record pk>#<record sk>` (`CUST#<external_userid>#PROFILE`,
//!   `CUST#<external_userid>#REL#<userid>`); the document names the record.
//!
//! A lookup reads the index partition, then each record it names, and keeps only the records
//! that still hold the number ([`record_phones`]): an index item left behind by anything (a
//! store edited by hand, a bug) never answers with the wrong person. Merged records are not
//! indexed by their profile; a relationship of a merged record answers with the record it was
//! merged into.
//!
//! Existing data gets its entries from the aggregates rebuild with `apply`
//! (`crate::aggregates::rebuild`), which writes the marker [`PHONE_INDEX_META_PK`]; local mode
//! runs it once at start when the marker is missing ([`ensure_initialized`]).
//!
//! [`AggregatingStore`]: crate::aggregates::AggregatingStore

use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, StoreError, WriteOp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::CrmError;
use crate::campaign::link_key::hmac_sha256;
use crate::clinic_fields::valid_phone;
use crate::keys::{
    PHONE_INDEX_INITIALIZED_SK, PHONE_INDEX_META_PK, PROFILE_SK, RELATIONSHIP_PREFIX,
    phone_index_pk,
};
use crate::model::Customer;
use crate::repo::CustomerRepo;

/// Numbers indexed per record (a relationship's remark phones beyond these are not found by
/// number; the console allows 5). Bounds the operations one write adds to its transaction.
pub const MAX_PHONES_PER_RECORD: usize = 5;
/// Index items one lookup reads (a number shared by more records than this answers the first).
const MAX_ENTRIES_READ: usize = 200;

/// A mainland mobile in its 11-digit form: digits with optional spaces, `-`, brackets and a
/// `+86` / `0086` / `86` prefix (`+86 138-0013-8000` is `13800138000`); `None` otherwise.
pub fn normalise(raw: &str) -> Option<String> {
    if !raw
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
    {
        return None;
    }
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let national = ["0086", "86"]
        .iter()
        .find_map(|p| digits.strip_prefix(p).filter(|d| d.len() == 11))
        .unwrap_or(&digits);
    valid_phone(national).then(|| national.to_owned())
}

/// The numbers a stored record puts in the index: a live profile's `crm.phone`, a
/// relationship's remark phones (normalised, distinct, at most [`MAX_PHONES_PER_RECORD`]).
/// Read from the raw document, so that it is cheap on every write.
pub fn record_phones(pk: &str, sk: &str, data: &serde_json::Map<String, Value>) -> Vec<String> {
    if !pk.starts_with("CUST#") {
        return Vec::new();
    }
    let raw: Vec<&str> = if sk == PROFILE_SK {
        if data.get("merged_into").is_some_and(|m| !m.is_null()) {
            return Vec::new();
        }
        data.get("crm")
            .and_then(|c| c.get("phone"))
            .and_then(Value::as_str)
            .into_iter()
            .collect()
    } else if sk.starts_with(RELATIONSHIP_PREFIX) {
        data.get("remark_mobiles")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    } else {
        return Vec::new();
    };
    let mut phones = Vec::new();
    for phone in raw.into_iter().filter_map(normalise) {
        if !phones.contains(&phone) {
            phones.push(phone);
            if phones.len() == MAX_PHONES_PER_RECORD {
                break;
            }
        }
    }
    phones
}

fn item_phones(item: Option<&Item>) -> Vec<String> {
    item.map(|i| record_phones(&i.pk, &i.sk, &i.data))
        .unwrap_or_default()
}

/// The index partition of a number (already normalised) under the deployment's key.
pub fn entry_pk(key: &[u8; 32], phone: &str) -> String {
    let mac = hmac_sha256(key, format!("phone\n{phone}").as_bytes());
    phone_index_pk(&hex::encode(mac))
}

fn entry_sk(record_pk: &str, record_sk: &str) -> String {
    format!("{record_pk}#{record_sk}")
}

/// What an index item says: the record holding the number.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    record_pk: String,
    record_sk: String,
}

fn entry_item(key: &[u8; 32], phone: &str, pk: &str, sk: &str) -> Result<Item, StoreError> {
    Item::with_doc(
        entry_pk(key, phone),
        entry_sk(pk, sk),
        &Entry {
            record_pk: pk.to_owned(),
            record_sk: sk.to_owned(),
        },
    )
}

/// The numbers whose index items a write of the record at `pk`/`sk` from `old` to `new`
/// removes and adds; `None` when it changes none.
pub fn changes(old: Option<&Item>, new: Option<&Item>) -> Option<(Vec<String>, Vec<String>)> {
    let (before, after) = (item_phones(old), item_phones(new));
    let removed: Vec<String> = before
        .iter()
        .filter(|p| !after.contains(p))
        .cloned()
        .collect();
    let added: Vec<String> = after
        .iter()
        .filter(|p| !before.contains(p))
        .cloned()
        .collect();
    (!removed.is_empty() || !added.is_empty()).then_some((removed, added))
}

/// The index writes of [`changes`], for the record's transaction.
pub fn index_ops(
    key: &[u8; 32],
    pk: &str,
    sk: &str,
    removed: &[String],
    added: &[String],
) -> Result<Vec<WriteOp>, StoreError> {
    let mut ops = Vec::with_capacity(removed.len() + added.len());
    for phone in removed {
        ops.push(WriteOp::Delete {
            pk: entry_pk(key, phone),
            sk: entry_sk(pk, sk),
            condition: Condition::Always,
        });
    }
    for phone in added {
        ops.push(WriteOp::Put {
            item: entry_item(key, phone, pk, sk)?,
            condition: Condition::Always,
        });
    }
    Ok(ops)
}

/// Writes the index items of records read by a walk (the rebuild): each record's items in one
/// transaction on the record's version, so that a concurrent write of the record (which moves
/// only the items it changes) cannot interleave; a record changed since it was read is read
/// again. Answers how many items were written.
pub async fn fill(
    store: &dyn ItemStore,
    key: &[u8; 32],
    records: &[Item],
) -> Result<u64, CrmError> {
    let mut written = 0;
    for found in records {
        let mut record = Some(found.clone());
        for _ in 0..crate::repo::MAX_OPTIMISTIC_ATTEMPTS {
            let Some(current) = record.take() else {
                break;
            };
            let phones = item_phones(Some(&current));
            if phones.is_empty() {
                break;
            }
            let mut ops = vec![WriteOp::Check {
                pk: current.pk.clone(),
                sk: current.sk.clone(),
                condition: Condition::VersionIs(current.version),
            }];
            ops.extend(index_ops(key, &current.pk, &current.sk, &[], &phones)?);
            match store.transact(ops).await {
                Ok(()) => {
                    written += phones.len() as u64;
                    break;
                }
                // Changed since the walk read it (or read from a lagging index): again, as
                // it is now.
                Err(StoreError::ConditionFailed | StoreError::Conflict) => {
                    record = store.get(&found.pk, &found.sk).await?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(written)
}

/// When every record was first indexed.
#[derive(Debug, Serialize, Deserialize)]
struct Initialized {
    at_ms: i64,
}

/// Marks the index complete (the rebuild with `apply`, after its walk).
pub async fn mark_initialized(store: &dyn ItemStore, now_ms: i64) -> Result<(), CrmError> {
    let marker = Item::with_doc(
        PHONE_INDEX_META_PK,
        PHONE_INDEX_INITIALIZED_SK,
        &Initialized { at_ms: now_ms },
    )?;
    match store.put(marker, Condition::NotExists).await {
        Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Makes sure records stored before the index existed are indexed: when the marker is missing,
/// runs the aggregates rebuild with `apply` (which indexes every record and writes the marker).
/// Returns the rebuild's report when it ran.
pub async fn ensure_initialized(
    store: &Arc<dyn ItemStore>,
) -> Result<Option<crate::aggregates::RebuildReport>, CrmError> {
    if store
        .get(PHONE_INDEX_META_PK, PHONE_INDEX_INITIALIZED_SK)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let report = crate::aggregates::rebuild(store, true).await?;
    Ok(Some(report))
}

/// Which records a lookup accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneMatch {
    /// The clinic's phone field (`crm.phone`) only.
    ClinicField,
    /// The clinic's phone field or a consultant's remark phone.
    ClinicFieldOrRemark,
}

/// Lookups by number; caches the key for the life of the value.
#[derive(Clone)]
pub struct PhoneIndex {
    store: Arc<dyn ItemStore>,
    key: Arc<OnceCell<[u8; 32]>>,
}

impl PhoneIndex {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self {
            store,
            key: Arc::new(OnceCell::new()),
        }
    }

    /// The live customers holding `phone` (any accepted spelling, see [`normalise`]), newest
    /// first, each once: merged records answer with the record they were merged into. Every
    /// answer is checked against the record the index item names.
    pub async fn customers(
        &self,
        phone: &str,
        accept: PhoneMatch,
    ) -> Result<Vec<Customer>, CrmError> {
        let Some(phone) = normalise(phone) else {
            return Ok(Vec::new());
        };
        let store = self.store.as_ref();
        let key = *self
            .key
            .get_or_try_init(|| crate::privacy::tombstone::privacy_key(store))
            .await?;
        let page = store
            .query(
                Query::partition(IndexName::Primary, entry_pk(&key, &phone))
                    .limit(MAX_ENTRIES_READ),
            )
            .await?;
        let customers = CustomerRepo::new(self.store.clone());
        let mut found: Vec<Customer> = Vec::new();
        for item in page.items {
            let entry: Entry = item.doc()?;
            if accept == PhoneMatch::ClinicField && entry.record_sk != PROFILE_SK {
                continue;
            }
            let Some(record) = store.get(&entry.record_pk, &entry.record_sk).await? else {
                continue;
            };
            if !item_phones(Some(&record)).contains(&phone) {
                continue;
            }
            let mut customer = if record.sk == PROFILE_SK {
                record.doc::<Customer>()?
            } else {
                let Some(id) = record.pk.strip_prefix("CUST#") else {
                    continue;
                };
                match customers.get(id).await? {
                    Some(c) => c,
                    None => continue,
                }
            };
            if let Some(into) = customer.merged_into.clone() {
                match customers.get(&into).await? {
                    Some(live) if live.merged_into.is_none() => customer = live,
                    _ => continue,
                }
            }
            if !found
                .iter()
                .any(|c| c.external_userid == customer.external_userid)
            {
                found.push(customer);
            }
        }
        found.sort_by(|a, b| {
            b.first_added_at_ms
                .cmp(&a.first_added_at_ms)
                .then_with(|| a.external_userid.cmp(&b.external_userid))
        });
        Ok(found)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_normalised_to_eleven_digits() {
        assert_eq!(normalise("13800138000").as_deref(), Some("13800138000"));
        assert_eq!(
            normalise("+86 138-0013-8000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(
            normalise("0086 13800138000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(normalise("(86)13800138000").as_deref(), Some("13800138000"));
        assert_eq!(normalise("12800138000"), None);
        assert_eq!(normalise("0755-8888-1234"), None);
        assert_eq!(normalise("1380013800a"), None);
        assert_eq!(normalise(""), None);
    }

    fn data(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn profiles_index_their_phone_field_and_relationships_their_remark_phones() {
        let profile = data(json!({"crm": {"phone": "13800138000"}}));
        assert_eq!(
            record_phones("CUST#wm1", PROFILE_SK, &profile),
            vec!["13800138000"]
        );
        let merged = data(json!({"crm": {"phone": "13800138000"}, "merged_into": "wm2"}));
        assert!(record_phones("CUST#wm1", PROFILE_SK, &merged).is_empty());
        let rel = data(json!({"remark_mobiles": [
            "+86 139-0013-9000", "13900139000", "0755-1234567", "13700137000",
            "13600136000", "13500135000", "13400134000", "13300133000"
        ]}));
        assert_eq!(
            record_phones("CUST#wm1", "REL#zhangsan", &rel),
            vec![
                "13900139000",
                "13700137000",
                "13600136000",
                "13500135000",
                "13400134000"
            ]
        );
        assert!(record_phones("CUST#wm1", "APPT#1", &profile).is_empty());
        assert!(record_phones("LEAD#p1", PROFILE_SK, &profile).is_empty());
    }

    #[test]
    fn a_changed_number_moves_its_index_item_and_the_key_names_no_number() {
        let mut old = Item::new("CUST#wm1", PROFILE_SK);
        old.data = data(json!({"crm": {"phone": "13800138000"}}));
        let mut new = old.clone();
        new.data = data(json!({"crm": {"phone": "13900139000"}}));
        assert_eq!(changes(Some(&old), Some(&old)), None);
        let (removed, added) = changes(Some(&old), Some(&new)).unwrap();
        assert_eq!(
            (removed.as_slice(), added.as_slice()),
            (
                &["13800138000".to_owned()][..],
                &["13900139000".to_owned()][..]
            )
        );
        let ops = index_ops(&[7; 32], "CUST#wm1", PROFILE_SK, &removed, &added).unwrap();
        assert_eq!(ops.len(), 2);
        for op in &ops {
            let (pk, sk) = op.key();
            assert!(pk.starts_with("PHONE#") && pk.len() == 6 + 64, "{pk}");
            assert!(!pk.contains("13800138000") && !pk.contains("13900139000"));
            assert_eq!(sk, "CUST#wm1#PROFILE");
        }
        assert_ne!(
            entry_pk(&[7; 32], "13800138000"),
            entry_pk(&[8; 32], "13800138000")
        );
        assert_eq!(changes(Some(&old), None).unwrap().0, vec!["13800138000"]);
    }
    fn customer(id: &str, phone: Option<&str>, added_ms: i64) -> Customer {
        let mut c = Customer {
            external_userid: id.to_owned(),
            name: format!("客户{id}"),
            first_added_at_ms: added_ms,
            updated_at_ms: added_ms,
            ..Customer::default()
        };
        c.crm.phone = phone.map(|p| crate::clinic_fields::Phone::parse(p).unwrap());
        c
    }

    fn stores() -> (Arc<dyn ItemStore>, Arc<dyn ItemStore>) {
        let inner: Arc<dyn ItemStore> = Arc::new(store_embedded::SqliteStore::new(
            store_embedded::EmbeddedDb::open_in_memory().unwrap(),
        ));
        (
            inner.clone(),
            crate::aggregates::AggregatingStore::wrap(inner),
        )
    }

    async fn ids(index: &PhoneIndex, phone: &str, accept: PhoneMatch) -> Vec<String> {
        index
            .customers(phone, accept)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.external_userid)
            .collect()
    }

    #[tokio::test]
    async fn a_stale_index_item_never_answers_with_a_customer_who_no_longer_has_the_number() {
        let (inner, store) = stores();
        let repo = CustomerRepo::new(store.clone());
        repo.import(&[customer("wm1", Some("13800138000"), 1)], &[])
            .await
            .unwrap();
        let index = PhoneIndex::new(store.clone());
        assert_eq!(
            ids(&index, "13800138000", PhoneMatch::ClinicField).await,
            ["wm1"]
        );
        // The profile rewritten around the index (as a hand edit or a bug would): the item for
        // 13800138000 stays behind, and the lookup checks the record it names.
        let item = crate::repo::customer_item(&customer("wm1", Some("13900139000"), 1)).unwrap();
        inner.put(item, Condition::Always).await.unwrap();
        assert!(
            ids(&index, "13800138000", PhoneMatch::ClinicField)
                .await
                .is_empty()
        );
        // Merged records answer with the record they were merged into, once.
        let mut old = customer("wm1", Some("13900139000"), 1);
        old.merged_into = Some("wm2".into());
        let rel = crate::model::Relationship {
            external_userid: "wm1".into(),
            userid: "zhangsan".into(),
            remark_mobiles: vec!["+86 137-0013-7000".into()],
            ..Default::default()
        };
        repo.import(
            &[old, customer("wm2", Some("13700137000"), 2)],
            std::slice::from_ref(&rel),
        )
        .await
        .unwrap();
        assert_eq!(
            ids(&index, "13700137000", PhoneMatch::ClinicFieldOrRemark).await,
            ["wm2"]
        );
        assert!(
            ids(&index, "13900139000", PhoneMatch::ClinicFieldOrRemark)
                .await
                .is_empty()
        );
    }

    #[tokio::test]
    async fn the_rebuild_indexes_records_stored_before_the_index_and_marks_it() {
        let (inner, store) = stores();
        // Written around the wrapper, as by a version without the index.
        for (id, phone) in [
            ("wm1", "13800138000"),
            ("wm2", "13800138000"),
            ("wm3", "13900139000"),
        ] {
            let item = crate::repo::customer_item(&customer(id, Some(phone), 1)).unwrap();
            inner.put(item, Condition::Always).await.unwrap();
        }
        let index = PhoneIndex::new(store.clone());
        assert!(
            ids(&index, "13800138000", PhoneMatch::ClinicField)
                .await
                .is_empty()
        );
        let report = ensure_initialized(&store).await.unwrap();
        assert!(report.is_some());
        assert_eq!(
            ids(&index, "13800138000", PhoneMatch::ClinicField).await,
            ["wm1", "wm2"]
        );
        assert_eq!(
            ids(&index, "13900139000", PhoneMatch::ClinicField).await,
            ["wm3"]
        );
        assert!(ensure_initialized(&store).await.unwrap().is_none(), "once");
    }
}
