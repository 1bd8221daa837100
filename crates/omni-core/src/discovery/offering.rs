//! One offering as the index holds it: the attributes discovery filters on,
//! its resolved prices and promotions, and its JSON pre-rendered so that
//! answering a search is mostly copying bytes. Kept lean: an index of a
//! million offers must fit in 2 GB (issue 17), so the pre-rendered members
//! are numbers into the layer's table of member texts (`intern.rs`).

use super::intern::{FastMap, Interner, Texts};
use super::pricing::{self, Price, PriceContext, Promotion};
use chrono::{DateTime, Utc};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

/// Attributes answered separately from the pre-rendered body.
const PRICED: [&str; 5] = [
    "productOfferingPrice",
    "productOfferingTotalPrice",
    "immediatePromotion",
    "potentialPromotion",
    "promotionQualificationMessage",
];
/// Attributes of the stored document that are bookkeeping, not offer content.
const HIDDEN: [&str; 5] = ["id", "href", "lastUpdate", "cmsInfo", "@schemaLocation"];

/// Relationship kind of a bundle to each of its bundled offerings.
pub const BUNDLED: &str = "bundledProductOffering";

/// Which parts of an offering an answer carries.
#[derive(Debug, Clone, Copy)]
pub struct Sections {
    /// Totals and promotions (off for `productOfferingOnly`).
    pub pricing: bool,
    /// The individual prices (off for devices with `suppressSBAPricing=Y`).
    pub prices: bool,
    /// `cmsInfo`, answered on lookups by id only.
    pub cms: bool,
}

#[derive(Debug, Clone)]
pub struct Relationship {
    pub target: String,
    pub kind: String,
    pub role: String,
}

#[derive(Debug, Clone)]
pub struct IndexedOffering {
    pub id: Box<str>,
    pub name: Box<str>,
    pub rank: i64,
    pub offering_type: Box<str>,
    pub variant_group: Option<Box<str>>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_to: Option<DateTime<Utc>>,
    pub sellable: bool,
    pub requires_service_qualification: bool,
    /// Extension `requiresExistingProduct`: offering ids or
    /// `productOfferingType` values, one of which the customer must already
    /// have (e.g. an upgrade-only offer). Empty when the offer requires none.
    pub requires_existing_product: Box<[String]>,
    pub technology: Option<Box<str>>,
    pub download_mbps: Option<u64>,
    /// The `simType` characteristic of a SIM offering: `eSIM` (a profile,
    /// nothing to ship) or `physical`.
    pub sim_type: Option<Box<str>>,
    pub relationships: Box<[Relationship]>,
    /// Category ids the offering is filed under (ancestors not included).
    pub categories: Box<[String]>,
    /// Bundles: the bundled offerings and how many of each a default bundle holds.
    pub parts: Box<[(String, u32)]>,
    pub prices: Box<[Arc<Price>]>,
    /// Bundles: the prices of the default parts, which make the bundle's total.
    pub part_prices: Box<[Arc<Price>]>,
    pub immediate: Box<[Promotion]>,
    pub potential: Box<[Promotion]>,
    /// The offer's members but `id`, prices and `cmsInfo`, in the stored
    /// order: numbers into the layer's member texts ([`Self::write_json`]).
    body: Box<[u32]>,
    cms: Option<Box<str>>,
    /// Pricing members after the prices for the default context (one line,
    /// no coupon): totals and promotions. The prices are written from
    /// `prices`, whose text is kept there once (a million offers' prices
    /// held twice were a quarter of a gigabyte).
    default_pricing: Box<str>,
    /// When the default pricing was rendered.
    priced_at: DateTime<Utc>,
}

fn text<'v>(doc: &'v Value, key: &str) -> Option<&'v str> {
    doc.get(key).and_then(Value::as_str)
}

fn texts(doc: &Value, key: &str) -> Vec<String> {
    match doc.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                i.as_str()
                    .or_else(|| i.get("id").and_then(Value::as_str))
                    .map(str::to_string)
            })
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The key `field=value` offerings are found under; values are compared
/// without case.
pub fn key(field: &str, value: &str) -> String {
    let mut key = String::with_capacity(field.len() + 1 + value.len());
    push_key(&mut key, field, value);
    key
}

