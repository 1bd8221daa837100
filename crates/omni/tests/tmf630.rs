//! TMF630 conventions on the TMF620 catalog, black-box over HTTP: paging and
//! its count headers, attribute selection, filtering, merge PATCH, DELETE and
//! ETag / If-Match.
mod common;

use common::{CATALOG, TestServer};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH};
use reqwest::{Response, Url};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// A catalog URL with `query` encoded as a form query string.
fn catalog_url(s: &TestServer, path: &str, query: &[(&str, &str)]) -> Url {
    let mut url = Url::parse(&s.url(&format!("{CATALOG}/{path}"))).expect("url");
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
    }
    url
}

/// One list page: the items and the two TMF630 count headers.
struct ListPage {
    total: usize,
    result: usize,
    items: Vec<Value>,
}

impl ListPage {
    fn ids(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_string())
            .collect()
    }

    fn sorted_ids(&self) -> Vec<String> {
        let mut ids = self.ids();
        ids.sort();
        ids
    }
}

fn count_header(resp: &Response, name: &str) -> usize {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .to_str()
        .expect("ascii")
        .parse()
        .expect("number")
}

async fn read_page(resp: Response) -> ListPage {
    assert_eq!(resp.status(), 200, "list status");
    let total = count_header(&resp, "x-total-count");
    let result = count_header(&resp, "x-result-count");
    let items: Vec<Value> = resp.json().await.expect("json array");
    assert_eq!(result, items.len(), "X-Result-Count is the page length");
    ListPage {
        total,
        result,
        items,
    }
}

async fn list(s: &TestServer, kind: &str, query: &[(&str, &str)]) -> ListPage {
    let resp = s
        .client
        .get(catalog_url(s, kind, query))
        .send()
        .await
        .expect("send");
    read_page(resp).await
}

/// Query pairs of one list request.
type Query<'a> = &'a [(&'a str, &'a str)];
/// The ids a list request must return.
type Expected<'a> = &'a [&'a str];

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn strings(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|i| i.to_string()).collect()
}

fn etag_of(resp: &Response) -> String {
    resp.headers()
        .get(ETAG)
        .expect("ETag")
        .to_str()
        .expect("ascii")
        .to_string()
}

// ---------------------------------------------------------------- paging

#[tokio::test]
async fn paging_with_offset_and_limit_reports_counts() {
    let s = TestServer::start().await;
    let admin = s.admin();
    for i in 0..7 {
        s.create(
            "productOffering",
            &admin,
            json!({"id": format!("o{i}"), "name": format!("Offer {i}")}),
        )
        .await;
    }

    let all = list(&s, "productOffering", &[]).await;
    assert_eq!((all.total, all.result), (7, 7));
    assert_eq!(
        all.sorted_ids(),
        strings(&["o0", "o1", "o2", "o3", "o4", "o5", "o6"])
    );

    let mut seen = Vec::new();
    for (offset, expected) in [("0", 3), ("3", 3), ("6", 1)] {
        let page = list(&s, "productOffering", &[("offset", offset), ("limit", "3")]).await;
        assert_eq!(page.total, 7, "X-Total-Count counts everything");
        assert_eq!(page.result, expected, "offset {offset}");
        seen.extend(page.ids());
    }
    // The pages are disjoint and together hold every resource, in list order.
    assert_eq!(seen, all.ids());

    let beyond = list(&s, "productOffering", &[("offset", "10"), ("limit", "3")]).await;
    assert_eq!((beyond.total, beyond.result), (7, 0));
    assert!(beyond.items.is_empty());

    let only_offset = list(&s, "productOffering", &[("offset", "5")]).await;
    assert_eq!(only_offset.ids(), all.ids()[5..].to_vec());
}

#[tokio::test]
async fn limit_zero_returns_no_items_but_counts_all() {
    let s = TestServer::start().await;
    let admin = s.admin();
    for i in 0..3 {
        s.create("category", &admin, json!({"name": format!("Cat {i}")}))
            .await;
    }
    let page = list(&s, "category", &[("limit", "0")]).await;
    assert_eq!((page.total, page.result), (3, 0));
    assert!(page.items.is_empty());
    // The same on the filtered path.
    let page = list(
        &s,
        "category",
        &[("limit", "0"), ("lifecycleStatus", "In design")],
    )
    .await;
    assert_eq!((page.total, page.result), (3, 0));
}

#[tokio::test]
async fn bad_paging_parameters_are_400_naming_them() {
    let s = TestServer::start().await;
    for (name, value) in [("limit", "-1"), ("offset", "abc"), ("limit", "1.5")] {
        let resp = s
            .client
            .get(catalog_url(&s, "productOffering", &[(name, value)]))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 400, "{name}={value}");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["details"][0]["field"], name, "{body}");
    }
}

