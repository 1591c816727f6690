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
pub(crate) mod tests {
    use super::*;

    #[test]
    fn flat_document_with_cdata_and_refs() {
        let doc = "<?xml version=\"1.0\"?>\n<xml><A><![CDATA[x]]></A>\n<B>1 &lt; 2 &#x41;&#66;</B><C/></xml>\n";
        let got = parse_flat(doc);
        assert_eq!(
            got,
            Ok(vec![
                ("A".to_owned(), "x".to_owned()),
                ("B".to_owned(), "1 < 2 AB".to_owned()),
                ("C".to_owned(), String::new()),
            ])
        );
    }

    #[test]
    fn bom_crlf_prefixed_names_and_attributes_are_accepted() {
        let doc = "\u{feff}<xml xmlns:a=\"u\">\r\n<a:A b=\"&lt;\">1\r\n2</a:A></xml>";
        assert_eq!(
            parse_flat(doc),
            Ok(vec![("a:A".to_owned(), "1\r\n2".to_owned())])
        );
    }

    #[test]
    fn nested_leaves_are_joined() {
        let doc = "<xml><L><Item><![CDATA[a]]></Item>\n<Item>b</Item></L><Z>z</Z></xml>";
        assert_eq!(
            parse_flat(doc),
            Ok(vec![
                ("L".to_owned(), "a,b".to_owned()),
                ("Z".to_owned(), "z".to_owned()),
            ])
        );
    }

    #[test]
    fn cdata_split_round_trips() {
        let mut s = String::from("<xml>");
        push_cdata_element(&mut s, "V", "a]]>b]]>");
        s.push_str("</xml>");
        assert_eq!(
            parse_flat(&s),
            Ok(vec![("V".to_owned(), "a]]>b]]>".to_owned())])
        );
    }

    #[test]
    fn rejections() {
        let forbidden = [
            "<!DOCTYPE xml><xml/>",
            "<!DOCTYPE xml [<!ENTITY e \"x\">]><xml>&e;</xml>",
            "<!ENTITY e \"x\"><xml/>",
            "<xml><A>&e;</A></xml>",
            "<xml><A>&nbsp;</A></xml>",
            "<xml><A b=\"&e;\">x</A></xml>",
            "<xml><A>x</A><!DOCTYPE y></xml>",
        ];
        for doc in forbidden {
            assert_eq!(parse_flat(doc), Err(XmlError::Forbidden), "{doc}");
        }
        let malformed_docs = [
            "",
            "   ",
            "<root/>",
            "<xml><A>x</A>",
            "<xml><A>x</B></xml>",
            "<xml/><xml/>",
            "<xml/>trailing",
            "junk<xml/>",
            "<xml><A>&#0;</A></xml>",
            "<xml><A>a & b</A></xml>",
            "<xml><?pi x?></xml>",
            "</xml>",
        ];
        for doc in malformed_docs {
            assert!(
                matches!(parse_flat(doc), Err(XmlError::Malformed(_))),
                "{doc:?} -> {:?}",
                parse_flat(doc)
            );
        }
        let deep = format!("<xml>{}{}</xml>", "<a>".repeat(40), "</a>".repeat(40));
        assert!(matches!(parse_flat(&deep), Err(XmlError::Malformed(_))));
    }

    fn owned(pairs: &[(&str, &str)]) -> Result<Vec<(String, String)>, XmlError> {
        Ok(pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect())
    }

    fn is_malformed(doc: &str) -> bool {
        matches!(parse_flat(doc), Err(XmlError::Malformed(_)))
    }

