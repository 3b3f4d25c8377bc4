//! The adversarial suite: the service is public, so every domain, header and upstream answer a
//! stranger can produce is tried here, and each must get its exact status and words while the
//! store stays as it was.
//!
//! - Domains: a table of hostile inputs (overlong, control characters, CRLF injection, path
//!   traversal, IP encodings, look-alike alphabets, markup…), each sent through the page
//!   (`/t/{raw}`), the form (`/t?domain=`) and the API (`/api/v1/tenants/{raw}`): 400 with the
//!   exact sentence of `DomainError`, no row written, and no upstream contacted.
//! - Requests: huge, malformed and duplicated headers, Client Hints with absurd values, CRLF in
//!   headers and path traversal in the request line, written byte by byte on a raw TCP socket
//!   (reqwest refuses to send most of them).
//! - Upstream answers: every fault of `support::upstream_fault` on Microsoft's endpoints, the
//!   branding CDN and company websites: what the visitor sees, within the configured timeout,
//!   and what is (not) stored.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use std::time::{Duration, Instant};

use authwalk::domain::DomainName;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::fake_microsoft::{CONTOSO_TENANT, Endpoint, FABRIKAM_TENANT, NORTHWIND_TENANT};
use support::upstream_fault::Fault;
use support::{Backend, RowCounts, TestApp, Upstreams};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Every byte outside RFC 3986's unreserved set percent-encoded: the path segment that axum
/// decodes back to exactly `raw`.
fn path_segment(raw: &str) -> String {
    raw.bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// `raw` as a form value (`application/x-www-form-urlencoded`).
fn form_value(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

/// Text as askama writes it into HTML (its escaping of `&<>"'`).
fn html_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The wording of `DomainError` (src/domain.rs), one function per sentence, so each row below
/// states the exact message the visitor must read.
mod says {
    pub const EMPTY: &str = "Enter a company domain such as contoso.com.";

    pub fn too_long(characters: usize) -> String {
        format!(
            "That is too long to be a domain name ({characters} characters); enter just your \
             company's domain, such as contoso.com."
        )
    }
    pub fn missing_host(value: &str) -> String {
        format!(
            "“{value}” doesn't contain a domain name; enter your company's domain, such as \
             contoso.com."
        )
    }
    pub fn unreadable(value: &str) -> String {
        format!(
            "We couldn't read a domain name from “{value}”; enter just your company's domain, \
             such as contoso.com."
        )
    }
    pub fn invalid_character(value: &str, character: &str) -> String {
        format!(
            "“{value}” contains {character}, which can't be part of a domain name; domain names \
             use only letters, digits, hyphens and dots, as in contoso.com."
        )
    }
    pub fn invalid_international(value: &str) -> String {
        format!(
            "“{value}” isn't a valid international domain name; check the spelling, or copy the \
             domain exactly as your domain registrar shows it."
        )
    }
    pub fn empty_label(value: &str) -> String {
        format!(
            "“{value}” has an empty part between two dots; remove the extra dot, as in \
             contoso.com."
        )
    }
    pub fn name_too_long(value: &str) -> String {
        format!(
            "“{value}” is longer than the 253 characters a domain name can have; enter your \
             company's main domain, such as contoso.com."
        )
    }
    pub fn label_too_long(value: &str, label: &str) -> String {
        format!(
            "In “{value}”, the part “{label}” is longer than the 63 characters allowed between \
             two dots; check for a typo and enter the domain again."
        )
    }
    pub fn label_hyphen(value: &str, label: &str) -> String {
        format!(
            "In “{value}”, the part “{label}” starts or ends with a hyphen, which domain names \
             don't allow; check for a typo and enter the domain again."
        )
    }
    pub fn ip_address(value: &str) -> String {
        format!(
            "“{value}” is an IP address, not a domain name; enter your company's domain instead, \
             such as contoso.com."
        )
    }
    pub fn localhost(value: &str) -> String {
        format!(
            "“{value}” means this computer itself, not a company; enter your company's public \
             domain, such as contoso.com."
        )
    }
    pub fn single_label(value: &str) -> String {
        format!(
            "“{value}” has no ending such as .com or .co.uk, so it can only be a name inside a \
             private network; enter your company's full public domain, such as contoso.com."
        )
    }
    pub fn reserved_tld(value: &str, tld: &str) -> String {
        format!(
            "“{value}” ends in “.{tld}”, which is reserved for private networks and testing and \
             doesn't exist on the internet; enter your company's public domain, such as \
             contoso.com."
        )
    }
    pub fn unknown_tld(value: &str, tld: &str) -> String {
        format!(
            "“{value}” ends in “.{tld}”, which isn't a top-level domain in use on the internet; \
             check the ending for a typo (such as .com, .org or .co.uk)."
        )
    }
    pub fn public_suffix(suffix: &str) -> String {
        format!(
            "“{suffix}” is a public suffix shared by many organisations; enter your company's own \
             domain, such as contoso.{suffix}."
        )
    }
    pub fn mixed_scripts(value: &str, ascii: &str, scripts: &str) -> String {
        format!(
            "“{value}” ({ascii}) mixes {scripts} letters in one part, as look-alike domains do to \
             imitate another name; type your company's domain again in one alphabet, such as \
             contoso.com."
        )
    }
}

/// One hostile domain input and the refusal it must get.
struct Refused {
    /// What the stranger typed.
    raw: String,
    /// The JSON `error` code.
    code: &'static str,
    /// The exact sentence.
    message: String,
    /// Whether it can be sent as a path segment too (`/t/` alone is another route).
    in_path: bool,
}

fn refused(raw: impl Into<String>, code: &'static str, message: impl Into<String>) -> Refused {
    Refused {
        raw: raw.into(),
        code,
        message: message.into(),
        in_path: true,
    }
}

/// The first 80 characters and `…`, as `DomainError` repeats a long value.
fn shortened(text: &str) -> String {
    let mut out: String = text.chars().take(80).collect();
    if text.chars().count() > 80 {
        out.push('…');
    }
    out
}

/// Hostile domain inputs, each refused before any lookup.
fn hostile_domains() -> Vec<Refused> {
    let a63 = "a".repeat(63);
    let name_254 = format!("{a63}.{a63}.{a63}.{}.com", "a".repeat(58));
    let label_64 = format!("{}.com", "a".repeat(64));
    vec![
        // Overlong, at and past every limit.
        refused(
            format!("{}.com", "a".repeat(3000)),
            "input_too_long",
            says::too_long(3004),
        ),
        refused("a".repeat(2049), "input_too_long", says::too_long(2049)),
        refused(
            format!("https://contoso.com/{}", "x".repeat(4000)),
            "input_too_long",
            says::too_long(20 + 4000),
        ),
        refused("ü".repeat(1025), "input_too_long", says::too_long(1025)),
        refused(
            label_64.clone(),
            "label_too_long",
            says::label_too_long(&label_64, &"a".repeat(64)),
        ),
        refused(
            name_254.clone(),
            "name_too_long",
            says::name_too_long(&shortened(&name_254)),
        ),
        refused(
            format!("{}com", "a.".repeat(200)),
            "name_too_long",
            says::name_too_long(&shortened(&format!("{}com", "a.".repeat(200)))),
        ),
        refused(
            format!("{}.de", "ü".repeat(1000)),
            "name_too_long",
            says::name_too_long(&shortened(&format!("{}.de", "ü".repeat(1000)))),
        ),
        // Control characters and CRLF injection: refused, and spelled out, never echoed raw.
        refused(
            "contoso.com\r\nSet-Cookie: session=stolen",
            "invalid_character",
            says::invalid_character(
                "contoso.com[U+000D][U+000A]Set-Cookie: session=stolen",
                "a line break (U+000D)",
            ),
        ),
        refused(
            "contoso.com\nLocation: https://evil.example/",
            "invalid_character",
            says::invalid_character(
                "contoso.com[U+000A]Location: https://evil.example/",
                "a line break (U+000A)",
            ),
        ),
        refused(
            "\0contoso.com",
            "invalid_character",
            says::invalid_character("[U+0000]contoso.com", "a null character (U+0000)"),
        ),
        refused(
            "conto\u{7f}so.com",
            "invalid_character",
            says::invalid_character("conto[U+007F]so.com", "an invisible character (U+007F)"),
        ),
        refused(
            "contoso.com\u{85}evil",
            "invalid_character",
            says::invalid_character("contoso.com[U+0085]evil", "an invisible character (U+0085)"),
        ),
        refused(
            "moc.evil\u{202e}contoso.com",
            "invalid_character",
            says::invalid_character(
                "moc.evil[U+202E]contoso.com",
                "an invisible character (U+202E)",
            ),
        ),
        refused(
            "contoso.com%0d%0aSet-Cookie:x",
            "invalid_character",
            says::invalid_character("contoso.com%0d%0aSet-Cookie:x", "“:”"),
        ),
        // Path traversal.
        refused("../../etc/passwd", "empty_label", says::empty_label("..")),
        refused(
            "..%2f..%2fetc%2fpasswd",
            "invalid_character",
            says::invalid_character("..%2f..%2fetc%2fpasswd", "“%”"),
        ),
        refused(
            "/etc/passwd",
            "missing_host",
            says::missing_host("/etc/passwd"),
        ),
        refused(
            "file:///etc/passwd",
            "missing_host",
            says::missing_host("file:///etc/passwd"),
        ),
        refused(
            "C:\\Windows\\win.ini",
            "invalid_character",
            says::invalid_character("C:\\Windows\\win.ini", "“:”"),
        ),
        // Every spelling of an IP address, loopback and metadata first.
        refused("0x7f.1", "ip_address", says::ip_address("0x7f.1")),
        refused("2130706433", "ip_address", says::ip_address("2130706433")),
        refused(
            "[::ffff:7f00:1]",
            "ip_address",
            says::ip_address("[::ffff:7f00:1]"),
        ),
        refused(
            "[::ffff:127.0.0.1]",
            "ip_address",
            says::ip_address("[::ffff:127.0.0.1]"),
        ),
        refused("0177.0.0.1", "ip_address", says::ip_address("0177.0.0.1")),
        refused("127.1", "ip_address", says::ip_address("127.1")),
        refused("::1", "ip_address", says::ip_address("::1")),
        refused(
            "http://0x7f.1/",
            "ip_address",
            says::ip_address("127.0.0.1"),
        ),
        refused(
            "https://[::1]:443/",
            "ip_address",
            says::ip_address("[::1]"),
        ),
        refused(
            "169.254.169.254",
            "ip_address",
            says::ip_address("169.254.169.254"),
        ),
        refused(
            "someone@[10.0.0.1]",
            "ip_address",
            says::ip_address("[10.0.0.1]"),
        ),
        // Names that mean "this machine" or a private network.
        refused("LOCALHOST.", "localhost", says::localhost("localhost")),
        refused(
            "admin.localhost",
            "localhost",
            says::localhost("admin.localhost"),
        ),
        refused(
            "metadata.google.internal",
            "reserved_tld",
            says::reserved_tld("metadata.google.internal", "internal"),
        ),
        refused(
            "dc01.contoso.local",
            "reserved_tld",
            says::reserved_tld("dc01.contoso.local", "local"),
        ),
        refused("intranet", "single_label", says::single_label("intranet")),
        refused(
            "contoso.con",
            "unknown_tld",
            says::unknown_tld("contoso.con", "con"),
        ),
        refused(
            "github.io",
            "public_suffix",
            says::public_suffix("github.io"),
        ),
        refused("co.uk", "public_suffix", says::public_suffix("co.uk")),
        // Look-alike alphabets (IDN homographs): Cyrillic `а`, `о` and Greek `ο` among Latin.
        refused(
            "\u{430}pple.com",
            "mixed_scripts",
            says::mixed_scripts("\u{430}pple.com", "xn--pple-43d.com", "Latin and Cyrillic"),
        ),
        refused(
            "xn--pple-43d.com",
            "mixed_scripts",
            says::mixed_scripts("\u{430}pple.com", "xn--pple-43d.com", "Latin and Cyrillic"),
        ),
        refused(
            "https://login.micr\u{43e}soft.com/",
            "mixed_scripts",
            says::mixed_scripts(
                "login.micr\u{43e}soft.com",
                "login.xn--micrsoft-qbh.com",
                "Latin and Cyrillic",
            ),
        ),
        refused(
            "paypa\u{3bf}.com",
            "mixed_scripts",
            says::mixed_scripts("paypa\u{3bf}.com", "xn--paypa-vce.com", "Latin and Greek"),
        ),
        // Markup and script: refused, and escaped wherever it is repeated.
        refused(
            "<script>alert(1)</script>",
            "missing_host",
            says::missing_host("<script>alert(1)</script>"),
        ),
        refused(
            "\"><img src=x onerror=alert(1)>.com",
            "invalid_character",
            says::invalid_character("\"><img src=x onerror=alert(1)>.com", "“\"”"),
        ),
        refused(
            "javascript:alert(document.cookie)",
            "invalid_character",
            says::invalid_character("javascript:alert(document.cookie)", "“:”"),
        ),
        // Broken syntax.
        refused(
            "a_b.com",
            "invalid_character",
            says::invalid_character("a_b.com", "“_”"),
        ),
        refused(
            "-contoso.com",
            "label_hyphen",
            says::label_hyphen("-contoso.com", "-contoso"),
        ),
        refused(
            "contoso..com",
            "empty_label",
            says::empty_label("contoso..com"),
        ),
        refused(
            "xn--zz-.com",
            "invalid_international_name",
            says::invalid_international("xn--zz-.com"),
        ),
        refused(
            "contoso.com:99999",
            "unreadable",
            says::unreadable("contoso.com:99999"),
        ),
        refused("https://", "missing_host", says::missing_host("https://")),
        refused(
            "\u{fffd}.com",
            "invalid_character",
            says::invalid_character("\u{fffd}.com", "“\u{fffd}”"),
        ),
        Refused {
            in_path: false,
            ..refused("", "empty", says::EMPTY)
        },
        refused(" \t ", "empty", says::EMPTY),
    ]
}

/// What the tables hold, counted by the test itself.
async fn rows(app: &TestApp) -> RowCounts {
    // Page views of a known tenant are counted (anonymously) by design; the counters' batched
    // writes may land at any moment, so they are not part of "the store is unchanged".
    let mut rows = app.database.row_counts().await;
    rows.retain(|(table, _)| *table != "adoption_daily");
    rows
}

/// Requests the fakes received so far: Microsoft (CDN included), websites, DNS queries.
fn upstream_requests(upstreams: &Upstreams) -> [usize; 3] {
    [
        upstreams.microsoft.total_requests(),
        upstreams.web.total_requests(),
        upstreams.dns.total_queries(),
    ]
}

/// No fake upstream was asked anything since `baseline` (Microsoft, CDN, websites, DNS).
fn assert_no_upstream_contacted_since(upstreams: &Upstreams, baseline: [usize; 3], what: &str) {
    assert_eq!(
        upstream_requests(upstreams),
        baseline,
        "{what}: an upstream was contacted (Microsoft, websites, DNS); Microsoft saw {:?}",
        upstreams.microsoft.recorded()
    );
}

/// No fake upstream was asked anything at all.
fn assert_no_upstream_contacted(upstreams: &Upstreams, what: &str) {
    assert_no_upstream_contacted_since(upstreams, [0; 3], what);
}

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let csp = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"));
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
}

/// The page `/t/{raw}`, the form `/t?domain={raw}` and the API each refuse `row` with 400 and
/// its exact sentence.
async fn assert_refused(app: &TestApp, row: &Refused) {
    let what = shortened(&format!("{:?}", row.raw));
    let escaped = html_escaped(&row.message);

    // The API: the code and the sentence, nothing else.
    if row.in_path {
        let path = format!("/api/v1/tenants/{}", path_segment(&row.raw));
        let (status, json) = app.get_json(&path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {json}");
        assert_eq!(json["error"], row.code, "{what}: {json}");
        assert_eq!(json["message"], row.message.as_str(), "{what}");
        assert_eq!(json.as_object().unwrap().len(), 2, "{what}: {json}");

        // The page: the error page with the sentence.
        let response = app.get(&format!("/t/{}", path_segment(&row.raw))).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert_security_headers(response.headers(), &what);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let html = response.text().await.unwrap();
        assert!(html.contains(&escaped), "{what}: page lacks {escaped:?}");
        assert!(
            html.contains("That doesn&#39;t look like a company domain"),
            "{what}"
        );
        assert_markup_not_reflected(&html, &row.raw, &what);
    }

    // The form: the landing page again, the reason beside the field, the typed text kept.
    let response = app
        .get(&format!("/t?domain={}", form_value(&row.raw)))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what} (form)");
    assert_security_headers(response.headers(), &what);
    let html = response.text().await.unwrap();
    let error = html
        .split("id=\"domain-error\"")
        .nth(1)
        .unwrap_or_else(|| panic!("{what}: no error beside the field"));
    assert!(
        error.contains(&format!("<span>{escaped}</span>")),
        "{what}: form lacks {escaped:?}"
    );
    let kept: String = row.raw.chars().take(256).collect();
    assert!(
        html.contains(&format!("value=\"{}\"", html_escaped(&kept))),
        "{what}: the typed text is not kept in the field"
    );
    assert_markup_not_reflected(&html, &row.raw, &what);
}

/// Markup in the input never reaches a page unescaped.
fn assert_markup_not_reflected(html: &str, raw: &str, what: &str) {
    for needle in ["<script>alert", "<img src=x", "onerror=alert(1)>"] {
        if raw.contains(needle) {
            assert!(!html.contains(needle), "{what}: {needle} reflected");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Domains
// ---------------------------------------------------------------------------------------------

async fn hostile_domains_are_refused_with_their_reason_before_any_lookup(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let table = hostile_domains();
    assert!(table.len() >= 40, "{} hostile domains", table.len());
    let before = rows(&app).await;
    for row in &table {
        assert_refused(&app, row).await;
        assert_eq!(
            rows(&app).await,
            before,
            "{}: the store changed",
            shortened(&format!("{:?}", row.raw))
        );
        assert_no_upstream_contacted(&upstreams, &shortened(&format!("{:?}", row.raw)));
    }
    app.stop().await;
}
both_backends!(
    hostile_domains,
    hostile_domains_are_refused_with_their_reason_before_any_lookup
);

/// Hostile-looking text that still names a real domain is normalised and redirected to the
/// canonical page, without any lookup for the odd spelling.
async fn odd_spellings_of_a_domain_redirect_to_its_canonical_page(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let before = rows(&app).await;
    for raw in [
        "contoso.com\r\n",
        " \tCONTOSO.COM. ",
        "contoso\u{200b}.com",
        "\u{feff}contoso.com",
        "ｃｏｎｔｏｓｏ．ｃｏｍ",
        "contoso.com/../../admin",
        "contoso.com/%2e%2e/%2e%2e/etc/passwd",
        "https://evil.example@contoso.com/",
        "\"Evil\" <someone@www.contoso.com>",
    ] {
        let page = app.get(&format!("/t/{}", path_segment(raw))).await;
        assert_eq!(page.status(), StatusCode::PERMANENT_REDIRECT, "{raw:?}");
        assert_eq!(
            page.headers()[header::LOCATION],
            "/t/contoso.com",
            "{raw:?}"
        );
        let form = app.get(&format!("/t?domain={}", form_value(raw))).await;
        assert_eq!(form.status(), StatusCode::SEE_OTHER, "{raw:?}");
        assert_eq!(
            form.headers()[header::LOCATION],
            "/t/contoso.com",
            "{raw:?}"
        );
        assert_eq!(rows(&app).await, before, "{raw:?}");
        assert_no_upstream_contacted(&upstreams, raw);
    }
    app.stop().await;
}
both_backends!(
    odd_spellings,
    odd_spellings_of_a_domain_redirect_to_its_canonical_page
);

/// A name written wholly in letters that pass for Latin ones (Cyrillic `аррӏе.com`) is a real,
/// different domain: it is looked up, but shown in ASCII so it cannot pass for `apple.com`.
async fn whole_script_look_alikes_are_shown_in_ascii(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let spoof = "\u{430}\u{440}\u{440}\u{4cf}\u{435}.com";
    let page = app.get(&format!("/t/{}", path_segment(spoof))).await;
    assert_eq!(page.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(page.headers()[header::LOCATION], "/t/xn--80ak6aa92e.com");

    let (status, json) = app.get_json("/api/v1/tenants/xn--80ak6aa92e.com").await;
    assert_eq!(status, 200);
    assert_eq!(json["status"], "not_entra");
    assert_eq!(json["domain"], "xn--80ak6aa92e.com");
    assert_eq!(json["display_domain"], "xn--80ak6aa92e.com");

    let page = app.get("/t/xn--80ak6aa92e.com").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("xn--80ak6aa92e.com doesn’t use Microsoft Entra ID"),
        "{html}"
    );
    assert!(!html.contains(spoof), "the look-alike is never shown");
    app.stop().await;
}
both_backends!(
    whole_script_look_alikes,
    whole_script_look_alikes_are_shown_in_ascii
);

/// Bytes that are not UTF-8 once percent-decoded cannot even be a path parameter.
async fn undecodable_paths_are_a_clear_400(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let before = rows(&app).await;
    let (status, json) = app.get_json("/api/v1/tenants/%FF%FE.com").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert_eq!(json["error"], "bad_request");
    let message = json["message"].as_str().unwrap().to_owned();
    assert!(message.contains("UTF-8"), "{message}");

    let page = app.get("/t/%FF%FE.com").await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert_security_headers(page.headers(), "/t/%FF%FE.com");
    let html = page.text().await.unwrap();
    assert!(html.contains(&html_escaped(&message)), "{html}");

    // In a query string the same bytes decode to U+FFFD, which no domain may hold.
    let form = app.get("/t?domain=%FF%FE.com").await;
    assert_eq!(form.status(), StatusCode::BAD_REQUEST);
    let html = form.text().await.unwrap();
    assert!(html.contains(&html_escaped(&says::invalid_character(
        "\u{fffd}\u{fffd}.com",
        "“\u{fffd}”"
    ))));
    assert_eq!(rows(&app).await, before);
    assert_no_upstream_contacted(&upstreams, "undecodable bytes");
    app.stop().await;
}
both_backends!(undecodable_paths, undecodable_paths_are_a_clear_400);

// ---------------------------------------------------------------------------------------------
// Requests written byte by byte
// ---------------------------------------------------------------------------------------------

/// What came back on a raw connection.
#[derive(Debug)]
struct RawResponse {
    /// The status code (0 when the server closed without answering).
    status: u16,
    /// The status line and headers, lower-cased.
    head: String,
    /// The body (lossy UTF-8; chunked framing left in).
    body: String,
}

/// Write `request` on a fresh connection and read until the server closes it (10 s at most).
async fn raw_exchange(app: &TestApp, request: &[u8]) -> RawResponse {
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    // The server may answer and close before reading everything (a 431): not our concern here.
    let _ = stream.write_all(request).await;
    let _ = stream.flush().await;
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server neither answered nor closed within 10 s"
    );
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    RawResponse {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

/// `GET target` with `headers` (each a full `Name: value` line, as raw bytes).
fn get_request(target: &str, headers: &[&[u8]]) -> Vec<u8> {
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: authwalk.test\r\n").into_bytes();
    for header in headers {
        request.extend_from_slice(header);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request
}

/// The value of `data-{name}="…"` on the tenant page's main element.
fn data_attribute<'a>(html: &'a str, name: &str) -> &'a str {
    let marker = format!("data-{name}=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no data-{name} in the page"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    &html[start..end]
}

const IPHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 \
    (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const ANDROID_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like \
    Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
const REDUCED_ANDROID_UA: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, \
    like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/// An app whose `contoso.com` page is warm, the rows it holds then, and the upstream counts.
async fn warm_app(
    backend: Backend,
    upstreams: &Upstreams,
) -> Option<(TestApp, RowCounts, [usize; 3])> {
    let app = TestApp::spawn_wired(backend, upstreams, |_| {}).await?;
    let (status, json) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(status, 200);
    assert_eq!(json["tenant_id"], CONTOSO_TENANT);
    let before = rows(&app).await;
    Some((app, before, upstream_requests(upstreams)))
}

/// The server still answers a normal request after a hostile one.
async fn assert_still_serving(app: &TestApp, after: &str) {
    let response = raw_exchange(app, &get_request("/healthz", &[])).await;
    assert_eq!(response.status, 200, "not serving after {after}");
}

async fn hostile_headers_get_a_clear_answer_and_change_nothing(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some((app, before, asked)) = warm_app(backend, &upstreams).await else {
        return;
    };
    let page = "/t/contoso.com";
    let padded_ua = format!("User-Agent: {IPHONE_UA}{}", " padding".repeat(2048));
    let huge_ua = format!("User-Agent: {IPHONE_UA}{}", "x".repeat(1024 * 1024));
    let many_headers: Vec<String> = (0..150).map(|i| format!("X-Filler-{i}: {i}")).collect();
    let many: Vec<&[u8]> = many_headers.iter().map(|h| h.as_bytes()).collect();

    // 16 KiB of User-Agent: served, and only its start is read (the iPhone is still seen).
    assert!(padded_ua.len() > 16 * 1024);
    let response = raw_exchange(&app, &get_request(page, &[padded_ua.as_bytes()])).await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(data_attribute(&response.body, "platform"), "ios");

    // 1 MiB of headers: hyper refuses the head at once (431), nothing reaches the app.
    let response = raw_exchange(&app, &get_request(page, &[huge_ua.as_bytes()])).await;
    assert_eq!(response.status, 431, "{}", response.head);
    assert_still_serving(&app, "a 1 MiB header").await;

    // More headers than hyper keeps (100): 431 as well.
    let response = raw_exchange(&app, &get_request(page, &many)).await;
    assert_eq!(response.status, 431, "{}", response.head);
    assert_still_serving(&app, "150 headers").await;

    // Bytes that are not text (obs-text) in the User-Agent: it is unreadable, so ignored.
    let mut latin1 = b"User-Agent: ".to_vec();
    latin1.extend_from_slice(IPHONE_UA.as_bytes());
    latin1.extend_from_slice(b" \xff\xfe\xe9");
    let response = raw_exchange(&app, &get_request(page, &[&latin1])).await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(data_attribute(&response.body, "platform"), "unknown");

    // Control characters inside a header value, a header name with a space, a folded line,
    // a bare CR: malformed HTTP, refused by hyper with 400 before any handler runs.
    for (what, header) in [
        (
            "a NUL in a value",
            &b"User-Agent: Mozilla/5.0\x00(iPhone)"[..],
        ),
        (
            "a bare CR in a second Host",
            &b"Host: evil.example\rSet-Cookie: pwned=1"[..],
        ),
        ("a space in a name", &b"User Agent: Mozilla/5.0"[..]),
        (
            "an obs-fold line",
            &b"User-Agent: Mozilla/5.0\r\n (iPhone; CPU iPhone OS 17_4)"[..],
        ),
    ] {
        let response = raw_exchange(&app, &get_request(page, &[header])).await;
        assert_eq!(response.status, 400, "{what}: {}", response.head);
        assert!(!response.head.contains("set-cookie"), "{what}");
        assert_still_serving(&app, what).await;
    }

    // Two User-Agents: the first one counts (HeaderMap::get), the page is still served.
    let first = format!("User-Agent: {ANDROID_UA}");
    let second = format!("User-Agent: {IPHONE_UA}");
    let response = raw_exchange(
        &app,
        &get_request(page, &[first.as_bytes(), second.as_bytes()]),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert_eq!(data_attribute(&response.body, "platform"), "android");

    // A stranger's Host never reaches a link or a redirect: they are relative or built from
    // AUTHWALK_PUBLIC_URL.
    let mut request = b"GET /t/Contoso.COM HTTP/1.1\r\nHost: evil.example\r\n".to_vec();
    request.extend_from_slice(b"Host: evil2.example\r\nConnection: close\r\n\r\n");
    let response = raw_exchange(&app, &request).await;
    assert_eq!(response.status, 308, "{}", response.head);
    assert!(
        response.head.contains("\r\nlocation: /t/contoso.com"),
        "{}",
        response.head
    );
    let request =
        b"GET /t/Contoso.COM HTTP/1.1\r\nHost: evil.example%0d%0aSet-Cookie:%20pwned=1\r\n\
        Connection: close\r\n\r\n";
    let response = raw_exchange(&app, request).await;
    assert_eq!(response.status, 308, "{}", response.head);
    assert!(
        response.head.contains("\r\nlocation: /t/contoso.com\r\n"),
        "{}",
        response.head
    );
    assert!(!response.head.contains("set-cookie"), "{}", response.head);
    let request = b"GET /t/contoso.com HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n";
    let response = raw_exchange(&app, request).await;
    assert_eq!(response.status, 200, "{}", response.head);
    assert!(
        !response.body.contains("evil.example"),
        "the Host leaked into the page"
    );
    assert!(!response.head.contains("evil.example"));

    // Not HTTP at all (a TLS ClientHello on the plain port): 400, and the server carries on.
    let response = raw_exchange(
        &app,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage-garbage-garbage\r\n\r\n",
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.head);
    assert_still_serving(&app, "a TLS handshake").await;

    assert_eq!(rows(&app).await, before, "the store changed");
    assert_no_upstream_contacted_since(&upstreams, asked, "hostile headers");
    app.stop().await;
}
both_backends!(
    hostile_headers,
    hostile_headers_get_a_clear_answer_and_change_nothing
);

/// Client Hints are attacker-written text: malformed or absurd values are ignored, never
/// believed, and never break the page.
async fn malformed_client_hints_are_ignored(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some((app, before, asked)) = warm_app(backend, &upstreams).await else {
        return;
    };
    let ua = format!("User-Agent: {REDUCED_ANDROID_UA}");
    let long_version = format!("Sec-CH-UA-Platform-Version: \"{}\"", "1".repeat(300));
    // (hint lines, expected data-platform, data-os-version, data-os-check)
    let cases: Vec<(Vec<String>, &str, &str, &str)> = vec![
        // The reduced UA alone: Android, version unknown.
        (vec![], "android", "", "unknown"),
        // A well-formed version is believed.
        (
            vec![
                "Sec-CH-UA-Platform: \"Android\"".into(),
                "Sec-CH-UA-Platform-Version: \"14.0.0\"".into(),
            ],
            "android",
            "14",
            "met",
        ),
        // Absurd versions: too many digits, too many parts, signs, exponents, unterminated
        // quotes, 300 characters.
        (
            vec![
                "Sec-CH-UA-Platform: \"Android\"".into(),
                "Sec-CH-UA-Platform-Version: \"99999999999999999999.0.0\"".into(),
            ],
            "android",
            "",
            "unknown",
        ),
        (
            vec![
                "Sec-CH-UA-Platform: \"Android\"".into(),
                "Sec-CH-UA-Platform-Version: \"14.0.0.0.0.0\"".into(),
            ],
            "android",
            "",
            "unknown",
        ),
        (
            vec![
                "Sec-CH-UA-Platform: \"Android\"".into(),
                "Sec-CH-UA-Platform-Version: \"-14\"".into(),
            ],
            "android",
            "",
            "unknown",
        ),
        (
            vec![
                "Sec-CH-UA-Platform: \"Android\"".into(),
                "Sec-CH-UA-Platform-Version: \"1e3\"".into(),
            ],
            "android",
            "",
            "unknown",
        ),
        (
            vec![
                "Sec-CH-UA-Platform: \"Android\"".into(),
                "Sec-CH-UA-Platform-Version: \"14.0.0".into(),
            ],
            "android",
            "",
            "unknown",
        ),
        (
            vec![
                "Sec-CH-UA-Platform: \"Android\"".into(),
                long_version.clone(),
            ],
            "android",
            "",
            "unknown",
        ),
        // A malformed platform is no platform: the UA decides.
        (
            vec![
                "Sec-CH-UA-Platform: \"Android".into(),
                "Sec-CH-UA-Platform-Version: \"14.0.0\"".into(),
            ],
            "android",
            "",
            "unknown",
        ),
        (
            vec![
                "Sec-CH-UA-Platform: \"Andr\\\"oid\"".into(),
                "Sec-CH-UA-Platform-Version: \"14.0.0\"".into(),
            ],
            "android",
            "",
            "unknown",
        ),
        (
            vec!["Sec-CH-UA-Platform: \"PlayStation\"".into()],
            "android",
            "",
            "unknown",
        ),
        // A model hint full of markup is not a model, and is never echoed.
        (
            vec![
                "Sec-CH-UA-Platform: \"Android\"".into(),
                "Sec-CH-UA-Model: \"<script>alert(1)</script>\"".into(),
                format!("Sec-CH-UA: {}", "\"A\";v=\"1\", ".repeat(500)),
            ],
            "android",
            "",
            "unknown",
        ),
    ];
    for (hints, platform, version, check) in &cases {
        let mut lines: Vec<&[u8]> = vec![ua.as_bytes()];
        lines.extend(hints.iter().map(|line| line.as_bytes()));
        let response = raw_exchange(&app, &get_request("/t/contoso.com", &lines)).await;
        assert_eq!(response.status, 200, "{hints:?}: {}", response.head);
        assert_eq!(
            data_attribute(&response.body, "platform"),
            *platform,
            "{hints:?}"
        );
        assert_eq!(
            data_attribute(&response.body, "os-version"),
            *version,
            "{hints:?}"
        );
        assert_eq!(
            data_attribute(&response.body, "os-check"),
            *check,
            "{hints:?}"
        );
        assert!(!response.body.contains("<script>alert"), "{hints:?}");
    }
    assert_eq!(rows(&app).await, before, "the store changed");
    assert_no_upstream_contacted_since(&upstreams, asked, "client hints");
    app.stop().await;
}
both_backends!(malformed_hints, malformed_client_hints_are_ignored);

/// Path traversal in the request line never leaves the routes: no file of the repository or
/// the system is ever served.
async fn path_traversal_never_reaches_a_file(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let before = rows(&app).await;
    for target in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/%2E%2E/%2E%2E/etc/passwd",
        "/assets/..%2fCargo.toml",
        "/assets/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/assets/t/..%2f..%2fCargo.toml",
        "/assets/brand/..%2f..%2fCargo.toml",
        "/assets/%00",
        "/../../../../etc/passwd",
        "//etc/passwd",
        "/assets//etc/passwd",
        "/t/contoso.com/../../../etc/passwd",
    ] {
        let response = raw_exchange(&app, &get_request(target, &[])).await;
        assert_eq!(response.status, 404, "{target}: {}", response.head);
        assert!(
            response.head.contains("content-security-policy"),
            "{target}"
        );
        assert!(
            response.body.contains("We couldn&#39;t find that page"),
            "{target}: not our 404 page"
        );
        for secret in ["[package]", "root:x:0"] {
            assert!(!response.body.contains(secret), "{target} served {secret}");
        }
        assert_still_serving(&app, target).await;
    }
    // Through the domain parameter, a traversal is just a domain that cannot be valid.
    let response = raw_exchange(&app, &get_request("/t/..%2f..%2fetc%2fpasswd", &[])).await;
    assert_eq!(response.status, 400, "{}", response.head);
    assert!(
        response
            .body
            .contains(&html_escaped(&says::empty_label("..")))
    );
    let response = raw_exchange(
        &app,
        &get_request("/api/v1/tenants/..%2F..%2Fetc%2Fpasswd", &[]),
    )
    .await;
    assert_eq!(response.status, 400, "{}", response.head);
    assert!(
        response.body.contains("\"error\":\"empty_label\""),
        "{}",
        response.body
    );
    // A backslash is taken literally: one more file name that does not exist.
    let response = raw_exchange(&app, &get_request("/assets/..\\Cargo.toml", &[])).await;
    assert_eq!(response.status, 404, "{}", response.head);
    assert!(!response.body.contains("[package]"));
    assert_eq!(rows(&app).await, before, "the store changed");
    assert_no_upstream_contacted(&upstreams, "path traversal");
    app.stop().await;
}
both_backends!(path_traversal, path_traversal_never_reaches_a_file);

// ---------------------------------------------------------------------------------------------
// Hostile upstream answers
// ---------------------------------------------------------------------------------------------

/// The per-lookup deadline the upstream tests configure.
const TIMEOUT: Duration = Duration::from_secs(1);
/// Scheduling slack on top of a deadline (two shared cores, debug builds).
const MARGIN: Duration = Duration::from_millis(1500);

/// Every way Microsoft's answer can be wrong, named for the messages.
fn microsoft_faults() -> Vec<(&'static str, Fault)> {
    vec![
        ("503", Fault::Status(503)),
        ("500", Fault::Status(500)),
        ("429", Fault::Status(429)),
        ("reset mid-answer", Fault::Reset),
        ("hang", Fault::Hang),
        ("8 MiB body", Fault::Oversized),
        ("invalid UTF-8", Fault::InvalidUtf8),
        ("HTML instead of JSON", Fault::WrongContentType),
        ("redirect loop", Fault::RedirectLoop),
        ("slow-loris body", Fault::SlowLoris),
        (
            "JSON without a tenant",
            Fault::Answer {
                status: 200,
                content_type: "application/json",
                body: bytes::Bytes::from_static(
                    br#"{"issuer":"https://login.microsoftonline.com/common/v2.0"}"#,
                ),
            },
        ),
        (
            "an AADSTS error other than 90002",
            Fault::Answer {
                status: 400,
                content_type: "application/json; charset=utf-8",
                body: bytes::Bytes::from_static(
                    br#"{"error":"invalid_request","error_description":"AADSTS900023: Specified tenant identifier is neither a valid DNS name, nor a valid external domain.","error_codes":[900023]}"#,
                ),
            },
        ),
        (
            "JSON nested 100000 deep",
            Fault::Answer {
                status: 200,
                content_type: "application/json",
                body: bytes::Bytes::from(
                    "[".repeat(100_000) + &"]".repeat(100_000),
                ),
            },
        ),
    ]
}

/// A GET that must finish within the deadline plus margin; its response and elapsed time.
async fn timed_get(app: &TestApp, path: &str, what: &str) -> (reqwest::Response, Duration) {
    let started = Instant::now();
    let response = app.get(path).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < TIMEOUT + MARGIN,
        "{what}: {path} took {elapsed:?}, over the {TIMEOUT:?} deadline"
    );
    (response, elapsed)
}

/// Microsoft's OpenID endpoint misbehaving in every way: the visitor gets the "couldn't reach
/// Microsoft" page (503 + Retry-After) and the API `unreachable`, within the deadline; nothing
/// is stored; the first visit after the fault clears resolves normally.
async fn openid_faults_give_the_unreachable_page_within_the_timeout(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let before = rows(&app).await;
    for (what, fault) in microsoft_faults() {
        upstreams
            .microsoft
            .set_fault(Endpoint::OpenIdConfiguration, fault.clone());
        let asked = upstreams.microsoft.requests(Endpoint::OpenIdConfiguration);

        let (page, elapsed) = timed_get(&app, "/t/northwind.com?wait=1", what).await;
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
        assert_eq!(page.headers()[header::RETRY_AFTER], "30", "{what}");
        assert_security_headers(page.headers(), what);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("We couldn’t reach Microsoft just now"),
            "{what}"
        );
        assert!(
            html.contains("We couldn’t find out whether northwind.com uses Microsoft Entra ID"),
            "{what}"
        );
        assert!(
            html.contains("href=\"/t/northwind.com\""),
            "{what}: a retry link"
        );
        if matches!(fault, Fault::Hang | Fault::SlowLoris) {
            assert!(elapsed >= TIMEOUT, "{what}: answered before the deadline");
        }

        let (api, _) = timed_get(&app, "/api/v1/tenants/northwind.com", what).await;
        assert_eq!(api.status(), StatusCode::OK, "{what}");
        assert_eq!(api.headers()[header::CACHE_CONTROL], "no-store", "{what}");
        let json: Value = api.json().await.unwrap();
        assert_eq!(json["status"], "unreachable", "{what}: {json}");
        assert_eq!(json["tenant_id"], Value::Null, "{what}");

        assert!(
            upstreams.microsoft.requests(Endpoint::OpenIdConfiguration) >= asked + 2,
            "{what}: not remembered, every visit asks again"
        );
        assert_eq!(rows(&app).await, before, "{what}: something was stored");
    }

    // The fault clears: the very next visit resolves and is stored, no restart needed.
    upstreams
        .microsoft
        .clear_fault(Endpoint::OpenIdConfiguration);
    let (status, json) = app.get_json("/api/v1/tenants/northwind.com").await;
    assert_eq!(status, 200);
    assert_eq!(json["status"], "entra", "{json}");
    assert_eq!(json["tenant_id"], NORTHWIND_TENANT);
    let page = app.get("/t/northwind.com").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        app.store
            .load_profile(&DomainName::parse("northwind.com").unwrap())
            .await
            .unwrap()
            .is_some(),
        "stored once resolved"
    );
    assert_ne!(rows(&app).await, before);
    app.stop().await;
}
both_backends!(
    openid_faults,
    openid_faults_give_the_unreachable_page_within_the_timeout
);

/// The first visit without `?wait=1` gets the unreachable page at once when Microsoft fails
/// fast.
async fn first_visit_shows_the_unreachable_page(backend: Backend) {
    let upstreams = Upstreams::start().await;
    upstreams
        .microsoft
        .set_fault(Endpoint::OpenIdConfiguration, Fault::Status(503));
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let (page, _) = timed_get(&app, "/t/fabrikam.com", "503 on a first visit").await;
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers()[header::RETRY_AFTER], "30");
    let html = page.text().await.unwrap();
    assert!(html.contains("data-status=\"unreachable\""), "{html}");
    assert!(html.contains("We couldn’t reach Microsoft just now"));
    app.stop().await;
}
both_backends!(
    first_visit_unreachable,
    first_visit_shows_the_unreachable_page
);

/// The realm and branding endpoints misbehaving never hide a tenant: the walkthrough is served,
/// with what could not be learnt left unknown (and throttled branding never stored as "none").
async fn realm_and_branding_faults_leave_the_walkthrough_standing(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    // The realm hangs for the federated tenant: found, sign-in type unknown.
    upstreams
        .microsoft
        .set_fault(Endpoint::UserRealm, Fault::Hang);
    let started = Instant::now();
    let (status, json) = app.get_json("/api/v1/tenants/fabrikam.com").await;
    assert!(
        started.elapsed() < TIMEOUT + MARGIN,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status, 200);
    assert_eq!(json["status"], "entra", "{json}");
    assert_eq!(json["tenant_id"], FABRIKAM_TENANT);
    assert_eq!(json["namespace_type"], "unknown");
    assert_eq!(json["federation"], Value::Null);
    let page = app.get("/t/fabrikam.com").await;
    assert_eq!(page.status(), StatusCode::OK);
    upstreams.microsoft.clear_fault(Endpoint::UserRealm);

    // Credential type answers garbage for Contoso: no branding, the page still stands.
    upstreams
        .microsoft
        .set_fault(Endpoint::CredentialType, Fault::InvalidUtf8);
    let before = rows(&app).await;
    let (status, json) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(status, 200);
    assert_eq!(json["status"], "entra", "{json}");
    assert_eq!(json["tenant_id"], CONTOSO_TENANT);
    assert_eq!(json["branding"]["source"], "none", "{json}");
    assert_eq!(json["branding"]["logo_url"], Value::Null);
    let page = app.get("/t/contoso.com").await;
    assert_eq!(page.status(), StatusCode::OK);
    let after = rows(&app).await;
    let count = |rows: &RowCounts, table: &str| {
        rows.iter()
            .find(|(name, _)| *name == table)
            .map(|(_, count)| *count)
            .unwrap()
    };
    assert_eq!(count(&after, "brandings"), count(&before, "brandings"));
    assert_eq!(count(&after, "assets"), count(&before, "assets"));
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::Cdn),
        0,
        "no image fetched without branding"
    );
    app.stop().await;
}
both_backends!(
    partial_faults,
    realm_and_branding_faults_leave_the_walkthrough_standing
);

