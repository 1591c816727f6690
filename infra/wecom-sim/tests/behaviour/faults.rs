//! Fault injection and call counting.

use std::time::{Duration, Instant};

use serde_json::json;
use wecom_sim::FaultRule;

use crate::common::{Sim, TestResult, errcode};

#[tokio::test]
async fn a_minus_one_fault_then_success() -> TestResult {
    let sim = Sim::demo().await?;
    let t = sim.token().await?;
    sim.running.sim.inject_fault(FaultRule::errcode(
        "externalcontact/get_follow_user_list",
        -1,
    ))?;
    let path = format!("/cgi-bin/externalcontact/get_follow_user_list?access_token={t}");
    let busy = sim.get(&path).await?;
    assert_eq!(errcode(&busy), -1);
    assert!(
        busy["errmsg"]
            .as_str()
            .is_some_and(|m| m.starts_with("system busy"))
    );
    assert_eq!(errcode(&sim.get(&path).await?), 0);
    Ok(())
}

#[tokio::test]
async fn faults_are_a_fifo_matched_by_path() -> TestResult {
    let sim = Sim::demo().await?;
    let t = sim.token().await?;
    let added = sim
        .control(
            "faults",
            json!([
                { "path": "externalcontact/list", "errcode": 45033, "times": 2 },
                { "path": "*", "errcode": 45009 },
                { "path": "/cgi-bin/externalcontact/list", "http_status": 500 }
            ]),
        )
        .await?;
    assert_eq!(added.as_array().map(Vec::len), Some(3));
    let list = format!("/cgi-bin/externalcontact/list?access_token={t}&userid=zhangsan");
    let follow = format!("/cgi-bin/externalcontact/get_follow_user_list?access_token={t}");
    // The first matching rule wins: "*" does not shadow the earlier list rule.
    assert_eq!(errcode(&sim.get(&follow).await?), 45009);
    assert_eq!(errcode(&sim.get(&list).await?), 45033);
    assert_eq!(errcode(&sim.get(&list).await?), 45033);
    let page = sim.http.get(sim.url(&list)).send().await?;
    assert_eq!(page.status().as_u16(), 500);
    assert_eq!(errcode(&sim.get(&list).await?), 0);
    assert!(sim.running.sim.faults().is_empty());
    Ok(())
}

#[tokio::test]
async fn an_http_fault_can_carry_an_errcode_body() -> TestResult {
    let sim = Sim::demo().await?;
    let t = sim.token().await?;
    sim.running.sim.inject_fault(FaultRule {
        errcode: Some(-1),
        errmsg: Some("custom busy".into()),
        ..FaultRule::http_status("externalcontact/get_follow_user_list", 503)
    })?;
    let resp = sim
        .http
        .get(sim.url(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={t}"
        )))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 503);
    let v: serde_json::Value = resp.json().await?;
    assert_eq!(errcode(&v), -1);
    assert_eq!(v["errmsg"], "custom busy");
    Ok(())
}

#[tokio::test]
async fn a_delay_fault_delays_the_real_answer() -> TestResult {
    let sim = Sim::demo().await?;
    let t = sim.token().await?;
    sim.running.sim.inject_fault(FaultRule::delay(
        "externalcontact/get_follow_user_list",
        300,
    ))?;
    let started = Instant::now();
    let v = sim
        .get(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={t}"
        ))
        .await?;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(errcode(&v), 0);
    Ok(())
}

#[tokio::test]
async fn token_faults_really_invalidate_or_expire_the_token() -> TestResult {
    let sim = Sim::demo().await?;
    let path = |t: &str| format!("/cgi-bin/externalcontact/get_follow_user_list?access_token={t}");
    let t1 = sim.token().await?;
    sim.running
        .sim
        .inject_fault(FaultRule::errcode("*", 40014))?;
    assert_eq!(errcode(&sim.get(&path(&t1)).await?), 40014);
    // Not just once: the token is gone.
    assert_eq!(errcode(&sim.get(&path(&t1)).await?), 40014);
    let t2 = sim.token().await?;
    assert_ne!(t1, t2);
    sim.running.sim.inject_fault(FaultRule::errcode(
        "externalcontact/get_follow_user_list",
        42001,
    ))?;
    assert_eq!(errcode(&sim.get(&path(&t2)).await?), 42001);
    assert_eq!(errcode(&sim.get(&path(&t2)).await?), 42001);
    let t3 = sim.token().await?;
    assert_eq!(errcode(&sim.get(&path(&t3)).await?), 0);
    Ok(())
}

#[tokio::test]
async fn invalid_fault_rules_are_refused_and_faults_can_be_cleared() -> TestResult {
    let sim = Sim::demo().await?;
    let refused = sim
        .http
        .post(sim.url("/sim/control/faults"))
        .json(&json!({ "path": "gettoken", "times": 0, "errcode": -1 }))
        .send()
        .await?;
    assert_eq!(refused.status().as_u16(), 400);
    let nothing = sim
        .http
        .post(sim.url("/sim/control/faults"))
        .json(&json!({ "path": "gettoken" }))
        .send()
        .await?;
    assert_eq!(nothing.status().as_u16(), 400);
    sim.control(
        "faults",
        json!({ "rules": [{ "path": "gettoken", "errcode": -1, "times": 5 }] }),
    )
    .await?;
    let listed: serde_json::Value = sim.get("/sim/control/faults").await?;
    assert_eq!(listed[0]["times"], 5);
    let cleared: serde_json::Value = sim
        .http
        .delete(sim.url("/sim/control/faults"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(cleared, json!([]));
    sim.token().await?;
    Ok(())
}

#[tokio::test]
async fn calls_are_counted_per_path_and_can_be_reset() -> TestResult {
    let sim = Sim::demo().await?;
    let t = sim.token().await?;
    for _ in 0..3 {
        sim.get(&format!(
            "/cgi-bin/externalcontact/list?access_token={t}&userid=lisi"
        ))
        .await?;
    }
    sim.running
        .sim
        .inject_fault(FaultRule::errcode("externalcontact/list", -1))?;
    sim.get(&format!(
        "/cgi-bin/externalcontact/list?access_token={t}&userid=lisi"
    ))
    .await?;
    let calls: wecom_sim::CallCounts = sim
        .get("/sim/control/calls")
        .await
        .map(serde_json::from_value)??;
    assert_eq!(calls.get("gettoken"), 1);
    assert_eq!(calls.get("externalcontact/list"), 4);
    assert_eq!(calls.total, 5);
    let reset = sim.control("calls/reset", json!({})).await?;
    assert_eq!(reset["total"], 0);
    assert_eq!(sim.running.sim.call_counts().total, 0);
    Ok(())
}
