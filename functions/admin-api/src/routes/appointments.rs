//! Appointments (预约): booking, the calendar (a date range), one appointment with its
//! history and notices, status changes along the lifecycle, reschedules; and the booking
//! system's two routes (`/api/booking/*`, its own machine credential): book idempotently by
//! its id, and find a customer by phone or unionid.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::appointments::{
    AppointmentChange, AppointmentNotices, AppointmentRecord, AppointmentStatus, Appointments,
    Booked, NewBooking, Notice, Updated,
};
use crm::model::{AppointmentSource, Customer};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, CustomerScope};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;

fn service(state: &AdminState) -> Appointments {
    Appointments::new(state.store.clone(), state.clock.clone(), state.ids.clone())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentEntry {
    pub id: String,
    pub external_userid: String,
    /// The customer's WeChat name (the calendar shows it).
    pub customer_name: Option<String>,
    pub scheduled_at_ms: i64,
    /// 项目.
    pub item: String,
    pub source: AppointmentSource,
    pub notes: Option<String>,
    pub status: AppointmentStatus,
    /// The consultant's WeCom userid (sends the confirmation and reminder).
    pub userid: Option<String>,
    /// The booking system's id, when it booked.
    pub booking_ref: Option<String>,
    /// 预约确认.
    pub confirmation: Option<Notice>,
    /// 预约提醒.
    pub reminder: Option<Notice>,
    /// Oldest first.
    pub history: Vec<AppointmentChange>,
    pub created_at_ms: i64,
    pub created_by: String,
    pub updated_at_ms: i64,
}

impl AppointmentEntry {
    fn of(r: AppointmentRecord, customer_name: Option<String>) -> Self {
        Self {
            id: r.base.id,
            external_userid: r.base.external_userid,
            customer_name,
            scheduled_at_ms: r.base.scheduled_at_ms,
            item: r.base.item,
            source: r.base.source,
            notes: r.base.notes,
            status: r.status,
            userid: r.userid,
            booking_ref: r.booking_ref,
            confirmation: r.confirmation,
            reminder: r.reminder,
            history: r.history,
            created_at_ms: r.base.created_at_ms,
            created_by: r.base.created_by,
            updated_at_ms: r.updated_at_ms,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentEntryList {
    pub items: Vec<AppointmentEntry>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    pub external_userid: String,
    pub scheduled_at_ms: i64,
    /// The treatment or service (项目), at most 50 characters.
    pub item: String,
    /// Default `staff`.
    #[schema(value_type = Option<AppointmentSource>)]
    pub source: Option<String>,
    /// At most 500 characters.
    pub notes: Option<String>,
    /// The consultant (WeCom userid); default: the customer's own consultant.
    pub userid: Option<String>,
}

/// A treatment or product name (appointments and purchases): 1–50 characters.
pub(super) fn item_name(item: &str) -> ApiResult<String> {
    let item = item.trim();
    if item.is_empty() || item.chars().count() > 50 {
        return Err(ApiError::invalid_field(
            "item",
            "项目名称不能为空，且不能超过 50 个字",
        ));
    }
    Ok(item.to_owned())
}

fn notes(notes: Option<String>) -> ApiResult<Option<String>> {
    let notes = notes.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if notes.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::invalid_field("notes", "备注不能超过 500 个字"));
    }
    Ok(notes)
}

fn scheduled(ms: i64) -> ApiResult<i64> {
    // Up to 2100-01-01.
    if !(1..4_102_444_800_000).contains(&ms) {
        return Err(ApiError::invalid_field(
            "scheduled_at_ms",
            "预约时间必须是毫秒时间戳",
        ));
    }
    Ok(ms)
}

fn userid_field(userid: Option<String>) -> ApiResult<Option<String>> {
    let userid = userid
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty());
    if let Some(u) = &userid
        && (u.len() > 64
            || !u
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
    {
        return Err(ApiError::invalid_field(
            "userid",
            "顾问账号只能包含英文字母、数字和 . _ - @，最多 64 位",
        ));
    }
    Ok(userid)
}

/// The customer exists and is in the caller's scope (a consultant records only for theirs).
pub(super) async fn known_customer(
    state: &AdminState,
    caller: &Caller,
    external_userid: &str,
) -> ApiResult<Customer> {
    if external_userid.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "external_userid",
            "请填写客户的 external_userid",
        ));
    }
    crate::authz::ensure_in_scope(state, caller, external_userid).await?;
    match state.customers().get(external_userid).await? {
        Some(c) => Ok(c),
        None => Err(ApiError::not_found("该客户")),
    }
}

