//! WXBizMsgCrypt: the signature and AES scheme of WeCom callbacks, plus the envelope around it.
//!
//! - `msg_signature = hex(sha1(concat(sort([token, timestamp, nonce, encrypted]))))`
//! - `key = base64(EncodingAESKey + "=")` (32 bytes), AES-256-CBC, `IV = key[..16]`
//! - plaintext = `random(16) | msg_len (u32 BE) | msg | receive_id`, PKCS#7-padded to 32 bytes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use aes::Aes256;
use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, InnerIvInit, KeyInit};
use sha1::{Digest, Sha1};

pub use crate::error::CallbackError;
use crate::xml::{self, XmlError};

/// The largest POST body (and echostr) accepted; larger ones are rejected before any work.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// PKCS#7 block size used by WeCom (not the AES block size).
const PAD_BLOCK: usize = 32;
/// AES block size.
const AES_BLOCK: usize = 16;
/// random(16) + msg_len(4)
const HEADER_LEN: usize = 20;

/// Lenient decoder for the EncodingAESKey: published keys often have non-zero trailing bits.
const KEY_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a WeCom server sends for one message: the encrypted payload and its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// base64 of the AES ciphertext (the `Encrypt` element / the `echostr` parameter).
    pub encrypt: String,
    /// The `msg_signature` query parameter.
    pub msg_signature: String,
}

/// The fields of the POST body WeCom sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `ToUserName` (the corp id), when present.
    pub to_user_name: Option<String>,
    /// `AgentID`, when present.
    pub agent_id: Option<String>,
    /// `Encrypt`: the base64 ciphertext (exactly as sent; it is what the signature covers).
    pub encrypt: String,
}

/// The callback crypto for one (token, EncodingAESKey, receiveid) configuration.
///
/// `Debug` does not show the token or the key.
#[derive(Clone)]
pub struct MsgCrypt {
    token: String,
    iv: [u8; AES_BLOCK],
    cipher: Aes256,
    receive_id: String,
}

impl fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MsgCrypt")
            .field("token", &"<redacted>")
            .field("key", &"<redacted>")
            .field("receive_id", &self.receive_id)
            .finish()
    }
}

impl MsgCrypt {
    /// `encoding_aes_key` is the 43-character EncodingAESKey. It is decoded leniently
    /// (`base64(key + "=")`, trailing bits allowed) and must give exactly 32 bytes.
    pub fn new(
        token: &str,
        encoding_aes_key: &str,
        receive_id: &str,
    ) -> Result<Self, CallbackError> {
        if encoding_aes_key.len() != 43 {
            return Err(CallbackError::InvalidAesKey);
        }
        let mut padded = String::with_capacity(44);
        padded.push_str(encoding_aes_key);
        padded.push('=');
        let bytes = KEY_ENGINE
            .decode(padded.as_bytes())
            .map_err(|_| CallbackError::InvalidAesKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CallbackError::InvalidAesKey)?;
        let cipher = Aes256::new_from_slice(&key).map_err(|_| CallbackError::InvalidAesKey)?;
        let iv = *key
            .first_chunk::<AES_BLOCK>()
            .ok_or(CallbackError::InvalidAesKey)?;
        Ok(MsgCrypt {
            token: token.to_owned(),
            iv,
            cipher,
            receive_id: receive_id.to_owned(),
        })
    }

    /// The receiveid (corp id, suite id, …) that decrypted messages must carry.
    pub fn receive_id(&self) -> &str {
        &self.receive_id
    }

