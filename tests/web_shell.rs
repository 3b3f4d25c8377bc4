//! The web shell: pages, errors, headers, assets and probes, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod support;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use support::{Backend, TestApp};

fn assert_security_headers(path: &str, headers: &HeaderMap) {
    let csp = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{path}: no CSP"))
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
    assert_eq!(
        headers[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin",
        "{path}"
    );
    assert!(
        headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()"),
        "{path}"
    );
    assert!(
        headers.contains_key("x-request-id"),
        "{path}: no request id"
    );
    assert!(
        !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
        "{path}: HSTS on plain http"
    );
}

/// Every `/assets/…` URL a page references.
fn asset_urls(html: &str) -> Vec<String> {
    html.split('"')
        .filter(|piece| piece.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

async fn landing_page_offers_the_domain_form_and_the_guide(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(html.contains(r#"action="/t""#), "form posts to /t");
    assert!(html.contains(r#"name="domain""#));
    assert!(html.contains("<label"), "the field is labelled");
    for fact in ["17.4", "Android 14", "Samsung", "aka.ms/mysecurityinfo"] {
        assert!(html.contains(fact), "the guide mentions {fact}");
    }
    assert!(!html.contains("<script>"), "no inline script");
    assert!(
        !html.contains("style=\""),
        "no inline style (CSP forbids it)"
    );
    app.stop().await;
}
both_backends!(
    landing_page,
    landing_page_offers_the_domain_form_and_the_guide
);

async fn every_asset_a_page_references_is_served_immutable_with_etag(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let html = app.get("/").await.text().await.unwrap();
    let urls = asset_urls(&html);
    assert!(urls.len() >= 3, "css, js and icon: {urls:?}");
    for url in urls {
        assert_ne!(
            url, "/assets/missing",
            "a template names an asset that does not exist"
        );
        let response = app.get(&url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let etag = response.headers()[header::ETAG].clone();
        let revalidated = app
            .client
            .get(app.url(&url))
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED, "{url}");
        assert!(revalidated.bytes().await.unwrap().is_empty());
    }
    let css = app
        .get(
            &asset_urls(&html)
                .into_iter()
                .find(|u| u.ends_with(".css"))
                .unwrap(),
        )
        .await;
    assert_eq!(
        css.headers()[header::CONTENT_TYPE],
        "text/css; charset=utf-8"
    );
    assert_eq!(
        app.get("/assets/app.0000000000000000.css").await.status(),
        404
    );
    app.stop().await;
}
both_backends!(
    assets,
    every_asset_a_page_references_is_served_immutable_with_etag
);

async fn domain_form_redirects_to_the_canonical_tenant_page(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for (typed, canonical) in [
        ("Contoso.COM", "/t/contoso.com"),
        ("%20contoso.com.%20", "/t/contoso.com"),
        (
            "https%3A%2F%2Fwww.contoso.com%2Fcareers%3Fx%3D1",
            "/t/contoso.com",
        ),
        ("someone%40contoso.com", "/t/contoso.com"),
        ("b%C3%BCcher.de", "/t/xn--bcher-kva.de"),
    ] {
        let response = app.get(&format!("/t?domain={typed}")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{typed}");
        assert_eq!(response.headers()[header::LOCATION], canonical, "{typed}");
    }
    app.stop().await;
}
both_backends!(
    domain_form,
    domain_form_redirects_to_the_canonical_tenant_page
);

async fn bad_domain_reshows_the_form_with_a_reason_and_the_typed_value(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    for (typed, echoed) in [
        ("co.uk", "co.uk"),
        ("localhost", "localhost"),
        ("127.0.0.1", "127.0.0.1"),
        (
            "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "&#60;script&#62;alert(1)&#60;/script&#62;",
        ),
        ("", ""),
    ] {
        let response = app.get(&format!("/t?domain={typed}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{typed:?}");
        assert_security_headers("/t?domain=…", response.headers());
        let html = response.text().await.unwrap();
        assert!(
            html.contains(r#"role="alert""#),
            "{typed:?}: the reason is announced"
        );
        assert!(html.contains(r#"aria-invalid="true""#), "{typed:?}");
        assert!(
            html.contains(&format!(r#"value="{echoed}""#)),
            "{typed:?}: the typed value is kept"
        );
        assert!(!html.contains("<script>alert"), "typed text is escaped");
    }
    let missing = app.get("/t").await;
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}
both_backends!(
    bad_domain,
    bad_domain_reshows_the_form_with_a_reason_and_the_typed_value
);

async fn errors_are_pages_for_people_and_json_for_the_api(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let page = app.get("/no/such/page").await;
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(
        page.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("find that page"), "{html}");
    assert!(html.contains("404"));
    assert!(
        html.contains(r#"name="domain""#),
        "no dead end: the form is offered again"
    );

    let api = app.get("/api/v1/no-such-endpoint").await;
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert_eq!(api.headers()[header::CONTENT_TYPE], "application/json");
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
    assert!(body["message"].as_str().unwrap().len() > 10);

    let wrong_method = app.client.post(app.url("/")).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.text().await.unwrap().contains("<html"));
    app.stop().await;
}
both_backends!(errors, errors_are_pages_for_people_and_json_for_the_api);

async fn every_response_carries_the_security_headers(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let html = app.get("/").await.text().await.unwrap();
    let mut paths = vec![
        "/".to_owned(),
        "/t?domain=contoso.com".to_owned(),
        "/t?domain=com".to_owned(),
        "/nope".to_owned(),
        "/api/nope".to_owned(),
        "/healthz".to_owned(),
        "/readyz".to_owned(),
        "/assets/nope.css".to_owned(),
    ];
    paths.extend(asset_urls(&html));
    for path in &paths {
        let response = app.get(path).await;
        assert_security_headers(path, response.headers());
    }
    let post = app.client.post(app.url("/healthz")).send().await.unwrap();
    assert_security_headers("POST /healthz", post.headers());
    let too_big = app
        .client
        .post(app.url("/t"))
        .body(vec![b'x'; 200 * 1024])
        .send()
        .await
        .unwrap();
    assert_security_headers("POST /t (too big)", too_big.headers());
    app.stop().await;
}
both_backends!(
    security_headers,
    every_response_carries_the_security_headers
);

async fn request_ids_are_generated_or_propagated(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let propagated = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(propagated.headers()["x-request-id"], "trace-me-123");
    app.stop().await;
}
both_backends!(request_ids, request_ids_are_generated_or_propagated);

async fn probes_report_liveness_and_readiness(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert_eq!(health.text().await.unwrap(), "ok\n");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready\n");
    app.stop().await;
}
both_backends!(probes, probes_report_liveness_and_readiness);

async fn pages_are_compressed_when_the_client_accepts_it(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let response = app
        .client
        .get(app.url("/"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    app.stop().await;
}
both_backends!(compression, pages_are_compressed_when_the_client_accepts_it);
