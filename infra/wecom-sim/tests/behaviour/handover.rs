//! Customer handover (继承): transfer_customer, transfer_result, get_unassigned_list and the
//! resigned variants, with the 24 h clock, refusals, the customer limit and the 90-day rule.

use serde_json::{Value, json};
use wecom_sim::SimConfig;

use crate::common::{Receiver, Sim, TestResult, errcode, scan};

async fn customers(
    sim: &Sim,
    userid: &str,
    n: usize,
) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let mut out = Vec::new();
    for _ in 0..n {
        let s = scan(sim, userid, "handover").await?;
        out.push(s["external_userid"].as_str().unwrap_or_default().to_owned());
    }
    Ok(out)
}

fn codes(v: &Value) -> Vec<i64> {
    v["customer"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["errcode"].as_i64().unwrap_or(-99))
                .collect()
        })
        .unwrap_or_default()
}

fn statuses(v: &Value) -> Vec<i64> {
    v["customer"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["status"].as_i64().unwrap_or(-99))
                .collect()
        })
        .unwrap_or_default()
}

async fn follow_users(
    sim: &Sim,
    ext: &str,
) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let v = sim
        .api_get("externalcontact/get", &format!("external_userid={ext}"))
        .await?;
    Ok(v["follow_user"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["userid"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

#[tokio::test]
async fn on_job_transfer_waits_24h_then_moves_the_relationship_with_callbacks() -> TestResult {
    let config = SimConfig::for_tests();
    let receiver = Receiver::start(&config).await?;
    let sim = Sim::start(SimConfig {
        callback_url: Some(receiver.url.clone()),
        ..config
    })
    .await?;
    let ext = customers(&sim, "zhangsan", 2).await?;
    receiver.wait_for(2).await;
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi",
                     "external_userid": [ext[0], ext[1], "wmNOBODY"],
                     "transfer_success_msg": "您好，之后由李四为您服务" }),
        )
        .await?;
    assert_eq!(errcode(&v), 0, "{v}");
    assert_eq!(codes(&v), vec![0, 0, 40096]);
    // Started, not done: a second transfer of the same customer is refused with 40129.
    let again = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [ext[0]] }),
        )
        .await?;
    assert_eq!(codes(&again), vec![40129]);
    let r = sim
        .api_post(
            "externalcontact/transfer_result",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi" }),
        )
        .await?;
    assert_eq!(statuses(&r), vec![2, 2]);
    assert_eq!(follow_users(&sim, &ext[0]).await?, vec!["zhangsan"]);

    sim.control("clock/advance", json!({ "seconds": 23 * 3600 }))
        .await?;
    let r = sim
        .api_post(
            "externalcontact/transfer_result",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi" }),
        )
        .await?;
    assert_eq!(statuses(&r), vec![2, 2]);
    sim.control("clock/advance", json!({ "seconds": 3600 }))
        .await?;
    let r = sim
        .api_post(
            "externalcontact/transfer_result",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi" }),
        )
        .await?;
    assert_eq!(statuses(&r), vec![1, 1], "{r}");
    assert!(
        r["customer"][0]["takeover_time"]
            .as_i64()
            .is_some_and(|t| t > 0)
    );
    // The customer now follows lisi only (zhangsan's relationship ended).
    assert_eq!(follow_users(&sim, &ext[0]).await?, vec!["lisi"]);
    // Callbacks: del_external_contact (DELETE_BY_TRANSFER) for zhangsan and add for lisi, per customer.
    let got = receiver.wait_for(6).await;
    let inner: Vec<String> = got
        .iter()
        .skip(2)
        .filter_map(|g| g.inner.clone().ok())
        .collect();
    let dels = inner
        .iter()
        .filter(|x| {
            x.contains("del_external_contact")
                && x.contains("DELETE_BY_TRANSFER")
                && x.contains("zhangsan")
        })
        .count();
    let adds = inner
        .iter()
        .filter(|x| x.contains("add_external_contact") && x.contains("lisi"))
        .count();
    assert_eq!((dels, adds), (2, 2), "{inner:?}");
    Ok(())
}

