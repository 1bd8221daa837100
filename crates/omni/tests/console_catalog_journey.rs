//! Journey 3 of the console (issue 15), in a real Chromium: a catalog
//! manager changes a plan's price and sees the discovery preview and a new
//! cart priced with it; the pages pass axe-core at 1280×800 and 390 px.
//!
//! With `OMNI_CONSOLE_SCREENSHOTS=1` the journey also saves the preview at
//! 1280×800 as docs/console/catalog.png, as the other journeys do theirs.

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::TestServer;
use omni_core::PrincipalKind;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PREMIUM: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const ONE_LINE: &str = "price-unlimited-premium-lines-1";

/// Clicks `css`, which submits a form or follows a link, and waits until
/// the next page has replaced this one: a click may return before the
/// browser leaves the page, and the next step must not act on the old one
/// (the page's own flag is gone once a new document is loaded).
async fn go(b: &Browser, css: &str) {
    b.script("window.omniLeaving = true; return null;").await;
    b.click(css).await;
    let started = Instant::now();
    while b.script("return window.omniLeaving === true;").await == Value::Bool(true) {
        assert!(
            started.elapsed() < browser::WAIT,
            "clicking `{css}` on {} leads nowhere",
            b.path().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.wait_for("main").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalog_manager_changes_a_plan_price_and_sees_discovery_and_a_new_cart_priced_with_it() {
    let s = TestServer::start_with_demo().await;
    let token = s.token(
        PrincipalKind::User,
        &["catalog.admin", "promotion.admin", "tenant.admin"],
        "default",
    );
    browser::journey(&s, |b| async move {
        b.sign_in(&token).await;
        go(&b, "nav a[href='/console/catalog']").await;
        assert_eq!(b.text("h1").await, "Offerings");
        b.assert_accessible_at_1280_and_390().await;

        // Find the plan by name, open it, then its one-line price.
        b.fill("#search-q", "Unlimited P").await;
        go(&b, "#offering-search button[type='submit']").await;
        go(
            &b,
            &format!("#offerings a[href='/console/catalog/offerings/{PREMIUM}']"),
        )
        .await;
        assert_eq!(b.text("h1").await, "Unlimited Premium");
        b.assert_accessible_at_1280_and_390().await;
        go(
            &b,
            &format!("#prices a[href^='/console/catalog/prices/{ONE_LINE}?']"),
        )
        .await;
        assert_eq!(b.text("#price-amount").await, "85.99 USD");

        // A mistyped amount is refused beside its field, as the API words it.
        b.fill("#price-value", "79,99").await;
        go(&b, "#price-form button[type='submit']").await;
        assert_eq!(
            b.text("#price-value-error").await,
            "must be a decimal amount, e.g. \"85.99\""
        );
        b.assert_accessible_at_1280_and_390().await;
        b.fill("#price-value", "79.99").await;
        go(&b, "#price-form button[type='submit']").await;
        b.wait_for("#saved").await;
        assert_eq!(b.text("#price-amount").await, "79.99 USD");

        // The preview of the plan in discovery: it updates by itself until
        // the index has the change, then shows the new price.
        go(&b, "#offering-links a[href*='preview']").await;
        assert_eq!(b.text("h1").await, "Discovery preview");
        b.wait_for("#index-state[data-current='true']").await;
        let offer = b
            .text(&format!("#offers tr[data-offer-id='{PREMIUM}']"))
            .await;
        assert!(
            offer.contains("79.99 USD") && !offer.contains("85.99"),
            "{offer}"
        );

        // A new cart with the plan, priced by the shopping cart's pipeline.
        b.click(&format!("#offers input[value='{PREMIUM}']")).await;
        go(&b, "#price-cart").await;
        let monthly = b.text("#quote-totals [data-price-type='recurring']").await;
        assert!(monthly.contains("79.99 USD"), "{monthly}");
        b.assert_accessible_at_1280_and_390().await;
        if std::env::var_os("OMNI_CONSOLE_SCREENSHOTS").is_some() {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/console");
            // The offer and the priced cart in one view.
            b.script("document.getElementById('offers-h').scrollIntoView(); return true;")
                .await;
            let png = b.client().screenshot().await.expect("screenshot");
            let path = dir.join("catalog.png");
            std::fs::write(&path, png).expect("write the screenshot");
        }
    })
    .await;

    // And a cart a channel creates through TMF663 now costs the same.
    let agent = s.token(PrincipalKind::User, &["sc.ops"], "default");
    let resp = s
        .client
        .post(s.url("/tmf-api/shoppingCart/v4/shoppingCart"))
        .bearer_auth(&agent)
        .header("channelId", "ECOMM")
        .json(&json!({"cartItem": [{"id": "1", "action": "add", "quantity": 1, "productOffering": {"id": PREMIUM}}]}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    let cart: Value = resp.json().await.expect("cart");
    let monthly = cart["cartTotalPrice"]
        .as_array()
        .expect("totals")
        .iter()
        .find(|t| t["priceType"] == "recurring")
        .map(|t| t["price"]["taxIncludedAmount"]["value"].clone());
    assert_eq!(monthly, Some(json!("79.99")));
}
