//! Customers: the filtered list, one customer's whole record, the clinic's own fields, a sync
//! from WeCom on demand, and corp tags on a relationship.
//!
//! Phone numbers and birthdays are personal information: they are returned to the console but
//! never written to logs or to the audit log (which names changed fields only).

use axum::Json;
use axum::extract::{Extension, State};
use crm::audience::{Candidate, CustomerFilter, StatusFilter, crm_str};
use crm::model::{
    CallbackLogEntry, CallbackStatus, Customer, CustomerStatus, EndCause, Relationship,
    RelationshipStatus, TimelineEvent,
};
use crm::repo::{CustomerAdmin, CustomerList, ListError, ListRequest, ListSort};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use wecom_api::WeComError;
use wecom_api::model::MarkTag;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::routes::records::{AppointmentView, PurchaseView};
use crate::state::{AdminState, page_limit};

/// Most of a customer's recent WeCom events shown on their page.
const RECENT_EVENTS_MAX: usize = 20;

// ---- views ---------------------------------------------------------------------------------

/// One corp/personal tag on a relationship (WeCom's `follow_user.tags[]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationshipTagView {
    pub group_name: String,
    pub tag_name: String,
    /// Absent for personal tags (type 2).
    pub tag_id: Option<String>,
    /// 1 corp, 2 personal, 3 rule-group.
    #[serde(rename = "type")]
    pub tag_type: i64,
}

/// One customer × staff relationship.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationshipView {
    pub userid: String,
    /// `pending` (added without verification, not yet a friend), `active` or `ended`.
    pub status: RelationshipStatus,
    pub remark: String,
    pub description: String,
    pub tags: Vec<RelationshipTagView>,
    pub add_way: i64,
    pub oper_userid: String,
    /// The channel of the 「联系我」 that was scanned.
    pub state: String,
    /// WeCom's `createtime` (Unix seconds).
    pub createtime: i64,
    /// Unix seconds.
    pub ended_at: Option<i64>,
    /// Why it ended: the staff member deleted the customer, the customer deleted the staff
    /// member, or the hourly sync no longer found it in WeCom.
    pub end_cause: Option<EndCause>,
    pub end_source: Option<String>,
}

impl From<&Relationship> for RelationshipView {
    fn from(r: &Relationship) -> Self {
        Self {
            userid: r.userid.clone(),
            status: r.status,
            remark: r.remark.clone(),
            description: r.description.clone(),
            tags: r
                .tags
                .iter()
                .map(|t| RelationshipTagView {
                    group_name: t.group_name.clone(),
                    tag_name: t.tag_name.clone(),
                    tag_id: t.tag_id.clone(),
                    tag_type: t.tag_type,
                })
                .collect(),
            add_way: r.add_way,
            oper_userid: r.oper_userid.clone(),
            state: r.state.clone(),
            createtime: r.createtime,
            ended_at: r.ended_at,
            end_cause: r.end_cause,
            end_source: r.end_source.clone(),
        }
    }
}

/// A customer in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerSummary {
    pub external_userid: String,
    pub name: String,
    pub avatar: String,
    /// 1 WeChat user, 2 WeCom user.
    #[serde(rename = "type")]
    pub contact_type: i64,
    /// 0 unknown, 1 male, 2 female.
    pub gender: i64,
    /// `active` (a relationship is active or pending) or `ended`.
    pub status: CustomerStatus,
    /// The channel (`state`) of the first relationship.
    pub first_channel: String,
    pub first_added_at_ms: i64,
    pub tier: Option<String>,
    pub psych_type: Option<String>,
    pub last_purchase_at_ms: Option<i64>,
    pub total_spent_fen: i64,
    pub follow_users: Vec<RelationshipView>,
}

