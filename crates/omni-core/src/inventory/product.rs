//! A line as TMF637 Product Inventory v4 products: the view the product
//! inventory API answers, derived from the very line document that orders
//! and care orders change (never a copy). One line gives one product per
//! component: the line itself (a bundle whose characteristic is its number),
//! its rate plan, each feature, its device and its SIM. Features and
//! equipment rely on the line's plan (`productRelationship` `reliesOn`), and
//! the plan is bundled in the line (`bundled`), as the TMF637 spec's
//! `ProductRelationship` describes those two kinds.

use super::{Account, BillingAccount, FeatureStatus, Subscriber, SubscriberStatus};
use serde_json::{Map, Value, json};

/// TMF637 `ProductStatusType` of a line's components: a cancelled line is
/// `terminated`, a suspended one `suspended`.
fn line_status(status: SubscriberStatus) -> &'static str {
    match status {
        SubscriberStatus::Active => "active",
        SubscriberStatus::Suspended => "suspended",
        SubscriberStatus::Cancelled => "terminated",
    }
}

/// A feature has its own life (scheduled, ended) within its line's.
fn feature_status(line: SubscriberStatus, feature: FeatureStatus) -> &'static str {
    match feature {
        FeatureStatus::Ended => "terminated",
        _ if line != SubscriberStatus::Active => line_status(line),
        FeatureStatus::Scheduled => "pendingActive",
        FeatureStatus::Active => "active",
    }
}

fn characteristic(name: &str, value: Value) -> Value {
    let value_type = match &value {
        Value::Bool(_) => "boolean",
        _ => "string",
    };
    json!({"name": name, "valueType": value_type, "value": value})
}

/// Everything the line's products share: party, billing account, dates.
struct Common<'a> {
    line: &'a Subscriber,
    account: Option<&'a Account>,
    billing: Option<&'a BillingAccount>,
    href: &'a dyn Fn(&str) -> String,
}

impl Common<'_> {
    fn product_ref(&self, id: &str) -> Value {
        json!({"id": id, "href": (self.href)(id), "@referredType": "Product"})
    }

    fn product(
        &self,
        id: &str,
        name: String,
        offering: Option<&str>,
        status: &str,
    ) -> Map<String, Value> {
        let mut p = Map::new();
        p.insert("id".into(), json!(id));
        p.insert("href".into(), json!((self.href)(id)));
        p.insert("name".into(), json!(name));
        p.insert("isBundle".into(), json!(false));
        p.insert("isCustomerVisible".into(), json!(true));
        p.insert("status".into(), json!(status));
        p.insert("startDate".into(), json!(self.line.activated_at));
        if let Some(end) = &self.line.cancelled_at {
            p.insert("terminationDate".into(), json!(end));
        }
        // Every product names its line's number, so that
        // `productCharacteristic.value=<number>` finds a line's products;
        // the inventory records no charges (prices are the catalog's), so
        // `productPrice` is always empty.
        p.insert(
            "productCharacteristic".into(),
            json!([characteristic("number", json!(self.line.ctn))]),
        );
        p.insert("productPrice".into(), json!([]));
        if let Some(offering) = offering {
            p.insert(
                "productOffering".into(),
                json!({"id": offering, "@referredType": "ProductOffering"}),
            );
        }
        let billing = match self.billing {
            Some(b) => json!({"id": b.id, "name": b.name, "@referredType": "BillingAccount"}),
            None => json!({"id": self.line.billing_account_id, "@referredType": "BillingAccount"}),
        };
        p.insert("billingAccount".into(), billing);
        p.insert("relatedParty".into(), Value::Array(self.parties()));
        p.insert("@type".into(), json!("Product"));
        p
    }

    /// The customer (the account's party) and the account itself.
    fn parties(&self) -> Vec<Value> {
        let mut parties = Vec::new();
        if let Some(party) = self.account.and_then(|a| a.party_id.as_deref()) {
            let kind = match self.account.map(|a| a.customer_type.as_str()) {
                Some("Business") => "Organization",
                _ => "Individual",
            };
            parties.push(json!({"id": party, "role": "customer", "@referredType": kind}));
        }
        let mut account =
            json!({"id": self.line.account_id, "role": "account", "@referredType": "Account"});
        if let Some(a) = self.account {
            account["name"] = json!(a.name);
        }
        parties.push(account);
        parties
    }

    fn relies_on_plan(&self, p: &mut Map<String, Value>) {
        p.insert(
            "productRelationship".into(),
            json!([{"relationshipType": "reliesOn", "product": self.product_ref(&self.line.rate_plan.product_id)}]),
        );
    }
}

