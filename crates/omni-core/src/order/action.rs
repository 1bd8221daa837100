//! Order item actions, action reasons and characteristic formats.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One step of an item's action; an item may combine several (`swap;add`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Add,
    NoChange,
    Modify,
    Terminate,
    /// Replaces the line's component of the item's type with the item.
    Swap,
}

/// The single actions a reason may say it is for.
const ATOMIC: [&str; 5] = ["add", "noChange", "modify", "terminate", "swap"];

/// Combinations an item may ask for: each alone, and a swap that adds the replacement.
const COMPOSITES: [&[Action]; 1] = [&[Action::Swap, Action::Add]];

pub fn parse_action(text: &str) -> Result<Vec<Action>, String> {
    let mut actions = Vec::new();
    for part in text.split(';') {
        let action = match part.trim() {
            "add" => Action::Add,
            "noChange" => Action::NoChange,
            "modify" => Action::Modify,
            "terminate" => Action::Terminate,
            "swap" => Action::Swap,
            other => {
                return Err(format!(
                    "'{other}' is not an action: use add, noChange, modify, terminate, or swap;add"
                ));
            }
        };
        if actions.contains(&action) {
            return Err(format!("'{text}' names an action twice"));
        }
        actions.push(action);
    }
    let allowed = actions.len() == 1 && actions[0] != Action::Swap
        || COMPOSITES.contains(&actions.as_slice());
    if allowed {
        Ok(actions)
    } else {
        Err(format!(
            "'{text}' is not a supported combination: use swap;add"
        ))
    }
}

/// Why an item terminates or swaps something: a code, and a memo for the
/// codes that need one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionReason {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_text: Option<String>,
}

/// Reason codes with their meaning and whether a memo is required.
pub const REASONS: [(&str, &str, bool); 6] = [
    ("LC", "Line change requested by the customer", true),
    ("UP", "Upgrade", false),
    ("DF", "Defective equipment", true),
    ("LS", "Lost or stolen", false),
    ("CR", "Customer request", false),
    ("OT", "Other", true),
];

const MAX_MEMO: usize = 500;

impl ActionReason {
    /// Reads `{name, reasonText, action}`; an error names the failing field.
    pub fn from_value(v: &Value) -> Result<Self, (&'static str, String)> {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .ok_or(("name", "is required".to_string()))?;
        let Some((_, _, memo)) = REASONS.iter().find(|(code, _, _)| *code == name) else {
            let codes: Vec<&str> = REASONS.iter().map(|r| r.0).collect();
            return Err((
                "name",
                format!(
                    "'{name}' is not a reason code: use one of {}",
                    codes.join(", ")
                ),
            ));
        };
        let text = match v.get("reasonText") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.chars().count() <= MAX_MEMO => {
                Some(s.trim().to_string()).filter(|s| !s.is_empty())
            }
            Some(_) => {
                return Err((
                    "reasonText",
                    format!("must be text of at most {MAX_MEMO} characters"),
                ));
            }
        };
        if *memo && text.is_none() {
            return Err((
                "reasonText",
                format!("a memo is required with reason '{name}'"),
            ));
        }
        if let Some(a) = v.get("action")
            && !a.as_str().is_some_and(|a| ATOMIC.contains(&a))
        {
            return Err(("action", format!("must be one of {}", ATOMIC.join(", "))));
        }
        Ok(Self {
            name: name.to_string(),
            reason_text: text,
        })
    }
}

/// Terminations and swaps need a reason.
pub fn reason_problem(actions: &[Action], reason: Option<&ActionReason>) -> Option<String> {
    let needs = actions
        .iter()
        .any(|a| matches!(a, Action::Terminate | Action::Swap));
    (needs && reason.is_none())
        .then(|| "is required when an item terminates or swaps a product".to_string())
}

/// The format rule a characteristic's value breaks, if any (one rule for
/// carts and orders: [`crate::formats::characteristic_problem`]).
pub use crate::formats::characteristic_problem;
