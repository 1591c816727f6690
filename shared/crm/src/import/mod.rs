//! Customer import (客户导入) from `.xlsx` and `.csv` files: parse → rows → plan → apply.
//!
//! - [`parse`]: the file into a table of text cells (xlsx via calamine; csv via the csv crate,
//!   UTF-8 with or without a BOM, or GBK).
//! - [`rows`]: the columns by their Chinese or English headers, each cell checked with the
//!   domain's types (`crate::clinic_fields`); a problem names the row and the column.
//! - [`plan`]: each row matched to a customer — by external_userid, else the phone, else the
//!   unionid — or to a lead (`crate::leads`) when none matches; what would change.
//! - [`apply`]: the writes: the clinic's fields, the marketing consent as a consent record
//!   (method 导入), corp tags marked in WeCom (`mark_tag`) then locally, leads.
//!
//! A dry run plans every row and writes nothing. The real run writes; running the same file
//! again changes nothing (every write compares with what is stored first). An empty cell
//! leaves a field as it is: an import never clears a value. A row with a problem is not
//! imported; the other rows are.
//!
//! Size: at most [`MAX_ROWS`] data rows and [`MAX_FILE_BYTES`] per file (API Gateway takes
//! at most 10 MB per request; see docs/import-export.md). Time: a request imports a slice of
//! the file, from `start_row` until its [`SliceBudget`] is spent ([`slice`]); the client sends
//! the same file again from `next_row` until it is finished. Progress is recorded every
//! [`BATCH_ROWS`] rows.

pub mod apply;
pub mod parse;
pub mod plan;
pub mod progress;
pub mod rows;
pub mod slice;

use std::sync::Arc;

use ports::{Clock, ItemStore};
use serde::Serialize;
use wecom_api::WeComClient;

use crate::{CrmError, FieldError};

pub use slice::SliceBudget;

/// Most data rows in one file.
pub const MAX_ROWS: usize = 100_000;
/// Largest file accepted by a local server (multipart overhead aside, under 10 MB).
pub const MAX_FILE_BYTES: usize = 9 * 1024 * 1024;
/// Largest file accepted on AWS: Lambda takes a request of at most 6 MB, and API Gateway hands
/// it a multipart body base64-encoded (4/3 of its size) with the headers around it.
pub const AWS_MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Rows planned and applied together.
pub const BATCH_ROWS: usize = 500;
/// Most problems listed in one answer (all are counted).
pub const MAX_PROBLEMS_LISTED: usize = 1000;

/// A problem with one row (or with the file, row 1 being the header).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ImportProblem))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The row in the file (the header is row 1).
    pub row: usize,
    /// The column, by the header the export writes (手机号, 等级…); absent for the whole row.
    pub column: Option<String>,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl Problem {
    pub fn new(row: usize, column: Option<String>, message: String) -> Self {
        Self {
            row,
            column,
            message,
        }
    }
}

/// The file cannot be read at all (not a row's problem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub message: String,
}

impl ImportError {
    pub fn file(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

#[derive(Debug)]
pub enum ImportFailure {
    /// The file cannot be read (400).
    File(ImportError),
    /// Includes a parameter that does not fit the file (`start_row` past its last row:
    /// `CrmError::Field`, 400).
    Crm(CrmError),
}

impl From<CrmError> for ImportFailure {
    fn from(e: CrmError) -> Self {
        ImportFailure::Crm(e)
    }
}

impl From<ImportError> for ImportFailure {
    fn from(e: ImportError) -> Self {
        ImportFailure::File(e)
    }
}

/// What one slice of an import found (dry run) or did: the counts and problems are of the
/// slice's rows (from `start_row` up to `next_row`); a file imported in one request is one
/// slice.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// True when nothing was written.
    pub dry_run: bool,
    /// `UTF-8`, `GBK` or `xlsx`.
    pub encoding: String,
    /// Data rows in the file (blank rows not counted).
    pub rows: usize,
    /// The row this slice started from (the file's row number; the header is row 1).
    pub start_row: usize,
    /// True when this slice reached the end of the file.
    pub finished: bool,
    /// Where the next slice starts (send the same file with `start_row` set to it); null when
    /// finished.
    pub next_row: Option<usize>,
    /// Data rows of the file before `next_row` (all of them when finished): with the slices
    /// sent in order, the rows done so far.
    pub done: usize,
    /// Data rows in this slice.
    pub slice_rows: usize,
    /// Rows matching a WeCom customer.
    pub matched: usize,
    /// Rows matching no customer, kept as leads (线索).
    pub leads: usize,
    /// Of `leads`, the rows that create a new lead.
    pub new_leads: usize,
    /// Rows that change something (a customer or a lead).
    pub changed: usize,
    /// Rows where everything is already as the file says.
    pub unchanged: usize,
    /// Rows not imported because of a problem.
    pub problem_rows: usize,
    /// Marketing consents recorded (method 导入).
    pub consents: usize,
    /// Corp tags marked on relationships.
    pub tags_marked: usize,
    /// The problems, in file order (at most 1 000 are listed).
    pub problems: Vec<Problem>,
    /// Headers the import does not understand (their columns are ignored).
    pub ignored_columns: Vec<String>,
}

/// Where a slice starts and what it may spend.
struct Slice {
    start_row: usize,
    budget: SliceBudget,
    started: tokio::time::Instant,
}

/// Runs imports against the store and WeCom.
#[derive(Clone)]
pub struct Importer {
    pub(crate) store: Arc<dyn ItemStore>,
    pub(crate) wecom: Arc<WeComClient>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Importer {
    pub fn new(store: Arc<dyn ItemStore>, wecom: Arc<WeComClient>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            wecom,
            clock,
        }
    }

