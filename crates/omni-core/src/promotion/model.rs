//! A TMF671 promotion as the engine reads it, parsed from its JSON document.
//! One parser serves both the API's validation (every broken rule, named by
//! its path, e.g. `pattern[0].action[1].actionValue`) and the engine, so a
//! promotion the API accepted is one the engine understands.

use crate::document::{FieldError, MAX_ID_LEN};
use crate::time::parse_rfc3339;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

/// `lifecycleStatus` values under which a promotion applies (any case):
/// Omni's catalog vocabulary (`Active`, `Launched`) and TMF671's (`release`).
pub const LIVE_STATUSES: &[&str] = &["Active", "Launched", "release"];

/// Longest coupon code.
pub const MAX_COUPON_LEN: usize = 40;
/// Longest `durationMonths`.
pub const MAX_DURATION_MONTHS: u64 = 600;
/// Amounts must be below this (whole currency units).
const MAX_AMOUNT_DIGITS: usize = 9;

/// A time window; start inclusive, end exclusive, either open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validity {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Validity {
    pub fn contains(&self, now: DateTime<Utc>) -> bool {
        self.start.is_none_or(|s| s <= now) && self.end.is_none_or(|e| now < e)
    }
}

/// How criteria of a group, or groups of a pattern, combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logic {
    /// `AND`, the default.
    All,
    /// `OR`.
    Any,
}

