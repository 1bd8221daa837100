//! The Omni Console in a real Chromium (issue 15), journey 5: who may not
//! use a screen is kept out of it. A user without a screen's roles gets the
//! refusal page naming them, a wrong or customer token does not sign in, and
//! signing out ends the session. The sign-in and refusal pages pass axe-core
//! at 1280×800 and at 390×844.

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::{SECRET, TestServer};
use futures_util::FutureExt;
use omni_api::auth::{Auth, Claims};
use omni_core::PrincipalKind;
use std::panic::AssertUnwindSafe;

/// Each screen of the console and the roles that open it (any one does).
const SCREENS: [(&str, &[&str]); 5] = [
    ("/console/customers", &["order.ops", "sc.ops"]),
    ("/console/care", &["care.ops"]),
    (
        "/console/catalog",
        &["catalog.admin", "promotion.admin", "tenant.admin"],
    ),
    ("/console/operations", &["events.admin", "jobs.admin"]),
    ("/console/dashboard", &["events.admin", "jobs.admin"]),
];

const SIGN_IN: &str = "/console/sign-in";

/// The console's links to its screens.
const NAV_LINKS: &str = "nav[aria-label='Console'] a";

/// Checks that the page now shown is `screen`'s refusal: status 403, in
/// place (no redirect), naming every role that would open it.
async fn assert_refused(b: &Browser, screen: &str, roles: &[&str]) {
    assert_eq!(b.path().await, screen, "the refusal is shown at {screen}");
    assert_eq!(b.status().await, 403, "the status of {screen}");
    assert_eq!(b.text("h1").await, "Not allowed", "the heading of {screen}");
    let refusal = b.text("#refusal").await;
    for role in roles {
        assert!(
            refusal.contains(role),
            "the refusal at {screen} names {role}: {refusal:?}"
        );
    }
}

/// Checks that no session is open: the console sends the browser to sign in.
async fn assert_signed_out(b: &Browser) {
    b.goto("/console").await;
    assert_eq!(b.path().await, SIGN_IN, "/console without a session");
}

/// A token of the right form whose signature or dates the server must refuse.
fn foreign_token(secret: &[u8], issued_ago: i64, lifetime: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    Auth::new(secret, "default")
        .mint(&Claims {
            sub: "intruder".into(),
            kind: PrincipalKind::User,
            roles: vec!["events.admin".into(), "care.ops".into()],
            tenant: "default".into(),
            client_id: None,
            iat: now - issued_ago,
            exp: now - issued_ago + lifetime,
        })
        .expect("mint")
}

#[tokio::test]
async fn a_user_without_the_roles_is_refused_each_screen() {
    let s = TestServer::start().await;
    let clerk = s.token_for("clerk-1", PrincipalKind::User, &["order.view"], "default");
    browser::journey(&s, |b| async move {
        b.sign_in(&clerk).await;
        assert_eq!(b.text("h1").await, "Omni Console");
        assert_eq!(
            b.attrs(NAV_LINKS, "href").await,
            Vec::<String>::new(),
            "no screen is offered to a user without the roles"
        );
        for (screen, roles) in SCREENS {
            b.goto(screen).await;
            assert_refused(&b, screen, roles).await;
        }
        b.assert_accessible_at_1280_and_390().await;
    })
    .await;
}

