//! The customer list's query planner: which index to walk for a filter, how far one request may
//! read, the order, and the opaque cursor that continues it.
//!
//! The narrowest index is walked (`state` → the channel's relationships, else `userid` → the
//! staff member's relationships, else every customer newest first) and the rest of the filter is
//! applied to each item. A page stops when it is full, when the index ends, or after
//! [`SCAN_BUDGET`] index items (then `budget_exhausted` is true and `next_cursor` continues the
//! walk). [`ListSort::LastPurchaseDesc`] sorts the matching customers in memory (up to
//! [`SORT_BUDGET`] index items).

use std::sync::Arc;

use ports::{Clock, ItemStore};

use super::{CustomerAdmin, CustomerRepo, IndexRow, IndexSource};
use crate::CrmError;
use crate::audience::{Candidate, CustomerFilter};
use crate::keys::ts;
use crate::model::Customer;

/// Index items read for one list request before answering with a cursor to continue.
pub const SCAN_BUDGET: usize = 2000;
/// Index items read when the whole candidate set must be sorted in memory.
pub const SORT_BUDGET: usize = 5000;
/// Index items asked for per store request.
const STEP: usize = 200;

/// The list's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListSort {
    AddedDesc,
    AddedAsc,
    LastPurchaseDesc,
}

impl ListSort {
    /// Its name in the API (`sort=`), also written into cursors.
    pub fn name(self) -> &'static str {
        match self {
            ListSort::AddedDesc => "added_desc",
            ListSort::AddedAsc => "added_asc",
            ListSort::LastPurchaseDesc => "last_purchase_desc",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        [Self::AddedDesc, Self::AddedAsc, Self::LastPurchaseDesc]
            .into_iter()
            .find(|sort| sort.name() == name)
    }

    fn key(self, c: &Customer) -> String {
        let at = match self {
            ListSort::AddedDesc | ListSort::AddedAsc => c.first_added_at_ms,
            ListSort::LastPurchaseDesc => c.last_purchase_at_ms.unwrap_or(0),
        };
        format!("{}#{}", ts(at), c.external_userid)
    }
}

/// One page of the list: the request, as parsed.
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub filter: CustomerFilter,
    pub sort: ListSort,
    pub limit: usize,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

