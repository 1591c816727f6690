//! The one error type of this crate.

/// Everything that can go wrong while checking, decrypting or parsing a WeCom callback.
///
/// Every variant is a *permanent* rejection of the request (the caller answers with a 4xx and
/// performs no side effect). [`CallbackError::code`] gives a stable snake_case code for logs and
/// JSON error bodies; the `Display` text never contains secrets or message content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The EncodingAESKey does not decode to exactly 32 bytes.
    #[error("the EncodingAESKey is not a 43-character base64 string of a 32-byte key")]
    InvalidAesKey,
    /// A required query parameter (or the POST body) is missing or empty.
    #[error("missing parameter `{0}`")]
    MissingParameter(&'static str),
    /// The POST body (or echostr) is larger than [`crate::MAX_BODY_BYTES`].
    #[error("request body too large")]
    BodyTooLarge,
    /// The envelope XML is not well formed, or its root is not `<xml>`.
    #[error("malformed envelope: {0}")]
    MalformedEnvelope(String),
    /// The XML uses a DOCTYPE, an entity declaration or an undefined entity reference.
    #[error("forbidden XML construct (DOCTYPE, entity declaration or undefined entity reference)")]
    ForbiddenXml,
    /// The envelope has no `<Encrypt>` element.
    #[error("the envelope has no Encrypt element")]
    MissingEncrypt,
    /// `msg_signature` does not match sha1(sort(token, timestamp, nonce, encrypted)).
    #[error("signature mismatch")]
    BadSignature,
    /// The timestamp is outside the accepted freshness window.
    #[error("timestamp outside the accepted window")]
    StaleTimestamp,
    /// The timestamp is not a decimal integer (only checked when the window is on).
    #[error("timestamp is not an integer")]
    BadTimestamp,
    /// The encrypted payload is not valid standard base64.
    #[error("encrypted payload is not valid base64")]
    BadBase64,
    /// The ciphertext is empty, not a multiple of WeCom's 32-byte block, or fails to decrypt.
    #[error("ciphertext has an invalid length")]
    BadCiphertext,
    /// The PKCS#7 padding (32-byte blocks) is invalid.
    #[error("invalid padding")]
    BadPadding,
    /// The plaintext is too short or its length field points past the end of the data.
    #[error("invalid length field")]
    BadLength,
    /// The receiveid at the end of the plaintext is not the configured one.
    #[error("receiveid mismatch")]
    WrongReceiveId,
    /// The decrypted message is not UTF-8.
    #[error("decrypted message is not UTF-8")]
    NotUtf8,
    /// The decrypted (inner) message XML is not well formed, or its root is not `<xml>`.
    #[error("malformed message: {0}")]
    MalformedMessage(String),
    /// The message lacks `CreateTime` or `MsgType`, or a known event lacks an element it cannot
    /// be processed without.
    #[error("message lacks required element `{0}`")]
    MissingField(&'static str),
}

impl CallbackError {
    /// A stable snake_case code, e.g. `"bad_signature"`, for logs and API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            CallbackError::InvalidAesKey => "invalid_aes_key",
            CallbackError::MissingParameter(_) => "missing_parameter",
            CallbackError::BodyTooLarge => "body_too_large",
            CallbackError::MalformedEnvelope(_) => "malformed_envelope",
            CallbackError::ForbiddenXml => "forbidden_xml",
            CallbackError::MissingEncrypt => "missing_encrypt",
            CallbackError::BadSignature => "bad_signature",
            CallbackError::StaleTimestamp => "stale_timestamp",
            CallbackError::BadTimestamp => "bad_timestamp",
            CallbackError::BadBase64 => "bad_base64",
            CallbackError::BadCiphertext => "bad_ciphertext",
            CallbackError::BadPadding => "bad_padding",
            CallbackError::BadLength => "bad_length",
            CallbackError::WrongReceiveId => "wrong_receive_id",
            CallbackError::NotUtf8 => "not_utf8",
            CallbackError::MalformedMessage(_) => "malformed_message",
            CallbackError::MissingField(_) => "missing_field",
        }
    }

    /// The HTTP status a callback endpoint should answer with for this error.
    ///
    /// 413 for [`CallbackError::BodyTooLarge`], 401 for a bad signature or a stale timestamp,
    /// 500 for a misconfigured key (not the caller's fault), 400 for everything else.
    pub fn http_status(&self) -> u16 {
        match self {
            CallbackError::InvalidAesKey => 500,
            CallbackError::BodyTooLarge => 413,
            CallbackError::BadSignature | CallbackError::StaleTimestamp => 401,
            _ => 400,
        }
    }
}
