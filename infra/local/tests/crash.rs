//! Crash proofs: the real `wecom-crm serve` binary, killed with SIGKILL at random points while
//! it ingests callbacks, sends a campaign and runs a sync, and restarted each time on the same
//! data directory. The WeCom simulator runs in this test's process, outside the killed one, so
//! what WeCom saw (deliveries and their answers, group-send tasks, API calls) survives every
//! kill and is what the product is checked against.
//!
//! `CRASH_KILLS` kills per scenario (default 5), `CRASH_SEED` replays a run (the seed is
//! printed); `scripts/crash` runs the full 50+ and docs/reliability.md records its figures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use wecom_sim::{RunningSim, SimConfig};

const BIN: &str = env!("CARGO_BIN_EXE_wecom-crm");
const TOKEN: &str = "crash-test-admin-token-9f8e7d6c5b4a3f2e1d0c";
const STAFF: [&str; 3] = ["zhangsan", "lisi", "wangwu"];

fn kills() -> usize {
    std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

/// The run's seed (printed, so that a failure can be replayed with `CRASH_SEED`), mixed with
/// the scenario's name.
fn seed_for(scenario: &str) -> u64 {
    let base = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("[{scenario}] CRASH_SEED={base} CRASH_KILLS={}", kills());
    scenario
        .bytes()
        .fold(base, |h, b| h.rotate_left(5) ^ u64::from(b))
}

/// The simulator (in this process) and the server (a child process, killed and restarted).
struct Rig {
    sim: RunningSim,
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    http: reqwest::Client,
    rng: StdRng,
    kills: usize,
    restarts: usize,
    started: Instant,
}

impl Rig {
    async fn new(seed: u64) -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut config = SimConfig::demo();
        config.callback_url = Some(format!("http://127.0.0.1:{port}/api/wework/callback"));
        // WeCom's own spacing of repeats (the simulator's default, 5 s): see
        // docs/reliability.md for what a repeat within 2 s of a killed first delivery does.
        config.callback_retry_delay = Duration::from_secs(5);
        config.callback_timeout = Duration::from_secs(3);
        config.groupmsg_dispatch_delay = Duration::from_millis(200);
        let sim = wecom_sim::spawn_at(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        Self {
            sim,
            port,
            dir: tempfile::tempdir().unwrap(),
            child: None,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            rng: StdRng::seed_from_u64(seed),
            kills: 0,
            restarts: 0,
            started: Instant::now(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, args: &[&str]) -> Command {
        let c = SimConfig::demo();
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env(
                "RUST_LOG",
                std::env::var("CRASH_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .env("WEWORK_ADMIN_TOKEN", TOKEN)
            .env("WEWORK_API_BASE", &self.sim.base_url)
            .env("WEWORK_CORP_ID", &c.corp_id)
            .env("WEWORK_CORP_SECRET", &c.corp_secret)
            .env("WEWORK_AGENT_ID", &c.agent_id)
            .env("WEWORK_TOKEN", &c.token)
            .env("WEWORK_ENCODING_AES_KEY", &c.encoding_aes_key)
            .env("WECOM_CRM_TRACKING_SECS", "1")
            .env("WECOM_CRM_CONSOLE_DIR", self.dir.path().join("no-console"));
        cmd
    }

    /// Starts `serve` on the data directory and waits until it answers.
    async fn start(&mut self) {
        assert!(self.child.is_none());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("serve.log"))
            .unwrap();
        let child = self
            .command(&[
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--data-dir",
                self.data_dir().to_str().unwrap(),
            ])
            // Logs (tracing writes to stdout) and the banner (stderr), for a failure's tail.
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn wecom-crm serve");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.http.get(self.url("/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("serve exited with {status}: {}", self.log_tail());
            }
            assert!(Instant::now() < deadline, "serve did not come up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn restart(&mut self) {
        self.start().await;
        self.restarts += 1;
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    fn kill(&mut self) {
        let mut child = self.child.take().expect("a running server");
        child.kill().unwrap();
        child.wait().unwrap();
        self.kills += 1;
    }

    /// Lets the server run a random while (50 ms to `max_ms`), then kills it.
    async fn run_then_kill(&mut self, max_ms: u64) {
        let ms = self.rng.random_range(50..max_ms);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.kill();
    }

    /// Stops the server for the final checks (not counted as a kill).
    fn stop(&mut self) {
        self.kill();
        self.kills -= 1;
    }

    /// What a stuck campaign looks like inside: its stored items (chunks, recipients) and the
    /// queues' depths, read from the running server's database (a failure's diagnosis).
    async fn campaign_state(&self, campaign_id: &str) -> String {
        use ports::ItemStore;
        let db = store_embedded::EmbeddedDb::open(&self.data_dir().join("wecom-crm.db")).unwrap();
        let store = store_embedded::SqliteStore::new(db.clone());
        let mut out = String::new();
        let mut cursor = None;
        loop {
            let mut q = ports::Query::partition(
                ports::IndexName::Primary,
                crm::keys::campaign_pk(campaign_id),
            );
            q.cursor = cursor;
            let page = store.query(q).await.unwrap();
            for item in &page.items {
                let pick = |k: &str| item.data.get(k).cloned().unwrap_or(Value::Null);
                out.push_str(&format!(
                    "{} v{} status={} chunk={} msgid={} attempts={}\n",
                    item.sk,
                    item.version,
                    pick("status"),
                    pick("chunk"),
                    pick("msgid"),
                    pick("attempts"),
                ));
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        for name in ["events", "sync", "campaigns", "sends"] {
            let q = store_embedded::EmbeddedQueue::new(db.clone(), name, 8);
            out.push_str(&format!(
                "queue {name}: {} messages, {} in flight, dead letters {:?}\n",
                q.len().await.unwrap(),
                q.in_flight().await.unwrap(),
                q.list_dead_letters(20)
                    .await
                    .unwrap()
                    .iter()
                    .map(|d| d.body.clone())
                    .collect::<Vec<_>>()
            ));
        }
        out
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default();
        log.lines()
            .rev()
            .take(
                std::env::var("CRASH_LOG_LINES")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(30),
            )
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method, self.url(path)).bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.api(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn sim_get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/sim/control/{path}", self.sim.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn sim_post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/sim/control/{path}", self.sim.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// Every customer the product lists, all pages.
    async fn all_customers(&self) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = "/api/customers?limit=100".to_owned();
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = self.get(&path).await;
            out.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    /// Polls `check` every 250 ms until it yields, for at most `limit`.
    async fn until<T, F, Fut>(&self, what: &str, limit: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = check().await {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for: {what}\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The maintained counters equal a rebuild from the records (`wecom-crm aggregates` exits 0
    /// only then); the server must be stopped.
    fn aggregates_agree(&self) {
        assert!(self.child.is_none());
        let out = self
            .command(&[
                "aggregates",
                "--data-dir",
                self.data_dir().to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "aggregates differ after the crashes: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Sets the configuration the scenarios need: no quiet hours, opt-out consent.
    async fn send_anytime(&self) {
        let (status, body) = self
            .api(
                reqwest::Method::PUT,
                "/api/config",
                Some(
                    json!({"send_rules": {"daily_cap_per_customer": 3, "quiet_start": "00:00",
                    "quiet_end": "00:00", "consent": "opt_out"}}),
                ),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Starts a sync (or joins the running one) and answers its run id.
    async fn sync_run(&self) -> String {
        let (status, started) = self.api(reqwest::Method::POST, "/api/sync", None).await;
        assert_eq!(status, 202, "{started}");
        started["run_id"].as_str().unwrap().to_owned()
    }

    /// Replays every dead letter (the operator's move), answers how many.
    async fn replay_dead_letters(&self) -> usize {
        let list = self.get("/api/dead-letters").await;
        let mut n = 0;
        for item in list["items"].as_array().cloned().unwrap_or_default() {
            let id = item["id"].as_str().unwrap();
            let (status, body) = self
                .api(
                    reqwest::Method::POST,
                    &format!("/api/dead-letters/{id}/replay"),
                    None,
                )
                .await;
            assert_eq!(status, 202, "{body}");
            n += 1;
        }
        n
    }

    fn report(&self, scenario: &str, figures: &[(&str, String)]) {
        let mut line = format!(
            "[{scenario}] kills={} restarts={} time={:.1}s",
            self.kills,
            self.restarts,
            self.started.elapsed().as_secs_f64()
        );
        for (k, v) in figures {
            line.push_str(&format!(" {k}={v}"));
        }
        println!("{line}");
    }
}

/// A failing test must not leave its server running.
impl Drop for Rig {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The text between `<Tag><![CDATA[` … `]]>` (or `<Tag>` … `<`) in the simulator's inner XML.
fn xml_field(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let rest = &xml[xml.find(&open)? + open.len()..];
    let rest = rest.strip_prefix("<![CDATA[").map_or(rest, |r| r);
    let end = rest.find("]]>").or_else(|| rest.find('<'))?;
    Some(rest[..end].to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_callback_is_processed_exactly_once_across_kills() {
    let mut rig = Rig::new(seed_for("ingestion")).await;
    rig.start().await;
    // Customers keep scanning QR codes, whether the server is up or not; WeCom retries.
    let stop = Arc::new(AtomicBool::new(false));
    let scans = Arc::new(AtomicU64::new(0));
    let driver = {
        let (stop, scans) = (stop.clone(), scans.clone());
        let (http, base) = (rig.http.clone(), rig.sim.base_url.clone());
        let mut rng = StdRng::seed_from_u64(rig.rng.random());
        tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let userid = STAFF[rng.random_range(0..STAFF.len())];
                let state = ["xiaohongshu", "douyin", "pengyouquan"][rng.random_range(0..3)];
                let sent = http
                    .post(format!("{base}/sim/control/scan"))
                    .json(&json!({"userid": userid, "state": state}))
                    .send()
                    .await;
                if sent.is_ok_and(|r| r.status().is_success()) {
                    scans.fetch_add(1, Ordering::SeqCst);
                }
                tokio::time::sleep(Duration::from_millis(rng.random_range(5..40))).await;
            }
        })
    };
    for _ in 0..kills() {
        rig.run_then_kill(1500).await;
        rig.restart().await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    driver.await.unwrap();
    assert!(
        rig.sim
            .sim
            .wait_for_deliveries(Duration::from_secs(60))
            .await,
        "WeCom still delivering"
    );

    // What WeCom saw: every add event, and whether one of its attempts got the 200.
    let mut acked: BTreeMap<String, String> = BTreeMap::new(); // external_userid → userid
    let mut unacked = BTreeSet::new();
    for d in rig.sim.sim.deliveries() {
        assert_eq!(d.kind, "change_external_contact/add_external_contact");
        let ext = xml_field(&d.inner_xml, "ExternalUserID").unwrap();
        let userid = xml_field(&d.inner_xml, "UserID").unwrap();
        if d.attempts.iter().any(|a| a.status == Some(200)) {
            acked.insert(ext, userid);
        } else {
            unacked.insert(ext);
        }
    }
    assert!(!acked.is_empty());

    // Wait until every acknowledged add is processed (the queue drains after the restart).
    let mut replayed = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    let customers = loop {
        let all = rig.all_customers().await;
        let ids: BTreeSet<_> = all
            .iter()
            .map(|c| c["external_userid"].as_str().unwrap().to_owned())
            .collect();
        let missing: Vec<_> = acked.keys().filter(|e| !ids.contains(*e)).collect();
        if missing.is_empty() {
            break all;
        }
        // An event in flight (or waiting for its retry) at 8 kills is dead-lettered, as on
        // SQS; the operator replays it.
        replayed += rig.replay_dead_letters().await;
        assert!(
            Instant::now() < deadline,
            "acknowledged but not recorded: {missing:?}\n{}",
            rig.log_tail()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let mut listed: HashMap<String, usize> = HashMap::new();
    for c in &customers {
        *listed
            .entry(c["external_userid"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let welcomes = rig.sim_get("welcome-messages").await;
    let mut welcomed: HashMap<String, usize> = HashMap::new();
    for w in welcomes.as_array().unwrap() {
        *welcomed
            .entry(w["external_userid"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let mut duplicates = Vec::new();
    let mut processed = 0;
    for (ext, userid) in &acked {
        let deadline = Instant::now() + Duration::from_secs(60);
        let detail = loop {
            let d = rig.get(&format!("/api/customers/{ext}")).await;
            let done = d["recent_events"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["status"] == "processed");
            if done {
                break d;
            }
            assert!(
                Instant::now() < deadline,
                "{ext}: its add event is not processed: {}\n{}",
                d["recent_events"],
                rig.log_tail()
            );
            replayed += rig.replay_dead_letters().await;
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        processed += 1;
        let relationships = detail["follow_users"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["userid"] == userid.as_str())
            .count();
        let added = detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "added" && t["userid"] == userid.as_str())
            .count();
        let events = detail["recent_events"].as_array().unwrap().len();
        let channel_tags = detail["follow_users"][0]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["group_name"] == "来源渠道")
            .count();
        let counts = (
            listed[ext],
            relationships,
            added,
            events,
            channel_tags,
            welcomed.get(ext).copied().unwrap_or(0),
        );
        if counts.0 != 1 || counts.1 != 1 || counts.2 != 1 || counts.3 != 1 || counts.4 != 1 {
            duplicates.push(format!(
                "{ext}: listed {} relationships {} timeline {} events {} channel tags {}",
                counts.0, counts.1, counts.2, counts.3, counts.4
            ));
        }
        assert!(counts.5 <= 1, "{ext} was welcomed {} times", counts.5);
    }
    // A callback stored but killed before its 200 is processed too (WeCom's retry or not).
    let extra = customers.len() - acked.len();
    rig.stop();
    rig.aggregates_agree();
    rig.report(
        "ingestion",
        &[
            ("scans", scans.load(Ordering::SeqCst).to_string()),
            ("callbacks_acknowledged", acked.len().to_string()),
            ("never_acknowledged", unacked.len().to_string()),
            ("processed", processed.to_string()),
            ("processed_without_ack", extra.to_string()),
            ("welcomes", welcomed.values().sum::<usize>().to_string()),
            ("dead_letters_replayed", replayed.to_string()),
            ("duplicates_or_missing", duplicates.len().to_string()),
        ],
    );
    assert!(
        duplicates.is_empty(),
        "not exactly once:\n{}",
        duplicates.join("\n")
    );
    assert_eq!(processed, acked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_group_send_task_is_created_twice_across_kills() {
    let mut rig = Rig::new(seed_for("campaign")).await;
    let per_campaign = 30;
    let campaigns_max = kills() * 2 + 2;
    let seed = rig.rng.random::<u32>();
    rig.sim_post(
        "seed",
        json!({"staff": 4, "customers": per_campaign * campaigns_max, "relationships_per_customer": 1.0,
               "seed": seed}),
    )
    .await;
    rig.start().await;
    rig.send_anytime().await;
    let run = rig.sync_run().await;
    rig.until("the import sync", Duration::from_secs(120), || async {
        let r = rig.get(&format!("/api/sync/runs/{run}")).await;
        (r["status"] == "done").then_some(())
    })
    .await;
    let ids: Vec<String> = rig
        .all_customers()
        .await
        .iter()
        .map(|c| c["external_userid"].as_str().unwrap().to_owned())
        .collect();
    let mut audiences = ids.chunks(per_campaign).map(<[String]>::to_vec);
    let mut created: Vec<(String, String, usize)> = Vec::new(); // id, text, recipients
    for _ in 0..kills() {
        // One or two campaigns due now, each to customers of its own.
        for _ in 0..rig.rng.random_range(1..=2) {
            let audience = audiences.next().unwrap();
            let text = format!("崩溃测试第 {} 期：限时护理优惠", created.len() + 1);
            let (status, body) = rig
                .api(
                    reqwest::Method::POST,
                    "/api/campaigns",
                    Some(json!({"name": text, "audience": {"type": "customers",
                        "external_userids": audience}, "content": {"text": text}})),
                )
                .await;
            assert_eq!(status, 201, "{body}");
            created.push((
                body["id"].as_str().unwrap().to_owned(),
                text,
                audience.len(),
            ));
        }
        rig.run_then_kill(1200).await;
        rig.restart().await;
    }
    // Every campaign gets all its tasks (a chunk left `creating` by a kill waits for the
    // reconciliation, 60 s after its attempt, before it may create again).
    let mut replayed = 0;
    for (id, _, recipients) in &created {
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            let c = rig.get(&format!("/api/campaigns/{id}")).await;
            let status = c["status"].as_str().unwrap().to_owned();
            if matches!(status.as_str(), "tracking" | "done")
                && c["funnel"]["task_created"] == *recipients
            {
                break;
            }
            // A send message in flight (or waiting for its retry) at 8 kills is dead-lettered,
            // as on SQS; the operator replays it.
            replayed += rig.replay_dead_letters().await;
            assert!(
                Instant::now() < deadline,
                "campaign {id}: {c}\n{}\n{}",
                rig.campaign_state(id).await,
                rig.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let tasks = rig.sim_get("groupmsgs").await;
    let tasks = tasks.as_array().unwrap();
    let mut by_chunk: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut recipient_tasks: BTreeMap<(String, String), usize> = BTreeMap::new();
    for t in tasks {
        let text = t["text"].as_str().unwrap().to_owned();
        *by_chunk
            .entry((t["creator"].as_str().unwrap().to_owned(), text.clone()))
            .or_default() += 1;
        for r in t["recipients"].as_array().unwrap() {
            *recipient_tasks
                .entry((
                    text.clone(),
                    r["external_userid"].as_str().unwrap().to_owned(),
                ))
                .or_default() += 1;
        }
    }
    let duplicated_tasks: usize = by_chunk.values().map(|n| n - 1).sum();
    let twice_reached = recipient_tasks.values().filter(|n| **n > 1).count();
    let calls = rig.sim_get("calls").await;
    let add_calls = calls["by_path"]["externalcontact/add_msg_template"]
        .as_u64()
        .unwrap_or(0);
    let expected_recipients: usize = created.iter().map(|c| c.2).sum();
    rig.stop();
    rig.aggregates_agree();
    rig.report(
        "campaign",
        &[
            ("campaigns", created.len().to_string()),
            ("dead_letters_replayed", replayed.to_string()),
            ("recipients", expected_recipients.to_string()),
            ("tasks", tasks.len().to_string()),
            ("add_msg_template_calls", add_calls.to_string()),
            ("duplicate_tasks", duplicated_tasks.to_string()),
            ("customers_in_two_tasks", twice_reached.to_string()),
        ],
    );
    assert_eq!(duplicated_tasks, 0, "a chunk got two tasks: {by_chunk:?}");
    assert_eq!(twice_reached, 0, "a customer got one campaign twice");
    assert_eq!(
        recipient_tasks.len(),
        expected_recipients,
        "every recipient is in exactly one task"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sync_completes_across_kills() {
    let mut rig = Rig::new(seed_for("sync")).await;
    let seed = rig.rng.random::<u32>();
    rig.sim_post(
        "seed",
        json!({"staff": 6, "customers": 1500, "relationships_per_customer": 1.3, "seed": seed}),
    )
    .await;
    rig.start().await;
    let mut runs = BTreeSet::new();
    for _ in 0..kills() {
        // Customers keep arriving in WeCom without callbacks (the callback URL was down).
        let seed = rig.rng.random::<u32>();
        rig.sim_post(
            "seed",
            json!({"staff": 1, "customers": 40, "relationships_per_customer": 1.0, "seed": seed}),
        )
        .await;
        runs.insert(rig.sync_run().await);
        rig.run_then_kill(2500).await;
        rig.restart().await;
    }
    let mut replayed = 0;
    let last = rig.sync_run().await;
    runs.insert(last.clone());
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let r = rig.get(&format!("/api/sync/runs/{last}")).await;
        if r["status"] == "done" {
            break;
        }
        // A step killed in flight on each of its 8 receives is dead-lettered, as on SQS; the
        // operator replays it.
        replayed += rig.replay_dead_letters().await;
        assert!(Instant::now() < deadline, "the sync did not finish: {r}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Every run started is done.
    let mut unfinished = Vec::new();
    for run in &runs {
        let r = rig.get(&format!("/api/sync/runs/{run}")).await;
        if r["status"] != "done" {
            unfinished.push(format!("{run}: {}", r["status"]));
        }
    }
    // A run reads the consultants once, at its start: those who arrived during it (each life
    // added one) are the next run's. One more run, then what WeCom holds is what the product
    // holds.
    let settle = rig.sync_run().await;
    rig.until("the settling sync", Duration::from_secs(180), || async {
        let r = rig.get(&format!("/api/sync/runs/{settle}")).await;
        (r["status"] == "done").then_some(())
    })
    .await;
    let state = rig.sim_get("state").await;
    let mut wecom: BTreeSet<(String, String)> = BTreeSet::new();
    for r in state["relationships"].as_array().unwrap() {
        if r["status"] == "active" {
            wecom.insert((
                r["external_userid"].as_str().unwrap().to_owned(),
                r["userid"].as_str().unwrap().to_owned(),
            ));
        }
    }
    let customers = rig.all_customers().await;
    let mut held: BTreeSet<(String, String)> = BTreeSet::new();
    let mut listed_twice = 0;
    let mut seen = BTreeSet::new();
    for c in &customers {
        let ext = c["external_userid"].as_str().unwrap().to_owned();
        if !seen.insert(ext.clone()) {
            listed_twice += 1;
        }
        for f in c["follow_users"].as_array().unwrap() {
            if f["status"] == "active" {
                held.insert((ext.clone(), f["userid"].as_str().unwrap().to_owned()));
            }
        }
    }
    let wecom_customers: BTreeSet<_> = wecom.iter().map(|(e, _)| e.clone()).collect();
    rig.stop();
    rig.aggregates_agree();
    rig.report(
        "sync",
        &[
            ("runs", runs.len().to_string()),
            ("unfinished_runs", unfinished.len().to_string()),
            ("dead_letters_replayed", replayed.to_string()),
            ("wecom_customers", wecom_customers.len().to_string()),
            ("customers", customers.len().to_string()),
            ("relationships", held.len().to_string()),
            ("duplicates", listed_twice.to_string()),
        ],
    );
    assert!(unfinished.is_empty(), "{unfinished:?}");
    assert_eq!(listed_twice, 0);
    assert_eq!(customers.len(), wecom_customers.len());
    assert_eq!(held, wecom, "the product holds WeCom's relationships");
}
