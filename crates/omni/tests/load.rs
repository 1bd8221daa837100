//! `omni load` on a catalog larger than one write batch (issue 17: files are
//! streamed and written a batch at a time): every resource arrives, the
//! discovery index sees them, and a bad resource at the very end of a file
//! leaves the database as it was. Both databases.

mod common;

use common::TestServer;
use omni_store::DocumentQuery;

async fn count(s: &TestServer, kind: &str) -> u64 {
    s.store
        .count_documents(&DocumentQuery {
            tenant: "default".into(),
            kind: kind.into(),
            owner: None,
            page: None,
        })
        .await
        .expect("count")
}

#[tokio::test]
async fn a_catalog_of_several_batches_loads_whole_or_not_at_all() {
    let s = TestServer::start().await;
    let dir = std::env::temp_dir().join(format!("omni-load-{}", uuid::Uuid::new_v4()));
    // 12,000 offers: more than two batches of 5,000.
    omni::generate::generate(12_000, &dir, 7).expect("generate");

    // A bad offer at the end of the file: nothing of any file is written.
    let offers = dir.join("catalog/productOffering.json");
    let good = std::fs::read_to_string(&offers).expect("read");
    let bad = format!(
        "{},{{\"id\": \"bad\", \"name\": 5}}]",
        good.trim_end().trim_end_matches(']')
    );
    std::fs::write(&offers, &bad).expect("write");
    let err = omni::load::load_dir(s.store.as_ref(), &dir, "default")
        .await
        .expect_err("refused");
    let text = format!("{err:#}");
    assert!(text.contains("'bad'") && text.contains("name"), "{text}");
    for kind in [
        "productOffering",
        "productOfferingPrice",
        "category",
        "place",
    ] {
        assert_eq!(count(&s, kind).await, 0, "{kind} written by a refused load");
    }

    std::fs::write(&offers, &good).expect("write");
    let report = omni::load::load_dir(s.store.as_ref(), &dir, "default")
        .await
        .expect("loaded");
    assert_eq!(report.counts.get("productOffering"), Some(&12_000));
    assert_eq!(count(&s, "productOffering").await, 12_000);
    let prices = report
        .counts
        .get("productOfferingPrice")
        .copied()
        .unwrap_or(0);
    assert!(prices > 0);
    assert_eq!(count(&s, "productOfferingPrice").await, prices as u64);
    s.warm().await;
    assert_eq!(s.state.ctx.caches.catalog.get("default").len(), 12_000);
    let _ = std::fs::remove_dir_all(&dir);
}
