//! Every key of the single-table design, in one place (see docs/data-model.md).

/// Fixed-width decimal so that string order is numeric order.
pub fn ts(ms: i64) -> String {
    format!("{:015}", ms.max(0))
}

pub const CONFIG_PK: &str = "CONFIG";
pub const CONFIG_CORP_SK: &str = "CORP";
pub const TOKEN_SK: &str = "TOKEN";
pub const TOKEN_LEASE_SK: &str = "TOKEN_LEASE";

pub fn customer_pk(external_userid: &str) -> String {
    format!("CUST#{external_userid}")
}
pub const PROFILE_SK: &str = "PROFILE";
pub fn relationship_sk(userid: &str) -> String {
    format!("REL#{userid}")
}
pub const RELATIONSHIP_PREFIX: &str = "REL#";
pub fn timeline_sk(at_ms: i64, id: &str) -> String {
    format!("EVENT#{}#{id}", ts(at_ms))
}
pub const TIMELINE_PREFIX: &str = "EVENT#";

/// GSI1 of a customer profile: find a customer by WeChat unionid.
pub fn unionid_gsi_pk(unionid: &str) -> String {
    format!("UNIONID#{unionid}")
}
/// GSI2 of a customer profile: every customer, newest first.
pub const CUSTOMERS_GSI_PK: &str = "CUSTOMERS";
/// GSI1 of a relationship: a staff member's customers.
pub fn staff_gsi_pk(userid: &str) -> String {
    format!("STAFF#{userid}")
}
/// GSI2 of a relationship: the customers of one channel (`state`), by add time.
pub fn channel_gsi_pk(state: &str) -> String {
    format!("CHANNEL#{state}")
}

pub fn callback_log_pk(dedupe_key: &str) -> String {
    format!("CBLOG#{dedupe_key}")
}
pub const CALLBACK_LOG_SK: &str = "LOG";
/// The mark that a logged event's processing job is queued: `CBQUEUED#{sha1 of the dedupe
/// key}` (the key names the customer; its hash does not). Short-lived: only a repeat delivery
/// within seconds asks for it.
pub fn callback_queued_pk(dedupe_key_sha1_hex: &str) -> String {
    format!("CBQUEUED#{dedupe_key_sha1_hex}")
}
pub const CALLBACK_QUEUED_SK: &str = "QUEUED";
/// GSI1 of a callback log entry: every entry, newest first.
pub const CALLBACK_LOG_GSI_PK: &str = "CBLOG";
/// GSI3 of a callback log entry: the events about one customer.
pub fn callback_customer_gsi_pk(external_userid: &str) -> String {
    format!("CBLOG#CUST#{external_userid}")
}
/// GSI2 of a callback log entry: entries of one type.
pub fn callback_type_gsi_pk(event_type: &str) -> String {
    format!("CBLOG#TYPE#{event_type}")
}

pub fn welcome_claim_pk(welcome_code: &str) -> String {
    format!("WELCOME#{welcome_code}")
}
pub const CLAIM_SK: &str = "CLAIM";

pub const TAGS_PK: &str = "TAGS";
pub fn tag_group_sk(group_id: &str) -> String {
    format!("GROUP#{group_id}")
}

/// The audit log: one partition, newest last. Entries written before the hash chain have
/// `audit_sk`; chained entries `audit_seq_sk`, which sorts after them (`S` > digits).
pub const AUDIT_PK: &str = "AUDIT";
pub fn audit_sk(at_ms: i64, id: &str) -> String {
    format!("{}#{id}", ts(at_ms))
}
pub const AUDIT_SEQ_PREFIX: &str = "SEQ#";
/// A chained audit entry, by sequence number (fixed width: string order is numeric order).
pub fn audit_seq_sk(seq: u64) -> String {
    format!("{AUDIT_SEQ_PREFIX}{seq:020}")
}
/// The audit chain's head (last seq and hash), moved in the same transaction as each entry.
/// Under the `AUDIT#` prefix with the entries, so that one IAM condition names both.
pub const AUDIT_HEAD_PK: &str = "AUDIT#HEAD";
pub const AUDIT_HEAD_SK: &str = "HEAD";

