//! The first phase: the tag catalogue and the list of staff.

use wecom_api::model::CorpTagGroup;

use super::engine::SyncEngine;
use crate::CrmError;
use crate::model::{SyncPhase, SyncRun};

impl SyncEngine {
    /// Refreshes the tag catalogue (only when WeCom's differs) and lists the staff.
    pub(super) async fn prepare(&self, run: &mut SyncRun) -> Result<(), CrmError> {
        self.pace().await;
        run.wecom_calls += 1;
        let mut live = self.wecom.get_corp_tag_list(&[], &[]).await?;
        let mut stored: Vec<CorpTagGroup> = self
            .tags
            .groups()
            .await?
            .into_iter()
            .filter(|g| !g.deleted)
            .collect();
        live.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        stored.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        if live != stored {
            self.tags.replace_all(&live).await?;
        }
        self.pace().await;
        run.wecom_calls += 1;
        let staff = self.wecom.get_follow_user_list().await?;
        run.phase = if staff.is_empty() {
            SyncPhase::EndMissing
        } else {
            SyncPhase::Customers
        };
        run.staff = staff;
        run.batch_index = 0;
        run.cursor.clear();
        Ok(())
    }
}
