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
        let mut retry = self.retry();
        loop {
            let query = Query::partition(IndexName::Primary, sync_run_pk(run_id))
                .sk(SkCondition::BeginsWith(SYNC_SEEN_PREFIX.into()))
                .limit(100)
                .after(cursor);
            let page = retry
                .run(|| async { Ok(self.store.query(query.clone()).await?) })
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

#[cfg(test)]
mod tests {
    use ports::{Condition, Item};

    use super::super::testing::fixture;
    use super::*;
    use crate::keys::sync_seen_sk;

    fn page(run_id: &str, n: u64, pairs: &[(String, String)]) -> Item {
        let doc = SeenPage {
            pairs: pairs.to_vec(),
        };
        Item::with_doc(sync_run_pk(run_id), sync_seen_sk(n), &doc).expect("item")
    }

    #[tokio::test]
    async fn the_seen_set_is_every_pair_of_every_page_of_this_run_only() {
        let f = fixture();
        // More pages than one query answers (100), and the same pair on two pages.
        for n in 0..130_u64 {
            let pairs = vec![
                (format!("wm{n}"), "zhangsan".to_owned()),
                ("wm-shared".to_owned(), "lisi".to_owned()),
            ];
            f.store
                .put(page("r1", n, &pairs), Condition::Always)
                .await
                .expect("put");
        }
        let other = vec![("wm-other".to_owned(), "wangwu".to_owned())];
        f.store
            .put(page("r2", 0, &other), Condition::Always)
            .await
            .expect("put");

        let seen = f.engine.load_seen("r1").await.expect("seen");
        assert_eq!(seen.len(), 131);
        assert!(seen.contains(&("wm0".to_owned(), "zhangsan".to_owned())));
        assert!(seen.contains(&("wm129".to_owned(), "zhangsan".to_owned())));
        assert!(seen.contains(&("wm-shared".to_owned(), "lisi".to_owned())));
        assert!(!seen.contains(&("wm-other".to_owned(), "wangwu".to_owned())));
        assert!(f.engine.load_seen("r3").await.expect("seen").is_empty());
    }
}