/// Microsoft's branding CDN misbehaving: the tenant keeps its colour and sign-in text, the
/// logo falls back (none here), the page is fine, and no broken image is stored.
async fn cdn_faults_fall_back_without_breaking_the_page(backend: Backend) {
    let upstreams = Upstreams::start().await;
    for (what, fault) in [
        ("hang", Fault::Hang),
        ("HTML instead of an image", Fault::WrongContentType),
        ("8 MiB body", Fault::Oversized),
        ("redirect loop", Fault::RedirectLoop),
        ("reset mid-answer", Fault::Reset),
        ("503", Fault::Status(503)),
    ] {
        // A fresh app per fault: a stored branding would not be fetched again.
        let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
            config.upstream_timeout = "1s".into();
        })
        .await
        else {
            return;
        };
        upstreams.microsoft.set_fault(Endpoint::Cdn, fault);
        let started = Instant::now();
        let (status, json) = app.get_json("/api/v1/tenants/contoso.com").await;
        assert!(
            started.elapsed() < TIMEOUT + MARGIN,
            "{what}: {:?}",
            started.elapsed()
        );
        assert_eq!(status, 200, "{what}");
        assert_eq!(json["status"], "entra", "{what}: {json}");
        assert_eq!(json["branding"]["logo_url"], Value::Null, "{what}");
        assert_eq!(json["branding"]["illustration_url"], Value::Null, "{what}");
        assert_eq!(
            json["branding"]["background_color"], "#0072C6",
            "{what}: the colour stays"
        );
        let page = app.get("/t/contoso.com").await;
        assert_eq!(page.status(), StatusCode::OK, "{what}");
        let html = page.text().await.unwrap();
        assert!(
            !html.contains("/assets/t/"),
            "{what}: no tenant image on the page"
        );
        let stored = rows(&app).await;
        assert!(
            stored.contains(&("assets", 0)),
            "{what}: a broken image was stored: {stored:?}"
        );
        upstreams.microsoft.clear_fault(Endpoint::Cdn);
        app.stop().await;
    }
}
both_backends!(cdn_faults, cdn_faults_fall_back_without_breaking_the_page);

