//! Corp tags (企业标签): `get_corp_tag_list`, `add_corp_tag`, `edit_corp_tag`, `del_corp_tag` and
//! `mark_tag`. Changes made through the API fire no callback.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::addressed_relation;
use crate::model::{CorpTag, CorpTagGroup, TagOrigin};
use crate::state::{State as SimState, TagRef};
use crate::wx::{WxError, WxResult};

/// WeCom's corp tag cap.
const MAX_CORP_TAGS: usize = 3000;

#[derive(Deserialize, Default)]
pub(crate) struct TagListReq {
    #[serde(default)]
    tag_id: Vec<String>,
    #[serde(default)]
    group_id: Vec<String>,
}

fn tag_json(t: &CorpTag) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "create_time": t.create_time,
        "order": t.order,
        "deleted": t.deleted,
    })
}

fn group_json(g: &CorpTagGroup, tags: Vec<Value>) -> Value {
    json!({
        "group_id": g.group_id,
        "group_name": g.group_name,
        "create_time": g.create_time,
        "order": g.order,
        "deleted": g.deleted,
        "tag": tags,
    })
}

/// Higher `order` first, then older first.
fn sorted_tags<'a>(tags: impl Iterator<Item = &'a CorpTag>) -> Vec<&'a CorpTag> {
    let mut v: Vec<&CorpTag> = tags.collect();
    v.sort_by(|a, b| {
        b.order
            .cmp(&a.order)
            .then(a.create_time.cmp(&b.create_time))
            .then(a.id.cmp(&b.id))
    });
    v
}

/// Semantics (wecom-api.md §4): both filters empty → every live group and tag; `group_id` given →
/// those groups (`tag_id` ignored); only `tag_id` → those tags inside their groups. Deleted items
/// appear only when asked for by id, with `deleted: true`.
pub(crate) fn corp_tag_list(st: &SimState, req: TagListReq) -> WxResult {
    let mut groups: Vec<&CorpTagGroup> = st.tag_groups.iter().collect();
    groups.sort_by(|a, b| {
        b.order
            .cmp(&a.order)
            .then(a.create_time.cmp(&b.create_time))
            .then(a.group_id.cmp(&b.group_id))
    });
    let mut out = Vec::new();
    if !req.group_id.is_empty() {
        let wanted: BTreeSet<&str> = req.group_id.iter().map(String::as_str).collect();
        for g in groups
            .into_iter()
            .filter(|g| wanted.contains(g.group_id.as_str()))
        {
            let tags = sorted_tags(g.tags.iter().filter(|t| g.deleted || !t.deleted))
                .into_iter()
                .map(tag_json)
                .collect();
            out.push(group_json(g, tags));
        }
    } else if !req.tag_id.is_empty() {
        let wanted: BTreeSet<&str> = req.tag_id.iter().map(String::as_str).collect();
        for g in groups {
            let tags: Vec<Value> =
                sorted_tags(g.tags.iter().filter(|t| wanted.contains(t.id.as_str())))
                    .into_iter()
                    .map(tag_json)
                    .collect();
            if !tags.is_empty() {
                out.push(group_json(g, tags));
            }
        }
    } else {
        for g in groups.into_iter().filter(|g| !g.deleted) {
            let tags = sorted_tags(g.tags.iter().filter(|t| !t.deleted))
                .into_iter()
                .map(tag_json)
                .collect();
            out.push(group_json(g, tags));
        }
    }
    Ok(json!({ "tag_group": out }))
}

#[derive(Deserialize)]
struct TagIn {
    name: Option<String>,
    order: Option<u32>,
}

#[derive(Deserialize)]
pub(crate) struct AddCorpTagReq {
    group_id: Option<String>,
    group_name: Option<String>,
    order: Option<u32>,
    #[serde(default)]
    tag: Vec<TagIn>,
}

/// UNCONFIRMED: 40072 (不合法的标签名字长度) for an empty name or one over 30 characters.
fn check_tag_name(name: &str) -> Result<(), WxError> {
    let n = name.trim().chars().count();
    if n == 0 || n > 30 {
        return Err(WxError::detail(40072, "name must be 1 to 30 characters"));
    }
    Ok(())
}

