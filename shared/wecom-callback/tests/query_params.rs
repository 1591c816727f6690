//! Query-string parsing for callback URLs.

use wecom_callback::query_params;

#[test]
fn plus_stays_plus_and_percent_escapes_decode() {
    let p = query_params("echostr=ab+cd%2Bef%20gh%2F%3D%3D&x=1");
    assert_eq!(p.get("echostr").map(String::as_str), Some("ab+cd+ef gh/=="));
    assert_eq!(p.get("x").map(String::as_str), Some("1"));
}

#[test]
fn duplicate_keys_first_wins() {
    let p = query_params("nonce=first&nonce=second&timestamp=1");
    assert_eq!(p.get("nonce").map(String::as_str), Some("first"));
    assert_eq!(p.len(), 2);
}

#[test]
fn leading_question_mark_empty_pairs_and_bare_keys() {
    let p = query_params("?a=1&&b&=orphan&c=x=y");
    assert_eq!(p.get("a").map(String::as_str), Some("1"));
    assert_eq!(p.get("b").map(String::as_str), Some(""));
    assert_eq!(p.get("c").map(String::as_str), Some("x=y"));
    assert!(!p.contains_key(""));
    assert!(query_params("").is_empty());
}

#[test]
fn invalid_escapes_are_kept_literally_and_never_panic() {
    let p = query_params("a=%&b=%4&c=%zz&d=%E4%BD%A0%E5%A5%BD&e=%FF&f=100%25");
    assert_eq!(p.get("a").map(String::as_str), Some("%"));
    assert_eq!(p.get("b").map(String::as_str), Some("%4"));
    assert_eq!(p.get("c").map(String::as_str), Some("%zz"));
    assert_eq!(p.get("d").map(String::as_str), Some("你好"));
    assert_eq!(p.get("e").map(String::as_str), Some("\u{FFFD}"));
    assert_eq!(p.get("f").map(String::as_str), Some("100%"));
}

#[test]
fn keys_are_percent_decoded_too() {
    let p = query_params("msg%5Fsignature=abc");
    assert_eq!(p.get("msg_signature").map(String::as_str), Some("abc"));
}
