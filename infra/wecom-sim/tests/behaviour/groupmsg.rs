//! 企业群发 (add_msg_template and the result/control APIs), the per-customer quota, and media
//! upload (wecom-api.md §5).

use std::time::Duration;

use serde_json::{Value, json};
use wecom_sim::{
    DeleteRequest, DeletedBy, FaultRule, GroupMsgConfirmOutcome, GroupMsgRecord, MediaSnapshot,
    ScanRequest, SimConfig,
};

use crate::common::{Sim, TestResult, errcode};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const ADD: &str = "externalcontact/add_msg_template";
const TASK: &str = "externalcontact/get_groupmsg_task";
const RESULT: &str = "externalcontact/get_groupmsg_send_result";
const LIST: &str = "externalcontact/get_groupmsg_list_v2";
const REMIND: &str = "externalcontact/remind_groupmsg_send";
const CANCEL: &str = "externalcontact/cancel_groupmsg_send";

/// A simulator whose 群发 stop dispatching after 200 ms.
async fn fast_sim() -> Result<Sim, std::io::Error> {
    Sim::start(SimConfig {
        groupmsg_dispatch_delay: Duration::from_millis(200),
        ..SimConfig::for_tests()
    })
    .await
}

/// `n` new customers of `userid`.
async fn customers(sim: &Sim, userid: &str, n: usize) -> Result<Vec<String>, BoxError> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(
            sim.running
                .sim
                .scan(ScanRequest::new(userid))
                .await?
                .external_userid,
        );
    }
    Ok(out)
}

/// `add_msg_template` with a text; returns the whole answer.
async fn create(sim: &Sim, sender: &str, exts: &[String], text: &str) -> Result<Value, BoxError> {
    sim.api_post(
        ADD,
        &json!({ "chat_type": "single", "sender": sender, "external_userid": exts,
                 "text": { "content": text } }),
    )
    .await
}

async fn create_ok(sim: &Sim, sender: &str, exts: &[String]) -> Result<String, BoxError> {
    let v = create(sim, sender, exts, "本周光子嫩肤限时优惠").await?;
    if errcode(&v) != 0 {
        return Err(format!("add_msg_template failed: {v}").into());
    }
    Ok(v["msgid"].as_str().unwrap_or_default().to_owned())
}

async fn confirm(
    sim: &Sim,
    userid: &str,
    msgid: Option<&str>,
) -> Result<GroupMsgConfirmOutcome, BoxError> {
    let mut body = json!({ "userid": userid });
    if let (Some(m), Some(obj)) = (msgid, body.as_object_mut()) {
        obj.insert("msgid".to_owned(), Value::from(m));
    }
    Ok(serde_json::from_value(
        sim.control("groupmsg/confirm", body).await?,
    )?)
}

async fn group_msgs(sim: &Sim) -> Result<Vec<GroupMsgRecord>, BoxError> {
    Ok(sim
        .http
        .get(sim.url("/sim/control/groupmsgs"))
        .send()
        .await?
        .json()
        .await?)
}

