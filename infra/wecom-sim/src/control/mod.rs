//! The control API under `/sim/control` (see the crate docs for every route) and the matching
//! typed helpers on `Simulator`, one module per thing it controls. Errors are `ControlError`s
//! (`control_error.rs`).
//!
//! | module | routes (below `/sim/control`) |
//! |---|---|
//! | `index` | `GET /sim/control` |
//! | `scan` | `POST scan` |
//! | `edit` | `POST edit` |
//! | `delete` | `POST delete` |
//! | `transfer_fail` | `POST transfer-fail` |
//! | `tag_event` | `POST tag-event` |
//! | `app_message` | `POST app-message` |
//! | `callback` | `POST raw-callback`, `POST verify-url`, `GET\|PUT callback-url` |
//! | `inspect` | `GET state`, `welcome-messages`, `app-messages`, `deliveries`, `calls`; `POST calls/reset` |
//! | `faults` | `GET\|POST\|DELETE faults` |
//! | `tokens` | `POST tokens/expire`, `POST tokens/invalidate` |
//! | `staff` | `POST staff` |
//! | `crate::behavior` | `POST behavior` (a member's chats, messages and replies on a day) |
//! | `clock` | `POST clock/advance` |
//! | `seed` | `POST seed` |
//! | `silent` | `POST silent` |
//! | `groupmsg` | `POST groupmsg/confirm`, `GET groupmsgs`, `GET\|POST groupmsg/quota`, `POST groupmsg/received` |
//! | `media` | `GET media`, `POST media/expire` |
//! | `handover` | `POST staff/resign`, `POST transfer/refuse`, `POST transfer/limit`, `GET transfers` |

pub(crate) mod app_message;
pub(crate) mod callback;
pub(crate) mod clock;
mod common;
pub(crate) mod delete;
pub(crate) mod edit;
pub(crate) mod faults;
pub(crate) mod groupmsg;
pub(crate) mod handover;
pub(crate) mod index;
pub(crate) mod inspect;
pub(crate) mod media;
pub(crate) mod scan;
pub(crate) mod seed;
pub(crate) mod silent;
pub(crate) mod staff;
pub(crate) mod tag_event;
pub(crate) mod tokens;
pub(crate) mod transfer_fail;
