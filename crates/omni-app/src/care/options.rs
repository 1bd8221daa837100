//! The add-ons and rate plans a care change could name for a line now
//! (`omni_core::care::care_options`: each candidate tried with the
//! worker's own rules), for screens that offer them in a list. Care
//! acceptance still checks the order it is sent whole. [`offering_names`]
//! gives the names of the offerings a line shows by id.

use super::account::CareAccount;
use super::authorize;
use crate::context::Context;
use crate::error::AppResult;
use omni_core::Principal;
use omni_core::care::{CareCatalog, CareOptions, care_options};
use std::collections::HashMap;

/// What `account`'s line could be given or moved to now; nothing when its
/// billing account is missing (a care order on it is refused anyway).
pub async fn options(
    ctx: &Context,
    principal: &Principal,
    account: &CareAccount,
) -> AppResult<CareOptions> {
    authorize(principal)?;
    let Some(billing) = &account.billing else {
        return Ok(CareOptions::default());
    };
    let catalog = ctx
        .caches
        .care_catalog
        .get(ctx.store(), &principal.tenant)
        .await?;
    Ok(care_options(&account.line, billing, &catalog, ctx.now()))
}

/// The catalog names of the offerings `ids` (a line's plan, features,
/// device model, SIM), for screens that show names beside ids; an id the
/// catalog does not have is left out.
pub async fn offering_names<'a>(
    ctx: &Context,
    principal: &Principal,
    ids: impl IntoIterator<Item = &'a str>,
) -> AppResult<HashMap<String, String>> {
    authorize(principal)?;
    let catalog = ctx
        .caches
        .care_catalog
        .get(ctx.store(), &principal.tenant)
        .await?;
    Ok(ids
        .into_iter()
        .filter_map(|id| catalog.offering(id).map(|o| (id.to_string(), o.name)))
        .filter(|(_, name)| !name.is_empty())
        .collect())
}
