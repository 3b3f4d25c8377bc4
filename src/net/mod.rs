//! The only way out of the process: DNS, the public-address rule and the outbound HTTP client.

pub mod client;
pub mod dns;
pub mod policy;

pub use client::{FetchError, Fetched, OutboundClient};
pub use dns::{Dns, DnsError};
