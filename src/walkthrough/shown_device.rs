//! [`ShownDevice`]: what the walkthrough page shows about the visitor's device — and so all the
//! page may depend on.
//!
//! A [`Device`] carries everything detection learnt, down to the patch version and the model.
//! The page prints far less: the device class, the OS verdict with the version as the page writes
//! it, the in-app browser and the browser the text names. Building the page from this small,
//! hashable projection (and keying the rendered-page cache on it) means User-Agents that differ
//! only in what the page never prints — patch versions, browser builds, phone models — share one
//! page, and the page can never print a version it did not see.

use std::fmt;

use crate::device::{
    Browser, Device, InApp, OsCheck, OsVersion, Platform, Vendor, WalkthroughKind,
};

/// Highest major version printed as such; a higher one (no real phone runs it yet) is printed
/// as "40 or later", which keeps the set of printed versions small and finite.
const MAX_PRINTED_MAJOR: u16 = 40;
/// Highest iOS 17 minor printed as such (Apple's last was 17.7).
const MAX_PRINTED_IOS_17_MINOR: u16 = 9;
/// The iOS major whose minor decides the verdict (17.0–17.3 update recommended, 17.4+ met).
const IOS_MAJOR_WITH_MINOR: u16 = 17;

/// What the walkthrough page shows about the visitor's device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ShownDevice {
    /// The operating system family (iPad and "unknown" have notices of their own).
    pub platform: Platform,
    /// The maker, as far as it changes the tab or a notice.
    pub vendor: Vendor,
    /// The browser, as the text names it.
    pub browser: Browser,
    /// The app whose built-in browser shows the page, if any.
    pub in_app: InApp,
    /// A Mac User-Agent that may be an iPad asking for desktop sites.
    pub maybe_ipad: bool,
    /// The OS verdict against the passkey minimums.
    pub os_check: OsCheck,
    /// The OS version as the page prints it, when known (phones only).
    pub version: Option<PrintedVersion>,
}

impl ShownDevice {
    /// What the page shows about `device`.
    pub fn of(device: &Device) -> Self {
        let phone = matches!(
            device.platform,
            Platform::Ios | Platform::Ipados | Platform::Android
        );
        let ios = matches!(device.platform, Platform::Ios | Platform::Ipados);
        let version = match (device.os_version, device.os_version_at_least) {
            _ if !phone => None,
            (Some(exact), _) => Some(PrintedVersion::exact(exact, ios)),
            (None, Some(bound)) => Some(PrintedVersion::at_least(bound)),
            (None, None) => None,
        };
        Self {
            platform: device.platform,
            vendor: device.vendor,
            browser: device.browser,
            in_app: device.in_app,
            maybe_ipad: device.maybe_ipad,
            os_check: device.os_check(),
            version,
        }
    }

    /// A device about which nothing is known.
    pub fn unknown() -> Self {
        Self::of(&Device::unknown())
    }

    /// The walkthrough that fits (the same rule as [`Device::walkthrough`]).
    pub fn walkthrough(&self) -> WalkthroughKind {
        WalkthroughKind::for_device(self.platform, self.vendor)
    }
}

/// An OS version as the page prints it: the major alone ("iOS 18", "Android 14"), plus the minor
/// for iOS 17 only, where 17.4 draws the line ("iOS 17.3"); never a patch. A lower bound — iOS 26
/// behind the frozen User-Agent — and anything past the printed range read "… or later".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrintedVersion {
    major: u16,
    minor: Option<u16>,
    or_later: bool,
}

impl PrintedVersion {
    /// An exact version, cut down to what the page prints.
    fn exact(version: OsVersion, ios: bool) -> Self {
        let major = version.major.min(MAX_PRINTED_MAJOR);
        let past_major = version.major > MAX_PRINTED_MAJOR;
        if ios && version.major == IOS_MAJOR_WITH_MINOR {
            Self {
                major,
                minor: Some(version.minor.min(MAX_PRINTED_IOS_17_MINOR)),
                or_later: version.minor > MAX_PRINTED_IOS_17_MINOR,
            }
        } else {
            Self {
                major,
                minor: None,
                or_later: past_major,
            }
        }
    }

