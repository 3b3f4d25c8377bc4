//! The adversarial suite for forms and uploads: the admin pages and the tenant page's counting
//! endpoints take posts from anyone, so every hostile form and file gets its exact status and
//! words, and leaves what is stored as it was.
//!
//! - Uploads: every hostile image (decompression bombs, wrong types, truncated files, active
//!   or external SVG, SVGZ, polyglots, oversized, empty) and broken multipart bodies: refused
//!   with the image pipeline's sentence, the published logo untouched, no asset stored.
//! - Admin forms: missing, wrong or another session's CSRF token, cross-site posts, duplicated
//!   fields, wrong content types, oversized bodies and hostile values: refused, nothing saved.
//! - Sign-in forms: hostile domains refused before any lookup; forged sign-in links refused.
//! - Counting endpoints (`/t/{domain}/done`, `/t/{domain}/events`): cross-site, missing and
//!   unknown fields refused; a domain never resolved is never looked up to count it.
//! - Admin trust (issue 14): a stranger who copies the public challenge record, a subdomain's
//!   admin reaching for the parent's pages, a sibling domain without approval, a stale or
//!   unreachable tenant mapping, a CNAME into another domain, two admins saving at once, a store
//!   failure, cookies behind https, floods of challenges and attempts, and look-alike text.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use reqwest::header;
use reqwest::{Response, StatusCode};
use scraper::{Html, Selector};
use sqlx::Connection;
use time::OffsetDateTime;
use uuid::Uuid;

use authwalk::admin::secret::sha256_hex;
use authwalk::domain::DomainName;
use authwalk::store::models::{GrantMethod, GrantStatus, RevocationKind, TenantSettingsRecord};
use support::admin_client::{AdminClient, BROWSER_COOKIE, SESSION_COOKIE, input_value, text_of};
use support::fake_dns::FakeRecord;
use support::fake_microsoft::{
    BIDI_BRAND_NAME, BIDI_BRAND_SHOWN, CONTOSO_TENANT, Endpoint, NORTHWIND_TENANT,
};
use support::fake_web::{HTML_AS_IMAGE, images};
use support::upstream_fault::Fault;
use support::{Backend, RowCounts, TestApp, Upstreams};

/// The sentence of a refused CSRF token (`AdminError::Csrf`).
const CSRF_REFUSED: &str =
    "This form has expired or came from somewhere else. Go back, reload the page and try again.";
/// The sentence of a cross-site post (`AdminError::CrossOrigin`).
const CROSS_SITE_REFUSED: &str = "Cross-site form submissions are refused.";
/// What the logo page adds under every refused upload.
const LOGO_UNCHANGED: &str = "Your published logo has not changed.";

async fn spawn(backend: Backend, upstreams: &Upstreams) -> Option<TestApp> {
    images::warm_up();
    TestApp::spawn_wired(backend, upstreams, |_| {}).await
}

/// Status and body of a response.
async fn read(response: Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// The lead paragraph of an error page.
fn lead(page: &str) -> String {
    text_of(page, "p.lead").unwrap_or_else(|| panic!("no lead paragraph in {page}"))
}

/// What the tables hold, but for the adoption counters: viewing a tenant page counts a view.
async fn rows_but_adoption(app: &TestApp) -> RowCounts {
    let mut rows = app.database.row_counts().await;
    rows.retain(|(table, _)| *table != "adoption_daily");
    rows
}

/// Contoso's stored settings (the contoso.com scope), read through the app's store.
async fn contoso_settings(app: &TestApp) -> Option<TenantSettingsRecord> {
    app.store
        .load_scope_settings(Uuid::parse_str(CONTOSO_TENANT).unwrap(), "contoso.com")
        .await
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Uploads
// ---------------------------------------------------------------------------------------------

const EXTERNAL_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#0072c6"/><image href="https://evil.example/track.png" width="64" height="64"/></svg>"##;
const FILE_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 64 64"><use xlink:href="file:///etc/passwd#x"/></svg>"##;
const EMBEDDED_BITMAP_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><image href="data:image/png;base64,iVBORw0KGgo=" width="64" height="64"/></svg>"##;
const HANDLER_SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" onload="alert(document.cookie)"><rect width="64" height="64"/></svg>"##;

/// A hostile file, and the sentence the logo page must show for it.
struct HostileUpload {
    what: &'static str,
    bytes: Vec<u8>,
    message: String,
}

fn refused_image(what: &'static str, bytes: impl Into<Vec<u8>>, reason: &str) -> HostileUpload {
    HostileUpload {
        what,
        bytes: bytes.into(),
        message: format!("That image can't be used: {reason}."),
    }
}

fn unsupported(looked_like: &str) -> String {
    format!(
        "unsupported file type: this looks like {looked_like}, not an image we accept (PNG, \
         JPEG, WebP, GIF, ICO or SVG)"
    )
}

fn too_many_pixels(width: u32, height: u32) -> String {
    format!(
        "the image is {width}×{height} pixels; we accept at most 8192 pixels per side and \
         16777216 pixels in total"
    )
}

fn hostile_uploads() -> Vec<HostileUpload> {
    let big_svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\">{}</svg>",
        "<!-- padding -->".repeat(20_000)
    );
    let big_svg_bytes = big_svg.len();
    vec![
        refused_image(
            "a PNG declaring 100000×100000",
            images::asset(images::Asset::BombPng),
            &too_many_pixels(100_000, 100_000),
        ),
        refused_image(
            "a GIF of 10000 frames on a 65535×65535 screen",
            images::asset(images::Asset::GifBomb),
            &too_many_pixels(65_535, 65_535),
        ),
        refused_image(
            "a JPEG cut in its headers",
            images::asset(images::Asset::TruncatedJpeg),
            "the JPEG file is corrupt or truncated: the data ends before the end-of-image \
             marker (truncated download?)",
        ),
        refused_image(
            "an HTML page named .png",
            HTML_AS_IMAGE.as_bytes(),
            &unsupported("an HTML page"),
        ),
        refused_image(
            "a PDF",
            &b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"[..],
            &unsupported("a PDF document"),
        ),
        refused_image(
            "a Windows program",
            &b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"[..],
            &unsupported("a Windows executable"),
        ),
        refused_image(
            "plain text",
            &b"hello, this is not an image"[..],
            &unsupported("plain text"),
        ),
        refused_image(
            "a GIF/JavaScript polyglot",
            &b"GIF89a/*\x00\x00\x00\x00*/=alert(1);//"[..],
            &too_many_pixels(10_799, 0),
        ),
        refused_image(
            "an SVG with a script and local files",
            images::SCRIPT_SVG.as_bytes(),
            "SVG refused: it contains script or active content (a <script> element); logos \
             must be plain drawings",
        ),
        refused_image(
            "an SVG with an onload handler",
            HANDLER_SVG.as_bytes(),
            "SVG refused: it contains script or active content (an event handler attribute \
             onload=\"…\"); logos must be plain drawings",
        ),
        refused_image(
            "a billion-laughs SVG",
            images::BILLION_LAUGHS_SVG.as_bytes(),
            "SVG refused: it declares XML entities (<!ENTITY …>), which we do not expand; \
             re-export it without a DOCTYPE",
        ),
        refused_image(
            "an SVG loading a tracker",
            EXTERNAL_SVG.as_bytes(),
            "SVG refused: it refers to an external resource (https://evil.example/track.png); \
             everything must be inside the file, or upload a PNG instead",
        ),
        refused_image(
            "an SVG reading a local file",
            FILE_SVG.as_bytes(),
            "SVG refused: it refers to an external resource (file:///etc/passwd#x); everything \
             must be inside the file, or upload a PNG instead",
        ),
        refused_image(
            "an SVG embedding a bitmap",
            EMBEDDED_BITMAP_SVG.as_bytes(),
            "SVG refused: it embeds a bitmap image; upload that bitmap (PNG or JPEG) directly \
             instead",
        ),
        refused_image(
            "an SVGZ (gzip)",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
            "SVG refused: the file is gzip-compressed (SVGZ?); upload the uncompressed SVG",
        ),
        refused_image(
            "an SVG over 256 KiB",
            big_svg,
            &format!(
                "SVG refused: the SVG is {big_svg_bytes} bytes; SVG files may be at most 256 KiB"
            ),
        ),
        HostileUpload {
            what: "an empty file",
            bytes: Vec::new(),
            message: "Choose an image file (PNG, JPEG, WebP, GIF, ICO or SVG) to upload.".into(),
        },
    ]
}

/// The published logo of Contoso, and what else the store holds, before the attacks.
struct Published {
    settings: TenantSettingsRecord,
    rows: RowCounts,
    logo_url: String,
}

/// An upload of a `size`-byte file sent chunked (no Content-Length), as a streaming client does.
async fn chunked_upload(admin: &AdminClient, csrf: &str, size: usize) -> Response {
    let chunk = bytes::Bytes::from(vec![0x89u8; 64 * 1024]);
    let head = bytes::Bytes::from(format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"x.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    ));
    let parts = std::iter::once(head)
        .chain(std::iter::repeat_n(chunk, size / (64 * 1024)))
        .chain(std::iter::once(bytes::Bytes::from_static(
            b"\r\n--b0undary--\r\n",
        )))
        .map(Ok::<_, std::io::Error>);
    admin
        .send(
            admin
                .post("/admin/logo")
                .header(
                    header::CONTENT_TYPE,
                    "multipart/form-data; boundary=b0undary",
                )
                .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    parts,
                ))),
        )
        .await
}

