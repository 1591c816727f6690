//! The corp tag catalogue (企业标签).

use serde::{Deserialize, Serialize};

/// Who created a tag or tag group. Only `api` items may be edited or deleted through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagOrigin {
    /// Created in the admin console (or seeded): the app cannot edit or delete it.
    Console,
    /// Created through `add_corp_tag` by this app.
    Api,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpTag {
    pub id: String,
    pub name: String,
    pub create_time: i64,
    pub order: u32,
    pub deleted: bool,
    pub origin: TagOrigin,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpTagGroup {
    pub group_id: String,
    pub group_name: String,
    pub create_time: i64,
    pub order: u32,
    pub deleted: bool,
    pub origin: TagOrigin,
    pub tags: Vec<CorpTag>,
}
