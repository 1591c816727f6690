//! Opaque-looking offset cursors (`SIMCUR…`), shared by the APIs that page by position
//! (`externalcontact/get`, `list_contact_way`).

use crate::wx::WxError;

/// Opaque-looking cursors over an offset.
pub(crate) fn encode_cursor(offset: usize) -> String {
    format!("SIMCUR{offset:08X}")
}

pub(crate) fn decode_cursor(cursor: Option<&str>) -> Result<usize, WxError> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => c
            .strip_prefix("SIMCUR")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .ok_or_else(|| WxError::detail(40058, "invalid cursor")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(Some(&encode_cursor(500))).ok(), Some(500));
        assert_eq!(decode_cursor(None).ok(), Some(0));
        assert_eq!(decode_cursor(Some("")).ok(), Some(0));
        assert_eq!(decode_cursor(Some("nope")).map_err(|e| e.code), Err(40058));
    }
}
