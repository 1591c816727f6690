//! Prints the benchmark payload of `benches/hot_path.rs` as JSON, for the Python reference
//! (`scripts/bench/crypto_reference.py`), so both sides measure exactly the same bytes.

use std::io::Write;

#[path = "../benches/support/mod.rs"]
mod support;

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn main() -> std::io::Result<()> {
    let p = support::payload();
    let fields = [
        ("token", support::TOKEN),
        ("encoding_aes_key", support::AES_KEY),
        ("receive_id", support::CORP_ID),
        ("msg_signature", p.msg_signature.as_str()),
        ("timestamp", support::TIMESTAMP),
        ("nonce", support::NONCE),
        ("body", p.body.as_str()),
        ("inner", p.inner.as_str()),
    ];
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("  {}: {}", json_string(k), json_string(v)))
        .collect();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{{\n{}\n}}", body.join(",\n"))
}
