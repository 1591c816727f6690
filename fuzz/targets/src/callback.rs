//! The callback's decrypt-and-parse path: envelope XML, signature, base64, AES-256-CBC,
//! PKCS#7, length and receiveid, then the message XML and its extraction (owned `parse_message`,
//! borrowed `parse_message_ref`, both readers: flat fast path and general scanner).
//!
//! The first byte picks how the rest is used, so that the fuzzer reaches every stage with
//! inputs it can shape byte by byte:
//! - 0: the POST body as WeCom sends it (with a fixed signature: signature rejections);
//! - 1: the `Encrypt` text, correctly signed (base64 and ciphertext rejections);
//! - 2: the decrypted plaintext `random(16) | len u32 BE | msg | receiveid | padding`, encrypted
//!   and signed here (padding, length, receiveid, UTF-8 rejections, and any message);
//! - 3: the inner message XML, sealed as WeCom would (must decrypt to itself).
//!
//! Whatever the input: no panic, every error a 4xx, and the borrowed view agrees with the owned
//! message.
//!
//! Shared by the cargo-fuzz binary `fuzz/fuzz_targets/callback.rs` and the corpus replay test
//! `tests/tests/fuzz_corpus.rs` of the main workspace (which includes this file).

use std::sync::OnceLock;

use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use wecom_callback::{CallbackError, MsgCrypt, envelope_xml, parse_message, parse_message_ref};

const TOKEN: &str = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
const ENCODING_AES_KEY: &str = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
const CORP_ID: &str = "ww1436e0e65a779aee";
const TIMESTAMP: &str = "1795850208";
const NONCE: &str = "fuzz-nonce";

fn crypto() -> &'static MsgCrypt {
    static CRYPTO: OnceLock<MsgCrypt> = OnceLock::new();
    CRYPTO.get_or_init(|| {
        MsgCrypt::new(TOKEN, ENCODING_AES_KEY, CORP_ID).expect("the sample EncodingAESKey is valid")
    })
}

/// The AES key as WeCom derives it (`base64(EncodingAESKey + "=")`, trailing bits allowed).
fn aes_key() -> [u8; 32] {
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let bytes = engine
        .decode(format!("{ENCODING_AES_KEY}="))
        .expect("the sample EncodingAESKey is base64");
    bytes.try_into().expect("32 bytes")
}

/// AES-256-CBC (IV = key[..16]) of `plain` zero-extended to whole blocks, base64.
fn encrypt_raw(plain: &[u8]) -> String {
    let key = aes_key();
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&key[..16]);
    let mut buf = plain.to_vec();
    let blocks = buf.len().div_ceil(16).max(1);
    buf.resize(blocks * 16, 0);
    let len = buf.len();
    let encryptor = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into());
    let cipher = encryptor
        .encrypt_padded_mut::<NoPadding>(&mut buf, len)
        .expect("whole blocks");
    STANDARD.encode(cipher)
}

/// Signs `encrypt` and wraps it in the envelope, then runs the POST path.
fn post_signed(encrypt: &str) -> Result<String, CallbackError> {
    let crypto = crypto();
    let signature = crypto.signature(TIMESTAMP, NONCE, encrypt);
    let body = envelope_xml(CORP_ID, "1000002", encrypt);
    crypto.decrypt_post(&signature, TIMESTAMP, NONCE, body.as_bytes())
}

/// Every rejection of a request is the caller's fault: 400, 401 or 413, never a 5xx.
fn check_rejection(e: &CallbackError) {
    let status = e.http_status();
    assert!(matches!(status, 400 | 401 | 413), "{e:?} answered {status}");
    assert!(!e.code().is_empty());
}

/// The owned and the borrowed readings of a decrypted message agree.
fn check_message(xml: &str) {
    let owned = parse_message(xml);
    let borrowed = parse_message_ref(xml);
    match (&owned, &borrowed) {
        (Ok(message), Ok(view)) => {
            assert_eq!(&view.to_message(), message, "{xml:?}");
            assert_eq!(view.dedupe_key(), message.dedupe_key(), "{xml:?}");
            assert_eq!(view.raw(), xml);
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.code(), b.code(), "{xml:?}");
            check_rejection(a);
        }
        _ => panic!("{xml:?}\n  owned:    {owned:?}\n  borrowed: {borrowed:?}"),
    }
}

/// The fuzz target: see the module documentation for the input's shape.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let crypto = crypto();
    let decrypted = match mode % 4 {
        0 => {
            let _ = wecom_callback::parse_envelope(rest);
            let signature = crypto.signature(TIMESTAMP, NONCE, "");
            crypto.decrypt_post(&signature, TIMESTAMP, NONCE, rest)
        }
        1 => {
            let encrypt = String::from_utf8_lossy(rest);
            let result = post_signed(&encrypt);
            if let Err(e) = &result {
                // Signed correctly: whatever else is wrong, not the signature.
                assert!(!matches!(e, CallbackError::BadSignature), "{encrypt:?}");
            }
            result
        }
        2 => {
            let result = post_signed(&encrypt_raw(rest));
            if let Ok(msg) = &result {
                // What was accepted is exactly the length-prefixed message of the plaintext.
                let len_bytes: [u8; 4] = rest[16..20].try_into().expect("4 bytes");
                let len = u32::from_be_bytes(len_bytes) as usize;
                assert_eq!(msg.as_bytes(), &rest[20..20 + len]);
                assert!(rest[20 + len..].starts_with(CORP_ID.as_bytes()));
            }
            result
        }
        _ => {
            let inner = String::from_utf8_lossy(rest);
            let random: [u8; 16] = std::array::from_fn(|i| rest.get(i).copied().unwrap_or(0));
            let sealed = crypto.seal(&inner, TIMESTAMP, NONCE, random);
            let body = envelope_xml(CORP_ID, "1000002", &sealed.encrypt);
            let result =
                crypto.decrypt_post(&sealed.msg_signature, TIMESTAMP, NONCE, body.as_bytes());
            match &result {
                Ok(plain) => assert_eq!(plain, &inner),
                // Sealed, the message grows by a third and more: over the body limit.
                Err(CallbackError::BodyTooLarge) => {
                    assert!(body.len() > wecom_callback::MAX_BODY_BYTES);
                }
                Err(e) => panic!("a sealed message was refused: {e:?}"),
            }
            result
        }
    };
    match decrypted {
        Ok(xml) => check_message(&xml),
        Err(e) => check_rejection(&e),
    }
}