    #[test]
    fn cdata_and_markup_characters_in_text() {
        // A CDATA section split around `]]>` (how the builders write it) joins back.
        assert_eq!(
            parse_flat("<xml><V><![CDATA[a]]]]><![CDATA[>b]]></V></xml>"),
            owned(&[("V", "a]]>b")])
        );
        // `]]>` and `>` in plain text are taken literally (the old reader did not refuse them).
        assert_eq!(
            parse_flat("<xml><V>a]]>b > c</V></xml>"),
            owned(&[("V", "a]]>b > c")])
        );
        // Markup-looking text inside CDATA is text; CDATA, text and references concatenate.
        assert_eq!(
            parse_flat("<xml><V>x<![CDATA[<A>&amp;</A><!--]]>y&amp;z&#x4F60;</V></xml>"),
            owned(&[("V", "x<A>&amp;</A><!--y&z你")])
        );
        assert_eq!(
            parse_flat("<xml><V><![CDATA[]]></V><W><![CDATA[]]]></W></xml>"),
            owned(&[("V", ""), ("W", "]")])
        );
        // An unterminated CDATA section, or `<![` that is not `<![CDATA[`.
        assert!(is_malformed("<xml><V><![CDATA[abc</V></xml>"));
        assert!(is_malformed("<xml><V><![CDATA[abc]]</V></xml>"));
        assert!(is_malformed("<xml><V><![cdata[abc]]></V></xml>"));
        assert!(is_malformed("<xml><V><![CDATA]]></V></xml>"));
        // CDATA outside the root.
        assert!(is_malformed("<![CDATA[x]]><xml/>"));
        assert!(is_malformed("<xml/><![CDATA[]]>"));
    }

    #[test]
    fn references_in_text() {
        assert_eq!(
            parse_flat("<xml><V>&lt;&gt;&amp;&apos;&quot; &#65;&#x42;&#0067;&#x00044;</V></xml>"),
            owned(&[("V", "<>&'\" ABCD")])
        );
        // The characters of a reference are not re-read as markup.
        assert_eq!(
            parse_flat("<xml><V>&amp;lt;&#38;amp;</V></xml>"),
            owned(&[("V", "&lt;&amp;")])
        );
        for forbidden in ["&e;", "&nbsp;", "&;", "&a b;", "&LT;", "&#;x"] {
            let doc = format!("<xml><V>{forbidden}</V></xml>");
            let want = if forbidden.starts_with("&#") {
                is_malformed(&doc)
            } else {
                parse_flat(&doc) == Err(XmlError::Forbidden)
            };
            assert!(want, "{doc}: {:?}", parse_flat(&doc));
        }
        for bad in [
            "a & b",
            "&amp",
            "&amp &lt;",
            "&#0;",
            "&#x;",
            "&#X41;",
            "&#+65;",
            "&#-65;",
            "&#65",
            "&#xD800;",
            "&#x110000;",
            "&#99999999999;",
            "&#x 41;",
            "&a<b;",
        ] {
            let doc = format!("<xml><V>{bad}</V></xml>");
            assert!(is_malformed(&doc), "{doc}: {:?}", parse_flat(&doc));
        }
        // A reference outside the root: forbidden if unknown, otherwise text where none may be.
        assert_eq!(parse_flat("&e;<xml/>"), Err(XmlError::Forbidden));
        assert!(is_malformed("&amp;<xml/>"));
        assert!(is_malformed("<xml/>&#65;"));
        // Directly under the root, text and references are checked, then ignored.
        assert_eq!(
            parse_flat("<xml>junk &amp; <A>1</A></xml>"),
            owned(&[("A", "1")])
        );
        assert_eq!(
            parse_flat("<xml>&e;<A>1</A></xml>"),
            Err(XmlError::Forbidden)
        );
    }

