//! The ports' conformance suites against DynamoDB, SQS and EventBridge Scheduler, as emulated by
//! moto's server (`./scripts/test` starts it and sets `AWS_ENDPOINT_URL`). Each test gets its own
//! table, queue pair or schedule group.

mod item_store {
    ports::item_store_conformance!(async {
        std::sync::Arc::new(store_aws::testing::fresh_store().await)
    });
}

mod queue {
    ports::queue_conformance!(store_aws::testing::fresh_queue(3));
}

mod dead_letters {
    ports::dead_letters_conformance!(store_aws::testing::fresh_queue(3));
}

mod scheduler {
    ports::scheduler_conformance!(async {
        std::sync::Arc::new(store_aws::testing::fresh_scheduler().await)
    });
}
