//! The clinic's own fields of a customer (`Customer::crm`): a tier, a psychological type, a
//! birthday, a phone number, notes and the marketing consent, each a type that only holds a
//! valid value, and the patch staff apply to them.
//!
//! Stored records keep their shape (one JSON object of fields). Reading one never fails: a
//! stored value that is not valid any more (written before a rule existed, or by hand) is kept
//! as it was in [`ClinicFields::other`] and written back unchanged, never dropped.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::FieldError;

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// `YYYY-MM-DD` or `MM-DD`, a real date (29 Feb only in leap years; `MM-DD` allows 02-29).
pub fn valid_birthday(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = s.split('-').collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && digits(y) => (y.parse::<u32>().ok(), *m, *d),
        [m, d] => (None, *m, *d),
        _ => return false,
    };
    if month.len() != 2 || day.len() != 2 || !digits(month) || !digits(day) {
        return false;
    }
    let (Ok(m), Ok(d)) = (month.parse::<u32>(), day.parse::<u32>()) else {
        return false;
    };
    if let Some(y) = year
        && !(1900..=2100).contains(&y)
    {
        return false;
    }
    let max = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(y) if !is_leap(y) => 28,
            _ => 29,
        },
        _ => return false,
    };
    (1..=max).contains(&d)
}

/// Mainland mobile: `1[3-9]` then 9 digits.
pub fn valid_phone(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// A customer tier (客户分层).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    A,
    B,
    C,
}

