//! The simulator's in-memory state and the operations shared by the API and the control routes.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde_json::Value;

use crate::model::{
    AppMessage, CallCounts, CorpTag, CorpTagGroup, DeliveryRecord, ExternalContact, FaultRule,
    FollowTag, GroupMsgRecord, InboundAppMessage, MediaRecord, QuotaRule, RelationStatus,
    Relationship, Staff, TagOrigin, UploadedImage, WelcomeCodeInfo, WelcomeMessage,
};

/// Seeded ids of the demo corp, so tests can refer to them.
pub mod demo {
    /// Console group 客户等级 (customer tier).
    pub const GROUP_TIER: &str = "etSimDemoGroupTier000000000000aa";
    pub const TAG_TIER_A: &str = "etSimDemoTagTierA0000000000000aa";
    pub const TAG_TIER_B: &str = "etSimDemoTagTierB0000000000000aa";
    pub const TAG_TIER_C: &str = "etSimDemoTagTierC0000000000000aa";
    /// Console group 意向项目 (project of interest).
    pub const GROUP_PROJECT: &str = "etSimDemoGroupProject000000000aa";
    pub const TAG_PROJECT_PHOTO: &str = "etSimDemoTagPhotoRejuv00000000aa";
    pub const TAG_PROJECT_FILLER: &str = "etSimDemoTagFiller000000000000aa";
    pub const TAG_PROJECT_THERMAGE: &str = "etSimDemoTagThermage0000000000aa";
    /// Demo members (customer contact enabled).
    pub const STAFF: [(&str, &str); 3] =
        [("zhangsan", "张三"), ("lisi", "李四"), ("wangwu", "王五")];
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub expires_at_ms: i64,
    pub invalidated: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Relation {
    pub seq: u64,
    pub userid: String,
    pub external_userid: String,
    pub remark: String,
    pub description: String,
    pub createtime: i64,
    pub tag_ids: Vec<String>,
    pub remark_corp_name: String,
    pub remark_mobiles: Vec<String>,
    pub add_way: u32,
    pub oper_userid: String,
    pub state: String,
    pub status: RelationStatus,
}

/// A stored contact way.
#[derive(Clone, Debug)]
pub(crate) struct ContactWayRec {
    pub config_id: String,
    pub way_type: i64,
    pub scene: i64,
    pub style: Option<i64>,
    pub remark: String,
    pub skip_verify: bool,
    pub state: String,
    pub qr_code: Option<String>,
    pub user: Vec<String>,
    pub party: Vec<u64>,
    pub is_temp: bool,
    pub expires_in: i64,
    pub chat_expires_in: i64,
    /// Simulated unix seconds after which a temporary QR code no longer works.
    pub expires_at: i64,
    pub unionid: String,
    pub is_exclusive: bool,
    pub conclusions: Option<Value>,
    pub create_time: i64,
    pub seq: u64,
    /// A temporary way dies after its first add.
    pub used: bool,
    /// Round-robin position for multi-member ways.
    pub next_user: usize,
}

impl ContactWayRec {
    /// A temporary way that was used or is past its `expires_in`.
    pub fn expired(&self, now: i64) -> bool {
        self.is_temp && (self.used || now >= self.expires_at)
    }
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub callback_url: Option<String>,
    pub clock_offset_ms: i64,
    pub tokens: HashMap<String, Token>,
    pub staff: BTreeMap<String, Staff>,
    pub contacts: BTreeMap<String, ExternalContact>,
    /// Keyed by (external_userid, userid).
    pub relations: BTreeMap<(String, String), Relation>,
    /// Index of `relations` by member: userid → seq → external_userid. Kept in step by
    /// [`State::insert_relation`] / [`State::remove_relation`]; it gives `batch/get_by_user`
    /// and `list` a stable order (seq) and keyset cursors that survive concurrent changes.
    pub by_member: BTreeMap<String, BTreeMap<u64, String>>,
    pub next_relation_seq: u64,
    pub tag_groups: Vec<CorpTagGroup>,
    pub welcome_codes: BTreeMap<String, WelcomeCodeInfo>,
    pub welcome_messages: Vec<WelcomeMessage>,
    pub app_messages: Vec<AppMessage>,
    pub inbound_app_messages: Vec<InboundAppMessage>,
    pub deliveries: Vec<DeliveryRecord>,
    pub next_delivery_id: u64,
    pub next_msg_id: u64,
    pub faults: VecDeque<FaultRule>,
    pub calls: CallCounts,
    /// 「联系我」 contact ways by config_id (deleted ones are removed).
    pub contact_ways: BTreeMap<String, ContactWayRec>,
    pub next_way_seq: u64,
    /// Open temporary sessions (userid, external_userid) made through a temp contact way.
    pub temp_chats: BTreeSet<(String, String)>,
    /// 群发 tasks in creation order (never removed: the index is the list cursor's key).
    pub group_msgs: Vec<GroupMsgRecord>,
    /// The per-customer 群发 quota rule.
    pub groupmsg_quota: QuotaRule,
    /// When each customer received a 群发 (unix ms, simulated clock), for the quota.
    pub groupmsg_received: BTreeMap<String, Vec<i64>>,
    /// Temporary media by media_id.
    pub media: BTreeMap<String, MediaRecord>,
    /// Permanent images (`media/uploadimg`).
    pub uploaded_images: Vec<UploadedImage>,
    /// Customer handover (继承): departed members and transfers.
    pub transfer: crate::transfer::TransferState,
    /// 联系客户统计 seeded per member and day (`get_user_behavior_data`).
    pub behavior: crate::behavior::BehaviorState,
}

/// Where a tag id points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TagRef {
    Group(usize),
    Tag(usize, usize),
}

