//! Customer import in slices (`start_row` / `next_row`), as the admin API does it within the
//! Lambda's time limit: a file of a few hundred rows imported slice after slice under a tiny
//! budget ends exactly as the same file imported in one request (customers' fields, consent
//! records, tags in WeCom and locally, leads, the counts and problems), also when a slice
//! fails half-way and is sent again; progress counts over the slices; a bad `start_row` is
//! refused with a Chinese message naming it.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use crm::import::SliceBudget;
use crm::leads::LeadRepo;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, Setup, on_both_backends};

on_both_backends!(
    an_import_in_slices_ends_as_the_same_import_in_one_request,
    a_bad_start_row_is_refused_naming_the_field,
);

/// Customers of zhangsan, by phone.
const CUSTOMERS: usize = 10;
/// Rows per slice in the sliced harness.
const SLICE_ROWS: usize = 37;

fn customer_phone(i: usize) -> String {
    format!("1380000{:04}", 2000 + i)
}

/// A few hundred rows: each customer (by phone) with a tier, a consent and a tag, some of them
/// again further down (another tag, a psych type); leads with and without consent and tags,
/// one of them twice; rows with problems scattered through the file.
fn file() -> Vec<u8> {
    let mut csv = String::from("手机号,姓名,等级,心理类型,营销授权,授权方式,标签,备注\n");
    for i in 0..CUSTOMERS {
        let consent = if i % 2 == 0 { "是" } else { "否" };
        csv.push_str(&format!(
            "{},,{},,{consent},书面,A类客户,导入备注{i}\n",
            customer_phone(i),
            ["A", "B", "C"][i % 3]
        ));
    }
    for i in 0..260 {
        match i % 50 {
            7 => csv.push_str("123,坏手机号,A,,,,,\n"),
            19 => csv.push_str(&format!("1390000{:04},等级不对,D,,,,,\n", i)),
            33 => csv.push_str(&format!("1390000{:04},,A,,,,没有这个标签,\n", i)),
            _ => {
                let consent = ["是", "否", ""][i % 3];
                let how = if consent.is_empty() { "" } else { "表单" };
                let tags = if i % 4 == 0 { "A类客户" } else { "" };
                csv.push_str(&format!(
                    "1390000{i:04},线索{i},C,,{consent},{how},{tags},\n"
                ));
            }
        }
        if i % 60 == 10 {
            // A customer again, later in the file: another tag and a psych type.
            csv.push_str(&format!(
                "{},,,理性型,,,意向项目/光子嫩肤,\n",
                customer_phone(i / 60)
            ));
        }
    }
    // The first lead again, with another name: the last row wins either way.
    csv.push_str("13900000000,线索零,,,,,,\n");
    csv.into_bytes()
}

async fn post(h: &Harness, query: &str, bytes: Vec<u8>) -> (u16, Value) {
    h.upload_as(
        &h.app.admin_token,
        &format!("/api/customers/import?{query}"),
        "名单.csv",
        bytes,
    )
    .await
}

const COUNTS: [&str; 8] = [
    "matched",
    "leads",
    "new_leads",
    "changed",
    "unchanged",
    "problem_rows",
    "consents",
    "tags_marked",
];

/// The slices' answers added up as one answer would be (counts summed, problems joined).
#[derive(Debug, Default, PartialEq)]
struct Total {
    counts: BTreeMap<&'static str, u64>,
    problems: Vec<Value>,
    slices: usize,
}

impl Total {
    fn add(&mut self, slice: &Value) {
        for key in COUNTS {
            *self.counts.entry(key).or_default() += slice[key].as_u64().unwrap();
        }
        self.problems
            .extend(slice["problems"].as_array().unwrap().iter().cloned());
        self.slices += 1;
    }
}

