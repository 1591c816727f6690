//! A small, hardened, single-pass reader for WeCom's flat `<xml>…</xml>` documents.
//!
//! Rules (the same for the envelope and the decrypted message):
//! - no DOCTYPE (and so no entity declarations), no entity reference other than the five
//!   predefined ones and numeric character references;
//! - exactly one root element, named `xml`; only whitespace, comments and XML declarations
//!   before it, only whitespace and comments after it; no processing instructions;
//! - nesting depth at most [`MAX_DEPTH`];
//! - never panics, whatever the input.
//!
//! The result is the root's child elements, in document order, handed to a visitor as
//! `(name, text)`. A child that has element children of its own (e.g. `MemChangeList/Item`) gets
//! the texts of its leaf descendants joined with `,`; text directly under the root or beside
//! child elements is ignored.
//!
//! Nothing is copied that does not have to be: names and texts are slices of the input, and a
//! text is only allocated when it is made of several pieces (a CDATA section split around `]]>`,
//! entity or character references, the leaves of a nested element).
//!
//! The scanner accepts and rejects exactly what the quick-xml based reader it replaced did
//! (`xml/reference.rs`, kept for the differential tests at the end of this file), including that
//! reader's tolerance of some non-well-formed markup it never validated (element names are not
//! checked against the XML name grammar, attributes need no whitespace between them, comments
//! may contain `--`). The one deliberate difference: with a byte-order mark in front of the
//! document, `<!ENTITY` and an unclosed `<!DOCTYPE` are [`XmlError::Forbidden`], as they are
//! without one (the old reader mislocated its error by the BOM's length there and called them
//! malformed).

use std::borrow::Cow;

#[cfg(any(test, feature = "fuzzing"))]
mod reference;

#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod fuzz;

/// Maximum element nesting depth, the root counting as 1.
pub(crate) const MAX_DEPTH: usize = 16;

/// Why a document was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum XmlError {
    /// DOCTYPE, entity declaration, undefined entity reference.
    Forbidden,
    /// Anything else that is not a single well-formed `<xml>` document.
    Malformed(String),
}

fn malformed(msg: &str) -> XmlError {
    XmlError::Malformed(msg.to_owned())
}

/// XML whitespace (the four characters of the `S` production).
#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// `input[from..to]`; every bound the scanner uses sits next to an ASCII delimiter, so this is
/// always a character boundary (and never panics if it were not).
#[inline]
fn sub(input: &str, from: usize, to: usize) -> &str {
    input.get(from..to).unwrap_or_default()
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// High bit set in every byte of `word` that equals `b` (and possibly in bytes above a match,
/// never below one: the lowest flag is exact).
#[inline]
fn matches_byte(word: u64, b: u8) -> u64 {
    let x = word ^ (LO * u64::from(b));
    x.wrapping_sub(LO) & !x & HI
}

/// Index of the first byte of `hay` that is one of `needles`: eight bytes at a time (SWAR; the
/// crate forbids `unsafe`, so no SIMD intrinsics), then the tail byte by byte.
#[inline]
fn position<const N: usize>(hay: &[u8], needles: [u8; N]) -> Option<usize> {
    let (words, tail) = hay.as_chunks::<8>();
    for (n, word) in words.iter().enumerate() {
        let w = u64::from_le_bytes(*word);
        let hits = needles.iter().fold(0, |hits, &b| hits | matches_byte(w, b));
        if hits != 0 {
            return Some(n * 8 + (hits.trailing_zeros() / 8) as usize);
        }
    }
    tail.iter()
        .position(|c| needles.contains(c))
        .map(|i| words.len() * 8 + i)
}

/// Index of the first `needle` in `bytes` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut at = from;
    loop {
        let i = at + position(bytes.get(at..)?, [first])?;
        if bytes
            .get(i + 1..)
            .is_some_and(|after| after.starts_with(rest))
        {
            return Some(i);
        }
        at = i + 1;
    }
}

