//! What an hourly sync depends on: bulk seeding, `batch/get_by_user` paging with a cursor that
//! survives concurrent changes, its limits, and silent changes (no callback).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wecom_sim::{SimConfig, demo};

use crate::common::{Receiver, Sim, TestResult, errcode};

const BATCH: &str = "externalcontact/batch/get_by_user";

/// Every (userid, external_userid) of a full walk, with the number of pages.
async fn walk(
    sim: &Sim,
    token: &str,
    users: &[String],
    limit: u32,
) -> Result<(Vec<(String, String)>, u64), Box<dyn std::error::Error + Send + Sync>> {
    let mut cursor = String::new();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let v = sim
            .post(
                &format!("/cgi-bin/{BATCH}?access_token={token}"),
                &json!({ "userid_list": users, "cursor": cursor, "limit": limit }),
            )
            .await?;
        assert_eq!(errcode(&v), 0, "{v}");
        pages += 1;
        for item in v["external_contact_list"].as_array().into_iter().flatten() {
            seen.push((
                item["follow_info"]["userid"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
                item["external_contact"]["external_userid"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            ));
        }
        cursor = v["next_cursor"].as_str().unwrap_or("").to_owned();
        if cursor.is_empty() {
            return Ok((seen, pages));
        }
    }
}

async fn first_page_of(
    sim: &Sim,
    token: &str,
    userid: &str,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let url = format!("/cgi-bin/{BATCH}?access_token={token}");
    let body = json!({ "userid_list": [userid], "limit": 100 });
    Ok(sim.post(&url, &body).await?)
}

fn seed_users(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("seed{i:04}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_corp_of_100k_customers_pages_through_batch_get_by_user_exactly_once() -> TestResult
{
    let sim = Sim::demo().await?;
    let started = Instant::now();
    let seeded = sim
        .control(
            "seed",
            json!({ "staff": 50, "customers": 100_000, "seed": 42 }),
        )
        .await?;
    // A few seconds in release; generous for an unoptimised build on a busy CI machine.
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(seeded["staff"], 50);
    assert_eq!(seeded["customers"], 100_000);
    let relationships = seeded["relationships"].as_u64().unwrap_or(0);
    assert_eq!(relationships, 120_000, "average 1.2 per customer");

    let token = sim.token().await?;
    let follow = sim
        .get(&format!(
            "/cgi-bin/externalcontact/get_follow_user_list?access_token={token}"
        ))
        .await?;
    let users: Vec<String> = follow["follow_user"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|u| u.starts_with("seed"))
        .map(str::to_owned)
        .collect();
    assert_eq!(users, seed_users(50));

    // The shape of one page.
    let first = sim
        .post(
            &format!("/cgi-bin/{BATCH}?access_token={token}"),
            &json!({ "userid_list": &users, "limit": 100 }),
        )
        .await?;
    let item = &first["external_contact_list"][0];
    assert!(item["external_contact"]["external_userid"].is_string());
    let f = &item["follow_info"];
    for key in [
        "userid",
        "remark",
        "description",
        "remark_corp_name",
        "oper_userid",
        "state",
    ] {
        assert!(f[key].is_string(), "{key} in {f}");
    }
    assert!(f["tag_id"].is_array() && f["remark_mobiles"].is_array());
    assert!(f["createtime"].is_i64() && f["add_way"].is_u64());
    assert!(
        f.get("tags").is_none(),
        "batch carries tag_id[], not tags[]"
    );

    sim.running.sim.reset_call_counts();
    let (seen, pages) = walk(&sim, &token, &users, 100).await?;
    let distinct: BTreeSet<&(String, String)> = seen.iter().collect();
    assert_eq!(seen.len() as u64, relationships);
    assert_eq!(
        distinct.len(),
        seen.len(),
        "every relationship exactly once"
    );
    assert_eq!(pages, relationships.div_ceil(100));
    assert_eq!(sim.running.sim.call_counts().get(BATCH), pages);

    // Some customers follow 2–3 members; seeding is deterministic.
    let customers: BTreeSet<&str> = seen.iter().map(|(_, e)| e.as_str()).collect();
    assert_eq!(customers.len(), 100_000);
    let again = Sim::demo().await?;
    again
        .control(
            "seed",
            json!({ "staff": 50, "customers": 100_000, "seed": 42 }),
        )
        .await?;
    let t2 = again.token().await?;
    let a = first_page_of(&sim, &token, "seed0007").await?;
    let b = first_page_of(&again, &t2, "seed0007").await?;
    // createtime is relative to the clock; everything else repeats.
    let key = |v: &Value| -> Vec<String> {
        v["external_contact_list"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                format!(
                    "{} {} {} {}",
                    i["external_contact"]["external_userid"],
                    i["external_contact"]["name"],
                    i["follow_info"]["tag_id"],
                    i["follow_info"]["state"]
                )
            })
            .collect()
    };
    assert!(!key(&a).is_empty());
    assert!(key(&a) == key(&b), "the same seed gives the same data");
    Ok(())
}

#[tokio::test]
async fn batch_get_by_user_refuses_its_limits_and_counts_every_call() -> TestResult {
    let sim = Sim::demo().await?;
    sim.control("seed", json!({ "staff": 3, "customers": 10, "seed": 1 }))
        .await?;
    let token = sim.token().await?;
    let url = format!("/cgi-bin/{BATCH}?access_token={token}");
    sim.running.sim.reset_call_counts();
    let many: Vec<String> = (0..101).map(|i| format!("seed{i:04}")).collect();
    assert_eq!(
        errcode(&sim.post(&url, &json!({ "userid_list": many })).await?),
        40058
    );
    let hundred: Vec<String> = (1..=100).map(|i| format!("seed{i:04}")).collect();
    assert_eq!(
        errcode(&sim.post(&url, &json!({ "userid_list": hundred })).await?),
        0
    );
    let v = sim
        .post(&url, &json!({ "userid_list": ["seed0001"], "limit": 101 }))
        .await?;
    assert_eq!(errcode(&v), 40058);
    let v = sim
        .post(&url, &json!({ "userid_list": ["seed0001"], "limit": 100 }))
        .await?;
    assert_eq!(errcode(&v), 0);
    let v = sim
        .post(
            &url,
            &json!({ "userid_list": ["seed0001"], "cursor": "garbage" }),
        )
        .await?;
    assert_eq!(errcode(&v), 40058);
    assert_eq!(
        errcode(&sim.post(&url, &json!({ "userid_list": [] })).await?),
        40058
    );
    // Default page: 50.
    let all = seed_users(3);
    let v = sim.post(&url, &json!({ "userid_list": all })).await?;
    assert_eq!(
        v["external_contact_list"].as_array().map(Vec::len),
        Some(12)
    );
    assert_eq!(v["next_cursor"], "");
    assert_eq!(sim.running.sim.call_counts().get(BATCH), 7);
    Ok(())
}

#[tokio::test]
async fn the_cursor_survives_changes_between_pages() -> TestResult {
    let sim = Sim::demo().await?;
    sim.control(
        "seed",
        json!({ "staff": 2, "customers": 30, "relationships_per_customer": 1.0, "seed": 9 }),
    )
    .await?;
    let token = sim.token().await?;
    let url = format!("/cgi-bin/{BATCH}?access_token={token}");
    let users = seed_users(2);
    let (before, _) = walk(&sim, &token, &users, 100).await?;
    assert_eq!(before.len(), 30);

    let p1 = sim
        .post(&url, &json!({ "userid_list": users, "limit": 10 }))
        .await?;
    let page1: Vec<(String, String)> = p1["external_contact_list"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            (
                i["follow_info"]["userid"].as_str().unwrap_or("").to_owned(),
                i["external_contact"]["external_userid"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    assert_eq!(page1.as_slice(), before.get(..10).unwrap_or_default());
    // Behind the sync's back: one already-read relationship and one still to come go away.
    for (u, e) in [&before[3], &before[20]] {
        sim.control(
            "silent",
            json!({ "op": "remove_relationship", "userid": u, "external_userid": e }),
        )
        .await?;
    }
    let mut cursor = p1["next_cursor"].as_str().unwrap_or("").to_owned();
    let mut rest = Vec::new();
    while !cursor.is_empty() {
        let v = sim
            .post(
                &url,
                &json!({ "userid_list": users, "limit": 10, "cursor": cursor }),
            )
            .await?;
        assert_eq!(errcode(&v), 0, "{v}");
        for i in v["external_contact_list"].as_array().into_iter().flatten() {
            rest.push((
                i["follow_info"]["userid"].as_str().unwrap_or("").to_owned(),
                i["external_contact"]["external_userid"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            ));
        }
        cursor = v["next_cursor"].as_str().unwrap_or("").to_owned();
    }
    let expected: Vec<(String, String)> = before
        .iter()
        .enumerate()
        .filter(|(i, _)| *i >= 10 && *i != 20)
        .map(|(_, r)| r.clone())
        .collect();
    assert_eq!(rest, expected, "nothing skipped, nothing repeated");
    Ok(())
}

#[tokio::test]
async fn silent_changes_show_through_the_api_and_deliver_no_callback() -> TestResult {
    let config = SimConfig::for_tests();
    let receiver = Receiver::start(&config).await?;
    let sim = Sim::start(SimConfig {
        callback_url: Some(receiver.url.clone()),
        ..config
    })
    .await?;
    let seeded = sim
        .control("seed", json!({ "staff": 2, "customers": 5, "seed": 3 }))
        .await?;
    assert!(seeded["relationships"].as_u64().is_some_and(|r| r >= 5));

    let added = sim
        .control(
            "silent",
            json!({ "op": "add_relationship", "userid": "zhangsan", "name": "林小姐", "state": "douyin", "tag_ids": [demo::TAG_TIER_A, demo::TAG_PROJECT_FILLER] }),
        )
        .await?;
    let ext = added["external_userid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let q = format!("external_userid={ext}");
    let v = sim.api_get("externalcontact/get", &q).await?;
    assert_eq!(v["external_contact"]["name"], "林小姐");
    assert_eq!(v["follow_user"][0]["state"], "douyin");
    assert_eq!(
        v["follow_user"][0]["tags"].as_array().map(Vec::len),
        Some(2)
    );
    let list = sim
        .api_get("externalcontact/list", "userid=zhangsan")
        .await?;
    assert_eq!(list["external_userid"], json!([ext]));

    sim.control(
        "silent",
        json!({ "op": "set_tags", "userid": "zhangsan", "external_userid": ext, "tag_ids": [demo::TAG_TIER_B] }),
    )
    .await?;
    sim.control(
        "silent",
        json!({ "op": "set_remark", "userid": "zhangsan", "external_userid": ext, "remark": "林-玻尿酸", "description": "复购" }),
    )
    .await?;
    let b = sim
        .api_post(BATCH, &json!({ "userid_list": ["zhangsan"] }))
        .await?;
    let f = &b["external_contact_list"][0]["follow_info"];
    assert_eq!(f["tag_id"], json!([demo::TAG_TIER_B]));
    assert_eq!(f["remark"], "林-玻尿酸");
    assert_eq!(f["description"], "复购");

    let del = sim
        .control(
            "silent",
            json!({ "op": "delete_tag", "id": demo::TAG_TIER_B }),
        )
        .await?;
    assert_eq!(del["affected"], 1);
    let b = sim
        .api_post(BATCH, &json!({ "userid_list": ["zhangsan"] }))
        .await?;
    assert_eq!(
        b["external_contact_list"][0]["follow_info"]["tag_id"],
        json!([])
    );
    let tags = sim
        .api_post(
            "externalcontact/get_corp_tag_list",
            &json!({ "tag_id": [demo::TAG_TIER_B] }),
        )
        .await?;
    assert_eq!(tags["tag_group"][0]["tag"][0]["deleted"], true);

    sim.control(
        "silent",
        json!({ "op": "remove_relationship", "userid": "zhangsan", "external_userid": ext }),
    )
    .await?;
    assert_eq!(
        errcode(&sim.api_get("externalcontact/get", &q).await?),
        84061
    );
    let list = sim
        .api_get("externalcontact/list", "userid=zhangsan")
        .await?;
    assert_eq!(list["external_userid"], json!([]));

    let gone = sim
        .control(
            "silent",
            json!({ "op": "remove_staff", "userid": "seed0001" }),
        )
        .await?;
    assert!(gone["affected"].as_u64().is_some_and(|n| n >= 1));
    let follow = sim
        .api_get("externalcontact/get_follow_user_list", "")
        .await?;
    let follow: Vec<&str> = follow["follow_user"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    assert!(!follow.contains(&"seed0001") && follow.contains(&"seed0002"));
    let b = sim
        .api_post(BATCH, &json!({ "userid_list": ["seed0001"] }))
        .await?;
    assert_eq!(b["external_contact_list"], json!([]));

    // Refusals are control errors (4xx), not WeCom errcodes.
    let r = sim
        .http
        .post(sim.url("/sim/control/silent"))
        .json(&json!({ "op": "set_tags", "userid": "zhangsan", "external_userid": ext, "tag_ids": [] }))
        .send()
        .await?;
    assert_eq!(r.status(), 404);
    let r = sim
        .http
        .post(sim.url("/sim/control/silent"))
        .json(&json!({ "op": "teleport" }))
        .send()
        .await?;
    assert_eq!(r.status(), 400);

    // A callback is recorded before the request that causes it answers: none was.
    assert!(sim.running.sim.deliveries().is_empty());
    assert!(
        receiver.received().is_empty(),
        "silent changes send no callback"
    );
    Ok(())
}
