//! 成员: the consultants with customer contact, named as WeCom names them (asked once) or as the
//! clinic renames them.
#![allow(clippy::unwrap_used)]

use reqwest::Method;
use serde_json::json;
use tests::{Backend, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_lists_the_consultants_with_their_wecom_names_and_asks_wecom_for_names_once() {
    let h = Harness::start(Backend::Embedded).await;
    let (status, staff) = h.api(Method::GET, "/api/staff", None).await;
    assert_eq!(status, 200, "{staff}");
    let items = staff["items"].as_array().unwrap();
    let by_id = |id: &str| items.iter().find(|s| s["userid"] == id).cloned().unwrap();
    assert_eq!(items.len(), 3, "{staff}");
    assert_eq!(by_id("zhangsan")["name"], "张三");
    assert_eq!(by_id("zhangsan")["label"], "张三");
    assert_eq!(by_id("zhangsan")["customer_contact"], true);
    assert_eq!(by_id("lisi")["display_name"], serde_json::Value::Null);
    assert_eq!(h.calls("user/get").await, 3);

    let (status, _) = h.api(Method::GET, "/api/staff", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        h.calls("user/get").await,
        3,
        "names are kept, not asked again"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_display_name_renames_a_consultant_and_bad_names_are_refused_naming_the_field() {
    let h = Harness::start(Backend::Embedded).await;
    let (status, renamed) = h
        .api(
            Method::PATCH,
            "/api/staff/zhangsan",
            Some(json!({"display_name": "  张医生  "})),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["display_name"], "张医生");
    assert_eq!(renamed["label"], "张医生");
    let (_, staff) = h.api(Method::GET, "/api/staff", None).await;
    let zhangsan = staff["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["userid"] == "zhangsan")
        .cloned()
        .unwrap();
    assert_eq!(zhangsan["label"], "张医生");
    assert_eq!(zhangsan["name"], "张三", "WeCom's name is kept beside it");

    for bad in [
        json!({"display_name": "长".repeat(33)}),
        json!({"display_name": "a\u{7}b"}),
    ] {
        let (status, error) = h.api(Method::PATCH, "/api/staff/zhangsan", Some(bad)).await;
        assert_eq!(status, 400, "{error}");
        assert_eq!(error["error"]["field"], "display_name");
    }
    let (status, error) = h
        .api(
            Method::PATCH,
            "/api/staff/nobody",
            Some(json!({"display_name": "谁"})),
        )
        .await;
    assert_eq!(status, 404, "{error}");

    let (_, cleared) = h
        .api(
            Method::PATCH,
            "/api/staff/zhangsan",
            Some(json!({"display_name": ""})),
        )
        .await;
    assert_eq!(cleared["display_name"], serde_json::Value::Null);
    assert_eq!(cleared["label"], "张三");

    let (_, audit) = h.api(Method::GET, "/api/audit-logs", None).await;
    assert_eq!(audit["items"][0]["action"], "staff.update");
    assert_eq!(audit["items"][0]["target"], "zhangsan");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_configuration_shows_the_callback_url_to_enter_in_wecom() {
    let h = Harness::start(Backend::Embedded).await;
    let (status, config) = h.api(Method::GET, "/api/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["callback_url"], h.app.callback_url());
    h.shutdown().await;
}
