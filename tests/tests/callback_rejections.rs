//! The WeCom-facing contract of the callback URL: verification answers exactly, and anything
//! forged or malformed is refused with a 4xx and leaves no trace (no log entry, no job, no
//! customer). Through the real HTTP listener of local mode.
#![allow(clippy::unwrap_used, clippy::panic)]

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Value, json};
use tests::{Backend, Harness, Setup};
use wecom_callback::{MsgCrypt, envelope_xml};

const AGENT: &str = "1000002";

fn crypt(h: &Harness) -> MsgCrypt {
    let c = &h.app.config;
    MsgCrypt::new(&c.token, &c.encoding_aes_key, &c.corp_id).unwrap()
}

fn now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

fn add_event(corp: &str) -> String {
    wecom_callback::builder::external_contact_xml(
        corp,
        "add_external_contact",
        "zhangsan",
        "wmFORGEDcustomer",
        Some("xiaohongshu"),
        None,
        1_795_850_000,
    )
}

/// AES-256-CBC over raw bytes with the corp's key, for payloads the real encoder refuses to
/// make (bad padding, lying length field).
fn raw_encrypt(h: &Harness, plain: &[u8]) -> String {
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let key = engine
        .decode(format!("{}=", h.app.config.encoding_aes_key))
        .unwrap();
    let mut buf = plain.to_vec();
    let len = buf.len();
    let cipher = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key, &key[..16]).unwrap();
    let out = cipher
        .encrypt_padded_mut::<NoPadding>(&mut buf, len)
        .unwrap()
        .to_vec();
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// WeCom's plaintext layout with an explicit length field and padding byte.
fn layout(msg: &[u8], receive_id: &str, length_field: u32, pad: u8) -> Vec<u8> {
    let mut plain = vec![7u8; 16];
    plain.extend_from_slice(&length_field.to_be_bytes());
    plain.extend_from_slice(msg);
    plain.extend_from_slice(receive_id.as_bytes());
    let fill = 32 - plain.len() % 32;
    plain.extend(std::iter::repeat_n(pad, fill));
    plain
}

