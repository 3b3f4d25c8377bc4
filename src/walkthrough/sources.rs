//! Where the walkthrough's steps and troubleshooting entries come from.
//!
//! Each step and troubleshooting entry in `text.rs` names one or more of these next to its words;
//! a test fails when one names none. The S-numbers are those of the review the steps were checked
//! in (Microsoft Learn's passkey pages as revised on 5 July 2026). To re-check: open each address
//! below, compare the labels in `text.rs` with the page, change the words and their sources, and
//! move [`CHECKED_ON`] (README, "The walkthrough page", says the same).

use time::Date;
use time::macros::date;

/// The day the steps were last held against the sources below (the revision of Microsoft's
/// pages they match): the page says "Steps checked against Microsoft's documentation on …".
pub const CHECKED_ON: Date = date!(2026 - 07 - 05);

/// A page a step or troubleshooting entry is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    /// S1: Learn, "Register passkeys in Authenticator on Android and iOS devices" (the three
    /// starting points in the app, the screen lock, the provider settings per OS version, the
    /// Security info hand-off, the "Having trouble?" fallback, deleting a passkey).
    LearnRegisterInAuthenticator,
    /// S2: Learn, "Enable and support passkeys in Authenticator" (Android work profiles, a
    /// passkey per profile; the Conditional Access loop a Temporary Access Pass breaks, and the
    /// approved-client-app rule it doesn't, with its temporary exemption; attestation and the
    /// app as its only route; network endpoints).
    LearnEnableInAuthenticator,
    /// S3: Learn, "Enable synced passkeys" (what synced passkeys are and where they live).
    LearnEnableSynced,
    /// S4: Learn, "Register a synced passkey" (the plain "Passkey" option is the synced flow).
    LearnRegisterSynced,
    /// S5: Learn, "Sign in with passkeys in Authenticator" (signing in afterwards, on a computer
    /// with the system camera, Bluetooth and "iPhone, iPad, or Android device"; the iOS app's
    /// camera can't read that code; Edge on Android still to come).
    LearnSignInWithAuthenticator,
    /// S6: Learn, "Passkeys (FIDO2) authentication method in Microsoft Entra ID" (device-bound
    /// and synced passkeys, attestation).
    LearnPasskeysInEntra,
    /// S7: Learn, "Passkey (FIDO2) authentication matrix" (Firefox on Android is not supported).
    LearnCompatibility,
    /// S8: Learn, "How to enable passkeys (FIDO2)" (the tenant policy, MFA within 5 minutes).
    LearnEnablePasskeys,
    /// S9: Microsoft Support, "Troubleshoot signing in with a passkey".
    SupportTroubleshootPasskeys,
    /// S10: MicrosoftDocs/entra-docs issue 1014 ("Additional providers" missing on Android 14).
    EntraDocsIssue1014,
    /// S12: Samsung Support, "How to create and use a passkey in Samsung Pass" (a Samsung Pass
    /// passkey is stored only on the Galaxy device).
    SamsungPassPasskeys,
    /// The product brief's guide (reviewed 25 April 2026): entries no Microsoft page covers.
    ProductBrief,
    /// authwalk itself: this page's own QR code and link.
    ThisPage,
}

impl Source {
    /// Every source, in the order the page lists them.
    pub const ALL: [Source; 13] = [
        Source::LearnRegisterInAuthenticator,
        Source::LearnEnableInAuthenticator,
        Source::LearnEnableSynced,
        Source::LearnRegisterSynced,
        Source::LearnSignInWithAuthenticator,
        Source::LearnPasskeysInEntra,
        Source::LearnCompatibility,
        Source::LearnEnablePasskeys,
        Source::SupportTroubleshootPasskeys,
        Source::EntraDocsIssue1014,
        Source::SamsungPassPasskeys,
        Source::ProductBrief,
        Source::ThisPage,
    ];

