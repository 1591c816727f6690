//! Progress of a running import, for the console to show while the request is in flight: the
//! client names the import (`progress_id`, the same for every slice of one file), the importer
//! records the rows done after each batch and at the end of each slice, and
//! `GET /api/customers/imports/{id}` reads it — from another request, so it works the same in
//! local mode and on Lambda (no background job). Kept one day.

use std::sync::Arc;

use ports::{Condition, Item, ItemStore};
use serde::{Deserialize, Serialize};

use crate::{CrmError, FieldError};

const PROGRESS_SK: &str = "PROGRESS";
const PROGRESS_TTL_SECS: i64 = 86_400;

fn progress_pk(id: &str) -> String {
    format!("IMPORT#{id}")
}

/// A client-chosen id: 8–64 letters, digits or `-`.
pub fn progress_id(s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if (8..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(s.to_owned())
    } else {
        Err(FieldError::new(
            "progress_id",
            "progress_id 必须是 8 到 64 位字母、数字或 -",
        ))
    }
}

/// How far an import has got.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProgress {
    pub id: String,
    pub dry_run: bool,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows checked (and, unless a dry run, applied) so far, over all slices.
    pub done: usize,
    /// Every row of the file is done.
    pub finished: bool,
    /// Where the next slice starts (the file's row number), until the import is finished.
    #[serde(default)]
    pub next_row: Option<usize>,
    pub started_at_ms: i64,
    pub updated_at_ms: i64,
}

impl ImportProgress {
    /// An import (or a slice from `start_row`) that has just started.
    pub fn starting(id: &str, dry_run: bool, start_row: Option<usize>, now_ms: i64) -> Self {
        Self {
            id: id.to_owned(),
            dry_run,
            rows: 0,
            done: 0,
            finished: false,
            next_row: start_row,
            started_at_ms: now_ms,
            updated_at_ms: now_ms,
        }
    }
}

#[derive(Clone)]
pub struct ProgressRepo {
    store: Arc<dyn ItemStore>,
}

impl ProgressRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    pub async fn put(&self, progress: &ImportProgress) -> Result<(), CrmError> {
        let mut item = Item::with_doc(progress_pk(&progress.id), PROGRESS_SK, progress)?;
        item.expires_at = Some(progress.updated_at_ms.div_euclid(1000) + PROGRESS_TTL_SECS);
        self.store.put(item, Condition::Always).await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<ImportProgress>, CrmError> {
        match self.store.get(&progress_pk(id), PROGRESS_SK).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }
}
