//! 「联系我」 contact ways: add/get/update/del/list, close_temp_chat, the QR image, scans.

use serde_json::{Value, json};
use wecom_sim::{SimConfig, Staff};

use crate::common::{Sim, TestResult, errcode};

const ADD: &str = "externalcontact/add_contact_way";
const GET: &str = "externalcontact/get_contact_way";

async fn add(sim: &Sim, body: Value) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    sim.api_post(ADD, &body).await
}

fn temp_way(conclusions: Value) -> Value {
    json!({ "type": 1, "scene": 2, "user": ["zhangsan"], "is_temp": true, "conclusions": conclusions })
}

#[tokio::test]
async fn every_add_rule_is_refused_with_its_errcode() -> TestResult {
    let sim = Sim::demo().await?;
    sim.control(
        "staff",
        json!({ "userid": "nocc", "name": "无客户联系", "customer_contact": false }),
    )
    .await?;
    let long31 = "长".repeat(31);
    let many: Vec<String> = (0..101).map(|i| format!("m{i}")).collect();
    let cases: Vec<(&str, Value, i64)> = vec![
        (
            "type missing",
            json!({ "scene": 2, "user": ["zhangsan"] }),
            40058,
        ),
        (
            "type 3",
            json!({ "type": 3, "scene": 2, "user": ["zhangsan"] }),
            40058,
        ),
        (
            "scene missing",
            json!({ "type": 1, "user": ["zhangsan"] }),
            40058,
        ),
        (
            "scene 3",
            json!({ "type": 1, "scene": 3, "user": ["zhangsan"] }),
            40058,
        ),
        (
            "style 4 type 1",
            json!({ "type": 1, "scene": 1, "style": 4, "user": ["zhangsan"] }),
            40058,
        ),
        (
            "style 3 type 2",
            json!({ "type": 2, "scene": 1, "style": 3, "user": ["zhangsan"] }),
            40058,
        ),
        (
            "remark 31",
            json!({ "type": 1, "scene": 2, "remark": long31, "user": ["zhangsan"] }),
            40058,
        ),
        (
            "state 31",
            json!({ "type": 1, "scene": 2, "state": "s".repeat(31), "user": ["zhangsan"] }),
            40058,
        ),
        ("type 1 no user", json!({ "type": 1, "scene": 2 }), 40058),
        (
            "type 1 two users",
            json!({ "type": 1, "scene": 2, "user": ["zhangsan", "lisi"] }),
            40058,
        ),
        (
            "type 1 party",
            json!({ "type": 1, "scene": 2, "user": ["zhangsan"], "party": [2] }),
            40058,
        ),
        ("type 2 empty", json!({ "type": 2, "scene": 2 }), 40058),
        (
            "unknown user",
            json!({ "type": 1, "scene": 2, "user": ["ghost"] }),
            60111,
        ),
        (
            "no customer contact",
            json!({ "type": 1, "scene": 2, "user": ["nocc"] }),
            41054,
        ),
        (
            "101 members",
            json!({ "type": 2, "scene": 2, "user": many }),
            41041,
        ),
        (
            "temp type 2",
            json!({ "type": 2, "scene": 2, "user": ["zhangsan"], "is_temp": true }),
            40058,
        ),
        (
            "expires_in 14d+1",
            json!({ "type": 1, "scene": 2, "user": ["zhangsan"], "is_temp": true, "expires_in": 1_209_601 }),
            40058,
        ),
        (
            "chat_expires_in 14d+1",
            json!({ "type": 1, "scene": 2, "user": ["zhangsan"], "is_temp": true, "chat_expires_in": 1_209_601 }),
            40058,
        ),
        (
            "conclusions not temp",
            json!({ "type": 1, "scene": 2, "user": ["zhangsan"], "conclusions": { "text": { "content": "x" } } }),
            40058,
        ),
        (
            "text 4001 B",
            temp_way(json!({ "text": { "content": "a".repeat(4001) } })),
            40058,
        ),
        (
            "link no title",
            temp_way(json!({ "link": { "url": "https://e.com" } })),
            40058,
        ),
        (
            "link title 129 B",
            temp_way(json!({ "link": { "title": "t".repeat(129), "url": "https://e.com" } })),
            40058,
        ),
        (
            "link no url",
            temp_way(json!({ "link": { "title": "t" } })),
            40058,
        ),
        (
            "link desc 513 B",
            temp_way(
                json!({ "link": { "title": "t", "url": "https://e.com", "desc": "d".repeat(513) } }),
            ),
            40058,
        ),
        (
            "mp title 65 B",
            temp_way(
                json!({ "miniprogram": { "title": "t".repeat(65), "pic_media_id": "p", "appid": "wx1", "page": "/p" } }),
            ),
            40058,
        ),
        (
            "mp no appid",
            temp_way(json!({ "miniprogram": { "title": "t", "pic_media_id": "p", "page": "/p" } })),
            40058,
        ),
        (
            "mp no page",
            temp_way(
                json!({ "miniprogram": { "title": "t", "pic_media_id": "p", "appid": "wx1" } }),
            ),
            40058,
        ),
        (
            "mp no pic",
            temp_way(json!({ "miniprogram": { "title": "t", "appid": "wx1", "page": "/p" } })),
            40058,
        ),
        ("image empty", temp_way(json!({ "image": {} })), 40058),
    ];
    for (name, body, code) in cases {
        let v = add(&sim, body).await?;
        assert_eq!(errcode(&v), code, "{name}: {v}");
    }
    // Limits are inclusive: 30 chars of Chinese, 14 days, 4000 bytes, 128/512/64 bytes.
    let ok = add(
        &sim,
        json!({ "type": 1, "scene": 2, "remark": "长".repeat(30), "state": "s".repeat(30),
                "user": ["zhangsan"], "is_temp": true, "expires_in": 1_209_600, "chat_expires_in": 1_209_600,
                "conclusions": { "text": { "content": "a".repeat(4000) },
                                 "link": { "title": "t".repeat(128), "url": "https://e.com", "desc": "d".repeat(512) },
                                 "miniprogram": { "title": "t".repeat(64), "pic_media_id": "p", "appid": "wx1", "page": "/p" } } }),
    )
    .await?;
    assert_eq!(errcode(&ok), 0, "{ok}");
    let style3 = add(
        &sim,
        json!({ "type": 1, "scene": 1, "style": 3, "user": ["zhangsan"] }),
    )
    .await?;
    assert_eq!(errcode(&style3), 0);
    assert!(style3.get("qr_code").is_none(), "scene 1 has no qr_code");
    Ok(())
}

