//! The deployment's environment, as `template.yaml` sets it, read once when a Lambda starts.
//!
//! Every variable the Lambdas read is here, typed: the table, the queues, the scheduler, the
//! public URLs, how WeCom is reached and the corp configuration that seeds the store. What only
//! some functions get is optional here and required by the accessor of the function that needs
//! it, so a missing variable stops that function at start with its name, never later.

use crm::config::CorpConfig;

/// A variable the deployment should have set, or set to something usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    #[error("{0} is not set")]
    Missing(&'static str),
}

/// The three variables that let a function create a campaign's one-time schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerEnv {
    /// `SCHEDULER_GROUP`: the schedule group of the deployment.
    pub group: String,
    /// `CAMPAIGN_FUNCTION_ARN`: what a schedule invokes.
    pub target_arn: String,
    /// `SCHEDULER_ROLE_ARN`: the role EventBridge Scheduler assumes to invoke it.
    pub role_arn: String,
}

/// One queue and its dead-letter queue (`<NAME>_QUEUE_URL`, `<NAME>_DLQ_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterEnv {
    /// The queue's name in the console (`events`, `sync`, `campaigns`, `sends`).
    pub name: &'static str,
    pub queue_url: String,
    pub dlq_url: String,
}

/// The queues whose dead letters an operator may see: console name and variable prefix.
const DEAD_LETTER_QUEUES: [(&str, &str); 4] = [
    ("events", "EVENTS"),
    ("sync", "SYNC"),
    ("campaigns", "CAMPAIGN"),
    ("sends", "SEND"),
];

/// What a Lambda of this deployment reads from its environment.
#[derive(Debug, Clone, PartialEq)]
pub struct LambdaEnv {
    /// `TABLE_NAME`: the DynamoDB table (every function).
    pub table: String,
    /// `EVENTS_QUEUE_URL`: WeCom events to process.
    pub events_queue_url: Option<String>,
    /// `SYNC_QUEUE_URL`: a sync run's steps (admin API, sync).
    pub sync_queue_url: Option<String>,
    /// `CAMPAIGN_QUEUE_URL`: campaign runs due now and continuations.
    pub campaign_queue_url: Option<String>,
    /// `SEND_QUEUE_URL`: one message per group-send task to create.
    pub send_queue_url: Option<String>,
    /// `SCHEDULER_GROUP`, `CAMPAIGN_FUNCTION_ARN`, `SCHEDULER_ROLE_ARN`, when all three are set.
    pub scheduler: Option<SchedulerEnv>,
    /// `LINK_BASE_URL`: the public base of tracked links (empty: links are not rewritten).
    pub link_base: String,
    /// `CALLBACK_URL`: the callback URL to show in the console (admin API).
    pub callback_url: Option<String>,
    /// `CONSOLE_URL`: the console's public base, linked from consultant alerts (empty: no link).
    pub console_url: String,
    /// Every queue whose queue and dead-letter URLs are both set.
    pub dead_letters: Vec<DeadLetterEnv>,
    /// `CALLBACK_LOG_RETENTION_DAYS` (default 90; a value that is not a positive number too).
    pub callback_log_retention_days: i64,
    /// `RETENTION_*` (and `CALLBACK_LOG_RETENTION_DAYS`): how long personal records are kept.
    pub retention: crm::retention::Retention,
    /// `WEWORK_API_BASE` and `WEWORK_HTTPS_PROXY`: how WeCom is reached.
    pub wecom: wecom_api::Endpoint,
    /// The corp configuration the `WEWORK_*` variables give (seeds the store on first start).
    pub corp_seed: CorpConfig,
    /// `IMPORT_SLICE_MS`: how long one customer-import request works (admin API; default 8 s,
    /// under the function's 15 s timeout).
    pub import_slice: crm::import::SliceBudget,
}

