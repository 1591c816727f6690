//! `wecom-crm`: the product in local mode. Wiring only.
//!
//! ```text
//! wecom-crm serve [--listen 127.0.0.1:3000] [--data-dir ./data] [--simulate] [--console-dir console/dist]
//! wecom-crm seed --customers 100000 [--data-dir ./data] [--force]
//! wecom-crm backup --to /backups/wecom-crm-2026-12-06.db [--data-dir ./data]
//! wecom-crm token create --role consultant --userid zhangsan [--name 张三] [--data-dir ./data]
//! wecom-crm token list|revoke ID [--data-dir ./data]
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use ports::{Clock, SystemClock};
use store_embedded::EmbeddedDb;
use wecom_crm::{Adapters, AppOptions, exposure, tokens};

#[derive(Parser)]
#[command(name = "wecom-crm", about = "WeCom customer-contact CRM (local mode)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every function in one process.
    Serve(ServeArgs),
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
    /// Recompute every maintained counter (channel statistics, 「联系我」 counts, campaign
    /// funnels, link clicks) from the records and print the differences as JSON; with
    /// --apply, correct them. Exits 1 when differences remain.
    Aggregates {
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
        #[arg(long)]
        apply: bool,
    },
    /// Staff sign-in tokens with a role (admin, manager, consultant; `booking` for the clinic's
    /// booking system / mini-program: `/api/booking/*` only), stored hashed in the data
    /// directory that `serve` uses; `serve` sees changes at once.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Copy the database into a new file, consistently, while `serve` keeps running (restore:
    /// stop `serve`, put the copy in place as <data-dir>/wecom-crm.db, start it).
    Backup {
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
        /// The new file (never overwritten).
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new token (shown once; only its hash is kept).
    Create {
        /// admin, manager or consultant.
        #[arg(long, value_parser = parse_role)]
        role: admin_api::Role,
        /// The consultant's WeCom userid (required for consultants: their customers are
        /// those they follow).
        #[arg(long)]
        userid: Option<String>,
        /// Who holds it (shown in `token list` and the console).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
    },
    /// The tokens (never the secrets).
    List {
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Revoke a token by its id (from `token list`).
    Revoke {
        id: String,
        #[arg(long, default_value = "./data")]
        data_dir: PathBuf,
    },
}

fn parse_role(value: &str) -> Result<admin_api::Role, String> {
    admin_api::Role::parse(value)
        .ok_or_else(|| format!("unknown role {value:?}: admin, manager, consultant or booking"))
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Beyond loopback (a clinic's own server) `serve` needs WEWORK_ADMIN_TOKEN and refuses
    /// --simulate.
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
    /// Where WeCom and customers reach this server, e.g. https://crm.clinic.example (a TLS
    /// reverse proxy on the clinic's ICP-filed domain): the callback URL and tracked links.
    #[arg(long, env = "WECOM_CRM_PUBLIC_URL", value_parser = public_url)]
    public_url: Option<String>,
}

/// The database file inside a data directory.
const DB_FILE: &str = "wecom-crm.db";

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
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::Seed {
            data_dir,
            customers,
            force,
        } => seed(&data_dir, customers, force).await,
        Command::Backup { data_dir, to } => backup(&data_dir, &to),
        Command::Token(command) => token(command),
        Command::Aggregates { data_dir, apply } => aggregates(&data_dir, apply).await,
    }
}

/// `wecom-crm aggregates`: the rebuild, on the data directory's store.
async fn aggregates(
    data_dir: &std::path::Path,
    apply: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    exposure::secure_data_dir(data_dir)?;
    let db = EmbeddedDb::open(&data_dir.join(DB_FILE))?;
    let store =
        crm::aggregates::AggregatingStore::wrap(Arc::new(store_embedded::SqliteStore::new(db)));
    let started = std::time::Instant::now();
    let report = crm::aggregates::rebuild(&store, apply).await?;
    // The report is the command's output (stdout), for a script or `jq`.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    }
    eprintln!(
        "{} records, {} counters, {} differences, {} corrected ({:.1} s)",
        report.records,
        report.counters,
        report.differences.len(),
        report.corrected,
        started.elapsed().as_secs_f64()
    );
    let differing: std::collections::BTreeSet<_> =
        report.differences.iter().map(|d| (&d.pk, &d.sk)).collect();
    if differing.len() as u64 > report.corrected {
        std::process::exit(1);
    }
    Ok(())
}

