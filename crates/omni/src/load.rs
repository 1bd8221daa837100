//! Importing catalog JSON: `DIR/catalog/<resource>.json`, each an array of
//! TMF620 resources with their ids, and `DIR/places/*.json`, the address
//! registry, and `DIR/rules/*.json`, tenant validation rule sets for carts
//! (bumping `rules:<tenant>`). Every resource is checked by the same rules as
//! the API's create, so a bad file is refused whole, naming the resource and
//! field. The catalog version is bumped so that running servers refresh their
//! discovery index.
//!
//! Catalogs can be large (a million offers is 1.1 GB of JSON, issue 17), so
//! resource files are never held in memory whole: each is read as a stream
//! of its array's elements, twice. The first pass checks every resource of
//! every file and writes nothing, so a bad file still changes nothing; the
//! second builds the documents again on a blocking thread and hands them, a
//! batch of [`BATCH`] at a time, to the writer (one transaction per batch).
//! Memory is bounded by a couple of batches, not by the files. A load that
//! dies during the second pass has written some batches; loading the same
//! folder again puts every resource as the files have it (writes are puts).

mod elements;

use anyhow::{Context, bail};
use omni_core::catalog::resource_spec;
use omni_core::document::{Mode, ResourceSpec};
use omni_store::{Document, Store};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Default)]
pub struct LoadReport {
    pub counts: BTreeMap<String, usize>,
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.counts.is_empty() {
            return write!(f, "nothing to load");
        }
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        write!(f, "loaded {}", parts.join(", "))
    }
}

pub async fn load_dir(store: &dyn Store, dir: &Path, tenant: &str) -> anyhow::Result<LoadReport> {
    let catalog = dir.join("catalog");
    if !catalog.is_dir() {
        bail!("{} has no catalog/ folder", dir.display());
    }
    let now = chrono::Utc::now();
    let time = omni_core::time::rfc3339(now);
    let mut docs = Vec::new();
    let mut report = LoadReport::default();
    // Every resource file with its spec: the catalog's, then promotions and
    // rule sets, which are read the same way.
    let mut sources: Vec<(PathBuf, &'static ResourceSpec, Source)> = Vec::new();
    for file in json_files(&catalog)? {
        let kind = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let spec = resource_spec(kind).with_context(|| {
            format!("{}: no catalog resource is called '{kind}'", file.display())
        })?;
        sources.push((file, spec, Source::Catalog));
    }
    for file in folder_files(&dir.join("promotions"))? {
        let spec = &omni_core::promotion::PROMOTION_RESOURCE;
        sources.push((file, spec, Source::Promotions));
    }
    for file in folder_files(&dir.join("rules"))? {
        sources.push((file, &omni_core::rules::RULE_SET_SPEC, Source::Rules));
    }
    // Pass 1: every resource checked, nothing written.
    for (file, spec, _) in &sources {
        each_resource(file, spec, tenant, now, |_| Ok(()))?;
    }
    let places = dir.join("places");
    if places.is_dir() {
        for file in json_files(&places)? {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let items: Vec<Value> = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JSON array", file.display()))?;
            for (i, place) in items.into_iter().enumerate() {
                check_place(&place).with_context(|| format!("{}[{i}]", file.display()))?;
                let id = place
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                docs.push(Document {
                    tenant: tenant.to_string(),
                    kind: PLACE_KIND.to_string(),
                    id,
                    version: 1,
                    owner: None,
                    state: None,
                    created_at: time.clone(),
                    updated_at: time.clone(),
                    body: place,
                });
                *report.counts.entry("place".to_string()).or_default() += 1;
            }
        }
    }
    read_inventory(&dir.join("inventory"), tenant, now, &mut docs, &mut report)?;
    read_stores(&dir.join("stores"), tenant, now, &mut docs, &mut report)?;
    // Pass 2: the checked resources, a batch at a time, then the small
    // files' documents (places, inventory, stores).
    let (mut promotions, mut rule_sets) = (0, 0);
    for (file, spec, source) in sources {
        let n = write_resources(store, file, spec, tenant, now).await?;
        match source {
            Source::Catalog => *report.counts.entry(spec.kind.to_string()).or_default() += n,
            Source::Promotions => promotions += n,
            Source::Rules => rule_sets += n,
        }
    }
    for batch in docs.chunks(BATCH) {
        store
            .put_documents(batch)
            .await
            .context("writing the loaded resources")?;
    }
    // The load counter first: a server that sees the new version must also
    // see that it came from a bulk load (see `omni_app::caches::indexes`).
    store
        .bump_counter(&format!("{}:{tenant}", omni_api::catalog::LOAD_COUNTER))
        .await
        .context("bumping the catalog load counter")?;
    store
        .bump_counter(&format!("{}:{tenant}", omni_api::catalog::VERSION_COUNTER))
        .await
        .context("bumping the catalog version")?;
    if promotions > 0 {
        *report.counts.entry(PROMOTION_KIND.to_string()).or_default() += promotions;
        store
            .bump_counter(&format!(
                "{}:{tenant}",
                omni_api::promotion::VERSION_COUNTER
            ))
            .await
            .context("bumping the promotion version")?;
    }
    if rule_sets > 0 {
        *report.counts.entry(RULE_SET_KIND.to_string()).or_default() += rule_sets;
        store
            .bump_counter(&format!("{}:{tenant}", omni_api::rules::VERSION_COUNTER))
            .await
            .context("bumping the rules version")?;
    }
    Ok(report)
}

/// Stored kind of address registry entries.
pub const PLACE_KIND: &str = omni_api::catalog::PLACE_KIND;

fn json_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Ok(files)
}

