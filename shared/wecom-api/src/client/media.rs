//! Media (wecom-api.md §5 "Media"): `media/upload` (temporary `media_id`) and `media/uploadimg`
//! (permanent image URL).

use super::outcome::Replay;
use super::transport::{Verb, multipart_media};
use super::{WeComClient, require};
use crate::WeComError;
use crate::model::{MAX_UPLOADIMG_BYTES, MIN_MEDIA_BYTES, MediaKind, UploadedMedia};

impl WeComClient {
    /// `media/upload?type=…`: a temporary media file (its `media_id` is valid for 3 days),
    /// sent as `multipart/form-data` with the part `media` carrying `filename` and
    /// `filelength`. Sizes are checked first: more than 5 bytes and at most
    /// [`MediaKind::max_bytes`]. A retry after a transport failure at worst uploads a second,
    /// unused copy, so transport failures are retried.
    pub async fn upload_media(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<UploadedMedia, WeComError> {
        require("media/upload", "filename", filename)?;
        if bytes.len() <= MIN_MEDIA_BYTES {
            return Err(WeComError::invalid(
                "media/upload",
                "media",
                format!("a file must be larger than {MIN_MEDIA_BYTES} bytes"),
            ));
        }
        if bytes.len() > kind.max_bytes() {
            return Err(WeComError::invalid(
                "media/upload",
                "media",
                format!(
                    "a {} file may be at most {} bytes, not {}",
                    kind.as_str(),
                    kind.max_bytes(),
                    bytes.len()
                ),
            ));
        }
        self.send(
            "media/upload",
            Verb::Post,
            &[("type", kind.as_str())],
            &multipart_media(filename, &bytes),
            Replay::Safe,
        )
        .await
    }

    /// `media/uploadimg`: an image (5 bytes to 2 MB) → a **permanent** URL for `pic_url`
    /// fields. WeCom allows 3000 per month and 1000 per day per corp.
    pub async fn upload_image(&self, filename: &str, bytes: Vec<u8>) -> Result<String, WeComError> {
        require("media/uploadimg", "filename", filename)?;
        if bytes.len() < MIN_MEDIA_BYTES || bytes.len() > MAX_UPLOADIMG_BYTES {
            return Err(WeComError::invalid(
                "media/uploadimg",
                "media",
                format!(
                    "an image must be {MIN_MEDIA_BYTES} to {MAX_UPLOADIMG_BYTES} bytes, not {}",
                    bytes.len()
                ),
            ));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            url: String,
        }
        let resp: Resp = self
            .send(
                "media/uploadimg",
                Verb::Post,
                &[],
                &multipart_media(filename, &bytes),
                Replay::Safe,
            )
            .await?;
        Ok(resp.url)
    }
}
