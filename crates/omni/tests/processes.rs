//! The real `omni` binary, run as separate processes: start-up with demo data,
//! several processes sharing one database, and clean shutdown on SIGTERM.

mod common;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::process::Process;

const SECRET: &str = "process-test-secret-of-at-least-32-bytes";

fn spawn(database_url: &str, data_dir: &Path) -> Process {
    spawn_with(database_url, data_dir, &[])
}

fn spawn_with(database_url: &str, data_dir: &Path, envs: &[(&str, &str)]) -> Process {
    common::process::spawn(database_url, data_dir, SECRET, envs)
}

fn token(roles: &str) -> String {
    common::process::token(SECRET, "user", roles)
}

fn demo_data() -> tempdir::Dir {
    let dir = tempdir::Dir::new();
    let catalog = dir.path().join("catalog");
    std::fs::create_dir_all(&catalog).expect("mkdir");
    std::fs::write(
        catalog.join("category.json"),
        json!([{"id": "Mobile_Devices", "name": "Mobile devices", "lifecycleStatus": "Active"}])
            .to_string(),
    )
    .expect("write");
    std::fs::write(
        catalog.join("productOffering.json"),
        json!([{"id": "demo-phone", "name": "Demo phone", "category": [{"id": "Mobile_Devices"}]}])
            .to_string(),
    )
    .expect("write");
    dir
}

mod tempdir {
    pub struct Dir(std::path::PathBuf);
    impl Dir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("omni-data-{}", uuid_like()));
            std::fs::create_dir_all(&p).expect("mkdir");
            Self(p)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn uuid_like() -> String {
        format!("{}-{:?}", std::process::id(), std::time::SystemTime::now())
            .replace([' ', ':', '.', '{', '}', ','], "")
    }
}

