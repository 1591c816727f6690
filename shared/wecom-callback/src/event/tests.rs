//! The borrowed message view (`parse_message_ref`) against the owned parse: the same message,
//! dedupe key or error on every sample, on random mutations of them and on snippet soups.

use super::*;
use crate::builder;
use crate::xml::tests::{SEEDS, SNIPPETS, mutate};

/// The view and the owned parse must agree on everything: the same error, or a view whose
/// owned copy, accessors and idempotency key are the owned message's.
fn check_same(doc: &str) {
    match (parse_message(doc), parse_message_ref(doc)) {
        (Ok(m), Ok(v)) => {
            assert_eq!(v.to_message(), m, "{doc:?}");
            assert_eq!(v.dedupe_key(), m.dedupe_key(), "{doc:?}");
            assert_eq!(v.raw(), m.raw);
            assert_eq!(v.create_time(), m.create_time);
            assert_eq!(v.to_user_name(), m.to_user_name);
            assert_eq!(v.from_user_name(), m.from_user_name);
            assert_eq!(v.msg_type(), m.msg_type);
            assert_eq!(v.event(), m.event.as_deref());
            assert_eq!(v.change_type(), m.change_type.as_deref());
            assert_eq!(v.agent_id(), m.agent_id.as_deref());
            assert_eq!(v.msg_id(), m.msg_id.as_deref());
            for (name, value) in &m.fields {
                assert_eq!(v.field(name), Some(value.as_str()), "{doc:?} {name}");
            }
            for name in ["UserID", "State", "Nope", "Item", "A"] {
                assert_eq!(v.field(name), m.fields.get(name).map(String::as_str));
            }
            let class = match &m.kind {
                MessageKind::ExternalContact(ev) => {
                    assert_eq!(v.user_id(), Some(ev.user_id.as_str()));
                    assert_eq!(v.external_user_id(), Some(ev.external_user_id.as_str()));
                    assert_eq!(v.state(), ev.state.as_deref());
                    assert_eq!(v.welcome_code(), ev.welcome_code.as_deref());
                    MessageClass::ExternalContact
                }
                MessageKind::ExternalTag(_) => MessageClass::ExternalTag,
                MessageKind::ExternalChat(_) => MessageClass::ExternalChat,
                MessageKind::AppMessage(_) => MessageClass::AppMessage,
                MessageKind::Other => MessageClass::Other,
            };
            assert_eq!(v.class(), class, "{doc:?}");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "{doc:?}"),
        (owned, view) => panic!("{doc:?}\n  owned: {owned:?}\n  view:  {view:?}"),
    }
}

