//! Typed parsing of every callback listed in wecom-api.md §6, the builders, and dedupe keys.

use wecom_callback::builder::{
    self, ExternalContactExtras, app_text_xml, event_xml, external_chat_xml, external_contact_xml,
    external_contact_xml_full, external_tag_xml,
};
use wecom_callback::{
    CallbackError, CallbackMessage, ExternalContactChange, ExternalContactEvent, MessageKind,
    MsgCrypt, envelope_xml, parse_message, parse_message_ref,
};

const CORP: &str = "ww1436e0e65a779aee";
const T: i64 = 1_700_000_000;

/// Through the whole pipeline: seal like WeCom, decrypt like the callback, parse.
fn via_wire(inner: &str) -> CallbackMessage {
    let c = MsgCrypt::new(
        "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
        "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
        CORP,
    )
    .expect("valid key");
    let sealed = c.seal(inner, "1700000000", "n0nce", [4; 16]);
    let body = envelope_xml(CORP, "1000002", &sealed.encrypt);
    let plain = c
        .decrypt_post(
            &sealed.msg_signature,
            "1700000000",
            "n0nce",
            body.as_bytes(),
        )
        .expect("decrypts");
    assert_eq!(plain, inner);
    parse_message(&plain).expect("parses")
}

fn contact(msg: &CallbackMessage) -> &ExternalContactEvent {
    match &msg.kind {
        MessageKind::ExternalContact(ev) => ev,
        other => panic!("expected an external-contact event, got {other:?}"),
    }
}

#[test]
fn builder_matches_wecoms_official_add_external_contact_layout() {
    // Layout of the official example (OD/92130, 添加企业客户事件), whitespace removed.
    let xml = external_contact_xml(
        "toUser",
        "add_external_contact",
        "zhangsan",
        "woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA",
        Some("teststate"),
        Some("WELCOMECODE"),
        1_403_610_513,
    );
    assert_eq!(
        xml,
        "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID><State><![CDATA[teststate]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode></xml>"
    );
}

#[test]
fn pretty_printed_official_example_parses() {
    let xml = "<xml>\n\t<ToUserName><![CDATA[toUser]]></ToUserName>\n\t<FromUserName><![CDATA[sys]]></FromUserName> \n\t<CreateTime>1403610513</CreateTime>\n\t<MsgType><![CDATA[event]]></MsgType>\n\t<Event><![CDATA[change_external_contact]]></Event>\n\t<ChangeType><![CDATA[add_external_contact]]></ChangeType>\n\t<UserID><![CDATA[zhangsan]]></UserID>\n\t<ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID>\n\t<State><![CDATA[teststate]]></State>\n\t<WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>\n</xml>\n";
    let msg = parse_message(xml).expect("parses");
    assert_eq!(msg.create_time, 1_403_610_513);
    assert_eq!(msg.from_user_name, "sys");
    let ev = contact(&msg);
    assert_eq!(ev.change, ExternalContactChange::Add);
    assert_eq!(ev.state.as_deref(), Some("teststate"));
    assert_eq!(msg.fields.len(), 10);
}

#[test]
fn add_external_contact_with_welcome_code() {
    let msg = via_wire(&external_contact_xml(
        CORP,
        "add_external_contact",
        "zhangsan",
        "wmAAA",
        Some("xhs_1"),
        Some("WC1"),
        T,
    ));
    assert_eq!(msg.to_user_name, CORP);
    assert_eq!(msg.from_user_name, "sys");
    assert_eq!(msg.create_time, T);
    assert_eq!(msg.msg_type, "event");
    assert_eq!(msg.event.as_deref(), Some("change_external_contact"));
    assert_eq!(msg.change_type.as_deref(), Some("add_external_contact"));
    assert_eq!(msg.msg_id, None);
    let ev = contact(&msg);
    assert_eq!(ev.change, ExternalContactChange::Add);
    assert_eq!(ev.user_id, "zhangsan");
    assert_eq!(ev.external_user_id, "wmAAA");
    assert_eq!(ev.state.as_deref(), Some("xhs_1"));
    assert_eq!(ev.welcome_code.as_deref(), Some("WC1"));
    assert_eq!(ev.source, None);
    assert_eq!(ev.fail_reason, None);
    assert_eq!(
        msg.fields.get("WelcomeCode").map(String::as_str),
        Some("WC1")
    );
}

