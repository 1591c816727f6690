//! Corp tags: `get_corp_tag_list`, `add_corp_tag`, `mark_tag`.

use serde::{Deserialize, Serialize};

/// `get_corp_tag_list` → `tag_group[].tag[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpTag {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub order: u32,
    #[serde(default)]
    pub deleted: bool,
}

/// `get_corp_tag_list` → `tag_group[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpTagGroup {
    pub group_id: String,
    pub group_name: String,
    #[serde(default)]
    pub create_time: i64,
    #[serde(default)]
    pub order: u32,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub tag: Vec<CorpTag>,
}

/// `add_corp_tag` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddCorpTag {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
    pub tag: Vec<NewTag>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewTag {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
}

/// `mark_tag` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MarkTag {
    pub userid: String,
    pub external_userid: String,
    pub add_tag: Vec<String>,
    pub remove_tag: Vec<String>,
}
