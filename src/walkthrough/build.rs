//! `Walkthrough::build`: tenant profile × shown device × tenant settings → what the page says.
//!
//! Pure and free of English: every sentence comes from [`text`]; this file only decides which
//! sentences apply. The rule that runs through it: say what we know about the visitor's device,
//! and say "check it yourself" when we don't — a confident wrong claim costs a helpdesk ticket.

use std::collections::BTreeSet;

use crate::config::SecurityInfoPages;
use crate::device::{
    ANDROID_MINIMUM, Browser, IOS_MINIMUM, IOS_SOFT_MINIMUM, InApp, OsCheck, Platform, Vendor,
    WalkthroughKind,
};
use crate::profile::{Cloud, NamespaceType, TenantProfile};

use super::text::{self, ParagraphText, ProviderSettings, StepText, TroubleText};
use super::{
    CheckStatus, Guide, Helpdesk, Mockup, PasskeyPolicy, PathRole, Poster, Prerequisite, Screen,
    ScreenOn, Section, ShownDevice, Source, Step, StepCase, StepPath, Tab, TenantSettings, Trouble,
    Walkthrough, sources,
};

/// The iOS major from which Settings has "General → AutoFill & Passwords".
const IOS_AUTOFILL_MAJOR: u16 = 18;
/// The iOS major whose screens no source has confirmed yet (hedged in the text).
const IOS_UNCONFIRMED_MAJOR: u16 = 26;
/// The Android major where "Additional providers" can be missing.
const ANDROID_PROVIDER_GAP_MAJOR: u16 = 14;

impl Walkthrough {
    /// Builds the page for `device` showing the `shown` tab (the visitor's choice, else
    /// `device.walkthrough()`), sending people to their cloud's page of `security_info`.
    /// Pure: no I/O.
    pub fn build(
        profile: &TenantProfile,
        device: &ShownDevice,
        shown: WalkthroughKind,
        settings: &TenantSettings,
        security_info: &SecurityInfoPages,
    ) -> Walkthrough {
        let cloud = profile
            .tenant
            .as_ref()
            .map_or(Cloud::Public, |tenant| tenant.cloud);
        let page = security_info.for_cloud(cloud);
        // An entry with no way to reach anyone is no helpdesk: "contact your helpdesk (below)"
        // must point at something.
        let helpdesk = settings.helpdesk.clone().filter(has_contact);
        let ctx = Context {
            company: company_name(profile),
            device,
            shown,
            detected: device.walkthrough(),
            policy: settings.passkey_policy,
            helpdesk: helpdesk.is_some(),
            url: page.url(),
            short: page.short(),
            federation_note: federation_note(profile),
            page_qr: true,
        };
        ctx.assemble(settings.intro_message.clone(), helpdesk)
    }

    /// The general guide for `kind` (the landing page): no tenant and no visitor's device, the
    /// worldwide Security info page, the company called "your organisation", default settings.
    pub fn general(kind: WalkthroughKind, security_info: &SecurityInfoPages) -> Walkthrough {
        let page = security_info.for_cloud(Cloud::Public);
        let device = ShownDevice::unknown();
        let ctx = Context {
            company: text::GENERIC_COMPANY.to_owned(),
            device: &device,
            shown: kind,
            detected: kind,
            policy: PasskeyPolicy::default(),
            helpdesk: false,
            url: page.url(),
            short: page.short(),
            federation_note: None,
            // The landing page shows no QR code, and its readers have no rollout email of ours.
            page_qr: false,
        };
        let mut guide = ctx.assemble(None, None);
        // Headings name a company; the guide has none.
        guide.headline = text::GUIDE_HEADLINE.to_owned();
        guide.poster.title = text::GUIDE_HEADLINE.to_owned();
        guide
    }
}