/// One page of matching customers.
#[derive(Debug)]
pub struct ListPage {
    pub candidates: Vec<Candidate>,
    pub next_cursor: Option<String>,
    /// Index items read for this page.
    pub scanned: usize,
    /// The page stopped at the read budget, not at the end of the index.
    pub budget_exhausted: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The cursor was not made by this list for this order (or was altered).
    #[error("bad cursor")]
    BadCursor,
    #[error(transparent)]
    Crm(#[from] CrmError),
}

/// How a cursor continues: walking an index in the requested order (`s`), or after a key of
/// the in-memory order (`g`).
#[derive(Clone, Copy)]
enum Mode {
    Walked,
    Sorted,
}

impl Mode {
    fn tag(self) -> char {
        match self {
            Mode::Walked => 's',
            Mode::Sorted => 'g',
        }
    }
}

/// `<mode>|<sort>|<key>` in hex: opaque and URL-safe.
fn encode_cursor(mode: Mode, sort: ListSort, key: &str) -> String {
    format!("{}|{}|{key}", mode.tag(), sort.name())
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_cursor(cursor: &str, mode: Mode, sort: ListSort) -> Result<String, ListError> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 2000 {
        return Err(ListError::BadCursor);
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| {
            cursor
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or(ListError::BadCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| ListError::BadCursor)?;
    text.strip_prefix(&format!("{}|{}|", mode.tag(), sort.name()))
        .map(str::to_owned)
        .ok_or(ListError::BadCursor)
}

/// The customer list over the store.
pub struct CustomerList {
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
}

impl CustomerList {
    pub fn new(store: Arc<dyn ItemStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// One page of the customers matching every part of the request's filter.
    pub async fn page(&self, request: &ListRequest) -> Result<ListPage, ListError> {
        let source = match (&request.filter.state, &request.filter.userid) {
            (Some(s), _) => IndexSource::Channel(s.clone()),
            (None, Some(u)) => IndexSource::Staff(u.clone()),
            (None, None) => IndexSource::AllCustomers,
        };
        // Every index is ordered by add time; only a last-purchase order sorts in memory.
        if request.sort == ListSort::LastPurchaseDesc {
            self.sorted_page(&source, request).await
        } else {
            self.walked_page(&source, request).await
        }
    }

    async fn evaluate(
        &self,
        source: &IndexSource,
        filter: &CustomerFilter,
        row: &IndexRow,
    ) -> Result<Option<Candidate>, CrmError> {
        let repo = CustomerRepo::new(self.store.clone());
        filter
            .evaluate(&repo, source, row, self.clock.now_ms(), false)
            .await
    }

    async fn walked_page(
        &self,
        source: &IndexSource,
        request: &ListRequest,
    ) -> Result<ListPage, ListError> {
        let (sort, limit) = (request.sort, request.limit);
        let admin = CustomerAdmin::new(self.store.clone());
        let newest_first = sort != ListSort::AddedAsc;
        let mut position = match &request.cursor {
            Some(c) => Some(decode_cursor(c, Mode::Walked, sort)?),
            None => None,
        };
        let cursor_at =
            |p: &Option<String>| p.as_deref().map(|p| encode_cursor(Mode::Walked, sort, p));
        let mut candidates = Vec::new();
        let mut scanned = 0;
        loop {
            let want = (SCAN_BUDGET - scanned).min(STEP);
            let (rows, more) = admin
                .walk(source, newest_first, position.as_deref(), want)
                .await?;
            let count = rows.len();
            for (i, row) in rows.iter().enumerate() {
                scanned += 1;
                position = Some(row.index_sk.clone());
                if let Some(c) = self.evaluate(source, &request.filter, row).await? {
                    candidates.push(c);
                    if candidates.len() == limit {
                        let last_of_index = i + 1 == count && !more;
                        return Ok(ListPage {
                            candidates,
                            next_cursor: (!last_of_index).then(|| cursor_at(&position)).flatten(),
                            scanned,
                            budget_exhausted: false,
                        });
                    }
                }
            }
            if !more || scanned >= SCAN_BUDGET {
                return Ok(ListPage {
                    candidates,
                    next_cursor: more.then(|| cursor_at(&position)).flatten(),
                    scanned,
                    budget_exhausted: more,
                });
            }
        }
    }

    async fn sorted_page(
        &self,
        source: &IndexSource,
        request: &ListRequest,
    ) -> Result<ListPage, ListError> {
        let (sort, limit) = (request.sort, request.limit);
        let admin = CustomerAdmin::new(self.store.clone());
        let after = match &request.cursor {
            Some(c) => Some(decode_cursor(c, Mode::Sorted, sort)?),
            None => None,
        };
        let descending = sort != ListSort::AddedAsc;
        let is_after = |key: &str| match &after {
            None => true,
            Some(a) if descending => key < a.as_str(),
            Some(a) => key > a.as_str(),
        };
        let mut keyed: Vec<(String, Candidate)> = Vec::new();
        let mut position: Option<String> = None;
        let mut scanned = 0;
        let mut exhausted = false;
        loop {
            let want = (SORT_BUDGET - scanned).min(STEP);
            let (rows, more) = admin.walk(source, true, position.as_deref(), want).await?;
            for row in &rows {
                scanned += 1;
                position = Some(row.index_sk.clone());
                if let Some(c) = self.evaluate(source, &request.filter, row).await? {
                    let key = sort.key(&c.customer);
                    if is_after(&key) {
                        keyed.push((key, c));
                    }
                }
            }
            if !more {
                break;
            }
            if scanned >= SORT_BUDGET {
                exhausted = true;
                break;
            }
        }
        keyed.sort_by(|a, b| {
            let o = a.0.cmp(&b.0);
            if descending { o.reverse() } else { o }
        });
        keyed.dedup_by(|a, b| a.0 == b.0);
        let has_more = keyed.len() > limit;
        keyed.truncate(limit);
        let next_cursor = if has_more {
            keyed
                .last()
                .map(|(k, _)| encode_cursor(Mode::Sorted, sort, k))
        } else {
            None
        };
        Ok(ListPage {
            candidates: keyed.into_iter().map(|(_, c)| c).collect(),
            next_cursor,
            scanned,
            budget_exhausted: exhausted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_continues_only_the_list_and_order_it_was_made_for() {
        let cursor = encode_cursor(Mode::Walked, ListSort::AddedDesc, "0001795800000000#wm1");
        assert_eq!(
            decode_cursor(&cursor, Mode::Walked, ListSort::AddedDesc).ok(),
            Some("0001795800000000#wm1".to_owned())
        );
        for (mode, sort) in [
            (Mode::Walked, ListSort::AddedAsc),
            (Mode::Sorted, ListSort::AddedDesc),
        ] {
            assert!(matches!(
                decode_cursor(&cursor, mode, sort),
                Err(ListError::BadCursor)
            ));
        }
        for forged in ["zz", "abc", "", &"00".repeat(1001)] {
            assert!(matches!(
                decode_cursor(forged, Mode::Walked, ListSort::AddedDesc),
                Err(ListError::BadCursor)
            ));
        }
    }

    #[test]
    fn sorts_have_one_name_each() {
        for sort in [
            ListSort::AddedDesc,
            ListSort::AddedAsc,
            ListSort::LastPurchaseDesc,
        ] {
            assert_eq!(ListSort::parse(sort.name()), Some(sort));
        }
        assert_eq!(ListSort::parse("newest"), None);
    }
}
