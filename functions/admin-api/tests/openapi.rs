//! The OpenAPI document is generated from the code; the copy in docs/ must not drift from it.

#[test]
fn the_checked_in_openapi_document_matches_the_code() {
    let generated = admin_api::openapi_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "docs/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p admin-api --test openapi`"
    );
}