/// An appointment under the customer's partition, in scheduled order.
pub fn appointment_sk(scheduled_at_ms: i64, id: &str) -> String {
    format!("APPT#{}#{id}", ts(scheduled_at_ms))
}
pub const APPOINTMENT_PREFIX: &str = "APPT#";
/// A purchase under the customer's partition, in purchase order.
pub fn purchase_sk(purchased_at_ms: i64, id: &str) -> String {
    format!("PURCHASE#{}#{id}", ts(purchased_at_ms))
}
pub const PURCHASE_PREFIX: &str = "PURCHASE#";
/// A consent record (授权记录) under the customer's partition: append-only, by purpose then
/// time (`crate::consent`).
pub fn consent_sk(purpose: &str, at_ms: i64, id: &str) -> String {
    format!("CONSENT#{purpose}#{}#{id}", ts(at_ms))
}
pub const CONSENT_PREFIX: &str = "CONSENT#";
/// GSI3 of a customer profile whose birthday is known: the customers born on one month-day
/// (`MM-DD`), for the daily birthday job. Sort key: `CUST#<external_userid>`.
/// A purchase's order number (idempotency: one purchase per order).
pub fn order_pk(order_id: &str) -> String {
    format!("ORDER#{order_id}")
}
pub const ORDER_SK: &str = "ORDER";

pub fn birthday_gsi_pk(month_day: &str) -> String {
    format!("BDAY#{month_day}")
}

/// A 「联系我」 contact way, by config_id.
pub fn contact_way_pk(config_id: &str) -> String {
    format!("CWAY#{config_id}")
}
pub const CONTACT_WAY_SK: &str = "CWAY";
/// GSI1 of a contact way: every way, newest first.
pub const CONTACT_WAYS_GSI_PK: &str = "CWAYS";
/// GSI2 of a contact way: the ways of one channel (`state`).
pub fn contact_ways_of_state_gsi_pk(state: &str) -> String {
    format!("CWAYS#STATE#{state}")
}

/// A sync run's record (`SyncRun`) lives under its own partition.
pub fn sync_run_pk(run_id: &str) -> String {
    format!("SYNC#{run_id}")
}
pub const SYNC_RUN_SK: &str = "RUN";
/// The relationships one page of a sync run saw, under the run's partition (`SEEN#<page>`).
pub fn sync_seen_sk(page: u64) -> String {
    format!("SEEN#{page:010}")
}
pub const SYNC_SEEN_PREFIX: &str = "SEEN#";
/// GSI1 of a sync run record: every run, by start time.
pub const SYNC_RUNS_GSI_PK: &str = "SYNCS";
/// The single-run lease of the hourly sync.
pub const SYNC_LEASE_PK: &str = "SYNC_LEASE";
pub const SYNC_LEASE_SK: &str = "LEASE";

// ---- campaigns, messages and automations (docs/campaigns.md) -------------------------------

/// A campaign's partition: its record (`CAMPAIGN`), its chunks (`CHUNK#…`) and its recipients
/// (`RCPT#<external_userid>`).
pub fn campaign_pk(campaign_id: &str) -> String {
    format!("CAMPAIGN#{campaign_id}")
}
pub const CAMPAIGN_SK: &str = "CAMPAIGN";
/// GSI1 of a campaign record: every campaign, newest first.
pub const CAMPAIGNS_GSI_PK: &str = "CAMPAIGNS";
/// GSI2 of a campaign record while its send results are still being tracked.
pub const OPEN_CAMPAIGNS_GSI_PK: &str = "CAMPAIGNS#OPEN";
pub fn recipient_sk(external_userid: &str) -> String {
    format!("RCPT#{external_userid}")
}
pub const RECIPIENT_PREFIX: &str = "RCPT#";
/// One group-send task of a campaign: a sender and a slice of ≤ 10 000 recipients.
pub fn chunk_sk(sender: &str, index: u32) -> String {
    format!("CHUNK#{sender}#{index:05}")
}
pub const CHUNK_PREFIX: &str = "CHUNK#";
/// GSI2 of a chunk whose task is not created yet (`pending` / `creating`): a sparse index, so
/// "is anything left to create?" is one small query, not a read of every chunk.
pub fn pending_chunks_gsi_pk(campaign_id: &str) -> String {
    format!("CHUNKS#PENDING#{campaign_id}")
}
/// GSI3 of a chunk whose task exists and waits for results (`created`): what tracking reads.
pub fn open_chunks_gsi_pk(campaign_id: &str) -> String {
    format!("CHUNKS#OPEN#{campaign_id}")
}
/// GSI1 of a recipient: the recipients of one chunk.
pub fn chunk_gsi_pk(campaign_id: &str, chunk: &str) -> String {
    format!("CAMPAIGN#{campaign_id}#{chunk}")
}
/// GSI3 of a recipient: one customer's messages, newest last (`GET /api/messages`).
pub fn message_log_gsi_pk(external_userid: &str) -> String {
    format!("MSGLOG#{external_userid}")
}

