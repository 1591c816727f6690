//! `wecom-crm`: the product in local mode. Wiring only.
//!
//! ```text
//! wecom-crm serve [--listen 127.0.0.1:3000] [--data-dir ./data] [--simulate] [--console-dir console/dist]
//! wecom-crm seed --customers 100000 [--data-dir ./data] [--force]
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use ports::{Clock, SystemClock};
use store_embedded::EmbeddedDb;
use wecom_crm::{Adapters, AppOptions};

#[derive(Parser)]
#[command(name = "wecom-crm", about = "WeCom customer-contact CRM (local mode)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every function in one process.
    Serve {
        #[arg(long, default_value = "127.0.0.1:3000")]
        listen: SocketAddr,
        /// Where the embedded database lives.
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
        /// Also run the WeCom simulator on the same listener and talk to it instead of WeCom.
        #[arg(long)]
        simulate: bool,
        /// Event workers.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// The built web console, served at `/` (`cd console && npm ci && npm run build`).
        #[arg(long, env = "WECOM_CRM_CONSOLE_DIR", default_value = "console/dist")]
        console_dir: PathBuf,
        /// How often campaigns' send results are read from WeCom (AWS: every 15 minutes).
        #[arg(long, env = "WECOM_CRM_TRACKING_SECS", default_value_t = 60)]
        tracking_secs: u64,
    },
    /// Fill a data directory with generated customers (to try the console at a clinic's size),
    /// consultants of the simulator's demo corp (zhangsan, lisi, wangwu).
    Seed {
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
        /// How many customers.
        #[arg(long, default_value_t = 100_000)]
        customers: usize,
        /// Add to a store that already has customers.
        #[arg(long)]
        force: bool,
    },
}

/// Customers `seed` writes per batch (and reports progress after).
const SEED_BATCH: usize = 10_000;

/// Events dead-letter after this many receives.
const MAX_RECEIVES: u32 = 8;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let (listen, data_dir, simulate, workers, console_dir, tracking_secs) =
        match Cli::parse().command {
            Command::Serve {
                listen,
                data_dir,
                simulate,
                workers,
                console_dir,
                tracking_secs,
            } => (
                listen,
                data_dir,
                simulate,
                workers,
                console_dir,
                tracking_secs,
            ),
            Command::Seed {
                data_dir,
                customers,
                force,
            } => return seed(&data_dir, customers, force).await,
        };

    std::fs::create_dir_all(&data_dir)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let db = EmbeddedDb::open(&data_dir.join("wecom-crm.db"))?;
    let adapters = Adapters::embedded(db, MAX_RECEIVES, clock);
    let mut options = AppOptions::new(listen);
    options.workers = workers;
    options.console_dir.clone_from(&console_dir);
    options.tracking_every = Some(std::time::Duration::from_secs(tracking_secs.max(1)));
    if simulate {
        options.simulate = Some(wecom_sim::SimConfig::demo());
    }
    let app = wecom_crm::start(adapters, options).await?;

    let mut out = String::new();
    out.push_str(&format!(
        "\n企业微信客户联系 CRM 已启动（本地模式）: {}\n",
        app.base_url
    ));
    if wecom_crm::console::ConsoleFiles::new(&console_dir).is_built() {
        // The token travels in the fragment: browsers never send it to a server or a log.
        out.push_str(&format!(
            "  管理后台 / console:      {}/login#token={}\n",
            app.base_url, app.admin_token
        ));
    } else {
        out.push_str(&format!(
            "  管理后台未构建 / console not built ({}): cd console && npm ci && npm run build\n",
            console_dir.display()
        ));
    }
    out.push_str(&format!(
        "  回调地址 / callback URL: {}\n",
        app.callback_url()
    ));
    out.push_str(&format!(
        "  数据目录 / data dir:     {}\n",
        data_dir.display()
    ));
    out.push_str(&format!(
        "  管理接口 / admin API:    {}/api  (Authorization: Bearer {})\n",
        app.base_url, app.admin_token
    ));
    if app.sim.is_some() {
        out.push_str(
            "  企业微信模拟器已启用 / WeCom simulator on. 模拟客户扫码 / simulate a scan:\n",
        );
        out.push_str(&format!(
            "    curl -s -X POST {}/sim/control/scan -H 'content-type: application/json' \\\n      -d '{{\"userid\":\"zhangsan\",\"state\":\"xiaohongshu\"}}'\n",
            app.base_url
        ));
        out.push_str(&format!("    curl -s {}/sim/control/state\n", app.base_url));
    }
    out.push_str("按 Ctrl-C 停止 / Ctrl-C to stop.\n");
    eprintln!("{out}");

    let stopper = app.stopper();
    tokio::signal::ctrl_c().await?;
    let _ = stopper.send(true);
    app.shutdown().await;
    Ok(())
}

/// `wecom-crm seed`: generated customers into the data directory's store.
async fn seed(
    data_dir: &std::path::Path,
    customers: usize,
    force: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    use crm::repo::{CustomerAdmin, IndexSource};
    std::fs::create_dir_all(data_dir)?;
    let db = EmbeddedDb::open(&data_dir.join("wecom-crm.db"))?;
    let store: Arc<dyn ports::ItemStore> = Arc::new(store_embedded::SqliteStore::new(db));
    let (existing, _) = CustomerAdmin::new(store.clone())
        .walk(&IndexSource::AllCustomers, true, None, 1)
        .await?;
    if !existing.is_empty() && !force {
        eprintln!(
            "{} already has customers; add --force to add {customers} more",
            data_dir.display()
        );
        std::process::exit(2);
    }
    let staff: Vec<String> = ["zhangsan", "lisi", "wangwu"].map(str::to_owned).to_vec();
    let now_ms = SystemClock.now_ms();
    let started = std::time::Instant::now();
    let mut done = 0;
    while done < customers {
        let batch = SEED_BATCH.min(customers - done);
        // Each batch gets its own ids (the generator numbers from 0): offset by the batch start.
        wecom_crm::seed::import_range(store.clone(), done, batch, now_ms, &staff).await?;
        done += batch;
        eprintln!(
            "seeded {done}/{customers} customers ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