    #[test]
    fn attributes() {
        assert_eq!(
            parse_flat(
                "<xml a='1' b = \"2\"><A x=\"&lt;&#65;\" y='>'>v</A><B c=\"1\"d='2'/></xml>"
            ),
            owned(&[("A", "v"), ("B", "")])
        );
        assert_eq!(
            parse_flat("<xml><A x=\"&e;\">v</A></xml>"),
            Err(XmlError::Forbidden)
        );
        for bad in [
            "<xml><A x>v</A></xml>",
            "<xml><A x=1>v</A></xml>",
            "<xml><A x=>v</A></xml>",
            "<xml><A x = >v</A></xml>",
            "<xml><A x y=\"1\">v</A></xml>",
            "<xml><A x=\"1\" x=\"2\">v</A></xml>",
            "<xml><A x=\"a & b\">v</A></xml>",
            "<xml><A x=\"&#0;\">v</A></xml>",
            "<xml><A x=\"1\">v</A x=\"1\"></xml>",
            "<xml x=\"1>",
        ] {
            assert!(is_malformed(bad), "{bad}: {:?}", parse_flat(bad));
        }
        // The first broken attribute decides, as it did.
        assert!(is_malformed("<xml><A x y=\"&e;\">v</A></xml>"));
        assert_eq!(
            parse_flat("<xml><A y=\"&e;\" x>v</A></xml>"),
            Err(XmlError::Forbidden)
        );
    }

    #[test]
    fn comments_declarations_and_processing_instructions() {
        assert_eq!(
            parse_flat(
                "<?xml version=\"1.0\"?><!----><!-- a -- b --->\n<?xml?><xml><!-- <A>x</A> --><B><!--c-->1<!---->2</B></xml><!-- end -->\n"
            ),
            owned(&[("B", "12")])
        );
        for bad in [
            "<!--><xml/>",
            "<!---><xml/>",
            "<!-- x <xml/>",
            "<!-x--><xml/>",
            "<xml><?pi?></xml>",
            "<?xml-stylesheet href=\"a\"?><xml/>",
            "<?XML version=\"1.0\"?><xml/>",
            "<??><xml/>",
            "<?><xml/>",
            "<?xml<xml/>",
            "<xml/><?xml version=\"1.0\"?>",
            "<xml><?xml version=\"1.0\"?></xml>",
        ] {
            assert!(is_malformed(bad), "{bad}: {:?}", parse_flat(bad));
        }
    }

    #[test]
    fn doctype_and_entity_declarations() {
        for forbidden in [
            "<!DOCTYPE xml><xml/>",
            "<!doctype xml><xml/>",
            "<!DocType xml><xml/>",
            "<!DOCTYPEx><xml/>",
            "<!DOCTYPE xml [<!ENTITY a \">\"><!ELEMENT b ANY>]><xml/>",
            "<!DOCTYPE xml [<!ENTITY a",
            "<!DOCTYPE",
            "<!ENTITY e \"x\"><xml/>",
            "<!entity e \"x\"><xml/>",
            "<xml><A><!DOCTYPE x></A></xml>",
            "<xml/><!ENTITY e \"x\">",
            "\u{feff}<!ENTITY e \"x\"><xml/>",
            "\u{feff}<xml><!DOCTYPE",
        ] {
            assert_eq!(
                parse_flat(forbidden),
                Err(XmlError::Forbidden),
                "{forbidden}"
            );
        }
        // Not a DOCTYPE (or one without its name): malformed, as before.
        for bad in [
            "<!DOCTYPE><xml/>",
            "<!DOCTYPE  ><xml/>",
            "<!DOCTYP x><xml/>",
            "<!D",
            "<!E",
            "<!",
        ] {
            assert!(is_malformed(bad), "{bad}: {:?}", parse_flat(bad));
        }
    }

