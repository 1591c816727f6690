//! The WeCom-facing contract of the callback URL, through the real HTTP listener of local mode:
//! verification answers exactly; every authentic message (signature, decryption and receiveid
//! check out) is kept and answered `success`, interpreted or not; only forged or corrupt
//! requests are refused, with one generic body, and they leave no trace (no log entry, no job,
//! no customer); the timestamp window is on by default.
#![allow(clippy::unwrap_used, clippy::panic)]

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use crm::model::CallbackStatus;
use serde_json::{Value, json};
use tests::{Backend, Harness, Setup, eventually};
use wecom_callback::{MsgCrypt, envelope_xml};

const AGENT: &str = "1000002";

fn crypt(h: &Harness) -> MsgCrypt {
    let c = &h.app.config;
    MsgCrypt::new(&c.token, &c.encoding_aes_key, &c.corp_id).unwrap()
}

/// The harness clock's (the app's) current time, as WeCom's `timestamp` parameter.
fn now(h: &Harness) -> String {
    (h.now_ms() / 1000).to_string()
}

/// The body of every refusal: it does not say which check failed.
fn generic_refusal() -> Value {
    json!({"error": {"code": "invalid_callback", "message": "回调请求无效"}})
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
    tests::answer(response).await
}

/// A POST whose Encrypt is `encrypt`, correctly signed, with the current time.
async fn post_signed(h: &Harness, encrypt: &str) -> (u16, Value) {
    post_signed_at(h, encrypt, &now(h), "nonce1").await
}

async fn post_signed_at(h: &Harness, encrypt: &str, ts: &str, nonce: &str) -> (u16, Value) {
    let sig = crypt(h).signature(ts, nonce, encrypt);
    let body = envelope_xml(&h.app.config.corp_id, AGENT, encrypt);
    post(
        h,
        &format!("msg_signature={sig}&timestamp={ts}&nonce={nonce}"),
        body,
    )
    .await
}

/// Seals `plain` the way WeCom does (a fresh random prefix each time) and POSTs it.
async fn deliver(h: &Harness, plain: &str, random: u8) -> (u16, Value) {
    let encrypt = crypt(h).encrypt(plain, [random; 16]);
    post_signed_at(h, &encrypt, &now(h), &format!("n{random}")).await
}

async fn assert_no_trace(h: &Harness) {
    let (entries, _) = h.log.recent(None, 10, None).await.unwrap();
    assert!(entries.is_empty(), "nothing logged: {entries:?}");
    let queue = h.embedded_queue.as_ref().unwrap();
    assert_eq!(queue.len().await.unwrap(), 0, "nothing queued");
    let (customers, _) = h.customers.list(10, None).await.unwrap();
    assert!(customers.is_empty());
}

/// A refusal: a 4xx with the generic body, whatever failed.
#[track_caller]
fn assert_refused(answer: (u16, Value), status: u16, what: &str) {
    assert_eq!(answer, (status, generic_refusal()), "{what}");
}