/// Statuses of `msgid`'s recipients by external_userid, read through get_groupmsg_send_result.
async fn statuses(sim: &Sim, msgid: &str, userid: &str) -> Result<Vec<(String, i64)>, BoxError> {
    let v = sim
        .api_post(RESULT, &json!({ "msgid": msgid, "userid": userid }))
        .await?;
    if errcode(&v) != 0 {
        return Err(format!("send_result failed: {v}").into());
    }
    Ok(v["send_list"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|r| {
                    (
                        r["external_userid"].as_str().unwrap_or_default().to_owned(),
                        r["status"].as_i64().unwrap_or(-1),
                    )
                })
                .collect()
        })
        .unwrap_or_default())
}

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
async fn add_msg_template_enforces_the_documented_limits() -> TestResult {
    let sim = Sim::demo().await?;
    let exts = customers(&sim, "zhangsan", 1).await?;
    let base =
        json!({ "sender": "zhangsan", "external_userid": exts, "text": { "content": "hi" } });
    let with = |patch: Value| {
        let mut b = base.clone();
        if let (Some(o), Some(p)) = (b.as_object_mut(), patch.as_object()) {
            for (k, v) in p {
                o.insert(k.clone(), v.clone());
            }
        }
        b
    };
    let cases = [
        (json!({ "sender": null }), 41009),
        (json!({ "sender": "ghost" }), 60111),
        (json!({ "chat_type": "group" }), 40058),
        (json!({ "chat_type": "broadcast" }), 40058),
        (json!({ "text": { "content": "字".repeat(1334) } }), 40058),
        (json!({ "text": null }), 40058),
        (
            json!({ "attachments": vec![json!({ "msgtype": "link", "link": { "title": "t", "url": "https://e.com" } }); 10] }),
            41064,
        ),
        (
            json!({ "attachments": [{ "msgtype": "gif", "gif": {} }] }),
            41065,
        ),
        (
            json!({ "attachments": [{ "msgtype": "link", "link": { "title": "t" } }] }),
            40058,
        ),
        (
            json!({ "attachments": [{ "msgtype": "link", "link": { "title": "t".repeat(129), "url": "https://e.com" } }] }),
            40058,
        ),
        (
            json!({ "attachments": [{ "msgtype": "miniprogram", "miniprogram": { "title": "t".repeat(65), "pic_media_id": "x", "appid": "wx1", "page": "/p" } }] }),
            40058,
        ),
        (
            json!({ "attachments": [{ "msgtype": "image", "image": {} }] }),
            40058,
        ),
        (
            json!({ "attachments": [{ "msgtype": "image", "image": { "media_id": "NOPE" } }] }),
            40007,
        ),
        (
            json!({ "attachments": [{ "msgtype": "video", "video": { "media_id": "NOPE" } }] }),
            40007,
        ),
        (
            json!({ "external_userid": (0..10_001).map(|i| format!("wm{i}")).collect::<Vec<_>>() }),
            40058,
        ),
        (json!({ "external_userid": ["wmNobody"] }), 41048),
    ];
    for (patch, want) in cases {
        let v = sim.api_post(ADD, &with(patch.clone())).await?;
        assert_eq!(errcode(&v), want, "{patch} → {v}");
    }
    assert!(
        sim.running.sim.group_msgs().is_empty(),
        "nothing was created"
    );
    // 4000 bytes and 9 attachments are still fine; 10 000 recipients are allowed.
    let mut many: Vec<String> = (0..9_999).map(|i| format!("wm{i}")).collect();
    many.extend(exts.iter().cloned());
    let ok = sim
        .api_post(
            ADD,
            &with(json!({
                "text": { "content": "字".repeat(1333) },
                "external_userid": many,
                "attachments": vec![json!({ "msgtype": "link", "link": { "title": "预约", "url": "https://e.com/a" } }); 9],
            })),
        )
        .await?;
    assert_eq!(errcode(&ok), 0, "{}", ok["errmsg"]);
    assert!(ok["msgid"].as_str().is_some_and(|m| m.starts_with("msg")));
    assert_eq!(ok["fail_list"].as_array().map(Vec::len), Some(9_999));
    Ok(())
}

#[tokio::test]
async fn recipients_who_are_not_active_customers_of_the_sender_go_to_fail_list() -> TestResult {
    let sim = Sim::demo().await?;
    let mine = customers(&sim, "zhangsan", 2).await?;
    let theirs = customers(&sim, "lisi", 1).await?;
    let half = sim
        .running
        .sim
        .scan(ScanRequest::new("zhangsan").half())
        .await?
        .external_userid;
    let mut asked = mine.clone();
    asked.push(theirs[0].clone());
    asked.push(half.clone());
    asked.push("wmNoSuchCustomer".to_owned());
    asked.push(mine[0].clone()); // duplicates count once
    let v = create(&sim, "zhangsan", &asked, "hello").await?;
    assert_eq!(errcode(&v), 0);
    let fail: Vec<&str> = v["fail_list"]
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        fail,
        [theirs[0].as_str(), half.as_str(), "wmNoSuchCustomer"]
    );
    let recorded = group_msgs(&sim).await?;
    assert_eq!(recorded.len(), 1);
    let m = &recorded[0];
    assert_eq!(m.creator, "zhangsan");
    assert_eq!(m.create_type, 0);
    assert_eq!(m.text.as_deref(), Some("hello"));
    let rec: Vec<&str> = m
        .recipients
        .iter()
        .map(|r| r.external_userid.as_str())
        .collect();
    assert_eq!(rec, [mine[0].as_str(), mine[1].as_str()]);
    assert!(m.recipients.iter().all(|r| r.status == 0));

    // No external_userid: every customer of the sender; tag_filter narrows it.
    sim.running.sim.silent(wecom_sim::SilentChange::SetTags {
        userid: "zhangsan".to_owned(),
        external_userid: mine[1].clone(),
        tag_ids: vec![wecom_sim::demo::TAG_TIER_A.to_owned()],
    })?;
    let all = sim
        .api_post(
            ADD,
            &json!({ "sender": "zhangsan", "text": { "content": "all" } }),
        )
        .await?;
    assert_eq!(errcode(&all), 0);
    let tagged = sim
        .api_post(
            ADD,
            &json!({ "sender": "zhangsan", "text": { "content": "A only" },
                     "tag_filter": { "group_list": [{ "tag_list": [wecom_sim::demo::TAG_TIER_A, wecom_sim::demo::TAG_TIER_B] }] } }),
        )
        .await?;
    assert_eq!(errcode(&tagged), 0);
    let recorded = group_msgs(&sim).await?;
    assert_eq!(recorded[1].recipients.len(), 2);
    assert_eq!(recorded[2].recipients.len(), 1);
    assert_eq!(recorded[2].recipients[0].external_userid, mine[1]);
    Ok(())
}

