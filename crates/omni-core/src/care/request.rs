//! A validated care order, as [`super::validate()`] returns it. The fields
//! keep the API page's names (camelCase), so the order can be stored as a
//! document and read back by the worker that applies scheduled changes.
//! Nothing here holds a voicemail PIN: it is checked, then dropped.

use super::effective::{EffectiveSpec, resolve_effective};
use super::reasons::{CancelServiceReason, CancellationReason, ResumeReason, SuspendReason};
use crate::inventory::{PersonName, Phone, Udl, UsAddress};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `careOrderRequest`, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CareOrder {
    pub foundation_account_number: String,
    /// When given, every line of the order is in this group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent_to_recurring_charges: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_contact: Option<OrderContact>,
    /// In request order, which is also the order they are applied in when
    /// they fall due at the same instant.
    #[serde(rename = "changeRequest")]
    pub change_requests: Vec<ChangeRequest>,
}

/// Who to contact about the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderContact {
    pub contact: PersonName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// What a change request does (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeType {
    UpdateSubscriber,
    UpdateFeatures,
    ChangeRatePlan,
    UpdateDevice,
    #[serde(rename = "changeCTN")]
    ChangeCtn,
    ActivateSim,
    Suspend,
    Resume,
    Cancel,
    ResetVoicemail,
    ChangeRatePlanWithDeviceUpdate,
    UpdateFeaturesWithDeviceUpdate,
}

/// Request fields that change a line (as opposed to reasons, flags and
/// dates). A change type acts on some of them; the others are validated and
/// then left out of the [`ChangeRequest`] and listed in its `ignored`.
pub const PART_FIELDS: [&str; 8] = [
    "items",
    "udl",
    "billingContact",
    "subscriberContact",
    "resetVoiceMail",
    "device",
    "ratePlan",
    "newCtn",
];

impl ChangeType {
    pub const ALL: [ChangeType; 12] = [
        Self::UpdateSubscriber,
        Self::UpdateFeatures,
        Self::ChangeRatePlan,
        Self::UpdateDevice,
        Self::ChangeCtn,
        Self::ActivateSim,
        Self::Suspend,
        Self::Resume,
        Self::Cancel,
        Self::ResetVoicemail,
        Self::ChangeRatePlanWithDeviceUpdate,
        Self::UpdateFeaturesWithDeviceUpdate,
    ];

    /// The type as the request spells it, e.g. `changeCTN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpdateSubscriber => "updateSubscriber",
            Self::UpdateFeatures => "updateFeatures",
            Self::ChangeRatePlan => "changeRatePlan",
            Self::UpdateDevice => "updateDevice",
            Self::ChangeCtn => "changeCTN",
            Self::ActivateSim => "activateSim",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Cancel => "cancel",
            Self::ResetVoicemail => "resetVoicemail",
            Self::ChangeRatePlanWithDeviceUpdate => "changeRatePlanWithDeviceUpdate",
            Self::UpdateFeaturesWithDeviceUpdate => "updateFeaturesWithDeviceUpdate",
        }
    }

    /// The type spelled exactly `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The [`PART_FIELDS`] this type acts on. `updateSubscriber` needs at
    /// least one of its parts; every other type needs all of its own (and
    /// `activateSim` needs `device.iccid`). Suspend, resume and cancel act
    /// on no part: their reasons drive them.
    pub fn parts(self) -> &'static [&'static str] {
        match self {
            Self::UpdateSubscriber => &[
                "items",
                "udl",
                "billingContact",
                "subscriberContact",
                "resetVoiceMail",
                "device",
            ],
            Self::UpdateFeatures => &["items"],
            Self::ChangeRatePlan => &["ratePlan"],
            Self::UpdateDevice | Self::ActivateSim => &["device"],
            Self::ChangeCtn => &["newCtn"],
            Self::Suspend | Self::Resume | Self::Cancel => &[],
            Self::ResetVoicemail => &["resetVoiceMail"],
            Self::ChangeRatePlanWithDeviceUpdate => &["ratePlan", "device"],
            Self::UpdateFeaturesWithDeviceUpdate => &["items", "device"],
        }
    }
}

/// Request fields that steer only some change types (reasons, the cancel
/// date, the feature flags), with the types that use them. Sent with
/// another type they are validated, then listed in the change's `ignored`
/// and answered as warnings (the care order page's own example sends all
/// four reasons with an `updateSubscriber`).
pub const STEERING_FIELDS: [(&str, &[ChangeType]); 7] = [
    ("suspendServiceReason", &[ChangeType::Suspend]),
    ("resumeServiceReason", &[ChangeType::Resume]),
    ("cancellationReason", &[ChangeType::Cancel]),
    ("cancelServiceReason", &[ChangeType::Cancel]),
    ("cancelEffectiveDate", &[ChangeType::Cancel]),
    ("replaceDuplicateFeatures", FEATURE_TYPES),
    ("replaceConflictingFeatures", FEATURE_TYPES),
];

/// The types that add and remove features (`items`).
const FEATURE_TYPES: &[ChangeType] = &[
    ChangeType::UpdateSubscriber,
    ChangeType::UpdateFeatures,
    ChangeType::UpdateFeaturesWithDeviceUpdate,
];

