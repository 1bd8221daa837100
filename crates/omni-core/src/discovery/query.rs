//! Decoding and validating a Product Discovery request exactly as its page
//! states: every parameter is known, enums and lengths are checked, and the
//! conditional requirements hold. Errors name the parameter and the rule.

use crate::document::FieldError;

/// Every query parameter of the page, in its order.
pub const PARAMETERS: [&str; 73] = [
    "ids",
    "limit",
    "offset",
    "channel",
    "categoryName",
    "serviceAddressId",
    "productOfferingTypeGroup",
    "characteristics",
    "productOfferingId",
    "cartId",
    "productOrderItemId",
    "migratedFrom",
    "relatedProductOfferingId",
    "relationType",
    "relationRole",
    "customerId",
    "productId",
    "customerType",
    "customerSubType",
    "checkEligibilityForCoupon",
    "contextType",
    "contextMainIdentifier",
    "ACPClassification",
    "actionType",
    "losgTypes",
    "paymentType",
    "offerTypes",
    "deviceProductIds",
    "mode",
    "allVariants",
    "lobs",
    "productType",
    "atgSkuIds",
    "groupByVariantGroup",
    "imeiTypes",
    "skus",
    "deviceSkuId",
    "planSkuIds",
    "expandData",
    "ctn",
    "categoryType",
    "deviceCount",
    "planFirstFlow",
    "creditRisk",
    "referralCode",
    "installationType",
    "activeProducts",
    "transportTypes",
    "productOfferingOnly",
    "initiatorBan",
    "deviceProductOfferingIds",
    "deviceAllocationFlow",
    "transferCtns",
    "acceptorCtn",
    "acceptorBan",
    "initiatorCustomerType",
    "market",
    "targetedPlancode",
    "accessEligible",
    "rootBundleProductOrderItemId",
    "productOfferingGroup",
    "productOfferingType",
    "dealerCode",
    "fanId",
    "groupChangeInFocus",
    "liabilityType",
    "contractType",
    "contractVersion",
    "channelCatalog",
    "orderTransactionType",
    "subChannel",
    "partType",
    // Omni's: how a device would be paid for (`full`, `installment`).
    "paymentOption",
];

/// Parameters whose page entry says `Length: 100`.
const LENGTH_100: [&str; 9] = [
    "channel",
    "categoryName",
    "serviceAddressId",
    "productOfferingTypeGroup",
    "losgTypes",
    "paymentType",
    "offerTypes",
    "deviceProductIds",
    "mode",
];
const LENGTH_100_MORE: [&str; 1] = ["lobs"];
/// Every other parameter: a generous bound that still refuses abuse.
const MAX_LEN: usize = 1000;
pub const MAX_LIMIT: usize = 200;

use crate::channel::CHANNELS;
const CATEGORIES: [&str; 8] = [
    "WBB_Plans",
    "tobrInitiator",
    "tobrAcceptor",
    "Mobile_Devices",
    "Mobile_Offers",
    "Mobile_Accessories",
    "Mobile_Addons",
    "BB_Plans",
];
const LOSG: [&str; 3] = ["NEW", "UP", "AL"];
const PAYMENT: [&str; 2] = ["Prepaid", "Postpaid"];
const OFFER_TYPES: [&str; 4] = ["standalone", "tradein", "bogo", "abp"];
const MODES: [&str; 4] = ["buyFlow", "add", "new", "existing"];
const ACP: [&str; 2] = ["TRIBAL", "NON_TRIBAL"];
const PART_TYPES: [&str; 5] = ["ALL", "LTE", "UMTS", "GSM", "FEM"];
const TRANSACTIONS: [&str; 5] = [
    "New Activation",
    "Device Upgrade",
    "Offer Change",
    "Device Change",
    "Order Product Equipment",
];