    /// Lower-case hex sha1 over the lexically sorted concatenation of
    /// `[token, timestamp, nonce, encrypted]`.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypted: &str) -> String {
        let hex = self.signature_hex(timestamp, nonce, encrypted);
        String::from_utf8_lossy(&hex).into_owned()
    }

    /// [`MsgCrypt::signature`] on the stack: the four strings are sorted as references and
    /// hashed in place, the digest hex-encoded into a fixed buffer.
    fn signature_hex(&self, timestamp: &str, nonce: &str, encrypted: &str) -> [u8; 40] {
        let mut parts = [self.token.as_str(), timestamp, nonce, encrypted];
        parts.sort_unstable();
        let mut h = Sha1::new();
        for p in parts {
            h.update(p.as_bytes());
        }
        let mut out = [0u8; 40];
        // 20 bytes always fit 40 hex digits; on the impossible error `out` stays zeros, which
        // no signature matches.
        let _ = hex::encode_to_slice(h.finalize(), &mut out);
        out
    }

    /// Checks `msg_signature` against [`MsgCrypt::signature`] in constant time.
    pub fn verify_signature(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypted: &str,
    ) -> Result<(), CallbackError> {
        let expected = self.signature_hex(timestamp, nonce, encrypted);
        if constant_time_eq(&expected, msg_signature.as_bytes()) {
            Ok(())
        } else {
            Err(CallbackError::BadSignature)
        }
    }

    /// GET URL verification: checks the signature over `echostr`, decrypts it and checks the
    /// receiveid. Returns the plaintext exactly; answer it as the whole response body.
    ///
    /// The parameters must already be URL-decoded (see [`query_params`]).
    pub fn verify_url(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        echostr: &str,
    ) -> Result<String, CallbackError> {
        if echostr.len() > MAX_BODY_BYTES {
            return Err(CallbackError::BodyTooLarge);
        }
        require_params(msg_signature, timestamp, nonce)?;
        if echostr.is_empty() {
            return Err(CallbackError::MissingParameter("echostr"));
        }
        self.verify_signature(msg_signature, timestamp, nonce, echostr)?;
        self.decrypt(echostr)
    }

    /// POST: parses the envelope (`<xml><ToUserName/><AgentID/><Encrypt/></xml>`), checks the
    /// signature over `Encrypt`, decrypts it and checks the receiveid. Returns the inner XML.
    ///
    /// Bodies over [`MAX_BODY_BYTES`] are rejected with [`CallbackError::BodyTooLarge`] first.
    pub fn decrypt_post(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &[u8],
    ) -> Result<String, CallbackError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(CallbackError::BodyTooLarge);
        }
        let plain = self.decrypt_post_bytes(msg_signature, timestamp, nonce, body)?;
        String::from_utf8(plain).map_err(|_| CallbackError::NotUtf8)
    }

    /// [`MsgCrypt::decrypt_post`] without the UTF-8 check: the decrypted message as bytes.
    ///
    /// Every error is a forged or corrupt request (signature, base64, ciphertext length,
    /// padding, length field, receiveid); whatever the bytes are, they are authentic.
    pub fn decrypt_post_bytes(
        &self,
        msg_signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, CallbackError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(CallbackError::BodyTooLarge);
        }
        require_params(msg_signature, timestamp, nonce)?;
        let envelope = EnvelopeRef::parse(body)?;
        self.verify_signature(msg_signature, timestamp, nonce, &envelope.encrypt)?;
        self.decrypt_bytes(&envelope.encrypt)
    }

    /// Decrypts a base64 payload WITHOUT checking any signature (use [`MsgCrypt::verify_url`] or
    /// [`MsgCrypt::decrypt_post`] on requests). Checks padding, length and receiveid.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CallbackError> {
        let plain = self.decrypt_bytes(encrypted)?;
        String::from_utf8(plain).map_err(|_| CallbackError::NotUtf8)
    }

    /// [`MsgCrypt::decrypt`] without the UTF-8 check: the message bytes.
    ///
    /// The ciphertext must be a non-zero multiple of 32 bytes (WeCom pads to 32-byte blocks),
    /// else [`CallbackError::BadCiphertext`].
    pub fn decrypt_bytes(&self, encrypted: &str) -> Result<Vec<u8>, CallbackError> {
        if encrypted.len() > MAX_BODY_BYTES {
            return Err(CallbackError::BodyTooLarge);
        }
        // One buffer for the whole way: base64 decodes into it, AES decrypts it in place, and
        // it becomes the returned String once the header is shifted out.
        let mut buf = STANDARD
            .decode(encrypted.as_bytes())
            .map_err(|_| CallbackError::BadBase64)?;
        if buf.is_empty() || buf.len() % PAD_BLOCK != 0 {
            return Err(CallbackError::BadCiphertext);
        }
        let decryptor =
            cbc::Decryptor::<Aes256>::inner_iv_init(self.cipher.clone(), &self.iv.into());
        let plain = decryptor
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| CallbackError::BadCiphertext)?;
        let content = strip_pkcs7(plain)?;
        let len_bytes: [u8; 4] = content
            .get(AES_BLOCK..HEADER_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or(CallbackError::BadLength)?;
        let msg_len =
            usize::try_from(u32::from_be_bytes(len_bytes)).map_err(|_| CallbackError::BadLength)?;
        let rest = content.get(HEADER_LEN..).ok_or(CallbackError::BadLength)?;
        if msg_len > rest.len() {
            return Err(CallbackError::BadLength);
        }
        let (_, receive_id) = rest.split_at(msg_len);
        if receive_id != self.receive_id.as_bytes() {
            return Err(CallbackError::WrongReceiveId);
        }
        buf.truncate(HEADER_LEN + msg_len);
        buf.drain(..HEADER_LEN);
        Ok(buf)
    }

    /// Encrypts for WeCom's format: `random(16) | msg_len u32 BE | msg | receive_id`, PKCS#7
    /// padded to 32-byte blocks, AES-256-CBC with `IV = key[..16]`, standard base64.
    pub fn encrypt(&self, plaintext: &str, random: [u8; 16]) -> String {
        let msg = plaintext.as_bytes();
        let rid = self.receive_id.as_bytes();
        // A &str longer than u32::MAX cannot be expressed in this format; saturate rather than
        // panic (the result then fails to decrypt, as it should).
        let msg_len = u32::try_from(msg.len()).unwrap_or(u32::MAX);
        let unpadded = HEADER_LEN
            .saturating_add(msg.len())
            .saturating_add(rid.len());
        let pad = PAD_BLOCK - unpadded % PAD_BLOCK;
        let mut buf = Vec::with_capacity(unpadded.saturating_add(pad));
        buf.extend_from_slice(&random);
        buf.extend_from_slice(&msg_len.to_be_bytes());
        buf.extend_from_slice(msg);
        buf.extend_from_slice(rid);
        // pad is in 1..=32, so it fits a byte.
        let pad_byte = u8::try_from(pad).unwrap_or(0);
        buf.resize(buf.len().saturating_add(pad), pad_byte);
        let len = buf.len();
        let encryptor =
            cbc::Encryptor::<Aes256>::inner_iv_init(self.cipher.clone(), &self.iv.into());
        match encryptor.encrypt_padded_mut::<NoPadding>(&mut buf, len) {
            Ok(ct) => STANDARD.encode(ct),
            // Unreachable: the buffer is a whole number of blocks.
            Err(_) => String::new(),
        }
    }

    /// Encrypts and signs: what a WeCom server (our simulator) sends.
    pub fn seal(&self, plaintext: &str, timestamp: &str, nonce: &str, random: [u8; 16]) -> Sealed {
        let encrypt = self.encrypt(plaintext, random);
        let msg_signature = self.signature(timestamp, nonce, &encrypt);
        Sealed {
            encrypt,
            msg_signature,
        }
    }

    /// [`MsgCrypt::seal`] with a fresh random prefix from the thread RNG.
    pub fn seal_random(&self, plaintext: &str, timestamp: &str, nonce: &str) -> Sealed {
        self.seal(plaintext, timestamp, nonce, rand::random())
    }
}

