//! Product Discovery (the Product Discovery page, seed 002): search and
//! lookup of the offers a customer may buy in a channel. Open to every
//! caller, prospects included; answers come from the tenant's in-memory
//! index, already rendered as JSON text. The one read of the database is the
//! cart an add-on search names (`cartId`, read with the cart's read rules).

use crate::context::Context;
use crate::error::{AppError, AppResult};
use omni_core::Principal;
use omni_core::care::{CareCatalog, CatalogFacts};
use omni_core::discovery::{CartLine, DiscoveryHeaders, DiscoveryRequest};
use omni_core::document::FieldError;
use std::sync::Arc;

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

/// The cart line a search names with `cartId` and `productOrderItemId`,
/// read with the cart family's own read rules: a cart this caller may not
/// read is refused exactly like an unknown one. Comes with the catalog facts
/// the line's rules are judged against.
async fn cart_line(
    ctx: &Context,
    principal: &Principal,
    request: &DiscoveryRequest,
) -> AppResult<Option<(CartLine, Arc<CatalogFacts>)>> {
    let (Some(cart_id), Some(item_id)) = (&request.cart_id, &request.order_item_id) else {
        return Ok(None);
    };
    let Some(cart) = crate::cart::readable(ctx, principal, cart_id).await? else {
        return Err(AppError::fields(vec![FieldError::new(
            "cartId",
            format!("'{cart_id}' is not a cart this caller may read"),
        )]));
    };
    let facts = ctx
        .caches
        .care_catalog
        .get(ctx.store.as_ref(), &principal.tenant)
        .await?;
    let line =
        CartLine::read(&cart, item_id, facts.as_ref()).map_err(|e| AppError::fields(vec![e]))?;
    Ok(Some((line, facts)))
}

/// `GET …/product-offers`: a search, or a lookup when `ids` is given. With
/// `cartId` and `productOrderItemId`, a search answers only the add-ons that
/// fit that cart item's plan and are not in the cart yet.
pub async fn search(
    ctx: &Context,
    principal: &Principal,
    pairs: &[(String, String)],
    headers: &DiscoveryHeaders,
) -> AppResult<Offers> {
    let request = parse(pairs, headers)?;
    let line = if request.ids.is_empty() {
        cart_line(ctx, principal, &request).await?
    } else {
        None
    };
    let index = ctx.caches.catalog.get(&principal.tenant);
    let now = ctx.now();
    let base = format!("{}{BASE}", ctx.config.public_url);
    let (items, total, lookup) = if request.ids.is_empty() {
        let keep = |id: &str| {
            line.as_ref()
                .is_none_or(|(line, facts)| facts.offering(id).is_none_or(|f| line.offers(&f)))
        };
        let keep: Option<&dyn Fn(&str) -> bool> = line.as_ref().map(|_| &keep as _);
        let found = index
            .search_where(&request, now, keep)
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

/// How far this node's discovery index is behind the catalog of the
/// caller's tenant: the catalog version every catalog write bumps, and the
/// version the index was built from. Each node rebuilds its index within a
/// poll of a change ([`crate::caches::POLL_INTERVAL`]); until then,
/// searches answer from the catalog as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexFreshness {
    pub catalog_version: i64,
    pub index_version: i64,
}

impl IndexFreshness {
    /// Whether searches already answer every catalog write.
    pub fn is_current(&self) -> bool {
        self.index_version >= self.catalog_version
    }
}

/// The freshness of the caller's tenant's index (one counter read).
pub async fn freshness(ctx: &Context, principal: &Principal) -> AppResult<IndexFreshness> {
    let name = format!("{}:{}", crate::catalog::VERSION_COUNTER, principal.tenant);
    let catalog_version = ctx.store.read_counter(&name).await?;
    let index_version = ctx.caches.catalog.get(&principal.tenant).version;
    Ok(IndexFreshness {
        catalog_version,
        index_version,
    })
}
