//! The data set and the measurements of the reports benchmark, shared by `benches/reports.rs`
//! (the embedded store: latency and store reads) and `scripts/bench/reports_dynamo.rs` (the
//! DynamoDB adapter against moto: store reads only).
//!
//! The data: customers from `wecom_crm::seed` (5 channels, 50 consultants) with their adds
//! spread over two years instead of one, one relationship in ten ended, one customer in twenty
//! with an appointment and one in fifty with a purchase (through `CustomerAdmin`, the admin
//! API's own path); 200 「联系我」 codes, to which `CustomerRepo::import` credits relationships
//! by state and consultant (code `k` has channel `k % 5` and lists consultant `k / 5`, so
//! consultants 40–49 own no code and their adds stay uncredited); one campaign with a recipient
//! record per customer across 50 sender chunks, one tracked link per chunk and clicks on them.
//! Everything is written through the `AggregatingStore` (counters kept on every write) or, in
//! the bulk mode, straight to the store under it and then counted by `aggregates::rebuild`.
//! What was written is tallied here independently of the counters ([`Truth`]), so that the
//! reports can be checked against it.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::panic,
    clippy::expect_used
)]

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use crm::campaign::links::{ClickSource, Links, legacy_link_token as link_token};
use crm::campaign::{
    Campaign, CampaignRepo, CampaignStatus, Click, Content, Recipient, RecipientStatus,
    StatusChange, TrackedLink,
};
use crm::keys::{LINK_SK, campaign_links_gsi_pk, click_sk, link_pk};
use crm::model::{
    Appointment, AppointmentSource, CustomerStatus, EndCause, Purchase, RelationshipStatus,
};
use crm::repo::{
    ContactWayRecord, ContactWayRepo, ContactWayStatus, CustomerAdmin, CustomerRepo,
    PurchaseOutcome,
};
use ports::{Condition, Item, ItemStore, Page, Query, RandomIds, StoreError, SystemClock, WriteOp};
use serde_json::{Value, json};
use wecom_api::model::ContactWayDetail;
use wecom_crm::seed::STATES;

pub const STAFF: usize = 50;
pub const CODES: usize = 200;
/// Sender chunks of the campaign (one per consultant), whatever its size.
pub const CHUNKS: usize = STAFF;
pub const DAY_MS: i64 = 86_400_000;
const SHANGHAI_OFFSET_MS: i64 = 8 * 3_600_000;
/// Customers generated and imported per batch.
const BATCH: usize = 5_000;
/// Appointments and purchases written at once (the embedded writer commits them together).
const CONCURRENT_WRITES: usize = 32;
/// Clicks that go through `Links::click` (the redirect's own path), one after another; the
/// rest are click records put in batches.
const REDIRECT_CLICKS: usize = 1_000;
pub const TOKEN: &str = "bench-token";

/// Store reads: `get` calls, `query` calls (one page each), and the items they returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    pub gets: u64,
    pub pages: u64,
    pub items: u64,
}

impl Reads {
    pub fn calls(&self) -> u64 {
        self.gets + self.pages
    }

    /// `3 (1 get + 2 pages; 1 831 items)`.
    pub fn show(&self) -> String {
        format!(
            "{} ({} get{} + {} page{}; {} items)",
            self.calls(),
            self.gets,
            if self.gets == 1 { "" } else { "s" },
            self.pages,
            if self.pages == 1 { "" } else { "s" },
            thousands(self.items)
        )
    }

    pub fn to_json(self) -> Value {
        json!({"gets": self.gets, "pages": self.pages, "items": self.items})
    }

    pub fn from_json(v: &Value) -> Option<Self> {
        Some(Self {
            gets: v["gets"].as_u64()?,
            pages: v["pages"].as_u64()?,
            items: v["items"].as_u64()?,
        })
    }
}

/// `1234567` → `1 234 567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Counts the reads of the store it wraps; placed under the `AggregatingStore`, so that the
/// counter reads of its writes and the reports' reads are all seen.
pub struct ReadCounting {
    inner: Arc<dyn ItemStore>,
    gets: AtomicU64,
    pages: AtomicU64,
    items: AtomicU64,
}

impl ReadCounting {
    pub fn new(inner: Arc<dyn ItemStore>) -> Arc<Self> {
        Arc::new(Self {
            inner,
            gets: AtomicU64::new(0),
            pages: AtomicU64::new(0),
            items: AtomicU64::new(0),
        })
    }

