//! Lambda entry point of the admin API (API Gateway HTTP API with a JWT authorizer). Wiring only.

use std::sync::Arc;

use admin_api::{AdminState, AuthMode};
use aws_wiring::AwsRuntime;
use crm::sync::{StepBudget, SyncConfig, SyncEngine, SyncRunner};
use lambda_http::Error;
use ports::RandomIds;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws_wiring::init_logging();
    let aws = AwsRuntime::connect().await?;
    let wecom = Arc::new(aws.wecom()?);
    let sync = SyncRunner::new(
        Arc::new(SyncEngine::new(
            aws.store.clone(),
            wecom.clone(),
            aws.clock.clone(),
            Arc::new(RandomIds),
            SyncConfig::default(),
        )),
        Arc::new(aws.sqs_queue(aws.env.sync_queue_url()?)),
        StepBudget::time(std::time::Duration::from_secs(10)),
    );
    let campaigns = aws.campaigns(wecom.clone()).await?;
    let state = AdminState {
        store: aws.store.clone(),
        queue: aws.events_queue.clone(),
        clock: aws.clock.clone(),
        ids: Arc::new(RandomIds),
        wecom,
        wecom_endpoint: aws.env.wecom.clone(),
        config_seed: aws.seed.clone(),
        callback_log_retention_days: aws.env.callback_log_retention_days,
        http: reqwest::Client::new(),
        sync: Arc::new(sync),
        campaigns,
        dead_letters: Arc::new(aws.dead_letters()),
        callback_url: aws.env.callback_url.clone(),
        import_slice: aws.env.import_slice,
        import_max_bytes: crm::import::AWS_MAX_FILE_BYTES,
    };
    lambda_http::run(admin_api::router(state, AuthMode::ApiGatewayJwt)).await
}
