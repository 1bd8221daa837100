//! The family's request bodies as typed inputs. Every body wraps its fields
//! as `xxxRequest`; a field that breaks a rule is named with its wrapper
//! (`orderStatusRequest.toDate`), as the care order page spells them.

use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use omni_core::care::parse_date;
use serde_json::Value;

/// `xxxRequest` of the body, or an error naming it.
fn wrapped<'b>(body: &'b Value, name: &str) -> AppResult<&'b Value> {
    body.get(name)
        .filter(|v| v.is_object())
        .ok_or_else(|| AppError::field(name, "is required, an object"))
}

/// An optional text field of 1 to 100 characters.
fn text(request: &Value, wrapper: &str, field: &str) -> AppResult<Option<String>> {
    match request.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 100 => Ok(Some(s.clone())),
        Some(_) => Err(AppError::field(
            format!("{wrapper}.{field}"),
            "must be a text of 1 to 100 characters",
        )),
    }
}

fn required(request: &Value, wrapper: &str, field: &str) -> AppResult<String> {
    text(request, wrapper, field)?
        .ok_or_else(|| AppError::field(format!("{wrapper}.{field}"), "is required"))
}

/// What `orderStatus` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusQuery {
    /// One order, by id (the other fields are not looked at then).
    Order(String),
    /// Orders of an account group and/or created in a period (bounds
    /// included); at least one of the three is given.
    Search {
        account_group_id: Option<String>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    },
}

impl StatusQuery {
    /// From an `orderStatusRequest` body.
    pub fn from_body(body: &Value) -> AppResult<Self> {
        let w = "orderStatusRequest";
        let request = wrapped(body, w)?;
        if let Some(id) = text(request, w, "orderId")? {
            return Ok(Self::Order(id));
        }
        let account_group_id = text(request, w, "accountGroupId")?;
        let date = |field: &str| -> AppResult<Option<DateTime<Utc>>> {
            match text(request, w, field)? {
                None => Ok(None),
                Some(t) => parse_date(&t).map(Some).ok_or_else(|| {
                    AppError::field(
                        format!("{w}.{field}"),
                        "must be an RFC 3339 date or date-time",
                    )
                }),
            }
        };
        let (from, to) = (date("fromDate")?, date("toDate")?);
        if account_group_id.is_none() && from.is_none() && to.is_none() {
            return Err(AppError::field(
                format!("{w}.orderId"),
                "is required unless accountGroupId, fromDate or toDate is given",
            ));
        }
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            return Err(AppError::field(
                format!("{w}.toDate"),
                "must not be before fromDate",
            ));
        }
        Ok(Self::Search {
            account_group_id,
            from,
            to,
        })
    }
}

/// What `careAccount` asks for: a line, answered as absent when outside the
/// account group named.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountQuery {
    pub ctn: String,
    pub account_group_id: Option<String>,
}

impl AccountQuery {
    /// From a `careAccountRequest` body.
    pub fn from_body(body: &Value) -> AppResult<Self> {
        const W: &str = "careAccountRequest";
        let request = wrapped(body, W)?;
        let account_group_id = text(request, W, "accountGroupId")?;
        Ok(Self {
            ctn: required(request, W, "ctn")?,
            account_group_id,
        })
    }
}

/// The order an `orderCancellationRequest` body names.
pub fn cancellation_order_id(body: &Value) -> AppResult<String> {
    const W: &str = "orderCancellationRequest";
    required(wrapped(body, W)?, W, "orderId")
}