#[tokio::test]
async fn call_level_limits_are_enforced() -> TestResult {
    let sim = Sim::demo().await?;
    let ext = customers(&sim, "zhangsan", 1).await?;
    let many: Vec<String> = (0..101).map(|i| format!("wm{i:030}")).collect();
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi", "external_userid": many }),
        )
        .await?;
    assert_eq!(errcode(&v), 40058);
    let long: String = "好".repeat(201);
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi",
                     "external_userid": [ext[0]], "transfer_success_msg": long }),
        )
        .await?;
    assert_eq!(errcode(&v), 40058);
    let ok_msg: String = "好".repeat(200);
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "zhangsan",
                     "external_userid": [ext[0]], "transfer_success_msg": ok_msg }),
        )
        .await?;
    assert_eq!(errcode(&v), 40130);
    // Not the handover member's customer.
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "wangwu", "takeover_userid": "lisi", "external_userid": [ext[0]] }),
        )
        .await?;
    assert_eq!(codes(&v), vec![40131]);
    // resigned/ needs a departed handover member.
    let v = sim
        .api_post(
            "externalcontact/resigned/transfer_customer",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi", "external_userid": [ext[0]] }),
        )
        .await?;
    assert_eq!(errcode(&v), 40058);
    Ok(())
}

#[tokio::test]
async fn refusal_and_limit_fail_with_transfer_fail_callbacks() -> TestResult {
    let config = SimConfig::for_tests();
    let receiver = Receiver::start(&config).await?;
    let sim = Sim::start(SimConfig {
        callback_url: Some(receiver.url.clone()),
        ..config
    })
    .await?;
    let ext = customers(&sim, "zhangsan", 2).await?;
    receiver.wait_for(2).await;
    sim.control("transfer/limit", json!({ "userid": "wangwu" }))
        .await?;
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi", "external_userid": [ext[0]] }),
        )
        .await?;
    assert_eq!(codes(&v), vec![0]);
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "wangwu", "external_userid": [ext[1]] }),
        )
        .await?;
    assert_eq!(codes(&v), vec![0]);
    sim.control("transfer/refuse", json!({ "external_userid": ext[0] }))
        .await?;
    sim.control("clock/advance", json!({ "seconds": 86_400 }))
        .await?;
    let r1 = sim
        .api_post(
            "externalcontact/transfer_result",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi" }),
        )
        .await?;
    assert_eq!(statuses(&r1), vec![3]);
    let r2 = sim
        .api_post(
            "externalcontact/transfer_result",
            &json!({ "handover_userid": "zhangsan", "takeover_userid": "wangwu" }),
        )
        .await?;
    assert_eq!(statuses(&r2), vec![4]);
    // Both customers stay with zhangsan.
    assert_eq!(follow_users(&sim, &ext[0]).await?, vec!["zhangsan"]);
    assert_eq!(follow_users(&sim, &ext[1]).await?, vec!["zhangsan"]);
    let got = receiver.wait_for(4).await;
    let inner: Vec<String> = got
        .iter()
        .skip(2)
        .filter_map(|g| g.inner.clone().ok())
        .collect();
    assert!(
        inner.iter().any(|x| x.contains("transfer_fail")
            && x.contains("customer_refused")
            && x.contains("lisi")),
        "{inner:?}"
    );
    assert!(
        inner.iter().any(|x| x.contains("transfer_fail")
            && x.contains("customer_limit_exceed")
            && x.contains("wangwu")),
        "{inner:?}"
    );
    // Refusing with no waiting transfer is a 404.
    let resp = sim
        .http
        .post(sim.url("/sim/control/transfer/refuse"))
        .json(&json!({ "external_userid": ext[0] }))
        .send()
        .await?;
    assert_eq!(resp.status(), 404);
    Ok(())
}

#[tokio::test]
async fn a_customer_is_reassigned_at_most_twice_in_90_days() -> TestResult {
    let sim = Sim::demo().await?;
    let ext = customers(&sim, "zhangsan", 1).await?;
    let hops = [("zhangsan", "lisi"), ("lisi", "wangwu")];
    for (from, to) in hops {
        let v = sim
            .api_post(
                "externalcontact/transfer_customer",
                &json!({ "handover_userid": from, "takeover_userid": to, "external_userid": [ext[0]] }),
            )
            .await?;
        assert_eq!(codes(&v), vec![0], "{from}→{to}: {v}");
        sim.control("clock/advance", json!({ "seconds": 86_400 }))
            .await?;
    }
    assert_eq!(follow_users(&sim, &ext[0]).await?, vec!["wangwu"]);
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "wangwu", "takeover_userid": "zhangsan", "external_userid": [ext[0]] }),
        )
        .await?;
    assert_eq!(codes(&v), vec![40128]);
    // 90 days after the first transfer the window has room again.
    sim.control("clock/advance", json!({ "seconds": 89 * 86_400 }))
        .await?;
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "wangwu", "takeover_userid": "zhangsan", "external_userid": [ext[0]] }),
        )
        .await?;
    assert_eq!(codes(&v), vec![0], "{v}");
    Ok(())
}

