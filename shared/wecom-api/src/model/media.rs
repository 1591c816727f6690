//! Media (wecom-api.md §5 "Media"): `media/upload` and `media/uploadimg`.

use serde::{Deserialize, Serialize};

const MIB: usize = 1024 * 1024;
/// Every uploaded file must be larger than this.
pub const MIN_MEDIA_BYTES: usize = 5;
/// `media/uploadimg`: 5 bytes to 2 MB.
pub const MAX_UPLOADIMG_BYTES: usize = 2 * MIB;

/// `media/upload` `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// JPG/PNG, at most 10 MB.
    Image,
    /// AMR, at most 2 MB and 60 s.
    Voice,
    /// MP4, at most 10 MB.
    Video,
    /// Any file, at most 20 MB.
    File,
}

impl MediaKind {
    /// The `type` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Voice => "voice",
            MediaKind::Video => "video",
            MediaKind::File => "file",
        }
    }

    /// The largest file WeCom accepts for this type (bytes).
    pub fn max_bytes(self) -> usize {
        match self {
            MediaKind::Image | MediaKind::Video => 10 * MIB,
            MediaKind::Voice => 2 * MIB,
            MediaKind::File => 20 * MIB,
        }
    }
}

/// `media/upload` answer: a temporary `media_id`, valid for 3 days.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedMedia {
    #[serde(rename = "type")]
    pub media_type: String,
    pub media_id: String,
    /// Unix seconds (WeCom sends a string; a number is accepted too).
    #[serde(default, deserialize_with = "int_or_string")]
    pub created_at: i64,
}

/// A unix time WeCom sends either as a number or as a string (`media/upload` `created_at`).
fn int_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i64),
        Str(String),
    }
    match IntOrString::deserialize(d)? {
        IntOrString::Int(i) => Ok(i),
        IntOrString::Str(s) if s.is_empty() => Ok(0),
        IntOrString::Str(s) => s.parse().map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_media_takes_created_at_as_a_number_or_a_string() {
        for created_at in [
            serde_json::json!("1380000000"),
            serde_json::json!(1_380_000_000),
        ] {
            let m: UploadedMedia = serde_json::from_value(serde_json::json!({
                "type": "image", "media_id": "MID", "created_at": created_at
            }))
            .unwrap_or_default();
            assert_eq!(
                (m.media_type.as_str(), m.created_at),
                ("image", 1_380_000_000)
            );
        }
    }

    #[test]
    fn media_kinds_carry_their_limits() {
        assert_eq!(MediaKind::Image.as_str(), "image");
        assert_eq!(MediaKind::Voice.max_bytes(), 2 * 1024 * 1024);
        assert_eq!(MediaKind::Video.max_bytes(), 10 * 1024 * 1024);
        assert_eq!(MediaKind::File.max_bytes(), 20 * 1024 * 1024);
    }
}
