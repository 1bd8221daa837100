//! Business care orders (`POST /orderingMobility/v1/careOrder`): changes to
//! existing lines. This first part holds the field formats, the reason-code
//! lists and effective-date resolution.

mod effective;
mod formats;
mod reasons;

pub use effective::{
    BadEffectiveDate, EffectiveSpec, next_bill_cycle, parse_date, resolve_effective,
};
pub use formats::*;
pub use reasons::{CancelServiceReason, CancellationReason, ResumeReason, SuspendReason};
