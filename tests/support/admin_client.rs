//! A small browser for the admin pages: keeps cookies, sends `Origin` on form posts as browsers
//! do, reads CSRF fields, and signs in through the DNS challenge against the fake DNS server.
//! Two of them are two browsers (two cookie jars).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::header;
use reqwest::{RequestBuilder, Response, StatusCode};
use scraper::{Html, Selector};

use super::fake_dns::FakeRecord;
use super::{TestApp, Upstreams};

/// The session cookie the admin pages set.
pub const SESSION_COOKIE: &str = "authwalk_admin";
/// The cookie that carries the CSRF token before a session exists (sign-in forms).
pub const PRE_SESSION_CSRF_COOKIE: &str = "authwalk_admin_csrf";
/// The cookie that holds the browser's secret its DNS challenges are bound to.
pub const BROWSER_COOKIE: &str = "authwalk_admin_browser";
/// The prefix of every admin cookie behind an https public URL.
pub const HOST_PREFIX: &str = "__Host-";

/// A browser on one app.
#[derive(Clone)]
pub struct AdminClient {
    base: String,
    client: reqwest::Client,
    cookies: Arc<Mutex<HashMap<String, String>>>,
    /// The client address claimed in `X-Forwarded-For` (for an app that trusts loopback as
    /// its proxy), so that one test can be several clients.
    forwarded_for: Option<String>,
}

impl AdminClient {
    /// A browser with no cookies on `app`.
    pub fn new(app: &TestApp) -> Self {
        Self {
            base: app.url(""),
            client: app.client.clone(),
            cookies: Arc::default(),
            forwarded_for: None,
        }
    }

    /// A browser with no cookies on `app`, behind the client address `ip` (the app must trust
    /// 127.0.0.1 as a proxy: `AUTHWALK_TRUSTED_PROXIES`).
    pub fn at_address(app: &TestApp, ip: &str) -> Self {
        Self {
            forwarded_for: Some(ip.to_owned()),
            ..Self::new(app)
        }
    }

    fn with_address(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.forwarded_for {
            Some(ip) => request.header("x-forwarded-for", ip),
            None => request,
        }
    }

