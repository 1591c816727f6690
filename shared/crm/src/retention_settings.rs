//! Retention changed in the console (数据保留, `PUT /api/privacy/retention`): stored under
//! `CONFIG#RETENTION` / `RETENTION` (a partition of its own: the public redirect, which must
//! not read the corp configuration under `CONFIG`, is allowed to read this one alone), each
//! period taking precedence over the deployment's environment variable (`RETENTION_*_DAYS`,
//! `CALLBACK_LOG_RETENTION_DAYS`) and the default.
//!
//! Every process reads the stored periods through [`super::RetentionStore`] (kept for
//! [`CACHE_MS`] per process; a write of the setting through that store is seen at once by the
//! same process) and the retention sweep reads them at each run ([`in_force`]).

use std::collections::BTreeMap;

use ports::{Condition, Item, ItemStore};
use serde::{Deserialize, Serialize};

use super::{MIN_AUDIT_DAYS, MIN_CAMPAIGN_RECORD_DAYS, Retention};
use crate::CrmError;

/// The key of the stored periods.
pub const RETENTION_PK: &str = "CONFIG#RETENTION";
pub const RETENTION_SK: &str = "RETENTION";
/// The longest period that can be set (10 years); `0` keeps where it is allowed.
pub const MAX_DAYS: u32 = 3650;
/// How long a process keeps the stored periods before reading them again.
pub const CACHE_MS: i64 = 60_000;

/// One retention period.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionField {
    EndedCustomerDays,
    RawEventDays,
    RecipientDays,
    ClickDays,
    AuditDays,
}

impl RetentionField {
    pub const ALL: [RetentionField; 5] = [
        RetentionField::EndedCustomerDays,
        RetentionField::RawEventDays,
        RetentionField::RecipientDays,
        RetentionField::ClickDays,
        RetentionField::AuditDays,
    ];

    /// The field's name in the API (`recipient_days`).
    pub fn name(self) -> &'static str {
        match self {
            Self::EndedCustomerDays => "ended_customer_days",
            Self::RawEventDays => "raw_event_days",
            Self::RecipientDays => "recipient_days",
            Self::ClickDays => "click_days",
            Self::AuditDays => "audit_days",
        }
    }

    /// The deployment's environment variable.
    pub fn env_var(self) -> &'static str {
        match self {
            Self::EndedCustomerDays => "RETENTION_ENDED_CUSTOMER_DAYS",
            Self::RawEventDays => "CALLBACK_LOG_RETENTION_DAYS",
            Self::RecipientDays => "RETENTION_RECIPIENT_DAYS",
            Self::ClickDays => "RETENTION_CLICK_DAYS",
            Self::AuditDays => "RETENTION_AUDIT_DAYS",
        }
    }

    /// The shortest period that can be set (besides `0` where [`Self::zero_keeps`]).
    pub fn min_days(self) -> u32 {
        match self {
            Self::EndedCustomerDays | Self::RawEventDays => 1,
            Self::RecipientDays | Self::ClickDays => MIN_CAMPAIGN_RECORD_DAYS,
            Self::AuditDays => MIN_AUDIT_DAYS,
        }
    }

    /// Whether `0` ("kept until erased") may be set from the console. Raw events are always
    /// kept a limited time (the callback's dedupe relies on at least a day); the audit log
    /// must stay verifiable and is never erased, so it always has a period.
    pub fn zero_keeps(self) -> bool {
        matches!(
            self,
            Self::EndedCustomerDays | Self::RecipientDays | Self::ClickDays
        )
    }

    /// The Chinese name of the period (the console's label).
    pub fn label(self) -> &'static str {
        match self {
            Self::EndedCustomerDays => "已流失客户",
            Self::RawEventDays => "企业微信原始事件",
            Self::RecipientDays => "群发对象记录",
            Self::ClickDays => "链接点击记录",
            Self::AuditDays => "操作审计",
        }
    }

    pub fn of(self, r: &Retention) -> u32 {
        match self {
            Self::EndedCustomerDays => r.ended_customer_days,
            Self::RawEventDays => r.raw_event_days,
            Self::RecipientDays => r.recipient_days,
            Self::ClickDays => r.click_days,
            Self::AuditDays => r.audit_days,
        }
    }

    fn set(self, r: &mut Retention, days: u32) {
        match self {
            Self::EndedCustomerDays => r.ended_customer_days = days,
            Self::RawEventDays => r.raw_event_days = days,
            Self::RecipientDays => r.recipient_days = days,
            Self::ClickDays => r.click_days = days,
            Self::AuditDays => r.audit_days = days,
        }
    }

    /// Whether `days` may be set; the Chinese reason when not.
    pub fn check(self, days: u32) -> Result<(), String> {
        if days == 0 && self.zero_keeps() {
            return Ok(());
        }
        if days == 0 || days < self.min_days() {
            let keep = if self.zero_keeps() {
                "（填 0 表示一直保留，直到客户被删除）"
            } else {
                ""
            };
            return Err(format!(
                "{}的保留天数不能少于 {} 天{keep}",
                self.label(),
                self.min_days()
            ));
        }
        if days > MAX_DAYS {
            return Err(format!("{}的保留天数不能超过 {MAX_DAYS} 天", self.label()));
        }
        Ok(())
    }
}

/// The periods changed in the console (`None`: the deployment's value or the default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRetention {
    #[serde(default)]
    pub days: BTreeMap<RetentionField, u32>,
    #[serde(default)]
    pub updated_at_ms: i64,
    #[serde(default)]
    pub updated_by: String,
}

impl StoredRetention {
    /// `base` (the deployment's periods) with the stored ones in their place.
    pub fn over(&self, base: Retention) -> Retention {
        let mut r = base;
        for (field, days) in &self.days {
            field.set(&mut r, *days);
        }
        r.raw_event_days = r.raw_event_days.max(1);
        r.clamped()
    }
}

/// The stored periods, if any were changed in the console. A stored document that no longer
/// decodes is ignored (the deployment's periods apply) rather than stopping every write.
pub async fn load(store: &dyn ItemStore) -> Result<Option<StoredRetention>, CrmError> {
    let Some(item) = store.get(RETENTION_PK, RETENTION_SK).await? else {
        return Ok(None);
    };
    match item.doc() {
        Ok(stored) => Ok(Some(stored)),
        Err(e) => {
            tracing::warn!(error = %e, "retention: the stored periods do not decode; using the deployment's");
            Ok(None)
        }
    }
}

pub async fn save(store: &dyn ItemStore, stored: &StoredRetention) -> Result<(), CrmError> {
    let item = Item::with_doc(RETENTION_PK, RETENTION_SK, stored)?;
    store.put(item, Condition::Always).await?;
    Ok(())
}

/// The periods in force: the stored ones over `base` (the deployment's).
pub async fn in_force(store: &dyn ItemStore, base: Retention) -> Result<Retention, CrmError> {
    Ok(load(store).await?.map_or(base, |stored| stored.over(base)))
}

/// The periods the deployment sets (environment variables present and readable).
pub fn deployment_fields(get: impl Fn(&str) -> Option<String>) -> Vec<RetentionField> {
    RetentionField::ALL
        .into_iter()
        .filter(|f| get(f.env_var()).is_some_and(|v| v.trim().parse::<u32>().is_ok()))
        .collect()
}
