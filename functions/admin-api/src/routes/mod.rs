pub mod audit;
pub mod callback_logs;
pub mod config;
