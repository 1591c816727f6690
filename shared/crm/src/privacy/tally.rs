//! The erased tally: the counters an erased customer's counted records added up to.
//!
//! Erasing deletes the records that hold personal data; the anonymous aggregates (a channel's
//! adds that day, a campaign's funnel, a link's clicks) must not move. So each counted record
//! is deleted in the same transaction that adds its contribution to the customer's tally item
//! (`ERASED#<subject>` / `TALLY`), which is itself a counted record whose contribution is that
//! tally: the [`AggregatingStore`](crate::aggregates::AggregatingStore) sees the moves cancel
//! (no counter written), and `aggregates::rebuild` walks the tallies beside the records, so the
//! rebuild still finds every counter where it is.

use ports::{Item, StoreError};
use serde::{Deserialize, Serialize};

use crate::aggregates::contribution::Tally;
use crate::keys::{ERASED_TALLIES_GSI_PK, ERASED_TALLY_SK, erased_tally_pk};

/// One counter's share: the counter item (`AGG#…` or `LINK#<token>`), the field, the amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyLine {
    pub pk: String,
    pub sk: String,
    pub field: String,
    pub n: i64,
}

/// The stored tally of one erased customer (no personal data: counter keys and amounts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasedTally {
    pub subject: String,
    /// Counted records moved into it.
    pub records: u64,
    pub lines: Vec<TallyLine>,
    pub updated_at_ms: i64,
}

impl ErasedTally {
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for l in &self.lines {
            t.add(l.pk.clone(), l.sk.clone(), &l.field, l.n);
        }
        t
    }

    pub fn set_tally(&mut self, tally: Tally) {
        self.lines = tally
            .compact()
            .0
            .into_iter()
            .flat_map(|((pk, sk), fields)| {
                fields.into_iter().map(move |(field, n)| TallyLine {
                    pk: pk.clone(),
                    sk: sk.clone(),
                    field,
                    n,
                })
            })
            .collect();
    }

    pub fn item(&self) -> Result<Item, StoreError> {
        let mut item = Item::with_doc(erased_tally_pk(&self.subject), ERASED_TALLY_SK, self)?;
        item.gsi1 = Some((ERASED_TALLIES_GSI_PK.to_owned(), self.subject.clone()));
        Ok(item)
    }
}

/// Whether this key is an erased tally (counted by the aggregates).
pub fn is_erased_tally(pk: &str, sk: &str) -> bool {
    pk.starts_with("ERASED#") && sk == ERASED_TALLY_SK
}
