//! `POST /api/customers/{external_userid}/tags`: corp tags added to and removed from one
//! relationship, in WeCom and then locally.

use axum::Json;
use axum::extract::{Extension, State};
use crm::model::{RelationshipStatus, TimelineEvent};
use serde::Deserialize;
use utoipa::ToSchema;
use wecom_api::model::MarkTag;

use crm::tags::live_tag;

use super::sync::gone;
use super::views::RelationshipView;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkTagsRequest {
    /// The follow-user whose relationship is tagged.
    pub userid: String,
    #[serde(default)]
    pub add_tag: Vec<String>,
    #[serde(default)]
    pub remove_tag: Vec<String>,
}

/// Adds and removes corp tags on one relationship in WeCom (`mark_tag`), then locally (WeCom
/// sends no callback for API changes).
#[utoipa::path(post, path = "/api/customers/{external_userid}/tags", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    request_body = MarkTagsRequest,
    responses((status = 200, body = RelationshipView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn mark_tags(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
    ApiJson(req): ApiJson<MarkTagsRequest>,
) -> ApiResult<Json<RelationshipView>> {
    let userid = req.userid.trim().to_owned();
    if userid.is_empty() {
        return Err(ApiError::invalid_field("userid", "请填写跟进成员的 userid"));
    }
    if req.add_tag.is_empty() && req.remove_tag.is_empty() {
        return Err(ApiError::invalid_field(
            "add_tag",
            "add_tag 和 remove_tag 不能同时为空",
        ));
    }
    if req.add_tag.iter().any(|t| req.remove_tag.contains(t)) {
        return Err(ApiError::invalid_field(
            "remove_tag",
            "同一个标签不能既添加又移除",
        ));
    }
    let repo = state.customers();
    let Some(rel) = repo.get_relationship(&external_userid, &userid).await? else {
        return Err(ApiError::not_found("该成员与客户的关系"));
    };
    if rel.status == RelationshipStatus::Ended {
        return Err(ApiError::conflict(
            "该成员与客户的好友关系已结束，无法打标签",
        ));
    }
    // Every tag to add must be a live corp tag (WeCom is asked once if one is unknown here).
    let groups = match state.tag_service().with_live_tags(&req.add_tag).await? {
        Ok(groups) => groups,
        Err(unknown) => {
            return Err(ApiError::invalid_field(
                "add_tag",
                format!("标签 {unknown} 不存在或已被删除"),
            ));
        }
    };
    state
        .wecom
        .mark_tag(&MarkTag {
            userid: userid.clone(),
            external_userid: external_userid.clone(),
            add_tag: req.add_tag.clone(),
            remove_tag: req.remove_tag.clone(),
        })
        .await
        .map_err(|e| gone(&e).unwrap_or_else(|| ApiError::wecom(&e)))?;
    let now = state.clock.now_ms();
    let updated = repo
        .update_relationship(&external_userid, &userid, |current| {
            let mut rel = current?;
            rel.tags.retain(|t| {
                t.tag_id
                    .as_ref()
                    .is_none_or(|id| !req.remove_tag.contains(id))
            });
            for id in &req.add_tag {
                if rel.has_tag(id) {
                    continue;
                }
                if let Some((group_name, tag_name)) = live_tag(&groups, id) {
                    rel.tags.push(wecom_api::model::FollowUserTag {
                        group_name,
                        tag_name,
                        tag_id: Some(id.clone()),
                        tag_type: 1,
                    });
                }
            }
            rel.updated_at_ms = now;
            Some(rel)
        })
        .await?
        .unwrap_or(rel);
    repo.add_timeline(
        &external_userid,
        &format!("tags-{now}-{userid}"),
        &TimelineEvent {
            at_ms: now,
            kind: "tagged".into(),
            userid: Some(userid.clone()),
            detail: Some(format!(
                "+{} -{}",
                req.add_tag.join(","),
                req.remove_tag.join(",")
            )),
        },
    )
    .await?;
    let mut fields = Vec::new();
    if !req.add_tag.is_empty() {
        fields.push("add_tag".to_owned());
    }
    if !req.remove_tag.is_empty() {
        fields.push("remove_tag".to_owned());
    }
    state
        .audited(
            &caller,
            "customer.tags",
            &format!("{external_userid}/{userid}"),
            fields,
        )
        .await?;
    Ok(Json((&updated).into()))
}
