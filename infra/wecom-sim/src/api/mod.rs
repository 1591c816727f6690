//! The simulated WeCom server API under `/cgi-bin/`.
//!
//! Every answer is HTTP 200 with `{"errcode", "errmsg", …}` except an unknown path (HTTP 404,
//! empty body, as WeCom does) and injected HTTP faults. A call goes through, in order:
//! call counting → fault injection → access-token check → method check → body parsing → the API.
//!
//! | module | what it holds |
//! |---|---|
//! | `pipeline` | the `/cgi-bin/{*path}` entry point: the steps above, then dispatch to a family |
//! | `token` | `gettoken` and the access-token check |
//! | `customers` | `externalcontact/get`, `get_follow_user_list`, `user/get`, `externalcontact/list`, `batch/get_by_user`, `remark` |
//! | `tags` | `get_corp_tag_list`, `add_corp_tag`, `edit_corp_tag`, `del_corp_tag`, `mark_tag` |
//! | `messages` | `send_welcome_msg`, `message/send` |
//! | `contact_way` | `add/get/update/del/list_contact_way`, `close_temp_chat`, the QR image route |
//! | `groupmsg` | `add_msg_template`, `get_groupmsg_list_v2`, `get_groupmsg_task`, `get_groupmsg_send_result`, `remind_groupmsg_send`, `cancel_groupmsg_send` |
//! | `media` | `media/upload`, `media/uploadimg` |
//! | `transfer` | `transfer_customer`, `transfer_result`, `get_unassigned_list`, `resigned/transfer_customer`, `resigned/transfer_result` |
//! | `crate::behavior` | `get_user_behavior_data` (联系客户统计) |
//! | `common` | checks several families share (query parameters, member, relationship, attachments, media ids) |

mod common;
pub(crate) mod contact_way;
mod customers;
mod groupmsg;
mod media;
mod messages;
mod pipeline;
mod tags;
mod token;
mod transfer;

pub(crate) use pipeline::handle;
