//! # wecom-sim — a WeCom (企业微信) server simulator
//!
//! An HTTP server that speaks the WeCom server API for the endpoints the CRM uses, faithfully to
//! `shared/wecom-api.md` (HTTP 200 + `{"errcode","errmsg"}`, token lifecycle, 40014/42001,
//! 84061, cursors, …), emits encrypted and signed callbacks to a configured URL, and offers a
//! control API to drive it: a customer scans a QR code, edits, deletions, tag changes, fault
//! injection, call counts.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use wecom_sim::{spawn, ScanRequest, SimConfig};
//! let running = spawn(SimConfig::demo()).await?;
//! running.sim.set_callback_url("http://127.0.0.1:3000/wecom/callback");
//! // Point the WeCom client at running.api_base() ("http://127.0.0.1:PORT/cgi-bin/").
//! let scanned = running.sim.scan(ScanRequest::new("zhangsan").state("xhs_post_1")).await;
//! # let _ = scanned;
//! # Ok(()) }
//! ```
//!
//! ## WeCom API (`/cgi-bin/…`)
//!
//! | API | notes |
//! |---|---|
//! | `GET gettoken?corpid=&corpsecret=` | 41002/41004 missing, 40013 bad corpid, 40001 bad secret. The same token (with its remaining `expires_in`) until it expires or is invalidated. |
//! | every other API | `?access_token=` in the URL: 41001 missing, 40014 unknown or invalidated, 42001 expired |
//! | `GET externalcontact/get?external_userid=&cursor=` | `follow_user` paged at 500 with `next_cursor`; 40096 unknown id; 84061 when no member holds a visible relationship (only half adds or member-deleted) |
//! | `GET externalcontact/get_follow_user_list` | members with customer contact |
//! | `GET user/get?userid=` | `{userid, name}` only (an app created since 2022-06-20); 41009 missing userid, 60111 unknown member |
//! | `GET externalcontact/list?userid=` | 41009 missing userid, 60111 unknown member (UNCONFIRMED), 84074 member without customer contact (UNCONFIRMED) |
//! | `POST externalcontact/batch/get_by_user` | `userid_list` 1–100 (else 40058), `limit` ≤ 100 (default 50; > 100 → 40058); member by member in list order; `follow_info{userid, remark, description, createtime, tag_id[], remark_corp_name, remark_mobiles, oper_userid, add_way, state}`; keyset `next_cursor` (member + last relationship) that stays valid while data changes, `""` at the end; a foreign cursor → 40058; unknown userids contribute nothing (UNCONFIRMED) |
//! | `POST externalcontact/remark` | remark ≤ 20, description ≤ 150 chars (40058); 84061 without relationship; no callback |
//! | `POST externalcontact/get_corp_tag_list` | both filters empty → all live; `group_id` wins over `tag_id`; deleted items only when asked for by id (`deleted: true`) |
//! | `POST externalcontact/add_corp_tag` | 40058 empty `tag`; names 1–30 chars (40072, UNCONFIRMED); existing `group_name` → added to it; `group_id` → name/order ignored (40068 unknown); duplicate names collapse (also onto an existing tag of the group — UNCONFIRMED); 40126 over 3000 tags |
//! | `POST externalcontact/edit_corp_tag` | 40068 unknown id; **81011** for console-created tags/groups (UNCONFIRMED code); 40071 duplicate name |
//! | `POST externalcontact/del_corp_tag` | all-or-nothing; 40068 unknown/both empty; 81011 console items (UNCONFIRMED); a group losing its last tag is deleted |
//! | `POST externalcontact/mark_tag` | 40058 both lists empty; 84061 no relationship; 40068 unknown tag; **no callback** |
//! | `POST externalcontact/send_welcome_msg` | 41050 unknown/expired code, 41051 used; text > 4000 bytes → 40058 (UNCONFIRMED); > 9 attachments → 41064; bad attachment → 41065; neither text nor attachments → 40058 (UNCONFIRMED) |
//! | `POST message/send` | 41011/40056 agentid; 40008 msgtype; text/markdown: 44004 empty, 45002 > 2048 bytes; `invaliduser`; all invalid → 81013; departments/member tags are not modelled (always `invalidparty`/`invalidtag`) |
//! | `POST externalcontact/add_contact_way` | 「联系我」 (§2) → `{config_id, qr_code}` (`qr_code` only for scene 2: `{public_base_url}/sim/qr/{config_id}.png`). 40058: type/scene not 1/2, style not allowed for the type (type 1: 1–3, type 2: 1–2), remark/state > 30 chars, type 1 without exactly one `user` or with `party` (UNCONFIRMED codes), type 2 without user and party, `is_temp` on type 2, `expires_in`/`chat_expires_in` outside 0–14 d, `conclusions` without `is_temp`, conclusion text > 4000 B, link title missing/> 128 B, link url missing, desc > 512 B, miniprogram title missing/> 64 B or pic_media_id/appid/page missing, image without media_id/pic_url. 41041 > 100 members; 60111 unknown member (UNCONFIRMED); **41054** member without customer contact (UNCONFIRMED mapping); 41045 past 500 000 non-temp ways. `skip_verify` defaults to true. Departments are not modelled: `party` ids are stored but expand to no member. |
//! | `POST externalcontact/get_contact_way` | `{config_id}` → `contact_way{config_id, type, scene, style, remark, skip_verify, state, qr_code, user, party, is_temp, is_exclusive}` plus `expires_in, chat_expires_in, unionid, conclusions` for temp ways (image comes back as `pic_url`); unknown/deleted id → **40058** (UNCONFIRMED) |
//! | `POST externalcontact/update_contact_way` | same checks as add for the given fields; `user`/`party` overwrite; an expired or used temp way → 40058 (UNCONFIRMED); a new `expires_in` counts from the update (UNCONFIRMED) |
//! | `POST externalcontact/del_contact_way` | 40058 unknown id (UNCONFIRMED) |
//! | `POST externalcontact/list_contact_way` | `{start_time (default end − 90 d), end_time (default now), cursor, limit (default 100, > 1000 → 40058)}` → `contact_way[{config_id}]`, `next_cursor` (`""` at the end); temp ways never listed |
//! | `POST externalcontact/close_temp_chat` | `{userid, external_userid}`: 41009/60111 member, 40096 unknown customer, 40058 no open temp session (UNCONFIRMED) |
//! | `POST externalcontact/add_msg_template` | 企业群发, `chat_type` single only (group → 40058). `sender` required: 41009 / 60111 / 84074 (UNCONFIRMED) as `list`. `external_userid` ≤ 10 000 (else 40058; empty → every customer of the sender); `tag_filter` OR within a group, AND across groups. text > 4000 B, no text and no attachment, link/miniprogram/image/video/file field rules → 40058 (UNCONFIRMED codes); > 9 attachments 41064; bad msgtype 41065; `media_id` / `pic_media_id` unknown, expired or of another type → 40007. Not-active customers of the sender → `fail_list`; none sendable → 41048. → `{msgid, fail_list}` |
//! | `POST externalcontact/get_groupmsg_list_v2` | `start_time`/`end_time` required, span ≤ 31 days, `limit` ≤ 100 (50), `filter_type` 0/1/2 (1 is always empty) — else 40058; keyset `next_cursor` |
//! | `POST externalcontact/get_groupmsg_task` | `{msgid, limit ≤ 1000 (500), cursor}` → `task_list[{userid, status 0/2, send_time}]`; 41063 for [`SimConfig::groupmsg_dispatch_delay`] after creation |
//! | `POST externalcontact/get_groupmsg_send_result` | `{msgid, userid, limit ≤ 1000, cursor}` → `send_list[{external_userid, userid, status 0–3, send_time}]`, opaque cursor bound to the msgid; 41063 while dispatching |
//! | `POST externalcontact/remind_groupmsg_send` | ≤ 3 per msgid within 24 h; the 4th → 45009 (UNCONFIRMED) |
//! | `POST externalcontact/cancel_groupmsg_send` | unsent members can no longer send; idempotent |
//! | msgid-addressed APIs | missing msgid → 41046, unknown → 41047 (global list; mapping UNCONFIRMED) |
//! | `POST media/upload?type=` | multipart part `media` → `{type, media_id, created_at (string)}`, valid 3 days; 40005 bad type, 44001 no part, 40006 ≤ 5 B, over the limit (image/video 10 MB, voice 2 MB, file 20 MB) → 40009 / 40011 / 45001 (UNCONFIRMED mapping) |
//! | `POST media/uploadimg` | multipart part `media`, 5 B–2 MB → `{url}` (permanent) |
//! | any other path | HTTP 404 with an empty body (what WeCom answers for a non-existent cgi path) |
//!
//! Bad JSON, a missing required field or a GET on a POST-only API → 40058. A call goes through:
//! count → fault → token → method → body → API. Once received, a call runs to completion even if
//! the caller hangs up.
//!
//! ## Control API (`/sim/control/…`, JSON)
//!
//! Errors: HTTP 400/404/409/500 with `{"error":{"code","message"}}`. Every route that emits an
//! event answers after the **first attempt** of each delivery with
//! `deliveries: [{id, status, attempts, ok, error}]` (`status` = HTTP status or `null` when no
//! answer came within `callback_timeout`); WeCom-style retries (up to 3 more, after
//! `callback_retry_delay`) go on in the background and show in `GET /sim/control/deliveries`.
//! Without a callback URL, events are applied and `deliveries` is `[]`. `deliveries: N` (1–50)
//! delivers the same event N times concurrently.
//!
//! | route | request → answer |
//! |---|---|
//! | `POST /sim/control/scan` | `{userid, config_id?, state?, name?, gender?, unionid?, external_userid?, half?, welcome_code?=true, deliveries?=1, add_way?=1}` → `{external_userid, userid, welcome_code, change_type, create_time, state, config_id?, deliveries}`; 404 unknown member, 409 already a contact. With `config_id` the contact way picks the member (type 1: its user, type 2: round-robin) and the `state`; `skip_verify: false` makes it a half add; a temp way dies after its first add (then 409 "qr expired"); 404 unknown way |
//! | `POST /sim/control/edit` | `{userid, external_userid, remark?, description?, remark_mobiles?, add_tags?[], remove_tags?[], deliveries?}` → `{fired, deliveries}` (`edit_external_contact`; a mobiles-only edit fires nothing) |
//! | `POST /sim/control/delete` | `{userid, external_userid, by: "staff"\|"customer", source?, deliveries?}` → `{fired, deliveries}` (`del_external_contact` + `Source` / `del_follow_user`) |
//! | `POST /sim/control/transfer-fail` | `{userid, external_userid, fail_reason?="customer_refused", deliveries?}` → `{fired, deliveries}` |
//! | `POST /sim/control/staff/resign` | `{userid, dimission_time?}` → `{userid, dimission_time}`: the member leaves (loses customer contact; their customers show in `get_unassigned_list`) |
//! | `POST /sim/control/transfer/refuse` | `{external_userid, deliveries?}` → `{fired, deliveries}`: the customer refuses their waiting transfer (status 3, `transfer_fail` `customer_refused`); 404 with none waiting |
//! | `POST /sim/control/transfer/limit` | `{userid, over_limit?=true}`: the takeover member is at their customer limit (their transfers end with status 4, `transfer_fail` `customer_limit_exceed`) |
//! | `GET /sim/control/transfers` | [`TransferView`]s, settled at the simulated time. Handover rules and the choices made where WeCom's docs are silent: `transfer.rs` |
//! | `POST /sim/control/tag-event` | `{change_type: create\|update\|delete\|shuffle, id?, tag_type?: tag\|tag_group, name?, group_id?, order?, tags?[], strategy_id?, deliveries?}` → `{fired, id, deliveries}`; applied to the catalogue as a console change |
//! | `POST /sim/control/app-message` | `{from_userid, content, deliveries?}` → `{fired, id: MsgId, deliveries}` |
//! | `POST /sim/control/raw-callback` | `{xml, deliveries?}` → `{fired, deliveries}` |
//! | `POST /sim/control/verify-url` | → `{url, ok, status, expected, body, elapsed_ms, within_1s, error}`; 409 without callback URL |
//! | `GET /sim/control/state` | [`StateSnapshot`] |
//! | `GET /sim/control/welcome-messages` | `[WelcomeMessage]` |
//! | `GET /sim/control/app-messages` | `[AppMessage]` (sent through `message/send`) |
//! | `GET /sim/control/deliveries` | `[DeliveryRecord]` with every attempt |
//! | `GET /sim/control/calls` | `{total, by_path: {"gettoken": 1, …}}` |
//! | `POST /sim/control/calls/reset` | → zeroed counts |
//! | `GET /sim/control/faults` | pending rules |
//! | `POST /sim/control/faults` | a rule, a list, or `{rules: [...]}`; rule = `{path, errcode?, errmsg?, http_status?, delay_ms?, times?=1}` → pending rules |
//! | `DELETE /sim/control/faults` | clears → `[]` |
//! | `POST /sim/control/tokens/expire` | every issued token expires now (next call: 42001) |
//! | `POST /sim/control/tokens/invalidate` | every issued token is invalid now (next call: 40014) |
//! | `GET /sim/control/callback-url`, `PUT /sim/control/callback-url` | `{url}` (`null`/`""` disables delivery) |
//! | `POST /sim/control/staff` | `{userid, name, customer_contact?=true}` adds or replaces a member |
//! | `GET /sim/qr/{config_id}.png` | the way's QR picture (`image/png`; a grid derived from the id, not a scannable code); 404 unknown way |
//! | `POST /sim/control/clock/advance` | `{seconds?, millis?}` moves the simulated clock (tokens, welcome codes, CreateTime) → `{now_ms}` |
//! | `POST /sim/control/seed` | `{staff, customers, relationships_per_customer?=1.2, tags_per_relationship?=2, with_unionid?=0.7, state_mix?=["xiaohongshu","douyin","pengyouquan"], seed?}` → `{staff, customers, relationships}`; members `seed0001`…; **no callbacks** ([`SeedRequest`]) |
//! | `POST /sim/control/groupmsg/confirm` | `{userid, msgid?}`: the member sends their pending, non-cancelled 群发 tasks (per recipient: 1 sent, 2 relationship no longer active, 3 over the quota) → [`GroupMsgConfirmOutcome`] `{msgids, sent, not_friend, over_quota}`; 404 unknown member/msgid, 400 another member's msgid |
//! | `GET /sim/control/groupmsgs` | `[GroupMsgRecord]` (recipients, fail_list, reminders, cancelled) |
//! | `GET\|POST /sim/control/groupmsg/quota` | `{rule: month\|week\|day}` (Asia/Shanghai natural periods; month = days in the month, week 7, day 1) |
//! | `POST /sim/control/groupmsg/received` | `{external_userid, count}`: 群发 already received this period from elsewhere → [`GroupMsgQuotaStatus`] |
//! | `GET /sim/control/media` | [`MediaSnapshot`] |
//! | `POST /sim/control/media/expire` | every media_id invalid now → `{expired}` |
//! | `POST /sim/control/silent` | `{op: remove_relationship\|add_relationship\|set_tags\|set_remark\|remove_staff\|delete_tag, …}` → `{op, external_userid?, affected}`; changes behind the product's back, **no callbacks** ([`SilentChange`] documents each shape) |
//!
//! ### Faults
//! Rules form a FIFO; each call takes one use of the **first** rule whose `path` (below
//! `/cgi-bin/`, or `*`) matches. `delay_ms` sleeps first; then `errcode` answers
//! `{"errcode": N, …}` (HTTP `http_status` or 200), `http_status` alone answers that status with a
//! short HTML page, and a delay-only rule lets the real answer through. An `errcode` 40014 /
//! 42001 rule also invalidates / expires every issued token, so the client must really refresh.
//!
//! ### Callbacks
//! Inner XML from `wecom_callback::builder`, sealed with `MsgCrypt` (random 16-byte prefix, `timestamp`
//! from the clock the simulator was given (`Simulator::signing_now_ms`), random numeric `nonce`), POSTed as
//! `{callback_url}?msg_signature=…&timestamp=…&nonce=…` with body
//! `<xml><ToUserName/><AgentID/><Encrypt/></xml>`. A 200 answer is success; any other status or no
//! complete answer within `callback_timeout` fails the attempt.

