//! Terms: which agreements an order's items call for, and consent to them.
//!
//! `POST /terms {orderId}` answers [`required_agreements`] for the order's
//! items; `POST /order/{id}/terms` passes the partner's `agreements[]` to
//! [`consent`], stores the result with [`record`], and the order's
//! `validation` names what [`missing`] still lists.
//!
//! | name | required | asked for by |
//! |---|---|---|
//! | `ServiceAgreement` | yes | any item that adds or changes something (any action part other than `noChange`/`terminate`) |
//! | `InstallmentAgreement` | yes | a changing item with `financed` (a device on 36 monthly installments) |
//! | `eSIMTerms` | yes | a changing item with `esim` |
//! | `BYODTerms` | yes | a changing item with `byod` |
//! | `EarlyTerminationAcknowledgement` | yes | any item whose action includes `terminate` |
//! | `MarketingConsent` | no | a changing item on a new line (offered, never needed to submit) |
//!
//! `noChange` items ask for nothing: what the customer already has was agreed
//! to when it was ordered.
//!
//! Consent is to one version of an agreement. When an order's items change,
//! the caller asks [`required_agreements`] again and passes the existing
//! consents through [`record`]: consents to agreements the order no longer
//! asks for are dropped (a removed device's installment consent must not
//! linger if a device is financed again later), and a consent to an older
//! version than the one asked for does not count in [`missing`].

use super::{ErrorListEntry, ItemFacts};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const SERVICE_AGREEMENT: &str = "ServiceAgreement";
pub const INSTALLMENT_AGREEMENT: &str = "InstallmentAgreement";
pub const ESIM_TERMS: &str = "eSIMTerms";
pub const BYOD_TERMS: &str = "BYODTerms";
pub const EARLY_TERMINATION: &str = "EarlyTerminationAcknowledgement";
pub const MARKETING_CONSENT: &str = "MarketingConsent";

/// `(name, title, version, required)`, in the order agreements are listed.
const AGREEMENTS: [(&str, &str, &str, bool); 6] = [
    (
        SERVICE_AGREEMENT,
        "Wireless Customer Agreement",
        "2024.1",
        true,
    ),
    (
        INSTALLMENT_AGREEMENT,
        "Retail Installment Sales Agreement (36 months, 0% APR)",
        "2024.1",
        true,
    ),
    (ESIM_TERMS, "eSIM Activation Terms", "2023.2", true),
    (BYOD_TERMS, "Bring Your Own Device Terms", "2023.1", true),
    (
        EARLY_TERMINATION,
        "Early Termination Acknowledgement",
        "2024.1",
        true,
    ),
    (
        MARKETING_CONSENT,
        "Offers and News by Email and Text",
        "2022.1",
        false,
    ),
];

/// The extension naming the version consented to; when given it must be
/// the version asked for.
pub const VERSION_EXTENSION: &str = "version";
/// The extension saying how consent was captured.
pub const METHOD_EXTENSION: &str = "acceptanceMethod";
/// Values [`METHOD_EXTENSION`] accepts.
pub const ACCEPTANCE_METHODS: [&str; 4] = ["click", "eSignature", "verbal", "paper"];
/// Longest extension value; extensions are notes, not documents.
pub const MAX_EXTENSION_VALUE: usize = 500;
/// Longest extension name.
pub const MAX_EXTENSION_NAME: usize = 64;

/// An agreement the order asks the customer to accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agreement {
    /// Stable name partners consent with, e.g. `InstallmentAgreement`.
    pub name: String,
    /// What a person reads.
    pub title: String,
    /// The version consent is recorded against.
    pub version: String,
    /// Whether submission waits for it; optional ones are only offered.
    pub required: bool,
    /// The items that ask for it, each once, in item order.
    pub item_ids: Vec<String>,
}

/// One `agreements[]` entry of `POST /order/{id}/terms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GivenConsent {
    pub name: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
}

/// A `{name, value}` pair attached to a consent. Names other than
/// [`VERSION_EXTENSION`] and [`METHOD_EXTENSION`] are kept as sent (partners
/// record e.g. who captured consent) but must be well formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub name: String,
    pub value: String,
}

/// A recorded consent: to which agreement, at which version, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub extensions: Vec<Extension>,
    pub consented_at: DateTime<Utc>,
}

