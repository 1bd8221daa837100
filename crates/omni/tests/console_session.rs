//! The console's sign-in, session cookie and CSRF protection (issue 15),
//! over plain HTTP: what a browser sends, checked header by header.

mod common;

use common::TestServer;
use omni_core::PrincipalKind;

fn client() -> reqwest::Client {
    common::install_crypto();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A form body, as a browser encodes it.
fn form(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The value of the hidden `csrf` input of a page.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap_or_default().to_string()
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// Posts `token` on the sign-in form as a browser would: with the form's
/// cookie and CSRF value. Returns the answer.
async fn sign_in(s: &TestServer, c: &reqwest::Client, token: &str) -> reqwest::Response {
    let page = c.get(s.url("/console/sign-in")).send().await.expect("page");
    let form_cookie = cookie(&page, "omni_console_sign_in").expect("form cookie");
    let csrf = csrf_of(&page.text().await.expect("text"));
    c.post(s.url("/console/sign-in"))
        .header("cookie", form_cookie.split(';').next().unwrap_or(""))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", token), ("csrf", csrf.as_str())]))
        .send()
        .await
        .expect("sign in")
}

/// The session cookie (`name=value`) after signing in with `token`.
async fn session(s: &TestServer, c: &reqwest::Client, token: &str) -> String {
    let answer = sign_in(s, c, token).await;
    assert_eq!(answer.status(), 303);
    let set = cookie(&answer, "omni_console").expect("session cookie");
    set.split(';').next().unwrap_or("").to_string()
}

#[tokio::test]
async fn a_token_signs_in_to_a_sealed_strict_http_only_session() {
    let s = TestServer::start().await;
    let c = client();
    let token = s.token(PrincipalKind::User, &["care.ops"], "default");
    let answer = sign_in(&s, &c, &token).await;
    assert_eq!(answer.status(), 303);
    assert_eq!(answer.headers()["location"], "/console");
    let set = cookie(&answer, "omni_console").expect("session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(set.contains(flag), "{flag} missing: {set}");
    }
    // Sealed: the token itself is not readable in the cookie.
    assert!(!set.contains(&token[..20]), "{set}");
    assert!(set.starts_with("omni_console=enc:v1:"), "{set}");
    assert!(!set.contains("Secure"), "plain http: {set}");

    let jar = set.split(';').next().unwrap_or("").to_string();
    let home = c
        .get(s.url("/console"))
        .header("cookie", &jar)
        .send()
        .await
        .expect("home");
    assert_eq!(home.status(), 200);
    for header in ["content-security-policy", "x-frame-options"] {
        assert!(home.headers().contains_key(header), "{header}");
    }
    assert_eq!(home.headers()["cache-control"], "no-store");
    let text = home.text().await.expect("text");
    assert!(
        text.contains("<span id=\"signed-in-as\">user-subject</span>"),
        "{text}"
    );

    // A cookie in clear (a forged one holding a token) is no session.
    let forged = format!("omni_console={{\"token\":\"{token}\",\"csrf\":\"x\"}}");
    let refused = c
        .get(s.url("/console"))
        .header("cookie", forged)
        .send()
        .await
        .expect("home");
    assert_eq!(refused.status(), 303);
    assert_eq!(refused.headers()["location"], "/console/sign-in");
}

#[tokio::test]
async fn wrong_tokens_customers_and_foreign_forms_do_not_sign_in() {
    let s = TestServer::start().await;
    let c = client();

    let wrong = sign_in(&s, &c, "not-a-token").await;
    assert_eq!(wrong.status(), 401);
    assert!(cookie(&wrong, "omni_console").is_none());
    let text = wrong.text().await.expect("text");
    assert!(text.contains("id=\"token-error\""), "{text}");
    assert!(text.contains("aria-invalid=\"true\""), "{text}");

    let customer = s.token_for("cust-1001", PrincipalKind::Customer, &[], "default");
    let refused = sign_in(&s, &c, &customer).await;
    assert_eq!(refused.status(), 401);
    assert!(cookie(&refused, "omni_console").is_none());
    assert!(
        refused
            .text()
            .await
            .expect("text")
            .contains("Customer tokens cannot sign in")
    );

    // A sign-in form posted from elsewhere: no form cookie, or another value.
    let token = s.token(PrincipalKind::User, &["care.ops"], "default");
    let foreign = c
        .post(s.url("/console/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", token.as_str()), ("csrf", "guess")]))
        .send()
        .await
        .expect("post");
    assert_eq!(foreign.status(), 403);
    assert!(cookie(&foreign, "omni_console").is_none());
}

#[tokio::test]
async fn screens_need_their_roles_and_forms_need_the_sessions_csrf_value() {
    let s = TestServer::start().await;
    let c = client();

    // Not signed in: to the sign-in page.
    let away = c.get(s.url("/console/care")).send().await.expect("care");
    assert_eq!(away.status(), 303);
    assert_eq!(away.headers()["location"], "/console/sign-in");

    let jar = session(
        &s,
        &c,
        &s.token(PrincipalKind::User, &["care.ops"], "default"),
    )
    .await;
    for (path, needs) in [
        ("/console/customers", "order.ops, sc.ops"),
        (
            "/console/catalog",
            "catalog.admin, promotion.admin, tenant.admin",
        ),
        ("/console/operations", "events.admin, jobs.admin"),
        ("/console/dashboard", "events.admin, jobs.admin"),
    ] {
        let page = c
            .get(s.url(path))
            .header("cookie", &jar)
            .send()
            .await
            .expect(path);
        assert_eq!(page.status(), 403, "{path}");
        let text = page.text().await.expect("text");
        assert!(text.contains("<h1>Not allowed</h1>"), "{path}: {text}");
        assert!(text.contains(needs), "{path} names its roles: {text}");
    }
    let care = c
        .get(s.url("/console/care"))
        .header("cookie", &jar)
        .send()
        .await
        .expect("care");
    assert_eq!(care.status(), 200);
    let csrf = csrf_of(&care.text().await.expect("text"));

    // Sign-out is a form: without the session's value it is refused.
    let forged = c
        .post(s.url("/console/sign-out"))
        .header("cookie", &jar)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("csrf", "guess")]))
        .send()
        .await
        .expect("sign out");
    assert_eq!(forged.status(), 403);
    assert!(cookie(&forged, "omni_console").is_none());
    let out = c
        .post(s.url("/console/sign-out"))
        .header("cookie", &jar)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("csrf", csrf.as_str())]))
        .send()
        .await
        .expect("sign out");
    assert_eq!(out.status(), 303);
    assert!(
        cookie(&out, "omni_console")
            .expect("cleared")
            .contains("Max-Age=0")
    );
}

#[tokio::test]
async fn an_expired_token_ends_the_session() {
    // No leeway: the token is expired the moment its `exp` passes.
    let mut auth = omni_api::auth::AuthConfig::hs256(common::SECRET, "default");
    auth.leeway_secs = 0;
    let s = TestServer::start_with_auth(omni_api::auth::Auth::from_config(auth)).await;
    let c = client();
    let short = s.token_expiring_in(PrincipalKind::User, &["care.ops"], "default", 2);
    let jar = session(&s, &c, &short).await;
    let now = c
        .get(s.url("/console/care"))
        .header("cookie", &jar)
        .send()
        .await
        .expect("care");
    assert_eq!(now.status(), 200);
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let later = c
        .get(s.url("/console/care"))
        .header("cookie", &jar)
        .send()
        .await
        .expect("care");
    assert_eq!(later.status(), 303, "expired tokens sign the user out");
}
