//! XML edge cases through the public API, pinned to what the crate did before its XML reader
//! became a single-pass borrowed scanner (the scanner itself is checked against the old
//! quick-xml based reader in `src/xml.rs`).

use wecom_callback::{CallbackError, MsgCrypt, envelope_xml, parse_envelope, parse_message};

/// `name`'s text in `xml`, with the two elements every message needs put first.
fn field(xml: &str, name: &str) -> Option<String> {
    let xml = xml.replacen(
        "<xml>",
        "<xml><CreateTime>1</CreateTime><MsgType>event</MsgType>",
        1,
    );
    parse_message(&xml)
        .expect("parses")
        .fields
        .get(name)
        .cloned()
}

fn malformed_message(xml: &str) -> bool {
    matches!(parse_message(xml), Err(CallbackError::MalformedMessage(_)))
}

#[test]
fn text_values_are_unescaped_and_joined_exactly_as_before() {
    // CDATA split around `]]>` (how the builders and WeCom write it).
    assert_eq!(
        field(
            "<xml><Content><![CDATA[a]]]]><![CDATA[>b]]></Content></xml>",
            "Content"
        )
        .as_deref(),
        Some("a]]>b")
    );
    // Entities and character references in plain text; `]]>` and `>` in plain text as such.
    assert_eq!(
        field("<xml><Content>1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;&apos; &#x4F60;&#22909; ]]></Content></xml>", "Content").as_deref(),
        Some("1 < 2 && 3 > 2 \"' 你好 ]]>")
    );
    // Mixed CDATA, text, references and comments.
    assert_eq!(
        field(
            "<xml><Content>a<!-- x --><![CDATA[&lt;]]>&lt;b</Content></xml>",
            "Content"
        )
        .as_deref(),
        Some("a&lt;<b")
    );
    // Whitespace is kept, CR LF included.
    assert_eq!(
        field("<xml><Content> a\r\n b </Content></xml>", "Content").as_deref(),
        Some(" a\r\n b ")
    );
}

#[test]
fn attributes_comments_declarations_and_instructions() {
    let msg = parse_message(
        "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?><!-- head --><xml a=\"1\"><MsgType kind='x' other=\"&lt;\">text</MsgType><!-- c --><CreateTime>1</CreateTime><FromUserName>u</FromUserName><Content/></xml><!-- tail -->\n",
    )
    .expect("parses");
    assert_eq!(msg.msg_type, "text");
    assert_eq!(msg.from_user_name, "u");
    assert_eq!(msg.fields.get("Content").map(String::as_str), Some(""));
    for bad in [
        "<xml><MsgType a=1>text</MsgType></xml>",
        "<xml><MsgType a=\"1\" a=\"2\">text</MsgType></xml>",
        "<xml><MsgType a>text</MsgType></xml>",
        "<xml><?php x ?><MsgType>text</MsgType></xml>",
        "<xml><MsgType>text</MsgType></xml><?pi?>",
        "<xml><MsgType>text</MsgType><?xml version=\"1.0\"?></xml>",
        "<xml><!- x -><MsgType>text</MsgType></xml>",
        "<xml><MsgType>text</MsgType><!-- unclosed </xml>",
    ] {
        assert!(malformed_message(bad), "{bad}: {:?}", parse_message(bad));
    }
    assert_eq!(
        parse_message("<xml><MsgType a=\"&x;\">text</MsgType></xml>"),
        Err(CallbackError::ForbiddenXml)
    );
}

#[test]
fn every_truncation_of_a_message_or_an_envelope_is_rejected() {
    let inner = "<xml><ToUserName><![CDATA[ww1]]></ToUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><FromUserName>u</FromUserName><Content>a &amp; b</Content></xml>";
    assert!(parse_message(inner).is_ok());
    for end in 0..inner.len() {
        assert!(malformed_message(&inner[..end]), "{}", &inner[..end]);
    }
    let body = envelope_xml("ww1", "1000002", "QUJD");
    assert!(parse_envelope(body.as_bytes()).is_ok());
    for end in 0..body.len() {
        let got = parse_envelope(&body.as_bytes()[..end]);
        assert!(
            matches!(got, Err(CallbackError::MalformedEnvelope(_))),
            "{} -> {got:?}",
            &body[..end]
        );
    }
}

#[test]
fn envelope_rules_are_checked_after_the_whole_document() {
    // A duplicated Encrypt in a document that is also forbidden further on: the XML verdict
    // comes first, as before.
    assert_eq!(
        parse_envelope(b"<xml><Encrypt>QUJD</Encrypt><Encrypt>QUJD</Encrypt><!DOCTYPE x></xml>"),
        Err(CallbackError::ForbiddenXml)
    );
    assert!(matches!(
        parse_envelope(b"<xml><Encrypt>QUJD</Encrypt><Encrypt></Encrypt></xml>"),
        Err(CallbackError::MalformedEnvelope(_))
    ));
    // The first ToUserName / AgentID win; an escaped Encrypt is unescaped.
    let env = parse_envelope(
        b"<xml><ToUserName>a</ToUserName><ToUserName>b</ToUserName><AgentID>1</AgentID><AgentID>2</AgentID><Encrypt>QU&#x4A;D</Encrypt></xml>",
    )
    .expect("parses");
    assert_eq!(env.to_user_name.as_deref(), Some("a"));
    assert_eq!(env.agent_id.as_deref(), Some("1"));
    assert_eq!(env.encrypt, "QUJD");
}

#[test]
fn signatures_are_unchanged() {
    // The signature is now computed on the stack; its text and its check are the same.
    let c = MsgCrypt::new(
        "QDG6eK",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        "wx5823bf96d3bd56c7",
    )
    .expect("valid key");
    let sig = c.signature("1409659813", "1372623149", "abc");
    assert_eq!(sig.len(), 40);
    assert!(
        sig.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(
        c.verify_signature(&sig, "1409659813", "1372623149", "abc"),
        Ok(())
    );
    assert_eq!(
        c.verify_signature(&sig.to_uppercase(), "1409659813", "1372623149", "abc"),
        Err(CallbackError::BadSignature)
    );
    assert_eq!(
        c.verify_signature(&sig[..39], "1409659813", "1372623149", "abc"),
        Err(CallbackError::BadSignature)
    );
}