impl ChangeType {
    /// Whether this type acts on `field`, a [`PART_FIELDS`] or
    /// [`STEERING_FIELDS`] entry (any other field always counts).
    pub fn uses(self, field: &str) -> bool {
        if PART_FIELDS.contains(&field) {
            return self.parts().contains(&field);
        }
        STEERING_FIELDS
            .iter()
            .find(|(name, _)| *name == field)
            .is_none_or(|(_, types)| types.contains(&self))
    }

    /// Why `field` (one this type does not [`Self::uses`]) has no effect:
    /// the text of its warning.
    pub fn ignored_because(self, field: &str) -> String {
        let users: Vec<&str> = STEERING_FIELDS
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, types)| types.iter().map(|t| t.as_str()).collect())
            .unwrap_or_else(|| {
                Self::ALL
                    .iter()
                    .filter(|t| t.parts().contains(&field))
                    .map(|t| t.as_str())
                    .collect()
            });
        format!(
            "has no effect on change type {} and was ignored (used only by: {})",
            self.as_str(),
            users.join(", ")
        )
    }
}

/// One `changeRequest[]` entry, validated. Parts the type does not act on
/// are `None` or empty here (see [`ChangeType::parts`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeRequest {
    #[serde(rename = "type")]
    pub change_type: ChangeType,
    /// Unique within the order.
    pub change_request_id: String,
    /// The line changed (its number before a `changeCTN`).
    pub ctn: String,
    /// `immediate` when the request gives none.
    pub effective_date: EffectiveSpec,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemChange>,
    /// Labels to set: each replaces the line's label of the same type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub udl: Vec<Udl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspend_service_reason: Option<SuspendReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume_service_reason: Option<ResumeReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_reason: Option<CancellationReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_service_reason: Option<CancelServiceReason>,
    /// When a `cancel` takes effect (required for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_effective_date: Option<EffectiveSpec>,
    /// Adding a feature the line already has replaces it instead of failing.
    #[serde(default)]
    pub replace_duplicate_features: bool,
    /// Adding a feature of a conflict group the line already has a feature
    /// of ends that feature instead of failing.
    #[serde(default)]
    pub replace_conflicting_features: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_voice_mail: Option<VoicemailReset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_contact: Option<BillingContactChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriber_contact: Option<SubscriberContactChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceChange>,
    /// Omni's field for `changeRatePlan`: the new plan's offering id
    /// (`productOfferingType` `Mobile_Offer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_plan: Option<String>,
    /// Omni's field for `changeCTN`: the line's new number (10 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_ctn: Option<String>,
    /// Part fields the request sent that its type does not act on (left
    /// out above), and steering fields it does not use
    /// ([`STEERING_FIELDS`]): validated, then ignored, and reported back
    /// as warnings ([`ChangeType::ignored_because`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
}

impl ChangeRequest {
    /// What decides when the change is due: `cancelEffectiveDate` for a
    /// cancel (validation requires it), `effectiveDate` otherwise.
    pub fn due_spec(&self) -> EffectiveSpec {
        match (self.change_type, self.cancel_effective_date) {
            (ChangeType::Cancel, Some(spec)) => spec,
            _ => self.effective_date,
        }
    }

    /// When the worker should apply this change, resolved when the order is
    /// accepted (`now`) against the line's billing account bill-cycle day.
    /// Store it: resolving `nextBillingCycle` again later gives a later date.
    pub fn due_at(&self, now: DateTime<Utc>, bill_cycle_day: u8) -> DateTime<Utc> {
        resolve_effective(self.due_spec(), now, bill_cycle_day)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ItemAction {
    Add,
    Remove,
}

/// An `items[]` entry: add or remove one add-on feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemChange {
    /// The add-on offering id (its SKU, e.g. `sku12037300017`).
    pub id: String,
    pub action: ItemAction,
    /// Add: when the feature starts. Remove: when it ends. A past date
    /// means at once; absent means when the change request is applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<EffectiveSpec>,
    /// Add only: when the feature ends; a past date ends it at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<DateTime<Utc>>,
}

/// `resetVoiceMail`. The PIN was checked (4 to 8 digits unless
/// autogenerated) and is not kept, so no stored order holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VoicemailReset {
    pub autogenerated_pin: bool,
}

/// `billingContact`: replaces the billing account's contact; `attentionTo`
/// and `phone`, when left out, keep their current values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingContactChange {
    pub contact_name: PersonName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention_to: Option<String>,
    pub address: UsAddress,
    /// Sent by the page, meaning undocumented: validated as a flag and kept
    /// on the order, not on the billing account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_indicator: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
}

/// `subscriberContact`: sets the line user's name; address, phone and
/// e-mail when given (left out, they keep their current values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriberContactChange {
    pub name: PersonName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<UsAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `device`: a new IMEI (device swap), a new ICCID (SIM swap), and/or a
/// network block (the device is lost or stolen) or unblock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_block: Option<bool>,
}