#[test]
fn add_external_contact_without_welcome_code_or_state() {
    let msg = via_wire(&external_contact_xml(
        CORP,
        "add_external_contact",
        "zhangsan",
        "wmBBB",
        None,
        None,
        T,
    ));
    let ev = contact(&msg);
    assert_eq!(ev.change, ExternalContactChange::Add);
    assert_eq!(ev.welcome_code, None);
    assert_eq!(ev.state, None);
    assert!(!msg.fields.contains_key("WelcomeCode"));
}

#[test]
fn edit_external_contact() {
    let msg = via_wire(&external_contact_xml(
        CORP,
        "edit_external_contact",
        "lisi",
        "wmCCC",
        None,
        None,
        T,
    ));
    assert_eq!(contact(&msg).change, ExternalContactChange::Edit);
    assert_eq!(contact(&msg).user_id, "lisi");
}

#[test]
fn add_half_external_contact() {
    let msg = via_wire(&external_contact_xml(
        CORP,
        "add_half_external_contact",
        "lisi",
        "wmDDD",
        Some("dy_7"),
        Some("WC2"),
        T,
    ));
    let ev = contact(&msg);
    assert_eq!(ev.change, ExternalContactChange::AddHalf);
    assert_eq!(ev.state.as_deref(), Some("dy_7"));
    assert_eq!(ev.welcome_code.as_deref(), Some("WC2"));
}

#[test]
fn del_external_contact_with_source() {
    let xml = external_contact_xml_full(
        CORP,
        "del_external_contact",
        "lisi",
        "wmEEE",
        &ExternalContactExtras {
            source: Some("DELETE_BY_TRANSFER"),
            ..Default::default()
        },
        T,
    );
    let msg = via_wire(&xml);
    let ev = contact(&msg);
    assert_eq!(ev.change, ExternalContactChange::Delete);
    assert_eq!(ev.source.as_deref(), Some("DELETE_BY_TRANSFER"));
}

#[test]
fn del_follow_user() {
    let msg = via_wire(&external_contact_xml(
        CORP,
        "del_follow_user",
        "lisi",
        "wmFFF",
        None,
        None,
        T,
    ));
    assert_eq!(
        contact(&msg).change,
        ExternalContactChange::DeleteFollowUser
    );
}

#[test]
fn transfer_fail_with_reason() {
    let xml = external_contact_xml_full(
        CORP,
        "transfer_fail",
        "wangwu",
        "wmGGG",
        &ExternalContactExtras {
            fail_reason: Some("customer_refused"),
            ..Default::default()
        },
        T,
    );
    let msg = via_wire(&xml);
    let ev = contact(&msg);
    assert_eq!(ev.change, ExternalContactChange::TransferFail);
    assert_eq!(ev.fail_reason.as_deref(), Some("customer_refused"));
    assert_eq!(ev.user_id, "wangwu");
}

#[test]
fn msg_audit_approved_and_unknown_change_types() {
    let msg = via_wire(&external_contact_xml(
        CORP,
        "msg_audit_approved",
        "lisi",
        "wmHHH",
        None,
        Some("WC3"),
        T,
    ));
    assert_eq!(
        contact(&msg).change,
        ExternalContactChange::MsgAuditApproved
    );
    let msg = via_wire(&external_contact_xml(
        CORP,
        "brand_new_change",
        "lisi",
        "wmHHH",
        None,
        None,
        T,
    ));
    assert_eq!(
        contact(&msg).change,
        ExternalContactChange::Other("brand_new_change".to_owned())
    );
    assert_eq!(contact(&msg).change.as_str(), "brand_new_change");
    for c in [
        "add_external_contact",
        "edit_external_contact",
        "add_half_external_contact",
        "del_external_contact",
        "del_follow_user",
        "transfer_fail",
        "msg_audit_approved",
    ] {
        assert_eq!(ExternalContactChange::parse(c).as_str(), c);
        assert!(!matches!(
            ExternalContactChange::parse(c),
            ExternalContactChange::Other(_)
        ));
    }
}

#[test]
fn change_external_tag_every_change_type() {
    for (change, tag_type) in [
        ("create", "tag"),
        ("update", "tag_group"),
        ("delete", "tag"),
    ] {
        let msg = via_wire(&external_tag_xml(CORP, change, "etTAG1", tag_type, T));
        match &msg.kind {
            MessageKind::ExternalTag(ev) => {
                assert_eq!(ev.change, change);
                assert_eq!(ev.id.as_deref(), Some("etTAG1"));
                assert_eq!(ev.tag_type.as_deref(), Some(tag_type));
                assert_eq!(ev.strategy_id, None);
            }
            other => panic!("expected a tag event, got {other:?}"),
        }
        assert_eq!(
            msg.dedupe_key(),
            format!("tag:{change}:{tag_type}:etTAG1:{T}")
        );
    }
    let shuffle = event_xml(&[
        ("ToUserName", CORP),
        ("FromUserName", "sys"),
        ("CreateTime", "1700000000"),
        ("MsgType", "event"),
        ("Event", "change_external_tag"),
        ("Id", "etGROUP"),
        ("StrategyId", "1"),
        ("ChangeType", "shuffle"),
    ]);
    let msg = via_wire(&shuffle);
    match &msg.kind {
        MessageKind::ExternalTag(ev) => {
            assert_eq!(ev.change, "shuffle");
            assert_eq!(ev.strategy_id.as_deref(), Some("1"));
            assert_eq!(ev.tag_type, None);
        }
        other => panic!("expected a tag event, got {other:?}"),
    }
    assert_eq!(msg.dedupe_key(), format!("tag:shuffle::etGROUP:{T}"));
}

