use std::sync::Arc;

use crm::config::CorpConfig;
use crm::repo::{AuditLog, CallbackLog, ConfigRepo, CustomerRepo, TagCatalogue};
use ports::{Clock, IdGen, ItemStore, JobQueue};
use wecom_api::WeComClient;

use crate::auth::Caller;
use crate::error::ApiError;

/// The audit action of a read of one customer's personal data.
pub const CUSTOMER_READ: &str = "customer.read";

/// What the handlers share: the ports, the WeCom client and the configuration seed.
#[derive(Clone)]
pub struct AdminState {
    pub store: Arc<dyn ItemStore>,
    /// The events queue (replaying a logged callback queues its job again).
    pub queue: Arc<dyn JobQueue>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
    pub wecom: Arc<WeComClient>,
    /// Where WeCom is (the simulator locally), for the connection test's own client.
    pub wecom_endpoint: wecom_api::Endpoint,
    pub config_seed: CorpConfig,
    pub callback_log_retention_days: i64,
    /// For fetching QR images from WeCom's CDN.
    pub http: reqwest::Client,
    /// Starts sync runs on demand.
    pub sync: Arc<crm::sync::SyncRunner>,
    /// The campaign engine (campaigns, direct messages, media, tracked links).
    pub campaigns: crm::campaign::Campaigns,
    /// The dead letters of each queue, by queue name.
    pub dead_letters: Arc<Vec<(String, Arc<dyn ports::DeadLetters>)>>,
    /// The public URL of the WeCom callback (shown on the configuration page).
    pub callback_url: Option<String>,
    /// How much of a file one import request does (`IMPORT_SLICE_MS`; docs/import-export.md).
    pub import_slice: crm::import::SliceBudget,
    /// The largest file one import request takes (`crm::import::AWS_MAX_FILE_BYTES` on AWS,
    /// `MAX_FILE_BYTES` locally); the console reads it from `GET /api/me`.
    pub import_max_bytes: usize,
}

impl AdminState {
    pub fn customers(&self) -> CustomerRepo {
        CustomerRepo::new(self.store.clone())
    }

    pub fn tags(&self) -> TagCatalogue {
        TagCatalogue::new(self.store.clone())
    }

    /// The tag catalogue kept in step with WeCom.
    pub fn tag_service(&self) -> crm::tags::TagService {
        crm::tags::TagService::new(self.tags(), self.wecom.clone())
    }

    pub fn automations(&self) -> crm::automation::Automations {
        crm::automation::Automations::new(self.campaigns.clone())
    }

    pub fn callback_log(&self) -> CallbackLog {
        CallbackLog::new(self.store.clone(), self.callback_log_retention_days)
    }

    pub fn configs(&self) -> ConfigRepo {
        ConfigRepo::new(self.store.clone())
    }

    pub fn audit(&self) -> AuditLog {
        AuditLog::new(self.store.clone(), self.clock.clone(), self.ids.clone())
    }

    /// The stored configuration (seeded from the environment on first use).
    pub async fn config(&self) -> Result<CorpConfig, ApiError> {
        Ok(self.configs().load_or_seed(&self.config_seed).await?)
    }

    /// Records a change in the audit log.
    pub async fn audited(
        &self,
        caller: &Caller,
        action: &str,
        target: &str,
        fields: Vec<String>,
    ) -> Result<(), ApiError> {
        self.audit()
            .record(&caller.id, action, target, fields)
            .await?;
        Ok(())
    }

    /// Records that `caller` read one customer's personal data (`customer.read`; `parts`
    /// names what was read: `detail`, `appointments`…). Called after the read and before the
    /// answer: when it cannot be recorded, the data is not served.
    pub async fn audited_read(
        &self,
        caller: &Caller,
        external_userid: &str,
        parts: &[&str],
    ) -> Result<(), ApiError> {
        let fields = parts.iter().map(|p| (*p).to_owned()).collect();
        self.audited(caller, CUSTOMER_READ, external_userid, fields)
            .await
    }
}

/// `limit` query parameter: 1..=100, default 20.
pub fn page_limit(limit: Option<usize>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(20),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid_field(
            "limit",
            "limit 必须在 1 到 100 之间",
        )),
    }
}
