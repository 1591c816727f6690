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
//! at most 10 MB per request; the admin API Lambda runs 15 s; see docs/import-export.md). Rows are
//! processed in batches of [`BATCH_ROWS`].

pub mod apply;
pub mod parse;
pub mod plan;
pub mod progress;
pub mod rows;

use std::sync::Arc;

use ports::{Clock, ItemStore};
use serde::Serialize;
use wecom_api::WeComClient;

use crate::CrmError;

/// Most data rows in one file.
pub const MAX_ROWS: usize = 100_000;
/// Largest file accepted (API Gateway's payload limit is 10 MB, multipart overhead included).
pub const MAX_FILE_BYTES: usize = 9 * 1024 * 1024;
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

/// What an import found (dry run) or did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// True when nothing was written.
    pub dry_run: bool,
    /// `UTF-8`, `GBK` or `xlsx`.
    pub encoding: String,
    /// Data rows in the file (blank rows not counted).
    pub rows: usize,
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
    /// client polling right away finds it).
    pub async fn start_progress(&self, progress_id: &str, dry_run: bool) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        progress::ProgressRepo::new(self.store.clone())
            .put(&progress::ImportProgress {
                id: progress_id.to_owned(),
                dry_run,
                rows: 0,
                done: 0,
                finished: false,
                started_at_ms: now,
                updated_at_ms: now,
            })
            .await
    }

    /// Reads the file and imports it (`dry_run`: plans only, writes nothing).
    pub async fn run(
        &self,
        filename: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<ImportSummary, ImportFailure> {
        self.run_with_progress(filename, bytes, dry_run, None).await
    }

    /// [`Importer::run`], recording its progress under `progress_id` after each batch (see
    /// [`progress`]).
    pub async fn run_with_progress(
        &self,
        filename: &str,
        bytes: &[u8],
        dry_run: bool,
        progress_id: Option<&str>,
    ) -> Result<ImportSummary, ImportFailure> {
        let started_at_ms = self.clock.now_ms();
        let repo = progress::ProgressRepo::new(self.store.clone());
        let mut progress = progress_id.map(|id| progress::ImportProgress {
            id: id.to_owned(),
            dry_run,
            rows: 0,
            done: 0,
            finished: false,
            started_at_ms,
            updated_at_ms: started_at_ms,
        });
        if let Some(p) = &progress {
            repo.put(p).await?;
        }
        let result = self
            .import(filename, bytes, dry_run, &repo, &mut progress)
            .await;
        if let Some(p) = progress.as_mut() {
            p.finished = true;
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
        let (valid, mut problems) = rows::read_rows(&table, &layout);
        let mut summary = ImportSummary {
            dry_run,
            encoding: encoding.to_owned(),
            rows: table.rows.len(),
            ignored_columns: layout.ignored.clone(),
            ..ImportSummary::default()
        };
        if let Some(p) = progress.as_mut() {
            p.rows = table.rows.len();
            p.done = table.rows.len() - valid.len();
            p.updated_at_ms = self.clock.now_ms();
            repo.put(p).await?;
        }
        let mut planner = plan::Planner::new(self, &valid).await?;
        let now = self.clock.now_ms();
        for batch in valid.chunks(BATCH_ROWS) {
            for row in batch {
                let planned = match planner.plan(row).await? {
                    Ok(planned) => planned,
                    Err(problem) => {
                        problems.push(problem);
                        continue;
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
            }
            if let Some(p) = progress.as_mut() {
                p.done += batch.len();
                p.updated_at_ms = self.clock.now_ms();
                repo.put(p).await?;
            }
            tracing::info!(
                rows = summary.matched + summary.leads,
                dry_run,
                "import batch done"
            );
        }
        problems.sort_by_key(|p| p.row);
        let mut rows_with_problems: Vec<usize> = problems.iter().map(|p| p.row).collect();
        rows_with_problems.dedup();
        summary.problem_rows = rows_with_problems.len();
        problems.truncate(MAX_PROBLEMS_LISTED);
        summary.problems = problems;
        Ok(summary)
    }
}