    /// The reads since the last call.
    pub fn take(&self) -> Reads {
        Reads {
            gets: self.gets.swap(0, Ordering::Relaxed),
            pages: self.pages.swap(0, Ordering::Relaxed),
            items: self.items.swap(0, Ordering::Relaxed),
        }
    }
}

#[async_trait]
impl ItemStore for ReadCounting {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.gets.fetch_add(1, Ordering::Relaxed);
        let item = self.inner.get(pk, sk).await?;
        if item.is_some() {
            self.items.fetch_add(1, Ordering::Relaxed);
        }
        Ok(item)
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item, condition).await
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.pages.fetch_add(1, Ordering::Relaxed);
        let page = self.inner.query(query).await?;
        self.items
            .fetch_add(page.items.len() as u64, Ordering::Relaxed);
        Ok(page)
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops).await
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.batch_put(items).await
    }
}

/// A 64-bit mix of `i` (splitmix64): the per-customer draws, independent of the seed's own.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The Beijing day an instant falls on, as a day number.
pub fn beijing_day(at_ms: i64) -> i64 {
    (at_ms + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS)
}

pub fn code_id(k: usize) -> String {
    format!("cw-bench-{k:03}")
}

/// The code a relationship through channel `state` added by consultant `staff` is credited to.
fn code_for(state: usize, staff: usize) -> Option<usize> {
    (staff < CODES / STATES.len()).then_some(staff * STATES.len() + state)
}

/// What one Beijing day saw, all channels together.
#[derive(Debug, Clone, Copy, Default)]
pub struct DayTruth {
    /// Relationships added that day, and how many of those are ended now.
    pub added: u64,
    pub added_ended: u64,
    /// Customers first added that day.
    pub customers: u64,
    /// Relationships that ended that day.
    pub ended_on: u64,
    pub appointments: u64,
    pub purchases: u64,
    pub revenue_fen: i64,
}

/// What was written, tallied as it was generated.
#[derive(Debug, Default)]
pub struct Truth {
    pub customers: u64,
    pub ended: u64,
    pub credited: u64,
    /// Per code: relationships credited, and of those not ended.
    pub per_code: BTreeMap<String, (u64, u64)>,
    pub days: HashMap<i64, DayTruth>,
    pub appointments: u64,
    pub purchases: u64,
    pub recipients: u64,
    pub by_status: BTreeMap<&'static str, u64>,
    pub booked: u64,
    pub clicks: u64,
}

impl Truth {
    /// The days `from..=to` (day numbers) summed.
    pub fn window(&self, from: i64, to: i64) -> DayTruth {
        let mut sum = DayTruth::default();
        for d in from..=to {
            if let Some(t) = self.days.get(&d) {
                sum.added += t.added;
                sum.added_ended += t.added_ended;
                sum.customers += t.customers;
                sum.ended_on += t.ended_on;
                sum.appointments += t.appointments;
                sum.purchases += t.purchases;
                sum.revenue_fen += t.revenue_fen;
            }
        }
        sum
    }
}

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// Through the `AggregatingStore`: every counted record moves its counters.
    Maintained,
    /// Straight to the store under it; `rebuild(apply)` counts them afterwards.
    Bulk,
}

/// Time spent on each part of seeding.
#[derive(Debug, Clone, Copy, Default)]
pub struct SeedTimes {
    pub customers: Duration,
    pub appointments_purchases: Duration,
    pub recipients: Duration,
    pub redirect_clicks: Duration,
    pub redirect_clicks_n: usize,
    pub batch_clicks: Duration,
}

pub struct Dataset {
    /// The store the app uses: `AggregatingStore` over `raw`.
    pub store: Arc<dyn ItemStore>,
    /// Under the aggregates (the read counter over the real store).
    pub raw: Arc<dyn ItemStore>,
    pub now_ms: i64,
    pub staff: Vec<String>,
    pub campaign_id: String,
    pub truth: Truth,
    pub times: SeedTimes,
    /// Each seeded customer's channel (index into `STATES`).
    channels: Vec<u8>,
}

