//! Staff tokens of local mode: `wecom-crm token create|list|revoke`, kept in
//! `<data-dir>/api-tokens.json` beside the database `serve` uses. Only each token's SHA-256 is
//! stored; the token itself is printed once, at creation. `serve` re-reads the file when it
//! changes, so a token created or revoked while it runs counts at the next request.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

use admin_api::auth::SignIn;
use admin_api::{Caller, Role, TokenDirectory};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The file inside a data directory.
pub const TOKENS_FILE: &str = "api-tokens.json";

/// The prefix of every staff token (tells it apart from the operator's admin token in logs
/// and secret scanners).
const TOKEN_PREFIX: &str = "wcrm_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredToken {
    /// Public: names the token in `token list`, `token revoke` and the audit log
    /// (`token:<id>`).
    pub id: String,
    /// SHA-256 of the token, hex.
    pub sha256: String,
    pub role: Role,
    /// A consultant's WeCom userid.
    #[serde(default)]
    pub userid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub created_at_ms: i64,
    #[serde(default)]
    pub revoked_at_ms: Option<i64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TokenFile {
    tokens: Vec<StoredToken>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} is not a token file: {1}")]
    Corrupt(PathBuf, serde_json::Error),
    #[error("a consultant token needs --userid (the consultant's WeCom userid)")]
    ConsultantWithoutUserid,
    #[error("--userid must be a WeCom userid (1-64 letters, digits, '.', '_', '-', '@')")]
    BadUserid,
    #[error("--name must be 1-64 characters")]
    BadName,
    #[error("no token with id {0}")]
    Unknown(String),
}

fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The tokens of one data directory.
#[derive(Debug, Clone)]
pub struct Tokens {
    path: PathBuf,
}

impl Tokens {
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join(TOKENS_FILE),
        }
    }

    fn load(&self) -> Result<TokenFile, TokenError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| TokenError::Corrupt(self.path.clone(), e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokenFile::default()),
            Err(e) => Err(TokenError::Io(self.path.clone(), e)),
        }
    }

    /// Writes a new file and renames it over the old one (a reader never sees half a file),
    /// readable by its owner only.
    fn save(&self, file: &TokenFile) -> Result<(), TokenError> {
        let io = |e| TokenError::Io(self.path.clone(), e);
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = self
            .path
            .with_extension(format!("json.{}.tmp", std::process::id()));
        let bytes = serde_json::to_vec_pretty(file).unwrap_or_default();
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut out = options.open(&tmp).map_err(io)?;
            out.write_all(&bytes).map_err(io)?;
            out.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io)
    }

    /// Creates a token; returns it (shown once) and what is stored of it.
    pub fn create(
        &self,
        role: Role,
        userid: Option<String>,
        name: Option<String>,
        now_ms: i64,
    ) -> Result<(String, StoredToken), TokenError> {
        let userid = userid
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        if let Some(u) = &userid
            && (u.len() > 64
                || !u
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
        {
            return Err(TokenError::BadUserid);
        }
        if role == Role::Consultant && userid.is_none() {
            return Err(TokenError::ConsultantWithoutUserid);
        }
        let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 64) {
            return Err(TokenError::BadName);
        }
        let mut file = self.load()?;
        let id = format!("{:08x}", rand::random::<u32>());
        // 256 bits from the thread's CSPRNG.
        let token = format!(
            "{TOKEN_PREFIX}{:032x}{:032x}",
            rand::random::<u128>(),
            rand::random::<u128>()
        );
        let stored = StoredToken {
            id,
            sha256: sha256_hex(&token),
            role,
            userid,
            name,
            created_at_ms: now_ms,
            revoked_at_ms: None,
        };
        file.tokens.push(stored.clone());
        self.save(&file)?;
        Ok((token, stored))
    }

    pub fn list(&self) -> Result<Vec<StoredToken>, TokenError> {
        Ok(self.load()?.tokens)
    }

    /// Revokes a token (kept in the file, marked, so the audit's `token:<id>` stays explained).
    pub fn revoke(&self, id: &str, now_ms: i64) -> Result<StoredToken, TokenError> {
        let mut file = self.load()?;
        let token = file
            .tokens
            .iter_mut()
            .find(|t| t.id == id.trim())
            .ok_or_else(|| TokenError::Unknown(id.to_owned()))?;
        if token.revoked_at_ms.is_none() {
            token.revoked_at_ms = Some(now_ms);
        }
        let revoked = token.clone();
        self.save(&file)?;
        Ok(revoked)
    }
}

