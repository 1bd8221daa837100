use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Number, Value};
use std::cmp::Ordering;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// `path op value[,value…]`: matches when any value found at `path` (arrays on
/// the way are searched element by element) satisfies `op` against any of the
/// listed values (comma means OR).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub path: Vec<String>,
    pub op: FilterOp,
    pub values: Vec<String>,
}

impl Filter {
    pub fn matches(&self, resource: &Value) -> bool {
        let mut leaves = Vec::new();
        collect_leaves(resource, &self.path, &mut leaves);
        leaves.iter().any(|leaf| {
            self.values
                .iter()
                .any(|wanted| satisfies(leaf, self.op, wanted))
        })
    }
}

pub(super) fn collect_leaves<'v>(value: &'v Value, path: &[String], out: &mut Vec<&'v Value>) {
    match value {
        Value::Array(items) => {
            for item in items {
                collect_leaves(item, path, out);
            }
        }
        _ => match path.split_first() {
            None => out.push(value),
            Some((head, rest)) => {
                if let Some(child) = value.get(head) {
                    collect_leaves(child, rest, out);
                }
            }
        },
    }
}

fn satisfies(leaf: &Value, op: FilterOp, wanted: &str) -> bool {
    let ord = match leaf {
        Value::String(s) => compare_text(s, wanted),
        Value::Number(n) => Decimal::from_str(wanted)
            .ok()
            .map(|w| number_to_decimal(n).cmp(&Some(w))),
        Value::Bool(b) => match wanted {
            "true" => Some(b.cmp(&true)),
            "false" => Some(b.cmp(&false)),
            _ => None,
        },
        Value::Null => (wanted == "null").then_some(Ordering::Equal),
        Value::Array(_) | Value::Object(_) => None,
    };
    let Some(ord) = ord else { return false };
    match op {
        FilterOp::Eq => ord == Ordering::Equal,
        FilterOp::Gt => ord == Ordering::Greater,
        FilterOp::Gte => ord != Ordering::Less,
        FilterOp::Lt => ord == Ordering::Less,
        FilterOp::Lte => ord != Ordering::Greater,
    }
}

/// Dates compare as instants (so `2024-01-01T00:00:00Z` equals
/// `2024-01-01T01:00:00+01:00`), numbers as decimals, anything else as text.
fn compare_text(actual: &str, wanted: &str) -> Option<Ordering> {
    if actual == wanted {
        return Some(Ordering::Equal);
    }
    if let (Some(a), Some(w)) = (parse_instant(actual), parse_instant(wanted)) {
        return Some(a.cmp(&w));
    }
    if let (Ok(a), Ok(w)) = (Decimal::from_str(actual), Decimal::from_str(wanted)) {
        return Some(a.cmp(&w));
    }
    Some(actual.cmp(wanted))
}

pub(crate) fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

pub(crate) fn number_to_decimal(n: &Number) -> Option<Decimal> {
    let text = n.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}
