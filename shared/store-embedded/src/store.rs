//! [`SqliteStore`]: the item store port over the embedded database.

use std::sync::Arc;

use async_trait::async_trait;
use ports::{
    Condition, IndexName, Item, ItemStore, Page, Query, SkCondition, StoreError, WriteOp,
    store::validate_transaction,
};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value};

use crate::db::EmbeddedDb;
use crate::error::sql_error;

pub use ports::store::MAX_ITEM_BYTES;
use ports::store::check_key;

const COLUMNS: &str =
    "pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, expires_at, version, data";

/// The [`ItemStore`] of local mode and fast tests: items in the embedded database's `items`
/// table, with the same semantics as the DynamoDB adapter (checked by the conformance suite).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    db: Arc<EmbeddedDb>,
}

impl SqliteStore {
    pub fn new(db: Arc<EmbeddedDb>) -> Self {
        Self { db }
    }

    pub fn db(&self) -> &Arc<EmbeddedDb> {
        &self.db
    }
}

#[async_trait]
impl ItemStore for SqliteStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        check_key(pk, sk)?;
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.db
            .read(move |conn, now_ms| {
                let mut stmt = conn
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM items WHERE pk = ?1 AND sk = ?2
                         AND (expires_at IS NULL OR expires_at > ?3)"
                    ))
                    .map_err(sql_error)?;
                let row = stmt
                    .query_row(params![pk, sk, now_secs(now_ms)], read_row)
                    .optional()
                    .map_err(sql_error)?;
                row.map(decode).transpose()
            })
            .await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let row = EncodedItem::new(item)?;
        self.db
            .write(move |conn, now_ms| {
                check_condition(conn, &row.pk, &row.sk, condition, now_secs(now_ms))?;
                row.write(conn)
            })
            .await
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        check_key(pk, sk)?;
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.db
            .write(move |conn, now_ms| {
                check_condition(conn, &pk, &sk, condition, now_secs(now_ms))?;
                delete_row(conn, &pk, &sk)
            })
            .await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        let plan = QueryPlan::new(query)?;
        self.db
            .read(move |conn, now_ms| plan.run(conn, now_secs(now_ms)))
            .await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        let mut planned = Vec::with_capacity(ops.len());
        for op in ops {
            let planned_op = match op {
                WriteOp::Put { item, condition } => {
                    PlannedOp::Put(EncodedItem::new(item)?, condition)
                }
                WriteOp::Delete { pk, sk, condition } => {
                    check_key(&pk, &sk)?;
                    PlannedOp::Delete(pk, sk, condition)
                }
                WriteOp::Check { pk, sk, condition } => {
                    check_key(&pk, &sk)?;
                    PlannedOp::Check(pk, sk, condition)
                }
            };
            planned.push(planned_op);
        }
        self.db
            .write(move |conn, now_ms| {
                let now = now_secs(now_ms);
                // Every condition is judged against the state before the transaction.
                for op in &planned {
                    let (pk, sk) = op.key();
                    check_condition(conn, pk, sk, op.condition(), now)?;
                }
                for op in &planned {
                    match op {
                        PlannedOp::Put(row, _) => row.write(conn)?,
                        PlannedOp::Delete(pk, sk, _) => delete_row(conn, pk, sk)?,
                        PlannedOp::Check(..) => {}
                    }
                }
                Ok(())
            })
            .await
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let rows = items
            .into_iter()
            .map(EncodedItem::new)
            .collect::<Result<Vec<_>, _>>()?;
        self.db
            .write(move |conn, _| rows.iter().try_for_each(|row| row.write(conn)))
            .await
    }
}

fn now_secs(now_ms: i64) -> i64 {
    now_ms.div_euclid(1000)
}

enum PlannedOp {
    Put(EncodedItem, Condition),
    Delete(String, String, Condition),
    Check(String, String, Condition),
}

impl PlannedOp {
    fn key(&self) -> (&str, &str) {
        match self {
            PlannedOp::Put(row, _) => (&row.pk, &row.sk),
            PlannedOp::Delete(pk, sk, _) | PlannedOp::Check(pk, sk, _) => (pk, sk),
        }
    }

    fn condition(&self) -> Condition {
        match self {
            PlannedOp::Put(_, c) | PlannedOp::Delete(_, _, c) | PlannedOp::Check(_, _, c) => *c,
        }
    }
}

/// An item validated and serialised, ready for the writer thread.
struct EncodedItem {
    pk: String,
    sk: String,
    gsi: [Option<(String, String)>; 3],
    expires_at: Option<i64>,
    version: i64,
    data: String,
}

