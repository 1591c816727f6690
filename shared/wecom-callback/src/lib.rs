//! WeCom (企业微信) callbacks: WXBizMsgCrypt (signature, AES-256-CBC, receiveid), the hardened
//! XML envelope, and typed callback events.
//!
//! ```
//! use wecom_callback::{MsgCrypt, envelope_xml, parse_message, MessageKind, builder};
//!
//! let crypto = MsgCrypt::new("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7")?;
//! // What WeCom (or the simulator) sends:
//! let inner = builder::external_contact_xml(
//!     "wx5823bf96d3bd56c7", "add_external_contact", "zhangsan", "woAAAA",
//!     Some("xhs_post_1"), Some("WELCOME"), 1_700_000_000,
//! );
//! let sealed = crypto.seal(&inner, "1700000000", "nonce1", [7u8; 16]);
//! let body = envelope_xml("wx5823bf96d3bd56c7", "1000002", &sealed.encrypt);
//! // What the callback handler does:
//! let plain = crypto.decrypt_post(&sealed.msg_signature, "1700000000", "nonce1", body.as_bytes())?;
//! let msg = parse_message(&plain)?;
//! assert!(matches!(msg.kind, MessageKind::ExternalContact(_)));
//! assert_eq!(msg.dedupe_key(), "ec:add_external_contact:zhangsan:woAAAA:1700000000");
//! # Ok::<(), wecom_callback::CallbackError>(())
//! ```
#![forbid(unsafe_code)]

pub mod builder;
pub mod crypto;
mod error;
pub mod event;
mod xml;

/// The XML scanner's differential checks, for the fuzz targets in `fuzz/` (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::xml::fuzz::check_xml;
}

pub use crypto::{
    Envelope, MAX_BODY_BYTES, MsgCrypt, Sealed, check_freshness, envelope_xml, parse_envelope,
    query_params,
};
pub use error::CallbackError;
pub use event::{
    AppMessage, CallbackMessage, CallbackMessageRef, ExternalChatEvent, ExternalContactChange,
    ExternalContactEvent, ExternalTagEvent, MessageClass, MessageKind, parse_message,
    parse_message_ref,
};
