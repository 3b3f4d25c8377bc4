//! `Walkthrough::build`: tenant profile × device × tenant settings → what the page says.
//!
//! Pure and free of English: every sentence comes from [`text`]; this file only decides which
//! sentences apply. The rule that runs through it: say what we know about the visitor's device,
//! and say "check it yourself" when we don't — a confident wrong claim costs a helpdesk ticket.

use crate::device::{
    ANDROID_MINIMUM, Browser, Device, IOS_MINIMUM, IOS_SOFT_MINIMUM, InApp, OsCheck, OsVersion,
    Platform, Vendor, WalkthroughKind,
};
use crate::profile::{Cloud, NamespaceType, TenantProfile};

use super::text::{self, TroubleText};
use super::{
    CheckStatus, Helpdesk, PasskeyPolicy, Poster, Prerequisite, Screen, Section, Step, StepPath,
    Tab, TenantSettings, Trouble, Walkthrough,
};

impl Walkthrough {
    /// Builds the page for `device` showing the `shown` tab (the visitor's choice, else
    /// `device.walkthrough()`). Pure: no I/O.
    pub fn build(
        profile: &TenantProfile,
        device: &Device,
        shown: WalkthroughKind,
        settings: &TenantSettings,
    ) -> Walkthrough {
        let cloud = profile
            .tenant
            .as_ref()
            .map_or(Cloud::Public, |tenant| tenant.cloud);
        let (security_info_url, security_info_short) = Self::security_info(cloud);
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
            url: security_info_url,
            short: security_info_short,
            federation_note: federation_note(profile),
        };
        let prerequisites = ctx.prerequisites();
        let blocked = prerequisites
            .iter()
            .any(|prerequisite| prerequisite.status == CheckStatus::NotMet);
        Walkthrough {
            shown,
            detected: ctx.detected,
            headline: text::headline(&ctx.company),
            lead: text::lead(&ctx.company, shown),
            intro_message: settings.intro_message.clone(),
            tabs: ctx.tabs(),
            notices: ctx.notices(),
            prerequisites,
            blocked,
            paths: ctx.paths(),
            passkey_choice: ctx.passkey_choice(),
            federation_note: ctx.federation_note.clone(),
            security_info_url,
            security_info_short,
            troubleshooting: ctx.troubleshooting(),
            helpdesk: helpdesk.clone(),
            done: ctx.done(),
            poster: ctx.poster(helpdesk.as_ref()),
            company: ctx.company,
        }
    }

    /// The cloud's security-info page: (full URL, short form for print and speech).
    ///
    /// `aka.ms/mysecurityinfo` only leads to the worldwide cloud, so the sovereign clouds use
    /// their own host without the scheme as the short form.
    pub fn security_info(cloud: Cloud) -> (&'static str, &'static str) {
        match cloud {
            Cloud::Public => (
                "https://mysignins.microsoft.com/security-info",
                "aka.ms/mysecurityinfo",
            ),
            Cloud::Usgov => (
                "https://mysignins.microsoft.us/security-info",
                "mysignins.microsoft.us/security-info",
            ),
            Cloud::China => (
                "https://mysignins.azure.cn/security-info",
                "mysignins.azure.cn/security-info",
            ),
        }
    }
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

fn step(title: impl Into<String>, detail: impl Into<String>, screen: Option<Screen>) -> Step {
    Step {
        title: title.into(),
        detail: Some(detail.into()),
        screen,
    }
}

/// Everything the sections below need, computed once.
struct Context<'a> {
    company: String,
    device: &'a Device,
    shown: WalkthroughKind,
    detected: WalkthroughKind,
    policy: PasskeyPolicy,
    helpdesk: bool,
    url: &'static str,
    short: &'static str,
    federation_note: Option<String>,
}