impl EncodedItem {
    fn new(item: Item) -> Result<Self, StoreError> {
        check_key(&item.pk, &item.sk)?;
        let mut size = item.pk.len() + item.sk.len();
        for (name, key) in [
            ("gsi1", &item.gsi1),
            ("gsi2", &item.gsi2),
            ("gsi3", &item.gsi3),
        ] {
            if let Some((pk, sk)) = key {
                check_index_key(name, pk, sk)?;
                size += pk.len() + sk.len();
            }
        }
        let data = serde_json::to_string(&item.data)
            .map_err(|e| StoreError::Invalid(format!("document does not serialise: {e}")))?;
        size += data.len();
        if size > MAX_ITEM_BYTES {
            return Err(StoreError::Invalid(format!(
                "item {}/{} is {size} bytes, above the {MAX_ITEM_BYTES}-byte limit",
                item.pk, item.sk
            )));
        }
        Ok(Self {
            pk: item.pk,
            sk: item.sk,
            gsi: [item.gsi1, item.gsi2, item.gsi3],
            expires_at: item.expires_at,
            // Stored bit for bit: SQLite integers are signed.
            version: item.version as i64,
            data,
        })
    }

    fn write(&self, conn: &Connection) -> Result<(), StoreError> {
        let part = |i: usize, sort: bool| {
            self.gsi
                .get(i)
                .and_then(Option::as_ref)
                .map(|(p, s)| if sort { s.as_str() } else { p.as_str() })
        };
        conn.prepare_cached(&format!(
            "INSERT OR REPLACE INTO items ({COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ))
        .and_then(|mut stmt| {
            stmt.execute(params![
                self.pk,
                self.sk,
                part(0, false),
                part(0, true),
                part(1, false),
                part(1, true),
                part(2, false),
                part(2, true),
                self.expires_at,
                self.version,
                self.data,
            ])
        })
        .map(|_| ())
        .map_err(sql_error)
    }
}

fn check_index_key(index: &str, pk: &str, sk: &str) -> Result<(), StoreError> {
    check_key(pk, sk).map_err(|e| match e {
        StoreError::Invalid(why) => StoreError::Invalid(format!("{index} key: {why}")),
        other => other,
    })
}

/// The live version of an item (expired items count as absent).
fn live_version(
    conn: &Connection,
    pk: &str,
    sk: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached(
        "SELECT version FROM items WHERE pk = ?1 AND sk = ?2
         AND (expires_at IS NULL OR expires_at > ?3)",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![pk, sk, now], |row| row.get(0))
            .optional()
    })
    .map_err(sql_error)
}

fn check_condition(
    conn: &Connection,
    pk: &str,
    sk: &str,
    condition: Condition,
    now: i64,
) -> Result<(), StoreError> {
    let holds = match condition {
        Condition::Always => true,
        Condition::NotExists => live_version(conn, pk, sk, now)?.is_none(),
        Condition::Exists => live_version(conn, pk, sk, now)?.is_some(),
        Condition::VersionIs(v) => live_version(conn, pk, sk, now)? == Some(v as i64),
    };
    if holds {
        Ok(())
    } else {
        Err(StoreError::ConditionFailed)
    }
}

fn delete_row(conn: &Connection, pk: &str, sk: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2")
        .and_then(|mut stmt| stmt.execute(params![pk, sk]))
        .map(|_| ())
        .map_err(sql_error)
}

/// One row as stored, before decoding.
struct RawRow {
    pk: String,
    sk: String,
    gsi: [(Option<String>, Option<String>); 3],
    expires_at: Option<i64>,
    version: i64,
    data: String,
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        pk: row.get(0)?,
        sk: row.get(1)?,
        gsi: [
            (row.get(2)?, row.get(3)?),
            (row.get(4)?, row.get(5)?),
            (row.get(6)?, row.get(7)?),
        ],
        expires_at: row.get(8)?,
        version: row.get(9)?,
        data: row.get(10)?,
    })
}

fn decode(raw: RawRow) -> Result<Item, StoreError> {
    let data: Map<String, Value> = serde_json::from_str(&raw.data)
        .map_err(|e| StoreError::Corrupt(format!("{}/{}: {e}", raw.pk, raw.sk)))?;
    let [g1, g2, g3] = raw.gsi;
    let pair = |(p, s): (Option<String>, Option<String>)| p.zip(s);
    Ok(Item {
        pk: raw.pk,
        sk: raw.sk,
        gsi1: pair(g1),
        gsi2: pair(g2),
        gsi3: pair(g3),
        expires_at: raw.expires_at,
        version: raw.version as u64,
        data,
    })
}

/// The position after which the next page starts: the last item's index sort key and primary
/// key, bound to the index and partition it was read from.
#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    index: String,
    pk: String,
    after_index_sk: String,
    after_pk: String,
    after_sk: String,
}

fn index_tag(index: IndexName) -> &'static str {
    match index {
        IndexName::Primary => "primary",
        IndexName::Gsi1 => "gsi1",
        IndexName::Gsi2 => "gsi2",
        IndexName::Gsi3 => "gsi3",
    }
}

/// A validated query, turned into SQL.
struct QueryPlan {
    query: Query,
    after: Option<Cursor>,
}

