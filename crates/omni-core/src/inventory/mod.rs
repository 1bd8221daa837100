//! What customers already have: accounts, billing accounts and subscribers
//! (a line, with its rate plan, features, device and SIM). Order capture
//! checks items against it and applies completed orders to it; care orders
//! change it. Each record is stored as a document of its own kind.

mod lookup;
mod model;
mod ownership;
mod product;
mod product_write;
#[cfg(test)]
mod tests;

pub use lookup::CustomerQuery;
pub use model::*;
pub use ownership::{Owner, ownership_problem};
pub use product::{ProductChange, product_changes, products};
pub use product_write::{
    ADMIN_REASON, ProductKind, Stamp, WriteError, patch as patch_product, remove as remove_product,
};

pub const ACCOUNT_KIND: &str = "account";
pub const BILLING_ACCOUNT_KIND: &str = "billingAccount";
pub const SUBSCRIBER_KIND: &str = "subscriber";

/// First number handed out to new lines; the pool counter is added to it.
pub const NUMBER_POOL_BASE: u64 = 4_690_100_000;

/// The number the pool's `sequence`-th allocation gets (10 digits).
pub fn pool_number(sequence: i64) -> String {
    let offset = u64::try_from(sequence.max(0)).unwrap_or(0);
    format!("{:010}", NUMBER_POOL_BASE + offset)
}

/// A line's components that order items and care requests act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    RatePlan,
    Device,
    Sim,
    Feature,
}

impl Component {
    /// The component an offering of `offering_type` (TMF620 extension) is.
    pub fn for_offering_type(offering_type: &str) -> Option<Self> {
        match offering_type {
            "Mobile_Offer" => Some(Self::RatePlan),
            "Mobile_Device" => Some(Self::Device),
            "SIM" => Some(Self::Sim),
            "Mobile_Addon" => Some(Self::Feature),
            _ => None,
        }
    }
}

/// Offering types of fixed services (broadband, fixed wireless, and the
/// equipment rented with them). The inventory holds mobile lines only, so an
/// order can neither create nor change one: such items are refused when they
/// are captured (`ITEM-013`) rather than "completed" with nothing applied.
pub const FIXED_SERVICE_TYPES: [&str; 5] = [
    "BB_Plan",
    "BB_Offer",
    "WBB_Plan",
    "WBB_Offer",
    "Rented_Equipment",
];

/// Whether the inventory can hold what an offering of `offering_type` sells.
pub fn holds(offering_type: &str) -> bool {
    !FIXED_SERVICE_TYPES.contains(&offering_type)
}

impl Subscriber {
    /// Whether `product_id` names this line (its primary product) or one of
    /// its components. Naming the primary product with a component type
    /// means "that component of this line".
    pub fn owns_product(&self, product_id: &str) -> bool {
        ProductKind::of(self, product_id).is_some()
    }

    /// Whether the line currently has `component`.
    pub fn has(&self, component: Component) -> bool {
        match component {
            Component::RatePlan => true,
            Component::Device => self.device.is_some(),
            Component::Sim => self.sim.is_some(),
            Component::Feature => self
                .features
                .iter()
                .any(|f| f.status == FeatureStatus::Active),
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == SubscriberStatus::Active
    }
}

/// A whole inventory, as the demo data files hold it.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub accounts: Vec<Account>,
    pub billing_accounts: Vec<BillingAccount>,
    pub subscribers: Vec<Subscriber>,
}

impl Inventory {
    /// Every reference between records resolves, and no id is used twice;
    /// one message per problem.
    pub fn check(&self) -> Vec<String> {
        use std::collections::HashSet;
        let mut problems = Vec::new();
        let mut accounts = HashSet::new();
        let mut groups = HashSet::new();
        for a in &self.accounts {
            if !accounts.insert(a.id.as_str()) {
                problems.push(format!("account '{}' is listed twice", a.id));
            }
            for g in &a.account_groups {
                groups.insert((a.id.as_str(), g.id.as_str()));
            }
        }
        let mut billing = HashSet::new();
        for b in &self.billing_accounts {
            if !billing.insert(b.id.as_str()) {
                problems.push(format!("billing account '{}' is listed twice", b.id));
            }
            if !accounts.contains(b.account_id.as_str()) {
                problems.push(format!(
                    "billing account '{}': account '{}' does not exist",
                    b.id, b.account_id
                ));
            }
            if let Some(g) = &b.account_group_id
                && !groups.contains(&(b.account_id.as_str(), g.as_str()))
            {
                problems.push(format!(
                    "billing account '{}': account group '{g}' is not a group of account '{}'",
                    b.id, b.account_id
                ));
            }
            if !(1..=28).contains(&b.bill_cycle_day) {
                problems.push(format!(
                    "billing account '{}': billCycleDay must be 1 to 28",
                    b.id
                ));
            }
        }
        let mut lines = HashSet::new();
        let mut products = HashSet::new();
        for s in &self.subscribers {
            if !lines.insert(s.ctn.as_str()) {
                problems.push(format!("subscriber '{}' is listed twice", s.ctn));
            }
            if s.ctn.len() != 10 || !s.ctn.bytes().all(|b| b.is_ascii_digit()) {
                problems.push(format!("subscriber '{}': a CTN is 10 digits", s.ctn));
            }
            match self
                .billing_accounts
                .iter()
                .find(|b| b.id == s.billing_account_id)
            {
                None => problems.push(format!(
                    "subscriber '{}': billing account '{}' does not exist",
                    s.ctn, s.billing_account_id
                )),
                Some(b)
                    if b.account_id != s.account_id || b.account_group_id != s.account_group_id =>
                {
                    problems.push(format!(
                        "subscriber '{}': account and group must be those of billing account '{}'",
                        s.ctn, b.id
                    ))
                }
                Some(_) => {}
            }
            let mut ids = vec![
                s.primary_product_id.as_str(),
                s.rate_plan.product_id.as_str(),
            ];
            ids.extend(s.device.iter().map(|d| d.product_id.as_str()));
            ids.extend(s.sim.iter().map(|d| d.product_id.as_str()));
            ids.extend(s.features.iter().map(|f| f.product_id.as_str()));
            for id in ids {
                if !products.insert(id) {
                    problems.push(format!(
                        "subscriber '{}': product id '{id}' is used twice",
                        s.ctn
                    ));
                }
            }
        }
        problems
    }
}