/// The TMF637 products of `line` (on `account`, billed to `billing`, when
/// the inventory has them), each with `href` as `href(id)` names it. The
/// line's own product comes first, then its plan, features, device and SIM.
pub fn products(
    line: &Subscriber,
    account: Option<&Account>,
    billing: Option<&BillingAccount>,
    href: &dyn Fn(&str) -> String,
) -> Vec<Value> {
    let c = Common {
        line,
        account,
        billing,
        href,
    };
    let status = line_status(line.status);
    let mut out = Vec::new();

    let plan = &line.rate_plan;
    // The line is an instance of its plan's offering (the bundle it was sold as).
    let mut main = c.product(
        &line.primary_product_id,
        format!("Line {}", line.ctn),
        Some(&plan.offering_id),
        status,
    );
    main.insert("isBundle".into(), json!(true));
    main.insert("productSerialNumber".into(), json!(line.ctn));
    let mut bundled = vec![c.product_ref(&plan.product_id)];
    bundled.extend(line.features.iter().map(|f| c.product_ref(&f.product_id)));
    bundled.extend(line.device.iter().map(|d| c.product_ref(&d.product_id)));
    bundled.extend(line.sim.iter().map(|s| c.product_ref(&s.product_id)));
    main.insert(
        "productRelationship".into(),
        Value::Array(
            bundled
                .into_iter()
                .map(|p| json!({"relationshipType": "bundled", "product": p}))
                .collect(),
        ),
    );
    out.push(Value::Object(main));

    let mut rate_plan = c.product(
        &plan.product_id,
        format!("Rate plan of line {}", line.ctn),
        Some(&plan.offering_id),
        status,
    );
    rate_plan.insert("startDate".into(), json!(plan.since));
    out.push(Value::Object(rate_plan));

    for f in &line.features {
        let mut p = c.product(
            &f.product_id,
            format!("Feature {} of line {}", f.offering_id, line.ctn),
            Some(&f.offering_id),
            feature_status(line.status, f.status),
        );
        p.insert("startDate".into(), json!(f.effective_date));
        if let Some(end) = &f.expiration_date {
            p.insert("terminationDate".into(), json!(end));
        }
        c.relies_on_plan(&mut p);
        out.push(Value::Object(p));
    }

    if let Some(d) = &line.device {
        let mut p = c.product(
            &d.product_id,
            format!("Device of line {}", line.ctn),
            d.offering_id.as_deref(),
            status,
        );
        p.insert("productSerialNumber".into(), json!(d.imei));
        p.insert(
            "productCharacteristic".into(),
            json!([
                characteristic("number", json!(line.ctn)),
                characteristic("IMEI", json!(d.imei)),
                characteristic("byod", json!(d.byod)),
                characteristic("networkBlock", json!(d.network_block)),
            ]),
        );
        // The resources that realize the product: the handset, known by its
        // IMEI (and the SIM card by its ICCID, below), which is both the
        // resource's id and the public `value` TMF637's ResourceRef names.
        // Omni keeps no resource inventory, so the references have no href;
        // nor does anything map onto `realizingService` (no service
        // inventory), so products never carry one.
        p.insert(
            "realizingResource".into(),
            json!([{"id": d.imei, "name": "IMEI", "value": d.imei, "@referredType": "Equipment"}]),
        );
        c.relies_on_plan(&mut p);
        out.push(Value::Object(p));
    }

    if let Some(s) = &line.sim {
        let mut p = c.product(
            &s.product_id,
            format!("SIM of line {}", line.ctn),
            Some(&s.offering_id),
            status,
        );
        p.insert("productSerialNumber".into(), json!(s.iccid));
        p.insert(
            "productCharacteristic".into(),
            json!([
                characteristic("number", json!(line.ctn)),
                characteristic("ICCID", json!(s.iccid)),
                characteristic("esim", json!(s.esim)),
            ]),
        );
        p.insert(
            "realizingResource".into(),
            json!([{"id": s.iccid, "name": "ICCID", "value": s.iccid, "@referredType": "SIMCard"}]),
        );
        c.relies_on_plan(&mut p);
        out.push(Value::Object(p));
    }
    out
}

