//! `GET /api/customers`: the filtered list. The planner is `crm::repo::CustomerList`; this
//! parses the console's query, maps the page and summarises each customer.

use axum::Json;
use axum::extract::{Extension, State};
use crm::audience::{Candidate, CustomerFilter, StatusFilter};
use crm::repo::{CustomerList, ListError, ListRequest, ListSort};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{CustomerPage, CustomerSummary, Tier, summary};
use crate::auth::{Caller, CustomerScope};
use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::state::{AdminState, page_limit};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Channel: a relationship came through the 「联系我」 with this `state`.
    pub state: Option<String>,
    /// A corp tag on any of the customer's relationships.
    pub tag_id: Option<String>,
    /// 0 unknown, 1 male, 2 female.
    #[param(value_type = Option<i64>, minimum = 0, maximum = 2)]
    pub gender: Option<String>,
    #[param(value_type = Option<Tier>)]
    pub tier: Option<String>,
    pub psych_type: Option<String>,
    /// Follow-user (staff member).
    pub userid: Option<String>,
    /// `active` / `ended` (the customer; with `userid`, that relationship) or `pending` (a
    /// half-added relationship).
    #[param(value_type = Option<StatusFilter>)]
    pub status: Option<String>,
    /// First added at or after (ms).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub added_from: Option<String>,
    /// First added at or before (ms).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub added_to: Option<String>,
    /// Last purchase strictly before (ms); customers without purchases do not match.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub last_purchase_before: Option<String>,
    /// Last purchase strictly after (ms).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub last_purchase_after: Option<String>,
    /// 1–12.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 12)]
    pub birthday_month: Option<String>,
    /// No purchase in the last N days (customers who never purchased match).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 3650)]
    pub no_purchase_days: Option<String>,
    /// Free text in the name or a remark.
    pub q: Option<String>,
    /// The lead stage: `new`, `consulted`, `booked`, `arrived`, `purchased` or `repurchased`.
    #[param(value_type = Option<crm::model::LeadStage>)]
    pub stage: Option<String>,
    /// `added_desc` (default), `added_asc` or `last_purchase_desc`.
    #[param(value_type = Option<CustomerSort>)]
    pub sort: Option<String>,
    /// 1–100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The order of `GET /api/customers`.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum CustomerSort {
    AddedDesc,
    AddedAsc,
    LastPurchaseDesc,
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn ms_param(field: &str, v: Option<String>) -> ApiResult<Option<i64>> {
    match text(v) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid_field(field, format!("{field} 必须是毫秒时间戳（非负整数）"))
            }),
    }
}

type Filters = CustomerFilter;

/// The filters of a customer query (shared with campaign audiences), in the console's terms.
pub fn parse_filters(q: CustomerListQuery) -> ApiResult<ListRequest> {
    let gender = match text(q.gender).as_deref() {
        None => None,
        Some("0") => Some(0),
        Some("1") => Some(1),
        Some("2") => Some(2),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "gender",
                "gender 只能是 0（未知）、1（男）或 2（女）",
            ));
        }
    };
    let tier = match text(q.tier) {
        None => None,
        Some(t) if matches!(t.as_str(), "A" | "B" | "C") => Some(t),
        Some(_) => {
            return Err(ApiError::invalid_field("tier", "客户等级只能是 A、B 或 C"));
        }
    };
    let status = match text(q.status).as_deref() {
        None => None,
        Some("active") => Some(StatusFilter::Active),
        Some("ended") => Some(StatusFilter::Ended),
        Some("pending") => Some(StatusFilter::Pending),
        Some(_) => {
            return Err(ApiError::invalid_field(
                "status",
                "status 只能是 active（跟进中）、ended（已流失）或 pending（待通过）",
            ));
        }
    };
    let birthday_month = match text(q.birthday_month) {
        None => None,
        Some(m) => match m.parse::<u32>() {
            Ok(n) if (1..=12).contains(&n) => Some(n),
            _ => {
                return Err(ApiError::invalid_field(
                    "birthday_month",
                    "生日月份必须是 1 到 12 之间的整数",
                ));
            }
        },
    };
    let no_purchase_days = match text(q.no_purchase_days) {
        None => None,
        Some(d) => match d.parse::<u32>() {
            Ok(n) if (1..=3650).contains(&n) => Some(n),
            _ => {
                return Err(ApiError::invalid_field(
                    "no_purchase_days",
                    "no_purchase_days 必须是 1 到 3650 之间的整数",
                ));
            }
        },
    };
    let sort = match text(q.sort) {
        None => ListSort::AddedDesc,
        Some(name) => ListSort::parse(&name).ok_or_else(|| {
            ApiError::invalid_field(
                "sort",
                "排序方式只能是 added_desc、added_asc 或 last_purchase_desc",
            )
        })?,
    };
    let limit = match text(q.limit) {
        None => page_limit(None)?,
        Some(l) => page_limit(Some(l.parse::<usize>().map_err(|_| {
            ApiError::invalid_field("limit", "limit 必须在 1 到 100 之间")
        })?))?,
    };
    let filters = Filters {
        state: text(q.state),
        tag_id: text(q.tag_id),
        gender,
        tiers: tier.into_iter().collect(),
        psych_type: text(q.psych_type),
        userid: text(q.userid),
        status,
        added_from: ms_param("added_from", q.added_from)?,
        added_to: ms_param("added_to", q.added_to)?,
        last_purchase_before: ms_param("last_purchase_before", q.last_purchase_before)?,
        last_purchase_after: ms_param("last_purchase_after", q.last_purchase_after)?,
        birthday_month,
        no_purchase_days,
        q: text(q.q).map(|s| s.to_lowercase()),
        stage: match text(q.stage) {
            None => None,
            Some(s) => Some(crm::model::LeadStage::parse(&s).ok_or_else(|| {
                ApiError::invalid_field(
                    "stage",
                    "客户阶段只能是 new、consulted、booked、arrived、purchased 或 repurchased",
                )
            })?),
        },
    };
    if let (Some(from), Some(to)) = (filters.added_from, filters.added_to)
        && from > to
    {
        return Err(ApiError::invalid_field(
            "added_to",
            "added_to 不能早于 added_from",
        ));
    }
    Ok(ListRequest {
        filter: filters,
        sort,
        limit,
        cursor: text(q.cursor),
    })
}

