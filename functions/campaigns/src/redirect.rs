//! The public tracked-link redirect: `GET /t/{token}` records the click and answers 302.

use crm::campaign::links::{ClickSource, Links};
use lambda_http::http::{HeaderMap, Method, Response, StatusCode, header};
use tracing::warn;

const NOT_FOUND_PAGE: &str =
    "<!doctype html><meta charset=\"utf-8\"><title>链接无效</title><p>该链接无效或已过期。</p>";
const ERROR_PAGE: &str = "<!doctype html><meta charset=\"utf-8\"><title>请稍后再试</title><p>服务暂时不可用，请稍后再试。</p>";

/// Who clicked, as far as the request tells: the client address is the first
/// `X-Forwarded-For` hop (CloudFront, a reverse proxy) or else the connection's `peer_ip`; the
/// browser its `User-Agent`. A forged header only makes another visitor, and a link records at
/// most [`crm::campaign::links::MAX_CLICKS_PER_LINK`] of them.
pub fn click_source(headers: &HeaderMap, peer_ip: Option<String>) -> ClickSource {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let forwarded = header("x-forwarded-for")
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    ClickSource {
        ip: forwarded.or(peer_ip),
        user_agent: header("user-agent").map(|ua| ua.chars().take(512).collect()),
    }
}

/// The click source of a Function URL request (payload 2.0): its headers and
/// `requestContext.http.sourceIp`.
pub fn request_source(request: &lambda_http::Request) -> ClickSource {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    let peer_ip = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    };
    click_source(request.headers(), peer_ip)
}

/// The answer for one token: a `GET` of a known one is recorded as a click (once per
/// clicker); a `HEAD` (link checkers, previews) is answered the same way without counting.
pub async fn redirect(
    links: &Links,
    token: &str,
    is_get: bool,
    from: &ClickSource,
) -> Response<String> {
    let html = |status: StatusCode, body: &str| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-store")
            .body(body.to_owned())
            .unwrap_or_default()
    };
    match links.click(token, is_get, from).await {
        Ok(Some(url)) => Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, url)
            .header(header::CACHE_CONTROL, "no-store")
            .body(String::new())
            .unwrap_or_default(),
        Ok(None) => html(StatusCode::NOT_FOUND, NOT_FOUND_PAGE),
        Err(e) => {
            warn!(error = %e.summary(), "click not recorded");
            html(StatusCode::SERVICE_UNAVAILABLE, ERROR_PAGE)
        }
    }
}

/// The token of a `/t/{token}` path.
pub fn token_of(path: &str) -> Option<&str> {
    path.strip_prefix("/t/")
        .filter(|t| !t.is_empty() && !t.contains('/'))
}

/// What the redirect function answers to a request: `GET`/`HEAD /t/{token}`, else 404.
pub async fn answer(
    links: &Links,
    method: &Method,
    path: &str,
    from: &ClickSource,
) -> Response<String> {
    match token_of(path) {
        Some(token) if method == Method::GET || method == Method::HEAD => {
            redirect(links, token, method == Method::GET, from).await
        }
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(String::new())
            .unwrap_or_default(),
    }
}

/// A token bucket over the public redirect of one process (local mode; in AWS the function's
/// reserved concurrency caps it): `per_sec` hits a second on average, bursts of `burst`. A hit
/// over the limit is answered 429 without reading or writing anything.
#[derive(Debug)]
pub struct RateLimit {
    per_sec: f64,
    burst: f64,
    state: std::sync::Mutex<(f64, std::time::Instant)>,
}

impl RateLimit {
    pub fn new(per_sec: u32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            per_sec: f64::from(per_sec.max(1)),
            burst,
            state: std::sync::Mutex::new((burst, std::time::Instant::now())),
        }
    }

    /// Whether a hit at `now` is within the limit (and takes its token).
    pub fn allow_at(&self, now: std::time::Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = *state;
        let refilled = (tokens + now.saturating_duration_since(last).as_secs_f64() * self.per_sec)
            .min(self.burst);
        let allowed = refilled >= 1.0;
        *state = (if allowed { refilled - 1.0 } else { refilled }, now);
        allowed
    }

    pub fn allow(&self) -> bool {
        self.allow_at(std::time::Instant::now())
    }
}

/// The answer to a hit over the rate limit.
pub fn too_many_requests() -> Response<String> {
    Response::builder()
        .status(StatusCode::TOO_MANY_REQUESTS)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::RETRY_AFTER, "1")
        .header(header::CACHE_CONTROL, "no-store")
        .body(ERROR_PAGE.to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn the_rate_limit_allows_a_burst_then_the_steady_rate() {
        let limit = RateLimit::new(10, 20);
        let t0 = Instant::now();
        let burst = (0..50).filter(|_| limit.allow_at(t0)).count();
        assert_eq!(burst, 20);
        // Half a second later: five more.
        let later = t0 + Duration::from_millis(500);
        assert_eq!((0..50).filter(|_| limit.allow_at(later)).count(), 5);
    }

    #[test]
    fn the_client_address_is_the_first_forwarded_hop_else_the_peer() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            click_source(&headers, Some("198.51.100.1".into())),
            ClickSource {
                ip: Some("198.51.100.1".into()),
                user_agent: None
            }
        );
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1".parse().unwrap());
        headers.insert("user-agent", "MicroMessenger/8.0.50".parse().unwrap());
        assert_eq!(
            click_source(&headers, Some("198.51.100.1".into())),
            ClickSource {
                ip: Some("203.0.113.9".into()),
                user_agent: Some("MicroMessenger/8.0.50".into())
            }
        );
    }
}
