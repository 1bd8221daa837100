//! Idempotency records: what a request sent with an `Idempotency-Key` got
//! back, so that a retry with the same key gets the same answer without the
//! work being done twice. A record is first reserved (`running`) by the one
//! attempt that does the work, then finished with the response, or released
//! when the attempt failed in a way a retry may repair (a 5xx).
//!
//! The table is shared by every process on one database, so two servers
//! behind a load balancer honour each other's keys.

/// Whose key it is: keys of different tenants or principals never meet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyScope {
    pub tenant: String,
    /// The calling principal, e.g. `user:agent-7`; `anonymous` for callers
    /// without a token.
    pub principal: String,
    pub key: String,
}

/// An attempt's claim on a key.
#[derive(Debug, Clone)]
pub struct IdempotencyReservation {
    pub scope: IdempotencyScope,
    /// Hash of what the request asks (method, path, query, body); a retry
    /// must match it.
    pub fingerprint: String,
    /// Names this attempt; only it may finish or release the reservation.
    pub owner: String,
    /// RFC 3339, as every timestamp here.
    pub now: String,
    /// Until when this attempt holds the key while running. An attempt that
    /// died (a crashed process) leaves a running record behind; once its lease
    /// has passed, a retry with the same fingerprint takes the key over.
    pub lease_until: String,
    /// When the key is forgotten: from then on it is not honoured, and a
    /// reservation replaces the old record whatever it held.
    pub expires_at: String,
}

/// The response an attempt produced, as replayed to retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// Header names (lower case) and values, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A key's record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub owner: String,
    pub lease_until: String,
    pub created_at: String,
    pub expires_at: String,
    /// `None` while the owning attempt is still running.
    pub response: Option<StoredResponse>,
}

/// What [`crate::Store::reserve_idempotency`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reservation {
    /// The key is this attempt's: do the work, then finish or release it.
    Reserved,
    /// Another attempt holds the key (running or finished): compare the
    /// fingerprint, then replay its response or wait for it.
    Existing(IdempotencyRecord),
}