/// What happened to one product between two views of its line, named as
/// the TMF637 event types are (`Product{Create}Event`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductChange {
    Create,
    AttributeValueChange,
    StateChange,
    Delete,
}

impl ProductChange {
    /// The TMF637 event type, e.g. `ProductCreateEvent`.
    pub fn event_type(self) -> &'static str {
        match self {
            Self::Create => "ProductCreateEvent",
            Self::AttributeValueChange => "ProductAttributeValueChangeEvent",
            Self::StateChange => "ProductStateChangeEvent",
            Self::Delete => "ProductDeleteEvent",
        }
    }
}

/// The events a line's change makes, from its products `before` and
/// `after` (by id): a new product is created, a gone one deleted (with its
/// last view); a kept one changes state when its `status` differs, and
/// attributes when anything else does. Each event carries the product.
pub fn product_changes(before: &[Value], after: &[Value]) -> Vec<(ProductChange, Value)> {
    let id = |p: &Value| p.get("id").and_then(Value::as_str).map(str::to_string);
    let without_status = |p: &Value| {
        let mut p = p.clone();
        if let Value::Object(map) = &mut p {
            map.remove("status");
        }
        p
    };
    let mut out = Vec::new();
    for new in after {
        match before.iter().find(|old| id(old) == id(new)) {
            None => out.push((ProductChange::Create, new.clone())),
            Some(old) => {
                if old.get("status") != new.get("status") {
                    out.push((ProductChange::StateChange, new.clone()));
                }
                if without_status(old) != without_status(new) {
                    out.push((ProductChange::AttributeValueChange, new.clone()));
                }
            }
        }
    }
    for old in before {
        if !after.iter().any(|new| id(new) == id(old)) {
            out.push((ProductChange::Delete, old.clone()));
        }
    }
    out
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::inventory::{Device, Feature, RatePlan, Sim, Voicemail};

    pub(crate) fn line(status: SubscriberStatus) -> Subscriber {
        Subscriber {
            ctn: "4690002221".into(),
            billing_account_id: "BA-1".into(),
            account_id: "CA-1".into(),
            account_group_id: None,
            status,
            status_reason: None,
            primary_product_id: "P0".into(),
            rate_plan: RatePlan {
                product_id: "P1".into(),
                offering_id: "plan".into(),
                since: "2024-01-10T15:00:00.000Z".into(),
            },
            features: vec![Feature {
                product_id: "P2".into(),
                offering_id: "sku1".into(),
                status: FeatureStatus::Scheduled,
                effective_date: "2030-01-01T00:00:00.000Z".into(),
                expiration_date: None,
            }],
            device: Some(Device {
                product_id: "P3".into(),
                offering_id: None,
                imei: "353456789012348".into(),
                byod: true,
                network_block: false,
            }),
            sim: Some(Sim {
                product_id: "P4".into(),
                offering_id: "sim".into(),
                iccid: "89014103211118510720".into(),
                esim: false,
            }),
            contact: None,
            udl: Vec::new(),
            voicemail: Voicemail::default(),
            activated_at: "2024-01-10T15:00:00.000Z".into(),
            cancelled_at: None,
            history: Vec::new(),
        }
    }

    pub(crate) fn account() -> Account {
        Account {
            id: "CA-1".into(),
            name: "Ann".into(),
            customer_type: "Consumer".into(),
            customer_sub_type: None,
            party_id: Some("party-1".into()),
            account_groups: Vec::new(),
        }
    }

    pub(crate) fn href(id: &str) -> String {
        format!("/p/{id}")
    }

    fn ids(products: &[Value]) -> Vec<&str> {
        products.iter().filter_map(|p| p["id"].as_str()).collect()
    }

    #[test]
    fn a_line_is_one_product_per_component() {
        let a = account();
        let ps = products(&line(SubscriberStatus::Active), Some(&a), None, &href);
        assert_eq!(ids(&ps), ["P0", "P1", "P2", "P3", "P4"]);
        assert_eq!(ps[0]["isBundle"], true);
        assert_eq!(ps[0]["productCharacteristic"][0]["value"], "4690002221");
        assert_eq!(
            ps[0]["productRelationship"].as_array().map(Vec::len),
            Some(4)
        );
        assert_eq!(ps[0]["relatedParty"][0]["id"], "party-1");
        assert_eq!(ps[1]["productOffering"]["id"], "plan");
        assert_eq!(
            ps[3]["productCharacteristic"][1]["value"],
            "353456789012348"
        );
        assert_eq!(ps[4]["productCharacteristic"][1]["name"], "ICCID");
        for p in &ps {
            assert_eq!(p["productCharacteristic"][0]["value"], "4690002221");
            assert_eq!(p["productPrice"], json!([]));
        }
        assert_eq!(ps[0]["productOffering"]["id"], "plan");
        assert_eq!(ps[4]["href"], "/p/P4");
        for p in &ps[2..] {
            assert_eq!(p["productRelationship"][0]["relationshipType"], "reliesOn");
            assert_eq!(p["productRelationship"][0]["product"]["id"], "P1");
        }
    }

    #[test]
    fn statuses_follow_the_line_and_the_feature() {
        let a = account();
        let active = products(&line(SubscriberStatus::Active), Some(&a), None, &href);
        assert_eq!(active[0]["status"], "active");
        assert_eq!(active[2]["status"], "pendingActive");
        let suspended = products(&line(SubscriberStatus::Suspended), Some(&a), None, &href);
        assert_eq!(suspended[0]["status"], "suspended");
        assert_eq!(suspended[2]["status"], "suspended");
        let mut gone = line(SubscriberStatus::Cancelled);
        gone.cancelled_at = Some("2025-01-01T00:00:00.000Z".into());
        gone.features[0].status = FeatureStatus::Ended;
        let cancelled = products(&gone, Some(&a), None, &href);
        assert!(cancelled.iter().all(|p| p["status"] == "terminated"));
        assert_eq!(cancelled[0]["terminationDate"], "2025-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_change_is_the_difference_of_the_two_views() {
        let a = account();
        let old = line(SubscriberStatus::Active);
        let before = products(&old, Some(&a), None, &href);
        assert!(product_changes(&before, &before).is_empty());
        let created = product_changes(&[], &before);
        assert_eq!(created.len(), 5);
        assert!(created.iter().all(|(c, _)| *c == ProductChange::Create));

        let mut new = old.clone();
        new.status = SubscriberStatus::Suspended;
        if let Some(d) = &mut new.device {
            d.imei = "358073464620280".into();
        }
        new.sim = None;
        let after = products(&new, Some(&a), None, &href);
        let ids: Vec<(ProductChange, String)> = product_changes(&before, &after)
            .into_iter()
            .map(|(c, p)| (c, p["id"].as_str().unwrap_or_default().to_string()))
            .collect();
        assert_eq!(ids[0], (ProductChange::StateChange, "P0".into()));
        // The line's own product lost the SIM from its bundle: attributes too.
        assert_eq!(ids[1], (ProductChange::AttributeValueChange, "P0".into()));
        assert!(ids.contains(&(ProductChange::AttributeValueChange, "P3".into())));
        assert!(ids.contains(&(ProductChange::Delete, "P4".into())));
        assert_eq!(ProductChange::Delete.event_type(), "ProductDeleteEvent");
    }

    #[test]
    fn without_its_account_a_line_names_no_customer() {
        let ps = products(&line(SubscriberStatus::Active), None, None, &href);
        let parties = ps[0]["relatedParty"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(parties.iter().all(|p| p["role"] != "customer"));
        assert_eq!(ps[0]["billingAccount"]["id"], "BA-1");
    }
}