/// A company website misbehaving costs the logo only: the walkthrough is served, within the
/// website's budget (twice the deadline: home page, then icon).
async fn website_faults_cost_the_logo_only(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    // One website scenario per fault (each is stored once resolved).
    for (site, what, fault) in [
        ("icons-apple.com", "hang", Fault::Hang),
        ("icons-og.com", "8 MiB body", Fault::Oversized),
        ("icons-favicon.com", "redirect loop", Fault::RedirectLoop),
        ("icons-manifest.com", "reset mid-answer", Fault::Reset),
        ("icons-svg.com", "503", Fault::Status(503)),
        ("icons-none.com", "slow-loris", Fault::SlowLoris),
    ] {
        for host in [site.to_owned(), format!("www.{site}")] {
            upstreams.web.set_fault(&host, fault.clone());
        }
        let started = Instant::now();
        let (status, json) = app.get_json(&format!("/api/v1/tenants/{site}")).await;
        let elapsed = started.elapsed();
        assert!(
            elapsed < 2 * TIMEOUT + MARGIN,
            "{what}: {elapsed:?} over the website budget"
        );
        assert_eq!(status, 200, "{what}");
        assert_eq!(json["status"], "entra", "{what}: {json}");
        assert_eq!(json["branding"]["source"], "none", "{what}: {json}");
        assert_eq!(json["branding"]["logo_url"], Value::Null, "{what}");
        let page = app.get(&format!("/t/{site}")).await;
        assert_eq!(page.status(), StatusCode::OK, "{what}");
        assert!(
            upstreams.web.requests_for_site(site) > 0,
            "{what}: the site was asked"
        );
        let stored = rows(&app).await;
        assert!(stored.contains(&("assets", 0)), "{what}: {stored:?}");
    }
    app.stop().await;
}
both_backends!(website_faults, website_faults_cost_the_logo_only);

