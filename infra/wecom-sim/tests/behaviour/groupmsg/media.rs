//! Media for 群发 attachments: media/upload and media/uploadimg, expiry, and the media ids a
//! template refuses.

use serde_json::{Value, json};
use wecom_sim::MediaSnapshot;

use super::{ADD, BoxError, customers};
use crate::common::{Sim, TestResult, errcode};

fn multipart(boundary: &str, filename: &str, data: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"media\";filename=\"{filename}\"; filelength={}\r\nContent-Type: application/octet-stream\r\n\r\n",
        data.len()
    )
    .into_bytes();
    b.extend_from_slice(data);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    b
}

/// `POST media/upload?type=…` (or `media/uploadimg` when `kind` is `None`) with a multipart body.
async fn upload(sim: &Sim, kind: Option<&str>, data: &[u8]) -> Result<Value, BoxError> {
    let t = sim.token().await?;
    let path = match kind {
        Some(k) => format!("/cgi-bin/media/upload?access_token={t}&type={k}"),
        None => format!("/cgi-bin/media/uploadimg?access_token={t}"),
    };
    let boundary = "----wecomsimtestboundary7MA4YWxkTrZu0gW";
    Ok(sim
        .http
        .post(sim.url(&path))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(multipart(boundary, "poster.png", data))
        .send()
        .await?
        .json()
        .await?)
}

#[tokio::test]
async fn media_uploads_expire_and_invalid_media_is_refused_in_templates() -> TestResult {
    let sim = Sim::demo().await?;
    let c = customers(&sim, "zhangsan", 1).await?;
    let png = b"\x89PNG\r\n\x1a\n fake image body";
    let image = upload(&sim, Some("image"), png).await?;
    assert_eq!(errcode(&image), 0, "{image}");
    assert_eq!(image["type"], "image");
    let created: i64 = image["created_at"].as_str().unwrap_or("0").parse()?;
    assert!(created > 1_600_000_000);
    let media_id = image["media_id"].as_str().unwrap_or_default().to_owned();
    let file = upload(&sim, Some("file"), b"%PDF-1.4 price list").await?;
    let file_id = file["media_id"].as_str().unwrap_or_default().to_owned();

    for (kind, data, want) in [
        (Some("gif"), &b"123456"[..], 40005),
        (Some("file"), &b"12345"[..], 40006),
        (None, &b"1234"[..], 40006),
    ] {
        assert_eq!(errcode(&upload(&sim, kind, data).await?), want, "{kind:?}");
    }
    let voice = vec![7u8; 2 * 1024 * 1024 + 1];
    assert_eq!(errcode(&upload(&sim, Some("voice"), &voice).await?), 45001);
    let t = sim.token().await?;
    let not_multipart = sim
        .post(
            &format!("/cgi-bin/media/upload?access_token={t}&type=image"),
            &json!({ "media": "x" }),
        )
        .await?;
    assert_eq!(errcode(&not_multipart), 44001);
    let img = upload(&sim, None, png).await?;
    assert_eq!(errcode(&img), 0);
    let url = img["url"].as_str().unwrap_or_default().to_owned();
    assert!(url.starts_with("https://"));

    let send = |attachments: Value| json!({ "sender": "zhangsan", "external_userid": c, "attachments": attachments });
    let ok = sim
        .api_post(
            ADD,
            &send(json!([
                { "msgtype": "image", "image": { "media_id": media_id } },
                { "msgtype": "image", "image": { "pic_url": url } },
                { "msgtype": "file", "file": { "media_id": file_id } },
                { "msgtype": "miniprogram", "miniprogram": { "title": "预约", "pic_media_id": media_id, "appid": "wx8bd80126147dfAAA", "page": "/path/index" } }
            ])),
        )
        .await?;
    assert_eq!(errcode(&ok), 0, "{ok}");
    let wrong_type = sim
        .api_post(
            ADD,
            &send(json!([{ "msgtype": "video", "video": { "media_id": media_id } }])),
        )
        .await?;
    assert_eq!(errcode(&wrong_type), 40007);

    let expired = sim.control("media/expire", json!({})).await?;
    assert_eq!(expired["expired"], 2);
    for attachment in [
        json!({ "msgtype": "image", "image": { "media_id": media_id } }),
        json!({ "msgtype": "file", "file": { "media_id": file_id } }),
        json!({ "msgtype": "miniprogram", "miniprogram": { "title": "预约", "pic_media_id": media_id, "appid": "wx1", "page": "/p" } }),
    ] {
        let v = sim.api_post(ADD, &send(json!([attachment]))).await?;
        assert_eq!(errcode(&v), 40007, "{attachment}");
    }
    // The permanent uploadimg URL still works.
    let v = sim
        .api_post(
            ADD,
            &send(json!([{ "msgtype": "image", "image": { "pic_url": url } }])),
        )
        .await?;
    assert_eq!(errcode(&v), 0);

    let media: MediaSnapshot = sim
        .http
        .get(sim.url("/sim/control/media"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(media.media.len(), 2);
    assert!(media.media.iter().all(|m| m.expired));
    assert_eq!(media.images.len(), 1);
    assert_eq!(media.images[0].filename, "poster.png");
    let calls = sim.running.sim.call_counts();
    assert_eq!(calls.get("media/upload"), 6);
    assert_eq!(calls.get("media/uploadimg"), 2);
    Ok(())
}