    #[test]
    fn names_and_end_tags() {
        // Whitespace after an end tag's name is allowed, before it is not.
        assert_eq!(parse_flat("<xml><A>1</A \n></xml >"), owned(&[("A", "1")]));
        for bad in [
            "<xml><A>1</ A></xml>",
            "<xml><A>1</a></xml>",
            "<xml><A>1</A/></xml>",
            "<xml><A>1</></xml>",
            "< xml/>",
            "<xml ",
            "<xml><A",
            "<xml><",
            "<xml></",
            "<XML/>",
            "<xmlx/>",
        ] {
            assert!(is_malformed(bad), "{bad}: {:?}", parse_flat(bad));
        }
        // Prefixed names are names like any other; a slash right after the name ends the tag.
        assert_eq!(
            parse_flat("<xml><a:B/><C/ ></C/></xml>"),
            owned(&[("a:B", ""), ("C/", "")])
        );
        // 16 levels including the root are fine, 17 are not.
        let ok = format!("<xml>{}v{}</xml>", "<a>".repeat(15), "</a>".repeat(15));
        assert_eq!(parse_flat(&ok), owned(&[("a", "v")]));
        let deep = format!("<xml>{}v{}</xml>", "<a>".repeat(16), "</a>".repeat(16));
        assert!(is_malformed(&deep));
        let deep_empty = format!("<xml>{}<a/>{}</xml>", "<a>".repeat(15), "</a>".repeat(15));
        assert!(is_malformed(&deep_empty));
    }

    #[test]
    fn nested_elements_and_duplicates() {
        assert_eq!(
            parse_flat(
                "<xml><L>pre<I>a</I>mid<J><K>b</K><K/></J><I><![CDATA[c]]>&amp;</I>post</L><A>1</A><A>2</A></xml>"
            ),
            owned(&[("L", "a,b,,c&"), ("A", "1"), ("A", "2")])
        );
    }

    #[test]
    fn every_truncation_of_a_document_is_malformed() {
        let doc = "\u{feff}<?xml version=\"1.0\"?><!-- c --><xml a=\"1\"><ToUserName><![CDATA[ww1]]></ToUserName><CreateTime>17</CreateTime><Content>a &amp; b</Content><L><I>x</I></L><E/></xml>";
        let full = parse_flat(doc);
        assert!(full.is_ok(), "{full:?}");
        for (end, _) in doc.char_indices().skip(1) {
            let cut = &doc[..end];
            assert!(is_malformed(cut), "{cut}: {:?}", parse_flat(cut));
        }
        // Only whitespace and comments may follow.
        assert_eq!(parse_flat(&format!("{doc} \r\n\t<!-- x -->")), full);
    }

    /// The old reader's verdict and the scanner's must be the same: the same children, the same
    /// kind of error (messages differ). The one deliberate difference: after a byte-order mark,
    /// the old reader called `<!ENTITY` and an unclosed `<!DOCTYPE` malformed.
    fn check_same(doc: &str) {
        let new = parse_flat(doc);
        let old = reference::parse_flat(doc);
        let same = match (&new, &old) {
            (Ok(a), Ok(b)) => a == b,
            (Err(XmlError::Forbidden), Err(XmlError::Forbidden)) => true,
            (Err(XmlError::Malformed(_)), Err(XmlError::Malformed(_))) => true,
            (Err(XmlError::Forbidden), Err(XmlError::Malformed(_))) => doc.starts_with('\u{feff}'),
            _ => false,
        };
        assert!(same, "{doc:?}\n  scanner:   {new:?}\n  quick-xml: {old:?}");
    }

    pub(crate) const SEEDS: [&str; 6] = [
        "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[wmQ2]]></ExternalUserID><State><![CDATA[s]]></State><WelcomeCode><![CDATA[WC]]></WelcomeCode></xml>",
        "<xml><ToUserName><![CDATA[ww1]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS]]></Encrypt></xml>",
        "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- hi -->\n<xml xmlns:a=\"u\">\n\t<a:A b=\"&lt;\" c='&#x41;'>1\r\n2 &amp; &#20320; &quot;</a:A>\n\t<Content><![CDATA[a]]]]><![CDATA[>b]]></Content>\n\t<E/>\n</xml>\n",
        "<xml><MemChangeList><Item><![CDATA[a]]></Item><Item>b</Item><G><Item/><Item>c</Item></G></MemChangeList>text<Z>z</Z></xml>",
        "<!DOCTYPE xml [<!ENTITY e \"x\">]><xml><A>&e;</A></xml>",
        "<xml><A><![CDATA[<!-- ]]>--><?pi?><!ENTITY x></A><B>&amp;&#x3C;</B><!-- c --></xml>",
    ];