impl Guide {
    /// The general guide, sending people to the worldwide page of `security_info`.
    pub fn new(security_info: &SecurityInfoPages) -> Guide {
        let devices: Vec<Walkthrough> = WalkthroughKind::ALL
            .into_iter()
            .map(|kind| Walkthrough::general(kind, security_info))
            .collect();
        // The computer's entries speak of "the phone", whichever it is; the Galaxy adds the
        // entries only Android phones have.
        let mut troubleshooting: Vec<Trouble> = Vec::new();
        for kind in [WalkthroughKind::Desktop, WalkthroughKind::Samsung] {
            if let Some(walkthrough) = devices.iter().find(|w| w.shown == kind) {
                for trouble in &walkthrough.troubleshooting {
                    if !troubleshooting.iter().any(|known| known.id == trouble.id) {
                        troubleshooting.push(trouble.clone());
                    }
                }
            }
        }
        Guide {
            devices,
            troubleshooting,
            checked_on: text::checked_on(sources::CHECKED_ON),
        }
    }
}

impl Poster {
    /// The one-page poster for `company`: the tenant page's print view and the rollout kit's.
    pub fn new(company: &str, helpdesk: Option<&Helpdesk>) -> Poster {
        Poster {
            title: text::poster_title(company),
            lead: text::POSTER_LEAD.to_owned(),
            scan_caption: text::POSTER_SCAN.to_owned(),
            steps: text::POSTER_STEPS.map(str::to_owned).to_vec(),
            requirement: text::poster_requirement(&supported_phones()),
            help: helpdesk.and_then(|helpdesk| {
                let contacts: Vec<&str> = [&helpdesk.email, &helpdesk.phone, &helpdesk.url]
                    .into_iter()
                    .filter_map(|contact| contact.as_deref())
                    .map(str::trim)
                    .filter(|contact| !contact.is_empty())
                    .collect();
                (!contacts.is_empty()).then(|| text::poster_help(&contacts.join(" · ")))
            }),
        }
    }
}

/// The iOS versions as the text writes them: Microsoft's minimum ("17", the soft minimum of the
/// OS rule) and the recommended release ("17.4", the rule's full minimum).
struct IosWords {
    required: String,
    recommended: String,
}

impl IosWords {
    fn new() -> Self {
        Self {
            required: text::minimum(IOS_SOFT_MINIMUM),
            recommended: text::minimum(IOS_MINIMUM),
        }
    }

    fn versions(&self) -> text::IosVersions<'_> {
        text::IosVersions {
            required: &self.required,
            recommended: &self.recommended,
        }
    }
}

/// The phones that can hold the passkey, with the OS rule's versions: "an iPhone with iOS 17 or
/// later (17.4 or later recommended), or an Android phone with Android 14 or later".
pub fn supported_phones() -> String {
    text::supported_phones(IosWords::new().versions(), &text::minimum(ANDROID_MINIMUM))
}

/// Every source the steps, entries and sections name, once each, in [`Source::ALL`]'s order.
fn sources_named<'a>(
    paths: &[StepPath],
    troubles: &[Trouble],
    sections: impl IntoIterator<Item = &'a Section>,
) -> Vec<Source> {
    let named: BTreeSet<Source> = paths
        .iter()
        .flat_map(|path| &path.steps)
        .flat_map(|step| step.sources.iter().copied())
        .chain(troubles.iter().flat_map(|t| t.sources.iter().copied()))
        .chain(
            sections
                .into_iter()
                .flat_map(|section| section.sources.iter().copied()),
        )
        .collect();
    Source::ALL
        .into_iter()
        .filter(|source| named.contains(source))
        .collect()
}

/// The company as people know it: Entra's display name, else the domain in Unicode.
fn company_name(profile: &TenantProfile) -> String {
    profile
        .tenant
        .as_ref()
        .and_then(|tenant| tenant.display_name.as_deref())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map_or_else(|| profile.domain.to_unicode(), str::to_owned)
}

/// The note for a federated domain. A known IdP host makes the domain federated even when the
/// namespace type was not learnt; a federated domain without a host still gets the note.
fn federation_note(profile: &TenantProfile) -> Option<String> {
    let company = company_name(profile);
    let host = profile
        .federation
        .as_ref()
        .map(|federation| federation.idp_host.trim())
        .filter(|host| !host.is_empty());
    match (host, profile.namespace_type) {
        (Some(host), _) => Some(text::federation_note(&company, host)),
        (None, NamespaceType::Federated) => Some(text::federation_note_no_host(&company)),
        (None, NamespaceType::Managed | NamespaceType::Unknown) => None,
    }
}

