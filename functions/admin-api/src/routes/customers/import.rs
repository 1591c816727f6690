//! `POST /api/customers/import?dry_run=true|false`: the customer list from an `.xlsx` or
//! `.csv` file (multipart, the file in the field `file`). Reading, matching and writing belong
//! to the domain (`crm::import`); this takes the upload, answers the summary and audits the
//! counts (never values).
//!
//! Sliced: a request goes through the rows from `start_row` until every row is done or the
//! slice budget (`IMPORT_SLICE_MS`, `AdminState::import_slice`) is spent, and answers where to
//! continue (`next_row`); the client sends the same file again from there until `finished`.
//! So a file of any size within API Gateway's 10 MB imports within the Lambda's timeout.
//! `progress_id` lets the console follow it (`GET /api/customers/imports/{id}`); see
//! docs/import-export.md.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Extension, Multipart, State};
use crm::import::progress::{ImportProgress, ProgressRepo, progress_id};
use crm::import::{ImportFailure, ImportSummary, Importer, slice};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `true` (default): check and count only, write nothing. `false`: import.
    #[param(value_type = Option<bool>)]
    pub dry_run: Option<String>,
    /// A name the client chooses (8–64 letters, digits or `-`) to follow the import's progress
    /// at `GET /api/customers/imports/{progress_id}` while this request runs; the same for
    /// every slice of one file.
    pub progress_id: Option<String>,
    /// The row to start from (the file's row number, the header being row 1; default 2): the
    /// previous answer's `next_row`.
    #[param(value_type = Option<u64>, minimum = 2)]
    pub start_row: Option<String>,
}

/// The upload: one file in the field `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// `.xlsx`, or `.csv` in UTF-8 (with or without BOM) or GBK; headers in Chinese or
    /// English (客户ID/external_userid, 手机号/phone, unionid, 姓名/name, 等级/tier,
    /// 心理类型/psych_type, 生日/birthday, 营销授权/marketing_consent, 授权方式/consent_method,
    /// 标签/tags, 备注/remark). At most 100 000 rows and 9 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

fn dry_run(q: &ImportQuery) -> ApiResult<bool> {
    match q.dry_run.as_deref().map(str::trim) {
        None | Some("") | Some("true") | Some("1") => Ok(true),
        Some("false") | Some("0") => Ok(false),
        Some(_) => Err(ApiError::invalid_field(
            "dry_run",
            "dry_run 只能是 true（仅检查）或 false（导入）",
        )),
    }
}

/// Reads the file field of the upload: its name and bytes.
async fn upload(mut multipart: Multipart, max_bytes: usize) -> ApiResult<(String, Vec<u8>)> {
    let unreadable = || ApiError::invalid_field("file", "无法读取上传的文件，请重新选择文件上传");
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().unwrap_or("import.csv").to_owned();
        let too_big = || {
            ApiError::invalid_field(
                "file",
                format!("文件超过 {} MB，请拆分后再导入", max_bytes / 1024 / 1024),
            )
        };
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_big()
            } else {
                unreadable()
            }
        })?;
        // The body limit leaves room for the multipart framing; the file itself is held to it.
        if bytes.len() > max_bytes {
            return Err(too_big());
        }
        return Ok((filename, bytes.to_vec()));
    }
    Err(ApiError::invalid_field(
        "file",
        "请在 file 字段上传要导入的文件",
    ))
}

/// Imports customers' clinic fields, consent and tags from a file, or (dry run, the default)
/// lists what it would do and every row's problems. Rows are matched by external_userid, else
/// phone, else unionid; rows matching no customer are kept as leads (线索). Re-importing the
/// same file changes nothing. One request does a slice of the file, from `start_row` until
/// the server's time budget is spent; while `finished` is false, send the same file again with
/// `start_row` = `next_row`. A real run's slice is audited (`customer.import`: its rows and
/// counts). Manager or admin.
#[utoipa::path(post, path = "/api/customers/import", tag = "customers", params(ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportSummary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn import(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<ImportSummary>> {
    let dry_run = dry_run(&q)?;
    let start_row = match q.start_row.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(slice::start_row(s)?),
    };
    let progress_id = match q.progress_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(progress_id(id)?),
    };
    let importer = Importer::new(
        state.store.clone(),
        state.wecom.clone(),
        state.clock.clone(),
    );
    if let Some(id) = &progress_id {
        importer.start_progress(id, dry_run, start_row).await?;
    }
    let multipart = multipart.map_err(|_| {
        ApiError::invalid_field("file", "请以 multipart/form-data 上传文件（字段名 file）")
    })?;
    let (filename, bytes) = upload(multipart, state.import_max_bytes).await?;
    let summary = importer
        .run_slice(
            &filename,
            &bytes,
            dry_run,
            progress_id.as_deref(),
            start_row,
            state.import_slice,
        )
        .await
        .map_err(|e| match e {
            ImportFailure::File(e) => ApiError::invalid_field("file", e.message),
            ImportFailure::Crm(e) => e.into(),
        })?;
    if !dry_run {
        // One entry per slice: its rows (from_row up to next_row, `end` when finished) and
        // counts, never a value from the file.
        let next_row = summary
            .next_row
            .map_or_else(|| "end".to_owned(), |r| r.to_string());
        let counts = [
            ("rows", summary.rows),
            ("from_row", summary.start_row),
            ("slice_rows", summary.slice_rows),
            ("matched", summary.matched),
            ("leads", summary.leads),
            ("changed", summary.changed),
            ("unchanged", summary.unchanged),
            ("problem_rows", summary.problem_rows),
            ("consents", summary.consents),
            ("tags_marked", summary.tags_marked),
        ];
        state
            .audited(
                &caller,
                "customer.import",
                "customers",
                counts
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .chain([format!("next_row={next_row}")])
                    .collect(),
            )
            .await?;
    }
    Ok(Json(summary))
}

/// How far the import started with `progress_id` has got (rows done of rows, over all its
/// slices), while it runs and for a day after. Manager or admin.
#[utoipa::path(get, path = "/api/customers/imports/{id}", tag = "customers",
    params(("id" = String, Path, description = "The import's progress_id")),
    responses((status = 200, body = ImportProgress), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn import_progress(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<ImportProgress>> {
    let Ok(id) = progress_id(&id) else {
        return Err(ApiError::not_found("该导入"));
    };
    match ProgressRepo::new(state.store.clone()).get(&id).await? {
        Some(progress) => Ok(Json(progress)),
        None => Err(ApiError::not_found("该导入")),
    }
}
