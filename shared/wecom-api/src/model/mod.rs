//! Request and response shapes, named as in WeCom's documentation.
//!
//! Every shape is named `wecom_api::model::X`; the files below only sort them by WeCom API family:
//!
//! | module | what it holds |
//! |---|---|
//! | `customers` | `externalcontact/get`, `externalcontact/remark`, `batch/get_by_user` |
//! | `tags` | `get_corp_tag_list`, `add_corp_tag`, `mark_tag` |
//! | `attachments` | `Text` and `Attachment`: welcome messages, 群发, 「联系我」 conclusions |
//! | `contact_ways` | 「联系我」: `add/get/update/list_contact_way` and their rules |
//! | `messages` | `send_welcome_msg`, `message/send` |
//! | `groupmsg` | 企业群发: `add_msg_template`, `get_groupmsg_list_v2`, `get_groupmsg_task`, |
//! | | `get_groupmsg_send_result` |
//! | `media` | `media/upload`, `media/uploadimg` |

mod attachments;
mod behavior;
mod contact_ways;
mod customers;
mod groupmsg;
mod handover;
mod media;
mod messages;
mod rules;
mod tags;

pub use attachments::{
    Attachment, AttachmentBody, ImageAttachment, LinkAttachment, MAX_ATTACHMENTS,
    MAX_IMAGE_PIC_URL_BYTES, MAX_LINK_DESC_BYTES, MAX_LINK_PICURL_BYTES, MAX_LINK_TITLE_BYTES,
    MAX_LINK_URL_BYTES, MAX_MINIPROGRAM_TITLE_BYTES, MAX_TEXT_BYTES, MediaAttachment,
    MiniprogramAttachment, Text,
};
pub use behavior::{
    BehaviorData, MAX_BEHAVIOR_AGE_DAYS, MAX_BEHAVIOR_RANGE_DAYS, UserBehaviorQuery,
};
pub use contact_ways::{
    AddContactWayResponse, Conclusions, ContactWay, ContactWayDetail, ContactWayPage,
    MAX_CONCLUSION_LINK_DESC_BYTES, MAX_CONCLUSION_LINK_TITLE_BYTES,
    MAX_CONCLUSION_MINIPROGRAM_TITLE_BYTES, MAX_CONCLUSION_TEXT_BYTES,
    MAX_CONTACT_WAY_EXPIRES_SECS, MAX_CONTACT_WAY_LIST_LIMIT, MAX_CONTACT_WAY_MEMBERS,
    MAX_CONTACT_WAY_REMARK_CHARS, MAX_CONTACT_WAY_STATE_CHARS, UpdateContactWay,
};
pub use customers::{
    BatchContact, BatchPage, ExternalContact, ExternalContactDetail, FollowInfo, FollowUser,
    FollowUserTag, MAX_BATCH_LIMIT, MAX_BATCH_USERIDS, MAX_DESCRIPTION_CHARS, MAX_REMARK_CHARS,
    MAX_REMARK_COMPANY_CHARS, Remark,
};
pub use groupmsg::{
    GroupMsgListPage, GroupMsgSendResult, GroupMsgSendResultPage, GroupMsgSummary, GroupMsgTask,
    GroupMsgTaskPage, MAX_GROUPMSG_LIST_LIMIT, MAX_GROUPMSG_LIST_SPAN_SECS,
    MAX_GROUPMSG_RECIPIENTS, MAX_GROUPMSG_TASK_LIMIT, MsgTemplate, MsgTemplateCreated,
};
pub use handover::{
    ERR_TRANSFER_IN_PROGRESS, ERR_TRANSFER_NOT_FOLLOWER, ERR_TRANSFER_SAME_MEMBER,
    ERR_TRANSFER_TOO_FREQUENT, MAX_TRANSFER_CUSTOMERS, MAX_TRANSFER_MSG_CHARS,
    MAX_UNASSIGNED_PAGE_SIZE, TRANSFER_DONE, TRANSFER_NO_RECORD, TRANSFER_OVER_LIMIT,
    TRANSFER_REFUSED, TRANSFER_WAITING, TransferCustomers, TransferCustomersResult,
    TransferResultPage, TransferStarted, TransferStatus, UnassignedCustomer, UnassignedPage,
};
pub use media::{MAX_UPLOADIMG_BYTES, MIN_MEDIA_BYTES, MediaKind, UploadedMedia};
pub use messages::{MAX_APP_MESSAGE_USERS, MAX_APP_TEXT_BYTES, WelcomeMessage};
pub use rules::{RuleError, rule};
pub use tags::{AddCorpTag, CorpTag, CorpTagGroup, MarkTag, NewTag};
