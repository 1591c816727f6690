//! Who the console is signed in as.

use axum::extract::State;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, Role, SignIn};
use crate::error::ErrorBody;
use crate::state::AdminState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The stable subject id (JWT `sub`; `token:<id>` for a local staff token, `local-admin` for
    /// the operator's token): what the audit log names.
    pub id: String,
    /// For display: the e-mail, username or token name.
    pub name: String,
    /// `null`: signed in without a role (ask an admin to assign one).
    pub role: Option<Role>,
    /// A consultant's WeCom userid (their customers are those they follow).
    pub userid: Option<String>,
    pub auth: SignIn,
    /// What this deployment accepts, for the console to say before an upload is refused.
    pub limits: Limits,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Limits {
    /// The largest customer file `POST /api/customers/import` takes, in bytes (about 4 MB on
    /// AWS, where Lambda's 6 MB request holds the file base64-encoded; 9 MB locally).
    pub import_max_bytes: u64,
}

/// The caller: lets the console check a token before it stores it, and name the user.
#[utoipa::path(get, path = "/api/me", tag = "me",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
) -> Json<MeView> {
    Json(MeView {
        id: caller.id,
        name: caller.name,
        role: caller.role,
        userid: caller.userid,
        auth: caller.via,
        limits: Limits {
            import_max_bytes: u64::try_from(state.import_max_bytes).unwrap_or(u64::MAX),
        },
    })
}