#[tokio::test]
async fn results_say_41063_while_dispatching_then_confirm_sets_statuses_1_2_3() -> TestResult {
    let sim = fast_sim().await?;
    let exts = customers(&sim, "zhangsan", 4).await?;
    let msgid = create_ok(&sim, "zhangsan", &exts).await?;
    let early = sim.api_post(TASK, &json!({ "msgid": msgid })).await?;
    assert_eq!(errcode(&early), 41063);
    let early = sim
        .api_post(RESULT, &json!({ "msgid": msgid, "userid": "zhangsan" }))
        .await?;
    assert_eq!(errcode(&early), 41063);
    tokio::time::sleep(Duration::from_millis(250)).await;

    let task = sim.api_post(TASK, &json!({ "msgid": msgid })).await?;
    assert_eq!(errcode(&task), 0);
    assert_eq!(task["task_list"][0]["userid"], "zhangsan");
    assert_eq!(task["task_list"][0]["status"], 0);
    assert_eq!(task["next_cursor"], "");
    assert!(
        statuses(&sim, &msgid, "zhangsan")
            .await?
            .iter()
            .all(|(_, s)| *s == 0)
    );

    // Before the member sends: one customer is deleted by the member, one deletes the member,
    // one has already had this month's quota from elsewhere.
    for (ext, by) in [
        (&exts[1], DeletedBy::Staff),
        (&exts[2], DeletedBy::Customer),
    ] {
        sim.running
            .sim
            .delete_contact(DeleteRequest {
                userid: "zhangsan".to_owned(),
                external_userid: ext.clone(),
                by,
                source: None,
                deliveries: 1,
            })
            .await?;
    }
    let q = sim
        .control(
            "groupmsg/received",
            json!({ "external_userid": exts[3], "count": 31 }),
        )
        .await?;
    assert_eq!(q["rule"], "month");
    assert!((28..=31).contains(&q["cap"].as_i64().unwrap_or(0)));

    let out = confirm(&sim, "zhangsan", None).await?;
    assert_eq!(out.msgids, std::slice::from_ref(&msgid));
    assert_eq!((out.sent, out.not_friend, out.over_quota), (1, 2, 1));
    let got = statuses(&sim, &msgid, "zhangsan").await?;
    let want: Vec<(String, i64)> = vec![
        (exts[0].clone(), 1),
        (exts[1].clone(), 2),
        (exts[2].clone(), 2),
        (exts[3].clone(), 3),
    ];
    assert_eq!(got, want);
    let v = sim
        .api_post(RESULT, &json!({ "msgid": msgid, "userid": "zhangsan" }))
        .await?;
    assert!(v["send_list"][0]["send_time"].as_i64().unwrap_or(0) > 1_600_000_000);
    assert!(v["send_list"][1].get("send_time").is_none());
    let task = sim.api_post(TASK, &json!({ "msgid": msgid })).await?;
    assert_eq!(task["task_list"][0]["status"], 2);
    assert!(task["task_list"][0]["send_time"].as_i64().unwrap_or(0) > 1_600_000_000);
    // Another member has nothing in this 群发; a second confirm sends nothing again.
    assert!(statuses(&sim, &msgid, "lisi").await?.is_empty());
    assert!(confirm(&sim, "zhangsan", None).await?.msgids.is_empty());
    // Unknown / missing msgid.
    assert_eq!(
        errcode(&sim.api_post(TASK, &json!({ "msgid": "msgNope" })).await?),
        41047
    );
    assert_eq!(errcode(&sim.api_post(TASK, &json!({})).await?), 41046);
    Ok(())
}

