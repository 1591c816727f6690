//! The admin API: the clinic console's backend, as one axum router.
//!
//! In AWS it runs behind API Gateway (HTTP API, payload 2.0, a Cognito JWT authorizer) through
//! `lambda_http`; locally the same router is served under `/api` by `wecom-crm serve` with a
//! bearer token. Errors are `{ "error": { "code", "message", "field"? } }` with messages in
//! Chinese; `GET /api/openapi.json` is generated from the code (and checked in under docs/).

pub mod auth;
pub mod authz;
pub mod error;
pub mod routes;
pub mod state;

use axum::Router;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, patch, post, put};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

pub use auth::{AuthMode, Caller, CustomerScope, Role, TokenDirectory};
pub use error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult};
pub use state::AdminState;

use routes::{
    appointments, audit, automations, callback_logs, campaigns, config, contact_ways, customers,
    dead_letters, exports, handovers, leads, me, media, messages, overview, performance, pipeline,
    privacy, records, staff, stats, sync, tags,
};

/// The OpenAPI document, generated from the handlers and types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "企业微信客户联系 CRM — admin API",
        description = "Configuration, WeCom event log and audit log of the clinic CRM. Every route needs a bearer JWT (AWS: Cognito) or the local admin token.",
        version = "1"
    ),
    paths(
        me::me,
        overview::overview,
        staff::list,
        staff::patch,
        config::get_config,
        config::put_config,
        config::test_config,
        callback_logs::list,
        callback_logs::get_one,
        callback_logs::replay,
        audit::list,
        audit::verify,
        sync::start,
        sync::runs,
        sync::run,
        handovers::create,
        handovers::list,
        handovers::get_one,
        handovers::refresh,
        handovers::unassigned,
        contact_ways::create,
        contact_ways::list,
        contact_ways::get_one,
        contact_ways::patch,
        contact_ways::delete,
        contact_ways::qrcode,
        customers::list,
        customers::get_one,
        customers::patch,
        customers::sync,
        customers::mark_tags,
        customers::edit_remark,
        customers::export,
        customers::erase,
        customers::consents,
        customers::record_consent,
        customers::import,
        customers::import_progress,
        customers::export_list,
        privacy::get_retention,
        privacy::put_retention,
        leads::list_leads,
        exports::campaign_recipients,
        exports::channel_report,
        appointments::of_customer,
        records::purchases,
        appointments::create,
        appointments::list,
        appointments::get_one,
        appointments::change_status,
        appointments::reschedule,
        appointments::booking_customers,
        appointments::booking_create,
        appointments::booking_get,
        records::create_purchase,
        tags::list,
        tags::create,
        tags::edit,
        tags::delete,
        stats::channels,
        stats::rebuild,
        pipeline::stats,
        pipeline::set_stage,
        performance::consultants,
        performance::import,
        campaigns::create,
        campaigns::preview,
        campaigns::list,
        campaigns::get_one,
        campaigns::recipients,
        campaigns::links,
        campaigns::cancel,
        campaigns::remind,
        media::upload,
        messages::send,
        messages::log,
        automations::list,
        automations::create,
        automations::get_one,
        automations::patch,
        automations::delete,
        automations::runs,
        automations::run_now,
        dead_letters::list,
        dead_letters::replay,
    ),
    components(schemas(routes::customers::CustomerSort)),
    modifiers(&BearerAuth, &CommonErrors, &Discriminators, &OperationIds),
    security(("bearer" = [])),
    tags(
        (name = "me", description = "当前登录用户"),
        (name = "overview", description = "概览"),
        (name = "staff", description = "成员（跟进人）"),
        (name = "config", description = "企业微信配置"),
        (name = "callback-logs", description = "企业微信事件日志"),
        (name = "audit", description = "操作审计"),
        (name = "sync", description = "与企业微信同步"),
        (name = "customers", description = "客户"),
        (name = "privacy", description = "数据保留（个人信息保留期限）"),
        (name = "tags", description = "企业客户标签"),
        (name = "records", description = "预约与消费记录"),
        (name = "appointments", description = "预约（日历、状态、改期、预约确认与提醒）"),
        (name = "booking", description = "预约系统 / 小程序接口（专用凭证）"),
        (name = "stats", description = "渠道统计"),
        (name = "contact-ways", description = "「联系我」二维码"),
        (name = "handovers", description = "客户继承（在职继承、离职继承）"),
        (name = "campaigns", description = "客户群发活动"),
        (name = "messages", description = "单独发送与消息记录"),
        (name = "automations", description = "自动化规则（生日、回访、唤醒）"),
        (name = "operations", description = "死信队列"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The answers every operation can give whatever its handler does: 401 from the authentication
/// middleware, 400 from the JSON/query/path extractors wherever the operation takes input, and
/// 503 when the store or the queue is unavailable (every handler reads or writes the store).
struct CommonErrors;

impl utoipa::Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if path != "/api/me" {
                    operation
                        .responses
                        .responses
                        .entry("403".to_owned())
                        .or_insert_with(|| {
                            error(
                                "The caller's role may not do this, or the customer is not theirs",
                            )
                        });
                }
                let takes_input = operation.request_body.is_some()
                    || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let responses = &mut operation.responses.responses;
                if takes_input {
                    responses
                        .entry("400".to_owned())
                        .or_insert_with(|| error("Invalid request"));
                }
                responses
                    .entry("401".to_owned())
                    .or_insert_with(|| error("Missing or invalid bearer token"));
                responses
                    .entry("503".to_owned())
                    .or_insert_with(|| error("Temporarily unavailable; retry later"));
            }
        }
    }
}

