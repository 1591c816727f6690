//! Consent records (授权记录): per customer and per purpose, who recorded what, when and how.
//!
//! Each grant or withdrawal is one append-only record under the customer's partition
//! (`CONSENT#<purpose>#<ts>#<id>`, see `crate::keys::consent_sk`), so a per-customer export or
//! erasure finds it with the rest of the partition. The customer profile carries the current
//! state per purpose (`Customer::consents`, and `crm.marketing_consent` for the marketing
//! purpose), written in the same transaction as the record: an audience reads one item, and the
//! projection never names a state no record backs.
//!
//! Purposes are separate: consenting to the processing of health data (treatments) does not
//! consent to marketing, and the other way round.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError, WriteOp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::keys::{CONSENT_PREFIX, PROFILE_SK, consent_sk, customer_pk};
use crate::model::Customer;
use crate::repo::customer_item;
use crate::{CrmError, FieldError};

/// What the customer consents to (授权用途).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ConsentPurpose))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 营销: campaigns, automations and direct messages.
    Marketing,
    /// 敏感个人信息：治疗等健康信息 (PIPL's separate consent for sensitive personal information).
    HealthData,
}

impl Purpose {
    pub const FIELD: &'static str = "purpose";
    pub const ALL: [Purpose; 2] = [Purpose::Marketing, Purpose::HealthData];

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "marketing" => Ok(Purpose::Marketing),
            "health_data" => Ok(Purpose::HealthData),
            _ => Err(FieldError::new(
                Self::FIELD,
                "授权用途只能是 marketing（营销）或 health_data（健康信息）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Marketing => "marketing",
            Purpose::HealthData => "health_data",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the consent was obtained (授权方式).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ConsentMethod))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 书面: a signed paper or document.
    Written,
    /// 口头: said to a staff member.
    Verbal,
    /// 表单: a form the customer filled in.
    Form,
    /// 导入: came with imported data (recorded by the import, never chosen by staff).
    Import,
}

impl Method {
    pub const FIELD: &'static str = "method";

    /// What staff may record: written, verbal or form (`import` belongs to the import).
    pub fn parse_staff(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "written" => Ok(Method::Written),
            "verbal" => Ok(Method::Verbal),
            "form" => Ok(Method::Form),
            "import" => Err(FieldError::new(
                Self::FIELD,
                "「导入」方式只由客户导入记录，不能手工登记；请选择书面、口头或表单",
            )),
            _ => Err(FieldError::new(
                Self::FIELD,
                "授权方式只能是 written（书面）、verbal（口头）或 form（表单）",
            )),
        }
    }
}

/// Most characters of a consent record's note.
pub const NOTE_MAX_CHARS: usize = 200;

/// One grant or withdrawal, as recorded. Never changed once written.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub id: String,
    pub external_userid: String,
    pub purpose: Purpose,
    /// True: granted (授权); false: withdrawn or refused (撤回).
    pub granted: bool,
    /// When it was recorded (Unix ms).
    pub at_ms: i64,
    /// The stable id of the staff member who recorded it (`import` for imported data).
    pub recorded_by: String,
    pub method: Method,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The current state of one purpose on the profile: the latest record's facts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentState {
    pub granted: bool,
    pub at_ms: i64,
    pub method: Method,
    pub recorded_by: String,
    /// The record this state comes from.
    pub record_id: String,
}

impl From<&ConsentRecord> for ConsentState {
    fn from(r: &ConsentRecord) -> Self {
        Self {
            granted: r.granted,
            at_ms: r.at_ms,
            method: r.method,
            recorded_by: r.recorded_by.clone(),
            record_id: r.id.clone(),
        }
    }
}

/// What staff ask to record: `{ purpose, granted, method, note? }`, each field checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    pub purpose: Purpose,
    pub granted: bool,
    pub method: Method,
    pub note: Option<String>,
}

impl ConsentRequest {
    /// Reads the request body; refuses an unknown or invalid field, naming it.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, FieldError> {
        const FIELDS: [&str; 4] = ["purpose", "granted", "method", "note"];
        if let Some(unknown) = body.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(FieldError::new(unknown, "不支持该字段"));
        }
        let purpose = match body.get(Purpose::FIELD) {
            None | Some(Value::Null) => {
                return Err(FieldError::new(Purpose::FIELD, "请选择授权用途"));
            }
            Some(value) => Purpose::parse(value.as_str().unwrap_or_default())?,
        };
        let granted = match body.get("granted") {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => {
                return Err(FieldError::new("granted", "请选择授权或撤回"));
            }
            Some(_) => {
                return Err(FieldError::new(
                    "granted",
                    "granted 必须是 true（授权）或 false（撤回）",
                ));
            }
        };
        let method = match body.get(Method::FIELD) {
            None | Some(Value::Null) => {
                return Err(FieldError::new(Method::FIELD, "请选择授权方式"));
            }
            Some(value) => Method::parse_staff(value.as_str().unwrap_or_default())?,
        };
        let note = match body.get("note") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let s = s.trim();
                if s.chars().count() > NOTE_MAX_CHARS {
                    return Err(FieldError::new(
                        "note",
                        format!("备注不能超过 {NOTE_MAX_CHARS} 个字"),
                    ));
                }
                (!s.is_empty()).then(|| s.to_owned())
            }
            Some(_) => return Err(FieldError::new("note", "备注必须是文字")),
        };
        Ok(Self {
            purpose,
            granted,
            method,
            note,
        })
    }
}