#[test]
fn change_external_chat_create_update_dismiss() {
    let msg = via_wire(&external_chat_xml(CORP, "create", "wrCHAT", None, T));
    match &msg.kind {
        MessageKind::ExternalChat(ev) => {
            assert_eq!(ev.change, "create");
            assert_eq!(ev.chat_id.as_deref(), Some("wrCHAT"));
            assert_eq!(ev.update_detail, None);
        }
        other => panic!("expected a chat event, got {other:?}"),
    }
    let msg = via_wire(&external_chat_xml(CORP, "dismiss", "wrCHAT", None, T));
    assert!(matches!(&msg.kind, MessageKind::ExternalChat(ev) if ev.change == "dismiss"));
    // An update with the member list nested, as WeCom sends it.
    let update = "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrCHAT]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>1</JoinScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><Item><![CDATA[wmX]]></Item><Item><![CDATA[wmY]]></Item></MemChangeList><LastMemVer><![CDATA[v1]]></LastMemVer><CurMemVer><![CDATA[v2]]></CurMemVer></xml>";
    let msg = via_wire(update);
    match &msg.kind {
        MessageKind::ExternalChat(ev) => {
            assert_eq!(ev.change, "update");
            assert_eq!(ev.update_detail.as_deref(), Some("add_member"));
        }
        other => panic!("expected a chat event, got {other:?}"),
    }
    assert_eq!(
        msg.fields.get("MemChangeList").map(String::as_str),
        Some("wmX,wmY")
    );
    assert_eq!(
        msg.fields.get("MemChangeCnt").map(String::as_str),
        Some("2")
    );
    assert!(msg.dedupe_key().starts_with("raw:"));
}

#[test]
fn text_app_message() {
    let msg = via_wire(&app_text_xml(
        CORP,
        "zhangsan",
        "预约 <明天> & 后天 ]]> ok",
        1_456_453_720u64,
        1_000_002,
        T,
    ));
    assert_eq!(msg.msg_type, "text");
    assert_eq!(msg.agent_id.as_deref(), Some("1000002"));
    match &msg.kind {
        MessageKind::AppMessage(m) => {
            assert_eq!(m.from_user, "zhangsan");
            assert_eq!(m.msg_type, "text");
            assert_eq!(m.content.as_deref(), Some("预约 <明天> & 后天 ]]> ok"));
            assert_eq!(m.msg_id.as_deref(), Some("1456453720"));
        }
        other => panic!("expected an app message, got {other:?}"),
    }
    assert_eq!(msg.dedupe_key(), "msg:1456453720");
    // The same with a string msg id and agent id.
    let xml = app_text_xml(CORP, "zhangsan", "hi", "42", "7", T);
    assert!(xml.contains("<MsgId>42</MsgId><AgentID>7</AgentID>"));
}

#[test]
fn other_app_message_types_are_app_messages() {
    for t in ["image", "voice", "video", "location", "link"] {
        let xml = event_xml(&[
            ("ToUserName", CORP),
            ("FromUserName", "lisi"),
            ("CreateTime", "1"),
            ("MsgType", t),
            ("MsgId", "99"),
            ("AgentID", "1000002"),
        ]);
        let msg = via_wire(&xml);
        assert!(
            matches!(&msg.kind, MessageKind::AppMessage(m) if m.msg_type == t && m.content.is_none()),
            "{t}"
        );
    }
}

