//! The public tracked-link redirect through local mode's listener: tokens are keyed (not the
//! unkeyed hash of campaign id, chunk and index), a clicker's repeated hits record one click
//! (the items under a link stay bounded), the per-link counts `GET /api/campaigns/{id}/links`
//! shows are the visitors who clicked, the aggregates rebuild agrees, and a link stored under
//! an earlier version's token still redirects.
#![allow(clippy::unwrap_used)]

use crm::campaign::links::legacy_link_token;
use crm::campaign::model::TrackedLink;
use crm::keys::{LINK_SK, link_pk};
use ports::{Condition, IndexName, Item, ItemStore, Query};
use reqwest::Method;
use serde_json::json;
use tests::{Backend, Harness, eventually};

const OFFER: &str = "https://yanmei.example/double12";

/// The campaign's tracked links as the console lists them.
async fn links(h: &Harness, id: String) -> Vec<serde_json::Value> {
    let (status, body) = h
        .api(
            Method::GET,
            &format!("/api/campaigns/{id}/links?limit=100"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

/// Every item stored under a link's partition.
async fn link_items(store: &dyn ItemStore, token: &str) -> Vec<Item> {
    store
        .query(Query::partition(IndexName::Primary, link_pk(token)).limit(1000))
        .await
        .unwrap()
        .items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_hits_by_one_visitor_record_one_click_and_the_link_counts_visitors() {
    let h = Harness::start(Backend::Embedded).await;
    h.without_quiet_hours().await;
    let a = h.consenting_customer("zhangsan", "xiaohongshu").await;
    let b = h.consenting_customer("zhangsan", "douyin").await;
    let (status, created) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "双十二焕新季", "audience": {"type": "customers", "external_userids": [a, b]},
                        "content": {"text": format!("双十二限时优惠 {OFFER} 欢迎预约")}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let text = eventually("the task is created", || async {
        h.group_msgs()
            .await
            .first()
            .and_then(|t| t["text"].as_str().map(str::to_owned))
    })
    .await;
    let start = text.find("http://").unwrap();
    let url: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii() && !c.is_whitespace())
        .collect();
    let token = url.rsplit("/t/").next().unwrap().to_owned();
    assert_eq!(token.len(), 32, "{url}");
    assert_ne!(
        token[..20],
        legacy_link_token(&id, "CHUNK#zhangsan#00000", 0),
        "not computable from the campaign id, chunk and index"
    );

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let hit = |ua: String, forwarded: Option<String>| {
        let mut request = client.get(&url).header("user-agent", ua);
        if let Some(ip) = forwarded {
            request = request.header("x-forwarded-for", ip);
        }
        async move { request.send().await.unwrap() }
    };
    let phone = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50 NetType/WIFI".to_owned();
    let (mut redirected, mut limited) = (0, 0);
    for _ in 0..1000 {
        let answer = hit(phone.clone(), None).await;
        match answer.status().as_u16() {
            302 => {
                assert_eq!(answer.headers()["location"], OFFER);
                redirected += 1;
            }
            // Local mode's rate limit on the public redirect (200 a second, bursts of 400).
            429 => limited += 1,
            other => panic!("hit answered {other}"),
        }
    }
    assert!(
        redirected >= 400,
        "{redirected} redirected, {limited} limited"
    );

    let items = link_items(h.store.as_ref(), &token).await;
    let clicks: Vec<&Item> = items
        .iter()
        .filter(|i| i.sk.starts_with("CLICK#"))
        .collect();
    assert_eq!(clicks.len(), 1, "one visitor, one click record: {items:?}");
    assert!(
        items.len() <= 3,
        "the link, its counters and one click: {items:?}"
    );

    let listed = links(&h, id.clone()).await;
    let clicked = listed
        .iter()
        .find(|l| l["token"] == token.as_str())
        .unwrap();
    assert_eq!(clicked["clicks"], 1, "{clicked}");
    assert_eq!(
        clicked["attributed"], 0,
        "a task's link is not one customer's"
    );
    assert_eq!(h.campaign(&id).await["funnel"]["clicks"], 1);

    // Five more visitors (other phones, other addresses), each twice; the thousand hits have
    // emptied the rate limit's bucket, so a 429 is waited out as a browser's retry would.
    for n in 0..5 {
        for _ in 0..2 {
            let mut status = 429;
            for _ in 0..100 {
                status = hit(
                    format!("{phone} Device/{n}"),
                    Some(format!("203.0.113.{n}")),
                )
                .await
                .status()
                .as_u16();
                if status != 429 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert_eq!(status, 302);
        }
    }
    let listed = links(&h, id.clone()).await;
    let clicked = listed
        .iter()
        .find(|l| l["token"] == token.as_str())
        .unwrap();
    assert_eq!(clicked["clicks"], 6, "{clicked}");
    assert_eq!(h.campaign(&id).await["funnel"]["clicks"], 6);
    assert_eq!(
        link_items(h.store.as_ref(), &token)
            .await
            .iter()
            .filter(|i| i.sk.starts_with("CLICK#"))
            .count(),
        6
    );
    let (status, report) = h
        .api(
            Method::POST,
            "/api/stats/rebuild",
            Some(json!({"apply": false})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["differences"], json!([]), "{report}");

    // A link stored by an earlier version under its unkeyed token still redirects.
    let legacy = legacy_link_token(&id, "CHUNK#old#00000", 0);
    let mut item = Item::with_doc(
        link_pk(&legacy),
        LINK_SK,
        &TrackedLink {
            token: legacy.clone(),
            campaign_id: id.clone(),
            chunk: "CHUNK#old#00000".into(),
            url: OFFER.into(),
            external_userid: None,
            created_at_ms: h.now_ms(),
        },
    )
    .unwrap();
    item.gsi1 = Some((crm::keys::campaign_links_gsi_pk(&id), legacy.clone()));
    h.store.put(item, Condition::NotExists).await.unwrap();
    let answer = client
        .get(h.url(&format!("/t/{legacy}")))
        .header("user-agent", phone.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    assert_eq!(answer.headers()["location"], OFFER);
    h.shutdown().await;
}
