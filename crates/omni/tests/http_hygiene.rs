//! HTTP hygiene, black box: the headers every answer carries, `no-store` on
//! authenticated answers, the documentation page's Content-Security-Policy,
//! CORS for configured origins only, the optional `/metrics` token, and
//! SQLite files readable by their owner only. The settings come through the
//! binary's flags as well (`OMNI_CORS_ORIGINS`, `OMNI_METRICS_TOKEN`).

mod common;

use common::{CATALOG, TestServer};
use omni_api::hygiene::HttpConfig;
use omni_api::state::ApiConfig;
use serde_json::{Value, json};

const SHOP: &str = "https://shop.example.com";

fn with_http(http: HttpConfig) -> ApiConfig {
    ApiConfig {
        http,
        ..ApiConfig::default()
    }
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn every_answer_says_nosniff_and_deny_framing() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let answers = [
        s.client.get(s.url("/health")).send().await,
        s.client.get(s.url("/nowhere")).send().await,
        s.client
            .get(s.url(&format!("{CATALOG}/productOffering/missing")))
            .send()
            .await,
        s.client
            .post(s.url(&format!("{CATALOG}/productOffering")))
            .bearer_auth(&admin)
            .json(&json!({"name": 1}))
            .send()
            .await,
        s.client.get(s.url("/omni-svcs/v1/order/x")).send().await,
        s.client.get(s.url("/openapi.json")).send().await,
    ];
    for resp in answers {
        let resp = resp.expect("send");
        let what = resp.url().path().to_string();
        assert_eq!(
            header(&resp, "x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(header(&resp, "x-frame-options"), Some("DENY"), "{what}");
        // No CORS configured: no CORS header, whoever asks.
        assert!(header(&resp, "access-control-allow-origin").is_none());
    }
}

#[tokio::test]
async fn authenticated_and_admin_answers_are_not_stored() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let list = format!("{CATALOG}/productOffering");
    let with_token = s
        .client
        .get(s.url(&list))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("send");
    assert_eq!(with_token.status(), 200);
    assert_eq!(header(&with_token, "cache-control"), Some("no-store"));
    // A bad token is still a request that carried credentials.
    let bad = s
        .client
        .get(s.url(&list))
        .bearer_auth("nonsense")
        .send()
        .await
        .expect("send");
    assert_eq!(bad.status(), 401);
    assert_eq!(header(&bad, "cache-control"), Some("no-store"));
    let admin_api = s
        .client
        .get(s.url("/admin/v1/deadLetter"))
        .send()
        .await
        .expect("send");
    assert_eq!(header(&admin_api, "cache-control"), Some("no-store"));
    // An anonymous catalog read may be cached as before.
    let anonymous = s.client.get(s.url(&list)).send().await.expect("send");
    assert_eq!(anonymous.status(), 200);
    assert_ne!(header(&anonymous, "cache-control"), Some("no-store"));
}

/// The sources a page may load from, per directive.
fn directives(csp: &str) -> Vec<(String, Vec<String>)> {
    csp.split(';')
        .filter_map(|d| {
            let mut words = d.split_whitespace().map(str::to_string);
            Some((words.next()?, words.collect()))
        })
        .collect()
}

fn sources<'a>(csp: &'a [(String, Vec<String>)], name: &str) -> &'a [String] {
    csp.iter()
        .find(|(n, _)| n == name)
        .map_or(&[], |(_, s)| s.as_slice())
}