impl Dataset {
    /// The 200 codes, the campaign and its 50 tracked links; no customers yet.
    pub async fn new(store: Arc<dyn ItemStore>, raw: Arc<dyn ItemStore>, now_ms: i64) -> Self {
        let staff = wecom_crm::seed::numbered_staff(STAFF);
        let ways = ContactWayRepo::new(store.clone());
        let mut truth = Truth::default();
        for k in 0..CODES {
            let config_id = code_id(k);
            let at = now_ms - 800 * DAY_MS + k as i64 * 60_000;
            ways.insert(&ContactWayRecord {
                config_id: config_id.clone(),
                way: ContactWayDetail {
                    config_id: config_id.clone(),
                    type_: 1,
                    scene: 2,
                    remark: format!("{}·{}", STATES[k % STATES.len()], staff[k / 5]),
                    skip_verify: true,
                    state: STATES[k % STATES.len()].to_owned(),
                    qr_code: Some(format!("https://wework.qpic.cn/bench/{k}")),
                    user: vec![staff[k / STATES.len()].clone()],
                    ..ContactWayDetail::default()
                },
                status: ContactWayStatus::Active,
                created_at_ms: at,
                updated_at_ms: at,
                deleted_at_ms: None,
                created_by: "bench".into(),
            })
            .await
            .unwrap();
            truth.per_code.insert(config_id, (0, 0));
        }
        let campaign_id = format!("bench-{now_ms}");
        CampaignRepo::new(store.clone())
            .insert(&Campaign {
                id: campaign_id.clone(),
                name: "双十二焕新季".into(),
                status: CampaignStatus::Tracking,
                content: Content {
                    text: "双十二焕新季 https://yanmei.example/double12".into(),
                    attachments: Vec::new(),
                },
                send_at_ms: now_ms - DAY_MS,
                booked_within_days: 7,
                created_by: "bench".into(),
                created_at_ms: now_ms - DAY_MS,
                updated_at_ms: now_ms,
                ..Campaign::default()
            })
            .await
            .unwrap();
        for s in &staff {
            let chunk = chunk_of(s);
            let token = link_token(&campaign_id, &chunk, 0);
            let mut item = Item::with_doc(
                link_pk(&token),
                LINK_SK,
                &TrackedLink {
                    token: token.clone(),
                    campaign_id: campaign_id.clone(),
                    chunk,
                    url: "https://yanmei.example/double12".into(),
                    external_userid: None,
                    created_at_ms: now_ms - DAY_MS,
                },
            )
            .unwrap();
            item.gsi1 = Some((campaign_links_gsi_pk(&campaign_id), token));
            store.put(item, Condition::Always).await.unwrap();
        }
        Self {
            store,
            raw,
            now_ms,
            staff,
            campaign_id,
            truth,
            times: SeedTimes::default(),
            channels: Vec::new(),
        }
    }

    fn writer(&self, writes: Writes) -> Arc<dyn ItemStore> {
        match writes {
            Writes::Maintained => self.store.clone(),
            Writes::Bulk => self.raw.clone(),
        }
    }

    pub fn customers(&self) -> usize {
        self.channels.len()
    }