/// After a booking or reschedule: the confirmation goes now (errors wait for the next
/// round of the notice job), then the record as it is.
async fn notify_now(state: &AdminState, id: &str) -> ApiResult<Option<AppointmentRecord>> {
    AppointmentNotices::new(state.campaigns.clone())
        .process(id)
        .await;
    Ok(service(state).repo().get(id).await?)
}

/// Books an appointment (also a line in the customer's history); its confirmation task and
/// the consultant's app message go at once (outside quiet hours), the reminder before the
/// visit.
#[utoipa::path(post, path = "/api/appointments", tag = "appointments", request_body = NewAppointment,
    responses((status = 201, body = AppointmentEntry), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<NewAppointment>,
) -> ApiResult<(StatusCode, Json<AppointmentEntry>)> {
    let scheduled_at_ms = scheduled(req.scheduled_at_ms)?;
    let item = item_name(&req.item)?;
    let source = match req.source.as_deref() {
        Some(s) => AppointmentSource::parse(s)?,
        None => AppointmentSource::Staff,
    };
    let notes = notes(req.notes)?;
    let userid = userid_field(req.userid)?;
    let customer = known_customer(&state, &caller, &req.external_userid).await?;
    let booked = service(&state)
        .book(NewBooking {
            external_userid: req.external_userid.clone(),
            scheduled_at_ms,
            item,
            source,
            notes,
            userid,
            booking_ref: None,
            by: caller.id.clone(),
        })
        .await?;
    let record = match booked {
        Some(Booked::Created(r) | Booked::Existing(r)) => *r,
        None => return Err(ApiError::not_found("该客户")),
    };
    finish_booking(&state, &caller, &record).await?;
    let record = notify_now(&state, record.id()).await?.unwrap_or(record);
    Ok((
        StatusCode::CREATED,
        Json(AppointmentEntry::of(record, Some(customer.name))),
    ))
}

/// What every booking does after it is stored: the campaign funnels' "booked", the audit.
async fn finish_booking(
    state: &AdminState,
    caller: &Caller,
    record: &AppointmentRecord,
) -> ApiResult<()> {
    state
        .campaigns
        .credit_booking(&record.base.external_userid, record.base.created_at_ms)
        .await?;
    state
        .audited(
            caller,
            "appointment.create",
            &record.base.external_userid,
            vec!["scheduled_at_ms".into(), "item".into(), "source".into()],
        )
        .await?;
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// From (unix ms, inclusive).
    pub from: i64,
    /// To (unix ms, inclusive); at most 62 days after `from`.
    pub to: i64,
    /// Only this consultant's appointments.
    pub userid: Option<String>,
    /// Only these statuses (comma-separated, e.g. `booked,confirmed`).
    pub status: Option<String>,
    /// Only this customer's.
    pub external_userid: Option<String>,
}