#[tokio::test]
async fn the_docs_page_has_a_strict_policy_its_own_files_satisfy() {
    let s = TestServer::start().await;
    let resp = s.client.get(s.url("/docs/")).send().await.expect("send");
    assert_eq!(resp.status(), 200);
    let csp = directives(header(&resp, "content-security-policy").expect("CSP on /docs"));
    assert_eq!(sources(&csp, "default-src"), ["'none'"]);
    assert_eq!(sources(&csp, "script-src"), ["'self'"]);
    assert_eq!(sources(&csp, "frame-ancestors"), ["'none'"]);
    assert_eq!(sources(&csp, "connect-src"), ["'self'"]);
    assert_eq!(header(&resp, "x-frame-options"), Some("DENY"));
    let page = resp.text().await.expect("page");

    // The page's scripts are files of its own, none inline: `script-src
    // 'self'` runs them all. Its styles too (inline styles are allowed, as
    // Swagger UI sets style attributes from its scripts).
    let mut scripts = 0;
    for tag in page.split("<script").skip(1) {
        let open = &tag[..tag.find('>').expect("tag end")];
        let src = attribute(open, "src").expect("every script is a file");
        assert!(is_same_origin(&src), "script {src}");
        let body = &tag[tag.find('>').expect("tag end") + 1..];
        let inline = &body[..body.find("</script>").expect("close")];
        assert!(inline.trim().is_empty(), "inline script: {inline}");
        let file = s
            .client
            .get(s.url(&format!("/docs/{}", src.trim_start_matches("./"))))
            .send()
            .await
            .expect("send");
        assert_eq!(file.status(), 200, "{src}");
        scripts += 1;
    }
    assert!(scripts >= 3, "{page}");
    for tag in page.split("<link").skip(1) {
        let open = &tag[..tag.find('>').expect("tag end")];
        if let Some(href) = attribute(open, "href") {
            assert!(is_same_origin(&href), "link {href}");
        }
    }
    assert!(!page.contains("<style"), "inline style element");
    // The initializer fetches the document from this origin.
    let init = s
        .client
        .get(s.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(init.contains("\"/openapi.json\""), "{init}");
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

fn is_same_origin(url: &str) -> bool {
    !url.contains("://") && !url.starts_with("//")
}

fn preflight(s: &TestServer, origin: &str) -> reqwest::RequestBuilder {
    s.client
        .request(
            reqwest::Method::OPTIONS,
            s.url("/tmf-api/shoppingCart/v4/shoppingCart"),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, idempotency-key, channelid, x-att-clientid",
        )
}

#[tokio::test]
async fn cors_answers_listed_origins_only() {
    let s = TestServer::start_with(with_http(HttpConfig {
        cors_origins: vec![SHOP.into(), "http://localhost:3000".into()],
        metrics_token: None,
    }))
    .await;

    let resp = preflight(&s, SHOP).send().await.expect("send");
    assert_eq!(resp.status(), 204);
    assert_eq!(header(&resp, "access-control-allow-origin"), Some(SHOP));
    let methods = header(&resp, "access-control-allow-methods").unwrap_or("");
    for m in ["GET", "POST", "PATCH", "DELETE"] {
        assert!(methods.contains(m), "{methods}");
    }
    let allowed = header(&resp, "access-control-allow-headers")
        .unwrap_or("")
        .to_ascii_lowercase();
    for h in [
        "authorization",
        "content-type",
        "idempotency-key",
        "if-match",
        "channelid",
        "x-att-clientid",
        "x-att-conversationid",
        "x-att-messageid",
        "idpctx-appname",
    ] {
        assert!(allowed.split(", ").any(|a| a == h), "{h} in {allowed}");
    }
    assert!(header(&resp, "access-control-max-age").is_some_and(|a| a.parse::<u32>().is_ok()));
    assert!(vary(&resp).contains(&"origin".to_string()));

    // The call itself, from the page.
    let resp = s
        .client
        .get(s.url(&format!("{CATALOG}/productOffering")))
        .header("origin", SHOP)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "access-control-allow-origin"), Some(SHOP));
    assert!(vary(&resp).contains(&"origin".to_string()));
    assert!(
        header(&resp, "access-control-expose-headers").is_some_and(|e| e.contains("X-Total-Count"))
    );

    // Another site, or a look-alike of a listed one: no CORS header at all.
    for other in [
        "https://evil.example.com",
        "https://shop.example.com.evil.com",
        "http://shop.example.com",
        "null",
    ] {
        let resp = preflight(&s, other).send().await.expect("send");
        assert_ne!(resp.status(), 204, "{other}");
        assert_no_cors(&resp, other);
        let resp = s
            .client
            .get(s.url(&format!("{CATALOG}/productOffering")))
            .header("origin", other)
            .send()
            .await
            .expect("send");
        assert_no_cors(&resp, other);
    }
}

fn vary(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_ascii_lowercase())
        .collect()
}

fn assert_no_cors(resp: &reqwest::Response, origin: &str) {
    for name in [
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
        "access-control-expose-headers",
    ] {
        assert!(resp.headers().get(name).is_none(), "{name} for {origin}");
    }
}

