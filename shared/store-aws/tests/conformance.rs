//! The ports' conformance suites against DynamoDB and SQS, as emulated by moto's server
//! (`./scripts/test` starts it and sets `AWS_ENDPOINT_URL`). Each test gets its own table or
//! queue pair.

mod item_store {
    ports::item_store_conformance!(async {
        std::sync::Arc::new(store_aws::testing::fresh_store().await)
    });
}

mod queue {
    ports::queue_conformance!(store_aws::testing::fresh_queue(3));
}