/// What a reference (`&name;`) stands for.
enum Resolved {
    Str(&'static str),
    Char(char),
}

/// Resolves the name of a general reference: one of the five predefined entities or a numeric
/// character reference. Any other entity is forbidden.
fn resolve(name: &str) -> Result<Resolved, XmlError> {
    if let Some(num) = name.strip_prefix('#') {
        return char_ref(num)
            .map(Resolved::Char)
            .ok_or_else(|| malformed("invalid character reference"));
    }
    match name {
        "lt" => Ok(Resolved::Str("<")),
        "gt" => Ok(Resolved::Str(">")),
        "amp" => Ok(Resolved::Str("&")),
        "apos" => Ok(Resolved::Str("'")),
        "quot" => Ok(Resolved::Str("\"")),
        _ => Err(XmlError::Forbidden),
    }
}

/// `N` of `&#N;` / `xN` of `&#xN;`: decimal or (lower-case `x`) hexadecimal digits, no sign, a
/// Unicode scalar value other than 0.
fn char_ref(num: &str) -> Option<char> {
    let (digits, radix) = match num.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (num, 10),
    };
    if digits.starts_with(['+', '-']) {
        return None;
    }
    let code = u32::from_str_radix(digits, radix).ok()?;
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}

/// Checks the references inside a raw (still escaped) attribute value.
fn check_raw_refs(raw: &str) -> Result<(), XmlError> {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        let after = rest.get(amp + 1..).unwrap_or_default();
        let Some(end) = after.find(';') else {
            return Err(malformed("unterminated reference in attribute"));
        };
        resolve(sub(after, 0, end))?;
        rest = after.get(end + 1..).unwrap_or_default();
    }
    Ok(())
}

/// Checks the attributes of a tag (`tag` is the text between `<` and `>`, without a trailing
/// `/`; attributes start at `from`, the end of the name): every attribute is `key = "value"` or
/// `key = 'value'` (whitespace around `=` allowed, none needed between attributes), no key twice,
/// only allowed references in values. Keys are any run of bytes up to `=` or whitespace.
fn check_attributes(tag: &str, from: usize) -> Result<(), XmlError> {
    if from >= tag.len() {
        return Ok(());
    }
    let b = tag.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let skip_ws = |mut i: usize| {
        while at(i).is_some_and(is_ws) {
            i += 1;
        }
        i
    };
    let bad = || malformed("bad attribute");
    let mut keys: Vec<&str> = Vec::new();
    let mut i = from;
    loop {
        let key_start = skip_ws(i);
        if key_start >= b.len() {
            return Ok(());
        }
        // The key's first byte is whatever comes; it ends at `=` or whitespace.
        let mut key_end = key_start + 1;
        while at(key_end).is_some_and(|c| c != b'=' && !is_ws(c)) {
            key_end += 1;
        }
        let eq = match at(key_end) {
            Some(b'=') => key_end,
            Some(_) => {
                let k = skip_ws(key_end + 1);
                if at(k) != Some(b'=') {
                    return Err(bad());
                }
                k
            }
            None => return Err(bad()),
        };
        let key = sub(tag, key_start, key_end);
        if keys.contains(&key) {
            return Err(malformed("duplicate attribute"));
        }
        keys.push(key);
        let open = skip_ws(eq + 1);
        let quote = match at(open) {
            Some(q @ (b'"' | b'\'')) => q,
            _ => return Err(bad()),
        };
        let value_start = open + 1;
        let Some(len) = b
            .get(value_start..)
            .and_then(|v| v.iter().position(|&c| c == quote))
        else {
            return Err(bad());
        };
        check_raw_refs(sub(tag, value_start, value_start + len))?;
        i = value_start + len + 1;
    }
}

/// Index of the `>` that ends a tag whose text starts at `from`; a `>` inside a quoted
/// attribute value does not count.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let i = at + position(bytes.get(at..)?, [b'>', b'"', b'\''])?;
        let quote = *bytes.get(i)?;
        if quote == b'>' {
            return Some(i);
        }
        // Skip the quoted value.
        at = i + 1;
        at += position(bytes.get(at..)?, [quote])? + 1;
    }
}

/// Text of the innermost open element, borrowed while it is one piece.
enum Text<'a> {
    Empty,
    One(&'a str),
    Many(String),
}

impl<'a> Text<'a> {
    fn push(&mut self, s: &'a str) {
        match self {
            Text::Empty => *self = Text::One(s),
            Text::One(first) => {
                if s.is_empty() {
                    return;
                }
                if first.is_empty() {
                    *self = Text::One(s);
                    return;
                }
                let mut joined = String::with_capacity(first.len() + s.len() + 16);
                joined.push_str(first);
                joined.push_str(s);
                *self = Text::Many(joined);
            }
            Text::Many(t) => t.push_str(s),
        }
    }

