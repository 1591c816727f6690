//! Media for campaign attachments (images, videos, files), kept by content hash and uploaded
//! to WeCom when a task needs them (a WeCom media_id lives 3 days; it is renewed as needed).

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use base64::Engine;
use crm::campaign::media::MediaRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::state::AdminState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMedia {
    /// 1–100 characters, e.g. `double12.png`.
    pub filename: String,
    /// `image` (JPG/PNG), `video` (MP4) or `file`.
    #[schema(value_type = MediaKindName)]
    pub kind: String,
    /// The file, base64 (at most 256 KB decoded).
    pub data_base64: String,
}

/// What a media file is used as.
#[derive(ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum MediaKindName {
    Image,
    Video,
    File,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaView {
    #[serde(flatten)]
    pub media: MediaRecord,
}

/// Stores a file for attachments; reference it by `hash` in a campaign's content.
#[utoipa::path(post, path = "/api/media", tag = "campaigns", request_body = NewMedia,
    responses((status = 201, body = MediaView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<NewMedia>,
) -> ApiResult<(StatusCode, Json<MediaView>)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(req.data_base64.trim())
        .map_err(|_| ApiError::invalid_field("data_base64", "文件内容必须是 base64 编码"))?;
    let media = state
        .campaigns
        .save_media(&req.filename, &req.kind, &bytes)
        .await?;
    state
        .audited(&caller, "media.upload", &media.hash, Vec::new())
        .await?;
    Ok((StatusCode::CREATED, Json(MediaView { media })))
}