/// The per-customer send ledger: what this product asked WeCom to send to whom, by time.
pub fn ledger_pk(external_userid: &str) -> String {
    format!("LEDGER#{external_userid}")
}
pub fn ledger_sk(at_ms: i64, campaign_id: &str) -> String {
    format!("SEND#{}#{campaign_id}", ts(at_ms))
}

/// A tracked link (`GET /t/<token>`).
pub fn link_pk(token: &str) -> String {
    format!("LINK#{token}")
}
pub const LINK_SK: &str = "LINK";
/// GSI1 of a tracked link: the links of one campaign.
pub fn campaign_links_gsi_pk(campaign_id: &str) -> String {
    format!("LINKS#{campaign_id}")
}
pub fn click_sk(at_ms: i64, id: &str) -> String {
    format!("CLICK#{}#{id}", ts(at_ms))
}
pub const CLICK_PREFIX: &str = "CLICK#";

/// An uploaded media file, by the hex SHA-1 of its content; `media_id` cached on it.
pub fn media_pk(hash: &str) -> String {
    format!("MEDIA#{hash}")
}
pub const MEDIA_SK: &str = "MEDIA";
pub const MEDIA_BLOB_SK: &str = "BLOB";

/// An automation rule and its runs.
pub fn automation_pk(rule_id: &str) -> String {
    format!("AUTOMATION#{rule_id}")
}
pub const AUTOMATION_SK: &str = "RULE";
pub const AUTOMATIONS_GSI_PK: &str = "AUTOMATIONS";
pub fn automation_run_sk(at_ms: i64, run_id: &str) -> String {
    format!("RUN#{}#{run_id}", ts(at_ms))
}
pub const AUTOMATION_RUN_PREFIX: &str = "RUN#";
/// Once-only claim of a rule for one customer and occasion (e.g. a birthday year).
pub fn automation_claim_pk(rule_id: &str, external_userid: &str, occasion: &str) -> String {
    format!("AUTOCLAIM#{rule_id}#{external_userid}#{occasion}")
}
pub const CLAIM_ONCE_SK: &str = "ONCE";
/// GSI2 of an appointment or purchase: the visits of one day (Asia/Shanghai, `YYYY-MM-DD`),
/// for the after-visit and re-engagement rules.
pub fn visits_gsi_pk(day: &str) -> String {
    format!("VISITS#{day}")
}
/// GSI3 of an appointment or purchase: what was booked or bought on one Shanghai day (by when
/// it was recorded / made), for campaign conversion ("booked within N days of the send").
pub fn bookings_gsi_pk(day: &str) -> String {
    format!("BOOKINGS#{day}")
}

// ---- maintained aggregates (crate::aggregates, docs/data-model.md) ---------------------------