    fn push_char(&mut self, c: char) {
        match self {
            Text::Many(t) => t.push(c),
            Text::Empty => *self = Text::Many(c.to_string()),
            Text::One(first) => {
                let mut joined = String::with_capacity(first.len() + 16);
                joined.push_str(first);
                joined.push(c);
                *self = Text::Many(joined);
            }
        }
    }

    fn take(&mut self) -> Cow<'a, str> {
        match std::mem::replace(self, Text::Empty) {
            Text::Empty => Cow::Borrowed(""),
            Text::One(s) => Cow::Borrowed(s),
            Text::Many(s) => Cow::Owned(s),
        }
    }
}

/// Parser state.
struct Doc<'a, F> {
    input: &'a str,
    /// Open elements, the root counting as 1.
    depth: usize,
    root_seen: bool,
    root_closed: bool,
    /// `names[d - 1]`: the name of the open element at depth `d`.
    names: [&'a str; MAX_DEPTH],
    /// Bit `d`: the open element at depth `d` has had an element child.
    has_children: u32,
    /// Text of the innermost open element below the root (while it has no element child).
    text: Text<'a>,
    /// Texts of the leaves closed so far below the open child of the root.
    leaves: Vec<Cow<'a, str>>,
    on_child: F,
}

impl<'a, F: FnMut(&'a str, Cow<'a, str>)> Doc<'a, F> {
    /// Character data between markup.
    fn text(&mut self, raw: &'a str) -> Result<(), XmlError> {
        if self.depth == 0 {
            if raw.bytes().all(is_ws) {
                return Ok(());
            }
            return Err(malformed("text outside the root element"));
        }
        if self.collects_text() {
            self.text.push(raw);
        }
        Ok(())
    }

    /// Whether text goes anywhere now: inside an element below the root that has no element
    /// child (the root's own text and text beside child elements is ignored).
    fn collects_text(&self) -> bool {
        self.depth >= 2 && self.has_children & (1 << self.depth) == 0
    }

    /// `&name;` at `amp`; returns where the text goes on.
    fn reference(&mut self, amp: usize) -> Result<usize, XmlError> {
        let bytes = self.input.as_bytes();
        let start = amp + 1;
        let end = bytes
            .get(start..)
            .and_then(|rest| rest.iter().position(|&c| matches!(c, b';' | b'&' | b'<')))
            .map(|i| i + start);
        let Some(end) = end.filter(|&e| bytes.get(e) == Some(&b';')) else {
            return Err(malformed("unterminated entity reference"));
        };
        let resolved = resolve(sub(self.input, start, end))?;
        if self.depth == 0 {
            return Err(malformed("text outside the root element"));
        }
        if self.collects_text() {
            match resolved {
                Resolved::Str(s) => self.text.push(s),
                Resolved::Char(c) => self.text.push_char(c),
            }
        }
        Ok(end + 1)
    }

    /// The markup after a `<` (`at` is the index after it); returns where the text goes on.
    fn markup(&mut self, at: usize) -> Result<usize, XmlError> {
        let bytes = self.input.as_bytes();
        match bytes.get(at) {
            None => Err(malformed("unclosed tag")),
            Some(b'!') => self.bang(at),
            Some(b'/') => {
                let gt = tag_end(bytes, at).ok_or_else(|| malformed("unclosed end tag"))?;
                let mut name = sub(self.input, at + 1, gt);
                // Whitespace after the name is allowed (a name of only whitespace is kept whole,
                // so that it matches nothing).
                if name.bytes().next_back().is_some_and(is_ws) {
                    let trimmed = name.trim_end_matches([' ', '\t', '\r', '\n']);
                    if !trimmed.is_empty() {
                        name = trimmed;
                    }
                }
                self.end_tag(name)?;
                Ok(gt + 1)
            }
            Some(b'?') => {
                let close = find(bytes, at, b"?>")
                    .filter(|&q| q > at)
                    .ok_or_else(|| malformed("unclosed processing instruction"))?;
                let content = sub(self.input, at + 1, close);
                let is_decl = content
                    .strip_prefix("xml")
                    .is_some_and(|after| after.as_bytes().first().is_none_or(|&c| is_ws(c)));
                if !is_decl {
                    return Err(malformed("processing instructions are not accepted"));
                }
                if self.root_seen {
                    return Err(malformed("XML declaration after the root element"));
                }
                Ok(close + 2)
            }
            Some(_) => {
                let gt = tag_end(bytes, at).ok_or_else(|| malformed("unclosed tag"))?;
                let tag = sub(self.input, at, gt);
                match tag.strip_suffix('/') {
                    Some(tag) => {
                        self.open(tag)?;
                        self.close()?;
                        Ok(gt + 1)
                    }
                    None => {
                        self.open(tag)?;
                        Ok(self.simple_leaf(gt + 1).unwrap_or(gt + 1))
                    }
                }
            }
        }
    }