    /// Records that the import named `progress_id` has started (before its file is read, so a
    /// client polling right away finds it). A later slice (`start_row` past the first data row)
    /// keeps the record the first slice started.
    pub async fn start_progress(
        &self,
        progress_id: &str,
        dry_run: bool,
        start_row: Option<usize>,
    ) -> Result<(), CrmError> {
        let repo = progress::ProgressRepo::new(self.store.clone());
        let now = self.clock.now_ms();
        if start_row.is_some_and(|r| r > slice::FIRST_DATA_ROW)
            && let Some(mut p) = repo.get(progress_id).await?
            && p.dry_run == dry_run
        {
            p.finished = false;
            p.updated_at_ms = now;
            return repo.put(&p).await;
        }
        repo.put(&progress::ImportProgress::starting(
            progress_id,
            dry_run,
            start_row,
            now,
        ))
        .await
    }

    /// Reads the file and imports it whole (`dry_run`: plans only, writes nothing).
    pub async fn run(
        &self,
        filename: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportSummary, ImportFailure> {
        self.run_slice(
            filename,
            bytes,
            dry_run,
            None,
            None,
            SliceBudget::unlimited(),
        )
        .await
    }

    /// Reads the file and imports its rows from `start_row` (the first data row when `None`)
    /// until every row is done or `budget` is spent (at least one row); the answer says where
    /// to continue (`next_row`). Progress is recorded under `progress_id` after each batch and
    /// at the end of the slice (see [`progress`]).
    pub async fn run_slice(
        &self,
        filename: &str,
        bytes: &[u8],
        dry_run: bool,
        progress_id: Option<&str>,
        start_row: Option<usize>,
        budget: SliceBudget,
    ) -> Result<ImportSummary, ImportFailure> {
        let started = tokio::time::Instant::now();
        let repo = progress::ProgressRepo::new(self.store.clone());
        let mut progress = match progress_id {
            Some(id) => Some(match repo.get(id).await? {
                Some(p) if p.dry_run == dry_run => p,
                _ => {
                    progress::ImportProgress::starting(id, dry_run, start_row, self.clock.now_ms())
                }
            }),
            None => None,
        };
        let slice = Slice {
            start_row: start_row.unwrap_or(slice::FIRST_DATA_ROW),
            budget,
            started,
        };
        let result = self
            .import(filename, bytes, dry_run, &slice, &repo, &mut progress)
            .await;
        if let (Some(p), Ok(summary)) = (progress.as_mut(), &result) {
            p.rows = summary.rows;
            p.done = summary.done;
            p.finished = summary.finished;
            p.next_row = summary.next_row;
            p.updated_at_ms = self.clock.now_ms();
            repo.put(p).await?;
        }
        result
    }

    async fn import(
        &self,
        filename: &str,
        bytes: &[u8],
        dry_run: bool,
        slice: &Slice,
        repo: &progress::ProgressRepo,
        progress: &mut Option<progress::ImportProgress>,
    ) -> Result<ImportSummary, ImportFailure> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(ImportError::file(format!(
                "文件超过 {} MB，请拆分后再导入",
                MAX_FILE_BYTES / 1024 / 1024
            ))
            .into());
        }
        let (table, encoding) = parse::read_table(filename, bytes, MAX_ROWS)?;
        let layout =
            rows::Layout::read(&table.headers).map_err(|p| ImportError::file(p.message))?;
        if let Some((last, _)) = table.rows.last()
            && slice.start_row > *last
        {
            return Err(CrmError::Field(FieldError::new(
                "start_row",
                format!(
                    "start_row 为 {}，但文件的数据只到第 {last} 行",
                    slice.start_row
                ),
            ))
            .into());
        }
        // The rows of this slice and the ones after it, in file order.
        let first = table.rows.partition_point(|(n, _)| *n < slice.start_row);
        let (valid, invalid) = rows::read_rows(&table, &layout);
        let valid: Vec<rows::ImportRow> = valid
            .into_iter()
            .filter(|r| r.row >= slice.start_row)
            .collect();
        let mut invalid = invalid
            .into_iter()
            .filter(|p| p.row >= slice.start_row)
            .peekable();
        let mut summary = ImportSummary {
            dry_run,
            encoding: encoding.to_owned(),
            rows: table.rows.len(),
            ignored_columns: layout.ignored.clone(),
            start_row: slice.start_row,
            done: table.rows.len(),
            finished: true,
            ..ImportSummary::default()
        };
        if let Some(p) = progress.as_mut() {
            p.rows = table.rows.len();
            p.done = first;
            p.updated_at_ms = self.clock.now_ms();
            repo.put(p).await?;
        }
        let mut planner = plan::Planner::new(self, &valid).await?;
        let now = self.clock.now_ms();
        let mut problems = Vec::new();
        let mut valid = valid.iter().peekable();
        let mut in_slice = 0;
        for (index, (number, _)) in table.rows.iter().enumerate().skip(first) {
            if slice.budget.is_spent(in_slice, slice.started.elapsed()) {
                summary.finished = false;
                summary.next_row = Some(*number);
                summary.done = index;
                break;
            }
            in_slice += 1;
            // A row with a problem in its cells: its problems, nothing to plan.
            let mut bad = false;
            while let Some(p) = invalid.next_if(|p| p.row == *number) {
                problems.push(p);
                bad = true;
            }
            if !bad && let Some(row) = valid.next_if(|r| r.row == *number) {
                self.import_row(&mut planner, row, dry_run, now, &mut summary, &mut problems)
                    .await?;
            }
            if in_slice % BATCH_ROWS == 0 {
                if let Some(p) = progress.as_mut() {
                    p.done = index + 1;
                    p.updated_at_ms = self.clock.now_ms();
                    repo.put(p).await?;
                }
                tracing::info!(rows = in_slice, dry_run, "import batch done");
            }
        }
        summary.slice_rows = in_slice;
        problems.sort_by_key(|p| p.row);
        let mut rows_with_problems: Vec<usize> = problems.iter().map(|p| p.row).collect();
        rows_with_problems.dedup();
        summary.problem_rows = rows_with_problems.len();
        problems.truncate(MAX_PROBLEMS_LISTED);
        summary.problems = problems;
        Ok(summary)
    }

    /// Plans one valid row and (unless a dry run) applies it, counting what it does.
    async fn import_row(
        &self,
        planner: &mut plan::Planner,
        row: &rows::ImportRow,
        dry_run: bool,
        now: i64,
        summary: &mut ImportSummary,
        problems: &mut Vec<Problem>,
    ) -> Result<(), CrmError> {
        let planned = match planner.plan(row).await? {
            Ok(planned) => planned,
            Err(problem) => {
                problems.push(problem);
                return Ok(());
            }
        };
        match &planned.target {
            plan::Target::Customer(_) => summary.matched += 1,
            plan::Target::Lead { existing, .. } => {
                summary.leads += 1;
                if existing.is_none() {
                    summary.new_leads += 1;
                }
            }
        }
        let effect = if dry_run {
            planned.effect.clone()
        } else {
            apply::apply(self, &planned, now).await?
        };
        if effect.changed() {
            summary.changed += 1;
        } else {
            summary.unchanged += 1;
        }
        summary.consents += usize::from(effect.consent);
        summary.tags_marked += effect.tags_marked;
        Ok(())
    }
}