/// Why a consent request was refused. `code` is the partner `errorCode`
/// (`TERMS-00n`), `field` the JSON path of the offending value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{code} {description}")]
pub struct TermsError {
    pub code: String,
    pub field: String,
    pub description: String,
}

impl TermsError {
    fn new(code: &str, field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            field: field.into(),
            description: description.into(),
        }
    }

    /// The partner `errorList[]` entry, with action `terms`.
    pub fn to_entry(&self) -> ErrorListEntry {
        ErrorListEntry {
            action: "terms".to_string(),
            error_code: self.code.clone(),
            error_description: self.description.clone(),
            error_details: Vec::new(),
        }
    }
}

/// `TERMS-001`: the agreement is not one this order asks for.
pub const UNKNOWN_AGREEMENT: &str = "TERMS-001";
/// `TERMS-002`: the same agreement twice in one request.
pub const DUPLICATE_AGREEMENT: &str = "TERMS-002";
/// `TERMS-003`: an extension with a bad name or value.
pub const MALFORMED_EXTENSION: &str = "TERMS-003";
/// `TERMS-004`: the same extension twice on one agreement.
pub const DUPLICATE_EXTENSION: &str = "TERMS-004";
/// `TERMS-005`: consent to another version than the one asked for.
pub const VERSION_MISMATCH: &str = "TERMS-005";
/// `TERMS-006`: a request with no agreements at all.
pub const NO_AGREEMENTS: &str = "TERMS-006";

/// The agreements `items` call for, required and optional, in the fixed
/// order of the table above, each naming the items that ask for it. An
/// order with only `noChange` items asks for none.
pub fn required_agreements(items: &[ItemFacts]) -> Vec<Agreement> {
    AGREEMENTS
        .iter()
        .filter_map(|&(name, title, version, required)| {
            let mut item_ids: Vec<String> = Vec::new();
            for item in items.iter().filter(|i| asks_for(name, i)) {
                if !item_ids.contains(&item.item_id) {
                    item_ids.push(item.item_id.clone());
                }
            }
            (!item_ids.is_empty()).then(|| Agreement {
                name: name.to_string(),
                title: title.to_string(),
                version: version.to_string(),
                required,
                item_ids,
            })
        })
        .collect()
}

fn asks_for(agreement: &str, item: &ItemFacts) -> bool {
    match agreement {
        SERVICE_AGREEMENT => item.changes(),
        INSTALLMENT_AGREEMENT => item.changes() && item.financed,
        ESIM_TERMS => item.changes() && item.esim,
        BYOD_TERMS => item.changes() && item.byod,
        EARLY_TERMINATION => item.terminates(),
        MARKETING_CONSENT => item.changes() && item.new_line,
        _ => false,
    }
}

/// Checks the partner's `agreements[]` against what the order asks for
/// (`offered`, from [`required_agreements`]) and returns one [`Consent`] per
/// entry, at the offered version, stamped `now`.
///
/// All or nothing: any bad entry refuses the whole request, with one
/// [`TermsError`] per problem, so a partner fixes everything in one round.
pub fn consent(
    offered: &[Agreement],
    given: &[GivenConsent],
    now: DateTime<Utc>,
) -> Result<Vec<Consent>, Vec<TermsError>> {
    let mut errors = Vec::new();
    if given.is_empty() {
        errors.push(TermsError::new(
            NO_AGREEMENTS,
            "agreements",
            "at least one agreement must be given",
        ));
    }
    let mut consents = Vec::new();
    for (i, g) in given.iter().enumerate() {
        let field = format!("agreements[{i}]");
        if given[..i].iter().any(|earlier| earlier.name == g.name) {
            errors.push(TermsError::new(
                DUPLICATE_AGREEMENT,
                format!("{field}.name"),
                format!("agreement '{}' is given more than once", g.name),
            ));
            continue;
        }
        let Some(agreement) = offered.iter().find(|a| a.name == g.name) else {
            errors.push(TermsError::new(
                UNKNOWN_AGREEMENT,
                format!("{field}.name"),
                format!(
                    "unknown agreement '{}': this order asks for {}",
                    g.name,
                    names(offered)
                ),
            ));
            continue;
        };
        let before = errors.len();
        check_extensions(agreement, &g.extensions, &field, &mut errors);
        if errors.len() == before {
            consents.push(Consent {
                name: agreement.name.clone(),
                version: agreement.version.clone(),
                extensions: g.extensions.clone(),
                consented_at: now,
            });
        }
    }
    if errors.is_empty() {
        Ok(consents)
    } else {
        Err(errors)
    }
}