    /// Right after a start tag below the root, the shape nearly every WeCom element has:
    /// `<![CDATA[text]]></name>` or `text</name>` (text without references), taken in one step
    /// with the same outcome as the general path. Returns where the text goes on, or `None`, with
    /// nothing consumed, for any other shape.
    fn simple_leaf(&mut self, from: usize) -> Option<usize> {
        if self.depth < 2 {
            return None;
        }
        let bytes = self.input.as_bytes();
        let rest = bytes.get(from..)?;
        let (text, after) = if rest.starts_with(b"<![CDATA[") {
            // "<![CDATA[" holds no `]`, so this is the first `]]>` after `<!` too.
            let end = find(bytes, from + 9, b"]]>")?;
            (sub(self.input, from + 9, end), end + 3)
        } else {
            let end = from + position(rest, [b'<', b'&'])?;
            (sub(self.input, from, end), end)
        };
        let name = *self.names.get(self.depth - 1)?;
        let name_end = after + 2 + name.len();
        // `tag_end` from `after + 1` is `name_end` when the byte there is `>` and the name holds
        // no quote (the usual case, checked without a search), else it is asked.
        let closes = bytes.get(after..after + 2) == Some(b"</")
            && bytes.get(after + 2..name_end) == Some(name.as_bytes())
            && if bytes.get(name_end) == Some(&b'>')
                && !name.bytes().any(|c| c == b'"' || c == b'\'')
            {
                true
            } else {
                tag_end(bytes, after + 1) == Some(name_end)
            };
        if !closes {
            return None;
        }
        self.text.push(text);
        self.close().ok()?;
        Some(name_end + 1)
    }

    /// `<!…` (`at` is the index of `!`): CDATA, comment, DOCTYPE or something forbidden or
    /// malformed.
    fn bang(&mut self, at: usize) -> Result<usize, XmlError> {
        let bytes = self.input.as_bytes();
        let uncased = |from: usize, word: &[u8]| {
            bytes
                .get(from..from + word.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(word))
        };
        match bytes.get(at + 1) {
            Some(b'[') => {
                // Ends at the first `]]>`; must be `<![CDATA[…]]>`.
                let end = find(bytes, at, b"]]>").ok_or_else(|| malformed("unclosed CDATA"))?;
                if !bytes.get(at..).is_some_and(|b| b.starts_with(b"![CDATA[")) {
                    return Err(malformed("unknown markup"));
                }
                if self.depth == 0 {
                    return Err(malformed("CDATA outside the root element"));
                }
                if self.collects_text() {
                    self.text.push(sub(self.input, at + 8, end));
                }
                Ok(end + 3)
            }
            Some(b'-') => {
                // `<!--…-->`, the shortest being `<!---->`.
                let end =
                    find(bytes, at + 3, b"-->").ok_or_else(|| malformed("unclosed comment"))?;
                if bytes.get(at + 2) != Some(&b'-') {
                    return Err(malformed("unknown markup"));
                }
                Ok(end + 3)
            }
            Some(b'D' | b'd') => {
                // Ends at the `>` that balances the `<`s inside (an internal subset).
                let mut open = 0usize;
                let mut gt = None;
                for (i, &c) in bytes.get(at..).unwrap_or_default().iter().enumerate() {
                    match c {
                        b'<' => open += 1,
                        b'>' if open == 0 => {
                            gt = Some(at + i);
                            break;
                        }
                        b'>' => open -= 1,
                        _ => {}
                    }
                }
                let Some(gt) = gt else {
                    if uncased(at + 1, b"DOCTYPE") {
                        return Err(XmlError::Forbidden);
                    }
                    return Err(malformed("unclosed markup"));
                };
                if !uncased(at + 1, b"DOCTYPE") {
                    return Err(malformed("unknown markup"));
                }
                let named = bytes
                    .get(at + 8..gt)
                    .is_some_and(|rest| rest.iter().any(|&c| !is_ws(c)));
                if named {
                    Err(XmlError::Forbidden)
                } else {
                    Err(malformed("DOCTYPE without a name"))
                }
            }
            _ => {
                if uncased(at + 1, b"ENTITY") {
                    Err(XmlError::Forbidden)
                } else {
                    Err(malformed("unknown markup"))
                }
            }
        }
    }

