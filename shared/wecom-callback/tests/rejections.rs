//! Every rejection path of the crypto and the envelope, and a property-style mutation loop.

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wecom_callback::{
    CallbackError, MAX_BODY_BYTES, MsgCrypt, check_freshness, envelope_xml, parse_envelope,
    parse_message,
};

const TOKEN: &str = "QDG6eK";
const KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP: &str = "wx5823bf96d3bd56c7";
const TS: &str = "1409659813";
const NONCE: &str = "1372623149";
const PLAIN: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[mycreate]]></FromUserName><CreateTime>1409659813</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello]]></Content><MsgId>4561255354251345929</MsgId><AgentID>218</AgentID></xml>";

fn crypto() -> MsgCrypt {
    MsgCrypt::new(TOKEN, KEY, CORP).expect("valid key")
}

fn key_bytes() -> [u8; 32] {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    engine
        .decode(format!("{KEY}="))
        .expect("key decodes")
        .try_into()
        .expect("32 bytes")
}

/// AES-256-CBC (IV = key[..16]) of raw bytes that must already be a whole number of blocks.
fn raw_encrypt(plain: &[u8]) -> String {
    assert_eq!(plain.len() % 16, 0);
    let key = key_bytes();
    let mut buf = plain.to_vec();
    let len = buf.len();
    let enc = cbc::Encryptor::<Aes256>::new_from_slices(&key, &key[..16]).expect("key/iv sizes");
    let ct = enc
        .encrypt_padded_mut::<NoPadding>(&mut buf, len)
        .expect("whole blocks");
    STANDARD.encode(ct)
}

/// random | len | msg | rid, then the given raw padding appended.
fn layout(declared_len: u32, msg: &[u8], rid: &[u8]) -> Vec<u8> {
    let mut v = vec![0x42u8; 16];
    v.extend_from_slice(&declared_len.to_be_bytes());
    v.extend_from_slice(msg);
    v.extend_from_slice(rid);
    v
}

fn with_pkcs7(mut v: Vec<u8>) -> Vec<u8> {
    let pad = 32 - v.len() % 32;
    v.resize(v.len() + pad, pad as u8);
    v
}

/// Signs `encrypted` correctly and posts it, so that the rejection comes from what follows.
fn post_signed(encrypted: &str) -> Result<String, CallbackError> {
    let c = crypto();
    let sig = c.signature(TS, NONCE, encrypted);
    let body = envelope_xml(CORP, "218", encrypted);
    c.decrypt_post(&sig, TS, NONCE, body.as_bytes())
}

fn post_body(body: &str) -> Result<String, CallbackError> {
    // The signature does not matter: envelope errors come first.
    crypto().decrypt_post(
        "0000000000000000000000000000000000000000",
        TS,
        NONCE,
        body.as_bytes(),
    )
}

#[test]
fn a_well_formed_raw_layout_is_accepted_so_the_helpers_are_right() {
    let enc = raw_encrypt(&with_pkcs7(layout(
        PLAIN.len() as u32,
        PLAIN.as_bytes(),
        CORP.as_bytes(),
    )));
    assert_eq!(post_signed(&enc).as_deref(), Ok(PLAIN));
}

#[test]
fn wrong_signature_is_rejected() {
    let c = crypto();
    let sealed = c.seal(PLAIN, TS, NONCE, [3; 16]);
    let body = envelope_xml(CORP, "218", &sealed.encrypt);
    let mut bad = sealed.msg_signature.clone().into_bytes();
    bad[0] = if bad[0] == b'a' { b'b' } else { b'a' };
    let bad = String::from_utf8(bad).expect("ascii");
    for sig in [
        bad.as_str(),
        "deadbeef",
        &sealed.msg_signature.to_uppercase(),
        &format!("{} ", sealed.msg_signature),
    ] {
        assert_eq!(
            c.decrypt_post(sig, TS, NONCE, body.as_bytes()),
            Err(CallbackError::BadSignature),
            "{sig}"
        );
    }
    // Right signature, other timestamp or nonce.
    assert_eq!(
        c.decrypt_post(&sealed.msg_signature, "1409659814", NONCE, body.as_bytes()),
        Err(CallbackError::BadSignature)
    );
    assert_eq!(
        c.decrypt_post(&sealed.msg_signature, TS, "1", body.as_bytes()),
        Err(CallbackError::BadSignature)
    );
    // Another token.
    let other = MsgCrypt::new("other", KEY, CORP).expect("valid key");
    assert_eq!(
        other.decrypt_post(&sealed.msg_signature, TS, NONCE, body.as_bytes()),
        Err(CallbackError::BadSignature)
    );
    assert_eq!(
        other.verify_url(&sealed.msg_signature, TS, NONCE, &sealed.encrypt),
        Err(CallbackError::BadSignature)
    );
}