/// `=` (one of the listed values) or `<>` (none of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    In,
    NotIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Comparison {
    fn parse(op: &str) -> Option<Self> {
        Some(match op {
            "=" => Self::Eq,
            "<>" => Self::Ne,
            ">" => Self::Gt,
            ">=" => Self::Ge,
            "<" => Self::Lt,
            "<=" => Self::Le,
            _ => return None,
        })
    }

    pub fn holds(self, left: u64, right: u64) -> bool {
        match self {
            Self::Eq => left == right,
            Self::Ne => left != right,
            Self::Gt => left > right,
            Self::Ge => left >= right,
            Self::Lt => left < right,
            Self::Le => left <= right,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Criterion {
    /// `productOffering.id`: an item of one of these offerings is (not) in the cart.
    Offering { op: Membership, ids: Vec<String> },
    /// `category.id`: an item in one of these categories is (not) in the cart.
    Category { op: Membership, ids: Vec<String> },
    /// `productOffering[IDS].quantity`: summed quantity of these offerings.
    OfferingQuantity {
        ids: Vec<String>,
        op: Comparison,
        value: u64,
    },
    /// `category[IDS].quantity`: summed quantity of items in these categories.
    CategoryQuantity {
        ids: Vec<String>,
        op: Comparison,
        value: u64,
    },
    /// `channel.id`, compared without case.
    Channel { op: Membership, values: Vec<String> },
    /// `customerType`, compared without case.
    CustomerType { op: Membership, values: Vec<String> },
    /// `couponCode`: one of these codes was entered (without case).
    CouponCode { codes: Vec<String> },
}

impl Criterion {
    /// Whether the criterion selects cart items: `=` on offerings or
    /// categories, and quantities. `<>` and context criteria select none.
    pub fn names_items(&self) -> bool {
        matches!(
            self,
            Self::Offering {
                op: Membership::In,
                ..
            } | Self::Category {
                op: Membership::In,
                ..
            } | Self::OfferingQuantity { .. }
                | Self::CategoryQuantity { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaGroup {
    pub logic: Logic,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Benefit {
    /// This amount off each unit, in `unit` currency.
    AmountOff { amount: Decimal, unit: String },
    /// This percentage (0 to 100) of what is left of the price.
    PercentOff(Decimal),
}

/// Which cart items an action reduces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The items the pattern's criteria matched.
    MatchingItems,
    /// `actionEntityRef` to a product offering.
    Offering(String),
    /// `actionEntityRef` with `@referredType: Category`.
    Category(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub benefit: Benefit,
    /// `oneTime`, `recurring` or `installment`.
    pub price_type: String,
    pub duration_months: Option<u32>,
    /// At most this many units across the cart, cheapest first.
    pub max_quantity: Option<u32>,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// Position in `pattern[]`; breaks priority ties.
    pub index: usize,
    /// Lower applies first; `None` after every numbered one.
    pub priority: Option<u32>,
    pub valid_for: Validity,
    pub logic: Logic,
    pub groups: Vec<CriteriaGroup>,
    pub actions: Vec<Action>,
}

impl Pattern {
    /// Sort key among patterns and promotions: priority, absent last.
    pub fn rank(&self) -> u64 {
        self.priority.map_or(u64::MAX, u64::from)
    }

    /// Whether any criterion names cart items.
    pub fn names_items(&self) -> bool {
        self.groups
            .iter()
            .flat_map(|g| &g.criteria)
            .any(Criterion::names_items)
    }
}

/// A promotion parsed from a stored TMF671 document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub id: String,
    pub name: String,
    pub lifecycle_status: Option<String>,
    pub valid_for: Validity,
    /// `isExclusive`: does not combine with other promotions on an item.
    pub exclusive: bool,
    pub patterns: Vec<Pattern>,
}

impl Promotion {
    /// Parses a stored promotion (it needs its `id`). Every broken rule is
    /// returned, each naming its path; the rules are those the API enforces.
    pub fn from_document(doc: &Value) -> Result<Self, Vec<FieldError>> {
        parse(doc, true)
    }

    /// Live status and inside the promotion's own `validFor` at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.lifecycle_status.as_deref().is_some_and(|s| {
            LIVE_STATUSES
                .iter()
                .any(|live| live.eq_ignore_ascii_case(s.trim()))
        }) && self.valid_for.contains(now)
    }
}

/// Checks a whole promotion document, returning every broken rule.
pub fn validate(doc: &Value) -> Vec<FieldError> {
    parse(doc, false).err().unwrap_or_default()
}

fn parse(doc: &Value, require_id: bool) -> Result<Promotion, Vec<FieldError>> {
    let mut p = Parser { errors: Vec::new() };
    let Value::Object(map) = doc else {
        return Err(vec![FieldError::new("body", "must be a JSON object")]);
    };
    let id = match map.get("id") {
        Some(Value::String(id)) if is_id(id) => id.clone(),
        Some(_) => {
            p.err("id", id_rule());
            String::new()
        }
        None if require_id => {
            p.err("id", "is required");
            String::new()
        }
        None => String::new(),
    };
    let name = match map.get("name") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            p.err("name", "must be a string");
            String::new()
        }
    };
    let lifecycle_status = match map.get("lifecycleStatus") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            p.err("lifecycleStatus", "must be a string");
            None
        }
    };
    let exclusive = match map.get("isExclusive") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            p.err("isExclusive", "must be a boolean");
            false
        }
    };
    let valid_for = p.validity("validFor", map.get("validFor"));
    let patterns = match map.get("pattern") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| p.pattern(i, item))
            .collect(),
        Some(_) => {
            p.err("pattern", "must be an array");
            Vec::new()
        }
    };
    if p.errors.is_empty() {
        Ok(Promotion {
            id,
            name,
            lifecycle_status,
            valid_for,
            exclusive,
            patterns,
        })
    } else {
        Err(p.errors)
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_LEN
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

fn id_rule() -> String {
    format!("must be 1 to {MAX_ID_LEN} characters of letters, digits, '-', '_', '.' or ':'")
}

fn is_coupon(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_COUPON_LEN
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// What a `criteriaParameter` names.
enum Parameter {
    OfferingId,
    CategoryId,
    OfferingQuantity(Vec<String>),
    CategoryQuantity(Vec<String>),
    Channel,
    CustomerType,
    CouponCode,
}

const PARAMETERS: &str = "productOffering.id, category.id, productOffering[ID,…].quantity, category[ID,…].quantity, channel.id, customerType, couponCode";

struct Parser {
    errors: Vec<FieldError>,
}

impl Parser {
    fn err(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.errors.push(FieldError::new(field, rule));
    }

    fn validity(&mut self, path: &str, value: Option<&Value>) -> Validity {
        let map = match value {
            None | Some(Value::Null) => return Validity::default(),
            Some(Value::Object(map)) => map,
            Some(_) => {
                self.err(path, "must be an object");
                return Validity::default();
            }
        };
        let mut bound = |key: &str| match map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => {
                let t = v.as_str().and_then(parse_rfc3339);
                if t.is_none() {
                    self.err(format!("{path}.{key}"), "must be an RFC 3339 date-time");
                }
                t
            }
        };
        let validity = Validity {
            start: bound("startDateTime"),
            end: bound("endDateTime"),
        };
        if let (Some(s), Some(e)) = (validity.start, validity.end)
            && s > e
        {
            self.err(
                format!("{path}.endDateTime"),
                "must not be before startDateTime",
            );
        }
        validity
    }

    fn logic(&mut self, path: String, value: Option<&Value>) -> Logic {
        match value {
            None | Some(Value::Null) => Logic::All,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("AND") => Logic::All,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("OR") => Logic::Any,
            Some(_) => {
                self.err(path, "must be AND or OR");
                Logic::All
            }
        }
    }

    /// A required, non-empty array of objects at `path`, each parsed by
    /// `parse` in order (so errors come in document order).
    fn each<T>(
        &mut self,
        path: &str,
        value: Option<&Value>,
        mut parse: impl FnMut(&mut Self, &str, &Map<String, Value>) -> Option<T>,
    ) -> Vec<T> {
        let items = match value {
            Some(Value::Array(items)) if !items.is_empty() => items,
            Some(Value::Array(_)) => {
                self.err(path, "must have at least one entry");
                return Vec::new();
            }
            None | Some(Value::Null) => {
                self.err(path, "is required");
                return Vec::new();
            }
            Some(_) => {
                self.err(path, "must be an array");
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let here = format!("{path}[{i}]");
            match item {
                Value::Object(map) => out.extend(parse(self, &here, map)),
                _ => self.err(here, "must be an object"),
            }
        }
        out
    }

    /// A required string member.
    fn text<'a>(&mut self, path: &str, map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
        match map.get(key) {
            Some(Value::String(s)) => Some(s.as_str()),
            None | Some(Value::Null) => {
                self.err(format!("{path}.{key}"), "is required");
                None
            }
            Some(_) => {
                self.err(format!("{path}.{key}"), "must be a string");
                None
            }
        }
    }

    fn pattern(&mut self, i: usize, item: &Value) -> Option<Pattern> {
        let path = format!("pattern[{i}]");
        let Value::Object(map) = item else {
            self.err(path, "must be an object");
            return None;
        };
        let before = self.errors.len();
        let priority = match map.get("priority") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                Some(n) => Some(n),
                None => {
                    self.err(
                        format!("{path}.priority"),
                        "must be a whole number from 0 to 4294967295",
                    );
                    None
                }
            },
        };
        let valid_for = self.validity(&format!("{path}.validFor"), map.get("validFor"));
        let logic = self.logic(
            format!("{path}.criteriaGroupLogicalRelationship"),
            map.get("criteriaGroupLogicalRelationship"),
        );
        let groups_path = format!("{path}.criteriaGroup");
        let groups = self.each(&groups_path, map.get("criteriaGroup"), |p, gpath, group| {
            Some(p.group(gpath, group))
        });
        let actions_path = format!("{path}.action");
        let actions = self.each(&actions_path, map.get("action"), |p, apath, action| {
            p.action(apath, action)
        });
        (self.errors.len() == before).then_some(Pattern {
            index: i,
            priority,
            valid_for,
            logic,
            groups,
            actions,
        })
    }

    fn group(&mut self, path: &str, map: &Map<String, Value>) -> CriteriaGroup {
        let logic = self.logic(
            format!("{path}.criteriaLogicalRelationship"),
            map.get("criteriaLogicalRelationship"),
        );
        let criteria_path = format!("{path}.criteria");
        let criteria = self.each(
            &criteria_path,
            map.get("criteria"),
            |p, cpath, criterion| p.criterion(cpath, criterion),
        );
        CriteriaGroup { logic, criteria }
    }

    fn parameter(&mut self, path: &str, text: &str) -> Option<Parameter> {
        let bracketed = |prefix: &str| {
            text.strip_prefix(prefix)
                .and_then(|rest| rest.strip_suffix("].quantity"))
        };
        let parameter = match text {
            "productOffering.id" => Parameter::OfferingId,
            "category.id" => Parameter::CategoryId,
            "channel.id" => Parameter::Channel,
            "customerType" => Parameter::CustomerType,
            "couponCode" => Parameter::CouponCode,
            _ => {
                if let Some(inner) = bracketed("productOffering[") {
                    Parameter::OfferingQuantity(self.ids(path, inner)?)
                } else if let Some(inner) = bracketed("category[") {
                    Parameter::CategoryQuantity(self.ids(path, inner)?)
                } else {
                    self.err(
                        path,
                        format!("unknown criterion '{text}'; expected one of {PARAMETERS}"),
                    );
                    return None;
                }
            }
        };
        Some(parameter)
    }

    /// A comma-separated list of ids.
    fn ids(&mut self, path: &str, text: &str) -> Option<Vec<String>> {
        let ids: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
        if ids.iter().all(|id| is_id(id)) {
            Some(ids)
        } else {
            self.err(
                path,
                format!("must list ids separated by commas; each id {}", id_rule()),
            );
            None
        }
    }

    /// A comma-separated list of free values (channels, customer types).
    fn values(&mut self, path: &str, text: &str) -> Option<Vec<String>> {
        let values: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
        if values
            .iter()
            .all(|v| !v.is_empty() && v.len() <= MAX_ID_LEN)
        {
            Some(values)
        } else {
            self.err(
                path,
                format!("must list values separated by commas, each 1 to {MAX_ID_LEN} characters"),
            );
            None
        }
    }

    fn membership(&mut self, path: &str, op: &str) -> Option<Membership> {
        match op {
            "=" => Some(Membership::In),
            "<>" => Some(Membership::NotIn),
            _ => {
                self.err(
                    path,
                    format!("'{op}' does not apply to this criterion; use = or <>"),
                );
                None
            }
        }
    }

    fn criterion(&mut self, path: &str, map: &Map<String, Value>) -> Option<Criterion> {
        let parameter = self.text(path, map, "criteriaParameter");
        let op = self.text(path, map, "criteriaOperator");
        let value = self.text(path, map, "criteriaValue");
        let param_path = format!("{path}.criteriaParameter");
        let op_path = format!("{path}.criteriaOperator");
        let value_path = format!("{path}.criteriaValue");
        let parameter = self.parameter(&param_path, parameter?)?;
        let (op, value) = (op?, value?);
        let criterion = match parameter {
            Parameter::OfferingId => Criterion::Offering {
                op: self.membership(&op_path, op)?,
                ids: self.ids(&value_path, value)?,
            },
            Parameter::CategoryId => Criterion::Category {
                op: self.membership(&op_path, op)?,
                ids: self.ids(&value_path, value)?,
            },
            Parameter::Channel => Criterion::Channel {
                op: self.membership(&op_path, op)?,
                values: self.values(&value_path, value)?,
            },
            Parameter::CustomerType => Criterion::CustomerType {
                op: self.membership(&op_path, op)?,
                values: self.values(&value_path, value)?,
            },
            Parameter::CouponCode => {
                if op != "=" {
                    self.err(
                        op_path,
                        format!("'{op}' does not apply to couponCode; use ="),
                    );
                    return None;
                }
                let codes: Vec<String> = value.split(',').map(|s| s.trim().to_string()).collect();
                if !codes.iter().all(|c| is_coupon(c)) {
                    self.err(
                        value_path,
                        format!(
                            "must list coupon codes separated by commas, each 1 to {MAX_COUPON_LEN} letters, digits, '-' or '_'"
                        ),
                    );
                    return None;
                }
                Criterion::CouponCode { codes }
            }
            Parameter::OfferingQuantity(ids) => {
                let (op, value) = self.quantity(&op_path, &value_path, op, value)?;
                Criterion::OfferingQuantity { ids, op, value }
            }
            Parameter::CategoryQuantity(ids) => {
                let (op, value) = self.quantity(&op_path, &value_path, op, value)?;
                Criterion::CategoryQuantity { ids, op, value }
            }
        };
        Some(criterion)
    }

    fn quantity(
        &mut self,
        op_path: &str,
        value_path: &str,
        op: &str,
        value: &str,
    ) -> Option<(Comparison, u64)> {
        let Some(cmp) = Comparison::parse(op) else {
            self.err(op_path, "must be one of =, <>, >, >=, <, <=");
            return None;
        };
        let Some(n) = whole_number(value) else {
            self.err(
                value_path,
                "must be a whole number (a quantity), e.g. \"2\"",
            );
            return None;
        };
        Some((cmp, n))
    }

    fn action(&mut self, path: &str, map: &Map<String, Value>) -> Option<Action> {
        let before = self.errors.len();
        let action_type = self.text(path, map, "actionType");
        let action_value = match map.get("actionValue") {
            Some(Value::String(s)) => Some(s.as_str()),
            None | Some(Value::Null) => {
                self.err(format!("{path}.actionValue"), "is required");
                None
            }
            Some(_) => {
                self.err(
                    format!("{path}.actionValue"),
                    "must be a decimal string such as \"10.00\"",
                );
                None
            }
        };
        let price_type = match self.text(path, map, "priceType") {
            Some(t @ ("oneTime" | "recurring" | "installment")) => Some(t.to_string()),
            Some(_) => {
                self.err(
                    format!("{path}.priceType"),
                    "must be oneTime, recurring or installment",
                );
                None
            }
            None => None,
        };
        let unit_path = format!("{path}.unit");
        let unit = match map.get("unit") {
            None | Some(Value::Null) => None,
            Some(Value::String(u)) if is_currency(u) => Some(u.clone()),
            Some(_) => {
                self.err(
                    unit_path.clone(),
                    "must be a currency code of three capital letters, e.g. USD",
                );
                None
            }
        };
        let value_path = format!("{path}.actionValue");
        let benefit = match action_type {
            Some("amountOff") => action_value.and_then(|v| match decimal(v) {
                Ok(amount) => Some(Benefit::AmountOff {
                    amount,
                    unit: unit.clone().unwrap_or_else(|| "USD".into()),
                }),
                Err(rule) => {
                    self.err(value_path.clone(), rule);
                    None
                }
            }),
            Some("percentOff") => {
                if unit.is_some() {
                    self.err(unit_path, "applies only to amountOff actions");
                }
                action_value.and_then(|v| match decimal(v) {
                    Ok(p) if p <= Decimal::ONE_HUNDRED => Some(Benefit::PercentOff(p)),
                    Ok(_) => {
                        self.err(value_path.clone(), "must be a percentage from 0 to 100");
                        None
                    }
                    Err(rule) => {
                        self.err(value_path.clone(), rule);
                        None
                    }
                })
            }
            Some(other) => {
                self.err(
                    format!("{path}.actionType"),
                    format!("unknown action type '{other}'; expected amountOff or percentOff"),
                );
                None
            }
            None => None,
        };
        let duration_months = match map.get("durationMonths") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64().filter(|n| (1..=MAX_DURATION_MONTHS).contains(n)) {
                Some(_) if price_type.as_deref() == Some("oneTime") => {
                    self.err(
                        format!("{path}.durationMonths"),
                        "applies only to recurring or installment prices",
                    );
                    None
                }
                Some(n) => u32::try_from(n).ok(),
                None => {
                    self.err(
                        format!("{path}.durationMonths"),
                        format!("must be a whole number from 1 to {MAX_DURATION_MONTHS}"),
                    );
                    None
                }
            },
        };
        let max_quantity = match map.get("maxQuantity") {
            None | Some(Value::Null) => None,
            Some(v) => match v
                .as_u64()
                .filter(|n| *n >= 1)
                .and_then(|n| u32::try_from(n).ok())
            {
                Some(n) => Some(n),
                None => {
                    self.err(
                        format!("{path}.maxQuantity"),
                        "must be a whole number of at least 1",
                    );
                    None
                }
            },
        };
        let target = self.target(path, map.get("actionEntityRef"));
        if self.errors.len() != before {
            return None;
        }
        Some(Action {
            benefit: benefit?,
            price_type: price_type?,
            duration_months,
            max_quantity,
            target: target?,
        })
    }

    fn target(&mut self, path: &str, value: Option<&Value>) -> Option<Target> {
        let path = format!("{path}.actionEntityRef");
        let map = match value {
            None | Some(Value::Null) => return Some(Target::MatchingItems),
            Some(Value::Object(map)) => map,
            Some(_) => {
                self.err(path, "must be an object {id, @referredType}");
                return None;
            }
        };
        let id = match map.get("id") {
            Some(Value::String(id)) if is_id(id) => Some(id.clone()),
            None | Some(Value::Null) => {
                self.err(format!("{path}.id"), "is required");
                None
            }
            Some(_) => {
                self.err(format!("{path}.id"), id_rule());
                None
            }
        };
        let referred = match map.get("@referredType") {
            None | Some(Value::Null) => Some(false),
            Some(Value::String(t)) if t == "ProductOffering" => Some(false),
            Some(Value::String(t)) if t == "Category" => Some(true),
            Some(_) => {
                self.err(
                    format!("{path}.@referredType"),
                    "must be ProductOffering or Category",
                );
                None
            }
        };
        let id = id?;
        Some(if referred? {
            Target::Category(id)
        } else {
            Target::Offering(id)
        })
    }
}