fn require_params(msg_signature: &str, timestamp: &str, nonce: &str) -> Result<(), CallbackError> {
    if msg_signature.is_empty() {
        return Err(CallbackError::MissingParameter("msg_signature"));
    }
    if timestamp.is_empty() {
        return Err(CallbackError::MissingParameter("timestamp"));
    }
    if nonce.is_empty() {
        return Err(CallbackError::MissingParameter("nonce"));
    }
    Ok(())
}

/// Strips PKCS#7 padding with WeCom's 32-byte block: the pad byte must be 1..=32 and every pad
/// byte must equal it.
fn strip_pkcs7(plain: &[u8]) -> Result<&[u8], CallbackError> {
    let &last = plain.last().ok_or(CallbackError::BadPadding)?;
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
        return Err(CallbackError::BadPadding);
    }
    let (content, padding) = plain.split_at(plain.len() - pad);
    if padding.iter().any(|&b| b != last) {
        return Err(CallbackError::BadPadding);
    }
    Ok(content)
}

/// Compares two byte strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

fn map_envelope_xml_error(e: XmlError) -> CallbackError {
    match e {
        XmlError::Forbidden => CallbackError::ForbiddenXml,
        XmlError::Malformed(m) => CallbackError::MalformedEnvelope(m),
    }
}

/// [`Envelope`] borrowed from the body: the hot path needs `Encrypt` only as a `&str`, and it
/// is a slice of the body unless the sender escaped characters in it.
struct EnvelopeRef<'a> {
    to_user_name: Option<Cow<'a, str>>,
    agent_id: Option<Cow<'a, str>>,
    encrypt: Cow<'a, str>,
}

impl<'a> EnvelopeRef<'a> {
    /// See [`parse_envelope`].
    fn parse(body: &'a [u8]) -> Result<Self, CallbackError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(CallbackError::BodyTooLarge);
        }
        let text = std::str::from_utf8(body)
            .map_err(|_| CallbackError::MalformedEnvelope("body is not UTF-8".to_owned()))?;
        let mut to_user_name = None;
        let mut agent_id = None;
        let mut encrypt = None;
        let mut duplicate_encrypt = false;
        xml::parse(text, |name, value| match name {
            "Encrypt" if encrypt.is_some() => duplicate_encrypt = true,
            "Encrypt" => encrypt = Some(value),
            "ToUserName" if to_user_name.is_none() => to_user_name = Some(value),
            "AgentID" if agent_id.is_none() => agent_id = Some(value),
            _ => {}
        })
        .map_err(map_envelope_xml_error)?;
        // Only once the whole document is known to be acceptable XML, as before.
        if duplicate_encrypt {
            return Err(CallbackError::MalformedEnvelope(
                "duplicate Encrypt element".to_owned(),
            ));
        }
        match encrypt {
            Some(encrypt) if !encrypt.is_empty() => Ok(EnvelopeRef {
                to_user_name,
                agent_id,
                encrypt,
            }),
            _ => Err(CallbackError::MissingEncrypt),
        }
    }
}

