//! Behaviour tests of the WeCom simulator, through HTTP against `wecom_sim::spawn`.
//!
//! One test binary (modules below) to keep link time down.

mod behavior_data;
mod callbacks;
mod common;
mod contact_ways;
mod contacts;
mod faults;
mod groupmsg;
mod handover;
mod messages;
mod remark;
mod sync;
mod tags;
mod tokens;
