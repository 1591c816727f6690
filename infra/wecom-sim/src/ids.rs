//! Random identifiers shaped like WeCom's.

use rand::Rng;

const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const DIGITS: &[u8] = b"0123456789";

fn pick(alphabet: &[u8], len: usize) -> String {
    pick_with(&mut rand::rng(), alphabet, len)
}

fn pick_with<R: Rng + ?Sized>(rng: &mut R, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| {
            let i = rng.random_range(0..alphabet.len());
            char::from(alphabet.get(i).copied().unwrap_or(b'A'))
        })
        .collect()
}

/// `wm` + 30 url-safe characters, like a WeChat customer's external_userid.
pub(crate) fn external_userid() -> String {
    external_userid_with(&mut rand::rng())
}

/// [`external_userid`] from a given (possibly seeded) generator.
pub(crate) fn external_userid_with<R: Rng + ?Sized>(rng: &mut R) -> String {
    format!("wm{}", pick_with(rng, URL_SAFE, 30))
}

/// `et` + 30 url-safe characters, like corp tag and tag-group ids.
pub(crate) fn tag_id() -> String {
    format!("et{}", pick(URL_SAFE, 30))
}

/// 32 hex characters, like a 「联系我」 config_id.
pub(crate) fn config_id() -> String {
    pick(b"0123456789abcdef", 32)
}

pub(crate) fn welcome_code() -> String {
    pick(URL_SAFE, 43)
}

pub(crate) fn access_token() -> String {
    pick(URL_SAFE, 128)
}

/// `o` + 27 url-safe characters, like a WeChat unionid.
pub(crate) fn unionid() -> String {
    unionid_with(&mut rand::rng())
}

pub(crate) fn unionid_with<R: Rng + ?Sized>(rng: &mut R) -> String {
    format!("o{}", pick_with(rng, URL_SAFE, 27))
}

pub(crate) fn avatar_url() -> String {
    avatar_url_with(&mut rand::rng())
}

pub(crate) fn avatar_url_with<R: Rng + ?Sized>(rng: &mut R) -> String {
    format!(
        "http://wx.qlogo.cn/mmhead/{}/0",
        pick_with(rng, ALNUM, 48).to_ascii_uppercase()
    )
}

/// A numeric callback nonce.
pub(crate) fn nonce() -> String {
    let mut s = pick(DIGITS, 10);
    // No leading zero, like WeCom's.
    if s.starts_with('0') {
        s.replace_range(0..1, "1");
    }
    s
}

/// A 19-digit echostr plaintext for URL verification.
pub(crate) fn echostr_plain() -> String {
    let mut s = pick(DIGITS, 19);
    if s.starts_with('0') {
        s.replace_range(0..1, "1");
    }
    s
}

/// A `message/send` msgid.
pub(crate) fn app_msgid() -> String {
    pick(URL_SAFE, 60)
}

/// A 群发 msgid (`msg` + 25 alphanumerics, like WeCom's `msgGCAAAXtWy…`).
pub(crate) fn group_msgid() -> String {
    format!("msg{}", pick(ALNUM, 25))
}

/// A temporary media_id (44 url-safe characters).
pub(crate) fn media_id() -> String {
    pick(URL_SAFE, 44)
}

/// A permanent `uploadimg` URL on WeCom's image host.
pub(crate) fn image_url() -> String {
    format!(
        "https://wework.qpic.cn/wwpic/{}_{}/0",
        pick(DIGITS, 6),
        pick(ALNUM, 24)
    )
}

/// Hex for the errmsg `hint`.
pub(crate) fn hint_hex() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    hex::encode(bytes)
}

pub(crate) fn random16() -> [u8; 16] {
    rand::rng().random()
}

pub(crate) fn random_u64(below: u64) -> u64 {
    rand::rng().random_range(0..below.max(1))
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "婷", "静", "敏", "丽", "欣怡", "雨萱", "思琪", "梓涵", "佳怡", "晓燕", "美玲", "诗涵", "子涵",
    "若曦", "可馨", "雅琪", "紫萱", "梦瑶", "嘉怡", "欣妍", "浩然", "子轩", "俊杰", "宇航", "晨曦",
];

/// A random Chinese name for a simulated customer.
pub(crate) fn chinese_name() -> String {
    chinese_name_with(&mut rand::rng())
}

pub(crate) fn chinese_name_with<R: Rng + ?Sized>(rng: &mut R) -> String {
    let s = SURNAMES
        .get(rng.random_range(0..SURNAMES.len()))
        .copied()
        .unwrap_or("王");
    let g = GIVEN
        .get(rng.random_range(0..GIVEN.len()))
        .copied()
        .unwrap_or("静");
    format!("{s}{g}")
}

/// 1 or 2.
pub(crate) fn gender() -> u8 {
    rand::rng().random_range(1..=2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_wecom_shapes() {
        let e = external_userid();
        assert_eq!(e.len(), 32);
        assert!(e.starts_with("wm"));
        assert!(tag_id().starts_with("et"));
        assert_eq!(nonce().len(), 10);
        assert!(!nonce().starts_with('0'));
        assert_eq!(echostr_plain().len(), 19);
        assert!(chinese_name().chars().count() >= 2);
    }
}
