//! `media/upload` (temporary media, 3 days) and `media/uploadimg` (permanent image URL),
//! wecom-api.md §5 "Media". The body is `multipart/form-data` with the file in the part named
//! `media` (`Content-Disposition: form-data; name="media"; filename="…"; filelength=N`).
//! Only sizes and ids are kept, never the bytes.

use std::collections::HashMap;

use serde_json::json;

use crate::model::{MediaRecord, UploadedImage};
use crate::state::State as SimState;
use crate::wx::{WxError, WxResult};

const MIB: usize = 1024 * 1024;
/// Every uploaded file must be larger than this (wecom-api.md: "every file >5 B").
pub(crate) const MIN_MEDIA_BYTES: usize = 5;
pub(crate) const MAX_IMAGE_BYTES: usize = 10 * MIB;
pub(crate) const MAX_VOICE_BYTES: usize = 2 * MIB;
pub(crate) const MAX_VIDEO_BYTES: usize = 10 * MIB;
pub(crate) const MAX_FILE_BYTES: usize = 20 * MIB;
/// `uploadimg`: 5 B to 2 MB.
pub(crate) const MAX_UPLOADIMG_BYTES: usize = 2 * MIB;
/// Room for the multipart framing around the file.
const MULTIPART_SLACK: usize = 64 * 1024;
/// Largest body read for `media/upload` / `media/uploadimg`.
pub(crate) const MAX_UPLOAD_BODY: usize = MAX_FILE_BYTES + MULTIPART_SLACK;
pub(crate) const MAX_UPLOADIMG_BODY: usize = MAX_UPLOADIMG_BYTES + MULTIPART_SLACK;
/// A temporary media_id is valid for 3 days.
const MEDIA_TTL_MS: i64 = 3 * 86_400_000;

/// One part of a multipart body.
#[derive(Debug)]
struct Part<'a> {
    name: String,
    filename: Option<String>,
    data: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// The `boundary` of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<String> {
    let mut parts = content_type.split(';');
    let mime = parts.next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_owned())
            .filter(|b| !b.is_empty())
    })
}

/// `name="media"; filename="a.jpg"; filelength=6` → lower-cased keys, unquoted values.
fn disposition_params(value: &str) -> HashMap<String, String> {
    value
        .split(';')
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_owned(),
            ))
        })
        .collect()
}

/// Splits a multipart body; `None` when it is not well-formed.
fn parse_multipart<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<Part<'a>>> {
    let delim = format!("--{boundary}").into_bytes();
    let mut next_delim = b"\r\n".to_vec();
    next_delim.extend_from_slice(&delim);
    let mut pos = find(body, &delim, 0)? + delim.len();
    let mut parts = Vec::new();
    loop {
        let rest = body.get(pos..)?;
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        pos += if rest.starts_with(b"\r\n") { 2 } else { 0 };
        let header_end = find(body, b"\r\n\r\n", pos)?;
        let headers = std::str::from_utf8(body.get(pos..header_end)?).ok()?;
        let data_start = header_end + 4;
        let data_end = find(body, &next_delim, data_start)?;
        let mut name = None;
        let mut filename = None;
        for line in headers.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                let params = disposition_params(v);
                name = params.get("name").cloned();
                filename = params.get("filename").cloned();
            }
        }
        parts.push(Part {
            name: name.unwrap_or_default(),
            filename,
            data: body.get(data_start..data_end)?,
        });
        pos = data_end + next_delim.len();
    }
}

/// The `media` part: 44001 when the body is not multipart or has no such part (UNCONFIRMED
/// mapping of 多媒体文件为空).
fn media_part<'a>(content_type: Option<&str>, body: &'a [u8]) -> Result<Part<'a>, WxError> {
    let empty = |d: &str| WxError::detail(44001, d.to_owned());
    let b = content_type
        .and_then(boundary)
        .ok_or_else(|| empty("expected multipart/form-data with a boundary"))?;
    let parts = parse_multipart(body, &b).ok_or_else(|| empty("malformed multipart body"))?;
    let part = parts
        .into_iter()
        .find(|p| p.name == "media")
        .ok_or_else(|| empty("no form-data part named media"))?;
    if part.data.is_empty() {
        return Err(empty("the media part is empty"));
    }
    Ok(part)
}