impl LambdaEnv {
    /// The process's environment.
    pub fn from_process() -> Result<Self, EnvError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The environment `get` describes (a blank value counts as unset).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let scheduler = match (
            var("SCHEDULER_GROUP"),
            var("CAMPAIGN_FUNCTION_ARN"),
            var("SCHEDULER_ROLE_ARN"),
        ) {
            (Some(group), Some(target_arn), Some(role_arn)) => Some(SchedulerEnv {
                group,
                target_arn,
                role_arn,
            }),
            _ => None,
        };
        let dead_letters = DEAD_LETTER_QUEUES
            .into_iter()
            .filter_map(|(name, prefix)| {
                Some(DeadLetterEnv {
                    name,
                    queue_url: var(&format!("{prefix}_QUEUE_URL"))?,
                    dlq_url: var(&format!("{prefix}_DLQ_URL"))?,
                })
            })
            .collect();
        Ok(Self {
            table: var("TABLE_NAME").ok_or(EnvError::Missing("TABLE_NAME"))?,
            events_queue_url: var("EVENTS_QUEUE_URL"),
            sync_queue_url: var("SYNC_QUEUE_URL"),
            campaign_queue_url: var("CAMPAIGN_QUEUE_URL"),
            send_queue_url: var("SEND_QUEUE_URL"),
            scheduler,
            link_base: var("LINK_BASE_URL").unwrap_or_default(),
            callback_url: var("CALLBACK_URL"),
            console_url: var("CONSOLE_URL").unwrap_or_default(),
            dead_letters,
            callback_log_retention_days: var("CALLBACK_LOG_RETENTION_DAYS")
                .and_then(|v| v.trim().parse().ok())
                .filter(|days| *days > 0)
                .unwrap_or(90),
            retention: crm::retention::Retention::from_env_map(&get),
            wecom: wecom_api::Endpoint::from_env_map(&get),
            corp_seed: CorpConfig::from_env_map(&get),
            import_slice: crm::import::SliceBudget::from_env_map(
                &get,
                crm::import::SliceBudget::time(crm::import::slice::AWS_SLICE),
            ),
        })
    }

    pub fn events_queue_url(&self) -> Result<&str, EnvError> {
        required(&self.events_queue_url, "EVENTS_QUEUE_URL")
    }

    pub fn sync_queue_url(&self) -> Result<&str, EnvError> {
        required(&self.sync_queue_url, "SYNC_QUEUE_URL")
    }

    pub fn campaign_queue_url(&self) -> Result<&str, EnvError> {
        required(&self.campaign_queue_url, "CAMPAIGN_QUEUE_URL")
    }

    pub fn send_queue_url(&self) -> Result<&str, EnvError> {
        required(&self.send_queue_url, "SEND_QUEUE_URL")
    }

    pub fn scheduler(&self) -> Result<&SchedulerEnv, EnvError> {
        self.scheduler.as_ref().ok_or(EnvError::Missing(
            "SCHEDULER_GROUP, CAMPAIGN_FUNCTION_ARN or SCHEDULER_ROLE_ARN",
        ))
    }
}

fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, EnvError> {
    value.as_deref().ok_or(EnvError::Missing(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> Result<LambdaEnv, EnvError> {
        LambdaEnv::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn every_function_needs_the_table_and_the_rest_defaults() {
        assert_eq!(env(&[]), Err(EnvError::Missing("TABLE_NAME")));
        assert_eq!(
            env(&[("TABLE_NAME", "  ")]),
            Err(EnvError::Missing("TABLE_NAME"))
        );
        let e = env(&[("TABLE_NAME", "crm"), ("CALLBACK_LOG_RETENTION_DAYS", "-3")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.callback_log_retention_days, 90);
        assert_eq!(e.retention, crm::retention::Retention::default());
        assert_eq!(e.wecom, wecom_api::Endpoint::production());
        assert_eq!(e.link_base, "");
        assert!(e.dead_letters.is_empty());
        assert_eq!(e.corp_seed, CorpConfig::from_env_map(|_| None));
        assert_eq!(
            e.import_slice,
            crm::import::SliceBudget::time(crm::import::slice::AWS_SLICE)
        );
    }

    #[test]
    fn what_only_some_functions_get_is_required_by_name_when_asked_for() {
        let e = env(&[("TABLE_NAME", "crm"), ("SCHEDULER_GROUP", "g")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.sync_queue_url().map_err(|e| e.to_string()),
            Err("SYNC_QUEUE_URL is not set".to_owned())
        );
        assert!(
            e.scheduler().is_err(),
            "a scheduler needs all three variables"
        );
        let e = env(&[
            ("TABLE_NAME", "crm"),
            ("SYNC_QUEUE_URL", "https://sqs/sync"),
            ("SCHEDULER_GROUP", "g"),
            ("CAMPAIGN_FUNCTION_ARN", "arn:fn"),
            ("SCHEDULER_ROLE_ARN", "arn:role"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.sync_queue_url(), Ok("https://sqs/sync"));
        assert_eq!(e.scheduler().map(|s| s.role_arn.as_str()), Ok("arn:role"));
    }

    #[test]
    fn dead_letters_are_listed_for_queues_with_both_urls() {
        let e = env(&[
            ("TABLE_NAME", "crm"),
            ("EVENTS_QUEUE_URL", "https://sqs/events"),
            ("EVENTS_DLQ_URL", "https://sqs/events-dlq"),
            ("SYNC_DLQ_URL", "https://sqs/sync-dlq"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            e.dead_letters,
            vec![DeadLetterEnv {
                name: "events",
                queue_url: "https://sqs/events".into(),
                dlq_url: "https://sqs/events-dlq".into(),
            }]
        );
    }
}
