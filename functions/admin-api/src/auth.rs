//! Who is calling. In AWS, API Gateway's JWT authorizer (the stack's Cognito user pool, or the
//! OIDC issuer it names) has already verified the token; the handler reads the caller from its
//! claims and refuses a request without them.
//! In local mode a bearer token (`WEWORK_ADMIN_TOKEN`, or one generated at start) is checked.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

#[derive(Clone)]
pub enum AuthMode {
    /// Local mode: `Authorization: Bearer <token>`.
    Bearer(Arc<str>),
    /// AWS: claims put in the request context by API Gateway's JWT authorizer.
    ApiGatewayJwt,
}

impl std::fmt::Debug for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthMode::Bearer(_) => f.write_str("Bearer(***)"),
            AuthMode::ApiGatewayJwt => f.write_str("ApiGatewayJwt"),
        }
    }
}

/// The authenticated caller, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub id: String,
    /// How the caller signed in (the console shows a logout that fits).
    pub via: SignIn,
}

/// How a caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    /// The local admin token (`wecom-crm serve`).
    Token,
    /// A Cognito JWT checked by API Gateway.
    Cognito,
    /// A JWT of another OpenID Connect provider (the stack's `OidcIssuer`), checked by API Gateway.
    Oidc,
}

/// Middleware: authenticates, then puts the [`Caller`] into the request's extensions.
pub async fn authenticate(
    State(mode): State<AuthMode>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match &mode {
        AuthMode::Bearer(expected) => bearer(&request)
            .filter(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()))
            .map(|_| Caller {
                id: "local-admin".to_owned(),
                via: SignIn::Token,
            }),
        AuthMode::ApiGatewayJwt => jwt_caller(&request),
    };
    match caller {
        Some(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        None => ApiError::unauthorized().into_response(),
    }
}

fn bearer(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn jwt_caller(request: &Request) -> Option<Caller> {
    use lambda_http::request::RequestContext;
    let Some(RequestContext::ApiGatewayV2(context)) = request.extensions().get::<RequestContext>()
    else {
        return None;
    };
    let claims = &context.authorizer.as_ref()?.jwt.as_ref()?.claims;
    let via = match claims.get("iss") {
        Some(issuer) if issuer.starts_with("https://cognito-idp.") => SignIn::Cognito,
        _ => SignIn::Oidc,
    };
    [
        "email",
        "cognito:username",
        "preferred_username",
        "username",
        "sub",
    ]
    .iter()
    .find_map(|name| claims.get(*name).filter(|v| !v.is_empty()))
    .map(|id| Caller {
        id: id.clone(),
        via,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
