//! The add-ons and rate plans a care change could name for a line now
//! (`omni_core::care::care_options`: each candidate tried with the
//! worker's own rules), for screens that offer them in a list. Care
//! acceptance still checks the order it is sent whole.

use super::account::CareAccount;
use super::authorize;
use crate::context::Context;
use crate::error::AppResult;
use omni_core::Principal;
use omni_core::care::{CareOptions, care_options};

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