    /// The value of cookie `name` (or of `__Host-{name}`), if set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let cookies = self
            .cookies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cookies
            .get(name)
            .or_else(|| cookies.get(&format!("{HOST_PREFIX}{name}")))
            .cloned()
    }

    /// Every cookie this browser holds, by name.
    pub fn cookies(&self) -> HashMap<String, String> {
        self.cookies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, response: &Response) {
        let mut cookies = self
            .cookies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for value in response.headers().get_all(header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if attributes.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// `GET path` with the cookies.
    pub async fn get(&self, path: &str) -> Response {
        let request = self
            .client
            .get(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookie_header());
        let response = self.with_address(request).send().await.expect("GET");
        self.keep_cookies(&response);
        response
    }

    /// `GET path`: status and body.
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        (response.status(), response.text().await.expect("body"))
    }

    /// A `POST path` with the cookies and a same-origin `Origin`, to finish and [`Self::send`].
    pub fn post(&self, path: &str) -> RequestBuilder {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookie_header())
            .header(header::ORIGIN, self.base.trim_end_matches('/'));
        self.with_address(request)
    }

    /// A `POST path` with the cookies and this `Origin` (none when `None`), as another site's
    /// form or a script would send it.
    pub fn post_from(&self, path: &str, origin: Option<&str>) -> RequestBuilder {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(header::COOKIE, self.cookie_header());
        match origin {
            Some(origin) => request.header(header::ORIGIN, origin),
            None => request,
        }
    }

    /// Send a request built by [`Self::post`], keeping the cookies it sets.
    pub async fn send(&self, request: RequestBuilder) -> Response {
        let response = request.send().await.expect("POST");
        self.keep_cookies(&response);
        response
    }

    /// `POST path` with a URL-encoded form of `fields` (sent in this order, repeats kept).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            self.post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// `POST /admin/logo`: upload `bytes` as the logo file `filename` (multipart, by hand).
    pub async fn upload_logo(&self, csrf: &str, filename: &str, bytes: &[u8]) -> Response {
        self.upload_logo_to(csrf, "", filename, bytes).await
    }

    /// `POST /admin/logo` for the pages of `scope` (empty: the session's own domain).
    pub async fn upload_logo_to(
        &self,
        csrf: &str,
        scope: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Response {
        let boundary = "authwalk-adversary-boundary-4c1e";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"scope\"\r\n\r\n{scope}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; \
             filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            self.post("/admin/logo")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
        .await
    }

    /// The CSRF token of the signed-in session, read from the settings form.
    pub async fn csrf(&self) -> String {
        let (status, page) = self.get_text("/admin/settings").await;
        assert_eq!(status, 200, "the settings page: {page}");
        input_value(&page, "input[name=csrf]").expect("a CSRF field")
    }

    /// The version the settings form of `path` (`/admin/settings?scope=…`) is loaded at.
    pub async fn settings_version(&self, path: &str) -> String {
        let (status, page) = self.get_text(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        input_value(
            &page,
            "form[action=\"/admin/settings\"] input[name=version]",
        )
        .expect("a version field")
    }

    /// The hash of the preview the logo page of `path` shows (what "Publish" names).
    pub async fn previewed_logo(&self, path: &str) -> String {
        let (status, page) = self.get_text(path).await;
        assert_eq!(status, 200, "{path}: {page}");
        input_value(
            &page,
            "form[action=\"/admin/logo/publish\"] input[name=logo]",
        )
        .expect("a preview to publish")
    }

    /// Start a DNS challenge for `domain`; the TXT value the page shows.
    pub async fn start_challenge(&self, domain: &str) -> String {
        let (status, page) = self.get_text("/admin").await;
        assert_eq!(status, 200, "{page}");
        let csrf = input_value(&page, "form[action=\"/admin/challenge\"] input[name=csrf]")
            .expect("a CSRF field in the challenge form");
        let response = self
            .post_form("/admin/challenge", &[("csrf", &csrf), ("domain", domain)])
            .await;
        let status = response.status();
        let page = response.text().await.expect("body");
        assert_eq!(status, 200, "{page}");
        input_value(&page, "#record-value").expect("the record value")
    }

    /// Press "Check DNS" for `domain`.
    pub async fn check_dns(&self, domain: &str) -> Response {
        let csrf = self
            .cookie(PRE_SESSION_CSRF_COOKIE)
            .expect("the sign-in CSRF cookie");
        self.post_form("/admin/verify", &[("csrf", &csrf), ("domain", domain)])
            .await
    }

    /// Sign in as the admin of `domain`'s tenant through the DNS challenge (the record replaces
    /// any earlier one at the challenge name).
    pub async fn sign_in(app: &TestApp, upstreams: &Upstreams, domain: &str) -> Self {
        let browser = Self::new(app);
        let value = browser.start_challenge(domain).await;
        let name = format!("_authwalk-challenge.{domain}");
        upstreams.dns.remove(&name);
        upstreams.dns.add(&name, FakeRecord::Txt(value));
        let response = browser.check_dns(domain).await;
        assert_eq!(response.status(), 303, "{:?}", response.text().await);
        assert!(browser.cookie(SESSION_COOKIE).is_some(), "a session cookie");
        browser
    }
}

/// The `value` attribute of the first element matching `selector`.
pub fn input_value(page: &str, selector: &str) -> Option<String> {
    let document = Html::parse_document(page);
    let selector = Selector::parse(selector).ok()?;
    document
        .select(&selector)
        .next()
        .and_then(|element| element.value().attr("value").map(str::to_owned))
}

/// The text of the first element matching `selector`.
pub fn text_of(page: &str, selector: &str) -> Option<String> {
    let document = Html::parse_document(page);
    let selector = Selector::parse(selector).ok()?;
    document
        .select(&selector)
        .next()
        .map(|element| element.text().collect::<String>())
}
