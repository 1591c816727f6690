//! store-aws