    /// A start tag (the text between `<` and `>`, without a trailing `/`).
    fn open(&mut self, tag: &'a str) -> Result<(), XmlError> {
        if self.root_closed {
            return Err(malformed("content after the root element"));
        }
        let name_len = tag.bytes().position(is_ws).unwrap_or(tag.len());
        check_attributes(tag, name_len)?;
        let name = sub(tag, 0, name_len);
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(malformed("elements nested too deeply"));
        }
        if let Some(slot) = self.names.get_mut(self.depth - 1) {
            *slot = name;
        }
        if self.depth == 1 {
            if name != "xml" {
                return Err(malformed("root element must be <xml>"));
            }
            self.root_seen = true;
            return Ok(());
        }
        // The parent's own text no longer counts once it has an element child.
        self.has_children |= 1 << (self.depth - 1);
        self.has_children &= !(1 << self.depth);
        self.text = Text::Empty;
        if self.depth == 2 {
            self.leaves.clear();
        }
        Ok(())
    }

    /// An end tag with this name.
    fn end_tag(&mut self, name: &str) -> Result<(), XmlError> {
        let open = self.depth.checked_sub(1).and_then(|i| self.names.get(i));
        match open {
            None => Err(malformed("unmatched end tag")),
            Some(&open) if open != name => Err(malformed("mismatched end tag")),
            Some(_) => self.close(),
        }
    }

    /// Closes the innermost open element.
    fn close(&mut self) -> Result<(), XmlError> {
        let depth = self.depth;
        if depth == 0 {
            return Err(malformed("unmatched end tag"));
        }
        self.depth -= 1;
        if depth == 1 {
            self.root_closed = true;
            return Ok(());
        }
        let leaf = self.has_children & (1 << depth) == 0;
        if depth == 2 {
            let value = if leaf {
                self.text.take()
            } else {
                let joined = self.leaves.join(",");
                self.leaves.clear();
                Cow::Owned(joined)
            };
            let name = self.names.get(1).copied().unwrap_or_default();
            (self.on_child)(name, value);
        } else if leaf {
            let value = self.text.take();
            self.leaves.push(value);
        }
        self.text = Text::Empty;
        Ok(())
    }
}

/// Parses a WeCom XML document and hands each child of the root to `on_child` as
/// `(name, text)`, in document order (duplicates included). `on_child` may have been called
/// before an error is found later in the document.
///
/// The shape WeCom and [`crate::builder`] write is taken by [`flat_fast`]; at the first thing it
/// does not take, the general scanner reads the document from the start and hands over only the
/// children after the ones `flat_fast` already did (they are the same: `flat_fast` takes only
/// what the general scanner reads the same way, see `Doc::simple_leaf`).
pub(crate) fn parse<'a, F>(input: &'a str, mut on_child: F) -> Result<(), XmlError>
where
    F: FnMut(&'a str, Cow<'a, str>),
{
    let mut skip = match flat_fast(input, &mut on_child) {
        Ok(()) => return Ok(()),
        Err(done) => done,
    };
    parse_general(input, |name, value| {
        if skip == 0 {
            on_child(name, value);
        } else {
            skip -= 1;
        }
    })
}