/// `wecom-crm serve`: every function in one process, until Ctrl-C.
async fn serve(args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let ServeArgs {
        listen,
        data_dir,
        simulate,
        workers,
        console_dir,
        tracking_secs,
        public_url,
    } = args;
    let token_from_env = std::env::var("WEWORK_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    if let Err(refused) = exposure::check(
        listen,
        public_url.as_deref(),
        simulate,
        token_from_env.as_deref(),
    ) {
        eprintln!("{refused}");
        std::process::exit(2);
    }
    let exposed = exposure::is_exposed(listen, public_url.as_deref());
    exposure::secure_data_dir(&data_dir)?;
    // With the simulator, the app's time can be moved forward like WeCom's (a demo or a browser
    // test reaching tomorrow's reminders: POST /sim/control/app-clock/advance).
    let app_clock = simulate.then(ports::AdvancingClock::new);
    let clock: Arc<dyn Clock> = match &app_clock {
        Some(c) => Arc::new(c.clone()),
        None => Arc::new(SystemClock),
    };
    let db = EmbeddedDb::open(&data_dir.join(DB_FILE))?;
    // This process is the queues' only consumer: what they hold in flight belonged to a
    // previous one that died (kill -9, power loss), and is redone now rather than after its
    // visibility timeout.
    for queue in ["events", "sync", "campaigns", "sends"] {
        let released = store_embedded::EmbeddedQueue::new(db.clone(), queue, MAX_RECEIVES)
            .release_in_flight()
            .await?;
        if released > 0 {
            tracing::info!(
                queue,
                released,
                "messages a previous process held are redelivered"
            );
        }
    }
    let adapters = Adapters::embedded(db, MAX_RECEIVES, clock);
    let mut options = AppOptions::new(listen);
    options.tokens = Some(Arc::new(tokens::FileTokenDirectory::new(&data_dir)));
    options.workers = workers;
    options.console_dir.clone_from(&console_dir);
    options.tracking_every = Some(std::time::Duration::from_secs(tracking_secs.max(1)));
    options.public_url = public_url;
    if simulate {
        options.simulate = Some(wecom_sim::SimConfig::demo());
        options.app_clock = app_clock;
    }
    let app = wecom_crm::start(adapters, options).await?;

    let mut out = String::new();
    out.push_str(&format!(
        "\n企业微信客户联系 CRM 已启动（本地模式）: {}\n",
        app.base_url
    ));
    // The operator's own token (always, off loopback) is not printed: the output may land in
    // journald. A token generated for this run is, with the one-click login link.
    let print_token = token_from_env.is_none() && !exposed;
    let shown_token = if !print_token {
        "$WEWORK_ADMIN_TOKEN".to_owned()
    } else {
        app.admin_token.clone()
    };
    if !wecom_crm::console::ConsoleFiles::new(&console_dir).is_built() {
        out.push_str(&format!(
            "  管理后台未构建 / console not built ({}): cd console && npm ci && npm run build\n",
            console_dir.display()
        ));
    } else if !print_token {
        out.push_str(&format!(
            "  管理后台 / console:      {}/login （粘贴 WEWORK_ADMIN_TOKEN 登录 / sign in with WEWORK_ADMIN_TOKEN）\n",
            app.base_url
        ));
    } else {
        // The token travels in the fragment: browsers never send it to a server or a log.
        out.push_str(&format!(
            "  管理后台 / console:      {}/login#token={}\n",
            app.base_url, app.admin_token
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
        "  管理接口 / admin API:    {}/api  (Authorization: Bearer {shown_token})\n",
        app.base_url
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

/// `wecom-crm token …`.
fn token(command: TokenCommand) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write;
    let now_ms = SystemClock.now_ms();
    match command {
        TokenCommand::Create {
            role,
            userid,
            name,
            data_dir,
        } => {
            exposure::secure_data_dir(&data_dir)?;
            let (token, stored) =
                tokens::Tokens::in_dir(&data_dir).create(role, userid, name, now_ms)?;
            eprintln!(
                "token {} ({}{}) created; it is shown once:",
                stored.id,
                stored.role,
                stored
                    .userid
                    .as_deref()
                    .map(|u| format!(", {u}"))
                    .unwrap_or_default()
            );
            // The token alone on stdout (for a script); the rest on stderr.
            writeln!(std::io::stdout().lock(), "{token}")?;
        }
        TokenCommand::List { data_dir } => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "id\trole\tuserid\tname\tcreated\tstatus")?;
            for t in tokens::Tokens::in_dir(&data_dir).list()? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.role,
                    t.userid.as_deref().unwrap_or("-"),
                    t.name.as_deref().unwrap_or("-"),
                    crm::calendar::local(t.created_at_ms).format("%Y-%m-%d %H:%M"),
                    if t.revoked_at_ms.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                )?;
            }
        }
        TokenCommand::Revoke { id, data_dir } => {
            let t = tokens::Tokens::in_dir(&data_dir).revoke(&id, now_ms)?;
            eprintln!("token {} revoked", t.id);
        }
    }
    Ok(())
}

/// `wecom-crm seed`: generated customers into the data directory's store.
async fn seed(
    data_dir: &std::path::Path,
    customers: usize,
    force: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    use crm::repo::{CustomerAdmin, IndexSource};
    exposure::secure_data_dir(data_dir)?;
    let db = EmbeddedDb::open(&data_dir.join(DB_FILE))?;
    let store =
        crm::aggregates::AggregatingStore::wrap(Arc::new(store_embedded::SqliteStore::new(db)));
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

/// `wecom-crm backup`: the data directory's database into a new file, while `serve` runs.
fn backup(
    data_dir: &std::path::Path,
    to: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    match store_embedded::backup(&data_dir.join(DB_FILE), to) {
        Ok(bytes) => {
            eprintln!(
                "备份完成 / backed up: {} ({:.1} MB, {:.1} s)",
                to.display(),
                bytes as f64 / 1e6,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(e) => {
            eprintln!("备份失败 / backup failed: {e}");
            std::process::exit(1);
        }
    }
}

/// `--public-url`: an absolute http(s) URL without a path, query or fragment.
fn public_url(value: &str) -> Result<String, String> {
    let trimmed = value.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or("需要以 https:// 开头的地址 / must start with https://")?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err(
            "只写协议与域名（可带端口），例如 https://crm.clinic.example / scheme and host only"
                .into(),
        );
    }
    Ok(trimmed.to_owned())
}