/// The current consent of one purpose, as the console shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentConsent {
    pub purpose: Purpose,
    /// None: never recorded (未登记).
    pub granted: Option<bool>,
    /// The latest record's facts; absent when the state predates consent records (a value set
    /// before they existed, without when, how or by whom) or was never recorded.
    pub at_ms: Option<i64>,
    pub method: Option<Method>,
    pub recorded_by: Option<String>,
    /// True when `granted` is a value from before consent records, with no record behind it.
    pub legacy: bool,
}

/// The current state of every purpose, from the profile.
pub fn current(customer: &Customer) -> Vec<CurrentConsent> {
    Purpose::ALL
        .iter()
        .map(|&purpose| match customer.consents.get(&purpose) {
            Some(s) => CurrentConsent {
                purpose,
                granted: Some(s.granted),
                at_ms: Some(s.at_ms),
                method: Some(s.method),
                recorded_by: Some(s.recorded_by.clone()),
                legacy: false,
            },
            None => {
                let granted = match purpose {
                    Purpose::Marketing => customer.crm.marketing_consent,
                    Purpose::HealthData => None,
                };
                CurrentConsent {
                    purpose,
                    granted,
                    at_ms: None,
                    method: None,
                    recorded_by: None,
                    legacy: granted.is_some(),
                }
            }
        })
        .collect()
}

/// Sets the profile's current state from a record (and the marketing flag for that purpose).
pub fn project(customer: &mut Customer, record: &ConsentRecord) {
    customer
        .consents
        .insert(record.purpose, ConsentState::from(record));
    if record.purpose == Purpose::Marketing {
        customer.crm.marketing_consent = Some(record.granted);
    }
}

/// The record an import writes for a customer whose marketing consent arrives in bulk
/// without a record behind it (new imported data, or a value from before consent records):
/// method `import`, recorded by `import`, dated when the profile was written. Its id is fixed
/// per profile write, so an import repeated after a crash writes the same key again.
/// `None` when the profile's marketing flag is already backed by its projection.
pub fn import_record(customer: &Customer) -> Option<ConsentRecord> {
    let granted = customer.crm.marketing_consent?;
    if customer
        .consents
        .get(&Purpose::Marketing)
        .is_some_and(|s| s.granted == granted)
    {
        return None;
    }
    Some(ConsentRecord {
        id: "import".to_owned(),
        external_userid: customer.external_userid.clone(),
        purpose: Purpose::Marketing,
        granted,
        at_ms: customer.updated_at_ms,
        recorded_by: "import".to_owned(),
        method: Method::Import,
        note: Some("随客户数据导入的营销授权（导入前的记录方式未知）".to_owned()),
    })
}

/// The record's item under the customer's partition.
pub fn record_item(record: &ConsentRecord) -> Result<Item, StoreError> {
    Item::with_doc(
        customer_pk(&record.external_userid),
        consent_sk(record.purpose.as_str(), record.at_ms, &record.id),
        record,
    )
}

/// Consent records over the item store.
#[derive(Clone)]
pub struct ConsentRepo {
    store: Arc<dyn ItemStore>,
}

impl ConsentRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// Appends the record and moves the profile's current state to it, in one transaction
    /// (conditioned on the profile read, retried when it moved). `None` when the customer is
    /// unknown.
    pub async fn record(&self, record: &ConsentRecord) -> Result<Option<Customer>, CrmError> {
        let pk = customer_pk(&record.external_userid);
        for _ in 0..crate::repo::MAX_OPTIMISTIC_ATTEMPTS {
            let Some(current) = self.store.get(&pk, PROFILE_SK).await? else {
                return Ok(None);
            };
            let mut customer: Customer = current.doc()?;
            project(&mut customer, record);
            customer.updated_at_ms = customer.updated_at_ms.max(record.at_ms);
            let mut profile = customer_item(&customer)?;
            profile.version = current.version + 1;
            let ops = vec![
                WriteOp::Put {
                    item: record_item(record)?,
                    condition: Condition::NotExists,
                },
                WriteOp::Put {
                    item: profile,
                    condition: Condition::VersionIs(current.version),
                },
            ];
            match self.store.transact(ops).await {
                Ok(()) => return Ok(Some(customer)),
                Err(StoreError::ConditionFailed | StoreError::Conflict) => {
                    if self
                        .store
                        .get(&pk, &record_item(record)?.sk)
                        .await?
                        .is_some()
                    {
                        return Err(CrmError::Inconsistent(format!(
                            "consent record {} exists already",
                            record.id
                        )));
                    }
                    tokio::task::yield_now().await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CrmError::Contention(pk))
    }

    /// Every record of the customer, newest first (ties by id, newest first).
    pub async fn history(&self, external_userid: &str) -> Result<Vec<ConsentRecord>, CrmError> {
        let mut records: Vec<ConsentRecord> = crate::repo::query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, customer_pk(external_userid))
                .sk(SkCondition::BeginsWith(CONSENT_PREFIX.into()))
                .limit(500),
        )
        .await?;
        records.sort_by(|a, b| (b.at_ms, &b.id).cmp(&(a.at_ms, &a.id)));
        Ok(records)
    }
}