fn has_contact(helpdesk: &Helpdesk) -> bool {
    [&helpdesk.email, &helpdesk.phone, &helpdesk.url]
        .into_iter()
        .any(|field| {
            field
                .as_deref()
                .is_some_and(|value| !value.trim().is_empty())
        })
}

/// Whether the visitor reads the steps for the device in their hand. Android and Samsung are the
/// same phone seen through two tabs, so a Galaxy on the Android tab still gets its own version.
fn same_device(detected: WalkthroughKind, shown: WalkthroughKind) -> bool {
    use WalkthroughKind::{Android, Desktop, Ios, Samsung};
    matches!(
        (detected, shown),
        (Ios, Ios) | (Android | Samsung, Android | Samsung) | (Desktop, Desktop)
    )
}

/// A step from its words, with a mock-up of `screen` on `on` (or none).
fn step(words: StepText, mockup: Option<(Screen, ScreenOn)>) -> Step {
    Step {
        title: words.title,
        detail: words.detail,
        cases: words
            .cases
            .into_iter()
            .map(|case| StepCase {
                when: case.when,
                then: case.then,
            })
            .collect(),
        mockup: mockup.map(|(screen, on)| Mockup { screen, on }),
        sources: words.sources,
        scans_page_qr: false,
    }
}

/// A step with a mock-up on the phone.
fn on_phone(words: StepText, screen: Screen) -> Step {
    step(words, Some((screen, ScreenOn::Phone)))
}

/// A step with a mock-up on the computer.
fn on_computer(words: StepText, screen: Screen) -> Step {
    step(words, Some((screen, ScreenOn::Computer)))
}

/// A section from its paragraphs, naming their sources once each.
fn section(title: &str, paragraphs: Vec<ParagraphText>) -> Section {
    let sources: BTreeSet<Source> = paragraphs
        .iter()
        .flat_map(|paragraph| paragraph.sources.iter().copied())
        .collect();
    Section {
        title: title.to_owned(),
        paragraphs: paragraphs.into_iter().map(|p| p.text).collect(),
        sources: sources.into_iter().collect(),
    }
}

/// Everything the sections below need, computed once.
struct Context<'a> {
    company: String,
    device: &'a ShownDevice,
    shown: WalkthroughKind,
    detected: WalkthroughKind,
    policy: PasskeyPolicy,
    helpdesk: bool,
    url: &'a str,
    short: &'a str,
    federation_note: Option<String>,
    /// The page shows its own QR code (tenant pages; not the landing page's guide).
    page_qr: bool,
}