pub(crate) fn add_corp_tag(st: &mut SimState, req: AddCorpTagReq, now: i64) -> WxResult {
    if req.tag.is_empty() {
        return Err(WxError::detail(40058, "tag list is empty"));
    }
    // Duplicate names in one request collapse into one tag.
    let mut wanted: Vec<(String, u32)> = Vec::new();
    for t in &req.tag {
        let name = t.name.as_deref().unwrap_or("").trim().to_owned();
        check_tag_name(&name)?;
        if !wanted.iter().any(|(n, _)| *n == name) {
            wanted.push((name, t.order.unwrap_or(0)));
        }
    }
    let mut created_group = false;
    let gi = match (
        req.group_id.as_deref().filter(|g| !g.is_empty()),
        req.group_name.as_deref(),
    ) {
        // group_id given: group_name and order are ignored.
        (Some(gid), _) => match st.find_tag(gid) {
            Some(TagRef::Group(gi)) if st.tag_groups.get(gi).is_some_and(|g| !g.deleted) => gi,
            _ => return Err(WxError::detail(40068, "group_id not found")),
        },
        (None, Some(name)) if !name.trim().is_empty() => {
            let name = name.trim();
            check_tag_name(name)?;
            match st
                .tag_groups
                .iter()
                .position(|g| !g.deleted && g.group_name == name)
            {
                // An existing group name: the tags are added to that group.
                Some(gi) => gi,
                None => {
                    st.tag_groups.push(CorpTagGroup {
                        group_id: crate::ids::tag_id(),
                        group_name: name.to_owned(),
                        create_time: now,
                        order: req.order.unwrap_or(0),
                        deleted: false,
                        origin: TagOrigin::Api,
                        tags: Vec::new(),
                    });
                    created_group = true;
                    st.tag_groups.len() - 1
                }
            }
        }
        _ => return Err(WxError::detail(40058, "group_id or group_name is required")),
    };
    let existing_names: Vec<String> = st
        .tag_groups
        .get(gi)
        .map(|g| {
            g.tags
                .iter()
                .filter(|t| !t.deleted)
                .map(|t| t.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let new_count = wanted
        .iter()
        .filter(|(n, _)| !existing_names.contains(n))
        .count();
    if st.live_tag_count() + new_count > MAX_CORP_TAGS {
        // A group created above for this request would stay empty: drop it again.
        if created_group {
            st.tag_groups.remove(gi);
        }
        return Err(WxError::new(40126));
    }
    let Some(group) = st.tag_groups.get_mut(gi) else {
        return Err(WxError::new(-1));
    };
    let mut result_tags = Vec::new();
    for (name, order) in wanted {
        // A name that already exists in the group is collapsed into the existing tag
        // (UNCONFIRMED: WeCom might answer 40071 instead).
        if let Some(t) = group.tags.iter().find(|t| !t.deleted && t.name == name) {
            result_tags.push(t.clone());
            continue;
        }
        let t = CorpTag {
            id: crate::ids::tag_id(),
            name,
            create_time: now,
            order,
            deleted: false,
            origin: TagOrigin::Api,
        };
        group.tags.push(t.clone());
        result_tags.push(t);
    }
    let tags: Vec<Value> = result_tags
        .iter()
        .map(|t| json!({ "id": t.id, "name": t.name, "create_time": t.create_time, "order": t.order }))
        .collect();
    Ok(json!({
        "tag_group": {
            "group_id": group.group_id,
            "group_name": group.group_name,
            "create_time": group.create_time,
            "order": group.order,
            "tag": tags,
        }
    }))
}

#[derive(Deserialize)]
pub(crate) struct EditCorpTagReq {
    id: Option<String>,
    name: Option<String>,
    order: Option<u32>,
}

/// Only tags and groups this app created through the API may be edited or deleted.
/// UNCONFIRMED: the errcode for a console-created tag; 81011 (无权限操作标签) is WeCom's
/// "no privilege on this tag" code.
const NOT_OWN_TAG: i64 = 81011;

pub(crate) fn edit_corp_tag(st: &mut SimState, req: EditCorpTagReq) -> WxResult {
    let id = req
        .id
        .as_deref()
        .filter(|i| !i.is_empty())
        .ok_or_else(|| WxError::detail(40068, "id is empty"))?;
    let name = req.name.as_deref().map(str::trim);
    if let Some(n) = name {
        check_tag_name(n)?;
    }
    match st.find_tag(id) {
        Some(TagRef::Group(gi)) => {
            let dup = name.is_some_and(|n| {
                st.tag_groups
                    .iter()
                    .enumerate()
                    .any(|(i, g)| i != gi && !g.deleted && g.group_name == n)
            });
            let Some(g) = st.tag_groups.get_mut(gi).filter(|g| !g.deleted) else {
                return Err(WxError::new(40068));
            };
            if g.origin != TagOrigin::Api {
                return Err(WxError::detail(
                    NOT_OWN_TAG,
                    "tag group was not created by this app",
                ));
            }
            if dup {
                return Err(WxError::new(40071));
            }
            if let Some(n) = name {
                g.group_name = n.to_owned();
            }
            if let Some(o) = req.order {
                g.order = o;
            }
            Ok(json!({}))
        }
        Some(TagRef::Tag(gi, ti)) => {
            let Some(g) = st.tag_groups.get_mut(gi).filter(|g| !g.deleted) else {
                return Err(WxError::new(40068));
            };
            let dup = name.is_some_and(|n| {
                g.tags
                    .iter()
                    .enumerate()
                    .any(|(i, t)| i != ti && !t.deleted && t.name == n)
            });
            let Some(t) = g.tags.get_mut(ti).filter(|t| !t.deleted) else {
                return Err(WxError::new(40068));
            };
            if t.origin != TagOrigin::Api {
                return Err(WxError::detail(
                    NOT_OWN_TAG,
                    "tag was not created by this app",
                ));
            }
            if dup {
                return Err(WxError::new(40071));
            }
            if let Some(n) = name {
                t.name = n.to_owned();
            }
            if let Some(o) = req.order {
                t.order = o;
            }
            Ok(json!({}))
        }
        None => Err(WxError::new(40068)),
    }
}

#[derive(Deserialize)]
pub(crate) struct DelCorpTagReq {
    #[serde(default)]
    tag_id: Vec<String>,
    #[serde(default)]
    group_id: Vec<String>,
}

pub(crate) fn del_corp_tag(st: &mut SimState, req: DelCorpTagReq) -> WxResult {
    if req.tag_id.is_empty() && req.group_id.is_empty() {
        return Err(WxError::detail(40068, "tag_id and group_id are both empty"));
    }
    // Validate everything first: the call is all-or-nothing.
    let mut tags = Vec::new();
    for id in &req.tag_id {
        match st.find_tag(id) {
            Some(TagRef::Tag(gi, ti)) => {
                let live = st
                    .tag_groups
                    .get(gi)
                    .and_then(|g| g.tags.get(ti).map(|t| (g, t)))
                    .filter(|(g, t)| !g.deleted && !t.deleted);
                match live {
                    None => return Err(WxError::detail(40068, format!("tag {id} not found"))),
                    Some((_, t)) if t.origin != TagOrigin::Api => {
                        return Err(WxError::detail(
                            NOT_OWN_TAG,
                            format!("tag {id} was not created by this app"),
                        ));
                    }
                    Some(_) => tags.push((gi, ti)),
                }
            }
            _ => return Err(WxError::detail(40068, format!("tag {id} not found"))),
        }
    }
    let mut groups = Vec::new();
    for id in &req.group_id {
        match st.find_tag(id) {
            Some(TagRef::Group(gi)) => match st.tag_groups.get(gi).filter(|g| !g.deleted) {
                None => return Err(WxError::detail(40068, format!("group {id} not found"))),
                Some(g) if g.origin != TagOrigin::Api => {
                    return Err(WxError::detail(
                        NOT_OWN_TAG,
                        format!("group {id} was not created by this app"),
                    ));
                }
                Some(_) => groups.push(gi),
            },
            _ => return Err(WxError::detail(40068, format!("group {id} not found"))),
        }
    }
    for (gi, ti) in tags {
        // A group whose last tag goes is deleted with it.
        st.delete_tag_at(gi, ti);
    }
    for gi in groups {
        st.delete_group_at(gi);
    }
    // Changes made through the API fire no callback.
    Ok(json!({}))
}

#[derive(Deserialize)]
pub(crate) struct MarkTagReq {
    userid: Option<String>,
    external_userid: Option<String>,
    #[serde(default)]
    add_tag: Vec<String>,
    #[serde(default)]
    remove_tag: Vec<String>,
}

pub(crate) fn mark_tag(st: &mut SimState, req: MarkTagReq) -> WxResult {
    if req.add_tag.is_empty() && req.remove_tag.is_empty() {
        return Err(WxError::detail(
            40058,
            "add_tag and remove_tag are both empty",
        ));
    }
    // The relationship is checked first (84061), then the tags (40068).
    addressed_relation(st, req.userid.as_deref(), req.external_userid.as_deref())?;
    for id in req.add_tag.iter().chain(req.remove_tag.iter()) {
        if st.live_tag(id).is_none() {
            return Err(WxError::detail(40068, format!("tag {id} not found")));
        }
    }
    let r = addressed_relation(st, req.userid.as_deref(), req.external_userid.as_deref())?;
    for id in req.add_tag {
        if !r.tag_ids.contains(&id) {
            r.tag_ids.push(id);
        }
    }
    r.tag_ids.retain(|t| !req.remove_tag.contains(t));
    // Changes made through the API fire no callback (no edit_external_contact).
    Ok(json!({}))
}
