//! Serde defaults several model types share.

pub(super) fn yes() -> bool {
    true
}

pub(super) fn one() -> u32 {
    1
}
