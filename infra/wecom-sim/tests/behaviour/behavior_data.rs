//! 联系客户统计: `externalcontact/get_user_behavior_data` — one entry per day, summed over the
//! members asked about; the range and age rules; seeded activity and relationships as the data.

use serde_json::{Value, json};

use crate::common::{Sim, TestResult, errcode, scan};

const DAY: i64 = 86_400;

/// 00:00 Beijing time of the simulator's today.
fn today_start(sim: &Sim) -> i64 {
    let now = sim.running.sim.now_ms() / 1000;
    (now + 8 * 3600).div_euclid(DAY) * DAY - 8 * 3600
}

fn day(v: &Value, i: usize) -> &Value {
    &v["behavior_data"][i]
}

#[tokio::test]
async fn one_entry_per_day_from_seeded_activity_and_new_contacts() -> TestResult {
    let sim = Sim::demo().await?;
    let today = today_start(&sim);
    let yesterday = today - DAY;
    sim.control(
        "behavior",
        json!({ "days": [
            { "userid": "zhangsan", "stat_time": yesterday + 3600, "chat_cnt": 10, "message_cnt": 42,
              "reply_percentage": 80.0, "avg_reply_time": 6, "negative_feedback_cnt": 1, "new_apply_cnt": 2 },
            { "userid": "lisi", "stat_time": yesterday, "chat_cnt": 30, "message_cnt": 90,
              "reply_percentage": 100.0, "avg_reply_time": 2 },
        ]}),
    )
    .await?;
    // Two customers add zhangsan today (new_contact_cnt comes from the relationships).
    scan(&sim, "zhangsan", "a").await?;
    scan(&sim, "zhangsan", "b").await?;

    let v = sim
        .api_post(
            "externalcontact/get_user_behavior_data",
            &json!({ "userid": ["zhangsan"], "start_time": yesterday, "end_time": today + 100 }),
        )
        .await?;
    assert_eq!(errcode(&v), 0, "{v}");
    assert_eq!(v["behavior_data"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(
        *day(&v, 0),
        json!({ "stat_time": yesterday, "chat_cnt": 10, "message_cnt": 42, "reply_percentage": 80.0,
                "avg_reply_time": 6, "negative_feedback_cnt": 1, "new_apply_cnt": 2, "new_contact_cnt": 0 })
    );
    assert_eq!(day(&v, 1)["stat_time"], today);
    assert_eq!(day(&v, 1)["chat_cnt"], 0);
    assert_eq!(day(&v, 1)["new_contact_cnt"], 2);

    // Two members: summed, percentages and reply times weighted by chats.
    let both = sim
        .api_post(
            "externalcontact/get_user_behavior_data",
            &json!({ "userid": ["zhangsan", "lisi"], "start_time": yesterday, "end_time": yesterday }),
        )
        .await?;
    assert_eq!(errcode(&both), 0, "{both}");
    assert_eq!(day(&both, 0)["chat_cnt"], 40);
    assert_eq!(day(&both, 0)["message_cnt"], 132);
    assert_eq!(day(&both, 0)["reply_percentage"], 95.0);
    assert_eq!(day(&both, 0)["avg_reply_time"], 3);
    // The same answer twice: derived from state, nothing random.
    let again = sim
        .api_post(
            "externalcontact/get_user_behavior_data",
            &json!({ "userid": ["zhangsan", "lisi"], "start_time": yesterday, "end_time": yesterday }),
        )
        .await?;
    assert_eq!(both, again);
    Ok(())
}

#[tokio::test]
async fn range_age_and_member_rules() -> TestResult {
    let sim = Sim::demo().await?;
    let today = today_start(&sim);
    let call = |body: Value| {
        let sim = &sim;
        async move {
            sim.api_post("externalcontact/get_user_behavior_data", &body)
                .await
        }
    };
    // Neither userid nor partyid.
    let v = call(json!({ "start_time": today - DAY, "end_time": today })).await?;
    assert_eq!(errcode(&v), 40058, "{v}");
    // Times missing or reversed.
    let v = call(json!({ "userid": ["zhangsan"], "start_time": today })).await?;
    assert_eq!(errcode(&v), 40058, "{v}");
    let v = call(json!({ "userid": ["zhangsan"], "start_time": today, "end_time": today - DAY }))
        .await?;
    assert_eq!(errcode(&v), 40058, "{v}");
    // 30 days is the limit; 31 is refused.
    let v =
        call(json!({ "userid": ["zhangsan"], "start_time": today - 29 * DAY, "end_time": today }))
            .await?;
    assert_eq!(errcode(&v), 0, "{v}");
    assert_eq!(v["behavior_data"].as_array().map(Vec::len), Some(30));
    let v =
        call(json!({ "userid": ["zhangsan"], "start_time": today - 30 * DAY, "end_time": today }))
            .await?;
    assert_eq!(errcode(&v), 40058, "{v}");
    // Not older than 180 days.
    let v = call(json!({ "userid": ["zhangsan"], "start_time": today - 181 * DAY, "end_time": today - 175 * DAY })).await?;
    assert_eq!(errcode(&v), 40058, "{v}");
    let v = call(json!({ "userid": ["zhangsan"], "start_time": today - 180 * DAY, "end_time": today - 175 * DAY })).await?;
    assert_eq!(errcode(&v), 0, "{v}");
    // An unknown member.
    let v = call(json!({ "userid": ["nobody"], "start_time": today, "end_time": today })).await?;
    assert_eq!(errcode(&v), 60111, "{v}");
    // A department: every member with customer contact.
    let v = call(json!({ "partyid": [1], "start_time": today, "end_time": today })).await?;
    assert_eq!(errcode(&v), 0, "{v}");
    // A GET cannot carry the body.
    let token = sim.token().await?;
    let v = sim
        .get(&format!(
            "/cgi-bin/externalcontact/get_user_behavior_data?access_token={token}"
        ))
        .await?;
    assert_eq!(errcode(&v), 40058, "{v}");
    Ok(())
}