/// Seeds `n` offerings straight into the store: a thousand HTTP creates would
/// only slow the test down without testing anything more.
async fn seed_offerings(s: &TestServer, n: usize) {
    let now = "2024-01-01T00:00:00.000Z";
    let docs: Vec<omni_store::Document> = (0..n)
        .map(|i| {
            let id = format!("seed-{i:05}");
            omni_store::Document {
                tenant: "default".into(),
                kind: "productOffering".into(),
                id: id.clone(),
                version: 1,
                owner: None,
                state: Some("Active".into()),
                created_at: now.into(),
                updated_at: now.into(),
                body: json!({
                    "id": id,
                    "name": format!("Seeded {i}"),
                    "@type": "ProductOffering",
                    "lifecycleStatus": "Active",
                    "lastUpdate": now,
                }),
            }
        })
        .collect();
    s.store.put_documents(&docs).await.expect("seed");
}

#[tokio::test]
async fn default_page_size_is_100_and_limit_is_capped_at_1000() {
    let s = TestServer::start().await;
    seed_offerings(&s, 1005).await;

    let default = list(&s, "productOffering", &[]).await;
    assert_eq!((default.total, default.result), (1005, 100));
    assert_eq!(default.ids()[0], "seed-00000");
    assert_eq!(default.ids()[99], "seed-00099");

    let capped = list(&s, "productOffering", &[("limit", "5000")]).await;
    assert_eq!((capped.total, capped.result), (1005, 1000));

    let exact = list(&s, "productOffering", &[("limit", "1000")]).await;
    assert_eq!((exact.total, exact.result), (1005, 1000));

    let tail = list(
        &s,
        "productOffering",
        &[("offset", "1000"), ("limit", "5000")],
    )
    .await;
    assert_eq!((tail.total, tail.result), (1005, 5));
    assert_eq!(tail.ids()[4], "seed-01004");

    // The same rules when a filter makes the server scan.
    let filtered_default = list(&s, "productOffering", &[("lifecycleStatus", "Active")]).await;
    assert_eq!(
        (filtered_default.total, filtered_default.result),
        (1005, 100)
    );
    let filtered_capped = list(
        &s,
        "productOffering",
        &[("lifecycleStatus", "Active"), ("limit", "100000")],
    )
    .await;
    assert_eq!(
        (filtered_capped.total, filtered_capped.result),
        (1005, 1000)
    );
}

// ---------------------------------------------------------------- fields

#[tokio::test]
async fn fields_returns_exactly_the_requested_attributes() {
    let s = TestServer::start().await;
    let admin = s.admin();
    for i in 0..2 {
        s.create(
            "productOffering",
            &admin,
            json!({
                "id": format!("f{i}"),
                "name": format!("Offer {i}"),
                "description": "d",
                "isBundle": false,
                "category": [{"id": "c1"}],
            }),
        )
        .await;
    }

    let page = list(&s, "productOffering", &[("fields", "name,isBundle")]).await;
    assert_eq!(page.total, 2);
    assert_eq!(page.items.len(), 2);
    for item in &page.items {
        assert_eq!(keys(item), set(&["name", "isBundle"]), "{item}");
    }
    let names: BTreeSet<&str> = page
        .items
        .iter()
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, BTreeSet::from(["Offer 0", "Offer 1"]));

    let page = list(&s, "productOffering", &[("fields", "id,href")]).await;
    for item in &page.items {
        assert_eq!(keys(item), set(&["id", "href"]), "{item}");
    }

    // An attribute a resource does not have is simply absent.
    let page = list(
        &s,
        "productOffering",
        &[("fields", "description,statusReason")],
    )
    .await;
    for item in &page.items {
        assert_eq!(item, &json!({"description": "d"}));
    }

    // Combined with a filter on an attribute that is not selected.
    let page = list(&s, "productOffering", &[("fields", "name"), ("id", "f1")]).await;
    assert_eq!(page.items, vec![json!({"name": "Offer 1"})]);

    // Get by id.
    let one: Value = s
        .client
        .get(catalog_url(
            &s,
            "productOffering/f0",
            &[("fields", "name,description,category")],
        ))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        one,
        json!({"name": "Offer 0", "description": "d", "category": [{"id": "c1"}]})
    );
    let one: Value = s
        .client
        .get(catalog_url(&s, "productOffering/f0", &[("fields", "id")]))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(one, json!({"id": "f0"}));

    // Without fields, the whole resource.
    let whole: Value = s
        .client
        .get(catalog_url(&s, "productOffering/f0", &[]))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    for k in [
        "id",
        "href",
        "@type",
        "name",
        "description",
        "lastUpdate",
        "lifecycleStatus",
    ] {
        assert!(whole.get(k).is_some(), "{k} missing in {whole}");
    }
}

