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
        let stored = self.tags.groups().await?;
        live.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        if catalogue_changed(&live, &stored) {
            self.tags.replace_all(&live).await?;
        }
        self.pace().await;
        run.wecom_calls += 1;
        let staff = self.wecom.get_follow_user_list().await?;
        run.phase = phase_after_prepare(&staff);
        run.staff = staff;
        run.batch_index = 0;
        run.cursor.clear();
        Ok(())
    }
}

/// Whether WeCom's tag catalogue differs from the stored one, in any order; deleted stored
/// groups do not count.
fn catalogue_changed(live: &[CorpTagGroup], stored: &[CorpTagGroup]) -> bool {
    let mut live: Vec<&CorpTagGroup> = live.iter().collect();
    let mut stored: Vec<&CorpTagGroup> = stored.iter().filter(|g| !g.deleted).collect();
    live.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    stored.sort_by(|a, b| a.group_id.cmp(&b.group_id));
    live != stored
}

/// The phase after the staff list: the customers of the staff, or straight to the end phase
/// when there are none.
fn phase_after_prepare(staff: &[String]) -> SyncPhase {
    if staff.is_empty() {
        SyncPhase::EndMissing
    } else {
        SyncPhase::Customers
    }
}

#[cfg(test)]
mod tests {
    use wecom_api::model::CorpTag;

    use super::*;

    fn group(id: &str, tags: &[&str]) -> CorpTagGroup {
        CorpTagGroup {
            group_id: id.into(),
            group_name: format!("group {id}"),
            tag: tags
                .iter()
                .map(|t| CorpTag {
                    id: (*t).into(),
                    name: format!("tag {t}"),
                    ..CorpTag::default()
                })
                .collect(),
            ..CorpTagGroup::default()
        }
    }

    #[test]
    fn the_tag_catalogue_is_replaced_only_when_wecom_differs() {
        let live = [group("g1", &["t1"]), group("g2", &["t2", "t3"])];
        let reordered = [group("g2", &["t2", "t3"]), group("g1", &["t1"])];
        assert!(!catalogue_changed(&live, &reordered));
        let deleted = CorpTagGroup {
            deleted: true,
            ..group("g0", &["t0"])
        };
        let with_deleted = [group("g1", &["t1"]), deleted, group("g2", &["t2", "t3"])];
        assert!(!catalogue_changed(&live, &with_deleted));
        assert!(catalogue_changed(&live, &[group("g1", &["t1"])]));
        assert!(catalogue_changed(
            &live,
            &[group("g1", &["t1"]), group("g2", &["t2"])]
        ));
        let renamed = CorpTagGroup {
            group_name: "renamed".into(),
            ..group("g1", &["t1"])
        };
        assert!(catalogue_changed(
            &live,
            &[renamed, group("g2", &["t2", "t3"])]
        ));
        assert!(!catalogue_changed(&[], &[]));
    }

    #[test]
    fn a_run_without_staff_goes_straight_to_the_end_phase() {
        assert_eq!(phase_after_prepare(&[]), SyncPhase::EndMissing);
        assert_eq!(
            phase_after_prepare(&["zhangsan".to_owned()]),
            SyncPhase::Customers
        );
    }
}
