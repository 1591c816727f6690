//! `wecom-sim`: run the WeCom simulator as a standalone server.
//!
//! ```text
//! wecom-sim --listen 127.0.0.1:4000 --callback-url http://127.0.0.1:3000/wecom/callback
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use wecom_sim::{SimConfig, spawn_at};

/// A faithful WeCom (企业微信) API simulator with a control API under /sim/control.
#[derive(Debug, Parser)]
#[command(name = "wecom-sim", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "WECOM_SIM_LISTEN", default_value = "127.0.0.1:4000")]
    listen: SocketAddr,
    /// Where to deliver callbacks (can be changed later: PUT /sim/control/callback-url).
    #[arg(long, env = "WECOM_SIM_CALLBACK_URL")]
    callback_url: Option<String>,
    /// Corp id (default: the demo corp's).
    #[arg(long, env = "WECOM_SIM_CORP_ID")]
    corp_id: Option<String>,
    /// App secret accepted by gettoken.
    #[arg(long, env = "WECOM_SIM_CORP_SECRET")]
    corp_secret: Option<String>,
    /// App agent id.
    #[arg(long, env = "WECOM_SIM_AGENT_ID")]
    agent_id: Option<String>,
    /// Callback Token.
    #[arg(long, env = "WECOM_SIM_TOKEN")]
    token: Option<String>,
    /// Callback EncodingAESKey (43 characters).
    #[arg(long, env = "WECOM_SIM_ENCODING_AES_KEY")]
    encoding_aes_key: Option<String>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 7200)]
    token_ttl_secs: i64,
    /// Welcome-code validity in seconds.
    #[arg(long, default_value_t = 20)]
    welcome_window_secs: i64,
    /// Delay between callback attempts, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    callback_retry_delay_ms: u64,
    /// Callback answer timeout, in milliseconds.
    #[arg(long, default_value_t = 5000)]
    callback_timeout_ms: u64,
    /// Start with an empty corp (no demo staff or tags).
    #[arg(long)]
    no_demo_data: bool,
    /// Public base URL for `qr_code` links (default: `http://{Host header}`).
    #[arg(long)]
    public_base_url: Option<String>,
    /// How long a new 群发 answers 41063 ("still dispatching"), in milliseconds.
    #[arg(long, default_value_t = 2000)]
    groupmsg_dispatch_delay_ms: u64,
}

impl Args {
    fn config(self) -> SimConfig {
        let demo = SimConfig::demo();
        SimConfig {
            corp_id: self.corp_id.unwrap_or(demo.corp_id),
            corp_secret: self.corp_secret.unwrap_or(demo.corp_secret),
            agent_id: self.agent_id.unwrap_or(demo.agent_id),
            token: self.token.unwrap_or(demo.token),
            encoding_aes_key: self.encoding_aes_key.unwrap_or(demo.encoding_aes_key),
            callback_url: self.callback_url,
            token_ttl_secs: self.token_ttl_secs,
            welcome_window_secs: self.welcome_window_secs,
            callback_retry_delay: Duration::from_millis(self.callback_retry_delay_ms),
            callback_timeout: Duration::from_millis(self.callback_timeout_ms),
            demo_data: !self.no_demo_data,
            public_base_url: self.public_base_url,
            groupmsg_dispatch_delay: Duration::from_millis(self.groupmsg_dispatch_delay_ms),
        }
    }
}

// Printing the simulator's (non-secret, simulator-only) credentials is this binary's job.
#[allow(clippy::print_stdout)]
fn print_config(base_url: &str, c: &SimConfig) {
    println!("wecom-sim listening on {base_url}");
    println!("  WeCom API base    {base_url}/cgi-bin/");
    println!("  control API       {base_url}/sim/control");
    println!("  corp id           {}", c.corp_id);
    println!("  corp secret       {}", c.corp_secret);
    println!("  agent id          {}", c.agent_id);
    println!("  callback token    {}", c.token);
    println!("  EncodingAESKey    {}", c.encoding_aes_key);
    println!(
        "  callback url      {}",
        c.callback_url
            .as_deref()
            .unwrap_or("(none: PUT /sim/control/callback-url)")
    );
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let listen = args.listen;
    let config = args.config();
    if let Err(e) =
        wecom_callback::MsgCrypt::new(&config.token, &config.encoding_aes_key, &config.corp_id)
    {
        tracing::error!(error = %e, "the EncodingAESKey is not usable");
        return std::process::ExitCode::FAILURE;
    }
    let running = match spawn_at(config, listen).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, %listen, "cannot listen");
            return std::process::ExitCode::FAILURE;
        }
    };
    print_config(&running.base_url, &running.sim.current_config());
    if let Err(e) = tokio::signal::ctrl_c().await {
        tracing::error!(error = %e, "cannot wait for ctrl-c");
    }
    running.shutdown().await;
    std::process::ExitCode::SUCCESS
}