/// Every counter item's partition starts with this.
pub const AGGREGATE_PREFIX: &str = "AGG#";
/// Per channel per Beijing day: one partition, sort key `DAY#<YYYY-MM-DD>#<state>`.
pub const CHANNEL_DAYS_PK: &str = "AGG#CHANNEL";
pub fn channel_day_sk(day: &str, state: &str) -> String {
    format!("DAY#{day}#{state}")
}
/// The first sort key after every `DAY#<day>#…` (`$` sorts right after `#`).
pub fn channel_day_end(day: &str) -> String {
    format!("DAY#{day}$")
}
/// The lead pipeline (`crate::pipeline`): customers by stage, per Beijing day they were first
/// added, by first channel (`CH#<day>#<state>`) and by first consultant (`US#<day>#<userid>`).
pub const PIPELINE_COUNTS_PK: &str = "AGG#PIPELINE";
pub fn pipeline_channel_sk(day: &str, state: &str) -> String {
    format!("CH#{day}#{state}")
}
pub fn pipeline_consultant_sk(day: &str, userid: &str) -> String {
    format!("US#{day}#{userid}")
}
/// Per 「联系我」: one partition, sort key the `config_id`.
pub const CONTACT_WAY_COUNTS_PK: &str = "AGG#CWAY";
/// Per campaign: one counter item per chunk (`SHARD#<chunk>`, `SHARD#-` for recipients
/// without one) and one for its clicks (`CLICKS`), so that concurrent senders and trackers of
/// different chunks never write the same counter.
pub fn campaign_counts_pk(campaign_id: &str) -> String {
    format!("AGG#CAMPAIGN#{campaign_id}")
}
pub fn campaign_shard_sk(chunk: Option<&str>) -> String {
    format!("SHARD#{}", chunk.unwrap_or("-"))
}
pub const CAMPAIGN_CLICKS_SK: &str = "CLICKS";
/// Per tracked link: its counters live beside it, in the link's partition.
pub const LINK_COUNTS_SK: &str = "COUNTS";
/// One marker per customer who clicked a link (for unique clickers).
pub fn clicker_sk(external_userid: &str) -> String {
    format!("CLICKER#{external_userid}")
}
pub const CLICKER_PREFIX: &str = "CLICKER#";
/// Written once every counter has been rebuilt from the records (a store that had records
/// before the aggregates existed gets its counters then).
pub const AGGREGATES_META_PK: &str = "AGG#META";
pub const AGGREGATES_INITIALIZED_SK: &str = "INITIALIZED";

// ---- data-subject rights (crate::privacy, docs/data-model.md "Data-subject rights") -------

/// The per-deployment key of the erasure tombstones' keyed hash: created once, on first use,
/// never rotated (a new key would orphan every tombstone).
pub const PRIVACY_KEY_PK: &str = "SECRET#PRIVACY";
pub const PRIVACY_KEY_SK: &str = "HMAC";
/// The tombstone of an erased customer, by the keyed hash of their external_userid: one get
/// tells sync and callbacks not to bring them back.
pub fn tombstone_pk(subject: &str) -> String {
    format!("TOMBSTONE#{subject}")
}
pub const TOMBSTONE_SK: &str = "TOMBSTONE";
/// The counters an erased customer's counted records added up to, kept so that the anonymous
/// aggregates and their rebuild stay as they were (`crate::privacy::erase`).
pub fn erased_tally_pk(subject: &str) -> String {
    format!("ERASED#{subject}")
}
pub const ERASED_TALLY_SK: &str = "TALLY";
/// GSI1 of an erased tally: every one of them, for the aggregates rebuild.
pub const ERASED_TALLIES_GSI_PK: &str = "ERASED";
/// GSI3 of an automation claim: one customer's claims (what an erasure removes).
pub fn automation_claims_gsi_pk(external_userid: &str) -> String {
    format!("AUTOCLAIMS#{external_userid}")
}
/// Consultant performance (`crate::performance`): one consultant's imported behaviour days.
pub fn performance_pk(userid: &str) -> String {
    format!("PERF#{userid}")
}
pub fn performance_day_sk(day: &str) -> String {
    format!("DAY#{day}")
}
/// Where the behaviour import is (last day per consultant, last run).
pub const PERFORMANCE_META_PK: &str = "PERF#META";
pub const PERFORMANCE_IMPORT_SK: &str = "IMPORT";

// ---- the phone index (crate::phone_index, docs/data-model.md "Phone index") ---------------

/// The records holding one mainland mobile number, by the keyed hash of the number (hex): sort
/// key `<record pk>#<record sk>`. The number itself is in no key and no index item.
pub fn phone_index_pk(hash: &str) -> String {
    format!("PHONE#{hash}")
}
/// Written once every record was indexed (a store with records from before the index gets
/// its entries then).
pub const PHONE_INDEX_META_PK: &str = "PHONES#META";
pub const PHONE_INDEX_INITIALIZED_SK: &str = "INITIALIZED";