impl Tier {
    pub const FIELD: &'static str = "tier";

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        match s.trim() {
            "A" => Ok(Tier::A),
            "B" => Ok(Tier::B),
            "C" => Ok(Tier::C),
            _ => Err(FieldError::new(Self::FIELD, "客户等级只能是 A、B 或 C")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::A => "A",
            Tier::B => "B",
            Tier::C => "C",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Defines a validated text field: `parse` trims and checks, the value is only ever valid.
macro_rules! text_field {
    ($(#[$doc:meta])* $name:ident, $field:literal, $valid:expr, $message:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const FIELD: &'static str = $field;

            pub fn parse(s: &str) -> Result<Self, FieldError> {
                let s = s.trim();
                let valid: fn(&str) -> bool = $valid;
                if valid(s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(FieldError::new(Self::FIELD, $message))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = FieldError;
            fn try_from(s: &str) -> Result<Self, FieldError> {
                Self::parse(s)
            }
        }
    };
}

text_field!(
    /// Psychological type (心理类型): not empty, at most 30 characters.
    PsychType,
    "psych_type",
    |s| !s.is_empty() && s.chars().count() <= 30,
    "心理类型不能为空，且不能超过 30 个字"
);

text_field!(
    /// A birthday: `YYYY-MM-DD`, or `MM-DD` when the year is unknown; a real date.
    Birthday,
    "birthday",
    valid_birthday,
    "生日必须是有效日期，格式为 YYYY-MM-DD 或 MM-DD（不知道年份时）"
);

text_field!(
    /// A mainland mobile number (11 digits, `1[3-9]…`).
    Phone,
    "phone",
    valid_phone,
    "手机号必须是 11 位中国大陆手机号"
);

text_field!(
    /// Staff notes, at most 2 000 characters.
    Notes,
    "notes",
    |s| s.chars().count() <= 2000,
    "备注不能超过 2000 个字"
);

impl Birthday {
    /// `MM-DD`, the day it comes back every year.
    pub fn month_day(&self) -> &str {
        &self.0[self.0.len() - 5..]
    }

    /// The month, 1–12.
    pub fn month(&self) -> u32 {
        self.month_day()[..2].parse().unwrap_or(0)
    }
}

/// The key under which the marketing consent (营销授权) is stored: the current state of the
/// marketing purpose, set only by a consent record (`crate::consent`), never by a patch.
pub const MARKETING_CONSENT: &str = "marketing_consent";

/// Why a patch may not set the marketing consent.
pub const MARKETING_CONSENT_REFUSED: &str = "营销授权不能直接修改：请在客户详情的「授权记录」中登记授权或撤回，并注明方式（书面、口头或表单）";

/// The clinic's fields of one customer; each absent until staff set it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Map<String, Value>", into = "Map<String, Value>")]
pub struct ClinicFields {
    pub tier: Option<Tier>,
    pub psych_type: Option<PsychType>,
    pub birthday: Option<Birthday>,
    pub phone: Option<Phone>,
    pub notes: Option<Notes>,
    /// 营销授权: `Some(true)` opted in, `Some(false)` refused, `None` never asked.
    pub marketing_consent: Option<bool>,
    /// Stored values this version does not read as one of the fields above (unknown keys, or
    /// values no longer valid), kept as they were.
    pub other: Map<String, Value>,
}

impl ClinicFields {
    /// Sets every field that is absent here from `older` (merging an earlier record of the
    /// same person: what staff wrote on the newer record wins).
    pub fn fill_from(&mut self, older: &ClinicFields) {
        let mut merged = older.to_map();
        merged.retain(|key, _| !self.has(key));
        let mut mine = self.to_map();
        mine.extend(merged);
        *self = ClinicFields::from(mine);
    }

    /// Whether a value is stored under `key` (typed or kept as it was).
    fn has(&self, key: &str) -> bool {
        let typed = match key {
            Tier::FIELD => self.tier.is_some(),
            PsychType::FIELD => self.psych_type.is_some(),
            Birthday::FIELD => self.birthday.is_some(),
            Phone::FIELD => self.phone.is_some(),
            Notes::FIELD => self.notes.is_some(),
            MARKETING_CONSENT => self.marketing_consent.is_some(),
            _ => false,
        };
        typed || self.other.contains_key(key)
    }

    /// The stored form: one JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        self.clone().into()
    }
}

impl From<Map<String, Value>> for ClinicFields {
    fn from(mut map: Map<String, Value>) -> Self {
        // Takes `key` out of the map when its value is valid; leaves it in `other` otherwise.
        fn take<T>(
            map: &mut Map<String, Value>,
            key: &str,
            parse: impl Fn(&Value) -> Option<T>,
        ) -> Option<T> {
            let parsed = map.get(key).and_then(parse)?;
            map.remove(key);
            Some(parsed)
        }
        ClinicFields {
            tier: take(&mut map, Tier::FIELD, |v| Tier::parse(v.as_str()?).ok()),
            psych_type: take(&mut map, PsychType::FIELD, |v| {
                PsychType::parse(v.as_str()?).ok()
            }),
            birthday: take(&mut map, Birthday::FIELD, |v| {
                Birthday::parse(v.as_str()?).ok()
            }),
            phone: take(&mut map, Phone::FIELD, |v| Phone::parse(v.as_str()?).ok()),
            notes: take(&mut map, Notes::FIELD, |v| Notes::parse(v.as_str()?).ok()),
            marketing_consent: take(&mut map, MARKETING_CONSENT, Value::as_bool),
            other: map,
        }
    }
}

impl From<ClinicFields> for Map<String, Value> {
    fn from(fields: ClinicFields) -> Self {
        let mut map = fields.other;
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(key.to_owned(), value);
            }
        };
        put(Tier::FIELD, fields.tier.map(|t| Value::from(t.as_str())));
        put(
            PsychType::FIELD,
            fields.psych_type.map(|v| Value::from(v.0)),
        );
        put(Birthday::FIELD, fields.birthday.map(|v| Value::from(v.0)));
        put(Phone::FIELD, fields.phone.map(|v| Value::from(v.0)));
        put(Notes::FIELD, fields.notes.map(|v| Value::from(v.0)));
        put(MARKETING_CONSENT, fields.marketing_consent.map(Value::from));
        map
    }
}

/// One field staff set (`Some`) or clear (`None`).
#[derive(Debug, Clone, PartialEq)]
pub enum ClinicChange {
    Tier(Option<Tier>),
    PsychType(Option<PsychType>),
    Birthday(Option<Birthday>),
    Phone(Option<Phone>),
    Notes(Option<Notes>),
}

impl ClinicChange {
    pub fn field(&self) -> &'static str {
        match self {
            ClinicChange::Tier(_) => Tier::FIELD,
            ClinicChange::PsychType(_) => PsychType::FIELD,
            ClinicChange::Birthday(_) => Birthday::FIELD,
            ClinicChange::Phone(_) => Phone::FIELD,
            ClinicChange::Notes(_) => Notes::FIELD,
        }
    }
}

/// What staff change on a customer's clinic fields: each field at most once, in a fixed order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClinicPatch {
    changes: Vec<ClinicChange>,
}