fn push_key(out: &mut String, field: &str, value: &str) {
    out.push_str(field);
    out.push('=');
    if value.is_ascii() {
        out.extend(value.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&value.to_lowercase());
    }
}

/// A stored offering parsed once: its members as they are written (for the
/// pre-rendered body, copied rather than printed again) and as a tree (for
/// the attributes the index reads).
pub(super) struct Parsed<'t> {
    pub doc: Value,
    members: Vec<(Cow<'t, str>, &'t RawValue)>,
}

impl<'t> Parsed<'t> {
    pub(super) fn from_text(text: &'t str) -> Option<Self> {
        let members = Members::parse(text)?;
        let mut map = serde_json::Map::with_capacity(members.len());
        for (name, raw) in &members {
            map.insert(name.to_string(), serde_json::from_str(raw.get()).ok()?);
        }
        Some(Self {
            doc: Value::Object(map),
            members,
        })
    }

    /// Numbers the members of the pre-rendered body (see
    /// [`IndexedOffering::set_body`]).
    pub(super) fn body(&self, texts: &Interner) -> Box<[u32]> {
        let mut member = String::new();
        self.members
            .iter()
            .filter(|(name, _)| shown_in_body(name))
            .map(|(name, raw)| {
                member.clear();
                match name {
                    // Borrowed: the name had no escapes in the document.
                    Cow::Borrowed(name) => {
                        member.push('"');
                        member.push_str(name);
                        member.push('"');
                    }
                    Cow::Owned(name) => member.push_str(&Value::String(name.clone()).to_string()),
                }
                member.push(':');
                member.push_str(raw.get());
                texts.id(&member)
            })
            .collect()
    }
}

/// Numbers the members of a document's pre-rendered body, printed from the tree.
pub(super) fn body_of(doc: &Value, texts: &Interner) -> Box<[u32]> {
    let Value::Object(map) = doc else {
        return Box::default();
    };
    map.iter()
        .filter(|(name, _)| shown_in_body(name))
        .map(|(name, v)| texts.id(&format!("{}:{v}", Value::String(name.clone()))))
        .collect()
}

fn shown_in_body(name: &str) -> bool {
    !HIDDEN.contains(&name) && !PRICED.contains(&name)
}

/// A JSON object's members in order, each value left as its text.
struct Members<'t>(Vec<(Cow<'t, str>, &'t RawValue)>);

impl<'t> Members<'t> {
    fn parse(text: &'t str) -> Option<Vec<(Cow<'t, str>, &'t RawValue)>> {
        let mut de = serde_json::Deserializer::from_str(text);
        let members = de.deserialize_map(MembersVisitor).ok()?;
        de.end().ok()?;
        Some(members.0)
    }
}

struct MembersVisitor;

impl<'t> Visitor<'t> for MembersVisitor {
    type Value = Members<'t>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'t>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(24));
        while let Some(Name(name)) = map.next_key()? {
            let raw: &'t RawValue = map.next_value()?;
            members.push((name, raw));
        }
        Ok(Members(members))
    }
}

/// A member's name, borrowed from the document when it has no escapes.
struct Name<'t>(Cow<'t, str>);

impl<'t> serde::Deserialize<'t> for Name<'t> {
    fn deserialize<D: Deserializer<'t>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'t> Visitor<'t> for NameVisitor {
            type Value = Name<'t>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'t str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Name(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(NameVisitor)
    }
}

