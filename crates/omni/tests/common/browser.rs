//! Browser tests of the Omni Console: a real headless Chromium, driven over
//! WebDriver by its chromedriver, against a [`TestServer`].
//!
//! A test file declares `mod common;` and
//! `#[path = "common/browser.rs"] mod browser;`, then runs each journey
//! through [`journey`]:
//!
//! ```ignore
//! #[tokio::test]
//! async fn a_care_agent_signs_in() {
//!     let s = TestServer::start_with_demo().await;
//!     let token = s.token(PrincipalKind::User, &["care.ops"], "default");
//!     browser::journey(&s, |b| async move {
//!         b.sign_in(&token).await;
//!         b.click("nav a[href='/console/care']").await;
//!         assert_eq!(b.text("h1").await, "Care");
//!         b.assert_accessible().await;
//!     })
//!     .await;
//! }
//! ```
//!
//! Every helper panics, with the page's path in the message, when the page
//! does not do what it asks; [`journey`] then saves a screenshot and the
//! page's HTML as `target/console-failures/<test>-<n>.png` and `.html`
//! before the test fails. The test fails, saying what to install, when
//! chromedriver or axe-core is missing: it never passes without a browser.
#![allow(dead_code)]

use crate::common::TestServer;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long [`Browser::wait_for`] and the other helpers wait for an element.
pub const WAIT: Duration = Duration::from_secs(10);

/// A whole journey longer than this is stopped and fails (with its
/// screenshot) instead of hanging the test run.
const JOURNEY_LIMIT: Duration = Duration::from_secs(180);

const INSTALL_HINT: &str = "install Debian's `chromium` and `chromium-driver` \
    (apt-get install -y chromium chromium-driver; .ci/run does it), or name other \
    binaries in OMNI_CHROMEDRIVER and OMNI_CHROMIUM";

const AXE_HINT: &str = "run `npm ci --prefix scripts/browser` (.ci/run does it)";

fn chromedriver_path() -> PathBuf {
    std::env::var_os("OMNI_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"))
}

fn chromium_path() -> PathBuf {
    std::env::var_os("OMNI_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn repository() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// Where failing journeys leave their screenshot and HTML.
pub fn failures_dir() -> PathBuf {
    repository().join("target/console-failures")
}

/// axe-core's source, read once per test process.
fn axe_source() -> &'static str {
    static AXE: OnceLock<String> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = repository().join("scripts/browser/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("axe-core is missing ({}: {e}): {AXE_HINT}", path.display()))
    })
}

/// A chromedriver this test process started. Dropping it ends chromedriver
/// and every browser it started: they share its process group.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let binary = chromedriver_path();
        if !binary.exists() {
            panic!("{} is missing: {INSTALL_HINT}", binary.display());
        }
        if !chromium_path().exists() {
            panic!("{} is missing: {INSTALL_HINT}", chromium_path().display());
        }
        // Another process may take the free port between our look and
        // chromedriver's bind; a second or third port then does.
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(&binary)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}: {INSTALL_HINT}", binary.display()));
            let started = Instant::now();
            while started.elapsed() < WAIT {
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("chromedriver on port {port} exited: {status}");
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Driver {
                        child,
                        url: format!("http://127.0.0.1:{port}"),
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            if last.is_empty() {
                last = format!("chromedriver did not listen on port {port} within {WAIT:?}");
            }
            end_group(&mut child);
        }
        panic!("{last}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        end_group(&mut self.child);
    }
}

/// Kills the process group `child` leads (chromedriver and the browsers it
/// started) and reaps `child`.
fn end_group(child: &mut Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) only sends a signal; the group is the one this
        // process created for the child (process_group(0) above).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.wait();
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("find a free port: {e}"))
}

/// Runs `steps` in a new headless Chromium session against `server`, at
/// 1280×800. When a step panics (or the journey takes longer than three
/// minutes) it saves `target/console-failures/<test>-<n>.png` and `.html`
/// of the page at that moment, then fails the test with the step's message.
pub async fn journey<F, Fut>(server: &TestServer, steps: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()>,
{
    // libtest runs each test on a thread named after it.
    let test = std::thread::current()
        .name()
        .unwrap_or("browser")
        .replace("::", "-");
    axe_source();
    let driver = Driver::start();
    let client = connect(&driver.url).await;
    let browser = Browser {
        client: client.clone(),
        base: server.base.clone(),
    };
    // --window-size sizes the window, not the page: set the page's own size.
    let setup = AssertUnwindSafe(browser.resize(1280, 800))
        .catch_unwind()
        .await;
    if let Err(panic) = setup {
        let _ = client.close().await;
        std::panic::resume_unwind(panic);
    }
    let outcome = tokio::time::timeout(
        JOURNEY_LIMIT,
        AssertUnwindSafe(steps(browser.clone())).catch_unwind(),
    )
    .await;
    let failure = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(panic)) => Some(panic),
        Err(_) => Some(
            Box::new(format!("the journey took longer than {JOURNEY_LIMIT:?}"))
                as Box<dyn std::any::Any + Send>,
        ),
    };
    if failure.is_some() {
        browser.save_failure(&test).await;
    }
    // Ends Chromium; dropping the driver then ends chromedriver.
    let _ = client.close().await;
    drop(driver);
    if let Some(panic) = failure {
        std::panic::resume_unwind(panic);
    }
}

