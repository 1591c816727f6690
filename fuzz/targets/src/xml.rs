//! The XML reader on its own: arbitrary bytes as an envelope and as a message (never a panic),
//! and, on UTF-8 input, the differential checks of `wecom_callback::fuzzing::check_xml` (the
//! scanner against the quick-xml reader it replaced, the flat fast path against the general
//! scanner).

/// The fuzz target.
pub fn run(data: &[u8]) {
    let _ = wecom_callback::parse_envelope(data);
    if let Ok(doc) = std::str::from_utf8(data) {
        wecom_callback::fuzzing::check_xml(doc);
        let _ = wecom_callback::parse_message(doc);
    }
}
