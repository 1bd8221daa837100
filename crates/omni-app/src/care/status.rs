//! `orderStatus`: one care order by id, or the orders of an account group
//! and/or created in a period, among the orders the caller's client placed
//! (another client's order is answered as not found). The search reads by
//! the care orders' search keys (`omni_core::tmf630::index`: client, account
//! group, creation time), at most [`MAX_STATUS_ORDERS`] in creation order,
//! and checks each order read again here; a stored order that does not
//! decode fails the search, logged, rather than being left out of the
//! answer unnoticed.

use super::record::{CareOrderRecord, orders};
use super::request::StatusQuery;
use super::{authorize, client};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::{Record, decode};
use chrono::{DateTime, SecondsFormat, Utc};
use omni_core::Principal;
use omni_core::care::parse_date;
use omni_core::tmf630::index;
use omni_core::tmf630::{Filter, FilterOp, ListQuery};
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
    let filter = |path: &str, op: FilterOp, value: String| Filter {
        path: path.split('.').map(str::to_string).collect(),
        op,
        values: vec![value],
    };
    let instant = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Nanos, true);
    let mut filters = vec![filter("clientId", FilterOp::Eq, client.to_string())];
    filters.extend(group.map(|g| filter("order.accountGroupId", FilterOp::Eq, g.to_string())));
    filters.extend(from.map(|f| filter("createdAt", FilterOp::Gte, instant(f))));
    filters.extend(to.map(|t| filter("createdAt", FilterOp::Lte, instant(t))));
    let plan = index::plan(
        CareOrderRecord::KIND,
        &ListQuery {
            filters,
            ..ListQuery::default()
        },
    );
    // Only when every condition is in the query may it stop at the cap (a
    // client id the keys cannot hold, `null` say, is checked below alone).
    let page = plan.rest.is_none().then_some((0, MAX_STATUS_ORDERS as u64));
    let docs = ctx
        .store
        .list_keyed(
            &DocumentQuery {
                tenant: tenant.to_string(),
                kind: CareOrderRecord::KIND.into(),
                owner: None,
                page,
            },
            &plan.keys,
        )
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