impl Context<'_> {
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
        let mut notices = Vec::new();
        if device.in_app != InApp::None {
            notices.push(text::notice_in_app(device.in_app, self.detected));
        }
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
                detail: text::authenticator_detail(self.shown),
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

    /// The detected version as people write it, exact or as a lower bound.
    fn found_version(&self) -> Option<String> {
        let device = self.device;
        match (device.os_version, device.os_version_at_least) {
            (Some(exact), _) => Some(text::version(self.shown, exact)),
            (None, Some(bound)) => Some(text::version_at_least(&text::version(self.shown, bound))),
            (None, None) => None,
        }
    }

    fn os_version(&self) -> Prerequisite {
        let shown = self.shown;
        let ios_minimum = text::version(WalkthroughKind::Ios, IOS_MINIMUM);
        let android_minimum = text::version(WalkthroughKind::Android, ANDROID_MINIMUM);
        let minimum = match shown {
            WalkthroughKind::Ios => &ios_minimum,
            _ => &android_minimum,
        };
        let os = text::os_name(shown);
        let check_fix = || {
            Some(text::os_check_fix(
                shown,
                &ios_minimum,
                IOS_SOFT_MINIMUM.major,
                &android_minimum,
            ))
        };
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
            match (self.device.os_check(), self.found_version()) {
                (OsCheck::Met, Some(found)) => (CheckStatus::Met, text::os_met(os, &found), None),
                (OsCheck::UpdateRecommended, Some(found)) => (
                    CheckStatus::Warning,
                    text::os_warning(os, &found, minimum),
                    Some(text::os_warning_fix(update)),
                ),
                (OsCheck::NotMet, Some(found)) => (
                    CheckStatus::NotMet,
                    text::os_not_met(os, &found, minimum),
                    Some(text::os_not_met_fix(update, os, minimum, self.helpdesk)),
                ),
                _ => (CheckStatus::Unknown, text::os_unknown_here(os), check_fix()),
            }
        };
        Prerequisite {
            id: "os_version",
            status,
            title: text::os_title(shown, &ios_minimum, &android_minimum),
            detail,
            fix,
        }
    }

    fn browser(&self) -> Prerequisite {
        let device = self.device;
        let phone_elsewhere = self.shown != WalkthroughKind::Desktop && !self.same_device();
        let (status, detail, fix) = if phone_elsewhere {
            // This browser isn't the one that will do the setup; advise for the phone.
            (CheckStatus::Todo, text::browser_on_phone(self.shown), None)
        } else if device.in_app != InApp::None {
            (
                CheckStatus::NotMet,
                text::browser_in_app(device.in_app),
                Some(text::in_app_fix(self.detected).to_owned()),
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
            WalkthroughKind::Desktop => vec![self.continue_on_phone(), self.cross_device()],
            _ => vec![self.in_app(), self.browser_path()],
        }
    }

    /// A sign-in step's detail, with the federation note where the IdP page will appear.
    fn with_federation(&self, detail: String) -> String {
        match &self.federation_note {
            Some(note) => format!("{detail} {note}"),
            None => detail,
        }
    }

    /// The iOS provider settings for the iOS version we know, both when we don't.
    fn ios_provider(&self) -> &'static str {
        let known = if self.same_device() {
            self.device.os_version.or(self.device.os_version_at_least)
        } else {
            None
        };
        match known {
            Some(OsVersion { major: 18.., .. }) => text::PROVIDER_IOS_18,
            Some(OsVersion { major: 17, .. }) if self.device.os_version.is_some() => {
                text::PROVIDER_IOS_17
            }
            _ => text::PROVIDER_IOS_ANY,
        }
    }

    /// The provider step: (title, settings path), Samsung's detour being its own step.
    fn provider(&self, in_app: bool) -> (&'static str, &'static str) {
        let title = if in_app {
            text::STEP_PROVIDER_WHEN_ASKED
        } else {
            text::STEP_PROVIDER_IF_ASKED
        };
        match self.shown {
            WalkthroughKind::Ios => (title, self.ios_provider()),
            WalkthroughKind::Samsung => (text::STEP_SAMSUNG_PROVIDER, text::PROVIDER_SAMSUNG),
            WalkthroughKind::Android | WalkthroughKind::Desktop => (title, text::PROVIDER_ANDROID),
        }
    }

    fn in_app(&self) -> StepPath {
        let kind = self.shown;
        let (provider_title, provider) = self.provider(true);
        StepPath {
            id: "in_app",
            title: text::IN_APP_TITLE.to_owned(),
            summary: text::in_app_summary(kind).to_owned(),
            recommended: true,
            steps: vec![
                step(
                    text::STEP_OPEN_AUTHENTICATOR,
                    text::STEP_OPEN_AUTHENTICATOR_DETAIL,
                    Some(Screen::AuthenticatorAdd),
                ),
                step(
                    text::STEP_SIGN_IN,
                    self.with_federation(text::step_sign_in_detail(&self.company)),
                    Some(Screen::SignIn),
                ),
                step(
                    provider_title,
                    format!("{provider}{}", text::PROVIDER_THEN_BACK),
                    Some(Screen::ProviderSettings),
                ),
                step(
                    text::STEP_CONFIRM,
                    text::step_confirm_detail(kind, &self.company),
                    Some(Screen::Biometric),
                ),
            ],
        }
    }

    fn browser_path(&self) -> StepPath {
        let kind = self.shown;
        let (provider_title, provider) = self.provider(false);
        StepPath {
            id: "browser",
            title: text::browser_path_title(kind),
            summary: text::browser_path_summary(kind).to_owned(),
            recommended: false,
            steps: vec![
                step(
                    text::step_open_security_info(kind, self.short),
                    text::step_open_security_info_detail(kind, self.url),
                    None,
                ),
                step(
                    text::STEP_SIGN_IN_WORK_ACCOUNT,
                    self.with_federation(text::STEP_SIGN_IN_WORK_ACCOUNT_DETAIL.to_owned()),
                    Some(Screen::SignIn),
                ),
                step(
                    text::STEP_ADD_METHOD,
                    text::STEP_ADD_METHOD_DETAIL,
                    Some(Screen::SecurityInfo),
                ),
                step(
                    provider_title,
                    format!("{provider}{}", text::provider_then_continue(kind)),
                    Some(Screen::ProviderSettings),
                ),
                step(
                    text::STEP_CHOOSE_AUTHENTICATOR,
                    text::step_choose_authenticator_detail(kind, self.policy, &self.company),
                    Some(Screen::PasskeySheet),
                ),
                step(
                    text::STEP_NAME_PASSKEY,
                    text::step_name_passkey_detail(kind),
                    Some(Screen::Done),
                ),
            ],
        }
    }

    fn continue_on_phone(&self) -> StepPath {
        StepPath {
            id: "continue_on_phone",
            title: text::CONTINUE_ON_PHONE_TITLE.to_owned(),
            summary: text::CONTINUE_ON_PHONE_SUMMARY.to_owned(),
            recommended: true,
            steps: vec![
                step(
                    text::STEP_SCAN_PAGE_QR,
                    text::STEP_SCAN_PAGE_QR_DETAIL,
                    Some(Screen::QrCode),
                ),
                step(
                    text::STEP_FOLLOW_PHONE,
                    text::STEP_FOLLOW_PHONE_DETAIL,
                    Some(Screen::AuthenticatorAdd),
                ),
                step(
                    text::STEP_PHONE_DONE,
                    text::STEP_PHONE_DONE_DETAIL,
                    Some(Screen::Done),
                ),
            ],
        }
    }

    fn cross_device(&self) -> StepPath {
        StepPath {
            id: "cross_device",
            title: text::CROSS_DEVICE_TITLE.to_owned(),
            summary: text::CROSS_DEVICE_SUMMARY.to_owned(),
            recommended: false,
            steps: vec![
                step(
                    text::step_open_security_info_computer(self.short),
                    self.with_federation(text::step_open_security_info_computer_detail(self.url)),
                    Some(Screen::SignIn),
                ),
                step(
                    text::STEP_ADD_METHOD_COMPUTER,
                    text::STEP_ADD_METHOD_DETAIL,
                    Some(Screen::SecurityInfo),
                ),
                step(
                    text::STEP_PICK_PHONE,
                    text::STEP_PICK_PHONE_DETAIL,
                    Some(Screen::ProviderSettings),
                ),
                step(
                    text::STEP_CHOOSE_PHONE_DEVICE,
                    text::STEP_CHOOSE_PHONE_DEVICE_DETAIL,
                    Some(Screen::PasskeySheet),
                ),
                step(
                    text::STEP_SCAN_SYSTEM_CAMERA,
                    text::STEP_SCAN_SYSTEM_CAMERA_DETAIL,
                    Some(Screen::QrCode),
                ),
                step(
                    text::STEP_APPROVE_ON_PHONE,
                    text::STEP_APPROVE_ON_PHONE_DETAIL,
                    Some(Screen::Biometric),
                ),
                step(
                    text::STEP_NAME_ON_COMPUTER,
                    text::STEP_NAME_ON_COMPUTER_DETAIL,
                    Some(Screen::Done),
                ),
            ],
        }
    }

    fn passkey_choice(&self) -> Section {
        let paragraphs = match self.policy {
            PasskeyPolicy::AuthenticatorOnly => vec![
                text::choice_authenticator_only(&self.company, self.shown),
                text::CHOICE_DEVICE_BOUND.to_owned(),
            ],
            PasskeyPolicy::SyncedAllowed => vec![
                text::choice_synced_allowed(&self.company, self.shown),
                text::CHOICE_WHEN_AUTHENTICATOR.to_owned(),
                text::CHOICE_WHEN_SYNCED.to_owned(),
                text::CHOICE_NOT_SURE.to_owned(),
            ],
        };
        Section {
            title: text::CHOICE_TITLE.to_owned(),
            paragraphs,
        }
    }

    fn troubleshooting(&self) -> Vec<Trouble> {
        let kind = self.shown;
        let mut rows: Vec<(&'static str, TroubleText)> = vec![
            (
                "not_supported_by_tenant",
                text::trouble_not_supported(&self.company, self.helpdesk),
            ),
            ("cannot_verify_device", text::trouble_cannot_verify_device()),
            (
                "authenticator_not_installed",
                text::trouble_authenticator_not_installed(kind),
            ),
            ("provider_missing", text::trouble_provider_missing(kind)),
        ];
        if kind == WalkthroughKind::Samsung {
            rows.push(("samsung_pass_default", text::trouble_samsung_pass_default()));
        }
        if kind == WalkthroughKind::Desktop {
            // Starting on a computer fails mostly at the QR code and the Bluetooth link.
            rows.insert(
                1,
                ("qr_scanner_instead", text::trouble_qr_scanner_instead(kind)),
            );
            rows.insert(
                2,
                ("phone_cannot_connect", text::trouble_phone_cannot_connect()),
            );
        } else {
            rows.push(("qr_scanner_instead", text::trouble_qr_scanner_instead(kind)));
        }
        rows.extend([
            ("biometric_failed", text::trouble_biometric_failed(kind)),
            (
                "passkey_already_exists",
                text::trouble_passkey_already_exists(self.short),
            ),
            ("in_app_browser", text::trouble_in_app_browser(kind)),
        ]);
        rows.into_iter()
            .map(|(id, row)| Trouble {
                id,
                symptom: row.symptom,
                meaning: row.meaning,
                fix: row.fix,
            })
            .collect()
    }

    fn poster(&self, helpdesk: Option<&Helpdesk>) -> Poster {
        let ios_minimum = text::version(WalkthroughKind::Ios, IOS_MINIMUM);
        let android_minimum = text::version(WalkthroughKind::Android, ANDROID_MINIMUM);
        Poster {
            title: text::poster_title(&self.company),
            lead: text::POSTER_LEAD.to_owned(),
            scan_caption: text::POSTER_SCAN.to_owned(),
            steps: vec![
                text::poster_step_phone(&ios_minimum, &android_minimum),
                text::POSTER_STEP_SCAN.to_owned(),
                text::POSTER_STEP_FOLLOW.to_owned(),
            ],
            help: helpdesk.and_then(|helpdesk| {
                let contacts: Vec<&str> = [&helpdesk.email, &helpdesk.phone, &helpdesk.url]
                    .into_iter()
                    .filter_map(|contact| contact.as_deref())
                    .collect();
                (!contacts.is_empty()).then(|| text::poster_help(&contacts.join(" · ")))
            }),
        }
    }

    fn done(&self) -> Section {
        Section {
            title: text::DONE_TITLE.to_owned(),
            paragraphs: vec![
                text::DONE_TICK.to_owned(),
                text::done_listed(self.short),
                text::done_next_sign_in(&self.company),
                text::DONE_KEEP.to_owned(),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;
    use crate::device::ClientHints;
    use crate::domain::DomainName;
    use crate::profile::{DomainStatus, Federation, Signals, Tenant};

    const IPHONE_16_7: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
    const IPHONE_17_3: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1";
    const IPHONE_17_4: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    const IPHONE_26_FROZEN: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1";
    const IPHONE_FACEBOOK: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/465.0.0.40.106;FBBV/613433263;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/615285224]";
    const REDUCED_CHROME: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    const ANDROID_WEBVIEW: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36";
    const WINDOWS_EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
    const MAC_SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15";

    fn android_hints(version: &'static str, model: &'static str) -> ClientHints<'static> {
        ClientHints {
            ua: Some(r#""Chromium";v="131", "Not_A Brand";v="24", "Google Chrome";v="131""#),
            mobile: Some("?1"),
            platform: Some(r#""Android""#),
            platform_version: Some(version),
            model: Some(model),
            ..ClientHints::NONE
        }
    }

    fn profile_in(cloud: Cloud) -> TenantProfile {
        TenantProfile {
            domain: DomainName::parse("contoso.com").unwrap(),
            status: DomainStatus::Entra,
            tenant: Some(Tenant {
                tenant_id: Uuid::nil(),
                display_name: Some("Contoso".to_owned()),
                cloud,
                region_scope: None,
                region_sub_scope: None,
            }),
            namespace_type: NamespaceType::Managed,
            federation: None,
            brandings: None,
            signals: Signals::default(),
            website_logo: None,
            brand_color: None,
            resolved_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn profile() -> TenantProfile {
        profile_in(Cloud::Public)
    }

    fn device(ua: &str) -> Device {
        Device::detect(Some(ua), &ClientHints::NONE)
    }

    /// The page for this device showing its own tab, default settings.
    fn page(device: &Device) -> Walkthrough {
        Walkthrough::build(
            &profile(),
            device,
            device.walkthrough(),
            &TenantSettings::default(),
        )
    }

    fn prerequisite<'a>(page: &'a Walkthrough, id: &str) -> &'a Prerequisite {
        page.prerequisites
            .iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("no prerequisite {id}"))
    }

    fn path<'a>(page: &'a Walkthrough, id: &str) -> &'a StepPath {
        page.paths
            .iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("no path {id}"))
    }

    fn step_text(step: &Step) -> String {
        format!(
            "{} {}",
            step.title,
            step.detail.as_deref().unwrap_or_default()
        )
    }

    fn path_text(path: &StepPath) -> String {
        path.steps
            .iter()
            .map(step_text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every user-visible string on the page.
    fn all_text(page: &Walkthrough) -> Vec<String> {
        let mut all = vec![
            page.company.clone(),
            page.headline.clone(),
            page.lead.clone(),
        ];
        all.extend(page.tabs.iter().map(|t| t.label.clone()));
        all.extend(page.notices.iter().cloned());
        for p in &page.prerequisites {
            all.extend([p.title.clone(), p.detail.clone()]);
            all.extend(p.fix.clone());
        }
        for path in &page.paths {
            all.extend([path.title.clone(), path.summary.clone()]);
            for step in &path.steps {
                all.push(step.title.clone());
                all.extend(step.detail.clone());
            }
        }
        for section in [&page.passkey_choice, &page.done] {
            all.push(section.title.clone());
            all.extend(section.paragraphs.iter().cloned());
        }
        all.extend(page.federation_note.clone());
        for t in &page.troubleshooting {
            all.extend([t.symptom.clone(), t.meaning.clone(), t.fix.clone()]);
        }
        all
    }

    // ---- OS version ----

    #[test]
    fn iphone_on_ios_16_is_not_met_and_blocks_with_where_to_update() {
        let page = page(&device(IPHONE_16_7));
        let os = prerequisite(&page, "os_version");
        assert_eq!(os.status, CheckStatus::NotMet);
        assert!(os.detail.contains("16.7.10"), "{}", os.detail);
        let fix = os.fix.as_deref().unwrap();
        assert!(
            fix.contains("Settings → General → Software Update"),
            "{fix}"
        );
        assert!(page.blocked);
    }

    #[test]
    fn iphone_on_ios_17_3_is_a_warning_that_does_not_block() {
        let page = page(&device(IPHONE_17_3));
        let os = prerequisite(&page, "os_version");
        assert_eq!(os.status, CheckStatus::Warning);
        assert!(os.detail.contains("17.3.1") && os.detail.contains("17.4"));
        assert!(os.fix.as_deref().unwrap().contains("Software Update"));
        assert!(!page.blocked);
    }

    #[test]
    fn iphone_on_ios_17_4_is_met() {
        let page = page(&device(IPHONE_17_4));
        let os = prerequisite(&page, "os_version");
        assert_eq!(os.status, CheckStatus::Met);
        assert_eq!(os.fix, None);
        assert!(!page.blocked);
    }

    #[test]
    fn ios_26_frozen_user_agent_is_met_without_claiming_18_6() {
        let page = page(&device(IPHONE_26_FROZEN));
        let os = prerequisite(&page, "os_version");
        assert_eq!(os.status, CheckStatus::Met);
        assert!(!os.detail.contains("18.6"), "{}", os.detail);
        assert!(os.detail.contains("26.0 or later"), "{}", os.detail);
    }

    #[test]
    fn ios_provider_settings_follow_the_known_version() {
        let provider = |ua| {
            let page = page(&device(ua));
            step_text(&path(&page, "in_app").steps[2])
        };
        let ios17 = provider(IPHONE_17_4);
        assert!(
            ios17.contains("Passwords → Password Options")
                && !ios17.contains("AutoFill & Passwords")
        );
        let ios26 = provider(IPHONE_26_FROZEN);
        assert!(
            ios26.contains("General → AutoFill & Passwords") && !ios26.contains("Password Options")
        );
        // A computer reading the iPhone tab gets both.
        let desktop = Walkthrough::build(
            &profile(),
            &device(WINDOWS_EDGE),
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        let both = step_text(&path(&desktop, "in_app").steps[2]);
        assert!(both.contains("AutoFill & Passwords") && both.contains("Password Options"));
    }

    #[test]
    fn reduced_android_user_agent_without_hints_is_unknown_with_where_to_check() {
        let device = device(REDUCED_CHROME);
        let page = page(&device);
        assert_eq!(page.shown, WalkthroughKind::Android);
        let os = prerequisite(&page, "os_version");
        assert_eq!(os.status, CheckStatus::Unknown);
        assert!(
            !os.detail.contains("10"),
            "the frozen 10 is never claimed: {}",
            os.detail
        );
        assert!(
            os.fix
                .as_deref()
                .unwrap()
                .contains("Settings → About phone → Android version")
        );
        assert!(
            page.notices
                .iter()
                .any(|n| n.contains("Samsung Galaxy tab"))
        );
    }

    #[test]
    fn pixel_8_hinting_android_14_is_met() {
        let device = Device::detect(
            Some(REDUCED_CHROME),
            &android_hints("\"14.0.0\"", "\"Pixel 8\""),
        );
        let page = page(&device);
        let os = prerequisite(&page, "os_version");
        assert_eq!(os.status, CheckStatus::Met);
        assert!(os.detail.contains("Android 14"), "{}", os.detail);
        assert!(page.notices.is_empty(), "{:?}", page.notices);
    }

    #[test]
    fn android_13_is_not_met_with_where_to_update() {
        let device = Device::detect(
            Some(REDUCED_CHROME),
            &android_hints("\"13.0.0\"", "\"Pixel 6a\""),
        );
        let page = page(&device);
        let os = prerequisite(&page, "os_version");
        assert_eq!(os.status, CheckStatus::NotMet);
        assert!(
            os.fix
                .as_deref()
                .unwrap()
                .contains("Settings → System → Software updates")
        );
        assert!(page.blocked);
    }

    #[test]
    fn desktop_visitor_on_the_iphone_tab_gets_unknown_not_the_computers_version() {
        let windows = Device::detect(
            Some(WINDOWS_EDGE),
            &ClientHints {
                platform: Some("\"Windows\""),
                platform_version: Some("\"15.0.0\""),
                ..ClientHints::NONE
            },
        );
        assert!(windows.os_version.is_some());
        let page = Walkthrough::build(
            &profile(),
            &windows,
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        assert_eq!(
            (page.shown, page.detected),
            (WalkthroughKind::Ios, WalkthroughKind::Desktop)
        );
        let os = prerequisite(&page, "os_version");
        assert_eq!(os.status, CheckStatus::Unknown);
        assert!(!os.detail.contains("15"), "{}", os.detail);
        assert!(
            os.fix
                .as_deref()
                .unwrap()
                .contains("Settings → General → About → iOS Version")
        );
        assert_eq!(prerequisite(&page, "browser").status, CheckStatus::Todo);
        assert!(page.notices.iter().any(|n| n.contains("on a computer")));
        assert!(!page.blocked);
    }

    #[test]
    fn an_iphone_reading_the_android_tab_is_not_told_its_ios_version() {
        let page = Walkthrough::build(
            &profile(),
            &device(IPHONE_16_7),
            WalkthroughKind::Android,
            &TenantSettings::default(),
        );
        assert_eq!(
            prerequisite(&page, "os_version").status,
            CheckStatus::Unknown
        );
        assert!(
            page.notices.iter().any(|n| n.contains("iPhone tab")),
            "{:?}",
            page.notices
        );
    }

    // ---- Samsung ----

    #[test]
    fn samsung_model_hint_gets_the_samsung_tab_with_its_own_samsung_pass_step() {
        let device = Device::detect(
            Some(REDUCED_CHROME),
            &android_hints("\"14.0.0\"", "\"SM-S918B\""),
        );
        let page = page(&device);
        assert_eq!(page.shown, WalkthroughKind::Samsung);
        assert_eq!(prerequisite(&page, "os_version").status, CheckStatus::Met);
        for id in ["in_app", "browser"] {
            let provider: Vec<&Step> = path(&page, id)
                .steps
                .iter()
                .filter(|s| s.screen == Some(Screen::ProviderSettings))
                .collect();
            assert_eq!(provider.len(), 1, "{id}");
            assert!(step_text(provider[0]).contains("Samsung Pass"), "{id}");
            assert!(
                step_text(provider[0]).contains("passkey"),
                "search hint in {id}"
            );
        }
        assert!(
            page.troubleshooting
                .iter()
                .any(|t| t.id == "samsung_pass_default")
        );
        assert!(
            page.tabs
                .iter()
                .any(|t| t.kind == WalkthroughKind::Samsung && t.selected && t.detected)
        );
    }

    #[test]
    fn samsung_reading_the_android_tab_is_pointed_to_the_samsung_tab() {
        let device = Device::detect(
            Some(REDUCED_CHROME),
            &android_hints("\"14.0.0\"", "\"SM-S918B\""),
        );
        let page = Walkthrough::build(
            &profile(),
            &device,
            WalkthroughKind::Android,
            &TenantSettings::default(),
        );
        assert!(
            page.notices
                .iter()
                .any(|n| n.contains("Samsung Galaxy tab"))
        );
        // Same phone, so its version still counts.
        assert_eq!(prerequisite(&page, "os_version").status, CheckStatus::Met);
        assert!(
            !page
                .troubleshooting
                .iter()
                .any(|t| t.id == "samsung_pass_default")
        );
    }

    // ---- In-app browsers ----

    #[test]
    fn facebook_in_app_browser_on_iphone_blocks_and_says_open_in_safari() {
        let page = page(&device(IPHONE_FACEBOOK));
        let browser = prerequisite(&page, "browser");
        assert_eq!(browser.status, CheckStatus::NotMet);
        assert!(browser.detail.contains("Facebook"));
        assert!(browser.fix.as_deref().unwrap().contains("Open in Safari"));
        assert!(page.blocked);
        let notice = page
            .notices
            .iter()
            .find(|n| n.contains("Facebook"))
            .unwrap();
        assert!(notice.contains("Safari"), "{notice}");
    }

    #[test]
    fn android_webview_blocks_and_says_open_in_chrome() {
        let page = page(&device(ANDROID_WEBVIEW));
        let browser = prerequisite(&page, "browser");
        assert_eq!(browser.status, CheckStatus::NotMet);
        assert!(browser.detail.contains("an app’s built-in browser"));
        assert!(browser.fix.as_deref().unwrap().contains("Open in Chrome"));
        assert!(page.notices.iter().any(|n| n.contains("Chrome")));
    }

    #[test]
    fn a_real_browser_meets_the_browser_prerequisite() {
        assert_eq!(
            prerequisite(&page(&device(IPHONE_17_4)), "browser").status,
            CheckStatus::Met
        );
        assert_eq!(
            prerequisite(&page(&device(WINDOWS_EDGE)), "browser").status,
            CheckStatus::Met
        );
    }

    // ---- Paths ----

    #[test]
    fn phones_recommend_the_in_app_path_first_then_the_browser() {
        for device in [
            device(IPHONE_17_4),
            device(REDUCED_CHROME),
            Device::detect(
                Some(REDUCED_CHROME),
                &android_hints("\"14.0.0\"", "\"SM-S918B\""),
            ),
        ] {
            let page = page(&device);
            let ids: Vec<_> = page.paths.iter().map(|p| (p.id, p.recommended)).collect();
            assert_eq!(
                ids,
                [("in_app", true), ("browser", false)],
                "{:?}",
                page.shown
            );
            assert!(path_text(&page.paths[0]).contains("Work or school account"));
        }
    }

    #[test]
    fn the_browser_path_names_the_security_info_page() {
        let page = page(&device(IPHONE_17_4));
        let text = path_text(path(&page, "browser"));
        assert!(text.contains("aka.ms/mysecurityinfo"));
        assert!(text.contains("https://mysignins.microsoft.com/security-info"));
        assert!(text.contains("Passkey in Microsoft Authenticator"));
    }

    #[test]
    fn windows_desktop_recommends_continuing_on_the_phone_and_the_system_camera() {
        let page = page(&device(WINDOWS_EDGE));
        assert_eq!(page.shown, WalkthroughKind::Desktop);
        let ids: Vec<_> = page.paths.iter().map(|p| (p.id, p.recommended)).collect();
        assert_eq!(ids, [("continue_on_phone", true), ("cross_device", false)]);
        assert_eq!(
            path(&page, "continue_on_phone").steps[0].screen,
            Some(Screen::QrCode)
        );
        let cross = path_text(path(&page, "cross_device"));
        assert!(cross.contains("system camera"), "{cross}");
        assert!(cross.contains("not the scanner inside Authenticator"));
        assert!(cross.contains("Bluetooth"));
        assert!(cross.contains("iPhone, iPad or Android device"));
        assert!(cross.contains("https://mysignins.microsoft.com/security-info"));
        assert!(
            page.troubleshooting
                .iter()
                .any(|t| t.id == "phone_cannot_connect")
        );
        assert_eq!(
            prerequisite(&page, "os_version").status,
            CheckStatus::Unknown
        );
        assert!(page.notices.is_empty(), "{:?}", page.notices);
    }

    #[test]
    fn mac_safari_is_offered_the_iphone_steps_in_case_it_is_an_ipad() {
        let page = page(&device(MAC_SAFARI));
        assert!(
            page.notices
                .iter()
                .any(|n| n.contains("On an iPad? Use the iPhone steps"))
        );
        // Chosen by the visitor, the iPhone tab says nothing about being on a computer.
        let page = Walkthrough::build(
            &profile(),
            &device(MAC_SAFARI),
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        assert!(page.notices.is_empty(), "{:?}", page.notices);
    }

    #[test]
    fn unknown_devices_are_asked_to_pick_a_tab() {
        let page = page(&device("curl/8.5.0"));
        assert_eq!(page.shown, WalkthroughKind::Desktop);
        assert!(page.notices.iter().any(|n| n.contains("Pick yours")));
    }

    // ---- Tenant ----

    #[test]
    fn federated_domains_name_the_idp_host_and_managed_ones_do_not() {
        let mut federated = profile();
        federated.namespace_type = NamespaceType::Federated;
        federated.federation = Some(Federation {
            idp_host: "sts.contoso.com".to_owned(),
            protocol: Some("WSTrust".to_owned()),
        });
        let device = device(IPHONE_17_4);
        let page = Walkthrough::build(
            &federated,
            &device,
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        let note = page.federation_note.as_deref().unwrap();
        assert!(
            note.contains("Contoso’s own sign-in page at sts.contoso.com"),
            "{note}"
        );
        assert!(path_text(path(&page, "in_app")).contains("sts.contoso.com"));
        let managed = Walkthrough::build(
            &profile(),
            &device,
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        assert_eq!(managed.federation_note, None);
        assert!(!path_text(path(&managed, "in_app")).contains("own sign-in page"));
    }

    #[test]
    fn security_info_follows_the_cloud() {
        let device = device(IPHONE_17_4);
        for (cloud, url, short) in [
            (
                Cloud::Public,
                "https://mysignins.microsoft.com/security-info",
                "aka.ms/mysecurityinfo",
            ),
            (
                Cloud::Usgov,
                "https://mysignins.microsoft.us/security-info",
                "mysignins.microsoft.us/security-info",
            ),
            (
                Cloud::China,
                "https://mysignins.azure.cn/security-info",
                "mysignins.azure.cn/security-info",
            ),
        ] {
            let page = Walkthrough::build(
                &profile_in(cloud),
                &device,
                WalkthroughKind::Ios,
                &TenantSettings::default(),
            );
            assert_eq!(
                (page.security_info_url, page.security_info_short),
                (url, short)
            );
            let browser = path_text(path(&page, "browser"));
            assert!(
                browser.contains(url) && browser.contains(short),
                "{cloud:?}"
            );
            if cloud != Cloud::Public {
                assert!(
                    !all_text(&page).iter().any(|t| t.contains("aka.ms")),
                    "{cloud:?}"
                );
            }
        }
    }

    #[test]
    fn company_falls_back_to_the_unicode_domain() {
        let mut profile = profile();
        profile.domain = DomainName::parse("bücher.de").unwrap();
        profile.tenant = None;
        let page = Walkthrough::build(
            &profile,
            &device(IPHONE_17_4),
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        assert_eq!(page.company, "bücher.de");
        assert_eq!(page.headline, "Set up your bücher.de passkey");
        let named = Walkthrough::build(
            &profile_in(Cloud::Public),
            &device(IPHONE_17_4),
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        assert_eq!(named.headline, "Set up your Contoso passkey");
    }

    #[test]
    fn passkey_policy_changes_the_advice() {
        let device = device(IPHONE_17_4);
        let only = Walkthrough::build(
            &profile(),
            &device,
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        let only_text = only.passkey_choice.paragraphs.join(" ");
        assert!(only_text.starts_with("Use Microsoft Authenticator."));
        assert!(only_text.contains("doesn’t accept passkeys saved in iCloud Keychain"));
        assert!(step_text(&path(&only, "browser").steps[4]).contains("not iCloud Keychain"));

        let synced = Walkthrough::build(
            &profile(),
            &device,
            WalkthroughKind::Ios,
            &TenantSettings {
                passkey_policy: PasskeyPolicy::SyncedAllowed,
                ..TenantSettings::default()
            },
        );
        let synced_text = synced.passkey_choice.paragraphs.join(" ");
        assert_ne!(only.passkey_choice, synced.passkey_choice);
        assert!(synced_text.contains("accepts two kinds"));
        assert!(synced_text.contains("Synced:") && synced_text.contains("Authenticator:"));
        assert!(!step_text(&path(&synced, "browser").steps[4]).contains("only accepts"));
    }

    #[test]
    fn poster_names_the_company_and_both_os_minimums_and_omits_an_unset_helpdesk() {
        let page = Walkthrough::build(
            &profile(),
            &device(IPHONE_16_7),
            WalkthroughKind::Desktop,
            &TenantSettings::default(),
        );
        assert!(page.poster.title.starts_with(&page.company));
        assert_eq!(page.poster.steps.len(), 3);
        assert!(page.poster.steps[0].contains("17.4") && page.poster.steps[0].contains("14"));
        assert_eq!(page.poster.help, None);
    }

    #[test]
    fn helpdesk_flows_through_and_fixes_point_to_it() {
        let device = device(IPHONE_16_7);
        let helpdesk = Helpdesk {
            email: Some("it@contoso.com".to_owned()),
            ..Helpdesk::default()
        };
        let settings = TenantSettings {
            helpdesk: Some(helpdesk.clone()),
            intro_message: Some("Please do this by Friday.".to_owned()),
            ..TenantSettings::default()
        };
        let page = Walkthrough::build(&profile(), &device, WalkthroughKind::Ios, &settings);
        assert_eq!(page.helpdesk, Some(helpdesk));
        assert_eq!(
            page.poster.help.as_deref(),
            Some("Questions? it@contoso.com")
        );
        assert_eq!(
            page.intro_message.as_deref(),
            Some("Please do this by Friday.")
        );
        let tenant = page
            .troubleshooting
            .iter()
            .find(|t| t.id == "not_supported_by_tenant")
            .unwrap();
        assert!(tenant.fix.contains("helpdesk (below)"));
        assert!(
            prerequisite(&page, "os_version")
                .fix
                .as_deref()
                .unwrap()
                .contains("helpdesk (below)")
        );

        let without = Walkthrough::build(
            &profile(),
            &device,
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        assert_eq!(without.helpdesk, None);
        assert!(!all_text(&without).iter().any(|t| t.contains("(below)")));
        let policy_fix = prerequisite(&without, "tenant_policy").fix.clone().unwrap();
        assert!(policy_fix.contains("contact your IT team"), "{policy_fix}");
        // An entry with nothing to contact is no helpdesk.
        let empty = TenantSettings {
            helpdesk: Some(Helpdesk::default()),
            ..TenantSettings::default()
        };
        assert_eq!(
            Walkthrough::build(&profile(), &device, WalkthroughKind::Ios, &empty).helpdesk,
            None
        );
    }

    // ---- Shape ----

    #[test]
    fn tabs_are_in_a_fixed_order_with_shown_and_detected_marked() {
        let page = Walkthrough::build(
            &profile(),
            &device(WINDOWS_EDGE),
            WalkthroughKind::Samsung,
            &TenantSettings::default(),
        );
        let tabs: Vec<_> = page
            .tabs
            .iter()
            .map(|t| (t.label.as_str(), t.selected, t.detected))
            .collect();
        assert_eq!(
            tabs,
            [
                ("iPhone", false, false),
                ("Android", false, false),
                ("Samsung Galaxy", true, false),
                ("Computer", false, true),
            ]
        );
    }

    #[test]
    fn prerequisites_and_troubleshooting_have_stable_ids() {
        for kind in WalkthroughKind::ALL {
            let page = Walkthrough::build(
                &profile(),
                &device(IPHONE_17_4),
                kind,
                &TenantSettings::default(),
            );
            let ids: Vec<_> = page.prerequisites.iter().map(|p| p.id).collect();
            assert_eq!(
                ids,
                ["authenticator", "os_version", "browser", "tenant_policy"]
            );
            let troubles: Vec<_> = page.troubleshooting.iter().map(|t| t.id).collect();
            for id in [
                "not_supported_by_tenant",
                "cannot_verify_device",
                "authenticator_not_installed",
                "biometric_failed",
                "qr_scanner_instead",
                "passkey_already_exists",
                "provider_missing",
                "in_app_browser",
            ] {
                assert!(troubles.contains(&id), "{kind:?} lacks {id}");
            }
            let mut unique = troubles.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), troubles.len(), "{kind:?}");
            assert_eq!(
                troubles.contains(&"samsung_pass_default"),
                kind == WalkthroughKind::Samsung
            );
            assert!(!page.done.paragraphs.is_empty());
        }
    }

    #[test]
    fn biometric_wording_follows_the_phone() {
        let biometric = |kind| {
            let page = Walkthrough::build(
                &profile(),
                &device(IPHONE_17_4),
                kind,
                &TenantSettings::default(),
            );
            page.troubleshooting
                .into_iter()
                .find(|t| t.id == "biometric_failed")
                .unwrap()
        };
        assert!(biometric(WalkthroughKind::Ios).symptom.contains("Face ID"));
        let android = biometric(WalkthroughKind::Android);
        assert!(android.symptom.contains("fingerprint") && !android.symptom.contains("Face ID"));
    }

    #[test]
    fn done_says_what_success_looks_like() {
        let page = page(&device(IPHONE_17_4));
        let done = page.done.paragraphs.join(" ");
        assert!(done.contains("green tick"));
        assert!(done.contains("sign-in methods"));
        assert!(done.contains("Face, fingerprint, PIN or security key"));
        assert!(done.contains("Keep Authenticator"));
    }

    #[test]
    fn no_text_is_a_placeholder_or_a_todo() {
        let mut federated = profile();
        federated.federation = Some(Federation {
            idp_host: "sts.contoso.com".to_owned(),
            protocol: None,
        });
        let devices = [
            device(IPHONE_16_7),
            device(IPHONE_17_3),
            device(IPHONE_26_FROZEN),
            device(IPHONE_FACEBOOK),
            device(REDUCED_CHROME),
            device(ANDROID_WEBVIEW),
            device(WINDOWS_EDGE),
            device(MAC_SAFARI),
            device("curl/8.5.0"),
            Device::detect(
                Some(REDUCED_CHROME),
                &android_hints("\"13.0.0\"", "\"SM-A536B\""),
            ),
        ];
        let settings = [
            TenantSettings::default(),
            TenantSettings {
                passkey_policy: PasskeyPolicy::SyncedAllowed,
                helpdesk: Some(Helpdesk {
                    phone: Some("+1 555 0100".to_owned()),
                    ..Helpdesk::default()
                }),
                intro_message: None,
            },
        ];
        for profile in [profile(), federated, profile_in(Cloud::Usgov)] {
            for device in &devices {
                for kind in WalkthroughKind::ALL {
                    for settings in &settings {
                        let page = Walkthrough::build(&profile, device, kind, settings);
                        for text in all_text(&page) {
                            assert!(!text.trim().is_empty(), "empty text in {kind:?}");
                            assert!(
                                !text.contains("TODO")
                                    && !text.contains('{')
                                    && !text.contains('}'),
                                "{text}"
                            );
                            assert!(!text.contains("  "), "double space: {text}");
                        }
                    }
                }
            }
        }
    }
}
