//! One catalog price (TMF620 `productOfferingPrice`) as offerings use it,
//! read straight from its stored text.
//!
//! Why it is shaped so: a million offers carry 1.2 million prices, all held
//! in memory by discovery. As a struct of five strings beside the stored text
//! each price was six allocations and about 500 bytes, and parsing it built a
//! JSON tree first. Now:
//! - the stored text is kept once ([`Price::raw`], shown as is in answers);
//! - `id`, `name`, `priceType`, `recurringChargePeriodType` and
//!   `price.unit` are places in that text ([`Text::At`]); only a value
//!   written with escapes is decoded and held apart;
//! - the text is read once, member by member, without a tree.
//!
//! What a price means is unchanged: an attribute of the wrong JSON type
//! counts as missing, a repeated member counts as its last value, and a
//! price without a string `id` or a decimal `price.value` is no price.

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::str::FromStr;

/// A text attribute of a price: bytes `start..start + len` of the stored
/// text, where it is written without escapes; else ([`DECODED`]) the
/// `len`-th decoded text, or nothing ([`ABSENT`]). Eight bytes, so that a
/// price with its reference count fits mimalloc's 112-byte blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Text {
    start: u32,
    len: u32,
}

const ABSENT: u32 = u32::MAX;
const DECODED: u32 = u32::MAX - 1;

/// What few prices have: texts written with escapes, decoded, and the
/// one-time prices an installment price replaces.
#[derive(Debug, Clone, Default)]
struct Rare {
    decoded: Vec<Box<str>>,
    installment_of: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Price {
    /// The stored price object, shown as is.
    pub raw: Box<RawValue>,
    rare: Option<Box<Rare>>,
    id: Text,
    name: Text,
    price_type: Text,
    period: Text,
    unit: Text,
    pub amount: Decimal,
    /// `lineCountMin` and `lineCountMax`, `u32::MAX` when not given.
    lines: [u32; 2],
}

impl Price {
    pub fn from_json(raw: &Value) -> Option<Self> {
        Self::from_text(&raw.to_string())
    }

    /// A price from its stored text, kept as it is.
    pub fn from_text(text: &str) -> Option<Self> {
        let text = text.trim();
        let read = Self::read(text)?;
        Some(read(RawValue::from_string(text.to_string()).ok()?))
    }

    /// The price read from `text` (trimmed), once given its raw text.
    fn read(text: &str) -> Option<impl FnOnce(Box<RawValue>) -> Self + use<>> {
        let mut de = serde_json::Deserializer::from_str(text);
        // Anything but an object is no price (no id is found).
        let members = de.deserialize_any(Skipping(MembersVisitor)).ok()?;
        de.end().ok()?;
        let mut rare = Rare::default();
        let mut place = |t: Option<Cow<'_, str>>| -> Option<Text> {
            Some(match t {
                None => Text {
                    start: ABSENT,
                    len: 0,
                },
                Some(Cow::Borrowed(s)) => {
                    let start = (s.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
                    let start = u32::try_from(start).ok().filter(|&s| s < DECODED)?;
                    Text {
                        start,
                        len: u32::try_from(s.len()).ok()?,
                    }
                }
                Some(Cow::Owned(s)) => {
                    rare.decoded.push(s.into_boxed_str());
                    Text {
                        start: DECODED,
                        len: u32::try_from(rare.decoded.len() - 1).ok()?,
                    }
                }
            })
        };
        let id = place(Some(members.id?))?;
        let name = place(members.name)?;
        let price_type = place(members.price_type)?;
        let period = place(members.period)?;
        let unit = place(members.unit)?;
        let amount = decimal(members.value.as_ref())?;
        // `u32::MAX` itself stands for no bound: no line count reaches it.
        let line = |v: Option<Value>| {
            v.as_ref()
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(u32::MAX)
        };
        rare.installment_of = members
            .relationships
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|r| {
                r.get("relationshipType")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("installmentOf"))
            })
            .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        let lines = [line(members.line_min), line(members.line_max)];
        let rare =
            (!rare.decoded.is_empty() || !rare.installment_of.is_empty()).then(|| Box::new(rare));
        Some(move |raw| Self {
            raw,
            rare,
            id,
            name,
            price_type,
            period,
            unit,
            amount,
            lines,
        })
    }

    fn text(&self, t: Text) -> Option<&str> {
        match t.start {
            ABSENT => None,
            DECODED => self
                .rare
                .as_ref()?
                .decoded
                .get(t.len as usize)
                .map(|s| &**s),
            start => self
                .raw
                .get()
                .get(start as usize..start as usize + t.len as usize),
        }
    }

    /// Multi-line plans: the price applies when the line count is at least
    /// this (`lineCountMin`)...
    pub fn line_min(&self) -> Option<u32> {
        Some(self.lines[0]).filter(|&n| n != u32::MAX)
    }

    /// ... and at most this (`lineCountMax`).
    pub fn line_max(&self) -> Option<u32> {
        Some(self.lines[1]).filter(|&n| n != u32::MAX)
    }

    /// Installment prices: the ids of the one-time prices they replace
    /// (`popRelationship` of type `installmentOf`).
    pub fn installment_of(&self) -> &[String] {
        self.rare.as_ref().map_or(&[], |r| &r.installment_of)
    }

    pub fn id(&self) -> &str {
        self.text(self.id).unwrap_or_default()
    }

    /// The price's `name`, empty when it has none (carts show it per charge).
    pub fn name(&self) -> &str {
        self.text(self.name).unwrap_or_default()
    }

    /// `priceType`, `oneTime` when not given.
    pub fn price_type(&self) -> &str {
        self.text(self.price_type).unwrap_or("oneTime")
    }

    /// `recurringChargePeriodType`, when given.
    pub fn period(&self) -> Option<&str> {
        self.text(self.period)
    }

    /// `price.unit`, `USD` when not given.
    pub fn unit(&self) -> &str {
        self.text(self.unit).unwrap_or("USD")
    }

    pub fn applies_to_lines(&self, lines: u32) -> bool {
        self.line_min().is_none_or(|m| lines >= m) && self.line_max().is_none_or(|m| lines <= m)
    }
}

