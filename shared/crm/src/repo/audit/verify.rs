//! Walking the chain: is every retained entry intact and linked to the one before it, and does
//! the head name the last one?

use serde::Serialize;

use ports::{IndexName, Item, ItemStore, Query, SkCondition};

use super::chain::{ChainHead, GENESIS_HASH, entry_hash};
use crate::CrmError;
use crate::keys::{AUDIT_HEAD_PK, AUDIT_HEAD_SK, AUDIT_PK, AUDIT_SEQ_PREFIX, audit_seq_sk};
use crate::model::AuditEntry;

/// Entries read per store page while verifying (the store's largest page).
pub const VERIFY_PAGE: usize = ports::store::MAX_QUERY_LIMIT;

/// Why the chain is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The entry's stored fields do not give its stored hash, its `prev_hash` is not the
    /// previous entry's hash, or it is not the entry its key says (edited or moved).
    HashMismatch,
    /// Entries the head counts are gone from the end of the chain, or every entry is gone
    /// before its expiry.
    MissingEntry,
    /// Entries are gone between two retained ones (expiry only ever removes the oldest).
    SequenceGap,
    /// The head does not name the last entry (missing, or another hash).
    HeadMismatch,
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainBreak {
    /// The first seq that does not verify (for a gap or missing entries: the first missing seq).
    pub seq: u64,
    /// The entry found at or right after `seq`, when there is one.
    pub entry_id: Option<String>,
    pub reason: BreakReason,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChainReport {
    pub intact: bool,
    /// Entries whose hash and link were checked (up to the break, when there is one).
    pub checked: u64,
    /// The oldest retained chained entry (verification starts there: older ones expired or
    /// were written before the chain).
    pub first_seq: Option<u64>,
    pub first_at_ms: Option<i64>,
    /// The last entry checked.
    pub last_seq: Option<u64>,
    pub last_at_ms: Option<i64>,
    /// The seq the head named when the walk started (entries appended during the walk are
    /// left for the next verification).
    pub head_seq: Option<u64>,
    pub broken: Option<ChainBreak>,
}

struct Walk {
    checked: u64,
    first: Option<(u64, i64)>,
    last: Option<(u64, i64, String)>,
}

impl Walk {
    fn report(self, head: Option<&ChainHead>, broken: Option<ChainBreak>) -> ChainReport {
        ChainReport {
            intact: broken.is_none(),
            checked: self.checked,
            first_seq: self.first.map(|f| f.0),
            first_at_ms: self.first.map(|f| f.1),
            last_seq: self.last.as_ref().map(|l| l.0),
            last_at_ms: self.last.as_ref().map(|l| l.1),
            head_seq: head.map(|h| h.seq),
            broken,
        }
    }
}

fn seq_of(item: &Item) -> Option<u64> {
    item.sk.strip_prefix(AUDIT_SEQ_PREFIX)?.parse().ok()
}

/// Reads the head, then every chained entry up to it in seq order, a page at a time.
pub(super) async fn verify(store: &dyn ItemStore, now_secs: i64) -> Result<ChainReport, CrmError> {
    let head: Option<ChainHead> = match store.get(AUDIT_HEAD_PK, AUDIT_HEAD_SK).await? {
        Some(item) => Some(item.doc()?),
        None => None,
    };
    let mut walk = Walk {
        checked: 0,
        first: None,
        last: None,
    };
    // Without a head, read whatever chained entries exist: any is a head mismatch.
    let upper = head.as_ref().map_or(u64::MAX, |h| h.seq);
    let query = Query::partition(IndexName::Primary, AUDIT_PK)
        .sk(SkCondition::Between(audit_seq_sk(0), audit_seq_sk(upper)))
        .limit(VERIFY_PAGE);
    let mut cursor = None;
    loop {
        let page = store.query(query.clone().after(cursor)).await?;
        for item in &page.items {
            if let Some(broken) = check(item, head.as_ref(), &mut walk) {
                return Ok(walk.report(head.as_ref(), Some(broken)));
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let broken = check_head(head.as_ref(), &walk, now_secs);
    Ok(walk.report(head.as_ref(), broken))
}

/// One entry against the one before it. `None` when it verifies (and it becomes the last).
fn check(item: &Item, head: Option<&ChainHead>, walk: &mut Walk) -> Option<ChainBreak> {
    let entry: Option<AuditEntry> = item.doc().ok();
    let Some(key_seq) = seq_of(item) else {
        // Not a key the chain writes: planted.
        return Some(ChainBreak {
            seq: walk.last.as_ref().map_or(0, |l| l.0 + 1),
            entry_id: entry.map(|e| e.id),
            reason: BreakReason::HashMismatch,
        });
    };
    let id = entry.as_ref().map(|e| e.id.clone());
    let at = |seq: u64, reason| {
        Some(ChainBreak {
            seq,
            entry_id: id.clone(),
            reason,
        })
    };
    if head.is_none() {
        return at(key_seq, BreakReason::HeadMismatch);
    }
    if let Some((last_seq, _, _)) = &walk.last
        && key_seq != last_seq + 1
    {
        return at(last_seq + 1, BreakReason::SequenceGap);
    }
    let Some(entry) = entry else {
        return at(key_seq, BreakReason::HashMismatch);
    };
    let (Some(seq), Some(prev_hash), Some(hash)) = (entry.seq, &entry.prev_hash, &entry.hash)
    else {
        return at(key_seq, BreakReason::HashMismatch);
    };
    let linked = match &walk.last {
        Some((_, _, last_hash)) => prev_hash == last_hash,
        // The oldest retained entry: its predecessor expired, unless it is the first.
        None => key_seq > 1 || prev_hash == GENESIS_HASH,
    };
    if seq != key_seq || !linked || entry_hash(&entry, seq, prev_hash) != *hash {
        return at(key_seq, BreakReason::HashMismatch);
    }
    walk.checked += 1;
    walk.first.get_or_insert((seq, entry.at_ms));
    walk.last = Some((seq, entry.at_ms, hash.clone()));
    None
}

/// After the last entry: the head must name it. With no entry left at all, the head's expiry
/// tells whether they all expired.
fn check_head(head: Option<&ChainHead>, walk: &Walk, now_secs: i64) -> Option<ChainBreak> {
    let head = head?;
    match &walk.last {
        Some((seq, _, hash)) if *seq == head.seq => (hash != &head.hash).then(|| ChainBreak {
            seq: head.seq,
            entry_id: Some(head.id.clone()),
            reason: BreakReason::HeadMismatch,
        }),
        Some((seq, _, _)) => Some(ChainBreak {
            seq: seq + 1,
            entry_id: None,
            reason: BreakReason::MissingEntry,
        }),
        None if head.expires_at.is_some_and(|t| t <= now_secs) => None,
        None => Some(ChainBreak {
            seq: head.seq,
            entry_id: None,
            reason: BreakReason::MissingEntry,
        }),
    }
}