/// The event log's unrecognized entries, through the admin API.
async fn unrecognized_entries(h: &Harness) -> Vec<Value> {
    let (status, page) = h
        .api(
            reqwest::Method::GET,
            "/api/callback-logs?status=unrecognized&limit=100",
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
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
    let ts = now(&h);
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

/// WeCom's plaintext layout with a true length field and valid PKCS#7 padding.
fn valid_layout(msg: &[u8], receive_id: &str) -> Vec<u8> {
    let fill = 32 - (20 + msg.len() + receive_id.len()) % 32;
    layout(msg, receive_id, msg.len() as u32, fill as u8)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentic_messages_the_product_cannot_interpret_are_kept_raw_and_answered_success() {
    let h = Harness::start(Backend::Embedded).await;
    let corp = h.app.config.corp_id.clone();
    let created = h.now_ms() / 1000;
    let no_from_user = format!(
        "<xml><ToUserName><![CDATA[{corp}]]></ToUserName><CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[明天几点开门]]></Content><MsgId>7700</MsgId><AgentID>1000002</AgentID></xml>"
    );
    let no_create_time = add_event(&corp).replace("<CreateTime>1795850000</CreateTime>", "");
    assert!(!no_create_time.contains("CreateTime"));
    let json_plain =
        r#"{"msgtype":"text","from":{"userid":"lisi"},"text":{"content":"你好"}}"#.to_owned();
    let entity = add_event(&corp).replace("<xml>", "<!DOCTYPE xml [<!ENTITY boom \"boom\">]><xml>");
    let cases = [
        (no_from_user, "missing_element:FromUserName"),
        (no_create_time, "missing_element:CreateTime"),
        (json_plain, "json"),
        ("hello, not xml".to_owned(), "not_xml"),
        (String::new(), "empty"),
        (entity, "forbidden_xml"),
    ];
    for (i, (plain, _)) in cases.iter().enumerate() {
        // WeCom's delivery and a retry of it (another nonce and random prefix).
        for attempt in 0..2u8 {
            let answer = deliver(&h, plain, 10 + 2 * i as u8 + attempt).await;
            assert_eq!(answer, (200, json!("success")), "{plain:?}");
        }
    }
    // Bytes that are not UTF-8 at all.
    let bytes = [0xffu8, 0xfe, 0x00, 0x41];
    let encrypt = raw_encrypt(&h, &valid_layout(&bytes, &corp));
    assert_eq!(post_signed(&h, &encrypt).await, (200, json!("success")));

    let listed = unrecognized_entries(&h).await;
    assert_eq!(
        listed.len(),
        cases.len() + 1,
        "one entry per message, its retry counted on it: {listed:#?}"
    );
    for (plain, reason) in &cases {
        let entry = listed
            .iter()
            .find(|e| e["raw_xml"] == plain.as_str() && e["raw_base64"] == false)
            .unwrap_or_else(|| panic!("{plain:?} kept raw"));
        assert_eq!(entry["status"], "unrecognized", "{entry}");
        assert_eq!(entry["unrecognized_reason"], *reason, "{entry}");
        assert_eq!(entry["delivery_count"], 2, "{entry}");
        assert_eq!(entry["event_type"], "unrecognized", "{entry}");
        let id = entry["id"].as_str().unwrap();
        let (status, one) = h
            .api(
                reqwest::Method::GET,
                &format!("/api/callback-logs/{id}"),
                None,
            )
            .await;
        assert_eq!((status, &one["raw_xml"]), (200, &entry["raw_xml"]));
    }
    let binary = listed.iter().find(|e| e["raw_base64"] == true).unwrap();
    assert_eq!(binary["unrecognized_reason"], "not_utf8");
    assert_eq!(
        binary["raw_xml"],
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );

    // The unfiltered log shows them with their status too; nothing was processed from them.
    let (_, all) = h
        .api(reqwest::Method::GET, "/api/callback-logs?limit=100", None)
        .await;
    let statuses: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["status"])
        .collect();
    assert_eq!(statuses, vec![&json!("unrecognized"); cases.len() + 1]);
    h.settled().await;
    assert!(
        h.customers.get("wmFORGEDcustomer").await.unwrap().is_none(),
        "an event without CreateTime is not acted on"
    );
    assert!(h.welcomes_to("wmFORGEDcustomer").await.is_empty());

    // The status filter is its own: not mixed with a type, and only `unrecognized`.
    let (status, body) = h
        .api(
            reqwest::Method::GET,
            "/api/callback-logs?status=unrecognized&event_type=text",
            None,
        )
        .await;
    assert_eq!((status, &body["error"]["field"]), (400, &json!("status")));
    let (status, _) = h
        .api(
            reqwest::Method::GET,
            "/api/callback-logs?status=processed",
            None,
        )
        .await;
    assert_eq!(status, 400);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_reads_the_stored_plaintext_again_with_the_current_code() {
    let h = Harness::start(Backend::Embedded).await;
    let corp = h.app.config.corp_id.clone();

    // Still not interpretable: the replay says so again and the entry stays as it was.
    let future_json = r#"{"event":"something_wecom_adds_later"}"#;
    assert_eq!(deliver(&h, future_json, 1).await.0, 200);
    let id = unrecognized_entries(&h).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, accepted) = h
        .api(
            reqwest::Method::POST,
            &format!("/api/callback-logs/{id}/replay"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 202, "{accepted}");
    let log = h.log.clone();
    let again = eventually("the replay ran", || {
        let (log, id) = (log.clone(), id.clone());
        async move { log.get(&id).await.unwrap().filter(|e| e.attempts == 1) }
    })
    .await;
    assert_eq!(again.status, CallbackStatus::Unrecognized);
    assert_eq!(again.unrecognized_reason.as_deref(), Some("json"));
    assert_eq!(again.raw_xml, future_json, "nothing lost");
    assert_eq!(unrecognized_entries(&h).await.len(), 1);

    // An entry an older version could not interpret (it wanted an element this version does
    // without), as that version stored it: after the upgrade, a replay processes it.
    let created = h.now_ms() / 1000;
    let older = crm::model::CallbackLogEntry {
        dedupe_key: "unrecognized:stored-by-an-older-version".to_owned(),
        event_type: "unrecognized".to_owned(),
        raw_xml: wecom_callback::builder::external_tag_xml(
            &corp, "create", "etNEW", "tag", created,
        ),
        status: CallbackStatus::Unrecognized,
        unrecognized_reason: Some("missing_element:StrategyId".to_owned()),
        delivery_count: 1,
        received_at_ms: h.now_ms(),
        last_delivery_at_ms: h.now_ms(),
        ..Default::default()
    };
    h.log.record_delivery(&older, h.now_ms()).await.unwrap();
    assert_eq!(unrecognized_entries(&h).await.len(), 2);
    let key = older.dedupe_key.clone();
    let (status, _) = h
        .api(
            reqwest::Method::POST,
            &format!("/api/callback-logs/{key}/replay"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 202);
    let done = h.processed(&key).await;
    assert_eq!(done.status, CallbackStatus::Processed, "{done:?}");
    assert_eq!(done.event_type, "change_external_tag/create");
    assert_eq!(done.unrecognized_reason, None);
    assert!(done.outcome.unwrap().starts_with("tags:refreshed"));
    let (_, by_type) = h
        .api(
            reqwest::Method::GET,
            "/api/callback-logs?event_type=change_external_tag/create",
            None,
        )
        .await;
    assert_eq!(by_type["items"][0]["id"], key.as_str());
    assert_eq!(
        unrecognized_entries(&h).await.len(),
        1,
        "no longer unrecognized"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_corrupt_callbacks_are_refused_with_a_generic_body_and_leave_no_trace() {
    let h = Harness::start(Backend::Embedded).await;
    let c = crypt(&h);
    let corp = h.app.config.corp_id.clone();
    let ts = now(&h);
    let sealed = c.seal(&add_event(&corp), &ts, "nonce1", [1; 16]);
    let good_query = format!(
        "msg_signature={}&timestamp={ts}&nonce=nonce1",
        sealed.msg_signature
    );
    let good_body = envelope_xml(&corp, AGENT, &sealed.encrypt);

    let forged = format!(
        "msg_signature={}&timestamp={ts}&nonce=nonce1",
        "0".repeat(40)
    );
    assert_refused(
        post(&h, &forged, good_body.clone()).await,
        401,
        "forged signature",
    );
    let replay = format!(
        "msg_signature={}&timestamp={ts}&nonce=other",
        sealed.msg_signature
    );
    assert_refused(
        post(&h, &replay, good_body.clone()).await,
        401,
        "signature of another nonce",
    );

    // Sealed for another corp (receiveid mismatch), correctly signed.
    let other = MsgCrypt::new(
        &h.app.config.token,
        &h.app.config.encoding_aes_key,
        "wwSomeoneElse",
    )
    .unwrap();
    let foreign = other.seal(&add_event(&corp), &ts, "nonce1", [2; 16]);
    assert_refused(
        post_signed(&h, &foreign.encrypt).await,
        400,
        "wrong receiveid",
    );

    assert_refused(
        post_signed(&h, "this is *not* base64!!").await,
        400,
        "bad base64",
    );

    // Bad padding: pad byte 0 and pad byte 33.
    let msg = add_event(&corp);
    for pad in [0u8, 33] {
        let mut plain = layout(msg.as_bytes(), &corp, msg.len() as u32, pad);
        if pad == 33 {
            plain.truncate(plain.len() - plain.len() % 32);
        }
        assert_refused(
            post_signed(&h, &raw_encrypt(&h, &plain)).await,
            400,
            &format!("pad byte {pad}"),
        );
    }
    // A length field that lies (points past the end of the data), padding valid.
    let mut lying = valid_layout(msg.as_bytes(), &corp);
    lying[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    assert_refused(
        post_signed(&h, &raw_encrypt(&h, &lying)).await,
        400,
        "length field",
    );
    // Ciphertexts of whole AES blocks that are not whole 32-byte blocks.
    for blocks in [1usize, 3] {
        let mut plain = valid_layout(msg.as_bytes(), &corp);
        plain.truncate(16 * blocks);
        assert_refused(
            post_signed(&h, &raw_encrypt(&h, &plain)).await,
            400,
            &format!("{blocks} AES blocks"),
        );
    }

    // Envelope without Encrypt; envelope with a DOCTYPE.
    let no_encrypt = format!("<xml><ToUserName><![CDATA[{corp}]]></ToUserName></xml>");
    assert_refused(post(&h, &good_query, no_encrypt).await, 400, "no Encrypt");
    let doctype = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY x \"y\">]><xml><Encrypt><![CDATA[{}]]></Encrypt></xml>",
        sealed.encrypt
    );
    assert_refused(
        post(&h, &good_query, doctype).await,
        400,
        "DOCTYPE envelope",
    );

    let huge = format!("<xml><Encrypt>{}</Encrypt></xml>", "A".repeat(70 * 1024));
    assert_refused(post(&h, &good_query, huge).await, 413, "oversized body");

    // Missing parameters; a method WeCom never uses.
    assert_refused(
        post(&h, "timestamp=1&nonce=2", good_body.clone()).await,
        400,
        "no signature",
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
    assert_eq!(get.json::<Value>().await.unwrap(), generic_refusal());

    assert_no_trace(&h).await;

    // And the genuine request still goes through.
    let answer = post(&h, &good_query, good_body).await;
    assert_eq!(answer, (200, json!("success")));
    let (entries, _) = h.log.recent(None, 10, None).await.unwrap();
    assert_eq!(entries.len(), 1);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timestamp_window_is_300_seconds_by_default_and_0_turns_it_off() {
    let h = Harness::start(Backend::Embedded).await;
    let c = crypt(&h);
    let corp = h.app.config.corp_id.clone();
    let signed_at = now(&h);
    let sealed = c.seal(&add_event(&corp), &signed_at, "nonce1", [5; 16]);
    let query = format!(
        "msg_signature={}&timestamp={signed_at}&nonce=nonce1",
        sealed.msg_signature
    );
    let body = envelope_xml(&corp, AGENT, &sealed.encrypt);
    // 301 s later (the fake clock moves; nobody waits).
    h.advance_clock_to_ms(h.now_ms() + 301_000);
    assert_refused(post(&h, &query, body.clone()).await, 401, "301 s old");
    assert_refused(
        post_signed_at(
            &h,
            &sealed.encrypt,
            &(h.now_ms() / 1000 + 301).to_string(),
            "n2",
        )
        .await,
        401,
        "301 s ahead",
    );
    let (status, _) = post(
        &h,
        "msg_signature=x&timestamp=yesterday&nonce=n",
        body.clone(),
    )
    .await;
    assert_eq!(status, 401, "a timestamp that is not a number");
    assert_no_trace(&h).await;
    let recent = (h.now_ms() / 1000 - 290).to_string();
    assert_eq!(
        post_signed_at(&h, &sealed.encrypt, &recent, "n3").await,
        (200, json!("success")),
        "290 s old is inside the window"
    );
    // The simulator signs with the (moved) clock: its callbacks stay fresh.
    let scan = h.scan("zhangsan", "douyin").await;
    assert_eq!(scan["deliveries"][0]["status"], 200, "{scan}");
    h.shutdown().await;

    let h = Harness::start_with(
        Backend::Embedded,
        Setup {
            max_skew_secs: 0,
            ..Setup::default()
        },
    )
    .await;
    let c = crypt(&h);
    let old = "1476422779";
    let sealed = c.seal(&add_event(&corp), old, "nonce1", [5; 16]);
    let query = format!(
        "msg_signature={}&timestamp={old}&nonce=nonce1",
        sealed.msg_signature
    );
    let answer = post(&h, &query, envelope_xml(&corp, AGENT, &sealed.encrypt)).await;
    assert_eq!(answer, (200, json!("success")), "window 0: any timestamp");
    h.shutdown().await;
}
