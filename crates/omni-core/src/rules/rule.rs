//! One rule of a rule set: its JSON encoding, parsed and checked once, and
//! its evaluation against a cart.

use super::path::{Hit, Path, scalar_text};
use crate::document::FieldError;
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The rule kinds, as written in `kind`.
pub const KINDS: [&str; 6] = [
    "required",
    "allowedValues",
    "pattern",
    "itemCount",
    "requires",
    "maxQuantity",
];

/// Longest rule id.
pub const MAX_RULE_ID_LEN: usize = 100;
/// Longest custom message.
pub const MAX_MESSAGE_LEN: usize = 1000;
/// Longest regular expression, in characters.
pub const MAX_PATTERN_LEN: usize = 1000;
/// Most entries in `values` (and in a list of item types).
pub const MAX_VALUES: usize = 1000;
/// Memory a compiled pattern may use, so a tenant cannot make the server
/// build a huge automaton.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Where an item's type is read when a rule names no `typePath`.
pub const DEFAULT_TYPE_PATH: [&str; 2] = ["productOffering", "@referredType"];
/// Item property read when the default type path finds nothing.
pub const FALLBACK_TYPE_PROPERTY: &str = "itemType";
/// The array of cart items.
pub const ITEMS: &str = "cartItem";

const COMMON: [&str; 4] = ["id", "kind", "description", "message"];

#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// The rule's `id`, or `rule[N]` when it has none.
    pub id: String,
    pub message: Option<String>,
    check: Check,
}

#[derive(Debug, Clone)]
enum Check {
    Required {
        path: Path,
    },
    AllowedValues {
        path: Path,
        values: Vec<Value>,
    },
    Pattern {
        path: Path,
        regex: Regex,
    },
    ItemCount {
        items: ItemFilter,
        min: Option<u64>,
        max: Option<u64>,
        by_quantity: bool,
    },
    Requires {
        items: ItemFilter,
        required: Vec<String>,
        relationship: Vec<String>,
    },
    MaxQuantity {
        items: ItemFilter,
        max: u64,
    },
}

/// Which cart items an item rule looks at.
#[derive(Debug, Clone)]
struct ItemFilter {
    /// Empty: every item.
    types: Vec<String>,
    type_path: Path,
    /// No `typePath` was given: `itemType` is read when the default path
    /// finds nothing.
    fallback: bool,
}

impl ItemFilter {
    fn type_of<'a>(&self, item: &'a Value) -> Option<Cow<'a, str>> {
        self.type_path.first_text(item).or_else(|| {
            if self.fallback {
                item.get(FALLBACK_TYPE_PROPERTY).and_then(scalar_text)
            } else {
                None
            }
        })
    }

    fn is_of(&self, item: &Value, types: &[String]) -> bool {
        types.is_empty()
            || self
                .type_of(item)
                .is_some_and(|t| types.iter().any(|x| *x == *t))
    }

    fn matches(&self, item: &Value) -> bool {
        self.is_of(item, &self.types)
    }

    /// "items", "items of type Mobile_Device", "items of type A or B".
    fn describe(&self, noun: &str) -> String {
        describe_types(noun, &self.types)
    }
}

fn describe_types(noun: &str, types: &[String]) -> String {
    if types.is_empty() {
        noun.to_string()
    } else {
        format!("{noun} of type {}", types.join(" or "))
    }
}