/// Sign in as Contoso's admin, upload and publish a good logo.
async fn publish_a_good_logo(app: &TestApp, upstreams: &Upstreams) -> (AdminClient, String) {
    let admin = AdminClient::sign_in(app, upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let good = images::banner(400, 100, [0x6B, 0x2F, 0xA0]).png();
    let response = admin.upload_logo(&csrf, "logo.png", &good).await;
    assert_eq!(response.status(), 303);
    let previewed = admin.previewed_logo("/admin/logo").await;
    let response = admin
        .post_form(
            "/admin/logo/publish",
            &[("csrf", &csrf), ("logo", &previewed)],
        )
        .await;
    assert_eq!(response.status(), 303);
    (admin, csrf)
}

async fn published(app: &TestApp) -> Published {
    let settings = contoso_settings(app).await.expect("settings row");
    let sha = settings.logo_sha256.clone().expect("a published logo");
    Published {
        settings,
        rows: rows_but_adoption(app).await,
        logo_url: format!("/assets/t/{sha}.png"),
    }
}

/// Nothing changed: the same settings row, the same rows, the same logo on the tenant page.
async fn assert_logo_unchanged(app: &TestApp, before: &Published, what: &str) {
    assert_eq!(
        contoso_settings(app).await.as_ref(),
        Some(&before.settings),
        "{what}: the settings changed"
    );
    assert_eq!(
        rows_but_adoption(app).await,
        before.rows,
        "{what}: something was stored"
    );
    let page = app.get("/t/contoso.com").await.text().await.unwrap();
    assert!(
        page.contains(&before.logo_url),
        "{what}: the tenant page lost its logo"
    );
}

async fn hostile_uploads_are_refused_and_the_published_logo_stays(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let (admin, csrf) = publish_a_good_logo(&app, &upstreams).await;
    let before = published(&app).await;
    let table = hostile_uploads();
    for upload in &table {
        let response = admin
            .upload_logo(&csrf, "../../../etc/passwd.png", &upload.bytes)
            .await;
        let (status, page) = read(response).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{}", upload.what);
        let alert = text_of(&page, ".admin-alert--error p").unwrap_or_default();
        assert_eq!(alert, upload.message, "{}", upload.what);
        assert!(page.contains(LOGO_UNCHANGED), "{}", upload.what);
        assert!(
            !page.contains("<script>alert"),
            "{}: markup echoed",
            upload.what
        );
        assert_logo_unchanged(&app, &before, upload.what).await;
    }

    // A file one byte over 5 MiB: the image pipeline names both sizes.
    let mut just_over = images::png_declaring(64, 64);
    just_over.resize(5 * 1024 * 1024 + 1, 0);
    let (status, page) = read(admin.upload_logo(&csrf, "big.png", &just_over).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text_of(&page, ".admin-alert--error p").as_deref(),
        Some(
            "That image can't be used: the file is 5242881 bytes; images may be at most 5 MiB \
             (5242880 bytes)."
        )
    );
    assert_logo_unchanged(&app, &before, "5 MiB + 1").await;

    // A body announcing more than the route accepts: 413 before the handler, sizes named.
    let (status, page) = read(
        admin
            .upload_logo(&csrf, "huge.png", &vec![0x89; 6 * 1024 * 1024])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let said = lead(&page);
    let announced: usize = said
        .strip_prefix("That image can't be used: the file is ")
        .and_then(|rest| rest.strip_suffix(" bytes; images may be at most 5 MiB (5242880 bytes)."))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(announced > 6 * 1024 * 1024, "{said}");
    assert_logo_unchanged(&app, &before, "6 MiB announced").await;

    // The same without Content-Length (chunked): cut off while reading, refused as too large on
    // the logo page (its exact words: see `a_chunked_upload_over_5_mib_is_named_too_large`).
    let (status, page) = read(chunked_upload(&admin, &csrf, 6 * 1024 * 1024).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "6 MiB chunked");
    assert!(page.contains(LOGO_UNCHANGED), "{page}");
    assert_logo_unchanged(&app, &before, "6 MiB chunked").await;

    // A forged or missing token: 403, the file never looked at.
    for token in ["forged", ""] {
        let (status, page) = read(
            admin
                .upload_logo(token, "logo.png", images::asset(images::Asset::AppleTouch))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{token:?}");
        assert_eq!(lead(&page), CSRF_REFUSED);
        assert_logo_unchanged(&app, &before, "forged token").await;
    }

    // Multipart bodies that are not what the form sends.
    let multipart = |body: String| {
        admin
            .post("/admin/logo")
            .header(
                header::CONTENT_TYPE,
                "multipart/form-data; boundary=b0undary",
            )
            .body(body)
    };
    let (status, page) = read(
        admin
            .send(multipart(format!(
                "--b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                 --b0undary--\r\n"
            )))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no file field");
    assert_eq!(
        text_of(&page, ".admin-alert--error p").as_deref(),
        Some("Choose an image file (PNG, JPEG, WebP, GIF, ICO or SVG) to upload.")
    );
    let (status, page) = read(
        admin
            .send(multipart(
                "--b0undary\r\nContent-Disposition: form-da".into(),
            ))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a cut multipart body");
    assert_eq!(
        text_of(&page, ".admin-alert--error p").as_deref(),
        Some("The upload could not be read (incomplete multipart stream); try again.")
    );
    let (status, page) = read(
        admin
            .send(
                admin
                    .post("/admin/logo")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(format!("csrf={csrf}")),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not multipart at all");
    assert_eq!(
        lead(&page),
        "Invalid `boundary` for `multipart/form-data` request"
    );
    assert_logo_unchanged(&app, &before, "malformed multipart").await;
    app.stop().await;
}
both_backends!(
    hostile_uploads,
    hostile_uploads_are_refused_and_the_published_logo_stays
);

/// A chunked upload over the limit hears that the file is too large (413), as one with
/// Content-Length does (the body-limit error surfaces while the multipart body is read), and the
/// published logo stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_upload_over_5_mib_is_named_too_large() {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(Backend::Sqlite, &upstreams).await else {
        return;
    };
    let (admin, csrf) = publish_a_good_logo(&app, &upstreams).await;
    let before = published(&app).await;
    let (status, page) = read(chunked_upload(&admin, &csrf, 6 * 1024 * 1024).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        text_of(&page, ".admin-alert--error p").as_deref(),
        Some("That file is larger than the 5 MiB we accept; save it smaller and try again.")
    );
    assert!(page.contains(LOGO_UNCHANGED), "{page}");
    assert_logo_unchanged(&app, &before, "6 MiB chunked").await;
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Admin forms
// ---------------------------------------------------------------------------------------------

/// A complete, valid settings form.
fn settings_form(csrf: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_owned()),
        ("version", "0".into()),
        ("brand_color", "#0072C6".into()),
        ("passkey_policy", "synced_allowed".into()),
        ("helpdesk_email", "helpdesk@contoso.com".into()),
        ("helpdesk_phone", "+1 425 555 0100".into()),
        ("helpdesk_url", "https://help.contoso.com/passkeys".into()),
        ("intro_message", "Please set this up by Friday.".into()),
        ("short_slug", "contoso".into()),
    ]
}

fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

fn urlencoded(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

async fn hostile_settings_forms_are_refused_and_save_nothing(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let other = AdminClient::sign_in(&app, &upstreams, "northwind.com").await;
    let other_csrf = other.csrf().await;
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let valid = settings_form(&csrf);
    let response = admin.post_form("/admin/settings", &borrowed(&valid)).await;
    assert_eq!(response.status(), 200);
    let saved = contoso_settings(&app).await.expect("saved");
    let rows = app.database.row_counts().await;
    let unchanged = |what: String| {
        let app = &app;
        let saved = &saved;
        let rows = &rows;
        async move {
            assert_eq!(
                contoso_settings(app).await.as_ref(),
                Some(saved),
                "{what}: saved"
            );
            assert_eq!(&app.database.row_counts().await, rows, "{what}: stored");
        }
    };

    // Tokens: missing, forged, empty, another admin's; every one refused with 403.
    for (what, token) in [
        ("a forged token", Some("forged")),
        ("an empty token", Some("")),
        ("another admin's token", Some(other_csrf.as_str())),
        ("no token", None),
    ] {
        let mut fields = borrowed(&valid);
        fields.retain(|(name, _)| *name != "csrf");
        if let Some(token) = token {
            fields.insert(0, ("csrf", token));
        }
        let (status, page) = read(admin.post_form("/admin/settings", &fields).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        assert_eq!(lead(&page), CSRF_REFUSED, "{what}");
        unchanged(what.into()).await;
    }

    // Another site's form, however good its token: refused by Origin or Sec-Fetch-Site.
    let body = urlencoded(&borrowed(&valid));
    for (what, origin, fetch_site) in [
        ("Origin of another site", Some("https://evil.example"), None),
        ("Origin null (sandboxed frame)", Some("null"), None),
        ("Sec-Fetch-Site: cross-site", None, Some("cross-site")),
        ("Sec-Fetch-Site: same-site", None, Some("same-site")),
    ] {
        let mut request = admin
            .post_from("/admin/settings", origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.clone());
        if let Some(site) = fetch_site {
            request = request.header("sec-fetch-site", site);
        }
        let (status, page) = read(admin.send(request).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
        assert_eq!(lead(&page), CROSS_SITE_REFUSED, "{what}");
        unchanged(what.into()).await;
    }

    // Duplicated fields: refused whole (a second value never sneaks past the first).
    for field in ["csrf", "intro_message", "short_slug"] {
        let mut fields = borrowed(&valid);
        fields.push((field, "second value"));
        let (status, page) = read(admin.post_form("/admin/settings", &fields).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert_eq!(
            lead(&page),
            format!("Failed to deserialize form body: duplicate field `{field}`")
        );
        unchanged(format!("duplicated {field}")).await;
    }

    // Not a form, or far too much of one.
    let (status, page) = read(
        admin
            .send(
                admin
                    .post("/admin/settings")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(format!(
                        "{{\"csrf\":\"{csrf}\",\"intro_message\":\"json\"}}"
                    )),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        lead(&page),
        "Form requests must have `Content-Type: application/x-www-form-urlencoded`"
    );
    let huge = format!("{body}&padding={}", "x".repeat(100_000));
    let (status, page) = read(
        admin
            .send(
                admin
                    .post("/admin/settings")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(huge),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        lead(&page),
        "The request was larger than this page accepts."
    );
    unchanged("wrong body".into()).await;

    // Hostile values: every field refused with its own sentence, all of them re-shown escaped.
    let hostile = [
        ("csrf", csrf.as_str()),
        ("brand_color", "red;}</style><script>alert(1)</script>"),
        ("passkey_policy", "everything"),
        (
            "helpdesk_email",
            "help@contoso.com\r\nBcc: all@evil.example",
        ),
        ("helpdesk_phone", "+1 <script>"),
        ("helpdesk_url", "javascript:alert(document.cookie)"),
        ("intro_message", "hi\u{0}there"),
        ("short_slug", "../admin"),
    ];
    let (status, page) = read(admin.post_form("/admin/settings", &hostile).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for (field, message) in [
        (
            "brand_color",
            "\"red;}</style><script>alert(1)</script>\" is not a colour: write it as #RRGGBB \
             or #RGB, for example #0072C6",
        ),
        ("passkey_policy", "Choose one of the two passkey policies."),
        (
            "helpdesk_email",
            "“help@contoso.com\r\nBcc: all@evil.example” isn't an email address we can use: \
             the part before the @ has a space or a character addresses can't have.",
        ),
        (
            "helpdesk_phone",
            "“+1 <script>” isn't a phone number we can show: it contains “<”; use only digits, \
             spaces and + ( ) - ..",
        ),
        (
            "helpdesk_url",
            "“javascript:alert(document.cookie)” isn't a web address we can link to: only \
             https:// (or http://) addresses can be linked.",
        ),
        (
            "intro_message",
            "The message contains an invisible control character (U+0000); remove it and use \
             plain text.",
        ),
        (
            "short_slug",
            "A short link may use only letters a–z, digits and hyphens; “.” isn't allowed.",
        ),
    ] {
        let shown = text_of(&page, &format!("#{field}-error")).unwrap_or_default();
        assert_eq!(
            shown.replace("\r\n", "\n"),
            message.replace("\r\n", "\n"),
            "{field}"
        );
    }
    assert!(!page.contains("<script>alert"), "markup echoed unescaped");
    assert_eq!(
        input_value(&page, "#helpdesk_url").as_deref(),
        Some("javascript:alert(document.cookie)"),
        "re-shown as typed, in an attribute"
    );
    assert!(!page.contains("href=\"javascript:"), "never as a link");
    unchanged("hostile values".into()).await;
    app.stop().await;
}
both_backends!(
    hostile_settings_forms,
    hostile_settings_forms_are_refused_and_save_nothing
);

// ---------------------------------------------------------------------------------------------
// Sign-in forms and links
// ---------------------------------------------------------------------------------------------

async fn hostile_sign_in_forms_are_refused_before_any_lookup(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let visitor = AdminClient::new(&app);
    let (status, page) = visitor.get_text("/admin").await;
    assert_eq!(status, 200);
    let csrf = input_value(&page, "form[action=\"/admin/challenge\"] input[name=csrf]").unwrap();
    let rows = app.database.row_counts().await;
    for (raw, message) in [
        (
            "0x7f.1",
            "“0x7f.1” is an IP address, not a domain name; enter your company's domain \
             instead, such as contoso.com.",
        ),
        (
            "contoso.com\r\nSet-Cookie: authwalk_admin=stolen",
            "“contoso.com[U+000D][U+000A]Set-Cookie: authwalk_admin=stolen” contains a line \
             break (U+000D), which can't be part of a domain name; domain names use only \
             letters, digits, hyphens and dots, as in contoso.com.",
        ),
        (
            "<script>alert(1)</script>",
            "“<script>alert(1)</script>” doesn't contain a domain name; enter your company's \
             domain, such as contoso.com.",
        ),
        (
            "com",
            "“com” is a public suffix shared by many organisations; enter your company's own \
             domain, such as contoso.com.",
        ),
        (
            "micr\u{43e}soft.com",
            "“micr\u{43e}soft.com” (xn--micrsoft-qbh.com) mixes Latin and Cyrillic letters in \
             one part, as look-alike domains do to imitate another name; type your company's \
             domain again in one alphabet, such as contoso.com.",
        ),
        ("", "Enter a company domain such as contoso.com."),
    ] {
        let (status, page) = read(
            visitor
                .post_form("/admin/challenge", &[("csrf", &csrf), ("domain", raw)])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw:?}");
        assert_eq!(
            text_of(&page, "#domain-error").as_deref(),
            Some(message),
            "{raw:?}"
        );
        assert!(!page.contains("<script>alert"), "{raw:?}: echoed unescaped");
        assert!(
            !visitor.cookie_header().contains("stolen"),
            "{raw:?}: a cookie was set"
        );
    }
    // The field missing altogether reads as an empty domain.
    let (status, page) = read(
        visitor
            .post_form("/admin/challenge", &[("csrf", &csrf)])
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text_of(&page, "#domain-error").as_deref(),
        Some("Enter a company domain such as contoso.com.")
    );
    assert_eq!(
        upstreams.microsoft.total_requests(),
        0,
        "no lookup for a domain that cannot be valid"
    );
    assert_eq!(upstreams.dns.total_queries(), 0);

    // Without the sign-in token, or with a forged one: 403 before anything else.
    for fields in [
        vec![("domain", "contoso.com")],
        vec![("csrf", "forged"), ("domain", "contoso.com")],
    ] {
        for path in ["/admin/challenge", "/admin/verify"] {
            let (status, page) = read(visitor.post_form(path, &fields).await).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} {fields:?}");
            assert_eq!(lead(&page), CSRF_REFUSED);
        }
    }
    // Sign-in links that were never issued: a clear 404, whatever their shape.
    for token in [
        "AAAA".to_owned(),
        "A".repeat(5000),
        "..%2F..%2Fetc%2Fpasswd".to_owned(),
        "%00".to_owned(),
    ] {
        let (status, page) = read(visitor.get(&format!("/admin/link/{token}")).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{token:.20}");
        assert_eq!(
            text_of(&page, "[role=alert] p").or_else(|| text_of(&page, "p.lead")),
            Some(
                "This sign-in link isn't valid. Ask your authwalk operator to run `authwalk \
                 admin-link` for your domain again."
                    .to_owned()
            ),
            "{token:.20}"
        );
    }
    assert_eq!(app.database.row_counts().await, rows, "nothing stored");
    assert!(
        visitor.cookie("authwalk_admin").is_none(),
        "never signed in"
    );
    app.stop().await;
}
both_backends!(
    hostile_sign_in_forms,
    hostile_sign_in_forms_are_refused_before_any_lookup
);

// ---------------------------------------------------------------------------------------------
// Counting endpoints
// ---------------------------------------------------------------------------------------------

async fn hostile_counting_requests_are_refused_and_look_nothing_up(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    assert_eq!(app.get("/t/contoso.com?wait=1").await.status(), 200);
    let asked = upstreams.microsoft.total_requests();
    let post = |path: &str, body: &str| {
        app.client
            .post(app.url(path))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.to_owned())
    };
    let missing_device = "the form is missing its `device` field";
    let unknown_device = "unknown device: use ios, android, samsung or desktop";
    let cross_site =
        "this can only be sent from the walkthrough page itself, not from another site";
    for (what, request, status, message) in [
        (
            "no device",
            post("/t/contoso.com/done", ""),
            400,
            missing_device,
        ),
        (
            "an empty device",
            post("/t/contoso.com/done", "device=%20"),
            400,
            missing_device,
        ),
        (
            "an unknown device",
            post("/t/contoso.com/done", "device=toaster"),
            400,
            unknown_device,
        ),
        (
            "a duplicated device (the first counts)",
            post("/t/contoso.com/done", "device=toaster&device=ios"),
            400,
            unknown_device,
        ),
        (
            "markup as the device",
            post(
                "/t/contoso.com/done",
                "device=%3Cscript%3Ealert(1)%3C/script%3E",
            ),
            400,
            unknown_device,
        ),
        (
            "Sec-Fetch-Site: cross-site",
            post("/t/contoso.com/done", "device=ios").header("sec-fetch-site", "cross-site"),
            403,
            cross_site,
        ),
        (
            "another site's Origin",
            post("/t/contoso.com/done", "device=ios").header("origin", "https://evil.example"),
            403,
            cross_site,
        ),
        (
            "a domain that cannot be valid",
            post("/t/0x7f.1/done", "device=ios"),
            400,
            "“0x7f.1” is an IP address, not a domain name; enter your company's domain \
             instead, such as contoso.com.",
        ),
        (
            "a domain never resolved",
            post("/t/fabrikam.com/done", "device=ios"),
            404,
            "The address may be mistyped, or the page has moved. Start again from the home \
             page.",
        ),
        (
            "an unknown event kind",
            post("/t/contoso.com/events", "kind=drop_tables&key=x"),
            400,
            "unknown event kind: only `troubleshoot_open` is counted here",
        ),
        (
            "a traversal as the troubleshooting key",
            post(
                "/t/contoso.com/events",
                "kind=troubleshoot_open&key=..%2F..%2Fetc",
            ),
            400,
            "unknown troubleshooting entry: the key must be one of the walkthrough's \
             troubleshooting entries (the data-trouble attribute of each entry on the page)",
        ),
        (
            "no key",
            post("/t/contoso.com/events", "kind=troubleshoot_open"),
            400,
            "the form is missing its `key` field",
        ),
    ] {
        let (got, page) = read(request.send().await.unwrap()).await;
        assert_eq!(got.as_u16(), status, "{what}: {page:.300}");
        assert_eq!(lead(&page), message, "{what}");
        assert!(!page.contains("<script>alert"), "{what}: markup echoed");
    }
    // More than the 1 KiB these forms need.
    let (status, page) = read(
        post(
            "/t/contoso.com/done",
            &format!("device=ios&padding={}", "x".repeat(4096)),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        lead(&page),
        "The request was larger than this page accepts."
    );
    assert_eq!(
        upstreams.microsoft.total_requests(),
        asked,
        "counting never starts a lookup"
    );
    app.stop().await;
}
both_backends!(
    hostile_counting_requests,
    hostile_counting_requests_are_refused_and_look_nothing_up
);

// ---------------------------------------------------------------------------------------------
// Admin trust: who may sign in, and what a signed-in admin may change
// ---------------------------------------------------------------------------------------------

/// Publish `value` as the only TXT record at `_authwalk-challenge.{domain}`.
fn publish_record(upstreams: &Upstreams, domain: &str, value: &str) {
    let name = format!("_authwalk-challenge.{domain}");
    upstreams.dns.remove(&name);
    upstreams.dns.add(&name, FakeRecord::Txt(value.to_owned()));
}

/// The error shown on an admin page (challenge, settings, logo: the alert; else the lead).
fn alert(page: &str) -> String {
    text_of(page, ".admin-alert--error p")
        .or_else(|| text_of(page, "p.lead"))
        .unwrap_or_else(|| panic!("no error shown in {page}"))
}

/// How many rows `table` holds.
async fn rows_in(app: &TestApp, table: &str) -> i64 {
    app.database
        .row_counts()
        .await
        .into_iter()
        .find(|(name, _)| *name == table)
        .map(|(_, count)| count)
        .unwrap_or_default()
}

/// The walkthrough page of `domain` as an employee sees it.
async fn tenant_page(app: &TestApp, domain: &str) -> String {
    let response = app.get(&format!("/t/{domain}?wait=1")).await;
    assert_eq!(response.status(), 200, "/t/{domain}");
    response.text().await.unwrap()
}

fn contoso() -> Uuid {
    Uuid::parse_str(CONTOSO_TENANT).unwrap()
}

/// The settings row of one of Contoso's scopes.
async fn scope_settings(app: &TestApp, scope: &str) -> Option<TenantSettingsRecord> {
    app.store
        .load_scope_settings(contoso(), scope)
        .await
        .unwrap()
}

/// Save the settings form of `scope` (empty: the session's own) at the version its page shows.
async fn save_helpdesk_phone(admin: &AdminClient, scope: &str, phone: &str) -> Response {
    let path = if scope.is_empty() {
        "/admin/settings".to_owned()
    } else {
        format!("/admin/settings?scope={scope}")
    };
    let version = admin.settings_version(&path).await;
    let csrf = admin.csrf().await;
    admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("scope", scope),
                ("version", &version),
                ("helpdesk_phone", phone),
            ],
        )
        .await
}

const NO_CHALLENGE_IN_THIS_BROWSER: &str = "This browser has no challenge for contoso.com \
    waiting. Start one here, publish its TXT record, then check DNS from this same browser.";
const ANOTHER_BROWSERS_CHALLENGE: &str = "The challenge in the TXT record at \
    _authwalk-challenge.contoso.com was started in another browser. Check DNS from the browser \
    where you started it, or start again here and publish the new value.";

// --- item 1: a DNS challenge belongs to the browser that asked for it ---

async fn a_stranger_who_copies_the_public_record_gets_nothing(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = AdminClient::new(&app);
    let value = admin.start_challenge("contoso.com").await;
    publish_record(&upstreams, "contoso.com", &value);

    // The record is public. A stranger reads it and presses "Check DNS" in another browser: no
    // challenge of that browser, so nothing is even looked up.
    let stranger = AdminClient::new(&app);
    assert_eq!(stranger.get("/admin").await.status(), 200);
    let queries = upstreams.dns.queries("_authwalk-challenge.contoso.com");
    let (status, page) = read(stranger.check_dns("contoso.com").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(alert(&page), NO_CHALLENGE_IN_THIS_BROWSER);
    assert_eq!(
        upstreams.dns.queries("_authwalk-challenge.contoso.com"),
        queries,
        "refused before any DNS lookup"
    );
    // A made-up browser secret is no better.
    let forged = AdminClient::new(&app);
    forged.get("/admin").await;
    let csrf = forged.cookie("authwalk_admin_csrf").unwrap();
    let (status, page) = read(
        forged
            .send(
                forged
                    .post("/admin/verify")
                    .header(
                        header::COOKIE,
                        format!(
                            "authwalk_admin_csrf={csrf}; {BROWSER_COOKIE}={}",
                            "A".repeat(43)
                        ),
                    )
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(format!("csrf={csrf}&domain=contoso.com")),
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(alert(&page), NO_CHALLENGE_IN_THIS_BROWSER);

    // With a challenge of its own started, the admin's record is still not the stranger's.
    let own = stranger.start_challenge("contoso.com").await;
    assert_ne!(own, value);
    let (status, page) = read(stranger.check_dns("contoso.com").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(alert(&page), ANOTHER_BROWSERS_CHALLENGE);
    for browser in [&stranger, &forged] {
        assert!(browser.cookie(SESSION_COOKIE).is_none(), "never signed in");
    }
    assert_eq!(rows_in(&app, "admin_sessions").await, 0);
    assert_eq!(rows_in(&app, "verified_domains").await, 0);

    // The real admin still signs in with the very same record.
    let response = admin.check_dns("contoso.com").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, dashboard) = admin.get_text("/admin").await;
    assert_eq!(status, 200);
    assert!(dashboard.contains("contoso.com"), "{dashboard}");
    // Stored: the token's hash, bound to the hash of the admin's browser secret.
    let token = authwalk::admin::challenge::token_in(&value).unwrap();
    let stored = app
        .store
        .load_admin_challenge(&sha256_hex(token))
        .await
        .unwrap()
        .expect("the challenge");
    let browser = admin.cookie(BROWSER_COOKIE).expect("the browser secret");
    assert_eq!(stored.browser_sha256, Some(sha256_hex(&browser)));
    assert!(stored.used_at.is_some());
    assert_eq!(rows_in(&app, "admin_sessions").await, 1);
    app.stop().await;
}
both_backends!(
    challenge_bound_to_its_browser,
    a_stranger_who_copies_the_public_record_gets_nothing
);

// --- item 2: rights follow proof ---

/// `(public id, row text)` of every session row of an overview page.
fn session_rows(page: &str) -> Vec<(String, String)> {
    let document = Html::parse_document(page);
    let rows = Selector::parse("#admin-sessions tr[data-session]").unwrap();
    document
        .select(&rows)
        .map(|row| {
            (
                row.value().attr("data-session").unwrap().to_owned(),
                row.text().collect::<String>(),
            )
        })
        .collect()
}

/// The public id of the session row signed in with `domain`.
fn session_of(page: &str, domain: &str) -> String {
    session_rows(page)
        .into_iter()
        .find(|(_, text)| text.trim_start().starts_with(domain))
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("no session of {domain} listed"))
}

fn outside_rights(domain: &str, root: &str) -> String {
    format!(
        "You proved control of {root}, so you can change {root} and its subdomains, but not \
         {domain}. Sign in with {domain} (or a domain above it) to change it."
    )
}

async fn a_subdomains_admin_never_changes_the_parents_pages(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    // The tenant's first admin proves only dept.contoso.com: its own pages are its to change.
    let dept = AdminClient::sign_in(&app, &upstreams, "dept.contoso.com").await;
    let (_, overview) = dept.get_text("/admin").await;
    assert_eq!(
        text_of(&overview, "#rights-statement").as_deref(),
        Some(
            "You proved control of dept.contoso.com (DNS TXT record). You can change what \
             employees see on dept.contoso.com and its subdomains, never on its parent domain \
             or on your tenant’s other domains."
        )
    );
    let response = save_helpdesk_phone(&dept, "", "+1 425 555 0101").await;
    assert_eq!(response.status(), 200);
    assert!(
        tenant_page(&app, "dept.contoso.com")
            .await
            .contains("+1 425 555 0101")
    );
    assert!(
        !tenant_page(&app, "contoso.com")
            .await
            .contains("+1 425 555 0101"),
        "the parent's employees never see the department's settings"
    );

    // Every way to the parent's pages is refused, with the reason, and nothing is stored.
    let rows = rows_but_adoption(&app).await;
    let refused = outside_rights("contoso.com", "dept.contoso.com");
    for path in [
        "/admin/settings?scope=contoso.com",
        "/admin/logo?scope=contoso.com",
        "/admin/kit?scope=contoso.com",
        "/admin/kit/qr.png?scope=contoso.com",
    ] {
        let (status, page) = dept.get_text(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(lead(&page), refused, "{path}");
    }
    let csrf = dept.csrf().await;
    for (path, fields) in [
        (
            "/admin/settings",
            vec![
                ("scope", "contoso.com"),
                ("version", "0"),
                ("helpdesk_phone", "+1 900 555 0666"),
            ],
        ),
        (
            "/admin/settings/remove",
            vec![("scope", "contoso.com"), ("version", "0")],
        ),
        ("/admin/logo/automatic", vec![("scope", "contoso.com")]),
        (
            "/admin/logo/publish",
            vec![("scope", "contoso.com"), ("logo", "0")],
        ),
        ("/admin/domains/revoke", vec![("domain", "contoso.com")]),
    ] {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        let (status, page) = read(dept.post_form(path, &form).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(lead(&page), refused, "{path}");
    }
    let logo = images::banner(400, 100, [0x6B, 0x2F, 0xA0]).png();
    let (status, page) = read(
        dept.upload_logo_to(&csrf, "contoso.com", "logo.png", &logo)
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(lead(&page), refused);
    assert_eq!(rows_but_adoption(&app).await, rows, "nothing stored");
    assert_eq!(scope_settings(&app, "contoso.com").await, None);

    // Proving the parent covers its subdomains, at once (no approval: the same DNS tree).
    let parent = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let (status, _) = parent.get_text("/admin/settings").await;
    assert_eq!(status, 200);
    let response = save_helpdesk_phone(&parent, "", "+1 425 555 0100").await;
    assert_eq!(response.status(), 200);
    assert!(
        tenant_page(&app, "contoso.com")
            .await
            .contains("+1 425 555 0100")
    );
    // A subdomain without settings of its own shows its parent's; one with its own keeps them.
    assert!(
        tenant_page(&app, "sales.contoso.com")
            .await
            .contains("+1 425 555 0100")
    );
    let dept_page = tenant_page(&app, "dept.contoso.com").await;
    assert!(dept_page.contains("+1 425 555 0101") && !dept_page.contains("+1 425 555 0100"));
    let (status, page) = parent
        .get_text("/admin/settings?scope=dept.contoso.com")
        .await;
    assert_eq!(
        status, 200,
        "the parent's admin may change the department's pages"
    );
    assert_eq!(
        input_value(&page, "#helpdesk_phone").as_deref(),
        Some("+1 425 555 0101")
    );
    let response = save_helpdesk_phone(&parent, "dept.contoso.com", "+1 425 555 0102").await;
    assert_eq!(response.status(), 200);
    assert!(
        tenant_page(&app, "dept.contoso.com")
            .await
            .contains("+1 425 555 0102")
    );

    // A sibling domain of a tenant that has admins waits for an existing admin's approval.
    let sibling = AdminClient::sign_in(&app, &upstreams, "contoso.net").await;
    let (status, page) = sibling.get_text("/admin").await;
    assert_eq!(status, 200);
    assert!(
        text_of(&page, "#awaiting-message")
            .unwrap_or_default()
            .contains("one of them must approve it"),
        "{page}"
    );
    let (status, page) = sibling.get_text("/admin/settings").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        lead(&page),
        "Your control of contoso.net is proven, but this tenant already has admins: one of \
         them must approve contoso.net on their overview page before you can change anything."
    );
    let sibling_csrf = sibling_csrf(&sibling).await;
    let (status, _) = read(
        sibling
            .post_form(
                "/admin/domains/approve",
                &[("csrf", &sibling_csrf), ("domain", "contoso.net")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "nobody approves themselves");
    let grants = app.store.verified_domains(contoso()).await.unwrap();
    let net = grants.iter().find(|g| g.domain == "contoso.net").unwrap();
    assert_eq!(net.status, GrantStatus::Pending);

    // The parent's overview lists every domain and session of the tenant.
    let (_, overview) = parent.get_text("/admin").await;
    for domain in ["dept.contoso.com", "contoso.com", "contoso.net"] {
        assert!(
            overview.contains(&format!("<tr data-domain=\"{domain}\">")),
            "{domain} listed"
        );
    }
    let sessions = session_rows(&overview);
    assert_eq!(sessions.len(), 3, "{sessions:?}");
    for (_, row) in &sessions {
        assert!(row.contains("DNS TXT record"), "how: {row}");
    }
    assert!(
        input_value(
            &overview,
            "form[action=\"/admin/domains/approve\"] input[name=domain]"
        )
        .is_some_and(|domain| domain == "contoso.net")
    );
    let parent_csrf = parent.csrf().await;
    let response = parent
        .post_form(
            "/admin/domains/approve",
            &[("csrf", &parent_csrf), ("domain", "contoso.net")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, _) = sibling.get_text("/admin/settings").await;
    assert_eq!(status, 200, "approved: rights at once, in the same session");
    let grants = app.store.verified_domains(contoso()).await.unwrap();
    let net = grants.iter().find(|g| g.domain == "contoso.net").unwrap();
    assert_eq!(
        (net.status, net.method, net.approved_by.as_deref()),
        (
            GrantStatus::Active,
            GrantMethod::Approval,
            Some("contoso.com")
        )
    );

    // Revoking, only within one's rights: the department's admin cannot end the parent's
    // session or remove its domain; the parent's admin can end the department's.
    let (_, dept_overview) = dept.get_text("/admin").await;
    let parent_session = session_of(&dept_overview, "contoso.com");
    let dept_csrf = dept.csrf().await;
    let (status, page) = read(
        dept.post_form(
            "/admin/sessions/revoke",
            &[("csrf", &dept_csrf), ("session", &parent_session)],
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(lead(&page), refused);
    assert_eq!(
        parent.get("/admin/settings").await.status(),
        200,
        "still in"
    );
    let dept_session = session_of(&overview, "dept.contoso.com");
    let response = parent
        .post_form(
            "/admin/sessions/revoke",
            &[("csrf", &parent_csrf), ("session", &dept_session)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = dept.get("/admin/settings").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "signed out");
    // Removing a domain ends every session proven with it; its settings stay for the parent.
    let dept = AdminClient::sign_in(&app, &upstreams, "dept.contoso.com").await;
    let response = parent
        .post_form(
            "/admin/domains/revoke",
            &[("csrf", &parent_csrf), ("domain", "dept.contoso.com")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        dept.get("/admin/settings").await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(scope_settings(&app, "dept.contoso.com").await.is_some());
    let grants = app.store.verified_domains(contoso()).await.unwrap();
    assert!(!grants.iter().any(|g| g.domain == "dept.contoso.com"));
    app.stop().await;
}
both_backends!(
    rights_follow_proof,
    a_subdomains_admin_never_changes_the_parents_pages
);

/// The CSRF token of a session that may not open the settings page (read from its overview).
async fn sibling_csrf(admin: &AdminClient) -> String {
    let (_, page) = admin.get_text("/admin").await;
    input_value(&page, "form[action=\"/admin/signout\"] input[name=csrf]").expect("a CSRF field")
}

// --- item 3: fresh facts for authorization ---

async fn rights_are_granted_on_what_microsoft_says_now(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    // A stale mapping in the store: contoso.com recorded as a domain of Northwind's tenant.
    assert_eq!(app.get("/api/v1/tenants/northwind.com").await.status(), 200);
    let northwind = DomainName::parse("northwind.com").unwrap();
    let contoso_domain = DomainName::parse("contoso.com").unwrap();
    let mut stale = app.store.load_profile(&northwind).await.unwrap().unwrap();
    stale.domain = contoso_domain.clone();
    app.store.save_profile(&stale).await.unwrap();
    let admin = AdminClient::new(&app);
    let value = admin.start_challenge("contoso.com").await;
    publish_record(&upstreams, "contoso.com", &value);
    let asked = upstreams.microsoft.requests(Endpoint::OpenIdConfiguration);
    let response = admin.check_dns("contoso.com").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        upstreams.microsoft.requests(Endpoint::OpenIdConfiguration),
        asked + 1,
        "Microsoft was asked afresh"
    );
    let session = app
        .store
        .load_admin_session(&sha256_hex(&admin.cookie(SESSION_COOKIE).unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        session.tenant_id,
        contoso(),
        "the tenant Microsoft names now"
    );
    let northwind_tenant = Uuid::parse_str(NORTHWIND_TENANT).unwrap();
    assert!(
        app.store
            .verified_domains(northwind_tenant)
            .await
            .unwrap()
            .is_empty()
    );

    // Microsoft cannot be reached: refused (503), nothing used up, and it works afterwards.
    let second = AdminClient::new(&app);
    let value = second.start_challenge("contoso.com").await;
    publish_record(&upstreams, "contoso.com", &value);
    upstreams
        .microsoft
        .set_fault(Endpoint::OpenIdConfiguration, Fault::Status(503));
    let (status, page) = read(second.check_dns("contoso.com").await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        alert(&page),
        "We couldn't reach Microsoft to confirm which tenant contoso.com belongs to, so we \
         can't sign you in right now. Nothing was used up: try again in a minute."
    );
    assert!(second.cookie(SESSION_COOKIE).is_none());
    let token = authwalk::admin::challenge::token_in(&value).unwrap();
    let stored = app
        .store
        .load_admin_challenge(&sha256_hex(token))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.used_at, None, "nothing used up");
    upstreams
        .microsoft
        .clear_fault(Endpoint::OpenIdConfiguration);
    assert_eq!(
        second.check_dns("contoso.com").await.status(),
        StatusCode::SEE_OTHER
    );

    // A CNAME at the challenge name, into another registrable domain, proves nothing.
    let third = AdminClient::new(&app);
    let value = third.start_challenge("contoso.com").await;
    let name = "_authwalk-challenge.contoso.com";
    upstreams.dns.remove(name);
    upstreams
        .dns
        .add(name, FakeRecord::Cname("challenge.attacker.example".into()));
    upstreams
        .dns
        .add("challenge.attacker.example", FakeRecord::Txt(value.clone()));
    let (status, page) = read(third.check_dns("contoso.com").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        alert(&page),
        "The TXT record for _authwalk-challenge.contoso.com is reached through a CNAME to \
         challenge.attacker.example, so it doesn't prove control of this domain. Publish the \
         TXT record at _authwalk-challenge.contoso.com itself, not as a CNAME."
    );
    assert!(third.cookie(SESSION_COOKIE).is_none());
    publish_record(&upstreams, "contoso.com", &value);
    assert_eq!(
        third.check_dns("contoso.com").await.status(),
        StatusCode::SEE_OTHER
    );

    // The operator's admin link is judged afresh too.
    let mut config = app.raw_config.clone();
    config.public_url = Some(app.url(""));
    let config = config.validate().unwrap();
    let services = authwalk::Services::build(&config).await.unwrap();
    let link = authwalk::admin::link::issue(
        &services.store,
        &services.discovery,
        &config.public_url,
        "contoso.com",
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    let path = &link.url.as_str()[app.url("").len()..];
    let operator = AdminClient::new(&app);
    let (status, page) = operator.get_text(path).await;
    assert_eq!(status, 200);
    let csrf = input_value(&page, "input[name=csrf]").unwrap();
    upstreams
        .microsoft
        .set_fault(Endpoint::OpenIdConfiguration, Fault::Status(503));
    let (status, page) = read(operator.post_form(path, &[("csrf", &csrf)]).await).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        alert(&page).contains("couldn't reach Microsoft to confirm"),
        "{page}"
    );
    upstreams
        .microsoft
        .clear_fault(Endpoint::OpenIdConfiguration);
    let response = operator.post_form(path, &[("csrf", &csrf)]).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the link was not used up"
    );
    app.stop().await;
}
both_backends!(fresh_facts, rights_are_granted_on_what_microsoft_says_now);

// --- item 4: no lost updates ---

/// Run `statements` on the app's database on a connection of the test's own.
async fn execute(app: &TestApp, statements: &[&str]) {
    match app.database.backend {
        Backend::Sqlite => {
            let mut connection = sqlx::SqliteConnection::connect(&app.database.url)
                .await
                .unwrap();
            for statement in statements {
                sqlx::query(sqlx::AssertSqlSafe(*statement))
                    .execute(&mut connection)
                    .await
                    .unwrap();
            }
        }
        Backend::Postgres => {
            let mut connection = sqlx::PgConnection::connect(&app.database.url)
                .await
                .unwrap();
            for statement in statements {
                sqlx::query(sqlx::AssertSqlSafe(*statement))
                    .execute(&mut connection)
                    .await
                    .unwrap();
            }
        }
    }
}

/// Make every write to `tenant_settings` fail, as a full disk or a lost primary would.
async fn break_settings_writes(app: &TestApp) {
    match app.database.backend {
        Backend::Sqlite => {
            execute(
                app,
                &[
                    "CREATE TRIGGER refuse_insert BEFORE INSERT ON tenant_settings \
                     BEGIN SELECT RAISE(ABORT, 'the disk is full'); END",
                    "CREATE TRIGGER refuse_update BEFORE UPDATE ON tenant_settings \
                     BEGIN SELECT RAISE(ABORT, 'the disk is full'); END",
                ],
            )
            .await;
        }
        Backend::Postgres => {
            execute(
                app,
                &[
                    "CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$",
                    "CREATE TRIGGER refuse_write BEFORE INSERT OR UPDATE ON tenant_settings \
                     FOR EACH ROW EXECUTE FUNCTION refuse_write()",
                ],
            )
            .await;
        }
    }
}

async fn mend_settings_writes(app: &TestApp) {
    match app.database.backend {
        Backend::Sqlite => {
            execute(
                app,
                &["DROP TRIGGER refuse_insert", "DROP TRIGGER refuse_update"],
            )
            .await;
        }
        Backend::Postgres => {
            execute(app, &["DROP TRIGGER refuse_write ON tenant_settings"]).await;
        }
    }
}

/// The settings form as the page holds it, with `changes` applied.
fn settings_fields(page: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        "csrf",
        "scope",
        "version",
        "brand_color",
        "helpdesk_email",
        "helpdesk_phone",
        "helpdesk_url",
        "short_slug",
    ]
    .into_iter()
    .map(|name| {
        let value = input_value(
            page,
            &format!("form[action=\"/admin/settings\"] input[name={name}]"),
        )
        .unwrap_or_default();
        (name.to_owned(), value)
    })
    .collect();
    fields.push((
        "intro_message".into(),
        text_of(page, "#intro_message").unwrap_or_default(),
    ));
    fields.push(("passkey_policy".into(), "authenticator_only".into()));
    for (name, value) in changes {
        match fields.iter_mut().find(|(field, _)| field == name) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    fields
}

async fn post_fields(admin: &AdminClient, path: &str, fields: &[(String, String)]) -> Response {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    admin.post_form(path, &borrowed).await
}

async fn two_admins_saving_at_once_never_overwrite_each_other(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let first = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let second = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    // Both open the settings form at the same version.
    let (_, first_form) = first.get_text("/admin/settings").await;
    let (_, second_form) = second.get_text("/admin/settings").await;
    let version = |page: &str| input_value(page, "input[name=version]").unwrap();
    assert_eq!(version(&first_form), version(&second_form));
    let response = post_fields(
        &first,
        "/admin/settings",
        &settings_fields(
            &first_form,
            &[
                ("helpdesk_phone", "+1 425 555 0100"),
                ("intro_message", "First"),
            ],
        ),
    )
    .await;
    assert_eq!(response.status(), 200);
    let saved = contoso_settings(&app).await.unwrap();

    // The second save was typed against the older version: refused, both values shown.
    let (status, page) = read(
        post_fields(
            &second,
            "/admin/settings",
            &settings_fields(
                &second_form,
                &[
                    ("helpdesk_phone", "+1 425 555 0199"),
                    ("intro_message", "Second"),
                ],
            ),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        text_of(&page, "#settings-failure").as_deref(),
        Some(
            "These settings were changed by someone else since you opened this page. Nothing \
             was overwritten: compare both versions below, then save again."
        )
    );
    let document = Html::parse_document(&page);
    let rows = Selector::parse("#settings-conflict tbody tr").unwrap();
    let differences: Vec<String> = document
        .select(&rows)
        .map(|row| {
            row.text()
                .map(str::trim)
                .filter(|text| !text.is_empty())
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    assert_eq!(
        differences,
        [
            "Helpdesk phone | +1 425 555 0100 | +1 425 555 0199",
            "Message from IT | First | Second"
        ]
    );
    assert_eq!(
        input_value(&page, "#helpdesk_phone").as_deref(),
        Some("+1 425 555 0199"),
        "what was typed is kept"
    );
    assert_eq!(
        contoso_settings(&app).await.as_ref(),
        Some(&saved),
        "nothing overwritten"
    );
    // Having seen both, the second admin saves again on purpose: now it replaces.
    let response = post_fields(&second, "/admin/settings", &settings_fields(&page, &[])).await;
    assert_eq!(response.status(), 200);
    let replaced = contoso_settings(&app).await.unwrap();
    assert_eq!(replaced.helpdesk_phone.as_deref(), Some("+1 425 555 0199"));
    // The first admin's stale form is refused in turn.
    let (status, _) = read(
        post_fields(
            &first,
            "/admin/settings",
            &settings_fields(&first_form, &[("helpdesk_phone", "+1 425 555 0111")]),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(contoso_settings(&app).await.as_ref(), Some(&replaced));

    // "Publish" publishes the preview that was looked at, never whatever is pending now.
    let csrf_first = first.csrf().await;
    let csrf_second = second.csrf().await;
    let looked_at = {
        let logo = images::banner(400, 100, [0x6B, 0x2F, 0xA0]).png();
        assert_eq!(
            first
                .upload_logo(&csrf_first, "a.png", &logo)
                .await
                .status(),
            303
        );
        first.previewed_logo("/admin/logo").await
    };
    let swapped = {
        let logo = images::banner(400, 100, [0x20, 0x80, 0x30]).png();
        assert_eq!(
            second
                .upload_logo(&csrf_second, "b.png", &logo)
                .await
                .status(),
            303
        );
        second.previewed_logo("/admin/logo").await
    };
    assert_ne!(looked_at, swapped);
    for (admin, csrf, path) in [
        (&first, &csrf_first, "/admin/logo/publish"),
        (&second, &csrf_second, "/admin/logo/discard"),
    ] {
        let (status, page) = read(
            admin
                .post_form(path, &[("csrf", csrf), ("logo", &looked_at)])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{path}");
        assert_eq!(
            alert(&page),
            "The preview changed since you looked at it: another admin uploaded or discarded \
             a logo meanwhile. Nothing was published; look at the preview now shown, then \
             decide."
        );
    }
    let row = contoso_settings(&app).await.unwrap();
    assert_eq!(row.logo_sha256, None, "nothing published");
    assert_eq!(row.pending_logo_sha256.as_deref(), Some(swapped.as_str()));
    let response = first
        .post_form(
            "/admin/logo/publish",
            &[("csrf", &csrf_first), ("logo", &swapped)],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        contoso_settings(&app).await.unwrap().logo_sha256.as_deref(),
        Some(swapped.as_str())
    );

    // A store failure keeps the typed form and writes nothing.
    let before = contoso_settings(&app).await;
    let (_, form) = first.get_text("/admin/settings").await;
    let typed = settings_fields(
        &form,
        &[
            ("helpdesk_email", "it-help@contoso.com"),
            ("intro_message", "Typed with care"),
        ],
    );
    break_settings_writes(&app).await;
    let (status, page) = read(post_fields(&first, "/admin/settings", &typed).await).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        text_of(&page, "#settings-failure").as_deref(),
        Some(
            "Nothing was saved: authwalk couldn't write to its database just now. Your changes \
             are still in the form below; try saving again in a minute."
        )
    );
    assert_eq!(
        input_value(&page, "#helpdesk_email").as_deref(),
        Some("it-help@contoso.com")
    );
    assert_eq!(
        text_of(&page, "#intro_message").as_deref(),
        Some("Typed with care")
    );
    assert_eq!(contoso_settings(&app).await, before, "nothing written");
    mend_settings_writes(&app).await;
    // The re-shown form, sent again as it is, now saves.
    let response = post_fields(&first, "/admin/settings", &settings_fields(&page, &[])).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        contoso_settings(&app)
            .await
            .unwrap()
            .helpdesk_email
            .as_deref(),
        Some("it-help@contoso.com")
    );
    app.stop().await;
}
both_backends!(
    no_lost_updates,
    two_admins_saving_at_once_never_overwrite_each_other
);

// --- item 5: cookies behind https ---

async fn behind_https_every_admin_cookie_is_host_prefixed_and_secure(backend: Backend) {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.public_url = Some("https://walk.example.test".into());
    })
    .await
    else {
        return;
    };
    let admin = AdminClient::new(&app);
    let mut seen = Vec::new();
    let mut collect = |response: &Response| {
        for value in response.headers().get_all(header::SET_COOKIE) {
            seen.push(value.to_str().unwrap().to_owned());
        }
    };
    let response = admin.get("/admin").await;
    collect(&response);
    let page = response.text().await.unwrap();
    let csrf = input_value(&page, "form[action=\"/admin/challenge\"] input[name=csrf]").unwrap();
    let response = admin
        .post_form(
            "/admin/challenge",
            &[("csrf", &csrf), ("domain", "contoso.com")],
        )
        .await;
    assert_eq!(response.status(), 200);
    collect(&response);
    let page = response.text().await.unwrap();
    let value = input_value(&page, "#record-value").unwrap();
    publish_record(&upstreams, "contoso.com", &value);
    let response = admin
        .post_form(
            "/admin/verify",
            &[("csrf", &csrf), ("domain", "contoso.com")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    collect(&response);
    let session_csrf = admin.csrf().await;
    let response = admin
        .post_form("/admin/signout", &[("csrf", &session_csrf)])
        .await;
    collect(&response);
    let names: std::collections::BTreeSet<String> = admin
        .cookies()
        .into_keys()
        .chain(
            seen.iter()
                .map(|cookie| cookie.split('=').next().unwrap().to_owned()),
        )
        .collect();
    assert!(
        names.contains("__Host-authwalk_admin_browser")
            && names.contains("__Host-authwalk_admin_csrf")
            && names.contains("__Host-authwalk_admin"),
        "{names:?}"
    );
    for cookie in &seen {
        assert!(cookie.starts_with("__Host-"), "{cookie}");
        let attributes: Vec<&str> = cookie.split("; ").skip(1).collect();
        assert!(attributes.contains(&"Path=/"), "{cookie}");
        assert!(attributes.contains(&"Secure"), "{cookie}");
        assert!(attributes.contains(&"HttpOnly"), "{cookie}");
        assert!(
            !attributes.iter().any(|a| a.starts_with("Domain")),
            "{cookie}"
        );
    }
    // An unprefixed cookie (any subdomain, or a man in the middle on http, could plant one) is
    // never read behind https, even holding a real session id.
    let signed_in = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let id = signed_in.cookie(SESSION_COOKIE).unwrap();
    let response = app
        .client
        .get(app.url("/admin/settings"))
        .header(header::COOKIE, format!("authwalk_admin={id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "not signed in");
    assert_eq!(signed_in.get("/admin/settings").await.status(), 200);
    app.stop().await;
}
both_backends!(
    host_prefixed_cookies,
    behind_https_every_admin_cookie_is_host_prefixed_and_secure
);

/// The lines the `authwalk` binary logs until it says it listens.
fn start_up_log(listen: &str, public_url: &str) -> Vec<serde_json::Value> {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_authwalk"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("AUTHWALK_LISTEN", listen)
        .env("AUTHWALK_PUBLIC_URL", public_url)
        .env("AUTHWALK_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn,authwalk=info")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("warn.db").display()),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut logged = Vec::new();
    loop {
        let line = lines
            .next()
            .expect("the server logs until it listens")
            .unwrap();
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
        let listening = entry["fields"]["message"] == "authwalk is listening";
        logged.push(entry);
        if listening {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    logged
}

#[test]
fn plain_http_beyond_loopback_is_warned_about_loudly_at_start() {
    let insecure = start_up_log("0.0.0.0:0", "http://walk.example.test");
    let warning = insecure
        .iter()
        .find(|entry| entry["level"] == "WARN")
        .unwrap_or_else(|| panic!("no warning in {insecure:?}"));
    let message = warning["fields"]["message"].as_str().unwrap();
    assert!(
        message
            .starts_with("INSECURE: AUTHWALK_PUBLIC_URL is http://walk.example.test/ (plain http)"),
        "{message}"
    );
    assert!(message.contains("admin sessions and sign-in cookies would travel unencrypted"));
    for (listen, public_url) in [
        ("0.0.0.0:0", "https://walk.example.test"),
        ("127.0.0.1:0", "http://127.0.0.1:3000"),
    ] {
        let logged = start_up_log(listen, public_url);
        assert!(
            !logged.iter().any(|entry| entry["level"] == "WARN"),
            "{listen} {public_url}: {logged:?}"
        );
    }
}

// --- item 7: challenges and sessions are bounded ---

/// The lead of a 429 page, and that it says when to come back.
fn rate_limited(status: StatusCode, page: &str, what: &str) {
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{what}");
    assert!(
        lead(page).starts_with("You're going a bit fast — try again in "),
        "{what}: {}",
        lead(page)
    );
}

async fn post_challenge(browser: &AdminClient, domain: &str) -> (StatusCode, String) {
    browser.get("/admin").await;
    let csrf = browser.cookie("authwalk_admin_csrf").unwrap();
    read(
        browser
            .post_form("/admin/challenge", &[("csrf", &csrf), ("domain", domain)])
            .await,
    )
    .await
}

async fn floods_of_challenges_and_attempts_stay_bounded(backend: Backend) {
    let upstreams = Upstreams::start().await;
    images::warm_up();
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.trusted_proxies = Some("127.0.0.1/32".into());
        config.challenge_rate = "6/h burst 6".into();
        config.challenge_domain_rate = "9/h burst 9".into();
        config.verify_rate = "3/h burst 3".into();
        config.verify_domain_rate = "5/h burst 5".into();
    })
    .await
    else {
        return;
    };
    // One client asking for challenge after challenge from one browser: at most three stay
    // live, and its own allowance runs out.
    let spammer = AdminClient::at_address(&app, "203.0.113.10");
    let mut issued = Vec::new();
    for _ in 0..6 {
        issued.push(spammer.start_challenge("contoso.com").await);
    }
    assert_eq!(rows_in(&app, "admin_challenges").await, 3, "three live");
    for attempt in 0..10 {
        let (status, page) = post_challenge(&spammer, "contoso.com").await;
        rate_limited(status, &page, &format!("attempt {attempt}"));
    }
    assert_eq!(rows_in(&app, "admin_challenges").await, 3);
    // Its refused attempts cost the domain nothing: three more clients still get one, then
    // the domain's own allowance is spent.
    for last in 1..=3 {
        let client = AdminClient::at_address(&app, &format!("198.51.100.{last}"));
        client.start_challenge("contoso.com").await;
    }
    let late = AdminClient::at_address(&app, "198.51.100.4");
    let (status, page) = post_challenge(&late, "contoso.com").await;
    rate_limited(status, &page, "the domain's allowance");
    // The withdrawn challenges no longer work; the newest does.
    publish_record(&upstreams, "contoso.com", &issued[0]);
    let (status, page) = read(spammer.check_dns("contoso.com").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        alert(&page).contains("doesn't match the challenge we issued"),
        "{page}"
    );
    publish_record(&upstreams, "contoso.com", &issued[5]);
    assert_eq!(
        spammer.check_dns("contoso.com").await.status(),
        StatusCode::SEE_OTHER
    );

    // Verification: one client hammering "Check DNS" cannot lock a domain's admin out.
    let attacker = AdminClient::at_address(&app, "203.0.113.66");
    attacker.start_challenge("northwind.com").await;
    for _ in 0..3 {
        let (status, _) = read(attacker.check_dns("northwind.com").await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "no record yet");
    }
    for _ in 0..10 {
        let (status, page) = read(attacker.check_dns("northwind.com").await).await;
        rate_limited(status, &page, "the attacker's own allowance");
    }
    // A stranger without a challenge is refused before the domain is charged.
    let stranger = AdminClient::at_address(&app, "203.0.113.77");
    stranger.get("/admin").await;
    for _ in 0..3 {
        let (status, page) = read(stranger.check_dns("northwind.com").await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            alert(&page).contains("has no challenge for northwind.com"),
            "{page}"
        );
    }
    for _ in 0..10 {
        let (status, page) = read(stranger.check_dns("northwind.com").await).await;
        rate_limited(status, &page, "the stranger's own allowance");
    }
    let admin = AdminClient::at_address(&app, "198.51.100.20");
    let value = admin.start_challenge("northwind.com").await;
    publish_record(&upstreams, "northwind.com", &value);
    assert_eq!(
        admin.check_dns("northwind.com").await.status(),
        StatusCode::SEE_OTHER,
        "the domain's admin still signs in"
    );

    // The purge deletes what can never be used again, and only that.
    let now = OffsetDateTime::now_utc();
    let contoso_domain = DomainName::parse("contoso.com").unwrap();
    let (_, expired) = authwalk::admin::challenge::issue(
        &contoso_domain,
        &"e".repeat(64),
        now - time::Duration::days(8),
    )
    .unwrap();
    app.store.insert_admin_challenge(&expired, 3).await.unwrap();
    let old_link = authwalk::store::models::NewChallenge {
        token_sha256: "f".repeat(64),
        domain: "contoso.com".into(),
        kind: authwalk::store::models::ChallengeKind::AdminLink,
        expires_at: now - time::Duration::minutes(1),
        browser_sha256: None,
    };
    app.store
        .insert_admin_challenge(&old_link, 1)
        .await
        .unwrap();
    let idle = sha256_hex(&spammer.cookie(SESSION_COOKIE).unwrap());
    app.store
        .touch_admin_session(&idle, now - time::Duration::minutes(31))
        .await
        .unwrap();
    let challenges = rows_in(&app, "admin_challenges").await;
    let purged = authwalk::admin::team::purge_expired(&app.store, now)
        .await
        .unwrap();
    assert_eq!(
        (purged.challenges, purged.sessions, purged.pending_grants),
        (2, 1, 0)
    );
    assert_eq!(rows_in(&app, "admin_challenges").await, challenges - 2);
    assert_eq!(
        rows_in(&app, "admin_sessions").await,
        1,
        "the live one stays"
    );
    assert_eq!(admin.get("/admin/settings").await.status(), 200);
    let later = now + time::Duration::days(8);
    authwalk::admin::team::purge_expired(&app.store, later)
        .await
        .unwrap();
    assert_eq!(rows_in(&app, "admin_challenges").await, 0);
    assert_eq!(rows_in(&app, "admin_sessions").await, 0);
    app.stop().await;
}
both_backends!(
    bounded_challenges,
    floods_of_challenges_and_attempts_stay_bounded
);

async fn the_purge_runs_at_start_and_clears_what_expired_meanwhile(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let now = OffsetDateTime::now_utc();
    let id = sha256_hex(&admin.cookie(SESSION_COOKIE).unwrap());
    app.store
        .touch_admin_session(&id, now - time::Duration::minutes(31))
        .await
        .unwrap();
    let contoso_domain = DomainName::parse("contoso.com").unwrap();
    let (_, expired) = authwalk::admin::challenge::issue(
        &contoso_domain,
        &"e".repeat(64),
        now - time::Duration::days(8),
    )
    .unwrap();
    app.store.insert_admin_challenge(&expired, 3).await.unwrap();
    let (database, config) = app.stop_keeping_database().await;
    let app = TestApp::start(config, database).await;
    // The purge task's first run is at start; wait for it (bounded), never for a fixed time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let gone = app
            .store
            .load_admin_challenge(&expired.token_sha256)
            .await
            .unwrap()
            .is_none()
            && app.store.load_admin_session(&id).await.unwrap().is_none();
        if gone {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not purged at start");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        rows_in(&app, "admin_challenges").await,
        1,
        "the used, unexpired one stays"
    );
    app.stop().await;
}
both_backends!(
    purge_at_start,
    the_purge_runs_at_start_and_clears_what_expired_meanwhile
);

// --- item 9: no impersonation on our domain ---

async fn look_alike_text_and_borrowed_names_never_reach_employees(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    // Microsoft's brand name with bidi controls and a zero-width space: shown without them.
    assert!(
        BIDI_BRAND_NAME
            .chars()
            .any(authwalk::invisible::is_invisible)
    );
    let page = tenant_page(&app, "bidi-brand.com").await;
    assert!(page.contains(BIDI_BRAND_SHOWN), "{page}");
    assert!(!page.chars().any(authwalk::invisible::is_invisible));
    let (_, json) = app.get_json("/api/v1/tenants/bidi-brand.com").await;
    assert_eq!(json["display_name"], BIDI_BRAND_SHOWN);

    // An admin's text loses its invisible characters before it is stored or shown.
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let response = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("version", "0"),
                (
                    "intro_message",
                    "Questions? Call \u{202E}0010 555 524 1+\u{202C} now.",
                ),
                ("helpdesk_phone", "+1\u{200B} 425 555\u{2066} 0100"),
                ("helpdesk_email", "help\u{200D}desk@contoso.com\u{FEFF}"),
                ("helpdesk_url", "https://help.contoso.com/\u{2067}passkeys"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let stored = contoso_settings(&app).await.unwrap();
    assert_eq!(
        stored.intro_message.as_deref(),
        Some("Questions? Call 0010 555 524 1+ now.")
    );
    assert_eq!(stored.helpdesk_phone.as_deref(), Some("+1 425 555 0100"));
    assert_eq!(
        stored.helpdesk_email.as_deref(),
        Some("helpdesk@contoso.com")
    );
    assert_eq!(
        stored.helpdesk_url.as_deref(),
        Some("https://help.contoso.com/passkeys")
    );
    let page = tenant_page(&app, "contoso.com").await;
    assert!(!page.chars().any(authwalk::invisible::is_invisible));
    assert!(
        page.contains("href=\"mailto:helpdesk@contoso.com\""),
        "{page}"
    );

    // A helpdesk email that would write more than an address is refused, nothing saved.
    let version = stored.version.to_string();
    for (email, character) in [
        ("helpdesk@contoso.com?subject=Reset%20my%20password", '?'),
        ("helpdesk&cc=all@contoso.com", '&'),
        ("help=desk@contoso.com", '='),
        ("help%0Adesk@contoso.com", '%'),
        ("helpdesk@contoso.com#x", '#'),
    ] {
        let (status, page) = read(
            admin
                .post_form(
                    "/admin/settings",
                    &[
                        ("csrf", &csrf),
                        ("version", &version),
                        ("helpdesk_email", email),
                    ],
                )
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{email}");
        assert_eq!(
            text_of(&page, "#helpdesk_email-error"),
            Some(format!(
                "“{email}” isn't an email address we can use: it contains “{character}”; a \
                 helpdesk address is a plain address such as helpdesk@contoso.com, without ?, &, \
                 =, % or #, which would add a subject, copies or text to the email employees \
                 write."
            ))
        );
        assert_eq!(
            contoso_settings(&app).await.as_ref(),
            Some(&stored),
            "{email}"
        );
    }

    // An internationalised address is percent-encoded into the page's mailto: link (RFC 6068),
    // shown as typed.
    let response = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("helpdesk_email", "hilfe@bücher.de"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let page = tenant_page(&app, "contoso.com").await;
    assert!(
        page.contains("href=\"mailto:hilfe@b%C3%BCcher.de\">hilfe@bücher.de</a>"),
        "{page}"
    );
    let stored = contoso_settings(&app).await.unwrap();
    let version = stored.version.to_string();

    // A short link is a name of one of the tenant's own verified domains, never another's.
    let (status, page) = read(
        admin
            .post_form(
                "/admin/settings",
                &[
                    ("csrf", &csrf),
                    ("version", &version),
                    ("short_slug", "fabrikam"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text_of(&page, "#short_slug-error").as_deref(),
        Some(
            "A short link must be the name one of your verified domains is registered under, \
             alone or followed by one of its subdomains, so that nobody can pass for another \
             company on our site; “fabrikam” isn't. Choose one of “contoso”."
        )
    );
    let northwind = AdminClient::sign_in(&app, &upstreams, "northwind.com").await;
    let northwind_csrf = northwind.csrf().await;
    let (status, page) = read(
        northwind
            .post_form(
                "/admin/settings",
                &[
                    ("csrf", &northwind_csrf),
                    ("version", "0"),
                    ("short_slug", "contoso"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another tenant's name");
    assert!(
        text_of(&page, "#short_slug-error")
            .unwrap_or_default()
            .contains("Choose one of “northwind”."),
        "{page}"
    );
    let response = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("short_slug", "contoso"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let response = app.get("/go/contoso").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[header::LOCATION], "/t/contoso.com");
    assert_eq!(
        app.get("/go/fabrikam").await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}
both_backends!(
    no_impersonation,
    look_alike_text_and_borrowed_names_never_reach_employees
);

// ---------------------------------------------------------------------------------------------
// Removals stick, approvals need a top-level admin, versions never repeat, short links are the
// tenant's own registered names
// ---------------------------------------------------------------------------------------------

/// The public id of this browser's own session (from its overview).
async fn own_session(admin: &AdminClient) -> String {
    let (_, page) = admin.get_text("/admin").await;
    let document = Html::parse_document(&page);
    let rows = Selector::parse("#admin-sessions tr[data-session]").unwrap();
    document
        .select(&rows)
        .find(|row| row.text().collect::<String>().contains("(this browser)"))
        .and_then(|row| row.value().attr("data-session"))
        .expect("this browser's session is listed")
        .to_owned()
}

async fn a_removed_domain_stays_removed_and_the_removal_is_recorded(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let parent = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let parent_session = own_session(&parent).await;
    let rogue = AdminClient::sign_in(&app, &upstreams, "dept.contoso.com").await;
    assert_eq!(rogue.get("/admin/settings").await.status(), 200);
    let rogue_session = own_session(&rogue).await;
    // What the department's admin keeps in reserve: an unused challenge of another browser and
    // an operator's link, both issued before the removal.
    let spare = AdminClient::new(&app);
    let spare_value = spare.start_challenge("dept.contoso.com").await;
    let link = app
        .state
        .admin
        .issue_link("dept.contoso.com", OffsetDateTime::now_utc())
        .await
        .unwrap();
    let link_path = link.url.as_str()[app.url("").len()..].to_owned();

    // The parent's admin ends the department's session, then removes its domain.
    let csrf = parent.csrf().await;
    let response = parent
        .post_form(
            "/admin/sessions/revoke",
            &[("csrf", &csrf), ("session", &rogue_session)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let rogue = AdminClient::sign_in(&app, &upstreams, "dept.contoso.com").await;
    let response = parent
        .post_form(
            "/admin/domains/revoke",
            &[("csrf", &csrf), ("domain", "dept.contoso.com")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        rogue.get("/admin/settings").await.status(),
        StatusCode::SEE_OTHER,
        "signed out at once"
    );

    // Both removals are on record: who, what, when.
    let records = app.store.revocations(contoso(), 10).await.unwrap();
    let kinds: Vec<_> = records
        .iter()
        .map(|r| (r.kind, r.domain.as_str(), r.revoked_by.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (RevocationKind::Domain, "dept.contoso.com", "contoso.com"),
            (RevocationKind::Session, "dept.contoso.com", "contoso.com"),
        ]
    );
    assert!(
        records
            .iter()
            .all(|r| r.revoked_by_session == parent_session)
    );
    assert_eq!(
        records[1].session_public_id.as_deref(),
        Some(rogue_session.as_str())
    );
    let (_, overview) = parent.get_text("/admin").await;
    let listed = text_of(&overview, "#admin-revocations").expect("the removals are listed");
    assert!(
        listed.contains("the admin of contoso.com removed dept.contoso.com"),
        "{listed}"
    );
    assert!(
        listed.contains(&format!(
            "the admin of contoso.com ended a session signed in with dept.contoso.com (session \
             {rogue_session})"
        )),
        "{listed}"
    );

    // What was issued before the removal is void: the spare challenge and the operator's link.
    publish_record(&upstreams, "dept.contoso.com", &spare_value);
    let (status, page) = read(spare.check_dns("dept.contoso.com").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(alert(&page).starts_with("This browser has no challenge for dept.contoso.com"));
    let browser = AdminClient::new(&app);
    let (status, _) = browser.get_text(&link_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the link was withdrawn");

    // Proving the domain (or one below it) again does not undo the removal: it waits.
    for domain in ["dept.contoso.com", "eu.dept.contoso.com"] {
        let again = AdminClient::new(&app);
        let value = again.start_challenge(domain).await;
        publish_record(&upstreams, domain, &value);
        let response = again.check_dns(domain).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{domain}");
        let (status, page) = again.get_text("/admin/settings").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{domain}: {page}");
        let grant = app
            .store
            .verified_domains(contoso())
            .await
            .unwrap()
            .into_iter()
            .find(|grant| grant.domain == domain)
            .unwrap();
        assert_eq!(grant.status, GrantStatus::Pending, "{domain}");
    }
    assert!(scope_settings(&app, "dept.contoso.com").await.is_none());
    app.stop().await;
}
both_backends!(
    removals_stick,
    a_removed_domain_stays_removed_and_the_removal_is_recorded
);

async fn only_an_admin_of_a_whole_registered_domain_approves_a_sibling(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    // A department's admin is the tenant's first; a sibling domain then waits.
    let dept = AdminClient::sign_in(&app, &upstreams, "dept.contoso.com").await;
    let sibling = AdminClient::sign_in(&app, &upstreams, "contoso.net").await;
    let (_, waiting) = sibling.get_text("/admin").await;
    assert!(
        !waiting.contains("<strong>dept.contoso.com</strong>"),
        "a department's admin is not named as an approver: {waiting}"
    );
    let (_, overview) = dept.get_text("/admin").await;
    assert!(
        !overview.contains("action=\"/admin/domains/approve\""),
        "no approve button for a department's admin"
    );
    // Let in by a department's admin? Refused, with the reason, and nothing changes.
    let csrf = dept.csrf().await;
    for path in ["/admin/domains/approve", "/admin/domains/refuse"] {
        let (status, page) = read(
            dept.post_form(path, &[("csrf", &csrf), ("domain", "contoso.net")])
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(
            lead(&page),
            "You proved control of dept.contoso.com, a subdomain: only an admin of one of your \
             tenant's top-level domains (such as contoso.com) can approve or refuse another \
             domain.",
            "{path}"
        );
    }
    let status_of = |grants: Vec<authwalk::store::models::VerifiedDomain>, domain: &str| {
        grants
            .into_iter()
            .find(|grant| grant.domain == domain)
            .map(|grant| grant.status)
    };
    assert_eq!(
        status_of(
            app.store.verified_domains(contoso()).await.unwrap(),
            "contoso.net"
        ),
        Some(GrantStatus::Pending)
    );
    assert_eq!(sibling.get("/admin/settings").await.status(), 403);

    // The registered domain's admin may.
    let parent = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let parent_csrf = parent.csrf().await;
    let response = parent
        .post_form(
            "/admin/domains/approve",
            &[("csrf", &parent_csrf), ("domain", "contoso.net")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(sibling.get("/admin/settings").await.status(), 200);
    app.stop().await;
}
both_backends!(
    approvals_by_top_level_admins,
    only_an_admin_of_a_whole_registered_domain_approves_a_sibling
);

async fn a_form_loaded_before_a_removal_never_overwrites_what_came_after(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let other = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let response = save_helpdesk_phone(&admin, "", "+1 425 555 0100").await;
    assert_eq!(response.status(), 200);
    // The first admin leaves a form open at this version.
    let (_, stale_page) = admin.get_text("/admin/settings").await;
    let stale = settings_fields(&stale_page, &[("helpdesk_phone", "+1 900 555 0666")]);
    let loaded = contoso_settings(&app).await.unwrap().version;

    // Meanwhile the other admin removes the settings and saves new ones.
    let csrf = other.csrf().await;
    let response = other
        .post_form(
            "/admin/settings/remove",
            &[("csrf", &csrf), ("version", &loaded.to_string())],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = save_helpdesk_phone(&other, "", "+1 425 555 0199").await;
    assert_eq!(response.status(), 200);
    let fresh = contoso_settings(&app).await.unwrap();
    assert!(
        fresh.version > loaded,
        "versions only grow: {} after {loaded}",
        fresh.version
    );

    // The stale form is refused (409), nothing overwritten.
    let response = post_fields(&admin, "/admin/settings", &stale).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let kept = contoso_settings(&app).await.unwrap();
    assert_eq!(kept.helpdesk_phone.as_deref(), Some("+1 425 555 0199"));
    assert_eq!(kept.version, fresh.version);
    app.stop().await;
}
both_backends!(
    versions_never_repeat,
    a_form_loaded_before_a_removal_never_overwrites_what_came_after
);

/// Save only the short link of `scope` (empty: the session's own); the response.
async fn save_slug(admin: &AdminClient, scope: &str, slug: &str) -> (StatusCode, String) {
    let path = if scope.is_empty() {
        "/admin/settings".to_owned()
    } else {
        format!("/admin/settings?scope={scope}")
    };
    let version = admin.settings_version(&path).await;
    let csrf = admin.csrf().await;
    read(
        admin
            .post_form(
                "/admin/settings",
                &[
                    ("csrf", &csrf),
                    ("scope", scope),
                    ("version", &version),
                    ("short_slug", slug),
                ],
            )
            .await,
    )
    .await
}

async fn short_links_are_only_the_names_a_tenant_registered(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let parent = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    // A tenant can add any subdomain of its own domain: its name is borrowed, never its own.
    let borrowed = AdminClient::sign_in(&app, &upstreams, "fabrikam.contoso.com").await;
    let (status, page) = save_slug(&borrowed, "", "fabrikam").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text_of(&page, "#short_slug-error")
            .unwrap_or_default()
            .contains("“fabrikam” isn't. Choose one of “contoso”, “contoso-fabrikam”."),
        "{page}"
    );
    // Reserved words are refused whatever the case.
    for slug in ["Microsoft", "PASSKEYS", "mysignins"] {
        let (status, page) = save_slug(&parent, "", slug).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{slug}");
        assert!(
            text_of(&page, "#short_slug-error")
                .unwrap_or_default()
                .contains("is reserved"),
            "{slug}: {page}"
        );
    }
    // The registered name, and the registered name with a subdomain, in any case.
    let (status, _) = save_slug(&borrowed, "", "Contoso-Fabrikam").await;
    assert_eq!(status, StatusCode::OK);
    let response = app.get("/go/CONTOSO-FABRIKAM").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/t/fabrikam.contoso.com"
    );
    // Another tenant cannot take it, nor its own name from another tenant.
    let fabrikam = AdminClient::sign_in(&app, &upstreams, "fabrikam.com").await;
    let (status, _) = save_slug(&fabrikam, "", "contoso-fabrikam").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = save_slug(&fabrikam, "", "fabrikam").await;
    assert_eq!(status, StatusCode::OK, "Fabrikam's own registered name");

    // A removed domain takes its name with it: the link no longer leads anywhere.
    let csrf = parent.csrf().await;
    let response = parent
        .post_form(
            "/admin/domains/revoke",
            &[("csrf", &csrf), ("domain", "fabrikam.contoso.com")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/go/contoso-fabrikam").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/go/fabrikam").await.status(),
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}
both_backends!(
    short_links_are_registered_names,
    short_links_are_only_the_names_a_tenant_registered
);

async fn no_network_or_admin_can_use_up_anothers_allowance(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.trusted_proxies = Some("127.0.0.1/32".into());
        config.challenge_rate = "10/h burst 2".into();
        config.challenge_domain_rate = "30/h burst 4".into();
        config.admin_save_rate = "60/h burst 2".into();
    })
    .await
    else {
        return;
    };
    // One client with an IPv6 /48 asks from /64 after /64: it is one client, and its share ends.
    for n in 0..6 {
        let browser = AdminClient::at_address(&app, &format!("2001:db8:5:{n:x}::1"));
        let (status, page) = post_challenge(&browser, "contoso.com").await;
        if n < 2 {
            assert_eq!(status, StatusCode::OK, "/64 number {n}: {page}");
        } else {
            rate_limited(status, &page, &format!("/64 number {n}"));
        }
    }
    // The domain's allowance is left for its real admin.
    let admin = AdminClient::at_address(&app, "198.51.100.20");
    let (status, page) = post_challenge(&admin, "contoso.com").await;
    assert_eq!(status, StatusCode::OK, "{page}");

    // Admin writes are limited per proven domain: a department's admin who saves and saves is
    // told to wait, with the typed form kept; the parent's admin is not held up by it.
    let parent = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let dept = AdminClient::sign_in(&app, &upstreams, "dept.contoso.com").await;
    for phone in ["+1 425 555 0101", "+1 425 555 0102"] {
        let response = save_helpdesk_phone(&dept, "", phone).await;
        assert_eq!(response.status(), StatusCode::OK, "{phone}");
    }
    let response = save_helpdesk_phone(&dept, "", "+1 425 555 0103").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let page = response.text().await.unwrap();
    assert!(alert(&page).starts_with("Nothing was saved: your company's admins have saved"));
    assert_eq!(
        input_value(&page, "#helpdesk_phone").as_deref(),
        Some("+1 425 555 0103"),
        "the typed form is kept"
    );
    assert_eq!(
        scope_settings(&app, "dept.contoso.com")
            .await
            .unwrap()
            .helpdesk_phone
            .as_deref(),
        Some("+1 425 555 0102")
    );
    let response = save_helpdesk_phone(&parent, "", "+1 425 555 0100").await;
    assert_eq!(response.status(), StatusCode::OK);
    let csrf = parent.csrf().await;
    let response = parent
        .post_form(
            "/admin/domains/revoke",
            &[("csrf", &csrf), ("domain", "dept.contoso.com")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    app.stop().await;
}
both_backends!(
    allowances_are_not_shared_with_an_attacker,
    no_network_or_admin_can_use_up_anothers_allowance
);

/// Send `head` and the first part of a body over a raw connection to `app`, never the rest;
/// the status line answered within 5 s, if any (an upload judged before its bytes are read is
/// answered while the client is still sending).
async fn answer_before_the_body_ends(app: &TestApp, head: String, start: &[u8]) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(start).await.unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !answer.windows(2).any(|pair| pair == b"\r\n") {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(read)) if read > 0 => answer.extend_from_slice(&buffer[..read]),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.lines().next().map(str::to_owned)
}

/// The head of a multipart upload of `length` bytes with `cookies`, as the admin's browser sends it.
fn upload_head(app: &TestApp, cookies: &str, length: usize) -> String {
    let origin = app.url("");
    let origin = origin.trim_end_matches('/');
    format!(
        "POST /admin/logo HTTP/1.1\r\nHost: {}\r\nOrigin: {origin}\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary=b0undary\r\nContent-Length: {length}\r\n\r\n",
        app.addr
    )
}

/// The multipart body up to the first bytes of the file, with this CSRF token.
fn upload_start(csrf: &str) -> Vec<u8> {
    let mut body = format!(
        "--b0undary\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --b0undary\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"x.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&[0x89; 64 * 1024]);
    body
}

async fn an_upload_is_judged_before_its_bytes_are_read(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.logo_upload_rate = "1/h burst 1".into();
    })
    .await
    else {
        return;
    };
    images::warm_up();
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let cookies = admin.cookie_header();
    let length = 4 * 1024 * 1024;
    // A forged token: refused while the file is still arriving.
    let status = answer_before_the_body_ends(
        &app,
        upload_head(&app, &cookies, length),
        &upload_start("forged"),
    )
    .await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 403 Forbidden"));
    // Over the tenant's upload rate: refused (429) before the file is read.
    let logo = images::banner(400, 100, [0x6B, 0x2F, 0xA0]).png();
    let response = admin.upload_logo(&csrf, "logo.png", &logo).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "the one allowed upload"
    );
    let status = answer_before_the_body_ends(
        &app,
        upload_head(&app, &cookies, length),
        &upload_start(&csrf),
    )
    .await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 429 Too Many Requests"));
    // A stranger announcing an oversized upload is refused at once: nothing of it is read.
    let status = answer_before_the_body_ends(
        &app,
        upload_head(&app, "", 12 * 1024 * 1024),
        &upload_start("x"),
    )
    .await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 413 Payload Too Large"));
    app.stop().await;
}
both_backends!(
    uploads_judged_before_read,
    an_upload_is_judged_before_its_bytes_are_read
);

async fn a_tenant_holds_a_bounded_number_of_scopes(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let csrf = admin.csrf().await;
    let save = |scope: String| {
        let admin = admin.clone();
        let csrf = csrf.clone();
        async move {
            admin
                .post_form(
                    "/admin/settings",
                    &[
                        ("csrf", &csrf),
                        ("scope", &scope),
                        ("version", "0"),
                        ("helpdesk_phone", "+1 425 555 0100"),
                    ],
                )
                .await
                .status()
        }
    };
    let max = authwalk::admin::scopes::MAX_SCOPES_PER_TENANT;
    for n in 0..max {
        assert_eq!(
            save(format!("s{n}.contoso.com")).await,
            StatusCode::OK,
            "{n}"
        );
    }
    // Any subdomain is within the admin's rights, but not without bound.
    let rows = rows_in(&app, "tenant_settings").await;
    let response = admin
        .post_form(
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("scope", "one-too-many.contoso.com"),
                ("version", "0"),
                ("helpdesk_phone", "+1 425 555 0100"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let page = response.text().await.unwrap();
    assert!(
        alert(&page).starts_with(&format!(
            "Your tenant already has its own settings for {max} domains"
        )),
        "{page}"
    );
    assert_eq!(
        input_value(&page, "#helpdesk_phone").as_deref(),
        Some("+1 425 555 0100"),
        "the typed form is kept"
    );
    assert_eq!(
        rows_in(&app, "tenant_settings").await,
        rows,
        "nothing stored"
    );
    let logo = images::banner(400, 100, [0x6B, 0x2F, 0xA0]).png();
    let (status, _) = read(
        admin
            .upload_logo_to(&csrf, "another.contoso.com", "logo.png", &logo)
            .await,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a logo makes no new scope either"
    );
    assert_eq!(rows_in(&app, "tenant_settings").await, rows);
    app.stop().await;
}
both_backends!(bounded_scopes, a_tenant_holds_a_bounded_number_of_scopes);

async fn text_stored_before_todays_rules_is_cleaned_when_shown(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    // Rows written before invisible characters were removed on save, and before the helpdesk
    // email had to be a plain address.
    let rlo = '\u{202E}';
    let saved = app
        .store
        .save_scope_settings(
            contoso(),
            "contoso.com",
            0,
            &authwalk::store::models::SettingsUpdate {
                brand_color: None,
                passkey_policy: "authenticator_only".into(),
                helpdesk_email: Some("help@contoso.com?subject=Send%20your%20password".into()),
                helpdesk_phone: Some(format!("+1 425 555 0100{rlo}")),
                helpdesk_url: Some(format!("https://help.contoso.com/{rlo}moc.live")),
                intro_message: Some(format!("Call {rlo}0010 555 524 1+ now")),
                short_slug: None,
            },
        )
        .await
        .unwrap();
    assert!(matches!(
        saved,
        authwalk::store::models::SettingsSaved::Saved(_)
    ));
    app.state.customizations.invalidate(contoso()).await;
    let page = tenant_page(&app, "contoso.com").await;
    assert!(!page.contains(rlo), "no bidi override reaches the page");
    assert!(page.contains("Call 0010 555 524 1+ now"), "{page}");
    assert!(page.contains("+1 425 555 0100"));
    assert!(
        !page.contains("subject="),
        "an email with a subject is not shown"
    );
    let (_, form) = admin.get_text("/admin/settings").await;
    assert!(!form.contains(rlo), "nor the admin's form");

    // Microsoft's sign-in text stored before it was cleaned on arrival: cleaned when shown.
    execute(
        &app,
        &[&format!(
            "UPDATE brandings SET sign_in_text = 'Sign in {rlo}drowssap ruoy{rlo} here'"
        )],
    )
    .await;
    let (database, raw) = app.stop_keeping_database().await;
    let app = TestApp::start(raw, database).await;
    let (status, json) = app.get_json("/api/v1/tenants/contoso.com").await;
    assert_eq!(status, 200);
    let text = json["branding"]["sign_in_text"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(text, "Sign in drowssap ruoy here");
    app.stop().await;
}
both_backends!(
    cleaned_when_shown,
    text_stored_before_todays_rules_is_cleaned_when_shown
);

async fn behind_https_leftover_unprefixed_cookies_are_deleted(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = TestApp::spawn_wired(backend, &upstreams, |config| {
        config.public_url = Some("https://walk.example.test".into());
    })
    .await
    else {
        return;
    };
    let response = app
        .client
        .get(app.url("/admin"))
        .header(
            header::COOKIE,
            "authwalk_admin=planted; authwalk_admin_browser=old; unrelated=1",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let set: Vec<String> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect();
    for name in ["authwalk_admin", "authwalk_admin_browser"] {
        for path in ["/admin", "/"] {
            let deletion =
                format!("{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
            assert!(set.contains(&deletion), "{deletion} in {set:?}");
        }
    }
    assert!(
        !set.iter().any(|cookie| cookie.starts_with("unrelated=")),
        "only admin cookies are touched"
    );
    app.stop().await;
}
both_backends!(
    unprefixed_cookies_deleted,
    behind_https_leftover_unprefixed_cookies_are_deleted
);

async fn a_tenant_holds_a_bounded_number_of_verified_domains(backend: Backend) {
    let upstreams = Upstreams::start().await;
    let Some(app) = spawn(backend, &upstreams).await else {
        return;
    };
    let admin = AdminClient::sign_in(&app, &upstreams, "contoso.com").await;
    let max = authwalk::admin::rights::MAX_DOMAINS_PER_TENANT;
    let statements: Vec<String> = (1..max)
        .map(|n| {
            format!(
                "INSERT INTO verified_domains (domain, tenant_id, method, status, verified_at, \
                 last_checked_at) VALUES ('d{n}.contoso.com', '{CONTOSO_TENANT}', 'dns_txt', \
                 'active', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
            )
        })
        .collect();
    let statements: Vec<&str> = statements.iter().map(String::as_str).collect();
    execute(&app, &statements).await;
    // One more domain of the tenant is proven, but not added; the challenge is not used up.
    let browser = AdminClient::new(&app);
    let value = browser.start_challenge("sales.contoso.com").await;
    publish_record(&upstreams, "sales.contoso.com", &value);
    let (status, page) = read(browser.check_dns("sales.contoso.com").await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        alert(&page).starts_with(&format!(
            "Your tenant already has {max} verified domains here"
        )),
        "{page}"
    );
    assert!(browser.cookie(SESSION_COOKIE).is_none());
    assert_eq!(
        app.store.verified_domains(contoso()).await.unwrap().len(),
        max
    );
    // A domain removed makes room, and the same record signs in.
    let csrf = admin.csrf().await;
    let response = admin
        .post_form(
            "/admin/domains/revoke",
            &[("csrf", &csrf), ("domain", "d1.contoso.com")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = browser.check_dns("sales.contoso.com").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    app.stop().await;
}
both_backends!(
    bounded_domains,
    a_tenant_holds_a_bounded_number_of_verified_domains
);
