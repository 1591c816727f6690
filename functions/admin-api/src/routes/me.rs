//! Who the console is signed in as.

use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{Caller, SignIn};
use crate::error::ErrorBody;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The signed-in user: `local-admin` with the local token, else the Cognito e-mail or username.
    pub id: String,
    pub auth: SignIn,
}

/// The caller: lets the console check a token before it stores it, and name the user.
#[utoipa::path(get, path = "/api/me", tag = "me",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(Extension(caller): Extension<Caller>) -> Json<MeView> {
    Json(MeView {
        id: caller.id,
        auth: caller.via,
    })
}
