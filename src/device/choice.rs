//! Which walkthrough a device gets: [`WalkthroughKind`] and the `?device=` value that names it.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::{Device, Platform, Vendor};

/// Which walkthrough fits the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WalkthroughKind {
    /// iPhone and iPad.
    Ios,
    /// Android phones other than Samsung Galaxy.
    Android,
    /// Samsung Galaxy (One UI labels differ).
    Samsung,
    /// Everything else, including unknown devices: the cross-device (QR) path.
    Desktop,
}

impl WalkthroughKind {
    /// Every kind, in the order the tabs show them.
    pub const ALL: [Self; 4] = [Self::Ios, Self::Android, Self::Samsung, Self::Desktop];

    /// The `?device=` value: "ios", "android", "samsung", "desktop".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ios => "ios",
            Self::Android => "android",
            Self::Samsung => "samsung",
            Self::Desktop => "desktop",
        }
    }
}

/// A `?device=` value that names no walkthrough.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWalkthrough;

impl fmt::Display for UnknownWalkthrough {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown device: use ios, android, samsung or desktop")
    }
}

impl std::error::Error for UnknownWalkthrough {}

impl FromStr for WalkthroughKind {
    type Err = UnknownWalkthrough;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s))
            .ok_or(UnknownWalkthrough)
    }
}

text_from_as_str!(WalkthroughKind);

impl WalkthroughKind {
    /// The walkthrough for a device of `platform` made by `vendor`: "ios" (iPhone and iPad),
    /// "samsung" (Samsung Galaxy), "android" (other Android), "desktop" (everything else,
    /// including unknown devices and Macs that may be iPads).
    pub fn for_device(platform: Platform, vendor: Vendor) -> Self {
        match platform {
            Platform::Ios | Platform::Ipados => Self::Ios,
            Platform::Android if vendor == Vendor::Samsung => Self::Samsung,
            Platform::Android => Self::Android,
            _ => Self::Desktop,
        }
    }
}

impl Device {
    /// Which walkthrough fits this device ([`WalkthroughKind::for_device`]).
    pub fn walkthrough(&self) -> WalkthroughKind {
        WalkthroughKind::for_device(self.platform, self.vendor)
    }
}
