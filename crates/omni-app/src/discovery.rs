//! Product Discovery (the Product Discovery page, seed 002): search and
//! lookup of the offers a customer may buy in a channel. Open to every
//! caller, prospects included; answers come from the tenant's in-memory
//! index only, already rendered as JSON text.

use crate::context::Context;
use crate::error::{AppError, AppResult};
use omni_core::Principal;
use omni_core::discovery::{DiscoveryHeaders, DiscoveryRequest};
use omni_core::document::FieldError;

pub const BASE: &str = "/msapi/cpopoffer/v1/product-offers";

/// A page of offers as JSON text, with the counts of the TMF630 headers.
pub struct Offers {
    pub body: String,
    pub total: usize,
    pub count: usize,
}

fn parse(pairs: &[(String, String)], headers: &DiscoveryHeaders) -> AppResult<DiscoveryRequest> {
    let request = DiscoveryRequest::parse(pairs, headers).map_err(AppError::fields)?;
    tracing::debug!(client = ?headers.client_id, app = ?headers.app_name, context = ?headers.context, "discovery request");
    Ok(request)
}

/// `GET …/product-offers`: a search, or a lookup when `ids` is given.
pub fn search(
    ctx: &Context,
    principal: &Principal,
    pairs: &[(String, String)],
    headers: &DiscoveryHeaders,
) -> AppResult<Offers> {
    let request = parse(pairs, headers)?;
    let index = ctx.caches.catalog.get(&principal.tenant);
    let now = ctx.now();
    let base = format!("{}{BASE}", ctx.config.public_url);
    let (items, total, lookup) = if request.ids.is_empty() {
        let found = index
            .search(&request, now)
            .map_err(|e| AppError::fields(vec![e]))?;
        (found.items, found.total, false)
    } else {
        let found = index
            .lookup(&request, now)
            .map_err(|e| AppError::fields(vec![e]))?;
        let n = found.len();
        (found, n, true)
    };
    let body = index.render(&items, &request, &base, now, lookup);
    Ok(Offers {
        body,
        total,
        count: items.len(),
    })
}

/// `GET …/product-offers/{id}`: one offer, with its `cmsInfo`.
pub fn lookup_one(
    ctx: &Context,
    principal: &Principal,
    id: &str,
    pairs: &[(String, String)],
    headers: &DiscoveryHeaders,
) -> AppResult<String> {
    if pairs.iter().any(|(k, _)| k == "ids") {
        return Err(AppError::fields(vec![FieldError::new(
            "ids",
            "is not allowed when the path names the offering",
        )]));
    }
    let mut pairs = pairs.to_vec();
    pairs.push(("ids".to_string(), id.to_string()));
    let request = parse(&pairs, headers)?;
    let index = ctx.caches.catalog.get(&principal.tenant);
    let now = ctx.now();
    let found = index
        .lookup(&request, now)
        .map_err(|e| AppError::fields(vec![e]))?;
    let Some(&item) = found.first() else {
        return Err(AppError::not_found("productOffering", id));
    };
    let base = format!("{}{BASE}", ctx.config.public_url);
    let mut body = String::new();
    index.render_one(
        &mut body,
        item,
        &request,
        &base,
        &request.price_context(now),
        true,
    );
    Ok(body)
}
