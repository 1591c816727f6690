//! seal → envelope → decrypt_post gives back the plaintext, for many plaintexts.

use base64::Engine as _;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wecom_callback::{MsgCrypt, envelope_xml, parse_envelope};

const CORP: &str = "ww1436e0e65a779aee";

fn crypto() -> MsgCrypt {
    MsgCrypt::new(
        "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
        "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
        CORP,
    )
    .expect("valid key")
}

fn random_text(rng: &mut StdRng, chars: usize) -> String {
    const POOL: &[char] = &[
        'a', 'Z', '0', ' ', '<', '>', '&', ']', '\n', '你', '好', '客', '户', 'é', '€', '😀', '𝄞',
    ];
    (0..chars)
        .map(|_| POOL[rng.random_range(0..POOL.len())])
        .collect()
}

/// Padding byte WeCom's format gives for a message of `len` bytes with this receiveid.
fn pad_for(len: usize) -> usize {
    32 - (20 + len + CORP.len()) % 32
}

fn assert_round_trip(c: &MsgCrypt, plain: &str, random: [u8; 16]) {
    let sealed = c.seal(plain, "1700000000", "nonce", random);
    let body = envelope_xml(CORP, "1000002", &sealed.encrypt);
    let got = c.decrypt_post(
        &sealed.msg_signature,
        "1700000000",
        "nonce",
        body.as_bytes(),
    );
    assert_eq!(got.as_deref(), Ok(plain), "len {}", plain.len());
    // URL verification uses the same payload.
    let got = c.verify_url(
        &sealed.msg_signature,
        "1700000000",
        "nonce",
        &sealed.encrypt,
    );
    assert_eq!(got.as_deref(), Ok(plain));
    // Ciphertext is a whole number of 32-byte blocks.
    let ct = base64::engine::general_purpose::STANDARD
        .decode(&sealed.encrypt)
        .expect("standard base64");
    assert_eq!(ct.len() % 32, 0);
    assert_eq!(
        ct.len(),
        20 + plain.len() + CORP.len() + pad_for(plain.len())
    );
}

#[test]
fn random_plaintexts_round_trip_including_multibyte_utf8() {
    let c = crypto();
    let mut rng = StdRng::seed_from_u64(0x5eed_0001);
    for _ in 0..500 {
        let n = rng.random_range(0..400);
        let text = random_text(&mut rng, n);
        let random: [u8; 16] = rng.random();
        assert_round_trip(&c, &text, random);
    }
}

#[test]
fn every_length_around_block_boundaries_round_trips_and_pad_32_occurs() {
    let c = crypto();
    let mut saw_pad = [false; 33];
    for len in 0..=200 {
        let text = "x".repeat(len);
        saw_pad[pad_for(len)] = true;
        assert_round_trip(&c, &text, [len as u8; 16]);
    }
    // Every pad value 1..=32 was exercised, including a full block of padding (pad byte 32).
    assert!(saw_pad[1..].iter().all(|&s| s), "{saw_pad:?}");
    // A message that makes the unpadded plaintext an exact multiple of 32 gets pad 32.
    let len = 32 * 4 - 20 - CORP.len();
    assert_eq!(pad_for(len), 32);
    assert_round_trip(&c, &"y".repeat(len), [9; 16]);
}

#[test]
fn the_envelope_builder_escapes_and_parses_back() {
    let body = envelope_xml("corp]]>x", "1000002", "abc+/=");
    let env = parse_envelope(body.as_bytes()).expect("own envelope must parse");
    assert_eq!(env.to_user_name.as_deref(), Some("corp]]>x"));
    assert_eq!(env.agent_id.as_deref(), Some("1000002"));
    assert_eq!(env.encrypt, "abc+/=");
}

#[test]
fn a_large_message_near_the_body_limit_round_trips() {
    let c = crypto();
    let text = "客".repeat(15_000); // 45 000 bytes → ~60 KB of base64
    assert_round_trip(&c, &text, [1; 16]);
}
