//! The sample events under `events/` (what `sam local invoke` and the tests feed the
//! functions) and the corp they are sealed for: sample A of wecom-api.md §8.

use serde_json::Value;

/// Sample A's corp id.
pub const CORP_ID: &str = "ww1436e0e65a779aee";
/// Sample A's callback Token.
pub const TOKEN: &str = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
/// Sample A's EncodingAESKey.
pub const ENCODING_AES_KEY: &str = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
/// The time the callback samples were sealed at (their `timestamp`), unix milliseconds.
pub const SEALED_AT_MS: i64 = 1_795_850_208_000;

/// The text of `events/{path}` (e.g. `"callback/app-text-message.json"`).
pub fn text(path: &str) -> String {
    let full = format!("{}/../../events/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("sample {full}: {e}"))
}

/// `events/{path}` as JSON.
pub fn json(path: &str) -> Value {
    serde_json::from_str(&text(path)).unwrap_or_else(|e| panic!("sample {path}: {e}"))
}