/// One DNS lookup never outlasts the deadline, though hickory tries UDP, then TCP, each with
/// its own timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_nameserver_costs_one_deadline_per_lookup() {
    let upstreams = Upstreams::start().await;
    upstreams.dns.set_delay(Duration::from_secs(30));
    let dns = authwalk::net::Dns::new(&[upstreams.dns.addr()], TIMEOUT).unwrap();
    let started = Instant::now();
    let (mx, ips) = tokio::join!(dns.mx("contoso.com"), dns.lookup_ips("www.contoso.com"));
    let elapsed = started.elapsed();
    assert!(elapsed >= TIMEOUT, "{elapsed:?}");
    assert!(
        elapsed < TIMEOUT + Duration::from_millis(500),
        "{elapsed:?}"
    );
    for error in [mx.unwrap_err(), ips.unwrap_err()] {
        assert!(
            !error.is_no_records(),
            "a failure, not a definite answer: {error}"
        );
        assert!(error.to_string().contains("no answer within 1s"), "{error}");
    }
}

/// DNS that never answers delays nothing past the deadline and hides no tenant. (A tenant
/// without branding: decoding Contoso's 1920×1080 illustration alone takes seconds in a debug
/// build on a busy machine.)
async fn silent_dns_costs_the_signals_only(backend: Backend) {
    let upstreams = Upstreams::start().await;
    upstreams.dns.add_microsoft365("northwind.com");
    upstreams.dns.set_delay(Duration::from_secs(30));
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let started = Instant::now();
    let (status, json) = app.get_json("/api/v1/tenants/northwind.com").await;
    let elapsed = started.elapsed();
    assert!(elapsed < TIMEOUT + MARGIN, "{elapsed:?}");
    assert_eq!(status, 200);
    assert_eq!(json["status"], "entra", "{json}");
    assert_eq!(
        json["signals"]["mx_microsoft"], false,
        "unknown is not seen"
    );
    app.stop().await;
}
both_backends!(silent_dns, silent_dns_costs_the_signals_only);

