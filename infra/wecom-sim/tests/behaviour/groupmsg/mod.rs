//! 企业群发 (add_msg_template and the result/control APIs), the per-customer quota, and media
//! upload (wecom-api.md §5), by what they test: creating a 群发 and its checks (`creation`),
//! reading its task, results and list (`results`), the quota rules (`quota`), reminding and
//! cancelling (`remind_and_cancel`), media for attachments (`media`) and the call counts and
//! faults of these APIs (`faults`). The helpers they share stand here.

mod creation;
mod faults;
mod media;
mod quota;
mod remind_and_cancel;
mod results;

use std::time::Duration;

use serde_json::{Value, json};
use wecom_sim::{GroupMsgConfirmOutcome, GroupMsgRecord, ScanRequest, SimConfig};

use crate::common::{Sim, errcode};

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
