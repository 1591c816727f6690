//! Report exports as `.xlsx` or `.csv`: a campaign's recipients
//! (`GET /api/campaigns/{id}/recipients/export`) and the channel report
//! (`GET /api/stats/channels/export`). Built in memory (at most
//! `crm::tabular::MAX_EXPORT_ROWS` rows); exports naming customers are audited.

use axum::extract::{Extension, State};
use axum::response::Response;
use crm::campaign::model::RecipientStatus;
use crm::tabular::{MAX_EXPORT_ROWS, Sheet};
use serde::Deserialize;
use utoipa::IntoParams;

use super::customers::{ExportFormatQuery, beijing, download, sheet_format};
use super::stats::{ChannelStatsQuery, channels};
use crate::auth::Caller;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;

fn status_label(s: RecipientStatus) -> &'static str {
    match s {
        RecipientStatus::Skipped => "已跳过",
        RecipientStatus::Queued => "排队中",
        RecipientStatus::AwaitingStaff => "未发送（等待成员确认）",
        RecipientStatus::Sent => "已发送",
        RecipientStatus::NotFriend => "非好友",
        RecipientStatus::OverQuota => "超出接收上限",
        RecipientStatus::Failed => "发送失败",
        RecipientStatus::Cancelled => "已取消",
    }
}

/// Every recipient of a campaign with their status, as `.xlsx` or `.csv`.
#[utoipa::path(get, path = "/api/campaigns/{id}/recipients/export", tag = "campaigns",
    params(("id" = String, Path), ExportFormatQuery),
    responses(
        (status = 200, description = "The spreadsheet", content_type = "application/octet-stream", body = String),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn campaign_recipients(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(f): ApiQuery<ExportFormatQuery>,
) -> ApiResult<Response> {
    let format = sheet_format(&f)?;
    if id.is_empty() || id.len() > 100 {
        return Err(ApiError::not_found("该活动"));
    }
    let repo = state.campaigns.repo();
    if repo.get(&id).await?.is_none() {
        return Err(ApiError::not_found("该活动"));
    }
    let customers = state.customers();
    let mut sheet = Sheet::new(
        "群发对象",
        &[
            "客户ID",
            "客户姓名",
            "跟进成员",
            "状态",
            "原因",
            "等级",
            "渠道",
            "发送时间",
            "预约/消费时间",
        ],
    );
    let mut cursor = None;
    let mut truncated = false;
    'pages: loop {
        let (page, next) = repo.recipients(&id, 100, cursor).await?;
        for r in page {
            if sheet.rows.len() == MAX_EXPORT_ROWS {
                truncated = true;
                break 'pages;
            }
            let name = customers
                .get(&r.external_userid)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            sheet.rows.push(vec![
                r.external_userid.clone(),
                name,
                r.userid.clone(),
                status_label(r.status).to_owned(),
                r.reason.clone().unwrap_or_default(),
                r.tier.clone().unwrap_or_default(),
                r.channel.clone(),
                r.sent_at_ms.map(beijing).unwrap_or_default(),
                r.booked_at_ms.map(beijing).unwrap_or_default(),
            ]);
        }
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    state
        .audited(
            &caller,
            "campaign.recipients.export",
            &id,
            vec![
                format!("rows={}", sheet.rows.len()),
                format!("format={}", format.extension()),
            ],
        )
        .await?;
    download(
        &sheet,
        format,
        &format!("campaign-{id}-recipients"),
        truncated,
    )
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelExportQuery {
    /// Start (ms, inclusive). Default: 30 days before `to_ms`.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub from_ms: Option<String>,
    /// End (ms, inclusive). Default: now.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub to_ms: Option<String>,
    /// `xlsx` (default) or `csv` (UTF-8 with BOM).
    #[param(value_type = Option<String>)]
    pub format: Option<String>,
}

/// The channel report (`GET /api/stats/channels`) as `.xlsx` or `.csv`: one row per channel.
#[utoipa::path(get, path = "/api/stats/channels/export", tag = "stats",
    params(ChannelExportQuery),
    responses(
        (status = 200, description = "The spreadsheet", content_type = "application/octet-stream", body = String),
        (status = 400, body = ErrorBody)))]
pub async fn channel_report(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<ChannelExportQuery>,
) -> ApiResult<Response> {
    let format = sheet_format(&ExportFormatQuery { format: q.format })?;
    let report = channels(
        State(state.clone()),
        ApiQuery(ChannelStatsQuery {
            from_ms: q.from_ms,
            to_ms: q.to_ms,
        }),
    )
    .await?
    .0;
    let mut sheet = Sheet::new(
        "渠道统计",
        &[
            "渠道",
            "渠道名称",
            "新增好友",
            "新增客户",
            "仍为好友",
            "待通过",
            "已流失",
            "区间内流失",
            "预约",
            "消费笔数",
            "消费金额（元）",
        ],
    );
    for c in &report.channels {
        sheet.rows.push(vec![
            c.state.clone(),
            c.label.clone().unwrap_or_default(),
            c.added.to_string(),
            c.added_customers.to_string(),
            c.still_connected.to_string(),
            c.pending.to_string(),
            c.ended.to_string(),
            c.ended_in_range.to_string(),
            c.appointments.to_string(),
            c.purchases.to_string(),
            format!("{:.2}", c.purchase_amount_fen as f64 / 100.0),
        ]);
    }
    let stem = format!(
        "channels-{}-{}",
        beijing(report.from_ms)
            .get(..10)
            .unwrap_or("")
            .replace('-', ""),
        beijing(report.to_ms)
            .get(..10)
            .unwrap_or("")
            .replace('-', "")
    );
    download(&sheet, format, &stem, false)
}
