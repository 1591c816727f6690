//! `GET /api/leads`: the leads (线索) kept by imports — people matching no WeCom customer yet,
//! whom no message can reach — newest first, with the customer each was merged into.

use axum::Json;
use axum::extract::{Extension, State};
use crm::leads::{Lead, LeadConsent, LeadRepo};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiQuery, ApiResult, ErrorBody};
use crate::state::{AdminState, page_limit};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadListQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadView {
    pub id: String,
    pub phone: Option<String>,
    pub unionid: Option<String>,
    pub name: Option<String>,
    pub tier: Option<String>,
    pub psych_type: Option<String>,
    pub birthday: Option<String>,
    pub notes: Option<String>,
    pub consent: Option<LeadConsent>,
    pub tag_ids: Vec<String>,
    /// `import`.
    pub source: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// The customer it became (merged when they added a consultant).
    pub merged_into: Option<String>,
    pub merged_at_ms: Option<i64>,
}

impl From<Lead> for LeadView {
    fn from(l: Lead) -> Self {
        Self {
            id: l.id,
            phone: l.phone,
            unionid: l.unionid,
            name: l.name,
            tier: l.fields.tier.map(|t| t.to_string()),
            psych_type: l.fields.psych_type.map(|p| p.to_string()),
            birthday: l.fields.birthday.map(|b| b.to_string()),
            notes: l.fields.notes.map(|n| n.to_string()),
            consent: l.consent,
            tag_ids: l.tag_ids,
            source: l.source,
            created_at_ms: l.created_at_ms,
            updated_at_ms: l.updated_at_ms,
            merged_into: l.merged_into,
            merged_at_ms: l.merged_at_ms,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadPage {
    pub items: Vec<LeadView>,
    pub next_cursor: Option<String>,
}

/// Leads, newest first. Manager or admin; reading them is audited (they hold phone numbers).
#[utoipa::path(get, path = "/api/leads", tag = "customers", params(LeadListQuery),
    responses((status = 200, body = LeadPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list_leads(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<LeadListQuery>,
) -> ApiResult<Json<LeadPage>> {
    let limit = page_limit(q.limit)?;
    let (items, next_cursor) = LeadRepo::new(state.store.clone())
        .list(limit, q.cursor)
        .await?;
    state
        .audited(
            &caller,
            "lead.list",
            "leads",
            vec![format!("rows={}", items.len())],
        )
        .await?;
    Ok(Json(LeadPage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