#[tokio::test]
async fn add_then_get_round_trips_every_field_and_update_overwrites_users() -> TestResult {
    let sim = Sim::demo().await?;
    let created = add(
        &sim,
        json!({ "type": 1, "scene": 2, "style": 2, "remark": "小红书", "skip_verify": false, "state": "xhs_1",
                "user": ["zhangsan"], "is_temp": true, "expires_in": 3600, "chat_expires_in": 7200,
                "unionid": "oUnion", "is_exclusive": true,
                "conclusions": { "text": { "content": "感谢咨询" }, "image": { "media_id": "MEDIA" },
                                 "link": { "title": "预约", "url": "https://e.com/a", "desc": "d", "picurl": "https://e.com/p.png" },
                                 "miniprogram": { "title": "小程序", "pic_media_id": "P", "appid": "wx1", "page": "/pages/a" } } }),
    )
    .await?;
    assert_eq!(errcode(&created), 0, "{created}");
    let id = created["config_id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 32);
    let qr = created["qr_code"].as_str().unwrap_or_default();
    assert_eq!(qr, format!("{}/sim/qr/{id}.png", sim.running.base_url));

    let got = sim.api_post(GET, &json!({ "config_id": id })).await?;
    assert_eq!(errcode(&got), 0, "{got}");
    let w = &got["contact_way"];
    assert_eq!(w["config_id"], id.as_str());
    assert_eq!(w["type"], 1);
    assert_eq!(w["scene"], 2);
    assert_eq!(w["style"], 2);
    assert_eq!(w["remark"], "小红书");
    assert_eq!(w["skip_verify"], false);
    assert_eq!(w["state"], "xhs_1");
    assert_eq!(w["qr_code"], qr);
    assert_eq!(w["user"], json!(["zhangsan"]));
    assert_eq!(w["is_temp"], true);
    assert_eq!(w["expires_in"], 3600);
    assert_eq!(w["chat_expires_in"], 7200);
    assert_eq!(w["unionid"], "oUnion");
    assert_eq!(w["is_exclusive"], true);
    assert_eq!(w["conclusions"]["text"]["content"], "感谢咨询");
    assert!(
        w["conclusions"]["image"]["pic_url"]
            .as_str()
            .is_some_and(|u| u.contains("MEDIA"))
    );
    assert_eq!(w["conclusions"]["link"]["title"], "预约");
    assert_eq!(w["conclusions"]["link"]["desc"], "d");
    assert_eq!(w["conclusions"]["miniprogram"]["page"], "/pages/a");

    // A multi-member way: update overwrites the users (and party).
    let multi = add(
        &sim,
        json!({ "type": 2, "scene": 2, "user": ["zhangsan", "lisi"], "party": [1] }),
    )
    .await?;
    let mid = multi["config_id"].as_str().unwrap_or_default().to_owned();
    let upd = sim
        .api_post(
            "externalcontact/update_contact_way",
            &json!({ "config_id": mid, "user": ["wangwu"], "remark": "新", "state": "dy" }),
        )
        .await?;
    assert_eq!(errcode(&upd), 0, "{upd}");
    let got = sim.api_post(GET, &json!({ "config_id": mid })).await?;
    assert_eq!(got["contact_way"]["user"], json!(["wangwu"]));
    assert_eq!(got["contact_way"]["party"], json!([1]));
    assert_eq!(got["contact_way"]["remark"], "新");
    assert_eq!(got["contact_way"]["state"], "dy");
    assert!(got["contact_way"].get("conclusions").is_none());
    // Update validates too.
    let bad = sim
        .api_post(
            "externalcontact/update_contact_way",
            &json!({ "config_id": mid, "style": 3 }),
        )
        .await?;
    assert_eq!(errcode(&bad), 40058);
    let bad = sim
        .api_post(
            "externalcontact/update_contact_way",
            &json!({ "config_id": mid, "user": ["ghost"] }),
        )
        .await?;
    assert_eq!(errcode(&bad), 60111);

    // del, then get / update / del → 40058.
    let del = sim
        .api_post(
            "externalcontact/del_contact_way",
            &json!({ "config_id": mid }),
        )
        .await?;
    assert_eq!(errcode(&del), 0);
    for api in [
        GET,
        "externalcontact/del_contact_way",
        "externalcontact/update_contact_way",
    ] {
        let v = sim.api_post(api, &json!({ "config_id": mid })).await?;
        assert_eq!(errcode(&v), 40058, "{api}: {v}");
    }
    let v = sim.api_post(GET, &json!({})).await?;
    assert_eq!(errcode(&v), 40058);
    Ok(())
}

#[tokio::test]
async fn list_pages_with_cursor_and_limit_and_skips_temp_ways() -> TestResult {
    let sim = Sim::demo().await?;
    let mut ids = Vec::new();
    for i in 0..5 {
        let v = add(
            &sim,
            json!({ "type": 1, "scene": 2, "user": ["zhangsan"], "state": format!("s{i}") }),
        )
        .await?;
        ids.push(v["config_id"].as_str().unwrap_or_default().to_owned());
    }
    let temp = add(
        &sim,
        json!({ "type": 1, "scene": 2, "user": ["lisi"], "is_temp": true }),
    )
    .await?;
    assert_eq!(errcode(&temp), 0);
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let v = sim
            .api_post(
                "externalcontact/list_contact_way",
                &json!({ "cursor": cursor, "limit": 2 }),
            )
            .await?;
        assert_eq!(errcode(&v), 0, "{v}");
        let page = v["contact_way"].as_array().cloned().unwrap_or_default();
        assert!(page.len() <= 2);
        seen.extend(
            page.iter()
                .filter_map(|w| w["config_id"].as_str().map(str::to_owned)),
        );
        pages += 1;
        cursor = v["next_cursor"].as_str().unwrap_or_default().to_owned();
        if cursor.is_empty() || pages > 10 {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids, "creation order, temp way absent");
    // Default limit and window; a window in the past lists nothing.
    let all = sim
        .api_post("externalcontact/list_contact_way", &json!({}))
        .await?;
    assert_eq!(all["contact_way"].as_array().map(Vec::len), Some(5));
    let old = sim
        .api_post(
            "externalcontact/list_contact_way",
            &json!({ "start_time": 1_600_000_000, "end_time": 1_600_086_400 }),
        )
        .await?;
    assert_eq!(old["contact_way"].as_array().map(Vec::len), Some(0));
    let too_many = sim
        .api_post(
            "externalcontact/list_contact_way",
            &json!({ "limit": 1001 }),
        )
        .await?;
    assert_eq!(errcode(&too_many), 40058);
    Ok(())
}

#[tokio::test]
async fn the_qr_code_is_a_png_served_by_the_simulator() -> TestResult {
    let sim = Sim::demo().await?;
    let v = add(&sim, json!({ "type": 1, "scene": 2, "user": ["zhangsan"] })).await?;
    let qr = v["qr_code"].as_str().unwrap_or_default().to_owned();
    let resp = sim.http.get(&qr).send().await?;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("content-type")
            .and_then(|h| h.to_str().ok()),
        Some("image/png")
    );
    let bytes = resp.bytes().await?;
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let missing = sim.http.get(sim.url("/sim/qr/nope.png")).send().await?;
    assert_eq!(missing.status(), 404);

    // A configured public base URL is used as is.
    let sim2 = Sim::start(SimConfig {
        public_base_url: Some("https://sim.example.com/".to_owned()),
        ..SimConfig::for_tests()
    })
    .await?;
    let v = add(
        &sim2,
        json!({ "type": 1, "scene": 2, "user": ["zhangsan"] }),
    )
    .await?;
    let id = v["config_id"].as_str().unwrap_or_default();
    assert_eq!(
        v["qr_code"],
        format!("https://sim.example.com/sim/qr/{id}.png")
    );
    Ok(())
}

