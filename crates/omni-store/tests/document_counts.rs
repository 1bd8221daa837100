//! The running totals (`document_counts`, issue 17) against a model: after
//! every kind of write, and concurrent writers, a count summed from the
//! totals equals the documents that match, on whichever backend
//! OMNI_TEST_BACKEND names.

use omni_core::tmf630::ListQuery;
use omni_core::tmf630::index::plan;
use omni_store::testing::{fresh_database_url, fresh_store};
use omni_store::{
    ConnectOptions, Document, DocumentKey, DocumentQuery, DocumentWrite, Effects, NewEvent, Store,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const KIND: &str = "productOrder";
const STATES: [&str; 4] = [
    "acknowledged",
    "inProgress",
    "completed",
    "2024-01-01T00:00:00Z",
];

/// What the store should hold: (tenant, id) → (version, body).
type Model = BTreeMap<(String, String), (i64, Value)>;

fn order(tenant: &str, id: &str, version: i64, body: Value) -> Document {
    Document {
        tenant: tenant.into(),
        kind: KIND.into(),
        id: id.into(),
        version,
        owner: None,
        state: None,
        created_at: format!("2024-01-01T00:00:00.{:03}Z", id.len()),
        updated_at: "2024-01-01T00:00:00.000Z".into(),
        body,
    }
}

/// A body with one state of [`STATES`], none, or (rarely) an array of two,
/// which the totals cannot sum.
fn body(id: &str, pick: u64) -> Value {
    match pick % 11 {
        9 => json!({"id": id, "@type": "ProductOrder"}),
        10 => json!({"id": id, "state": ["completed", "acknowledged"]}),
        n => {
            json!({"id": id, "state": STATES[(n % 4) as usize], "@type": if n % 2 == 0 { "A" } else { "B" }})
        }
    }
}

/// The lists whose totals are compared: none, one state, several states,
/// an instant, a type; and one the totals cannot answer.
const QUERIES: [&[(&str, &str)]; 7] = [
    &[],
    &[("state", "completed")],
    &[("state", "completed,acknowledged,completed")],
    &[("state", "2024-01-01T00:00:00.000Z")],
    &[("@type", "A")],
    &[("@type", "ProductOrder")],
    &[("state", "inProgress"), ("@type", "B")],
];

async fn check(store: &dyn Store, model: &Model, when: &str) {
    for tenant in ["t1", "t2"] {
        let stored = DocumentQuery {
            tenant: tenant.into(),
            kind: KIND.into(),
            owner: None,
            page: None,
        };
        let all = store.count_documents(&stored).await.expect("count");
        let mine = model.keys().filter(|(t, _)| t == tenant).count() as u64;
        assert_eq!(all, mine, "{when}: every order of {tenant}");
        for pairs in QUERIES {
            let query = ListQuery::parse(pairs.iter().copied(), &[]).expect("valid query");
            let keys = plan(KIND, &query).keys;
            let expected = model
                .iter()
                .filter(|((t, _), (_, body))| t == tenant && query.matches(body))
                .count() as u64;
            let counted = store.count_keyed(&stored, &keys).await.expect("count");
            let listed = store.list_keyed(&stored, &keys).await.expect("list").len() as u64;
            assert_eq!(counted, expected, "{when}: {tenant} {pairs:?}");
            assert_eq!(listed, expected, "{when}: {tenant} {pairs:?} listed");
        }
    }
}

/// A small generator, so that a failure replays.
struct Draw(u64);
impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn gone(d: &Document) -> NewEvent {
    NewEvent {
        event_id: format!("gone-{}-{}-{}", d.tenant, d.id, uuid::Uuid::new_v4()),
        tenant: d.tenant.clone(),
        event_type: "ProductOrderDeleteEvent".into(),
        resource_kind: d.kind.clone(),
        resource_id: d.id.clone(),
        occurred_at: "2024-06-01T00:00:00.000Z".into(),
        payload: json!({"id": d.id}),
    }
}

/// Inserts, updates, deletes, puts, multi-document writes and expiry, at
/// random, each followed by the comparison.
async fn run_writes(store: &dyn Store, model: &mut Model, draw: &mut Draw, steps: usize) {
    for step in 0..steps {
        let tenant = if draw.next().is_multiple_of(3) {
            "t2"
        } else {
            "t1"
        };
        let id = format!("o{}", draw.next() % 24);
        let key = (tenant.to_string(), id.clone());
        let pick = draw.next();
        let existing = model.get(&key).cloned();
        let what = match (draw.next() % 6, &existing) {
            (0 | 1, None) => {
                let b = body(&id, pick);
                let expiring = pick.is_multiple_of(5);
                let effects = Effects {
                    expires_at: expiring.then(|| Some("2024-02-01T00:00:00.000Z".to_string())),
                    ..Effects::none()
                };
                store
                    .insert_document(&order(tenant, &id, 1, b.clone()), &effects)
                    .await
                    .expect("insert");
                model.insert(key, (1, b));
                "insert"
            }
            (0..=2, Some((v, _))) => {
                let b = body(&id, pick);
                store
                    .update_document(&order(tenant, &id, v + 1, b.clone()), &Effects::none())
                    .await
                    .expect("update");
                model.insert(key, (v + 1, b));
                "update"
            }
            (3, Some((v, _))) => {
                let k = DocumentKey {
                    tenant: tenant.into(),
                    kind: KIND.into(),
                    id: id.clone(),
                };
                store
                    .delete_document(&k, Some(*v), &Effects::none())
                    .await
                    .expect("delete");
                model.remove(&key);
                "delete"
            }
            (4, _) => {
                // A put of this order and of a new one beside it.
                let other = format!("p{}", draw.next() % 8);
                let version = existing.as_ref().map_or(1, |(v, _)| v + 1);
                let (b1, b2) = (body(&id, pick), body(&other, pick / 11));
                let o2 = (tenant.to_string(), other.clone());
                let v2 = model.get(&o2).map_or(1, |(v, _)| v + 1);
                store
                    .put_documents(&[
                        order(tenant, &id, version, b1.clone()),
                        order(tenant, &other, v2, b2.clone()),
                    ])
                    .await
                    .expect("put");
                model.insert(key, (version, b1));
                model.insert(o2, (v2, b2));
                "put"
            }
            (_, Some((v, _))) => {
                // One write: this order deleted, another inserted or updated.
                let other = format!("w{}", draw.next() % 6);
                let o2 = (tenant.to_string(), other.clone());
                let b2 = body(&other, pick);
                let second = match model.get(&o2) {
                    Some((v2, _)) => {
                        DocumentWrite::Update(order(tenant, &other, v2 + 1, b2.clone()))
                    }
                    None => DocumentWrite::Insert(order(tenant, &other, 1, b2.clone())),
                };
                let v2 = model.get(&o2).map_or(1, |(v2, _)| v2 + 1);
                let k = DocumentKey {
                    tenant: tenant.into(),
                    kind: KIND.into(),
                    id: id.clone(),
                };
                store
                    .write_documents(
                        &[
                            second,
                            DocumentWrite::Delete {
                                key: k,
                                version: *v,
                            },
                        ],
                        &Effects::none(),
                    )
                    .await
                    .expect("write");
                model.remove(&key);
                model.insert(o2, (v2, b2));
                "write"
            }
            (_, None) => {
                let swept = store
                    .delete_expired(KIND, "2024-06-01T00:00:00.000Z", 100, gone)
                    .await
                    .expect("sweep");
                for k in swept {
                    model.remove(&(k.tenant, k.id));
                }
                "sweep"
            }
        };
        check(store, model, &format!("step {step} ({what})")).await;
    }
}

#[tokio::test]
async fn totals_follow_every_kind_of_write() {
    let store = fresh_store().await;
    let mut model = Model::new();
    let mut draw = Draw(17);
    run_writes(&*store, &mut model, &mut draw, 160).await;
}

/// Writers moving orders between states at once, two orders a write in
/// both orders of ids: no deadlock, no lost addition.
#[tokio::test]
async fn concurrent_writers_keep_the_totals() {
    let store = fresh_store().await;
    let mut tasks = Vec::new();
    for w in 0..8u64 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let (a, b) = (format!("a{w}"), format!("b{w}"));
            let mut va = 1;
            let mut vb = 1;
            store
                .insert_document(&order("t1", &a, 1, body(&a, w)), &Effects::none())
                .await
                .expect("insert");
            store
                .insert_document(&order("t1", &b, 1, body(&b, w + 1)), &Effects::none())
                .await
                .expect("insert");
            for round in 0..15u64 {
                va += 1;
                vb += 1;
                let (first, second) = (
                    DocumentWrite::Update(order("t1", &a, va, body(&a, w + round))),
                    DocumentWrite::Update(order("t1", &b, vb, body(&b, w + round + 2))),
                );
                let writes = if round % 2 == 0 {
                    [first, second]
                } else {
                    [second, first]
                };
                store
                    .write_documents(&writes, &Effects::none())
                    .await
                    .expect("write");
            }
            [
                (a, va, body(&format!("a{w}"), w + 14)),
                (b, vb, body(&format!("b{w}"), w + 16)),
            ]
        }));
    }
    let mut model = Model::new();
    for task in tasks {
        for (id, version, body) in task.await.expect("writer") {
            model.insert(("t1".into(), id), (version, body));
        }
    }
    check(&*store, &model, "after concurrent writers").await;
}

/// A database whose totals are missing (written before migration 0010, or
/// counted for other attributes) is counted again at start-up.
#[tokio::test]
async fn totals_are_recounted_from_stored_orders() {
    let url = fresh_database_url().await;
    let store = omni_store::connect(&url, &ConnectOptions::default())
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    let mut model = Model::new();
    let mut draw = Draw(5);
    run_writes(&*store, &mut model, &mut draw, 60).await;
    let forget = [
        "DELETE FROM document_counts",
        "UPDATE counters SET value = 0 WHERE name = 'omni:document_counts_version'",
    ];
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(&url).await.expect("connect");
        for sql in forget {
            sqlx::query(sql).execute(&pool).await.expect("forget");
        }
    } else {
        let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
        for sql in forget {
            sqlx::query(sql).execute(&pool).await.expect("forget");
        }
    }
    // Without totals, every sum is zero: the check would fail.
    let stored = DocumentQuery {
        tenant: "t1".into(),
        kind: KIND.into(),
        owner: None,
        page: None,
    };
    assert_eq!(store.count_documents(&stored).await.expect("count"), 0);
    store.migrate().await.expect("migrate again");
    check(&*store, &model, "after the recount").await;
}
