//! `Walkthrough::build` against real User-Agents: what each device and tab is told, Microsoft's
//! labels of 2026, the sources behind every step and troubleshooting entry, and the facts that
//! must never be stated (a Preferred service to set, Samsung Pass as synced).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::config::SecurityInfoPages;
use crate::device::{ClientHints, Device};
use crate::domain::DomainName;
use crate::profile::{
    Cloud, DomainStatus, Federation, NamespaceType, Signals, Tenant, TenantProfile,
};

const IPHONE_16_7: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1";
const IPHONE_17_3: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1";
const IPHONE_17_4: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const IPHONE_18_5: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1";
const IPHONE_26_FROZEN: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1";
const IPHONE_CHROME_FROZEN: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.156 Mobile/15E148 Safari/604.1";
const IPHONE_FIREFOX_FROZEN: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/143.0 Mobile/15E148 Safari/604.1";
const IPHONE_FACEBOOK: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/465.0.0.40.106;FBBV/613433263;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/615285224]";
const REDUCED_CHROME: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const SAMSUNG_INTERNET: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36";
const EDGE_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.2903.87";
const ANDROID_WEBVIEW: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36";
const FIREFOX_ANDROID: &str =
    "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0";
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

fn device(ua: &str) -> ShownDevice {
    ShownDevice::of(&Device::detect(Some(ua), &ClientHints::NONE))
}

fn hinted(ua: &str, hints: &ClientHints<'_>) -> ShownDevice {
    ShownDevice::of(&Device::detect(Some(ua), hints))
}

fn galaxy_14() -> ShownDevice {
    hinted(REDUCED_CHROME, &android_hints("\"14.0.0\"", "\"SM-S918B\""))
}

fn build(
    profile: &TenantProfile,
    device: &ShownDevice,
    kind: WalkthroughKind,
    settings: &TenantSettings,
) -> Walkthrough {
    Walkthrough::build(
        profile,
        device,
        kind,
        settings,
        &SecurityInfoPages::default(),
    )
}

/// The page for this device showing its own tab, default settings.
fn page(device: &ShownDevice) -> Walkthrough {
    build(
        &profile(),
        device,
        device.walkthrough(),
        &TenantSettings::default(),
    )
}

/// The page for this device showing `kind`.
fn tab(device: &ShownDevice, kind: WalkthroughKind) -> Walkthrough {
    build(&profile(), device, kind, &TenantSettings::default())
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

fn trouble<'a>(page: &'a Walkthrough, id: &str) -> &'a Trouble {
    page.troubleshooting
        .iter()
        .find(|t| t.id == id)
        .unwrap_or_else(|| panic!("no troubleshooting entry {id}"))
}

fn step_text(step: &Step) -> String {
    let mut text = format!(
        "{} {}",
        step.title,
        step.detail.as_deref().unwrap_or_default()
    );
    for case in &step.cases {
        text.push_str(&format!(" {} {}", case.when, case.then));
    }
    text
}

fn path_text(path: &StepPath) -> String {
    let mut text = format!("{} {}\n", path.title, path.summary);
    text.push_str(
        &path
            .steps
            .iter()
            .map(step_text)
            .collect::<Vec<_>>()
            .join("\n"),
    );
    text
}

/// The provider step of a path (the one whose mock-up is a provider screen).
fn provider_step<'a>(page: &'a Walkthrough, id: &str) -> &'a Step {
    path(page, id)
        .steps
        .iter()
        .find(|step| {
            matches!(
                step.screen(),
                Some(
                    Screen::ProviderIos17
                        | Screen::ProviderIos18
                        | Screen::ProviderAndroid
                        | Screen::ProviderSamsung
                )
            )
        })
        .unwrap_or_else(|| panic!("no provider step in {id}"))
}

