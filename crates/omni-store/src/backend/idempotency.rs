//! The SQL of idempotency records, shared by both backends. Each operation
//! is one statement, so it is atomic on its own: PostgreSQL runs it without
//! an explicit transaction, SQLite's group writer as one write of a batch.

use super::exec::Sql;
use super::ops::Output;
use crate::{
    IdempotencyRecord, IdempotencyReservation, IdempotencyScope, Reservation, Result, StoreError,
    StoredResponse,
};
use sqlx::{Postgres, Row, Sqlite};
use std::sync::LazyLock;

/// The idempotency writes, as owned data for the SQLite writer.
#[derive(Debug, Clone)]
pub(crate) enum IdemOp {
    Reserve(IdempotencyReservation),
    Finish {
        scope: IdempotencyScope,
        owner: String,
        status: i64,
        /// JSON text of `[[name, value], …]`, made by the caller.
        headers: String,
        body: Vec<u8>,
    },
    Release {
        scope: IdempotencyScope,
        owner: String,
    },
    DeleteExpired {
        now: String,
        limit: i64,
    },
}

impl IdemOp {
    pub fn finish(scope: &IdempotencyScope, owner: &str, response: &StoredResponse) -> Self {
        let headers = serde_json::to_string(&response.headers).unwrap_or_else(|_| "[]".into());
        Self::Finish {
            scope: scope.clone(),
            owner: owner.to_string(),
            status: i64::from(response.status),
            headers,
            body: response.body.clone(),
        }
    }
}

/// Whether the stored record gives way to a new reservation: it expired, or
/// its attempt stopped renewing (its lease passed) and the new attempt asks
/// the same thing. Evaluated against the stored row inside the upsert.
const TAKE_OVER: &str = "(idempotency.expires_at <= $6 OR (idempotency.state = 'running' \
     AND idempotency.lease_until <= $6 AND idempotency.fingerprint = excluded.fingerprint))";

/// Columns of [`IdempotencyRecord`], as every read selects them.
const COLUMNS: &str =
    "fingerprint, state, owner, lease_until, status, headers, body, created_at, expires_at";

/// The reservation upsert, built once.
static RESERVE: LazyLock<String> = LazyLock::new(reserve_sql);

static GET: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS} FROM idempotency WHERE tenant = $1 AND principal = $2 AND idem_key = $3"
    )
});

fn reserve_sql() -> String {
    // Every column is set from the new attempt when the old record gives way,
    // and kept otherwise; the upsert always returns the row, so one atomic
    // statement both decides and tells who holds the key.
    let column = |name: &str, new: &str| {
        format!("{name} = CASE WHEN {TAKE_OVER} THEN {new} ELSE idempotency.{name} END")
    };
    let sets = [
        column("fingerprint", "excluded.fingerprint"),
        column("state", "'running'"),
        column("owner", "excluded.owner"),
        column("lease_until", "excluded.lease_until"),
        column("status", "NULL"),
        column("headers", "NULL"),
        column("body", "NULL"),
        column("created_at", "excluded.created_at"),
        column("expires_at", "excluded.expires_at"),
    ]
    .join(", ");
    format!(
        "INSERT INTO idempotency (tenant, principal, idem_key, fingerprint, state, owner, lease_until, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, 'running', $5, $7, $6, $8) \
         ON CONFLICT (tenant, principal, idem_key) DO UPDATE SET {sets} RETURNING {COLUMNS}"
    )
}

macro_rules! impl_idempotency {
    ($db:ty) => {
        impl Sql<$db> {
            pub(crate) fn idempotency_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> Result<IdempotencyRecord> {
                let state: String = row.try_get("state")?;
                let response = if state == "done" {
                    let status: Option<i64> = row.try_get("status")?;
                    let headers: Option<String> = row.try_get("headers")?;
                    let body: Option<Vec<u8>> = row.try_get("body")?;
                    let status = status
                        .and_then(|s| u16::try_from(s).ok())
                        .ok_or_else(|| StoreError::Corrupt("idempotency record without a status".into()))?;
                    let headers = serde_json::from_str(headers.as_deref().unwrap_or("[]"))
                        .map_err(|e| StoreError::Corrupt(format!("idempotency headers: {e}")))?;
                    Some(StoredResponse { status, headers, body: body.unwrap_or_default() })
                } else {
                    None
                };
                Ok(IdempotencyRecord {
                    fingerprint: row.try_get("fingerprint")?,
                    owner: row.try_get("owner")?,
                    lease_until: row.try_get("lease_until")?,
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                    response,
                })
            }

            pub(crate) async fn idempotency(
                conn: &mut <$db as sqlx::Database>::Connection,
                op: &IdemOp,
            ) -> Result<Output> {
                match op {
                    IdemOp::Reserve(r) => {
                        let row = sqlx::query(RESERVE.as_str())
                            .bind(&r.scope.tenant)
                            .bind(&r.scope.principal)
                            .bind(&r.scope.key)
                            .bind(&r.fingerprint)
                            .bind(&r.owner)
                            .bind(&r.now)
                            .bind(&r.lease_until)
                            .bind(&r.expires_at)
                            .fetch_one(&mut *conn)
                            .await?;
                        let record = Self::idempotency_from_row(&row)?;
                        Ok(Output::Reserved(if record.owner == r.owner {
                            Reservation::Reserved
                        } else {
                            Reservation::Existing(record)
                        }))
                    }
                    IdemOp::Finish { scope, owner, status, headers, body } => {
                        let updated = sqlx::query(
                            "UPDATE idempotency SET state = 'done', status = $1, headers = $2, body = $3 \
                             WHERE tenant = $4 AND principal = $5 AND idem_key = $6 AND owner = $7 AND state = 'running'",
                        )
                        .bind(status)
                        .bind(headers)
                        .bind(body)
                        .bind(&scope.tenant)
                        .bind(&scope.principal)
                        .bind(&scope.key)
                        .bind(owner)
                        .execute(&mut *conn)
                        .await?;
                        Ok(Output::Finished(updated.rows_affected() == 1))
                    }
                    IdemOp::Release { scope, owner } => {
                        let deleted = sqlx::query(
                            "DELETE FROM idempotency WHERE tenant = $1 AND principal = $2 AND idem_key = $3 \
                             AND owner = $4 AND state = 'running'",
                        )
                        .bind(&scope.tenant)
                        .bind(&scope.principal)
                        .bind(&scope.key)
                        .bind(owner)
                        .execute(&mut *conn)
                        .await?;
                        Ok(Output::Finished(deleted.rows_affected() == 1))
                    }
                    IdemOp::DeleteExpired { now, limit } => {
                        let deleted = sqlx::query(
                            "DELETE FROM idempotency WHERE (tenant, principal, idem_key) IN \
                             (SELECT tenant, principal, idem_key FROM idempotency WHERE expires_at <= $1 \
                             ORDER BY expires_at LIMIT $2)",
                        )
                        .bind(now)
                        .bind(limit)
                        .execute(&mut *conn)
                        .await?;
                        Ok(Output::Count(deleted.rows_affected()))
                    }
                }
            }

            pub(crate) async fn get_idempotency(
                pool: &sqlx::Pool<$db>,
                scope: &IdempotencyScope,
            ) -> Result<Option<IdempotencyRecord>> {
                let row = sqlx::query(GET.as_str())
                    .bind(&scope.tenant)
                    .bind(&scope.principal)
                    .bind(&scope.key)
                    .fetch_optional(pool)
                    .await?;
                row.as_ref().map(Self::idempotency_from_row).transpose()
            }
        }
    };
}

impl_idempotency!(Sqlite);
impl_idempotency!(Postgres);