/// `null` (clear) or a text `parse` accepts.
fn optional<T>(
    value: &Value,
    field: &str,
    parse: fn(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    if value.is_null() {
        return Ok(None);
    }
    let text = value
        .as_str()
        .ok_or_else(|| FieldError::new(field, "该字段必须是字符串"))?;
    parse(text).map(Some)
}

/// The fields a patch may name, in the order changes are applied. Not the marketing consent:
/// it changes only through a consent record, which says when, how and by whom.
pub const PATCHABLE: [&str; 5] = [
    Tier::FIELD,
    PsychType::FIELD,
    Birthday::FIELD,
    Phone::FIELD,
    Notes::FIELD,
];

impl ClinicPatch {
    /// Reads a patch object: each key a patchable field, `null` clears it. Refuses an unknown
    /// field or an invalid value, naming the field.
    pub fn parse(body: &Map<String, Value>) -> Result<Self, FieldError> {
        if body.contains_key(MARKETING_CONSENT) {
            return Err(FieldError::new(
                MARKETING_CONSENT,
                MARKETING_CONSENT_REFUSED,
            ));
        }
        if let Some(unknown) = body.keys().find(|k| !PATCHABLE.contains(&k.as_str())) {
            return Err(FieldError::new(unknown, "不支持修改该字段"));
        }
        let mut changes = Vec::new();
        for field in PATCHABLE {
            let Some(value) = body.get(field) else {
                continue;
            };
            changes.push(match field {
                Tier::FIELD => ClinicChange::Tier(optional(value, field, Tier::parse)?),
                PsychType::FIELD => {
                    ClinicChange::PsychType(optional(value, field, PsychType::parse)?)
                }
                Birthday::FIELD => ClinicChange::Birthday(optional(value, field, Birthday::parse)?),
                Phone::FIELD => ClinicChange::Phone(optional(value, field, Phone::parse)?),
                _ => ClinicChange::Notes(optional(value, field, Notes::parse)?),
            });
        }
        Ok(Self { changes })
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn changes(&self) -> &[ClinicChange] {
        &self.changes
    }

    /// Applies the patch; returns the fields whose stored value changed (for the audit log:
    /// names, never values). Setting a field replaces a stored value kept as it was.
    pub fn apply(&self, fields: &mut ClinicFields) -> Vec<&'static str> {
        fn set<T: PartialEq + Clone>(
            slot: &mut Option<T>,
            to: &Option<T>,
            other: &mut Map<String, Value>,
            key: &str,
        ) -> bool {
            let kept = other.remove(key).is_some();
            let changed = slot != to || kept;
            slot.clone_from(to);
            changed
        }
        let mut changed = Vec::new();
        for change in &self.changes {
            let key = change.field();
            let other = &mut fields.other;
            let did = match change {
                ClinicChange::Tier(v) => set(&mut fields.tier, v, other, key),
                ClinicChange::PsychType(v) => set(&mut fields.psych_type, v, other, key),
                ClinicChange::Birthday(v) => set(&mut fields.birthday, v, other, key),
                ClinicChange::Phone(v) => set(&mut fields.phone, v, other, key),
                ClinicChange::Notes(v) => set(&mut fields.notes, v, other, key),
            };
            if did {
                changed.push(key);
            }
        }
        changed
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn birthdays_must_be_real_dates() {
        assert!(valid_birthday("1990-02-28"));
        assert!(valid_birthday("2000-02-29"));
        assert!(!valid_birthday("1900-02-29"));
        assert!(!valid_birthday("2023-02-29"));
        assert!(!valid_birthday("1990-02-30"));
        assert!(!valid_birthday("1990-04-31"));
        assert!(valid_birthday("02-29"));
        assert!(valid_birthday("12-31"));
        assert!(!valid_birthday("13-01"));
        assert!(!valid_birthday("1990-1-01"));
        assert!(!valid_birthday("1990-01-01x"));
        assert!(!valid_birthday(""));
    }

    #[test]
    fn phones_are_mainland_mobiles() {
        assert!(valid_phone("13800138000"));
        assert!(valid_phone("19912345678"));
        assert!(!valid_phone("12800138000"));
        assert!(!valid_phone("1380013800"));
        assert!(!valid_phone("138001380001"));
        assert!(!valid_phone("1380013800a"));
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn stored_fields_read_as_types_and_write_back_the_same_object() {
        let stored = map(json!({
            "tier": "A", "psych_type": "理性型", "birthday": "1990-05-20",
            "phone": "13800138000", "notes": "怕疼", "marketing_consent": true
        }));
        let fields: ClinicFields = serde_json::from_value(Value::Object(stored.clone())).unwrap();
        assert_eq!(fields.tier, Some(Tier::A));
        assert_eq!(
            fields.birthday.as_ref().map(Birthday::month_day),
            Some("05-20")
        );
        assert_eq!(fields.birthday.as_ref().map(Birthday::month), Some(5));
        assert_eq!(fields.marketing_consent, Some(true));
        assert!(fields.other.is_empty());
        assert_eq!(
            serde_json::to_value(&fields).unwrap(),
            Value::Object(stored)
        );
    }

    #[test]
    fn stored_values_that_are_not_valid_are_kept_as_they_were_never_dropped() {
        let stored = json!({
            "tier": "VIP", "birthday": "1990-02-30", "phone": 13800138000u64,
            "marketing_consent": "yes", "source_note": {"imported": true}
        });
        let fields: ClinicFields = serde_json::from_value(stored.clone()).unwrap();
        assert_eq!(
            fields,
            ClinicFields {
                other: map(stored.clone()),
                ..ClinicFields::default()
            }
        );
        assert_eq!(serde_json::to_value(&fields).unwrap(), stored);
    }

    #[test]
    fn a_patch_sets_clears_and_reports_only_what_changed() {
        let mut fields: ClinicFields =
            serde_json::from_value(json!({"tier": "B", "notes": "x", "birthday": "02-30"}))
                .unwrap();
        let patch = ClinicPatch::parse(&map(json!({
            "tier": " B ", "notes": null, "birthday": "02-29"
        })))
        .unwrap();
        assert_eq!(patch.apply(&mut fields), ["birthday", "notes"]);
        assert_eq!(
            serde_json::to_value(&fields).unwrap(),
            json!({"tier": "B", "birthday": "02-29"})
        );
        assert!(
            patch.apply(&mut fields).is_empty(),
            "applying it again changes nothing"
        );
    }

    #[test]
    fn a_patch_names_the_field_it_refuses() {
        let refused = |body: Value| ClinicPatch::parse(&map(body)).unwrap_err();
        assert_eq!(refused(json!({"vip": true})).field, "vip");
        assert_eq!(refused(json!({"tier": "D"})).field, "tier");
        assert_eq!(refused(json!({"tier": 1})).message, "该字段必须是字符串");
        assert_eq!(refused(json!({"psych_type": "  "})).field, "psych_type");
        assert_eq!(refused(json!({"birthday": "2023-02-29"})).field, "birthday");
        assert_eq!(refused(json!({"phone": "12800138000"})).field, "phone");
        assert_eq!(refused(json!({"notes": "长".repeat(2001)})).field, "notes");
        let consent = refused(json!({"marketing_consent": true, "tier": "A"}));
        assert_eq!(consent.field, "marketing_consent");
        assert_eq!(consent.message, MARKETING_CONSENT_REFUSED);
        assert!(ClinicPatch::parse(&map(json!({"notes": "长".repeat(2000)}))).is_ok());
    }

    #[test]
    fn merging_keeps_the_newer_records_values_and_fills_the_rest() {
        let mut newer: ClinicFields = serde_json::from_value(json!({"tier": "A"})).unwrap();
        let older: ClinicFields = serde_json::from_value(
            json!({"tier": "C", "phone": "13800138000", "legacy": 1, "birthday": "bad"}),
        )
        .unwrap();
        newer.fill_from(&older);
        assert_eq!(
            serde_json::to_value(&newer).unwrap(),
            json!({"tier": "A", "phone": "13800138000", "legacy": 1, "birthday": "bad"})
        );
    }
}
