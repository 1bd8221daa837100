//! `omni gen-catalog`: a synthetic catalog of N offers for scale tests, in the
//! same layout `omni load` reads. Deterministic: the same N and seed always
//! write the same files.

use anyhow::Context;
use serde_json::{Value, json};
use std::io::{BufWriter, Write};
use std::path::Path;

/// xorshift64*: enough randomness for test data, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// A non-empty subset, in the items' order.
    fn subset(&mut self, items: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = items
            .iter()
            .filter(|_| self.below(3) > 0)
            .map(|s| s.to_string())
            .collect();
        if out.is_empty() {
            out.push(self.pick(items).to_string());
        }
        out
    }
}

const KINDS: [(&str, &str, &str); 5] = [
    ("Mobile_Device", "Mobile_Devices", "wireless"),
    ("Mobile_Offer", "Mobile_Offers", "wireless"),
    ("Mobile_Addon", "Mobile_Addons", "wireless"),
    ("Mobile_Accessory", "Mobile_Accessories", "wireless"),
    ("BB_Plan", "BB_Plans", "wireline"),
];
const CHANNELS: [&str; 3] = ["ECOMM", "ATTR", "SelfService"];
const COLOURS: [&str; 6] = ["Black", "White", "Blue", "Green", "Titanium", "Red"];
const CAPACITIES: [&str; 4] = ["128GB", "256GB", "512GB", "1TB"];
const MARKETS: [&str; 6] = ["DLS", "HOU", "AUS", "ATL", "CHI", "LAX"];

fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

pub fn id_of(i: usize) -> String {
    format!("gen-offer-{i:06}")
}

fn offer(i: usize, rng: &mut Rng) -> (Value, Vec<Value>) {
    let (offering_type, category, lob) = KINDS[(i * 7 + rng.below(3) as usize) % KINDS.len()];
    let id = id_of(i);
    let full = 1_000 + rng.below(150_000);
    let one_time = offering_type == "Mobile_Device" || offering_type == "Mobile_Accessory";
    let mut first = json!({
        "id": format!("{id}-price"), "name": format!("Offer {i} price"), "lifecycleStatus": "Active",
        "priceType": if one_time { "oneTime" } else { "recurring" },
        "price": {"unit": "USD", "value": money(full)},
    });
    if !one_time {
        first["recurringChargePeriodType"] = json!("month");
    }
    let mut prices = vec![first];
    if offering_type == "Mobile_Device" {
        prices.push(json!({
            "id": format!("{id}-inst"), "name": format!("Offer {i} installments"), "lifecycleStatus": "Active",
            "priceType": "installment", "recurringChargePeriodType": "month", "recurringChargePeriodLength": 36,
            "price": {"unit": "USD", "value": money(full / 36)},
        }));
    }
    let colour = rng.pick(&COLOURS);
    let capacity = rng.pick(&CAPACITIES);
    let mut doc = json!({
        "id": id,
        "name": format!("Synthetic {offering_type} {i} {colour} {capacity}"),
        "localizedName": format!("Synthetic offer {i}"),
        "lifecycleStatus": "Active",
        "validFor": {"startDateTime": "2024-01-01T00:00:00Z"},
        "isBundle": false,
        "productOfferingType": offering_type,
        "mustBeBundled": offering_type == "Mobile_Addon",
        "category": [{"id": category, "name": category}],
        "channel": rng.subset(&CHANNELS).into_iter().map(|c| json!({"id": c})).collect::<Vec<_>>(),
        "paymentType": rng.subset(&["Prepaid", "Postpaid"]),
        "losgTypes": rng.subset(&["NEW", "UP", "AL"]),
        "offerTypes": rng.subset(&["standalone", "tradein", "bogo"]),
        "lob": lob,
        "customerTypes": rng.subset(&["Consumer", "Business", "IRU", "CRU"]),
        "creditRisk": rng.subset(&["low", "medium", "high"]),
        "markets": rng.subset(&MARKETS),
        "valueRank": rng.below(1000),
        "sku": format!("sku9{i:07}"),
        "productOfferingCharacteristic": [
            {"name": "colour", "value": colour},
            {"name": "capacity", "value": capacity},
        ],
        "productOfferingPrice": prices.iter().map(|p| json!({"id": p["id"], "priceType": p["priceType"]})).collect::<Vec<_>>(),
    });
    if offering_type == "Mobile_Device" {
        doc["variantGroup"] = json!({"id": format!("gen-vg-{}", i / 4)});
        doc["imeiType"] = json!(rng.pick(&["S6", "R1"]));
        doc["partType"] = json!(rng.pick(&["ALL", "LTE"]));
    }
    if rng.below(5) == 0 {
        doc["immediatePromotion"] = json!([{
            "id": format!("gen-promo-{i}"), "name": "Instant savings", "benefitType": "discount",
            "discountAmount": money(100 + rng.below(full / 2)), "appliesTo": prices[0]["priceType"],
        }]);
    }
    (doc, prices)
}

/// A JSON array written one element at a time.
struct ArrayWriter {
    out: BufWriter<std::fs::File>,
    n: usize,
}

impl ArrayWriter {
    fn create(path: &Path) -> anyhow::Result<Self> {
        let file =
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(b"[\n")?;
        Ok(Self { out, n: 0 })
    }

    fn push(&mut self, item: &Value) -> anyhow::Result<()> {
        if self.n > 0 {
            self.out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut self.out, item)?;
        self.n += 1;
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<usize> {
        self.out.write_all(b"\n]\n")?;
        self.out.flush()?;
        Ok(self.n)
    }
}

fn write_array<I: Iterator<Item = Value>>(path: &Path, items: I) -> anyhow::Result<usize> {
    let mut w = ArrayWriter::create(path)?;
    for item in items {
        w.push(&item)?;
    }
    w.finish()
}

pub fn generate(offers: usize, out: &Path, seed: u64) -> anyhow::Result<String> {
    let catalog = out.join("catalog");
    let places = out.join("places");
    std::fs::create_dir_all(&catalog)?;
    std::fs::create_dir_all(&places)?;
    let mut rng = Rng(seed.max(1));
    // Offers and their prices are written as they are made, so that a
    // million of them never sit in memory.
    let mut prices = ArrayWriter::create(&catalog.join("productOfferingPrice.json"))?;
    let mut offerings = ArrayWriter::create(&catalog.join("productOffering.json"))?;
    for i in 0..offers {
        let (doc, offer_prices) = offer(i, &mut rng);
        for p in &offer_prices {
            prices.push(p)?;
        }
        offerings.push(&doc)?;
    }
    let n_prices = prices.finish()?;
    let n_offers = offerings.finish()?;
    let categories = KINDS
        .iter()
        .map(|(_, c, _)| json!({"id": c, "name": c, "lifecycleStatus": "Active", "isRoot": true}));
    write_array(&catalog.join("category.json"), categories)?;
    let addresses = (0..100).map(|i| {
        json!({"id": format!("GENPLACE{i:04}"), "city": "Dallas", "stateOrProvince": "TX", "postcode": "75201",
               "country": "US", "technologies": if i % 2 == 0 { json!(["fiber", "fixedWireless"]) } else { json!(["fixedWireless"]) },
               "maxDownloadSpeedMbps": 100 * (i % 50 + 1)})
    });
    write_array(&places.join("addresses.json"), addresses)?;
    Ok(format!(
        "wrote {n_offers} offerings and {n_prices} prices to {}",
        out.display()
    ))
}
