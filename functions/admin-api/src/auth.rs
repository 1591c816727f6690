//! Who is calling. In AWS, API Gateway's JWT authorizer (the stack's Cognito user pool, or the
//! OIDC issuer it names) has already verified the token; the handler reads the caller from its
//! claims and refuses a request without them.
//! In local mode a bearer token (`WEWORK_ADMIN_TOKEN`, or one generated at start) is checked.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// How callers authenticate.
#[derive(Clone)]
pub enum AuthMode {
    /// Local mode: `Authorization: Bearer <token>` — the operator's admin token
    /// (`WEWORK_ADMIN_TOKEN`, or one generated at start) or a staff token of the directory
    /// (`wecom-crm token create`).
    Bearer {
        admin: Arc<str>,
        directory: Option<Arc<dyn TokenDirectory>>,
    },
    /// AWS: claims put in the request context by API Gateway's JWT authorizer.
    ApiGatewayJwt,
}

impl AuthMode {
    /// Local mode with the admin token only.
    pub fn bearer(admin: impl Into<Arc<str>>) -> Self {
        AuthMode::Bearer {
            admin: admin.into(),
            directory: None,
        }
    }

    /// Local mode with the admin token and a directory of staff tokens.
    pub fn bearer_with(admin: impl Into<Arc<str>>, directory: Arc<dyn TokenDirectory>) -> Self {
        AuthMode::Bearer {
            admin: admin.into(),
            directory: Some(directory),
        }
    }
}

impl std::fmt::Debug for AuthMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthMode::Bearer { .. } => f.write_str("Bearer(***)"),
            AuthMode::ApiGatewayJwt => f.write_str("ApiGatewayJwt"),
        }
    }
}

/// Staff bearer tokens (local mode): which caller a presented token stands for.
pub trait TokenDirectory: Send + Sync {
    /// The caller of a live (not revoked) token; `None` for anything else.
    fn caller(&self, presented: &str) -> Option<Caller>;
}

/// What a caller may do. Ordered: each role may do what the ones before it may.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 预约系统: a machine credential of the clinic's booking system or mini-program. Below
    /// every staff role and outside their order: it reaches only `/api/booking/*` (books
    /// appointments, finds a customer by phone or unionid) — see `authz::Access::Booking`.
    Booking,
    /// 顾问: the customers they follow — lists, details, CRM fields, tags, records, messages.
    Consultant,
    /// 主管: every customer, campaigns, automations, 「联系我」, tags, statistics.
    Manager,
    /// 管理员: also the WeCom configuration and secrets, consent mode, event log and replays,
    /// dead letters, audit, data-subject requests.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Booking, Role::Consultant, Role::Manager, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Booking => "booking",
            Role::Consultant => "consultant",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(value.trim()))
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The stable subject id (JWT `sub`; `token:<id>` for a local staff token, `local-admin`
    /// for the operator's token): the audit log's actor. E-mails and usernames can change.
    pub id: String,
    /// For display only (e-mail, username or the token's name).
    pub name: String,
    /// `None`: signed in, but no role assigned yet (only `GET /api/me` answers).
    pub role: Option<Role>,
    /// The consultant's WeCom userid: which customers they follow.
    pub userid: Option<String>,
    /// How the caller signed in (the console shows a logout that fits).
    pub via: SignIn,
}

/// Which customers a caller may see and act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerScope {
    All,
    /// Those with a relationship (not ended) with this WeCom userid.
    FollowedBy(String),
    /// A consultant without a WeCom userid: none.
    Nobody,
}

impl Caller {
    /// The operator's local admin token.
    pub fn local_admin() -> Self {
        Caller {
            id: "local-admin".to_owned(),
            name: "local-admin".to_owned(),
            role: Some(Role::Admin),
            userid: None,
            via: SignIn::Token,
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.role.is_some_and(|r| r >= role)
    }

    /// A staff member (any role but the booking system's credential).
    pub fn is_staff(&self) -> bool {
        self.role.is_some_and(|r| r >= Role::Consultant)
    }

    pub fn customer_scope(&self) -> CustomerScope {
        match (self.role, &self.userid) {
            (Some(Role::Manager | Role::Admin), _) => CustomerScope::All,
            (Some(Role::Consultant), Some(userid)) if !userid.is_empty() => {
                CustomerScope::FollowedBy(userid.clone())
            }
            _ => CustomerScope::Nobody,
        }
    }
}

/// How a caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignIn {
    /// A local token (`wecom-crm serve`: the admin token or a staff token).
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
        AuthMode::Bearer { admin, directory } => bearer(&request).and_then(|given| {
            if constant_time_eq(given.as_bytes(), admin.as_bytes()) {
                Some(Caller::local_admin())
            } else {
                directory.as_ref().and_then(|d| d.caller(given))
            }
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
    caller_from_claims(|name| claims.get(name).map(String::as_str))
}

/// The caller from a verified JWT's claims: the subject (`sub`) is the stable id; the role is
/// the highest of the groups `admin`, `manager`, `consultant` (`cognito:groups`, else `groups`
/// or `roles`; API Gateway hands arrays over as `[a b]`); the consultant's WeCom userid is
/// `custom:wecom_userid` (a Cognito user attribute, in the ID token) or `wecom_userid`.
pub fn caller_from_claims<'a>(claim: impl Fn(&str) -> Option<&'a str>) -> Option<Caller> {
    let present = |name: &str| claim(name).map(str::trim).filter(|v| !v.is_empty());
    let via = match present("iss") {
        Some(issuer) if issuer.starts_with("https://cognito-idp.") => SignIn::Cognito,
        _ => SignIn::Oidc,
    };
    let name = [
        "email",
        "preferred_username",
        "cognito:username",
        "username",
    ]
    .iter()
    .find_map(|n| present(n));
    let id = present("sub").or(name)?;
    let role = ["cognito:groups", "groups", "roles"]
        .iter()
        .filter_map(|n| present(n))
        .flat_map(|groups| {
            groups
                .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
                .map(|g| g.trim_matches('"'))
                .filter_map(Role::parse)
                .collect::<Vec<_>>()
        })
        .max()
        // A machine token (Cognito client credentials) carries scopes, not groups: the
        // resource server's `booking` scope is the booking system's credential.
        .or_else(|| {
            present("scope").and_then(|scopes| {
                scopes
                    .split_whitespace()
                    .any(|s| s.rsplit('/').next() == Some("booking") && s.contains('/'))
                    .then_some(Role::Booking)
            })
        });
    let userid = ["custom:wecom_userid", "wecom_userid"]
        .iter()
        .find_map(|n| present(n))
        .map(str::to_owned);
    Some(Caller {
        id: id.to_owned(),
        name: name.unwrap_or(id).to_owned(),
        role,
        userid,
        via,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