/// Calls `found_under` with each lower-cased `field=value` key an offering
/// is found under (a key may come more than once). The keys are written
/// into one buffer: a million offerings have some thirty million.
pub fn index_keys(
    doc: &Value,
    category_parents: &HashMap<String, String>,
    found_under: &mut dyn FnMut(&str),
) {
    let mut buffer = String::new();
    let mut emit = |field: &str, value: &str| {
        buffer.clear();
        push_key(&mut buffer, field, value);
        found_under(&buffer);
    };
    for c in texts(doc, "channel") {
        emit("channel", &c);
    }
    if let Some(Value::Array(cats)) = doc.get("category") {
        for c in cats {
            for name in [c.get("id"), c.get("name")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                // An offer in a subcategory is found under its ancestors too.
                let mut current = Some(name);
                for _ in 0..8 {
                    let Some(cat) = current else { break };
                    emit("category", cat);
                    current = category_parents.get(cat).map(String::as_str);
                }
            }
        }
    }
    for (field, attr) in [
        ("type", "productOfferingType"),
        ("typegroup", "productOfferingTypeGroup"),
        ("payment", "paymentType"),
        ("losg", "losgTypes"),
        ("offertype", "offerTypes"),
        ("lob", "lob"),
        ("custtype", "customerTypes"),
        ("custsub", "customerSubTypes"),
        ("credit", "creditRisk"),
        ("market", "markets"),
        ("imei", "imeiType"),
        ("part", "partType"),
        ("sku", "sku"),
        ("sku", "atgSkuId"),
        ("deviceproduct", "deviceProductId"),
        ("plancode", "planCode"),
    ] {
        for v in texts(doc, attr) {
            emit(field, &v);
        }
    }
    if let Some(u) = text(doc, "uniqueUrlName") {
        emit("char", &format!("uniqueurlname={u}"));
    }
    if let Some(Value::Array(chars)) = doc.get("productOfferingCharacteristic") {
        for c in chars {
            if let (Some(n), Some(v)) = (c.get("name").and_then(Value::as_str), c.get("value")) {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                emit("char", &format!("{}={v}", n.to_lowercase()));
                if n.eq_ignore_ascii_case("sku") {
                    emit("sku", &v);
                }
            }
        }
    }
}

