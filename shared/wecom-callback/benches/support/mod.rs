//! The benchmark payload: one typical `add_external_contact` callback, sealed like WeCom does,
//! and the "crypto floor" measured beside the hot path. Shared by `benches/hot_path.rs` and
//! `examples/crypto_compare.rs` (which hands the very same payload to the Python reference,
//! `scripts/bench/crypto_reference.py`).

// Each user (the bench, the comparison) uses a different part of it.
#![allow(dead_code)]

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, InnerIvInit, KeyInit};
use sha1::{Digest, Sha1};
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
    /// The POST body: the envelope around `encrypt`.
    pub body: String,
    /// The `Encrypt` text inside `body`.
    pub encrypt: String,
    /// The decrypted message XML.
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
        encrypt: sealed.encrypt,
        inner,
    }
}

/// The crypto floor: the work no implementation of the hot path can skip, done with the same
/// primitives the crate uses (the `sha1`, `base64`, `aes` and `cbc` crates) and nothing else —
/// no envelope, no padding/length/receiveid checks, no UTF-8 check, no XML, no allocation (the
/// buffer is reused). The `Encrypt` text is given, already extracted from the body.
pub struct Floor {
    cipher: Aes256,
    iv: [u8; 16],
    buf: Vec<u8>,
}

impl Floor {
    pub fn new() -> Self {
        // The EncodingAESKey is base64 of the key without its trailing `=`.
        let lenient = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new()
                .with_decode_allow_trailing_bits(true)
                .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
        );
        let key = match lenient.decode(format!("{AES_KEY}=")) {
            Ok(k) => k,
            Err(e) => panic!("fixture key must decode: {e}"),
        };
        let cipher = match Aes256::new_from_slice(&key) {
            Ok(c) => c,
            Err(e) => panic!("fixture key must be 32 bytes: {e}"),
        };
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&key[..16]);
        Floor {
            cipher,
            iv,
            buf: Vec::with_capacity(4096),
        }
    }

    /// sha1 over the sorted `[token, timestamp, nonce, encrypt]` compared with `msg_signature`,
    /// then base64-decode `encrypt` and AES-256-CBC decrypt it in place. Returns the plaintext
    /// length (0 on any failure).
    pub fn run(
        &mut self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> usize {
        let mut parts = [TOKEN, timestamp, nonce, encrypt];
        parts.sort_unstable();
        let mut h = Sha1::new();
        for p in parts {
            h.update(p.as_bytes());
        }
        let mut hex = [0u8; 40];
        if hex::encode_to_slice(h.finalize(), &mut hex).is_err() || hex != msg_signature.as_bytes()
        {
            return 0;
        }
        self.buf.clear();
        if STANDARD.decode_vec(encrypt, &mut self.buf).is_err() {
            return 0;
        }
        let decryptor =
            cbc::Decryptor::<Aes256>::inner_iv_init(self.cipher.clone(), &self.iv.into());
        match decryptor.decrypt_padded_mut::<NoPadding>(&mut self.buf) {
            Ok(plain) => plain.len(),
            Err(_) => 0,
        }
    }
}