/// When and how big the file was (`None`: absent or unreadable).
type Stamp = Option<(SystemTime, u64)>;

/// The tokens as `serve` checks them: cached, re-read when the file changes.
pub struct FileTokenDirectory {
    tokens: Tokens,
    cache: RwLock<(Stamp, Vec<StoredToken>)>,
}

impl FileTokenDirectory {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            tokens: Tokens::in_dir(data_dir),
            cache: RwLock::new((None, Vec::new())),
        }
    }

    fn stamp(&self) -> Stamp {
        let meta = std::fs::metadata(&self.tokens.path).ok()?;
        Some((meta.modified().ok()?, meta.len()))
    }

    fn current(&self) -> Vec<StoredToken> {
        let stamp = self.stamp();
        if let Ok(cache) = self.cache.read()
            && cache.0 == stamp
        {
            return cache.1.clone();
        }
        let tokens = match self.tokens.list() {
            Ok(tokens) => tokens,
            Err(e) => {
                // Refuse every staff token rather than guess; the admin token still works.
                tracing::error!(error = %e, "cannot read the staff tokens");
                Vec::new()
            }
        };
        if let Ok(mut cache) = self.cache.write() {
            *cache = (stamp, tokens.clone());
        }
        tokens
    }
}

impl TokenDirectory for FileTokenDirectory {
    fn caller(&self, presented: &str) -> Option<Caller> {
        if !presented.starts_with(TOKEN_PREFIX) {
            return None;
        }
        let hash = sha256_hex(presented);
        self.current()
            .into_iter()
            .find(|t| t.revoked_at_ms.is_none() && t.sha256 == hash)
            .map(|t| Caller {
                id: format!("token:{}", t.id),
                name: t.name.clone().unwrap_or_else(|| format!("token:{}", t.id)),
                role: Some(t.role),
                userid: t.userid,
                via: SignIn::Token,
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_created_token_authenticates_as_its_role_until_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = Tokens::in_dir(dir.path());
        let directory = FileTokenDirectory::new(dir.path());
        let (token, stored) = tokens
            .create(
                Role::Consultant,
                Some("zhangsan".into()),
                Some("张三".into()),
                1,
            )
            .unwrap();
        let caller = directory.caller(&token).unwrap();
        assert_eq!(caller.role, Some(Role::Consultant));
        assert_eq!(caller.userid.as_deref(), Some("zhangsan"));
        assert_eq!(caller.id, format!("token:{}", stored.id));
        assert_eq!(caller.name, "张三");
        let text = std::fs::read_to_string(dir.path().join(TOKENS_FILE)).unwrap();
        assert!(!text.contains(&token), "only the hash is stored");
        assert!(directory.caller(&format!("{token}x")).is_none());

        // Revoked by another process: the running directory sees the new file (its size
        // changes, whatever the file system's timestamp resolution).
        Tokens::in_dir(dir.path()).revoke(&stored.id, 2).unwrap();
        assert!(directory.caller(&token).is_none());
    }

    #[test]
    fn a_consultant_token_needs_a_userid() {
        let dir = tempfile::tempdir().unwrap();
        let tokens = Tokens::in_dir(dir.path());
        assert!(matches!(
            tokens.create(Role::Consultant, None, None, 1),
            Err(TokenError::ConsultantWithoutUserid)
        ));
        assert!(matches!(
            tokens.create(Role::Consultant, Some("a b".into()), None, 1),
            Err(TokenError::BadUserid)
        ));
        assert!(tokens.list().unwrap().is_empty(), "nothing stored");
        assert!(tokens.create(Role::Manager, None, None, 1).is_ok());
    }
}
