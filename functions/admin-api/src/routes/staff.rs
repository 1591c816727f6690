//! 成员: the consultants with customer contact enabled, with the names WeCom gives and a display
//! name the clinic can set (apps created since 2022-06-20 may get no names from WeCom).

use std::collections::BTreeSet;

use axum::extract::State;
use axum::{Extension, Json};
use crm::repo::{DISPLAY_NAME_MAX_CHARS, StaffDirectory, StaffRepo};
use serde::{Deserialize, Serialize};
use tracing::warn;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub userid: String,
    /// The name WeCom gives (`user/get`), when it gives one.
    pub name: Option<String>,
    /// The clinic's own name for the consultant.
    pub display_name: Option<String>,
    /// What to show: the display name, else WeCom's name, else the userid.
    pub label: String,
    /// Whether the member has customer contact enabled now (false: known from earlier only).
    pub customer_contact: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffList {
    pub items: Vec<StaffView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffUpdate {
    /// Up to 32 characters; empty or null clears it.
    pub display_name: Option<String>,
}

fn view(directory: &StaffDirectory, userid: &str, customer_contact: bool) -> StaffView {
    let entry = directory.members.get(userid).cloned().unwrap_or_default();
    StaffView {
        userid: userid.to_owned(),
        label: entry.label(userid),
        name: entry.name,
        display_name: entry.display_name,
        customer_contact,
    }
}

/// The members with customer contact (live from WeCom), then those known from earlier; names
/// are asked of WeCom once per member and kept.
#[utoipa::path(get, path = "/api/staff", tag = "staff",
    responses((status = 200, body = StaffList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody, description = "WeCom refused (errcode in the body)"), (status = 502, body = ErrorBody)))]
pub async fn list(State(state): State<AdminState>) -> ApiResult<Json<StaffList>> {
    let follow = state
        .wecom
        .get_follow_user_list()
        .await
        .map_err(|e| ApiError::wecom(&e))?;
    let repo = StaffRepo::new(state.store.clone());
    let mut directory = repo.load().await?;
    let mut fetched = Vec::new();
    for userid in &follow {
        if directory
            .members
            .get(userid)
            .is_some_and(|e| e.name_fetched)
        {
            continue;
        }
        match state.wecom.get_user_name(userid).await {
            Ok(name) => fetched.push((userid.clone(), name)),
            // Outside the app's visible range, or no right to read members: no name, not an error.
            Err(e) if e.errcode().is_some() => fetched.push((userid.clone(), None)),
            Err(e) => {
                warn!(error = %e, "user/get failed; names stay unknown this time");
                break;
            }
        }
    }
    if !fetched.is_empty() {
        directory = repo
            .update(|d| {
                for (userid, name) in &fetched {
                    let entry = d.members.entry(userid.clone()).or_default();
                    entry.name.clone_from(name);
                    entry.name_fetched = true;
                }
            })
            .await?;
    }
    let live: BTreeSet<&String> = follow.iter().collect();
    let mut items: Vec<StaffView> = follow
        .iter()
        .map(|userid| view(&directory, userid, true))
        .collect();
    items.extend(
        directory
            .members
            .keys()
            .filter(|userid| !live.contains(userid))
            .map(|userid| view(&directory, userid, false)),
    );
    Ok(Json(StaffList { items }))
}

/// Sets (or clears) a consultant's display name.
#[utoipa::path(patch, path = "/api/staff/{userid}", tag = "staff",
    params(("userid" = String, Path, description = "The member's userid")),
    request_body = StaffUpdate,
    responses((status = 200, body = StaffView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody, description = "WeCom refused (errcode in the body)"), (status = 502, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(userid): ApiPath<String>,
    ApiJson(req): ApiJson<StaffUpdate>,
) -> ApiResult<Json<StaffView>> {
    let display_name = req
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if let Some(name) = &display_name {
        if name.chars().count() > DISPLAY_NAME_MAX_CHARS {
            return Err(ApiError::invalid_field(
                "display_name",
                format!("显示名称最多 {DISPLAY_NAME_MAX_CHARS} 个字"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ApiError::invalid_field(
                "display_name",
                "显示名称不能包含控制字符",
            ));
        }
    }
    let repo = StaffRepo::new(state.store.clone());
    let known = repo.load().await?.members.contains_key(&userid);
    let follow = state
        .wecom
        .get_follow_user_list()
        .await
        .map_err(|e| ApiError::wecom(&e))?;
    let customer_contact = follow.contains(&userid);
    if !known && !customer_contact {
        return Err(ApiError::not_found("该成员"));
    }
    let directory = repo
        .update(|d| {
            d.members.entry(userid.clone()).or_default().display_name = display_name.clone();
        })
        .await?;
    state
        .audited(
            &caller,
            "staff.update",
            &userid,
            vec!["display_name".to_owned()],
        )
        .await?;
    Ok(Json(view(&directory, &userid, customer_contact)))
}