    /// Customers up to `to` (with their relationship, and some appointments and purchases).
    pub async fn grow_customers(&mut self, to: usize, writes: Writes) {
        let store = self.writer(writes);
        let repo = CustomerRepo::new(store.clone());
        let now_s = self.now_ms / 1000;
        while self.channels.len() < to {
            let first = self.channels.len();
            let n = BATCH.min(to - first);
            let started = Instant::now();
            let (mut customers, mut relationships) =
                wecom_crm::seed::customers_from(first, n, self.now_ms, &self.staff);
            let mut extra: Vec<(usize, i64)> = Vec::new();
            for (k, (c, r)) in customers
                .iter_mut()
                .zip(relationships.iter_mut())
                .enumerate()
            {
                let i = first + k;
                let h = mix(i as u64);
                // Half the customers came a year earlier: two years of adds.
                if h & 1 == 1 {
                    c.first_added_at_ms -= 365 * DAY_MS;
                    c.updated_at_ms -= 365 * DAY_MS;
                    r.createtime -= 365 * 86_400;
                    r.updated_at_ms -= 365 * DAY_MS;
                }
                let state = STATES.iter().position(|s| *s == r.state).unwrap();
                let staff = r.userid[5..].parse::<usize>().unwrap();
                let ended = (h >> 8).is_multiple_of(10);
                {
                    let added = self
                        .truth
                        .days
                        .entry(beijing_day(r.createtime * 1000))
                        .or_default();
                    added.added += 1;
                    if ended {
                        added.added_ended += 1;
                    }
                }
                self.truth
                    .days
                    .entry(beijing_day(c.first_added_at_ms))
                    .or_default()
                    .customers += 1;
                if ended {
                    let at = (r.createtime + ((h >> 12) % 90 + 1) as i64 * 86_400).min(now_s - 1);
                    r.status = RelationshipStatus::Ended;
                    r.ended_at = Some(at);
                    r.end_cause = Some(EndCause::CustomerDeletedStaff);
                    c.status = CustomerStatus::Ended;
                    self.truth.ended += 1;
                    self.truth
                        .days
                        .entry(beijing_day(at * 1000))
                        .or_default()
                        .ended_on += 1;
                }
                if let Some(code) = code_for(state, staff) {
                    let counts = self.truth.per_code.get_mut(&code_id(code)).unwrap();
                    counts.0 += 1;
                    if !ended {
                        counts.1 += 1;
                    }
                    self.truth.credited += 1;
                }
                self.channels.push(state as u8);
                extra.push((i, c.first_added_at_ms));
            }
            self.truth.customers += n as u64;
            repo.import(&customers, &relationships).await.unwrap();
            self.times.customers += started.elapsed();
            drop(customers);
            drop(relationships);

            // Appointments and purchases, through the admin API's own operations.
            let started = Instant::now();
            let admin = CustomerAdmin::new(store.clone());
            let mut writes: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>> = Vec::new();
            for (i, added_ms) in extra {
                let h = mix(i as u64 ^ 0x5EED);
                let ext = format!("wmBench{i:07}");
                if h.is_multiple_of(20) {
                    let at = (added_ms + ((h >> 8) % 30) as i64 * DAY_MS).min(self.now_ms - 1);
                    let day = self.truth.days.entry(beijing_day(at)).or_default();
                    day.appointments += 1;
                    self.truth.appointments += 1;
                    let admin = admin.clone();
                    let appointment = Appointment {
                        id: format!("appt{i:07}"),
                        external_userid: ext.clone(),
                        scheduled_at_ms: at + 3 * DAY_MS,
                        item: "热玛吉".into(),
                        source: AppointmentSource::Staff,
                        notes: None,
                        created_at_ms: at,
                        created_by: "bench".into(),
                        channel: None,
                    };
                    writes.push(Box::pin(async move {
                        admin.add_appointment(&appointment).await.unwrap();
                    }));
                }
                if (h >> 16).is_multiple_of(50) {
                    let at = (added_ms + ((h >> 24) % 60) as i64 * DAY_MS).min(self.now_ms - 1);
                    let amount = 10_000 + ((h >> 32) % 490) as i64 * 1_000;
                    let day = self.truth.days.entry(beijing_day(at)).or_default();
                    day.purchases += 1;
                    day.revenue_fen += amount;
                    self.truth.purchases += 1;
                    let admin = admin.clone();
                    let purchase = Purchase {
                        id: format!("buy{i:07}"),
                        external_userid: ext,
                        amount_fen: amount,
                        item: "水光针".into(),
                        purchased_at_ms: at,
                        created_at_ms: at,
                        created_by: "bench".into(),
                        order_id: None,
                        channel: None,
                    };
                    writes.push(Box::pin(async move {
                        match admin.record_purchase(&purchase).await.unwrap() {
                            PurchaseOutcome::Recorded(_) => {}
                            other => panic!("purchase not recorded: {other:?}"),
                        }
                    }));
                }
            }
            run_limited(writes, CONCURRENT_WRITES).await;
            self.times.appointments_purchases += started.elapsed();
        }
    }

