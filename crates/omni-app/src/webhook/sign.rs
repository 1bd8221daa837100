//! Signing of deliveries. The receiver recomputes the HMAC over the
//! timestamp and the exact body bytes with its secret and compares; the
//! timestamp lets it refuse replays of old deliveries.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header carrying `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub const SIGNATURE_HEADER: &str = "x-omni-signature";
/// Header carrying the signing time, Unix seconds.
pub const TIMESTAMP_HEADER: &str = "x-omni-timestamp";
pub const EVENT_ID_HEADER: &str = "x-omni-event-id";
pub const EVENT_TYPE_HEADER: &str = "x-omni-event-type";
/// Which attempt this is for the event, starting at 1.
pub const ATTEMPT_HEADER: &str = "x-omni-delivery-attempt";

/// The value of [`SIGNATURE_HEADER`] for `body` signed at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1={}", hex(&mac(secret, timestamp, body)))
}

/// Whether `header` is a valid signature of `body` at `timestamp`
/// (constant-time comparison).
pub fn verify(secret: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("v1=") else {
        return false;
    };
    let Some(given) = unhex(hex_sig) else {
        return false;
    };
    let mut m = keyed(secret);
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.verify_slice(&given).is_ok()
}

fn keyed(secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut m = keyed(secret);
    m.update(timestamp.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A new random signing secret: 32 bytes, hex.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_an_independent_hmac_sha256() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut m = keyed("Jefe");
        m.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&m.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn signs_timestamp_and_body_and_verifies() {
        let sig = signature("s3cret", 1_700_000_000, b"{\"a\":1}");
        assert!(sig.starts_with("v1=") && sig.len() == 3 + 64);
        assert!(verify("s3cret", 1_700_000_000, b"{\"a\":1}", &sig));
        assert!(!verify("other", 1_700_000_000, b"{\"a\":1}", &sig));
        assert!(!verify("s3cret", 1_700_000_001, b"{\"a\":1}", &sig));
        assert!(!verify("s3cret", 1_700_000_000, b"{\"a\":2}", &sig));
        assert!(!verify("s3cret", 1_700_000_000, b"{\"a\":1}", "v1=zz"));
        assert!(!verify("s3cret", 1_700_000_000, b"{\"a\":1}", &sig[3..]));
    }

    #[test]
    fn secrets_are_random_hex() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(unhex(&a).is_some());
    }
}
