//! Request ids without a system call per request: a random prefix drawn once per process and a
//! counter, laid out as a version-8 UUID (RFC 9562's layout for ids made by our own rule), so logs
//! keep the familiar shape and ids from two processes never collide in practice.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, Request};
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes `x-request-id` values: `prefix` (random, per process) then a counter.
#[derive(Debug, Clone)]
pub struct SequentialRequestIds {
    prefix: u64,
    next: Arc<AtomicU64>,
}

impl SequentialRequestIds {
    /// A new sequence with a random prefix (a fixed one if the system's randomness fails: ids
    /// then stay unique within the process, which is what a log search needs).
    pub fn new() -> Self {
        let mut prefix = [0u8; 8];
        let _ = getrandom::fill(&mut prefix);
        Self {
            prefix: u64::from_be_bytes(prefix),
            next: Arc::default(),
        }
    }

    fn next_id(&self) -> uuid::Uuid {
        let sequence = self.next.fetch_add(1, Ordering::Relaxed);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.prefix.to_be_bytes());
        bytes[8..].copy_from_slice(&sequence.to_be_bytes());
        // Sets the version and variant bits (6 of them: byte 6's high nibble, byte 8's top two),
        // so the counter's two highest bits are lost, after 2^62 requests.
        uuid::Uuid::new_v8(bytes)
    }
}

impl Default for SequentialRequestIds {
    fn default() -> Self {
        Self::new()
    }
}

impl MakeRequestId for SequentialRequestIds {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let id = self.next_id().hyphenated().encode_lower(&mut text);
        HeaderValue::from_str(id).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_version_8_uuids() {
        let mut ids = SequentialRequestIds::new();
        let other_process = SequentialRequestIds::new();
        let request = Request::new(());
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let id = ids.make_request_id(&request).unwrap();
            let text = id.header_value().to_str().unwrap().to_owned();
            let parsed = uuid::Uuid::parse_str(&text).unwrap();
            assert_eq!(parsed.get_version_num(), 8);
            assert!(seen.insert(text));
        }
        // Another process starts its own sequence under another prefix.
        assert_ne!(ids.prefix, other_process.prefix);
        assert_ne!(
            ids.next_id().as_bytes()[..6],
            other_process.next_id().as_bytes()[..6]
        );
    }
}
