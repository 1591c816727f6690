//! Ports: the small traits the domain is written against.
//!
//! Each port has an AWS adapter (`store-aws`) and an embedded adapter (`store-embedded`). The
//! `conformance` feature exposes the behaviour suites both adapters must pass, so the two
//! implementations cannot drift apart.

pub mod clock;
pub mod ids;
pub mod queue;
pub mod scheduler;
pub mod store;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use clock::{AdvancingClock, Clock, FixedClock, SystemClock};
pub use ids::{IdGen, RandomIds, SequentialIds};
pub use queue::{
    DeadLetter, DeadLetters, Delivery, JobQueue, OutgoingMessage, QueueConsumer, QueueError,
};
pub use scheduler::{OneTimeSchedule, Scheduler, SchedulerError};
pub use store::{
    Condition, IndexName, Item, ItemStore, Page, Query, SkCondition, StoreError, WriteOp,
};
