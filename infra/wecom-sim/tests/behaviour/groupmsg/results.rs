//! Reading a 群发: its task and send results (41063 while dispatching, then the statuses a
//! confirm sets), their cursor paging, and get_groupmsg_list_v2.

use std::time::Duration;

use serde_json::json;
use wecom_sim::{DeleteRequest, DeletedBy};

use super::{LIST, RESULT, TASK, confirm, create_ok, customers, fast_sim, statuses};
use crate::common::{Sim, TestResult, errcode};

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
    sim.running.sim.advance_clock(Duration::from_millis(250));

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
async fn send_results_page_through_an_opaque_cursor_honouring_limit() -> TestResult {
    let sim = fast_sim().await?;
    let exts = customers(&sim, "lisi", 25).await?;
    let msgid = create_ok(&sim, "lisi", &exts).await?;
    let other = create_ok(&sim, "lisi", &exts[..1]).await?;
    sim.running.sim.advance_clock(Duration::from_millis(250));
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
