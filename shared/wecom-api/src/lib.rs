//! WeCom (企业微信) server API client.
//!
//! - [`WeComClient`] makes typed calls (`externalcontact/*`, tags, welcome messages, …) with the
//!   access token in the URL, as WeCom requires.
//! - The access token is cached per process and shared across processes through a
//!   [`TokenStore`] with a refresh lease, so one refresher at a time hits `gettoken`.
//! - Errors keep WeCom's `errcode`/`errmsg` and say whether a retry can help
//!   ([`WeComError::is_retryable`], [`WeComError::retry_after`]).
//! - 企业群发 (`add_msg_template` and the result APIs) and media upload. `add_msg_template` is
//!   not idempotent: a failure after the request may have reached WeCom is
//!   [`WeComError::Ambiguous`] and is never replayed in-process.

mod client;
mod error;
pub mod model;
mod retry;
mod token;

pub use client::{Endpoint, WeComClient, WeComSettings};
pub use error::{WeComError, errcode};
pub use retry::RetryPolicy;
pub use token::{CachedToken, MemoryTokenStore, TokenStore};

/// The production base URL.
pub const WECOM_BASE_URL: &str = "https://qyapi.weixin.qq.com";