/// The JSON schema of query parameter `name`, from the same tables the
/// validator checks: enums, flags and integer ranges are spelled out, so
/// that the API document says what the parser accepts.
pub fn parameter_schema(name: &str) -> serde_json::Value {
    let max_len = if LENGTH_100.contains(&name) || LENGTH_100_MORE.contains(&name) {
        100
    } else {
        MAX_LEN
    };
    let one_of = |values: &[&str]| serde_json::json!({"type": "string", "enum": values});
    match name {
        "channel" => one_of(&CHANNELS),
        "categoryName" => one_of(&CATEGORIES),
        "paymentType" => one_of(&PAYMENT),
        "partType" => one_of(&PART_TYPES),
        "mode" => one_of(&MODES),
        "ACPClassification" => one_of(&ACP),
        "orderTransactionType" => one_of(&TRANSACTIONS),
        "suppressSBAPricing" => one_of(&["Y", "N"]),
        "paymentOption" => one_of(&crate::formats::PAYMENT_OPTIONS),
        // Case does not matter to the parser; the document names the usual spelling.
        "planFirstFlow"
        | "deviceAllocationFlow"
        | "accessEligible"
        | "productOfferingOnly"
        | "allVariants"
        | "groupByVariantGroup" => one_of(&["true", "false"]),
        "deviceCount" => serde_json::json!({"type": "integer", "minimum": 1, "maximum": 100}),
        "limit" => serde_json::json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
        "offset" => serde_json::json!({"type": "integer", "minimum": 0, "maximum": i32::MAX}),
        _ => serde_json::json!({"type": "string", "maxLength": max_len}),
    }
}

/// Headers of the page; `idpctx-*` context is kept for logging and tracing.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryHeaders {
    pub client_id: Option<String>,
    pub app_name: Option<String>,
    pub context: Vec<(String, String)>,
}

/// The client id of the ASF purchasing system, whose requests carry contract context.
pub const ASF_CLIENT: &str = "ASF";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscoveryRequest {
    pub ids: Vec<String>,
    pub limit: usize,
    /// Zero-based page number: the answer starts at `offset * limit`.
    pub offset: usize,
    pub channel: String,
    pub category: Option<String>,
    pub service_address: Option<String>,
    pub type_group: Option<String>,
    pub offering_type: Option<String>,
    pub characteristics: Vec<(String, String)>,
    pub offering_id: Option<String>,
    pub cart_id: Option<String>,
    pub order_item_id: Option<String>,
    pub related_to: Option<String>,
    pub relation_type: Option<String>,
    pub relation_roles: Vec<String>,
    pub customer_type: Option<String>,
    pub customer_sub_type: Option<String>,
    pub credit_risk: Option<String>,
    pub market: Option<String>,
    pub coupon: Option<String>,
    pub losg_types: Vec<String>,
    pub payment_type: Option<String>,
    pub offer_types: Vec<String>,
    pub device_product_ids: Vec<String>,
    pub skus: Vec<String>,
    pub lobs: Vec<String>,
    pub imei_types: Vec<String>,
    pub part_type: Option<String>,
    pub all_variants: bool,
    pub lines: u32,
    /// `paymentOption`: totals as a cart or order would charge them; absent,
    /// the totals list every way to pay (the full price and the installments).
    pub payment: Option<crate::pricing::Payment>,
    pub suppress_device_prices: bool,
    pub offering_only: bool,
    pub offering_ids: Vec<String>,
    pub plan_code: Option<String>,
}

struct Params<'a> {
    pairs: Vec<(&'a str, &'a str)>,
    errors: Vec<FieldError>,
}

impl<'a> Params<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .filter(|v| !v.trim().is_empty())
    }

    fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| v.trim().to_string())
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.get(name).map(split_list).unwrap_or_default()
    }

    fn fail(&mut self, name: &str, rule: impl Into<String>) {
        self.errors.push(FieldError::new(name, rule));
    }

    fn one_of(&mut self, name: &str, allowed: &[&str]) -> Option<String> {
        let v = self.text(name)?;
        let found = spelled(name, &v, allowed);
        if found.is_none() {
            self.fail(name, format!("must be one of {}", allowed.join(", ")));
        }
        found
    }

    fn list_of(&mut self, name: &str, allowed: &[&str]) -> Vec<String> {
        let values = self.list(name);
        if let Some(bad) = values.iter().find(|v| spelled(name, v, allowed).is_none()) {
            let rule = format!("'{bad}' is not one of {}", allowed.join(", "));
            self.fail(name, rule);
        }
        values
            .iter()
            .filter_map(|v| spelled(name, v, allowed))
            .collect()
    }

    fn flag(&mut self, name: &str) -> bool {
        match self.get(name).map(str::trim) {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(_) => {
                self.fail(name, "must be true or false");
                false
            }
        }
    }

    fn int(&mut self, name: &str, min: i64, max: i64) -> Option<i64> {
        let v = self.get(name)?;
        match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.fail(name, format!("must be an integer from {min} to {max}"));
                None
            }
        }
    }
}

