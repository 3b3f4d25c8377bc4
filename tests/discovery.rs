//! Discovery end to end: the real app, wired to fake Microsoft endpoints and a fake DNS server only
//! through its configuration, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use authwalk::domain::DomainName;
use serde_json::Value;
use support::fake_microsoft::{
    BRANDING_THROTTLED_TENANT, CONTOSO_CHINA_TENANT, CONTOSO_TENANT, Endpoint, FABRIKAM_TENANT,
    GCC_HIGH_TENANT, GCC_MODERATE_TENANT, NORTHWIND_TENANT, PUBLIC_LOGIN_HOST, US_GOV_LOGIN_HOST,
};
use support::{Backend, TestApp, Upstreams};

async fn tenant(app: &TestApp, domain: &str) -> Value {
    let (status, json) = app.get_json(&format!("/api/v1/tenants/{domain}")).await;
    assert_eq!(status, 200, "{domain}: {json}");
    json
}

/// The fields of every scenario tenant, as the API must show them.
fn assert_scenarios(profiles: &[(&str, Value)]) {
    let get = |domain: &str| {
        profiles
            .iter()
            .find(|(name, _)| *name == domain)
            .map(|(_, json)| json.clone())
            .unwrap()
    };

    let contoso = get("contoso.com");
    assert_eq!(contoso["status"], "entra");
    assert_eq!(contoso["domain"], "contoso.com");
    assert_eq!(contoso["tenant_id"], CONTOSO_TENANT);
    assert_eq!(contoso["display_name"], "Contoso");
    assert_eq!(contoso["cloud"], "public");
    assert_eq!(contoso["namespace_type"], "managed");
    assert_eq!(contoso["federation"], Value::Null);
    assert_eq!(contoso["region_scope"], "NA");
    assert_eq!(contoso["branding"]["source"], "entra");
    assert_eq!(contoso["branding"]["background_color"], "#0072C6");
    assert_eq!(
        contoso["branding"]["sign_in_text"],
        "Sign in with your Contoso account."
    );
    assert_eq!(contoso["signals"]["mx_microsoft"], true);
    assert_eq!(contoso["signals"]["txt_ms_verification"], true);
    assert_eq!(contoso["signals"]["spf_microsoft"], true);
    assert_eq!(contoso["signals"]["autodiscover_microsoft"], true);
    assert_eq!(contoso["signals"]["enterprise_registration"], true);
    assert_eq!(contoso["signals"]["enterprise_enrollment"], true);
    assert_eq!(contoso["signals"]["lync_discover"], true);
    assert!(
        time::OffsetDateTime::parse(
            contoso["resolved_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );

    let northwind = get("northwind.com");
    assert_eq!(northwind["status"], "entra");
    assert_eq!(northwind["tenant_id"], NORTHWIND_TENANT);
    assert_eq!(northwind["display_name"], "Northwind Traders");
    assert_eq!(northwind["region_scope"], "EU");
    assert_eq!(northwind["branding"]["source"], "none");
    assert_eq!(northwind["branding"]["background_color"], Value::Null);
    assert_eq!(northwind["signals"]["mx_microsoft"], false);

    let fabrikam = get("fabrikam.com");
    assert_eq!(fabrikam["tenant_id"], FABRIKAM_TENANT);
    assert_eq!(fabrikam["namespace_type"], "federated");
    assert_eq!(fabrikam["federation"]["idp_host"], "sts.fabrikam.com");
    assert_eq!(fabrikam["federation"]["protocol"], "WSTrust");
    assert_eq!(fabrikam["display_name"], "Fabrikam");

    let gcc_high = get("gcchigh-agency.gov");
    assert_eq!(gcc_high["tenant_id"], GCC_HIGH_TENANT);
    assert_eq!(gcc_high["cloud"], "usgov");
    assert_eq!(gcc_high["region_scope"], "USGov");
    assert_eq!(gcc_high["region_sub_scope"], "DODCON");
    assert_eq!(
        gcc_high["display_name"], "Agency",
        "realm asked on the .us host"
    );
    assert_eq!(gcc_high["branding"]["source"], "entra");
    assert_eq!(gcc_high["branding"]["background_color"], "#112E51");

    let moderate = get("gcc-moderate.gov");
    assert_eq!(moderate["tenant_id"], GCC_MODERATE_TENANT);
    assert_eq!(moderate["cloud"], "public");
    assert_eq!(moderate["region_sub_scope"], "GCC");

    let china = get("contoso-china.cn");
    assert_eq!(china["tenant_id"], CONTOSO_CHINA_TENANT);
    assert_eq!(china["cloud"], "china");
    assert_eq!(china["display_name"], "Contoso China");
    assert_eq!(china["branding"]["source"], "none");

    let throttled = get("branding-throttled.com");
    assert_eq!(throttled["status"], "entra");
    assert_eq!(throttled["tenant_id"], BRANDING_THROTTLED_TENANT);
    assert_eq!(throttled["branding"]["source"], "none");

    let not_entra = get("notentra.org");
    assert_eq!(not_entra["status"], "not_entra");
    assert_eq!(not_entra["tenant_id"], Value::Null);
    assert_eq!(not_entra["cloud"], Value::Null);
    assert_eq!(not_entra["namespace_type"], "unknown");
}

const SCENARIOS: [&str; 8] = [
    "contoso.com",
    "northwind.com",
    "fabrikam.com",
    "gcchigh-agency.gov",
    "gcc-moderate.gov",
    "contoso-china.cn",
    "branding-throttled.com",
    "notentra.org",
];

async fn every_scenario_resolves_right_and_survives_a_restart(backend: Backend) {
    let upstreams = Upstreams::start().await;
    upstreams.dns.add_microsoft365("contoso.com");
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let mut profiles = Vec::new();
    for domain in SCENARIOS {
        profiles.push((domain, tenant(&app, domain).await));
    }
    assert_scenarios(&profiles);
    assert_eq!(
        upstreams
            .microsoft
            .requests_on(US_GOV_LOGIN_HOST, Endpoint::UserRealm),
        1,
        "the government tenant's realm is asked on its own cloud"
    );
    assert_eq!(
        upstreams
            .microsoft
            .requests_on(US_GOV_LOGIN_HOST, Endpoint::CredentialType),
        1
    );
    for domain in SCENARIOS {
        let stored = app
            .store
            .load_profile(&DomainName::parse(domain).unwrap())
            .await
            .unwrap();
        assert!(stored.is_some(), "{domain} is stored");
    }

    // Restart on the same database: every answer now comes from the store, none from upstream.
    let (database, raw_config) = app.stop_keeping_database().await;
    upstreams.microsoft.reset_counts();
    let app = TestApp::start(raw_config, database).await;
    let mut reread = Vec::new();
    for domain in SCENARIOS {
        reread.push((domain, tenant(&app, domain).await));
    }
    assert_scenarios(&reread);
    for ((domain, before), (_, after)) in profiles.iter().zip(&reread) {
        assert_eq!(
            before, after,
            "{domain}: the stored profile reads back identical"
        );
    }
    assert_eq!(
        upstreams.microsoft.total_requests(),
        0,
        "served from the store"
    );
    app.stop().await;
}
both_backends!(
    scenarios,
    every_scenario_resolves_right_and_survives_a_restart
);

async fn concurrent_first_requests_share_one_resolution(backend: Backend) {
    let upstreams = Upstreams::start().await;
    upstreams.microsoft.set_delay(Duration::from_millis(300));
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let requests = (0..40).map(|_| tenant(&app, "contoso.com"));
    let answers = futures_util::future::join_all(requests).await;
    for answer in &answers {
        assert_eq!(answer["tenant_id"], CONTOSO_TENANT);
    }
    for endpoint in [
        Endpoint::OpenIdConfiguration,
        Endpoint::UserRealm,
        Endpoint::CredentialType,
    ] {
        assert_eq!(
            upstreams.microsoft.requests(endpoint),
            1,
            "{endpoint:?} asked once"
        );
    }
    // One resolution's DNS: MX and TXT (signals), A and AAAA (the website); never per request.
    let queries = upstreams.dns.queries("contoso.com");
    assert!(queries <= 4, "{queries} DNS queries");
    app.stop().await;
}
both_backends!(
    single_flight,
    concurrent_first_requests_share_one_resolution
);

/// A request that gives up — its handler dropped by the router's timeout, or its client gone —
/// cancels nothing: the lookup it started goes on in its own task, a request arriving meanwhile
/// joins it, and it lands stored with no flight left in the air.
async fn a_lookup_outlives_the_request_that_started_it(backend: Backend) {
    let upstreams = Upstreams::start().await;
    upstreams.microsoft.set_delay(Duration::from_millis(1000));
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "15s".into();
    })
    .await
    else {
        return;
    };
    let discovery = app.state.discovery.clone();
    let contoso = DomainName::parse("contoso.com").unwrap();
    let gave_up =
        tokio::time::timeout(Duration::from_millis(300), discovery.try_profile(&contoso)).await;
    assert!(gave_up.is_err(), "the first request gave up waiting");
    assert_eq!(
        discovery.flights_in_the_air(),
        1,
        "its lookup is still in the air"
    );
    let joined = discovery.try_profile(&contoso).await.unwrap();
    assert_eq!(
        joined.tenant.as_ref().unwrap().tenant_id.to_string(),
        CONTOSO_TENANT
    );
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        1,
        "joined, not started again"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while discovery.flights_in_the_air() > 0 {
        assert!(Instant::now() < deadline, "the flight never left the map");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(discovery.progress(&contoso).is_none());
    assert!(app.store.load_profile(&contoso).await.unwrap().is_some());
    app.stop().await;
}
both_backends!(
    lookup_outlives_its_request,
    a_lookup_outlives_the_request_that_started_it
);

async fn upstream_failures_are_unreachable_and_never_remembered(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "700ms".into();
    })
    .await
    else {
        return;
    };
    for domain in [
        "slow-tenant.com",
        "throttled-tenant.com",
        "unavailable-tenant.com",
        "broken-json.com",
    ] {
        let started = Instant::now();
        let response = app.get(&format!("/api/v1/tenants/{domain}")).await;
        assert_eq!(response.status(), 200, "{domain}: never a 500");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let json: Value = response.json().await.unwrap();
        assert_eq!(json["status"], "unreachable", "{domain}");
        assert_eq!(json["tenant_id"], Value::Null);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{domain} answered within the timeout: {:?}",
            started.elapsed()
        );
        let stored = app
            .store
            .load_profile(&DomainName::parse(domain).unwrap())
            .await
            .unwrap();
        assert!(stored.is_none(), "{domain}: unreachable is not stored");
    }
    // Not remembered in memory either: the next visit asks again.
    let before = upstreams.microsoft.requests(Endpoint::OpenIdConfiguration);
    let json = tenant(&app, "unavailable-tenant.com").await;
    assert_eq!(json["status"], "unreachable");
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        before + 1
    );
    app.stop().await;
}
both_backends!(
    unreachable,
    upstream_failures_are_unreachable_and_never_remembered
);

