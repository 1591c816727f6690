//! Media for campaign attachments. The clinic uploads a file once (`POST /api/media`); it is
//! kept by the SHA-1 of its content and uploaded to WeCom (`media/upload`) when a task needs it.
//! A `media_id` lives 3 days: it is cached on the record and uploaded again after that.

use base64::Engine;
use ports::{Condition, Item};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use wecom_api::model::MediaKind;

use super::Campaigns;
use crate::keys::{MEDIA_BLOB_SK, MEDIA_SK, media_pk};
use crate::{CrmError, FieldError};

/// Largest file kept in the item store (DynamoDB's item limit is 400 KB after base64).
pub const MAX_MEDIA_BYTES: usize = 256 * 1024;
/// WeCom keeps a media_id 3 days; it is renewed an hour before.
pub const MEDIA_ID_TTL_MS: i64 = 3 * 86_400_000 - 3_600_000;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRecord {
    pub hash: String,
    pub filename: String,
    /// `image`, `video` or `file`.
    pub kind: String,
    pub size: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_at_ms: Option<i64>,
    /// How many times it was uploaded to WeCom.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub uploads: u32,
    /// The permanent WeCom URL of an image (`media/uploadimg`), once uploaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MediaBlob {
    data: String,
}

pub fn media_kind(kind: &str) -> Option<MediaKind> {
    match kind {
        "image" => Some(MediaKind::Image),
        "video" => Some(MediaKind::Video),
        "file" => Some(MediaKind::File),
        _ => None,
    }
}

pub fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

impl Campaigns {
    /// Keeps a file for attachments; the same content gives the same hash (stored once).
    pub async fn save_media(
        &self,
        filename: &str,
        kind: &str,
        bytes: &[u8],
    ) -> Result<MediaRecord, CrmError> {
        let filename = filename.trim();
        if filename.is_empty() || filename.chars().count() > 100 || filename.contains(['/', '\\']) {
            return Err(FieldError::new(
                "filename",
                "文件名不能为空、不能含路径，且不超过 100 个字",
            )
            .into());
        }
        if media_kind(kind).is_none() {
            return Err(FieldError::new("kind", "素材类型只能是 image、video 或 file").into());
        }
        if bytes.len() <= 5 || bytes.len() > MAX_MEDIA_BYTES {
            return Err(FieldError::new(
                "data_base64",
                format!("文件大小必须在 6 字节到 {} KB 之间", MAX_MEDIA_BYTES / 1024),
            )
            .into());
        }
        let hash = content_hash(bytes);
        if let Some(existing) = self.media(&hash).await? {
            return Ok(existing);
        }
        let record = MediaRecord {
            hash: hash.clone(),
            filename: filename.to_owned(),
            kind: kind.to_owned(),
            size: bytes.len(),
            media_id: None,
            uploaded_at_ms: None,
            uploads: 0,
            image_url: None,
            created_at_ms: self.clock.now_ms(),
        };
        let blob = MediaBlob {
            data: base64::engine::general_purpose::STANDARD.encode(bytes),
        };
        self.store
            .put(
                Item::with_doc(media_pk(&hash), MEDIA_BLOB_SK, &blob)?,
                Condition::Always,
            )
            .await?;
        self.store
            .put(
                Item::with_doc(media_pk(&hash), MEDIA_SK, &record)?,
                Condition::Always,
            )
            .await?;
        Ok(record)
    }

    pub async fn media(&self, hash: &str) -> Result<Option<MediaRecord>, CrmError> {
        match self.store.get(&media_pk(hash), MEDIA_SK).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// A valid WeCom media_id for the file: the cached one while it lives, else a new upload.
    pub async fn media_id(&self, hash: &str) -> Result<String, CrmError> {
        let Some(mut record) = self.media(hash).await? else {
            return Err(CrmError::not_found("media", hash));
        };
        let now = self.clock.now_ms();
        if let (Some(id), Some(at)) = (&record.media_id, record.uploaded_at_ms)
            && now - at < MEDIA_ID_TTL_MS
        {
            return Ok(id.clone());
        }
        let bytes = self.media_bytes(hash).await?;
        let kind = media_kind(&record.kind)
            .ok_or_else(|| CrmError::Inconsistent(format!("media {hash}: bad kind")))?;
        let uploaded = self
            .wecom
            .upload_media(kind, &record.filename, bytes)
            .await?;
        record.media_id = Some(uploaded.media_id.clone());
        record.uploaded_at_ms = Some(now);
        record.uploads += 1;
        self.store
            .put(
                Item::with_doc(media_pk(hash), MEDIA_SK, &record)?,
                Condition::Always,
            )
            .await?;
        Ok(uploaded.media_id)
    }

    /// A permanent WeCom URL of an image (for `pic_url` and link covers): uploaded through
    /// `media/uploadimg` once, then kept.
    pub async fn image_url(&self, hash: &str) -> Result<String, CrmError> {
        let Some(mut record) = self.media(hash).await? else {
            return Err(CrmError::not_found("media", hash));
        };
        if let Some(url) = &record.image_url {
            return Ok(url.clone());
        }
        if record.kind != "image" {
            return Err(CrmError::Inconsistent(format!(
                "media {hash} is not an image"
            )));
        }
        let bytes = self.media_bytes(hash).await?;
        let url = self.wecom.upload_image(&record.filename, bytes).await?;
        record.image_url = Some(url.clone());
        self.store
            .put(
                Item::with_doc(media_pk(hash), MEDIA_SK, &record)?,
                Condition::Always,
            )
            .await?;
        Ok(url)
    }

    async fn media_bytes(&self, hash: &str) -> Result<Vec<u8>, CrmError> {
        let Some(blob) = self.store.get(&media_pk(hash), MEDIA_BLOB_SK).await? else {
            return Err(CrmError::Inconsistent(format!(
                "media {hash} has no content"
            )));
        };
        let blob: MediaBlob = blob.doc()?;
        base64::engine::general_purpose::STANDARD
            .decode(blob.data)
            .map_err(|e| CrmError::Inconsistent(format!("media {hash}: {e}")))
    }

    /// Forgets a cached media_id WeCom refused (40007): the next send uploads again.
    pub async fn forget_media_id(&self, hash: &str) -> Result<(), CrmError> {
        if let Some(mut record) = self.media(hash).await? {
            record.media_id = None;
            record.uploaded_at_ms = None;
            self.store
                .put(
                    Item::with_doc(media_pk(hash), MEDIA_SK, &record)?,
                    Condition::Always,
                )
                .await?;
        }
        Ok(())
    }
}
