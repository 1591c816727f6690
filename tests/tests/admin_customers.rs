//! The console's customer API through HTTP (bearer token), on customers scanned in through the
//! WeCom simulator: filters, pagination, the clinic's fields, tags, sync, appointments and
//! purchases, channel statistics.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tests::{Backend, Harness, Setup, on_both_backends, scan_key};

const TAG_TIER_A: &str = "etSimDemoTagTierA0000000000000aa";
const TAG_TIER_B: &str = "etSimDemoTagTierB0000000000000aa";

on_both_backends!(
    filters_compose_and_pagination_visits_every_customer_once,
    purchases_move_last_purchase_and_total_spent,
);

async fn api(h: &Harness, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (status, body) = h.api(method, path, body).await;
    let body = if body.is_string() { Value::Null } else { body };
    (StatusCode::from_u16(status).unwrap(), body)
}

async fn get(h: &Harness, path: &str) -> Value {
    let (status, body) = api(h, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// Scans a customer in and waits until the product has processed the add.
async fn scan(h: &Harness, userid: &str, state: &str, name: &str, gender: u8) -> String {
    let scan = h
        .control(
            "scan",
            json!({ "userid": userid, "state": state, "name": name, "gender": gender }),
        )
        .await;
    h.processed(&scan_key(&scan)).await;
    scan["external_userid"].as_str().unwrap().to_owned()
}

fn ids(page: &Value) -> BTreeSet<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_userid"].as_str().unwrap().to_owned())
        .collect()
}

fn set(ids: &[&String]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).clone()).collect()
}