async fn not_entra_is_remembered_for_its_ttl(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.not_found_ttl = "1s".into();
    })
    .await
    else {
        return;
    };
    assert_eq!(tenant(&app, "notentra.org").await["status"], "not_entra");
    assert_eq!(tenant(&app, "notentra.org").await["status"], "not_entra");
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        1,
        "remembered"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(tenant(&app, "notentra.org").await["status"], "not_entra");
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        2,
        "asked again after the TTL"
    );
    app.stop().await;
}
both_backends!(not_entra_ttl, not_entra_is_remembered_for_its_ttl);

async fn stale_profiles_are_served_then_refreshed_and_kept_when_refresh_fails(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.refresh_after = "1s".into();
        config.upstream_timeout = "500ms".into();
    })
    .await
    else {
        return;
    };
    assert_eq!(
        tenant(&app, "contoso.com").await["tenant_id"],
        CONTOSO_TENANT
    );
    let first = upstreams.microsoft.requests(Endpoint::OpenIdConfiguration);
    tokio::time::sleep(Duration::from_millis(1100)).await;

    // Stale: served at once, refreshed behind the scenes.
    upstreams.microsoft.set_delay(Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(
        tenant(&app, "contoso.com").await["tenant_id"],
        CONTOSO_TENANT
    );
    assert!(
        started.elapsed() < Duration::from_millis(200),
        "not waiting for the refresh"
    );
    wait_for(|| upstreams.microsoft.requests(Endpoint::OpenIdConfiguration) > first).await;

    // A refresh that fails (upstream slower than the timeout) keeps the old profile.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    upstreams.microsoft.set_delay(Duration::from_secs(2));
    let json = tenant(&app, "contoso.com").await;
    assert_eq!(json["status"], "entra");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let json = tenant(&app, "contoso.com").await;
    assert_eq!(
        json["status"], "entra",
        "the failed refresh kept the old profile"
    );
    assert_eq!(json["display_name"], "Contoso");
    let stored = app
        .store
        .load_profile(&DomainName::parse("contoso.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.tenant.unwrap().tenant_id.to_string(), CONTOSO_TENANT);
    app.stop().await;
}
both_backends!(
    refresh,
    stale_profiles_are_served_then_refreshed_and_kept_when_refresh_fails
);

async fn failed_dns_lookups_do_not_hide_a_tenant(backend: Backend) {
    let upstreams = Upstreams::start().await;
    upstreams.dns.fail("contoso.com");
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let json = tenant(&app, "contoso.com").await;
    assert_eq!(json["status"], "entra");
    assert_eq!(json["signals"]["mx_microsoft"], false);
    app.stop().await;
}
both_backends!(partial, failed_dns_lookups_do_not_hide_a_tenant);

async fn invalid_domains_get_a_clear_400_in_json(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    for (raw, code) in [
        ("com", "public_suffix"),
        ("co.uk", "public_suffix"),
        ("localhost", "localhost"),
        ("127.0.0.1", "ip_address"),
        ("intranet", "single_label"),
        ("a_b.com", "invalid_character"),
    ] {
        let (status, json) = app.get_json(&format!("/api/v1/tenants/{raw}")).await;
        assert_eq!(status, 400, "{raw}");
        assert_eq!(json["error"], code, "{raw}: {json}");
        assert!(
            json["message"].as_str().unwrap().len() > 20,
            "{raw}: {json}"
        );
    }
    // A pasted form of a valid domain is answered for its normal form.
    let json = tenant(&app, "Contoso.COM").await;
    assert_eq!(json["domain"], "contoso.com");
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        1
    );
    assert_eq!(
        upstreams
            .microsoft
            .requests_on(PUBLIC_LOGIN_HOST, Endpoint::OpenIdConfiguration),
        1
    );
    app.stop().await;
}
both_backends!(invalid, invalid_domains_get_a_clear_400_in_json);

/// Two instances on one Postgres resolve a new domain once between them (advisory lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_instances_resolve_a_domain_once() {
    let upstreams = Upstreams::start().await;
    upstreams.microsoft.set_delay(Duration::from_millis(400));
    let Some(first) = TestApp::spawn_wired(Backend::Postgres, &upstreams, |_| {}).await else {
        return;
    };
    let mut second_config = first.raw_config.clone();
    second_config.database_url = first.database.url.clone();
    let second_database = support::TestDatabase::borrowed(&first.database.url, Backend::Postgres);
    let second = TestApp::start(second_config, second_database).await;
    let (a, b) = tokio::join!(
        futures_util::future::join_all((0..10).map(|_| tenant(&first, "fabrikam.com"))),
        futures_util::future::join_all((0..10).map(|_| tenant(&second, "fabrikam.com"))),
    );
    for answer in a.iter().chain(&b) {
        assert_eq!(answer["tenant_id"], FABRIKAM_TENANT);
    }
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        1,
        "one resolution across both instances"
    );
    second.stop().await;
    first.stop().await;
}

