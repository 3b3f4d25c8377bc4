//! Detection remembered per header set: a crowd opening the rollout link sends a handful of
//! distinct User-Agent and client-hint combinations thousands of times, and parsing them again
//! for each request was the largest part of a warm page's own work.
//!
//! A plain map under a read-write lock, not a cache with an eviction policy: a read is then a
//! shared lock and one hash (half what moka's bookkeeping cost per read under load). When full it
//! is emptied; an attacker cycling random User-Agents only makes real visitors' browsers be
//! parsed once more after each emptying.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::{ClientHints, Device};

/// Header sets remembered (a few hundred bytes each: a few MiB at most).
const CAPACITY: usize = 10_000;

/// [`Device::detect`] results by the exact header values they were detected from.
#[derive(Clone, Default)]
pub struct Detections {
    devices: Arc<RwLock<HashMap<Box<str>, Arc<Device>>>>,
}

impl std::fmt::Debug for Detections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detections")
            .field("entries", &self.len())
            .finish()
    }
}

/// Separates header values in a key; header values as text never contain it.
const SEPARATOR: char = '\n';
/// Stands for an absent header (present but empty is another header set).
const ABSENT: char = '\u{1}';

impl Detections {
    /// What the request's headers (name in lowercase, value as text; the first of repeated
    /// names counts, as `HeaderMap::get` would) say about the device: the same as
    /// [`Device::detect`], remembered for the same header values. One pass over the headers: a
    /// lookup by name per header read cost more than the rest of a remembered detection.
    pub fn detect<'a>(&self, headers: impl IntoIterator<Item = (&'a str, &'a str)>) -> Arc<Device> {
        // The User-Agent, then the client hints in `ClientHints::HEADER_NAMES` order.
        let mut values: [Option<&'a str>; 8] = [None; 8];
        for (name, value) in headers {
            let slot = match name {
                "user-agent" => 0,
                _ => match ClientHints::HEADER_NAMES
                    .iter()
                    .position(|hint| *hint == name)
                {
                    Some(position) => position + 1,
                    None => continue,
                },
            };
            values[slot].get_or_insert(value);
        }
        let mut key = String::with_capacity(
            values
                .iter()
                .map(|value| value.map_or(1, str::len) + 1)
                .sum(),
        );
        for (index, value) in values.iter().enumerate() {
            if index > 0 {
                key.push(SEPARATOR);
            }
            match value {
                Some(value) => key.push_str(value),
                None => key.push(ABSENT),
            }
        }
        let remembered = self
            .devices
            .read()
            .ok()
            .and_then(|devices| devices.get(key.as_str()).cloned());
        if let Some(device) = remembered {
            return device;
        }
        let [
            user_agent,
            ua,
            mobile,
            platform,
            platform_version,
            model,
            full_version_list,
            requested_with,
        ] = values;
        let hints = ClientHints {
            ua,
            mobile,
            platform,
            platform_version,
            model,
            full_version_list,
            requested_with,
        };
        let device = Arc::new(Device::detect(user_agent, &hints));
        if let Ok(mut devices) = self.devices.write() {
            if devices.len() >= CAPACITY {
                devices.clear();
            }
            devices.insert(key.into_boxed_str(), device.clone());
        }
        device
    }

    /// How many header sets are remembered.
    pub fn len(&self) -> usize {
        self.devices.read().map_or(0, |devices| devices.len())
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIXEL: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) \
        Chrome/131.0.0.0 Mobile Safari/537.36";

    fn lookup<'a>(
        pairs: &'a [(&'static str, &'a str)],
    ) -> impl FnMut(&'static str) -> Option<&'a str> {
        move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    fn all<'a>(pairs: &'a [(&'static str, &'a str)]) -> impl Iterator<Item = (&'a str, &'a str)> {
        pairs.iter().map(|(name, value)| (*name, *value))
    }

    #[test]
    fn remembered_detection_equals_fresh_detection() {
        let detections = Detections::default();
        let sets: [&[(&str, &str)]; 4] = [
            &[("user-agent", PIXEL)],
            &[
                ("user-agent", PIXEL),
                ("sec-ch-ua-platform", "\"Android\""),
                ("sec-ch-ua-platform-version", "\"15.0.0\""),
                ("sec-ch-ua-model", "\"Pixel 9\""),
            ],
            // Present but empty is not the same as absent; headers we do not read change nothing.
            &[
                ("user-agent", PIXEL),
                ("sec-ch-ua-model", ""),
                ("accept", "*/*"),
            ],
            &[],
        ];
        for _ in 0..2 {
            for pairs in sets {
                let remembered = detections.detect(all(pairs));
                let mut fresh_lookup = lookup(pairs);
                let fresh = Device::detect(
                    fresh_lookup("user-agent"),
                    &ClientHints::from_lookup(lookup(pairs)),
                );
                assert_eq!(*remembered, fresh, "{pairs:?}");
            }
        }
        // The Android 15 hint is remembered apart from the bare User-Agent.
        let bare = detections.detect(all(sets[0]));
        let hinted = detections.detect(all(sets[1]));
        assert_ne!(bare, hinted);
        assert!(Arc::ptr_eq(&hinted, &detections.detect(all(sets[1]))));
        assert_eq!(detections.len(), 4);
        // A repeated header: the first value counts, as for a lookup by name.
        let repeated = [("user-agent", PIXEL), ("user-agent", "curl/8.0")];
        assert_eq!(detections.detect(all(&repeated)), bare);
    }

    #[test]
    fn random_user_agents_never_grow_it_past_its_capacity() {
        let detections = Detections::default();
        for n in 0..CAPACITY + 10 {
            let user_agent = format!("Mozilla/5.0 (X11; Linux x86_64) Random/{n}");
            detections.detect([("user-agent", user_agent.as_str())]);
            assert!(detections.len() <= CAPACITY);
        }
        assert!(!detections.is_empty());
    }
}
