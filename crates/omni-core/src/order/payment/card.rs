//! Card checks: the Luhn digit, the brand from the leading digits, and the
//! rules of each card field. Kept apart from the gateway so that everything
//! touching a full card number sits in one short file.

use crate::order::InputError;
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How many years ahead an expiry may be.
pub const MAX_EXPIRY_YEARS: i32 = 20;
/// Longest cardholder name.
pub const MAX_HOLDER_NAME: usize = 100;

/// Whether `number` passes the Luhn check. Spaces and dashes are ignored;
/// any other non-digit, or fewer than two digits, fails.
pub fn luhn_valid(number: &str) -> bool {
    let Some(digits) = digits_of(number) else {
        return false;
    };
    if digits.len() < 2 {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The digits of a card number written with optional spaces or dashes;
/// `None` when anything else appears.
fn digits_of(number: &str) -> Option<String> {
    let mut digits = String::with_capacity(number.len());
    for c in number.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' => {}
            _ => return None,
        }
    }
    Some(digits)
}

/// Card networks the gateway accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardBrand {
    Visa,
    Mastercard,
    Amex,
    Discover,
}

impl CardBrand {
    /// The brand a number's leading digits name: Visa `4`; Mastercard
    /// `51`-`55` and `2221`-`2720`; American Express `34`, `37`; Discover
    /// `6011`, `65`. Spaces and dashes are ignored.
    pub fn detect(number: &str) -> Option<Self> {
        let digits = digits_of(number)?;
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        if digits.starts_with('4') {
            Some(Self::Visa)
        } else if prefix(2).is_some_and(|p| (51..=55).contains(&p))
            || prefix(4).is_some_and(|p| (2221..=2720).contains(&p))
        {
            Some(Self::Mastercard)
        } else if matches!(prefix(2), Some(34 | 37)) {
            Some(Self::Amex)
        } else if prefix(4) == Some(6011) || prefix(2) == Some(65) {
            Some(Self::Discover)
        } else {
            None
        }
    }

    /// Digits a number of this brand has.
    pub fn lengths(self) -> &'static [usize] {
        match self {
            Self::Visa => &[13, 16, 19],
            Self::Mastercard => &[16],
            Self::Amex => &[15],
            Self::Discover => &[16, 17, 18, 19],
        }
    }

    /// Digits the security code has: 4 on American Express, 3 elsewhere.
    pub fn cvv_len(self) -> usize {
        if self == Self::Amex { 4 } else { 3 }
    }
}

/// Card details as a partner sends them. Deserialize only: a card number
/// has no business being written anywhere, so this type cannot be, and its
/// `Debug` shows neither number nor CVV.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardInput {
    /// 12 to 19 digits; spaces and dashes allowed.
    pub number: String,
    /// 1 to 12.
    pub expiry_month: u32,
    /// Four digits; the card is good to the end of its expiry month.
    pub expiry_year: i32,
    /// 3 digits, 4 on American Express.
    pub cvv: String,
    pub holder_name: String,
}

impl fmt::Debug for CardInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardInput")
            .field("number", &"<redacted>")
            .field("expiry_month", &self.expiry_month)
            .field("expiry_year", &self.expiry_year)
            .field("cvv", &"<redacted>")
            .field("holder_name", &self.holder_name)
            .finish()
    }
}

/// A card that passed [`validate_card`]. Its digits stay private and its
/// `Debug` shows only the brand and last four digits.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidCard {
    pub(super) digits: String,
    pub brand: CardBrand,
    pub expiry_month: u32,
    pub expiry_year: i32,
}

impl ValidCard {
    /// The last four digits, the only ones ever shown or stored.
    pub fn last4(&self) -> &str {
        self.digits
            .get(self.digits.len().saturating_sub(4)..)
            .unwrap_or_default()
    }
}

impl fmt::Debug for ValidCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidCard")
            .field("brand", &self.brand)
            .field("last4", &self.last4())
            .field("expiry_month", &self.expiry_month)
            .field("expiry_year", &self.expiry_year)
            .finish()
    }
}

/// Every broken rule of `card`, each naming its field (`number`,
/// `expiryMonth`, `expiryYear`, `cvv`, `holderName`) and the rule, or the
/// valid card. The expiry is checked against `now` (UTC): a card is good to
/// the end of its expiry month.
pub fn validate_card(card: &CardInput, now: DateTime<Utc>) -> Result<ValidCard, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut valid = None;
    match digits_of(&card.number) {
        None => errors.push(InputError::new(
            "number",
            "must be digits, optionally grouped with spaces or dashes",
        )),
        Some(d) if !(12..=19).contains(&d.len()) => {
            errors.push(InputError::new("number", "must have 12 to 19 digits"))
        }
        Some(d) if !luhn_valid(&d) => errors.push(InputError::new(
            "number",
            "is not a valid card number (Luhn check failed)",
        )),
        Some(d) => match CardBrand::detect(&d) {
            None => errors.push(InputError::new(
                "number",
                "brand not accepted: Visa, Mastercard, American Express or Discover",
            )),
            Some(b) if !b.lengths().contains(&d.len()) => errors.push(InputError::new(
                "number",
                format!("a {b:?} number has {} digits", digit_counts(b.lengths())),
            )),
            Some(b) => valid = Some((d, b)),
        },
    }
    if !(1..=12).contains(&card.expiry_month) {
        errors.push(InputError::new("expiryMonth", "must be 1 to 12"));
    }
    let year = now.year();
    if !(year..=year + MAX_EXPIRY_YEARS).contains(&card.expiry_year) {
        errors.push(InputError::new(
            "expiryYear",
            format!(
                "must be a four-digit year from {year} to {}",
                year + MAX_EXPIRY_YEARS
            ),
        ));
    } else if card.expiry_year == year
        && (1..=12).contains(&card.expiry_month)
        && card.expiry_month < now.month()
    {
        errors.push(InputError::new(
            "expiryMonth",
            "the card has expired (the expiry is in the past)",
        ));
    }
    let cvv_len = valid
        .as_ref()
        .map(|(_, b): &(String, CardBrand)| b.cvv_len());
    let cvv_ok = card.cvv.bytes().all(|b| b.is_ascii_digit())
        && match cvv_len {
            Some(n) => card.cvv.len() == n,
            None => (3..=4).contains(&card.cvv.len()),
        };
    if !cvv_ok {
        let rule = match cvv_len {
            Some(4) => "must be 4 digits on an American Express card",
            Some(_) => "must be 3 digits",
            None => "must be 3 digits (4 on American Express)",
        };
        errors.push(InputError::new("cvv", rule));
    }
    let name = card.holder_name.trim();
    if name.is_empty() {
        errors.push(InputError::new("holderName", "must not be empty"));
    } else if name.chars().count() > MAX_HOLDER_NAME || name.chars().any(char::is_control) {
        errors.push(InputError::new(
            "holderName",
            format!("must be at most {MAX_HOLDER_NAME} characters with no control characters"),
        ));
    }
    match valid {
        Some((digits, brand)) if errors.is_empty() => Ok(ValidCard {
            digits,
            brand,
            expiry_month: card.expiry_month,
            expiry_year: card.expiry_year,
        }),
        _ => Err(errors),
    }
}

/// `16`, `15`, `13, 16 or 19`.
fn digit_counts(lengths: &[usize]) -> String {
    let text: Vec<String> = lengths.iter().map(ToString::to_string).collect();
    match text.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => text.join(""),
    }
}