async fn wait_for(condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        assert!(Instant::now() < deadline, "condition not met in time");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `authwalk resolve` prints the API's JSON and tells the outcome by its exit status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolve_command_prints_json_and_exits_by_outcome() {
    let upstreams = Upstreams::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config =
        support::test_config(&format!("sqlite://{}", dir.path().join("cli.db").display()));
    upstreams.wire(&mut config);
    config.upstream_timeout = "700ms".into();
    for (domain, code) in [
        ("contoso.com", 0),
        ("notentra.org", 3),
        ("unavailable-tenant.com", 4),
        ("co.uk", 2),
    ] {
        let config = config.clone();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_authwalk"))
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .env("DATABASE_URL", &config.database_url)
                .env("AUTHWALK_CONNECT_TO", config.connect_to.unwrap())
                .env("AUTHWALK_EXTRA_CA", config.extra_ca.unwrap())
                .env("AUTHWALK_DNS_SERVERS", config.dns_servers.unwrap())
                .env("AUTHWALK_UPSTREAM_TIMEOUT", &config.upstream_timeout)
                .env("RUST_LOG", "error")
                .args(["resolve", domain])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert_eq!(output.status.code(), Some(code), "{domain}: {output:?}");
        if code == 2 {
            let stderr = String::from_utf8(output.stderr).unwrap();
            assert!(stderr.contains("public suffix"), "{stderr}");
            continue;
        }
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["domain"], domain);
        let expected = ["entra", "", "", "not_entra", "unreachable"][code as usize];
        assert_eq!(json["status"], expected, "{domain}");
    }
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        3,
        "the bad domain made no request"
    );
}