/// The current state per purpose, from the history alone (what the projection must equal).
pub fn replay(history: &[ConsentRecord]) -> BTreeMap<Purpose, ConsentState> {
    let mut out = BTreeMap::new();
    let mut ordered: Vec<&ConsentRecord> = history.iter().collect();
    ordered.sort_by(|a, b| (a.at_ms, &a.id).cmp(&(b.at_ms, &b.id)));
    for r in ordered {
        out.insert(r.purpose, ConsentState::from(r));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn a_request_names_the_field_it_refuses() {
        let refused = |v: Value| ConsentRequest::parse(&body(v)).unwrap_err();
        let ok = json!({"purpose": "marketing", "granted": true, "method": "written"});
        assert!(ConsentRequest::parse(&body(ok)).is_ok());
        assert_eq!(
            refused(json!({"granted": true, "method": "written"})).field,
            "purpose"
        );
        assert_eq!(
            refused(json!({"purpose": "sms", "granted": true, "method": "written"})).field,
            "purpose"
        );
        assert_eq!(
            refused(json!({"purpose": "marketing", "granted": "yes", "method": "written"})).field,
            "granted"
        );
        assert_eq!(
            refused(json!({"purpose": "marketing", "granted": true})).field,
            "method"
        );
        let import = refused(json!({"purpose": "marketing", "granted": true, "method": "import"}));
        assert_eq!(import.field, "method");
        assert!(import.message.contains("导入"));
        assert_eq!(
            refused(
                json!({"purpose": "marketing", "granted": true, "method": "form",
                "note": "长".repeat(NOTE_MAX_CHARS + 1)})
            )
            .field,
            "note"
        );
        assert_eq!(
            refused(json!({"purpose": "marketing", "granted": true, "method": "form", "by": "x"}))
                .field,
            "by"
        );
        let blank_note = ConsentRequest::parse(&body(json!({"purpose": "health_data",
            "granted": false, "method": "verbal", "note": "  "})))
        .unwrap();
        assert_eq!(blank_note.note, None);
        assert_eq!(blank_note.purpose, Purpose::HealthData);
    }

    fn record(purpose: Purpose, granted: bool, at_ms: i64, id: &str) -> ConsentRecord {
        ConsentRecord {
            id: id.into(),
            external_userid: "wm1".into(),
            purpose,
            granted,
            at_ms,
            recorded_by: "staff-1".into(),
            method: Method::Written,
            note: None,
        }
    }

    #[test]
    fn health_data_consent_does_not_touch_the_marketing_flag() {
        let mut c = Customer::default();
        project(&mut c, &record(Purpose::HealthData, true, 1, "a"));
        assert_eq!(c.crm.marketing_consent, None);
        project(&mut c, &record(Purpose::Marketing, false, 2, "b"));
        assert_eq!(c.crm.marketing_consent, Some(false));
        let now = current(&c);
        assert_eq!(now[0].granted, Some(false));
        assert_eq!(now[1].granted, Some(true));
        assert!(now.iter().all(|s| !s.legacy));
    }

    #[test]
    fn a_flag_without_a_record_is_legacy_and_an_import_records_it_once() {
        let mut c = Customer {
            external_userid: "wm1".into(),
            updated_at_ms: 5,
            ..Customer::default()
        };
        assert_eq!(import_record(&c), None, "nothing to record");
        c.crm.marketing_consent = Some(true);
        assert!(current(&c)[0].legacy);
        let r = import_record(&c).unwrap();
        assert_eq!((r.method, r.granted, r.at_ms), (Method::Import, true, 5));
        project(&mut c, &r);
        assert_eq!(import_record(&c), None, "backed now");
        assert!(!current(&c)[0].legacy);
    }

    #[test]
    fn replaying_the_history_gives_the_latest_record_per_purpose() {
        let history = [
            record(Purpose::Marketing, false, 30, "c"),
            record(Purpose::HealthData, true, 20, "b"),
            record(Purpose::Marketing, true, 10, "a"),
        ];
        let state = replay(&history);
        assert_eq!(state[&Purpose::Marketing].record_id, "c");
        assert!(!state[&Purpose::Marketing].granted);
        assert_eq!(state[&Purpose::HealthData].record_id, "b");
    }
}
