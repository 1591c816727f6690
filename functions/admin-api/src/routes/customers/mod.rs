//! Customers: the filtered list, one customer's whole record, the clinic's own fields, a sync
//! from WeCom on demand, and corp tags on a relationship.
//!
//! Phone numbers and birthdays are personal information: they are returned to the console but
//! never written to logs or to the audit log (which names changed fields only).
//!
//! The parts: `views` holds the answers the endpoints share (a customer, their relationships,
//! their whole record); then one file an endpoint: `list` (`GET /api/customers`), `detail`
//! (`GET /api/customers/{external_userid}`), `fields` (`PATCH` of the clinic's own fields),
//! `sync` (`POST …/sync`) and `tags` (`POST …/tags`). Everything is named from here, as
//! `routes::customers::<name>`; a handler's `__path_<name>` is the path item `utoipa::path`
//! generates beside it, which the OpenAPI document's `paths(...)` names.

mod consent;
mod detail;
mod export_list;
mod fields;
mod import;
mod list;
mod privacy;
mod remark;
mod sync;
mod tags;
mod views;

pub use consent::{
    __path_consents, __path_record_consent, ConsentsView, NewConsent, consents, record_consent,
};
pub use detail::{__path_get_one, get_one};
pub use export_list::{
    __path_export_list, ExportFormatQuery, beijing, download, export_list, sheet_format,
};
pub use fields::{__path_patch, CustomerPatch, patch};
pub use import::{
    __path_import, __path_import_progress, ImportQuery, ImportUpload, import, import_progress,
};
pub use list::{__path_list, CustomerListQuery, CustomerSort, list, parse_filters};
pub use privacy::{__path_erase, __path_export, EraseRequest, erase, export};
pub use remark::{__path_edit_remark, RemarkPatch, edit_remark};
pub use sync::{__path_sync, sync};
pub use tags::{__path_mark_tags, MarkTagsRequest, mark_tags};
pub use views::{
    CrmFields, CustomerDetail, CustomerEventView, CustomerPage, CustomerSummary,
    RelationshipTagView, RelationshipView, Tier, TimelineView,
};