#[test]
fn missing_parameters_are_named() {
    let c = crypto();
    let sealed = c.seal(PLAIN, TS, NONCE, [3; 16]);
    let body = envelope_xml(CORP, "218", &sealed.encrypt);
    assert_eq!(
        c.decrypt_post("", TS, NONCE, body.as_bytes()),
        Err(CallbackError::MissingParameter("msg_signature"))
    );
    assert_eq!(
        c.decrypt_post(&sealed.msg_signature, "", NONCE, body.as_bytes()),
        Err(CallbackError::MissingParameter("timestamp"))
    );
    assert_eq!(
        c.decrypt_post(&sealed.msg_signature, TS, "", body.as_bytes()),
        Err(CallbackError::MissingParameter("nonce"))
    );
    assert_eq!(
        c.verify_url(&sealed.msg_signature, TS, NONCE, ""),
        Err(CallbackError::MissingParameter("echostr"))
    );
    assert_eq!(
        CallbackError::MissingParameter("nonce").code(),
        "missing_parameter"
    );
}

#[test]
fn wrong_receive_id_is_rejected() {
    let sealer = MsgCrypt::new(TOKEN, KEY, "ww_other_corp").expect("valid key");
    let sealed = sealer.seal(PLAIN, TS, NONCE, [5; 16]);
    let body = envelope_xml(CORP, "218", &sealed.encrypt);
    let c = crypto();
    assert_eq!(
        c.decrypt_post(&sealed.msg_signature, TS, NONCE, body.as_bytes()),
        Err(CallbackError::WrongReceiveId)
    );
    assert_eq!(
        c.verify_url(&sealed.msg_signature, TS, NONCE, &sealed.encrypt),
        Err(CallbackError::WrongReceiveId)
    );
    // A receiveid that is a prefix or an extension of ours is just as wrong.
    for rid in ["wx5823bf96d3bd56c", "wx5823bf96d3bd56c7x", ""] {
        let enc = raw_encrypt(&with_pkcs7(layout(
            PLAIN.len() as u32,
            PLAIN.as_bytes(),
            rid.as_bytes(),
        )));
        assert_eq!(
            post_signed(&enc),
            Err(CallbackError::WrongReceiveId),
            "{rid:?}"
        );
    }
}

#[test]
fn bad_padding_is_rejected() {
    let base = layout(PLAIN.len() as u32, PLAIN.as_bytes(), CORP.as_bytes());
    // Pad byte 0.
    let mut zero = base.clone();
    let fill = 32 - zero.len() % 32;
    zero.resize(zero.len() + fill, 0);
    assert_eq!(
        post_signed(&raw_encrypt(&zero)),
        Err(CallbackError::BadPadding)
    );
    // Pad byte > 32 (33 and 255), bytes otherwise consistent.
    for pad in [33u8, 64, 255] {
        let mut v = base.clone();
        let fill = 32 - v.len() % 32 + 64;
        v.resize(v.len() + fill, pad);
        assert_eq!(
            post_signed(&raw_encrypt(&v)),
            Err(CallbackError::BadPadding),
            "pad {pad}"
        );
    }
    // Inconsistent pad bytes: last byte says 8 but the one before differs.
    let mut v = base.clone();
    let fill = 32 - v.len() % 32 + 32;
    v.resize(v.len() + fill, 8);
    let n = v.len();
    v[n - 3] = 7;
    assert_eq!(
        post_signed(&raw_encrypt(&v)),
        Err(CallbackError::BadPadding)
    );
    // A whole-block message with the pad byte = 32 but one pad byte wrong.
    let mut w = vec![0x42u8; 32];
    w.extend_from_slice(&[32u8; 32]);
    w[40] = 31;
    assert_eq!(
        post_signed(&raw_encrypt(&w)),
        Err(CallbackError::BadPadding)
    );
    // A 16-byte ciphertext (one AES block, pad byte 17..=32) is not a whole 32-byte block:
    // refused before the padding is looked at.
    let mut x = vec![0x42u8; 15];
    x.push(20);
    assert_eq!(
        post_signed(&raw_encrypt(&x)),
        Err(CallbackError::BadCiphertext)
    );
}