    /// The campaign's recipients up to `recipients` (customers `0..recipients`, one call of
    /// `CampaignRepo::put_recipients` per sender chunk) and clicks up to `clicks`.
    pub async fn grow_campaign(&mut self, recipients: usize, clicks: usize, writes: Writes) {
        assert!(
            recipients <= self.channels.len(),
            "recipients are customers"
        );
        let store = self.writer(writes);
        let repo = CampaignRepo::new(store.clone());
        let first = self.truth.recipients as usize;
        let started = Instant::now();
        let mut by_chunk: BTreeMap<usize, Vec<Recipient>> = BTreeMap::new();
        for i in first..recipients {
            let r = self.recipient(i);
            *self.truth.by_status.entry(r.status.name()).or_default() += 1;
            if r.booked_at_ms.is_some() {
                self.truth.booked += 1;
            }
            by_chunk.entry(i % CHUNKS).or_default().push(r);
        }
        for chunk in by_chunk.values() {
            repo.put_recipients(chunk).await.unwrap();
        }
        self.truth.recipients = recipients as u64;
        self.times.recipients += started.elapsed();

        let first = self.truth.clicks as usize;
        let tokens: Vec<String> = self
            .staff
            .iter()
            .map(|s| link_token(&self.campaign_id, &chunk_of(s), 0))
            .collect();
        let mut j = first;
        if writes == Writes::Maintained {
            let links = Links::new(store.clone(), Arc::new(SystemClock), Arc::new(RandomIds));
            let started = Instant::now();
            while j < clicks.min(REDIRECT_CLICKS) {
                // Each click by another visitor (a visitor's repeated hits count once).
                let from = ClickSource {
                    ip: Some(format!("bench-visitor-{j}")),
                    user_agent: None,
                };
                let url = links.click(&tokens[j % CHUNKS], true, &from).await.unwrap();
                assert!(url.is_some());
                j += 1;
            }
            self.times.redirect_clicks += started.elapsed();
            self.times.redirect_clicks_n += j - first;
        }
        let started = Instant::now();
        let mut batch = Vec::with_capacity(500);
        while j < clicks {
            let at = self.now_ms - DAY_MS + (j as i64 % 86_400) * 1000;
            let token = &tokens[j % CHUNKS];
            batch.push(
                Item::with_doc(
                    link_pk(token),
                    click_sk(at, &format!("bench{j:08}")),
                    &Click {
                        token: token.clone(),
                        campaign_id: self.campaign_id.clone(),
                        at_ms: at,
                        external_userid: None,
                    },
                )
                .unwrap(),
            );
            j += 1;
            if batch.len() == 500 || j == clicks {
                store.batch_put(std::mem::take(&mut batch)).await.unwrap();
            }
        }
        self.times.batch_clicks += started.elapsed();
        self.truth.clicks = clicks.max(first) as u64;
    }

    fn recipient(&self, i: usize) -> Recipient {
        let sender = &self.staff[i % CHUNKS];
        let h = mix(i as u64 ^ 0xCA3B) % 100;
        let (status, reason) = match h {
            0..5 => (RecipientStatus::Skipped, Some("no_consent")),
            5..7 => (RecipientStatus::Failed, Some("41048")),
            7..17 => (RecipientStatus::AwaitingStaff, None),
            17..20 => (RecipientStatus::NotFriend, None),
            _ => (RecipientStatus::Sent, None),
        };
        let at = self.now_ms - DAY_MS;
        let in_task = !matches!(status, RecipientStatus::Skipped | RecipientStatus::Failed);
        let mut history = vec![StatusChange {
            status: RecipientStatus::Queued,
            at_ms: at,
        }];
        if status != RecipientStatus::Queued {
            history.push(StatusChange {
                status,
                at_ms: at + 3_600_000,
            });
        }
        Recipient {
            campaign_id: self.campaign_id.clone(),
            external_userid: format!("wmBench{i:07}"),
            userid: sender.clone(),
            status,
            reason: reason.map(str::to_owned),
            chunk: (status != RecipientStatus::Skipped).then(|| chunk_of(sender)),
            msgid: in_task.then(|| format!("msg-{sender}")),
            tier: Some(["A", "B", "C"][i % 3].to_owned()),
            channel: STATES[self.channels[i] as usize].to_owned(),
            text: None,
            sent_at_ms: (status == RecipientStatus::Sent).then_some(at + 3_600_000),
            booked_at_ms: (status == RecipientStatus::Sent && h >= 92).then_some(at + DAY_MS / 2),
            ledger_at_ms: None,
            created_at_ms: at,
            updated_at_ms: at + 3_600_000,
            history,
        }
    }
}

/// The one chunk of a sender in this campaign.
fn chunk_of(sender: &str) -> String {
    format!("CHUNK#{sender}#00000")
}

/// Runs `work` with at most `limit` in flight.
async fn run_limited(work: Vec<std::pin::Pin<Box<dyn Future<Output = ()> + Send>>>, limit: usize) {
    let mut set = tokio::task::JoinSet::new();
    for w in work {
        if set.len() >= limit {
            set.join_next().await.unwrap().unwrap();
        }
        set.spawn(w);
    }
    while let Some(done) = set.join_next().await {
        done.unwrap();
    }
}