/// A decimal written as a string or a number.
pub(super) fn decimal(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
}

/// The members a price is read from; everything else is skipped.
#[derive(Default)]
struct Members<'t> {
    id: Option<Cow<'t, str>>,
    name: Option<Cow<'t, str>>,
    price_type: Option<Cow<'t, str>>,
    period: Option<Cow<'t, str>>,
    unit: Option<Cow<'t, str>>,
    value: Option<Value>,
    line_min: Option<Value>,
    line_max: Option<Value>,
    relationships: Option<Value>,
}

struct MembersVisitor;

impl<'t> Visitor<'t> for MembersVisitor {
    type Value = Members<'t>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a price object")
    }

    fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut m = Members::default();
        while let Some(Loose(Some(key))) = map.next_key::<Loose<'t>>()? {
            match &*key {
                "id" => m.id = map.next_value::<Loose>()?.0,
                "name" => m.name = map.next_value::<Loose>()?.0,
                "priceType" => m.price_type = map.next_value::<Loose>()?.0,
                "recurringChargePeriodType" => m.period = map.next_value::<Loose>()?.0,
                "lineCountMin" => m.line_min = Some(map.next_value()?),
                "lineCountMax" => m.line_max = Some(map.next_value()?),
                "popRelationship" => m.relationships = Some(map.next_value()?),
                "price" => {
                    let Amount { unit, value } = map.next_value()?;
                    (m.unit, m.value) = (unit, value);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(m)
    }
}

/// The `price` member: its `unit` and `value` (a repeated `price` counts as
/// its last, as the whole member).
#[derive(Default)]
struct Amount<'t> {
    unit: Option<Cow<'t, str>>,
    value: Option<Value>,
}

impl<'t> serde::Deserialize<'t> for Amount<'t> {
    fn deserialize<D: Deserializer<'t>>(d: D) -> Result<Self, D::Error> {
        struct AmountVisitor;
        impl<'t> Visitor<'t> for AmountVisitor {
            type Value = Amount<'t>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a price amount")
            }
            fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut a = Amount::default();
                while let Some(Loose(Some(key))) = map.next_key::<Loose<'t>>()? {
                    match &*key {
                        "unit" => a.unit = map.next_value::<Loose>()?.0,
                        "value" => a.value = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(a)
            }
        }
        // Not an object: no unit, no value.
        let v = d.deserialize_any(Skipping(AmountVisitor))?;
        Ok(v)
    }
}

/// A visitor that turns every non-object value into the default, so that a
/// member of the wrong type counts as missing.
struct Skipping<V>(V);

