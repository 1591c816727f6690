//! Compares the Rust hot path with wechatpy on the very same payload, in one run.
//!
//! ```text
//! cargo run --release -p wecom-callback --example crypto_compare            # both + ratio
//! cargo run --release -p wecom-callback --example crypto_compare -- --payload  # payload JSON only
//! ```
//!
//! The operation on both sides: signature check + envelope parse + AES decrypt (+ receiveid
//! check) + parse of the inner XML of a typical `add_external_contact` event (see
//! `benches/support/mod.rs`); on the Rust side into the borrowed view the callback Lambda uses
//! (`parse_message_ref`), and, on a separate line, into the owned `CallbackMessage`. Beside it, the Rust "crypto floor" on the same payload: the
//! signature check, base64 decode and AES-256-CBC decrypt alone (`support::Floor`), and the hot
//! path's ratio to it. The Python side is `scripts/bench/crypto_reference.py`, run with
//! `$WECOM_BENCH_PYTHON` (default: the repository's `.venv/bin/python` when present, else `python3`);
//! it needs `pip install wechatpy cryptography`. The rigorous Rust figure is
//! `cargo bench -p wecom-callback --bench hot_path`; this binary times both sides the same simple
//! way (median of batches) so that the ratio is like for like. The Rust batches (hot path,
//! owned-parse path and floor alternating) run both before and after the Python side.

use std::hint::black_box;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use wecom_callback::{MessageClass, MessageKind, parse_message, parse_message_ref};

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

fn payload_json(p: &support::Payload) -> String {
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
    format!("{{\n{}\n}}\n", body.join(",\n"))
}

/// The callback Lambda's hot path: into the borrowed view.
fn one(p: &support::Payload) -> bool {
    let plain = p.crypto.decrypt_post(
        black_box(&p.msg_signature),
        black_box(support::TIMESTAMP),
        black_box(support::NONCE),
        black_box(p.body.as_bytes()),
    );
    match plain {
        Ok(x) => parse_message_ref(&x).is_ok_and(|m| m.class() == MessageClass::ExternalContact),
        Err(_) => false,
    }
}

/// The same into the owned `CallbackMessage`.
fn one_owned(p: &support::Payload) -> bool {
    let plain = p.crypto.decrypt_post(
        black_box(&p.msg_signature),
        black_box(support::TIMESTAMP),
        black_box(support::NONCE),
        black_box(p.body.as_bytes()),
    );
    match plain.and_then(|x| parse_message(&x)) {
        Ok(m) => matches!(m.kind, MessageKind::ExternalContact(_)),
        Err(_) => false,
    }
}

fn floor_once(p: &support::Payload, floor: &mut support::Floor) -> usize {
    floor.run(
        black_box(&p.msg_signature),
        black_box(support::TIMESTAMP),
        black_box(support::NONCE),
        black_box(&p.encrypt),
    )
}

/// How many calls of `f` take about `batch_time`.
fn batch_size(batch_time: Duration, mut f: impl FnMut()) -> u32 {
    let mut n: u32 = 1;
    loop {
        let t = Instant::now();
        for _ in 0..n {
            f();
        }
        let elapsed = t.elapsed();
        if elapsed >= batch_time / 4 || n >= 1 << 24 {
            let per = elapsed.as_secs_f64() / f64::from(n);
            return ((batch_time.as_secs_f64() / per) as u32).max(1);
        }
        n = n.saturating_mul(2);
    }
}

