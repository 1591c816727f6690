//! Simulator configuration.

use std::time::Duration;

/// Credentials and timing of the simulated corp.
///
/// The credentials are simulator-only values: printing them is fine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// The corp id `gettoken` accepts and the callbacks carry as `ToUserName` / receiveid.
    pub corp_id: String,
    /// The self-built app's secret `gettoken` accepts.
    pub corp_secret: String,
    /// The self-built app's agent id (`message/send` `agentid`, callback `AgentID`).
    pub agent_id: String,
    /// The callback Token used for `msg_signature`.
    pub token: String,
    /// The callback EncodingAESKey (43 characters).
    pub encoding_aes_key: String,
    /// Where callbacks go (`None`: events are applied but not delivered).
    pub callback_url: Option<String>,
    /// `expires_in` of a new access token (WeCom: 7200).
    pub token_ttl_secs: i64,
    /// How long a welcome code stays valid after the add event (WeCom: 20).
    pub welcome_window_secs: i64,
    /// Delay between callback attempts (WeCom-style retries).
    pub callback_retry_delay: Duration,
    /// An attempt without an answer within this time counts as failed.
    pub callback_timeout: Duration,
    /// Seed staff `zhangsan`, `lisi`, `wangwu` (customer contact enabled) and two console tag
    /// groups (客户等级, 意向项目). Without it the corp starts empty: add staff with
    /// `POST /sim/control/staff`.
    pub demo_data: bool,
    /// The simulator's public base URL (`http://host:port`, no trailing slash), used to build
    /// absolute `qr_code` URLs (`{base}/sim/qr/{config_id}.png`). `None`: derived from the
    /// request's `Host` header (`http://{Host}`).
    pub public_base_url: Option<String>,
    /// How long after `add_msg_template` a 群发 is still "dispatching": `get_groupmsg_task` and
    /// `get_groupmsg_send_result` answer 41063 until then (wecom-api.md §5). Default 2 s.
    pub groupmsg_dispatch_delay: Duration,
}

impl SimConfig {
    /// The demo corp: fixed simulator credentials, WeCom's timings, demo data.
    pub fn demo() -> Self {
        SimConfig {
            corp_id: "ww_sim_corp_yanmei".to_owned(),
            corp_secret: "sim-corp-secret-yanmei-clinic-customer-contact".to_owned(),
            agent_id: "1000002".to_owned(),
            token: "SimCallbackToken2024".to_owned(),
            // base64("wecom-sim demo aes key, 32 bytes") without the trailing '='.
            encoding_aes_key: "d2Vjb20tc2ltIGRlbW8gYWVzIGtleSwgMzIgYnl0ZXM".to_owned(),
            callback_url: None,
            token_ttl_secs: 7200,
            welcome_window_secs: 20,
            callback_retry_delay: Duration::from_secs(5),
            callback_timeout: Duration::from_secs(5),
            demo_data: true,
            public_base_url: None,
            groupmsg_dispatch_delay: Duration::from_secs(2),
        }
    }

    /// The demo corp with fast retries (50 ms) and a 2 s callback timeout, for tests.
    pub fn for_tests() -> Self {
        SimConfig {
            callback_retry_delay: Duration::from_millis(50),
            callback_timeout: Duration::from_secs(2),
            ..SimConfig::demo()
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::demo()
    }
}