/// p50, p99 and the store reads of one case.
#[derive(Debug, Clone)]
pub struct Measured {
    pub p50: Duration,
    pub p99: Duration,
    /// The fewest and the most reads one request (or walk) made.
    pub reads_min: Reads,
    pub reads_max: Reads,
    /// The last answer (every page's items, for a walk).
    pub last: Value,
    /// Pages per request (a walk's pages).
    pub pages: usize,
}

impl Measured {
    pub fn reads(&self) -> String {
        if self.reads_min == self.reads_max {
            self.reads_max.show()
        } else {
            format!("{} – {}", self.reads_min.show(), self.reads_max.show())
        }
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

async fn get_json(http: &reqwest::Client, url: &str, query: &[(&str, &str)]) -> Value {
    let response = http
        .get(url)
        .query(query)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "{url}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// How a case is requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One request.
    Single,
    /// Every page, following `next_cursor`; the time and reads are the whole walk's.
    Walk,
    /// Ten pages by cursor; the time and reads are per page.
    TenPages,
}

/// What a case must meet.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    None,
    /// p99 at most this many times the baseline's (a walk's: per page).
    Ratio(f64),
    /// p99 under this.
    Under(Duration),
}

/// A case of the table.
pub struct Case {
    pub key: &'static str,
    pub name: String,
    pub path: String,
    pub kind: Kind,
    pub goal: Goal,
}

/// One request (or walk) of `case`: its answer and pages.
async fn request(http: &reqwest::Client, base: &str, case: &Case) -> (Value, usize) {
    let url = format!("{base}{}", case.path);
    match case.kind {
        Kind::Single => (get_json(http, &url, &[]).await, 1),
        Kind::Walk | Kind::TenPages => {
            let mut items = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = 0;
            loop {
                let page = match &cursor {
                    Some(c) => get_json(http, &url, &[("cursor", c)]).await,
                    None => get_json(http, &url, &[]).await,
                };
                pages += 1;
                items.extend(page["items"].as_array().cloned().unwrap_or_default());
                cursor = page["next_cursor"].as_str().map(str::to_owned);
                if cursor.is_none() || (case.kind == Kind::TenPages && pages == 10) {
                    break;
                }
            }
            (Value::Array(items), pages)
        }
    }
}

/// `requests` rounds, each requesting every case once in turn (the baseline first), so that
/// whatever else runs on the machine falls on every case alike.
pub async fn measure_cases(
    http: &reqwest::Client,
    base: &str,
    cases: &[Case],
    requests: usize,
    counting: &ReadCounting,
) -> Vec<Measured> {
    for case in cases {
        request(http, base, case).await; // warm-up, not counted
    }
    let mut latencies: Vec<Vec<Duration>> = cases.iter().map(|_| Vec::new()).collect();
    let mut out: Vec<Measured> = cases
        .iter()
        .map(|_| Measured {
            p50: Duration::ZERO,
            p99: Duration::ZERO,
            reads_min: Reads {
                gets: u64::MAX,
                pages: 0,
                items: 0,
            },
            reads_max: Reads::default(),
            last: Value::Null,
            pages: 0,
        })
        .collect();
    for _ in 0..requests {
        for (i, case) in cases.iter().enumerate() {
            counting.take();
            let started = Instant::now();
            let (answer, pages) = request(http, base, case).await;
            let mut took = started.elapsed();
            let mut reads = counting.take();
            if case.kind == Kind::TenPages {
                took /= pages as u32;
                reads = Reads {
                    gets: reads.gets / pages as u64,
                    pages: reads.pages / pages as u64,
                    items: reads.items / pages as u64,
                };
            }
            latencies[i].push(took);
            let m = &mut out[i];
            if reads.calls() < m.reads_min.calls() || m.reads_min.gets == u64::MAX {
                m.reads_min = reads;
            }
            if reads.calls() >= m.reads_max.calls() {
                m.reads_max = reads;
            }
            m.last = answer;
            m.pages = pages;
        }
    }
    for (m, mut l) in out.iter_mut().zip(latencies) {
        l.sort();
        m.p50 = percentile(&l, 0.5);
        m.p99 = percentile(&l, 0.99);
    }
    out
}

/// The report cases (1–3 of issue 12) and the baseline, for a data set seeded at `now_ms`.
pub fn report_cases(now_ms: i64, campaign_id: &str) -> Vec<Case> {
    let stats = |days: i64| {
        format!(
            "/api/stats/channels?from_ms={}&to_ms={now_ms}",
            now_ms - days * DAY_MS
        )
    };
    let case = |key, name: &str, path: String, kind, goal| Case {
        key,
        name: name.to_owned(),
        path,
        kind,
        goal,
    };
    vec![
        case(
            "baseline",
            "baseline: `GET /api/config`",
            "/api/config".into(),
            Kind::Single,
            Goal::None,
        ),
        case(
            "stats30",
            "`GET /api/stats/channels`, 30 days",
            stats(30),
            Kind::Single,
            Goal::Ratio(20.0),
        ),
        case(
            "stats365",
            "`GET /api/stats/channels`, 365 days",
            stats(365),
            Kind::Single,
            Goal::Ratio(20.0),
        ),
        case(
            "overview30",
            "`GET /api/overview?days=30` (the dashboard)",
            "/api/overview?days=30".into(),
            Kind::Single,
            Goal::None,
        ),
        case(
            "campaign",
            "`GET /api/campaigns/{id}` with its funnel",
            format!("/api/campaigns/{campaign_id}"),
            Kind::Single,
            Goal::Ratio(10.0),
        ),
        case(
            "cways",
            "`GET /api/contact-ways?limit=100`, first page",
            "/api/contact-ways?limit=100".into(),
            Kind::Single,
            Goal::Ratio(10.0),
        ),
        case(
            "cways_all",
            "「联系我」 list, every page of 100 (one walk)",
            "/api/contact-ways?limit=100".into(),
            Kind::Walk,
            Goal::Ratio(10.0),
        ),
    ]
}

/// Checks a report's answer against what was written; the problems found (empty: exact).
pub fn check(case: &str, answer: &Value, data: &Dataset) -> Vec<String> {
    let mut problems = Vec::new();
    let mut expect = |what: &str, got: i64, want: i64| {
        if got != want {
            problems.push(format!("{case}: {what} is {got}, expected {want}"));
        }
    };
    let sum = |field: &str| -> i64 {
        answer["channels"]
            .as_array()
            .map(|cs| cs.iter().map(|c| c[field].as_i64().unwrap_or(0)).sum())
            .unwrap_or(-1)
    };
    match case {
        "stats30" | "stats365" => {
            let from = beijing_day(answer["from_ms"].as_i64().unwrap());
            let to = beijing_day(answer["to_ms"].as_i64().unwrap());
            let t = data.truth.window(from, to);
            expect("added", sum("added"), t.added as i64);
            expect(
                "added_customers",
                sum("added_customers"),
                t.customers as i64,
            );
            expect("ended", sum("ended"), t.added_ended as i64);
            expect(
                "still_connected",
                sum("still_connected"),
                (t.added - t.added_ended) as i64,
            );
            expect("ended_in_range", sum("ended_in_range"), t.ended_on as i64);
            expect("appointments", sum("appointments"), t.appointments as i64);
            expect("purchases", sum("purchases"), t.purchases as i64);
            expect(
                "purchase_amount_fen",
                sum("purchase_amount_fen"),
                t.revenue_fen,
            );
        }
        "campaign" => {
            let f = &answer["funnel"];
            let n = |field: &str| f[field].as_i64().unwrap_or(-1);
            let status = |s: &str| data.truth.by_status.get(s).copied().unwrap_or(0) as i64;
            expect("targeted", n("targeted"), data.truth.recipients as i64);
            for s in ["skipped", "awaiting_staff", "sent", "not_friend", "failed"] {
                expect(s, n(s), status(s));
            }
            expect("booked", n("booked"), data.truth.booked as i64);
            expect("clicks", n("clicks"), data.truth.clicks as i64);
        }
        "cways_all" => {
            let items = answer.as_array().cloned().unwrap_or_default();
            expect("codes listed", items.len() as i64, CODES as i64);
            let mut total = 0;
            for item in &items {
                let id = item["config_id"].as_str().unwrap_or("");
                let (added, connected) = data.truth.per_code.get(id).copied().unwrap_or_default();
                let got = item["customers_added"].as_i64().unwrap_or(-1);
                total += got;
                expect(&format!("{id} customers_added"), got, added as i64);
                expect(
                    &format!("{id} still_connected"),
                    item["still_connected"].as_i64().unwrap_or(-1),
                    connected as i64,
                );
            }
            expect(
                "sum of customers_added over codes",
                total,
                data.truth.credited as i64,
            );
        }
        _ => {}
    }
    problems
}