/// Handler names repeat across modules (`list`, `get_one`, `create`…), and an operationId must be
/// unique in the document (generated clients name functions after it). Each id becomes
/// `<tag>_<handler>` (`contact_ways_list`), the tag being the operation's first tag.
struct OperationIds;

impl utoipa::Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let tag = operation
                    .tags
                    .as_ref()
                    .and_then(|tags| tags.first())
                    .map(|tag| tag.replace('-', "_"));
                if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut())
                    && !id.starts_with(&format!("{tag}_"))
                {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}

/// Tagged unions (`#[serde(tag = "type")]`, `tag = "msgtype"`) come out of utoipa as a `oneOf`
/// of inline objects, each requiring the tag as a one-value string enum. This names that
/// property as the `discriminator`, so generators see the union for what it is.
struct Discriminators;

impl utoipa::Modify for Discriminators {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{Discriminator, Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::OneOf(one_of)) = schema else {
                continue;
            };
            // Each variant's single-valued, required string properties.
            let tags: Vec<Vec<&String>> = one_of
                .items
                .iter()
                .map(|item| match item {
                    RefOr::T(Schema::Object(o)) => o
                        .properties
                        .iter()
                        .filter(|(name, p)| {
                            o.required.contains(name)
                                && matches!(p, RefOr::T(Schema::Object(p))
                                    if p.enum_values.as_ref().is_some_and(|v| v.len() == 1 && v[0].is_string()))
                        })
                        .map(|(name, _)| name)
                        .collect(),
                    _ => Vec::new(),
                })
                .collect();
            let Some(first) = tags.first() else {
                continue;
            };
            let common = first
                .iter()
                .find(|name| tags.iter().all(|t| t.contains(name)));
            if let Some(name) = common {
                one_of.discriminator = Some(Discriminator::new(name.as_str()));
            }
        }
    }
}

/// The OpenAPI document as pretty JSON (what `GET /api/openapi.json` serves).
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
}