fn summary(c: &Customer, rels: &[Relationship]) -> CustomerSummary {
    CustomerSummary {
        external_userid: c.external_userid.clone(),
        name: c.name.clone(),
        avatar: c.avatar.clone(),
        contact_type: c.contact_type,
        gender: c.gender,
        status: c.status,
        first_channel: c.first_channel.clone(),
        first_added_at_ms: c.first_added_at_ms,
        tier: crm_str(c, "tier").map(str::to_owned),
        psych_type: crm_str(c, "psych_type").map(str::to_owned),
        last_purchase_at_ms: c.last_purchase_at_ms,
        total_spent_fen: c.total_spent_fen,
        follow_users: rels.iter().map(Into::into).collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub items: Vec<CustomerSummary>,
    /// Pass back as `cursor` for the next page; absent when every customer has been visited.
    pub next_cursor: Option<String>,
    /// Index items examined for this page.
    pub scanned: usize,
    /// True when the page stopped early because the read budget was spent: the page may hold
    /// fewer than `limit` items although more may match; continue with `next_cursor`.
    pub budget_exhausted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    pub at_ms: i64,
    /// `added`, `edited`, `deleted_by_staff`, `tagged`, `appointment`, `purchase`, …
    pub kind: String,
    pub userid: Option<String>,
    pub detail: Option<String>,
}

impl From<TimelineEvent> for TimelineView {
    fn from(e: TimelineEvent) -> Self {
        Self {
            at_ms: e.at_ms,
            kind: e.kind,
            userid: e.userid,
            detail: e.detail,
        }
    }
}

/// A WeCom event about this customer (from the callback log, without the raw XML).
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerEventView {
    /// The event's id in `/api/callback-logs/{id}`.
    pub id: String,
    pub event_type: String,
    pub userid: Option<String>,
    pub state: Option<String>,
    pub create_time: i64,
    pub status: CallbackStatus,
    pub received_at_ms: i64,
}

impl From<CallbackLogEntry> for CustomerEventView {
    fn from(e: CallbackLogEntry) -> Self {
        Self {
            status: e.status,
            id: e.dedupe_key,
            event_type: e.event_type,
            userid: e.userid,
            state: e.state,
            create_time: e.create_time,
            received_at_ms: e.received_at_ms,
        }
    }
}

/// One customer's whole record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerDetail {
    #[serde(flatten)]
    pub summary: CustomerSummary,
    pub unionid: Option<String>,
    pub corp_name: Option<String>,
    pub updated_at_ms: i64,
    pub merged_from: Vec<String>,
    pub merged_into: Option<String>,
    /// The clinic's fields (each absent until set).
    #[schema(value_type = CrmFields)]
    pub crm: Map<String, Value>,
    /// History, oldest first.
    pub timeline: Vec<TimelineView>,
    /// WeCom events about the customer among the most recent ones logged, newest first.
    pub recent_events: Vec<CustomerEventView>,
    pub appointments: Vec<AppointmentView>,
    pub purchases: Vec<PurchaseView>,
}

/// The clinic's own fields of a customer, as `PATCH /api/customers/{id}` sets them.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CrmFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// Psychological type (心理类型), at most 30 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psych_type: Option<String>,
    /// `YYYY-MM-DD`, or `MM-DD` when the year is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// Mainland mobile number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// 营销授权.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketing_consent: Option<bool>,
}

// ---- list ----------------------------------------------------------------------------------

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
    /// `added_desc` (default), `added_asc` or `last_purchase_desc`.
    #[param(value_type = Option<CustomerSort>)]
    pub sort: Option<String>,
    /// 1–100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A customer tier (客户分层).
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum Tier {
    A,
    B,
    C,
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
    ApiQuery(q): ApiQuery<CustomerListQuery>,
) -> ApiResult<Json<CustomerPage>> {
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

// ---- one customer --------------------------------------------------------------------------

pub(crate) async fn detail(state: &AdminState, external_userid: &str) -> ApiResult<CustomerDetail> {
    let repo = state.customers();
    let Some(customer) = repo.get(external_userid).await? else {
        return Err(ApiError::not_found("该客户"));
    };
    let rels = repo.relationships(external_userid).await?;
    let timeline = repo.timeline(external_userid).await?;
    let admin = CustomerAdmin::new(state.store.clone());
    let appointments = admin.appointments(external_userid).await?;
    let purchases = admin.purchases(external_userid).await?;
    let recent_events = state
        .callback_log()
        .for_customer(external_userid, RECENT_EVENTS_MAX)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(CustomerDetail {
        summary: summary(&customer, &rels),
        unionid: customer.unionid.clone(),
        corp_name: customer.corp_name.clone(),
        updated_at_ms: customer.updated_at_ms,
        merged_from: customer.merged_from.clone(),
        merged_into: customer.merged_into.clone(),
        crm: customer.crm.clone(),
        timeline: timeline.into_iter().map(Into::into).collect(),
        recent_events,
        appointments: appointments.into_iter().map(Into::into).collect(),
        purchases: purchases.into_iter().map(Into::into).collect(),
    })
}

/// One customer: profile, every relationship, the clinic's fields, history, recent WeCom
/// events, appointments and purchases.
#[utoipa::path(get, path = "/api/customers/{external_userid}", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    responses((status = 200, body = CustomerDetail), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AdminState>,
    ApiPath(external_userid): ApiPath<String>,
) -> ApiResult<Json<CustomerDetail>> {
    Ok(Json(detail(&state, &external_userid).await?))
}