async fn connect(driver: &str) -> Client {
    let chromium = chromium_path();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--window-size=1280,800",
                "--no-first-run",
                "--lang=en-US",
            ],
        }),
    );
    // A page that never finishes loading fails the step instead of hanging it.
    capabilities.insert(
        "timeouts".into(),
        json!({"pageLoad": 20_000, "script": 30_000, "implicit": 0}),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "start {} through chromedriver: {e}: {INSTALL_HINT}",
                chromium.display()
            )
        })
}

/// One serious or critical finding of axe-core.
#[derive(Debug, serde::Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    #[serde(rename = "helpUrl")]
    pub help_url: String,
    /// The CSS selectors of the offending elements.
    pub targets: Vec<String>,
}

/// The browser of one journey. Paths are relative to the server
/// (`b.goto("/console")`); selectors are CSS.
#[derive(Clone)]
pub struct Browser {
    client: Client,
    base: String,
}

impl Browser {
    /// The WebDriver client itself, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `path` on the server and waits until it has loaded.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        if let Err(e) = self.client.goto(&url).await {
            panic!("open {path}: {e}");
        }
    }

    /// The path (and query) of the page now shown, after any redirects.
    pub async fn path(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_string(),
            },
            Err(e) => panic!("read the current URL: {e}"),
        }
    }

    /// The HTTP status of the page now shown (of the last response, after
    /// any redirects), as the browser received it.
    pub async fn status(&self) -> u16 {
        let status = self
            .script(
                "const nav = performance.getEntriesByType('navigation')[0];\
                 return nav ? nav.responseStatus : null;",
            )
            .await;
        match status.as_u64().and_then(|s| u16::try_from(s).ok()) {
            Some(status) => status,
            None => panic!("no HTTP status for {}: {status}", self.path().await),
        }
    }

    /// Waits (at most [`WAIT`]) until an element matches `css`, and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .every(Duration::from_millis(100))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "no element matches `{css}` within {WAIT:?} on {}: {e}",
                self.path().await
            ),
        }
    }

    /// Whether an element matches `css` now (no waiting).
    pub async fn exists(&self, css: &str) -> bool {
        match self.client.find_all(Locator::Css(css)).await {
            Ok(found) => !found.is_empty(),
            Err(e) => panic!("look for `{css}` on {}: {e}", self.path().await),
        }
    }

    /// Replaces the value of the field `css` with `text`, typed as a user would.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        if let Err(e) = field.clear().await {
            panic!("clear `{css}` on {}: {e}", self.path().await);
        }
        if let Err(e) = field.send_keys(text).await {
            panic!("type into `{css}` on {}: {e}", self.path().await);
        }
    }

    /// Clicks the element `css` (waiting for it first). A button that
    /// submits a form goes through [`Self::submit`], which waits for the
    /// next page.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        if let Err(e) = element.click().await {
            panic!("click `{css}` on {}: {e}", self.path().await);
        }
    }

    /// Clicks the button `css` that submits a form, and returns once the
    /// page it leads to has replaced this one. WebDriver's click can return
    /// before the old page is gone, and an element read then is the old
    /// page's (a CI run read a row of the unfiltered list, then found it
    /// stale): the old document is marked first, and the wait ends when a
    /// loaded document without the mark is shown.
    pub async fn submit(&self, css: &str) {
        self.script("document.documentElement.dataset.leaving = 'yes';")
            .await;
        self.click(css).await;
        let started = Instant::now();
        loop {
            let shown = self
                .client
                .execute(
                    "return document.readyState === 'complete' \
                     && document.documentElement.dataset.leaving !== 'yes';",
                    vec![],
                )
                .await;
            // An error here is the page being replaced under the script.
            if matches!(shown, Ok(Value::Bool(true))) {
                return;
            }
            if started.elapsed() > WAIT {
                panic!(
                    "after submitting `{css}`, {} was not replaced within {WAIT:?}",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the element `css` (waiting for it), trimmed.
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        match element.text().await {
            Ok(text) => text.trim().to_string(),
            Err(e) => panic!("read `{css}` on {}: {e}", self.path().await),
        }
    }

    /// The visible texts of every element matching `css` now, in page
    /// order (e.g. the links of a navigation).
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let found = match self.client.find_all(Locator::Css(css)).await {
            Ok(found) => found,
            Err(e) => panic!("look for `{css}` on {}: {e}", self.path().await),
        };
        let mut texts = Vec::with_capacity(found.len());
        for element in found {
            match element.text().await {
                Ok(text) => texts.push(text.trim().to_string()),
                Err(e) => panic!("read `{css}` on {}: {e}", self.path().await),
            }
        }
        texts
    }

    /// The attribute `name` of every element matching `css` now, as written
    /// in the page (e.g. `attrs("nav a", "href")` gives `/console/care`);
    /// an element without it gives an empty string.
    pub async fn attrs(&self, css: &str, name: &str) -> Vec<String> {
        let values = match self
            .client
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0]))\
                   .map(e => e.getAttribute(arguments[1]) ?? '');",
                vec![json!(css), json!(name)],
            )
            .await
        {
            Ok(values) => values,
            Err(e) => panic!("read `{name}` of `{css}` on {}: {e}", self.path().await),
        };
        match serde_json::from_value(values.clone()) {
            Ok(values) => values,
            Err(e) => panic!("read `{name}` of `{css}`: {values}: {e}"),
        }
    }

    /// Signs in to the console with `token` through its sign-in page, and
    /// waits for the home page (`#signed-in-as`). Panics with the error the
    /// page shows when it refuses the token.
    pub async fn sign_in(&self, token: &str) {
        if let Some(error) = self.submit_token(token).await {
            panic!("the console refused the token: {error}");
        }
    }

    /// Tries to sign in with `token`, which the console must refuse, and
    /// returns the error shown at the token field (`#token-error`). Panics
    /// when the token signs in.
    pub async fn sign_in_refused(&self, token: &str) -> String {
        match self.submit_token(token).await {
            Some(error) => error,
            None => panic!("the console signed in with a token it should refuse"),
        }
    }

    /// Fills and submits the sign-in form; the error the page shows, or
    /// None once the home page has loaded.
    async fn submit_token(&self, token: &str) -> Option<String> {
        self.goto("/console/sign-in").await;
        self.fill("#sign-in #token", token).await;
        self.click("#sign-in [type=submit]").await;
        let started = Instant::now();
        loop {
            if self.exists("#signed-in-as").await {
                return None;
            }
            if self.exists("#token-error").await {
                return Some(self.text("#token-error").await);
            }
            if started.elapsed() > WAIT {
                panic!(
                    "after signing in, {} shows neither #signed-in-as nor #token-error",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sets the size of the page's viewport (what CSS media queries see),
    /// e.g. `resize(390, 844)` for a phone.
    pub async fn resize(&self, width: u32, height: u32) {
        // The window's frame (headless Chromium keeps room for one) takes
        // some of the window's size: make the window larger by what the
        // viewport lacks. Chromium applies a new size a moment later, and
        // after a phone-sized page it sometimes still reports the old
        // frame: measure again until the viewport is what was asked.
        let outer = |want: u32, got: u32| want + want.saturating_sub(got);
        for _ in 0..20 {
            if let Err(e) = self.client.set_window_size(width, height).await {
                panic!("resize the window to {width}×{height}: {e}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            let (w, h) = self.viewport().await;
            if (w, h) != (width, height) {
                let (ow, oh) = (outer(width, w), outer(height, h));
                if let Err(e) = self.client.set_window_size(ow, oh).await {
                    panic!("resize the window to {ow}×{oh}: {e}");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if self.viewport().await == (width, height) {
                return;
            }
        }
        let viewport = self.viewport().await;
        assert_eq!(
            viewport,
            (width, height),
            "the viewport after resizing to {width}×{height}"
        );
    }

    /// The viewport's width and height in CSS pixels.
    pub async fn viewport(&self) -> (u32, u32) {
        let size = self
            .script("return [window.innerWidth, window.innerHeight];")
            .await;
        let side = |i: usize| {
            size.get(i)
                .and_then(Value::as_u64)
                .and_then(|v| u32::try_from(v).ok())
        };
        match (side(0), side(1)) {
            (Some(w), Some(h)) => (w, h),
            _ => panic!("read the viewport's size: {size}"),
        }
    }

    /// Runs axe-core on the page now shown and fails listing every serious
    /// or critical violation (rule id, elements, help).
    pub async fn assert_accessible(&self) {
        let violations = self.accessibility_violations().await;
        if violations.is_empty() {
            return;
        }
        let (width, height) = self.viewport().await;
        let mut report = format!(
            "axe-core finds {} serious or critical violation(s) on {} at {width}×{height}:",
            violations.len(),
            self.path().await
        );
        for v in &violations {
            // A rule broken by a whole list of elements names the first few.
            let mut at = v.targets.iter().take(5).cloned().collect::<Vec<_>>();
            if v.targets.len() > at.len() {
                at.push(format!("and {} more", v.targets.len() - at.len()));
            }
            report.push_str(&format!(
                "\n- {} ({}): {} [{}]\n  at {}",
                v.id,
                v.impact,
                v.help,
                v.help_url,
                at.join(", ")
            ));
        }
        panic!("{report}");
    }

    /// [`Self::assert_accessible`] at 1280×800 and again at 390×844 (a
    /// phone), leaving the page at 1280×800.
    pub async fn assert_accessible_at_1280_and_390(&self) {
        self.resize(1280, 800).await;
        self.assert_accessible().await;
        self.resize(390, 844).await;
        self.assert_accessible().await;
        self.resize(1280, 800).await;
    }

    /// axe-core's serious and critical violations on the page now shown.
    pub async fn accessibility_violations(&self) -> Vec<Violation> {
        if let Err(e) = self.client.execute(axe_source(), vec![]).await {
            panic!("load axe-core into {}: {e}", self.path().await);
        }
        let result = match self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document, {resultTypes: ['violations']}).then(\
                   r => done({violations: r.violations\
                     .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                     .map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,\
                                 targets: v.nodes.map(n => n.target.join(' '))}))}),\
                   e => done({error: String(e)}));",
                vec![],
            )
            .await
        {
            Ok(result) => result,
            Err(e) => panic!("run axe-core on {}: {e}", self.path().await),
        };
        if let Some(error) = result.get("error") {
            panic!("axe-core failed on {}: {error}", self.path().await);
        }
        match serde_json::from_value(result["violations"].clone()) {
            Ok(violations) => violations,
            Err(e) => panic!("read axe-core's answer {result}: {e}"),
        }
    }

    /// The page's HTML as the browser holds it now.
    pub async fn html(&self) -> String {
        match self.client.source().await {
            Ok(html) => html,
            Err(e) => panic!("read the page's HTML: {e}"),
        }
    }

    /// Runs `script` (a function body) in the page and returns its value.
    pub async fn script(&self, script: &str) -> Value {
        match self.client.execute(script, vec![]).await {
            Ok(value) => value,
            Err(e) => panic!("run a script in the page: {e}"),
        }
    }

    /// Saves a screenshot and the HTML of the page now shown as
    /// `<failures_dir>/<test>-<n>.png` and `.html`, `n` the first number
    /// not yet used, so that a rerun keeps the earlier failure's files.
    /// Never panics: it runs while a test is already failing.
    async fn save_failure(&self, test: &str) {
        let dir = failures_dir();
        if let Err(e) = std::fs::create_dir_all(&dir) {
            eprintln!(
                "cannot save the failing page: create {}: {e}",
                dir.display()
            );
            return;
        }
        let mut n = 1;
        let stem = loop {
            let stem = dir.join(format!("{test}-{n}"));
            if !stem.with_extension("png").exists() && !stem.with_extension("html").exists() {
                break stem;
            }
            n += 1;
        };
        let url = match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(e) => format!("(unknown: {e})"),
        };
        match self.client.screenshot().await {
            Ok(png) => write_or_say(stem.with_extension("png"), &png),
            Err(e) => eprintln!("cannot take a screenshot of the failing page: {e}"),
        }
        match self.client.source().await {
            Ok(html) => write_or_say(stem.with_extension("html"), html.as_bytes()),
            Err(e) => eprintln!("cannot read the failing page's HTML: {e}"),
        }
        eprintln!("the failing page was {url}");
    }
}

fn write_or_say(path: PathBuf, bytes: &[u8]) {
    match std::fs::write(&path, bytes) {
        Ok(()) => eprintln!("saved {}", path.display()),
        Err(e) => eprintln!("cannot write {}: {e}", path.display()),
    }
}
