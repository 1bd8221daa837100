//! ETag and If-Match beyond the catalog (which `concurrency.rs` covers):
//! promotions, cart validation rule sets, shopping carts and product orders
//! carry an ETag, refuse a stale If-Match with 412 (PATCH and DELETE), and
//! serialise concurrent PATCHes without If-Match so that no write is lost.
//! Qualification answers, which never change, carry an ETag too.
mod common;

use common::TestServer;
use omni_core::PrincipalKind;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH};
use reqwest::{RequestBuilder, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::task::JoinSet;

const WRITERS: usize = 12;

/// One changeable resource family: where it lives, who may write it, what a
/// valid new one looks like, and which attribute a writer may set freely.
#[derive(Clone, Copy)]
struct Family {
    collection: &'static str,
    roles: &'static [&'static str],
    /// Headers every request needs besides the token.
    headers: &'static [(&'static str, &'static str)],
    new: fn() -> Value,
    /// The attribute writer `n` sets, with its value.
    change: fn(usize) -> (String, Value),
}

const PROMOTION: Family = Family {
    collection: "/tmf-api/promotionManagement/v4/promotion",
    roles: &["promotion.admin"],
    headers: &[],
    new: || {
        json!({"name": "Contended", "pattern": [{
            "criteriaGroup": [{"criteria": [{"criteriaParameter": "channel.id", "criteriaOperator": "=", "criteriaValue": "ECOMM"}]}],
            "action": [{"actionType": "percentOff", "actionValue": "5", "priceType": "oneTime"}]}]})
    },
    change: |n| (format!("note{n}"), json!(n)),
};

const RULE_SET: Family = Family {
    collection: "/tmf-api/shoppingCart/v4/validationRuleSet",
    roles: &["tenant.admin"],
    headers: &[],
    new: || {
        json!({"name": "Contended", "lifecycleStatus": "Active", "channel": ["ATTR"],
               "rule": [{"id": "qty", "kind": "maxQuantity", "max": 5}]})
    },
    change: |n| (format!("note{n}"), json!(n)),
};

const CART: Family = Family {
    collection: "/tmf-api/shoppingCart/v4/shoppingCart",
    roles: &["sc.ops"],
    headers: &[("channelId", "ECOMM")],
    new: || json!({}),
    // A cart keeps only the attributes it knows: each writer adds an item.
    change: |n| {
        (
            "cartItem".into(),
            json!([{"id": format!("{n}"), "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca"}}]),
        )
    },
};

const PRODUCT_ORDER: Family = Family {
    collection: "/tmf-api/productOrderingManagement/v4/productOrder",
    roles: &["order.ops"],
    headers: &[],
    new: || common::product_order(),
    change: |n| (format!("note{n}"), json!(n)),
};

struct Client {
    server: Arc<TestServer>,
    token: String,
    family: Family,
}

impl Client {
    fn new(server: Arc<TestServer>, family: Family) -> Self {
        let token = server.token(PrincipalKind::User, family.roles, "default");
        Self {
            server,
            token,
            family,
        }
    }

    fn request(&self, method: reqwest::Method, id: Option<&str>) -> RequestBuilder {
        let path = match id {
            Some(id) => format!("{}/{id}", self.family.collection),
            None => self.family.collection.to_string(),
        };
        let mut request = self
            .server
            .client
            .request(method, self.server.url(&path))
            .bearer_auth(&self.token);
        for (name, value) in self.family.headers {
            request = request.header(*name, *value);
        }
        request
    }

    async fn create(&self) -> String {
        let resp = self
            .request(reqwest::Method::POST, None)
            .json(&(self.family.new)())
            .send()
            .await
            .expect("send");
        assert_eq!(etag(&resp), Some(1), "a new resource is version 1");
        let body = json_of(resp, 201).await;
        body["id"].as_str().expect("id").to_string()
    }

    fn patch(&self, id: &str, patch: &Value) -> RequestBuilder {
        self.request(reqwest::Method::PATCH, Some(id))
            .header(CONTENT_TYPE, "application/merge-patch+json")
            .body(patch.to_string())
    }

    async fn get(&self, id: &str) -> (Option<i64>, Value) {
        let resp = self
            .request(reqwest::Method::GET, Some(id))
            .send()
            .await
            .expect("send");
        (etag(&resp), json_of(resp, 200).await)
    }
}

fn etag(resp: &Response) -> Option<i64> {
    resp.headers()
        .get(ETAG)?
        .to_str()
        .ok()?
        .trim_matches('"')
        .parse()
        .ok()
}

