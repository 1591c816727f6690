//! What a run saw: the relationships of each customers page (`SYNC#<run_id>` / `SEEN#<page>`),
//! read back whole by the end phase.

use std::collections::HashSet;

use ports::{IndexName, Query, SkCondition};
use serde::{Deserialize, Serialize};

use super::engine::SyncEngine;
use crate::CrmError;
use crate::keys::{SYNC_SEEN_PREFIX, sync_run_pk};

/// The relationships one page saw (`SYNC#<run_id>` / `SEEN#<page>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct SeenPage {
    /// `(external_userid, userid)` pairs.
    pub(super) pairs: Vec<(String, String)>,
}

impl SyncEngine {
    pub(super) async fn load_seen(
        &self,
        run_id: &str,
    ) -> Result<HashSet<(String, String)>, CrmError> {
        let mut seen = HashSet::new();
        let mut cursor = None;
        loop {
            let page = self
                .store
                .query(
                    Query::partition(IndexName::Primary, sync_run_pk(run_id))
                        .sk(SkCondition::BeginsWith(SYNC_SEEN_PREFIX.into()))
                        .limit(100)
                        .after(cursor),
                )
                .await?;
            for item in &page.items {
                let doc: SeenPage = item.doc()?;
                seen.extend(doc.pairs);
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(seen),
            }
        }
    }
}