// Source layout, in layers: a module imports only from the layers below it.
//
// 1. Leaves: `config` (SimConfig), `ids` (WeCom-shaped random ids), `png` (the QR picture),
//    `clock` (wall clock), `wx` (WeCom's errcode answers: WxError), `control_error`
//    (ControlError), `cursor` (offset cursors), `model/` (the public data types, by domain).
// 2. `state`: the in-memory State and the operations on it.
// 3. `sim`: the simulator core (the Simulator handle, its lock and clock, plain accessors).
// 4. Services on the core: `callbacks` (sealing and delivering callbacks, URL verification),
//    `faults` (the fault FIFO and the answer a fault gives).
// 5. API families: `api/` (`/cgi-bin/`, one module per family, `api/common` for shared checks,
//    `api/pipeline` as the entry point that dispatches to them) and `control/` (`/sim/control/`,
//    one module per thing controlled, `control/common` for shared plumbing).
// 6. `router` (every route and its handler) and `server` (spawn, RunningSim).

mod api;
mod behavior;
mod callbacks;
mod clock;
mod config;
mod control;
mod control_error;
mod cursor;
mod faults;
mod ids;
mod model;
mod png;
mod router;
mod server;
mod sim;
mod state;
mod transfer;
mod wx;

pub use behavior::{BehaviorDay, SeedBehavior, SeedBehaviorRequest};
pub use config::SimConfig;
pub use control_error::ControlError;
pub use model::*;
pub use server::{RunningSim, spawn, spawn_at};
pub use sim::{SimClock, Simulator};
pub use state::demo;