#[test]
fn unknown_events_and_types_are_kept_as_other() {
    let xml = event_xml(&[
        ("ToUserName", CORP),
        ("FromUserName", "lisi"),
        ("CreateTime", "1700000000"),
        ("MsgType", "event"),
        ("Event", "enter_agent"),
        ("EventKey", ""),
        ("AgentID", "1000002"),
    ]);
    let msg = via_wire(&xml);
    assert_eq!(msg.kind, MessageKind::Other);
    assert_eq!(msg.event.as_deref(), Some("enter_agent"));
    assert_eq!(msg.fields.get("EventKey").map(String::as_str), Some(""));
    let msg = via_wire(
        "<xml><MsgType>mystery</MsgType><CreateTime>7</CreateTime><Foo><Bar>1</Bar></Foo></xml>",
    );
    assert_eq!(msg.kind, MessageKind::Other);
    assert_eq!(msg.create_time, 7);
    assert_eq!(msg.to_user_name, "");
    assert!(msg.dedupe_key().starts_with("raw:"));
}

#[test]
fn messages_without_create_time_or_msg_type_are_not_interpreted() {
    // A third-party suite notification has neither MsgType nor CreateTime: the caller keeps
    // it as unrecognized.
    let suite = "<xml><SuiteId><![CDATA[ww4asffe99e54c0f4c]]></SuiteId><InfoType><![CDATA[change_external_contact]]></InfoType><TimeStamp>1403610513</TimeStamp></xml>";
    assert_eq!(
        parse_message(suite),
        Err(CallbackError::MissingField("CreateTime"))
    );
    let no_type = event_xml(&[("CreateTime", "1"), ("Event", "enter_agent")]);
    assert_eq!(
        parse_message(&no_type),
        Err(CallbackError::MissingField("MsgType"))
    );
    let empty_type = event_xml(&[("CreateTime", "1"), ("MsgType", "")]);
    assert_eq!(
        parse_message(&empty_type),
        Err(CallbackError::MissingField("MsgType"))
    );
    let no_time =
        builder::external_contact_xml(CORP, "add_external_contact", "u", "wm", None, None, T)
            .replace(&format!("<CreateTime>{T}</CreateTime>"), "");
    assert_eq!(
        parse_message(&no_time),
        Err(CallbackError::MissingField("CreateTime"))
    );
    assert_eq!(
        parse_message_ref(&no_time).map(|m| m.dedupe_key()),
        Err(CallbackError::MissingField("CreateTime"))
    );
}

#[test]
fn known_events_without_their_identifiers_are_rejected() {
    let base = [
        ("ToUserName", CORP),
        ("FromUserName", "sys"),
        ("CreateTime", "1"),
        ("MsgType", "event"),
    ];
    let no_ext = [
        &base[..],
        &[
            ("Event", "change_external_contact"),
            ("ChangeType", "add_external_contact"),
            ("UserID", "u"),
        ],
    ]
    .concat();
    assert_eq!(
        parse_message(&event_xml(&no_ext)),
        Err(CallbackError::MissingField("ExternalUserID"))
    );
    let no_user = [
        &base[..],
        &[
            ("Event", "change_external_contact"),
            ("ChangeType", "add_external_contact"),
            ("ExternalUserID", "wm"),
        ],
    ]
    .concat();
    assert_eq!(
        parse_message(&event_xml(&no_user)),
        Err(CallbackError::MissingField("UserID"))
    );
    let no_change = [&base[..], &[("Event", "change_external_tag"), ("Id", "et")]].concat();
    assert_eq!(
        parse_message(&event_xml(&no_change)),
        Err(CallbackError::MissingField("ChangeType"))
    );
    let no_from = event_xml(&[("MsgType", "text"), ("CreateTime", "1"), ("Content", "x")]);
    assert_eq!(
        parse_message(&no_from),
        Err(CallbackError::MissingField("FromUserName"))
    );
    let bad_time = event_xml(&[("MsgType", "event"), ("CreateTime", "yesterday")]);
    assert!(matches!(
        parse_message(&bad_time),
        Err(CallbackError::MalformedMessage(_))
    ));
    assert!(matches!(
        parse_message("<notxml/>"),
        Err(CallbackError::MalformedMessage(_))
    ));
    assert!(matches!(
        parse_message(""),
        Err(CallbackError::MalformedMessage(_))
    ));
}

#[test]
fn two_customers_added_in_the_same_second_get_different_keys() {
    let a = via_wire(&external_contact_xml(
        CORP,
        "add_external_contact",
        "zhangsan",
        "wmA",
        Some("s"),
        Some("W1"),
        T,
    ));
    let b = via_wire(&external_contact_xml(
        CORP,
        "add_external_contact",
        "zhangsan",
        "wmB",
        Some("s"),
        Some("W2"),
        T,
    ));
    assert_eq!(
        a.dedupe_key(),
        format!("ec:add_external_contact:zhangsan:wmA:{T}")
    );
    assert_ne!(a.dedupe_key(), b.dedupe_key());
    // Same customer, same second, another member: different too.
    let c = via_wire(&external_contact_xml(
        CORP,
        "add_external_contact",
        "lisi",
        "wmA",
        None,
        None,
        T,
    ));
    assert_ne!(a.dedupe_key(), c.dedupe_key());
    // Same customer and member, add then delete in the same second: different.
    let d = via_wire(&external_contact_xml(
        CORP,
        "del_follow_user",
        "zhangsan",
        "wmA",
        None,
        None,
        T,
    ));
    assert_ne!(a.dedupe_key(), d.dedupe_key());
}

