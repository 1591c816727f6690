//! WeCom for tests: the simulator and clients that talk to it (or to nothing).

use std::sync::Arc;

use ports::Clock;
use wecom_api::{RetryPolicy, TokenStore, WeComClient, WeComSettings};
use wecom_sim::{RunningSim, SimConfig};

/// Where no WeCom listens: a client pointed here fails fast if it is ever called.
pub const NOWHERE: &str = "http://127.0.0.1:9";

/// The demo corp's simulator with callbacks off (events are applied, not delivered).
pub async fn quiet_sim() -> RunningSim {
    let mut config = SimConfig::demo();
    config.callback_url = None;
    wecom_sim::spawn(config).await.unwrap()
}

/// Client settings for the simulator's corp, with fast retries.
pub fn sim_settings(sim: &RunningSim) -> WeComSettings {
    let config = sim.sim.current_config();
    let mut settings = WeComSettings::new(&sim.base_url, &config.corp_id, &config.corp_secret);
    settings.retry = RetryPolicy::fast();
    settings
}

/// A client of the simulator's corp with fast retries.
pub fn sim_client(
    sim: &RunningSim,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> WeComClient {
    WeComClient::new(sim_settings(sim), tokens, clock).unwrap()
}

/// A client of `corp_id` pointed at [`NOWHERE`], for code that must not need WeCom.
pub fn offline_client(
    corp_id: &str,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
) -> WeComClient {
    let mut settings = WeComSettings::new(NOWHERE, corp_id, "a-secret-never-shown");
    settings.retry = RetryPolicy::fast();
    WeComClient::new(settings, tokens, clock).unwrap()
}