/// A background refresh whose realm or website lookup fails for a moment must keep what the
/// previous resolution learnt (as a failed refresh keeps the whole profile, and throttled
/// branding keeps the stored branding).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_that_half_fails_keeps_what_it_could_not_learn() {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(Backend::Sqlite, &upstreams, |config| {
        config.upstream_timeout = "1s".into();
        config.refresh_after = "1s".into();
    })
    .await
    else {
        return;
    };
    let (_, fabrikam) = app.get_json("/api/v1/tenants/fabrikam.com").await;
    assert_eq!(fabrikam["namespace_type"], "federated");
    let (_, apple) = app.get_json("/api/v1/tenants/icons-apple.com").await;
    assert_eq!(apple["branding"]["source"], "website");
    tokio::time::sleep(Duration::from_millis(1100)).await;

    upstreams
        .microsoft
        .set_fault(Endpoint::UserRealm, Fault::Status(503));
    for host in ["icons-apple.com", "www.icons-apple.com"] {
        upstreams.web.set_fault(host, Fault::Status(503));
    }
    let asked = upstreams.microsoft.requests(Endpoint::OpenIdConfiguration);
    // Stale: served at once, refreshed in the background.
    app.get_json("/api/v1/tenants/fabrikam.com").await;
    app.get_json("/api/v1/tenants/icons-apple.com").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while upstreams.microsoft.requests(Endpoint::OpenIdConfiguration) < asked + 2 {
        assert!(Instant::now() < deadline, "no refresh");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let (_, fabrikam) = app.get_json("/api/v1/tenants/fabrikam.com").await;
    assert_eq!(fabrikam["namespace_type"], "federated", "{fabrikam}");
    assert_eq!(fabrikam["federation"]["idp_host"], "sts.fabrikam.com");
    let (_, apple) = app.get_json("/api/v1/tenants/icons-apple.com").await;
    assert_eq!(apple["branding"]["source"], "website", "{apple}");
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Abuse (issue 14): lookups that outlive their client, counting, connections, uploads, logs
// ---------------------------------------------------------------------------------------------

/// Wait (at most 20 s) until `done` holds.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A client opens a new domain's page, waits for the result, and hangs up mid-lookup: the lookup
/// finishes and is stored all the same, leaves no progress behind, and the next visitor gets the
/// page from memory without a second lookup.
async fn a_client_that_hangs_up_mid_lookup_leaves_a_finished_lookup(backend: Backend) {
    let upstreams = Upstreams::start().await;
    // Every answer from Microsoft takes a moment: the client is gone long before the lookup ends.
    upstreams.microsoft.set_delay(Duration::from_millis(1500));
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upstream_timeout = "15s".into();
    })
    .await
    else {
        return;
    };
    let contoso = DomainName::parse("contoso.com").unwrap();
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(&get_request("/t/contoso.com?wait=1", &[]))
        .await
        .unwrap();
    eventually("the lookup to reach Microsoft", || {
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration) > 0
    })
    .await;
    assert!(
        app.state.discovery.progress(&contoso).is_some(),
        "the lookup is in flight"
    );
    // The client hangs up.
    drop(stream);

    let deadline = Instant::now() + Duration::from_secs(30);
    while app.store.load_profile(&contoso).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "the lookup was never stored");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = app.store.load_profile(&contoso).await.unwrap().unwrap();
    assert_eq!(stored.tenant.unwrap().tenant_id.to_string(), CONTOSO_TENANT);
    eventually("the flight to land", || {
        app.state.discovery.flights_in_the_air() == 0
    })
    .await;
    assert!(app.state.discovery.progress(&contoso).is_none());
    // Its progress stream, opened now, ends at once.
    let progress = app.get("/t/contoso.com/progress").await;
    assert_eq!(progress.status(), 200);
    assert_eq!(
        progress.text().await.unwrap(),
        "event: done\ndata: done\n\n"
    );
    // The next visitor is served from memory.
    let asked = upstreams.microsoft.requests(Endpoint::OpenIdConfiguration);
    let page = app.get("/t/contoso.com").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Contoso"));
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        asked
    );
    app.stop().await;
}
both_backends!(
    client_hangs_up_mid_lookup,
    a_client_that_hangs_up_mid_lookup_leaves_a_finished_lookup
);

/// A hundred employees behind one corporate NAT open a fresh link at once, with an allowance of
/// one new domain per hour for their shared address: one lookup runs, its cost is charged once,
/// and everyone gets the page.
async fn a_crowd_behind_one_address_opening_a_fresh_link_all_get_the_page(backend: Backend) {
    let upstreams = Upstreams::start().await;
    upstreams.microsoft.set_delay(Duration::from_millis(800));
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.new_domain_rate = "1/h burst 1".into();
        config.upstream_timeout = "15s".into();
    })
    .await
    else {
        return;
    };
    let pages = futures_util::future::join_all((0..100).map(|_| {
        let request = app.client.get(app.url("/t/contoso.com?wait=1"));
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.text().await.unwrap())
        }
    }))
    .await;
    for (status, html) in &pages {
        assert_eq!(*status, StatusCode::OK, "{html}");
        assert!(html.contains("Contoso"));
    }
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        1,
        "one lookup for the whole crowd"
    );
    // Starting it did cost the address its allowance: another new domain is refused now.
    let asked = upstreams.microsoft.total_requests();
    let refused = app.get("/t/northwind.com?wait=1").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(upstreams.microsoft.total_requests(), asked);
    app.stop().await;
}
both_backends!(
    crowd_behind_one_address,
    a_crowd_behind_one_address_opening_a_fresh_link_all_get_the_page
);

// --- counting (item 8) ---

/// Contoso's stored counters of yesterday to tomorrow, after writing everything pending, as
/// "metric:dimension" → count (zero counters left out).
async fn contoso_counts(app: &TestApp) -> std::collections::BTreeMap<String, i64> {
    app.state.adoption.flush().await.unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let rows = app
        .store
        .adoption_counts(
            CONTOSO_TENANT.parse().unwrap(),
            today.previous_day().unwrap(),
            today.next_day().unwrap(),
        )
        .await
        .unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for row in rows {
        *counts
            .entry(format!("{}:{}", row.metric, row.dimension))
            .or_default() += row.count;
    }
    counts.retain(|_, count| *count > 0);
    counts
}

