pub mod audit;
pub mod callback_logs;
pub mod config;
pub mod contact_ways;