#[tokio::test]
async fn the_quota_follows_the_rule_in_force() -> TestResult {
    let sim = Sim::demo().await?;
    let c = customers(&sim, "wangwu", 1).await?;
    sim.control("groupmsg/quota", json!({ "rule": "day" }))
        .await?;
    let rule: Value = sim
        .http
        .get(sim.url("/sim/control/groupmsg/quota"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(rule["rule"], "day");
    let mut outcome = Vec::new();
    for _ in 0..2 {
        let m = create_ok(&sim, "wangwu", &c).await?;
        let out = confirm(&sim, "wangwu", Some(&m)).await?;
        outcome.push((out.sent, out.over_quota));
    }
    assert_eq!(outcome, [(1, 0), (0, 1)], "1 per day");

    // A week allows 7: one received already, five more from elsewhere → one more fits.
    sim.control("groupmsg/quota", json!({ "rule": "week" }))
        .await?;
    let q = sim
        .control(
            "groupmsg/received",
            json!({ "external_userid": c[0], "count": 5 }),
        )
        .await?;
    assert_eq!(
        (q["received"].as_i64(), q["cap"].as_i64()),
        (Some(6), Some(7))
    );
    let mut outcome = Vec::new();
    for _ in 0..2 {
        create_ok(&sim, "wangwu", &c).await?;
        let out = confirm(&sim, "wangwu", None).await?;
        outcome.push((out.sent, out.over_quota));
    }
    assert_eq!(outcome, [(1, 0), (0, 1)], "7 per week");

    // The month allows as many as the month has days.
    sim.control("groupmsg/quota", json!({ "rule": "month" }))
        .await?;
    let q = sim
        .control(
            "groupmsg/received",
            json!({ "external_userid": c[0], "count": 0 }),
        )
        .await?;
    let (received, cap) = (
        q["received"].as_i64().unwrap_or(0),
        q["cap"].as_i64().unwrap_or(0),
    );
    assert!(received >= 7 && (28..=31).contains(&cap), "{q}");
    sim.control(
        "groupmsg/received",
        json!({ "external_userid": c[0], "count": cap - received - 1 }),
    )
    .await?;
    let mut outcome = Vec::new();
    for _ in 0..2 {
        create_ok(&sim, "wangwu", &c).await?;
        let out = confirm(&sim, "wangwu", None).await?;
        outcome.push((out.sent, out.over_quota));
    }
    assert_eq!(
        outcome,
        [(1, 0), (0, 1)],
        "as many per month as it has days"
    );
    assert_eq!(
        sim.running.sim.state().groupmsg_quota,
        wecom_sim::QuotaRule::Month
    );
    Ok(())
}

#[tokio::test]
async fn send_results_page_through_an_opaque_cursor_honouring_limit() -> TestResult {
    let sim = fast_sim().await?;
    let exts = customers(&sim, "lisi", 25).await?;
    let msgid = create_ok(&sim, "lisi", &exts).await?;
    let other = create_ok(&sim, "lisi", &exts[..1]).await?;
    tokio::time::sleep(Duration::from_millis(250)).await;
    confirm(&sim, "lisi", Some(&msgid)).await?;
    let mut cursor = String::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let v = sim
            .api_post(
                RESULT,
                &json!({ "msgid": msgid, "userid": "lisi", "limit": 10, "cursor": cursor }),
            )
            .await?;
        assert_eq!(errcode(&v), 0, "{v}");
        pages += 1;
        for r in v["send_list"].as_array().cloned().unwrap_or_default() {
            assert_eq!(r["userid"], "lisi");
            assert_eq!(r["status"], 1);
            seen.push(r["external_userid"].as_str().unwrap_or_default().to_owned());
        }
        cursor = v["next_cursor"].as_str().unwrap_or_default().to_owned();
        if cursor.is_empty() {
            break;
        }
        assert!(!cursor.chars().all(|c| c.is_ascii_digit()), "opaque cursor");
        // A cursor of one 群发 is refused for another.
        let foreign = sim
            .api_post(
                RESULT,
                &json!({ "msgid": other, "userid": "lisi", "limit": 10, "cursor": cursor }),
            )
            .await?;
        assert_eq!(errcode(&foreign), 40058);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, exts);
    for api in [RESULT, TASK] {
        let big = sim
            .api_post(
                api,
                &json!({ "msgid": msgid, "userid": "lisi", "limit": 1001 }),
            )
            .await?;
        assert_eq!(errcode(&big), 40058, "{api}");
    }
    let garbage = sim
        .api_post(TASK, &json!({ "msgid": msgid, "cursor": "nope" }))
        .await?;
    assert_eq!(errcode(&garbage), 40058);
    Ok(())
}

#[tokio::test]
async fn list_v2_checks_the_span_filters_and_pages() -> TestResult {
    let sim = Sim::demo().await?;
    let z = customers(&sim, "zhangsan", 1).await?;
    let l = customers(&sim, "lisi", 1).await?;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(create_ok(&sim, "zhangsan", &z).await?);
    }
    ids.push(create_ok(&sim, "lisi", &l).await?);
    let now = sim.running.sim.now_ms() / 1000;
    let (start, end) = (now - 86_400, now + 60);

    for (body, want) in [
        (
            json!({ "start_time": now - 32 * 86_400, "end_time": now }),
            40058,
        ),
        (json!({ "end_time": now }), 40058),
        (json!({ "start_time": now, "end_time": now - 1 }), 40058),
        (
            json!({ "start_time": start, "end_time": end, "limit": 101 }),
            40058,
        ),
        (
            json!({ "start_time": start, "end_time": end, "filter_type": 3 }),
            40058,
        ),
        (
            json!({ "start_time": now - 31 * 86_400, "end_time": now }),
            0,
        ),
    ] {
        assert_eq!(errcode(&sim.api_post(LIST, &body).await?), want, "{body}");
    }

    let mut cursor = String::new();
    let mut seen = Vec::new();
    loop {
        let v = sim
            .api_post(
                LIST,
                &json!({ "chat_type": "single", "start_time": start, "end_time": end,
                         "creator": "zhangsan", "filter_type": 0, "limit": 2, "cursor": cursor }),
            )
            .await?;
        assert_eq!(errcode(&v), 0);
        for m in v["group_msg_list"].as_array().cloned().unwrap_or_default() {
            assert_eq!(m["creator"], "zhangsan");
            assert_eq!(m["create_type"], 0);
            assert_eq!(m["text"]["content"], "本周光子嫩肤限时优惠");
            assert!(m["create_time"].as_i64().unwrap_or(0) >= start);
            seen.push(m["msgid"].as_str().unwrap_or_default().to_owned());
        }
        cursor = v["next_cursor"].as_str().unwrap_or_default().to_owned();
        if cursor.is_empty() {
            break;
        }
    }
    assert_eq!(seen, ids[..3]);
    let all = sim
        .api_post(LIST, &json!({ "start_time": start, "end_time": end }))
        .await?;
    assert_eq!(all["group_msg_list"].as_array().map(Vec::len), Some(4));
    let personal = sim
        .api_post(
            LIST,
            &json!({ "start_time": start, "end_time": end, "filter_type": 1 }),
        )
        .await?;
    assert_eq!(personal["group_msg_list"].as_array().map(Vec::len), Some(0));
    let outside = sim
        .api_post(
            LIST,
            &json!({ "start_time": now - 20 * 86_400, "end_time": now - 10 * 86_400 }),
        )
        .await?;
    assert_eq!(outside["group_msg_list"].as_array().map(Vec::len), Some(0));
    Ok(())
}