// ---------------------------------------------------------------- filters

async fn seed_filter_offerings(s: &TestServer) {
    let admin = s.admin();
    for body in [
        json!({"id": "a", "name": "Basic", "lifecycleStatus": "Active", "isBundle": false,
               "category": [{"id": "cat-1", "name": "Mobile"}, {"id": "cat-2", "name": "Home"}]}),
        json!({"id": "b", "name": "Plus, extra", "lifecycleStatus": "Active", "isBundle": true,
               "category": [{"id": "cat-2", "name": "Home"}]}),
        json!({"id": "c", "name": "Max", "lifecycleStatus": "Retired", "category": []}),
        json!({"id": "d", "name": "Plus", "lifecycleStatus": "In design"}),
    ] {
        s.create("productOffering", &admin, body).await;
    }
}

#[tokio::test]
async fn filters_on_attributes_and_paths_into_arrays() {
    let s = TestServer::start().await;
    seed_filter_offerings(&s).await;
    let cases: &[(Query, &[&str])] = &[
        (&[("lifecycleStatus", "Active")], &["a", "b"]),
        (&[("name", "Plus")], &["d"]),
        (&[("isBundle", "true")], &["b"]),
        (&[("isBundle", "false")], &["a"]),
        (&[("id", "c")], &["c"]),
        (&[("category.id", "cat-1")], &["a"]),
        (&[("category.id", "cat-2")], &["a", "b"]),
        (&[("category.name", "Home")], &["a", "b"]),
        (&[("category.id", "cat-9")], &[]),
        // Double quotes protect a comma inside a value.
        (&[("name", "\"Plus, extra\"")], &["b"]),
        // Comma means OR.
        (&[("name", "Basic,Max")], &["a", "c"]),
        (&[("name", "\"Plus, extra\",Max")], &["b", "c"]),
        (&[("category.id", "cat-1,cat-2")], &["a", "b"]),
        (&[("lifecycleStatus", "Retired,In design")], &["c", "d"]),
        // Several filters all apply.
        (
            &[("lifecycleStatus", "Active"), ("category.id", "cat-1")],
            &["a"],
        ),
        (
            &[("lifecycleStatus", "Retired"), ("category.id", "cat-2")],
            &[],
        ),
        // `.eq` is the explicit form of equality.
        (&[("name.eq", "Max")], &["c"]),
        (&[("nosuchattribute", "x")], &[]),
    ];
    for (query, expected) in cases {
        let page = list(&s, "productOffering", query).await;
        assert_eq!(page.sorted_ids(), strings(expected), "query {query:?}");
        assert_eq!(page.total, expected.len(), "X-Total-Count for {query:?}");
    }

    // The same filters written straight into the URL.
    for (raw, expected) in [
        ("?name=%22Plus,%20extra%22", &["b"][..]),
        ("?name=Basic,Max", &["a", "c"][..]),
        ("?category.id=cat-1", &["a"][..]),
    ] {
        let url = s.url(&format!("{CATALOG}/productOffering{raw}"));
        let resp = s.client.get(url).send().await.expect("send");
        let page = read_page(resp).await;
        assert_eq!(page.sorted_ids(), strings(expected), "{raw}");
    }
}