// ---- the clinic's fields -------------------------------------------------------------------

/// Fields the console may set; each is optional, `null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CustomerPatch {
    /// A, B or C.
    #[schema(value_type = Option<Tier>)]
    pub tier: Option<String>,
    /// Psychological type, at most 30 characters.
    pub psych_type: Option<String>,
    /// `YYYY-MM-DD`, or `MM-DD` when the year is unknown.
    pub birthday: Option<String>,
    /// Mainland mobile number (11 digits, 1[3-9]…).
    pub phone: Option<String>,
    /// At most 2 000 characters.
    pub notes: Option<String>,
    pub marketing_consent: Option<bool>,
}

const PATCHABLE: [&str; 6] = [
    "tier",
    "psych_type",
    "birthday",
    "phone",
    "notes",
    "marketing_consent",
];

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// `YYYY-MM-DD` or `MM-DD`, a real date (29 Feb only in leap years; `MM-DD` allows 02-29).
pub fn valid_birthday(s: &str) -> bool {
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = s.split('-').collect();
    let (year, month, day) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && digits(y) => (y.parse::<u32>().ok(), *m, *d),
        [m, d] => (None, *m, *d),
        _ => return false,
    };
    if month.len() != 2 || day.len() != 2 || !digits(month) || !digits(day) {
        return false;
    }
    let (Ok(m), Ok(d)) = (month.parse::<u32>(), day.parse::<u32>()) else {
        return false;
    };
    if let Some(y) = year
        && !(1900..=2100).contains(&y)
    {
        return false;
    }
    let max = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => match year {
            Some(y) if !is_leap(y) => 28,
            _ => 29,
        },
        _ => return false,
    };
    (1..=max).contains(&d)
}