fn is_currency(u: &str) -> bool {
    u.len() == 3 && u.chars().all(|c| c.is_ascii_uppercase())
}

fn whole_number(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 9 || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A non-negative decimal string with at most two decimals.
fn decimal(text: &str) -> Result<Decimal, &'static str> {
    const SHAPE: &str = "must be a decimal string such as \"10.00\"";
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
        return Err(SHAPE);
    }
    let value = Decimal::from_str(text).map_err(|_| SHAPE)?;
    if negative && !value.is_zero() {
        return Err("must not be negative");
    }
    if fraction.is_some_and(|f| f.len() > 2) {
        return Err("must have at most two decimals");
    }
    if whole.trim_start_matches('0').len() > MAX_AMOUNT_DIGITS {
        return Err("is too large");
    }
    Ok(value.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(doc: Value) -> Vec<String> {
        validate(&doc).into_iter().map(|e| e.field).collect()
    }

    fn with_pattern(pattern: Value) -> Value {
        json!({"name": "p", "pattern": [pattern]})
    }

    fn criterion(parameter: &str, op: &str, value: &str) -> Value {
        json!({"criteriaParameter": parameter, "criteriaOperator": op, "criteriaValue": value})
    }

    fn pattern_with(criteria: Vec<Value>, actions: Vec<Value>) -> Value {
        json!({"criteriaGroup": [{"criteria": criteria}], "action": actions})
    }

    fn percent(value: &str) -> Value {
        json!({"actionType": "percentOff", "actionValue": value, "priceType": "oneTime"})
    }

    fn any_criterion() -> Value {
        criterion("channel.id", "=", "ECOMM")
    }

    #[test]
    fn a_full_promotion_parses() {
        let doc = json!({
            "id": "p1", "name": "Plan and phone", "lifecycleStatus": "Active", "isExclusive": true,
            "validFor": {"startDateTime": "2025-01-01T00:00:00Z"},
            "pattern": [{
                "priority": 3,
                "criteriaGroupLogicalRelationship": "or",
                "criteriaGroup": [{"criteriaLogicalRelationship": "AND", "criteria": [
                    criterion("productOffering.id", "=", "a, b"),
                    criterion("category.id", "<>", "c"),
                    criterion("productOffering[a,b].quantity", ">=", "2"),
                    criterion("category[c].quantity", "<", "3"),
                    criterion("channel.id", "=", "ECOMM"),
                    criterion("customerType", "<>", "Business"),
                    criterion("couponCode", "=", "ACTNOW,act-2"),
                ]}],
                "action": [
                    {"actionType": "amountOff", "actionValue": "10.00", "priceType": "recurring",
                     "durationMonths": 12, "unit": "EUR", "maxQuantity": 1},
                    {"actionType": "percentOff", "actionValue": "100", "priceType": "oneTime",
                     "actionEntityRef": {"id": "Mobile_Phones", "@referredType": "Category"}},
                ]
            }]
        });
        let p = Promotion::from_document(&doc).expect("valid");
        assert!(p.exclusive);
        assert_eq!(p.patterns.len(), 1);
        let pattern = &p.patterns[0];
        assert_eq!(pattern.priority, Some(3));
        assert_eq!(pattern.logic, Logic::Any);
        let criteria = &pattern.groups[0].criteria;
        assert_eq!(
            criteria[0],
            Criterion::Offering {
                op: Membership::In,
                ids: vec!["a".into(), "b".into()]
            }
        );
        assert_eq!(
            criteria[3],
            Criterion::CategoryQuantity {
                ids: vec!["c".into()],
                op: Comparison::Lt,
                value: 3
            }
        );
        assert_eq!(
            pattern.actions[0].benefit,
            Benefit::AmountOff {
                amount: Decimal::new(1000, 2),
                unit: "EUR".into()
            }
        );
        assert_eq!(pattern.actions[0].duration_months, Some(12));
        assert_eq!(pattern.actions[0].max_quantity, Some(1));
        assert_eq!(
            pattern.actions[1].target,
            Target::Category("Mobile_Phones".into())
        );
        assert_eq!(
            pattern.actions[1].benefit,
            Benefit::PercentOff(Decimal::ONE_HUNDRED)
        );
    }

    #[test]
    fn stored_promotions_need_an_id_but_new_ones_do_not() {
        assert!(validate(&json!({"name": "x"})).is_empty());
        let errors = Promotion::from_document(&json!({"name": "x"})).expect_err("no id");
        assert_eq!(errors[0].field, "id");
        assert_eq!(paths(json!({"id": "a b", "name": "x"})), ["id"]);
    }

    #[test]
    fn amounts_default_to_usd() {
        let doc = json!({"id": "p", "name": "x", "pattern": [pattern_with(vec![any_criterion()],
            vec![json!({"actionType": "amountOff", "actionValue": "5", "priceType": "oneTime"})])]});
        let p = Promotion::from_document(&doc).expect("valid");
        assert_eq!(
            p.patterns[0].actions[0].benefit,
            Benefit::AmountOff {
                amount: Decimal::new(5, 0),
                unit: "USD".into()
            }
        );
    }

    #[test]
    fn unknown_criteria_and_operators_are_named() {
        let doc = with_pattern(pattern_with(
            vec![
                any_criterion(),
                criterion("weather", "=", "sunny"),
                criterion("productOffering.id", ">", "a"),
                criterion("couponCode", "<>", "ACTNOW"),
                criterion("category[x].quantity", "~", "1"),
                criterion("productOffering[].quantity", ">", "1"),
            ],
            vec![percent("10")],
        ));
        assert_eq!(
            paths(doc),
            [
                "pattern[0].criteriaGroup[0].criteria[1].criteriaParameter",
                "pattern[0].criteriaGroup[0].criteria[2].criteriaOperator",
                "pattern[0].criteriaGroup[0].criteria[3].criteriaOperator",
                "pattern[0].criteriaGroup[0].criteria[4].criteriaOperator",
                "pattern[0].criteriaGroup[0].criteria[5].criteriaParameter",
            ]
        );
    }

    #[test]
    fn criteria_values_are_checked() {
        let doc = with_pattern(pattern_with(
            vec![
                criterion("productOffering.id", "=", "a,,b"),
                criterion("category.id", "=", "has space"),
                criterion("productOffering[a].quantity", ">=", "two"),
                criterion("category[a].quantity", ">=", "-1"),
                criterion("couponCode", "=", "ACT NOW"),
                criterion("couponCode", "=", ""),
                criterion("channel.id", "=", ""),
                json!({"criteriaParameter": "channel.id", "criteriaOperator": "="}),
            ],
            vec![percent("10")],
        ));
        let base = "pattern[0].criteriaGroup[0].criteria";
        assert_eq!(
            paths(doc),
            [
                format!("{base}[0].criteriaValue"),
                format!("{base}[1].criteriaValue"),
                format!("{base}[2].criteriaValue"),
                format!("{base}[3].criteriaValue"),
                format!("{base}[4].criteriaValue"),
                format!("{base}[5].criteriaValue"),
                format!("{base}[6].criteriaValue"),
                format!("{base}[7].criteriaValue"),
            ]
        );
    }

    #[test]
    fn coupon_codes_are_limited() {
        let long = "A".repeat(MAX_COUPON_LEN + 1);
        let ok = "A".repeat(MAX_COUPON_LEN);
        let doc = |code: &str| {
            with_pattern(pattern_with(
                vec![criterion("couponCode", "=", code)],
                vec![percent("1")],
            ))
        };
        assert!(paths(doc(&ok)).is_empty());
        assert!(paths(doc("ACT-NOW_2")).is_empty());
        assert_eq!(
            paths(doc(&long)),
            ["pattern[0].criteriaGroup[0].criteria[0].criteriaValue"]
        );
        assert_eq!(
            paths(doc("ACTNOW!")),
            ["pattern[0].criteriaGroup[0].criteria[0].criteriaValue"]
        );
    }

    #[test]
    fn action_values_are_checked() {
        let action =
            |t: &str, v: Value| json!({"actionType": t, "actionValue": v, "priceType": "oneTime"});
        let doc = with_pattern(pattern_with(
            vec![any_criterion()],
            vec![
                action("amountOff", json!("10.00")),
                action("amountOff", json!("-5.00")),
                action("amountOff", json!("ten")),
                action("amountOff", json!(10)),
                action("amountOff", json!("1.005")),
                action("percentOff", json!("100.01")),
                action("percentOff", json!("-1")),
                action("freeGift", json!("1")),
                action("amountOff", json!("1e3")),
                action("amountOff", json!("10000000000.00")),
                action("percentOff", json!("0")),
            ],
        ));
        let base = "pattern[0].action";
        assert_eq!(
            paths(doc),
            [
                format!("{base}[1].actionValue"),
                format!("{base}[2].actionValue"),
                format!("{base}[3].actionValue"),
                format!("{base}[4].actionValue"),
                format!("{base}[5].actionValue"),
                format!("{base}[6].actionValue"),
                format!("{base}[7].actionType"),
                format!("{base}[8].actionValue"),
                format!("{base}[9].actionValue"),
            ]
        );
    }

    #[test]
    fn action_extensions_are_checked() {
        let doc = with_pattern(pattern_with(
            vec![any_criterion()],
            vec![
                json!({"actionType": "percentOff", "actionValue": "5"}),
                json!({"actionType": "percentOff", "actionValue": "5", "priceType": "usage"}),
                json!({"actionType": "percentOff", "actionValue": "5", "priceType": "oneTime", "durationMonths": 3}),
                json!({"actionType": "percentOff", "actionValue": "5", "priceType": "recurring", "durationMonths": 0}),
                json!({"actionType": "percentOff", "actionValue": "5", "priceType": "recurring", "maxQuantity": 0}),
                json!({"actionType": "percentOff", "actionValue": "5", "priceType": "recurring", "unit": "USD"}),
                json!({"actionType": "amountOff", "actionValue": "5", "priceType": "recurring", "unit": "usd"}),
                json!({"actionType": "amountOff", "actionValue": "5", "priceType": "recurring", "actionEntityRef": {"@referredType": "Category"}}),
                json!({"actionType": "amountOff", "actionValue": "5", "priceType": "recurring", "actionEntityRef": {"id": "x", "@referredType": "Party"}}),
                json!({"actionType": "amountOff", "actionValue": "5", "priceType": "recurring", "actionEntityRef": "x"}),
                json!({"actionValue": "5", "priceType": "recurring"}),
            ],
        ));
        let base = "pattern[0].action";
        assert_eq!(
            paths(doc),
            [
                format!("{base}[0].priceType"),
                format!("{base}[1].priceType"),
                format!("{base}[2].durationMonths"),
                format!("{base}[3].durationMonths"),
                format!("{base}[4].maxQuantity"),
                format!("{base}[5].unit"),
                format!("{base}[6].unit"),
                format!("{base}[7].actionEntityRef.id"),
                format!("{base}[8].actionEntityRef.@referredType"),
                format!("{base}[9].actionEntityRef"),
                format!("{base}[10].actionType"),
            ]
        );
    }

    #[test]
    fn pattern_structure_is_checked() {
        let doc = json!({"name": "p", "pattern": [
            {"action": [percent("1")]},
            {"criteriaGroup": [], "action": []},
            {"criteriaGroup": [{"criteria": [any_criterion()]}], "action": [percent("1")], "priority": -1},
            {"criteriaGroup": [{"criteria": [any_criterion()], "criteriaLogicalRelationship": "XOR"}],
             "action": [percent("1")], "criteriaGroupLogicalRelationship": "NAND"},
            {"criteriaGroup": [{"criteria": []}, 3], "action": [percent("1")],
             "validFor": {"startDateTime": "2025-02-01T00:00:00Z", "endDateTime": "2025-01-01T00:00:00Z"}},
            "text",
        ]});
        assert_eq!(
            paths(doc),
            [
                "pattern[0].criteriaGroup",
                "pattern[1].criteriaGroup",
                "pattern[1].action",
                "pattern[2].priority",
                "pattern[3].criteriaGroupLogicalRelationship",
                "pattern[3].criteriaGroup[0].criteriaLogicalRelationship",
                "pattern[4].validFor.endDateTime",
                "pattern[4].criteriaGroup[0].criteria",
                "pattern[4].criteriaGroup[1]",
                "pattern[5]",
            ]
        );
        assert_eq!(paths(json!({"name": "p", "pattern": {}})), ["pattern"]);
    }

    #[test]
    fn decimals_are_strict() {
        assert_eq!(decimal("10.00"), Ok(Decimal::new(1000, 2)));
        assert_eq!(decimal("0"), Ok(Decimal::ZERO));
        assert_eq!(decimal("-0.00"), Ok(Decimal::ZERO));
        assert!(decimal("").is_err());
        assert!(decimal("1.").is_err());
        assert!(decimal(".5").is_err());
        assert!(decimal("+1").is_err());
        assert!(decimal(" 1").is_err());
        assert!(decimal("1,5").is_err());
        assert_eq!(
            decimal("000000000999999999.99").map(|d| d.is_zero()),
            Ok(false)
        );
    }

    #[test]
    fn live_statuses_and_windows() {
        let t = |s: &str| parse_rfc3339(s).expect("time");
        let doc = json!({"id": "p", "name": "x", "lifecycleStatus": "active",
            "validFor": {"startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2025-02-01T00:00:00Z"}});
        let p = Promotion::from_document(&doc).expect("valid");
        assert!(p.is_live(t("2025-01-01T00:00:00Z")));
        assert!(p.is_live(t("2025-01-31T23:59:59Z")));
        assert!(!p.is_live(t("2025-02-01T00:00:00Z")));
        assert!(!p.is_live(t("2024-12-31T23:59:59Z")));
        for (status, live) in [
            (Some("release"), true),
            (Some("Launched"), true),
            (Some("draft"), false),
            (Some("Retired"), false),
            (None, false),
        ] {
            let mut doc = json!({"id": "p", "name": "x"});
            if let Some(s) = status {
                doc["lifecycleStatus"] = json!(s);
            }
            let p = Promotion::from_document(&doc).expect("valid");
            assert_eq!(p.is_live(t("2025-01-15T00:00:00Z")), live, "{status:?}");
        }
    }
}
