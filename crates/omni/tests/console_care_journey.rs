//! The Omni Console in a real Chromium (issue 15), journey 2: a care agent
//! finds a line whose phone was lost, suspends it and blocks the device in
//! one care order, watches the order complete on its page (updated live by
//! the console's script, no reload), and sees the line suspended. Each page
//! on the way passes axe-core at 1280×800 and at 390×844.
//!
//! With `OMNI_CONSOLE_SCREENSHOTS=1` the journey also saves the line's page
//! at 1280×800 as `docs/console/care.png`.

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::{SECRET, TestServer};
use fantoccini::Locator;
use omni_api::auth::{Auth, Claims};
use omni_app::care::worker;
use omni_core::PrincipalKind;
use std::time::{Duration, Instant};

/// A Dallas business line of the demo data: active, with a device.
const LINE: &str = "1234567890";

/// A care agent: a person (`user`) with `care.ops`, acting for care client
/// `client-7` (what `omni token --role care.ops --client client-7` mints).
fn care_agent_token() -> String {
    let now = chrono::Utc::now().timestamp();
    Auth::new(SECRET, "default")
        .mint(&Claims {
            sub: "agent-jo".into(),
            kind: PrincipalKind::User,
            roles: vec!["care.ops".into()],
            tenant: "default".into(),
            client_id: Some("client-7".into()),
            iat: now,
            exp: now + 3600,
        })
        .expect("mint")
}

/// Chooses `value` in the select `css`.
async fn choose(b: &Browser, css: &str, value: &str) {
    b.wait_for(css).await;
    let select = b
        .client()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("find {css}: {e}"));
    if let Err(e) = select.select_by_value(value).await {
        panic!("choose {value} in {css} on {}: {e}", b.path().await);
    }
}

/// Waits until the text of `css` contains `want`, the page not reloaded.
async fn wait_for_text(b: &Browser, css: &str, want: &str) -> String {
    let started = Instant::now();
    // Read in the page, in one step: the live update replaces the element
    // between a WebDriver find and a read of its text.
    let read = format!(
        "const e = document.querySelector({}); return e ? e.textContent : '';",
        serde_json::Value::String(css.to_string())
    );
    loop {
        let text = b
            .script(&read)
            .await
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_string();
        if text.contains(want) {
            return text;
        }
        if started.elapsed() > browser::WAIT {
            panic!(
                "`{css}` still says {text:?}, not {want:?}, on {}",
                b.path().await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_care_agent_suspends_a_lost_phone_and_sees_the_line_suspended() {
    // The care worker is played by the test, after the order's page is
    // shown, so the page is seen to follow the order live.
    let server = TestServer::start_demo_without_workers().await;
    let ctx = server.state.ctx.clone();
    let token = care_agent_token();
    browser::journey(&server, |b| async move {
        b.sign_in(&token).await;
        b.click("nav[aria-label='Console'] a[href='/console/care']")
            .await;
        assert_eq!(b.text("h1").await, "Care");
        b.assert_accessible_at_1280_and_390().await;

        // Find the line by its number.
        b.fill("#ctn", LINE).await;
        b.submit("#line-search [type=submit]").await;
        b.wait_for("#line-status").await;
        assert_eq!(b.text("h1").await, format!("Line {LINE}"));
        assert!(b.text("#line-status").await.contains("active"));
        b.assert_accessible_at_1280_and_390().await;

        // A refusal first: no reason given, said next to the reason.
        b.click("#changes a[href$='/change/suspend']").await;
        b.wait_for("#care-change").await;
        b.submit("#care-change [type=submit]").await;
        let why = b.text("#reason-error").await;
        assert!(why.contains("is required"), "{why}");
        assert_eq!(b.status().await, 400);
        b.assert_accessible_at_1280_and_390().await;

        // Lost: suspend, and block the device on the network.
        choose(&b, "#reason", "Lost").await;
        b.click("#network").await;
        choose(&b, "#when", "immediate").await;
        b.submit("#care-change [type=submit]").await;
        b.wait_for("#care-order").await;
        assert!(b.path().await.starts_with("/console/care/orders/CO-"));
        assert!(b.text("#order-status").await.contains("InProgress"));
        assert!(
            b.exists("#cancel-order").await,
            "pending: it can be cancelled"
        );
        // A mark on this page: gone if the page were loaded again.
        b.script("window.omniJourneyMark = 1; return null;").await;
        let applied = worker::claim_and_process(&ctx, "journey")
            .await
            .expect("the care worker");
        assert_eq!(applied, 2, "the suspension and the block");
        // The page follows without a reload.
        let status = wait_for_text(&b, "#order-status", "Completed").await;
        let same_page = b.script("return window.omniJourneyMark === 1;").await;
        assert_eq!(same_page, serde_json::Value::Bool(true), "updated in place");
        assert!(!status.contains("updated live"), "{status}");
        assert!(
            !b.exists("#care-order[data-refresh-ms]").await,
            "no more polling"
        );
        assert!(!b.exists("#cancel-order").await, "nothing left to cancel");
        let changes = b.texts("#care-order tbody tr").await;
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(changes[0].contains("suspend") && changes[0].contains("completed"));
        assert!(changes[1].contains("block on the network"));
        b.assert_accessible_at_1280_and_390().await;

        // The line: suspended for the lost phone, its device blocked.
        b.click(&format!(
            "#care-order a[href^='/console/care/lines/{LINE}']"
        ))
        .await;
        let line_status = b.text("#line-status").await;
        assert!(line_status.contains("suspended"), "{line_status}");
        assert!(line_status.contains("Lost"), "{line_status}");
        assert!(b.html().await.contains("blocked on the network"));
        b.assert_accessible_at_1280_and_390().await;
        let order_id = b
            .attrs(
                "#h-history ~ .table-wrap a[href^='/console/care/orders/CO-']",
                "href",
            )
            .await;
        assert_eq!(
            order_id.len(),
            2,
            "the history names the order twice: {order_id:?}"
        );

        // The account group's care orders list it.
        b.click("a[href^='/console/care/orders?group=']").await;
        assert_eq!(b.text("h1").await, "Care orders");
        let hrefs = b.attrs("#care-orders tbody a", "href").await;
        assert!(hrefs.contains(&order_id[0]), "{hrefs:?}");
        b.assert_accessible_at_1280_and_390().await;
        b.goto(&format!("/console/care/lines/{LINE}")).await;

        if std::env::var_os("OMNI_CONSOLE_SCREENSHOTS").is_some() {
            b.resize(1280, 800).await;
            let png = b.client().screenshot().await.expect("screenshot");
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/console");
            std::fs::create_dir_all(&dir).expect("docs/console");
            std::fs::write(dir.join("care.png"), png).expect("write care.png");
        }
    })
    .await;
}