#[test]
fn length_field_larger_than_the_data_is_rejected() {
    for declared in [PLAIN.len() as u32 + CORP.len() as u32 + 1, 10_000, u32::MAX] {
        let enc = raw_encrypt(&with_pkcs7(layout(
            declared,
            PLAIN.as_bytes(),
            CORP.as_bytes(),
        )));
        assert_eq!(
            post_signed(&enc),
            Err(CallbackError::BadLength),
            "declared {declared}"
        );
    }
    // Too short to even hold random + length: 16 bytes of content after unpadding.
    let mut short = vec![0x42u8; 16];
    short.extend_from_slice(&[16u8; 16]);
    assert_eq!(
        post_signed(&raw_encrypt(&short)),
        Err(CallbackError::BadLength)
    );
}

#[test]
fn decrypted_bytes_that_are_not_utf8_are_rejected() {
    let msg = [0xffu8, 0xfe, b'<', b'x'];
    let enc = raw_encrypt(&with_pkcs7(layout(msg.len() as u32, &msg, CORP.as_bytes())));
    assert_eq!(post_signed(&enc), Err(CallbackError::NotUtf8));
}

#[test]
fn non_base64_is_rejected() {
    for enc in [
        "not base64!",
        "QUJD\u{00e9}",
        "QUJDRA",
        "QUJDRA=",
        "QUJ DRA==",
        "QUJDRA===",
    ] {
        assert_eq!(post_signed(enc), Err(CallbackError::BadBase64), "{enc:?}");
    }
    let c = crypto();
    let e = "%%%";
    assert_eq!(
        c.verify_url(&c.signature(TS, NONCE, e), TS, NONCE, e),
        Err(CallbackError::BadBase64)
    );
}

#[test]
fn ciphertext_not_a_non_zero_multiple_of_32_is_rejected() {
    // 16 and 48 are whole AES blocks but not whole blocks of WeCom's 32-byte padding.
    for n in [1usize, 15, 16, 17, 31, 33, 47, 48, 80] {
        let enc = STANDARD.encode(vec![7u8; n]);
        assert_eq!(
            post_signed(&enc),
            Err(CallbackError::BadCiphertext),
            "{n} bytes"
        );
    }
}

#[test]
fn body_over_the_limit_is_rejected_before_any_work() {
    let big = vec![b'x'; MAX_BODY_BYTES + 1];
    let c = crypto();
    // Even with missing parameters and garbage content: size is checked first.
    assert_eq!(
        c.decrypt_post("", "", "", &big),
        Err(CallbackError::BodyTooLarge)
    );
    assert_eq!(parse_envelope(&big), Err(CallbackError::BodyTooLarge));
    let mut padded = envelope_xml(CORP, "218", "QUJD").into_bytes();
    padded.resize(MAX_BODY_BYTES + 10, b' ');
    assert_eq!(
        post_body(std::str::from_utf8(&padded).expect("ascii")),
        Err(CallbackError::BodyTooLarge)
    );
    // Exactly at the limit is not "too large" (it fails later, for another reason).
    let at = vec![b' '; MAX_BODY_BYTES];
    assert!(!matches!(
        c.decrypt_post("s", "t", "n", &at),
        Err(CallbackError::BodyTooLarge)
    ));
    let huge_echo = "A".repeat(MAX_BODY_BYTES + 4);
    assert_eq!(
        c.verify_url("s", "t", "n", &huge_echo),
        Err(CallbackError::BodyTooLarge)
    );
    assert_eq!(CallbackError::BodyTooLarge.http_status(), 413);
}