#[tokio::test]
async fn resigned_members_customers_are_unassigned_until_transferred() -> TestResult {
    let sim = Sim::demo().await?;
    let ext = customers(&sim, "wangwu", 3).await?;
    sim.control(
        "staff/resign",
        json!({ "userid": "wangwu", "dimission_time": 1_700_000_000 }),
    )
    .await?;
    let follow = sim
        .api_get("externalcontact/get_follow_user_list", "")
        .await?;
    assert!(
        !follow["follow_user"]
            .as_array()
            .is_some_and(|a| a.iter().any(|u| u == "wangwu"))
    );
    let page1 = sim
        .api_post(
            "externalcontact/get_unassigned_list",
            &json!({ "page_size": 2 }),
        )
        .await?;
    assert_eq!(errcode(&page1), 0, "{page1}");
    assert_eq!(page1["info"].as_array().map(Vec::len), Some(2));
    assert_eq!(page1["is_last"], false);
    assert_eq!(page1["info"][0]["handover_userid"], "wangwu");
    assert_eq!(page1["info"][0]["dimission_time"], 1_700_000_000);
    let page2 = sim
        .api_post(
            "externalcontact/get_unassigned_list",
            &json!({ "page_size": 2, "cursor": page1["next_cursor"] }),
        )
        .await?;
    assert_eq!(page2["info"].as_array().map(Vec::len), Some(1));
    assert_eq!(page2["is_last"], true);
    let too_big = sim
        .api_post(
            "externalcontact/get_unassigned_list",
            &json!({ "page_size": 1001 }),
        )
        .await?;
    assert_eq!(errcode(&too_big), 40058);

    // A departed member cannot hand over on the job, nor take over.
    let v = sim
        .api_post(
            "externalcontact/transfer_customer",
            &json!({ "handover_userid": "wangwu", "takeover_userid": "lisi", "external_userid": [ext[0]] }),
        )
        .await?;
    assert_eq!(errcode(&v), 60111);
    let v = sim
        .api_post(
            "externalcontact/resigned/transfer_customer",
            &json!({ "handover_userid": "wangwu", "takeover_userid": "lisi", "external_userid": ext }),
        )
        .await?;
    assert_eq!(codes(&v), vec![0, 0, 0], "{v}");
    let left = sim
        .api_post("externalcontact/get_unassigned_list", &json!({}))
        .await?;
    assert_eq!(left["info"], json!([]));
    sim.control("clock/advance", json!({ "seconds": 86_400 }))
        .await?;
    let r = sim
        .api_post(
            "externalcontact/resigned/transfer_result",
            &json!({ "handover_userid": "wangwu", "takeover_userid": "lisi" }),
        )
        .await?;
    assert_eq!(statuses(&r), vec![1, 1, 1]);
    // The on-job result endpoint does not list resigned transfers.
    let r = sim
        .api_post(
            "externalcontact/transfer_result",
            &json!({ "handover_userid": "wangwu", "takeover_userid": "lisi" }),
        )
        .await?;
    assert_eq!(statuses(&r), Vec::<i64>::new());
    assert_eq!(follow_users(&sim, &ext[2]).await?, vec!["lisi"]);
    Ok(())
}

#[tokio::test]
async fn transfer_result_pages_with_a_cursor() -> TestResult {
    let sim = Sim::demo().await?;
    let ext = customers(&sim, "zhangsan", 150).await?;
    assert_eq!(ext.len(), 150);
    for chunk in ext.chunks(100) {
        let v = sim
            .api_post(
                "externalcontact/transfer_customer",
                &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi", "external_userid": chunk }),
            )
            .await?;
        assert!(codes(&v).iter().all(|c| *c == 0));
    }
    let mut seen = 0;
    let mut cursor = Value::Null;
    loop {
        let r = sim
            .api_post(
                "externalcontact/transfer_result",
                &json!({ "handover_userid": "zhangsan", "takeover_userid": "lisi", "cursor": cursor }),
            )
            .await?;
        seen += statuses(&r).len();
        match r.get("next_cursor").and_then(Value::as_str) {
            Some(c) if !c.is_empty() => cursor = Value::from(c),
            _ => break,
        }
    }
    assert_eq!(seen, 150);
    Ok(())
}
