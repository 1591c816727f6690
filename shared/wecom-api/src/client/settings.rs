//! Where and as whom the client calls WeCom.

use std::time::Duration;

use crate::RetryPolicy;

/// Where WeCom is reached from here.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://qyapi.weixin.qq.com` in production; the simulator's URL locally; or a reverse
    /// proxy with a fixed IP that forwards to WeCom.
    pub base_url: String,
    /// An HTTPS (CONNECT) proxy every call goes through, e.g. `http://10.0.0.5:3128`: the
    /// clinic's own proxy whose fixed IP is on the app's 企业可信IP list. `None`: direct.
    pub https_proxy: Option<String>,
}

impl Endpoint {
    /// WeCom itself, reached directly.
    pub fn production() -> Self {
        Self::at(crate::WECOM_BASE_URL)
    }

    /// A base URL, reached directly.
    pub fn at(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            https_proxy: None,
        }
    }

    /// `WEWORK_API_BASE` (default WeCom's) and `WEWORK_HTTPS_PROXY` (default none).
    pub fn from_env_map(get: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut endpoint = set("WEWORK_API_BASE").map_or_else(Self::production, |b| Self::at(&b));
        endpoint.https_proxy = set("WEWORK_HTTPS_PROXY");
        endpoint
    }
}

/// A proxy URL may carry a user and password: never printed.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("https_proxy", &self.https_proxy.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Where and as whom the client calls WeCom.
#[derive(Clone)]
pub struct WeComSettings {
    pub endpoint: Endpoint,
    pub corp_id: String,
    pub corp_secret: String,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl WeComSettings {
    /// Direct calls to `base_url`.
    pub fn new(base_url: &str, corp_id: &str, corp_secret: &str) -> Self {
        Self::via(&Endpoint::at(base_url), corp_id, corp_secret)
    }

    /// Calls through `endpoint` (its base URL and proxy).
    pub fn via(endpoint: &Endpoint, corp_id: &str, corp_secret: &str) -> Self {
        Self {
            endpoint: endpoint.clone(),
            corp_id: corp_id.to_owned(),
            corp_secret: corp_secret.to_owned(),
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        }
    }
}

/// The secret is never printed.
impl std::fmt::Debug for WeComSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeComSettings")
            .field("endpoint", &self.endpoint)
            .field("corp_id", &self.corp_id)
            .field("corp_secret", &"***")
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}
