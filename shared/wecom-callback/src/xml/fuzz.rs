//! The scanner's properties as one check for the fuzz targets in `fuzz/` (feature `fuzzing`):
//! the same as the differential tests in `super::tests`, on whatever document the fuzzer makes.

use super::{XmlError, flat_fast, parse, parse_flat, parse_general, reference};

/// Panics (with the document and both verdicts) unless, on `doc`:
/// - the scanner ([`parse`]: flat fast path, then the general scanner) and the quick-xml reader
///   it replaced agree: the same children, or the same kind of error (after a byte-order mark
///   the old reader called `<!ENTITY` and an unclosed `<!DOCTYPE` malformed, the scanner
///   forbidden: the one deliberate difference);
/// - the flat fast path hands over exactly what the general scanner does (all of it when it
///   takes the whole document, a prefix when it gives up part-way);
/// - [`parse`] hands over what the general scanner alone does, with the same verdict.
pub fn check_xml(doc: &str) {
    check_same_as_reference(doc);
    check_fast_path(doc);
}

/// The old reader's verdict and the scanner's are the same: the same children, the same kind
/// of error (messages differ). The one deliberate difference: after a byte-order mark, the old
/// reader called `<!ENTITY` and an unclosed `<!DOCTYPE` malformed.
pub(crate) fn check_same_as_reference(doc: &str) {
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

/// The flat fast path hands over exactly what the general scanner does, also when it gives up
/// part-way (then [`parse`] skips what it already handed over), and [`parse`] as a whole hands
/// over what the general scanner alone does, with the same verdict.
pub(crate) fn check_fast_path(doc: &str) {
    let mut general = Vec::new();
    let general_result = parse_general(doc, |n, v| general.push((n, v)));
    let mut fast = Vec::new();
    match flat_fast(doc, &mut |n, v| fast.push((n, v))) {
        Ok(()) => {
            assert!(general_result.is_ok(), "fast path took {doc:?}");
            assert_eq!(fast, general, "{doc:?}");
        }
        Err(done) => {
            assert_eq!(done, fast.len(), "{doc:?}");
            assert_eq!(general.get(..done), Some(&fast[..]), "{doc:?}");
        }
    }

    let mut combined = Vec::new();
    let combined_result = parse(doc, |n, v| combined.push((n, v)));
    assert_eq!(combined_result, general_result, "{doc:?}");
    if combined_result.is_ok() {
        assert_eq!(combined, general, "{doc:?}");
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::check_xml;

    /// The XML fuzz target's committed seeds (`fuzz/seeds/xml_reader/`, what `scripts/fuzz`
    /// starts from) and random mutations of them pass the checks the fuzzer applies.
    #[test]
    fn the_fuzz_seeds_and_their_mutations_pass_the_differential_checks() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/seeds/xml_reader");
        let mut docs = Vec::new();
        for entry in std::fs::read_dir(dir).expect("the seeds folder") {
            let bytes = std::fs::read(entry.expect("an entry").path()).expect("a seed");
            docs.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        assert!(docs.len() >= 5, "{dir} holds {} seeds", docs.len());
        docs.sort();
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        for doc in &docs {
            check_xml(doc);
            for _ in 0..500 {
                check_xml(&crate::xml::tests::mutate(&mut rng, doc));
            }
        }
    }
}