fn check_place(place: &Value) -> anyhow::Result<()> {
    let id = place.get("id").and_then(Value::as_str).unwrap_or_default();
    if id.is_empty() || id.len() > omni_core::document::MAX_ID_LEN {
        bail!("id: every place needs an id of 1 to 100 characters");
    }
    match place.get("technologies") {
        Some(Value::Array(t)) if t.iter().all(Value::is_string) => {}
        _ => bail!("place '{id}': technologies must be an array of strings"),
    }
    if !place.get("maxDownloadSpeedMbps").is_some_and(Value::is_u64) {
        bail!("place '{id}': maxDownloadSpeedMbps must be a whole number");
    }
    Ok(())
}

/// Loads the demo data once per tenant: a database that already had it (even
/// if its resources were since deleted) is left alone.
pub async fn load_demo_once(
    store: &dyn Store,
    dir: &Path,
    tenant: &str,
) -> anyhow::Result<Option<LoadReport>> {
    let marker = format!("demo-data-loaded:{tenant}");
    if store.read_counter(&marker).await? > 0 {
        return Ok(None);
    }
    if !dir.join("catalog").is_dir() {
        tracing::warn!(dir = %dir.display(), "no demo data found; starting with an empty catalog");
        return Ok(None);
    }
    let report = load_dir(store, dir, tenant).await?;
    store.bump_counter(&marker).await?;
    Ok(Some(report))
}

/// Stored kind of tenant validation rule sets.
pub const RULE_SET_KIND: &str = omni_core::rules::RULE_SET_KIND;

/// Stored kind of TMF671 promotions.
pub const PROMOTION_KIND: &str = omni_core::promotion::KIND;

/// Where a resource file was found, for the report and the counters.
#[derive(Debug, Clone, Copy)]
enum Source {
    Catalog,
    Promotions,
    Rules,
}

/// Documents written per transaction in the second pass.
const BATCH: usize = 5_000;

/// Every `*.json` file of `dir` (none when it does not exist).
fn folder_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if dir.is_dir() {
        json_files(dir)
    } else {
        Ok(Vec::new())
    }
}

/// One file: a JSON array of resources of `spec`, each with its id and
/// checked like the API's create, handed to `each` as the document it is
/// stored as; the first bad resource stops it, naming the resource and its
/// fields. Returns how many there were.
fn each_resource(
    file: &Path,
    spec: &ResourceSpec,
    tenant: &str,
    now: chrono::DateTime<chrono::Utc>,
    mut each: impl FnMut(Document) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    let time = omni_core::time::rfc3339(now);
    elements::each_element(file, &mut |i, item| {
        let Some(id) = item.get("id").and_then(Value::as_str).map(str::to_string) else {
            bail!("{}[{i}]: every loaded resource needs an id", file.display());
        };
        if let Err(errors) = spec.validate(&item, Mode::Create) {
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            bail!("{} '{id}': {}", file.display(), list.join("; "));
        }
        let Value::Object(mut body) = item else {
            bail!("{}[{i}] is not a JSON object", file.display());
        };
        spec.stamp_new(&mut body, &id, now);
        each(Document {
            tenant: tenant.to_string(),
            kind: spec.kind.to_string(),
            state: body
                .get("lifecycleStatus")
                .and_then(Value::as_str)
                .map(str::to_string),
            id,
            version: 1,
            owner: None,
            created_at: time.clone(),
            updated_at: time.clone(),
            body: Value::Object(body),
        })
    })
}