impl State {
    pub fn new(demo_data: bool, callback_url: Option<String>, now_secs: i64) -> Self {
        let mut st = State {
            callback_url: callback_url.filter(|u| !u.trim().is_empty()),
            next_delivery_id: 1,
            // WeCom MsgIds are large 64-bit numbers.
            next_msg_id: 7_300_000_000_000_000_000 + crate::ids::random_u64(1_000_000_000_000),
            ..State::default()
        };
        if demo_data {
            st.seed_demo(now_secs);
        }
        st
    }

    fn seed_demo(&mut self, now_secs: i64) {
        for (userid, name) in demo::STAFF {
            self.staff.insert(
                userid.to_owned(),
                Staff {
                    userid: userid.to_owned(),
                    name: name.to_owned(),
                    customer_contact: true,
                },
            );
        }
        let created = now_secs - 30 * 86_400;
        let tag = |id: &str, name: &str, order: u32| CorpTag {
            id: id.to_owned(),
            name: name.to_owned(),
            create_time: created,
            order,
            deleted: false,
            origin: TagOrigin::Console,
        };
        self.tag_groups.push(CorpTagGroup {
            group_id: demo::GROUP_TIER.to_owned(),
            group_name: "客户等级".to_owned(),
            create_time: created,
            order: 100,
            deleted: false,
            origin: TagOrigin::Console,
            tags: vec![
                tag(demo::TAG_TIER_A, "A类客户", 3),
                tag(demo::TAG_TIER_B, "B类客户", 2),
                tag(demo::TAG_TIER_C, "C类客户", 1),
            ],
        });
        self.tag_groups.push(CorpTagGroup {
            group_id: demo::GROUP_PROJECT.to_owned(),
            group_name: "意向项目".to_owned(),
            create_time: created,
            order: 50,
            deleted: false,
            origin: TagOrigin::Console,
            tags: vec![
                tag(demo::TAG_PROJECT_PHOTO, "光子嫩肤", 3),
                tag(demo::TAG_PROJECT_FILLER, "玻尿酸", 2),
                tag(demo::TAG_PROJECT_THERMAGE, "热玛吉", 1),
            ],
        });
    }