/// Every `/api` route, authenticated.
pub fn router(state: AdminState, auth: AuthMode) -> Router {
    let import_body_limit = state.import_max_bytes + 64 * 1024;
    Router::new()
        .route("/api/me", get(me::me))
        .route("/api/overview", get(overview::overview))
        .route("/api/staff", get(staff::list))
        .route("/api/staff/{userid}", patch(staff::patch))
        .route(
            "/api/config",
            get(config::get_config).put(config::put_config),
        )
        .route("/api/config/test", post(config::test_config))
        .route(
            "/api/privacy/retention",
            get(privacy::get_retention).put(privacy::put_retention),
        )
        .route("/api/callback-logs", get(callback_logs::list))
        .route("/api/callback-logs/{id}", get(callback_logs::get_one))
        .route(
            "/api/callback-logs/{id}/replay",
            post(callback_logs::replay),
        )
        .route("/api/audit-logs", get(audit::list))
        .route("/api/audit-logs/verify", get(audit::verify))
        .route("/api/sync", post(sync::start))
        .route("/api/sync/runs", get(sync::runs))
        .route("/api/sync/runs/{id}", get(sync::run))
        .route("/api/customers", get(customers::list))
        .route(
            "/api/customers/import",
            post(customers::import).layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .route("/api/customers/export", get(customers::export_list))
        .route(
            "/api/customers/imports/{id}",
            get(customers::import_progress),
        )
        .route("/api/leads", get(leads::list_leads))
        .route(
            "/api/campaigns/{id}/recipients/export",
            get(exports::campaign_recipients),
        )
        .route("/api/stats/channels/export", get(exports::channel_report))
        .route(
            "/api/customers/{external_userid}",
            get(customers::get_one).patch(customers::patch),
        )
        .route(
            "/api/customers/{external_userid}/sync",
            post(customers::sync),
        )
        .route(
            "/api/customers/{external_userid}/tags",
            post(customers::mark_tags),
        )
        .route(
            "/api/customers/{external_userid}/relationships/{userid}",
            patch(customers::edit_remark),
        )
        .route(
            "/api/customers/{external_userid}/export",
            get(customers::export),
        )
        .route(
            "/api/customers/{external_userid}/erase",
            post(customers::erase),
        )
        .route(
            "/api/customers/{external_userid}/consents",
            get(customers::consents).post(customers::record_consent),
        )
        .route(
            "/api/customers/{external_userid}/appointments",
            get(appointments::of_customer),
        )
        .route(
            "/api/customers/{external_userid}/purchases",
            get(records::purchases),
        )
        .route(
            "/api/appointments",
            get(appointments::list).post(appointments::create),
        )
        .route("/api/appointments/{id}", get(appointments::get_one))
        .route(
            "/api/appointments/{id}/status",
            post(appointments::change_status),
        )
        .route(
            "/api/appointments/{id}/reschedule",
            post(appointments::reschedule),
        )
        .route(
            "/api/booking/customers",
            get(appointments::booking_customers),
        )
        .route(
            "/api/booking/appointments",
            post(appointments::booking_create),
        )
        .route(
            "/api/booking/appointments/{booking_id}",
            get(appointments::booking_get),
        )
        .route("/api/purchases", post(records::create_purchase))
        .route(
            "/api/handovers",
            get(handovers::list).post(handovers::create),
        )
        .route("/api/handovers/unassigned", get(handovers::unassigned))
        .route("/api/handovers/{id}", get(handovers::get_one))
        .route("/api/handovers/{id}/refresh", post(handovers::refresh))
        .route("/api/tags", get(tags::list).post(tags::create))
        .route("/api/tags/{id}", patch(tags::edit).delete(tags::delete))
        .route("/api/stats/channels", get(stats::channels))
        .route("/api/stats/rebuild", post(stats::rebuild))
        .route("/api/stats/pipeline", get(pipeline::stats))
        .route(
            "/api/customers/{external_userid}/stage",
            put(pipeline::set_stage),
        )
        .route("/api/stats/consultants", get(performance::consultants))
        .route("/api/stats/consultants/import", post(performance::import))
        .route(
            "/api/contact-ways",
            get(contact_ways::list).post(contact_ways::create),
        )
        .route(
            "/api/contact-ways/{config_id}",
            get(contact_ways::get_one)
                .patch(contact_ways::patch)
                .delete(contact_ways::delete),
        )
        .route(
            "/api/contact-ways/{config_id}/qrcode",
            get(contact_ways::qrcode),
        )
        .route(
            "/api/campaigns",
            get(campaigns::list).post(campaigns::create),
        )
        .route("/api/campaigns/preview", post(campaigns::preview))
        .route("/api/campaigns/{id}", get(campaigns::get_one))
        .route("/api/campaigns/{id}/recipients", get(campaigns::recipients))
        .route("/api/campaigns/{id}/links", get(campaigns::links))
        .route("/api/campaigns/{id}/cancel", post(campaigns::cancel))
        .route("/api/campaigns/{id}/remind", post(campaigns::remind))
        .route("/api/media", post(media::upload))
        .route("/api/messages", get(messages::log).post(messages::send))
        .route(
            "/api/automations",
            get(automations::list).post(automations::create),
        )
        .route(
            "/api/automations/{id}",
            get(automations::get_one)
                .patch(automations::patch)
                .delete(automations::delete),
        )
        .route("/api/automations/{id}/runs", get(automations::runs))
        .route("/api/automations/{id}/run", post(automations::run_now))
        .route("/api/dead-letters", get(dead_letters::list))
        .route("/api/dead-letters/{id}/replay", post(dead_letters::replay))
        .route(
            "/api/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    openapi_json(),
                )
            }),
        )
        // Not a router-wide fallback: local mode merges this router with others and serves the
        // console as its fallback.
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { ApiError::not_found("该接口").into_response() }),
        )
        // After routing (it needs the route's template): each role's access, and the
        // consultant's customer scope. Then, outermost, authentication.
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            authz::authorize,
        ))
        .with_state(state)
        .layer(middleware::from_fn_with_state(auth, auth::authenticate))
}