impl<'t, V: Visitor<'t>> Visitor<'t> for Skipping<V>
where
    V::Value: Default,
{
    type Value = V::Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.expecting(f)
    }
    fn visit_map<A: MapAccess<'t>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(map)
    }
    fn visit_seq<A: de::SeqAccess<'t>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(V::Value::default())
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(V::Value::default())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(V::Value::default())
    }
}

/// A string, borrowed from the text when it has no escapes; `None` for any
/// other JSON value.
struct Loose<'t>(Option<Cow<'t, str>>);

impl<'t> serde::Deserialize<'t> for Loose<'t> {
    fn deserialize<D: Deserializer<'t>>(d: D) -> Result<Self, D::Error> {
        struct LooseVisitor;
        impl<'t> Visitor<'t> for LooseVisitor {
            type Value = Loose<'t>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'t str) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v.to_string()))))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Loose(Some(Cow::Owned(v))))
            }
            fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose(None))
            }
            fn visit_seq<A: de::SeqAccess<'t>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
        }
        d.deserialize_any(LooseVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The attributes as a tree would read them.
    fn from_tree(v: &Value) -> Option<(String, String, String, Option<String>, String, Decimal)> {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        Some((
            s("/id")?,
            s("/name").unwrap_or_default(),
            s("/priceType").unwrap_or_else(|| "oneTime".into()),
            s("/recurringChargePeriodType"),
            s("/price/unit").unwrap_or_else(|| "USD".into()),
            decimal(v.pointer("/price/value"))?,
        ))
    }

    #[test]
    fn a_price_reads_as_its_tree() {
        let cases = [
            json!({"id": "p1", "name": "Plan", "priceType": "recurring", "recurringChargePeriodType": "month",
                   "price": {"unit": "EUR", "value": "10.50"}, "lineCountMin": 2, "lineCountMax": 4}),
            json!({"id": "p2", "price": {"value": 7}}),
            json!({"id": "p\"3\u{e9}", "name": "Caf\u{e9} \"plan\"", "price": {"value": 1.25, "unit": 5}}),
            json!({"id": "p4", "name": 12, "priceType": ["x"], "price": {"value": "3"}, "lineCountMin": -1}),
            json!({"id": "p5", "price": "10"}),
            json!({"id": 5, "price": {"value": "1"}}),
            json!(["not", "a", "price"]),
            json!({"id": "p6", "price": {"value": "2"}, "popRelationship": [
                {"id": "p1", "relationshipType": "installmentOf"}, {"id": "x", "relationshipType": "other"}]}),
        ];
        for v in &cases {
            let p = Price::from_json(v);
            match (p, from_tree(v)) {
                (None, None) => {}
                (Some(p), Some((id, name, ty, period, unit, amount))) => {
                    assert_eq!(p.id(), id, "{v}");
                    assert_eq!(p.name(), name, "{v}");
                    assert_eq!(p.price_type(), ty, "{v}");
                    assert_eq!(p.period().map(str::to_string), period, "{v}");
                    assert_eq!(p.unit(), unit, "{v}");
                    assert_eq!(p.amount, amount, "{v}");
                    let line = |k: &str| v.get(k).and_then(Value::as_u64).map(|n| n as u32);
                    assert_eq!(
                        (p.line_min(), p.line_max()),
                        (line("lineCountMin"), line("lineCountMax"))
                    );
                    assert_eq!(
                        serde_json::from_str::<Value>(p.raw.get()).ok().as_ref(),
                        Some(v)
                    );
                }
                (p, tree) => panic!("{v}: {p:?} against {tree:?}"),
            }
        }
        let p = Price::from_json(&cases[7]).expect("price");
        assert_eq!(p.installment_of(), ["p1".to_string()]);
        // A price and its reference count fill one 112-byte block.
        assert!(size_of::<Price>() + 16 <= 112, "{}", size_of::<Price>());
    }

    #[test]
    fn a_repeated_member_counts_as_its_last() {
        let p = Price::from_text(
            r#" {"id":"a","id":"b","price":{"value":"1"},"price":{"value":"2"}} "#,
        )
        .expect("price");
        assert_eq!((p.id(), p.amount), ("b", Decimal::from(2)));
        assert!(Price::from_text(r#"{"id":"a","price":{"value":"1"}"#).is_none());
    }
}
