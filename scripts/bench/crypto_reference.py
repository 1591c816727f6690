#!/usr/bin/env python3
"""Reference timing of the WeCom callback hot path with wechatpy.

Same operation as the Rust bench (shared/wecom-callback/benches/hot_path.rs): signature check +
envelope parse + AES decrypt + receiveid check (wechatpy's WeChatCrypto.decrypt_message) and
parse of the inner XML (wechatpy's parse_message), on the very same payload, which the Rust side
generates:

    cargo run --release -p wecom-callback --example crypto_compare -- --payload > /tmp/payload.json
    python3 scripts/bench/crypto_reference.py /tmp/payload.json

`cargo run --release -p wecom-callback --example crypto_compare` runs both sides and prints the
ratio. Needs `pip install wechatpy cryptography` (wechatpy >= 2 has `wechatpy.work`; the 1.x
releases on PyPI call the same code `wechatpy.enterprise`).

Prints human-readable lines and, last, `us_per_event=<median>`.
"""

import json
import platform
import sys
import time


def load_wechatpy():
    try:
        from wechatpy.work.crypto import WeChatCrypto  # wechatpy >= 2
        from wechatpy.work import parse_message

        where = "wechatpy.work.crypto"
    except ImportError:
        from wechatpy.enterprise.crypto import WeChatCrypto  # wechatpy 1.x
        from wechatpy.enterprise import parse_message

        where = "wechatpy.enterprise.crypto"
    return WeChatCrypto, parse_message, where


def timed(fn, batches=15, batch_time=0.2):
    """Median and minimum microseconds per call over `batches` batches of ~batch_time seconds."""
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - t
        if elapsed >= batch_time / 4:
            n = max(1, int(n * batch_time / elapsed))
            break
        n *= 2
    samples = []
    for _ in range(batches):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t) * 1e6 / n)
    samples.sort()
    return samples[len(samples) // 2], samples[0]


def main():
    if len(sys.argv) > 1 and sys.argv[1] != "-":
        with open(sys.argv[1], encoding="utf-8") as f:
            p = json.load(f)
    else:
        p = json.load(sys.stdin)

    import wechatpy

    WeChatCrypto, parse_message, where = load_wechatpy()
    crypto = WeChatCrypto(p["token"], p["encoding_aes_key"], p["receive_id"])
    body, sig, ts, nonce = p["body"], p["msg_signature"], p["timestamp"], p["nonce"]

    def one():
        return parse_message(crypto.decrypt_message(body, sig, ts, nonce))

    # Correctness first: the same plaintext as the Rust side, and a parsed event.
    plain = crypto.decrypt_message(body, sig, ts, nonce)
    if plain != p["inner"]:
        sys.exit("wechatpy decrypted something else than the expected inner XML")
    fields = getattr(one(), "_data", None) or {}
    if fields.get("ChangeType") != "add_external_contact" or not fields.get("ExternalUserID"):
        sys.exit("wechatpy did not parse the add_external_contact event")

    median, low = timed(one)
    dec_median, _ = timed(lambda: crypto.decrypt_message(body, sig, ts, nonce))
    parse_median, _ = timed(lambda: parse_message(plain))
    try:
        import cryptography

        backend = "cryptography " + cryptography.__version__
    except ImportError:
        backend = "pycryptodome"
    print(
        f"wechatpy {wechatpy.__version__} ({where}, {backend}), "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    print(f"verify+decrypt+parse median {median:.2f} µs/event (min {low:.2f}) over 15 batches")
    print(f"  of which verify+decrypt {dec_median:.2f} µs, parse {parse_median:.2f} µs")
    print(f"us_per_event={median:.3f}")


if __name__ == "__main__":
    main()
