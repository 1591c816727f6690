//! The corp tag catalogue (企业客户标签): the local copy, refreshed from WeCom on demand; tags
//! created, renamed and deleted through WeCom.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wecom_api::model::{AddCorpTag, CorpTagGroup, NewTag};
use wecom_api::{WeComError, errcode};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;
use crm::tags::tag_name;

#[derive(Debug, Serialize, ToSchema)]
pub struct TagView {
    pub id: String,
    pub name: String,
    pub create_time: i64,
    /// Higher sorts first.
    pub order: u32,
    pub deleted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagGroupView {
    pub group_id: String,
    pub group_name: String,
    pub create_time: i64,
    pub order: u32,
    pub deleted: bool,
    pub tag: Vec<TagView>,
}

impl From<&CorpTagGroup> for TagGroupView {
    fn from(g: &CorpTagGroup) -> Self {
        let mut tag: Vec<TagView> = g
            .tag
            .iter()
            .map(|t| TagView {
                id: t.id.clone(),
                name: t.name.clone(),
                create_time: t.create_time,
                order: t.order,
                deleted: t.deleted,
            })
            .collect();
        tag.sort_by(|a, b| b.order.cmp(&a.order).then_with(|| a.id.cmp(&b.id)));
        Self {
            group_id: g.group_id.clone(),
            group_name: g.group_name.clone(),
            create_time: g.create_time,
            order: g.order,
            deleted: g.deleted,
            tag,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagCatalogueView {
    pub tag_group: Vec<TagGroupView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagListQuery {
    /// `true`: pull WeCom's catalogue (`get_corp_tag_list`) first.
    #[param(value_type = Option<bool>)]
    pub refresh: Option<String>,
    /// `true`: include groups and tags deleted in WeCom (customers' history still names them).
    #[param(value_type = Option<bool>)]
    pub include_deleted: Option<String>,
}

fn flag(field: &str, v: Option<&str>) -> ApiResult<bool> {
    match v.map(str::trim) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(ApiError::invalid_field(
            field,
            format!("{field} 只能是 true 或 false"),
        )),
    }
}

/// A tag service failure; WeCom's "not this app's tag" (81011) is a 403.
fn tag_error(e: crm::CrmError) -> ApiError {
    match e {
        crm::CrmError::WeCom(w) => explain(&w),
        other => other.into(),
    }
}

fn explain(e: &WeComError) -> ApiError {
    match e.errcode() {
        Some(errcode::TAG_NOT_OWNED) => ApiError {
            status: StatusCode::FORBIDDEN,
            code: "forbidden",
            message: "只能编辑或删除本应用创建的标签".to_owned(),
            field: None,
            errcode: Some(errcode::TAG_NOT_OWNED),
        },
        _ => ApiError::wecom(e),
    }
}

async fn catalogue_view(state: &AdminState, include_deleted: bool) -> ApiResult<TagCatalogueView> {
    let mut groups = state.tags().groups().await?;
    groups.sort_by(|a, b| {
        b.order
            .cmp(&a.order)
            .then_with(|| a.group_id.cmp(&b.group_id))
    });
    let tag_group = groups
        .iter()
        .filter(|g| include_deleted || !g.deleted)
        .map(|g| {
            let mut view = TagGroupView::from(g);
            if !include_deleted {
                view.tag.retain(|t| !t.deleted);
            }
            view
        })
        .collect();
    Ok(TagCatalogueView { tag_group })
}

/// The tag groups with their tags, from the local catalogue.
#[utoipa::path(get, path = "/api/tags", tag = "tags", params(TagListQuery),
    responses((status = 200, body = TagCatalogueView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<TagListQuery>,
) -> ApiResult<Json<TagCatalogueView>> {
    let refresh = flag("refresh", q.refresh.as_deref())?;
    let include_deleted = flag("include_deleted", q.include_deleted.as_deref())?;
    if refresh {
        state.tag_service().refresh().await?;
    }
    Ok(Json(catalogue_view(&state, include_deleted).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTagRequest {
    pub name: String,
    pub order: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTagsRequest {
    /// An existing group; `group_name` is then ignored.
    pub group_id: Option<String>,
    /// A new or existing group, at most 30 characters.
    pub group_name: Option<String>,
    /// The new group's order.
    pub order: Option<u32>,
    pub tag: Vec<NewTagRequest>,
}

/// Creates tags in WeCom (`add_corp_tag`) and merges them into the local catalogue.
#[utoipa::path(post, path = "/api/tags", tag = "tags", request_body = CreateTagsRequest,
    responses((status = 201, body = TagGroupView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<CreateTagsRequest>,
) -> ApiResult<(StatusCode, Json<TagGroupView>)> {
    let group_id = req
        .group_id
        .map(|g| g.trim().to_owned())
        .filter(|g| !g.is_empty());
    let group_name = match (&group_id, req.group_name.as_deref()) {
        (Some(_), _) => None,
        (None, Some(n)) => Some(tag_name("group_name", n)?),
        (None, None) => {
            return Err(ApiError::invalid_field(
                "group_name",
                "请填写标签组名称（group_name）或标签组 ID（group_id）",
            ));
        }
    };
    if req.tag.is_empty() {
        return Err(ApiError::invalid_field("tag", "至少要创建一个标签"));
    }
    let mut tags = Vec::with_capacity(req.tag.len());
    for t in &req.tag {
        tags.push(NewTag {
            name: tag_name("tag", &t.name)?,
            order: t.order,
        });
    }
    let stored = state
        .tag_service()
        .create(AddCorpTag {
            group_id,
            group_name,
            order: req.order,
            tag: tags,
        })
        .await?;
    state
        .audited(&caller, "tag.create", &stored.group_id, vec!["tag".into()])
        .await?;
    Ok((StatusCode::CREATED, Json((&stored).into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditTagRequest {
    /// At most 30 characters.
    pub name: Option<String>,
    pub order: Option<u32>,
}

/// Renames and/or reorders a tag or a group (`edit_corp_tag`). WeCom only lets an app edit
/// tags it created (81011 → 403).
#[utoipa::path(patch, path = "/api/tags/{id}", tag = "tags",
    params(("id" = String, Path, description = "Tag id or group id")),
    request_body = EditTagRequest,
    responses((status = 200, body = TagCatalogueView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<EditTagRequest>,
) -> ApiResult<Json<TagCatalogueView>> {
    let name = req
        .name
        .as_deref()
        .map(|n| tag_name("name", n))
        .transpose()?;
    if name.is_none() && req.order.is_none() {
        return Err(ApiError::invalid_field(
            "name",
            "请填写新名称（name）或排序值（order）",
        ));
    }
    let found = state
        .tag_service()
        .edit(&id, name.as_deref(), req.order)
        .await
        .map_err(tag_error)?;
    if !found {
        return Err(ApiError::not_found("该标签"));
    }
    let mut fields = Vec::new();
    if name.is_some() {
        fields.push("name".to_owned());
    }
    if req.order.is_some() {
        fields.push("order".to_owned());
    }
    state.audited(&caller, "tag.update", &id, fields).await?;
    Ok(Json(catalogue_view(&state, false).await?))
}

/// Deletes a tag or a whole group in WeCom (`del_corp_tag`); the local copy keeps it, marked
/// deleted. WeCom only lets an app delete tags it created (81011 → 403).
#[utoipa::path(delete, path = "/api/tags/{id}", tag = "tags",
    params(("id" = String, Path, description = "Tag id or group id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    if !state.tag_service().delete(&id).await.map_err(tag_error)? {
        return Err(ApiError::not_found("该标签"));
    }
    state
        .audited(&caller, "tag.delete", &id, Vec::new())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