    /// Relations of one customer, in the order they were made.
    pub fn relations_of(&self, external_userid: &str) -> Vec<&Relation> {
        let mut v: Vec<&Relation> = self
            .relations
            .range((external_userid.to_owned(), String::new())..)
            .take_while(|((e, _), _)| e == external_userid)
            .map(|(_, r)| r)
            .collect();
        v.sort_by_key(|r| (r.createtime, r.seq));
        v
    }

    pub fn relation(&self, userid: &str, external_userid: &str) -> Option<&Relation> {
        self.relations
            .get(&(external_userid.to_owned(), userid.to_owned()))
    }

    pub fn relation_mut(&mut self, userid: &str, external_userid: &str) -> Option<&mut Relation> {
        self.relations
            .get_mut(&(external_userid.to_owned(), userid.to_owned()))
    }

    /// Inserts (or replaces) a relationship and keeps the member index in step.
    pub fn insert_relation(&mut self, r: Relation) {
        let key = (r.external_userid.clone(), r.userid.clone());
        if let Some(old) = self.relations.get(&key)
            && let Some(m) = self.by_member.get_mut(&old.userid)
        {
            m.remove(&old.seq);
        }
        self.by_member
            .entry(r.userid.clone())
            .or_default()
            .insert(r.seq, r.external_userid.clone());
        self.relations.insert(key, r);
    }

    /// Removes a relationship entirely (and from the member index).
    pub fn remove_relation(&mut self, userid: &str, external_userid: &str) -> Option<Relation> {
        let r = self
            .relations
            .remove(&(external_userid.to_owned(), userid.to_owned()))?;
        if let Some(m) = self.by_member.get_mut(userid) {
            m.remove(&r.seq);
            if m.is_empty() {
                self.by_member.remove(userid);
            }
        }
        Some(r)
    }

    /// The relationships of one member in seq order, starting after `after_seq`.
    pub fn member_relations_after(
        &self,
        userid: &str,
        after_seq: Option<u64>,
    ) -> impl Iterator<Item = &Relation> {
        use std::ops::Bound;
        let lower = after_seq.map_or(Bound::Unbounded, Bound::Excluded);
        self.by_member
            .get(userid)
            .into_iter()
            .flat_map(move |m| m.range((lower, Bound::Unbounded)))
            .filter_map(move |(_, ext)| self.relation(userid, ext))
    }

    pub fn next_seq(&mut self) -> u64 {
        self.next_relation_seq += 1;
        self.next_relation_seq
    }

    /// Finds a tag or group by id (deleted ones included).
    pub fn find_tag(&self, id: &str) -> Option<TagRef> {
        for (gi, g) in self.tag_groups.iter().enumerate() {
            if g.group_id == id {
                return Some(TagRef::Group(gi));
            }
            if let Some(ti) = g.tags.iter().position(|t| t.id == id) {
                return Some(TagRef::Tag(gi, ti));
            }
        }
        None
    }

    /// A live (not deleted) tag: (group, tag).
    pub fn live_tag(&self, id: &str) -> Option<(&CorpTagGroup, &CorpTag)> {
        match self.find_tag(id)? {
            TagRef::Tag(gi, ti) => {
                let g = self.tag_groups.get(gi)?;
                let t = g.tags.get(ti)?;
                (!t.deleted && !g.deleted).then_some((g, t))
            }
            TagRef::Group(_) => None,
        }
    }

    pub fn live_tag_count(&self) -> usize {
        self.tag_groups
            .iter()
            .filter(|g| !g.deleted)
            .map(|g| g.tags.iter().filter(|t| !t.deleted).count())
            .sum()
    }

    /// Marks tag `(gi, ti)` deleted and removes it from every relationship.
    pub fn delete_tag_at(&mut self, gi: usize, ti: usize) {
        let Some(g) = self.tag_groups.get_mut(gi) else {
            return;
        };
        let Some(t) = g.tags.get_mut(ti) else {
            return;
        };
        t.deleted = true;
        let id = t.id.clone();
        if g.tags.iter().all(|t| t.deleted) {
            g.deleted = true;
        }
        self.strip_tag(&id);
    }

