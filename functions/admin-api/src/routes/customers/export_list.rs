//! `GET /api/customers/export?format=xlsx|csv`: the customer list, with the list's filters and
//! the caller's scope (a consultant exports the customers they follow), as a spreadsheet with
//! Chinese headers. The headers are the import's, so an export edited in Excel imports back.
//!
//! Built in memory, at most `crm::tabular::MAX_EXPORT_ROWS` rows (`X-Export-Truncated: true`
//! says the list was longer). Audited: who exported how many rows with which filters.

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset};
use crm::consent::{Method, Purpose};
use crm::import::rows::Column;
use crm::model::{Customer, CustomerStatus, Relationship, RelationshipStatus};
use crm::repo::{CustomerList, ListError};
use crm::tabular::{MAX_EXPORT_ROWS, Sheet, SheetFormat};
use serde::Deserialize;
use utoipa::IntoParams;

use super::list::{CustomerListQuery, parse_filters, scope_query};
use crate::auth::Caller;
use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportFormatQuery {
    /// `xlsx` (default) or `csv` (UTF-8 with BOM).
    #[param(value_type = Option<String>)]
    pub format: Option<String>,
}

/// The `format` parameter.
pub fn sheet_format(q: &ExportFormatQuery) -> ApiResult<SheetFormat> {
    SheetFormat::parse(q.format.as_deref())
        .ok_or_else(|| ApiError::invalid_field("format", "format 只能是 xlsx 或 csv"))
}

/// A spreadsheet download.
pub fn download(
    sheet: &Sheet,
    format: SheetFormat,
    stem: &str,
    truncated: bool,
) -> ApiResult<Response> {
    let bytes = sheet.write(format)?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let disposition = format!("attachment; filename=\"{stem}.{}\"", format.extension());
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert("x-export-rows", HeaderValue::from(sheet.rows.len()));
    if truncated {
        headers.insert("x-export-truncated", HeaderValue::from_static("true"));
    }
    Ok((headers, bytes).into_response())
}

/// `YYYY-MM-DD HH:MM`, Beijing time.
pub fn beijing(ms: i64) -> String {
    let offset = FixedOffset::east_opt(8 * 3600);
    match (DateTime::from_timestamp_millis(ms), offset) {
        (Some(t), Some(o)) if ms > 0 => t.with_timezone(&o).format("%Y-%m-%d %H:%M").to_string(),
        _ => String::new(),
    }
}

/// The columns after the import's (not read back by the import).
const EXTRA: [&str; 5] = ["跟进成员", "渠道", "添加时间", "状态", "累计消费（元）"];

fn customer_row(c: &Customer, rels: &[Relationship]) -> Vec<String> {
    let active: Vec<&Relationship> = rels
        .iter()
        .filter(|r| r.status != RelationshipStatus::Ended)
        .collect();
    let mut tags: Vec<String> = Vec::new();
    for r in &active {
        for t in r.tags.iter().filter(|t| t.tag_type == 1) {
            let name = format!("{}/{}", t.group_name, t.tag_name);
            if !tags.contains(&name) {
                tags.push(name);
            }
        }
    }
    let consent = crm::import::plan::marketing(c).map(|g| if g { "是" } else { "否" });
    let method = c.consents.get(&Purpose::Marketing).map(|s| match s.method {
        Method::Written => "书面",
        Method::Verbal => "口头",
        Method::Form => "表单",
        Method::Import => "导入",
    });
    vec![
        c.external_userid.clone(),
        c.crm
            .phone
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        c.unionid.clone().unwrap_or_default(),
        c.name.clone(),
        c.crm.tier.map(|t| t.to_string()).unwrap_or_default(),
        c.crm
            .psych_type
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        c.crm
            .birthday
            .as_ref()
            .map(|b| b.to_string())
            .unwrap_or_default(),
        consent.unwrap_or_default().to_owned(),
        method.unwrap_or_default().to_owned(),
        tags.join("，"),
        c.crm
            .notes
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        active
            .iter()
            .map(|r| r.userid.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        c.first_channel.clone(),
        beijing(c.first_added_at_ms),
        match c.status {
            CustomerStatus::Active => "跟进中",
            CustomerStatus::Ended => "已流失",
        }
        .to_owned(),
        format!("{:.2}", c.total_spent_fen as f64 / 100.0),
    ]
}

/// The customers matching the list's filters as `.xlsx` or `.csv` (at most 100 000 rows).
/// A consultant exports only the customers they follow.
#[utoipa::path(get, path = "/api/customers/export", tag = "customers",
    params(ExportFormatQuery, CustomerListQuery),
    responses(
        (status = 200, description = "The spreadsheet", content_type = "application/octet-stream", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn export_list(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(f): ApiQuery<ExportFormatQuery>,
    ApiQuery(mut q): ApiQuery<CustomerListQuery>,
) -> ApiResult<Response> {
    let format = sheet_format(&f)?;
    let allowed = scope_query(&caller, &mut q)?;
    let mut filters: Vec<String> = [
        ("state", &q.state),
        ("tag_id", &q.tag_id),
        ("gender", &q.gender),
        ("tier", &q.tier),
        ("psych_type", &q.psych_type),
        ("userid", &q.userid),
        ("status", &q.status),
        ("added_from", &q.added_from),
        ("added_to", &q.added_to),
        ("birthday_month", &q.birthday_month),
        ("no_purchase_days", &q.no_purchase_days),
        ("q", &q.q),
    ]
    .iter()
    .filter(|(_, v)| v.as_deref().is_some_and(|s| !s.trim().is_empty()))
    .map(|(k, _)| format!("filter:{k}"))
    .collect();
    q.limit = None;
    q.cursor = None;
    let mut request = parse_filters(q)?;
    request.limit = 500;
    let mut headers: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
    headers.extend(EXTRA);
    let mut sheet = Sheet::new("客户", &headers);
    let mut truncated = false;
    if allowed {
        let list = CustomerList::new(state.store.clone(), state.clock.clone());
        let repo = state.customers();
        'pages: loop {
            let page = list.page(&request).await.map_err(|e| match e {
                ListError::BadCursor => ApiError::invalid_field("cursor", "cursor 无效"),
                ListError::Crm(e) => e.into(),
            })?;
            for c in page.candidates {
                if sheet.rows.len() == MAX_EXPORT_ROWS {
                    truncated = true;
                    break 'pages;
                }
                let rels = match c.rels {
                    Some(rels) => rels,
                    None => repo.relationships(&c.customer.external_userid).await?,
                };
                sheet.rows.push(customer_row(&c.customer, &rels));
            }
            match page.next_cursor {
                Some(next) => request.cursor = Some(next),
                None => break,
            }
        }
    }
    filters.insert(0, format!("rows={}", sheet.rows.len()));
    filters.insert(1, format!("format={}", format.extension()));
    state
        .audited(&caller, "customer.export", "customers", filters)
        .await?;
    let stem = format!(
        "customers-{}",
        beijing(state.clock.now_ms())
            .get(..10)
            .unwrap_or("")
            .replace('-', "")
    );
    download(&sheet, format, &stem, truncated)
}
