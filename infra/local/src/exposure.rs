//! Single-server mode: what `serve` refuses, and what it keeps to itself, when it listens beyond
//! this machine (a clinic's own server with a fixed IP and its ICP-filed domain, behind a TLS
//! reverse proxy).
//!
//! "Beyond this machine" is a listener on any address but loopback, or a public URL (a reverse
//! proxy on the same host forwards the world to a loopback listener).
//!
//! - The simulator only on loopback: with it, anyone who reaches the port can invent customers
//!   and consultants.
//! - Off loopback the admin token must be the operator's (`WEWORK_ADMIN_TOKEN`, long and random),
//!   never a random one printed to a terminal or journald, and the banner does not print it.
//! - The data directory is readable by its owner only (customer data, the WeCom secret).

use std::net::SocketAddr;
use std::path::Path;

/// Characters an admin token needs off loopback (`openssl rand -hex 32` gives 64).
pub const MIN_TOKEN_LEN: usize = 32;

/// Distinct characters an admin token needs off loopback (a repeated or keyboard-run string is
/// refused; 32 random hex digits have about 14).
const MIN_DISTINCT_CHARS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExposureError {
    #[error(
        "--simulate 只能在本机使用（监听 127.0.0.1 或 ::1，且不设 --public-url）：{0} 可被其他机器访问，而模拟器让任何人都能伪造客户与成员。\n\
         --simulate is for this machine only (loopback, no --public-url): {0} is reachable from other machines."
    )]
    SimulateOffLoopback(SocketAddr),
    #[error(
        "{0} 可被其他机器访问，需要设置管理接口令牌：WEWORK_ADMIN_TOKEN=$(openssl rand -hex 32)。\n\
         Listening on {0} needs WEWORK_ADMIN_TOKEN (at least {MIN_TOKEN_LEN} random characters)."
    )]
    TokenNotSet(SocketAddr),
    #[error(
        "WEWORK_ADMIN_TOKEN 太弱：需要至少 {MIN_TOKEN_LEN} 个字符的随机串（例如 openssl rand -hex 32 的输出）。\n\
         WEWORK_ADMIN_TOKEN is too weak: use at least {MIN_TOKEN_LEN} random characters."
    )]
    WeakToken,
}

/// Whether other machines can reach the server: it listens on any address but loopback (the
/// unspecified `0.0.0.0` / `::` included), or it has a public URL (behind a reverse proxy).
pub fn is_exposed(listen: SocketAddr, public_url: Option<&str>) -> bool {
    !listen.ip().is_loopback() || public_url.is_some()
}

/// Refuses a start that would expose the simulator or an admin API without a strong token of
/// the operator's. `token_from_env` is `WEWORK_ADMIN_TOKEN` as set (None when unset or blank).
pub fn check(
    listen: SocketAddr,
    public_url: Option<&str>,
    simulate: bool,
    token_from_env: Option<&str>,
) -> Result<(), ExposureError> {
    if !is_exposed(listen, public_url) {
        return Ok(());
    }
    if simulate {
        return Err(ExposureError::SimulateOffLoopback(listen));
    }
    let Some(token) = token_from_env.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(ExposureError::TokenNotSet(listen));
    };
    let distinct = token
        .chars()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if token.chars().count() < MIN_TOKEN_LEN || distinct < MIN_DISTINCT_CHARS {
        return Err(ExposureError::WeakToken);
    }
    Ok(())
}

/// Creates the data directory if needed and makes it readable by its owner only.
pub fn secure_data_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().expect("a socket address")
    }

    const STRONG: &str = "9f2c4e7a1b3d5f6081a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e";

    #[test]
    fn loopback_needs_nothing() {
        assert_eq!(check(addr("127.0.0.1:3000"), None, true, None), Ok(()));
        assert_eq!(check(addr("[::1]:3000"), None, true, Some("short")), Ok(()));
    }

    #[test]
    fn the_simulator_is_refused_beyond_loopback_even_with_a_strong_token() {
        assert_eq!(
            check(addr("0.0.0.0:3000"), None, true, Some(STRONG)),
            Err(ExposureError::SimulateOffLoopback(addr("0.0.0.0:3000")))
        );
        assert!(matches!(
            check(addr("192.168.1.20:3000"), None, true, Some(STRONG)),
            Err(ExposureError::SimulateOffLoopback(_))
        ));
    }

    #[test]
    fn a_public_url_counts_as_beyond_loopback() {
        let local = addr("127.0.0.1:3000");
        let public = Some("https://crm.clinic.example");
        assert_eq!(
            check(local, public, true, Some(STRONG)),
            Err(ExposureError::SimulateOffLoopback(local))
        );
        assert_eq!(
            check(local, public, false, None),
            Err(ExposureError::TokenNotSet(local))
        );
        assert_eq!(check(local, public, false, Some(STRONG)), Ok(()));
    }

    #[test]
    fn beyond_loopback_the_token_must_be_set_long_and_varied() {
        let open = addr("0.0.0.0:3000");
        assert_eq!(
            check(open, None, false, None),
            Err(ExposureError::TokenNotSet(open))
        );
        assert_eq!(
            check(open, None, false, Some("   ")),
            Err(ExposureError::TokenNotSet(open))
        );
        assert_eq!(
            check(open, None, false, Some("admin123")),
            Err(ExposureError::WeakToken)
        );
        assert_eq!(
            check(open, None, false, Some(&"ab".repeat(20))),
            Err(ExposureError::WeakToken)
        );
        assert_eq!(check(open, None, false, Some(STRONG)), Ok(()));
        assert_eq!(check(open, None, false, Some(&STRONG[..32])), Ok(()));
    }

    #[test]
    fn the_messages_say_what_to_do_in_chinese() {
        let msg = check(addr("0.0.0.0:3000"), None, false, None)
            .expect_err("refused")
            .to_string();
        assert!(
            msg.contains("WEWORK_ADMIN_TOKEN=$(openssl rand -hex 32)"),
            "{msg}"
        );
        let msg = check(addr("0.0.0.0:3000"), None, true, None)
            .expect_err("refused")
            .to_string();
        assert!(msg.contains("只能在本机使用"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn the_data_directory_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("temporary directory");
        let dir = root.path().join("data");
        std::fs::create_dir(&dir).expect("file system");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))
            .expect("file system");
        secure_data_dir(&dir).expect("file system");
        let mode = std::fs::metadata(&dir)
            .expect("file system")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
        secure_data_dir(&root.path().join("new/nested")).expect("file system");
        let mode = std::fs::metadata(root.path().join("new/nested"))
            .expect("file system")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }
}
