//! The ports' conformance suites against DynamoDB, SQS and EventBridge Scheduler, as emulated by
//! moto's server (`./scripts/test` starts it and sets `AWS_ENDPOINT_URL`). Each test gets its own
//! table, queue pair or schedule group. Ignored by a plain `cargo test`.

mod item_store {
    ports::item_store_conformance!(
        #[ignore = "needs moto: ./scripts/test starts it"]
        async {
            std::sync::Arc::new(store_aws::testing::fresh_store().await)
        }
    );
}

mod queue {
    ports::queue_conformance!(
        #[ignore = "needs moto: ./scripts/test starts it"]
        store_aws::testing::fresh_queue(3)
    );
}

mod dead_letters {
    ports::dead_letters_conformance!(
        #[ignore = "needs moto: ./scripts/test starts it"]
        store_aws::testing::fresh_queue(3)
    );
}

mod scheduler {
    ports::scheduler_conformance!(
        #[ignore = "needs moto: ./scripts/test starts it"]
        async {
            std::sync::Arc::new(store_aws::testing::fresh_scheduler().await)
        }
    );
}
