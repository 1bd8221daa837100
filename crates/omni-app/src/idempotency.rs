//! Idempotency keys (`Idempotency-Key` on any `POST`, kept by the HTTP
//! layer's middleware) expire after their time to live; an expired key is
//! not honoured even before this sweep deletes it. Every node sweeps, in
//! small batches, so the sweep is safe on several nodes at once.

use crate::context::Context;
use omni_core::time::rfc3339;
use omni_store::StoreError;
use std::time::Duration;

/// How often every node sweeps.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(60);
/// Keys deleted per statement.
const BATCH: i64 = 1000;

/// Deletes every key expired as of now; answers how many.
pub async fn sweep(ctx: &Context) -> Result<u64, StoreError> {
    let now = rfc3339(ctx.now());
    let mut deleted = 0;
    loop {
        let n = ctx.store.delete_expired_idempotency(&now, BATCH).await?;
        deleted += n;
        if n < BATCH as u64 {
            break;
        }
    }
    if deleted > 0 {
        tracing::debug!(deleted, "expired idempotency keys deleted");
    }
    Ok(deleted)
}
