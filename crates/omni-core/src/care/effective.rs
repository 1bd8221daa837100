//! When a change takes effect. A care order says it with a keyword
//! (`immediate`, `nextBillingCycle`, `uponCompletionOfRequest`) or a date;
//! [`resolve_effective`] turns either into an instant, given `now` and the
//! billing account's bill-cycle day. The worker applies a change at that
//! instant; nothing here waits or reads the clock.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An `effectiveDate` (or `cancelEffectiveDate`) as the request gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum EffectiveSpec {
    /// `immediate`: as soon as the order is processed.
    Immediate,
    /// `nextBillingCycle`: at the start (00:00 UTC) of the billing account's
    /// next bill-cycle day, strictly after the time of resolution.
    NextBillingCycle,
    /// `uponCompletionOfRequest`: when the order's processing reaches the
    /// change. Omni processes a change in one step, so this is the same
    /// instant as `immediate`; the keyword is kept so it round-trips.
    UponCompletionOfRequest,
    /// An explicit date; a past one means now.
    At(DateTime<Utc>),
}

impl EffectiveSpec {
    pub const KEYWORDS: [&'static str; 3] =
        ["immediate", "nextBillingCycle", "uponCompletionOfRequest"];

    /// A keyword (exact spelling) or a date as [`parse_date`] reads it.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "immediate" => Some(Self::Immediate),
            "nextBillingCycle" => Some(Self::NextBillingCycle),
            "uponCompletionOfRequest" => Some(Self::UponCompletionOfRequest),
            _ => parse_date(text).map(Self::At),
        }
    }
}

impl fmt::Display for EffectiveSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Immediate => f.write_str("immediate"),
            Self::NextBillingCycle => f.write_str("nextBillingCycle"),
            Self::UponCompletionOfRequest => f.write_str("uponCompletionOfRequest"),
            Self::At(t) => f.write_str(&crate::time::rfc3339(*t)),
        }
    }
}

impl From<EffectiveSpec> for String {
    fn from(spec: EffectiveSpec) -> Self {
        spec.to_string()
    }
}

/// The rule broken by a text that is neither a keyword nor a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be immediate, nextBillingCycle, uponCompletionOfRequest or an RFC 3339 date-time")]
pub struct BadEffectiveDate;

impl TryFrom<String> for EffectiveSpec {
    type Error = BadEffectiveDate;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or(BadEffectiveDate)
    }
}

/// An RFC 3339 date-time in any offset, or an RFC 3339 full-date
/// (`2024-05-01`, read as 00:00 UTC that day), in UTC.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    crate::time::parse_rfc3339(text).or_else(|| {
        // Only the exact `YYYY-MM-DD` form: chrono alone would also take
        // `2024-5-1`, which RFC 3339 does not allow.
        let well_formed = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| {
                matches!(i, 4 | 7) == (b == b'-') && (b == b'-' || b.is_ascii_digit())
            });
        if !well_formed {
            return None;
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    })
}

/// The instant a change given `spec` takes effect, never before `now`:
/// keywords other than `nextBillingCycle` mean `now`, a date in the past
/// means `now`, and `nextBillingCycle` is [`next_bill_cycle`].
pub fn resolve_effective(
    spec: EffectiveSpec,
    now: DateTime<Utc>,
    bill_cycle_day: u8,
) -> DateTime<Utc> {
    match spec {
        EffectiveSpec::Immediate | EffectiveSpec::UponCompletionOfRequest => now,
        EffectiveSpec::NextBillingCycle => next_bill_cycle(now, bill_cycle_day),
        EffectiveSpec::At(t) => t.max(now),
    }
}

/// 00:00 UTC of the first bill-cycle day strictly after `now`.
///
/// The day is clamped to 1..=28, the range the inventory allows, so every
/// month has it (a cycle never silently moves to the 1st of the next month).
pub fn next_bill_cycle(now: DateTime<Utc>, bill_cycle_day: u8) -> DateTime<Utc> {
    let day = u32::from(bill_cycle_day.clamp(1, 28));
    let this_month = cycle_start(now.year(), now.month(), day);
    let next = match this_month {
        Some(t) if t > now => Some(t),
        _ if now.month() == 12 => cycle_start(now.year() + 1, 1, day),
        _ => cycle_start(now.year(), now.month() + 1, day),
    };
    // Only past the last year chrono represents is there no next cycle; the
    // latest instant keeps the promise "never before now".
    next.unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn cycle_start(year: i32, month: u32, day: u32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}
