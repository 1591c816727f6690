//! Every route the OpenAPI document lists answers 401 without a valid token — derived from the
//! document itself, so a new route cannot be added unprotected without this test noticing.
#![allow(clippy::unwrap_used)]

use tests::{Backend, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_documented_route_refuses_a_missing_or_wrong_token() {
    let h = Harness::start(Backend::Embedded).await;
    let spec: serde_json::Value = serde_json::from_str(&admin_api::openapi_json()).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, operations) in paths {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "x"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in operations.as_object().unwrap().keys() {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for token in [None, Some("not-the-token")] {
                let mut request = h
                    .http
                    .request(method.clone(), h.url(&concrete))
                    .header("content-type", "application/json")
                    .body("{}");
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let response = request.send().await.unwrap();
                assert_eq!(response.status(), 401, "{method} {path} with {token:?}");
                let body: serde_json::Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "unauthorized");
            }
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} operations documented");
    h.shutdown().await;
}