#[tokio::test]
async fn scans_through_a_way_route_to_its_members_with_its_state() -> TestResult {
    let sim = Sim::demo().await?;
    let multi = add(
        &sim,
        json!({ "type": 2, "scene": 2, "user": ["zhangsan", "lisi"], "state": "dy_1" }),
    )
    .await?;
    let id = multi["config_id"].as_str().unwrap_or_default().to_owned();
    let mut members = Vec::new();
    for _ in 0..3 {
        let s = sim.control("scan", json!({ "config_id": id })).await?;
        assert_eq!(s["state"], "dy_1");
        assert_eq!(s["change_type"], "add_external_contact");
        let ext = s["external_userid"].as_str().unwrap_or_default().to_owned();
        let c = sim
            .api_get("externalcontact/get", &format!("external_userid={ext}"))
            .await?;
        assert_eq!(c["follow_user"][0]["state"], "dy_1");
        assert_eq!(c["follow_user"][0]["userid"], s["userid"]);
        members.push(s["userid"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(members, ["zhangsan", "lisi", "zhangsan"], "round-robin");

    // A temp way dies after one add.
    let temp = add(
        &sim,
        json!({ "type": 1, "scene": 2, "user": ["wangwu"], "is_temp": true, "state": "t" }),
    )
    .await?;
    let tid = temp["config_id"].as_str().unwrap_or_default().to_owned();
    let s = sim.control("scan", json!({ "config_id": tid })).await?;
    assert_eq!(s["userid"], "wangwu");
    let again = sim
        .http
        .post(sim.url("/sim/control/scan"))
        .json(&json!({ "config_id": tid }))
        .send()
        .await?;
    assert_eq!(again.status(), 409);
    let body: Value = again.json().await?;
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("qr expired"))
    );
    // The used temp way refuses edits; the open temp session can be closed once.
    let upd = sim
        .api_post(
            "externalcontact/update_contact_way",
            &json!({ "config_id": tid, "remark": "x" }),
        )
        .await?;
    assert_eq!(errcode(&upd), 40058);
    let close = json!({ "userid": "wangwu", "external_userid": s["external_userid"] });
    assert_eq!(
        errcode(
            &sim.api_post("externalcontact/close_temp_chat", &close)
                .await?
        ),
        0
    );
    assert_eq!(
        errcode(
            &sim.api_post("externalcontact/close_temp_chat", &close)
                .await?
        ),
        40058
    );
    let unknown = json!({ "userid": "wangwu", "external_userid": "wmNope" });
    assert_eq!(
        errcode(
            &sim.api_post("externalcontact/close_temp_chat", &unknown)
                .await?
        ),
        40096
    );

    // skip_verify=false → a half add.
    let verify = add(
        &sim,
        json!({ "type": 1, "scene": 2, "user": ["lisi"], "skip_verify": false }),
    )
    .await?;
    let vid = verify["config_id"].as_str().unwrap_or_default();
    let s = sim.control("scan", json!({ "config_id": vid })).await?;
    assert_eq!(s["change_type"], "add_half_external_contact");
    assert_eq!(s["userid"], "lisi");

    // Unknown way → 404; a userid the way does not route to → 400; without config_id as before.
    let r = sim
        .http
        .post(sim.url("/sim/control/scan"))
        .json(&json!({ "config_id": "nope" }))
        .send()
        .await?;
    assert_eq!(r.status(), 404);
    let r = sim
        .http
        .post(sim.url("/sim/control/scan"))
        .json(&json!({ "config_id": vid, "userid": "wangwu" }))
        .send()
        .await?;
    assert_eq!(r.status(), 400);
    let plain = sim
        .control("scan", json!({ "userid": "wangwu", "state": "plain" }))
        .await?;
    assert_eq!(plain["state"], "plain");
    Ok(())
}

#[tokio::test]
async fn a_member_without_customer_contact_cannot_be_put_on_a_way_by_update() -> TestResult {
    let sim = Sim::demo().await?;
    sim.running.sim.add_staff(Staff {
        userid: "nocc".to_owned(),
        name: "无".to_owned(),
        customer_contact: false,
    })?;
    let v = add(&sim, json!({ "type": 1, "scene": 2, "user": ["zhangsan"] })).await?;
    let upd = sim
        .api_post(
            "externalcontact/update_contact_way",
            &json!({ "config_id": v["config_id"], "user": ["nocc"] }),
        )
        .await?;
    assert_eq!(errcode(&upd), 41054);
    let upd = sim
        .api_post(
            "externalcontact/update_contact_way",
            &json!({ "config_id": v["config_id"], "user": ["zhangsan", "lisi"] }),
        )
        .await?;
    assert_eq!(errcode(&upd), 40058, "type 1 keeps exactly one user");
    Ok(())
}