async fn seed_prices(s: &TestServer) -> Vec<String> {
    let admin = s.admin();
    let mut last_updates = Vec::new();
    for (id, value, percentage, start) in [
        ("p1", json!(10), json!(5), "2024-01-01T00:00:00Z"),
        ("p2", json!(25.5), json!(15), "2024-06-01T12:00:00Z"),
        // 2024-12-31T22:00:00Z in UTC.
        ("p3", json!(60), json!(50.25), "2025-01-01T00:00:00+02:00"),
    ] {
        let created = s
            .create(
                "productOfferingPrice",
                &admin,
                json!({
                    "id": id,
                    "name": format!("Price {id}"),
                    "priceType": "recurring",
                    "percentage": percentage,
                    "price": {"unit": "USD", "value": value},
                    "validFor": {"startDateTime": start},
                }),
            )
            .await;
        last_updates.push(
            created["lastUpdate"]
                .as_str()
                .expect("lastUpdate")
                .to_string(),
        );
        // Distinct lastUpdate stamps (millisecond precision).
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    last_updates
}

#[tokio::test]
async fn filters_compare_numbers_and_dates() {
    let s = TestServer::start().await;
    let stamps = seed_prices(&s).await;
    assert!(stamps[0] < stamps[1] && stamps[1] < stamps[2], "{stamps:?}");
    let cases: Vec<(Vec<(&str, &str)>, Expected)> = vec![
        // Numbers, first level and nested.
        (vec![("percentage.gt", "5")], &["p2", "p3"]),
        (vec![("percentage.gte", "5")], &["p1", "p2", "p3"]),
        (vec![("percentage.lt", "15")], &["p1"]),
        (vec![("percentage.lte", "15")], &["p1", "p2"]),
        (vec![("percentage.gt", "50.2")], &["p3"]),
        (vec![("percentage", "15.0")], &["p2"]),
        (vec![("price.value.gt", "10")], &["p2", "p3"]),
        (vec![("price.value.gte", "25.50")], &["p2", "p3"]),
        (vec![("price.value.lt", "60")], &["p1", "p2"]),
        (vec![("price.value.lte", "10")], &["p1"]),
        (
            vec![("price.value.gt", "10"), ("price.value.lt", "60")],
            &["p2"],
        ),
        // Dates compare as instants, whatever the offset.
        (
            vec![("validFor.startDateTime.gte", "2024-06-01T12:00:00Z")],
            &["p2", "p3"],
        ),
        (
            vec![("validFor.startDateTime.gt", "2024-06-01T12:00:00Z")],
            &["p3"],
        ),
        (vec![("validFor.startDateTime.lt", "2024-06-01")], &["p1"]),
        (
            vec![("validFor.startDateTime.lte", "2024-06-01T14:00:00+02:00")],
            &["p1", "p2"],
        ),
        (
            vec![("validFor.startDateTime.gt", "2024-12-31T21:59:59Z")],
            &["p3"],
        ),
        (
            vec![("validFor.startDateTime.lt", "2024-12-31T22:00:01Z")],
            &["p1", "p2", "p3"],
        ),
        (
            vec![("validFor.startDateTime", "2024-12-31T22:00:00Z")],
            &["p3"],
        ),
        // lastUpdate, stamped by the server.
        (vec![("lastUpdate.gt", &stamps[0])], &["p2", "p3"]),
        (vec![("lastUpdate.gte", &stamps[1])], &["p2", "p3"]),
        (vec![("lastUpdate.lt", &stamps[1])], &["p1"]),
        (vec![("lastUpdate.lte", &stamps[1])], &["p1", "p2"]),
        (vec![("lastUpdate.gt", "2000-01-01")], &["p1", "p2", "p3"]),
        (vec![("lastUpdate.lt", "2000-01-01")], &[]),
    ];
    for (query, expected) in &cases {
        let page = list(&s, "productOfferingPrice", query).await;
        assert_eq!(page.sorted_ids(), strings(expected), "query {query:?}");
        assert_eq!(page.total, expected.len(), "X-Total-Count for {query:?}");
    }
}

/// The operator forms `a>=v`, `a>v`, `a<=v`, `a<v`. HTTP does not allow a raw
/// `<` or `>` in a request target, so clients percent-encode them; the `=`
/// then either stays raw (`a%3E=v`, the usual case) or is encoded as well
/// (`a%3E%3Dv`, the whole expression as one parameter name).
#[tokio::test]
async fn operator_forms_of_filters() {
    let s = TestServer::start().await;
    seed_prices(&s).await;
    let cases: &[(&str, &[&str])] = &[
        ("percentage>=15", &["p2", "p3"]),
        ("percentage>15", &["p3"]),
        ("percentage<=15", &["p1", "p2"]),
        ("percentage<15", &["p1"]),
        ("price.value>10", &["p2", "p3"]),
        ("price.value<=25.5", &["p1", "p2"]),
        (
            "validFor.startDateTime>=2024-06-01T12:00:00Z",
            &["p2", "p3"],
        ),
        ("validFor.startDateTime<2024-06-01T12:00:00Z", &["p1"]),
        ("percentage>5&percentage<50", &["p2"]),
    ];
    for (filter, expected) in cases {
        let encoded = filter.replace('>', "%3E").replace('<', "%3C");
        let url = s.url(&format!("{CATALOG}/productOfferingPrice?{encoded}"));
        let resp = s.client.get(url).send().await.expect("send");
        let page = read_page(resp).await;
        assert_eq!(page.sorted_ids(), strings(expected), "{encoded}");
        assert_eq!(page.total, expected.len(), "{encoded}");

        let mut url = catalog_url(&s, "productOfferingPrice", &[]);
        {
            let mut pairs = url.query_pairs_mut();
            for expression in filter.split('&') {
                pairs.append_key_only(expression);
            }
        }
        let shown = url.to_string();
        let resp = s.client.get(url).send().await.expect("send");
        let page = read_page(resp).await;
        assert_eq!(page.sorted_ids(), strings(expected), "{shown}");
    }
}

#[tokio::test]
async fn filters_combine_with_paging() {
    let s = TestServer::start().await;
    let admin = s.admin();
    for i in 0..10 {
        let status = if i % 3 == 0 { "Retired" } else { "Active" };
        s.create(
            "productOffering",
            &admin,
            json!({"id": format!("q{i}"), "name": format!("Offer {i}"), "lifecycleStatus": status}),
        )
        .await;
    }
    // Active: q1 q2 q4 q5 q7 q8.
    let all = list(&s, "productOffering", &[("lifecycleStatus", "Active")]).await;
    assert_eq!(all.total, 6);
    assert_eq!(
        all.sorted_ids(),
        strings(&["q1", "q2", "q4", "q5", "q7", "q8"])
    );

    let mut seen = Vec::new();
    for offset in ["0", "2", "4"] {
        let page = list(
            &s,
            "productOffering",
            &[
                ("lifecycleStatus", "Active"),
                ("offset", offset),
                ("limit", "2"),
            ],
        )
        .await;
        assert_eq!(
            (page.total, page.result),
            (6, 2),
            "X-Total-Count counts every match, offset {offset}"
        );
        seen.extend(page.ids());
    }
    assert_eq!(seen, all.ids());

    let last = list(
        &s,
        "productOffering",
        &[
            ("lifecycleStatus", "Active"),
            ("offset", "5"),
            ("limit", "2"),
            ("fields", "name"),
        ],
    )
    .await;
    assert_eq!((last.total, last.result), (6, 1));
    assert_eq!(keys(&last.items[0]), set(&["name"]));

    let none = list(
        &s,
        "productOffering",
        &[("lifecycleStatus", "Gone"), ("limit", "2")],
    )
    .await;
    assert_eq!((none.total, none.result), (0, 0));
}

// ---------------------------------------------------------------- PATCH, DELETE, ETag

#[tokio::test]
async fn merge_patch_changes_the_resource_and_returns_it_whole() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let created = s
        .create(
            "productOffering",
            &admin,
            json!({
                "id": "m1",
                "name": "Original",
                "description": "to be removed",
                "isSellable": true,
                "validFor": {"startDateTime": "2024-01-01T00:00:00Z"},
                "productSpecification": {"id": "spec-1", "name": "Spec one"},
            }),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(15)).await;

    let url = catalog_url(&s, "productOffering/m1", &[]);
    let resp = s
        .client
        .patch(url.clone())
        .bearer_auth(&admin)
        .header(CONTENT_TYPE, "application/merge-patch+json")
        .body(
            json!({
                "description": null,
                "validFor": {"endDateTime": "2025-01-01T00:00:00Z"},
                "productSpecification": {"name": "Spec renamed"},
                "statusReason": "launch",
            })
            .to_string(),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(etag_of(&resp), "\"2\"");
    let patched: Value = resp.json().await.expect("json");
    // The whole resource comes back.
    assert_eq!(patched["id"], "m1");
    assert_eq!(patched["href"], created["href"]);
    assert_eq!(patched["@type"], "ProductOffering");
    assert_eq!(patched["name"], "Original");
    assert_eq!(patched["isSellable"], true);
    assert_eq!(patched["lifecycleStatus"], created["lifecycleStatus"]);
    assert_eq!(patched["statusReason"], "launch");
    // null removes.
    assert!(
        patched.get("description").is_none(),
        "description must be removed: {patched}"
    );
    // Nested objects merge.
    assert_eq!(
        patched["validFor"],
        json!({"startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "2025-01-01T00:00:00Z"})
    );
    assert_eq!(
        patched["productSpecification"],
        json!({"id": "spec-1", "name": "Spec renamed"})
    );
    // lastUpdate moves on.
    let before = created["lastUpdate"].as_str().expect("lastUpdate");
    let after = patched["lastUpdate"].as_str().expect("lastUpdate");
    assert!(after > before, "lastUpdate {before} -> {after}");

    // What GET returns is what PATCH returned.
    let resp = s.client.get(url.clone()).send().await.expect("send");
    assert_eq!(etag_of(&resp), "\"2\"");
    let fetched: Value = resp.json().await.expect("json");
    assert_eq!(fetched, patched);

    // Plain application/json is merge patch too.
    for (n, content_type) in [
        (3, "application/json"),
        (4, "application/json; charset=utf-8"),
    ] {
        tokio::time::sleep(Duration::from_millis(15)).await;
        let resp = s
            .client
            .patch(url.clone())
            .bearer_auth(&admin)
            .header(CONTENT_TYPE, content_type)
            .body(json!({"name": format!("Renamed {n}"), "isSellable": null}).to_string())
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 200, "{content_type}");
        assert_eq!(etag_of(&resp), format!("\"{n}\""));
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["name"], format!("Renamed {n}"));
        assert!(body.get("isSellable").is_none());
        assert_eq!(body["statusReason"], "launch");
        assert_eq!(body["validFor"], patched["validFor"]);
        assert!(body["lastUpdate"].as_str().expect("lastUpdate") > after);
    }
}

#[tokio::test]
async fn patch_cannot_remove_required_attributes_or_change_id() {
    let s = TestServer::start().await;
    let admin = s.admin();
    s.create("catalog", &admin, json!({"id": "k1", "name": "Main"}))
        .await;
    let url = catalog_url(&s, "catalog/k1", &[]);
    for (patch, field) in [
        (json!({"name": null}), "name"),
        (json!({"id": "k2"}), "id"),
        (json!({"id": "k1"}), "id"),
        (json!({"lastUpdate": "2024-01-01T00:00:00Z"}), "lastUpdate"),
        (json!({"href": "http://elsewhere"}), "href"),
        (json!({"name": "x".repeat(256)}), "name"),
        (json!({"validFor": "always"}), "validFor"),
    ] {
        let resp = s
            .client
            .patch(url.clone())
            .bearer_auth(&admin)
            .header(CONTENT_TYPE, "application/merge-patch+json")
            .body(patch.to_string())
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 400, "{patch}");
        let body: Value = resp.json().await.expect("json");
        let fields: Vec<&str> = body["details"]
            .as_array()
            .expect("details")
            .iter()
            .map(|d| d["field"].as_str().expect("field"))
            .collect();
        assert_eq!(fields, [field], "{patch}: {body}");
        assert!(
            body["message"].as_str().expect("message").contains(field),
            "{body}"
        );
    }
    // Nothing changed.
    let resp = s.client.get(url).send().await.expect("send");
    assert_eq!(etag_of(&resp), "\"1\"");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["id"], "k1");
    assert_eq!(body["name"], "Main");

    let resp = s
        .client
        .patch(catalog_url(&s, "catalog/k2", &[]))
        .bearer_auth(&admin)
        .header(CONTENT_TYPE, "application/merge-patch+json")
        .body(json!({"name": "x"}).to_string())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 404, "k2 was never created");
}

