//! The per-customer 群发 quota: how many a customer receives under the day, week and month
//! rules.

use serde_json::{Value, json};

use super::{confirm, create_ok, customers};
use crate::common::{Sim, TestResult};

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
