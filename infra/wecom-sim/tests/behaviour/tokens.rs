//! Access-token lifecycle.

use std::time::Duration;

use serde_json::json;
use wecom_sim::SimConfig;

use crate::common::{Sim, TestResult, errcode};

#[tokio::test]
async fn gettoken_returns_the_same_token_with_the_remaining_lifetime() -> TestResult {
    let sim = Sim::demo().await?;
    let c = sim.running.sim.current_config();
    let q = format!(
        "/cgi-bin/gettoken?corpid={}&corpsecret={}",
        c.corp_id, c.corp_secret
    );
    let first = sim.get(&q).await?;
    assert_eq!(errcode(&first), 0);
    assert_eq!(first["errmsg"], "ok");
    assert_eq!(first["expires_in"], 7200);
    sim.running.sim.advance_clock(Duration::from_secs(100));
    let again = sim.get(&q).await?;
    assert_eq!(again["access_token"], first["access_token"]);
    assert_eq!(again["expires_in"], 7100);
    Ok(())
}

#[tokio::test]
async fn gettoken_issues_a_new_token_only_after_expiry() -> TestResult {
    let sim = Sim::demo().await?;
    let old = sim.token().await?;
    sim.running.sim.advance_clock(Duration::from_secs(7200));
    let stale = sim
        .get(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={old}"
        ))
        .await?;
    assert_eq!(errcode(&stale), 42001);
    let new = sim.token().await?;
    assert_ne!(new, old);
    let ok = sim
        .get(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={new}"
        ))
        .await?;
    assert_eq!(errcode(&ok), 0);
    Ok(())
}

#[tokio::test]
async fn gettoken_rejects_a_bad_corpid_with_40013_and_a_bad_secret_with_40001() -> TestResult {
    let sim = Sim::demo().await?;
    let c = sim.running.sim.current_config();
    let bad_corp = sim
        .get(&format!(
            "/cgi-bin/gettoken?corpid=wwnope&corpsecret={}",
            c.corp_secret
        ))
        .await?;
    assert_eq!(errcode(&bad_corp), 40013);
    assert!(
        bad_corp["errmsg"]
            .as_str()
            .unwrap_or_default()
            .contains("e=40013")
    );
    assert!(bad_corp.get("access_token").is_none());
    let bad_secret = sim
        .get(&format!(
            "/cgi-bin/gettoken?corpid={}&corpsecret=wrong",
            c.corp_id
        ))
        .await?;
    assert_eq!(errcode(&bad_secret), 40001);
    assert_eq!(
        errcode(&sim.get("/cgi-bin/gettoken?corpsecret=x").await?),
        41002
    );
    assert_eq!(
        errcode(
            &sim.get(&format!("/cgi-bin/gettoken?corpid={}", c.corp_id))
                .await?
        ),
        41004
    );
    Ok(())
}

#[tokio::test]
async fn a_call_without_token_gets_41001_and_an_unknown_token_40014() -> TestResult {
    let sim = Sim::demo().await?;
    let missing = sim
        .get("/cgi-bin/externalcontact/get_follow_user_list")
        .await?;
    assert_eq!(errcode(&missing), 41001);
    let empty = sim
        .get("/cgi-bin/externalcontact/get_follow_user_list?access_token=")
        .await?;
    assert_eq!(errcode(&empty), 41001);
    // A token in the body only is not a token.
    let t = sim.token().await?;
    let in_body = sim
        .post(
            "/cgi-bin/externalcontact/mark_tag",
            &json!({ "access_token": t }),
        )
        .await?;
    assert_eq!(errcode(&in_body), 41001);
    let unknown = sim
        .get("/cgi-bin/externalcontact/get_follow_user_list?access_token=not-a-token")
        .await?;
    assert_eq!(errcode(&unknown), 40014);
    Ok(())
}

#[tokio::test]
async fn control_expire_gives_42001_and_invalidate_gives_40014_until_refresh() -> TestResult {
    let sim = Sim::demo().await?;
    let t1 = sim.token().await?;
    let path = |t: &str| format!("/cgi-bin/externalcontact/get_follow_user_list?access_token={t}");
    sim.control("tokens/expire", json!({})).await?;
    assert_eq!(errcode(&sim.get(&path(&t1)).await?), 42001);
    let t2 = sim.token().await?;
    assert_ne!(t1, t2);
    assert_eq!(errcode(&sim.get(&path(&t2)).await?), 0);
    sim.control("tokens/invalidate", json!({})).await?;
    assert_eq!(errcode(&sim.get(&path(&t2)).await?), 40014);
    let t3 = sim.token().await?;
    assert_ne!(t2, t3);
    assert_eq!(errcode(&sim.get(&path(&t3)).await?), 0);
    Ok(())
}

#[tokio::test]
async fn a_short_token_ttl_is_honoured() -> TestResult {
    let sim = Sim::start(SimConfig {
        token_ttl_secs: 1,
        ..SimConfig::for_tests()
    })
    .await?;
    let t = sim.token().await?;
    sim.running.sim.advance_clock(Duration::from_millis(1100));
    let v = sim
        .get(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={t}"
        ))
        .await?;
    assert_eq!(errcode(&v), 42001);
    Ok(())
}
