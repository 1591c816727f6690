//! The 群发 and media APIs' call counts, and the faults injected into them.

use serde_json::json;
use wecom_sim::FaultRule;

use super::{ADD, CANCEL, LIST, REMIND, TASK, create, create_ok, customers};
use crate::common::{Sim, TestResult, errcode};

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