const OFFERINGS: &str = "/tmf-api/productCatalogManagement/v4/productOffering";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_one_database() {
    let url = omni_store::testing::fresh_database_url().await;
    let data = demo_data();
    let a = spawn(&url, data.path());
    let b = spawn(&url, data.path());
    let client = common::http_client();
    let admin = token("catalog.admin");

    // Demo data was loaded once, though both processes started on an empty database.
    let list: Vec<Value> = client
        .get(format!("{}{OFFERINGS}?id=demo-phone", b.base))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(list.len(), 1);

    let created: Value = client
        .post(format!("{}{OFFERINGS}", a.base))
        .bearer_auth(&admin)
        .json(&json!({"id": "shared-1", "name": "Shared"}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(created["id"], "shared-1");
    let seen = client
        .get(format!("{}{OFFERINGS}/shared-1", b.base))
        .send()
        .await
        .expect("send");
    assert_eq!(seen.status(), 200, "B reads what A wrote");

    // Writes through both processes at once: none is lost.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let (client, admin) = (client.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            client
                .patch(format!("{base}{OFFERINGS}/shared-1"))
                .bearer_auth(&admin)
                .header("content-type", "application/merge-patch+json")
                .body(json!({ format!("attr{i}"): i }).to_string())
                .send()
                .await
                .expect("send")
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 200);
    }
    let after = client
        .get(format!("{}{OFFERINGS}/shared-1", a.base))
        .send()
        .await
        .expect("send");
    assert_eq!(after.headers()["etag"], "\"21\"");
    let after: Value = after.json().await.expect("json");
    for i in 0..20 {
        assert_eq!(after[format!("attr{i}")], i, "attr{i} kept");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn sigterm_stops_cleanly() {
    let url = omni_store::testing::fresh_database_url().await;
    let data = demo_data();
    let mut p = spawn(&url, data.path());
    let health = common::http_client()
        .get(format!("{}/health", p.base))
        .send()
        .await
        .expect("send");
    assert_eq!(health.status(), 200);
    let pid = p.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = p.child.try_wait().expect("wait") {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = status.expect("omni did not stop within 5 s of SIGTERM");
    assert!(status.success(), "exit status {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn catalog_change_reaches_every_node_within_a_second() {
    let url = omni_store::testing::fresh_database_url().await;
    let data = demo_data();
    let a = spawn(&url, data.path());
    let b = spawn(&url, data.path());
    let client = common::http_client();
    let admin = token("catalog.admin");
    let id = "node-change-1";
    let discover = |base: &str| {
        client
            .get(format!(
                "{base}/msapi/cpopoffer/v1/product-offers?channel=ECOMM&limit=10&offset=0&productOfferingId={id}"
            ))
            .header("X-ATT-ClientId", "MyATT-MAS")
            .header("idpctx-appname", "onlineservices")
            .send()
    };
    let found = |list: &Value| {
        list.as_array()
            .expect("array")
            .iter()
            .any(|o| o["id"] == id)
    };
    let before: Value = discover(&b.base)
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert!(!found(&before), "B does not know {id} yet");

    let created = client
        .post(format!("{}{OFFERINGS}", a.base))
        .bearer_auth(&admin)
        .json(&json!({
            "id": id,
            "name": "Written on node A",
            "lifecycleStatus": "Active",
            "channel": [{"id": "ECOMM"}],
            "category": [{"id": "Mobile_Devices"}],
        }))
        .send()
        .await
        .expect("send");
    assert_eq!(created.status(), 201);
    let written = std::time::Instant::now();
    let elapsed = loop {
        let resp = discover(&b.base).await.expect("send");
        assert_eq!(resp.status(), 200);
        let list: Value = resp.json().await.expect("json");
        if found(&list) {
            assert_eq!(list[0]["name"], "Written on node A");
            break written.elapsed();
        }
        assert!(
            written.elapsed() < Duration::from_secs(10),
            "node B never discovered {id}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    println!("catalog change written on node A discovered on node B after {elapsed:?}");
    assert!(
        elapsed <= Duration::from_secs(1),
        "node B discovered the change after {elapsed:?}"
    );
    // Node A, where it was written, polls the same counter: within the same second.
    loop {
        let on_a: Value = discover(&a.base)
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        if found(&on_a) {
            break;
        }
        assert!(
            written.elapsed() <= Duration::from_secs(1),
            "node A did not answer {id} within a second"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Events committed while their listener was failing survive a kill -9 of
/// the server and are delivered, in order, by the next process.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_committed_before_a_kill_are_delivered_after_restart() {
    let url = omni_store::testing::fresh_database_url().await;
    let data = demo_data();
    let rx = common::receiver::Receiver::start().await;
    rx.set_failing(true);
    let quick = [
        ("OMNI_WEBHOOK_BACKOFF_MS", "50"),
        ("OMNI_WEBHOOK_TIMEOUT_MS", "1000"),
        ("OMNI_WEBHOOK_MAX_ATTEMPTS", "100"),
    ];
    let mut a = spawn_with(&url, data.path(), &quick);
    let client = common::http_client();
    let admin = token("catalog.admin");
    let secret = "kill-test-listener-secret";
    let hub = client
        .post(format!("{}/tmf-api/productCatalogManagement/v4/hub", a.base))
        .bearer_auth(&admin)
        .json(&json!({"callback": rx.url, "secret": secret, "query": "eventType=ProductOfferingCreateEvent"}))
        .send()
        .await
        .expect("send");
    assert_eq!(hub.status(), 201);
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = format!("before-kill-{i}");
        let created = client
            .post(format!("{}{OFFERINGS}", a.base))
            .bearer_auth(&admin)
            .json(&json!({"id": id, "name": "Committed before the kill"}))
            .send()
            .await
            .expect("send");
        assert_eq!(created.status(), 201);
        ids.push(id);
    }
    rx.wait_attempts(1, 20).await;
    a.child.kill().expect("kill -9");
    a.child.wait().expect("reap");
    assert!(rx.accepted().is_empty());

    rx.set_failing(false);
    let _b = spawn_with(&url, data.path(), &quick);
    let got = rx.wait_accepted(5, 60).await;
    let delivered: Vec<String> = got
        .iter()
        .map(|d| {
            d.json()["event"]["productOffering"]["id"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect();
    assert_eq!(delivered, ids);
    assert!(got.iter().all(|d| d.signed_with(secret)));
}
