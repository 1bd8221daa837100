//! Payment: card checks and the built-in test gateway behind
//! `POST /payment-methods`.
//!
//! A card number and CVV exist only inside [`CardInput`] for the length of
//! one call: [`CardInput`] cannot be serialized and its `Debug` hides them,
//! and what [`authorize`] returns, [`PaymentMethod`], holds a token, the
//! brand, the last four digits and the expiry, nothing a charge could be made
//! with. The token is derived from caller-supplied random bytes, so the
//! gateway stays pure.
//!
//! The test gateway approves every valid card except these numbers, which
//! decline with their own code (any valid expiry, CVV and name):
//!
//! | number | brand | outcome ([`DeclineCode`]) |
//! |---|---|---|
//! | `4000000000000002` | Visa | `card_declined` (generic decline) |
//! | `4000000000009995` | Visa | `insufficient_funds` |
//! | `4000000000000069` | Visa | `expired_card` |
//! | `4000000000000127` | Visa | `incorrect_cvc` |
//! | `4000000000000119` | Visa | `processing_error` |
//! | `4100000000000019` | Visa | `fraud_suspected` |
//!
//! Amounts above [`AUTHORIZATION_LIMIT`] decline `over_limit` on any card.
//! Cards that approve, for tests and demos: `4242424242424242` (Visa),
//! `5555555555554444` and `2223003122003222` (Mastercard), `378282246310005`
//! (American Express, 4-digit CVV), `6011111111111117` (Discover).

mod card;

pub use card::{
    CardBrand, CardInput, MAX_EXPIRY_YEARS, MAX_HOLDER_NAME, ValidCard, luhn_valid, validate_card,
};

use super::{ErrorDetail, ErrorListEntry, InputError};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Largest amount the test gateway authorizes in one go.
pub const AUTHORIZATION_LIMIT: Decimal = Decimal::from_parts(2_500_000, 0, 0, false, 2);
/// The `system` named in a decline's `errorDetails`.
pub const GATEWAY: &str = "OmniTestGateway";

/// The test numbers that decline, and how.
pub const TEST_DECLINES: [(&str, DeclineCode); 6] = [
    ("4000000000000002", DeclineCode::CardDeclined),
    ("4000000000009995", DeclineCode::InsufficientFunds),
    ("4000000000000069", DeclineCode::ExpiredCard),
    ("4000000000000127", DeclineCode::IncorrectCvc),
    ("4000000000000119", DeclineCode::ProcessingError),
    ("4100000000000019", DeclineCode::FraudSuspected),
];

/// Why the test gateway declined, as the partner `errorCode` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineCode {
    CardDeclined,
    InsufficientFunds,
    ExpiredCard,
    IncorrectCvc,
    ProcessingError,
    FraudSuspected,
    OverLimit,
}

impl DeclineCode {
    /// The code as serialized, and what it tells the customer.
    fn text(self) -> (&'static str, &'static str) {
        match self {
            Self::CardDeclined => ("card_declined", "the card was declined"),
            Self::InsufficientFunds => ("insufficient_funds", "the card has insufficient funds"),
            Self::ExpiredCard => ("expired_card", "the issuer reports the card as expired"),
            Self::IncorrectCvc => ("incorrect_cvc", "the security code is incorrect"),
            Self::ProcessingError => ("processing_error", "the issuer failed; try again"),
            Self::FraudSuspected => ("fraud_suspected", "blocked as suspected fraud"),
            Self::OverLimit => ("over_limit", "the amount is above the authorization limit"),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.text().0
    }
}

/// A refusal from the gateway: the card was fine to send, the answer was no.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("payment declined ({}): {message}", code.as_str())]
pub struct Decline {
    pub code: DeclineCode,
    pub message: String,
    /// Last four digits of the declined card, to tell the customer which.
    pub last4: String,
}

impl Decline {
    /// The partner `errorList[]` entry: action `payment`, with the gateway's
    /// answer in `errorDetails`.
    pub fn to_entry(&self) -> ErrorListEntry {
        ErrorListEntry {
            action: "payment".to_string(),
            error_code: "PAYMENT-DECLINED".to_string(),
            error_description: self.to_string(),
            error_details: vec![ErrorDetail {
                system: GATEWAY.to_string(),
                error_code: self.code.as_str().to_string(),
                error_description: self.message.clone(),
            }],
        }
    }
}

/// Why [`authorize`] returned no payment method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase", tag = "kind", content = "detail")]
pub enum PaymentError {
    /// The request was wrong (a 400): card fields, amount or currency.
    #[error("invalid payment request: {}", list(.0))]
    Invalid(Vec<InputError>),
    /// The gateway said no (a 402 in the API).
    #[error(transparent)]
    Declined(Decline),
}

fn list(errors: &[InputError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// An approved card, as stored on the order. No number, no CVV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    /// `pm_` and 32 lowercase hex digits of the caller's random bytes.
    pub token: String,
    pub brand: CardBrand,
    pub last4: String,
    pub expiry_month: u32,
    pub expiry_year: i32,
    /// What was authorized, scaled to cents.
    pub authorized_amount: Decimal,
    pub currency: String,
    pub authorized_at: DateTime<Utc>,
}

/// Validates `card`, `amount` and `currency`, then asks the test gateway to
/// authorize `amount`. `nonce` must be fresh random bytes; they become the
/// token, so the same nonce gives the same token (idempotent retries).
///
/// `amount` must be positive with at most two decimal places; `currency`
/// three upper-case letters (ISO 4217 shape).
pub fn authorize(
    card: &CardInput,
    amount: Decimal,
    currency: &str,
    now: DateTime<Utc>,
    nonce: [u8; 16],
) -> Result<PaymentMethod, PaymentError> {
    let checked = validate_card(card, now);
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if amount <= Decimal::ZERO || amount.normalize().scale() > 2 {
        errors.push(InputError::new(
            "amount",
            "must be greater than zero with at most two decimal places",
        ));
    }
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        errors.push(InputError::new(
            "currency",
            "must be a three-letter ISO 4217 code such as USD",
        ));
    }
    let card = match checked {
        Ok(card) if errors.is_empty() => card,
        _ => return Err(PaymentError::Invalid(errors)),
    };
    let last4 = card.last4().to_string();
    let declined = TEST_DECLINES
        .iter()
        .find(|(n, _)| *n == card.digits)
        .map(|&(_, code)| code)
        .or((amount > AUTHORIZATION_LIMIT).then_some(DeclineCode::OverLimit));
    if let Some(code) = declined {
        return Err(PaymentError::Declined(Decline {
            code,
            message: code.text().1.to_string(),
            last4,
        }));
    }
    let mut authorized_amount = amount;
    authorized_amount.rescale(2);
    Ok(PaymentMethod {
        token: token(nonce),
        brand: card.brand,
        last4,
        expiry_month: card.expiry_month,
        expiry_year: card.expiry_year,
        authorized_amount,
        currency: currency.to_string(),
        authorized_at: now,
    })
}

/// `pm_` followed by the nonce in lowercase hex.
pub fn token(nonce: [u8; 16]) -> String {
    let mut t = String::with_capacity(3 + 32);
    t.push_str("pm_");
    for b in nonce {
        t.push_str(&format!("{b:02x}"));
    }
    t
}
