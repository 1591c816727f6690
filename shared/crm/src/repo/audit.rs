use std::sync::Arc;

use ports::{Clock, Condition, IdGen, IndexName, Item, ItemStore, Query};

use super::query_page;
use crate::CrmError;
use crate::keys::{AUDIT_PK, audit_sk};
use crate::model::AuditEntry;

/// The audit log of changes made through the admin API.
#[derive(Clone)]
pub struct AuditLog {
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
}

impl AuditLog {
    pub fn new(store: Arc<dyn ItemStore>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>) -> Self {
        Self { store, clock, ids }
    }

    pub async fn record(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        fields: Vec<String>,
    ) -> Result<AuditEntry, CrmError> {
        let at_ms = self.clock.now_ms();
        let entry = AuditEntry {
            id: self.ids.new_id(at_ms),
            at_ms,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            fields,
        };
        let item = Item::with_doc(AUDIT_PK, audit_sk(at_ms, &entry.id), &entry)?;
        self.store.put(item, Condition::NotExists).await?;
        Ok(entry)
    }

    /// Newest first.
    pub async fn recent(
        &self,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<AuditEntry>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, AUDIT_PK)
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }
}