#[tokio::test]
async fn delete_then_get_is_404() {
    let s = TestServer::start().await;
    let admin = s.admin();
    s.create(
        "productSpecification",
        &admin,
        json!({"id": "s1", "name": "Spec"}),
    )
    .await;
    s.create(
        "productSpecification",
        &admin,
        json!({"id": "s2", "name": "Other"}),
    )
    .await;
    let url = catalog_url(&s, "productSpecification/s1", &[]);
    let resp = s
        .client
        .delete(url.clone())
        .bearer_auth(&admin)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);
    assert!(resp.bytes().await.expect("body").is_empty());

    let resp = s.client.get(url.clone()).send().await.expect("send");
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "404");

    let page = list(&s, "productSpecification", &[]).await;
    assert_eq!(page.ids(), strings(&["s2"]));
    assert_eq!(page.total, 1);

    let resp = s
        .client
        .delete(url)
        .bearer_auth(&admin)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 404, "a second delete finds nothing");
}

#[tokio::test]
async fn if_match_guards_patch_and_delete() {
    let s = TestServer::start().await;
    let admin = s.admin();
    let resp = s
        .client
        .post(catalog_url(&s, "category", &[]))
        .bearer_auth(&admin)
        .json(&json!({"id": "e1", "name": "Etag"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 201);
    assert_eq!(etag_of(&resp), "\"1\"");
    let url = catalog_url(&s, "category/e1", &[]);
    let resp = s.client.get(url.clone()).send().await.expect("send");
    assert_eq!(etag_of(&resp), "\"1\"");

    let patch = |if_match: &'static str, name: &'static str| {
        s.client
            .patch(url.clone())
            .bearer_auth(&admin)
            .header(IF_MATCH, if_match)
            .header(CONTENT_TYPE, "application/merge-patch+json")
            .body(json!({"name": name}).to_string())
            .send()
    };

    let resp = patch("\"1\"", "First").await.expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(etag_of(&resp), "\"2\"");

    // Stale.
    let resp = patch("\"1\"", "Lost").await.expect("send");
    assert_eq!(resp.status(), 412);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["status"], "412");
    assert_eq!(body["@type"], "Error");
    // Not a version at all.
    let resp = patch("\"banana\"", "Lost").await.expect("send");
    assert_eq!(resp.status(), 412);

    let resp = s
        .client
        .delete(url.clone())
        .bearer_auth(&admin)
        .header(IF_MATCH, "\"1\"")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 412);

    // Nothing was lost or deleted.
    let resp = s.client.get(url.clone()).send().await.expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(etag_of(&resp), "\"2\"");
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["name"], "First");

    // Current ETag (weak form and `*` too) is accepted.
    let resp = patch("W/\"2\"", "Second").await.expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(etag_of(&resp), "\"3\"");
    let resp = patch("*", "Third").await.expect("send");
    assert_eq!(resp.status(), 200);
    assert_eq!(etag_of(&resp), "\"4\"");

    let resp = s
        .client
        .delete(url.clone())
        .bearer_auth(&admin)
        .header(IF_MATCH, "\"4\"")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);
    let resp = s.client.get(url).send().await.expect("send");
    assert_eq!(resp.status(), 404);
}

