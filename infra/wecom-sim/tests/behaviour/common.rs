//! Helpers shared by the behaviour tests: a running simulator, an HTTP client, and a tiny
//! callback receiver that decrypts and checks what the simulator sends.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use wecom_callback::{MsgCrypt, query_params};
use wecom_sim::{RunningSim, SimConfig, spawn};

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap_or_default()
}

/// A running simulator with an HTTP client.
pub struct Sim {
    pub running: RunningSim,
    pub http: reqwest::Client,
}

impl Sim {
    pub async fn start(config: SimConfig) -> Result<Sim, std::io::Error> {
        Ok(Sim {
            running: spawn(config).await?,
            http: client(),
        })
    }

    pub async fn demo() -> Result<Sim, std::io::Error> {
        Sim::start(SimConfig::for_tests()).await
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.running.base_url, path_and_query)
    }

    pub async fn get(&self, path_and_query: &str) -> Result<Value, reqwest::Error> {
        self.http
            .get(self.url(path_and_query))
            .send()
            .await?
            .json()
            .await
    }

    pub async fn post(&self, path_and_query: &str, body: &Value) -> Result<Value, reqwest::Error> {
        self.http
            .post(self.url(path_and_query))
            .json(body)
            .send()
            .await?
            .json()
            .await
    }

    /// `gettoken` with the demo credentials.
    pub async fn token(&self) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
        let c = self.running.sim.current_config();
        let v = self
            .get(&format!(
                "/cgi-bin/gettoken?corpid={}&corpsecret={}",
                c.corp_id, c.corp_secret
            ))
            .await?;
        v["access_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("no token in {v}").into())
    }

    /// A WeCom API call with a fresh token: `GET /cgi-bin/{api}?access_token=…&{query}`.
    pub async fn api_get(
        &self,
        api: &str,
        query: &str,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let t = self.token().await?;
        Ok(self
            .get(&format!("/cgi-bin/{api}?access_token={t}&{query}"))
            .await?)
    }

    /// `POST /cgi-bin/{api}?access_token=…` with a JSON body.
    pub async fn api_post(
        &self,
        api: &str,
        body: &Value,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let t = self.token().await?;
        Ok(self
            .post(&format!("/cgi-bin/{api}?access_token={t}"), body)
            .await?)
    }

    /// Control call that must succeed.
    pub async fn control(
        &self,
        path: &str,
        body: Value,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let resp = self
            .http
            .post(self.url(&format!("/sim/control/{path}")))
            .json(&body)
            .send()
            .await?;
        let status = resp.status();
        let v: Value = resp.json().await?;
        if !status.is_success() {
            return Err(format!("control {path} answered {status}: {v}").into());
        }
        Ok(v)
    }
}

/// What the receiver got for one POST.
#[derive(Clone, Debug)]
pub struct Received {
    pub query: BTreeMap<String, String>,
    pub body: String,
    /// The decrypted inner XML, or the error text.
    pub inner: Result<String, String>,
    pub at: std::time::Instant,
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Statuses to answer, in order; 200 once exhausted.
    plan: VecDeque<u16>,
    delay: Duration,
}

/// A tiny callback endpoint: verifies and decrypts with `MsgCrypt`, answers by plan.
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<ReceiverState>>,
    _task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Ctx {
    crypt: Arc<MsgCrypt>,
    state: Arc<Mutex<ReceiverState>>,
    /// Appended to the URL-verification answer (to test an inexact echo).
    echo_suffix: &'static str,
}

async fn on_post(State(ctx): State<Ctx>, RawQuery(q): RawQuery, body: Bytes) -> impl IntoResponse {
    let query = query_params(q.as_deref().unwrap_or(""));
    let p = |k: &str| query.get(k).cloned().unwrap_or_default();
    let inner = ctx
        .crypt
        .decrypt_post(&p("msg_signature"), &p("timestamp"), &p("nonce"), &body)
        .map_err(|e| e.to_string());
    let delay = {
        let st = ctx.state.lock();
        st.map(|s| s.delay).unwrap_or_default()
    };
    let at = std::time::Instant::now();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let status = match ctx.state.lock() {
        Ok(mut st) => {
            st.received.push(Received {
                query: query.clone(),
                body: String::from_utf8_lossy(&body).into_owned(),
                inner,
                at,
            });
            st.plan.pop_front().unwrap_or(200)
        }
        Err(_) => 500,
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

async fn on_get(State(ctx): State<Ctx>, RawQuery(q): RawQuery) -> impl IntoResponse {
    let query = query_params(q.as_deref().unwrap_or(""));
    let p = |k: &str| query.get(k).cloned().unwrap_or_default();
    match ctx.crypt.verify_url(
        &p("msg_signature"),
        &p("timestamp"),
        &p("nonce"),
        &p("echostr"),
    ) {
        Ok(plain) => (StatusCode::OK, format!("{plain}{}", ctx.echo_suffix)),
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()),
    }
}

impl Receiver {
    /// A receiver for `config`'s token, key and corp id.
    pub async fn start(
        config: &SimConfig,
    ) -> Result<Receiver, Box<dyn std::error::Error + Send + Sync>> {
        Receiver::start_with(config, "").await
    }

    pub async fn start_with(
        config: &SimConfig,
        echo_suffix: &'static str,
    ) -> Result<Receiver, Box<dyn std::error::Error + Send + Sync>> {
        let crypt = MsgCrypt::new(&config.token, &config.encoding_aes_key, &config.corp_id)?;
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let ctx = Ctx {
            crypt: Arc::new(crypt),
            state: state.clone(),
            echo_suffix,
        };
        let app = Router::new()
            .route("/wecom/callback", post(on_post).get(on_get))
            .with_state(ctx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver {
            url: format!("http://{addr}/wecom/callback"),
            state,
            _task: task,
        })
    }

    /// Answer these statuses to the next POSTs (then 200).
    pub fn plan(&self, statuses: &[u16]) {
        if let Ok(mut st) = self.state.lock() {
            st.plan = statuses.iter().copied().collect();
        }
    }

    /// Wait this long before answering each POST.
    pub fn delay(&self, d: Duration) {
        if let Ok(mut st) = self.state.lock() {
            st.delay = d;
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state
            .lock()
            .map(|s| s.received.clone())
            .unwrap_or_default()
    }

    /// Waits until at least `n` POSTs arrived (or 5 s passed) and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..500 {
            let r = self.received();
            if r.len() >= n {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.received()
    }
}

/// `{"errcode": …}` of an answer.
pub fn errcode(v: &Value) -> i64 {
    v["errcode"].as_i64().unwrap_or(i64::MIN)
}

/// A scan through the control API; returns the answer.
pub async fn scan(
    sim: &Sim,
    userid: &str,
    state: &str,
) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    sim.control("scan", json!({ "userid": userid, "state": state }))
        .await
}
