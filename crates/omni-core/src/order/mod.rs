//! Partner order capture: items, and what an order needs before it can be
//! submitted.

pub mod action;
pub mod apply;
pub mod capture;
#[cfg(test)]
mod tests;

pub use action::{Action, ActionReason};
pub use capture::{CaptureFacts, CapturedItem, ItemError, capture};

/// An order id as the partner pages show them: two digits (the year), a
/// dash, fourteen digits, e.g. `26-46236265737394`.
pub fn order_id(year: i32, random: u64) -> String {
    format!(
        "{:02}-{:014}",
        year.rem_euclid(100),
        random % 100_000_000_000_000
    )
}

/// Whether `id` has the order id format.
pub fn is_order_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 17 && b[2] == b'-' && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
}
