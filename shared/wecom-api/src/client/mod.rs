//! The WeCom API client: [`WeComClient`], where and as whom it calls ([`Endpoint`],
//! [`WeComSettings`]), and its typed calls, one file per WeCom API family.
//!
//! Transport (one file each, private to the client):
//!
//! | module | what it holds |
//! |---|---|
//! | `settings` | [`Endpoint`] (base URL, HTTPS proxy) and [`WeComSettings`] |
//! | `transport` | one API call: token in the URL, refresh on 40014 / 42001, bounded retries |
//! | `outcome` | what one HTTP attempt came to, the `Replay` rule, errcode and body decoding |
//! | `access_token` | the token: per process, shared under a refresh lease, `gettoken` |
//!
//! Typed calls, as `impl WeComClient` blocks, by WeCom API family:
//!
//! | module | the WeCom APIs |
//! |---|---|
//! | `customers` | `externalcontact/get`, `list`, `batch/get_by_user`, `remark`, |
//! | | `get_follow_user_list`, `user/get` |
//! | `tags` | `get_corp_tag_list`, `add_corp_tag`, `edit_corp_tag`, `del_corp_tag`, `mark_tag` |
//! | `contact_ways` | 「联系我」: `add/get/update/del/list_contact_way`, `close_temp_chat` |
//! | `messages` | `send_welcome_msg`, `message/send` |
//! | `groupmsg` | 企业群发: `add_msg_template`, `get_groupmsg_list_v2`, `get_groupmsg_task`, |
//! | | `get_groupmsg_send_result`, `remind_groupmsg_send`, `cancel_groupmsg_send` |
//! | `media` | `media/upload`, `media/uploadimg` |
//! | `behavior` | 联系客户统计: `get_user_behavior_data` |

mod access_token;
mod behavior;
mod contact_ways;
mod customers;
mod groupmsg;
mod handover;
mod media;
mod messages;
mod outcome;
mod settings;
mod tags;
mod transport;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ports::Clock;

pub use settings::{Endpoint, WeComSettings};

use crate::WeComError;
use crate::token::{CachedToken, TokenStore};

/// The WeCom API client. Cheap to share behind an `Arc`.
pub struct WeComClient {
    http: reqwest::Client,
    settings: WeComSettings,
    /// corp id and secret; replaceable while running (a secret rotated in the admin API).
    credentials: Mutex<Credentials>,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    local: Mutex<Option<CachedToken>>,
    refresh: tokio::sync::Mutex<()>,
    holder: String,
}

#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    corp_id: String,
    corp_secret: String,
}

impl WeComClient {
    pub fn new(
        settings: WeComSettings,
        tokens: Arc<dyn TokenStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, WeComError> {
        let mut http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(Duration::from_secs(3));
        if let Some(proxy) = &settings.endpoint.https_proxy {
            // Not the URL in the message: it may carry the proxy's password.
            let proxy = reqwest::Proxy::all(proxy).map_err(|_| {
                WeComError::Config("WEWORK_HTTPS_PROXY is not a valid proxy URL".into())
            })?;
            http = http.proxy(proxy);
        }
        let http = http
            .build()
            .map_err(|e| WeComError::Config(format!("http client: {}", e.without_url())))?;
        let holder = format!("{:016x}", rand::random::<u64>());
        Ok(Self {
            http,
            credentials: Mutex::new(Credentials {
                corp_id: settings.corp_id.clone(),
                corp_secret: settings.corp_secret.clone(),
            }),
            settings,
            tokens,
            clock,
            local: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            holder,
        })
    }

    pub fn corp_id(&self) -> String {
        self.credentials().corp_id
    }

    fn credentials(&self) -> Credentials {
        match self.credentials.lock() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Switches to other credentials (the secret was rotated). The cached token belonged to
    /// the old ones and is dropped; returns whether anything changed.
    pub fn set_credentials(&self, corp_id: &str, corp_secret: &str) -> bool {
        let next = Credentials {
            corp_id: corp_id.to_owned(),
            corp_secret: corp_secret.to_owned(),
        };
        let mut current = match self.credentials.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if *current == next {
            return false;
        }
        *current = next;
        drop(current);
        if let Ok(mut local) = self.local.lock() {
            *local = None;
        }
        true
    }
}

/// Refuses a request whose required `field` is empty before it is sent.
fn require(api: &'static str, field: &str, value: &str) -> Result<(), WeComError> {
    if value.is_empty() {
        return Err(WeComError::invalid(api, field, "is required"));
    }
    Ok(())
}