/// Enum parameters whose case the page itself mixes: it lists
/// `Mobile_Devices` and writes `Mobile_devices` in the same entry (seed 002,
/// categoryName). Every other enum is spelled one way throughout the page
/// and is matched exactly.
const ANY_CASE: [&str; 1] = ["categoryName"];

/// The enum value `v` of parameter `name` names, in the page's spelling.
fn spelled(name: &str, v: &str, allowed: &[&str]) -> Option<String> {
    let any_case = ANY_CASE.contains(&name);
    allowed
        .iter()
        .find(|a| **a == v || (any_case && a.eq_ignore_ascii_case(v)))
        .map(|a| a.to_string())
}

/// `productOfferingType` as the page spells it → as the catalog does. The
/// page's example `Mobile_Sim` (seed 002) is the catalog's `SIM`; other
/// values are the catalog's own (matched ignoring case).
const OFFERING_TYPE_ALIASES: [(&str, &str); 1] = [("Mobile_Sim", "SIM")];

/// The catalog's `productOfferingType` for the value a request gives.
pub fn catalog_offering_type(v: &str) -> String {
    OFFERING_TYPE_ALIASES
        .iter()
        .find(|(page, _)| page.eq_ignore_ascii_case(v))
        .map_or(v, |(_, catalog)| catalog)
        .to_string()
}

/// A query parameter a browser or proxy adds to defeat caches (`_=<time>`,
/// as jQuery does); it means nothing to the search and is ignored.
pub const CACHE_BUSTER: &str = "_";

/// Whether `v` is one of `values`, ignoring case as the index does.
fn is_any(v: &Option<String>, values: &[&str]) -> bool {
    v.as_deref()
        .is_some_and(|v| values.iter().any(|x| x.eq_ignore_ascii_case(v)))
}