async fn summarise(
    state: &AdminState,
    candidates: Vec<Candidate>,
) -> ApiResult<Vec<CustomerSummary>> {
    let repo = state.customers();
    let mut out = Vec::with_capacity(candidates.len());
    for c in candidates {
        let rels = match c.rels {
            Some(rels) => rels,
            None => repo.relationships(&c.customer.external_userid).await?,
        };
        out.push(summary(&c.customer, &rels));
    }
    Ok(out)
}

/// The customers matching every given filter.
///
/// The narrowest index is walked (`state` → the channel's relationships, else `userid` → the
/// staff member's relationships, else every customer newest first) and the rest of the filters
/// are applied to each item. A page stops when it is full, when the index ends, or after
/// 2 000 index items (then `budget_exhausted` is true and `next_cursor` continues the walk).
/// `sort=last_purchase_desc` sorts the matching customers in memory (up to 5 000 index items).
#[utoipa::path(get, path = "/api/customers", tag = "customers", params(CustomerListQuery),
    responses((status = 200, body = CustomerPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
// The planner is crm::repo::CustomerList; this maps the query and the page.
pub async fn list(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(mut q): ApiQuery<CustomerListQuery>,
) -> ApiResult<Json<CustomerPage>> {
    if !scope_query(&caller, &mut q)? {
        return Ok(Json(CustomerPage {
            items: Vec::new(),
            next_cursor: None,
            scanned: 0,
            budget_exhausted: false,
        }));
    }
    let request = parse_filters(q)?;
    let page = CustomerList::new(state.store.clone(), state.clock.clone())
        .page(&request)
        .await
        .map_err(|e| match e {
            ListError::BadCursor => {
                ApiError::invalid_field("cursor", "cursor 无效，请从第一页重新查询")
            }
            ListError::Crm(e) => e.into(),
        })?;
    Ok(Json(CustomerPage {
        items: summarise(&state, page.candidates).await?,
        next_cursor: page.next_cursor,
        scanned: page.scanned,
        budget_exhausted: page.budget_exhausted,
    }))
}

/// Narrows a list query to the caller's customers: a consultant's follow-user filter is
/// theirs and their ended relationships are not listed. `false` when the caller may list
/// nobody. Shared by the list and its export.
pub(crate) fn scope_query(caller: &Caller, q: &mut CustomerListQuery) -> ApiResult<bool> {
    match caller.customer_scope() {
        CustomerScope::All => Ok(true),
        CustomerScope::FollowedBy(userid) => {
            if text(q.userid.clone()).is_some_and(|asked| asked != userid) {
                return Err(ApiError::forbidden("只能查看和处理自己跟进的客户"));
            }
            q.userid = Some(userid);
            // Ended relationships are no longer theirs to see.
            match text(q.status.clone()).as_deref() {
                None => q.status = Some("active".to_owned()),
                Some("ended") => {
                    return Err(ApiError::forbidden(
                        "已结束跟进的客户只有主管和管理员可以查看",
                    ));
                }
                Some(_) => {}
            }
            Ok(true)
        }
        CustomerScope::Nobody => Ok(false),
    }
}