/// µs per call of one batch of `n` calls.
fn batch(n: u32, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

/// Samples (µs / event) of the hot path and of the crypto floor, `batches` batches of about
/// `batch_time` each, alternating between the two so that a change in the machine's load
/// touches both alike.
struct Samples {
    hot: Vec<f64>,
    owned: Vec<f64>,
    floor: Vec<f64>,
}

impl Samples {
    fn collect(&mut self, p: &support::Payload, batches: usize, batch_time: Duration) {
        let mut floor = support::Floor::new();
        let n_hot = batch_size(batch_time, || {
            black_box(one(p));
        });
        let n_owned = batch_size(batch_time, || {
            black_box(one_owned(p));
        });
        let n_floor = batch_size(batch_time, || {
            black_box(floor_once(p, &mut floor));
        });
        for _ in 0..batches {
            self.hot.push(batch(n_hot, || {
                black_box(one(p));
            }));
            self.owned.push(batch(n_owned, || {
                black_box(one_owned(p));
            }));
            self.floor.push(batch(n_floor, || {
                black_box(floor_once(p, &mut floor));
            }));
        }
    }
}

/// Median and minimum.
fn stats(samples: &[f64]) -> (f64, f64) {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
    let min = sorted.first().copied().unwrap_or(f64::NAN);
    (median, min)
}

fn python() -> String {
    if let Ok(p) = std::env::var("WECOM_BENCH_PYTHON") {
        return p;
    }
    // The project's venv (`scripts/bench/run` installs wechatpy there).
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python");
    if std::path::Path::new(venv).exists() {
        return venv.to_owned();
    }
    "python3".to_owned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let p = support::payload();
    let mut out = std::io::stdout().lock();
    if std::env::args().any(|a| a == "--payload") {
        out.write_all(payload_json(&p).as_bytes())?;
        return Ok(());
    }
    if !one(&p) || !one_owned(&p) {
        return Err("the Rust side failed to verify/decrypt/parse the payload".into());
    }
    if floor_once(&p, &mut support::Floor::new()) == 0 {
        return Err("the crypto floor failed on the payload".into());
    }

    // The Rust side is timed before and after the Python run (15 batches each), so that both
    // sides see the same range of machine load.
    let batch_time = Duration::from_millis(200);
    let mut samples = Samples {
        hot: Vec::new(),
        owned: Vec::new(),
        floor: Vec::new(),
    };
    samples.collect(&p, 15, batch_time);

    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench/crypto_reference.py");
    let payload_path =
        std::env::temp_dir().join(format!("wecom-bench-payload-{}.json", std::process::id()));
    std::fs::write(&payload_path, payload_json(&p))?;
    let py = python();
    let result = Command::new(&py).arg(&script).arg(&payload_path).output();
    let _ = std::fs::remove_file(&payload_path);
    let output = result.map_err(|e| format!("cannot run {py}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{py} {} failed:\n{stdout}{stderr}", script.display()).into());
    }
    samples.collect(&p, 15, batch_time);

    let (median, min) = stats(&samples.hot);
    let (owned_median, owned_min) = stats(&samples.owned);
    let (floor_median, floor_min) = stats(&samples.floor);
    let n = samples.hot.len();
    writeln!(
        out,
        "rust   wecom-callback: verify+decrypt+parse (borrowed view, as the Lambda) median {median:.2} µs/event (min {min:.2}) over {n} batches"
    )?;
    writeln!(
        out,
        "rust   wecom-callback: verify+decrypt+parse into the owned CallbackMessage median {owned_median:.2} µs/event (min {owned_min:.2}) over {n} batches"
    )?;
    writeln!(
        out,
        "rust   crypto floor (signature + base64 + AES-256-CBC only): median {floor_median:.2} µs/event (min {floor_min:.2}) over {n} batches"
    )?;
    let mut py_median = None;
    for line in stdout.lines() {
        if let Some(v) = line.strip_prefix("us_per_event=") {
            py_median = v.trim().parse::<f64>().ok();
        } else {
            writeln!(out, "python {line}")?;
        }
    }
    let py_median = py_median.ok_or("crypto_reference.py printed no us_per_event= line")?;
    writeln!(out)?;
    writeln!(
        out,
        "wechatpy                      {py_median:8.2} µs/event"
    )?;
    writeln!(out, "this project (hot path)       {median:8.2} µs/event")?;
    writeln!(
        out,
        "ratio wechatpy / this project {:8.1} x",
        py_median / median
    )?;
    writeln!(
        out,
        "crypto floor                  {floor_median:8.2} µs/event"
    )?;
    writeln!(
        out,
        "hot path / crypto floor       {:8.2} x",
        median / floor_median
    )?;
    writeln!(
        out,
        "owned parse path              {owned_median:8.2} µs/event ({:.2} x the floor, wechatpy {:.1} x)",
        owned_median / floor_median,
        py_median / owned_median
    )?;
    Ok(())
}