fn names(offered: &[Agreement]) -> String {
    if offered.is_empty() {
        return "no agreements".to_string();
    }
    offered
        .iter()
        .map(|a| format!("'{}'", a.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_extensions(
    agreement: &Agreement,
    extensions: &[Extension],
    field: &str,
    errors: &mut Vec<TermsError>,
) {
    for (j, e) in extensions.iter().enumerate() {
        let at = format!("{field}.extensions[{j}]");
        let on = &agreement.name;
        if !well_formed_name(&e.name) {
            errors.push(TermsError::new(
                MALFORMED_EXTENSION,
                format!("{at}.name"),
                format!(
                    "malformed extension '{}' on agreement '{on}': a name is a letter then up to {} letters, digits, '_', '-' or '.'",
                    e.name,
                    MAX_EXTENSION_NAME - 1
                ),
            ));
            continue;
        }
        if extensions[..j].iter().any(|earlier| earlier.name == e.name) {
            errors.push(TermsError::new(
                DUPLICATE_EXTENSION,
                format!("{at}.name"),
                format!(
                    "extension '{}' is given more than once on agreement '{on}'",
                    e.name
                ),
            ));
            continue;
        }
        let value = format!("{at}.value");
        if e.value.chars().count() > MAX_EXTENSION_VALUE || e.value.chars().any(char::is_control) {
            errors.push(TermsError::new(
                MALFORMED_EXTENSION,
                value,
                format!(
                    "malformed extension '{}' on agreement '{on}': the value must be at most {MAX_EXTENSION_VALUE} characters with no control characters",
                    e.name
                ),
            ));
        } else if e.name == VERSION_EXTENSION && e.value != agreement.version {
            errors.push(TermsError::new(
                VERSION_MISMATCH,
                value,
                format!(
                    "agreement '{on}' is at version '{}'; consent to version '{}' is not accepted",
                    agreement.version, e.value
                ),
            ));
        } else if e.name == METHOD_EXTENSION && !ACCEPTANCE_METHODS.contains(&e.value.as_str()) {
            errors.push(TermsError::new(
                MALFORMED_EXTENSION,
                value,
                format!(
                    "malformed extension '{METHOD_EXTENSION}' on agreement '{on}': '{}' is not one of {}",
                    e.value,
                    ACCEPTANCE_METHODS.join(", ")
                ),
            ));
        }
    }
}

fn well_formed_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() <= MAX_EXTENSION_NAME
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The consents to keep after a request: `existing` with each agreement in
/// `new` replaced by its new consent (re-consenting replaces, it does not
/// pile up), less consents to agreements `offered` no longer lists. Kept in
/// the order of `offered`, so the stored list is stable.
pub fn record(existing: &[Consent], new: Vec<Consent>, offered: &[Agreement]) -> Vec<Consent> {
    let mut all: Vec<Consent> = existing
        .iter()
        .filter(|c| !new.iter().any(|n| n.name == c.name))
        .cloned()
        .collect();
    all.extend(new);
    offered
        .iter()
        .filter_map(|a| all.iter().find(|c| c.name == a.name).cloned())
        .collect()
}

/// The required agreements with no consent at their current version.
pub fn missing<'a>(offered: &'a [Agreement], consents: &[Consent]) -> Vec<&'a Agreement> {
    offered
        .iter()
        .filter(|a| a.required && !consented(a, consents))
        .collect()
}

fn consented(agreement: &Agreement, consents: &[Consent]) -> bool {
    consents
        .iter()
        .any(|c| c.name == agreement.name && c.version == agreement.version)
}

/// Each required agreement with whether it is consented to, as
/// [`super::readiness::ReadinessInput::agreements`] takes them.
pub fn agreement_states(
    offered: &[Agreement],
    consents: &[Consent],
) -> Vec<super::readiness::AgreementState> {
    offered
        .iter()
        .filter(|a| a.required)
        .map(|a| super::readiness::AgreementState {
            name: a.name.clone(),
            title: a.title.clone(),
            consented: consented(a, consents),
        })
        .collect()
}
