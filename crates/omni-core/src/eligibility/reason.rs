//! Why an offering is not available: a stable machine code and a label a
//! person can read. TMF679 and TMF645 both answer these as
//! `eligibilityUnavailabilityReason[]` entries (`{code, label}`).

use serde::Serialize;
use std::fmt;

/// Every reason Omni's qualification engines give. The codes are part of the
/// API: callers (the cart, partner systems) match on them, so a code is never
/// renamed; new ones may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReasonCode {
    /// The catalog has no offering with this id.
    NotFound,
    /// Lifecycle status is not `Active`/`Launched`, or `isSellable` is false.
    NotSellable,
    /// `validFor.startDateTime` is still ahead.
    NotYetValid,
    /// `validFor.endDateTime` has passed.
    Expired,
    /// Not sold in the channel.
    Channel,
    CustomerType,
    CustomerSubType,
    PaymentType,
    /// The customer's credit class is not in the offering's `creditRisk`.
    CreditClass,
    Market,
    /// The offering needs a product the customer does not have.
    RequiresExistingProduct,
    /// The product cannot be exchanged for the target offering.
    SwapNotAllowed,
    /// TMF645: the service address is not in the address registry.
    UnknownAddress,
    /// TMF645: the technology cannot be installed at the address.
    TechnologyNotAvailable,
    /// TMF645: the address cannot get the download speed.
    SpeedNotAvailable,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 15] = [
        Self::NotFound,
        Self::NotSellable,
        Self::NotYetValid,
        Self::Expired,
        Self::Channel,
        Self::CustomerType,
        Self::CustomerSubType,
        Self::PaymentType,
        Self::CreditClass,
        Self::Market,
        Self::RequiresExistingProduct,
        Self::SwapNotAllowed,
        Self::UnknownAddress,
        Self::TechnologyNotAvailable,
        Self::SpeedNotAvailable,
    ];

    /// The code as answered, e.g. `NOT_SELLABLE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "NOT_FOUND",
            Self::NotSellable => "NOT_SELLABLE",
            Self::NotYetValid => "NOT_YET_VALID",
            Self::Expired => "EXPIRED",
            Self::Channel => "CHANNEL",
            Self::CustomerType => "CUSTOMER_TYPE",
            Self::CustomerSubType => "CUSTOMER_SUB_TYPE",
            Self::PaymentType => "PAYMENT_TYPE",
            Self::CreditClass => "CREDIT_CLASS",
            Self::Market => "MARKET",
            Self::RequiresExistingProduct => "REQUIRES_EXISTING_PRODUCT",
            Self::SwapNotAllowed => "SWAP_NOT_ALLOWED",
            Self::UnknownAddress => "UNKNOWN_ADDRESS",
            Self::TechnologyNotAvailable => "TECHNOLOGY_NOT_AVAILABLE",
            Self::SpeedNotAvailable => "SPEED_NOT_AVAILABLE",
        }
    }

    /// The code named by `text`, e.g. `NOT_SELLABLE`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason an item does not qualify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable code, one of [`ReasonCode`]'s `as_str` values.
    pub code: String,
    /// Human-readable explanation naming the offering, value or address.
    pub label: String,
}

impl Reason {
    pub fn new(code: ReasonCode, label: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_string(),
            label: label.into(),
        }
    }

    /// Whether this reason has `code`.
    pub fn is(&self, code: ReasonCode) -> bool {
        self.code == code.as_str()
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.label)
    }
}
