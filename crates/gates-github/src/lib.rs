//! GitHub for the gates suite: a REST/GraphQL client built from the runner's environment
//! (octocrab underneath) with retries, rate limits and pagination, and the sticky pull-request
//! comment every gate can post.

pub mod body;
pub mod client;
pub mod handoff;
pub mod sticky;

pub use client::{ApiError, Client, RetryPolicy};
pub use sticky::{Action, Mode, Sticky};
