//! Lambda entry point of the sync function (EventBridge schedule + its own SQS queue). Wiring
//! only.

use std::sync::Arc;
use std::time::Duration;

use aws_wiring::AwsRuntime;
use crm::sync::{StepBudget, SyncConfig, SyncEngine, SyncRunner};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use ports::{JobQueue, RandomIds};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws_wiring::init_logging();
    let aws = AwsRuntime::connect().await?;
    let queue: Arc<dyn JobQueue> = Arc::new(aws.sqs_queue(aws.env.sync_queue_url()?));
    let wecom = Arc::new(aws.wecom()?);
    // Consultant performance: WeCom's behaviour data, imported once a day from the hourly run.
    let behavior =
        crm::performance::BehaviorImport::new(aws.store.clone(), wecom.clone(), aws.clock.clone());
    let engine = SyncEngine::new(
        aws.store.clone(),
        wecom,
        aws.clock.clone(),
        Arc::new(RandomIds),
        SyncConfig::default(),
    );
    // The function's timeout is 300 s: stop a step well before it.
    let runner = SyncRunner::new(
        Arc::new(engine),
        queue,
        StepBudget::time(Duration::from_secs(240)),
    );
    // Ended customers past their retention are erased on the hourly schedule.
    let sweep = crm::retention::RetentionSweep::new(
        aws.store.clone(),
        aws.env.retention,
        aws.clock.clone(),
    );
    let (runner, sweep, behavior) = (&runner, &sweep, &behavior);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        sync::handle_event_full(runner, Some(sweep), Some(behavior), event.payload)
            .await
            .map_err(|e| aws_wiring::lambda_error(&e))
    }))
    .await
}
