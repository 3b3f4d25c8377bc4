//! The version rules: [`OsVersion`], the passkey-in-Authenticator minimums (one place) and the
//! [`OsCheck`] verdict a device gets from them.

use std::fmt;

use serde::Serialize;

use super::{Device, Platform};

/// Lowest iOS/iPadOS version that fully meets the passkey-in-Authenticator requirement.
pub const IOS_MINIMUM: OsVersion = OsVersion::new(17, 4, None);
/// Lowest iOS/iPadOS version that should work, with an update recommended.
pub const IOS_SOFT_MINIMUM: OsVersion = OsVersion::new(17, 0, None);
/// Lowest Android version that meets the requirement.
pub const ANDROID_MINIMUM: OsVersion = OsVersion::new(14, 0, None);

/// How the device's OS version compares with the passkey-in-Authenticator minimums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsCheck {
    /// Known to meet the minimum.
    Met,
    /// iOS 17.0–17.3: should work, updating is recommended.
    UpdateRecommended,
    /// Known to be below the minimum.
    NotMet,
    /// A phone or tablet whose version the request does not tell: ask the person to check.
    Unknown,
    /// A computer: the passkey goes on a phone, no check applies.
    NotApplicable,
}

impl OsCheck {
    /// Stable name: "met", "update_recommended", "not_met", "unknown", "not_applicable".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::UpdateRecommended => "update_recommended",
            Self::NotMet => "not_met",
            Self::Unknown => "unknown",
            Self::NotApplicable => "not_applicable",
        }
    }
}

text_from_as_str!(OsCheck);

/// An OS version as far as it is known: `17.4`, `17.3.1`, `14.0`. A zero patch is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OsVersion {
    /// Major version (17 in 17.3.1).
    pub major: u16,
    /// Minor version (3 in 17.3.1; 0 when absent).
    pub minor: u16,
    /// Patch version (1 in 17.3.1; `None` when absent or zero).
    pub patch: Option<u16>,
}

impl OsVersion {
    /// A version; `patch: Some(0)` is stored as `None` so `17.4.0 == 17.4`.
    pub const fn new(major: u16, minor: u16, patch: Option<u16>) -> Self {
        let patch = match patch {
            Some(0) => None,
            other => other,
        };
        Self {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for OsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(patch) = self.patch {
            write!(f, ".{patch}")?;
        }
        Ok(())
    }
}

impl Serialize for OsVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Device {
    /// Passkey-in-Authenticator minimums (one place): iOS ≥ 17.4 met; 17.0–17.3
    /// update_recommended; < 17 not_met; Android ≥ 14 met, < 14 not_met; unknown version →
    /// Unknown; computers → NotApplicable.
    pub fn os_check(&self) -> OsCheck {
        let (met, soft) = match self.platform {
            Platform::Ios | Platform::Ipados => (IOS_MINIMUM, IOS_SOFT_MINIMUM),
            Platform::Android => (ANDROID_MINIMUM, ANDROID_MINIMUM),
            Platform::Windows | Platform::Macos | Platform::Linux | Platform::Chromeos => {
                return OsCheck::NotApplicable;
            }
            Platform::Unknown => return OsCheck::Unknown,
        };
        match (self.os_version, self.os_version_at_least) {
            (Some(version), _) if version >= met => OsCheck::Met,
            (Some(version), _) if version >= soft => OsCheck::UpdateRecommended,
            (Some(_), _) => OsCheck::NotMet,
            (None, Some(bound)) if bound >= met => OsCheck::Met,
            (None, _) => OsCheck::Unknown,
        }
    }
}

/// The version right after `marker`, up to the first byte that is neither a digit nor `sep`.
/// `None` when the other separator follows: `; iOS 26.1` is not the `26_1` form, and reading
/// its `26` as 26.0 would invent a version.
pub(super) fn version_after(hay: &str, marker: &str, sep: u8) -> Option<OsVersion> {
    let start = hay.find(marker)? + marker.len();
    let rest = &hay[start..];
    let len = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == sep)
        .count();
    if matches!(rest.as_bytes().get(len), Some(b'.' | b'_')) {
        return None;
    }
    parse_version(&rest[..len], char::from(sep))
}

/// `17_3_1` / `14.0.0` / `14` → a version; anything else (letters, 4+ parts, overflow) → None.
pub(super) fn parse_version(text: &str, sep: char) -> Option<OsVersion> {
    fn number(part: &str) -> Option<u16> {
        if part.is_empty() || part.len() > 5 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    }
    let mut parts = text.split(sep);
    let major = number(parts.next()?)?;
    let minor = parts.next().map_or(Some(0), number)?;
    let patch = parts.next().map_or(Some(0), number)?;
    if parts.next().is_some() {
        return None;
    }
    Some(OsVersion::new(major, minor, Some(patch)))
}