/// Parses the POST body WeCom sends. Rejects bodies over [`MAX_BODY_BYTES`], XML that breaks
/// the crate's rules (DOCTYPE, entities, root other than `<xml>`, several roots, trailing
/// garbage), a missing or empty `Encrypt` and a duplicated `Encrypt`.
pub fn parse_envelope(body: &[u8]) -> Result<Envelope, CallbackError> {
    let envelope = EnvelopeRef::parse(body)?;
    Ok(Envelope {
        to_user_name: envelope.to_user_name.map(Cow::into_owned),
        agent_id: envelope.agent_id.map(Cow::into_owned),
        encrypt: envelope.encrypt.into_owned(),
    })
}

/// The POST body WeCom sends:
/// `<xml><ToUserName><![CDATA[..]]></ToUserName><AgentID><![CDATA[..]]></AgentID><Encrypt><![CDATA[..]]></Encrypt></xml>`
pub fn envelope_xml(to_user_name: &str, agent_id: &str, encrypt: &str) -> String {
    let mut out = String::with_capacity(
        96usize
            .saturating_add(to_user_name.len())
            .saturating_add(agent_id.len())
            .saturating_add(encrypt.len()),
    );
    out.push_str("<xml>");
    xml::push_cdata_element(&mut out, "ToUserName", to_user_name);
    xml::push_cdata_element(&mut out, "AgentID", agent_id);
    xml::push_cdata_element(&mut out, "Encrypt", encrypt);
    out.push_str("</xml>");
    out
}

/// Timestamp freshness: `|now_secs - timestamp| <= max_skew_secs`.
///
/// `max_skew_secs == 0` (or negative) disables the check and accepts anything. With the check
/// on, a timestamp that is not a decimal integer gives [`CallbackError::BadTimestamp`].
pub fn check_freshness(
    timestamp: &str,
    now_secs: i64,
    max_skew_secs: i64,
) -> Result<(), CallbackError> {
    if max_skew_secs <= 0 {
        return Ok(());
    }
    let ts: i64 = timestamp.parse().map_err(|_| CallbackError::BadTimestamp)?;
    let skew = (i128::from(now_secs) - i128::from(ts)).abs();
    if skew > i128::from(max_skew_secs) {
        Err(CallbackError::StaleTimestamp)
    } else {
        Ok(())
    }
}

/// Parses a callback URL's query string (a leading `?` is ignored).
///
/// Percent-decoding does NOT turn `+` into a space: WeCom's echostr is base64 and a `+` in it
/// must survive. Invalid `%` sequences are kept literally; bytes that do not form UTF-8 are
/// replaced with U+FFFD. For a duplicated key the first occurrence wins.
pub fn query_params(raw_query: &str) -> BTreeMap<String, String> {
    let raw = raw_query.strip_prefix('?').unwrap_or(raw_query);
    let mut out = BTreeMap::new();
    for pair in raw.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(k);
        if key.is_empty() {
            continue;
        }
        out.entry(key).or_insert_with(|| percent_decode(v));
    }
    out
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    if !bytes.contains(&b'%') {
        return s.to_owned();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_val);
            let lo = bytes.get(i + 2).copied().and_then(hex_val);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs7_rules() {
        let mut ok = vec![7u8; 10];
        ok.extend_from_slice(&[3, 3, 3]);
        assert_eq!(strip_pkcs7(&ok), Ok(&[7u8; 10][..]));
        assert_eq!(strip_pkcs7(&[1, 0]), Err(CallbackError::BadPadding));
        assert_eq!(strip_pkcs7(&[33u8; 64]), Err(CallbackError::BadPadding));
        assert_eq!(strip_pkcs7(&[1, 2, 3, 3]), Err(CallbackError::BadPadding));
        assert_eq!(strip_pkcs7(&[5, 5]), Err(CallbackError::BadPadding));
        assert_eq!(strip_pkcs7(&[]), Err(CallbackError::BadPadding));
        assert_eq!(strip_pkcs7(&[32u8; 32]), Ok(&[][..]));
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn debug_redacts_secrets() {
        let c = MsgCrypt::new(
            "tok3n",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
            "corp",
        )
        .expect("valid key");
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("tok3n"));
        assert!(dbg.contains("corp"));
    }
}
