use serde::{Deserialize, Serialize};

/// A customer's top account (for business customers, the foundation account).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// `Consumer` or `Business`, as offerings' `customerTypes` spell it.
    pub customer_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_sub_type: Option<String>,
    /// The party id a customer principal authenticates as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<String>,
    #[serde(default)]
    pub account_groups: Vec<AccountGroup>,
}

/// A business account's group of lines, billed and managed together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountGroup {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RatingType {
    Postpaid,
    Prepaid,
}

impl RatingType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postpaid => "postpaid",
            Self::Prepaid => "prepaid",
        }
    }

    /// The value offerings' `paymentType` uses.
    pub fn payment_type(self) -> &'static str {
        match self {
            Self::Postpaid => "Postpaid",
            Self::Prepaid => "Prepaid",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BillingAccount {
    pub id: String,
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_group_id: Option<String>,
    pub rating_type: RatingType,
    pub name: String,
    /// `active` or `closed`.
    pub status: String,
    /// Day of the month (1 to 28) the bill cycle starts.
    pub bill_cycle_day: u8,
    /// Market code, as offerings' `markets` spell it.
    pub market: String,
    /// `low`, `medium` or `high`.
    pub credit_class: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_contact: Option<BillingContact>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonName {
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Phone {
    pub number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsAddress {
    pub address_line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    pub city: String,
    pub state: String,
    pub zip_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BillingContact {
    pub contact_name: PersonName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention_to: Option<String>,
    pub address: UsAddress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriberContact {
    pub name: PersonName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<UsAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriberStatus {
    Active,
    Suspended,
    Cancelled,
}

/// A status change the subscriber's state machine refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} subscriber cannot be {to}")]
pub struct IllegalTransition {
    pub from: &'static str,
    pub to: &'static str,
}

impl SubscriberStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Cancelled => "cancelled",
        }
    }

    /// active → suspended → active; active or suspended → cancelled, which is final.
    pub fn transition(self, to: Self) -> Result<Self, IllegalTransition> {
        use SubscriberStatus::*;
        match (self, to) {
            (Active, Suspended) | (Suspended, Active) | (Active | Suspended, Cancelled) => Ok(to),
            _ => Err(IllegalTransition {
                from: self.as_str(),
                to: match to {
                    Active => "resumed",
                    Suspended => "suspended",
                    Cancelled => "cancelled",
                },
            }),
        }
    }
}

/// A line of service, identified by its number (CTN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Subscriber {
    pub ctn: String,
    pub billing_account_id: String,
    pub account_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_group_id: Option<String>,
    pub status: SubscriberStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// The line's own product id; order items name it to act on the line.
    pub primary_product_id: String,
    pub rate_plan: RatePlan,
    #[serde(default)]
    pub features: Vec<Feature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sim: Option<Sim>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<SubscriberContact>,
    /// User-defined labels (`{type, value}`), e.g. the user's name.
    #[serde(default)]
    pub udl: Vec<Udl>,
    #[serde(default)]
    pub voicemail: Voicemail,
    /// RFC 3339.
    pub activated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    /// What changed, oldest first.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RatePlan {
    pub product_id: String,
    pub offering_id: String,
    pub since: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureStatus {
    /// Effective in the future.
    Scheduled,
    Active,
    /// Past its expiration date, or removed.
    Ended,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Feature {
    pub product_id: String,
    /// The add-on offering (its id is the feature's SKU).
    pub offering_id: String,
    pub status: FeatureStatus,
    pub effective_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Device {
    pub product_id: String,
    /// The catalog model, when the device was bought from the catalog or
    /// named one; a brought-in phone may have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offering_id: Option<String>,
    pub imei: String,
    #[serde(default)]
    pub byod: bool,
    /// Blocked on the network (reported lost or stolen).
    #[serde(default)]
    pub network_block: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sim {
    pub product_id: String,
    pub offering_id: String,
    pub iccid: String,
    #[serde(default)]
    pub esim: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Udl {
    #[serde(rename = "type")]
    pub label_type: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Voicemail {
    /// Whether a PIN is set; the PIN itself is never stored in the clear.
    #[serde(default)]
    pub pin_set: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reset_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HistoryEntry {
    pub at: String,
    /// What happened, e.g. `deviceSwapped`, `featureAdded`, `suspended`.
    pub change: String,
    /// The order or care order that did it.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