#[test]
fn envelope_with_doctype_or_entities_is_forbidden() {
    let enc = crypto().encrypt(PLAIN, [1; 16]);
    let bodies = [
        format!("<!DOCTYPE xml><xml><Encrypt><![CDATA[{enc}]]></Encrypt></xml>"),
        format!("<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY e \"{enc}\">]><xml><Encrypt>&e;</Encrypt></xml>"),
        format!("<!DOCTYPE xml [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>&x;</ToUserName><Encrypt>{enc}</Encrypt></xml>"),
        "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><xml><Encrypt>&lol2;</Encrypt></xml>".to_owned(),
        format!("<!ENTITY e \"x\"><xml><Encrypt>{enc}</Encrypt></xml>"),
        format!("<xml><Encrypt>{enc}</Encrypt><AgentID>&undefined;</AgentID></xml>"),
        format!("<xml><Encrypt>{enc}&nbsp;</Encrypt></xml>"),
    ];
    for body in &bodies {
        let got = post_body(body);
        assert_eq!(got, Err(CallbackError::ForbiddenXml), "{body}");
        assert_eq!(
            parse_envelope(body.as_bytes()),
            Err(CallbackError::ForbiddenXml)
        );
    }
    assert_eq!(CallbackError::ForbiddenXml.code(), "forbidden_xml");
}

#[test]
fn predefined_and_numeric_references_are_allowed_in_the_envelope() {
    let c = crypto();
    let sealed = c.seal(PLAIN, TS, NONCE, [1; 16]);
    // '+' written as &#43; and '/' as &#x2F; still yield the same Encrypt text.
    let escaped = sealed.encrypt.replace('+', "&#43;").replace('/', "&#x2F;");
    let body = format!(
        "<xml><ToUserName>a&amp;b&lt;&gt;&quot;&apos;</ToUserName><Encrypt>{escaped}</Encrypt></xml>"
    );
    assert_eq!(
        c.decrypt_post(&sealed.msg_signature, TS, NONCE, body.as_bytes())
            .as_deref(),
        Ok(PLAIN)
    );
}

#[test]
fn inner_xml_with_doctype_or_entities_is_forbidden() {
    let inners = [
        "<!DOCTYPE xml><xml><MsgType>text</MsgType></xml>",
        "<!DOCTYPE xml [<!ENTITY e \"x\">]><xml><Content>&e;</Content></xml>",
        "<xml><FromUserName>&who;</FromUserName><MsgType>text</MsgType></xml>",
    ];
    let c = crypto();
    for inner in inners {
        // The crypto layer hands the plaintext back untouched…
        let sealed = c.seal(inner, TS, NONCE, [2; 16]);
        let body = envelope_xml(CORP, "218", &sealed.encrypt);
        let plain = c
            .decrypt_post(&sealed.msg_signature, TS, NONCE, body.as_bytes())
            .expect("crypto ok");
        // …and the parser refuses it.
        assert_eq!(
            parse_message(&plain),
            Err(CallbackError::ForbiddenXml),
            "{inner}"
        );
    }
}

#[test]
fn missing_or_empty_encrypt_is_rejected() {
    for body in [
        "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><AgentID>218</AgentID></xml>",
        "<xml><Encrypt></Encrypt></xml>",
        "<xml><Encrypt/></xml>",
        "<xml/>",
        "<xml><Nested><Encrypt>QUJD</Encrypt></Nested></xml>",
    ] {
        assert_eq!(
            post_body(body),
            Err(CallbackError::MissingEncrypt),
            "{body}"
        );
    }
}

#[test]
fn malformed_envelopes_are_rejected() {
    let enc = crypto().encrypt(PLAIN, [1; 16]);
    let bodies = [
        String::new(),
        "   ".to_owned(),
        "not xml at all".to_owned(),
        format!("<xml><Encrypt>{enc}</Encrypt>"),
        format!("<xml><Encrypt>{enc}</Encrypt></xmlx>"),
        format!("<xml><Encrypt>{enc}</Wrong></xml>"),
        format!("<root><Encrypt>{enc}</Encrypt></root>"),
        format!("<xml><Encrypt>{enc}</Encrypt></xml><xml/>"),
        format!("<xml><Encrypt>{enc}</Encrypt></xml>trailing garbage"),
        format!("<xml><Encrypt>{enc}</Encrypt></xml><!-- ok --><extra/>"),
        format!("garbage<xml><Encrypt>{enc}</Encrypt></xml>"),
        format!("<xml><Encrypt>{enc}</Encrypt><Encrypt>{enc}</Encrypt></xml>"),
        format!("<xml><Encrypt>{enc} & more</Encrypt></xml>"),
        format!("<xml><?php echo 1 ?><Encrypt>{enc}</Encrypt></xml>"),
        format!(
            "<xml>{}{enc}{}</xml>",
            "<a>".repeat(100),
            "</a>".repeat(100)
        ),
    ];
    for body in &bodies {
        let got = post_body(body);
        assert!(
            matches!(got, Err(CallbackError::MalformedEnvelope(_))),
            "{body:?} -> {got:?}"
        );
    }
    let not_utf8 = b"<xml><Encrypt>\xff\xfe</Encrypt></xml>";
    assert!(matches!(
        crypto().decrypt_post("s", TS, NONCE, not_utf8),
        Err(CallbackError::MalformedEnvelope(_))
    ));
    // Whitespace and comments around the root are fine.
    let c = crypto();
    let sealed = c.seal(PLAIN, TS, NONCE, [1; 16]);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->\n<xml>\n  <Encrypt><![CDATA[{}]]></Encrypt>\n</xml>\n\n",
        sealed.encrypt
    );
    assert_eq!(
        c.decrypt_post(&sealed.msg_signature, TS, NONCE, body.as_bytes())
            .as_deref(),
        Ok(PLAIN)
    );
}