/// What `fields=id,<parent>.<child>` must answer for `whole` (TMF630 Part 1):
/// the id, and inside `parent` (each element when it is an array) only
/// `child`, where it exists.
fn expected_projection(whole: &Value, parent: &str, child: &str) -> Value {
    let keep = |v: &Value| -> Value {
        match v.get(child) {
            Some(c) => json!({ child: c }),
            None => json!({}),
        }
    };
    let inner = match &whole[parent] {
        Value::Array(items) => Value::Array(items.iter().map(keep).collect()),
        other => keep(other),
    };
    json!({"id": whole["id"], parent: inner})
}

/// One created resource of a TMF API, read back with a dotted `fields` and
/// with `fields=none`, alone and in its list.
struct Projected<'a> {
    api: &'a str,
    collection: String,
    token: String,
    whole: Value,
    parent: &'a str,
    child: &'a str,
}

async fn get_json(s: &TestServer, token: &str, path: &str) -> Value {
    let resp = s
        .client
        .get(s.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

impl Projected<'_> {
    async fn check(&self, s: &TestServer) {
        let id = self.whole["id"].as_str().expect("id");
        let api = self.api;
        assert!(
            self.whole[self.parent].is_array() || self.whole[self.parent].is_object(),
            "{api}: {} must be there to select inside",
            self.parent
        );
        let dotted = format!("id,{}.{}", self.parent, self.child);
        let expected = expected_projection(&self.whole, self.parent, self.child);
        let one = format!("{}/{id}?fields={dotted}", self.collection);
        assert_eq!(
            get_json(s, &self.token, &one).await,
            expected,
            "{api}: {one}"
        );
        let list = format!("{}?id={id}&fields={dotted}", self.collection);
        assert_eq!(
            get_json(s, &self.token, &list).await,
            json!([expected]),
            "{api}: {list}"
        );
        let none = json!({"id": id, "href": self.whole["href"]});
        let one = format!("{}/{id}?fields=none", self.collection);
        assert_eq!(get_json(s, &self.token, &one).await, none, "{api}: {one}");
        let list = format!("{}?id={id}&fields=none", self.collection);
        assert_eq!(
            get_json(s, &self.token, &list).await,
            json!([none]),
            "{api}: {list}"
        );
    }
}

async fn post_json(s: &TestServer, token: &str, path: &str, body: Value) -> Value {
    let resp = s
        .client
        .post(s.url(path))
        .bearer_auth(token)
        // Carts need the sales channel (the shopping cart page, seed 004).
        .header("channelId", "ECOMM")
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = resp.status();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 201, "{path}: {answer}");
    answer
}

