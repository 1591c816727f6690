//! `WEWORK_HTTPS_PROXY`: a clinic whose fixed IP belongs to a proxy of its own sends every WeCom
//! call through it, and the proxy's password never shows up in an error or a log line.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use ports::SystemClock;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wecom_api::{Endpoint, MemoryTokenStore, RetryPolicy, WeComClient, WeComSettings};
use wecom_sim::{RunningSim, SimConfig};

/// The request heads a proxy received, in order.
type Seen = Arc<Mutex<Vec<String>>>;

async fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await.unwrap();
        if n == 0 {
            break;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buffer.split_off(end + 4);
            return (String::from_utf8(buffer).unwrap(), rest);
        }
    }
    (String::from_utf8(buffer).unwrap(), Vec::new())
}

/// A proxy on loopback: records each connection's request head, then hands the connection
/// (and whatever followed the head) to `serve`. Answers its URL, with a user and password.
async fn proxy<F, Fut>(serve: F) -> (String, Seen)
where
    F: Fn(TcpStream, String, Vec<u8>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (head, rest) = read_head(&mut client).await;
            log.lock().unwrap().push(head.clone());
            tokio::spawn(serve(client, head, rest));
        }
    });
    (format!("http://clinic:s3cret@{address}"), seen)
}

/// A forward proxy for plain-HTTP targets: whatever host the request names, it is sent to
/// `upstream` (one request per connection).
async fn forwarding_proxy(upstream: std::net::SocketAddr) -> (String, Seen) {
    proxy(move |mut client, head, mut body| async move {
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default().to_owned();
        let mut parts = request_line.splitn(3, ' ');
        let (method, target, version) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        // Absolute form (`GET http://host/path`) to origin form (`GET /path`).
        let path = target
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("/");
        let length: usize = lines
            .clone()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        while body.len() < length {
            let mut chunk = [0u8; 4096];
            let n = client.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        let mut forwarded = format!("{method} {path} {version}\r\n");
        for line in lines.filter(|l| !l.is_empty()) {
            let name = line
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if !matches!(name.as_str(), "connection" | "proxy-authorization" | "host") {
                forwarded.push_str(line);
                forwarded.push_str("\r\n");
            }
        }
        forwarded.push_str(&format!("host: {upstream}\r\nconnection: close\r\n\r\n"));
        let mut server = TcpStream::connect(upstream).await.unwrap();
        server.write_all(forwarded.as_bytes()).await.unwrap();
        server.write_all(&body).await.unwrap();
        let mut answer = Vec::new();
        server.read_to_end(&mut answer).await.unwrap();
        client.write_all(&answer).await.unwrap();
        client.shutdown().await.ok();
    })
    .await
}

/// A proxy that refuses every tunnel.
async fn refusing_proxy() -> (String, Seen) {
    proxy(|mut client, _, _| async move {
        client
            .write_all(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")
            .await
            .ok();
    })
    .await
}

fn client_via(endpoint: &Endpoint, sim: Option<&RunningSim>) -> WeComClient {
    let (corp_id, secret) = sim.map_or_else(
        || ("ww0000".to_owned(), "secret".to_owned()),
        |s| {
            let c = s.sim.current_config();
            (c.corp_id, c.corp_secret)
        },
    );
    let mut settings = WeComSettings::via(endpoint, &corp_id, &secret);
    settings.retry = RetryPolicy::fast();
    WeComClient::new(
        settings,
        Arc::new(MemoryTokenStore::default()),
        Arc::new(SystemClock),
    )
    .unwrap()
}

#[tokio::test]
async fn every_call_goes_through_the_configured_proxy() {
    let mut config = SimConfig::demo();
    config.callback_url = None;
    let sim = wecom_sim::spawn(config).await.unwrap();
    let upstream = sim.base_url.trim_start_matches("http://").parse().unwrap();
    let (proxy, seen) = forwarding_proxy(upstream).await;
    // A host nobody can resolve: only the proxy can reach "WeCom".
    let endpoint = Endpoint::from_env_map(|name| match name {
        "WEWORK_API_BASE" => Some("http://wecom.invalid/".to_owned()),
        "WEWORK_HTTPS_PROXY" => Some(proxy.clone()),
        _ => None,
    });
    let client = client_via(&endpoint, Some(&sim));

    assert!(!client.access_token().await.unwrap().is_empty());
    client.get_follow_user_list().await.unwrap();

    let seen = seen.lock().unwrap().clone();
    let lines: Vec<_> = seen.iter().map(|h| h.lines().next().unwrap()).collect();
    assert!(
        lines[0].starts_with("GET http://wecom.invalid/cgi-bin/gettoken?"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("http://wecom.invalid/cgi-bin/externalcontact/get_follow_user_list"),
        "{lines:?}"
    );
    // The proxy's user and password travel as Proxy-Authorization, on every request.
    assert!(seen.iter().all(|h| {
        h.to_ascii_lowercase()
            .contains("proxy-authorization: basic ")
    }));
    assert!(!format!("{endpoint:?}").contains("s3cret"));
}

#[tokio::test]
async fn https_calls_to_wecom_tunnel_through_the_proxy_and_its_password_stays_out_of_errors() {
    let (proxy, seen) = refusing_proxy().await;
    let endpoint = Endpoint {
        https_proxy: Some(proxy),
        ..Endpoint::production()
    };
    let client = client_via(&endpoint, None);

    let error = client.access_token().await.unwrap_err();

    let first = seen.lock().unwrap()[0].clone();
    assert!(
        first.starts_with("CONNECT qyapi.weixin.qq.com:443 "),
        "WeCom is reached by a tunnel through the proxy, not directly: {first}"
    );
    for shown in [
        error.to_string(),
        format!("{error:?}"),
        format!("{endpoint:?}"),
    ] {
        assert!(!shown.contains("s3cret"), "{shown}");
    }
}

#[test]
fn an_unusable_proxy_url_is_refused_when_the_client_is_built() {
    let endpoint = Endpoint {
        https_proxy: Some("http://[not a url".to_owned()),
        ..Endpoint::production()
    };
    let settings = WeComSettings::via(&endpoint, "ww0000", "secret");
    let error = WeComClient::new(
        settings,
        Arc::new(MemoryTokenStore::default()),
        Arc::new(SystemClock),
    )
    .err()
    .unwrap();
    assert!(error.to_string().contains("WEWORK_HTTPS_PROXY"), "{error}");
}