impl IndexedOffering {
    /// `prices` resolves price ids; a price given inline (with its amount) is used as is.
    /// The body is left empty: the builder numbers it ([`Self::set_body`]).
    pub(super) fn from_document(
        doc: &Value,
        prices: &FastMap<String, Arc<Price>>,
        now: DateTime<Utc>,
    ) -> Option<Self> {
        let id: Box<str> = text(doc, "id")?.into();
        let resolved: Vec<Arc<Price>> = match doc.get("productOfferingPrice") {
            Some(Value::Array(refs)) => refs
                .iter()
                .filter_map(|r| {
                    let rid = r.get("id").and_then(Value::as_str)?;
                    prices
                        .get(rid)
                        .cloned()
                        .or_else(|| Price::from_json(r).map(Arc::new))
                })
                .collect(),
            _ => Vec::new(),
        };
        let promos = |k: &str| -> Vec<Promotion> {
            match doc.get(k) {
                Some(Value::Array(items)) => {
                    items.iter().filter_map(Promotion::from_json).collect()
                }
                _ => Vec::new(),
            }
        };
        let mut relationships: Vec<Relationship> = match doc.get("productOfferingRelationship") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|r| {
                    Some(Relationship {
                        target: r.get("id")?.as_str()?.to_string(),
                        kind: r
                            .get("relationshipType")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        role: r
                            .get("role")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                    })
                })
                .collect(),
            _ => Vec::new(),
        };
        let parts: Vec<(String, u32)> = match doc.get("bundledProductOffering") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|b| {
                    let option = b.get("bundledProductOfferingOption");
                    let count = ["numberRelOfferDefault", "numberRelOfferLowerLimit"]
                        .iter()
                        .find_map(|k| option.and_then(|o| o.get(*k)).and_then(Value::as_u64))
                        .unwrap_or(1);
                    Some((
                        b.get("id")?.as_str()?.to_string(),
                        u32::try_from(count).unwrap_or(u32::MAX),
                    ))
                })
                .collect(),
            _ => Vec::new(),
        };
        // A bundle's parts are offers related to it (and it to them).
        relationships.extend(parts.iter().map(|(id, _)| Relationship {
            target: id.clone(),
            kind: BUNDLED.to_string(),
            role: String::new(),
        }));
        let cms = match doc.get("cmsInfo") {
            Some(v @ Value::Array(_)) => Some(format!("\"cmsInfo\":{v}").into_boxed_str()),
            _ => None,
        };
        let lifecycle = text(doc, "lifecycleStatus").unwrap_or("In design");
        let instant = |p: &str| {
            doc.pointer(p)
                .and_then(Value::as_str)
                .and_then(crate::time::parse_rfc3339)
        };
        let mut offering = Self {
            name: text(doc, "name").unwrap_or_default().into(),
            rank: doc
                .get("valueRank")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX),
            offering_type: text(doc, "productOfferingType").unwrap_or_default().into(),
            variant_group: doc
                .pointer("/variantGroup/id")
                .and_then(Value::as_str)
                .map(Box::from),
            valid_from: instant("/validFor/startDateTime"),
            valid_to: instant("/validFor/endDateTime"),
            sellable: matches!(lifecycle, "Active" | "Launched")
                && doc.get("isSellable") != Some(&Value::Bool(false)),
            requires_service_qualification: doc.get("requiresServiceQualification")
                == Some(&Value::Bool(true)),
            requires_existing_product: texts(doc, "requiresExistingProduct").into(),
            technology: text(doc, "technology").map(Box::from),
            sim_type: doc
                .get("productOfferingCharacteristic")
                .and_then(Value::as_array)
                .and_then(|list| {
                    list.iter()
                        .find(|c| c.get("name").and_then(Value::as_str) == Some("simType"))
                })
                .and_then(|c| c.get("value").and_then(Value::as_str))
                .map(Box::from),
            download_mbps: doc.get("downloadSpeedMbps").and_then(Value::as_u64),
            relationships: relationships.into(),
            categories: match doc.get("category") {
                Some(Value::Array(cats)) => cats
                    .iter()
                    .filter_map(|c| c.get("id").and_then(Value::as_str).map(str::to_string))
                    .collect(),
                _ => Box::default(),
            },
            parts: parts.into(),
            prices: resolved.into(),
            part_prices: Box::default(),
            immediate: promos("immediatePromotion").into(),
            potential: promos("potentialPromotion").into(),
            body: Box::default(),
            cms,
            default_pricing: Box::from(""),
            priced_at: now,
            id,
        };
        offering.default_pricing =
            pricing_members(&offering.pricing(&PriceContext::default_at(now)), false)
                .into_boxed_str();
        Some(offering)
    }

    /// Sets the pre-rendered members, numbered in the layer's member texts.
    pub(super) fn set_body(&mut self, body: Box<[u32]>) {
        self.body = body;
    }

    pub fn is_device(&self) -> bool {
        &*self.offering_type == "Mobile_Device"
    }

    /// An eSIM: the catalog says so (`simType` eSIM), and nothing ships.
    pub fn is_esim(&self) -> bool {
        self.sim_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("esim"))
    }

    pub fn valid_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_from.is_none_or(|s| s <= now) && self.valid_to.is_none_or(|e| now <= e)
    }

    pub fn pricing(&self, ctx: &PriceContext) -> pricing::Pricing {
        if self.part_prices.is_empty() {
            return pricing::price(&self.prices, &self.immediate, &self.potential, ctx);
        }
        // A bundle's total adds up its parts, but it lists only its own prices.
        let all: Vec<Arc<Price>> = self
            .prices
            .iter()
            .chain(&self.part_prices)
            .cloned()
            .collect();
        let mut priced = pricing::price(&all, &self.immediate, &self.potential, ctx);
        let tier = pricing::tier_lines(&all, ctx.lines);
        let own = self
            .prices
            .iter()
            .filter(|p| p.applies_to_lines(tier))
            .count();
        priced.prices.truncate(own);
        priced
    }

    /// Prices a bundle by its default parts' prices.
    pub(super) fn set_part_prices(&mut self, prices: Vec<Arc<Price>>) {
        self.part_prices = prices.into();
        self.default_pricing = pricing_members(
            &self.pricing(&PriceContext::default_at(self.priced_at)),
            false,
        )
        .into_boxed_str();
    }

    /// The prices a default answer (one line) lists: the offering's own,
    /// those of the tier one line is in, as [`Self::pricing`] chooses them.
    fn default_prices(&self) -> impl Iterator<Item = &Price> {
        let tier = if self.has_line_tiers() {
            pricing::tier_lines(&self.all_prices(), 1)
        } else {
            1
        };
        self.prices
            .iter()
            .map(|p| &**p)
            .filter(move |p| p.applies_to_lines(tier))
    }

    /// The offering's own prices, then (a bundle's) its parts'.
    fn all_prices(&self) -> Vec<&Price> {
        self.prices
            .iter()
            .chain(&self.part_prices)
            .map(|p| &**p)
            .collect()
    }

    /// Whether any price depends on the number of lines.
    pub fn has_line_tiers(&self) -> bool {
        self.prices
            .iter()
            .chain(&self.part_prices)
            .any(|p| p.line_min().is_some() || p.line_max().is_some())
    }

    /// Whether the offering can be sold for `lines` lines: when it is priced
    /// per line-count tier, one of its tiers holds that many lines (above
    /// the last tier, the last one does: [`pricing::tier_lines`]). Without a
    /// tier there is no price to charge, so the offer is not available.
    pub fn sells_lines(&self, lines: u32) -> bool {
        let all = self.all_prices();
        let lines = pricing::tier_lines(&all, lines);
        !self.has_line_tiers()
            || all
                .iter()
                .filter(|p| p.line_min().is_some() || p.line_max().is_some())
                .any(|p| p.applies_to_lines(lines))
    }

    /// Appends this offering's JSON to `out`; `members` are the texts of
    /// the layer that holds it.
    pub(super) fn write_json(
        &self,
        out: &mut String,
        href: &str,
        ctx: &PriceContext,
        sections: Sections,
        members: &Texts,
    ) {
        out.push_str("{\"id\":");
        out.push_str(&Value::String(self.id.to_string()).to_string());
        out.push_str(",\"href\":");
        out.push_str(&Value::String(href.to_string()).to_string());
        for &member in &self.body {
            out.push(',');
            out.push_str(members.get(member));
        }
        if sections.pricing {
            // Default prices were rendered at index time, but promotions start
            // and end: render again when one has changed state since.
            let stale = self
                .immediate
                .iter()
                .chain(&self.potential)
                .any(|p| p.valid_at(self.priced_at) != p.valid_at(ctx.now));
            out.push(',');
            if ctx.is_default() && !stale {
                if sections.prices {
                    out.push_str("\"productOfferingPrice\":[");
                    for (i, p) in self.default_prices().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(p.raw.get());
                    }
                    out.push_str("],");
                }
                out.push_str(&self.default_pricing);
            } else {
                out.push_str(&pricing_members(&self.pricing(ctx), sections.prices));
            }
        }
        if sections.cms
            && let Some(cms) = &self.cms
        {
            out.push(',');
            out.push_str(cms);
        }
        out.push('}');
    }
}

fn raw_array(out: &mut String, name: &str, items: &[Box<RawValue>]) {
    let _ = write!(out, "\"{name}\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(item.get());
    }
    out.push(']');
}

fn pricing_members(p: &pricing::Pricing, with_prices: bool) -> String {
    let mut out = String::new();
    if with_prices {
        raw_array(&mut out, "productOfferingPrice", &p.prices);
        out.push(',');
    }
    let _ = write!(
        out,
        "\"productOfferingTotalPrice\":{}",
        Value::Array(p.totals.clone())
    );
    out.push(',');
    raw_array(&mut out, "immediatePromotion", &p.immediate);
    out.push(',');
    raw_array(&mut out, "potentialPromotion", &p.potential);
    if !p.qualification.is_empty() {
        let _ = write!(
            out,
            ",\"promotionQualificationMessage\":{}",
            Value::Array(p.qualification.clone())
        );
    }
    out
}
