//! The bodies of the fuzz targets in `fuzz/fuzz_targets/` (cargo fuzz), in a library of their
//! own so that they build without nightly flags. `callback` and `admin` are also included by
//! the main workspace's corpus replay test (`tests/tests/fuzz_corpus.rs`); the XML target's
//! seeds are replayed by wecom-callback's own tests (`src/xml/fuzz.rs`).
#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

pub mod admin;
pub mod callback;
pub mod xml;
