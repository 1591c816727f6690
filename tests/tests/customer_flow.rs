//! A customer scans a channel QR code and everything the clinic expects follows — through the
//! real callback URL, on the embedded adapters and on DynamoDB + SQS (moto).
#![allow(clippy::unwrap_used, clippy::panic)]

use crm::model::{CallbackStatus, CustomerStatus, EndCause, RelationshipStatus};
use serde_json::json;
use tests::{Backend, Harness, on_both_backends, scan_key};

on_both_backends!(
    scan_records_the_customer_tags_them_by_channel_and_welcomes_them_once,
    customers_of_one_channel_share_one_channel_tag,
    returning_customer_with_a_known_unionid_is_merged_keeping_history,
    one_event_delivered_three_times_at_once_yields_one_customer_one_welcome_one_log_entry,
    expired_and_invalidated_tokens_are_refreshed_and_the_customer_still_arrives,
    frequency_limit_and_system_busy_while_processing_delay_but_never_duplicate,
    deletions_end_relationships_without_deleting_anything,
    half_added_customer_is_pending_until_the_staff_member_accepts,
    edits_in_the_wecom_client_refresh_the_local_record,
    tag_catalogue_changes_in_the_console_refresh_the_local_catalogue,
    app_messages_transfer_failures_and_unknown_events_are_kept_in_the_log,
);

