//! The benchmark payload: one typical `add_external_contact` callback, sealed like WeCom does.
//! Shared by `benches/hot_path.rs` and `examples/bench_payload.rs` (which hands the very same
//! payload to the Python reference, `scripts/bench/crypto_reference.py`).

// Each user (the bench, the payload printer) uses a different part of it.
#![allow(dead_code)]

use wecom_callback::{MsgCrypt, builder, envelope_xml};

/// Sample A's configuration (sbzhu/weworkapi_python callback/Sample.py).
pub const TOKEN: &str = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
pub const AES_KEY: &str = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
pub const CORP_ID: &str = "ww1436e0e65a779aee";
pub const TIMESTAMP: &str = "1700000000";
pub const NONCE: &str = "1372623149";

pub struct Payload {
    pub crypto: MsgCrypt,
    pub msg_signature: String,
    pub body: String,
    pub inner: String,
}

pub fn payload() -> Payload {
    let crypto = match MsgCrypt::new(TOKEN, AES_KEY, CORP_ID) {
        Ok(c) => c,
        Err(e) => panic!("fixture key must be valid: {e}"),
    };
    let inner = builder::external_contact_xml(
        CORP_ID,
        "add_external_contact",
        "zhangsan",
        "wmQ2VxDAAA3X6jJ2sU2YaX8VZ6bW0lVwzQ",
        Some("xhs_2024_spring_post_17"),
        Some("bWsW9vMa1zG6ZrWkf5yQ3rV5xw7Z1b2c3d4e5f6g7h8"),
        1_700_000_000,
    );
    let sealed = crypto.seal(&inner, TIMESTAMP, NONCE, *b"0123456789abcdef");
    let body = envelope_xml(CORP_ID, "1000002", &sealed.encrypt);
    Payload {
        crypto,
        msg_signature: sealed.msg_signature,
        body,
        inner,
    }
}
