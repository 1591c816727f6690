//! Customer import and export through the admin API: a dry run lists row-level problems and
//! writes nothing; GBK CSV with Chinese headers and xlsx with English headers import; a second
//! import of the same file changes nothing; rows matching no customer become leads (线索) and
//! merge into the customer when that person adds a consultant (unionid) or a consultant records
//! their phone as a remark phone; the export returns the list's rows and reads back.
#![allow(clippy::unwrap_used, clippy::panic)]

use crm::tabular::Sheet;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, on_both_backends};

on_both_backends!(
    a_dry_run_lists_each_problem_by_row_and_column_and_writes_nothing,
    a_gbk_csv_with_chinese_headers_imports_and_importing_it_again_changes_nothing,
    an_xlsx_with_english_headers_imports,
    unmatched_rows_become_leads_that_merge_when_the_person_adds_a_consultant,
    a_lead_the_hourly_sync_finds_as_a_new_customer_is_merged,
    the_export_holds_the_lists_rows_and_a_consultant_exports_only_their_own,
);

const TAG_A: &str = "etSimDemoTagTierA0000000000000aa";
const TAG_PHOTO_NAME: &str = "意向项目/光子嫩肤";

async fn upload_as(
    h: &Harness,
    token: &str,
    filename: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> (u16, Value) {
    h.upload_as(
        token,
        &format!("/api/customers/import?dry_run={dry_run}"),
        filename,
        bytes,
    )
    .await
}

async fn import(h: &Harness, filename: &str, bytes: Vec<u8>, dry_run: bool) -> Value {
    let (status, body) = upload_as(h, &h.app.admin_token, filename, bytes, dry_run).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn detail(h: &Harness, id: &str) -> Value {
    let (status, body) = h
        .api(Method::GET, &format!("/api/customers/{id}"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn consent_history(h: &Harness, id: &str) -> Vec<Value> {
    let (status, body) = h
        .api(Method::GET, &format!("/api/customers/{id}/consents"), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body["history"].as_array().unwrap().clone()
}

async fn audit_actions(h: &Harness, action: &str) -> Vec<Value> {
    let (status, body) = h.api(Method::GET, "/api/audit-logs?limit=100", None).await;
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == action)
        .cloned()
        .collect()
}

async fn leads(h: &Harness) -> Vec<Value> {
    let (status, body) = h.api(Method::GET, "/api/leads?limit=100", None).await;
    assert_eq!(status, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn sim_tags(rel: &Value) -> Vec<String> {
    rel["tag_ids"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect()
}

async fn a_dry_run_lists_each_problem_by_row_and_column_and_writes_nothing(backend: Backend) {
    let h = Harness::start(backend).await;
    let (id, _) = h
        .customer_with("zhangsan", "xiaohongshu", json!({"phone": "13800000011"}))
        .await;
    let csv = format!(
        "external_userid,phone,tier,birthday,marketing_consent,tags\n\
         {id},,A,1990-05-01,yes,A类客户\n\
         ,13800000012,D,,,\n\
         ,12345,B,,,\n\
         ,13800000013,B,1990-02-30,maybe,\n\
         ,13800000014,C,,,没有这个标签\n\
         wm_nobody,,A,,,\n"
    );
    let summary = import(&h, "customers.csv", csv.into_bytes(), true).await;
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["encoding"], "UTF-8");
    assert_eq!(summary["rows"], 6);
    assert_eq!(summary["matched"], 1);
    assert_eq!(summary["changed"], 1);
    assert_eq!(summary["problem_rows"], 5);
    let problems: Vec<(u64, String)> = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(u64, String)> = [
        (3, "等级"),
        (4, "手机号"),
        (5, "生日"),
        (5, "营销授权"),
        (6, "标签"),
        (7, "客户ID"),
    ]
    .iter()
    .map(|(r, c)| (*r, (*c).to_owned()))
    .collect();
    assert_eq!(problems, expected);
    let messages: Vec<&str> = summary["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert!(messages[0].contains("A、B 或 C"), "{messages:?}");
    assert!(messages[4].contains("没有这个标签"), "{messages:?}");

    // Nothing was written: no tier, no consent record, no tag, no lead, no audit entry.
    let after = detail(&h, &id).await;
    assert_eq!(after["crm"]["tier"], Value::Null, "{after}");
    assert!(consent_history(&h, &id).await.is_empty());
    assert!(!sim_tags(&h.sim_relationship("zhangsan", &id).await).contains(&TAG_A.to_owned()));
    assert!(leads(&h).await.is_empty());
    assert!(audit_actions(&h, "customer.import").await.is_empty());

    // Not a spreadsheet at all, or no key column: 400 naming the file.
    let (status, body) = upload_as(
        &h,
        &h.app.admin_token,
        "x.csv",
        b"name,tier\nx,A\n".to_vec(),
        true,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "file");
    let (status, body) = upload_as(
        &h,
        &h.app.admin_token,
        "x.xlsx",
        b"PK\x03\x04garbage".to_vec(),
        true,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // A consultant may not import.
    let consultant = h.staff_token(admin_api::Role::Consultant, Some("zhangsan"));
    let (status, _) = upload_as(
        &h,
        &consultant,
        "x.csv",
        b"phone\n13800000011\n".to_vec(),
        true,
    )
    .await;
    assert_eq!(status, 403);
    h.shutdown().await;
}

async fn a_gbk_csv_with_chinese_headers_imports_and_importing_it_again_changes_nothing(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    let (id, _) = h
        .customer_with("zhangsan", "xiaohongshu", json!({"phone": "13800000021"}))
        .await;
    let text = format!(
        "客户ID,手机号,等级,心理类型,生日,营销授权,授权方式,标签,备注\n\
         ,138 0000 0021,a,理性型,1991/3/7,是,书面,\"A类客户，{TAG_PHOTO_NAME}\",老客户转介绍\n"
    );
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&gbk).is_err(),
        "the file must really be GBK"
    );

    let dry = import(&h, "客户.csv", gbk.to_vec(), true).await;
    assert_eq!(dry["encoding"], "GBK");
    assert_eq!(
        (dry["matched"].as_u64(), dry["changed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(dry["problems"], json!([]));

    // The real run, followed under a progress id.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(gbk.to_vec()).file_name("客户.csv"),
    );
    let response = h
        .http
        .post(h.url("/api/customers/import?dry_run=false&progress_id=run-0001-abcd"))
        .bearer_auth(&h.app.admin_token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let done: Value = response.json().await.unwrap();
    let (status, progress) = h
        .api(Method::GET, "/api/customers/imports/run-0001-abcd", None)
        .await;
    assert_eq!(status, 200, "{progress}");
    assert_eq!(
        (
            &progress["rows"],
            &progress["done"],
            &progress["finished"],
            &progress["dry_run"]
        ),
        (&json!(1), &json!(1), &json!(true), &json!(false))
    );
    let (status, _) = h
        .api(Method::GET, "/api/customers/imports/run-9999-none", None)
        .await;
    assert_eq!(status, 404);
    let (status, body) = upload_as(&h, &h.app.admin_token, "x.csv", gbk.to_vec(), true).await;
    assert_eq!(status, 200, "{body}");
    let bad = h
        .http
        .post(h.url("/api/customers/import?progress_id=a%20b"))
        .bearer_auth(&h.app.admin_token)
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(gbk.to_vec()).file_name("x.csv"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    assert_eq!(done["dry_run"], false);
    assert_eq!(done["changed"], 1, "{done}");
    assert_eq!(done["consents"], 1);
    assert_eq!(done["tags_marked"], 2);
    let after = detail(&h, &id).await;
    assert_eq!(after["crm"]["tier"], "A", "{after}");
    assert_eq!(after["crm"]["psych_type"], "理性型");
    assert_eq!(after["crm"]["birthday"], "1991-03-07");
    assert_eq!(after["crm"]["notes"], "老客户转介绍");
    let history = consent_history(&h, &id).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["method"], "import");
    assert_eq!(history[0]["granted"], true);
    assert!(history[0]["note"].as_str().unwrap().contains("书面"));
    // The tags went to WeCom and to the local relationship.
    let sim = sim_tags(&h.sim_relationship("zhangsan", &id).await);
    assert!(sim.contains(&TAG_A.to_owned()), "{sim:?}");
    assert!(
        sim.contains(&"etSimDemoTagPhotoRejuv00000000aa".to_owned()),
        "{sim:?}"
    );
    let local: Vec<&str> = after["follow_users"][0]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag_name"].as_str().unwrap())
        .collect();
    assert!(
        local.contains(&"A类客户") && local.contains(&"光子嫩肤"),
        "{local:?}"
    );
    // Audited with counts, never values.
    let audits = audit_actions(&h, "customer.import").await;
    assert_eq!(audits.len(), 1);
    let audit_text = audits[0].to_string();
    assert!(audit_text.contains("rows=1"), "{audit_text}");
    assert!(!audit_text.contains("13800000021") && !audit_text.contains("理性型"));

    // The same file again: nothing changes, no second consent record, no mark_tag call.
    let calls_before = h.calls("externalcontact/mark_tag").await;
    let again = import(&h, "客户.csv", gbk.to_vec(), false).await;
    assert_eq!(again["changed"], 0, "{again}");
    assert_eq!(again["unchanged"], 1);
    assert_eq!(again["consents"], 0);
    assert_eq!(consent_history(&h, &id).await.len(), 1);
    assert_eq!(h.calls("externalcontact/mark_tag").await, calls_before);
    assert_eq!(detail(&h, &id).await["crm"], after["crm"]);
    h.shutdown().await;
}

async fn an_xlsx_with_english_headers_imports(backend: Backend) {
    let h = Harness::start(backend).await;
    let (id, _) = h.customer_with("lisi", "douyin", json!({})).await;
    let mut sheet = Sheet::new(
        "Sheet1",
        &[
            "External_UserID",
            "Tier",
            "Psych Type",
            "Birthday",
            "Marketing_Consent",
            "Remark",
            "Source",
        ],
    );
    sheet.rows.push(vec![
        id.clone(),
        "B".into(),
        "感性型".into(),
        "12-24".into(),
        "no".into(),
        "xlsx 导入".into(),
        "ignored".into(),
    ]);
    let bytes = sheet.to_xlsx().unwrap();
    let done = import(&h, "customers.xlsx", bytes.clone(), false).await;
    assert_eq!(done["encoding"], "xlsx");
    assert_eq!(done["matched"], 1, "{done}");
    assert_eq!(done["ignored_columns"], json!(["Source"]));
    let after = detail(&h, &id).await;
    assert_eq!(after["crm"]["tier"], "B");
    assert_eq!(after["crm"]["psych_type"], "感性型");
    assert_eq!(after["crm"]["birthday"], "12-24");
    assert_eq!(after["crm"]["notes"], "xlsx 导入");
    let history = consent_history(&h, &id).await;
    assert_eq!((history.len(), &history[0]["granted"]), (1, &json!(false)));
    // The tier is what the list filters on.
    let listed = h.all_customers("tier=B").await;
    assert!(listed.iter().any(|c| c["external_userid"] == id.as_str()));
    let again = import(&h, "customers.xlsx", bytes, false).await;
    assert_eq!(
        (again["changed"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(1))
    );
    h.shutdown().await;
}

async fn unmatched_rows_become_leads_that_merge_when_the_person_adds_a_consultant(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    let csv = "手机号,unionid,姓名,等级,营销授权,授权方式,标签\n\
               13900000031,,王小美,B,是,表单,A类客户\n\
               ,ou_lead_unionid_32,李小丽,C,,,\n";
    let done = import(&h, "leads.csv", csv.as_bytes().to_vec(), false).await;
    assert_eq!(
        (done["leads"].as_u64(), done["new_leads"].as_u64()),
        (Some(2), Some(2)),
        "{done}"
    );
    assert_eq!(done["matched"], 0);
    let listed = leads(&h).await;
    assert_eq!(listed.len(), 2);
    let by_phone = listed.iter().find(|l| l["phone"] == "13900000031").unwrap();
    assert_eq!(by_phone["name"], "王小美");
    assert_eq!(by_phone["tier"], "B");
    assert_eq!(by_phone["merged_into"], Value::Null);
    // Leads are not customers: nothing to message.
    assert!(h.all_customers("").await.is_empty());
    // Idempotent for leads too.
    let again = import(&h, "leads.csv", csv.as_bytes().to_vec(), false).await;
    assert_eq!(
        (again["new_leads"].as_u64(), again["changed"].as_u64()),
        (Some(0), Some(0)),
        "{again}"
    );

    // The unionid lead adds a consultant: merged on the add event.
    let scan = h
        .control(
            "scan",
            json!({"userid": "zhangsan", "state": "xiaohongshu", "unionid": "ou_lead_unionid_32"}),
        )
        .await;
    h.processed(&tests::scan_key(&scan)).await;
    let by_unionid = scan["external_userid"].as_str().unwrap().to_owned();
    let merged = detail(&h, &by_unionid).await;
    assert_eq!(merged["crm"]["tier"], "C", "{merged}");

    // The phone lead adds a consultant, who then records the phone as a remark phone.
    let scan = h.scan("lisi", "douyin").await;
    h.processed(&tests::scan_key(&scan)).await;
    let by_phone_id = scan["external_userid"].as_str().unwrap().to_owned();
    assert_eq!(detail(&h, &by_phone_id).await["crm"]["tier"], Value::Null);
    h.control(
        "edit",
        json!({"userid": "lisi", "external_userid": by_phone_id, "remark": "王小美",
               "remark_mobiles": ["13900000031"]}),
    )
    .await;
    h.processed_event(
        "change_external_contact/edit_external_contact",
        Some(&by_phone_id),
    )
    .await;
    let merged = detail(&h, &by_phone_id).await;
    assert_eq!(merged["crm"]["tier"], "B", "{merged}");
    assert_eq!(merged["crm"]["phone"], "13900000031");
    let history = consent_history(&h, &by_phone_id).await;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["method"], "import");
    assert!(history[0]["note"].as_str().unwrap().contains("表单"));
    assert!(sim_tags(&h.sim_relationship("lisi", &by_phone_id).await).contains(&TAG_A.to_owned()));

    let listed = leads(&h).await;
    let merged_into: Vec<(&str, &str)> = listed
        .iter()
        .map(|l| {
            (
                l["id"].as_str().unwrap(),
                l["merged_into"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        merged_into.contains(&("p13900000031", by_phone_id.as_str())),
        "{merged_into:?}"
    );
    assert!(
        merged_into.contains(&("uou_lead_unionid_32", by_unionid.as_str())),
        "{merged_into:?}"
    );

    // Importing the phone again now matches the customer, not the lead.
    let after = import(&h, "leads.csv", csv.as_bytes().to_vec(), true).await;
    assert_eq!(after["matched"], 2, "{after}");
    h.shutdown().await;
}

async fn download(
    h: &Harness,
    token: &str,
    path: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = h
        .http
        .get(h.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

async fn the_export_holds_the_lists_rows_and_a_consultant_exports_only_their_own(backend: Backend) {
    let h = Harness::start(backend).await;
    let mut ids = Vec::new();
    for (userid, tier, phone) in [
        ("zhangsan", "A", "13800000041"),
        ("zhangsan", "B", "13800000042"),
        ("lisi", "A", "13800000043"),
    ] {
        let (id, _) = h
            .customer_with(userid, "xiaohongshu", json!({"tier": tier, "phone": phone}))
            .await;
        ids.push(id);
    }
    let admin = h.app.admin_token.clone();
    let (status, headers, csv) =
        download(&h, &admin, "/api/customers/export?format=csv&tier=A").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let (table, _) = crm::import::parse::read_table("x.csv", &csv, 1000).unwrap();
    assert_eq!(&table.headers[..3], ["客户ID", "手机号", "unionid"]);
    let listed = h.all_customers("tier=A").await;
    let mut exported: Vec<(String, String, String)> = table
        .rows
        .iter()
        .map(|(_, r)| (r[0].clone(), r[1].clone(), r[4].clone()))
        .collect();
    let mut expected: Vec<(String, String, String)> = listed
        .iter()
        .map(|c| {
            let id = c["external_userid"].as_str().unwrap().to_owned();
            let phone = if id == ids[0] {
                "13800000041"
            } else {
                "13800000043"
            };
            (id, phone.to_owned(), c["tier"].as_str().unwrap().to_owned())
        })
        .collect();
    exported.sort();
    expected.sort();
    assert_eq!(exported.len(), 2);
    assert_eq!(exported, expected);

    // xlsx with every customer; importing it back changes nothing.
    let (status, headers, xlsx) = download(&h, &admin, "/api/customers/export?format=xlsx").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let (table, _) = crm::import::parse::read_table("x.xlsx", &xlsx, 1000).unwrap();
    assert_eq!(table.rows.len(), 3);
    let back = import(&h, "export.xlsx", xlsx, false).await;
    assert_eq!(
        (back["matched"].as_u64(), back["changed"].as_u64()),
        (Some(3), Some(0)),
        "{back}"
    );

    // A consultant's export holds their own customers only; asking for another's is refused.
    let consultant = h.staff_token(admin_api::Role::Consultant, Some("lisi"));
    let (status, _, mine) = download(&h, &consultant, "/api/customers/export?format=csv").await;
    assert_eq!(status, 200);
    let (table, _) = crm::import::parse::read_table("x.csv", &mine, 1000).unwrap();
    let ids_exported: Vec<&str> = table.rows.iter().map(|(_, r)| r[0].as_str()).collect();
    assert_eq!(ids_exported, [ids[2].as_str()]);
    let (status, _, _) = download(
        &h,
        &consultant,
        "/api/customers/export?format=csv&userid=zhangsan",
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, body) = download(&h, &admin, "/api/customers/export?format=pdf").await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let exports = audit_actions(&h, "customer.export").await;
    assert_eq!(exports.len(), 3, "{exports:?}");

    // The channel report and a campaign's recipients export too.
    let (status, headers, report) =
        download(&h, &admin, "/api/stats/channels/export?format=csv").await;
    assert_eq!(status, 200);
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("channels-")
    );
    let (table, _) = crm::import::parse::read_table("x.csv", &report, 1000).unwrap();
    let xhs = table
        .rows
        .iter()
        .find(|(_, r)| r[0] == "xiaohongshu")
        .unwrap();
    assert_eq!(xhs.1[3], "3", "{:?}", xhs.1);
    let (status, _, _) = download(&h, &admin, "/api/campaigns/nope/recipients/export").await;
    assert_eq!(status, 404);
    h.shutdown().await;
}

async fn a_lead_the_hourly_sync_finds_as_a_new_customer_is_merged(backend: Backend) {
    let h = Harness::start(backend).await;
    let csv =
        "unionid,姓名,等级,心理类型,营销授权,标签\nou_sync_lead_51,赵小姐,A,理性型,是,A类客户\n";
    let done = import(&h, "leads.csv", csv.as_bytes().to_vec(), false).await;
    assert_eq!(done["new_leads"], 1, "{done}");
    // The friendship happens behind the product's back (no callback); the sync finds it.
    let added = h
        .control(
            "silent",
            json!({"op": "add_relationship", "userid": "wangwu", "unionid": "ou_sync_lead_51",
                   "name": "赵小姐", "state": "douyin"}),
        )
        .await;
    let id = added["external_userid"].as_str().unwrap().to_owned();
    h.sync_to_completion().await;
    let merged = detail(&h, &id).await;
    assert_eq!(merged["crm"]["tier"], "A", "{merged}");
    assert_eq!(merged["crm"]["psych_type"], "理性型");
    let history = consent_history(&h, &id).await;
    assert_eq!(
        (history.len(), &history[0]["method"]),
        (1, &json!("import"))
    );
    assert!(sim_tags(&h.sim_relationship("wangwu", &id).await).contains(&TAG_A.to_owned()));
    let listed = leads(&h).await;
    assert_eq!(listed[0]["merged_into"], id.as_str());
    // A second sync changes nothing more.
    h.sync_to_completion().await;
    assert_eq!(consent_history(&h, &id).await.len(), 1);
    h.shutdown().await;
}