/// The counting cookie a page sets (`aw_view=…`), if any.
fn counting_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("aw_view="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
}

/// A browser's top-level navigation to `path` (a new browser: no cookies), and the counting
/// cookie it got.
async fn navigate(app: &TestApp, path: &str) -> String {
    let response = app
        .client
        .get(app.url(path))
        .header("sec-fetch-dest", "document")
        .header("sec-fetch-mode", "navigate")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    counting_cookie(&response).expect("a navigation gets a counting cookie")
}

/// A counting POST as a script sends it, with `cookie` if any.
async fn counting_post(app: &TestApp, path: &str, body: &str, cookie: Option<&str>) -> u16 {
    let mut request = app
        .client
        .post(app.url(path))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body(body.to_owned());
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Scripted counting: a hundred "Done" and troubleshooting posts without a page view — no
/// token, a forged one, another tenant's — count nothing; fetching the page as an embedded image,
/// a frame, a script or a prefetch counts no view and hands out no token; a script that does
/// open the page once counts one view, one "Done" and one troubleshooting open, however often it
/// posts.
async fn scripted_counting_counts_nothing_without_a_real_view(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    for domain in ["contoso.com", "northwind.com"] {
        let (status, _) = app.get_json(&format!("/api/v1/tenants/{domain}")).await;
        assert_eq!(status, 200);
    }
    assert!(contoso_counts(&app).await.is_empty());
    let northwind_view = navigate(&app, "/t/northwind.com?device=ios").await;
    let forged = format!("aw_view={}", "A".repeat(92));
    let presented = [
        None,
        Some("aw_view=forged"),
        Some(forged.as_str()),
        Some(northwind_view.as_str()),
    ];
    for attempt in 0..100 {
        let cookie = presented[attempt % presented.len()];
        let done = counting_post(&app, "/t/contoso.com/done", "device=ios", cookie).await;
        // Whoever posts "Done" gets the page; it just does not count.
        assert_eq!(done, 200, "{cookie:?}");
        let event = counting_post(
            &app,
            "/t/contoso.com/events",
            "kind=troubleshoot_open&key=biometric_failed",
            cookie,
        )
        .await;
        assert_eq!(event, 403, "{cookie:?}");
    }
    assert!(
        contoso_counts(&app).await.is_empty(),
        "{:?}",
        contoso_counts(&app).await
    );

    // The page fetched as anything but a top-level navigation: no view, no token.
    let not_navigations: [&[(&str, &str)]; 7] = [
        &[],
        &[("sec-fetch-dest", "image")],
        &[("sec-fetch-dest", "iframe")],
        &[("sec-fetch-dest", "empty"), ("sec-fetch-mode", "cors")],
        &[("sec-fetch-dest", "document"), ("sec-purpose", "prefetch")],
        &[
            ("sec-fetch-dest", "document"),
            ("sec-purpose", "prefetch;prerender"),
        ],
        &[("sec-fetch-dest", "document"), ("purpose", "prefetch")],
    ];
    for headers in not_navigations {
        let mut request = app.client.get(app.url("/t/contoso.com?device=ios"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{headers:?}");
        assert_eq!(counting_cookie(&response), None, "{headers:?}");
    }
    assert!(contoso_counts(&app).await.is_empty());

    // One real view: its token counts one "Done" and one troubleshooting open, once each.
    let view = navigate(&app, "/t/contoso.com?device=ios").await;
    for _ in 0..100 {
        assert_eq!(
            counting_post(&app, "/t/contoso.com/done", "device=ios", Some(&view)).await,
            200
        );
        assert_eq!(
            counting_post(
                &app,
                "/t/contoso.com/events",
                "kind=troubleshoot_open&key=biometric_failed",
                Some(&view),
            )
            .await,
            204
        );
    }
    // A token of this view is no good for another device's walkthrough.
    assert_eq!(
        counting_post(&app, "/t/contoso.com/done", "device=android", Some(&view)).await,
        200
    );
    let expected: std::collections::BTreeMap<String, i64> = [
        ("done:ios".to_owned(), 1),
        ("troubleshoot_open:biometric_failed".to_owned(), 1),
        ("view:ios".to_owned(), 1),
    ]
    .into();
    assert_eq!(contoso_counts(&app).await, expected);
    app.stop().await;
}
both_backends!(
    scripted_counting,
    scripted_counting_counts_nothing_without_a_real_view
);

/// A browser that reloads its page counts once; each new browser counts (a crowd behind one
/// address included); the rendered page is the same for all of them — only the cookie differs.
async fn views_count_once_per_browser_and_the_page_stays_shared(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let first = app
        .client
        .get(app.url("/t/contoso.com?device=android&wait=1"))
        .header("sec-fetch-dest", "document")
        .send()
        .await
        .unwrap();
    let first_cookie = counting_cookie(&first).unwrap();
    let set_cookie = first.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.ends_with("; Path=/t/contoso.com; Max-Age=172800; HttpOnly; SameSite=Strict"),
        "{set_cookie}"
    );
    let first_page = first.text().await.unwrap();
    for _ in 0..5 {
        let again = app
            .client
            .get(app.url("/t/contoso.com?device=android"))
            .header("sec-fetch-dest", "document")
            .header(header::COOKIE, &first_cookie)
            .send()
            .await
            .unwrap();
        assert!(counting_cookie(&again).is_some(), "a fresh token each view");
        assert_eq!(again.text().await.unwrap(), first_page);
    }
    let second = navigate(&app, "/t/contoso.com?device=android").await;
    assert_ne!(second, first_cookie);
    assert_eq!(
        contoso_counts(&app).await.get("view:android"),
        Some(&2),
        "two browsers, however often the first reloaded"
    );
    app.stop().await;
}
both_backends!(
    views_once_per_browser,
    views_count_once_per_browser_and_the_page_stays_shared
);

/// Small counts cannot single anyone out: 3 iPhone views and 1 "Done" read "fewer than 5" on the
/// dashboard, in its chart and in the CSV, and no total gives them away.
async fn small_counts_never_show_on_the_dashboard_chart_or_csv(backend: Backend) {
    use support::admin_client::{AdminClient, text_of};
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let iphone = navigate(&app, "/t/contoso.com?device=ios").await;
    assert_eq!(
        counting_post(&app, "/t/contoso.com/done", "device=ios", Some(&iphone)).await,
        200
    );
    for _ in 0..2 {
        navigate(&app, "/t/contoso.com?device=ios").await;
    }
    for _ in 0..6 {
        navigate(&app, "/t/contoso.com?device=android").await;
    }
    app.state.adoption.flush().await.unwrap();

    let (status, dashboard) = admin.get_text("/admin").await;
    assert_eq!(status, 200);
    let document = scraper::Html::parse_document(&dashboard);
    let rows = scraper::Selector::parse("#adoption-table tr").unwrap();
    let cells = scraper::Selector::parse("th, td").unwrap();
    let table: Vec<Vec<String>> = document
        .select(&rows)
        .map(|row| {
            row.select(&cells)
                .map(|cell| cell.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect();
    let row = |label: &str| {
        table
            .iter()
            .find(|row| row.first().is_some_and(|first| first == label))
            .cloned()
            .unwrap_or_else(|| panic!("no {label} row in {table:?}"))
    };
    assert_eq!(row("iPhone"), ["iPhone", "fewer than 5", "fewer than 5"]);
    assert_eq!(row("Android"), ["Android", "6", "0"]);
    assert_eq!(
        row("All devices"),
        ["All devices", "at least 7", "fewer than 5"]
    );
    let chart = text_of(&dashboard, "#adoption-chart-desc").unwrap();
    assert!(chart.contains("iPhone fewer than 5"), "{chart}");
    assert!(chart.contains("At least 7 page views"), "{chart}");
    for revealing in ["iPhone 3", "9 page views", "1 person", " 3 view"] {
        assert!(!dashboard.contains(revealing), "{revealing}");
    }

    let csv = admin.get("/admin/adoption.csv").await.text().await.unwrap();
    let mut lines = csv.lines();
    let header_row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let today: Vec<&str> = lines.last().unwrap().split(',').collect();
    let column = |name: &str| today[header_row.iter().position(|h| *h == name).unwrap()];
    assert_eq!(column("view_ios"), "fewer than 5");
    assert_eq!(column("done_ios"), "fewer than 5");
    assert_eq!(column("view_android"), "6");
    for cell in &today[1..] {
        assert!(!["1", "2", "3", "4"].contains(cell), "{today:?}");
    }
    app.stop().await;
}
both_backends!(
    small_counts_hidden,
    small_counts_never_show_on_the_dashboard_chart_or_csv
);

// --- connections (item 10) ---

/// Just enough HTTP/2 to talk to the server over cleartext with prior knowledge (h2c): frames,
/// and a GET whose header block uses only literal HPACK fields.
mod h2c {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const SETTINGS: u8 = 0x4;
    pub const PING: u8 = 0x6;
    pub const GOAWAY: u8 = 0x7;
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const SETTINGS_MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const SETTINGS_INITIAL_WINDOW_SIZE: u16 = 0x4;

    /// One frame as read.
    #[derive(Debug)]
    pub struct Frame {
        pub kind: u8,
        pub flags: u8,
        pub stream: u32,
        pub payload: Vec<u8>,
    }

    pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let length = u32::try_from(payload.len()).unwrap().to_be_bytes();
        let mut bytes = vec![length[1], length[2], length[3], kind, flags];
        bytes.extend_from_slice(&stream.to_be_bytes());
        bytes.extend_from_slice(payload);
        bytes
    }

    /// `GET path` on `stream` (END_STREAM, END_HEADERS): `:method GET` and `:scheme http` from
    /// the static table, `:path` and `:authority` as literals with indexed names.
    pub fn get(stream: u32, path: &str) -> Vec<u8> {
        let mut block = vec![0x82, 0x86];
        for (name_index, value) in [(0x04u8, path), (0x01, "authwalk.test")] {
            block.push(name_index);
            block.push(u8::try_from(value.len()).unwrap());
            block.extend_from_slice(value.as_bytes());
        }
        frame(HEADERS, END_STREAM | 0x4, stream, &block)
    }

    /// Connect, send the preface and empty SETTINGS, and acknowledge the server's SETTINGS;
    /// returns the stream and the server's settings.
    pub async fn connect(addr: std::net::SocketAddr) -> (TcpStream, Vec<(u16, u32)>) {
        connect_with(addr, &[]).await
    }

    /// Like [`connect`], announcing `settings` of our own.
    pub async fn connect_with(
        addr: std::net::SocketAddr,
        settings: &[(u16, u32)],
    ) -> (TcpStream, Vec<(u16, u32)>) {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(PREFACE).await.unwrap();
        let ours: Vec<u8> = settings
            .iter()
            .flat_map(|(id, value)| {
                let mut entry = id.to_be_bytes().to_vec();
                entry.extend_from_slice(&value.to_be_bytes());
                entry
            })
            .collect();
        stream
            .write_all(&frame(SETTINGS, 0, 0, &ours))
            .await
            .unwrap();
        loop {
            let frame = read(&mut stream, Duration::from_secs(5))
                .await
                .expect("the server's SETTINGS");
            if frame.kind == SETTINGS && frame.flags & ACK == 0 {
                let settings = frame
                    .payload
                    .chunks_exact(6)
                    .map(|entry| {
                        (
                            u16::from_be_bytes([entry[0], entry[1]]),
                            u32::from_be_bytes([entry[2], entry[3], entry[4], entry[5]]),
                        )
                    })
                    .collect();
                stream
                    .write_all(&self::frame(SETTINGS, ACK, 0, &[]))
                    .await
                    .unwrap();
                return (stream, settings);
            }
        }
    }

    /// The next frame, or `None` when the connection closed (or nothing came within `limit`:
    /// then the test's own deadline fails it).
    pub async fn read(stream: &mut TcpStream, limit: Duration) -> Option<Frame> {
        let next = async {
            let mut head = [0u8; 9];
            stream.read_exact(&mut head).await.ok()?;
            let length = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
            let mut payload = vec![0u8; length];
            stream.read_exact(&mut payload).await.ok()?;
            Some(Frame {
                kind: head[3],
                flags: head[4],
                stream: u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff,
                payload,
            })
        };
        tokio::time::timeout(limit, next)
            .await
            .unwrap_or_else(|_| panic!("neither a frame nor the close within {limit:?}"))
    }
}

/// An HTTP/2 client (h2c, prior knowledge) that makes one request and then sits on its
/// connection is sent GOAWAY and disconnected after the header timeout, as an idle HTTP/1
/// keep-alive connection is; the server announces its cap on concurrent streams.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_http2_connections_are_closed_after_the_header_timeout() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.header_read_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let (mut stream, settings) = h2c::connect(app.addr).await;
    assert!(
        settings.contains(&(h2c::SETTINGS_MAX_CONCURRENT_STREAMS, 100)),
        "{settings:?}"
    );
    stream.write_all(&h2c::get(1, "/healthz")).await.unwrap();
    let mut body = Vec::new();
    loop {
        let frame = h2c::read(&mut stream, Duration::from_secs(5))
            .await
            .expect("the answer");
        if frame.stream == 1 && frame.kind == h2c::DATA {
            body.extend_from_slice(&frame.payload);
        }
        if frame.stream == 1
            && matches!(frame.kind, h2c::DATA | h2c::HEADERS)
            && frame.flags & h2c::END_STREAM != 0
        {
            break;
        }
    }
    assert_eq!(body, b"ok\n");
    // Now idle: GOAWAY, then the close.
    let started = Instant::now();
    let mut goaway = false;
    while let Some(frame) = h2c::read(&mut stream, Duration::from_secs(10)).await {
        goaway |= frame.kind == h2c::GOAWAY;
    }
    assert!(
        goaway,
        "an idle HTTP/2 connection is told GOAWAY before the close"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "closed by the idle timeout, not at once"
    );

    // A connection that never sends a request is dropped too.
    let (mut silent, _) = h2c::connect(app.addr).await;
    while h2c::read(&mut silent, Duration::from_secs(10))
        .await
        .is_some()
    {}
    app.stop().await;
}

/// A request in flight keeps its HTTP/2 connection past the idle timeout, but a peer that stops
/// answering the server's pings is dropped even then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_peers_are_pinged_and_dropped_when_they_stop_answering() {
    let upstreams = Upstreams::start().await;
    upstreams.microsoft.set_delay(Duration::from_secs(4));
    let Some(app) = TestApp::spawn_wired(Backend::Sqlite, &upstreams, |config| {
        config.header_read_timeout = "1s".into();
        config.upstream_timeout = "20s".into();
    })
    .await
    else {
        return;
    };
    // A peer that answers pings gets its slow answer (4 s, four idle timeouts long).
    let (mut stream, _) = h2c::connect(app.addr).await;
    stream
        .write_all(&h2c::get(1, "/api/v1/tenants/northwind.com"))
        .await
        .unwrap();
    let mut pinged = false;
    loop {
        let frame = h2c::read(&mut stream, Duration::from_secs(15))
            .await
            .expect("the slow answer, not the close");
        if frame.kind == h2c::PING && frame.flags & h2c::ACK == 0 {
            pinged = true;
            stream
                .write_all(&h2c::frame(h2c::PING, h2c::ACK, 0, &frame.payload))
                .await
                .unwrap();
        }
        if frame.stream == 1 && frame.flags & h2c::END_STREAM != 0 {
            break;
        }
    }
    assert!(
        pinged,
        "the server checks on a connection with a request in flight"
    );

    // A peer that never answers a ping is dropped while its request is still in flight.
    let (mut deaf, _) = h2c::connect(app.addr).await;
    deaf.write_all(&h2c::get(1, "/api/v1/tenants/fabrikam.com"))
        .await
        .unwrap();
    let mut answered = false;
    while let Some(frame) = h2c::read(&mut deaf, Duration::from_secs(15)).await {
        answered |= frame.stream == 1 && frame.flags & h2c::END_STREAM != 0;
    }
    assert!(!answered, "dropped before its 4 s answer");
    app.stop().await;
}

/// A flood of connections beyond `AUTHWALK_MAX_CONNECTIONS` waits in the listen queue instead of
/// costing the server a file descriptor each: with two idle connections open, a third client is
/// answered only once one of them closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.max_connections = "2".into();
        config.header_read_timeout = "30s".into();
    })
    .await
    else {
        return;
    };
    let first = TcpStream::connect(app.addr).await.unwrap();
    let _second = TcpStream::connect(app.addr).await.unwrap();
    let mut third = TcpStream::connect(app.addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let early = tokio::time::timeout(Duration::from_millis(700), third.read(&mut buffer)).await;
    assert!(early.is_err(), "answered beyond the cap: {early:?}");
    drop(first);
    let read = tokio::time::timeout(Duration::from_secs(10), third.read(&mut buffer))
        .await
        .expect("answered once a slot is free")
        .unwrap();
    let answer = String::from_utf8_lossy(&buffer[..read]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    app.stop().await;
}

/// A TCP connection to `addr` from the loopback address `from` (another client, as far as the
/// server can tell).
async fn connect_from(from: &str, addr: std::net::SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Whether the server closed `stream` within `limit` (what it sent first is skipped).
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut buffer = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// `GET /healthz` on `stream` (HTTP/1.1, closing): whether it was answered 200.
async fn healthz_on(mut stream: TcpStream) -> bool {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    matches!(read, Ok(Ok(_))) && answer.starts_with(b"HTTP/1.1 200")
}

/// One client holds at most `AUTHWALK_MAX_CONNECTIONS_PER_CLIENT` connections: past that it is
/// closed at once, while other clients (and a trusted proxy, which carries everybody) are served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_take_every_connection() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.max_connections = "8".into();
        config.max_connections_per_client = "3".into();
        config.header_read_timeout = "30s".into();
        config.first_byte_timeout = "30s".into();
        config.trusted_proxies = Some("127.0.0.3".into());
    })
    .await
    else {
        return;
    };
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from("127.0.0.2", app.addr).await);
    }
    // The fourth of the same client is closed without an answer.
    let mut fourth = connect_from("127.0.0.2", app.addr).await;
    assert!(
        closed_within(&mut fourth, Duration::from_secs(5)).await,
        "a client past its share is closed"
    );
    // Another client is served meanwhile, and so is the trusted proxy, past the per-client cap.
    assert!(healthz_on(connect_from("127.0.0.4", app.addr).await).await);
    let mut proxied = Vec::new();
    for _ in 0..4 {
        proxied.push(connect_from("127.0.0.3", app.addr).await);
    }
    assert!(
        healthz_on(proxied.pop().unwrap()).await,
        "a trusted proxy is not limited"
    );
    // Once one of its connections closes, the client may open another.
    drop(held.pop());
    let mut answered = false;
    for _ in 0..50 {
        if healthz_on(connect_from("127.0.0.2", app.addr).await).await {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(answered, "a freed slot is the client's again");
    app.stop().await;
}

/// A connection that never sends a byte is closed after `AUTHWALK_FIRST_BYTE_TIMEOUT`, well
/// before the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_after_the_first_byte_timeout() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.header_read_timeout = "60s".into();
        config.first_byte_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let started = Instant::now();
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(10)).await);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(5),
        "closed by the first-byte timeout: {waited:?}"
    );
    // A client that speaks at once is served as before.
    assert!(healthz_on(TcpStream::connect(app.addr).await.unwrap()).await);
    app.stop().await;
}

