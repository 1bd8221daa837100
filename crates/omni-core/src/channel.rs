//! The sales channels every family knows: the operator's retail stores
//! (`ATTR`), its online store (`ECOMM`) and its self-service apps
//! (`SelfService`), as the Product Discovery page (seed 002) spells them.
//! Discovery, carts and order capture all check a channel against this one
//! list.

pub const CHANNELS: [&str; 3] = ["SelfService", "ATTR", "ECOMM"];

/// The channel `value` names, spelled as the pages spell it.
pub fn parse(value: &str) -> Option<&'static str> {
    CHANNELS.iter().copied().find(|c| *c == value)
}

/// The rule a channel breaks, as errors say it.
pub fn rule() -> String {
    format!("must be one of {}", CHANNELS.join(", "))
}