    /// The review's reference ("S1" … "S12"), `None` for the brief and this page.
    pub fn reference(self) -> Option<&'static str> {
        Some(match self {
            Source::LearnRegisterInAuthenticator => "S1",
            Source::LearnEnableInAuthenticator => "S2",
            Source::LearnEnableSynced => "S3",
            Source::LearnRegisterSynced => "S4",
            Source::LearnSignInWithAuthenticator => "S5",
            Source::LearnPasskeysInEntra => "S6",
            Source::LearnCompatibility => "S7",
            Source::LearnEnablePasskeys => "S8",
            Source::SupportTroubleshootPasskeys => "S9",
            Source::EntraDocsIssue1014 => "S10",
            Source::SamsungPassPasskeys => "S12",
            Source::ProductBrief | Source::ThisPage => return None,
        })
    }

    /// The page's title as its publisher writes it.
    pub fn title(self) -> &'static str {
        match self {
            Source::LearnRegisterInAuthenticator => {
                "Register passkeys in Authenticator on Android and iOS devices"
            }
            Source::LearnEnableInAuthenticator => "Enable and support passkeys in Authenticator",
            Source::LearnEnableSynced => "Enable synced passkeys in Microsoft Entra ID",
            Source::LearnRegisterSynced => "Register a synced passkey (FIDO2)",
            Source::LearnSignInWithAuthenticator => {
                "Sign in with passkeys in Authenticator for Android and iOS devices"
            }
            Source::LearnPasskeysInEntra => {
                "Passkeys (FIDO2) authentication method in Microsoft Entra ID"
            }
            Source::LearnCompatibility => "Passkey (FIDO2) authentication matrix",
            Source::LearnEnablePasskeys => "How to enable passkeys (FIDO2) in Microsoft Entra ID",
            Source::SupportTroubleshootPasskeys => "Troubleshoot signing in with a passkey",
            Source::EntraDocsIssue1014 => {
                "“Additional providers” missing on Android 14 (entra-docs issue 1014)"
            }
            Source::SamsungPassPasskeys => "How to create and use a passkey in Samsung Pass",
            Source::ProductBrief => "authwalk’s original end-user guide (the product brief)",
            Source::ThisPage => "This page’s own QR code and link",
        }
    }

    /// Who publishes it.
    pub fn publisher(self) -> &'static str {
        match self {
            Source::LearnRegisterInAuthenticator
            | Source::LearnEnableInAuthenticator
            | Source::LearnEnableSynced
            | Source::LearnRegisterSynced
            | Source::LearnSignInWithAuthenticator
            | Source::LearnPasskeysInEntra
            | Source::LearnCompatibility
            | Source::LearnEnablePasskeys => "Microsoft Learn",
            Source::SupportTroubleshootPasskeys => "Microsoft Support",
            Source::EntraDocsIssue1014 => "GitHub, MicrosoftDocs/entra-docs",
            Source::SamsungPassPasskeys => "Samsung Support",
            Source::ProductBrief | Source::ThisPage => "authwalk",
        }
    }

    /// Its address, when it has one we could confirm.
    pub fn url(self) -> Option<&'static str> {
        Some(match self {
            Source::LearnRegisterInAuthenticator => {
                "https://learn.microsoft.com/entra/identity/authentication/how-to-register-passkey-authenticator"
            }
            Source::LearnEnableInAuthenticator => {
                "https://learn.microsoft.com/entra/identity/authentication/how-to-enable-authenticator-passkey"
            }
            Source::LearnEnableSynced => {
                "https://learn.microsoft.com/entra/identity/authentication/how-to-synced-passkeys"
            }
            Source::LearnRegisterSynced => {
                "https://learn.microsoft.com/entra/identity/authentication/how-to-register-passkey"
            }
            Source::LearnSignInWithAuthenticator => {
                "https://learn.microsoft.com/entra/identity/authentication/how-to-sign-in-passkey-authenticator"
            }
            Source::LearnPasskeysInEntra => {
                "https://learn.microsoft.com/entra/identity/authentication/concept-authentication-passkeys-fido2"
            }
            Source::LearnCompatibility => {
                "https://learn.microsoft.com/entra/identity/authentication/concept-fido2-compatibility"
            }
            Source::LearnEnablePasskeys => {
                "https://learn.microsoft.com/entra/identity/authentication/how-to-authentication-passkeys-fido2"
            }
            Source::EntraDocsIssue1014 => "https://github.com/MicrosoftDocs/entra-docs/issues/1014",
            Source::SamsungPassPasskeys => {
                "https://www.samsung.com/ae/support/apps-services/how-to-create-and-use-a-passkey-in-samsung-pass/"
            }
            // Its address could not be confirmed; the title finds it on support.microsoft.com.
            Source::SupportTroubleshootPasskeys | Source::ProductBrief | Source::ThisPage => {
                return None;
            }
        })
    }

    /// The revision the steps were checked against (the page's own date), when it has one.
    pub fn revised(self) -> Option<Date> {
        Some(match self {
            Source::LearnRegisterInAuthenticator
            | Source::LearnEnableInAuthenticator
            | Source::LearnEnableSynced
            | Source::LearnRegisterSynced
            | Source::LearnSignInWithAuthenticator
            | Source::LearnEnablePasskeys => date!(2026 - 07 - 05),
            Source::LearnPasskeysInEntra => date!(2026 - 02 - 02),
            Source::LearnCompatibility => date!(2026 - 04 - 16),
            Source::SamsungPassPasskeys => date!(2025 - 10 - 17),
            Source::ProductBrief => date!(2026 - 04 - 25),
            Source::SupportTroubleshootPasskeys | Source::EntraDocsIssue1014 | Source::ThisPage => {
                return None;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outside_source_has_a_reference_and_the_learn_pages_an_address_and_a_date() {
        for source in Source::ALL {
            let outside = !matches!(source, Source::ProductBrief | Source::ThisPage);
            assert_eq!(source.reference().is_some(), outside, "{source:?}");
            if source.publisher() == "Microsoft Learn" {
                let url = source.url().unwrap_or_default();
                assert!(
                    url.starts_with("https://learn.microsoft.com/entra/identity/authentication/"),
                    "{source:?}"
                );
                assert!(source.revised().is_some_and(|d| d <= CHECKED_ON));
            }
        }
        let mut references: Vec<_> = Source::ALL.iter().filter_map(|s| s.reference()).collect();
        references.dedup();
        assert_eq!(references.len(), 11, "S1–S10 and S12, once each");
    }
}
