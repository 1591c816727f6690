//! What each role may do: one table of every route, checked after routing (so it knows the
//! route's template), and the consultant's customer scope.
//!
//! - `admin` (管理员): everything — the WeCom configuration and secrets, the consent mode, the
//!   event log and its replays, dead letters, the audit, statistics rebuilds, data-subject
//!   export and erasure, staff settings.
//! - `manager` (主管): every customer, campaigns, automations, 「联系我」 and tag changes,
//!   statistics, syncs.
//! - `consultant` (顾问): the customers they follow (a relationship, not ended, with their
//!   WeCom userid): lists, details, CRM fields, tags, records, consent, messages; reading
//!   staff, tags, 「联系我」 and the configuration (channel names and send rules; its secrets
//!   are always masked).
//!
//! A caller without a role reaches only `GET /api/me`. A route missing from the table is for
//! admins only until it is added (the authorization sweep test lists every route).

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use crm::keys::{customer_pk, relationship_sk};
use crm::model::{Relationship, RelationshipStatus};

use crate::auth::{Caller, CustomerScope, Role};
use crate::error::ApiError;
use crate::state::AdminState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any signed-in caller, even one without a role.
    SignedIn,
    /// Any staff role (not the booking system's credential); a `{external_userid}` in the path
    /// must be in the caller's customer scope.
    Staff,
    /// The booking system's credential (and admins): `/api/booking/*` only.
    Booking,
    Manager,
    Admin,
}

impl Access {
    pub fn allows(self, caller: &Caller) -> bool {
        match self {
            Access::SignedIn => true,
            Access::Staff => caller.is_staff(),
            Access::Booking => caller.role == Some(Role::Booking) || caller.has(Role::Admin),
            Access::Manager => caller.has(Role::Manager),
            Access::Admin => caller.has(Role::Admin),
        }
    }
}

/// The access of a route, by method and the route's template (`/api/customers/{external_userid}`).
pub fn access(method: &Method, route: &str) -> Access {
    use Access::*;
    let get = method == Method::GET;
    match route {
        "/api/me" | "/api/openapi.json" => SignedIn,
        // Unknown routes answer 404 whoever asks.
        "/api/{*rest}" => SignedIn,

        // Every page needs the channel names and send rules; secrets are masked in it.
        "/api/config" if get => Staff,
        "/api/config" | "/api/config/test" => Admin,
        "/api/callback-logs" | "/api/callback-logs/{id}" | "/api/callback-logs/{id}/replay" => {
            Admin
        }
        "/api/dead-letters" | "/api/dead-letters/{id}/replay" => Admin,
        "/api/stats/rebuild" => Admin,
        // The retention periods (数据保留): reading and changing them.
        "/api/privacy/retention" => Admin,
        // A consultant sees their own performance line (the handler narrows it).
        "/api/stats/consultants" if get => Staff,
        "/api/staff/{userid}" => Admin,
        "/api/customers/{external_userid}/export" | "/api/customers/{external_userid}/erase" => {
            Admin
        }
        r if r.starts_with("/api/audit-logs") => Admin,

        "/api/booking/customers"
        | "/api/booking/appointments"
        | "/api/booking/appointments/{booking_id}" => Booking,
        "/api/appointments/{id}"
        | "/api/appointments/{id}/status"
        | "/api/appointments/{id}/reschedule" => Staff,

        // Import writes many customers at once; leads hold people who are nobody's customer.
        "/api/customers/import" | "/api/customers/imports/{id}" | "/api/leads" => Manager,
        // A consultant's export holds only their own customers (like the list).
        "/api/customers/export" => Staff,

        "/api/staff" => Staff,
        "/api/customers" | "/api/appointments" | "/api/purchases" | "/api/messages"
        | "/api/media" => Staff,
        r if r.starts_with("/api/customers/{external_userid}") => Staff,
        "/api/tags" if get => Staff,
        "/api/contact-ways"
        | "/api/contact-ways/{config_id}"
        | "/api/contact-ways/{config_id}/qrcode"
            if get =>
        {
            Staff
        }

        "/api/tags" | "/api/tags/{id}" => Manager,
        "/api/overview" => Manager,
        "/api/contact-ways" | "/api/contact-ways/{config_id}" => Manager,
        // Handing customers to another consultant moves them between consultants' scopes.
        r if r.starts_with("/api/handovers") => Manager,
        r if r.starts_with("/api/stats/")
            || r.starts_with("/api/sync")
            || r.starts_with("/api/campaigns")
            || r.starts_with("/api/automations") =>
        {
            Manager
        }
        _ => Admin,
    }
}

/// The Chinese refusal for a role that may not call a route.
fn refusal(access: Access) -> ApiError {
    match access {
        Access::SignedIn | Access::Staff => {
            ApiError::forbidden("您的账号尚未分配角色，请联系管理员")
        }
        Access::Booking => ApiError::forbidden("此接口仅供预约系统使用"),
        Access::Manager => ApiError::forbidden("此操作需要主管或管理员权限"),
        Access::Admin => ApiError::forbidden("此操作仅限管理员"),
    }
}

/// Middleware (a route layer, after authentication): the role check of [`access`], then the
/// customer scope of a `{external_userid}` in the path.
pub async fn authorize(State(state): State<AdminState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Some(caller) = parts.extensions.get::<Caller>().cloned() else {
        return ApiError::unauthorized().into_response();
    };
    let route = parts
        .extensions
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let access = access(&parts.method, route);
    if !access.allows(&caller) {
        if caller.role == Some(Role::Booking) {
            return ApiError::forbidden("预约系统凭证只能调用 /api/booking/ 下的接口")
                .into_response();
        }
        return refusal(access).into_response();
    }
    let customer = RawPathParams::from_request_parts(&mut parts, &state)
        .await
        .ok()
        .and_then(|params| {
            params
                .iter()
                .find(|(name, _)| *name == "external_userid")
                .map(|(_, value)| value.to_owned())
        });
    let request = Request::from_parts(parts, body);
    if let Some(external_userid) = customer
        && let Err(e) = ensure_in_scope(&state, &caller, &external_userid).await
    {
        return e.into_response();
    }
    next.run(request).await
}

/// Refuses (403) a customer outside the caller's scope.
pub async fn ensure_in_scope(
    state: &AdminState,
    caller: &Caller,
    external_userid: &str,
) -> Result<(), ApiError> {
    match caller.customer_scope() {
        CustomerScope::All => Ok(()),
        CustomerScope::Nobody => Err(not_theirs()),
        CustomerScope::FollowedBy(userid) => {
            if follows(state, external_userid, &userid).await? {
                Ok(())
            } else {
                Err(not_theirs())
            }
        }
    }
}

fn not_theirs() -> ApiError {
    ApiError::forbidden("只能查看和处理自己跟进的客户")
}

/// Whether `userid` follows the customer: their relationship exists and has not ended (one read).
pub async fn follows(
    state: &AdminState,
    external_userid: &str,
    userid: &str,
) -> Result<bool, ApiError> {
    let item = state
        .store
        .get(&customer_pk(external_userid), &relationship_sk(userid))
        .await
        .map_err(crm::CrmError::from)?;
    let Some(item) = item else {
        return Ok(false);
    };
    let relationship: Relationship = item.doc().map_err(crm::CrmError::from)?;
    Ok(relationship.status != RelationshipStatus::Ended)
}