    /// Marks group `gi` and its tags deleted and removes the tags from every relationship.
    pub fn delete_group_at(&mut self, gi: usize) {
        let Some(g) = self.tag_groups.get_mut(gi) else {
            return;
        };
        g.deleted = true;
        let mut ids = Vec::new();
        for t in &mut g.tags {
            if !t.deleted {
                t.deleted = true;
                ids.push(t.id.clone());
            }
        }
        for id in ids {
            self.strip_tag(&id);
        }
    }

    fn strip_tag(&mut self, id: &str) {
        for r in self.relations.values_mut() {
            r.tag_ids.retain(|t| t != id);
        }
    }

    /// The `tags` of a follow_user entry.
    pub fn follow_tags(&self, r: &Relation) -> Vec<FollowTag> {
        r.tag_ids
            .iter()
            .filter_map(|id| {
                self.live_tag(id).map(|(g, t)| FollowTag {
                    group_name: g.group_name.clone(),
                    tag_name: t.name.clone(),
                    tag_id: t.id.clone(),
                    tag_type: 1,
                })
            })
            .collect()
    }

    pub fn relationship_view(&self, r: &Relation) -> Relationship {
        Relationship {
            userid: r.userid.clone(),
            external_userid: r.external_userid.clone(),
            remark: r.remark.clone(),
            description: r.description.clone(),
            createtime: r.createtime,
            tag_ids: r.tag_ids.clone(),
            tags: self.follow_tags(r),
            remark_corp_name: r.remark_corp_name.clone(),
            remark_mobiles: r.remark_mobiles.clone(),
            add_way: r.add_way,
            oper_userid: r.oper_userid.clone(),
            state: r.state.clone(),
            status: r.status,
        }
    }

    pub fn count_call(&mut self, path: &str) {
        self.calls.total += 1;
        *self.calls.by_path.entry(path.to_owned()).or_insert(0) += 1;
    }

    /// Takes one use of the first fault rule matching `path`.
    pub fn take_fault(&mut self, path: &str) -> Option<FaultRule> {
        let idx = self.faults.iter().position(|r| {
            let p = normalize_path(&r.path);
            p == "*" || p == path
        })?;
        let rule = self.faults.get_mut(idx)?;
        let taken = rule.clone();
        rule.times = rule.times.saturating_sub(1);
        if rule.times == 0 {
            self.faults.remove(idx);
        }
        Some(taken)
    }

    pub fn expire_tokens(&mut self, now_ms: i64) {
        for t in self.tokens.values_mut() {
            t.expires_at_ms = t.expires_at_ms.min(now_ms);
        }
    }

    pub fn invalidate_tokens(&mut self) {
        for t in self.tokens.values_mut() {
            t.invalidated = true;
        }
    }
}

/// `"/cgi-bin/externalcontact/get/"` → `"externalcontact/get"`.
pub(crate) fn normalize_path(path: &str) -> String {
    let p = path.trim().trim_matches('/');
    let p = p.strip_prefix("cgi-bin/").unwrap_or(p);
    p.trim_matches('/').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_paths_are_normalized() {
        assert_eq!(
            normalize_path("/cgi-bin/externalcontact/get"),
            "externalcontact/get"
        );
        assert_eq!(normalize_path("gettoken/"), "gettoken");
        assert_eq!(normalize_path("*"), "*");
    }

    #[test]
    fn fault_rules_are_consumed_in_order() {
        let mut st = State::new(false, None, 0);
        st.faults
            .push_back(FaultRule::errcode("externalcontact/get", -1).times(2));
        st.faults.push_back(FaultRule::errcode("*", 45009));
        assert_eq!(
            st.take_fault("gettoken").and_then(|f| f.errcode),
            Some(45009)
        );
        assert_eq!(
            st.take_fault("externalcontact/get").and_then(|f| f.errcode),
            Some(-1)
        );
        assert_eq!(
            st.take_fault("externalcontact/get").and_then(|f| f.errcode),
            Some(-1)
        );
        assert!(st.take_fault("externalcontact/get").is_none());
    }
}
