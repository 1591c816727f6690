//! The redirect function's sample event (`events/redirect`: a tracked link's click through the
//! HTTP API) answered the way `src/bin/redirect.rs` does, on the embedded adapters and the WeCom
//! simulator.
#![allow(clippy::unwrap_used)]

mod common;

use crm::campaign::Campaigns;
use lambda_http::http::{Response, StatusCode, header};
use serde_json::json;

use common::{chunk_event, failures, fixture, sample, sends_chunk};

const OFFER: &str = "https://yanmei.example/activity/1212?src=wecom";

/// The redirect sample for `path`, answered as the redirect binary does.
async fn click(campaigns: &Campaigns, path: Option<&str>) -> Response<String> {
    let mut event = sample("redirect/click");
    if let Some(path) = path {
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
    }
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    assert_eq!(request.method(), "GET");
    let from = campaigns::redirect::request_source(&request);
    campaigns::redirect::answer(
        &campaigns.links(),
        request.method(),
        request.uri().path(),
        &from,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redirect_sample_answers_302_for_a_known_token_and_404_otherwise() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a221038300e6f708192a3b4c5d";
    let text = format!("双十二光子嫩肤限时特惠，详情 {OFFER} 回复「预约」锁定名额");
    let sends = f.ran(id, &text, audience).await;
    let response =
        campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &sends_chunk(&sends))).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let key = f.campaigns.link_key().await.unwrap();
    let token = key.token(id, "CHUNK#zhangsan#00000", 0);
    let sent = f.sim.sim.group_msgs()[0].text.clone().unwrap();
    assert!(
        sent.contains(&format!("https://t.example/t/{token}")) && !sent.contains(OFFER),
        "{sent}"
    );

    // The sample as it is: a token nobody issued.
    let unknown = click(&f.campaigns, None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(f.campaigns.clicks_of(id).await.unwrap().total, 0);

    let answer = click(&f.campaigns, Some(&format!("/t/{token}"))).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    assert_eq!(answer.headers()[header::LOCATION], OFFER);
    assert_eq!(answer.headers()[header::CACHE_CONTROL], "no-store");
    let clicks = f.campaigns.clicks_of(id).await.unwrap();
    assert_eq!(clicks.total, 1);
    assert_eq!(
        clicks.by_chunk.get("CHUNK#zhangsan#00000").copied(),
        Some(1)
    );
    assert!(
        clicks.by_customer.is_empty(),
        "one content for two customers: the click is the task's"
    );

    // A task for one customer attributes the click to them.
    let one = f.customers("lisi", 1, true).await;
    let single = "01a221038300f708192a3b4c5d6e";
    let sends = f.ran(single, &text, one.clone()).await;
    let response =
        campaigns::sender::handle_batch(&f.campaigns, chunk_event(single, &sends_chunk(&sends)))
            .await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let token = key.token(single, "CHUNK#lisi#00000", 0);
    let answer = click(&f.campaigns, Some(&format!("/t/{token}"))).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    let clicks = f.campaigns.clicks_of(single).await.unwrap();
    assert_eq!(clicks.by_customer.get(&one[0]).copied(), Some(1));
    let funnel = f.campaigns.funnel(single).await.unwrap().unwrap();
    assert_eq!((funnel.clicks, funnel.clicks_attributed), (1, 1));
}
