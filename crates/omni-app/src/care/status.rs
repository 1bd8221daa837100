//! `orderStatus`: one care order by id, or the orders of an account group
//! and/or created in a period, among the orders the caller's client placed
//! (another client's order is answered as not found). The search reads the tenant's care orders
//! and filters them here (an index for it is issue 17's business); a stored
//! order that does not decode fails the search, logged, rather than being
//! left out of the answer unnoticed.

use super::record::{CareOrderRecord, orders};
use super::request::StatusQuery;
use super::{authorize, client};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::{Record, decode};
use omni_core::Principal;
use omni_core::care::parse_date;
use omni_store::DocumentQuery;

/// Most orders one status query answers.
pub const MAX_STATUS_ORDERS: usize = 1000;

pub async fn order_status(
    ctx: &Context,
    principal: &Principal,
    query: &StatusQuery,
) -> AppResult<Vec<CareOrderRecord>> {
    authorize(principal)?;
    let client = client(principal)?;
    let tenant = principal.tenant.as_str();
    let (group, from, to) = match query {
        StatusQuery::Order(id) => {
            let order = orders(ctx.store(), tenant).get(id).await?;
            if order.record.client_id != client {
                return Err(AppError::not_found("care order", id));
            }
            return Ok(vec![order.record]);
        }
        StatusQuery::Search {
            account_group_id,
            from,
            to,
        } => (account_group_id.as_deref(), *from, *to),
    };
    let docs = ctx
        .store
        .list_documents(&DocumentQuery {
            tenant: tenant.to_string(),
            kind: CareOrderRecord::KIND.into(),
            owner: None,
            page: None,
        })
        .await?;
    let mut found = Vec::new();
    for doc in &docs {
        let record = decode::<CareOrderRecord>(doc)?.record;
        let created = parse_date(&record.created_at);
        let in_group = group.is_none_or(|g| record.order.account_group_id.as_deref() == Some(g));
        let after = from.is_none_or(|f| created.is_some_and(|c| c >= f));
        let before = to.is_none_or(|t| created.is_some_and(|c| c <= t));
        if record.client_id == client && in_group && after && before {
            found.push(record);
            if found.len() == MAX_STATUS_ORDERS {
                break;
            }
        }
    }
    Ok(found)
}
