//! Temporary media (`media/upload`) and permanent images (`media/uploadimg`).

use serde::{Deserialize, Serialize};

/// A temporary media file uploaded through `media/upload` (its bytes are not kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRecord {
    pub media_id: String,
    /// `image`, `voice`, `video` or `file`.
    pub media_type: String,
    pub filename: String,
    pub size: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix milliseconds (simulated clock) after which the id is invalid (3 days).
    pub expires_at_ms: i64,
    /// Expired early through `POST /sim/control/media/expire`.
    pub expired: bool,
}

/// An image uploaded through `media/uploadimg` (permanent URL; the bytes are not kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedImage {
    pub url: String,
    pub filename: String,
    pub size: u64,
    /// Unix seconds.
    pub created_at: i64,
}

/// `GET /sim/control/media`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaSnapshot {
    pub media: Vec<MediaRecord>,
    pub images: Vec<UploadedImage>,
}
