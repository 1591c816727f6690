//! The quick-xml based reader this crate used before the single-pass borrowed scanner in
//! [`super`], kept verbatim (test builds only) as the reference the scanner is checked against:
//! `super::tests` runs both on the same documents and on many thousand random mutations and
//! requires identical results.

use super::{MAX_DEPTH, XmlError};
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

/// One open element below the root.
struct Frame {
    name: String,
    text: String,
    parts: Vec<String>,
    has_children: bool,
}

impl Frame {
    fn new(name: String) -> Self {
        Frame {
            name,
            text: String::new(),
            parts: Vec::new(),
            has_children: false,
        }
    }
}

fn malformed(msg: impl Into<String>) -> XmlError {
    XmlError::Malformed(msg.into())
}

/// Resolves a general reference (`&name;` / `&#N;` / `&#xN;`) to its text, rejecting entities that
/// are not predefined.
fn resolve_ref(r: &BytesRef<'_>) -> Result<char, XmlError> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c),
            _ => Err(malformed("invalid character reference")),
        };
    }
    match r.as_ref() {
        b"lt" => Ok('<'),
        b"gt" => Ok('>'),
        b"amp" => Ok('&'),
        b"apos" => Ok('\''),
        b"quot" => Ok('"'),
        _ => Err(XmlError::Forbidden),
    }
}

/// Checks the references inside a raw (still escaped) attribute value.
fn check_raw_refs(raw: &[u8]) -> Result<(), XmlError> {
    let mut rest = raw;
    while let Some(pos) = rest.iter().position(|&b| b == b'&') {
        let after = rest.get(pos + 1..).unwrap_or_default();
        let Some(end) = after.iter().position(|&b| b == b';') else {
            return Err(malformed("unterminated reference in attribute"));
        };
        let name = after.get(..end).unwrap_or_default();
        let name = std::str::from_utf8(name).map_err(|_| malformed("invalid reference"))?;
        resolve_ref(&BytesRef::new(name))?;
        rest = after.get(end + 1..).unwrap_or_default();
    }
    Ok(())
}

fn check_attributes(e: &BytesStart<'_>) -> Result<(), XmlError> {
    for attr in e.attributes() {
        let attr = attr.map_err(|err| malformed(format!("bad attribute: {err}")))?;
        check_raw_refs(&attr.value)?;
    }
    Ok(())
}

fn element_name(e: &BytesStart<'_>) -> Result<String, XmlError> {
    std::str::from_utf8(e.name().as_ref())
        .map(str::to_owned)
        .map_err(|_| malformed("element name is not UTF-8"))
}

fn is_xml_whitespace(s: &[u8]) -> bool {
    s.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Parser state across events.
struct State {
    /// Open elements including the root.
    depth: usize,
    root_seen: bool,
    root_closed: bool,
    /// Open elements below the root (depth - 1 entries once inside the root).
    stack: Vec<Frame>,
    out: Vec<(String, String)>,
}

impl State {
    fn open(&mut self, e: &BytesStart<'_>) -> Result<(), XmlError> {
        if self.root_closed {
            return Err(malformed("content after the root element"));
        }
        check_attributes(e)?;
        let name = element_name(e)?;
        self.depth = self.depth.saturating_add(1);
        if self.depth > MAX_DEPTH {
            return Err(malformed("elements nested too deeply"));
        }
        if self.depth == 1 {
            if name != "xml" {
                return Err(malformed("root element must be <xml>"));
            }
            self.root_seen = true;
            return Ok(());
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.has_children = true;
        }
        self.stack.push(Frame::new(name));
        Ok(())
    }

    fn close(&mut self) -> Result<(), XmlError> {
        if self.depth == 0 {
            return Err(malformed("unmatched end tag"));
        }
        self.depth -= 1;
        if self.depth == 0 {
            self.root_closed = true;
            return Ok(());
        }
        let Some(frame) = self.stack.pop() else {
            return Err(malformed("unmatched end tag"));
        };
        match self.stack.last_mut() {
            Some(parent) => {
                if frame.has_children {
                    parent.parts.extend(frame.parts);
                } else {
                    parent.parts.push(frame.text);
                }
            }
            None => {
                let value = if frame.has_children {
                    frame.parts.join(",")
                } else {
                    frame.text
                };
                self.out.push((frame.name, value));
            }
        }
        Ok(())
    }

    /// Appends character data to the innermost element below the root.
    fn text(&mut self, raw_is_whitespace: bool, text: &str) -> Result<(), XmlError> {
        if self.depth == 0 {
            if raw_is_whitespace {
                return Ok(());
            }
            return Err(malformed("text outside the root element"));
        }
        if let Some(frame) = self.stack.last_mut() {
            frame.text.push_str(text);
        }
        Ok(())
    }
}

/// Parses a WeCom XML document into the root's children `(name, text)`, in document order.
pub(crate) fn parse_flat(input: &str) -> Result<Vec<(String, String)>, XmlError> {
    let mut reader = Reader::from_str(input);
    {
        let config = reader.config_mut();
        config.check_end_names = true;
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;
        config.trim_text(false);
    }
    let mut state = State {
        depth: 0,
        root_seen: false,
        root_closed: false,
        stack: Vec::new(),
        out: Vec::new(),
    };
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                // quick-xml reports `<!ENTITY …>` outside a DOCTYPE as a syntax error; name it
                // for what it is.
                let pos = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                let tail = input.as_bytes().get(pos..).unwrap_or_default();
                if tail.len() >= 3 && tail.starts_with(b"<!") && !tail.starts_with(b"<![CDATA[") {
                    let word: Vec<u8> = tail
                        .iter()
                        .skip(2)
                        .take(7)
                        .map(u8::to_ascii_uppercase)
                        .collect();
                    if word.starts_with(b"ENTITY") || word.starts_with(b"DOCTYPE") {
                        return Err(XmlError::Forbidden);
                    }
                }
                return Err(malformed(err.to_string()));
            }
        };
        match event {
            Event::DocType(_) => return Err(XmlError::Forbidden),
            Event::Decl(_) => {
                if state.root_seen {
                    return Err(malformed("XML declaration after the root element"));
                }
            }
            Event::PI(_) => return Err(malformed("processing instructions are not accepted")),
            Event::Comment(_) => {}
            Event::Start(e) => state.open(&e)?,
            Event::Empty(e) => {
                state.open(&e)?;
                state.close()?;
            }
            Event::End(_) => state.close()?,
            Event::Text(t) => {
                let ws = is_xml_whitespace(&t);
                let s = t.decode().map_err(|_| malformed("invalid text encoding"))?;
                state.text(ws, &s)?;
            }
            Event::CData(c) => {
                if state.depth == 0 {
                    return Err(malformed("CDATA outside the root element"));
                }
                let s = c
                    .decode()
                    .map_err(|_| malformed("invalid CDATA encoding"))?;
                state.text(false, &s)?;
            }
            Event::GeneralRef(r) => {
                let c = resolve_ref(&r)?;
                let mut buf = [0u8; 4];
                state.text(false, c.encode_utf8(&mut buf))?;
            }
            Event::Eof => break,
        }
    }
    if !state.root_seen {
        return Err(malformed("no root element"));
    }
    if !state.root_closed || state.depth != 0 {
        return Err(malformed("unexpected end of document"));
    }
    Ok(state.out)
}
