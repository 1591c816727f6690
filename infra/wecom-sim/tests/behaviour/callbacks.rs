//! Callback emission: encryption, signature, envelope, inner XML, retries, concurrency.

use std::time::{Duration, Instant};

use serde_json::json;
use wecom_callback::{MessageKind, MsgCrypt, parse_envelope, parse_message};
use wecom_sim::{DeliveryStatus, ScanRequest, SimConfig, demo};

use crate::common::{Receiver, Sim, TestResult};

async fn sim_with_receiver(
    config: SimConfig,
) -> Result<(Sim, Receiver), Box<dyn std::error::Error + Send + Sync>> {
    let receiver = Receiver::start(&config).await?;
    let sim = Sim::start(SimConfig {
        callback_url: Some(receiver.url.clone()),
        ..config
    })
    .await?;
    Ok((sim, receiver))
}

#[tokio::test]
async fn a_scan_delivers_an_encrypted_signed_add_event() -> TestResult {
    let config = SimConfig::for_tests();
    let (sim, receiver) = sim_with_receiver(config.clone()).await?;
    let s = sim
        .control(
            "scan",
            json!({ "userid": "zhangsan", "state": "xhs_post_1" }),
        )
        .await?;
    assert_eq!(s["deliveries"][0]["status"], 200);
    assert_eq!(s["deliveries"][0]["attempts"], 1);
    assert_eq!(s["deliveries"][0]["ok"], true);
    let got = receiver.wait_for(1).await;
    assert_eq!(got.len(), 1);
    let r = &got[0];

    // Query: msg_signature over (token, timestamp, nonce, Encrypt); numeric timestamp and nonce.
    let ts = r.query.get("timestamp").cloned().unwrap_or_default();
    let nonce = r.query.get("nonce").cloned().unwrap_or_default();
    assert!(ts.parse::<i64>().is_ok_and(|t| t > 1_600_000_000));
    assert!(!nonce.is_empty() && nonce.bytes().all(|b| b.is_ascii_digit()));
    let envelope = parse_envelope(r.body.as_bytes())?;
    assert_eq!(
        envelope.to_user_name.as_deref(),
        Some(config.corp_id.as_str())
    );
    assert_eq!(envelope.agent_id.as_deref(), Some(config.agent_id.as_str()));
    let crypt = MsgCrypt::new(&config.token, &config.encoding_aes_key, &config.corp_id)?;
    assert_eq!(
        r.query.get("msg_signature").map(String::as_str),
        Some(crypt.signature(&ts, &nonce, &envelope.encrypt).as_str())
    );

    // Inner XML.
    let inner = r.inner.clone()?;
    assert!(inner.starts_with("<xml><ToUserName><![CDATA[ww_sim_corp_yanmei]]></ToUserName>"));
    assert!(inner.contains("<FromUserName><![CDATA[sys]]></FromUserName>"));
    assert!(inner.contains("<MsgType><![CDATA[event]]></MsgType>"));
    assert!(inner.contains("<Event><![CDATA[change_external_contact]]></Event>"));
    let msg = parse_message(&inner)?;
    let ev = msg
        .external_contact()
        .ok_or("not an external contact event")?;
    assert_eq!(msg.change_type.as_deref(), Some("add_external_contact"));
    assert_eq!(ev.user_id, "zhangsan");
    assert_eq!(
        Some(ev.external_user_id.as_str()),
        s["external_userid"].as_str()
    );
    assert_eq!(ev.state.as_deref(), Some("xhs_post_1"));
    assert_eq!(ev.welcome_code.as_deref(), s["welcome_code"].as_str());
    assert_eq!(
        msg.create_time,
        s["create_time"].as_i64().unwrap_or_default()
    );

    // The delivery is recorded.
    let d = sim.running.sim.deliveries();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].status, DeliveryStatus::Delivered);
    assert_eq!(d[0].inner_xml, inner);
    assert_eq!(d[0].kind, "change_external_contact/add_external_contact");
    Ok(())
}

#[tokio::test]
async fn a_500_answer_is_retried_until_200() -> TestResult {
    let (sim, receiver) = sim_with_receiver(SimConfig::for_tests()).await?;
    receiver.plan(&[500, 500]);
    let s = sim.running.sim.scan(ScanRequest::new("lisi")).await?;
    // The control call answers after the first attempt.
    assert_eq!(s.deliveries.len(), 1);
    assert_eq!(s.deliveries[0].status, Some(500));
    assert_eq!(s.deliveries[0].attempts, 1);
    assert!(!s.deliveries[0].ok);
    assert!(
        sim.running
            .sim
            .wait_for_deliveries(Duration::from_secs(5))
            .await
    );
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    // The same sealed message each time.
    assert_eq!(got[0].body, got[2].body);
    assert_eq!(got[0].query, got[2].query);
    let d = sim.running.sim.deliveries();
    assert_eq!(d[0].status, DeliveryStatus::Delivered);
    let statuses: Vec<Option<u16>> = d[0].attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    Ok(())
}

