//! 「联系我」 through the admin API: created in WeCom and stored at once, scanned by customers
//! who arrive with its channel, edited, deleted (the record stays), and WeCom's rules checked
//! before WeCom is called.
#![allow(clippy::unwrap_used)]

use serde_json::json;
use tests::{Backend, Harness, on_both_backends, scan_key};

on_both_backends!(
    a_qr_way_is_stored_served_as_an_image_and_brings_customers_with_its_channel,
    a_way_is_edited_in_wecom_and_a_deleted_way_keeps_its_record,
    codes_sharing_a_channel_count_their_own_customers_exactly,
);

/// Two codes on one channel for two consultants and a code on another: each counts the
/// customers added through it, exactly, however often WeCom delivers the event; an add on the
/// shared channel by a consultant neither code lists is credited to neither (it still counts
/// for the channel); a deletion leaves the count and lowers "still connected".
async fn codes_sharing_a_channel_count_their_own_customers_exactly(backend: Backend) {
    let h = Harness::start(backend).await;
    let mut codes = Vec::new();
    for body in [
        json!({"type": 1, "scene": 2, "state": "xhs_spring", "user": ["zhangsan"]}),
        json!({"type": 1, "scene": 2, "state": "xhs_spring", "user": ["lisi"]}),
        json!({"type": 1, "scene": 2, "state": "douyin_live", "user": ["wangwu"]}),
    ] {
        let (status, way) = h
            .api(reqwest::Method::POST, "/api/contact-ways", Some(body))
            .await;
        assert_eq!(status, 201, "{way}");
        codes.push(way["config_id"].as_str().unwrap().to_owned());
    }
    let mut first_of_code0 = None;
    for (code, times) in [(0, 3), (1, 2), (2, 1)] {
        for _ in 0..times {
            let scan = h
                .control("scan", json!({"config_id": codes[code], "deliveries": 2}))
                .await;
            first_of_code0.get_or_insert_with(|| scan.clone());
        }
    }
    // wangwu's own QR code with the shared channel: no code lists him for it.
    h.scan("wangwu", "xhs_spring").await;
    h.settled().await;

    let counts = |list: &serde_json::Value| -> Vec<(u64, u64)> {
        codes
            .iter()
            .map(|id| {
                let way = list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|w| w["config_id"] == id.as_str())
                    .unwrap();
                (
                    way["customers_added"].as_u64().unwrap(),
                    way["still_connected"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let (_, list) = h.api(reqwest::Method::GET, "/api/contact-ways", None).await;
    assert_eq!(counts(&list), vec![(3, 3), (2, 2), (1, 1)], "{list}");
    let (_, stats) = h
        .api(reqwest::Method::GET, "/api/stats/channels", None)
        .await;
    let spring = stats["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "xhs_spring")
        .unwrap();
    assert_eq!(spring["added"], 6, "the channel counts every add: {stats}");

    let first = first_of_code0.unwrap();
    h.control(
        "delete",
        json!({"userid": first["userid"], "external_userid": first["external_userid"], "by": "customer"}),
    )
    .await;
    h.settled().await;
    let (_, list) = h.api(reqwest::Method::GET, "/api/contact-ways", None).await;
    assert_eq!(counts(&list), vec![(3, 2), (2, 2), (1, 1)], "{list}");
    h.shutdown().await;
}

async fn a_qr_way_is_stored_served_as_an_image_and_brings_customers_with_its_channel(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    let (status, way) = h.api(reqwest::Method::POST,
        "/api/contact-ways",
        Some(json!({"type": 1, "scene": 2, "state": "xhs_note_0308", "user": ["zhangsan"], "remark": "三八节笔记"})),
    )
    .await;
    assert_eq!(status, 201, "{way}");
    let config_id = way["config_id"].as_str().unwrap().to_owned();
    assert_eq!(way["status"], "active");
    assert_eq!(way["contact_way"]["state"], "xhs_note_0308");
    assert!(
        way["contact_way"]["qr_code"]
            .as_str()
            .unwrap()
            .starts_with("http")
    );

    let (_, list) = h
        .api(
            reqwest::Method::GET,
            "/api/contact-ways?state=xhs_note_0308",
            None,
        )
        .await;
    assert_eq!(list["items"][0]["config_id"], config_id.as_str());

    let image = h
        .http
        .get(h.url(&format!(
            "/api/contact-ways/{config_id}/qrcode?download=true"
        )))
        .bearer_auth(&h.app.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert!(
        image.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let bytes = image.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

    // A customer scans it.
    let scan = h.control("scan", json!({"config_id": config_id})).await;
    assert_eq!(scan["userid"], "zhangsan");
    h.processed(&scan_key(&scan)).await;
    let rel = h
        .customers
        .get_relationship(scan["external_userid"].as_str().unwrap(), "zhangsan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rel.state, "xhs_note_0308");
    assert!(rel.tags.iter().any(|t| t.tag_name == "来源:xhs_note_0308"));
    let (_, detail) = h
        .api(
            reqwest::Method::GET,
            &format!("/api/contact-ways/{config_id}"),
            None,
        )
        .await;
    assert_eq!(detail["customers_added"], 1, "{detail}");
    let (_, list) = h.api(reqwest::Method::GET, "/api/contact-ways", None).await;
    let listed = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["config_id"] == config_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(listed["customers_added"], 1, "the list counts too: {list}");
    h.shutdown().await;
}

async fn a_way_is_edited_in_wecom_and_a_deleted_way_keeps_its_record(backend: Backend) {
    let h = Harness::start(backend).await;
    let (status, way) = h.api(reqwest::Method::POST,
        "/api/contact-ways",
        Some(json!({"type": 2, "scene": 2, "state": "douyin_live", "user": ["zhangsan", "lisi"]})),
    )
    .await;
    assert_eq!(status, 201, "{way}");
    let id = way["config_id"].as_str().unwrap().to_owned();

    let (status, patched) = h
        .api(
            reqwest::Method::PATCH,
            &format!("/api/contact-ways/{id}"),
            Some(json!({"user": ["wangwu"], "remark": "直播间"})),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["contact_way"]["user"], json!(["wangwu"]));
    let scan = h.control("scan", json!({"config_id": id})).await;
    assert_eq!(scan["userid"], "wangwu", "WeCom routes to the new member");

    let (status, deleted) = h
        .api(
            reqwest::Method::DELETE,
            &format!("/api/contact-ways/{id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["status"], "deleted");
    assert!(deleted["deleted_at_ms"].is_i64());
    let (_, active) = h.api(reqwest::Method::GET, "/api/contact-ways", None).await;
    assert!(active["items"].as_array().unwrap().is_empty());
    let (_, all) = h
        .api(
            reqwest::Method::GET,
            "/api/contact-ways?include_deleted=true",
            None,
        )
        .await;
    assert_eq!(all["items"][0]["config_id"], id.as_str());
    let (status, _) = h
        .api(
            reqwest::Method::PATCH,
            &format!("/api/contact-ways/{id}"),
            Some(json!({"remark": "x"})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, body) = h.api(reqwest::Method::GET, "/api/audit-logs", None).await;
    assert_eq!(status, 200);
    let actions: Vec<_> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        vec![
            "contact_way.delete",
            "contact_way.update",
            "contact_way.create"
        ]
    );
    assert_eq!(body["items"][1]["fields"], json!(["remark", "user"]));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wecom_rules_are_checked_before_the_call_naming_the_field() {
    let h = Harness::start(Backend::Embedded).await;
    let long = "备".repeat(31);
    for (body, field) in [
        (
            json!({"type": 1, "scene": 2, "user": ["zhangsan", "lisi"]}),
            "user",
        ),
        (json!({"type": 3, "scene": 2, "user": ["zhangsan"]}), "type"),
        (
            json!({"type": 1, "scene": 2, "user": ["zhangsan"], "remark": long}),
            "remark",
        ),
        (
            json!({"type": 1, "scene": 2, "user": ["zhangsan"], "state": "s".repeat(31)}),
            "state",
        ),
        (
            json!({"type": 2, "scene": 2, "user": ["zhangsan"], "is_temp": true}),
            "is_temp",
        ),
        (
            json!({"type": 1, "scene": 2, "user": ["zhangsan"], "is_temp": true, "expires_in": 1_209_601}),
            "expires_in",
        ),
        (
            json!({"type": 1, "scene": 2, "user": ["zhangsan"], "conclusions": {"text": {"content": "再见"}}}),
            "conclusions",
        ),
        (
            json!({"type": 1, "scene": 2, "user": ["zhangsan"], "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, error) = h
            .api(
                reqwest::Method::POST,
                "/api/contact-ways",
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 400, "{body} → {error}");
        assert_eq!(error["error"]["field"], field, "{body} → {error}");
    }
    assert_eq!(
        h.calls("externalcontact/add_contact_way").await,
        0,
        "refused before WeCom"
    );

    // What only WeCom knows (an unknown member) comes back as a 422 in Chinese, with its errcode.
    let (status, error) = h
        .api(
            reqwest::Method::POST,
            "/api/contact-ways",
            Some(json!({"type": 1, "scene": 2, "user": ["nobody"]})),
        )
        .await;
    assert_eq!(status, 422, "WeCom refused: {error}");
    assert_eq!(error["error"]["code"], "wecom_refused");
    assert!(error["error"]["errcode"].is_i64());
    let (_, list) = h
        .api(
            reqwest::Method::GET,
            "/api/contact-ways?include_deleted=true",
            None,
        )
        .await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "nothing stored"
    );

    // The medical temporary-session mode with closing messages.
    let (status, temp) = h.api(reqwest::Method::POST,
        "/api/contact-ways",
        Some(json!({
            "type": 1, "scene": 2, "user": ["lisi"], "state": "consult", "is_temp": true,
            "expires_in": 86400, "chat_expires_in": 86400,
            "conclusions": {"text": {"content": "感谢您的咨询！"}, "link": {"title": "预约面诊", "url": "https://example.com/book"}}
        })),
    )
    .await;
    assert_eq!(status, 201, "{temp}");
    assert_eq!(temp["contact_way"]["is_temp"], true);
    assert_eq!(
        temp["contact_way"]["conclusions"]["link"]["title"],
        "预约面诊"
    );
    h.shutdown().await;
}