#[tokio::test]
async fn a_care_agent_opens_care_and_is_refused_the_other_screens() {
    let s = TestServer::start().await;
    let agent = s.token_for("agent-7", PrincipalKind::User, &["care.ops"], "default");
    browser::journey(&s, |b| async move {
        b.sign_in(&agent).await;
        assert_eq!(
            b.attrs(NAV_LINKS, "href").await,
            vec!["/console/care".to_string()],
            "the navigation offers the screens the roles open, and only those"
        );
        b.goto("/console/care").await;
        assert_eq!(b.path().await, "/console/care");
        assert_eq!(b.status().await, 200, "care.ops opens /console/care");
        assert!(!b.exists("#refusal").await, "care.ops opens /console/care");
        for (screen, roles) in SCREENS {
            if screen != "/console/care" {
                b.goto(screen).await;
                assert_refused(&b, screen, roles).await;
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_visitor_without_a_session_is_sent_to_sign_in() {
    let s = TestServer::start().await;
    browser::journey(&s, |b| async move {
        for screen in std::iter::once("/console").chain(SCREENS.map(|(screen, _)| screen)) {
            b.goto(screen).await;
            assert_eq!(b.path().await, SIGN_IN, "{screen} without a session");
        }
        assert_eq!(b.status().await, 200);
        assert_eq!(
            b.attrs("#sign-in", "method").await,
            vec!["post".to_string()]
        );
        assert_eq!(
            b.attrs("#sign-in", "action").await,
            vec![SIGN_IN.to_string()]
        );
        assert!(b.exists("#sign-in textarea#token[name=token]").await);
        assert!(
            b.exists("#sign-in input[type=hidden][name=csrf]").await,
            "the sign-in form carries its CSRF token"
        );
        b.assert_accessible_at_1280_and_390().await;
    })
    .await;
}

#[tokio::test]
async fn a_wrong_token_cannot_sign_in() {
    let s = TestServer::start().await;
    let wrong = [
        ("text that is no token", "not a token".to_string()),
        (
            "a token signed with another key",
            foreign_token(b"another-secret", 0, 3600),
        ),
        ("an expired token", foreign_token(SECRET, 7200, 3600)),
    ];
    browser::journey(&s, |b| async move {
        for (what, token) in &wrong {
            let error = b.sign_in_refused(token).await;
            assert!(!error.is_empty(), "{what}: the error says why");
            assert_eq!(b.status().await, 401, "{what}");
            assert_eq!(
                b.attrs("#token-error", "role").await,
                vec!["alert".to_string()],
                "{what}: the error is announced"
            );
            assert!(
                b.exists("#sign-in #token").await,
                "{what}: the form is shown again"
            );
        }
        b.assert_accessible_at_1280_and_390().await;
        assert_signed_out(&b).await;
    })
    .await;
}

#[tokio::test]
async fn a_customer_token_cannot_sign_in() {
    let s = TestServer::start().await;
    let customer = s.token_for("cust-1001", PrincipalKind::Customer, &[], "default");
    browser::journey(&s, |b| async move {
        let error = b.sign_in_refused(&customer).await;
        assert_eq!(b.status().await, 401);
        assert!(
            error.to_lowercase().contains("customer"),
            "the error says customers cannot sign in: {error:?}"
        );
        assert_signed_out(&b).await;
    })
    .await;
}

#[tokio::test]
async fn a_signed_in_user_signs_out() {
    let s = TestServer::start().await;
    let agent = s.token_for("agent-7", PrincipalKind::User, &["care.ops"], "default");
    browser::journey(&s, |b| async move {
        b.sign_in(&agent).await;
        assert_eq!(b.path().await, "/console");
        assert_eq!(b.text("#signed-in-as").await, "agent-7");
        b.submit("#sign-out button").await;
        assert_signed_out(&b).await;
        b.goto("/console/care").await;
        assert_eq!(b.path().await, SIGN_IN, "/console/care after signing out");
    })
    .await;
}

/// The harness itself: a journey that fails leaves a screenshot and the
/// page's HTML under target/console-failures, and still fails the test.
#[tokio::test]
async fn a_failing_journey_leaves_a_screenshot_and_the_html() {
    let s = TestServer::start().await;
    let test = "a_failing_journey_leaves_a_screenshot_and_the_html";
    let ours = |path: &std::path::Path| {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(&format!("{test}-")))
    };
    let saved = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(browser::failures_dir())
            .map(|dir| {
                dir.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| ours(p))
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = saved();
    let outcome = AssertUnwindSafe(browser::journey(&s, |b| async move {
        b.goto(SIGN_IN).await;
        b.wait_for("#sign-in").await;
        panic!("a step of the journey fails");
    }))
    .catch_unwind()
    .await;
    let Err(panic) = outcome else {
        panic!("a failing journey fails its test");
    };
    assert_eq!(
        panic.downcast_ref::<&str>(),
        Some(&"a step of the journey fails"),
        "the test fails with the step's own message"
    );
    let new: Vec<_> = saved()
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    let png = new
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "png"));
    let html = new
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "html"));
    let (Some(png), Some(html)) = (png, html) else {
        panic!("the failure saved a .png and an .html: {new:?}");
    };
    let image = std::fs::read(png).expect("read the screenshot");
    assert!(image.starts_with(b"\x89PNG"), "{} is a PNG", png.display());
    let page = std::fs::read_to_string(html).expect("read the HTML");
    assert!(
        page.contains(r#"id="sign-in""#),
        "{} is the page shown",
        html.display()
    );
    // They record a deliberate failure: leave only real ones behind.
    for path in &new {
        std::fs::remove_file(path).expect("remove");
    }
}