/// Every user-visible string on the page.
fn all_text(page: &Walkthrough) -> Vec<String> {
    let mut all = vec![
        page.company.clone(),
        page.headline.clone(),
        page.lead.clone(),
        page.checked_on.clone(),
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
            for case in &step.cases {
                all.extend([case.when.clone(), case.then.clone()]);
            }
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
    let poster = &page.poster;
    all.extend([
        poster.title.clone(),
        poster.lead.clone(),
        poster.requirement.clone(),
    ]);
    all.extend(poster.steps.iter().cloned());
    all
}

/// The sentences of every text on the page.
fn sentences(page: &Walkthrough) -> Vec<String> {
    all_text(page)
        .iter()
        .flat_map(|text| {
            text.split(['.', ':', ';', '?', '!'])
                .map(str::trim)
                .filter(|sentence| !sentence.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every device, tab, tenant and settings combination the content can take.
fn every_page() -> Vec<Walkthrough> {
    let mut federated = profile();
    federated.federation = Some(Federation {
        idp_host: "sts.contoso.com".to_owned(),
        protocol: None,
    });
    let devices = [
        device(IPHONE_16_7),
        device(IPHONE_17_3),
        device(IPHONE_17_4),
        device(IPHONE_18_5),
        device(IPHONE_26_FROZEN),
        device(IPHONE_CHROME_FROZEN),
        device(IPHONE_FIREFOX_FROZEN),
        device(IPHONE_FACEBOOK),
        device(REDUCED_CHROME),
        device(SAMSUNG_INTERNET),
        device(EDGE_ANDROID),
        device(ANDROID_WEBVIEW),
        device(FIREFOX_ANDROID),
        device(WINDOWS_EDGE),
        device(MAC_SAFARI),
        device("curl/8.5.0"),
        galaxy_14(),
        hinted(REDUCED_CHROME, &android_hints("\"15.0.0\"", "\"Pixel 9\"")),
        hinted(REDUCED_CHROME, &android_hints("\"13.0.0\"", "\"SM-A536B\"")),
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
    let mut pages = Vec::new();
    for profile in [profile(), federated, profile_in(Cloud::Usgov)] {
        for device in &devices {
            for kind in WalkthroughKind::ALL {
                for settings in &settings {
                    pages.push(build(&profile, device, kind, settings));
                }
            }
        }
    }
    pages
}

/// Each step, troubleshooting entry and section of `page` that names no source.
fn unsourced(page: &Walkthrough) -> Vec<String> {
    let steps = page.paths.iter().flat_map(|path| {
        path.steps
            .iter()
            .filter(|step| step.sources.is_empty())
            .map(move |step| format!("{:?} step “{}” ({})", page.shown, step.title, path.id))
    });
    let troubles = page
        .troubleshooting
        .iter()
        .filter(|t| t.sources.is_empty())
        .map(|t| format!("{:?} troubleshooting entry {}", page.shown, t.id));
    let sections = [&page.passkey_choice, &page.done]
        .into_iter()
        .filter(|section| section.sources.is_empty())
        .map(|section| format!("{:?} section “{}”", page.shown, section.title));
    steps.chain(troubles).chain(sections).collect()
}

// ---- Sources ----

#[test]
fn every_step_and_troubleshooting_entry_names_its_source() {
    let missing: Vec<String> = every_page().iter().flat_map(unsourced).collect();
    assert!(
        missing.is_empty(),
        "text.rs must name a source next to each of these: {missing:#?}"
    );
}

#[test]
fn a_step_or_entry_without_a_source_is_caught() {
    let mut page = page(&device(IPHONE_17_4));
    assert!(unsourced(&page).is_empty());
    page.paths[0].steps[1].sources = &[];
    page.troubleshooting[0].sources = &[];
    let missing = unsourced(&page);
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(
        missing[0].contains("Sign in and confirm it’s you"),
        "{missing:?}"
    );
    assert!(
        missing[1].contains("not_supported_by_tenant"),
        "{missing:?}"
    );
}

#[test]
fn the_page_dates_its_steps_and_lists_exactly_the_sources_it_names() {
    let page = page(&device(IPHONE_17_4));
    assert_eq!(
        page.checked_on,
        "Steps checked against Microsoft’s documentation on 5 July 2026."
    );
    let named: std::collections::BTreeSet<Source> = page
        .paths
        .iter()
        .flat_map(|p| &p.steps)
        .flat_map(|s| s.sources.iter().copied())
        .chain(
            page.troubleshooting
                .iter()
                .flat_map(|t| t.sources.iter().copied()),
        )
        .chain(page.passkey_choice.sources.iter().copied())
        .chain(page.done.sources.iter().copied())
        .collect();
    assert_eq!(page.sources, named.into_iter().collect::<Vec<_>>());
    assert_eq!(page.sources[0], Source::LearnRegisterInAuthenticator);
    // The computer tab's own QR code is its own source.
    assert!(page.sources.iter().all(|s| *s != Source::ThisPage));
    let desktop = self::page(&device(WINDOWS_EDGE));
    assert!(desktop.sources.contains(&Source::ThisPage));
}

// ---- OS version ----

#[test]
fn iphone_on_ios_16_is_not_met_and_blocks_with_where_to_update() {
    let page = page(&device(IPHONE_16_7));
    let os = prerequisite(&page, "os_version");
    assert_eq!(os.status, CheckStatus::NotMet);
    assert!(os.detail.contains("iOS 16,"), "{}", os.detail);
    // Too old means below Microsoft's minimum, iOS 17; 17.4 is only recommended.
    assert!(os.detail.contains("need iOS 17 or later."), "{}", os.detail);
    assert!(
        os.fix
            .as_deref()
            .unwrap()
            .contains("If no update to iOS 17 or later is offered"),
        "{:?}",
        os.fix
    );
    assert!(
        !os.detail.contains("16.7"),
        "no patch printed: {}",
        os.detail
    );
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
    assert!(
        os.detail.contains("iOS 17.3.") && os.detail.contains("17.4"),
        "{}",
        os.detail
    );
    assert!(!os.detail.contains("17.3.1"), "{}", os.detail);
    assert_eq!(
        os.detail,
        "This device runs iOS 17.3. Passkeys in Authenticator work from iOS 17, but iOS 17.4 or later is recommended."
    );
    assert!(os.fix.as_deref().unwrap().contains("Software Update"));
    assert!(!page.blocked);
}

#[test]
fn ios_17_is_the_minimum_and_17_4_only_recommended_wherever_the_requirement_is_written() {
    let iphone = page(&device(IPHONE_17_4));
    assert_eq!(
        prerequisite(&iphone, "os_version").title,
        "iOS 17 or later (17.4 or later recommended)"
    );
    let elsewhere = tab(&device(WINDOWS_EDGE), WalkthroughKind::Ios);
    let fix = prerequisite(&elsewhere, "os_version").fix.clone().unwrap();
    assert!(
        fix.contains(
            "You need iOS 17 or later; 17.4 or later is recommended, so update first if you can."
        ),
        "{fix}"
    );
    let desktop = page(&device(WINDOWS_EDGE));
    let os = prerequisite(&desktop, "os_version");
    assert_eq!(
        os.title,
        "A phone with iOS 17 or later (17.4 or later recommended), or Android 14 or later"
    );
    assert!(
        os.fix
            .as_deref()
            .unwrap()
            .contains("(iOS 17 or later; 17.4 or later recommended)"),
        "{:?}",
        os.fix
    );
    assert_eq!(
        desktop.poster.requirement,
        "You need an iPhone with iOS 17 or later (17.4 or later recommended), or an Android phone with Android 14 or later, and Microsoft Authenticator."
    );
    assert_eq!(
        supported_phones(),
        "an iPhone with iOS 17 or later (17.4 or later recommended), or an Android phone with Android 14 or later"
    );
    // Nowhere is 17.4 the minimum, and the brief's security-key claim is gone.
    for page in every_page() {
        for text in all_text(&page) {
            for wrong in [
                "iOS 17.4 or later,",
                "iOS 17.4 or later.",
                "need iOS 17.4",
                "need 17.4",
                "an earlier iOS 17 release",
                "security-key prompt",
            ] {
                assert!(!text.contains(wrong), "{:?}: {wrong} in {text}", page.shown);
            }
        }
    }
}

#[test]
fn iphone_on_ios_17_4_is_met() {
    let page = page(&device(IPHONE_17_4));
    let os = prerequisite(&page, "os_version");
    assert_eq!(os.status, CheckStatus::Met);
    assert_eq!(os.detail, "This device runs iOS 17.4: recent enough.");
    assert_eq!(os.fix, None);
    assert!(!page.blocked);
}

#[test]
fn ios_26_frozen_user_agent_is_met_without_claiming_18_6() {
    let page = page(&device(IPHONE_26_FROZEN));
    let os = prerequisite(&page, "os_version");
    assert_eq!(os.status, CheckStatus::Met);
    assert!(!os.detail.contains("18.6"), "{}", os.detail);
    assert!(os.detail.contains("iOS 26 or later"), "{}", os.detail);
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
    let device = hinted(REDUCED_CHROME, &android_hints("\"14.0.0\"", "\"Pixel 8\""));
    let page = page(&device);
    let os = prerequisite(&page, "os_version");
    assert_eq!(os.status, CheckStatus::Met);
    assert_eq!(os.detail, "This device runs Android 14: recent enough.");
    assert!(page.notices.is_empty(), "{:?}", page.notices);
}

#[test]
fn android_13_is_not_met_with_where_to_update() {
    let device = hinted(REDUCED_CHROME, &android_hints("\"13.0.0\"", "\"Pixel 6a\""));
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
    let windows = hinted(
        WINDOWS_EDGE,
        &ClientHints {
            platform: Some("\"Windows\""),
            platform_version: Some("\"15.0.0\""),
            ..ClientHints::NONE
        },
    );
    assert_eq!(
        windows.version, None,
        "a computer's version is never printed"
    );
    let page = tab(&windows, WalkthroughKind::Ios);
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
    let page = tab(&device(IPHONE_16_7), WalkthroughKind::Android);
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

// ---- The in-app path: three starting points, screen lock, provider, two "Done" ----

#[test]
fn every_phone_starts_in_authenticator_from_the_work_account_with_create_a_passkey() {
    for (device, kind) in [
        (device(IPHONE_17_4), WalkthroughKind::Ios),
        (device(REDUCED_CHROME), WalkthroughKind::Android),
        (galaxy_14(), WalkthroughKind::Samsung),
    ] {
        let page = tab(&device, kind);
        let ids: Vec<_> = page.paths.iter().map(|p| (p.id, p.role)).collect();
        assert_eq!(
            ids,
            [
                ("in_app", PathRole::Recommended),
                ("browser", PathRole::Alternative)
            ],
            "{kind:?}"
        );
        let first = &path(&page, "in_app").steps[0];
        assert_eq!(first.screen(), Some(Screen::AuthenticatorAccount));
        // People without the account have no account to "start from".
        assert_eq!(first.title, "Open Authenticator");
        let cases: Vec<(&str, &str)> = first
            .cases
            .iter()
            .map(|c| (c.when.as_str(), c.then.as_str()))
            .collect();
        assert_eq!(cases.len(), 3, "{kind:?}");
        // Most employees already have the account (they use it for MFA): that case first.
        assert!(cases[0].0.contains("already there"), "{cases:?}");
        assert_eq!(cases[0].1, "tap the account, then tap “Create a passkey”.");
        assert!(cases[1].1.contains("“+” (or “Add account”)"), "{cases:?}");
        assert!(cases[1].1.contains("“Work or school account”"), "{cases:?}");
        assert!(
            cases[2].1.contains("“Add work or school account”"),
            "{cases:?}"
        );
        let titles: Vec<&str> = path(&page, "in_app")
            .steps
            .iter()
            .map(|s| s.title.as_str())
            .collect();
        assert_eq!(titles[2], "If asked, set up a screen lock", "{kind:?}");
        assert!(titles[3].starts_with("Tap “Settings”"), "{titles:?}");
        assert_eq!(
            titles[4], "Back in Authenticator, tap “Done”, then “Done” again",
            "{kind:?}"
        );
        let done = step_text(&path(&page, "in_app").steps[4]);
        assert!(done.contains("lists “Passkey”"), "{done}");
        // Nobody is sent through "+ → Work or school account" as the only way.
        assert!(!first.title.contains('+'), "{}", first.title);
    }
}

#[test]
fn the_screen_lock_step_names_the_phones_own_lock() {
    let ios = step_text(&path(&page(&device(IPHONE_17_4)), "in_app").steps[2]);
    assert!(
        ios.contains("passcode") && ios.contains("“Settings”"),
        "{ios}"
    );
    let android = step_text(&path(&page(&galaxy_14()), "in_app").steps[2]);
    assert!(android.contains("PIN, pattern or password"), "{android}");
}

// ---- Provider settings per OS version ----

#[test]
fn ios_provider_settings_and_mockup_follow_the_known_version() {
    let provider = |device: &ShownDevice, kind| {
        let page = tab(device, kind);
        let step = provider_step(&page, "in_app");
        (step_text(step), step.screen())
    };
    let (ios17, screen) = provider(&device(IPHONE_17_4), WalkthroughKind::Ios);
    assert!(
        ios17.contains("Settings → Passwords → Password Options"),
        "{ios17}"
    );
    assert!(
        ios17.contains("“Use Passwords and Passkeys From”"),
        "{ios17}"
    );
    assert!(
        ios17.contains("“AutoFill Passwords and Passkeys”"),
        "{ios17}"
    );
    assert!(!ios17.contains("AutoFill & Passwords"), "{ios17}");
    assert_eq!(screen, Some(Screen::ProviderIos17));

    let (ios18, screen) = provider(&device(IPHONE_18_5), WalkthroughKind::Ios);
    assert!(
        ios18.contains("Settings → General → AutoFill & Passwords"),
        "{ios18}"
    );
    assert!(
        ios18.contains("under “AutoFill From” select Authenticator"),
        "{ios18}"
    );
    assert!(
        ios18.contains("“AutoFill Passwords and Passkeys” is on"),
        "{ios18}"
    );
    assert!(!ios18.contains("Password Options"), "{ios18}");
    assert_eq!(screen, Some(Screen::ProviderIos18));

    // iOS 26 behind the frozen User-Agent: the iOS 18 screen, hedged (unconfirmed on 26).
    let (ios26, screen) = provider(&device(IPHONE_26_FROZEN), WalkthroughKind::Ios);
    assert!(ios26.contains("General → AutoFill & Passwords"), "{ios26}");
    assert!(ios26.contains("search Settings for “passkey”"), "{ios26}");
    assert!(ios26.contains("iOS 26 may"), "{ios26}");
    assert!(!ios26.contains("Password Options"), "{ios26}");
    assert_eq!(screen, Some(Screen::ProviderIos18));

    // Chrome on iOS behind the frozen 18_6 says only "18 or later": it may be iOS 26, so the
    // same hedge.
    let chrome = device(IPHONE_CHROME_FROZEN);
    assert_eq!(
        chrome.version.map(|v| v.to_string()).as_deref(),
        Some("18 or later")
    );
    let (frozen, screen) = provider(&chrome, WalkthroughKind::Ios);
    assert!(frozen.contains("iOS 26 may"), "{frozen}");
    assert!(
        frozen.contains("Settings → General → AutoFill & Passwords"),
        "{frozen}"
    );
    assert_eq!(screen, Some(Screen::ProviderIos18));

    // Unknown version (Firefox's frozen token; a computer reading the iPhone tab): both,
    // and the iOS 18 screen, never iOS 17's.
    for (device, what) in [
        (device(IPHONE_FIREFOX_FROZEN), "Firefox on iOS"),
        (device(WINDOWS_EDGE), "a computer"),
    ] {
        let (both, screen) = provider(&device, WalkthroughKind::Ios);
        assert!(
            both.contains("AutoFill & Passwords")
                && both.contains("“AutoFill From”")
                && both.contains("Password Options"),
            "{what}: {both}"
        );
        assert_eq!(screen, Some(Screen::ProviderIos18), "{what}");
    }
}

#[test]
fn android_provider_settings_name_additional_providers_and_android_15_only_when_it_may_help() {
    let provider = |device: &ShownDevice| step_text(provider_step(&page(device), "in_app"));
    for (device, expect_update) in [
        (
            hinted(REDUCED_CHROME, &android_hints("\"14.0.0\"", "\"Pixel 8\"")),
            true,
        ),
        (device(REDUCED_CHROME), true),
        (
            hinted(REDUCED_CHROME, &android_hints("\"15.0.0\"", "\"Pixel 9\"")),
            false,
        ),
    ] {
        let text = provider(&device);
        assert!(text.contains("“Passwords & accounts”"), "{text}");
        assert!(
            text.contains("under “Additional providers”, switch on Authenticator"),
            "{text}"
        );
        assert!(text.contains("Search Settings for “passkey”"), "{text}");
        assert_eq!(
            text.contains("Microsoft recommends updating to Android 15"),
            expect_update,
            "{text}"
        );
        assert_eq!(
            provider_step(&page(&device), "in_app").screen(),
            Some(Screen::ProviderAndroid)
        );
    }
}

#[test]
fn samsung_enables_authenticator_under_additional_providers_and_keeps_the_preferred_service() {
    let page = page(&galaxy_14());
    assert_eq!(page.shown, WalkthroughKind::Samsung);
    assert_eq!(prerequisite(&page, "os_version").status, CheckStatus::Met);
    let step = provider_step(&page, "in_app");
    assert_eq!(step.screen(), Some(Screen::ProviderSamsung));
    let text = step_text(step);
    assert!(
        step.title
            .contains("switch on Authenticator under “Additional providers”"),
        "{}",
        step.title
    );
    assert!(
        text.contains(
            "One UI 7 and later: Settings → Security and privacy → More security settings → Passwords, passkeys and autofill"
        ),
        "{text}"
    );
    assert!(
        text.contains("One UI 6: Settings → General management → Passwords, passkeys and autofill"),
        "{text}"
    );
    assert!(text.contains("type “passkey”"), "{text}");
    // The One UI labels are unconfirmed on a device: "usually", after the search.
    assert!(
        text.contains("Or look yourself; it’s usually at One UI 7 and later:"),
        "{text}"
    );
    assert!(
        text.contains("Leave “Preferred service” as it is"),
        "{text}"
    );
    assert!(
        page.troubleshooting
            .iter()
            .any(|t| t.id == "samsung_pass_default"),
        "the Samsung Pass entry"
    );
    assert!(
        page.tabs
            .iter()
            .any(|t| t.kind == WalkthroughKind::Samsung && t.selected && t.detected)
    );
}

#[test]
fn no_sentence_anywhere_sets_a_preferred_service_or_calls_samsung_pass_synced() {
    for page in every_page() {
        for sentence in sentences(&page) {
            if sentence.contains("Preferred service") {
                let lower = sentence.to_lowercase();
                assert!(
                    lower.contains("leave “preferred service” as it is")
                        || lower.contains("no need to change “preferred service”"),
                    "{:?} tells someone to set a Preferred service: {sentence}",
                    page.shown
                );
                for forbidden in [
                    "set “Preferred service”",
                    "Preferred service” to",
                    "instead of Samsung Pass",
                ] {
                    assert!(!sentence.contains(forbidden), "{sentence}");
                }
            }
            if sentence.contains("Samsung Pass") && sentence.to_lowercase().contains("sync") {
                assert!(
                    sentence.contains("isn’t a synced option"),
                    "{:?} calls Samsung Pass synced: {sentence}",
                    page.shown
                );
            }
            assert!(
                !sentence.contains("Samsung account"),
                "Samsung Pass passkeys are not synced to a Samsung account: {sentence}"
            );
        }
    }
}

#[test]
fn samsung_reading_the_android_tab_is_pointed_to_the_samsung_tab() {
    let page = tab(&galaxy_14(), WalkthroughKind::Android);
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

// ---- The browser path: Security info hands off to the app ----

#[test]
fn the_browser_path_is_security_infos_hand_off_to_authenticator() {
    for device in [device(IPHONE_17_4), device(REDUCED_CHROME), galaxy_14()] {
        let page = page(&device);
        let browser = path(&page, "browser");
        let text = path_text(browser);
        assert!(text.contains("aka.ms/mysecurityinfo"), "{text}");
        assert!(
            text.contains("https://mysignins.microsoft.com/security-info"),
            "{text}"
        );
        assert!(text.contains("That’s the Security info page"), "{text}");
        assert_eq!(
            browser.steps[1].title,
            "Tap “+ Add sign-in method” and choose “Passkey in Microsoft Authenticator”"
        );
        assert!(text.contains("Not the plain “Passkey”"), "{text}");
        assert!(
            text.contains("If asked, get Authenticator, then tap “Next”"),
            "{text}"
        );
        assert!(
            text.contains("Open Authenticator and create the passkey there"),
            "{text}"
        );
        assert!(text.contains("“Create a passkey”"), "{text}");
        assert!(text.contains("tap “Next”, then “Done”"), "{text}");
        // The hand-off comes right after "If asked, get Authenticator": a fresh install shows
        // the first-run screen, so all three starting points, as in the in-app path.
        let handoff = &browser.steps[3];
        assert_eq!(handoff.screen(), Some(Screen::SecurityInfoHandoff));
        assert_eq!(handoff.cases, path(&page, "in_app").steps[0].cases);
        assert!(
            step_text(handoff).contains("“Add work or school account”"),
            "{}",
            step_text(handoff)
        );
        assert_eq!(
            browser.steps[4].title,
            "Follow Authenticator’s prompts, then tap “Done” twice"
        );
        let screens: Vec<_> = browser.steps.iter().map(Step::screen).collect();
        assert_eq!(
            screens,
            [
                Some(Screen::SignIn),
                Some(Screen::SecurityInfo),
                None,
                Some(Screen::SecurityInfoHandoff),
                None,
                Some(Screen::Done)
            ]
        );
        for text in all_text(&page) {
            assert!(!text.contains("My Security info"), "{text}");
            assert!(!text.contains("just called “Passkey”"), "{text}");
            assert!(!text.contains("“Add”"), "no “Add” button any more: {text}");
        }
    }
}

// ---- The computer tab ----

#[test]
fn the_computer_tab_hands_off_to_the_phone_and_keeps_the_qr_route_as_a_fallback() {
    let page = page(&device(WINDOWS_EDGE));
    assert_eq!(page.shown, WalkthroughKind::Desktop);
    let roles: Vec<_> = page.paths.iter().map(|p| (p.id, p.role)).collect();
    assert_eq!(
        roles,
        [
            ("continue_on_phone", PathRole::Recommended),
            ("security_info", PathRole::Alternative),
            ("cross_device", PathRole::Fallback),
        ]
    );
    let phone = path(&page, "continue_on_phone");
    assert_eq!(phone.steps[0].screen(), Some(Screen::QrCode));
    assert!(
        phone.steps[0].scans_page_qr,
        "the page leaves it out without a code"
    );
    assert!(
        step_text(&phone.steps[0]).contains("Can’t scan it?"),
        "{}",
        step_text(&phone.steps[0])
    );
    assert_eq!(phone.steps[1].cases.len(), 3, "the three starting points");
    assert!(path_text(phone).contains("“Create a passkey”"));
    assert!(
        page.paths
            .iter()
            .flat_map(|p| &p.steps)
            .filter(|s| s.scans_page_qr)
            .count()
            == 1,
        "only the first step scans the page's code"
    );

    let security_info = path(&page, "security_info");
    let text = path_text(security_info);
    assert!(
        text.contains("“Passkey in Microsoft Authenticator”, then “Next”"),
        "{text}"
    );
    assert!(
        text.contains("open Authenticator and create the passkey there"),
        "{text}"
    );
    assert!(text.contains("select “Next”, then “Done”"), "{text}");
    assert!(text.contains("no Bluetooth connection needed"), "{text}");
    assert!(!text.contains("QR code with"), "{text}");
    // The hand-off to the phone: the three starting points, then the app's prompts.
    let handoff = security_info
        .steps
        .iter()
        .find(|s| s.screen() == Some(Screen::SecurityInfoHandoff))
        .unwrap();
    assert_eq!(
        handoff.title,
        "On your phone, open Authenticator and create the passkey there"
    );
    assert_eq!(handoff.cases, phone.steps[1].cases);
    assert!(
        text.contains("On the phone, follow Authenticator’s prompts, then tap “Done” twice"),
        "{text}"
    );
    // The computer's short provider path serves an iPhone as well as an Android phone.
    assert!(
        text.contains(
            "iPhone: Settings → General → AutoFill & Passwords; Android: “Additional providers”"
        ),
        "{text}"
    );
    assert!(
        security_info
            .steps
            .iter()
            .filter_map(|s| s.mockup)
            .all(|m| m.on == ScreenOn::Computer)
    );

    let fallback = path(&page, "cross_device");
    let text = path_text(fallback);
    assert_eq!(
        fallback.title,
        "Having trouble? Create your passkey a different way"
    );
    // The attestation caveat, with what an employee can do about it.
    assert!(
        text.contains(
            "If Contoso requires attestation for passkeys in Authenticator, this route doesn’t work: create the passkey in the Authenticator app instead (“On your phone”, above), or contact your IT team."
        ),
        "the attestation caveat: {text}"
    );
    assert!(!text.contains("recommended setting"), "{text}");
    // Authenticator must already be a passkey provider, before the scan.
    assert_eq!(
        fallback.steps[0].title,
        "First, on the phone, turn on Authenticator as a passkey provider"
    );
    assert!(
        step_text(&fallback.steps[0]).contains("Otherwise the phone won’t offer"),
        "{}",
        step_text(&fallback.steps[0])
    );
    assert!(text.contains("“iPhone, iPad, or Android device”"), "{text}");
    assert!(text.contains("“Having trouble?”, then “Create your passkey a different way”"));
    assert!(text.contains("Bluetooth"), "{text}");
    assert!(text.contains("cable.ua5v.com and cable.auth.com"), "{text}");
    // The Camera app first; only the iOS app's scanner is named, as unable to read the code, and
    // nothing is promised for Android's (Microsoft describes it for signing in only).
    let scan = fallback
        .steps
        .iter()
        .position(|s| s.screen() == Some(Screen::QrCode))
        .unwrap();
    assert!(scan > 0, "the provider step comes before the scan");
    assert_eq!(
        fallback.steps[scan].detail.as_deref(),
        Some(
            "Scan it with the phone’s Camera app (on iPhone, Authenticator’s own scanner can’t read this code)."
        )
    );
    let screens: Vec<_> = fallback
        .steps
        .iter()
        .filter_map(|s| s.mockup)
        .map(|m| (m.screen, m.on))
        .collect();
    assert_eq!(
        screens,
        [
            (Screen::OtherDeviceWindow, ScreenOn::Computer),
            (Screen::QrCode, ScreenOn::Phone),
            (Screen::Biometric, ScreenOn::Phone),
            (Screen::Done, ScreenOn::Computer),
        ]
    );
    for id in [
        "qr_scanner_instead",
        "phone_cannot_connect",
        "network_blocks_cross_device",
    ] {
        assert!(page.troubleshooting.iter().any(|t| t.id == id), "{id}");
    }
    let scanner = trouble(&page, "qr_scanner_instead");
    assert!(scanner.symptom.contains("on iPhone"));
    assert_eq!(
        scanner.meaning,
        "Authenticator’s scanner on iPhone can’t read this kind of code."
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
    let page = tab(&device(MAC_SAFARI), WalkthroughKind::Ios);
    assert!(page.notices.is_empty(), "{:?}", page.notices);
}

#[test]
fn unknown_devices_are_asked_to_pick_a_tab() {
    let page = page(&device("curl/8.5.0"));
    assert_eq!(page.shown, WalkthroughKind::Desktop);
    assert!(page.notices.iter().any(|n| n.contains("Pick yours")));
}

// ---- Browsers ----

#[test]
fn an_in_app_browser_is_worth_knowing_not_a_blocker_because_the_app_steps_need_no_browser() {
    let page = page(&device(IPHONE_FACEBOOK));
    let browser = prerequisite(&page, "browser");
    assert_eq!(browser.status, CheckStatus::Advice);
    assert!(
        browser.detail.contains("inside Facebook"),
        "{}",
        browser.detail
    );
    assert!(
        browser
            .detail
            .contains("The Authenticator steps work from here")
    );
    assert!(browser.fix.as_deref().unwrap().contains("Open in Safari"));
    assert!(!page.blocked);
    // Said once, in the prerequisite with its fix: no notice repeating it above.
    assert!(
        !page.notices.iter().any(|n| n.contains("built-in browser")),
        "{:?}",
        page.notices
    );
    let mentions = all_text(&page)
        .iter()
        .filter(|t| t.contains("inside Facebook"))
        .count();
    assert_eq!(mentions, 1);

    let android = page_of(ANDROID_WEBVIEW);
    let browser = prerequisite(&android, "browser");
    assert_eq!(browser.status, CheckStatus::Advice);
    assert!(browser.detail.contains("an app’s built-in browser"));
    assert!(browser.fix.as_deref().unwrap().contains("Open in Chrome"));
}

fn page_of(ua: &str) -> Walkthrough {
    page(&device(ua))
}

#[test]
fn firefox_on_android_is_told_to_use_chrome() {
    let page = page_of(FIREFOX_ANDROID);
    let browser = prerequisite(&page, "browser");
    assert_eq!(browser.status, CheckStatus::Advice);
    assert!(browser.detail.contains("use Chrome"), "{}", browser.detail);
    assert!(
        trouble(&page, "firefox_android")
            .fix
            .starts_with("Use Chrome")
    );
    // Firefox elsewhere is fine.
    assert!(
        !page_of(IPHONE_FIREFOX_FROZEN)
            .troubleshooting
            .iter()
            .any(|t| t.id == "firefox_android")
    );
}

#[test]
fn edge_on_android_is_told_to_sign_in_with_chrome_later() {
    let page = page_of(EDGE_ANDROID);
    assert_eq!(page.shown, WalkthroughKind::Android);
    let browser = prerequisite(&page, "browser");
    assert_eq!(browser.status, CheckStatus::Advice);
    assert_eq!(
        browser.detail,
        "You’re in Edge, a regular browser. To sign in with your passkey in a browser on this phone later, use Chrome: Microsoft says support in Edge on Android is still coming."
    );
    assert!(!page.blocked);
    // Other browsers that aren't Chrome keep the plain advice; Edge on a computer is fine.
    let samsung = prerequisite(&page_of(SAMSUNG_INTERNET), "browser")
        .detail
        .clone();
    assert!(samsung.contains("switch to Chrome"), "{samsung}");
    assert_eq!(
        prerequisite(&page_of(WINDOWS_EDGE), "browser").status,
        CheckStatus::Met
    );
}

#[test]
fn a_real_browser_meets_the_browser_prerequisite() {
    assert_eq!(
        prerequisite(&page_of(IPHONE_17_4), "browser").status,
        CheckStatus::Met
    );
    assert_eq!(
        prerequisite(&page_of(WINDOWS_EDGE), "browser").status,
        CheckStatus::Met
    );
}

// ---- Facts and troubleshooting ----

#[test]
fn the_temporary_access_pass_is_offered_before_starting_and_for_conditional_access() {
    for kind in WalkthroughKind::ALL {
        let page = tab(&device(IPHONE_17_4), kind);
        let before = &prerequisite(&page, "authenticator").detail;
        assert!(
            before.contains("Temporary Access Pass"),
            "{kind:?}: {before}"
        );
        // The loop of a policy that asks for a passkey to add one: a Temporary Access Pass.
        let ca = trouble(&page, "conditional_access");
        assert_eq!(
            ca.symptom,
            "You’re asked for a passkey before you can set one up"
        );
        assert!(
            ca.fix
                .contains("ask for a Temporary Access Pass, a time-limited code"),
            "{kind:?}: {}",
            ca.fix
        );
        assert!(!ca.fix.contains("exception"), "{}", ca.fix);
        // An approved-client-app rule: a Temporary Access Pass doesn't lift it; an exception does.
        let app = trouble(&page, "app_not_approved");
        assert_eq!(
            app.symptom,
            "You’re told the app isn’t approved or needs app protection"
        );
        assert!(
            app.meaning.contains("A Temporary Access Pass won’t help."),
            "{}",
            app.meaning
        );
        assert!(
            app.fix.contains("temporary exception") && !app.fix.contains("Temporary Access Pass"),
            "{}",
            app.fix
        );
        assert_eq!(app.sources, &[Source::LearnEnableInAuthenticator]);
    }
}

#[test]
fn android_work_profiles_are_explained_where_they_matter() {
    for kind in [
        WalkthroughKind::Android,
        WalkthroughKind::Samsung,
        WalkthroughKind::Desktop,
    ] {
        let page = tab(&device(REDUCED_CHROME), kind);
        let entry = trouble(&page, "work_profile");
        assert!(
            entry
                .meaning
                .contains("works only in the profile where you created it"),
            "{kind:?}"
        );
        assert!(
            entry
                .fix
                .contains("Create it in the work profile’s Authenticator for work apps."),
            "{kind:?}: {}",
            entry.fix
        );
        // Microsoft: one passkey per profile for people who use both.
        assert!(
            entry.fix.contains(
                "If you also sign in to work from the personal side, create one in that profile’s Authenticator too."
            ),
            "{kind:?}: {}",
            entry.fix
        );
        assert!(entry.fix.contains("personal profile’s camera"), "{kind:?}");
    }
    assert!(
        !tab(&device(IPHONE_17_4), WalkthroughKind::Ios)
            .troubleshooting
            .iter()
            .any(|t| t.id == "work_profile")
    );
}

#[test]
fn the_facts_microsoft_corrected_are_stated_as_they_are_now() {
    for page in every_page() {
        for text in all_text(&page) {
            assert!(!text.contains("accepted wherever passkeys are"), "{text}");
            assert!(!text.contains("bin icon"), "{text}");
            assert!(!text.contains("green tick"), "{text}");
            if text.contains("IT team can") && text.contains("confirm") {
                assert!(text.contains("requires attestation"), "{text}");
            }
        }
        let exists = trouble(&page, "passkey_already_exists");
        assert!(
            exists
                .fix
                .contains("tap your work account → “Settings” → “Delete passkey”"),
            "{}",
            exists.fix
        );
        assert!(
            exists.fix.contains("only if it’s listed there"),
            "{}",
            exists.fix
        );
        let next = page.done.paragraphs.join(" ");
        assert!(
            next.contains("“Other ways to sign in” (or “Sign-in options”)"),
            "{next}"
        );
        assert!(
            next.contains("“Face, fingerprint, PIN or security key”"),
            "{next}"
        );
    }
}

#[test]
fn messages_no_microsoft_page_shows_are_hedged_and_cite_the_product_brief() {
    let page = tab(&device(IPHONE_17_4), WalkthroughKind::Desktop);
    for (id, message) in [
        (
            "not_supported_by_tenant",
            "A message like “This sign-in method is not supported by your tenant”",
        ),
        (
            "cannot_verify_device",
            "A message like “We couldn’t verify your device”",
        ),
        (
            "authenticator_not_installed",
            "A message like “Authenticator is not installed”",
        ),
    ] {
        let entry = trouble(&page, id);
        assert!(
            entry.symptom.starts_with(message),
            "{id}: {}",
            entry.symptom
        );
        assert!(entry.sources.contains(&Source::ProductBrief), "{id}");
    }
    // Every quoted message on any page is one of these, hedged.
    for page in every_page() {
        for t in &page.troubleshooting {
            if t.symptom.starts_with('“') {
                assert_eq!(t.id, "passkey_already_exists", "unhedged: {}", t.symptom);
            }
        }
    }
}

#[test]
fn the_in_app_browser_entry_is_about_security_info_failing_on_the_brief_alone() {
    for kind in WalkthroughKind::ALL {
        let entry = trouble(&tab(&device(IPHONE_17_4), kind), "in_app_browser").clone();
        // With the hand-off, Security info never shows a passkey prompt: no fault to report.
        assert_eq!(
            entry.symptom,
            "Security info won’t load, or its buttons do nothing"
        );
        assert!(!entry.symptom.contains("prompt"));
        assert_eq!(entry.sources, &[Source::ProductBrief], "{kind:?}");
    }
}

#[test]
fn no_sentence_says_the_computer_routes_need_no_qr_code_or_promises_androids_scanner() {
    for page in every_page() {
        for text in all_text(&page) {
            for wrong in [
                "no QR code",
                "needs no QR code",
                "so does Authenticator’s scanner",
                "on Android it can",
                "No camera handy",
            ] {
                assert!(!text.contains(wrong), "{:?}: {wrong} in {text}", page.shown);
            }
        }
    }
    let desktop = page(&device(WINDOWS_EDGE));
    assert!(
        trouble(&desktop, "phone_cannot_connect")
            .fix
            .ends_with("which needs no Bluetooth link to this computer."),
        "{}",
        trouble(&desktop, "phone_cannot_connect").fix
    );
}

#[test]
fn the_iphone_settings_entry_names_the_toggle_the_choice_and_hedges_ios_26() {
    let entry = trouble(&page(&device(IPHONE_17_4)), "provider_missing").clone();
    for words in [
        "Make sure “AutoFill Passwords and Passkeys” is on first.",
        "iOS 18 and later (probably iOS 26 too): Settings → General → AutoFill & Passwords, then under “AutoFill From” select Authenticator.",
        "iOS 17: Settings → Passwords → Password Options, then under “Use Passwords and Passkeys From” select Authenticator.",
        "Search Settings for “passkey”",
    ] {
        assert!(entry.fix.contains(words), "{words} in {}", entry.fix);
    }
}

#[test]
fn touch_id_iphones_are_sent_to_their_own_settings() {
    let entry = trouble(&page(&device(IPHONE_17_4)), "biometric_failed").clone();
    assert!(
        entry
            .fix
            .contains("(Settings → Face ID & Passcode, or Touch ID & Passcode)"),
        "{}",
        entry.fix
    );
}

#[test]
fn samsung_pass_offering_to_save_names_the_plain_passkey_as_a_cause() {
    let entry = trouble(&page(&galaxy_14()), "samsung_pass_default").clone();
    assert!(
        entry.meaning.contains(
            "or you chose the plain “Passkey” at Security info instead of “Passkey in Microsoft Authenticator”"
        ),
        "{}",
        entry.meaning
    );
    assert!(entry.sources.contains(&Source::LearnRegisterSynced));
    assert!(
        entry
            .fix
            .contains("There’s no need to change “Preferred service”")
    );
}

#[test]
fn the_computer_tab_says_how_to_sign_in_on_a_computer_later() {
    let desktop = page(&device(WINDOWS_EDGE));
    let done = desktop.done.paragraphs.join(" ");
    assert!(
        done.contains(
            "Signing in on a computer: when asked, choose “iPhone, iPad, or Android device” (that’s how Windows 11 words it), scan the QR code with your phone’s Camera app, keep Bluetooth and the internet on for both, then confirm on the phone."
        ),
        "{done}"
    );
    assert!(
        desktop
            .done
            .sources
            .contains(&Source::LearnSignInWithAuthenticator)
    );
    // A phone signs in on itself: no QR code, no Bluetooth there.
    for kind in [
        WalkthroughKind::Ios,
        WalkthroughKind::Android,
        WalkthroughKind::Samsung,
    ] {
        let done = tab(&device(IPHONE_17_4), kind).done.paragraphs.join(" ");
        assert!(!done.contains("Bluetooth"), "{kind:?}: {done}");
    }
}

#[test]
fn troubleshooting_ids_are_stable_and_follow_the_tab() {
    let expected: [(WalkthroughKind, &[&str]); 4] = [
        (
            WalkthroughKind::Ios,
            &[
                "not_supported_by_tenant",
                "conditional_access",
                "app_not_approved",
                "provider_missing",
                "passkey_already_exists",
                "authenticator_not_installed",
                "cannot_verify_device",
                "biometric_failed",
                "in_app_browser",
            ],
        ),
        (
            WalkthroughKind::Android,
            &[
                "not_supported_by_tenant",
                "conditional_access",
                "app_not_approved",
                "provider_missing",
                "work_profile",
                "firefox_android",
                "passkey_already_exists",
                "authenticator_not_installed",
                "cannot_verify_device",
                "biometric_failed",
                "in_app_browser",
            ],
        ),
        (
            WalkthroughKind::Samsung,
            &[
                "not_supported_by_tenant",
                "conditional_access",
                "app_not_approved",
                "provider_missing",
                "samsung_pass_default",
                "work_profile",
                "firefox_android",
                "passkey_already_exists",
                "authenticator_not_installed",
                "cannot_verify_device",
                "biometric_failed",
                "in_app_browser",
            ],
        ),
        (
            WalkthroughKind::Desktop,
            &[
                "not_supported_by_tenant",
                "conditional_access",
                "app_not_approved",
                "qr_scanner_instead",
                "phone_cannot_connect",
                "network_blocks_cross_device",
                "provider_missing",
                "work_profile",
                "passkey_already_exists",
                "authenticator_not_installed",
                "cannot_verify_device",
                "biometric_failed",
                "in_app_browser",
            ],
        ),
    ];
    for (kind, ids) in expected {
        let page = tab(&device(IPHONE_17_4), kind);
        let got: Vec<_> = page.troubleshooting.iter().map(|t| t.id).collect();
        assert_eq!(got, ids, "{kind:?}");
        let prerequisites: Vec<_> = page.prerequisites.iter().map(|p| p.id).collect();
        assert_eq!(
            prerequisites,
            ["authenticator", "os_version", "browser", "tenant_policy"]
        );
    }
}

#[test]
fn biometric_wording_follows_the_phone() {
    let biometric = |kind| trouble(&tab(&device(IPHONE_17_4), kind), "biometric_failed").clone();
    assert!(biometric(WalkthroughKind::Ios).symptom.contains("Face ID"));
    let android = biometric(WalkthroughKind::Android);
    assert!(android.symptom.contains("fingerprint") && !android.symptom.contains("Face ID"));
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
    let page = build(
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
    assert!(path_text(path(&page, "browser")).contains("sts.contoso.com"));
    let managed = build(
        &profile(),
        &device,
        WalkthroughKind::Ios,
        &TenantSettings::default(),
    );
    assert_eq!(managed.federation_note, None);
    assert!(!path_text(path(&managed, "in_app")).contains("own sign-in page"));
}

#[test]
fn security_info_follows_the_cloud_and_the_configured_addresses() {
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
        let page = build(
            &profile_in(cloud),
            &device,
            WalkthroughKind::Ios,
            &TenantSettings::default(),
        );
        assert_eq!(
            (
                page.security_info_url.as_str(),
                page.security_info_short.as_str()
            ),
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
    // An operator's address reaches every step that names it.
    let pages = crate::config::RawConfig {
        security_info_usgov: "https://mysignins.example.us/security-info".to_owned(),
        ..crate::config::RawConfig::default()
    }
    .validate()
    .unwrap()
    .security_info;
    let page = Walkthrough::build(
        &profile_in(Cloud::Usgov),
        &device,
        WalkthroughKind::Desktop,
        &TenantSettings::default(),
        &pages,
    );
    let text = path_text(path(&page, "security_info"));
    assert!(
        text.contains("mysignins.example.us/security-info"),
        "{text}"
    );
    assert!(!text.contains("mysignins.microsoft.us"), "{text}");
}

#[test]
fn company_falls_back_to_the_unicode_domain() {
    let mut profile = profile();
    profile.domain = DomainName::parse("bücher.de").unwrap();
    profile.tenant = None;
    let page = build(
        &profile,
        &device(IPHONE_17_4),
        WalkthroughKind::Ios,
        &TenantSettings::default(),
    );
    assert_eq!(page.company, "bücher.de");
    assert_eq!(page.headline, "Set up your bücher.de passkey");
    assert_eq!(
        self::page(&device(IPHONE_17_4)).headline,
        "Set up your Contoso passkey"
    );
}

#[test]
fn passkey_policy_changes_the_advice() {
    let device = device(IPHONE_17_4);
    let only = self::page(&device);
    let only_text = only.passkey_choice.paragraphs.join(" ");
    assert!(only_text.starts_with("Use Microsoft Authenticator."));
    assert!(only_text.contains("accepts passkeys in Authenticator only"));
    assert!(only_text.contains("iCloud Keychain"));

    let synced = build(
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
    assert!(synced_text.contains("When Contoso requires attestation"));
    // On a Galaxy, Samsung Pass is said plainly not to be the synced kind.
    let galaxy = build(
        &profile(),
        &galaxy_14(),
        WalkthroughKind::Samsung,
        &TenantSettings {
            passkey_policy: PasskeyPolicy::SyncedAllowed,
            ..TenantSettings::default()
        },
    );
    let galaxy_text = galaxy.passkey_choice.paragraphs.join(" ");
    assert!(
        galaxy_text.contains("Samsung Pass isn’t a synced option"),
        "{galaxy_text}"
    );
    assert!(
        galaxy
            .passkey_choice
            .sources
            .contains(&Source::SamsungPassPasskeys)
    );
}

#[test]
fn poster_names_the_company_the_three_steps_and_both_os_minimums() {
    let page = tab(&device(IPHONE_16_7), WalkthroughKind::Desktop);
    assert!(page.poster.title.starts_with(&page.company));
    assert_eq!(page.poster.steps.len(), 3);
    assert!(page.poster.steps[1].contains("“Create a passkey”"));
    assert!(page.poster.steps[2].contains("“Done” twice"));
    // A Galaxy owner reading "turn on a passkey provider" finds "Preferred service" first.
    assert!(
        page.poster.steps[2].contains(
            "(Samsung Galaxy: under “Additional providers”; leave “Preferred service” as it is)"
        ),
        "{}",
        page.poster.steps[2]
    );
    // A fresh install shows the first-run screen, not "+".
    assert!(
        page.poster.steps[1].contains("“Add work or school account”"),
        "{}",
        page.poster.steps[1]
    );
    assert!(
        page.poster
            .requirement
            .contains("iOS 17 or later (17.4 or later recommended)")
            && page.poster.requirement.contains("Android 14"),
        "{}",
        page.poster.requirement
    );
    assert_eq!(page.poster.help, None);
    assert_eq!(page.poster, Poster::new("Contoso", None));
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
    let page = build(&profile(), &device, WalkthroughKind::Ios, &settings);
    assert_eq!(page.helpdesk, Some(helpdesk));
    assert_eq!(
        page.poster.help.as_deref(),
        Some("Questions? it@contoso.com")
    );
    assert_eq!(
        page.intro_message.as_deref(),
        Some("Please do this by Friday.")
    );
    assert!(
        trouble(&page, "not_supported_by_tenant")
            .fix
            .contains("helpdesk (below)")
    );
    assert!(
        trouble(&page, "conditional_access")
            .fix
            .contains("helpdesk (below)")
    );
    assert!(
        prerequisite(&page, "authenticator")
            .detail
            .contains("Ask your helpdesk (below) for a Temporary Access Pass")
    );
    assert!(
        prerequisite(&page, "os_version")
            .fix
            .as_deref()
            .unwrap()
            .contains("helpdesk (below)")
    );

    let without = build(
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
        build(&profile(), &device, WalkthroughKind::Ios, &empty).helpdesk,
        None
    );
}

// ---- Shape ----

#[test]
fn tabs_are_in_a_fixed_order_with_shown_and_detected_marked() {
    let page = tab(&device(WINDOWS_EDGE), WalkthroughKind::Samsung);
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
fn done_says_what_success_looks_like() {
    let page = page_of(IPHONE_17_4);
    let done = page.done.paragraphs.join(" ");
    assert!(done.contains("lists “Passkey” as a sign-in method"));
    assert!(done.contains("sign-in methods"));
    assert!(done.contains("Face, fingerprint, PIN or security key"));
    assert!(done.contains("Keep Authenticator"));
}

#[test]
fn no_text_is_a_placeholder_or_a_todo() {
    for page in every_page() {
        for text in all_text(&page) {
            assert!(!text.trim().is_empty(), "empty text in {:?}", page.shown);
            assert!(
                !text.contains("TODO") && !text.contains('{') && !text.contains('}'),
                "{text}"
            );
            assert!(!text.contains("  "), "double space: {text}");
            assert!(!text.contains(" ."), "space before a full stop: {text}");
        }
    }
}

// ---- The landing page's general guide ----

#[test]
fn the_general_guide_has_every_device_and_reads_well_without_a_tenant() {
    let guide = Guide::new(&SecurityInfoPages::default());
    let kinds: Vec<_> = guide.devices.iter().map(|w| w.shown).collect();
    assert_eq!(kinds, WalkthroughKind::ALL);
    for page in &guide.devices {
        assert!(unsourced(page).is_empty(), "{:?}", page.shown);
        for text in all_text(page) {
            assert!(!text.contains("your your"), "{text}");
            assert!(!text.contains("Contoso"), "{text}");
            assert!(
                !text.contains("(below)"),
                "no helpdesk block on the guide: {text}"
            );
        }
        assert!(
            path_text(&page.paths[0]).contains("“Create a passkey”"),
            "{:?}",
            page.shown
        );
        assert!(
            page.paths
                .iter()
                .any(|p| path_text(p).contains("aka.ms/mysecurityinfo")),
            "{:?}",
            page.shown
        );
    }
    // The landing page has no QR code and its readers no rollout email: the computer's guide
    // starts by opening the page on the phone.
    let computer = guide
        .devices
        .iter()
        .find(|w| w.shown == WalkthroughKind::Desktop)
        .unwrap();
    let first = &path(computer, "continue_on_phone").steps[0];
    assert_eq!(
        first.title,
        "On your phone, open this page (or your company’s walkthrough link)"
    );
    assert_eq!(first.mockup, None);
    for page in &guide.devices {
        for text in all_text(page) {
            assert!(!text.contains("QR code on this page"), "{text}");
            assert!(!text.contains("rollout email"), "{text}");
        }
        assert!(
            page.paths
                .iter()
                .flat_map(|p| &p.steps)
                .all(|s| !s.scans_page_qr),
            "{:?}",
            page.shown
        );
    }
    let ids: Vec<_> = guide.troubleshooting.iter().map(|t| t.id).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "each entry once: {ids:?}");
    for id in [
        "conditional_access",
        "app_not_approved",
        "work_profile",
        "firefox_android",
        "samsung_pass_default",
        "network_blocks_cross_device",
        "passkey_already_exists",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    let provider = guide
        .troubleshooting
        .iter()
        .find(|t| t.id == "provider_missing")
        .unwrap();
    assert!(provider.fix.contains("iPhone") && provider.fix.contains("Android"));
    assert_eq!(
        guide.checked_on,
        "Steps checked against Microsoft’s documentation on 5 July 2026."
    );
}
