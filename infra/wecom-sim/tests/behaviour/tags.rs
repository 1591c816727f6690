//! Corp tags: list, add, edit, delete, mark.

use serde_json::{Value, json};
use wecom_sim::{SimConfig, demo};

use crate::common::{Receiver, Sim, TestResult, errcode, scan};

fn names(group: &Value) -> Vec<String> {
    group["tag"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn get_corp_tag_list_lists_seeded_groups_by_order_and_filters_by_id() -> TestResult {
    let sim = Sim::demo().await?;
    let all = sim
        .api_post("externalcontact/get_corp_tag_list", &json!({}))
        .await?;
    assert_eq!(errcode(&all), 0);
    let groups = all["tag_group"].as_array().cloned().unwrap_or_default();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["group_name"], "客户等级");
    assert_eq!(groups[0]["group_id"], demo::GROUP_TIER);
    assert_eq!(names(&groups[0]), ["A类客户", "B类客户", "C类客户"]);
    assert!(groups[0]["tag"][0]["create_time"].is_i64());
    assert!(groups[0]["tag"][0]["order"].is_u64());
    assert_eq!(groups[0]["tag"][0]["deleted"], false);

    let by_tag = sim
        .api_post(
            "externalcontact/get_corp_tag_list",
            &json!({ "tag_id": [demo::TAG_PROJECT_FILLER] }),
        )
        .await?;
    assert_eq!(by_tag["tag_group"].as_array().map(Vec::len), Some(1));
    assert_eq!(names(&by_tag["tag_group"][0]), ["玻尿酸"]);

    // group_id wins over tag_id.
    let both = sim
        .api_post(
            "externalcontact/get_corp_tag_list",
            &json!({ "tag_id": [demo::TAG_PROJECT_FILLER], "group_id": [demo::GROUP_TIER] }),
        )
        .await?;
    assert_eq!(both["tag_group"][0]["group_id"], demo::GROUP_TIER);
    assert_eq!(names(&both["tag_group"][0]).len(), 3);
    Ok(())
}

#[tokio::test]
async fn add_corp_tag_collapses_duplicate_names_and_reuses_an_existing_group_name() -> TestResult {
    let sim = Sim::demo().await?;
    let created = sim
        .api_post(
            "externalcontact/add_corp_tag",
            &json!({ "group_name": "来源渠道", "order": 7,
                     "tag": [{ "name": "小红书" }, { "name": "抖音", "order": 2 }, { "name": "小红书" }] }),
        )
        .await?;
    assert_eq!(errcode(&created), 0);
    let g = &created["tag_group"];
    assert!(
        g["group_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("et"))
    );
    assert_eq!(g["group_name"], "来源渠道");
    assert_eq!(g["order"], 7);
    assert_eq!(names(g), ["小红书", "抖音"]);
    let xhs_id = g["tag"][0]["id"].clone();

    // Same group name: tags go into the existing group; an existing name collapses onto its tag.
    let more = sim
        .api_post(
            "externalcontact/add_corp_tag",
            &json!({ "group_name": "来源渠道", "tag": [{ "name": "朋友圈" }, { "name": "小红书" }] }),
        )
        .await?;
    assert_eq!(more["tag_group"]["group_id"], g["group_id"]);
    assert_eq!(more["tag_group"]["tag"][1]["id"], xhs_id);
    let listed = sim
        .api_post(
            "externalcontact/get_corp_tag_list",
            &json!({ "group_id": [g["group_id"]] }),
        )
        .await?;
    let mut n = names(&listed["tag_group"][0]);
    n.sort();
    assert_eq!(n, ["小红书", "抖音", "朋友圈"]);

    // group_id given: group_name and order are ignored.
    let by_id = sim
        .api_post(
            "externalcontact/add_corp_tag",
            &json!({ "group_id": g["group_id"], "group_name": "ignored", "order": 99, "tag": [{ "name": "视频号" }] }),
        )
        .await?;
    assert_eq!(by_id["tag_group"]["group_name"], "来源渠道");
    assert_eq!(by_id["tag_group"]["order"], 7);
    Ok(())
}

#[tokio::test]
async fn add_corp_tag_refuses_an_empty_tag_list_and_bad_names() -> TestResult {
    let sim = Sim::demo().await?;
    let empty = sim
        .api_post(
            "externalcontact/add_corp_tag",
            &json!({ "group_name": "空", "tag": [] }),
        )
        .await?;
    assert_eq!(errcode(&empty), 40058);
    let none = sim
        .api_post(
            "externalcontact/add_corp_tag",
            &json!({ "group_name": "空" }),
        )
        .await?;
    assert_eq!(errcode(&none), 40058);
    let long = sim
        .api_post(
            "externalcontact/add_corp_tag",
            &json!({ "group_name": "g", "tag": [{ "name": "x".repeat(31) }] }),
        )
        .await?;
    assert_eq!(errcode(&long), 40072);
    let unknown_group = sim
        .api_post(
            "externalcontact/add_corp_tag",
            &json!({ "group_id": "etNOPE", "tag": [{ "name": "x" }] }),
        )
        .await?;
    assert_eq!(errcode(&unknown_group), 40068);
    // Nothing was created by the refused calls.
    let all = sim
        .api_post("externalcontact/get_corp_tag_list", &json!({}))
        .await?;
    assert_eq!(all["tag_group"].as_array().map(Vec::len), Some(2));
    Ok(())
}

#[tokio::test]
async fn console_tags_refuse_edit_and_delete_but_own_tags_do_not() -> TestResult {
    let sim = Sim::demo().await?;
    let edit_console = sim
        .api_post(
            "externalcontact/edit_corp_tag",
            &json!({ "id": demo::TAG_TIER_A, "name": "VIP" }),
        )
        .await?;
    assert_eq!(errcode(&edit_console), 81011);
    let edit_console_group = sim
        .api_post(
            "externalcontact/edit_corp_tag",
            &json!({ "id": demo::GROUP_TIER, "name": "等级" }),
        )
        .await?;
    assert_eq!(errcode(&edit_console_group), 81011);
    let del_console = sim
        .api_post(
            "externalcontact/del_corp_tag",
            &json!({ "tag_id": [demo::TAG_TIER_A] }),
        )
        .await?;
    assert_eq!(errcode(&del_console), 81011);

    let own = sim
        .api_post(
            "externalcontact/add_corp_tag",
            &json!({ "group_name": "活动", "tag": [{ "name": "双十一" }, { "name": "618" }] }),
        )
        .await?;
    let group_id = own["tag_group"]["group_id"].clone();
    let t1 = own["tag_group"]["tag"][0]["id"].clone();
    let t2 = own["tag_group"]["tag"][1]["id"].clone();
    let renamed = sim
        .api_post(
            "externalcontact/edit_corp_tag",
            &json!({ "id": t1, "name": "双十一大促", "order": 5 }),
        )
        .await?;
    assert_eq!(errcode(&renamed), 0);
    let dup = sim
        .api_post(
            "externalcontact/edit_corp_tag",
            &json!({ "id": t2, "name": "双十一大促" }),
        )
        .await?;
    assert_eq!(errcode(&dup), 40071);
    let unknown = sim
        .api_post(
            "externalcontact/edit_corp_tag",
            &json!({ "id": "etNOPE", "name": "x" }),
        )
        .await?;
    assert_eq!(errcode(&unknown), 40068);

    let del = sim
        .api_post("externalcontact/del_corp_tag", &json!({ "tag_id": [t1] }))
        .await?;
    assert_eq!(errcode(&del), 0);
    // Deleted tags disappear from the full list but show, flagged, when asked for by id.
    let by_id = sim
        .api_post(
            "externalcontact/get_corp_tag_list",
            &json!({ "tag_id": [t1] }),
        )
        .await?;
    assert_eq!(by_id["tag_group"][0]["tag"][0]["deleted"], true);
    assert_eq!(by_id["tag_group"][0]["tag"][0]["name"], "双十一大促");
    let group = sim
        .api_post(
            "externalcontact/get_corp_tag_list",
            &json!({ "group_id": [group_id] }),
        )
        .await?;
    assert_eq!(names(&group["tag_group"][0]), ["618"]);
    // Deleting the last tag deletes the group.
    sim.api_post("externalcontact/del_corp_tag", &json!({ "tag_id": [t2] }))
        .await?;
    let all = sim
        .api_post("externalcontact/get_corp_tag_list", &json!({}))
        .await?;
    assert_eq!(all["tag_group"].as_array().map(Vec::len), Some(2));
    let both_empty = sim
        .api_post("externalcontact/del_corp_tag", &json!({}))
        .await?;
    assert_eq!(errcode(&both_empty), 40068);
    Ok(())
}

#[tokio::test]
async fn mark_tag_checks_its_input_and_fires_no_callback() -> TestResult {
    let config = SimConfig::for_tests();
    let receiver = Receiver::start(&config).await?;
    let sim = Sim::start(SimConfig {
        callback_url: Some(receiver.url.clone()),
        ..config
    })
    .await?;
    let s = scan(&sim, "zhangsan", "xhs").await?;
    let ext = s["external_userid"].as_str().unwrap_or_default().to_owned();
    assert_eq!(receiver.wait_for(1).await.len(), 1);

    let both_empty = sim
        .api_post(
            "externalcontact/mark_tag",
            &json!({ "userid": "zhangsan", "external_userid": ext }),
        )
        .await?;
    assert_eq!(errcode(&both_empty), 40058);
    let unknown = sim
        .api_post(
            "externalcontact/mark_tag",
            &json!({ "userid": "zhangsan", "external_userid": ext, "add_tag": ["etNOPE"] }),
        )
        .await?;
    assert_eq!(errcode(&unknown), 40068);
    let no_relation = sim
        .api_post(
            "externalcontact/mark_tag",
            &json!({ "userid": "lisi", "external_userid": ext, "add_tag": [demo::TAG_TIER_A] }),
        )
        .await?;
    assert_eq!(errcode(&no_relation), 84061);
    let unknown_contact = sim
        .api_post(
            "externalcontact/mark_tag",
            &json!({ "userid": "zhangsan", "external_userid": "wmNOPE", "add_tag": [demo::TAG_TIER_A] }),
        )
        .await?;
    assert_eq!(errcode(&unknown_contact), 40096);

    let ok = sim
        .api_post(
            "externalcontact/mark_tag",
            &json!({ "userid": "zhangsan", "external_userid": ext,
                     "add_tag": [demo::TAG_TIER_A, demo::TAG_PROJECT_PHOTO, demo::TAG_PROJECT_FILLER] }),
        )
        .await?;
    assert_eq!(errcode(&ok), 0);
    let swap = sim
        .api_post(
            "externalcontact/mark_tag",
            &json!({ "userid": "zhangsan", "external_userid": ext,
                     "add_tag": [demo::TAG_TIER_B], "remove_tag": [demo::TAG_TIER_A] }),
        )
        .await?;
    assert_eq!(errcode(&swap), 0);
    let g = sim
        .api_get("externalcontact/get", &format!("external_userid={ext}"))
        .await?;
    let ids: Vec<&str> = g["follow_user"][0]["tags"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["tag_id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        [
            demo::TAG_PROJECT_PHOTO,
            demo::TAG_PROJECT_FILLER,
            demo::TAG_TIER_B
        ]
    );

    // API changes fire no callback: still only the add event (a callback is recorded before
    // the request that causes it answers).
    assert_eq!(sim.running.sim.deliveries().len(), 1);
    assert_eq!(receiver.received().len(), 1);
    Ok(())
}
