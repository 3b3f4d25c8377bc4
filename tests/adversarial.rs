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