fn split_list(v: &str) -> Vec<String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl DiscoveryRequest {
    /// What this request changes about prices.
    pub fn price_context(&self, now: chrono::DateTime<chrono::Utc>) -> super::PriceContext {
        super::PriceContext {
            lines: self.lines.max(1),
            coupon: self.coupon.clone(),
            losg_type: self.losg_types.first().cloned(),
            offer_types: self.offer_types.clone(),
            payment: self.payment,
            now,
        }
    }

    pub fn parse(
        pairs: &[(String, String)],
        headers: &DiscoveryHeaders,
    ) -> Result<Self, Vec<FieldError>> {
        let mut p = Params {
            pairs: pairs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            errors: Vec::new(),
        };
        check_headers(headers, &mut p.errors);
        check_names_and_lengths(&mut p);

        let ids = p.list("ids");
        let looking_up = !ids.is_empty();
        let mut r = Self {
            channel: p.one_of("channel", &CHANNELS).unwrap_or_default(),
            category: p.one_of("categoryName", &CATEGORIES),
            losg_types: p.list_of("losgTypes", &LOSG),
            payment_type: p.one_of("paymentType", &PAYMENT),
            offer_types: p.list_of("offerTypes", &OFFER_TYPES),
            part_type: p.one_of("partType", &PART_TYPES).filter(|t| t != "ALL"),
            ids,
            ..Self::default()
        };
        if p.get("channel").is_none() {
            p.fail("channel", "is required");
        }
        p.one_of("mode", &MODES);
        p.one_of("ACPClassification", &ACP);
        p.one_of("orderTransactionType", &TRANSACTIONS);
        match p.text("suppressSBAPricing").as_deref() {
            None | Some("N") => {}
            Some("Y") => r.suppress_device_prices = true,
            Some(_) => p.fail("suppressSBAPricing", "must be Y or N"),
        }
        for name in ["planFirstFlow", "deviceAllocationFlow", "accessEligible"] {
            p.flag(name);
        }
        r.offering_only = p.flag("productOfferingOnly");
        r.all_variants = p.flag("allVariants") | p.flag("groupByVariantGroup");
        r.lines = p.int("deviceCount", 1, 100).map_or(1, |n| n as u32);
        match p.text("paymentOption") {
            None => {}
            Some(v) if crate::formats::PAYMENT_OPTIONS.contains(&v.as_str()) => {
                r.payment = Some(crate::pricing::Payment::from_choice(Some(&v)));
            }
            Some(_) => p.fail(
                "paymentOption",
                format!("must be {}", crate::formats::PAYMENT_OPTIONS.join(" or ")),
            ),
        }

        let limit = p.int("limit", 1, MAX_LIMIT as i64);
        let offset = p.int("offset", 0, i64::from(i32::MAX));
        if !looking_up {
            if p.get("limit").is_none() {
                p.fail("limit", "is required unless ids is given");
            }
            if p.get("offset").is_none() {
                p.fail("offset", "is required unless ids is given");
            }
        }
        r.limit = limit.map_or(MAX_LIMIT, |n| n as usize);
        r.offset = offset.map_or(0, |n| n as usize);

        r.service_address = p.text("serviceAddressId");
        r.type_group = p.text("productOfferingTypeGroup");
        r.offering_type = p
            .text("productOfferingType")
            .map(|t| catalog_offering_type(&t));
        r.offering_id = p.text("productOfferingId");
        r.cart_id = p.text("cartId");
        r.order_item_id = p.text("productOrderItemId");
        r.related_to = p.text("relatedProductOfferingId");
        r.relation_type = p.text("relationType");
        r.relation_roles = p.list("relationRole");
        r.customer_type = p.text("customerType");
        r.customer_sub_type = p.text("customerSubType");
        r.credit_risk = p.text("creditRisk");
        r.market = p.text("market");
        r.coupon = p
            .text("referralCode")
            .or_else(|| p.text("checkEligibilityForCoupon"));
        r.device_product_ids = p.list("deviceProductIds");
        r.skus = ["skus", "atgSkuIds", "deviceSkuId", "planSkuIds"]
            .iter()
            .flat_map(|n| p.list(n))
            .collect();
        r.lobs = p.list("lobs");
        r.lobs.extend(p.list("productType"));
        r.imei_types = p.list("imeiTypes");
        r.offering_ids = p.list("deviceProductOfferingIds");
        r.plan_code = p.text("targetedPlancode");
        if let Some(raw) = p.get("characteristics") {
            match parse_characteristics(raw) {
                Some(pairs) => r.characteristics = pairs,
                None => p.fail(
                    "characteristics",
                    "must list key/value pairs, e.g. [{\"uniqueUrlName\":\"apple-iphone-15-pro\"}]",
                ),
            }
        }
        if (p.get("relationType").is_some() || p.get("relationRole").is_some())
            && r.related_to.is_none()
        {
            p.fail(
                "relatedProductOfferingId",
                "is required with relationType or relationRole",
            );
        }

        if !looking_up {
            let wbb = r.category.as_deref() == Some("WBB_Plans")
                || is_any(&r.type_group, &["WBBOffer", "WBBPlan"])
                || is_any(&r.offering_type, &["WBB_Offer", "WBB_Plan"]);
            if wbb && r.service_address.is_none() {
                p.fail("serviceAddressId", "is required for a WBB offer search");
            }
            if r.category.as_deref() == Some("Mobile_Devices")
                && r.characteristics.is_empty()
                && r.offering_id.is_none()
            {
                p.fail(
                    "characteristics",
                    "or productOfferingId is required for device details",
                );
            }
            let wireless =
                r.lobs.is_empty() || r.lobs.iter().any(|l| l.eq_ignore_ascii_case("wireless"));
            if r.category.as_deref() == Some("Mobile_Addons") && wireless {
                for name in ["cartId", "productOrderItemId"] {
                    if p.get(name).is_none() {
                        p.fail(name, "is required when getting wireless add-ons");
                    }
                }
            }
        }
        if r.losg_types.iter().any(|l| l == "UP") && p.get("ctn").is_none() {
            p.fail("ctn", "is required when losgTypes is UP");
        }
        if let Some(ctn) = p.get("ctn")
            && !(ctn.len() == 10 && ctn.bytes().all(|b| b.is_ascii_digit()))
        {
            p.fail("ctn", "must be a 10-digit telephone number");
        }
        let asf = headers
            .client_id
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(ASF_CLIENT));
        if asf {
            let contract = ["liabilityType", "contractType", "contractVersion"];
            if p.get("fanId").is_none() && contract.iter().any(|n| p.get(n).is_none()) {
                p.fail("fanId", "or all of liabilityType, contractType and contractVersion are required for an ASF client");
            }
            for name in ["channelCatalog", "orderTransactionType", "subChannel"] {
                if p.get(name).is_none() {
                    p.fail(name, "is required for an ASF client");
                }
            }
        }
        if p.errors.is_empty() {
            Ok(r)
        } else {
            Err(p.errors)
        }
    }
}