fn event_seeds() -> Vec<String> {
    let extras = builder::ExternalContactExtras {
        state: Some("s:1%"),
        welcome_code: Some("WC"),
        source: Some("DELETE_BY_TRANSFER"),
        fail_reason: Some("customer_refused"),
    };
    let mut docs = vec![
        builder::external_contact_xml(
            "ww1",
            "add_external_contact",
            "zhangsan",
            "wmQ2",
            Some("xhs_post_1"),
            Some("WELCOME"),
            1_700_000_000,
        ),
        builder::external_contact_xml("ww1", "edit_external_contact", "u", "e", None, None, 1),
        builder::external_contact_xml_full("ww1", "transfer_fail", "u", "e", &extras, 5),
        builder::external_contact_xml_full("ww1", "brand_new", "u:1", "e%2", &extras, -3),
        builder::external_tag_xml("ww1", "create", "etTAG", "tag", 1_700_000_001),
        builder::external_tag_xml("ww1", "shuffle", "", "tag_group", 7),
        builder::external_chat_xml("ww1", "update", "wrCHAT", Some("add_member"), 9),
        builder::external_chat_xml("ww1", "dismiss", "wrCHAT", None, 9),
        builder::app_text_xml("ww1", "lisi", "你好 <&> ]]>", 1234567, 1000002, 11),
    ];
    docs.extend(
            [
                "<xml><ToUserName>ww1</ToUserName><FromUserName>u</FromUserName><CreateTime> 12 </CreateTime><MsgType>image</MsgType><MsgId></MsgId><PicUrl>http://x/y?a=1&amp;b=2</PicUrl><AgentID>1</AgentID></xml>",
                "<xml><MsgType>event</MsgType><Event>change_external_contact</Event><ChangeType>del_follow_user</ChangeType><UserID>a</UserID><UserID>b</UserID><ExternalUserID><![CDATA[x]]><![CDATA[y]]></ExternalUserID><Extra>1</Extra><Extra>2</Extra><CreateTime>3</CreateTime></xml>",
                "<xml><MsgType>event</MsgType><Event>change_external_contact</Event><UserID>a</UserID><ExternalUserID>b</ExternalUserID></xml>",
                "<xml><MsgType>event</MsgType><Event>change_external_contact</Event><ChangeType>x</ChangeType><ExternalUserID>b</ExternalUserID></xml>",
                "<xml><MsgType>event</MsgType><Event>change_external_tag</Event><ChangeType>delete</ChangeType><TagType>tag</TagType><Id><G>a</G><G>b</G></Id><StrategyId>2</StrategyId></xml>",
                "<xml><MsgType>event</MsgType><Event>change_external_chat</Event><ChatId>c</ChatId></xml>",
                "<xml><MsgType>text</MsgType><FromUserName></FromUserName><Content>hi</Content></xml>",
                "<xml><MsgType>voice</MsgType><FromUserName>m</FromUserName><MsgId>42</MsgId><MediaId>x</MediaId></xml>",
                "<xml><MsgType>event</MsgType><Event>enter_agent</Event><FromUserName>m</FromUserName><CreateTime>1e3</CreateTime></xml>",
                "<xml><MsgType>event</MsgType><Event>batch_job_result</Event><BatchJob><JobId>j</JobId><JobType>sync_user</JobType></BatchJob><CreateTime>-0</CreateTime></xml>",
                "<xml><MemChangeList><Item>a</Item><Item>b</Item></MemChangeList><MsgType>event</MsgType><Event>change_external_chat</Event><ChangeType>update</ChangeType><UpdateDetail>add_member</UpdateDetail></xml>",
                "<xml/>",
                "<xml>text only</xml>",
            ]
            .map(str::to_owned),
        );
    docs
}

#[test]
fn the_view_agrees_with_the_owned_parse_on_every_sample() {
    let docs: Vec<String> = event_seeds()
        .into_iter()
        .chain(SEEDS.map(str::to_owned))
        .collect();
    for doc in &docs {
        check_same(doc);
        for (end, _) in doc.char_indices() {
            check_same(&doc[..end]);
            check_same(&doc[end..]);
        }
    }
    let first = parse_message_ref(&docs[0]).expect("parses");
    assert_eq!(first.class(), MessageClass::ExternalContact);
    assert_eq!(
        first.dedupe_key(),
        "ec:add_external_contact:zhangsan:wmQ2:1700000000"
    );
}

#[test]
fn the_view_agrees_with_the_owned_parse_on_random_mutations() {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5CA7_7E14);
    let seeds: Vec<String> = event_seeds()
        .into_iter()
        .chain(SEEDS.map(str::to_owned))
        .collect();
    for i in 0..20_000 {
        let doc = mutate(&mut rng, &seeds[i % seeds.len()]);
        check_same(&doc);
        check_same(&mutate(&mut rng, &doc));
    }
}

#[test]
fn the_view_agrees_with_the_owned_parse_on_random_snippet_soups() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5CA7_7E15);
    let names = [
        "<MsgType>event</MsgType>",
        "<MsgType>text</MsgType>",
        "<Event>change_external_contact</Event>",
        "<Event>change_external_tag</Event>",
        "<Event>change_external_chat</Event>",
        "<ChangeType>add_external_contact</ChangeType>",
        "<UserID>u</UserID>",
        "<ExternalUserID>e</ExternalUserID>",
        "<FromUserName>f</FromUserName>",
        "<CreateTime>1</CreateTime>",
        "<MsgId>m</MsgId>",
        "<TagType>t</TagType>",
        "<Id>i</Id>",
        "<X>x</X>",
    ];
    for _ in 0..20_000 {
        let n = rng.random_range(1..10);
        let mut doc = String::from("<xml>");
        for _ in 0..n {
            if rng.random_bool(0.7) {
                doc.push_str(names[rng.random_range(0..names.len())]);
            } else {
                doc.push_str(SNIPPETS[rng.random_range(0..SNIPPETS.len())]);
            }
        }
        if rng.random_bool(0.9) {
            doc.push_str("</xml>");
        }
        check_same(&doc);
    }
}