#[tokio::test]
async fn a_delivery_gives_up_after_four_attempts() -> TestResult {
    let (sim, receiver) = sim_with_receiver(SimConfig::for_tests()).await?;
    receiver.plan(&[502, 502, 502, 502, 502]);
    sim.running.sim.scan(ScanRequest::new("lisi")).await?;
    assert!(
        sim.running
            .sim
            .wait_for_deliveries(Duration::from_secs(5))
            .await
    );
    assert_eq!(receiver.received().len(), 4);
    let d = sim.running.sim.deliveries();
    assert_eq!(d[0].status, DeliveryStatus::Failed);
    assert_eq!(d[0].attempts.len(), 4);
    Ok(())
}

#[tokio::test]
async fn no_answer_within_the_timeout_counts_as_a_failed_attempt() -> TestResult {
    let (sim, receiver) = sim_with_receiver(SimConfig {
        callback_timeout: Duration::from_millis(200),
        ..SimConfig::for_tests()
    })
    .await?;
    receiver.delay(Duration::from_millis(600));
    let s = sim.running.sim.scan(ScanRequest::new("wangwu")).await?;
    assert_eq!(s.deliveries[0].status, None);
    assert!(
        s.deliveries[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("timeout"))
    );
    receiver.delay(Duration::ZERO);
    assert!(
        sim.running
            .sim
            .wait_for_deliveries(Duration::from_secs(5))
            .await
    );
    assert_eq!(
        sim.running.sim.deliveries()[0].status,
        DeliveryStatus::Delivered
    );
    Ok(())
}

#[tokio::test]
async fn deliveries_3_sends_the_same_event_three_times_concurrently() -> TestResult {
    let (sim, receiver) = sim_with_receiver(SimConfig::for_tests()).await?;
    receiver.delay(Duration::from_millis(400));
    let started = Instant::now();
    let s = sim
        .control("scan", json!({ "userid": "zhangsan", "deliveries": 3 }))
        .await?;
    let took = started.elapsed();
    assert_eq!(s["deliveries"].as_array().map(Vec::len), Some(3));
    // Three sequential answers would take ≥ 1.2 s.
    assert!(took < Duration::from_millis(1100), "took {took:?}");
    let got = receiver.wait_for(3).await;
    assert_eq!(got.len(), 3);
    let inners: Vec<String> = got.iter().filter_map(|r| r.inner.clone().ok()).collect();
    assert_eq!(inners.len(), 3);
    assert!(inners.iter().all(|i| *i == inners[0]));
    // Overlapping in time.
    let first = got.iter().map(|r| r.at).min().ok_or("none")?;
    let last = got.iter().map(|r| r.at).max().ok_or("none")?;
    assert!(last.duration_since(first) < Duration::from_millis(300));
    // Each delivery is sealed separately.
    assert_ne!(got[0].query.get("nonce"), got[1].query.get("nonce"));
    let keys: Vec<String> = inners
        .iter()
        .filter_map(|i| parse_message(i).ok())
        .map(|m| m.dedupe_key())
        .collect();
    assert!(keys.iter().all(|k| *k == keys[0]));
    Ok(())
}

