//! TM Forum hubs (TMF630 notification registration): `POST {api}/hub`
//! registers a listener for one API's events, `GET`/`DELETE {api}/hub/{id}`
//! read and remove it. A listener receives the events of its tenant and API
//! that match its TMF630 query. Users and m2m clients holding the API's
//! write role may register and remove listeners (a listener makes Omni call
//! out, so it is not for read-only callers); its read or write roles may
//! read one. A hub of one API is not found through another.

use super::subscription::{
    FieldNames, Registered, Registration, Subscription, Target, subscribe, subscriptions,
    unsubscribe,
};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::Record;
use omni_core::{Principal, PrincipalKind};

/// One API's hub.
#[derive(Debug)]
pub struct Hub {
    /// Mount point of the API, e.g. `/tmf-api/productOrderingManagement/v4`.
    pub base: &'static str,
    /// Event domain the API writes.
    pub domain: &'static str,
    /// Any of these roles may read a listener (the API's read or write roles).
    pub roles: &'static [&'static str],
    /// The role that registers and removes listeners (the API's write role).
    pub write_role: &'static str,
}

const NAMES: FieldNames = FieldNames {
    callback: "callback",
    secret: "secret",
};

impl Hub {
    /// Where a registered listener is read and removed.
    pub fn href(&self, public_url: &str, id: &str) -> String {
        format!("{public_url}{}/hub/{id}", self.base)
    }

    /// Checked before the request is read too, so that a caller without a
    /// role learns nothing about what it sent.
    pub fn authorize(&self, principal: &Principal) -> AppResult<()> {
        self.authorize_any(principal, self.roles)
    }

    /// As [`Self::authorize`], for registering and removing: the write role.
    pub fn authorize_write(&self, principal: &Principal) -> AppResult<()> {
        self.authorize_any(principal, &[self.write_role])
    }

    fn authorize_any(&self, principal: &Principal, roles: &[&str]) -> AppResult<()> {
        principal.require_kind(&[PrincipalKind::User, PrincipalKind::M2m])?;
        if roles.iter().any(|r| principal.has_role(r)) {
            return Ok(());
        }
        Err(AppError::Forbidden(format!(
            "missing role: one of {}",
            roles.join(", ")
        )))
    }
}

pub async fn register(
    ctx: &Context,
    principal: &Principal,
    hub: &Hub,
    request: Registration,
) -> AppResult<Registered> {
    hub.authorize_write(principal)?;
    let target = Target {
        domain: hub.domain,
        scope: None,
    };
    let created_by = principal.subject.as_deref().unwrap_or_default();
    subscribe(ctx, &principal.tenant, created_by, target, request, &NAMES).await
}

/// A listener of this hub, as registered (the handler shows it without its
/// secret).
pub async fn get(
    ctx: &Context,
    principal: &Principal,
    hub: &Hub,
    id: &str,
) -> AppResult<Subscription> {
    hub.authorize(principal)?;
    subscriptions(ctx.store(), &principal.tenant)
        .find(id)
        .await?
        .map(|stored| stored.record)
        .filter(|s| s.domain == hub.domain && s.scope.is_none())
        .ok_or_else(|| AppError::not_found(Subscription::NAME, id))
}

pub async fn remove(ctx: &Context, principal: &Principal, hub: &Hub, id: &str) -> AppResult<()> {
    hub.authorize_write(principal)?;
    unsubscribe(ctx, &principal.tenant, hub.domain, id, None).await
}