#[tokio::test]
async fn reminders_are_capped_at_three_per_24_hours_and_recorded() -> TestResult {
    let sim = Sim::demo().await?;
    let c = customers(&sim, "zhangsan", 1).await?;
    let msgid = create_ok(&sim, "zhangsan", &c).await?;
    for _ in 0..3 {
        assert_eq!(
            errcode(&sim.api_post(REMIND, &json!({ "msgid": msgid })).await?),
            0
        );
    }
    assert_eq!(
        errcode(&sim.api_post(REMIND, &json!({ "msgid": msgid })).await?),
        45009
    );
    assert_eq!(group_msgs(&sim).await?[0].reminders.len(), 3);
    sim.control("clock/advance", json!({ "seconds": 86_401 }))
        .await?;
    assert_eq!(
        errcode(&sim.api_post(REMIND, &json!({ "msgid": msgid })).await?),
        0
    );
    let state = sim.running.sim.state();
    assert_eq!(state.group_msg(&msgid).map(|m| m.reminders.len()), Some(4));
    assert_eq!(
        errcode(&sim.api_post(REMIND, &json!({ "msgid": "msgNope" })).await?),
        41047
    );
    assert_eq!(errcode(&sim.api_post(REMIND, &json!({})).await?), 41046);
    Ok(())
}