    pub(crate) const SNIPPETS: [&str; 44] = [
        "<",
        ">",
        "/",
        "!",
        "?",
        "[",
        "]",
        "-",
        "&",
        ";",
        "#",
        "x",
        "\"",
        "'",
        "=",
        " ",
        "\n",
        "\u{feff}",
        "é",
        "你",
        "xml",
        "<xml>",
        "</xml>",
        "<A>",
        "</A>",
        "<A/>",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        "<!DOCTYPE x>",
        "<!DOCTYPE",
        "<!ENTITY",
        "<!entity e 'x'>",
        "&amp;",
        "&#x41;",
        "&#0;",
        "&e;",
        "<?xml ?>",
        "<?pi?>",
        "?>",
        " a=\"1\"",
        " a='&e;'",
        "<!D",
    ];

    pub(crate) fn mutate(rng: &mut rand::rngs::StdRng, input: &str) -> String {
        use rand::Rng;
        let mut v: Vec<char> = input.chars().collect();
        for _ in 0..rng.random_range(1..=4) {
            let len = v.len();
            match rng.random_range(0..6) {
                0 if len > 0 => {
                    let i = rng.random_range(0..len);
                    v.remove(i);
                }
                1 if len > 0 => {
                    let i = rng.random_range(0..len);
                    let j = rng.random_range(i..=len.min(i + 12));
                    v.drain(i..j);
                }
                2 if len > 0 => v.truncate(rng.random_range(0..len)),
                3 if len > 1 => {
                    let i = rng.random_range(0..len);
                    let j = rng.random_range(0..len);
                    v.swap(i, j);
                }
                _ => {
                    let i = rng.random_range(0..=len);
                    let s = SNIPPETS[rng.random_range(0..SNIPPETS.len())];
                    v.splice(i..i, s.chars());
                }
            }
        }
        v.into_iter().collect()
    }

    #[test]
    fn the_scanner_agrees_with_the_old_reader_on_every_test_document() {
        let docs = [
            "<?xml version=\"1.0\"?>\n<xml><A><![CDATA[x]]></A>\n<B>1 &lt; 2 &#x41;&#66;</B><C/></xml>\n",
            "\u{feff}<xml xmlns:a=\"u\">\r\n<a:A b=\"&lt;\">1\r\n2</a:A></xml>",
            "<xml><L><Item><![CDATA[a]]></Item>\n<Item>b</Item></L><Z>z</Z></xml>",
            "<!DOCTYPE xml><xml/>",
            "<!ENTITY e \"x\"><xml/>",
            "<xml><A>&nbsp;</A></xml>",
            "<xml><A b=\"&e;\">x</A></xml>",
            "<xml><A>x</A><!DOCTYPE y></xml>",
            "",
            "   ",
            "<root/>",
            "<xml/><xml/>",
            "<xml/>trailing",
            "junk<xml/>",
            "<xml><A>a & b</A></xml>",
            "<xml><?pi x?></xml>",
            "</xml>",
            "<xml><></></xml>",
            "<xml><>x</ ></xml>",
            "<xml><a\"b>c\">v</a\"b>c\"></xml>",
            "<xml><A =\"1\">v</A></xml>",
            "<xml><A ==\"1\">v</A></xml>",
            "<xml><A a=\"1\"b=\"2\">v</A></xml>",
            "<xml><A/ ></A/></xml>",
            "<xml>\u{feff}</xml>",
            "\u{feff}\u{feff}<xml/>",
            "<!---->\u{feff}<xml/>",
            "<xml><A><!DOCTYPE></A></xml>",
            "<xml><A>]]></A></xml>",
            "<xml><A>&#1;&#x7F;&#xFFFF;</A></xml>",
            "<xml><A x='\"' y=\"'\"/></xml>",
            "<xml><A\tx\n=\r'1'/></xml>",
            "<!--><xml/>",
            "<!---><xml/>",
            "<!-é--><xml/>",
            "<?><xml/>",
        ];
        for doc in docs {
            check_same(doc);
        }
        for seed in SEEDS {
            check_same(seed);
            for (end, _) in seed.char_indices() {
                check_same(&seed[..end]);
                check_same(&seed[end..]);
            }
        }
    }