async fn every_page(h: &Harness, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let path = match &cursor {
            Some(c) => format!("/api/customers?{query}&cursor={c}"),
            None => format!("/api/customers?{query}"),
        };
        let page = get(h, &path).await;
        for c in page["items"].as_array().unwrap() {
            seen.push(c["external_userid"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return seen,
        }
    }
    panic!("pagination did not end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_customer_route_refuses_a_request_without_the_token() {
    let h = Harness::start(Backend::Embedded).await;
    for (method, path) in [
        (Method::GET, "/api/customers"),
        (Method::GET, "/api/customers/wm1"),
        (Method::PATCH, "/api/customers/wm1"),
        (Method::POST, "/api/customers/wm1/sync"),
        (Method::POST, "/api/customers/wm1/tags"),
        (Method::GET, "/api/tags"),
        (Method::POST, "/api/purchases"),
        (Method::GET, "/api/stats/channels"),
    ] {
        let resp = h
            .http
            .request(method.clone(), h.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        let wrong = h
            .http
            .request(method.clone(), h.url(path))
            .bearer_auth("not-the-token")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    h.shutdown().await;
}

async fn filters_compose_and_pagination_visits_every_customer_once(backend: Backend) {
    let h = Harness::start(backend).await;
    let a = scan(&h, "zhangsan", "xiaohongshu", "王小美", 2).await;
    let b = scan(&h, "zhangsan", "douyin", "李大壮", 1).await;
    let c = scan(&h, "lisi", "douyin", "赵丽丽", 2).await;
    let d = scan(&h, "wangwu", "meituan", "钱多多", 1).await;
    let e = scan(&h, "lisi", "xiaohongshu", "孙悟空", 1).await;

    // Each filter alone.
    let q = |s: &str| format!("/api/customers?{s}");
    assert_eq!(ids(&get(&h, &q("state=douyin")).await), set(&[&b, &c]));
    assert_eq!(ids(&get(&h, &q("userid=lisi")).await), set(&[&c, &e]));
    assert_eq!(ids(&get(&h, &q("gender=2")).await), set(&[&a, &c]));
    assert_eq!(ids(&get(&h, &q("q=%E4%B8%BD%E4%B8%BD")).await), set(&[&c])); // 丽丽
    assert_eq!(ids(&get(&h, &q("status=active")).await).len(), 5);
    assert!(ids(&get(&h, &q("status=ended")).await).is_empty());

    // CRM fields, then filters on them.
    for (id, body) in [
        (
            &a,
            json!({ "tier": "A", "psych_type": "理性型", "birthday": "1990-03-08" }),
        ),
        (&c, json!({ "tier": "A", "birthday": "07-15" })),
        (&d, json!({ "tier": "B", "birthday": "2000-03-21" })),
    ] {
        let (status, body) = api(
            &h,
            Method::PATCH,
            &format!("/api/customers/{id}"),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(ids(&get(&h, &q("tier=A")).await), set(&[&a, &c]));
    assert_eq!(
        ids(&get(&h, &q("psych_type=%E7%90%86%E6%80%A7%E5%9E%8B")).await),
        set(&[&a])
    );
    assert_eq!(ids(&get(&h, &q("birthday_month=3")).await), set(&[&a, &d]));

    // A corp tag on one relationship.
    let (status, body) = api(
        &h,
        Method::POST,
        &format!("/api/customers/{e}/tags"),
        Some(json!({ "userid": "lisi", "add_tag": [TAG_TIER_B] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        ids(&get(&h, &q(&format!("tag_id={TAG_TIER_B}"))).await),
        set(&[&e])
    );

    // Compositions.
    assert_eq!(ids(&get(&h, &q("state=douyin&gender=2")).await), set(&[&c]));
    assert_eq!(
        ids(&get(&h, &q("state=douyin&userid=zhangsan")).await),
        set(&[&b])
    );
    assert_eq!(ids(&get(&h, &q("tier=A&userid=lisi")).await), set(&[&c]));
    assert_eq!(
        ids(&get(&h, &q("gender=1&state=xiaohongshu")).await),
        set(&[&e])
    );

    // Time range on the first add: everything up to now, nothing in the future.
    assert_eq!(ids(&get(&h, &q("added_from=0")).await).len(), 5);
    assert!(ids(&get(&h, &q("added_from=99999999999999")).await).is_empty());

    // Pagination: every customer exactly once, in each order.
    let all: BTreeSet<String> = set(&[&a, &b, &c, &d, &e]);
    for query in [
        "limit=2",
        "limit=2&sort=added_asc",
        "limit=1&sort=last_purchase_desc",
        "limit=3&gender=1",
    ] {
        let seen = every_page(&h, query).await;
        let unique: BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "{query}: a customer appeared twice: {seen:?}"
        );
        if query.contains("gender=1") {
            assert_eq!(unique, set(&[&b, &d, &e]), "{query}");
        } else {
            assert_eq!(unique, all, "{query}");
        }
    }
    let newest_first = every_page(&h, "limit=2").await;
    let oldest_first = every_page(&h, "limit=2&sort=added_asc").await;
    assert_eq!(newest_first.first(), Some(&e));
    assert_eq!(oldest_first.first(), Some(&a));

    // Invalid filter values name the field.
    for (query, field) in [
        ("gender=3", "gender"),
        ("tier=D", "tier"),
        ("status=gone", "status"),
        ("birthday_month=13", "birthday_month"),
        ("added_from=yesterday", "added_from"),
        ("last_purchase_before=-5", "last_purchase_before"),
        ("sort=name", "sort"),
        ("limit=0", "limit"),
        ("cursor=nonsense", "cursor"),
    ] {
        let (status, body) = api(&h, Method::GET, &q(query), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    // A store cursor that is not one (the audit log pages with the store's own cursors).
    let (status, body) = api(&h, Method::GET, "/api/audit-logs?cursor=00ff", None).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("cursor")),
        "{body}"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn patch_validates_each_field_leaves_no_trace_and_audits_names_only() {
    let h = Harness::start(Backend::Embedded).await;
    let id = scan(&h, "zhangsan", "xiaohongshu", "周小姐", 2).await;
    let path = format!("/api/customers/{id}");

    for (body, field) in [
        (json!({ "tier": "D" }), "tier"),
        (json!({ "phone": "12345678901" }), "phone"),
        (json!({ "phone": "1380013800" }), "phone"),
        (json!({ "birthday": "1990-02-30" }), "birthday"),
        (json!({ "birthday": "2023-02-29" }), "birthday"),
        (json!({ "psych_type": "长".repeat(31) }), "psych_type"),
        (json!({ "notes": "字".repeat(2001) }), "notes"),
        (json!({ "marketing_consent": "yes" }), "marketing_consent"),
        (
            json!({ "tier": "A", "total_spent_fen": 5 }),
            "total_spent_fen",
        ),
    ] {
        let (status, err) = api(&h, Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
        assert!(!err["error"]["message"].as_str().unwrap().is_empty());
    }
    let detail = get(&h, &path).await;
    assert_eq!(detail["crm"], json!({}), "a refused patch left a trace");
    let audit = get(&h, "/api/audit-logs").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] != "customer.update"),
        "{audit}"
    );

    let (status, body) = api(
        &h,
        Method::PATCH,
        &path,
        Some(json!({
            "tier": "B", "psych_type": "感性型", "birthday": "2000-02-29",
            "phone": "13800138000", "notes": "对疼痛敏感"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let detail = get(&h, &path).await;
    assert_eq!(detail["crm"]["tier"], "B");
    assert_eq!(detail["crm"]["phone"], "13800138000");
    assert_eq!(detail["crm"]["birthday"], "2000-02-29");
    assert_eq!(detail["tier"], "B");
    assert_eq!(detail["follow_users"][0]["userid"], "zhangsan");
    assert_eq!(detail["follow_users"][0]["state"], "xiaohongshu");
    assert_eq!(detail["follow_users"][0]["status"], "active");
    assert!(
        detail["recent_events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_type"] == "change_external_contact/add_external_contact"),
        "{detail}"
    );
    // The birthday index item for the birthday job.
    let profile = h
        .store
        .get(&format!("CUST#{id}"), "PROFILE")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        profile.gsi3,
        Some(("BDAY#02-29".to_owned(), format!("CUST#{id}")))
    );

    // A clear (null) and an MM-DD birthday.
    let (status, _) = api(
        &h,
        Method::PATCH,
        &path,
        Some(json!({ "phone": null, "birthday": "02-29" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let detail = get(&h, &path).await;
    assert!(detail["crm"].get("phone").is_none(), "{detail}");
    assert_eq!(detail["crm"]["birthday"], "02-29");

    let audit = get(&h, "/api/audit-logs").await;
    let updates: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "customer.update")
        .collect();
    assert_eq!(updates.len(), 2, "{audit}");
    let text = audit.to_string();
    assert!(
        !text.contains("13800138000"),
        "the audit log holds a phone number"
    );
    assert!(
        !text.contains("2000-02-29"),
        "the audit log holds a birthday"
    );
    let first = updates.last().unwrap();
    assert_eq!(first["target"], id.as_str());
    let fields: BTreeSet<&str> = first["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["birthday", "notes", "phone", "psych_type", "tier"]
            .into_iter()
            .collect()
    );

    let (status, body) = api(&h, Method::GET, "/api/customers/wm-nobody", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["error"]["message"].as_str().unwrap().contains("客户"));
    let (status, _) = api(
        &h,
        Method::PATCH,
        "/api/customers/wm-nobody",
        Some(json!({ "tier": "A" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tags_added_and_removed_reach_wecom_and_the_local_record() {
    let h = Harness::start(Backend::Embedded).await;
    let id = scan(&h, "lisi", "douyin", "吴女士", 2).await;
    let path = format!("/api/customers/{id}/tags");

    let (status, body) = api(
        &h,
        Method::POST,
        &path,
        Some(json!({ "userid": "lisi", "add_tag": [TAG_TIER_A, TAG_TIER_B] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sim = h.sim_relationship("lisi", &id).await;
    let sim_tags: Vec<&str> = sim["tag_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        sim_tags.contains(&TAG_TIER_A) && sim_tags.contains(&TAG_TIER_B),
        "{sim}"
    );

    let (status, body) = api(
        &h,
        Method::POST,
        &path,
        Some(json!({ "userid": "lisi", "remove_tag": [TAG_TIER_A] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sim = h.sim_relationship("lisi", &id).await;
    let sim_tags: Vec<&str> = sim["tag_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        !sim_tags.contains(&TAG_TIER_A) && sim_tags.contains(&TAG_TIER_B),
        "{sim}"
    );

    let detail = get(&h, &format!("/api/customers/{id}")).await;
    let local: Vec<&str> = detail["follow_users"][0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["tag_id"].as_str())
        .collect();
    assert!(
        local.contains(&TAG_TIER_B) && !local.contains(&TAG_TIER_A),
        "{detail}"
    );
    let b = detail["follow_users"][0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tag_id"] == TAG_TIER_B)
        .unwrap()
        .clone();
    assert_eq!(b["tag_name"], "B类客户");

    let (status, body) = api(
        &h,
        Method::POST,
        &path,
        Some(json!({ "userid": "lisi", "add_tag": ["etNoSuchTag"] })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "add_tag");
    let (status, _) = api(
        &h,
        Method::POST,
        &path,
        Some(json!({ "userid": "nobody", "add_tag": [TAG_TIER_A] })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let audit = get(&h, "/api/audit-logs").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "customer.tags"),
        "{audit}"
    );

    // The catalogue, refreshed from WeCom; a new tag created through WeCom.
    let tags = get(&h, "/api/tags?refresh=true").await;
    assert!(tags.to_string().contains(TAG_TIER_A), "{tags}");
    let (status, group) = api(
        &h,
        Method::POST,
        "/api/tags",
        Some(json!({ "group_name": "到店频次", "tag": [{ "name": "每月到店" }] })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let new_id = group["tag"][0]["id"].as_str().unwrap().to_owned();
    assert!(get(&h, "/api/tags").await.to_string().contains("每月到店"));
    let (status, body) = api(
        &h,
        Method::POST,
        "/api/tags",
        Some(json!({ "group_name": "x", "tag": [{ "name": "长".repeat(31) }] })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "tag");

    // Rename and delete the tag this app created.
    let (status, body) = api(
        &h,
        Method::PATCH,
        &format!("/api/tags/{new_id}"),
        Some(json!({ "name": "每月两次" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.to_string().contains("每月两次"));
    let (status, body) = api(&h, Method::DELETE, &format!("/api/tags/{new_id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(!get(&h, "/api/tags").await.to_string().contains("每月两次"));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_fetches_what_changed_in_wecom_behind_the_products_back() {
    // No event workers: WeCom's callbacks are logged but never processed, so only the sync
    // can bring the customer and the later remark in.
    let h = Harness::start_with(
        Backend::Embedded,
        Setup {
            workers: 0,
            ..Setup::default()
        },
    )
    .await;
    let scan = h.scan("wangwu", "meituan").await;
    let id = scan["external_userid"].as_str().unwrap().to_owned();
    let (status, _) = api(&h, Method::GET, &format!("/api/customers/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = api(&h, Method::POST, &format!("/api/customers/{id}/sync"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["follow_users"][0]["userid"], "wangwu");
    assert_eq!(body["follow_users"][0]["state"], "meituan");
    assert_eq!(body["first_channel"], "meituan");

    h.control(
        "edit",
        json!({ "userid": "wangwu", "external_userid": id, "remark": "老客户-热玛吉" }),
    )
    .await;
    let (status, body) = api(&h, Method::POST, &format!("/api/customers/{id}/sync"), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["follow_users"][0]["remark"], "老客户-热玛吉");
    let found = get(&h, "/api/customers?q=%E7%83%AD%E7%8E%9B%E5%90%89").await; // 热玛吉
    assert_eq!(ids(&found), [id.clone()].into_iter().collect());

    let (status, body) = api(
        &h,
        Method::POST,
        "/api/customers/wmUnknownToWeCom/sync",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    h.shutdown().await;
}

async fn purchases_move_last_purchase_and_total_spent(backend: Backend) {
    let h = Harness::start(backend).await;
    let id = scan(&h, "zhangsan", "xiaohongshu", "郑女士", 2).await;
    let other = scan(&h, "zhangsan", "xiaohongshu", "冯先生", 1).await;

    for (amount, at) in [
        (128_800, 1_700_000_000_000i64),
        (360_000, 1_710_000_000_000),
    ] {
        let (status, body) = api(
            &h,
            Method::POST,
            "/api/purchases",
            Some(json!({ "external_userid": id, "amount_fen": amount, "item": "光子嫩肤", "purchased_at_ms": at })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = api(
        &h,
        Method::POST,
        "/api/appointments",
        Some(json!({ "external_userid": id, "scheduled_at_ms": 1_720_000_000_000i64, "item": "热玛吉", "source": "mini_program" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A booking source the clinic does not use is refused by name, and nothing is recorded.
    let (status, body) = api(
        &h,
        Method::POST,
        "/api/appointments",
        Some(json!({ "external_userid": id, "scheduled_at_ms": 1_720_000_000_000i64, "item": "热玛吉", "source": "wechat_ad" })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "source", "{body}");

    let purchases = get(&h, &format!("/api/customers/{id}/purchases")).await;
    assert_eq!(purchases["items"].as_array().unwrap().len(), 2);
    assert_eq!(purchases["total_spent_fen"], 488_800);
    assert_eq!(purchases["last_purchase_at_ms"], 1_710_000_000_000i64);
    let appts = get(&h, &format!("/api/customers/{id}/appointments")).await;
    assert_eq!(appts["items"][0]["item"], "热玛吉");
    assert_eq!(appts["items"][0]["source"], "mini_program");
    assert_eq!(appts["items"].as_array().unwrap().len(), 1, "{appts}");
    let detail = get(&h, &format!("/api/customers/{id}")).await;
    assert_eq!(detail["total_spent_fen"], 488_800);
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"purchase") && kinds.contains(&"appointment"),
        "{kinds:?}"
    );

    // Purchase filters and order.
    let q = |s: &str| format!("/api/customers?{s}");
    assert_eq!(
        ids(&get(&h, &q("last_purchase_after=1705000000000")).await),
        set(&[&id])
    );
    assert!(ids(&get(&h, &q("last_purchase_before=1705000000000")).await).is_empty());
    let by_purchase = get(&h, &q("sort=last_purchase_desc")).await;
    assert_eq!(by_purchase["items"][0]["external_userid"], id.as_str());
    assert_eq!(by_purchase["items"][1]["external_userid"], other.as_str());

    for (body, status, field) in [
        (
            json!({ "external_userid": id, "amount_fen": -1, "item": "x", "purchased_at_ms": 1 }),
            StatusCode::BAD_REQUEST,
            Some("amount_fen"),
        ),
        (
            json!({ "external_userid": id, "amount_fen": 1.5, "item": "x", "purchased_at_ms": 1 }),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (
            json!({ "external_userid": id, "amount_fen": 1, "item": "", "purchased_at_ms": 1 }),
            StatusCode::BAD_REQUEST,
            Some("item"),
        ),
        (
            json!({ "external_userid": "wm-nobody", "amount_fen": 1, "item": "x", "purchased_at_ms": 1 }),
            StatusCode::NOT_FOUND,
            None,
        ),
    ] {
        let (got, err) = api(&h, Method::POST, "/api/purchases", Some(body.clone())).await;
        assert_eq!(got, status, "{body}: {err}");
        if let Some(field) = field {
            assert_eq!(err["error"]["field"], field, "{body}: {err}");
        }
    }
    let purchases = get(&h, &format!("/api/customers/{id}/purchases")).await;
    assert_eq!(
        purchases["total_spent_fen"], 488_800,
        "a refused purchase counted"
    );
    let (status, _) = api(
        &h,
        Method::POST,
        "/api/appointments",
        Some(json!({ "external_userid": "wm-nobody", "scheduled_at_ms": 1, "item": "x" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn channel_stats_count_what_was_scanned() {
    let h = Harness::start(Backend::Embedded).await;
    let a = scan(&h, "zhangsan", "xiaohongshu", "甲", 1).await;
    scan(&h, "lisi", "xiaohongshu", "乙", 2).await;
    scan(&h, "lisi", "douyin", "丙", 2).await;
    let (status, body) = api(
        &h,
        Method::POST,
        "/api/purchases",
        Some(json!({ "external_userid": a, "amount_fen": 9900, "item": "水光针", "purchased_at_ms": 4_000_000_000_000i64 - 1 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let stats = get(
        &h,
        "/api/stats/channels?from_ms=3990000000000&to_ms=4000000000000",
    )
    .await;
    // Nothing was added in that (future) range, but the purchase is attributed.
    let xhs = stats["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == "xiaohongshu")
        .unwrap()
        .clone();
    assert_eq!(xhs["added"], 0);
    assert_eq!(xhs["purchases"], 1);
    assert_eq!(xhs["purchase_amount_fen"], 9900);

    let stats = get(&h, "/api/stats/channels").await;
    let by_state = |s: &str| {
        stats["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == s)
            .unwrap()
            .clone()
    };
    let xhs = by_state("xiaohongshu");
    assert_eq!(xhs["added"], 2, "{stats}");
    assert_eq!(xhs["still_connected"], 2);
    assert_eq!(xhs["ended"], 0);
    let days: u64 = xhs["added_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_u64().unwrap())
        .sum();
    assert_eq!(days, 2);
    assert_eq!(by_state("douyin")["added"], 1);

    let (status, body) = api(
        &h,
        Method::GET,
        "/api/stats/channels?from_ms=10&to_ms=5",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["field"], "from_ms");
    h.shutdown().await;
}