async fn progress(h: &Harness, id: &str) -> Value {
    let (status, body) = h
        .api(Method::GET, &format!("/api/customers/imports/{id}"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Sends the file slice after slice until finished; `fail_at` injects a WeCom failure of
/// `mark_tag` before that slice (counted from 0), which must fail and then succeed when sent
/// again from the same row.
async fn import_in_slices(h: &Harness, dry_run: bool, fail_at: Option<usize>) -> Total {
    let bytes = file();
    let mut total = Total::default();
    let mut start_row = None;
    let progress_id = format!("slices-{dry_run}");
    loop {
        let mut query = format!("dry_run={dry_run}&progress_id={progress_id}");
        if let Some(row) = start_row {
            query.push_str(&format!("&start_row={row}"));
        }
        if fail_at == Some(total.slices) {
            h.control(
                "faults",
                json!({"path": "externalcontact/mark_tag", "errcode": 40068, "times": 1}),
            )
            .await;
            let (status, body) = post(h, &query, bytes.clone()).await;
            assert_eq!(status, 422, "the slice fails on WeCom's refusal: {body}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()),
                "{body}"
            );
            assert!(h.control_get("faults").await.as_array().unwrap().is_empty());
            // Progress still says where to go on from.
            let progress = progress(h, &progress_id).await;
            assert_eq!(progress["finished"], false, "{progress}");
        }
        let (status, slice) = post(h, &query, bytes.clone()).await;
        assert_eq!(status, 200, "{slice}");
        assert_eq!(slice["dry_run"], dry_run);
        assert_eq!(slice["start_row"], start_row.unwrap_or(2));
        total.add(&slice);
        let progress = progress(h, &progress_id).await;
        assert_eq!(progress["done"], slice["done"], "{progress}");
        assert_eq!(progress["rows"], slice["rows"]);
        assert_eq!(progress["finished"], slice["finished"]);
        if slice["finished"] == true {
            assert_eq!(slice["next_row"], Value::Null);
            assert_eq!(slice["done"], slice["rows"]);
            break;
        }
        assert!(slice["slice_rows"].as_u64().unwrap() > 0, "{slice}");
        let next = slice["next_row"].as_u64().unwrap() as usize;
        assert!(next > start_row.unwrap_or(2), "{slice}");
        start_row = Some(next);
    }
    total
}

async fn import_at_once(h: &Harness, dry_run: bool) -> Total {
    let (status, body) = post(h, &format!("dry_run={dry_run}"), file()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["finished"], true);
    assert_eq!(body["next_row"], Value::Null);
    let mut total = Total::default();
    total.add(&body);
    total
}

/// What the import left: per customer (by phone) the clinic fields, the consent history, the
/// relationship's tags here and in WeCom; every lead.
async fn state(h: &Harness, ids: &[String]) -> Value {
    let mut customers = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let (status, detail) = h
            .api(Method::GET, &format!("/api/customers/{id}"), None)
            .await;
        assert_eq!(status, 200, "{detail}");
        let (status, consents) = h
            .api(Method::GET, &format!("/api/customers/{id}/consents"), None)
            .await;
        assert_eq!(status, 200, "{consents}");
        let history: Vec<Value> = consents["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!([c["purpose"], c["granted"], c["method"], c["note"]]))
            .collect();
        let mut local: Vec<String> = detail["follow_users"][0]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tag_name"].as_str().unwrap().to_owned())
            .collect();
        local.sort();
        let mut wecom: Vec<String> = h.sim_relationship("zhangsan", id).await["tag_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            // The channel tag's id is made when each harness starts; the file's tags are the
            // simulator's demo tags.
            .filter(|t| t.starts_with("etSimDemo"))
            .collect();
        wecom.sort();
        customers.push(json!({
            "phone": customer_phone(i),
            "crm": detail["crm"],
            "consents": history,
            "tags": local,
            "wecom_tags": wecom,
        }));
    }
    let repo = LeadRepo::new(h.store.clone());
    let mut leads = BTreeMap::new();
    let mut cursor = None;
    loop {
        let (page, next) = repo.list(100, cursor).await.unwrap();
        for lead in page {
            leads.insert(
                lead.id.clone(),
                json!([
                    lead.phone,
                    lead.name,
                    lead.fields,
                    lead.consent,
                    lead.tag_ids
                ]),
            );
        }
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    json!({"customers": customers, "leads": leads})
}

/// The paths where two states differ (a whole state is too long to read in a failure).
fn differences(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let none = Value::Null;
                let (l, r) = (x.get(key).unwrap_or(&none), y.get(key).unwrap_or(&none));
                differences(&format!("{path}.{key}"), l, r, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                differences(&format!("{path}[{i}]"), l, r, out);
            }
        }
        _ if a != b => out.push(format!("{path}: {a} ≠ {b}")),
        _ => {}
    }
}

fn assert_same(a: &Value, b: &Value) {
    let mut out = Vec::new();
    differences("", a, b, &mut out);
    assert!(
        out.is_empty(),
        "{} differences: {:#?}",
        out.len(),
        &out[..out.len().min(10)]
    );
}

async fn with_customers(backend: Backend, import_slice: SliceBudget) -> (Harness, Vec<String>) {
    let h = Harness::start_with(
        backend,
        Setup {
            import_slice,
            ..Setup::default()
        },
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..CUSTOMERS {
        let (id, _) = h
            .customer_with(
                "zhangsan",
                "xiaohongshu",
                json!({"phone": customer_phone(i)}),
            )
            .await;
        ids.push(id);
    }
    (h, ids)
}

async fn audited_slices(h: &Harness) -> Vec<String> {
    let (status, body) = h.api(Method::GET, "/api/audit-logs?limit=100", None).await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "customer.import")
        .map(Value::to_string)
        .collect()
}

async fn an_import_in_slices_ends_as_the_same_import_in_one_request(backend: Backend) {
    let (once, once_ids) = with_customers(backend, SliceBudget::unlimited()).await;
    let (sliced, sliced_ids) = with_customers(backend, SliceBudget::rows(SLICE_ROWS)).await;
    let rows = file().iter().filter(|b| **b == b'\n').count() - 1;
    assert!(rows > 250, "a few hundred rows: {rows}");

    // The dry run: the same counts and problems, nothing written.
    let dry_once = import_at_once(&once, true).await;
    let dry_sliced = import_in_slices(&sliced, true, None).await;
    assert!(
        dry_sliced.slices >= rows / SLICE_ROWS,
        "{}",
        dry_sliced.slices
    );
    assert_eq!(dry_sliced.counts, dry_once.counts);
    assert_eq!(dry_sliced.problems, dry_once.problems);
    assert_eq!(
        dry_once.counts["problem_rows"], 16,
        "{:?}",
        dry_once.problems
    );
    assert!(audited_slices(&sliced).await.is_empty());
    assert_eq!(
        state(&sliced, &sliced_ids).await["leads"],
        json!({}),
        "a dry run writes no lead"
    );

    // The real run in one request, and in slices of which the fourth (rows 113–149) fails on
    // WeCom's refusal at row 145, the rows before it written, and is sent again.
    let once_calls = once.calls("externalcontact/mark_tag").await;
    let real_once = import_at_once(&once, false).await;
    let once_calls = once.calls("externalcontact/mark_tag").await - once_calls;
    let sliced_calls = sliced.calls("externalcontact/mark_tag").await;
    let real_sliced = import_in_slices(&sliced, false, Some(3)).await;
    let sliced_calls = sliced.calls("externalcontact/mark_tag").await - sliced_calls;
    assert_eq!(real_sliced.problems, real_once.problems);
    // What rows match does not depend on the failure; what they change does (the slice sent
    // again finds its first rows already written).
    for key in ["matched", "leads", "problem_rows"] {
        assert_eq!(real_sliced.counts[key], real_once.counts[key], "{key}");
    }
    assert_eq!(
        real_sliced.counts["changed"] + real_sliced.counts["unchanged"],
        real_once.counts["changed"] + real_once.counts["unchanged"]
    );
    assert!(real_once.counts["consents"] >= CUSTOMERS as u64);
    assert!(real_once.counts["tags_marked"] > CUSTOMERS as u64);
    let after_once = state(&once, &once_ids).await;
    let after_sliced = state(&sliced, &sliced_ids).await;
    assert_same(&after_sliced, &after_once);
    // Each customer has exactly one consent record, and no tag twice.
    for c in after_sliced["customers"].as_array().unwrap() {
        assert_eq!(c["consents"].as_array().unwrap().len(), 1, "{c}");
        for key in ["tags", "wecom_tags"] {
            let tags = c[key].as_array().unwrap();
            let mut unique = tags.clone();
            unique.dedup();
            assert_eq!(&unique, tags, "{c}");
        }
        assert!(
            c["tags"].as_array().unwrap().contains(&json!("A类客户")),
            "{c}"
        );
    }
    assert!(after_once["leads"].as_object().unwrap().len() > 200);
    // mark_tag once per relationship the file adds tags to, plus at most the refused call.
    assert!(
        (once_calls..=once_calls + 1).contains(&sliced_calls),
        "{once_calls} {sliced_calls}"
    );
    // One audit entry per slice that answered, naming its rows; the failed one wrote none.
    let audits = audited_slices(&sliced).await;
    assert_eq!(audits.len(), real_sliced.slices, "{audits:?}");
    assert!(
        audits.iter().any(|a| a.contains("from_row=2")),
        "{audits:?}"
    );
    assert!(
        audits.iter().any(|a| a.contains("next_row=end")),
        "{audits:?}"
    );
    assert_eq!(audited_slices(&once).await.len(), 1);

    // Sending a slice again changes nothing more.
    let (status, again) = post(
        &sliced,
        &format!("dry_run=false&start_row={}", 2 + SLICE_ROWS),
        file(),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["changed"], 0, "{again}");
    assert_eq!(again["consents"], 0);
    assert_same(&state(&sliced, &sliced_ids).await, &after_sliced);
    once.shutdown().await;
    sliced.shutdown().await;
}

async fn a_bad_start_row_is_refused_naming_the_field(backend: Backend) {
    let h = Harness::start_with(
        backend,
        Setup {
            import_slice: SliceBudget::rows(2),
            ..Setup::default()
        },
    )
    .await;
    let csv = b"\xE6\x89\x8B\xE6\x9C\xBA\xE5\x8F\xB7\n13900000001\n13900000002\n13900000003\n";
    for bad in [
        "1",
        "0",
        "-1",
        "abc",
        "1.5",
        "99999999999999999999999999",
        "5",
    ] {
        let (status, body) = post(&h, &format!("start_row={bad}"), csv.to_vec()).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["field"], "start_row", "{bad}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("start_row") && message.contains("行"),
            "{message}"
        );
    }
    // The last data row is a fine place to start.
    let (status, body) = post(&h, "start_row=4", csv.to_vec()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["slice_rows"], &body["finished"]),
        (&json!(1), &json!(true))
    );
    let (status, body) = post(&h, "start_row=2", csv.to_vec()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (&body["slice_rows"], &body["next_row"], &body["done"]),
        (&json!(2), &json!(4), &json!(2))
    );
    h.shutdown().await;
}