    /// The flat fast path must hand over exactly what the general scanner does, also when it
    /// gives up part-way (then [`parse`] skips what it already handed over).
    fn check_fast_path(doc: &str) {
        let mut general = Vec::new();
        let general_result = parse_general(doc, |n, v| general.push((n, v)));
        let mut fast = Vec::new();
        match flat_fast(doc, &mut |n, v| fast.push((n, v))) {
            Ok(()) => {
                assert!(general_result.is_ok(), "{doc:?}");
                assert_eq!(fast, general, "{doc:?}");
            }
            Err(done) => {
                assert_eq!(done, fast.len());
                assert_eq!(general.get(..done), Some(&fast[..]), "{doc:?}");
            }
        }
    }

    #[test]
    fn the_fast_path_agrees_with_the_general_scanner() {
        use rand::SeedableRng;
        let flat = [
            "<xml><A>1</A><B><![CDATA[<&>]]></B>\n\t<C></C><D><![CDATA[]]></D></xml>\r\n",
            "<xml></xml>",
            "<xml><xml>x</xml></xml>",
            "<xml><A>]]></A><A>2</A></xml>",
        ];
        // What WeCom sends (and the builder writes) takes the fast path: the message and the
        // envelope.
        let message = crate::builder::external_contact_xml(
            "ww1",
            "add_external_contact",
            "zhangsan",
            "wmQ2",
            Some("s"),
            Some("WC"),
            1_700_000_000,
        );
        let envelope = crate::envelope_xml("ww1", "1000002", "QUJD+/==");
        for doc in flat
            .iter()
            .copied()
            .chain([message.as_str(), envelope.as_str()])
        {
            assert!(flat_fast(doc, &mut |_, _| {}).is_ok(), "{doc:?}");
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5CA7_7E16);
        for seed in SEEDS.iter().chain(&flat) {
            check_fast_path(seed);
            for (end, _) in seed.char_indices() {
                check_fast_path(&seed[..end]);
            }
        }
        for i in 0..30_000 {
            let doc = mutate(
                &mut rng,
                SEEDS.iter().chain(&flat).nth(i % 10).unwrap_or(&""),
            );
            check_fast_path(&doc);
            check_fast_path(&mutate(&mut rng, &doc));
        }
    }

    #[test]
    fn the_scanner_agrees_with_the_old_reader_on_random_mutations() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5CA7_7E12);
        for i in 0..30_000 {
            let seed = SEEDS[i % SEEDS.len()];
            let doc = mutate(&mut rng, seed);
            check_same(&doc);
            // Second-generation mutants reach deeper combinations.
            check_same(&mutate(&mut rng, &doc));
        }
    }

    #[test]
    fn the_scanner_agrees_with_the_old_reader_on_random_snippet_soups() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x5CA7_7E13);
        for _ in 0..20_000 {
            let n = rng.random_range(1..12);
            let mut doc = String::from(if rng.random_bool(0.8) { "<xml>" } else { "" });
            for _ in 0..n {
                doc.push_str(SNIPPETS[rng.random_range(0..SNIPPETS.len())]);
            }
            if rng.random_bool(0.8) {
                doc.push_str("</xml>");
            }
            check_same(&doc);
        }
    }
}