/// The appointments scheduled in a range (the calendar's day or week), by time. A consultant
/// sees the appointments of the customers they follow.
#[utoipa::path(get, path = "/api/appointments", tag = "appointments", params(CalendarQuery),
    responses((status = 200, body = AppointmentEntryList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<AppointmentEntryList>> {
    // 2000-01-01 .. 2100-01-01: a calendar's range, and far from i64's ends (no overflow).
    const EARLIEST_MS: i64 = 946_684_800_000;
    const LATEST_MS: i64 = 4_102_444_800_000;
    for (field, at) in [("from", q.from), ("to", q.to)] {
        if !(EARLIEST_MS..=LATEST_MS).contains(&at) {
            return Err(ApiError::invalid_field(
                field,
                "时间超出范围（2000 年至 2100 年）",
            ));
        }
    }
    if q.to < q.from {
        return Err(ApiError::invalid_field("to", "结束时间不能早于开始时间"));
    }
    if q.to - q.from > crm::appointments::repo::MAX_RANGE_DAYS * crm::calendar::DAY_MS {
        return Err(ApiError::invalid_field("to", "一次最多查询 62 天的预约"));
    }
    let statuses = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(list) => Some(
            list.split(',')
                .map(AppointmentStatus::parse)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        None => None,
    };
    let records = service(&state).repo().between(q.from, q.to).await?;
    let mut followed: HashMap<String, bool> = HashMap::new();
    let mut names: HashMap<String, Option<String>> = HashMap::new();
    let mut items = Vec::new();
    for r in records {
        if q.userid
            .as_deref()
            .is_some_and(|u| r.userid.as_deref() != Some(u))
            || q.external_userid
                .as_deref()
                .is_some_and(|c| c != r.base.external_userid)
            || statuses.as_ref().is_some_and(|s| !s.contains(&r.status))
        {
            continue;
        }
        let ext = r.base.external_userid.clone();
        let visible = match caller.customer_scope() {
            CustomerScope::All => true,
            CustomerScope::Nobody => false,
            CustomerScope::FollowedBy(userid) => match followed.get(&ext) {
                Some(v) => *v,
                None => {
                    let v = crate::authz::follows(&state, &ext, &userid).await?;
                    followed.insert(ext.clone(), v);
                    v
                }
            },
        };
        if !visible {
            continue;
        }
        let name = match names.get(&ext) {
            Some(n) => n.clone(),
            None => {
                let n = state.customers().get(&ext).await?.map(|c| c.name);
                names.insert(ext.clone(), n.clone());
                n
            }
        };
        items.push(AppointmentEntry::of(r, name));
    }
    Ok(Json(AppointmentEntryList { items }))
}

/// The appointment in the caller's scope.
async fn in_scope(
    state: &AdminState,
    caller: &Caller,
    id: &str,
) -> ApiResult<(AppointmentRecord, Option<String>)> {
    let Some(record) = service(state).repo().get(id).await? else {
        return Err(ApiError::not_found("该预约"));
    };
    crate::authz::ensure_in_scope(state, caller, &record.base.external_userid).await?;
    let name = state
        .customers()
        .get(&record.base.external_userid)
        .await?
        .map(|c| c.name);
    Ok((record, name))
}

/// One appointment: its status, notices and history.
#[utoipa::path(get, path = "/api/appointments/{id}", tag = "appointments",
    params(("id" = String, Path, description = "Appointment id")),
    responses((status = 200, body = AppointmentEntry), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AppointmentEntry>> {
    let (record, name) = in_scope(&state, &caller, &id).await?;
    Ok(Json(AppointmentEntry::of(record, name)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentStatusChange {
    #[schema(value_type = AppointmentStatus)]
    pub status: String,
    /// At most 200 characters, kept in the history.
    pub note: Option<String>,
}

fn change_note(note: Option<String>) -> ApiResult<Option<String>> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
        return Err(ApiError::invalid_field("note", "说明不能超过 200 个字"));
    }
    Ok(note)
}

fn updated(outcome: Updated<crm::appointments::Refusal>) -> ApiResult<(AppointmentRecord, bool)> {
    match outcome {
        Updated::NotFound => Err(ApiError::not_found("该预约")),
        Updated::Refused(why) => Err(ApiError::conflict(why.message())),
        Updated::Unchanged(r) => Ok((*r, false)),
        Updated::Done(r) => Ok((*r, true)),
    }
}

/// Moves the status: booked → confirmed → arrived → completed, or (before arriving)
/// cancelled / no_show. Another move answers 409; the same status again changes nothing.
#[utoipa::path(post, path = "/api/appointments/{id}/status", tag = "appointments", request_body = AppointmentStatusChange,
    params(("id" = String, Path, description = "Appointment id")),
    responses((status = 200, body = AppointmentEntry), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn change_status(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AppointmentStatusChange>,
) -> ApiResult<Json<AppointmentEntry>> {
    let to = AppointmentStatus::parse(&req.status)?;
    let note = change_note(req.note)?;
    let (_, name) = in_scope(&state, &caller, &id).await?;
    let (record, changed) = updated(
        service(&state)
            .change_status(&id, to, &caller.id, note)
            .await?,
    )?;
    if changed {
        state
            .audited(
                &caller,
                "appointment.status",
                &record.base.external_userid,
                vec!["status".into()],
            )
            .await?;
    }
    Ok(Json(AppointmentEntry::of(record, name)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentReschedule {
    pub scheduled_at_ms: i64,
    /// A new consultant (WeCom userid); default: unchanged.
    pub userid: Option<String>,
    /// At most 200 characters, kept in the history.
    pub note: Option<String>,
}

/// Moves a booked or confirmed appointment to a new time (back to booked, with a new
/// confirmation and reminder); the change is kept in its history.
#[utoipa::path(post, path = "/api/appointments/{id}/reschedule", tag = "appointments", request_body = AppointmentReschedule,
    params(("id" = String, Path, description = "Appointment id")),
    responses((status = 200, body = AppointmentEntry), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reschedule(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AppointmentReschedule>,
) -> ApiResult<Json<AppointmentEntry>> {
    let at = scheduled(req.scheduled_at_ms)?;
    let userid = userid_field(req.userid)?;
    let note = change_note(req.note)?;
    let (_, name) = in_scope(&state, &caller, &id).await?;
    let (record, changed) = updated(
        service(&state)
            .reschedule(&id, at, userid, &caller.id, note)
            .await?,
    )?;
    let record = if changed {
        state
            .audited(
                &caller,
                "appointment.reschedule",
                &record.base.external_userid,
                vec!["scheduled_at_ms".into()],
            )
            .await?;
        notify_now(&state, &id).await?.unwrap_or(record)
    } else {
        record
    };
    Ok(Json(AppointmentEntry::of(record, name)))
}

/// The customer's appointments, by scheduled time (audited as `customer.read`).
#[utoipa::path(get, path = "/api/customers/{external_userid}/appointments", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    responses((status = 200, body = AppointmentEntryList), (status = 404, body = ErrorBody)))]
pub async fn of_customer(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
) -> ApiResult<Json<AppointmentEntryList>> {
    let Some(customer) = state.customers().get(&external_userid).await? else {
        return Err(ApiError::not_found("该客户"));
    };
    let items = service(&state).repo().of_customer(&external_userid).await?;
    state
        .audited_read(&caller, &external_userid, &["appointments"])
        .await?;
    Ok(Json(AppointmentEntryList {
        items: items
            .into_iter()
            .map(|r| AppointmentEntry::of(r, Some(customer.name.clone())))
            .collect(),
    }))
}

// ---- the booking system ----------------------------------------------------------------------

/// A customer as the booking system sees them: the id and a masked name, nothing else.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingCustomer {
    pub external_userid: String,
    /// The first character, the rest masked (`张**`).
    pub masked_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookingCustomerList {
    pub items: Vec<BookingCustomer>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookingLookup {
    /// A mainland mobile number (11 digits): the customers whose CRM phone field or a
    /// consultant's remark phone (备注手机号) is this number.
    pub phone: Option<String>,
    /// The WeChat unionid.
    pub unionid: Option<String>,
}

pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => "*".to_owned(),
    }
}

/// The live customers a phone or unionid names (merged records followed; at most 20).
async fn lookup(
    state: &AdminState,
    phone: Option<&str>,
    unionid: Option<&str>,
) -> ApiResult<Vec<Customer>> {
    let mut found: Vec<Customer> = match (phone, unionid) {
        (Some(phone), None) => {
            let phone = phone.trim();
            if !crm::clinic_fields::valid_phone(phone) {
                return Err(ApiError::invalid_field(
                    "phone",
                    "请填写 11 位中国大陆手机号",
                ));
            }
            // The phone index: one query and a read of each record it names.
            crm::phone_index::PhoneIndex::new(state.store.clone())
                .customers(phone, crm::phone_index::PhoneMatch::ClinicFieldOrRemark)
                .await?
        }
        (None, Some(unionid)) => {
            let unionid = unionid.trim();
            if unionid.is_empty() || unionid.len() > 128 {
                return Err(ApiError::invalid_field("unionid", "请填写 unionid"));
            }
            state
                .customers()
                .find_by_unionid(unionid)
                .await?
                .into_iter()
                .filter(|c| c.merged_into.is_none())
                .collect()
        }
        _ => {
            return Err(ApiError::invalid_field(
                "phone",
                "请只填写 phone 或 unionid 其中之一",
            ));
        }
    };
    found.truncate(20);
    Ok(found)
}

/// Finds customers by phone or unionid (the booking system's credential): only the
/// external_userid and a masked name.
#[utoipa::path(get, path = "/api/booking/customers", tag = "booking", params(BookingLookup),
    responses((status = 200, body = BookingCustomerList), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn booking_customers(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<BookingLookup>,
) -> ApiResult<Json<BookingCustomerList>> {
    let found = lookup(&state, q.phone.as_deref(), q.unionid.as_deref()).await?;
    Ok(Json(BookingCustomerList {
        items: found
            .into_iter()
            .map(|c| BookingCustomer {
                masked_name: mask_name(&c.name),
                external_userid: c.external_userid,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingRequest {
    /// The booking system's id of the appointment (1–64 of A–Z a–z 0–9 _ -): the same id
    /// books once (201 the first time, 200 with the same appointment after).
    pub booking_id: String,
    /// The customer: exactly one of `external_userid`, `unionid`, `phone`.
    pub external_userid: Option<String>,
    pub unionid: Option<String>,
    pub phone: Option<String>,
    pub scheduled_at_ms: i64,
    /// 项目, at most 50 characters.
    pub item: String,
    /// At most 500 characters.
    pub notes: Option<String>,
}

/// What the booking system sees of an appointment.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingView {
    pub id: String,
    pub booking_id: Option<String>,
    pub external_userid: String,
    pub scheduled_at_ms: i64,
    pub item: String,
    pub status: AppointmentStatus,
}

impl From<AppointmentRecord> for BookingView {
    fn from(r: AppointmentRecord) -> Self {
        Self {
            id: r.base.id,
            booking_id: r.booking_ref,
            external_userid: r.base.external_userid,
            scheduled_at_ms: r.base.scheduled_at_ms,
            item: r.base.item,
            status: r.status,
        }
    }
}

fn booking_id(id: &str) -> ApiResult<String> {
    let id = id.trim();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ApiError::invalid_field(
            "booking_id",
            "预约单号只能包含英文字母、数字、下划线和连字符，最多 64 位",
        ));
    }
    Ok(id.to_owned())
}

/// Books an appointment for the booking system (source `mini_program`), once per
/// `booking_id`.
#[utoipa::path(post, path = "/api/booking/appointments", tag = "booking", request_body = BookingRequest,
    responses((status = 201, body = BookingView), (status = 200, description = "Booked before under this booking_id: that appointment", body = BookingView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn booking_create(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<BookingRequest>,
) -> ApiResult<(StatusCode, Json<BookingView>)> {
    let booking_ref = booking_id(&req.booking_id)?;
    let scheduled_at_ms = scheduled(req.scheduled_at_ms)?;
    let item = item_name(&req.item)?;
    let notes = notes(req.notes)?;
    let external_userid = match (&req.external_userid, &req.unionid, &req.phone) {
        (Some(id), None, None) => {
            let id = id.trim();
            if id.is_empty() || state.customers().get(id).await?.is_none() {
                return Err(ApiError::not_found("该客户"));
            }
            id.to_owned()
        }
        (None, unionid, phone) if unionid.is_some() != phone.is_some() => {
            let found = lookup(&state, phone.as_deref(), unionid.as_deref()).await?;
            match found.as_slice() {
                [] => return Err(ApiError::not_found("该客户")),
                [one] => one.external_userid.clone(),
                _ => {
                    return Err(ApiError::conflict(
                        "该手机号或 unionid 对应多位客户，请改用 external_userid",
                    ));
                }
            }
        }
        _ => {
            return Err(ApiError::invalid_field(
                "external_userid",
                "请只填写 external_userid、unionid、phone 其中之一",
            ));
        }
    };
    let booked = service(&state)
        .book(NewBooking {
            external_userid: external_userid.clone(),
            scheduled_at_ms,
            item,
            source: AppointmentSource::MiniProgram,
            notes,
            userid: None,
            booking_ref: Some(booking_ref),
            by: caller.id.clone(),
        })
        .await?;
    match booked {
        None => Err(ApiError::not_found("该客户")),
        Some(Booked::Existing(first)) => {
            if first.base.external_userid != external_userid {
                return Err(ApiError::conflict("该预约单号已用于另一位客户的预约"));
            }
            // A retry also finishes what a failure after the first booking left undone.
            state
                .campaigns
                .credit_booking(&first.base.external_userid, first.base.created_at_ms)
                .await?;
            Ok((StatusCode::OK, Json((*first).into())))
        }
        Some(Booked::Created(record)) => {
            finish_booking(&state, &caller, &record).await?;
            let record = notify_now(&state, record.id()).await?.unwrap_or(*record);
            Ok((StatusCode::CREATED, Json(record.into())))
        }
    }
}

/// The booking system reads back one of its appointments by its own id.
#[utoipa::path(get, path = "/api/booking/appointments/{booking_id}", tag = "booking",
    params(("booking_id" = String, Path, description = "The booking system's id")),
    responses((status = 200, body = BookingView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn booking_get(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<BookingView>> {
    let id = booking_id(&id)?;
    match service(&state).repo().by_booking_ref(&id).await? {
        Some(r) => Ok(Json(r.into())),
        None => Err(ApiError::not_found("该预约")),
    }
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("Li"), "L*");
        assert_eq!(mask_name("王"), "王*");
        assert_eq!(mask_name(""), "*");
    }
}