impl QueryPlan {
    fn new(query: Query) -> Result<Self, StoreError> {
        query.validate()?;
        let after = match &query.cursor {
            None => None,
            Some(text) => {
                let bytes = hex::decode(text).map_err(|_| StoreError::BadCursor)?;
                let cursor: Cursor =
                    serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
                if cursor.index != index_tag(query.index) || cursor.pk != query.pk {
                    return Err(StoreError::BadCursor);
                }
                Some(cursor)
            }
        };
        Ok(Self { query, after })
    }

    fn run(&self, conn: &Connection, now: i64) -> Result<Page, StoreError> {
        let (ipk, isk) = match self.query.index {
            IndexName::Primary => ("pk", "sk"),
            IndexName::Gsi1 => ("gsi1pk", "gsi1sk"),
            IndexName::Gsi2 => ("gsi2pk", "gsi2sk"),
            IndexName::Gsi3 => ("gsi3pk", "gsi3sk"),
        };
        let primary = self.query.index == IndexName::Primary;
        let mut sql = format!(
            "SELECT {COLUMNS} FROM items WHERE {ipk} = ?1
             AND (expires_at IS NULL OR expires_at > ?2)"
        );
        let mut args: Vec<SqlValue> = vec![
            SqlValue::Text(self.query.pk.clone()),
            SqlValue::Integer(now),
        ];
        let mut bind = |sql: &mut String, clause: &str, value: &str| {
            args.push(SqlValue::Text(value.to_owned()));
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        match &self.query.sk {
            SkCondition::Any => {}
            SkCondition::BeginsWith(prefix) => {
                if !prefix.is_empty() {
                    bind(&mut sql, &format!(" AND {isk} >= ?"), prefix);
                    if let Some(upper) = prefix_upper_bound(prefix) {
                        bind(&mut sql, &format!(" AND {isk} < ?"), &upper);
                    }
                }
            }
            SkCondition::Between(low, high) => {
                bind(&mut sql, &format!(" AND {isk} >= ?"), low);
                bind(&mut sql, &format!(" AND {isk} <= ?"), high);
            }
            SkCondition::Gte(low) => bind(&mut sql, &format!(" AND {isk} >= ?"), low),
            SkCondition::Lte(high) => bind(&mut sql, &format!(" AND {isk} <= ?"), high),
        }
        let (cmp, dir) = if self.query.forward {
            (">", "ASC")
        } else {
            ("<", "DESC")
        };
        if let Some(after) = &self.after {
            if primary {
                bind(&mut sql, &format!(" AND sk {cmp} ?"), &after.after_sk);
            } else {
                bind(&mut sql, "", &after.after_index_sk);
                bind(&mut sql, "", &after.after_pk);
                bind(&mut sql, "", &after.after_sk);
                let n = args.len();
                sql.push_str(&format!(
                    " AND ({isk}, pk, sk) {cmp} (?{}, ?{}, ?{})",
                    n - 2,
                    n - 1,
                    n
                ));
            }
        }
        if primary {
            sql.push_str(&format!(" ORDER BY sk {dir}"));
        } else {
            sql.push_str(&format!(" ORDER BY {isk} {dir}, pk {dir}, sk {dir}"));
        }
        // One row more than asked tells whether another page follows.
        let fetch = self.query.limit + 1;
        sql.push_str(&format!(" LIMIT {fetch}"));

        let mut stmt = conn.prepare_cached(&sql).map_err(sql_error)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), read_row)
            .map_err(sql_error)?;
        let mut items = Vec::with_capacity(fetch);
        for row in rows {
            items.push(decode(row.map_err(sql_error)?)?);
        }
        let next_cursor = if items.len() > self.query.limit {
            items.truncate(self.query.limit);
            match items.last() {
                Some(last) => Some(self.cursor_after(last)?),
                None => None,
            }
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    fn cursor_after(&self, last: &Item) -> Result<String, StoreError> {
        let index_sk = last
            .index_key(self.query.index)
            .map(|(_, s)| s.to_owned())
            .unwrap_or_default();
        let cursor = Cursor {
            index: index_tag(self.query.index).to_owned(),
            pk: self.query.pk.clone(),
            after_index_sk: index_sk,
            after_pk: last.pk.clone(),
            after_sk: last.sk.clone(),
        };
        serde_json::to_vec(&cursor)
            .map(hex::encode)
            .map_err(|e| StoreError::Corrupt(format!("cursor: {e}")))
    }
}

/// The smallest string above every string that starts with `prefix`, if there is one
/// (UTF-8 byte order is code point order, so incrementing the last character is enough).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound;

    #[test]
    fn prefix_upper_bounds() {
        assert_eq!(prefix_upper_bound("b#").as_deref(), Some("b$"));
        assert_eq!(prefix_upper_bound("客户").as_deref(), Some("客戸"));
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}"), None);
        assert_eq!(prefix_upper_bound(""), None);
    }
}