#[test]
fn the_same_event_gets_the_same_key_across_retries() {
    let inner = external_contact_xml(
        CORP,
        "add_external_contact",
        "zhangsan",
        "wmA",
        Some("s"),
        Some("W1"),
        T,
    );
    let c = MsgCrypt::new("tok", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", CORP)
        .expect("valid key");
    // WeCom retries re-encrypt with fresh randomness and may change timestamp/nonce.
    let first = c.seal(&inner, "1700000000", "n1", [1; 16]);
    let retry = c.seal(&inner, "1700000005", "n2", [2; 16]);
    assert_ne!(first.encrypt, retry.encrypt);
    let k1 = parse_message(&c.decrypt(&first.encrypt).expect("ok"))
        .expect("ok")
        .dedupe_key();
    let k2 = parse_message(&c.decrypt(&retry.encrypt).expect("ok"))
        .expect("ok")
        .dedupe_key();
    assert_eq!(k1, k2);
    // Same for raw-keyed events.
    let other =
        "<xml><MsgType>event</MsgType><Event>whatever</Event><CreateTime>5</CreateTime></xml>";
    assert_eq!(
        parse_message(other).expect("ok").dedupe_key(),
        parse_message(other).expect("ok").dedupe_key()
    );
    assert_ne!(
        parse_message(other).expect("ok").dedupe_key(),
        parse_message(
            "<xml><MsgType>event</MsgType><Event>whatever</Event><CreateTime>6</CreateTime></xml>"
        )
        .expect("ok")
        .dedupe_key()
    );
}

#[test]
fn dedupe_key_components_cannot_run_into_each_other() {
    let a = parse_message(&external_contact_xml(
        CORP,
        "add_external_contact",
        "a:b",
        "c",
        None,
        None,
        T,
    ))
    .expect("ok");
    let b = parse_message(&external_contact_xml(
        CORP,
        "add_external_contact",
        "a",
        "b:c",
        None,
        None,
        T,
    ))
    .expect("ok");
    assert_ne!(a.dedupe_key(), b.dedupe_key());
    assert_eq!(
        a.dedupe_key(),
        format!("ec:add_external_contact:a%3Ab:c:{T}")
    );
}

#[test]
fn event_xml_escapes_cdata_and_writes_numbers_plain() {
    let xml = event_xml(&[
        ("CreateTime", "1700000000"),
        ("MsgType", "event"),
        ("Content", "a]]>b<![CDATA[c"),
        ("Neg", "-5"),
        ("Empty", ""),
    ]);
    assert_eq!(
        xml,
        "<xml><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Content><![CDATA[a]]]]><![CDATA[>b<![CDATA[c]]></Content><Neg>-5</Neg><Empty><![CDATA[]]></Empty></xml>"
    );
    let msg = parse_message(&xml).expect("parses");
    assert_eq!(
        msg.fields.get("Content").map(String::as_str),
        Some("a]]>b<![CDATA[c")
    );
    assert_eq!(msg.fields.get("Neg").map(String::as_str), Some("-5"));
    assert_eq!(msg.fields.get("Empty").map(String::as_str), Some(""));
    assert_eq!(msg.create_time, 1_700_000_000);
}

#[test]
fn duplicated_top_level_elements_keep_the_first() {
    let msg = parse_message("<xml><MsgType>text</MsgType><CreateTime>1</CreateTime><FromUserName>a</FromUserName><FromUserName>b</FromUserName></xml>").expect("ok");
    assert_eq!(msg.from_user_name, "a");
}

#[test]
fn messages_serialize_for_queues_and_logs() {
    let msg = parse_message(&builder::external_contact_xml(
        CORP,
        "add_external_contact",
        "u",
        "wm",
        None,
        None,
        T,
    ))
    .expect("ok");
    let raw = msg.raw.clone();
    assert!(raw.contains("<UserID><![CDATA[u]]></UserID>"));
    fn assert_serde<T: serde::Serialize + serde::de::DeserializeOwned>() {}
    assert_serde::<CallbackMessage>();
}
