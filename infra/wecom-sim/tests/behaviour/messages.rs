//! send_welcome_msg and message/send.

use std::time::Duration;

use serde_json::json;
use wecom_sim::{ScanRequest, SimConfig};

use crate::common::{Sim, TestResult, errcode};

#[tokio::test]
async fn a_welcome_code_is_single_use_and_the_message_is_recorded() -> TestResult {
    let sim = Sim::demo().await?;
    let s = sim.running.sim.scan(ScanRequest::new("zhangsan")).await?;
    let code = s.welcome_code.clone().unwrap_or_default();
    let body = json!({
        "welcome_code": code,
        "text": { "content": "您好，欢迎咨询妍美医疗美容～" },
        "attachments": [{ "msgtype": "link", "link": { "title": "到院指南", "url": "https://example.com/guide" } }]
    });
    let first = sim
        .api_post("externalcontact/send_welcome_msg", &body)
        .await?;
    assert_eq!(errcode(&first), 0);
    let second = sim
        .api_post("externalcontact/send_welcome_msg", &body)
        .await?;
    assert_eq!(errcode(&second), 41051);
    let unknown = sim
        .api_post(
            "externalcontact/send_welcome_msg",
            &json!({ "welcome_code": "NOPE", "text": { "content": "hi" } }),
        )
        .await?;
    assert_eq!(errcode(&unknown), 41050);

    let recorded: Vec<wecom_sim::WelcomeMessage> = sim
        .http
        .get(sim.url("/sim/control/welcome-messages"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].external_userid, s.external_userid);
    assert_eq!(recorded[0].userid, "zhangsan");
    assert_eq!(
        recorded[0].text.as_deref(),
        Some("您好，欢迎咨询妍美医疗美容～")
    );
    assert_eq!(recorded[0].attachments.len(), 1);
    assert!(recorded[0].at > 1_600_000_000);
    Ok(())
}

#[tokio::test]
async fn a_welcome_code_expires_after_the_window() -> TestResult {
    let sim = Sim::start(SimConfig {
        welcome_window_secs: 1,
        ..SimConfig::for_tests()
    })
    .await?;
    let s = sim.running.sim.scan(ScanRequest::new("lisi")).await?;
    sim.running.sim.advance_clock(Duration::from_millis(1200));
    let late = sim
        .api_post(
            "externalcontact/send_welcome_msg",
            &json!({ "welcome_code": s.welcome_code, "text": { "content": "hi" } }),
        )
        .await?;
    assert_eq!(errcode(&late), 41050);
    assert!(sim.running.sim.welcome_messages().is_empty());
    Ok(())
}

#[tokio::test]
async fn a_welcome_code_expires_when_the_simulated_clock_moves() -> TestResult {
    let sim = Sim::demo().await?;
    let s = sim.running.sim.scan(ScanRequest::new("lisi")).await?;
    sim.control("clock/advance", json!({ "seconds": 21 }))
        .await?;
    let late = sim
        .api_post(
            "externalcontact/send_welcome_msg",
            &json!({ "welcome_code": s.welcome_code, "text": { "content": "hi" } }),
        )
        .await?;
    assert_eq!(errcode(&late), 41050);
    Ok(())
}

#[tokio::test]
async fn welcome_msg_limits_text_and_attachments() -> TestResult {
    let sim = Sim::demo().await?;
    let s = sim.running.sim.scan(ScanRequest::new("wangwu")).await?;
    let long = sim
        .api_post(
            "externalcontact/send_welcome_msg",
            &json!({ "welcome_code": s.welcome_code, "text": { "content": "字".repeat(1334) } }),
        )
        .await?;
    assert_eq!(errcode(&long), 40058);
    let image = json!({ "msgtype": "image", "image": { "media_id": "MEDIA" } });
    let ten = sim
        .api_post(
            "externalcontact/send_welcome_msg",
            &json!({ "welcome_code": s.welcome_code, "attachments": vec![image.clone(); 10] }),
        )
        .await?;
    assert_eq!(errcode(&ten), 41064);
    // The refused calls did not use the code up.
    let nine = sim
        .api_post(
            "externalcontact/send_welcome_msg",
            &json!({ "welcome_code": s.welcome_code, "text": { "content": "字".repeat(1333) },
                     "attachments": vec![image; 9] }),
        )
        .await?;
    assert_eq!(errcode(&nine), 0);
    Ok(())
}

#[tokio::test]
async fn message_send_reports_invalid_users_limits_text_and_records_messages() -> TestResult {
    let sim = Sim::demo().await?;
    let agentid = sim.running.sim.current_config().agent_id;
    let ok = sim
        .api_post(
            "message/send",
            &json!({ "touser": "zhangsan|ghost|lisi", "msgtype": "text", "agentid": agentid.parse::<i64>()?,
                     "text": { "content": "新客户：王女士（小红书）" } }),
        )
        .await?;
    assert_eq!(errcode(&ok), 0);
    assert_eq!(ok["invaliduser"], "ghost");
    assert!(ok["msgid"].is_string());
    let all_invalid = sim
        .api_post(
            "message/send",
            &json!({ "touser": "ghost", "msgtype": "text", "agentid": agentid, "text": { "content": "x" } }),
        )
        .await?;
    assert_eq!(errcode(&all_invalid), 81013);
    assert_eq!(all_invalid["invaliduser"], "ghost");
    let too_long = sim
        .api_post(
            "message/send",
            &json!({ "touser": "zhangsan", "msgtype": "text", "agentid": agentid, "text": { "content": "a".repeat(2049) } }),
        )
        .await?;
    assert_eq!(errcode(&too_long), 45002);
    let bad_agent = sim
        .api_post(
            "message/send",
            &json!({ "touser": "zhangsan", "msgtype": "text", "agentid": 1, "text": { "content": "x" } }),
        )
        .await?;
    assert_eq!(errcode(&bad_agent), 40056);
    let sent = sim.running.sim.app_messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].touser, ["zhangsan", "lisi"]);
    assert_eq!(sent[0].content.as_deref(), Some("新客户：王女士（小红书）"));
    Ok(())
}

#[tokio::test]
async fn malformed_requests_get_wecom_errors_and_unknown_paths_404() -> TestResult {
    let sim = Sim::demo().await?;
    let t = sim.token().await?;
    let bad_json = sim
        .http
        .post(sim.url(&format!(
            "/cgi-bin/externalcontact/mark_tag?access_token={t}"
        )))
        .body("{\"userid\": ")
        .send()
        .await?;
    assert_eq!(bad_json.status().as_u16(), 200);
    let v: serde_json::Value = bad_json.json().await?;
    assert_eq!(errcode(&v), 40058);
    let wrong_types = sim
        .post(
            &format!("/cgi-bin/externalcontact/mark_tag?access_token={t}"),
            &json!({ "userid": 5, "add_tag": "x" }),
        )
        .await?;
    assert_eq!(errcode(&wrong_types), 40058);
    let get_on_post = sim
        .get(&format!(
            "/cgi-bin/externalcontact/send_welcome_msg?access_token={t}"
        ))
        .await?;
    assert_eq!(errcode(&get_on_post), 40058);
    let unknown = sim
        .http
        .get(sim.url(&format!("/cgi-bin/externalcontact/nope?access_token={t}")))
        .send()
        .await?;
    assert_eq!(unknown.status().as_u16(), 404);
    assert!(unknown.bytes().await?.is_empty());
    let garbage_query = sim
        .get("/cgi-bin/externalcontact/get?access_token=%ZZ&external_userid=%E4")
        .await?;
    assert_eq!(errcode(&garbage_query), 40014);
    Ok(())
}
