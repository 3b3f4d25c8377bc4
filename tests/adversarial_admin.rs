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
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use reqwest::header;
use reqwest::{Response, StatusCode};
use uuid::Uuid;

use authwalk::store::models::TenantSettingsRecord;
use support::admin_client::{AdminClient, input_value, text_of};
use support::fake_microsoft::CONTOSO_TENANT;
use support::fake_web::{HTML_AS_IMAGE, images};
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
