//! [`StateSnapshot`]: everything the simulator holds (`GET /sim/control/state`).

use serde::{Deserialize, Serialize};

use super::{
    AppMessage, CallCounts, CorpTagGroup, DeliveryRecord, ExternalContact, FaultRule,
    GroupMsgRecord, InboundAppMessage, MediaRecord, QuotaRule, Relationship, Staff, UploadedImage,
    WelcomeCodeInfo, WelcomeMessage,
};

/// Everything the simulator holds (`GET /sim/control/state`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    pub corp_id: String,
    pub agent_id: String,
    pub callback_url: Option<String>,
    /// Simulated unix milliseconds.
    pub now_ms: i64,
    pub staff: Vec<Staff>,
    pub contacts: Vec<ExternalContact>,
    pub relationships: Vec<Relationship>,
    pub tag_groups: Vec<CorpTagGroup>,
    pub welcome_codes: Vec<WelcomeCodeInfo>,
    pub welcome_messages: Vec<WelcomeMessage>,
    pub app_messages: Vec<AppMessage>,
    pub inbound_app_messages: Vec<InboundAppMessage>,
    pub deliveries: Vec<DeliveryRecord>,
    pub faults: Vec<FaultRule>,
    pub calls: CallCounts,
    /// 群发 tasks created through `add_msg_template`, oldest first.
    #[serde(default)]
    pub group_msgs: Vec<GroupMsgRecord>,
    /// The per-customer 群发 quota rule in force.
    #[serde(default)]
    pub groupmsg_quota: QuotaRule,
    /// Temporary media (`media/upload`), by media_id.
    #[serde(default)]
    pub media: Vec<MediaRecord>,
    /// Permanent images (`media/uploadimg`).
    #[serde(default)]
    pub uploaded_images: Vec<UploadedImage>,
}

impl StateSnapshot {
    /// The relationship of `userid` with `external_userid`, if any.
    pub fn relationship(&self, userid: &str, external_userid: &str) -> Option<&Relationship> {
        self.relationships
            .iter()
            .find(|r| r.userid == userid && r.external_userid == external_userid)
    }

    /// The 群发 task `msgid`, if any.
    pub fn group_msg(&self, msgid: &str) -> Option<&GroupMsgRecord> {
        self.group_msgs.iter().find(|m| m.msgid == msgid)
    }

    /// The contact `external_userid`, if any.
    pub fn contact(&self, external_userid: &str) -> Option<&ExternalContact> {
        self.contacts
            .iter()
            .find(|c| c.external_userid == external_userid)
    }
}