/// Mainland mobile: `1[3-9]` then 9 digits.
pub fn valid_phone(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// Validates the patch; returns the values to set (`None` = clear), in field order.
fn validate_patch(body: &Map<String, Value>) -> ApiResult<Vec<(String, Option<Value>)>> {
    if let Some(unknown) = body.keys().find(|k| !PATCHABLE.contains(&k.as_str())) {
        return Err(ApiError::invalid_field(unknown, "不支持修改该字段"));
    }
    if body.is_empty() {
        return Err(ApiError::bad_request("没有要修改的字段"));
    }
    let mut changes = Vec::new();
    for field in PATCHABLE {
        let Some(value) = body.get(field) else {
            continue;
        };
        if value.is_null() {
            changes.push((field.to_owned(), None));
            continue;
        }
        let set = match field {
            "marketing_consent" => match value {
                Value::Bool(_) => value.clone(),
                _ => {
                    return Err(ApiError::invalid_field(
                        field,
                        "营销授权必须是 true 或 false",
                    ));
                }
            },
            _ => {
                let Some(s) = value.as_str().map(str::trim) else {
                    return Err(ApiError::invalid_field(field, "该字段必须是字符串"));
                };
                let ok = match field {
                    "tier" => matches!(s, "A" | "B" | "C"),
                    "psych_type" => !s.is_empty() && s.chars().count() <= 30,
                    "birthday" => valid_birthday(s),
                    "phone" => valid_phone(s),
                    _ => s.chars().count() <= 2000,
                };
                if !ok {
                    let message = match field {
                        "tier" => "客户等级只能是 A、B 或 C",
                        "psych_type" => "心理类型不能为空，且不能超过 30 个字",
                        "birthday" => {
                            "生日必须是有效日期，格式为 YYYY-MM-DD 或 MM-DD（不知道年份时）"
                        }
                        "phone" => "手机号必须是 11 位中国大陆手机号",
                        _ => "备注不能超过 2000 个字",
                    };
                    return Err(ApiError::invalid_field(field, message));
                }
                Value::from(s)
            }
        };
        changes.push((field.to_owned(), Some(set)));
    }
    Ok(changes)
}

/// Sets or clears the clinic's fields. The audit log records which fields changed, never
/// their values.
#[utoipa::path(patch, path = "/api/customers/{external_userid}", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    request_body = CustomerPatch,
    responses((status = 200, body = CustomerDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<CustomerDetail>> {
    let changes = validate_patch(&body)?;
    if state.customers().get(&external_userid).await?.is_none() {
        return Err(ApiError::not_found("该客户"));
    }
    let now = state.clock.now_ms();
    let mut changed: Vec<String> = Vec::new();
    CustomerAdmin::new(state.store.clone())
        .update_profile(&external_userid, |customer| {
            changed.clear();
            for (field, value) in &changes {
                let before = customer.crm.get(field).cloned();
                match value {
                    Some(v) => {
                        customer.crm.insert(field.clone(), v.clone());
                    }
                    None => {
                        customer.crm.remove(field);
                    }
                }
                if customer.crm.get(field) != before.as_ref() {
                    changed.push(field.clone());
                }
            }
            if changed.is_empty() {
                return false;
            }
            customer.updated_at_ms = now;
            true
        })
        .await?;
    if !changed.is_empty() {
        state
            .audited(&caller, "customer.update", &external_userid, changed)
            .await?;
    }
    Ok(Json(detail(&state, &external_userid).await?))
}

// ---- sync ----------------------------------------------------------------------------------

fn gone(e: &WeComError) -> Option<ApiError> {
    match e.errcode() {
        Some(84061) => Some(ApiError::conflict(
            "企业微信中该客户已不是任何成员的好友（已删除或尚未通过验证），无法同步；本地记录保持不变",
        )),
        Some(40096) => Some(ApiError::conflict(
            "企业微信不认识该客户 ID，或其跟进成员不在应用可见范围内，无法同步；本地记录保持不变",
        )),
        _ => None,
    }
}

/// Refreshes the customer and their relationships from WeCom now (creates them when the
/// product has not heard of them yet).
#[utoipa::path(post, path = "/api/customers/{external_userid}/sync", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    responses((status = 200, body = CustomerDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn sync(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
) -> ApiResult<Json<CustomerDetail>> {
    let detail_from_wecom = match state.wecom.get_external_contact(&external_userid).await {
        Ok(d) => d,
        Err(e) => return Err(gone(&e).unwrap_or_else(|| ApiError::wecom(&e))),
    };
    let now = state.clock.now_ms();
    let repo = state.customers();
    let ext = detail_from_wecom.external_contact.external_userid.clone();
    if ext.is_empty() {
        return Err(ApiError::not_found("该客户"));
    }
    let channel = detail_from_wecom
        .follow_user
        .iter()
        .min_by_key(|f| f.createtime)
        .map(|f| f.state.clone())
        .unwrap_or_default();
    repo.upsert_profile(&detail_from_wecom.external_contact, &channel, now)
        .await?;
    for follow in &detail_from_wecom.follow_user {
        repo.update_relationship(&ext, &follow.userid, |current| {
            Some(match current {
                None => {
                    let mut rel = Relationship::from_follow_user(&ext, follow, now);
                    rel.last_event_time = follow.createtime;
                    rel
                }
                Some(mut rel) => {
                    rel.refresh_from(follow, now);
                    // WeCom lists it, so a half add has been accepted; an ended relationship
                    // reopens only through an add event.
                    if rel.status == RelationshipStatus::Pending {
                        rel.status = RelationshipStatus::Active;
                    }
                    rel
                }
            })
        })
        .await?;
    }
    repo.refresh_status(&ext, now).await?;
    repo.add_timeline(
        &ext,
        &format!("sync-{now}"),
        &TimelineEvent {
            at_ms: now,
            kind: "synced".into(),
            userid: None,
            detail: None,
        },
    )
    .await?;
    state
        .audited(&caller, "customer.sync", &ext, Vec::new())
        .await?;
    Ok(Json(detail(&state, &ext).await?))
}

// ---- tags on a relationship ----------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkTagsRequest {
    /// The follow-user whose relationship is tagged.
    pub userid: String,
    #[serde(default)]
    pub add_tag: Vec<String>,
    #[serde(default)]
    pub remove_tag: Vec<String>,
}

/// Adds and removes corp tags on one relationship in WeCom (`mark_tag`), then locally (WeCom
/// sends no callback for API changes).
#[utoipa::path(post, path = "/api/customers/{external_userid}/tags", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    request_body = MarkTagsRequest,
    responses((status = 200, body = RelationshipView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn mark_tags(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
    ApiJson(req): ApiJson<MarkTagsRequest>,
) -> ApiResult<Json<RelationshipView>> {
    let userid = req.userid.trim().to_owned();
    if userid.is_empty() {
        return Err(ApiError::invalid_field("userid", "请填写跟进成员的 userid"));
    }
    if req.add_tag.is_empty() && req.remove_tag.is_empty() {
        return Err(ApiError::invalid_field(
            "add_tag",
            "add_tag 和 remove_tag 不能同时为空",
        ));
    }
    if req.add_tag.iter().any(|t| req.remove_tag.contains(t)) {
        return Err(ApiError::invalid_field(
            "remove_tag",
            "同一个标签不能既添加又移除",
        ));
    }
    let repo = state.customers();
    let Some(rel) = repo.get_relationship(&external_userid, &userid).await? else {
        return Err(ApiError::not_found("该成员与客户的关系"));
    };
    if rel.status == RelationshipStatus::Ended {
        return Err(ApiError::conflict(
            "该成员与客户的好友关系已结束，无法打标签",
        ));
    }
    // Every tag to add must be a live corp tag; refresh the catalogue once if one is unknown.
    let catalogue = state.tags();
    let mut groups = catalogue.groups().await?;
    let lookup = |groups: &[wecom_api::model::CorpTagGroup], id: &str| {
        groups
            .iter()
            .filter(|g| !g.deleted)
            .flat_map(|g| g.tag.iter().map(move |t| (g, t)))
            .find(|(_, t)| !t.deleted && t.id == id)
            .map(|(g, t)| (g.group_name.clone(), t.name.clone()))
    };
    if req.add_tag.iter().any(|id| lookup(&groups, id).is_none()) {
        let fresh = state
            .wecom
            .get_corp_tag_list(&[], &[])
            .await
            .map_err(|e| ApiError::wecom(&e))?;
        catalogue.replace_all(&fresh).await?;
        groups = catalogue.groups().await?;
    }
    if let Some(unknown) = req.add_tag.iter().find(|id| lookup(&groups, id).is_none()) {
        return Err(ApiError::invalid_field(
            "add_tag",
            format!("标签 {unknown} 不存在或已被删除"),
        ));
    }
    state
        .wecom
        .mark_tag(&MarkTag {
            userid: userid.clone(),
            external_userid: external_userid.clone(),
            add_tag: req.add_tag.clone(),
            remove_tag: req.remove_tag.clone(),
        })
        .await
        .map_err(|e| gone(&e).unwrap_or_else(|| ApiError::wecom(&e)))?;
    let now = state.clock.now_ms();
    let updated = repo
        .update_relationship(&external_userid, &userid, |current| {
            let mut rel = current?;
            rel.tags.retain(|t| {
                t.tag_id
                    .as_ref()
                    .is_none_or(|id| !req.remove_tag.contains(id))
            });
            for id in &req.add_tag {
                if rel.has_tag(id) {
                    continue;
                }
                if let Some((group_name, tag_name)) = lookup(&groups, id) {
                    rel.tags.push(wecom_api::model::FollowUserTag {
                        group_name,
                        tag_name,
                        tag_id: Some(id.clone()),
                        tag_type: 1,
                    });
                }
            }
            rel.updated_at_ms = now;
            Some(rel)
        })
        .await?
        .unwrap_or(rel);
    repo.add_timeline(
        &external_userid,
        &format!("tags-{now}-{userid}"),
        &TimelineEvent {
            at_ms: now,
            kind: "tagged".into(),
            userid: Some(userid.clone()),
            detail: Some(format!(
                "+{} -{}",
                req.add_tag.join(","),
                req.remove_tag.join(",")
            )),
        },
    )
    .await?;
    let mut fields = Vec::new();
    if !req.add_tag.is_empty() {
        fields.push("add_tag".to_owned());
    }
    if !req.remove_tag.is_empty() {
        fields.push("remove_tag".to_owned());
    }
    state
        .audited(
            &caller,
            "customer.tags",
            &format!("{external_userid}/{userid}"),
            fields,
        )
        .await?;
    Ok(Json((&updated).into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_must_be_real_dates() {
        assert!(valid_birthday("1990-02-28"));
        assert!(valid_birthday("2000-02-29"));
        assert!(!valid_birthday("1900-02-29"));
        assert!(!valid_birthday("2023-02-29"));
        assert!(!valid_birthday("1990-02-30"));
        assert!(!valid_birthday("1990-04-31"));
        assert!(valid_birthday("02-29"));
        assert!(valid_birthday("12-31"));
        assert!(!valid_birthday("13-01"));
        assert!(!valid_birthday("1990-1-01"));
        assert!(!valid_birthday("1990-01-01x"));
        assert!(!valid_birthday(""));
    }

    #[test]
    fn phones_are_mainland_mobiles() {
        assert!(valid_phone("13800138000"));
        assert!(valid_phone("19912345678"));
        assert!(!valid_phone("12800138000"));
        assert!(!valid_phone("1380013800"));
        assert!(!valid_phone("138001380001"));
        assert!(!valid_phone("1380013800a"));
    }
}
