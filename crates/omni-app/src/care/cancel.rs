//! `orderCancellation`: a care order is cancelled only while none of its
//! change requests was processed, and only by the client that placed it
//! (another client's order is answered as not found). Cancelling a cancelled order answers it
//! as it is. A worker that applies a change meanwhile wins the version race;
//! the cancellation then reads the order again and finds processing started.

use super::record::{CareOrderRecord, RecordStatus, orders};
use super::revise::{Revision, revise};
use super::{authorize, client};
use crate::context::Context;
use crate::error::{AppError, AppResult};
use crate::repo::RetryPolicy;
use omni_core::Principal;
use omni_core::time::rfc3339;
use omni_store::Effects;

pub async fn cancel(
    ctx: &Context,
    principal: &Principal,
    order_id: &str,
) -> AppResult<CareOrderRecord> {
    authorize(principal)?;
    let client = client(principal)?;
    let tenant = principal.tenant.as_str();
    let now = ctx.now();
    let stamp = rfc3339(now);
    let revised = revise(
        &orders(ctx.store(), tenant),
        order_id,
        &stamp,
        &RetryPolicy::REQUEST,
        |record: &mut CareOrderRecord| {
            if record.client_id != client {
                return Err(AppError::not_found("care order", order_id));
            }
            if record.status == RecordStatus::Cancelled {
                return Ok(Revision::Keep(()));
            }
            if !record.untouched() {
                return Err(AppError::conflict(format!(
                    "care order '{order_id}' is {}: processing has started, it can no longer be cancelled",
                    record.status.as_str()
                )));
            }
            record.status = RecordStatus::Cancelled;
            record.updated_at = stamp.clone();
            let effects = Effects::events(vec![record.status_event(tenant, now)]);
            Ok(Revision::Write((), effects))
        },
    )
    .await?;
    match revised {
        Some((stored, (), _)) => Ok(stored.record),
        None => Err(AppError::not_found("care order", order_id)),
    }
}