async fn post(h: &Harness, query: &str, body: String) -> (u16, Value) {
    let response = h
        .http
        .post(format!("{}?{query}", h.app.callback_url()))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A POST whose Encrypt is `encrypt`, correctly signed.
async fn post_signed(h: &Harness, encrypt: &str) -> (u16, Value) {
    let ts = now();
    let sig = crypt(h).signature(&ts, "nonce1", encrypt);
    let body = envelope_xml(&h.app.config.corp_id, AGENT, encrypt);
    post(
        h,
        &format!("msg_signature={sig}&timestamp={ts}&nonce=nonce1"),
        body,
    )
    .await
}

async fn assert_no_trace(h: &Harness) {
    let (entries, _) = h.log.recent(None, 10, None).await.unwrap();
    assert!(entries.is_empty(), "nothing logged: {entries:?}");
    let queue = h.embedded_queue.as_ref().unwrap();
    assert_eq!(queue.len().await.unwrap(), 0, "nothing queued");
    let (customers, _) = h.customers.list(10, None).await.unwrap();
    assert!(customers.is_empty());
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_verification_answers_the_decrypted_echostr_exactly() {
    let h = Harness::start(Backend::Embedded).await;
    let report = h.control("verify-url", json!({})).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["within_1s"], true, "{report}");

    // An echostr whose base64 has '+' and '/', sent raw and percent-encoded.
    let c = crypt(&h);
    let (echostr, plain) = (0u8..=255)
        .map(|i| {
            let plain = format!("{i}8432023552776189");
            (c.encrypt(&plain, [i; 16]), plain)
        })
        .find(|(e, _)| e.contains('+') && e.contains('/'))
        .unwrap();
    let ts = now();
    let sig = c.signature(&ts, "n1", &echostr);
    for encoded in [
        echostr.clone(),
        echostr
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D"),
    ] {
        let response = h
            .http
            .get(format!(
                "{}?msg_signature={sig}&timestamp={ts}&nonce=n1&echostr={encoded}",
                h.app.callback_url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = response.bytes().await.unwrap();
        assert_eq!(&body[..], plain.as_bytes(), "no quotes, BOM or newline");
    }
    assert_no_trace(&h).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_malformed_callbacks_are_refused_and_leave_no_trace() {
    let h = Harness::start(Backend::Embedded).await;
    let c = crypt(&h);
    let corp = h.app.config.corp_id.clone();
    let ts = now();
    let sealed = c.seal(&add_event(&corp), &ts, "nonce1", [1; 16]);
    let good_query = format!(
        "msg_signature={}&timestamp={ts}&nonce=nonce1",
        sealed.msg_signature
    );
    let good_body = envelope_xml(&corp, AGENT, &sealed.encrypt);

    // Wrong signature.
    let forged = format!(
        "msg_signature={}&timestamp={ts}&nonce=nonce1",
        "0".repeat(40)
    );
    let (status, body) = post(&h, &forged, good_body.clone()).await;
    assert_eq!((status, code(&body)), (401, "bad_signature"));
    // A replayed signature with another nonce.
    let replay = format!(
        "msg_signature={}&timestamp={ts}&nonce=other",
        sealed.msg_signature
    );
    assert_eq!(post(&h, &replay, good_body.clone()).await.0, 401);

    // Sealed for another corp (receiveid mismatch), correctly signed.
    let other = MsgCrypt::new(
        &h.app.config.token,
        &h.app.config.encoding_aes_key,
        "wwSomeoneElse",
    )
    .unwrap();
    let foreign = other.seal(&add_event(&corp), &ts, "nonce1", [2; 16]);
    let (status, body) = post_signed(&h, &foreign.encrypt).await;
    assert_eq!((status, code(&body)), (403, "wrong_receive_id"), "{body}");

    // Not base64.
    let (status, body) = post_signed(&h, "this is *not* base64!!").await;
    assert_eq!((status, code(&body)), (400, "bad_base64"), "{body}");

    // Bad padding: pad byte 0 and pad byte 33.
    let msg = add_event(&corp);
    for pad in [0u8, 33] {
        let mut plain = layout(msg.as_bytes(), &corp, msg.len() as u32, pad);
        if pad == 33 {
            plain.truncate(plain.len() - plain.len() % 32);
        }
        let (status, body) = post_signed(&h, &raw_encrypt(&h, &plain)).await;
        assert_eq!(
            (status, code(&body)),
            (400, "bad_padding"),
            "pad {pad}: {body}"
        );
    }

    // A length field that lies (points past the end of the data).
    let plain = layout(msg.as_bytes(), &corp, 100_000, 0);
    let fixed: Vec<u8> = {
        let mut p = plain.clone();
        let fill = p.iter().rev().take_while(|b| **b == 0).count();
        let n = p.len();
        for b in &mut p[n - fill..] {
            *b = fill as u8;
        }
        p
    };
    let (status, body) = post_signed(&h, &raw_encrypt(&h, &fixed)).await;
    assert_eq!((status, code(&body)), (400, "bad_length"), "{body}");

    // Envelope without Encrypt; envelope with a DOCTYPE; inner XML with an entity.
    let no_encrypt = format!("<xml><ToUserName><![CDATA[{corp}]]></ToUserName></xml>");
    let (status, body) = post(&h, &good_query, no_encrypt).await;
    assert_eq!((status, code(&body)), (400, "missing_encrypt"), "{body}");
    let doctype = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x \"y\">]><xml><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        sealed.encrypt
    );
    let (status, body) = post(&h, &good_query, doctype).await;
    assert_eq!((status, code(&body)), (400, "forbidden_xml"), "{body}");
    let entity_inner = msg.replace("<xml>", "<!DOCTYPE xml [<!ENTITY boom \"boom\">]><xml>");
    let evil = c.seal(&entity_inner, &ts, "nonce1", [3; 16]);
    let (status, body) = post_signed(&h, &evil.encrypt).await;
    assert_eq!((status, code(&body)), (400, "forbidden_xml"), "{body}");
    let not_xml = c.seal("hello, not xml", &ts, "nonce1", [4; 16]);
    assert_eq!(post_signed(&h, &not_xml.encrypt).await.0, 400);

    // Oversized body.
    let huge = format!("<xml><Encrypt>{}</Encrypt></xml>", "A".repeat(70 * 1024));
    let (status, _) = post(&h, &good_query, huge).await;
    assert_eq!(status, 413);

    // Missing parameters; a method WeCom never uses.
    assert_eq!(
        post(&h, "timestamp=1&nonce=2", good_body.clone()).await.0,
        400
    );
    let put = h
        .http
        .put(h.app.callback_url())
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 405);
    let get = h.http.get(h.app.callback_url()).send().await.unwrap();
    assert_eq!(get.status(), 400);

    assert_no_trace(&h).await;

    // And the genuine request still goes through.
    let (status, _) = post(&h, &good_query, good_body).await;
    assert_eq!(status, 200);
    let (entries, _) = h.log.recent(None, 10, None).await.unwrap();
    assert_eq!(entries.len(), 1);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_timestamps_are_refused_when_a_freshness_window_is_set() {
    let h = Harness::start_with(
        Backend::Embedded,
        Setup {
            max_skew_secs: 300,
            ..Setup::default()
        },
    )
    .await;
    let c = crypt(&h);
    let corp = h.app.config.corp_id.clone();
    let old = "1476422779";
    let sealed = c.seal(&add_event(&corp), old, "nonce1", [5; 16]);
    let query = format!(
        "msg_signature={}&timestamp={old}&nonce=nonce1",
        sealed.msg_signature
    );
    let (status, body) = post(&h, &query, envelope_xml(&corp, AGENT, &sealed.encrypt)).await;
    assert_eq!((status, code(&body)), (400, "stale_timestamp"), "{body}");
    assert_no_trace(&h).await;

    // The simulator signs with the current time: accepted.
    let scan = h.scan("zhangsan", "douyin").await;
    assert_eq!(scan["deliveries"][0]["status"], 200);
    h.shutdown().await;
}