fn check_headers(h: &DiscoveryHeaders, errors: &mut Vec<FieldError>) {
    for (name, value) in [
        ("X-ATT-ClientId", &h.client_id),
        ("idpctx-appname", &h.app_name),
    ] {
        match value {
            None => errors.push(FieldError::new(name, "header is required")),
            Some(v) if v.trim().is_empty() => {
                errors.push(FieldError::new(name, "header must not be empty"))
            }
            Some(v) if v.chars().count() > 100 => errors.push(FieldError::new(
                name,
                "header must be at most 100 characters",
            )),
            Some(_) => {}
        }
    }
    for (name, value) in &h.context {
        if value.chars().count() > 100 {
            errors.push(FieldError::new(
                name.clone(),
                "header must be at most 100 characters",
            ));
        }
    }
}

fn check_names_and_lengths(p: &mut Params<'_>) {
    let mut seen: Vec<&str> = Vec::new();
    let pairs = p.pairs.clone();
    for (name, value) in pairs {
        if name == CACHE_BUSTER {
            continue;
        }
        if !PARAMETERS.contains(&name) && name != "suppressSBAPricing" {
            p.fail(name, "is not a parameter of this API");
            continue;
        }
        if seen.contains(&name) {
            p.fail(name, "is given more than once");
        }
        seen.push(name);
        let max = if LENGTH_100.contains(&name) || LENGTH_100_MORE.contains(&name) {
            100
        } else {
            MAX_LEN
        };
        if value.chars().count() > max {
            p.fail(name, format!("must be at most {max} characters"));
        }
    }
}

/// Reads every encoding the page shows: JSON (`[{"Streaming":"HD"}]`), the
/// `=` form (`[{"uniqueUrlName"="apple-iphone-15-pro"}]`, `{uniqueUrlName=…}`),
/// and a value URL-encoded once more than usual.
pub fn parse_characteristics(raw: &str) -> Option<Vec<(String, String)>> {
    enum Token {
        Word(String),
        Separator,
    }
    let once_more = percent_decode(raw);
    let text = once_more.as_deref().unwrap_or(raw);
    let mut tokens = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        let w = word.trim().trim_start_matches('%').trim();
        if !w.is_empty() {
            tokens.push(Token::Word(w.to_string()));
        }
        word.clear();
    };
    for c in text.chars() {
        match c {
            '[' | ']' | '{' | '}' | '"' | ',' => flush(&mut word, &mut tokens),
            ':' | '=' => {
                flush(&mut word, &mut tokens);
                tokens.push(Token::Separator);
            }
            _ => word.push(c),
        }
    }
    flush(&mut word, &mut tokens);
    let mut pairs = Vec::new();
    let mut it = tokens.into_iter();
    while let Some(first) = it.next() {
        match (first, it.next(), it.next()) {
            (Token::Word(k), Some(Token::Separator), Some(Token::Word(v))) => pairs.push((k, v)),
            _ => return None,
        }
    }
    (!pairs.is_empty()).then_some(pairs)
}

/// Decodes `%XX` escapes when the text still has any valid ones.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut changed = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                changed = true;
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    if changed {
        String::from_utf8(out).ok()
    } else {
        None
    }
}
