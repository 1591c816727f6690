//! `wecom-crm` as a clinic runs it on its own server: the binary itself, started the way systemd
//! starts it. Beyond loopback it refuses the simulator and a missing or weak admin token (and
//! leaves nothing behind), keeps the token out of its output and the data directory private;
//! `backup` copies the live database.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_wecom-crm");
const STRONG: &str = "3c9a1f0e7b2d4c6a8e0f1b3d5c7e9a2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a3c";

fn wecom_crm(args: &[&str], token: Option<&str>, dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env_remove("WEWORK_ADMIN_TOKEN")
        .env("RUST_LOG", "warn")
        .env("WECOM_CRM_CONSOLE_DIR", dir.join("no-console"))
        // A clinic's EnvironmentFile: its corp and callback credentials; WeCom itself is not
        // reachable from the test (nothing listens on port 9).
        .env("WEWORK_CORP_ID", "ww0123456789abcdef")
        .env("WEWORK_CORP_SECRET", "secret")
        .env("WEWORK_TOKEN", "QDG6eK")
        .env(
            "WEWORK_ENCODING_AES_KEY",
            "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        )
        .env("WEWORK_API_BASE", "http://127.0.0.1:9");
    if let Some(token) = token {
        cmd.env("WEWORK_ADMIN_TOKEN", token);
    }
    cmd
}

fn refused(args: &[&str], token: Option<&str>) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = wecom_crm(args, token, dir.path())
        .output()
        .expect("run wecom-crm");
    (out, dir)
}

/// Starts `serve`, reads its banner (up to the Ctrl-C line), answers the child and the banner.
fn serve(args: &[&str], token: Option<&str>, dir: &Path) -> (Child, String) {
    let mut child = wecom_crm(args, token, dir)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn wecom-crm");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut banner = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("Ctrl-C") {
            // Keep draining so the child never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            return (child, banner);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("no banner: {banner}");
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_simulator_is_refused_beyond_loopback_and_nothing_is_created() {
    let (out, dir) = refused(
        &["serve", "--simulate", "--listen", "0.0.0.0:0"],
        Some(STRONG),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--simulate 只能在本机使用"), "{stderr}");
    assert!(
        !dir.path().join("data").exists(),
        "a refused start leaves no trace"
    );
}

#[test]
fn beyond_loopback_the_admin_token_must_be_set_and_strong() {
    let (out, dir) = refused(&["serve", "--listen", "0.0.0.0:0"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("WEWORK_ADMIN_TOKEN=$(openssl rand -hex 32)"),
        "{stderr}"
    );
    assert!(!dir.path().join("data").exists());

    let (out, _dir) = refused(&["serve", "--listen", "0.0.0.0:0"], Some("admin123"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WEWORK_ADMIN_TOKEN 太弱"));
}

#[test]
fn beyond_loopback_it_serves_without_printing_the_token_and_keeps_its_data_private() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (child, banner) = serve(
        &["serve", "--listen", "0.0.0.0:0"],
        Some(STRONG),
        dir.path(),
    );
    assert!(
        !banner.contains(STRONG),
        "the token stays out of the output: {banner}"
    );
    assert!(banner.contains("$WEWORK_ADMIN_TOKEN"), "{banner}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data"))
            .expect("data dir")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700, "customer data readable by its owner only");
    }
    stop(child);
}

#[test]
fn a_public_url_must_be_scheme_and_host_only() {
    let (out, dir) = refused(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--public-url",
            "crm.clinic.example",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));
    assert!(!dir.path().join("data").exists());
}

#[test]
fn backup_copies_the_live_database_into_a_new_private_file_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (child, banner) = serve(
        &["serve", "--simulate", "--listen", "127.0.0.1:0"],
        None,
        dir.path(),
    );
    assert!(banner.contains("/api"), "{banner}");
    let copy = dir.path().join("backup.db");
    let out = wecom_crm(&["backup", "--to", "backup.db"], None, dir.path())
        .output()
        .expect("run backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("备份完成"));
    assert!(std::fs::metadata(&copy).expect("copy").len() > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).expect("copy").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    let again = wecom_crm(&["backup", "--to", "backup.db"], None, dir.path())
        .output()
        .expect("run backup");
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
    stop(child);
}
