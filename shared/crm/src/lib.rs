//! The clinic CRM's domain, written once against the ports.
//!
//! - [`ingest`]: what the callback function does after a request is verified — durably log the
//!   raw event under its idempotency key and queue a processing job.
//! - [`process`]: what the events function does with a job — fetch the customer, upsert them and
//!   their relationship, tag them by channel, send the welcome message once.
//! - [`repo`]: the repositories (customers, relationships, tags, callback log, config, token
//!   cache, welcome claims) over the [`ports::ItemStore`]; `docs/data-model.md` lists every key.

pub mod aggregates;
pub mod alerts;
pub mod appointments;
pub mod audience;
pub mod automation;
pub mod calendar;
pub mod campaign;
pub mod clinic_fields;
pub mod config;
pub mod consent;
pub mod error;
pub mod handover;
pub mod import;
pub mod ingest;
pub mod jobs;
pub mod keys;
pub mod leads;
pub mod model;
pub mod performance;
pub mod phone_index;
pub mod pipeline;
pub mod privacy;
pub mod process;
pub mod refresh;
pub mod repo;
pub mod retention;
pub mod sync;
pub mod tabular;
pub mod tags;

pub use error::{CrmError, FieldError};