/// `fields` with a dotted path selects inside an attribute (every element
/// of an array), and `fields=none` answers `id` and `href`, in every TMF
/// API, lists and single reads: TMF620, TMF622, TMF663, TMF671, TMF679,
/// TMF645 and the cart rule sets.
#[tokio::test]
async fn dotted_fields_and_fields_none_in_every_tmf_api() {
    use omni_core::PrincipalKind::{M2m, User};
    let s = TestServer::start_with_demo().await;
    let admin = s.admin();
    let offering = s
        .create(
            "productOffering",
            &admin,
            json!({"name": "Projected", "lifecycleStatus": "Active",
                   "category": [{"id": "cat-1", "name": "Mobile"}, {"id": "cat-2"}]}),
        )
        .await;
    let order_ops = s.token(M2m, &["order.ops"], "default");
    const ORDERS: &str = "/tmf-api/productOrderingManagement/v4/productOrder";
    let order = post_json(&s, &order_ops, ORDERS, common::product_order()).await;
    let sc_ops = s.token(User, &["sc.ops"], "default");
    const CARTS: &str = "/tmf-api/shoppingCart/v4/shoppingCart";
    let cart = post_json(
        &s,
        &sc_ops,
        CARTS,
        json!({"cartItem": [{"id": "1", "action": "add", "quantity": 1,
                             "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca"}}]}),
    )
    .await;
    let promo_admin = s.token(User, &["promotion.admin"], "default");
    const PROMOTIONS: &str = "/tmf-api/promotionManagement/v4/promotion";
    let promotion = post_json(
        &s,
        &promo_admin,
        PROMOTIONS,
        json!({"name": "Projected", "promotionType": "Discount",
               "validFor": {"startDateTime": "2025-01-01T00:00:00Z"},
               "pattern": [{"priority": 10,
                   "criteriaGroup": [{"criteria": [{"criteriaParameter": "channel.id",
                       "criteriaOperator": "=", "criteriaValue": "ECOMM"}]}],
                   "action": [{"actionType": "percentOff", "actionValue": "15", "priceType": "oneTime"}]}]}),
    )
    .await;
    const POQ: &str = "/tmf-api/productOfferingQualification/v4/productOfferingQualification";
    let poq = post_json(
        &s,
        &sc_ops,
        POQ,
        json!({"channel": {"id": "ECOMM"}, "productOfferingQualificationItem": [
            {"id": "1", "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca"}},
            {"id": "2", "productOffering": {"id": "nope"}}]}),
    )
    .await;
    const SQ: &str = "/tmf-api/serviceQualificationManagement/v4/checkServiceQualification";
    let sq = post_json(
        &s,
        &sc_ops,
        SQ,
        json!({"serviceQualificationItem": [{"id": "1", "service": {
            "serviceSpecification": {"id": "fiber"},
            "place": [{"id": "000011VYAA", "role": "installationAddress"}]}}]}),
    )
    .await;
    let tenant_admin = s.token(User, &["tenant.admin"], "default");
    const RULES: &str = "/tmf-api/shoppingCart/v4/validationRuleSet";
    let rules = post_json(
        &s,
        &tenant_admin,
        RULES,
        json!({"name": "Projected limits", "lifecycleStatus": "Active", "channel": ["ECOMM"],
               "rule": [{"id": "max-qty", "kind": "maxQuantity", "max": 3}]}),
    )
    .await;
    let cases = [
        (
            "TMF620",
            format!("{CATALOG}/productOffering"),
            admin,
            offering,
            "category",
            "id",
        ),
        (
            "TMF622",
            ORDERS.to_string(),
            order_ops,
            order,
            "productOrderItem",
            "productOffering",
        ),
        (
            "TMF663",
            CARTS.to_string(),
            sc_ops.clone(),
            cart,
            "cartItem",
            "status",
        ),
        (
            "TMF671",
            PROMOTIONS.to_string(),
            promo_admin,
            promotion,
            "pattern",
            "priority",
        ),
        (
            "TMF679",
            POQ.to_string(),
            sc_ops.clone(),
            poq,
            "productOfferingQualificationItem",
            "state",
        ),
        (
            "TMF645",
            SQ.to_string(),
            sc_ops,
            sq,
            "serviceQualificationItem",
            "qualificationResult",
        ),
        (
            "rule sets",
            RULES.to_string(),
            tenant_admin,
            rules,
            "rule",
            "kind",
        ),
    ];
    for (api, collection, token, whole, parent, child) in cases {
        Projected {
            api,
            collection,
            token,
            whole,
            parent,
            child,
        }
        .check(&s)
        .await;
    }
}

/// A dotted `fields` path answers nested objects with only the attributes
/// named, so the documented answer of a read requires nothing at any
/// depth: `ProductOfferingQualification_Fields` points its items at
/// `ProductOfferingQualificationItem_Fields`, which requires nothing.
#[tokio::test]
async fn projected_reads_require_nothing_at_any_depth() {
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
    let schemas = &doc["components"]["schemas"];
    let answer = &schemas["ProductOfferingQualification_Fields"];
    assert!(answer.get("required").is_none(), "{answer}");
    assert_eq!(
        answer["properties"]["productOfferingQualificationItem"]["items"]["$ref"],
        "#/components/schemas/ProductOfferingQualificationItem_Fields"
    );
    let item = &schemas["ProductOfferingQualificationItem_Fields"];
    assert!(item.get("required").is_none(), "{item}");
    assert!(
        item["properties"]["productOffering"]
            .get("required")
            .is_none(),
        "{item}"
    );
    // The whole resources keep theirs.
    assert!(schemas["ProductOfferingQualificationItem"]["required"].is_array());
}
