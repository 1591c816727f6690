//! Creating a 群发 (add_msg_template): the documented limits, and which recipients it keeps.

use serde_json::{Value, json};
use wecom_sim::ScanRequest;

use super::{ADD, create, customers, group_msgs};
use crate::common::{Sim, TestResult, errcode};

#[tokio::test]
async fn add_msg_template_enforces_the_documented_limits() -> TestResult {
    let sim = Sim::demo().await?;
    let exts = customers(&sim, "zhangsan", 1).await?;
    let base =
        json!({ "sender": "zhangsan", "external_userid": exts, "text": { "content": "hi" } });
    let with = |patch: Value| {
        let mut b = base.clone();
        if let (Some(o), Some(p)) = (b.as_object_mut(), patch.as_object()) {
            for (k, v) in p {
                o.insert(k.clone(), v.clone());
            }
        }
        b
    };
    let cases = [
        (json!({ "sender": null }), 41009),
        (json!({ "sender": "ghost" }), 60111),
        (json!({ "chat_type": "group" }), 40058),
        (json!({ "chat_type": "broadcast" }), 40058),
        (json!({ "text": { "content": "字".repeat(1334) } }), 40058),
        (json!({ "text": null }), 40058),
        (
            json!({ "attachments": vec![json!({ "msgtype": "link", "link": { "title": "t", "url": "https://e.com" } }); 10] }),
            41064,
        ),
        (
            json!({ "attachments": [{ "msgtype": "gif", "gif": {} }] }),
            41065,
        ),
        (
            json!({ "attachments": [{ "msgtype": "link", "link": { "title": "t" } }] }),
            40058,
        ),
        (
            json!({ "attachments": [{ "msgtype": "link", "link": { "title": "t".repeat(129), "url": "https://e.com" } }] }),
            40058,
        ),
        (
            json!({ "attachments": [{ "msgtype": "miniprogram", "miniprogram": { "title": "t".repeat(65), "pic_media_id": "x", "appid": "wx1", "page": "/p" } }] }),
            40058,
        ),
        (
            json!({ "attachments": [{ "msgtype": "image", "image": {} }] }),
            40058,
        ),
        (
            json!({ "attachments": [{ "msgtype": "image", "image": { "media_id": "NOPE" } }] }),
            40007,
        ),
        (
            json!({ "attachments": [{ "msgtype": "video", "video": { "media_id": "NOPE" } }] }),
            40007,
        ),
        (
            json!({ "external_userid": (0..10_001).map(|i| format!("wm{i}")).collect::<Vec<_>>() }),
            40058,
        ),
        (json!({ "external_userid": ["wmNobody"] }), 41048),
    ];
    for (patch, want) in cases {
        let v = sim.api_post(ADD, &with(patch.clone())).await?;
        assert_eq!(errcode(&v), want, "{patch} → {v}");
    }
    assert!(
        sim.running.sim.group_msgs().is_empty(),
        "nothing was created"
    );
    // 4000 bytes and 9 attachments are still fine; 10 000 recipients are allowed.
    let mut many: Vec<String> = (0..9_999).map(|i| format!("wm{i}")).collect();
    many.extend(exts.iter().cloned());
    let ok = sim
        .api_post(
            ADD,
            &with(json!({
                "text": { "content": "字".repeat(1333) },
                "external_userid": many,
                "attachments": vec![json!({ "msgtype": "link", "link": { "title": "预约", "url": "https://e.com/a" } }); 9],
            })),
        )
        .await?;
    assert_eq!(errcode(&ok), 0, "{}", ok["errmsg"]);
    assert!(ok["msgid"].as_str().is_some_and(|m| m.starts_with("msg")));
    assert_eq!(ok["fail_list"].as_array().map(Vec::len), Some(9_999));
    Ok(())
}

#[tokio::test]
async fn recipients_who_are_not_active_customers_of_the_sender_go_to_fail_list() -> TestResult {
    let sim = Sim::demo().await?;
    let mine = customers(&sim, "zhangsan", 2).await?;
    let theirs = customers(&sim, "lisi", 1).await?;
    let half = sim
        .running
        .sim
        .scan(ScanRequest::new("zhangsan").half())
        .await?
        .external_userid;
    let mut asked = mine.clone();
    asked.push(theirs[0].clone());
    asked.push(half.clone());
    asked.push("wmNoSuchCustomer".to_owned());
    asked.push(mine[0].clone()); // duplicates count once
    let v = create(&sim, "zhangsan", &asked, "hello").await?;
    assert_eq!(errcode(&v), 0);
    let fail: Vec<&str> = v["fail_list"]
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        fail,
        [theirs[0].as_str(), half.as_str(), "wmNoSuchCustomer"]
    );
    let recorded = group_msgs(&sim).await?;
    assert_eq!(recorded.len(), 1);
    let m = &recorded[0];
    assert_eq!(m.creator, "zhangsan");
    assert_eq!(m.create_type, 0);
    assert_eq!(m.text.as_deref(), Some("hello"));
    let rec: Vec<&str> = m
        .recipients
        .iter()
        .map(|r| r.external_userid.as_str())
        .collect();
    assert_eq!(rec, [mine[0].as_str(), mine[1].as_str()]);
    assert!(m.recipients.iter().all(|r| r.status == 0));

    // No external_userid: every customer of the sender; tag_filter narrows it.
    sim.running.sim.silent(wecom_sim::SilentChange::SetTags {
        userid: "zhangsan".to_owned(),
        external_userid: mine[1].clone(),
        tag_ids: vec![wecom_sim::demo::TAG_TIER_A.to_owned()],
    })?;
    let all = sim
        .api_post(
            ADD,
            &json!({ "sender": "zhangsan", "text": { "content": "all" } }),
        )
        .await?;
    assert_eq!(errcode(&all), 0);
    let tagged = sim
        .api_post(
            ADD,
            &json!({ "sender": "zhangsan", "text": { "content": "A only" },
                     "tag_filter": { "group_list": [{ "tag_list": [wecom_sim::demo::TAG_TIER_A, wecom_sim::demo::TAG_TIER_B] }] } }),
        )
        .await?;
    assert_eq!(errcode(&tagged), 0);
    let recorded = group_msgs(&sim).await?;
    assert_eq!(recorded[1].recipients.len(), 2);
    assert_eq!(recorded[2].recipients.len(), 1);
    assert_eq!(recorded[2].recipients[0].external_userid, mine[1]);
    Ok(())
}
