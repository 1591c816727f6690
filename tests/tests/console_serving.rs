//! Local mode serves the built console at `/`: client routes get `index.html` (never cached),
//! hashed assets are immutable and precompressed, the backend's paths never fall back to the
//! console, and without a build `/` says in Chinese how to make one.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use reqwest::header;
use tests::{Backend, Harness, Setup};

const INDEX: &str = "<!doctype html><title>企业微信客户联系 CRM</title><script type=module src=/assets/index-abc123.js></script>";

fn fake_build(dir: &Path) {
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    std::fs::write(dir.join("favicon.svg"), "<svg/>").unwrap();
    std::fs::write(dir.join("assets/index-abc123.js"), "console.log('plain')").unwrap();
    std::fs::write(dir.join("assets/index-abc123.js.gz"), b"gzip-bytes").unwrap();
    std::fs::write(dir.join("assets/index-abc123.js.br"), b"brotli-bytes").unwrap();
}

async fn get(h: &Harness, path: &str, encoding: Option<&str>) -> reqwest::Response {
    let mut request = h.http.get(h.url(path));
    if let Some(encoding) = encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    request.send().await.unwrap()
}

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_routes_get_the_uncached_index_and_assets_are_immutable_and_precompressed() {
    let build = tempfile::tempdir().unwrap();
    fake_build(build.path());
    let h = Harness::start_with(
        Backend::Embedded,
        Setup {
            console_dir: Some(build.path().to_path_buf()),
            ..Setup::default()
        },
    )
    .await;

    for route in [
        "/",
        "/login",
        "/dashboard/customers",
        "/dashboard/wework/messages/c-1",
    ] {
        let response = get(&h, route, None).await;
        assert_eq!(response.status(), 200, "{route}");
        assert_eq!(
            header_of(&response, header::CACHE_CONTROL),
            "no-cache",
            "{route}"
        );
        assert!(header_of(&response, header::CONTENT_TYPE).starts_with("text/html"));
        let csp = header_of(&response, header::CONTENT_SECURITY_POLICY).to_owned();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(
            header_of(&response, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff"
        );
        assert_eq!(response.text().await.unwrap(), INDEX, "{route}");
    }

    let brotli = get(&h, "/assets/index-abc123.js", Some("gzip, deflate, br")).await;
    assert_eq!(brotli.status(), 200);
    assert_eq!(
        header_of(&brotli, header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header_of(&brotli, header::CONTENT_ENCODING), "br");
    assert_eq!(header_of(&brotli, header::VARY), "Accept-Encoding");
    assert!(header_of(&brotli, header::CONTENT_TYPE).starts_with("text/javascript"));
    assert_eq!(brotli.bytes().await.unwrap().as_ref(), b"brotli-bytes");

    let gzip = get(&h, "/assets/index-abc123.js", Some("gzip")).await;
    assert_eq!(header_of(&gzip, header::CONTENT_ENCODING), "gzip");
    assert_eq!(gzip.bytes().await.unwrap().as_ref(), b"gzip-bytes");

    let plain = get(&h, "/assets/index-abc123.js", Some("identity")).await;
    assert_eq!(header_of(&plain, header::CONTENT_ENCODING), "");
    assert_eq!(plain.text().await.unwrap(), "console.log('plain')");

    let favicon = get(&h, "/favicon.svg", None).await;
    assert_eq!(favicon.status(), 200);
    assert_eq!(header_of(&favicon, header::CONTENT_TYPE), "image/svg+xml");
    assert_eq!(header_of(&favicon, header::CACHE_CONTROL), "no-cache");

    // A stale tab asking for an old asset gets a 404, not HTML it would parse as JavaScript.
    for missing in ["/assets/index-old999.js", "/robots.txt"] {
        let response = get(&h, missing, None).await;
        assert_ne!(
            response.text().await.unwrap(),
            INDEX,
            "{missing} must not fall back to index.html"
        );
    }
    let missing = get(&h, "/assets/index-old999.js", None).await;
    assert_eq!(missing.status(), 404);

    // The runtime configuration: local mode signs in with the token.
    let config = get(&h, "/config.json", None).await;
    assert_eq!(header_of(&config, header::CACHE_CONTROL), "no-cache");
    let config: serde_json::Value = config.json().await.unwrap();
    assert_eq!(config, serde_json::json!({"auth": "token", "apiBase": ""}));

    // The backend's paths never answer with the console.
    let api = get(&h, "/api/no-such-route", None).await;
    assert_eq!(api.status(), 401);
    let (status, body) = h
        .api(reqwest::Method::GET, "/api/no-such-route", None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    for path in ["/sim/no-such-thing", "/t/", "/healthz/x"] {
        let response = get(&h, path, None).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_ne!(response.text().await.unwrap(), INDEX, "{path}");
    }
    assert_eq!(get(&h, "/healthz", None).await.status(), 200);

    let post = h.http.post(h.url("/dashboard")).send().await.unwrap();
    assert_eq!(post.status(), 405);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_build_the_console_explains_in_chinese_how_to_build_it_and_the_api_still_works() {
    let h = Harness::start(Backend::Embedded).await;
    for route in ["/", "/dashboard"] {
        let response = get(&h, route, None).await;
        assert_eq!(response.status(), 503, "{route}");
        assert!(header_of(&response, header::CONTENT_TYPE).starts_with("text/html"));
        let page = response.text().await.unwrap();
        assert!(page.contains("管理后台尚未构建"), "{page}");
        assert!(page.contains("npm run build"), "{page}");
    }
    let (status, me) = h.api(reqwest::Method::GET, "/api/me", None).await;
    assert_eq!(status, 200);
    assert_eq!(me["id"], "local-admin");
    assert_eq!(me["auth"], "token");
    h.shutdown().await;
}
