//! The public tracked-link redirect: `GET /t/{token}` records the click and answers 302.

use crm::campaign::links::Links;
use lambda_http::http::{Method, Response, StatusCode, header};
use tracing::warn;

const NOT_FOUND_PAGE: &str =
    "<!doctype html><meta charset=\"utf-8\"><title>链接无效</title><p>该链接无效或已过期。</p>";
const ERROR_PAGE: &str = "<!doctype html><meta charset=\"utf-8\"><title>请稍后再试</title><p>服务暂时不可用，请稍后再试。</p>";

/// The answer for one token: a `GET` of a known one is recorded as a click; a `HEAD` (link
/// checkers, previews) is answered the same way without counting.
pub async fn redirect(links: &Links, token: &str, is_get: bool) -> Response<String> {
    let html = |status: StatusCode, body: &str| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CACHE_CONTROL, "no-store")
            .body(body.to_owned())
            .unwrap_or_default()
    };
    match links.click(token, is_get).await {
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
pub async fn answer(links: &Links, method: &Method, path: &str) -> Response<String> {
    match token_of(path) {
        Some(token) if method == Method::GET || method == Method::HEAD => {
            redirect(links, token, method == Method::GET).await
        }
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(String::new())
            .unwrap_or_default(),
    }
}