/// An HTTP/2 peer that asks for a page but never lets the server send it (a zero flow-control
/// window), while answering every ping, is dropped after `AUTHWALK_SEND_TIMEOUT` instead of
/// holding its connection and the answer for ever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_takes_its_answer_is_dropped() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.header_read_timeout = "60s".into();
        config.send_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let (mut stream, _) =
        h2c::connect_with(app.addr, &[(h2c::SETTINGS_INITIAL_WINDOW_SIZE, 0)]).await;
    stream.write_all(&h2c::get(1, "/")).await.unwrap();
    let started = Instant::now();
    let mut data = 0;
    while let Some(frame) = h2c::read(&mut stream, Duration::from_secs(15)).await {
        if frame.kind == h2c::PING && frame.flags & h2c::ACK == 0 {
            stream
                .write_all(&h2c::frame(h2c::PING, h2c::ACK, 0, &frame.payload))
                .await
                .unwrap();
        }
        if frame.kind == h2c::DATA {
            data += frame.payload.len();
        }
    }
    assert_eq!(data, 0, "the window stayed shut");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(10),
        "dropped by the send timeout: {waited:?}"
    );
    app.stop().await;
}

/// A stop waits for open connections at most `AUTHWALK_SHUTDOWN_TIMEOUT`, then closes them: a
/// peer that keeps a request in flight for ever cannot hold the process up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_is_bounded_by_the_shutdown_timeout() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, |config| {
        config.header_read_timeout = "60s".into();
        config.send_timeout = "60s".into();
        config.shutdown_timeout = "1s".into();
    })
    .await
    else {
        return;
    };
    let (mut stream, _) =
        h2c::connect_with(app.addr, &[(h2c::SETTINGS_INITIAL_WINDOW_SIZE, 0)]).await;
    stream.write_all(&h2c::get(1, "/")).await.unwrap();
    // The request is in flight (its answer is ready but may not be sent).
    loop {
        let frame = h2c::read(&mut stream, Duration::from_secs(5))
            .await
            .expect("the answer's headers");
        if frame.kind == h2c::HEADERS && frame.stream == 1 {
            break;
        }
    }
    let stopping = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the stop does not wait for ever");
    let waited = stopping.elapsed();
    assert!(
        waited >= Duration::from_millis(800) && waited < Duration::from_secs(5),
        "the stop waited the shutdown timeout, then closed: {waited:?}"
    );
    assert!(closed_within(&mut stream, Duration::from_secs(5)).await);
}

// --- uploads and branding (item 11) ---

/// A distinct small logo per `seed` (each a different image, so a different stored asset).
fn logo(seed: u8) -> Vec<u8> {
    support::fake_web::images::square_icon(96, [seed, 0x2F, 0xA0], true).png()
}