#[tokio::test]
async fn without_origins_a_preflight_gets_no_cors_headers() {
    let s = TestServer::start().await;
    let resp = preflight(&s, SHOP).send().await.expect("send");
    assert_ne!(resp.status(), 204);
    assert_no_cors(&resp, SHOP);
}

#[tokio::test]
async fn metrics_behind_a_token() {
    let s = TestServer::start_with(with_http(HttpConfig {
        cors_origins: Vec::new(),
        metrics_token: Some("scrape-secret".into()),
    }))
    .await;
    let refused = [
        s.client.get(s.url("/metrics")).send().await,
        s.client
            .get(s.url("/metrics"))
            .bearer_auth("scrape-secreT")
            .send()
            .await,
        s.client
            .get(s.url("/metrics"))
            .bearer_auth("scrape-secret-and-more")
            .send()
            .await,
        s.client
            .get(s.url("/metrics"))
            .bearer_auth(s.admin())
            .send()
            .await,
        s.client
            .get(s.url("/metrics"))
            .header("authorization", "Basic c2NyYXBlLXNlY3JldA==")
            .send()
            .await,
    ];
    for resp in refused {
        let resp = resp.expect("send");
        assert_eq!(resp.status(), 401);
        assert!(header(&resp, "www-authenticate").is_some_and(|c| c.starts_with("Bearer")));
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["code"], "UNAUTHORIZED");
    }
    let ok = s
        .client
        .get(s.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .expect("send");
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.expect("text").contains("omni_"));
    // The other operations endpoints stay open.
    let health = s.client.get(s.url("/health")).send().await.expect("send");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn metrics_are_open_without_a_token() {
    let s = TestServer::start().await;
    let resp = s.client.get(s.url("/metrics")).send().await.expect("send");
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn openapi_documents_401_on_metrics() {
    let s = TestServer::start().await;
    let doc: Value = s
        .client
        .get(s.url("/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(doc["paths"]["/metrics"]["get"]["responses"]["401"].is_object());
}

/// The binary with a fresh SQLite file, the settings as environment.
#[cfg(unix)]
#[tokio::test]
async fn the_binary_takes_the_settings_and_keeps_its_database_private() {
    use std::os::unix::fs::PermissionsExt;

    let dir = std::env::temp_dir().join(format!(
        "omni-hygiene-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let db = dir.join("omni.db");
    let url = format!("sqlite:{}", db.display());
    let process = common::process::spawn(
        &url,
        &dir.join("no-demo-data"),
        "hygiene-secret-of-at-least-thirty-two-bytes",
        &[
            (
                "OMNI_CORS_ORIGINS",
                " https://Shop.Example.com , http://localhost:3000",
            ),
            ("OMNI_METRICS_TOKEN", "scrape-secret"),
        ],
    );
    let client = common::http_client();
    let resp = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/tmf-api/shoppingCart/v4/shoppingCart", process.base),
        )
        .header("origin", SHOP)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);
    assert_eq!(header(&resp, "access-control-allow-origin"), Some(SHOP));
    let metrics = format!("{}/metrics", process.base);
    let resp = client.get(&metrics).send().await.expect("send");
    assert_eq!(resp.status(), 401);
    let resp = client
        .get(&metrics)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);

    // Written to, so that the write-ahead log and its index exist.
    let token = common::process::token(
        "hygiene-secret-of-at-least-thirty-two-bytes",
        "user",
        "catalog.admin",
    );
    let resp = client
        .post(format!("{}{CATALOG}/category", process.base))
        .bearer_auth(&token)
        .json(&json!({"name": "Phones", "lifecycleStatus": "Active"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    let mut checked = 0;
    for suffix in ["", "-wal", "-shm"] {
        let path = dir.join(format!("omni.db{suffix}"));
        let Ok(meta) = std::fs::metadata(&path) else {
            assert!(!suffix.is_empty(), "the database file exists");
            continue;
        };
        assert_eq!(
            meta.permissions().mode() & 0o777,
            0o600,
            "{} is readable by others",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 2, "the database and its WAL");
    drop(process);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_bad_origin_setting_stops_the_binary() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_omni"))
        .env("OMNI_CORS_ORIGINS", "https://shop.example.com/path")
        .env("OMNI_DATABASE_URL", "sqlite::memory:")
        .env("OMNI_LISTEN", "127.0.0.1:0")
        .env("OMNI_LOG", "error")
        .output()
        .expect("run omni");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("OMNI_CORS_ORIGINS"), "{stderr}");
}
