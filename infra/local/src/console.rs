//! The built web console (`console/dist`), served at `/` by local mode.
//!
//! - Client routes (`/dashboard/...`, `/login`) get `index.html` (the SPA fallback), never cached,
//!   so a new build shows on the next load.
//! - Vite's hashed files under `/assets/` are cached for a year as immutable; a missing asset is
//!   a 404, not `index.html` (a stale tab must not parse HTML as JavaScript).
//! - Precompressed `.br` / `.gz` siblings (written by the console's build) are served when the
//!   browser accepts them, with `Vary: Accept-Encoding`.
//! - `/config.json` is the console's runtime configuration: local mode signs in with the token.
//! - Every answer carries a strict Content-Security-Policy and the usual hardening headers.
//! - When the console has not been built, `/` explains (in Chinese) how to build it; the API,
//!   the callback and the simulator work regardless.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// What the console may load: only itself (styles inline for Ant Design's CSS-in-JS).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
     font-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; \
     object-src 'none'";

/// Paths owned by the backend: never answered with the console's `index.html`.
const BACKEND_PREFIXES: [&str; 5] = ["/api/", "/sim/", "/cgi-bin/", "/t/", "/healthz"];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// The directory of a console build.
#[derive(Debug, Clone)]
pub struct ConsoleFiles {
    root: Arc<PathBuf>,
}

impl ConsoleFiles {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: Arc::new(root.into()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether a build is there (its `index.html`).
    pub fn is_built(&self) -> bool {
        self.root.join("index.html").is_file()
    }

    /// The file a URL path names, when it is a plain relative path inside the root.
    fn file_for(&self, path: &str) -> Option<PathBuf> {
        let relative = Path::new(path.trim_start_matches('/'));
        if relative.as_os_str().is_empty()
            || !relative
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        {
            return None;
        }
        Some(self.root.join(relative))
    }
}

/// The router's fallback: everything no backend route answered.
pub async fn serve(
    State(files): State<ConsoleFiles>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    if BACKEND_PREFIXES
        .iter()
        .any(|p| path.starts_with(p) || path == p.trim_end_matches('/'))
    {
        return not_found_json();
    }
    if method != Method::GET && method != Method::HEAD {
        return hardened(
            (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "GET, HEAD")],
            )
                .into_response(),
        );
    }
    if path == "/config.json" {
        return hardened(
            (
                [
                    (header::CONTENT_TYPE, "application/json"),
                    (header::CACHE_CONTROL, NO_CACHE),
                ],
                r#"{"auth":"token","apiBase":""}"#,
            )
                .into_response(),
        );
    }
    if !files.is_built() {
        return hardened(not_built(&files));
    }
    let accepts = accepted_encodings(&headers);
    if let Some(file) = files.file_for(path).filter(|f| f.is_file()) {
        let cache = if path.starts_with("/assets/") {
            IMMUTABLE
        } else {
            NO_CACHE
        };
        return hardened(send_file(&file, cache, accepts, method == Method::HEAD).await);
    }
    // A missing file (it has an extension, or sits under /assets/) is a 404; anything else is
    // a client route.
    let last = path.rsplit('/').next().unwrap_or_default();
    if path.starts_with("/assets/") || last.contains('.') {
        return hardened((StatusCode::NOT_FOUND, "not found").into_response());
    }
    hardened(
        send_file(
            &files.root.join("index.html"),
            NO_CACHE,
            accepts,
            method == Method::HEAD,
        )
        .await,
    )
}

#[derive(Debug, Clone, Copy, Default)]
struct Accepts {
    br: bool,
    gzip: bool,
}

fn accepted_encodings(headers: &HeaderMap) -> Accepts {
    let mut accepts = Accepts::default();
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        for part in value.to_str().unwrap_or_default().split(',') {
            let mut pieces = part.trim().split(';');
            let name = pieces.next().unwrap_or_default().trim();
            let refused = pieces.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            match name {
                "br" if !refused => accepts.br = true,
                "gzip" if !refused => accepts.gzip = true,
                _ => {}
            }
        }
    }
    accepts
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// Whether a type is worth compressing (the build writes siblings only for these).
fn compressible(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("html" | "js" | "mjs" | "css" | "json" | "svg" | "txt")
    )
}

async fn send_file(file: &Path, cache: &'static str, accepts: Accepts, head: bool) -> Response {
    let sibling = |ext: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(ext);
        PathBuf::from(name)
    };
    let mut candidates: Vec<(PathBuf, Option<&'static str>)> = Vec::with_capacity(3);
    if compressible(file) {
        if accepts.br {
            candidates.push((sibling(".br"), Some("br")));
        }
        if accepts.gzip {
            candidates.push((sibling(".gz"), Some("gzip")));
        }
    }
    candidates.push((file.to_path_buf(), None));
    for (path, encoding) in candidates {
        let Ok(bytes) = tokio::fs::read(&path).await else {
            continue;
        };
        let mut response = if head {
            let mut r = Response::new(Body::empty());
            if let Ok(len) = HeaderValue::from_str(&bytes.len().to_string()) {
                r.headers_mut().insert(header::CONTENT_LENGTH, len);
            }
            r
        } else {
            Response::new(Body::from(bytes))
        };
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(file)),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if compressible(file) {
            h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        }
        if let Some(encoding) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        return response;
    }
    (StatusCode::NOT_FOUND, "not found").into_response()
}

fn hardened(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn not_found_json() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"error":{"code":"not_found","message":"该地址不存在"}}"#,
    )
        .into_response()
}

/// `/` before the console is built: what to run, in Chinese.
fn not_built(files: &ConsoleFiles) -> Response {
    let dir = html_escape(&files.root().display().to_string());
    let page = format!(
        r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>管理后台尚未构建</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.6">
<h1>管理后台尚未构建</h1>
<p>服务已在运行（管理接口 <code>/api</code>、企业微信回调均可用），但在 <code>{dir}</code> 中没有找到管理后台的构建结果。</p>
<p>在项目根目录执行以下任一方式构建并启动：</p>
<pre style="background: #f5f5f5; padding: 1rem">./scripts/serve</pre>
<p>或手动构建后重启：</p>
<pre style="background: #f5f5f5; padding: 1rem">cd console &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>也可以用 <code>--console-dir</code>（或环境变量 <code>WECOM_CRM_CONSOLE_DIR</code>）指定构建目录。</p>
</body></html>
"#
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, NO_CACHE),
        ],
        page,
    )
        .into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_name_files() {
        let files = ConsoleFiles::new("/srv/console");
        assert_eq!(
            files.file_for("/assets/app.js"),
            Some(PathBuf::from("/srv/console/assets/app.js"))
        );
        assert_eq!(files.file_for("/"), None);
        assert_eq!(files.file_for("/../etc/passwd"), None);
        assert_eq!(files.file_for("/assets/../../etc/passwd"), None);
        assert_eq!(files.file_for("/./index.html"), None);
    }

    #[test]
    fn refused_encodings_are_not_served() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, br;q=0"),
        );
        let a = accepted_encodings(&headers);
        assert!(a.gzip && !a.br);
    }
}