/// `media/upload?type=…`. Errcodes (UNCONFIRMED mapping onto WeCom's global list): type
/// missing or not image/voice/video/file → 40005; no `media` part → 44001; 5 bytes or less →
/// 40006; over the type's limit → image 40009, video 40011, voice/file 45001.
pub(crate) fn upload(
    st: &mut SimState,
    media_type: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> WxResult {
    let (kind, max, over_code) = match media_type {
        Some("image") => ("image", MAX_IMAGE_BYTES, 40009),
        Some("voice") => ("voice", MAX_VOICE_BYTES, 45001),
        Some("video") => ("video", MAX_VIDEO_BYTES, 40011),
        Some("file") => ("file", MAX_FILE_BYTES, 45001),
        _ => {
            return Err(WxError::detail(
                40005,
                "type must be image, voice, video or file",
            ));
        }
    };
    let part = media_part(content_type, body)?;
    let size = part.data.len();
    if size <= MIN_MEDIA_BYTES {
        return Err(WxError::detail(
            40006,
            "a media file must be larger than 5 bytes",
        ));
    }
    if size > max {
        return Err(WxError::detail(
            over_code,
            format!("{kind} larger than {} MB", max / MIB),
        ));
    }
    let media_id = loop {
        let id = crate::ids::media_id();
        if !st.media.contains_key(&id) {
            break id;
        }
    };
    let created_at = now_ms.div_euclid(1000);
    st.media.insert(
        media_id.clone(),
        MediaRecord {
            media_id: media_id.clone(),
            media_type: kind.to_owned(),
            filename: part.filename.unwrap_or_default(),
            size: u64::try_from(size).unwrap_or(u64::MAX),
            created_at,
            expires_at_ms: now_ms.saturating_add(MEDIA_TTL_MS),
            expired: false,
        },
    );
    // WeCom answers created_at as a string.
    Ok(json!({ "type": kind, "media_id": media_id, "created_at": created_at.to_string() }))
}

/// `media/uploadimg`: a permanent URL. 44001 without a `media` part; under 5 bytes → 40006;
/// over 2 MB → 40009 (UNCONFIRMED mapping).
pub(crate) fn upload_image(
    st: &mut SimState,
    content_type: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> WxResult {
    let part = media_part(content_type, body)?;
    let size = part.data.len();
    if size < MIN_MEDIA_BYTES {
        return Err(WxError::detail(40006, "an image must be at least 5 bytes"));
    }
    if size > MAX_UPLOADIMG_BYTES {
        return Err(WxError::detail(40009, "image larger than 2 MB"));
    }
    let url = crate::ids::image_url();
    st.uploaded_images.push(UploadedImage {
        url: url.clone(),
        filename: part.filename.unwrap_or_default(),
        size: u64::try_from(size).unwrap_or(u64::MAX),
        created_at: now_ms.div_euclid(1000),
    });
    Ok(json!({ "url": url }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::common::check_media_id;

    fn body(boundary: &str, name: &str, data: &[u8]) -> Vec<u8> {
        let mut b = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\";filename=\"a.txt\"; filelength={}\r\nContent-Type: application/octet-stream\r\n\r\n",
            data.len()
        )
        .into_bytes();
        b.extend_from_slice(data);
        b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        b
    }

    #[test]
    fn multipart_bodies_are_parsed() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert!(boundary("application/json").is_none());
        let data = b"hello\r\n--not-the-boundary\r\nworld";
        let b = body("XyZ", "media", data);
        let part = media_part(Some("multipart/form-data; boundary=XyZ"), &b);
        let part = part.map_err(|e| e.code);
        assert_eq!(part.as_ref().map(|p| p.data), Ok(&data[..]));
        assert_eq!(part.ok().and_then(|p| p.filename).as_deref(), Some("a.txt"));
        let other = body("XyZ", "file", data);
        assert_eq!(
            media_part(Some("multipart/form-data; boundary=XyZ"), &other)
                .map(|p| p.data.len())
                .map_err(|e| e.code),
            Err(44001)
        );
        assert_eq!(
            media_part(Some("multipart/form-data; boundary=XyZ"), b"garbage")
                .map(|p| p.data.len())
                .map_err(|e| e.code),
            Err(44001)
        );
    }

    #[test]
    fn uploads_check_type_and_size_and_media_ids_expire() {
        let mut st = SimState::new(false, None, 0);
        let ct = Some("multipart/form-data; boundary=B");
        let ok = upload(
            &mut st,
            Some("image"),
            ct,
            &body("B", "media", b"123456"),
            0,
        );
        let id = ok
            .ok()
            .and_then(|v| v["media_id"].as_str().map(str::to_owned))
            .unwrap_or_default();
        assert!(check_media_id(&st, &id, "image", 1).is_ok());
        assert_eq!(
            check_media_id(&st, &id, "file", 1).map_err(|e| e.code),
            Err(40007)
        );
        assert_eq!(
            check_media_id(&st, &id, "image", MEDIA_TTL_MS).map_err(|e| e.code),
            Err(40007)
        );
        let small = upload(&mut st, Some("file"), ct, &body("B", "media", b"12345"), 0);
        assert_eq!(small.map_err(|e| e.code).err(), Some(40006));
        let bad_type = upload(&mut st, Some("gif"), ct, &body("B", "media", b"123456"), 0);
        assert_eq!(bad_type.map_err(|e| e.code).err(), Some(40005));
        let big = vec![0u8; MAX_VOICE_BYTES + 1];
        let voice = upload(&mut st, Some("voice"), ct, &body("B", "media", &big), 0);
        assert_eq!(voice.map_err(|e| e.code).err(), Some(45001));
        let img = upload_image(&mut st, ct, &body("B", "media", b"12345"), 0);
        assert!(img.is_ok_and(|v| v["url"].as_str().is_some_and(|u| u.starts_with("https://"))));
    }
}
