//! The test command's brief fuzz step, without nightly flags or cargo-fuzz: the committed seeds
//! of the fuzz targets (`fuzz/seeds/<target>/`) and a few thousand deterministic mutations of
//! them, through the very target functions `cargo fuzz` runs (`fuzz/targets/src/*.rs`, included
//! here). The coverage-guided runs are `scripts/fuzz` (docs/reliability.md, "Fuzzing"); the XML
//! reader's seeds are replayed by wecom-callback's own tests.
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used, dead_code)]

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[path = "../../fuzz/targets/src/admin.rs"]
mod admin;
#[path = "../../fuzz/targets/src/callback.rs"]
mod callback;

/// The committed seeds of `target`, sorted by name.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/seeds")
        .join(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(
        seeds.len() >= 10,
        "{} holds {} seeds",
        dir.display(),
        seeds.len()
    );
    seeds
}

/// One libFuzzer-like mutation: flip, insert, erase, duplicate or splice in another seed;
/// the first byte (the mode or route) is kept or changed like any other.
fn mutate(rng: &mut StdRng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let at = rng.random_range(0..=out.len());
        match rng.random_range(0..6) {
            0 if at < out.len() => out[at] ^= 1 << rng.random_range(0..8),
            1 => out.insert(at, rng.random()),
            2 if at < out.len() => {
                let end = rng.random_range(at..=out.len().min(at + 16));
                out.drain(at..end);
            }
            3 if at < out.len() => {
                let end = rng.random_range(at..=out.len().min(at + 32));
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            4 => {
                let from = rng.random_range(0..=other.len());
                let end = rng.random_range(from..=other.len().min(from + 64));
                out.splice(at..at, other[from..end].iter().copied());
            }
            _ => {
                let interesting: &[&[u8]] = &[
                    b"<",
                    b">",
                    b"]]>",
                    b"<![CDATA[",
                    b"&",
                    b"\"",
                    b"\0",
                    b"\xff",
                    b"}",
                    b"{\"",
                    b"null",
                    b"-1",
                    b"1e400",
                ];
                let piece = interesting[rng.random_range(0..interesting.len())];
                out.splice(at..at, piece.iter().copied());
            }
        }
    }
    out
}

/// Every seed of `target`, then `mutations` mutations of them, through `run`.
fn replay(target: &str, mutations: usize, run: fn(&[u8])) {
    let seeds = seeds(target);
    for seed in &seeds {
        run(seed);
    }
    let mut rng = StdRng::seed_from_u64(13);
    for _ in 0..mutations {
        let input = &seeds[rng.random_range(0..seeds.len())];
        let other = &seeds[rng.random_range(0..seeds.len())];
        run(&mutate(&mut rng, input, other));
    }
}

#[test]
fn callback_seeds_and_mutations_decrypt_to_agreeing_messages_or_are_refused_with_a_4xx() {
    replay("callback", 10_000, callback::run);
}

#[test]
fn admin_api_seeds_and_mutations_are_answered_without_a_server_error_and_with_json_errors() {
    replay("admin_api", 300, admin::run);
}

#[test]
fn the_admin_api_checks_refuse_a_server_error_and_an_error_body_without_a_chinese_message() {
    let route = admin::ROUTES[0];
    let refused = |status: u16, answer: &str| {
        std::panic::catch_unwind(|| admin::check_answer(route, b"{}", status, answer.as_bytes()))
            .is_err()
    };
    assert!(refused(
        500,
        r#"{"error":{"code":"internal","message":"服务器内部错误"}}"#
    ));
    assert!(refused(
        502,
        r#"{"error":{"code":"wecom_unreachable","message":"无法连接企业微信"}}"#
    ));
    assert!(refused(
        400,
        r#"{"error":{"code":"invalid_field","message":"bad field"}}"#
    ));
    assert!(refused(400, "Failed to parse the request body as JSON"));
    assert!(refused(200, "<html>"));
    assert!(!refused(
        503,
        r#"{"error":{"code":"wecom_busy","message":"企业微信繁忙"}}"#
    ));
    assert!(!refused(
        400,
        r#"{"error":{"code":"invalid_field","message":"备注过长","field":"remark"}}"#
    ));
    // A real request: the seeded customer's remark is changed.
    let patch = ("PATCH", "/api/customers/wmFuzzCustomer00000000000000aa");
    let body = r#"{"notes":"老客户"}"#.as_bytes();
    let (status, answer) = admin::send(patch, body);
    admin::check_answer(patch, body, status, &answer);
    assert!(
        status < 300,
        "{status} {}",
        String::from_utf8_lossy(&answer)
    );
}