    /// A version known only as a lower bound: its major "or later".
    fn at_least(bound: OsVersion) -> Self {
        Self {
            major: bound.major.min(MAX_PRINTED_MAJOR),
            minor: None,
            or_later: true,
        }
    }

    /// The major version printed (the device runs this one, or a later one when "or later").
    pub fn major(self) -> u16 {
        self.major
    }

    /// The device runs exactly this major version (not "… or later" of the major itself).
    pub fn is_exact_major(self) -> bool {
        !self.or_later || self.minor.is_some()
    }
}

impl fmt::Display for PrintedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.major)?;
        if let Some(minor) = self.minor {
            write!(f, ".{minor}")?;
        }
        if self.or_later {
            f.write_str(" or later")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::ClientHints;

    fn shown(ua: &str) -> ShownDevice {
        ShownDevice::of(&Device::detect(Some(ua), &ClientHints::NONE))
    }

    fn printed(ua: &str) -> String {
        shown(ua)
            .version
            .map(|version| version.to_string())
            .unwrap_or_default()
    }

    fn iphone(os: &str, safari: &str) -> String {
        format!(
            "Mozilla/5.0 (iPhone; CPU iPhone OS {os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{safari} Mobile/15E148 Safari/604.1"
        )
    }

    #[test]
    fn versions_print_the_major_and_only_ios_17_keeps_its_minor() {
        assert_eq!(printed(&iphone("16_7_10", "16.6")), "16");
        assert_eq!(printed(&iphone("17_3_1", "17.3")), "17.3");
        assert_eq!(printed(&iphone("17_4", "17.4")), "17.4");
        assert_eq!(printed(&iphone("17_5_1", "17.5")), "17.5");
        assert_eq!(printed(&iphone("18_5", "18.5")), "18");
        // iOS 26's frozen User-Agent: a lower bound, never 18.6.
        assert_eq!(printed(&iphone("18_6", "26.0")), "26 or later");
        // Absurd versions stay in the printed range.
        assert_eq!(printed(&iphone("17_12", "17.12")), "17.9 or later");
        assert_eq!(printed(&iphone("99_1", "99.1")), "40 or later");
        let firefox = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0";
        assert_eq!(printed(firefox), "14");
        let windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(
            printed(windows),
            "",
            "a computer's version is never printed"
        );
    }

    #[test]
    fn what_the_page_never_prints_does_not_tell_devices_apart() {
        // Patch versions within one verdict, browser builds and models.
        assert_eq!(
            shown(&iphone("17_4_1", "17.4")),
            shown(&iphone("17_4", "17.4"))
        );
        assert_eq!(
            shown(&iphone("18_1_1", "18.1")),
            shown(&iphone("18_5", "18.5"))
        );
        let galaxy = |model: &str, chrome: &str| {
            format!(
                "Mozilla/5.0 (Linux; Android 14; {model}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/{chrome} Mobile Safari/537.36"
            )
        };
        assert_eq!(
            shown(&galaxy("SM-S918B", "121.0.0.0")),
            shown(&galaxy("SM-A546B", "121.0.6167.178"))
        );
        // What the page does print still tells them apart.
        assert_ne!(
            shown(&iphone("17_3", "17.3")),
            shown(&iphone("17_4", "17.4"))
        );
        assert_ne!(
            shown(&iphone("17_5", "17.5")),
            shown(&iphone("18_0", "18.0"))
        );
    }

    #[test]
    fn a_lower_bound_is_not_an_exact_major() {
        let frozen = shown(&iphone("18_6", "26.0")).version.unwrap();
        assert_eq!(frozen.major(), 26);
        assert!(!frozen.is_exact_major());
        let ios17 = shown(&iphone("17_12", "17.12")).version.unwrap();
        assert!(ios17.is_exact_major(), "17.9 or later is still iOS 17");
        assert!(
            shown(&iphone("18_5", "18.5"))
                .version
                .unwrap()
                .is_exact_major()
        );
    }
}