impl Context<'_> {
    /// The whole page from what was computed about the tenant, the device and the settings.
    fn assemble(self, intro_message: Option<String>, helpdesk: Option<Helpdesk>) -> Walkthrough {
        let prerequisites = self.prerequisites();
        let blocked = prerequisites
            .iter()
            .any(|prerequisite| prerequisite.status == CheckStatus::NotMet);
        let paths = self.paths();
        let passkey_choice = self.passkey_choice();
        let troubleshooting = self.troubleshooting();
        let done = self.done();
        let sources = sources_named(&paths, &troubleshooting, [&passkey_choice, &done]);
        Walkthrough {
            shown: self.shown,
            detected: self.detected,
            headline: text::headline(&self.company),
            lead: text::lead(&self.company, self.shown),
            intro_message,
            tabs: self.tabs(),
            notices: self.notices(),
            prerequisites,
            blocked,
            paths,
            passkey_choice,
            federation_note: self.federation_note.clone(),
            security_info_url: self.url.to_owned(),
            security_info_short: self.short.to_owned(),
            troubleshooting,
            poster: Poster::new(&self.company, helpdesk.as_ref()),
            helpdesk,
            done,
            checked_on: text::checked_on(sources::CHECKED_ON),
            sources,
            company: self.company,
        }
    }

    fn same_device(&self) -> bool {
        same_device(self.detected, self.shown)
    }

    fn tabs(&self) -> Vec<Tab> {
        WalkthroughKind::ALL
            .into_iter()
            .map(|kind| Tab {
                kind,
                label: text::tab_label(kind).to_owned(),
                selected: kind == self.shown,
                detected: kind == self.detected,
            })
            .collect()
    }

    fn notices(&self) -> Vec<String> {
        use WalkthroughKind::{Android, Desktop, Ios, Samsung};
        let device = self.device;
        // An app's built-in browser is said once, with its fix, by the browser prerequisite.
        let mut notices = Vec::new();
        if device.platform == Platform::Unknown {
            notices.push(text::NOTICE_UNKNOWN_DEVICE.to_owned());
            return notices;
        }
        match (self.detected, self.shown) {
            (Ios, Ios) if device.platform == Platform::Ipados => {
                notices.push(text::NOTICE_IPAD.to_owned());
            }
            // Without a model hint Chrome's reduced UA hides the maker: it may be a Galaxy.
            (Android, Android) if device.vendor == Vendor::Unknown => {
                notices.push(text::NOTICE_MAYBE_SAMSUNG.to_owned());
            }
            (Samsung, Android) => notices.push(text::NOTICE_SAMSUNG_ON_ANDROID_TAB.to_owned()),
            // Only contradict a Samsung choice when we know the maker is someone else.
            (Android, Samsung) if matches!(device.vendor, Vendor::Google | Vendor::Other) => {
                notices.push(text::notice_other_phone(Android, Samsung));
            }
            (Desktop, Desktop) if device.maybe_ipad => {
                notices.push(text::NOTICE_MAYBE_IPAD.to_owned());
            }
            (Desktop, Desktop) => {}
            // A Mac UA may be an iPad that chose its own steps: nothing to say.
            (Desktop, Ios) if device.maybe_ipad => {}
            (Desktop, phone) => {
                notices.push(text::notice_computer_reading_phone_steps(phone));
                if device.maybe_ipad {
                    notices.push(text::NOTICE_MAYBE_IPAD.to_owned());
                }
            }
            (phone, Desktop) => notices.push(text::notice_phone_reading_computer_steps(phone)),
            (detected, shown) if !same_device(detected, shown) => {
                notices.push(text::notice_other_phone(detected, shown));
            }
            _ => {}
        }
        notices
    }

    fn prerequisites(&self) -> Vec<Prerequisite> {
        vec![
            Prerequisite {
                id: "authenticator",
                status: CheckStatus::Todo,
                title: text::AUTHENTICATOR_TITLE.to_owned(),
                detail: text::authenticator_detail(self.shown, self.helpdesk),
                fix: None,
            },
            self.os_version(),
            self.browser(),
            Prerequisite {
                id: "tenant_policy",
                status: CheckStatus::Todo,
                title: text::tenant_policy_title(&self.company),
                detail: text::TENANT_POLICY_DETAIL.to_owned(),
                fix: Some(text::tenant_policy_fix(self.helpdesk)),
            },
        ]
    }

    fn os_version(&self) -> Prerequisite {
        let shown = self.shown;
        let ios = IosWords::new();
        let android_minimum = text::minimum(ANDROID_MINIMUM);
        // Microsoft's minimum, and the release recommended on top of it (iOS only).
        let (minimum, recommended) = match shown {
            WalkthroughKind::Ios => (&ios.required, &ios.recommended),
            _ => (&android_minimum, &android_minimum),
        };
        let os = text::os_name(shown);
        let check_fix = || Some(text::os_check_fix(shown, ios.versions(), &android_minimum));
        let (status, detail, fix) = if shown == WalkthroughKind::Desktop {
            (
                CheckStatus::Unknown,
                text::OS_UNKNOWN_DESKTOP.to_owned(),
                check_fix(),
            )
        } else if !self.same_device() {
            // Never the visitor's own version for a phone they aren't holding.
            (
                CheckStatus::Unknown,
                text::os_unknown_elsewhere(shown),
                check_fix(),
            )
        } else {
            let update = text::os_update_path(shown);
            match (self.device.os_check, self.device.version) {
                (OsCheck::Met, Some(found)) => (CheckStatus::Met, text::os_met(os, found), None),
                (OsCheck::UpdateRecommended, Some(found)) => (
                    CheckStatus::Warning,
                    text::os_warning(os, found, minimum, recommended),
                    Some(text::os_warning_fix(update)),
                ),
                (OsCheck::NotMet, Some(found)) => (
                    CheckStatus::NotMet,
                    text::os_not_met(os, found, minimum),
                    Some(text::os_not_met_fix(update, os, minimum, self.helpdesk)),
                ),
                _ => (CheckStatus::Unknown, text::os_unknown_here(os), check_fix()),
            }
        };
        Prerequisite {
            id: "os_version",
            status,
            title: text::os_title(shown, ios.versions(), &android_minimum),
            detail,
            fix,
        }
    }

    fn browser(&self) -> Prerequisite {
        let device = self.device;
        let phone_elsewhere = self.shown != WalkthroughKind::Desktop && !self.same_device();
        let android = matches!(
            self.shown,
            WalkthroughKind::Android | WalkthroughKind::Samsung
        );
        let (status, detail, fix) = if phone_elsewhere {
            // This browser isn't the one that will do the setup; advise for the phone.
            (CheckStatus::Todo, text::browser_on_phone(self.shown), None)
        } else if device.in_app != InApp::None {
            // The recommended steps happen in Authenticator: the built-in browser only stops the
            // Security info route.
            (
                CheckStatus::Advice,
                text::browser_in_app(device.in_app),
                Some(text::in_app_fix(self.detected).to_owned()),
            )
        } else if android && device.browser == Browser::Firefox {
            (
                CheckStatus::Advice,
                text::BROWSER_FIREFOX_ANDROID.to_owned(),
                None,
            )
        } else if android && device.browser == Browser::Edge {
            // Setting up works; signing in with the passkey in Edge on Android is still to come.
            (
                CheckStatus::Advice,
                text::BROWSER_EDGE_ANDROID.to_owned(),
                None,
            )
        } else if device.browser == Browser::Unknown {
            (CheckStatus::Unknown, text::BROWSER_UNKNOWN.to_owned(), None)
        } else {
            (
                CheckStatus::Met,
                text::browser_met(self.shown, device.browser),
                None,
            )
        };
        Prerequisite {
            id: "browser",
            status,
            title: text::browser_title(self.shown).to_owned(),
            detail,
            fix,
        }
    }

    fn paths(&self) -> Vec<StepPath> {
        match self.shown {
            WalkthroughKind::Desktop => vec![
                self.continue_on_phone(),
                self.security_info_from_computer(),
                self.cross_device(),
            ],
            _ => vec![self.in_app(), self.browser_path()],
        }
    }

    /// The phone's version, when it is the phone the visitor holds.
    fn own_version(&self) -> Option<super::PrintedVersion> {
        self.same_device().then_some(self.device.version).flatten()
    }

    /// The provider settings the tab shows: chosen from the version we know, all when we don't.
    fn provider_settings(&self) -> ProviderSettings {
        let version = self.own_version();
        match self.shown {
            WalkthroughKind::Ios => match version {
                Some(v) if v.major() >= IOS_UNCONFIRMED_MAJOR => ProviderSettings::Ios26,
                // "18 or later" (a non-Safari browser's frozen User-Agent) may well be iOS 26.
                Some(v) if v.major() >= IOS_AUTOFILL_MAJOR && !v.is_exact_major() => {
                    ProviderSettings::Ios26
                }
                Some(v) if v.major() >= IOS_AUTOFILL_MAJOR => ProviderSettings::Ios18,
                Some(v) if v.is_exact_major() && v.major() == IOS_SOFT_MINIMUM.major => {
                    ProviderSettings::Ios17
                }
                _ => ProviderSettings::IosAny,
            },
            WalkthroughKind::Android | WalkthroughKind::Samsung => {
                // Only a version known to be past 14 drops Microsoft's Android 14 advice.
                let android_14 = version.is_none_or(|v| v.major() <= ANDROID_PROVIDER_GAP_MAJOR);
                if self.shown == WalkthroughKind::Samsung {
                    ProviderSettings::Samsung { android_14 }
                } else {
                    ProviderSettings::Android { android_14 }
                }
            }
            WalkthroughKind::Desktop => ProviderSettings::AnyPhone,
        }
    }

    /// The mock-up of the provider settings shown: iOS 17's screen only for iOS 17, the
    /// AutoFill & Passwords screen for iOS 18 and later and when the version is unknown.
    fn provider_screen(settings: ProviderSettings) -> Screen {
        match settings {
            ProviderSettings::Ios17 => Screen::ProviderIos17,
            ProviderSettings::Ios18 | ProviderSettings::Ios26 | ProviderSettings::IosAny => {
                Screen::ProviderIos18
            }
            ProviderSettings::Android { .. } | ProviderSettings::AnyPhone => {
                Screen::ProviderAndroid
            }
            ProviderSettings::Samsung { .. } => Screen::ProviderSamsung,
        }
    }

    fn in_app(&self) -> StepPath {
        let kind = self.shown;
        let settings = self.provider_settings();
        StepPath {
            id: "in_app",
            title: text::IN_APP_TITLE.to_owned(),
            summary: text::IN_APP_SUMMARY.to_owned(),
            role: PathRole::Recommended,
            steps: vec![
                on_phone(
                    text::step_start_in_authenticator(),
                    Screen::AuthenticatorAccount,
                ),
                on_phone(
                    text::step_sign_in(self.federation_note.as_deref()),
                    Screen::SignIn,
                ),
                step(text::step_screen_lock(kind), None),
                on_phone(
                    text::step_provider(settings),
                    Self::provider_screen(settings),
                ),
                on_phone(text::step_done_twice(&self.company), Screen::AccountPasskey),
            ],
        }
    }

    fn browser_path(&self) -> StepPath {
        let kind = self.shown;
        StepPath {
            id: "browser",
            title: text::browser_path_title(kind),
            summary: text::BROWSER_PATH_SUMMARY.to_owned(),
            role: PathRole::Alternative,
            steps: vec![
                on_phone(
                    text::step_open_security_info(
                        kind,
                        self.short,
                        self.url,
                        self.federation_note.as_deref(),
                    ),
                    Screen::SignIn,
                ),
                on_phone(
                    text::step_add_method(kind, self.helpdesk),
                    Screen::SecurityInfo,
                ),
                step(text::step_get_authenticator(kind), None),
                on_phone(text::step_create_in_app(), Screen::SecurityInfoHandoff),
                step(text::step_finish_in_app(self.provider_settings()), None),
                on_phone(text::step_back_in_browser(kind), Screen::Done),
            ],
        }
    }

    fn continue_on_phone(&self) -> StepPath {
        let to_the_phone = if self.page_qr {
            Step {
                scans_page_qr: true,
                ..on_phone(text::step_scan_page_qr(), Screen::QrCode)
            }
        } else {
            step(text::step_open_on_phone(), None)
        };
        StepPath {
            id: "continue_on_phone",
            title: text::CONTINUE_ON_PHONE_TITLE.to_owned(),
            summary: text::CONTINUE_ON_PHONE_SUMMARY.to_owned(),
            role: PathRole::Recommended,
            steps: vec![
                to_the_phone,
                on_phone(text::step_start_on_phone(), Screen::AuthenticatorAccount),
                step(text::step_follow_prompts(), None),
                on_phone(text::step_phone_done(), Screen::AccountPasskey),
            ],
        }
    }

    fn security_info_from_computer(&self) -> StepPath {
        StepPath {
            id: "security_info",
            title: text::SECURITY_INFO_TITLE.to_owned(),
            summary: text::SECURITY_INFO_SUMMARY.to_owned(),
            role: PathRole::Alternative,
            steps: vec![
                on_computer(
                    text::step_open_security_info_computer(
                        self.short,
                        self.url,
                        self.federation_note.as_deref(),
                    ),
                    Screen::SignIn,
                ),
                on_computer(
                    text::step_add_method_computer(self.helpdesk),
                    Screen::SecurityInfo,
                ),
                step(text::step_get_authenticator_computer(), None),
                on_computer(text::step_create_on_phone(), Screen::SecurityInfoHandoff),
                step(text::step_finish_on_phone(), None),
                on_computer(text::step_back_on_computer(), Screen::Done),
            ],
        }
    }

    fn cross_device(&self) -> StepPath {
        StepPath {
            id: "cross_device",
            title: text::CROSS_DEVICE_TITLE.to_owned(),
            summary: text::cross_device_summary(&self.company, self.helpdesk),
            role: PathRole::Fallback,
            steps: vec![
                step(text::step_provider_first(), None),
                step(text::step_having_trouble(), None),
                step(text::step_choose_phone_kind(), None),
                on_computer(text::step_choose_other_device(), Screen::OtherDeviceWindow),
                on_phone(text::step_scan_with_camera(), Screen::QrCode),
                on_phone(
                    text::step_save_over_bluetooth(self.shown),
                    Screen::Biometric,
                ),
                on_computer(text::step_finish_on_computer(), Screen::Done),
            ],
        }
    }

    fn passkey_choice(&self) -> Section {
        let kind = self.shown;
        let paragraphs = match self.policy {
            PasskeyPolicy::AuthenticatorOnly => vec![
                text::choice_authenticator_only(&self.company, kind),
                text::choice_device_bound(),
            ],
            PasskeyPolicy::SyncedAllowed => {
                let mut paragraphs = vec![
                    text::choice_synced_allowed(&self.company, kind),
                    text::choice_when_authenticator(&self.company),
                    text::choice_when_synced(),
                ];
                if kind == WalkthroughKind::Samsung {
                    paragraphs.push(text::choice_samsung_pass());
                }
                paragraphs.push(text::choice_not_sure(&self.company));
                paragraphs
            }
        };
        section(text::CHOICE_TITLE, paragraphs)
    }

    fn troubleshooting(&self) -> Vec<Trouble> {
        use WalkthroughKind::{Android, Desktop, Samsung};
        let kind = self.shown;
        let android = matches!(kind, Android | Samsung);
        let mut rows: Vec<(&'static str, TroubleText)> = vec![
            (
                "not_supported_by_tenant",
                text::trouble_not_supported(&self.company, self.helpdesk),
            ),
            (
                "conditional_access",
                text::trouble_conditional_access(&self.company, self.helpdesk),
            ),
            (
                "app_not_approved",
                text::trouble_app_not_approved(&self.company, self.helpdesk),
            ),
        ];
        if kind == Desktop {
            // Starting on a computer fails mostly at the QR code, Bluetooth and the network.
            rows.extend([
                ("qr_scanner_instead", text::trouble_qr_scanner_instead()),
                ("phone_cannot_connect", text::trouble_phone_cannot_connect()),
                (
                    "network_blocks_cross_device",
                    text::trouble_network_blocks_cross_device(self.helpdesk),
                ),
            ]);
        }
        rows.push(("provider_missing", text::trouble_provider_missing(kind)));
        if kind == Samsung {
            rows.push(("samsung_pass_default", text::trouble_samsung_pass_default()));
        }
        if android || kind == Desktop {
            rows.push(("work_profile", text::trouble_work_profile()));
        }
        if android {
            rows.push(("firefox_android", text::trouble_firefox_android()));
        }
        rows.extend([
            (
                "passkey_already_exists",
                text::trouble_passkey_already_exists(&self.company, self.short),
            ),
            (
                "authenticator_not_installed",
                text::trouble_authenticator_not_installed(kind),
            ),
            ("cannot_verify_device", text::trouble_cannot_verify_device()),
            ("biometric_failed", text::trouble_biometric_failed(kind)),
            ("in_app_browser", text::trouble_in_app_browser(kind)),
        ]);
        rows.into_iter()
            .map(|(id, row)| Trouble {
                id,
                symptom: row.symptom,
                meaning: row.meaning,
                fix: row.fix,
                sources: row.sources,
            })
            .collect()
    }

    fn done(&self) -> Section {
        let mut paragraphs = vec![
            text::done_account(),
            text::done_listed(self.short),
            text::done_next_sign_in(&self.company),
        ];
        if self.shown == WalkthroughKind::Desktop {
            // On a computer "confirm on your phone" means a QR code, the camera and Bluetooth.
            paragraphs.push(text::done_sign_in_on_computer());
        }
        paragraphs.push(text::done_keep());
        section(text::DONE_TITLE, paragraphs)
    }
}
