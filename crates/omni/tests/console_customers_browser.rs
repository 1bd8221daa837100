//! The Omni Console in a real Chromium (issue 15), journey 1: a store agent
//! sells a new line (a phone on installments, a plan, an eSIM) to an
//! existing customer and sees the new number. Every page on the way passes
//! axe-core at 1280×800 and at 390×844. The full cart is saved as a
//! screenshot (`docs/console/customers.png` with OMNI_CONSOLE_SCREENSHOTS=1).

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::TestServer;
use omni_core::PrincipalKind;
use serde_json::Value;
use std::time::{Duration, Instant};

const PLAN: &str = "0b690f7e-3f41-49bf-a6cf-6f65caa650ca";
const PHONE: &str = "Mobile_Device_pkey73001_sku2680262";
const ESIM: &str = "SIM_eSIM_prod10900055";

/// Clicks `css`, which submits a form or follows a link, and waits until
/// the next page has replaced this one: a click may return before the
/// browser leaves the page, and the next step must not act on the old one.
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

/// axe-core finds no serious or critical violation at 1280×800 nor at
/// 390×844 (a phone); the page is left at 1280×800.
async fn accessible(b: &Browser) {
    b.assert_accessible_at_1280_and_390().await;
}

/// On an offers page, pages forward until offer `id` is listed, then
/// clicks its Add button (with the form's defaults: installments for a
/// phone, the first billing account for a plan).
async fn add_offer(b: &Browser, id: &str) {
    let row = format!("tr[id='offer-{id}']");
    for _ in 0..10 {
        b.wait_for("#offers").await;
        if b.exists(&row).await {
            go(b, &format!("{row} button[type=submit]")).await;
            b.wait_for("#cart-items").await;
            return;
        }
        go(b, "nav.pager a:last-child").await;
    }
    panic!("no page of offers lists {id}");
}

#[tokio::test]
async fn a_store_agent_sells_a_new_line_and_sees_the_new_number() {
    let s = TestServer::start_with_demo().await;
    let token = s.token(
        PrincipalKind::User,
        &["order.ops", "sc.ops", "order.view"],
        "default",
    );
    browser::journey(&s, |b| async move {
        b.sign_in(&token).await;
        go(&b, "nav[aria-label='Console'] a[href='/console/customers']").await;
        b.fill("#q", "jordan").await;
        go(&b, "#find button[type=submit]").await;
        b.wait_for("#results").await;
        accessible(&b).await;
        go(&b, "#results a[href='/console/customers/CA-1001']").await;

        // The customer's lines, then a cart for a new line.
        assert_eq!(b.text("h1").await, "Jordan Rivera");
        let line = b.text("#line-4690002221").await;
        assert!(line.contains("Unlimited Premium"), "{line}");
        accessible(&b).await;
        go(&b, "#start-cart button[type=submit]").await;
        b.wait_for("#no-items").await;

        // A plan, a phone on installments, an eSIM, each found by discovery.
        go(&b, "#add-links a[href*='productOfferingType=Mobile_Offer']").await;
        accessible(&b).await;
        add_offer(&b, PLAN).await;
        go(
            &b,
            "#add-links a[href*='productOfferingType=Mobile_Device']",
        )
        .await;
        add_offer(&b, PHONE).await;
        go(&b, "#add-links a[href*='productOfferingType=SIM']").await;
        add_offer(&b, ESIM).await;
        let items = b.text("#cart-items").await;
        assert!(items.contains("Galaxy S24 128GB Onyx Black"), "{items}");
        assert!(items.contains("eSIM"), "{items}");
        let totals = b.text("#cart-totals").await;
        assert!(totals.contains("Installments, monthly"), "{totals}");
        assert!(
            totals.contains("22.22 USD"),
            "the phone's installment: {totals}"
        );
        accessible(&b).await;
        save_screenshot(&b, "customers.png").await;

        // The order: terms, shipping to the billing address, the test card.
        go(&b, "#place-order button[type=submit]").await;
        b.wait_for("#terms").await;
        for name in b.attrs("#terms input[name=agreement]", "value").await {
            b.click(&format!("#agree-{name}")).await;
        }
        go(&b, "#terms button[type=submit]").await;
        go(&b, "#fulfilment button[type=submit]").await;
        b.wait_for("#fulfilment-chosen").await;
        if b.exists("#payment").await {
            b.fill("#number", "4242 4242 4242 4242").await;
            b.fill("#expiryMonth", "12").await;
            b.fill("#expiryYear", "2031").await;
            b.fill("#cvv", "123").await;
            b.fill("#holderName", "Jordan Rivera").await;
            go(&b, "#payment button[type=submit]").await;
            b.wait_for("#payment-done").await;
        }
        assert_eq!(b.text("#readiness-title").await, "Ready to submit");
        accessible(&b).await;
        go(&b, "#submit button[type=submit]").await;

        // The page follows the order by itself until it completes.
        let number = b.text("#new-numbers .new-number").await;
        assert_eq!(b.text("#order-state").await, "completed");
        assert_eq!(number.len(), 12, "a 10-digit number as 469-…: {number}");
        // The items followed the order too: each one completed on the number.
        let items = b.texts("#order-items tbody tr").await;
        assert_eq!(items.len(), 3, "{items:?}");
        for item in &items {
            assert!(
                item.contains("completed") && item.contains(&number),
                "{item}"
            );
        }
        accessible(&b).await;
        go(&b, "#progress a").await;
        let row = b.text(&format!("#line-{}", number.replace('-', ""))).await;
        assert!(row.contains("Galaxy S24"), "{row}");
        assert!(row.contains("eSIM"), "{row}");
    })
    .await;
}

/// Saves the page now shown as `target/console-screenshots/<name>`, or, when
/// `OMNI_CONSOLE_SCREENSHOTS` is set, as `docs/console/<name>` (the README's
/// pictures): a plain test run leaves the repository's files alone.
async fn save_screenshot(b: &Browser, name: &str) {
    let png = match b.client().screenshot().await {
        Ok(png) => png,
        Err(e) => panic!("take a screenshot: {e}"),
    };
    let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = if std::env::var_os("OMNI_CONSOLE_SCREENSHOTS").is_some() {
        repository.join("docs/console")
    } else {
        repository.join("target/console-screenshots")
    };
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(dir.join(name), png))
    {
        panic!("save {name} in {}: {e}", dir.display());
    }
}
