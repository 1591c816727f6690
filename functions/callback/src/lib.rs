//! callback