async fn scan_records_the_customer_tags_them_by_channel_and_welcomes_them_once(backend: Backend) {
    let h = Harness::start(backend).await;
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let ext = scan["external_userid"].as_str().unwrap();
    assert_eq!(scan["deliveries"][0]["status"], 200, "{scan}");

    let entry = h.processed(&scan_key(&scan)).await;
    assert_eq!(entry.status, CallbackStatus::Processed, "{entry:?}");
    assert_eq!(
        entry.event_type,
        "change_external_contact/add_external_contact"
    );
    assert_eq!(entry.delivery_count, 1);
    assert_eq!(entry.state.as_deref(), Some("xiaohongshu"));
    assert!(
        entry
            .raw_xml
            .contains("<ChangeType><![CDATA[add_external_contact]]>")
    );

    // The customer, with WeCom's detail.
    let state = h.control_get("state").await;
    let contact = state["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["external_userid"] == ext)
        .cloned()
        .unwrap();
    let customer = h.customers.get(ext).await.unwrap().unwrap();
    assert_eq!(customer.name, contact["name"].as_str().unwrap());
    assert_eq!(customer.avatar, contact["avatar"].as_str().unwrap());
    assert_eq!(customer.gender, contact["gender"].as_i64().unwrap());
    assert_eq!(customer.contact_type, contact["type"].as_i64().unwrap());
    assert_eq!(customer.unionid.as_deref(), contact["unionid"].as_str());
    assert_eq!(customer.status, CustomerStatus::Active);
    assert_eq!(customer.first_channel, "xiaohongshu");

    // The relationship with the consultant, tagged 来源:小红书 here and in WeCom.
    let rel = h
        .customers
        .get_relationship(ext, "zhangsan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rel.status, RelationshipStatus::Active);
    assert_eq!(rel.state, "xiaohongshu");
    assert_eq!(rel.add_way, 1);
    assert_eq!(rel.createtime, scan["create_time"].as_i64().unwrap());
    let tag = rel
        .tags
        .iter()
        .find(|t| t.tag_name == "来源:小红书")
        .expect("channel tag recorded locally");
    assert_eq!(tag.group_name, "来源渠道");
    let tag_id = tag.tag_id.clone().unwrap();
    let sim_rel = h.sim_relationship("zhangsan", ext).await;
    assert!(
        sim_rel["tag_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == &json!(tag_id)),
        "WeCom has the channel tag: {sim_rel}"
    );
    assert_eq!(
        h.tags.find("来源渠道", "来源:小红书").await.unwrap(),
        Some(tag_id)
    );

    // One welcome, greeting by name, with the channel's text.
    let welcomes = h.welcomes_to(ext).await;
    assert_eq!(welcomes.len(), 1, "{welcomes:?}");
    let text = welcomes[0]["text"].as_str().unwrap();
    assert!(
        text.contains(&customer.name) && text.contains("小红书"),
        "{text}"
    );

    // The history line.
    let timeline = h.customers.timeline(ext).await.unwrap();
    assert!(timeline.iter().any(|e| e.kind == "added"));
    h.shutdown().await;
}

async fn customers_of_one_channel_share_one_channel_tag(backend: Backend) {
    let h = Harness::start(backend).await;
    let first = h.scan("zhangsan", "douyin").await;
    h.processed(&scan_key(&first)).await;
    let second = h.scan("lisi", "douyin").await;
    h.processed(&scan_key(&second)).await;

    let state = h.control_get("state").await;
    let douyin_tags: Vec<_> = state["tag_groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tags"].as_array().cloned().unwrap_or_default())
        .filter(|t| t["name"] == "来源:抖音" && t["deleted"] == false)
        .collect();
    assert_eq!(douyin_tags.len(), 1, "{douyin_tags:?}");
    assert_eq!(h.calls("externalcontact/add_corp_tag").await, 1);
    for scan in [&first, &second] {
        let rel = h
            .customers
            .get_relationship(
                scan["external_userid"].as_str().unwrap(),
                scan["userid"].as_str().unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        assert!(rel.tags.iter().any(|t| t.tag_name == "来源:抖音"));
    }
    h.shutdown().await;
}

async fn returning_customer_with_a_known_unionid_is_merged_keeping_history(backend: Backend) {
    let h = Harness::start(backend).await;
    let unionid = "oRETURNINGcustomer0000000001";
    let first = h
        .control(
            "scan",
            json!({"userid": "zhangsan", "state": "pengyouquan", "unionid": unionid}),
        )
        .await;
    h.processed(&scan_key(&first)).await;
    let old_id = first["external_userid"].as_str().unwrap();
    // The clinic recorded something about her.
    let mut old = h.customers.get(old_id).await.unwrap().unwrap();
    old.crm.tier = Some(crm::clinic_fields::Tier::A);
    let mut item = ports::Item::with_doc(format!("CUST#{old_id}"), "PROFILE", &old).unwrap();
    item.gsi1 = Some((format!("UNIONID#{unionid}"), format!("CUST#{old_id}")));
    h.store.put(item, ports::Condition::Always).await.unwrap();

    // She comes back later as a new contact (another external_userid, same unionid).
    let second = h
        .control(
            "scan",
            json!({"userid": "lisi", "state": "xiaohongshu", "unionid": unionid}),
        )
        .await;
    h.processed(&scan_key(&second)).await;
    let new_id = second["external_userid"].as_str().unwrap();
    assert_ne!(new_id, old_id);

    let merged = h.customers.get(new_id).await.unwrap().unwrap();
    assert_eq!(merged.merged_from, vec![old_id.to_owned()]);
    assert_eq!(merged.crm.tier, Some(crm::clinic_fields::Tier::A));
    assert_eq!(
        merged.first_channel, "pengyouquan",
        "attribution stays with the first channel"
    );
    let previous = h.customers.get(old_id).await.unwrap().unwrap();
    assert_eq!(previous.merged_into.as_deref(), Some(new_id));
    assert!(
        h.customers.relationships(old_id).await.unwrap().len() == 1,
        "old history kept"
    );
    assert!(
        h.customers
            .timeline(new_id)
            .await
            .unwrap()
            .iter()
            .any(|e| e.kind == "merged_from")
    );
    h.shutdown().await;
}

async fn one_event_delivered_three_times_at_once_yields_one_customer_one_welcome_one_log_entry(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    let scan = h
        .control(
            "scan",
            json!({"userid": "wangwu", "state": "xiaohongshu", "deliveries": 3}),
        )
        .await;
    let statuses: Vec<_> = scan["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!(200), json!(200), json!(200)], "{scan}");
    let ext = scan["external_userid"].as_str().unwrap();
    let entry = h.processed(&scan_key(&scan)).await;
    assert_eq!(entry.delivery_count, 3);
    assert_eq!(entry.status, CallbackStatus::Processed);

    // Every delivery answered and every job done: the count below is final.
    h.settled().await;
    assert_eq!(h.welcomes_to(ext).await.len(), 1);
    let (entries, _) = h
        .log
        .recent(
            Some("change_external_contact/add_external_contact"),
            50,
            None,
        )
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    let (customers, _) = h.customers.list(50, None).await.unwrap();
    assert_eq!(customers.len(), 1);
    assert_eq!(h.customers.relationships(ext).await.unwrap().len(), 1);
    assert_eq!(h.calls("externalcontact/mark_tag").await, 1);
    h.shutdown().await;
}

async fn expired_and_invalidated_tokens_are_refreshed_and_the_customer_still_arrives(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    let first = h.scan("zhangsan", "douyin").await;
    h.processed(&scan_key(&first)).await;
    assert_eq!(h.calls("gettoken").await, 1, "one token for the whole flow");

    h.control("tokens/expire", json!({})).await;
    let second = h.scan("lisi", "douyin").await;
    let entry = h.processed(&scan_key(&second)).await;
    assert_eq!(entry.status, CallbackStatus::Processed, "{entry:?}");
    assert!(
        h.customers
            .get(second["external_userid"].as_str().unwrap())
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(h.calls("gettoken").await, 2, "42001 → exactly one refresh");

    h.control("tokens/invalidate", json!({})).await;
    let third = h.scan("wangwu", "douyin").await;
    let entry = h.processed(&scan_key(&third)).await;
    assert_eq!(entry.status, CallbackStatus::Processed, "{entry:?}");
    assert_eq!(h.calls("gettoken").await, 3, "40014 → exactly one refresh");
    assert_eq!(
        h.welcomes_to(third["external_userid"].as_str().unwrap())
            .await
            .len(),
        1
    );
    h.shutdown().await;
}

async fn frequency_limit_and_system_busy_while_processing_delay_but_never_duplicate(
    backend: Backend,
) {
    let h = Harness::start(backend).await;
    h.control(
        "faults",
        json!({"rules": [
            {"path": "externalcontact/get", "errcode": 45009, "times": 1},
            {"path": "externalcontact/mark_tag", "errcode": -1, "times": 2},
            {"path": "externalcontact/get_corp_tag_list", "http_status": 502, "times": 1},
        ]}),
    )
    .await;
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let ext = scan["external_userid"].as_str().unwrap();
    let entry = h.processed(&scan_key(&scan)).await;
    assert_eq!(entry.status, CallbackStatus::Processed, "{entry:?}");
    assert!(
        entry.attempts >= 2,
        "the 45009 deferred the first attempt: {entry:?}"
    );
    assert!(h.control_get("faults").await.as_array().unwrap().is_empty());

    let customer = h.customers.get(ext).await.unwrap().unwrap();
    assert!(!customer.name.is_empty());
    let rel = h
        .customers
        .get_relationship(ext, "zhangsan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        rel.tags
            .iter()
            .filter(|t| t.tag_name == "来源:小红书")
            .count(),
        1
    );
    assert_eq!(
        h.welcomes_to(ext).await.len(),
        1,
        "the welcome went out once, in time"
    );
    h.shutdown().await;
}

async fn deletions_end_relationships_without_deleting_anything(backend: Backend) {
    let h = Harness::start(backend).await;
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let ext = scan["external_userid"].as_str().unwrap().to_owned();
    h.processed(&scan_key(&scan)).await;
    let other = h
        .control(
            "scan",
            json!({"userid": "lisi", "external_userid": ext, "state": "douyin"}),
        )
        .await;
    h.processed(&scan_key(&other)).await;

    // The customer deletes lisi: del_follow_user.
    h.control(
        "delete",
        json!({"userid": "lisi", "external_userid": ext, "by": "customer"}),
    )
    .await;
    h.processed_event("change_external_contact/del_follow_user", Some(&ext))
        .await;
    let rel = h
        .customers
        .get_relationship(&ext, "lisi")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rel.status, RelationshipStatus::Ended);
    assert_eq!(rel.end_cause, Some(EndCause::CustomerDeletedStaff));
    assert!(rel.ended_at.is_some());
    assert_eq!(
        h.customers.get(&ext).await.unwrap().unwrap().status,
        CustomerStatus::Active,
        "still a contact of zhangsan"
    );

    // zhangsan deletes the customer in a handover: del_external_contact with its Source.
    h.control(
        "delete",
        json!({"userid": "zhangsan", "external_userid": ext, "by": "staff", "source": "DELETE_BY_TRANSFER"}),
    )
    .await;
    h.processed_event("change_external_contact/del_external_contact", Some(&ext))
        .await;
    let rel = h
        .customers
        .get_relationship(&ext, "zhangsan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rel.status, RelationshipStatus::Ended);
    assert_eq!(rel.end_cause, Some(EndCause::StaffDeletedCustomer));
    assert_eq!(rel.end_source.as_deref(), Some("DELETE_BY_TRANSFER"));
    assert!(
        rel.tags.iter().any(|t| t.tag_name == "来源:小红书"),
        "history kept"
    );
    let customer = h.customers.get(&ext).await.unwrap().unwrap();
    assert_eq!(customer.status, CustomerStatus::Ended);
    assert!(!customer.name.is_empty(), "the record is kept");
    let kinds: Vec<_> = h
        .customers
        .timeline(&ext)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(
        kinds.contains(&"deleted_staff".to_owned())
            && kinds.contains(&"deleted_by_staff".to_owned()),
        "{kinds:?}"
    );
    h.shutdown().await;
}

async fn half_added_customer_is_pending_until_the_staff_member_accepts(backend: Backend) {
    let h = Harness::start(backend).await;
    let scan = h
        .control(
            "scan",
            json!({"userid": "zhangsan", "state": "douyin", "half": true}),
        )
        .await;
    assert_eq!(scan["change_type"], "add_half_external_contact");
    let ext = scan["external_userid"].as_str().unwrap();
    let entry = h.processed(&scan_key(&scan)).await;
    assert_eq!(entry.status, CallbackStatus::Processed, "{entry:?}");
    let rel = h
        .customers
        .get_relationship(ext, "zhangsan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rel.status, RelationshipStatus::Pending);
    assert_eq!(rel.state, "douyin");
    assert!(h.customers.get(ext).await.unwrap().is_some());
    assert_eq!(
        h.calls("externalcontact/mark_tag").await,
        0,
        "84061 would be certain"
    );
    h.shutdown().await;
}

async fn edits_in_the_wecom_client_refresh_the_local_record(backend: Backend) {
    let h = Harness::start(backend).await;
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let ext = scan["external_userid"].as_str().unwrap();
    h.processed(&scan_key(&scan)).await;

    h.control(
        "edit",
        json!({
            "userid": "zhangsan", "external_userid": ext, "remark": "李女士-热玛吉",
            "description": "想做面部提升", "add_tags": ["etSimDemoTagTierA0000000000000aa"]
        }),
    )
    .await;
    h.processed_event("change_external_contact/edit_external_contact", Some(ext))
        .await;
    let rel = h
        .customers
        .get_relationship(ext, "zhangsan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rel.remark, "李女士-热玛吉");
    assert_eq!(rel.description, "想做面部提升");
    assert!(
        rel.tags.iter().any(|t| t.tag_name == "A类客户"),
        "{:?}",
        rel.tags
    );
    assert!(rel.tags.iter().any(|t| t.tag_name == "来源:小红书"));
    assert_eq!(rel.status, RelationshipStatus::Active);
    h.shutdown().await;
}

async fn tag_catalogue_changes_in_the_console_refresh_the_local_catalogue(backend: Backend) {
    let h = Harness::start(backend).await;
    let created = h
        .control(
            "tag-event",
            json!({"change_type": "create", "tag_type": "tag_group", "name": "消费偏好", "tags": ["高客单", "复购"]}),
        )
        .await;
    assert_eq!(created["fired"], true, "{created}");
    let entry = h.processed_event("change_external_tag/create", None).await;
    assert_eq!(entry.status, CallbackStatus::Processed, "{entry:?}");
    assert!(h.tags.find("消费偏好", "复购").await.unwrap().is_some());
    assert!(h.tags.find("客户等级", "A类客户").await.unwrap().is_some());
    h.shutdown().await;
}

async fn app_messages_transfer_failures_and_unknown_events_are_kept_in_the_log(backend: Backend) {
    let h = Harness::start(backend).await;
    h.control(
        "app-message",
        json!({"from_userid": "lisi", "content": "今天的预约表"}),
    )
    .await;
    let text = h.processed_event("text", None).await;
    assert_eq!(text.status, CallbackStatus::Ignored);
    assert_eq!(text.userid.as_deref(), Some("lisi"));
    assert!(text.raw_xml.contains("今天的预约表"));

    let unknown = "<xml><ToUserName><![CDATA[ww_sim_corp_yanmei]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1795850000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[some_future_event]]></Event><Foo><![CDATA[bar]]></Foo></xml>";
    let sent = h.control("raw-callback", json!({"xml": unknown})).await;
    assert_eq!(
        sent["deliveries"][0]["status"], 200,
        "unknown events are accepted"
    );
    let entry = h.processed_event("some_future_event", None).await;
    assert_eq!(entry.status, CallbackStatus::Ignored);

    let scan = h.scan("zhangsan", "douyin").await;
    let ext = scan["external_userid"].as_str().unwrap();
    h.processed(&scan_key(&scan)).await;
    h.control(
        "transfer-fail",
        json!({"userid": "zhangsan", "external_userid": ext, "fail_reason": "customer_refused"}),
    )
    .await;
    h.processed_event("change_external_contact/transfer_fail", Some(ext))
        .await;
    let rel = h
        .customers
        .get_relationship(ext, "zhangsan")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        rel.transfer_fail_reason.as_deref(),
        Some("customer_refused")
    );
    h.shutdown().await;
}