#[test]
fn stale_timestamp_is_rejected_when_the_window_is_on_and_accepted_when_zero() {
    let now = 1_700_000_000;
    assert_eq!(check_freshness("1700000000", now, 300), Ok(()));
    assert_eq!(check_freshness("1699999700", now, 300), Ok(()));
    assert_eq!(check_freshness("1700000300", now, 300), Ok(()));
    assert_eq!(
        check_freshness("1699999699", now, 300),
        Err(CallbackError::StaleTimestamp)
    );
    assert_eq!(
        check_freshness("1700000301", now, 300),
        Err(CallbackError::StaleTimestamp)
    );
    assert_eq!(
        check_freshness("1409659813", now, 300),
        Err(CallbackError::StaleTimestamp)
    );
    assert_eq!(
        check_freshness("-9223372036854775808", i64::MAX, 1),
        Err(CallbackError::StaleTimestamp)
    );
    assert_eq!(
        check_freshness("abc", now, 300),
        Err(CallbackError::BadTimestamp)
    );
    assert_eq!(
        check_freshness("", now, 300),
        Err(CallbackError::BadTimestamp)
    );
    assert_eq!(
        check_freshness("99999999999999999999", now, 300),
        Err(CallbackError::BadTimestamp)
    );
    // Window off: anything goes, even an old sample timestamp or garbage.
    assert_eq!(check_freshness("1409659813", now, 0), Ok(()));
    assert_eq!(check_freshness("abc", now, 0), Ok(()));
    assert_eq!(CallbackError::StaleTimestamp.code(), "stale_timestamp");
}

#[test]
fn error_codes_are_stable_snake_case() {
    let all = [
        CallbackError::InvalidAesKey,
        CallbackError::MissingParameter("x"),
        CallbackError::BodyTooLarge,
        CallbackError::MalformedEnvelope(String::new()),
        CallbackError::ForbiddenXml,
        CallbackError::MissingEncrypt,
        CallbackError::BadSignature,
        CallbackError::StaleTimestamp,
        CallbackError::BadTimestamp,
        CallbackError::BadBase64,
        CallbackError::BadCiphertext,
        CallbackError::BadPadding,
        CallbackError::BadLength,
        CallbackError::WrongReceiveId,
        CallbackError::NotUtf8,
        CallbackError::MalformedMessage(String::new()),
        CallbackError::MissingField("x"),
    ];
    let mut codes: Vec<&str> = all.iter().map(CallbackError::code).collect();
    assert!(codes.iter().all(|c| {
        c.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    }));
    assert_eq!(CallbackError::BadSignature.code(), "bad_signature");
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len(), "codes must be distinct");
    assert!(all.iter().all(|e| (400..600).contains(&e.http_status())));
}

fn mutate(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    let edits = rng.random_range(1..=4);
    for _ in 0..edits {
        let len = v.len();
        match rng.random_range(0..7) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                v[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                v[i] = rng.random();
            }
            2 => {
                let i = rng.random_range(0..=len);
                let snippets: [&[u8]; 10] = [
                    b"<",
                    b">",
                    b"&",
                    b"]]>",
                    b"<![CDATA[",
                    b"<!DOCTYPE x>",
                    b"&e;",
                    b"</xml>",
                    b"=",
                    b"+",
                ];
                let s = snippets[rng.random_range(0..snippets.len())];
                v.splice(i..i, s.iter().copied());
            }
            3 if len > 0 => {
                let i = rng.random_range(0..len);
                let j = rng.random_range(i..=len.min(i + 8));
                v.drain(i..j);
            }
            4 if len > 0 => v.truncate(rng.random_range(0..len)),
            5 if len > 1 => {
                let i = rng.random_range(0..len);
                let j = rng.random_range(0..len);
                v.swap(i, j);
            }
            _ => v.push(rng.random()),
        }
    }
    v
}

