//! Following up a 群发: remind_groupmsg_send (capped per 24 hours) and cancel_groupmsg_send.

use std::time::Duration;

use serde_json::json;

use super::{CANCEL, REMIND, TASK, confirm, create_ok, customers, fast_sim, group_msgs, statuses};
use crate::common::{Sim, TestResult, errcode};

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
    sim.running.sim.advance_clock(Duration::from_millis(250));
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