#[tokio::test]
async fn a_cancelled_group_msg_can_no_longer_be_sent() -> TestResult {
    let sim = fast_sim().await?;
    let c = customers(&sim, "zhangsan", 2).await?;
    let cancelled = create_ok(&sim, "zhangsan", &c).await?;
    let kept = create_ok(&sim, "zhangsan", &c[..1]).await?;
    assert_eq!(
        errcode(&sim.api_post(CANCEL, &json!({ "msgid": cancelled })).await?),
        0
    );
    assert_eq!(
        errcode(&sim.api_post(CANCEL, &json!({ "msgid": cancelled })).await?),
        0
    );
    assert_eq!(
        errcode(&sim.api_post(CANCEL, &json!({ "msgid": "msgNope" })).await?),
        41047
    );
    let out = confirm(&sim, "zhangsan", Some(&cancelled)).await?;
    assert!(out.msgids.is_empty(), "a later confirm does nothing");
    let out = confirm(&sim, "zhangsan", None).await?;
    assert_eq!(out.msgids, [kept]);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(
        statuses(&sim, &cancelled, "zhangsan")
            .await?
            .iter()
            .all(|(_, s)| *s == 0)
    );
    let task = sim.api_post(TASK, &json!({ "msgid": cancelled })).await?;
    assert_eq!(task["task_list"][0]["status"], 0);
    let rec = group_msgs(&sim).await?;
    assert!(rec[0].cancelled && !rec[1].cancelled);
    // Confirming for another member's task or an unknown member is refused by the control API.
    let resp = sim
        .http
        .post(sim.url("/sim/control/groupmsg/confirm"))
        .json(&json!({ "userid": "lisi", "msgid": rec[1].msgid }))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 400);
    let resp = sim
        .http
        .post(sim.url("/sim/control/groupmsg/confirm"))
        .json(&json!({ "userid": "ghost" }))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 404);
    Ok(())
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

#[tokio::test]
async fn group_send_apis_are_counted_and_honour_faults() -> TestResult {
    let sim = Sim::demo().await?;
    let c = customers(&sim, "zhangsan", 1).await?;
    sim.running.sim.inject_fault(FaultRule::errcode(ADD, -1))?;
    sim.running
        .sim
        .inject_fault(FaultRule::http_status("media/upload", 502))?;
    let busy = create(&sim, "zhangsan", &c, "x").await?;
    assert_eq!(errcode(&busy), -1);
    assert!(
        sim.running.sim.group_msgs().is_empty(),
        "a fault creates nothing"
    );
    let t = sim.token().await?;
    let resp = sim
        .http
        .post(sim.url(&format!("/cgi-bin/media/upload?access_token={t}&type=file")))
        .body("x")
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 502);
    let msgid = create_ok(&sim, "zhangsan", &c).await?;
    for api in [REMIND, CANCEL, TASK, LIST] {
        sim.api_post(api, &json!({ "msgid": msgid })).await?;
    }
    let calls = sim.running.sim.call_counts();
    for (api, n) in [
        (ADD, 2),
        (REMIND, 1),
        (CANCEL, 1),
        (TASK, 1),
        (LIST, 1),
        ("media/upload", 1),
    ] {
        assert_eq!(calls.get(api), n, "{api}");
    }
    Ok(())
}
