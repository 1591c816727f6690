//! Purchases (消费) recorded by the clinic, kept under the customer's partition; a purchase
//! moves the customer's last purchase time and total spent. Recording them, and listing one
//! customer's. (Appointments: `routes::appointments`; [`AppointmentView`] is the customer
//! detail's plain view of one.)

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::model::{Appointment, AppointmentSource, Purchase};
use crm::repo::{CustomerAdmin, PurchaseOutcome};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

use super::appointments::{item_name, known_customer};

#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentView {
    pub id: String,
    pub external_userid: String,
    pub scheduled_at_ms: i64,
    /// 项目.
    pub item: String,
    pub source: AppointmentSource,
    pub notes: Option<String>,
    pub created_at_ms: i64,
    pub created_by: String,
}

impl From<Appointment> for AppointmentView {
    fn from(a: Appointment) -> Self {
        Self {
            id: a.id,
            external_userid: a.external_userid,
            scheduled_at_ms: a.scheduled_at_ms,
            item: a.item,
            source: a.source,
            notes: a.notes,
            created_at_ms: a.created_at_ms,
            created_by: a.created_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseView {
    pub id: String,
    pub external_userid: String,
    /// Amount in fen (0.01 CNY).
    pub amount_fen: i64,
    pub item: String,
    pub purchased_at_ms: i64,
    pub created_at_ms: i64,
    pub created_by: String,
    pub order_id: Option<String>,
}

impl From<Purchase> for PurchaseView {
    fn from(p: Purchase) -> Self {
        Self {
            id: p.id,
            external_userid: p.external_userid,
            amount_fen: p.amount_fen,
            item: p.item,
            purchased_at_ms: p.purchased_at_ms,
            created_at_ms: p.created_at_ms,
            created_by: p.created_by,
            order_id: p.order_id,
        }
    }
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
    known_customer(&state, &caller, &req.external_userid).await?;
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
        channel: None,
    };
    match CustomerAdmin::new(state.store.clone())
        .record_purchase(&purchase)
        .await?
    {
        PurchaseOutcome::Recorded(_) => {
            state
                .campaigns
                .credit_booking(&purchase.external_userid, purchase.purchased_at_ms)
                .await?;
            // 已成交, or 复购 from the second purchase on.
            crm::pipeline::advance_on(
                &state.store,
                &purchase.external_userid,
                crm::pipeline::PipelineEvent::Purchased,
                now,
            )
            .await?;
        }
        PurchaseOutcome::AlreadyRecorded(first) => {
            if first.external_userid != purchase.external_userid
                || first.amount_fen != purchase.amount_fen
            {
                return Err(ApiError::conflict("该订单号已用于另一笔不同的消费记录"));
            }
            // A retry also finishes what a failure after the first record left undone.
            state
                .campaigns
                .credit_booking(&first.external_userid, first.purchased_at_ms)
                .await?;
            crm::pipeline::advance_on(
                &state.store,
                &first.external_userid,
                crm::pipeline::PipelineEvent::Purchased,
                now,
            )
            .await?;
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

// ---- appointments and purchases of one customer --------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseList {
    pub items: Vec<PurchaseView>,
    pub total_spent_fen: i64,
    pub last_purchase_at_ms: Option<i64>,
}

/// The customer's purchases, by purchase time, with the running total (audited as
/// `customer.read`).
#[utoipa::path(get, path = "/api/customers/{external_userid}/purchases", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    responses((status = 200, body = PurchaseList), (status = 404, body = ErrorBody)))]
pub async fn purchases(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
) -> ApiResult<Json<PurchaseList>> {
    let Some(customer) = state.customers().get(&external_userid).await? else {
        return Err(ApiError::not_found("该客户"));
    };
    let items = CustomerAdmin::new(state.store.clone())
        .purchases(&external_userid)
        .await?;
    state
        .audited_read(&caller, &external_userid, &["purchases"])
        .await?;
    Ok(Json(PurchaseList {
        items: items.into_iter().map(Into::into).collect(),
        total_spent_fen: customer.total_spent_fen,
        last_purchase_at_ms: customer.last_purchase_at_ms,
    }))
}