/// The cart items rules count: `(index, item)` for each object in
/// `cartItem[]` whose `action` is not `delete` (a deleted item leaves the
/// cart).
fn live_items(payload: &Value) -> Vec<(usize, &Value)> {
    payload
        .get(ITEMS)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .enumerate()
                .filter(|(_, item)| item.is_object())
                .filter(|(_, item)| {
                    !item
                        .get("action")
                        .and_then(Value::as_str)
                        .is_some_and(|a| a.eq_ignore_ascii_case("delete"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An item's quantity: 1 when absent or null, `None` when not a number.
fn quantity(item: &Value) -> Option<f64> {
    match item.get("quantity") {
        None | Some(Value::Null) => Some(1.0),
        Some(v) => v.as_f64(),
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        _ => a == b,
    }
}

impl Rule {
    /// Every failure of this rule in `payload`, as `(property, message)`.
    pub fn check(&self, payload: &Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        match &self.check {
            Check::Required { path } => required(path, payload, &mut out),
            Check::AllowedValues { path, values } => {
                for hit in path.resolve(payload, "") {
                    if let Hit::Found { path, value } = hit
                        && !values.iter().any(|v| same_value(v, value))
                    {
                        let list: Vec<String> = values.iter().map(Value::to_string).collect();
                        out.push((
                            path,
                            format!("must be one of {} (is {value})", list.join(", ")),
                        ));
                    }
                }
            }
            Check::Pattern { path, regex } => {
                for hit in path.resolve(payload, "") {
                    if let Hit::Found { path, value } = hit {
                        match scalar_text(value) {
                            Some(text) if regex.is_match(&text) => {}
                            Some(_) => out
                                .push((path, format!("must match the pattern {}", regex.as_str()))),
                            None => out.push((
                                path,
                                format!("must be a string matching the pattern {}", regex.as_str()),
                            )),
                        }
                    }
                }
            }
            Check::ItemCount {
                items,
                min,
                max,
                by_quantity,
            } => item_count(items, *min, *max, *by_quantity, payload, &mut out),
            Check::Requires {
                items,
                required,
                relationship,
            } => requires(items, required, relationship, payload, &mut out),
            Check::MaxQuantity { items, max } => {
                for (i, item) in live_items(payload) {
                    if !items.matches(item) {
                        continue;
                    }
                    match quantity(item) {
                        Some(q) if q <= *max as f64 => {}
                        Some(_) => out.push((
                            format!("{ITEMS}[{i}].quantity"),
                            format!("must be at most {max}"),
                        )),
                        None => out.push((
                            format!("{ITEMS}[{i}].quantity"),
                            format!("must be a number of at most {max}"),
                        )),
                    }
                }
            }
        }
        if let Some(message) = &self.message {
            for (_, m) in &mut out {
                m.clone_from(message);
            }
        }
        out
    }
}

fn required(path: &Path, payload: &Value, out: &mut Vec<(String, String)>) {
    for hit in path.resolve(payload, "") {
        match hit {
            Hit::Found { path, value } => {
                if is_empty(value) {
                    out.push((path, "must not be empty".into()));
                }
            }
            Hit::Missing { path } => out.push((path, "is required".into())),
            Hit::WrongShape { path, expected } => out.push((path, format!("must be {expected}"))),
            Hit::NoneSelected { path, selector } => {
                let message = if selector == "[]" {
                    "must have at least one element".to_string()
                } else {
                    format!(
                        "must have an element with {}",
                        selector.trim_start_matches('[').trim_end_matches(']')
                    )
                };
                out.push((path, message));
            }
        }
    }
}

fn item_count(
    items: &ItemFilter,
    min: Option<u64>,
    max: Option<u64>,
    by_quantity: bool,
    payload: &Value,
    out: &mut Vec<(String, String)>,
) {
    let noun = |n: u64| match (by_quantity, n) {
        (true, 1) => "unit",
        (true, _) => "units",
        (false, 1) => "item",
        (false, _) => "items",
    };
    let mut total = 0.0;
    let mut first_over = None;
    for (i, item) in live_items(payload) {
        if !items.matches(item) {
            continue;
        }
        total += if by_quantity {
            quantity(item).unwrap_or(1.0).max(0.0)
        } else {
            1.0
        };
        if first_over.is_none() && max.is_some_and(|m| total > m as f64) {
            first_over = Some(if by_quantity {
                format!("{ITEMS}[{i}].quantity")
            } else {
                format!("{ITEMS}[{i}]")
            });
        }
    }
    if let (Some(max), Some(path)) = (max, first_over) {
        out.push((
            path,
            format!(
                "at most {max} {} allowed in a cart (found {})",
                items.describe(noun(max)),
                number_text(total)
            ),
        ));
    }
    if let Some(min) = min
        && total < min as f64
    {
        out.push((
            ITEMS.to_string(),
            format!(
                "at least {min} {} required in a cart (found {})",
                items.describe(noun(min)),
                number_text(total)
            ),
        ));
    }
}

fn requires(
    items: &ItemFilter,
    required: &[String],
    relationship: &[String],
    payload: &Value,
    out: &mut Vec<(String, String)>,
) {
    let live = live_items(payload);
    let wanted = describe_types("an item", required);
    for &(i, item) in &live {
        if !items.matches(item) {
            continue;
        }
        let satisfied = live.iter().any(|&(j, other)| {
            j != i
                && items.is_of(other, required)
                && (relationship.is_empty() || related(item, other, relationship))
        });
        if !satisfied {
            let message = if relationship.is_empty() {
                format!(
                    "{} needs {wanted} in the cart",
                    describe_types("an item", &items.types)
                )
            } else {
                format!(
                    "{} needs {wanted} related to it by {}",
                    describe_types("an item", &items.types),
                    relationship.join(" or ")
                )
            };
            out.push((format!("{ITEMS}[{i}]"), message));
        }
    }
}

/// True when either item lists the other in `cartItemRelationship[]` with
/// one of the relationship types.
fn related(a: &Value, b: &Value, types: &[String]) -> bool {
    let links = |from: &Value, to: &Value| {
        let Some(to_id) = to.get("id").and_then(scalar_text) else {
            return false;
        };
        from.get("cartItemRelationship")
            .and_then(Value::as_array)
            .is_some_and(|rels| {
                rels.iter().any(|rel| {
                    rel.get("id").and_then(scalar_text).as_deref() == Some(&*to_id)
                        && rel
                            .get("relationshipType")
                            .and_then(Value::as_str)
                            .is_some_and(|t| types.iter().any(|x| x == t))
                })
            })
    };
    links(a, b) || links(b, a)
}

/// Reads one rule's attributes, noting every error under `rule[N].…`.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    base: String,
    errors: &'a mut Vec<FieldError>,
}

impl Reader<'_> {
    fn field(&self, name: &str) -> String {
        format!("{}.{name}", self.base)
    }

    fn error(&mut self, name: &str, rule: impl Into<String>) {
        let field = self.field(name);
        self.errors.push(FieldError::new(field, rule));
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn text(&mut self, name: &str, max: usize, required: bool) -> Option<String> {
        match self.get(name) {
            None => {
                if required {
                    self.error(name, "is required");
                }
                None
            }
            Some(Value::String(s)) if s.is_empty() => {
                self.error(name, "must not be empty");
                None
            }
            Some(Value::String(s)) if s.chars().count() > max => {
                self.error(name, format!("must be at most {max} characters"));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.error(name, "must be a string");
                None
            }
        }
    }

    fn path(&mut self, name: &str, required: bool) -> Option<Path> {
        let text = self.text(name, super::path::MAX_PATH_LEN, required)?;
        match Path::parse(&text) {
            Ok(path) => Some(path),
            Err(e) => {
                self.error(name, e);
                None
            }
        }
    }

    /// A string or a non-empty array of strings.
    fn names(&mut self, name: &str, required: bool) -> Option<Vec<String>> {
        const RULE: &str = "must be a string or a non-empty array of strings";
        match self.get(name) {
            None => {
                if required {
                    self.error(name, "is required");
                }
                None
            }
            Some(Value::String(s)) if !s.is_empty() => Some(vec![s.clone()]),
            Some(Value::Array(items)) if !items.is_empty() && items.len() <= MAX_VALUES => {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if names.len() == items.len() {
                    Some(names)
                } else {
                    self.error(name, RULE);
                    None
                }
            }
            Some(_) => {
                self.error(name, RULE);
                None
            }
        }
    }

    fn whole(&mut self, name: &str, least: u64, required: bool) -> Option<u64> {
        match self.get(name) {
            None => {
                if required {
                    self.error(name, "is required");
                }
                None
            }
            Some(v) => match v.as_u64().filter(|n| *n >= least) {
                Some(n) => Some(n),
                None => {
                    self.error(name, format!("must be a whole number of at least {least}"));
                    None
                }
            },
        }
    }

    fn items(&mut self, types_attr: &str, required: bool) -> Option<ItemFilter> {
        let before = self.errors.len();
        let types = self.names(types_attr, required).unwrap_or_default();
        let given = self.path("typePath", false);
        if self.errors.len() > before {
            return None;
        }
        Some(ItemFilter {
            types,
            fallback: given.is_none(),
            type_path: given.unwrap_or_else(|| Path::keys(&DEFAULT_TYPE_PATH)),
        })
    }
}

/// The text of a regex error without its multi-line caret drawing.
fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map(str::to_string)
        .unwrap_or_else(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Parses `rule[index]`, adding each broken rule of the encoding to
/// `errors`; `None` when there was any.
pub(crate) fn parse(index: usize, value: &Value, errors: &mut Vec<FieldError>) -> Option<Rule> {
    let base = format!("rule[{index}]");
    let Value::Object(map) = value else {
        errors.push(FieldError::new(base, "must be an object"));
        return None;
    };
    let before = errors.len();
    let mut r = Reader { map, base, errors };
    let id = r.text("id", MAX_RULE_ID_LEN, false);
    if id.as_deref().is_some_and(|id| {
        !id.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
    }) {
        r.error("id", "must be letters, digits, '-', '_', '.' or ':'");
    }
    r.text("description", 4000, false);
    let message = r.text("message", MAX_MESSAGE_LEN, false);
    let kind = match r.get("kind") {
        None => {
            r.error("kind", "is required");
            None
        }
        Some(Value::String(k)) if KINDS.contains(&k.as_str()) => Some(k.clone()),
        Some(_) => {
            r.error("kind", format!("must be one of {}", KINDS.join(", ")));
            None
        }
    };
    let named = match &id {
        Some(id) => format!(" (rule \"{id}\")"),
        None => String::new(),
    };
    let check = match kind.as_deref() {
        Some("required") => check_attrs(&mut r, "required", &["path"])
            .and(r.path("path", true).map(|path| Check::Required { path })),
        Some("allowedValues") => {
            let ok = check_attrs(&mut r, "allowedValues", &["path", "values"]);
            let path = r.path("path", true);
            let map = r.map;
            let values = match map.get("values").filter(|v| !v.is_null()) {
                None => {
                    r.error("values", "is required");
                    None
                }
                Some(Value::Array(vs)) if !vs.is_empty() && vs.len() <= MAX_VALUES => {
                    let mut good = true;
                    for (k, v) in vs.iter().enumerate() {
                        if !(v.is_string() || v.is_number() || v.is_boolean()) {
                            r.error(
                                &format!("values[{k}]"),
                                "must be a string, number or boolean",
                            );
                            good = false;
                        }
                    }
                    good.then(|| vs.clone())
                }
                Some(_) => {
                    r.error(
                        "values",
                        format!("must be an array of 1 to {MAX_VALUES} values"),
                    );
                    None
                }
            };
            match (ok, path, values) {
                (Some(()), Some(path), Some(values)) => Some(Check::AllowedValues { path, values }),
                _ => None,
            }
        }
        Some("pattern") => {
            let ok = check_attrs(&mut r, "pattern", &["path", "pattern"]);
            let path = r.path("path", true);
            let regex = r.text("pattern", MAX_PATTERN_LEN, true).and_then(|p| {
                match RegexBuilder::new(&p).size_limit(REGEX_SIZE_LIMIT).build() {
                    Ok(regex) => Some(regex),
                    Err(e) => {
                        r.error(
                            "pattern",
                            format!(
                                "is not a valid regular expression{named}: {}",
                                regex_error(&e)
                            ),
                        );
                        None
                    }
                }
            });
            match (ok, path, regex) {
                (Some(()), Some(path), Some(regex)) => Some(Check::Pattern { path, regex }),
                _ => None,
            }
        }
        Some("itemCount") => {
            let ok = check_attrs(
                &mut r,
                "itemCount",
                &["itemType", "typePath", "min", "max", "countBy"],
            );
            let items = r.items("itemType", false);
            let min = r.whole("min", 0, false);
            let max = r.whole("max", 0, false);
            let by_quantity = match r.get("countBy") {
                None => Some(false),
                Some(Value::String(s)) if s == "item" => Some(false),
                Some(Value::String(s)) if s == "quantity" => Some(true),
                Some(_) => {
                    r.error("countBy", "must be item or quantity");
                    None
                }
            };
            let both_missing = r.get("min").is_none() && r.get("max").is_none();
            if both_missing {
                r.error(
                    "max",
                    "is required when min is absent: give min, max or both",
                );
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo > hi
            {
                r.error("min", "must not be greater than max");
            }
            match (ok, items, by_quantity) {
                (Some(()), Some(items), Some(by_quantity)) if !both_missing => {
                    Some(Check::ItemCount {
                        items,
                        min,
                        max,
                        by_quantity,
                    })
                }
                _ => None,
            }
        }
        Some("requires") => {
            let ok = check_attrs(
                &mut r,
                "requires",
                &[
                    "itemType",
                    "typePath",
                    "requiredItemType",
                    "relationshipType",
                ],
            );
            let items = r.items("itemType", true);
            let required = r.names("requiredItemType", true);
            let relationship = r.names("relationshipType", false).unwrap_or_default();
            match (ok, items, required) {
                (Some(()), Some(items), Some(required)) => Some(Check::Requires {
                    items,
                    required,
                    relationship,
                }),
                _ => None,
            }
        }
        Some("maxQuantity") => {
            let ok = check_attrs(&mut r, "maxQuantity", &["itemType", "typePath", "max"]);
            let items = r.items("itemType", false);
            let max = r.whole("max", 1, true);
            match (ok, items, max) {
                (Some(()), Some(items), Some(max)) => Some(Check::MaxQuantity { items, max }),
                _ => None,
            }
        }
        _ => None,
    };
    if errors.len() > before {
        return None;
    }
    Some(Rule {
        id: id.unwrap_or_else(|| format!("rule[{index}]")),
        message,
        check: check?,
    })
}

/// Refuses attributes the kind does not have, so a misspelt one (`maximum`
/// for `max`) is not silently ignored.
fn check_attrs(r: &mut Reader<'_>, kind: &str, own: &[&str]) -> Option<()> {
    let unknown: Vec<String> = r
        .map
        .keys()
        .filter(|k| !COMMON.contains(&k.as_str()) && !own.contains(&k.as_str()))
        .cloned()
        .collect();
    for key in &unknown {
        r.error(
            key,
            format!(
                "is not an attribute of a {kind} rule (it has {})",
                own.join(", ")
            ),
        );
    }
    unknown.is_empty().then_some(())
}