/// How many stored image rows (one per format) the database holds.
async fn asset_rows(app: &TestApp) -> i64 {
    app.database
        .row_counts()
        .await
        .into_iter()
        .find(|(table, _)| *table == "assets")
        .map(|(_, count)| count)
        .unwrap()
}

/// A tenant's admins uploading logo after logo exhaust their tenant's allowance (429 with
/// `Retry-After`, on the logo page, nothing stored), while another tenant's admins still can.
async fn logo_uploads_are_rate_limited_per_tenant(backend: Backend) {
    use support::admin_client::AdminClient;
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.logo_upload_rate = "2/h burst 2".into();
    })
    .await
    else {
        return;
    };
    let northwind = AdminClient::sign_in(&app, &upstreams, "northwind.com").await;
    let csrf = northwind.csrf().await;
    for seed in [1, 2] {
        let response = northwind.upload_logo(&csrf, "logo.png", &logo(seed)).await;
        assert_eq!(response.status(), 303, "upload {seed}");
    }
    let stored = asset_rows(&app).await;
    let refused = northwind.upload_logo(&csrf, "logo.png", &logo(3)).await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((60..=3600).contains(&wait), "{wait}");
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("uploaded several logos in a short time")
            && page.contains("nothing was saved"),
        "{page}"
    );
    assert!(
        page.contains("type=\"file\""),
        "the upload form is still there"
    );
    assert_eq!(asset_rows(&app).await, stored, "nothing decoded or stored");
    // Another tenant has its own allowance.
    let contoso = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let csrf = contoso.csrf().await;
    assert_eq!(
        contoso
            .upload_logo(&csrf, "logo.png", &logo(4))
            .await
            .status(),
        303
    );
    app.stop().await;
}
both_backends!(logo_upload_rate, logo_uploads_are_rate_limited_per_tenant);

/// While every upload decode slot is taken, an upload waits its bounded time and is answered
/// busy (503, `Retry-After`, nothing stored) — and a new domain's branding images are decoded
/// meanwhile, in discovery's own slots. Once a slot is free the same upload goes through.
async fn busy_upload_slots_answer_503_and_never_starve_discovery(backend: Backend) {
    use authwalk::branding::slots::DecodeLane;
    use support::admin_client::AdminClient;
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.upload_decode_wait = "300ms".into();
    })
    .await
    else {
        return;
    };
    let admin = AdminClient::sign_in(&app, &upstreams, "northwind.com").await;
    let csrf = admin.csrf().await;
    let slots = app.state.admin.decode_slots().clone();
    let held = slots.acquire(DecodeLane::Upload).await.unwrap();
    assert_eq!(slots.available(DecodeLane::Upload), 0);
    let stored = asset_rows(&app).await;

    let busy = admin.upload_logo(&csrf, "logo.png", &logo(9)).await;
    assert_eq!(busy.status(), 503);
    let wait: u64 = busy.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1, "{wait}");
    let page = busy.text().await.unwrap();
    assert!(page.contains("processing many images"), "{page}");
    assert_eq!(asset_rows(&app).await, stored);

    // Discovery decodes Contoso's branding images while uploads wait.
    let (status, contoso) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(status, 200);
    assert_eq!(contoso["branding"]["source"], "entra", "{contoso}");
    assert!(contoso["branding"]["logo_url"].is_string(), "{contoso}");
    assert!(asset_rows(&app).await > stored);

    drop(held);
    assert_eq!(
        admin
            .upload_logo(&csrf, "logo.png", &logo(9))
            .await
            .status(),
        303
    );
    app.stop().await;
}
both_backends!(
    busy_upload_slots,
    busy_upload_slots_answer_503_and_never_starve_discovery
);

/// An admin who uploads logo after logo does not fill the database for good: once a replaced
/// preview is old enough, the sweep deletes it, and keeps every image a page can still show.
async fn replaced_uploads_are_swept_and_shown_images_kept(backend: Backend) {
    use support::admin_client::AdminClient;
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    for seed in [21, 22, 23] {
        assert_eq!(
            admin
                .upload_logo(&csrf, "logo.png", &logo(seed))
                .await
                .status(),
            303
        );
    }
    let with_replaced = asset_rows(&app).await;
    // A day later (every image last saved long ago), the sweep runs.
    age_every_asset(&app.database).await;
    let deleted =
        authwalk::branding::collect::sweep_once(&app.store, time::OffsetDateTime::now_utc())
            .await
            .unwrap();
    assert!(deleted >= 2, "the two replaced previews go: {deleted}");
    assert_eq!(
        asset_rows(&app).await,
        with_replaced - i64::try_from(deleted).unwrap()
    );
    // Everything shown is still served: Contoso's Entra images and the pending preview.
    let (_, contoso) = app.get_json("/api/v1/tenants/contoso.com").await;
    for image in ["logo_url", "illustration_url"] {
        let url = contoso["branding"][image].as_str().unwrap();
        let fresh = app.client.get(app.url(url)).send().await.unwrap();
        assert_eq!(fresh.status(), 200, "{image}: {url}");
    }
    let (_, logo_page) = admin.get_text("/admin/logo").await;
    assert!(
        logo_page.contains("/assets/t/"),
        "the preview is still shown"
    );
    app.stop().await;
}
both_backends!(
    replaced_uploads_swept,
    replaced_uploads_are_swept_and_shown_images_kept
);

/// Mark every stored image as last saved long ago (time passing, without waiting).
async fn age_every_asset(database: &support::TestDatabase) {
    use sqlx::Connection;
    let statement = "UPDATE assets SET saved_at = '2020-01-01T00:00:00.000Z'";
    match database.backend {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(&database.url)
                .await
                .unwrap();
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(&database.url).await.unwrap();
            sqlx::query(statement)
                .execute(&mut connection)
                .await
                .unwrap();
        }
    }
}

/// Microsoft's CDN answering a branding image with a redirect off the CDN or to plain http gets
/// nothing fetched there; a redirect to another CDN host over https is followed.
async fn branding_redirects_off_the_cdn_or_to_http_are_refused(backend: Backend) {
    use support::fake_microsoft::{CDN_REDIRECT_TILE_DARK_TARGET, CDN_REDIRECT_TILE_LOGO};
    use support::fake_web::EVIL_CDN_LOGO;
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |_| {}).await else {
        return;
    };
    let (status, profile) = app.get_json("/api/v1/tenants/cdn-redirect.com").await;
    assert_eq!(status, 200);
    assert_eq!(profile["status"], "entra");
    assert_eq!(
        upstreams.web.requests_for(EVIL_CDN_LOGO),
        0,
        "the redirect off the CDN was not followed"
    );
    assert_eq!(upstreams.microsoft.cdn_requests(CDN_REDIRECT_TILE_LOGO), 1);
    assert_eq!(
        upstreams
            .microsoft
            .cdn_requests(CDN_REDIRECT_TILE_DARK_TARGET),
        1,
        "a redirect within the CDN is followed"
    );
    let stored = app
        .store
        .load_profile(&DomainName::parse("cdn-redirect.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    let branding = stored.default_branding().unwrap();
    assert_eq!(branding.banner_logo_sha256, None);
    assert_eq!(branding.square_logo_sha256, None);
    assert!(branding.square_logo_dark_sha256.is_some());
    app.stop().await;
}
both_backends!(
    branding_redirects,
    branding_redirects_off_the_cdn_or_to_http_are_refused
);

// --- logs (item 12) ---

/// An operator's logs never hold a one-time admin link: the binary, at the most verbose level
/// and in JSON, is sent the link's token every way a path can carry it, and no log line or span
/// repeats it; a rate-limited client is logged by its network only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_link_tokens_and_full_client_addresses_stay_out_of_the_logs() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let upstreams = Upstreams::start().await;
    let database = support::TestDatabase::create(Backend::Sqlite)
        .await
        .unwrap();
    let environment: Vec<(&str, String)> = vec![
        ("PATH", "/usr/bin:/bin".to_owned()),
        ("DATABASE_URL", database.url.clone()),
        ("AUTHWALK_CONNECT_TO", upstreams.connect_to()),
        (
            "AUTHWALK_EXTRA_CA",
            upstreams.ca.pem_path().display().to_string(),
        ),
        ("AUTHWALK_DNS_SERVERS", upstreams.dns.addr().to_string()),
        ("AUTHWALK_NEW_DOMAIN_RATE", "1/h burst 1".to_owned()),
        ("AUTHWALK_LOG_FORMAT", "json".to_owned()),
        ("RUST_LOG", "trace".to_owned()),
    ];
    let command = |arguments: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_authwalk"));
        command.env_clear().args(arguments);
        for (name, value) in &environment {
            command.env(name, value);
        }
        command
    };
    let mut issue = command(&["admin-link", "contoso.com"]);
    let issued = tokio::task::spawn_blocking(move || issue.output().unwrap())
        .await
        .unwrap();
    assert!(issued.status.success(), "{issued:?}");
    let link = String::from_utf8(issued.stdout).unwrap();
    let token = link
        .trim()
        .rsplit("/admin/link/")
        .next()
        .unwrap()
        .to_owned();
    assert!(token.len() >= 40, "{link}");

    let mut server = command(&[])
        .env("AUTHWALK_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_sender, lines) = std::sync::mpsc::channel::<String>();
    let stderr = server.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut logged: Vec<String> = Vec::new();
    let address = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the server logs its address");
        let entry: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        logged.push(line);
        if let Some(address) = entry["fields"]["address"].as_str() {
            break address.to_owned();
        }
    };
    let client = app_client();
    let base = format!("http://{address}");
    for path in [
        format!("/admin/link/{token}"),
        format!("/admin/%6Cink/{token}"),
        format!("/Admin/Link/{token}/extra"),
    ] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert!(response.status().as_u16() < 500, "{path}");
    }
    let redeemed = client
        .post(format!("{base}/admin/link/{token}"))
        .header(header::ORIGIN, &base)
        .send()
        .await
        .unwrap();
    assert!(redeemed.status().as_u16() < 500);
    // One new domain is allowed, the next is refused (and logged).
    let first = client
        .get(format!("{base}/t/fabrikam.com?wait=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let refused = client
        .get(format!("{base}/t/northwind.com?wait=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 429);

    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let exit = tokio::task::spawn_blocking(move || server.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    logged.extend(lines.try_iter());

    let leaks: Vec<&String> = logged.iter().filter(|line| line.contains(&token)).collect();
    assert!(
        leaks.is_empty(),
        "the admin-link token was logged: {leaks:#?}"
    );
    assert!(
        logged
            .iter()
            .any(|line| line.contains("\"path\":\"/admin/link/{token}\"")),
        "the link's requests are logged with the route's placeholder"
    );
    let limited: Vec<&String> = logged
        .iter()
        .filter(|line| line.contains("rate limited"))
        .collect();
    assert_eq!(limited.len(), 1, "{limited:#?}");
    assert!(
        limited[0].contains("\"client\":\"127.0.0.0/24\""),
        "{}",
        limited[0]
    );
    assert!(!limited[0].contains("127.0.0.1"), "{}", limited[0]);
}

/// A plain client for a server this test started itself (no redirects followed).
fn app_client() -> reqwest::Client {
    #[expect(clippy::disallowed_methods, reason = "a client for our own server")]
    let builder = reqwest::Client::builder();
    builder
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}
