//! The messaging functions' handlers. Each binary in `src/bin/` is one Lambda and only wires
//! its ports to one of these; local mode runs the same handlers in one process.
//!
//! - [`campaign`]: a campaign's one-time schedule and its continuation queue → resolve the
//!   audience, fan the chunks out to the send queue.
//! - [`sender`]: the send queue → one WeCom group-send task per chunk, created once.
//! - [`tracking`]: every 15 minutes → send results, reminders, closing campaigns.
//! - [`automation`]: 01:00 Asia/Shanghai → birthday, after-visit and re-engagement rules.
//! - [`digest`]: 08:00 Asia/Shanghai → each consultant's pending tasks and tomorrow's visits.
//! - [`redirect`]: the public tracked-link redirect `GET /t/{token}`.

pub mod automation;
pub mod campaign;
pub mod digest;
pub mod queue;
pub mod redirect;
pub mod sender;
pub mod tracking;