async fn json_of(resp: Response, status: u16) -> Value {
    let got = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// Writers PATCH one resource at once without If-Match: every one is
/// answered 200 with its own version, and the resource keeps every write.
async fn no_write_is_lost(family: Family, kept: fn(&Value, usize) -> bool) {
    let server = Arc::new(TestServer::start_with_demo().await);
    let client = Arc::new(Client::new(server, family));
    let id = client.create().await;
    let mut tasks = JoinSet::new();
    for n in 0..WRITERS {
        let client = client.clone();
        let id = id.clone();
        tasks.spawn(async move {
            let (name, value) = (client.family.change)(n);
            let mut patch = serde_json::Map::new();
            patch.insert(name, value);
            let resp = client
                .patch(&id, &Value::Object(patch))
                .send()
                .await
                .expect("send");
            let version = etag(&resp);
            (n, version, json_of(resp, 200).await)
        });
    }
    let mut versions = BTreeSet::new();
    while let Some(done) = tasks.join_next().await {
        let (n, version, body) = done.expect("task");
        assert!(
            kept(&body, n),
            "writer {n}'s answer lacks its write: {body}"
        );
        versions.insert(version.expect("ETag on PATCH"));
    }
    let last = WRITERS as i64 + 1;
    assert_eq!(
        versions,
        (2..=last).collect::<BTreeSet<_>>(),
        "one version per write"
    );
    let (version, body) = client.get(&id).await;
    assert_eq!(version, Some(last));
    if family.collection != CART.collection {
        for n in 0..WRITERS {
            assert!(kept(&body, n), "write {n} lost: {body}");
        }
    }
}

/// A stale If-Match is 412 on PATCH and DELETE and changes nothing; the
/// current one is honoured; `*` matches any version.
async fn stale_if_match_is_412(family: Family) {
    let server = Arc::new(TestServer::start_with_demo().await);
    let client = Client::new(server, family);
    let id = client.create().await;
    let (name, value) = (family.change)(1);
    let patch = json!({ name.clone(): value });

    let resp = client
        .patch(&id, &patch)
        .header(IF_MATCH, "\"1\"")
        .send()
        .await
        .expect("send");
    assert_eq!(etag(&resp), Some(2));
    json_of(resp, 200).await;

    let (name2, value2) = (family.change)(2);
    let stale = client
        .patch(&id, &json!({ name2: value2 }))
        .header(IF_MATCH, "\"1\"")
        .send()
        .await
        .expect("send");
    let body = json_of(stale, 412).await;
    assert_eq!(body["status"], "412", "{body}");
    let resp = client
        .request(reqwest::Method::DELETE, Some(&id))
        .header(IF_MATCH, "\"1\"")
        .send()
        .await
        .expect("send");
    json_of(resp, 412).await;
    let (version, _) = client.get(&id).await;
    assert_eq!(version, Some(2), "the refused writes changed nothing");

    let (name3, value3) = (family.change)(3);
    let resp = client
        .patch(&id, &json!({ name3: value3 }))
        .header(IF_MATCH, "*")
        .send()
        .await
        .expect("send");
    assert_eq!(etag(&resp), Some(3));
    json_of(resp, 200).await;
    let resp = client
        .request(reqwest::Method::DELETE, Some(&id))
        .header(IF_MATCH, "\"3\"")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 204);
    let resp = client
        .request(reqwest::Method::GET, Some(&id))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), 404);
}

fn has_note(body: &Value, n: usize) -> bool {
    body[format!("note{n}")] == json!(n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn promotions_lose_no_concurrent_write() {
    no_write_is_lost(PROMOTION, has_note).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rule_sets_lose_no_concurrent_write() {
    no_write_is_lost(RULE_SET, has_note).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn product_orders_lose_no_concurrent_write() {
    no_write_is_lost(PRODUCT_ORDER, has_note).await;
}

/// Carts replace `cartItem` whole, so the writes cannot all survive; each is
/// still applied on the version before it (its own answer shows its item)
/// and gets a version of its own, so none is silently overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn carts_serialise_concurrent_writes() {
    no_write_is_lost(CART, |body, n| {
        body["cartItem"][0]["id"] == json!(n.to_string())
    })
    .await;
}

#[tokio::test]
async fn promotions_refuse_a_stale_if_match() {
    stale_if_match_is_412(PROMOTION).await;
}

#[tokio::test]
async fn rule_sets_refuse_a_stale_if_match() {
    stale_if_match_is_412(RULE_SET).await;
}

#[tokio::test]
async fn carts_refuse_a_stale_if_match() {
    stale_if_match_is_412(CART).await;
}

#[tokio::test]
async fn product_orders_refuse_a_stale_if_match() {
    stale_if_match_is_412(PRODUCT_ORDER).await;
}

/// Qualification answers never change, so their ETag is always version 1; a
/// client caching one can still revalidate it like any other resource.
#[tokio::test]
async fn qualification_answers_carry_an_etag() {
    let s = TestServer::start_with_demo().await;
    let token = s.token(PrincipalKind::User, &["sc.ops"], "default");
    let questions = [
        (
            "/tmf-api/productOfferingQualification/v4/productOfferingQualification",
            json!({"channel": {"id": "SelfService"},
                   "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "BB_Plan_fiber-5000"}}]}),
        ),
        (
            "/tmf-api/serviceQualificationManagement/v4/checkServiceQualification",
            json!({"serviceQualificationItem": [{"id": "1", "service": {
                "serviceSpecification": {"id": "fiber"},
                "place": [{"id": "00010LVFT8", "role": "serviceAddress"}]}}]}),
        ),
    ];
    for (path, question) in questions {
        let resp = s
            .client
            .post(s.url(path))
            .bearer_auth(&token)
            .json(&question)
            .send()
            .await
            .expect("send");
        assert_eq!(etag(&resp), Some(1), "{path}: POST");
        let id = json_of(resp, 201).await["id"]
            .as_str()
            .expect("id")
            .to_string();
        let resp = s
            .client
            .get(s.url(&format!("{path}/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        assert_eq!(etag(&resp), Some(1), "{path}: GET");
        json_of(resp, 200).await;
    }
}