#[test]
fn random_mutations_never_panic_and_never_decrypt_to_a_different_message() {
    let c = crypto();
    let mut rng = StdRng::seed_from_u64(0xC0FF_EE00_0000_0001);
    let sealed = c.seal(PLAIN, TS, NONCE, [9; 16]);
    let body = envelope_xml(CORP, "218", &sealed.encrypt);
    let mut outcomes = std::collections::BTreeMap::<&'static str, usize>::new();
    for round in 0..4000 {
        let (sig, ts, nonce, b) = match round % 4 {
            0 | 1 => (
                sealed.msg_signature.clone(),
                TS.to_owned(),
                NONCE.to_owned(),
                mutate(&mut rng, body.as_bytes()),
            ),
            2 => {
                let sig =
                    String::from_utf8_lossy(&mutate(&mut rng, sealed.msg_signature.as_bytes()))
                        .into_owned();
                (
                    sig,
                    TS.to_owned(),
                    NONCE.to_owned(),
                    body.clone().into_bytes(),
                )
            }
            _ => {
                let ts = String::from_utf8_lossy(&mutate(&mut rng, TS.as_bytes())).into_owned();
                let nonce =
                    String::from_utf8_lossy(&mutate(&mut rng, NONCE.as_bytes())).into_owned();
                (
                    sealed.msg_signature.clone(),
                    ts,
                    nonce,
                    mutate(&mut rng, body.as_bytes()),
                )
            }
        };
        match c.decrypt_post(&sig, &ts, &nonce, &b) {
            Ok(plain) => {
                assert_eq!(
                    plain, PLAIN,
                    "round {round} decrypted to a different message"
                );
                *outcomes.entry("ok_same").or_default() += 1;
            }
            Err(e) => *outcomes.entry(e.code()).or_default() += 1,
        }
    }
    // The loop reached the deep rejections, not only the first check.
    assert!(
        outcomes.get("bad_signature").copied().unwrap_or(0) > 100,
        "{outcomes:?}"
    );
    assert!(outcomes.len() >= 4, "{outcomes:?}");
}

#[test]
fn re_signed_ciphertext_mutations_never_panic() {
    // An attacker who knows the token (not the key) can sign anything: decryption of arbitrary
    // ciphertexts must fail cleanly or yield some string, never panic.
    let c = crypto();
    let mut rng = StdRng::seed_from_u64(0xC0FF_EE00_0000_0002);
    let ct = STANDARD.decode(c.encrypt(PLAIN, [9; 16])).expect("base64");
    for _ in 0..3000 {
        let mut m = ct.clone();
        match rng.random_range(0..3) {
            0 => {
                let i = rng.random_range(0..m.len());
                m[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let n = 16 * rng.random_range(0..=m.len() / 16);
                m.truncate(n);
            }
            _ => {
                let n = 16 * rng.random_range(1..6);
                m = (0..n).map(|_| rng.random()).collect();
            }
        }
        let _ = post_signed(&STANDARD.encode(&m));
    }
}

#[test]
fn random_inner_xml_mutations_never_panic() {
    let mut rng = StdRng::seed_from_u64(0xC0FF_EE00_0000_0003);
    let seeds = [
        PLAIN.to_owned(),
        wecom_callback::builder::external_contact_xml(
            CORP,
            "add_external_contact",
            "u",
            "wm1",
            Some("s"),
            Some("w"),
            1,
        ),
        "<xml><MemChangeList><Item>a</Item><Item>b</Item></MemChangeList></xml>".to_owned(),
    ];
    for i in 0..3000 {
        let seed = &seeds[i % seeds.len()];
        let m = mutate(&mut rng, seed.as_bytes());
        let s = String::from_utf8_lossy(&m);
        if let Ok(msg) = parse_message(&s) {
            let _ = msg.dedupe_key();
        }
    }
}