#[tokio::test]
async fn client_side_changes_emit_their_events() -> TestResult {
    let (sim, receiver) = sim_with_receiver(SimConfig::for_tests()).await?;
    let s = sim.running.sim.scan(ScanRequest::new("zhangsan")).await?;
    let ext = s.external_userid.clone();
    let edit = sim
        .control(
            "edit",
            json!({ "userid": "zhangsan", "external_userid": ext, "remark": "王女士", "add_tags": [demo::TAG_TIER_A] }),
        )
        .await?;
    assert_eq!(edit["fired"], true);
    let mobiles_only = sim
        .control(
            "edit",
            json!({ "userid": "zhangsan", "external_userid": ext, "remark_mobiles": ["13800000000"] }),
        )
        .await?;
    assert_eq!(mobiles_only["fired"], false);
    sim.control(
        "transfer-fail",
        json!({ "userid": "lisi", "external_userid": ext, "fail_reason": "customer_limit_exceed" }),
    )
    .await?;
    sim.control(
        "delete",
        json!({ "userid": "zhangsan", "external_userid": ext, "by": "staff", "source": "DELETE_BY_TRANSFER" }),
    )
    .await?;
    let created = sim
        .control("tag-event", json!({ "change_type": "create", "tag_type": "tag_group", "name": "会员", "tags": ["金卡", "银卡"] }))
        .await?;
    let group_id = created["id"].as_str().unwrap_or_default().to_owned();
    sim.control(
        "tag-event",
        json!({ "change_type": "update", "id": demo::TAG_TIER_C, "name": "C类" }),
    )
    .await?;
    sim.control(
        "tag-event",
        json!({ "change_type": "delete", "id": demo::TAG_TIER_B }),
    )
    .await?;
    let app = sim
        .control(
            "app-message",
            json!({ "from_userid": "wangwu", "content": "今天有3个到店" }),
        )
        .await?;
    let app2 = sim
        .control(
            "app-message",
            json!({ "from_userid": "wangwu", "content": "again" }),
        )
        .await?;
    assert_ne!(app["id"], app2["id"]);
    sim.control("raw-callback", json!({ "xml": "<xml><CreateTime>1796659928</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[brand_new]]></Event></xml>" }))
        .await?;

    let got = receiver.wait_for(10).await;
    let msgs: Vec<_> = got
        .iter()
        .filter_map(|r| r.inner.clone().ok())
        .filter_map(|i| parse_message(&i).ok())
        .collect();
    assert_eq!(msgs.len(), 10, "{msgs:?}");
    assert_eq!(
        msgs[1].change_type.as_deref(),
        Some("edit_external_contact")
    );
    assert_eq!(msgs[2].change_type.as_deref(), Some("transfer_fail"));
    assert_eq!(
        msgs[2]
            .external_contact()
            .and_then(|e| e.fail_reason.as_deref()),
        Some("customer_limit_exceed")
    );
    assert_eq!(msgs[3].change_type.as_deref(), Some("del_external_contact"));
    assert_eq!(
        msgs[3].external_contact().and_then(|e| e.source.as_deref()),
        Some("DELETE_BY_TRANSFER")
    );
    match &msgs[4].kind {
        MessageKind::ExternalTag(t) => {
            assert_eq!(t.change, "create");
            assert_eq!(t.id.as_deref(), Some(group_id.as_str()));
            assert_eq!(t.tag_type.as_deref(), Some("tag_group"));
        }
        other => return Err(format!("expected a tag event, got {other:?}").into()),
    }
    assert_eq!(msgs[5].change_type.as_deref(), Some("update"));
    assert_eq!(msgs[6].change_type.as_deref(), Some("delete"));
    match &msgs[7].kind {
        MessageKind::AppMessage(_) => {
            assert_eq!(msgs[7].from_user_name, "wangwu");
            assert_eq!(msgs[7].msg_id.as_deref(), app["id"].as_str());
            assert_eq!(msgs[7].agent_id.as_deref(), Some("1000002"));
        }
        other => return Err(format!("expected an app message, got {other:?}").into()),
    }
    assert!(matches!(msgs[9].kind, MessageKind::Other));

    // The console changes were applied to the catalogue.
    let state = sim.running.sim.state();
    let tier = state
        .tag_groups
        .iter()
        .find(|g| g.group_id == demo::GROUP_TIER)
        .ok_or("no tier group")?;
    assert!(
        tier.tags
            .iter()
            .any(|t| t.id == demo::TAG_TIER_C && t.name == "C类")
    );
    assert!(
        tier.tags
            .iter()
            .any(|t| t.id == demo::TAG_TIER_B && t.deleted)
    );
    assert!(
        state
            .tag_groups
            .iter()
            .any(|g| g.group_id == group_id && g.tags.len() == 2)
    );
    let rel = state
        .relationship("zhangsan", &ext)
        .ok_or("no relationship")?;
    assert_eq!(rel.remark, "王女士");
    assert_eq!(rel.remark_mobiles, ["13800000000"]);
    assert_eq!(
        rel.tags.first().map(|t| t.tag_name.as_str()),
        Some("A类客户")
    );
    Ok(())
}

#[tokio::test]
async fn verify_url_reports_whether_the_echo_is_exact() -> TestResult {
    let config = SimConfig::for_tests();
    let (sim, _receiver) = sim_with_receiver(config.clone()).await?;
    let good = sim.control("verify-url", json!({})).await?;
    assert_eq!(good["ok"], true, "{good}");
    assert_eq!(good["body"], good["expected"]);
    assert_eq!(good["within_1s"], true);

    let sloppy = Receiver::start_with(&config, "\n").await?;
    sim.http
        .put(sim.url("/sim/control/callback-url"))
        .json(&json!({ "url": sloppy.url }))
        .send()
        .await?
        .error_for_status()?;
    let bad = sim.control("verify-url", json!({})).await?;
    assert_eq!(bad["ok"], false);
    assert_eq!(bad["status"], 200);
    Ok(())
}

#[tokio::test]
async fn without_a_callback_url_events_are_applied_but_not_delivered() -> TestResult {
    let sim = Sim::demo().await?;
    let s = sim.running.sim.scan(ScanRequest::new("zhangsan")).await?;
    assert!(s.deliveries.is_empty());
    assert!(sim.running.sim.deliveries().is_empty());
    assert!(
        sim.running
            .sim
            .state()
            .contact(&s.external_userid)
            .is_some()
    );
    let verify = sim
        .http
        .post(sim.url("/sim/control/verify-url"))
        .send()
        .await?;
    assert_eq!(verify.status().as_u16(), 409);
    Ok(())
}
