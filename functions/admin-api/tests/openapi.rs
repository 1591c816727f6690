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

fn document() -> serde_json::Value {
    serde_json::from_str(&admin_api::openapi_json()).unwrap_or_default()
}

/// The `{name}`s of a route template.
fn template_names(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

#[test]
fn path_parameters_are_exactly_the_names_in_the_route_template() {
    let doc = document();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    assert!(!paths.is_empty(), "the document has no paths");
    let mut wrong = Vec::new();
    for (path, item) in &paths {
        let names = template_names(path);
        for (method, operation) in item.as_object().into_iter().flatten() {
            let params = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for p in &params {
                let name = p["name"].as_str().unwrap_or_default();
                let place = p["in"].as_str().unwrap_or_default();
                match place {
                    "path" if !names.contains(&name) => wrong.push(format!(
                        "{method} {path}: `{name}` is declared in: path but is not in the template"
                    )),
                    "path" if p["required"] != true => wrong.push(format!(
                        "{method} {path}: path parameter `{name}` is not required"
                    )),
                    "query" if names.contains(&name) => wrong.push(format!(
                        "{method} {path}: `{name}` of the template is declared in: query"
                    )),
                    "path" | "query" | "header" => {}
                    other => wrong.push(format!("{method} {path}: `{name}` in: {other}")),
                }
            }
            for name in &names {
                let declared = params
                    .iter()
                    .any(|p| p["name"] == *name && p["in"] == "path");
                if !declared {
                    wrong.push(format!(
                        "{method} {path}: `{{{name}}}` has no path parameter"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn optional_query_parameters_are_not_required() {
    let doc = document();
    let params = doc["paths"]["/api/campaigns"]["get"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = params.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["limit", "cursor", "status"]);
    for p in &params {
        assert_eq!(p["in"], "query", "{p}");
        assert_eq!(p["required"], false, "{p}");
    }
    let messages = doc["paths"]["/api/messages"]["get"]["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let external_userid = messages
        .iter()
        .find(|p| p["name"] == "external_userid")
        .cloned()
        .unwrap_or_default();
    assert_eq!(external_userid["in"], "query");
    assert_eq!(
        external_userid["required"], true,
        "a required query parameter"
    );
}

/// Every schema says what it holds: no bare `{"type": "object"}` without properties, and no
/// "any value" except where the value really has no fixed shape.
#[test]
fn every_schema_is_typed() {
    /// A dead letter's body is whatever the queue carried; a QR image is binary; an exported
    /// record is the stored document as it is (every record type the store holds).
    const ANY_ALLOWED: [&str; 3] = [
        "/components/schemas/DeadLetterView/properties/body",
        "/components/schemas/ExportedRecord/properties/record",
        "/paths//api/contact-ways/{config_id}/qrcode/get/responses/200/content/image/png/schema",
    ];
    fn walk(value: &serde_json::Value, at: &str, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                let segments: Vec<&str> = at.rsplit('/').take(2).collect();
                let parent = segments.get(1).copied().unwrap_or_default();
                let is_schema_slot =
                    matches!(
                        segments.first().copied(),
                        Some("schema" | "items" | "additionalProperties")
                    ) || matches!(parent, "properties" | "oneOf" | "allOf" | "anyOf");
                let untyped_object = map.get("type") == Some(&serde_json::json!("object"))
                    && !map.contains_key("properties")
                    && !map.contains_key("additionalProperties");
                let any = is_schema_slot
                    && !["type", "$ref", "oneOf", "allOf", "anyOf", "enum"]
                        .iter()
                        .any(|k| map.contains_key(*k));
                if (untyped_object || any) && !ANY_ALLOWED.contains(&at) {
                    found.push(at.to_owned());
                }
                for (k, v) in map {
                    walk(v, &format!("{at}/{k}"), found);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(&document(), "", &mut found);
    assert!(found.is_empty(), "untyped schemas:\n{}", found.join("\n"));
}

#[test]
fn tagged_unions_name_their_discriminator() {
    let doc = document();
    for (schema, tag) in [
        ("Audience", "type"),
        ("SenderPolicy", "type"),
        ("RuleKind", "type"),
        ("ContentAttachment", "msgtype"),
        ("Attachment", "msgtype"),
    ] {
        let s = &doc["components"]["schemas"][schema];
        assert_eq!(s["discriminator"]["propertyName"], tag, "{schema}: {s}");
        for variant in s["oneOf"].as_array().into_iter().flatten() {
            assert!(
                variant["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|n| n == tag)),
                "{schema}: a variant without {tag}: {variant}"
            );
            assert_eq!(
                variant["properties"][tag]["enum"].as_array().map(Vec::len),
                Some(1)
            );
        }
    }
}

#[test]
fn operation_ids_are_unique() {
    let doc = document();
    let mut seen = std::collections::BTreeMap::<String, String>::new();
    let mut clashes = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
                clashes.push(format!("`{id}`: {other} and {method} {path}"));
            }
        }
    }
    assert!(clashes.is_empty(), "{}", clashes.join("\n"));
}

#[test]
fn every_reference_resolves() {
    fn refs(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    found.push(r.clone());
                }
                map.values().for_each(|v| refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let doc = document();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    let dangling: Vec<&String> = found
        .iter()
        .filter(|r| {
            r.strip_prefix("#/components/schemas/")
                .is_none_or(|name| doc["components"]["schemas"].get(name).is_none())
        })
        .collect();
    assert!(dangling.is_empty(), "dangling $refs: {dangling:?}");
}
