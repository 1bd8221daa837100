//! The data set of the care scenarios: the demo data (catalog, accounts,
//! billing accounts) plus generated business lines, so that concurrent
//! change requests spread over many lines instead of contending on the
//! demo's five lines of the Dallas group.

use anyhow::Context;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The demo account and group every generated line belongs to.
pub const ACCOUNT: &str = "81730304";
pub const GROUP: &str = "73001012763";
const BILLING_ACCOUNT: &str = "287263700101";
/// A demo line of that group whose plan takes [`crate::care::FEATURE`];
/// generated lines are copies of it.
const TEMPLATE_CTN: &str = "1234567893";
/// Generated numbers are `FIRST_CTN + i`: ten digits, none of them a demo line's.
const FIRST_CTN: u64 = 2_140_000_000;

/// The number of generated line `i`.
pub fn ctn(i: usize) -> String {
    (FIRST_CTN + i as u64).to_string()
}

/// Copies `demo` (the repository's `data/`) to `scratch/care-data` and adds
/// `lines` lines to its inventory; returns the new data directory, which the
/// server loads at its first start.
pub fn prepare(demo: &Path, scratch: &Path, lines: usize) -> anyhow::Result<PathBuf> {
    let dir = scratch.join("care-data");
    copy_dir(demo, &dir).with_context(|| format!("copying {}", demo.display()))?;
    let file = dir.join("inventory").join("subscribers.json");
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let mut subscribers: Vec<Value> = serde_json::from_str(&text)?;
    let template = subscribers
        .iter()
        .find(|s| s["ctn"] == TEMPLATE_CTN)
        .cloned()
        .with_context(|| format!("the demo data has no line {TEMPLATE_CTN}"))?;
    anyhow::ensure!(
        template["billingAccountId"] == BILLING_ACCOUNT && template["accountGroupId"] == GROUP,
        "demo line {TEMPLATE_CTN} is no longer on billing account {BILLING_ACCOUNT}"
    );
    for i in 0..lines {
        subscribers.push(line(&template, i));
    }
    std::fs::write(&file, serde_json::to_vec(&subscribers)?)?;
    Ok(dir)
}

/// Line `i`: the template with its own number and product ids (unique
/// across the inventory, which the loader checks), IMEI and ICCID.
fn line(template: &Value, i: usize) -> Value {
    let mut s = template.clone();
    let product = |part: u32| format!("9{:09}{part}", i);
    s["ctn"] = json!(ctn(i));
    s["primaryProductId"] = json!(product(0));
    s["ratePlan"]["productId"] = json!(product(1));
    s["device"]["productId"] = json!(product(2));
    s["device"]["imei"] = json!(format!("35{:013}", i));
    s["sim"]["productId"] = json!(product(3));
    s["sim"]["iccid"] = json!(format!("8901{:016}", i));
    if let Some(features) = s["features"].as_array_mut() {
        for (k, f) in features.iter_mut().enumerate() {
            f["productId"] = json!(product(4 + k as u32));
        }
    }
    s
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