/// Writes the resources of one (already checked) file: parsed on a blocking
/// thread, written here a batch at a time; the channel holds at most two
/// batches, so parsing waits for the database rather than filling memory.
async fn write_resources(
    store: &dyn Store,
    file: PathBuf,
    spec: &'static ResourceSpec,
    tenant: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<usize> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Document>>(2);
    let owned_tenant = tenant.to_string();
    let parser = tokio::task::spawn_blocking(move || {
        let mut batch = Vec::with_capacity(BATCH);
        let n = each_resource(&file, spec, &owned_tenant, now, |doc| {
            batch.push(doc);
            if batch.len() >= BATCH {
                tx.blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                    .map_err(|_| anyhow::anyhow!("the writer stopped"))?;
            }
            Ok(())
        })?;
        if !batch.is_empty() {
            tx.blocking_send(batch)
                .map_err(|_| anyhow::anyhow!("the writer stopped"))?;
        }
        anyhow::Ok(n)
    });
    while let Some(batch) = rx.recv().await {
        store
            .put_documents(&batch)
            .await
            .context("writing the loaded resources")?;
    }
    parser.await.context("the file reader stopped")?
}

/// `DIR/inventory/`: accounts, billing accounts and subscribers, checked as a
/// whole (every reference resolves) before anything is written.
fn read_inventory(
    dir: &Path,
    tenant: &str,
    now: chrono::DateTime<chrono::Utc>,
    docs: &mut Vec<Document>,
    report: &mut LoadReport,
) -> anyhow::Result<()> {
    use omni_core::inventory::{self as inv, Inventory};
    if !dir.is_dir() {
        return Ok(());
    }
    fn read<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> anyhow::Result<Vec<T>> {
        let file = dir.join(name);
        if !file.exists() {
            return Ok(Vec::new());
        }
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{}", file.display()))
    }
    let inventory = Inventory {
        accounts: read(dir, "accounts.json")?,
        billing_accounts: read(dir, "billingAccounts.json")?,
        subscribers: read(dir, "subscribers.json")?,
    };
    let problems = inventory.check();
    if !problems.is_empty() {
        bail!("{}: {}", dir.display(), problems.join("; "));
    }
    let time = omni_core::time::rfc3339(now);
    let doc = |kind: &str, id: &str, owner: Option<String>, state: Option<String>, body: Value| {
        Document {
            tenant: tenant.to_string(),
            kind: kind.to_string(),
            id: id.to_string(),
            version: 1,
            owner,
            state,
            created_at: time.clone(),
            updated_at: time.clone(),
            body,
        }
    };
    let party = |account: &str| {
        inventory
            .accounts
            .iter()
            .find(|a| a.id == account)
            .and_then(|a| a.party_id.clone())
    };
    for a in &inventory.accounts {
        docs.push(doc(
            inv::ACCOUNT_KIND,
            &a.id,
            a.party_id.clone(),
            None,
            serde_json::to_value(a)?,
        ));
    }
    for b in &inventory.billing_accounts {
        let body = serde_json::to_value(b)?;
        docs.push(doc(
            inv::BILLING_ACCOUNT_KIND,
            &b.id,
            party(&b.account_id),
            Some(b.status.clone()),
            body,
        ));
    }
    for s in &inventory.subscribers {
        let body = serde_json::to_value(s)?;
        let state = Some(s.status.as_str().to_string());
        docs.push(doc(
            inv::SUBSCRIBER_KIND,
            &s.ctn,
            party(&s.account_id),
            state,
            body,
        ));
    }
    for (kind, n) in [
        (inv::ACCOUNT_KIND, inventory.accounts.len()),
        (inv::BILLING_ACCOUNT_KIND, inventory.billing_accounts.len()),
        (inv::SUBSCRIBER_KIND, inventory.subscribers.len()),
    ] {
        *report.counts.entry(kind.to_string()).or_default() += n;
    }
    Ok(())
}

/// `DIR/stores/*.json`: the stores where orders can be picked up.
fn read_stores(
    dir: &Path,
    tenant: &str,
    now: chrono::DateTime<chrono::Utc>,
    docs: &mut Vec<Document>,
    report: &mut LoadReport,
) -> anyhow::Result<()> {
    use omni_core::order::fulfillment::{Store as PickupStore, check_address};
    if !dir.is_dir() {
        return Ok(());
    }
    let time = omni_core::time::rfc3339(now);
    for file in json_files(dir)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let stores: Vec<PickupStore> =
            serde_json::from_str(&text).with_context(|| format!("{}", file.display()))?;
        for s in stores {
            let problems = check_address("address", &s.address);
            if s.id.is_empty() || !problems.is_empty() {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                bail!(
                    "{} store '{}': needs an id and a valid address ({})",
                    file.display(),
                    s.id,
                    list.join("; ")
                );
            }
            docs.push(Document {
                tenant: tenant.to_string(),
                kind: omni_api::order::STORE_KIND.to_string(),
                id: s.id.clone(),
                version: 1,
                owner: None,
                state: None,
                created_at: time.clone(),
                updated_at: time.clone(),
                body: serde_json::to_value(&s)?,
            });
            *report.counts.entry("store".to_string()).or_default() += 1;
        }
    }
    Ok(())
}