/// The bytes a name [`flat_fast`] takes may hold: ASCII letters, digits and `_`.
const PLAIN_NAME_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// The flat shape: `<xml>` at the very start, then children `<Name>text</Name>` or
/// `<Name><![CDATA[text]]></Name>` (names of ASCII letters, digits and `_`; plain text without
/// `<` or `&`; one CDATA section) with only whitespace around them, `</xml>`, and nothing but
/// whitespace after. Hands each child to `on_child` as it goes, borrowed. `Ok(())`: the whole
/// document had that shape. `Err(n)`: it does not, and `n` children were handed over already.
fn flat_fast<'a, F>(input: &'a str, on_child: &mut F) -> Result<(), usize>
where
    F: FnMut(&'a str, Cow<'a, str>),
{
    let bytes = input.as_bytes();
    if !bytes.starts_with(b"<xml>") {
        return Err(0);
    }
    let mut done = 0usize;
    let mut pos = 5;
    loop {
        while bytes.get(pos).copied().is_some_and(is_ws) {
            pos += 1;
        }
        if bytes.get(pos) != Some(&b'<') {
            return Err(done);
        }
        let name_start = pos + 1;
        let tail = bytes.get(name_start..).unwrap_or_default();
        let name_end = name_start
            + tail
                .iter()
                .position(|&c| !PLAIN_NAME_BYTE[usize::from(c)])
                .unwrap_or(tail.len());
        if name_end == name_start {
            let closes_root = bytes.get(name_start..name_start + 5) == Some(b"/xml>")
                && bytes
                    .get(name_start + 5..)
                    .is_some_and(|rest| rest.iter().all(|&c| is_ws(c)));
            return if closes_root { Ok(()) } else { Err(done) };
        }
        if bytes.get(name_end) != Some(&b'>') {
            return Err(done);
        }
        let name = sub(input, name_start, name_end);
        let from = name_end + 1;
        let rest = bytes.get(from..).unwrap_or_default();
        let (text, after) = if rest.starts_with(b"<![CDATA[") {
            let Some(end) = find(bytes, from + 9, b"]]>") else {
                return Err(done);
            };
            (sub(input, from + 9, end), end + 3)
        } else {
            let Some(end) = position(rest, [b'<', b'&']) else {
                return Err(done);
            };
            (sub(input, from, from + end), from + end)
        };
        let close_end = after + 2 + name.len();
        let closes = bytes.get(after..after + 2) == Some(b"</")
            && bytes.get(after + 2..close_end) == Some(name.as_bytes())
            && bytes.get(close_end) == Some(&b'>');
        if !closes {
            return Err(done);
        }
        on_child(name, Cow::Borrowed(text));
        done += 1;
        pos = close_end + 1;
    }
}

/// [`parse`] by the general scanner alone.
fn parse_general<'a, F>(input: &'a str, on_child: F) -> Result<(), XmlError>
where
    F: FnMut(&'a str, Cow<'a, str>),
{
    let mut doc = Doc {
        input,
        depth: 0,
        root_seen: false,
        root_closed: false,
        names: [""; MAX_DEPTH],
        has_children: 0,
        text: Text::Empty,
        leaves: Vec::new(),
        on_child,
    };
    let bytes = input.as_bytes();
    let mut pos = if input.starts_with('\u{feff}') { 3 } else { 0 };
    loop {
        let next = bytes
            .get(pos..)
            .and_then(|rest| position(rest, [b'<', b'&']))
            .map(|i| i + pos);
        let Some(next) = next else {
            doc.text(sub(input, pos, input.len()))?;
            break;
        };
        if next > pos {
            doc.text(sub(input, pos, next))?;
        }
        pos = if bytes.get(next) == Some(&b'&') {
            doc.reference(next)?
        } else {
            doc.markup(next + 1)?
        };
    }
    if !doc.root_seen {
        return Err(malformed("no root element"));
    }
    if !doc.root_closed || doc.depth != 0 {
        return Err(malformed("unexpected end of document"));
    }
    Ok(())
}

/// [`parse`] into an owned list of the root's children `(name, text)`, in document order.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) fn parse_flat(input: &str) -> Result<Vec<(String, String)>, XmlError> {
    let mut out = Vec::new();
    parse(input, |name, value| {
        out.push((name.to_owned(), value.into_owned()));
    })?;
    Ok(out)
}

/// Writes `value` as one or more CDATA sections (splitting any `]]>`).
pub(crate) fn push_cdata(out: &mut String, value: &str) {
    out.push_str("<![CDATA[");
    out.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]>");
}

/// Writes `value` as escaped character data.
pub(crate) fn push_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
}

/// `<name><![CDATA[value]]></name>`
pub(crate) fn push_cdata_element(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_cdata(out, value);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// `<name>value</name>` with the value escaped (used for numbers).
pub(crate) fn push_plain_element(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    push_escaped(out, value);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
pub(crate) mod tests;
