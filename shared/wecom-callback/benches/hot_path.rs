//! Hot path of the callback Lambda: signature check + envelope parse + AES decrypt + receiveid
//! check + parse of a typical `add_external_contact` event into the borrowed view the Lambda
//! uses (`parse_message_ref`), its parts, the same with the owned `parse_message` (the `_owned`
//! cases), and the crypto floor it is measured against (signature + base64 + AES alone, see
//! `support::Floor`).
//!
//! `cargo bench -p wecom-callback --bench hot_path`;
//! `cargo run --release -p wecom-callback --example crypto_compare` compares it with wechatpy on
//! the same payload.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use wecom_callback::{MessageClass, MessageKind, parse_message, parse_message_ref};

mod support;

fn hot_path(c: &mut Criterion) {
    let p = support::payload();
    let mut group = c.benchmark_group("hot_path");
    group.bench_function("verify_decrypt_parse", |b| {
        b.iter(|| {
            let plain = p.crypto.decrypt_post(
                black_box(&p.msg_signature),
                black_box(support::TIMESTAMP),
                black_box(support::NONCE),
                black_box(p.body.as_bytes()),
            );
            match plain {
                Ok(x) => {
                    parse_message_ref(&x).is_ok_and(|m| m.class() == MessageClass::ExternalContact)
                }
                Err(_) => false,
            }
        })
    });
    group.bench_function("verify_decrypt_parse_owned", |b| {
        b.iter(|| {
            let plain = p.crypto.decrypt_post(
                black_box(&p.msg_signature),
                black_box(support::TIMESTAMP),
                black_box(support::NONCE),
                black_box(p.body.as_bytes()),
            );
            let msg = plain.and_then(|x| parse_message(&x));
            match msg {
                Ok(m) => matches!(m.kind, MessageKind::ExternalContact(_)),
                Err(_) => false,
            }
        })
    });
    group.bench_function("verify_decrypt", |b| {
        b.iter(|| {
            p.crypto.decrypt_post(
                black_box(&p.msg_signature),
                black_box(support::TIMESTAMP),
                black_box(support::NONCE),
                black_box(p.body.as_bytes()),
            )
        })
    });
    group.bench_function("crypto_floor", |b| {
        let mut floor = support::Floor::new();
        assert!(
            floor.run(
                &p.msg_signature,
                support::TIMESTAMP,
                support::NONCE,
                &p.encrypt
            ) > 0
        );
        b.iter(|| {
            floor.run(
                black_box(&p.msg_signature),
                black_box(support::TIMESTAMP),
                black_box(support::NONCE),
                black_box(&p.encrypt),
            )
        })
    });
    group.bench_function("parse", |b| {
        b.iter(|| parse_message_ref(black_box(&p.inner)).map(|m| m.class()))
    });
    group.bench_function("parse_owned", |b| {
        b.iter(|| parse_message(black_box(&p.inner)))
    });
    group.bench_function("dedupe_key", |b| {
        let msg = parse_message_ref(&p.inner);
        b.iter(|| msg.as_ref().map(|m| m.dedupe_key()).ok())
    });
    group.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
