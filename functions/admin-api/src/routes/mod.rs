pub mod audit;
pub mod callback_logs;
pub mod config;
pub mod contact_ways;
pub mod customers;
pub mod records;
pub mod stats;
pub mod tags;
