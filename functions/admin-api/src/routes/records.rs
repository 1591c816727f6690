//! Appointments (预约) and purchases (消费) recorded by the clinic, kept under the customer's
//! partition; a purchase moves the customer's last purchase time and total spent.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::model::{Appointment, Purchase};
use crm::repo::{CustomerAdmin, PurchaseOutcome};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::routes::customers::{AppointmentView, PurchaseView};
use crate::state::AdminState;

const SOURCES: [&str; 5] = ["mini_program", "staff", "phone", "walk_in", "other"];

/// Where a booking came from.
#[derive(ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum AppointmentSource {
    MiniProgram,
    Staff,
    Phone,
    WalkIn,
    Other,
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
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPurchase {
    pub external_userid: String,
    /// Amount in fen (0.01 CNY), ≥ 0.
    pub amount_fen: i64,
    /// The treatment or product, at most 50 characters.
    pub item: String,
    pub purchased_at_ms: i64,
    /// The clinic's or mini-program's order number (1–64 of A–Z a–z 0–9 _ -). With it, a retried
    /// request records the purchase once: the repeat answers 200 with the first record.
    pub order_id: Option<String>,
}

fn item_name(item: &str) -> ApiResult<String> {
    let item = item.trim();
    if item.is_empty() || item.chars().count() > 50 {
        return Err(ApiError::invalid_field(
            "item",
            "项目名称不能为空，且不能超过 50 个字",
        ));
    }
    Ok(item.to_owned())
}

async fn known_customer(state: &AdminState, external_userid: &str) -> ApiResult<()> {
    if external_userid.trim().is_empty() {
        return Err(ApiError::invalid_field(
            "external_userid",
            "请填写客户的 external_userid",
        ));
    }
    match state.customers().get(external_userid).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found("该客户")),
    }
}

/// Records an appointment (also a line in the customer's history).
#[utoipa::path(post, path = "/api/appointments", tag = "records", request_body = NewAppointment,
    responses((status = 201, body = AppointmentView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_appointment(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<NewAppointment>,
) -> ApiResult<(StatusCode, Json<AppointmentView>)> {
    if req.scheduled_at_ms <= 0 {
        return Err(ApiError::invalid_field(
            "scheduled_at_ms",
            "预约时间必须是毫秒时间戳",
        ));
    }
    let item = item_name(&req.item)?;
    let source = req.source.as_deref().map(str::trim).unwrap_or("staff");
    if !SOURCES.contains(&source) {
        return Err(ApiError::invalid_field(
            "source",
            "预约来源只能是 mini_program、staff、phone、walk_in 或 other",
        ));
    }
    let notes = req
        .notes
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    if notes.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::invalid_field("notes", "备注不能超过 500 个字"));
    }
    known_customer(&state, &req.external_userid).await?;
    let now = state.clock.now_ms();
    let appointment = Appointment {
        id: state.ids.new_id(now),
        external_userid: req.external_userid.clone(),
        scheduled_at_ms: req.scheduled_at_ms,
        item,
        source: source.to_owned(),
        notes,
        created_at_ms: now,
        created_by: caller.id.clone(),
    };
    CustomerAdmin::new(state.store.clone())
        .add_appointment(&appointment)
        .await?;
    state
        .audited(
            &caller,
            "appointment.create",
            &appointment.external_userid,
            vec!["scheduled_at_ms".into(), "item".into(), "source".into()],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(appointment.into())))
}

/// Records a purchase: the customer's `last_purchase_at_ms` and `total_spent_fen` follow.
#[utoipa::path(post, path = "/api/purchases", tag = "records", request_body = NewPurchase,
    responses((status = 201, body = PurchaseView), (status = 200, description = "The order was recorded before: the first record", body = PurchaseView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_purchase(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<NewPurchase>,
) -> ApiResult<(StatusCode, Json<PurchaseView>)> {
    if req.amount_fen < 0 {
        return Err(ApiError::invalid_field(
            "amount_fen",
            "金额（分）不能为负数",
        ));
    }
    if req.purchased_at_ms <= 0 {
        return Err(ApiError::invalid_field(
            "purchased_at_ms",
            "消费时间必须是毫秒时间戳",
        ));
    }
    let item = item_name(&req.item)?;
    if let Some(order_id) = &req.order_id
        && (order_id.is_empty()
            || order_id.len() > 64
            || !order_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(ApiError::invalid_field(
            "order_id",
            "订单号只能包含英文字母、数字、下划线和连字符，最多 64 位",
        ));
    }
    known_customer(&state, &req.external_userid).await?;
    let now = state.clock.now_ms();
    let purchase = Purchase {
        order_id: req.order_id.clone(),
        id: state.ids.new_id(now),
        external_userid: req.external_userid.clone(),
        amount_fen: req.amount_fen,
        item,
        purchased_at_ms: req.purchased_at_ms,
        created_at_ms: now,
        created_by: caller.id.clone(),
    };
    match CustomerAdmin::new(state.store.clone())
        .record_purchase(&purchase)
        .await?
    {
        PurchaseOutcome::Recorded(_) => {}
        PurchaseOutcome::AlreadyRecorded(first) => {
            if first.external_userid != purchase.external_userid
                || first.amount_fen != purchase.amount_fen
            {
                return Err(ApiError::conflict("该订单号已用于另一笔不同的消费记录"));
            }
            return Ok((StatusCode::OK, Json((*first).into())));
        }
        PurchaseOutcome::UnknownCustomer => return Err(ApiError::not_found("该客户")),
    }
    state
        .audited(
            &caller,
            "purchase.create",
            &purchase.external_userid,
            vec!["amount_fen".into(), "item".into(), "purchased_at_ms".into()],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(purchase.into())))
}
