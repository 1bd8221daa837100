//! Secrets at rest: webhook signing secrets are stored sealed with
//! AES-256-GCM, so that a copy of the database (a backup, a replica, a
//! support dump) does not let its reader forge deliveries.
//!
//! A sealed value names the key it was sealed with, so keys can be rotated:
//!
//! ```text
//! enc:v1:<key id>:<nonce, base64>:<ciphertext and tag, base64>
//! ```
//!
//! The key id is the first 8 hex digits of SHA-256 of the key: it tells
//! which key to try without revealing it. New values are sealed with the
//! current key; older keys are kept for reading only. A value without the
//! `enc:` prefix was stored in clear by an earlier build and is read as it
//! is, until it is sealed when next written (or by `omni rotate-secrets`).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// Prefix of every sealed value, and of its format version.
const PREFIX: &str = "enc:v1:";
/// Length of a key, in bytes (AES-256).
pub const KEY_BYTES: usize = 32;

/// One key: its id and the cipher keyed with it.
#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
    /// Keys the HMAC of [`SecretKeys::fingerprints`]: derived from the key,
    /// so that the cipher's key itself is used for nothing else.
    mac: [u8; 32],
}

impl Key {
    fn new(bytes: &[u8; KEY_BYTES]) -> Self {
        let digest = Sha256::digest(bytes);
        let id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        let mac = Sha256::new()
            .chain_update(b"omni request fingerprint v1\n")
            .chain_update(bytes)
            .finalize()
            .into();
        Self {
            id,
            cipher: Aes256Gcm::new(bytes.into()),
            mac,
        }
    }
}

/// The keys secrets are sealed with (the current one) and opened with (the
/// current one and the old ones). Cheap to clone; never prints a key.
#[derive(Clone)]
pub struct SecretKeys {
    current: Arc<Key>,
    old: Arc<[Key]>,
}

impl fmt::Debug for SecretKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let old: Vec<&str> = self.old.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("SecretKeys")
            .field("current", &self.current.id)
            .field("old", &old)
            .finish()
    }
}

impl PartialEq for SecretKeys {
    /// Same key ids: the ids are digests of the keys.
    fn eq(&self, other: &Self) -> bool {
        self.current.id == other.current.id
            && self
                .old
                .iter()
                .map(|k| &k.id)
                .eq(other.old.iter().map(|k| &k.id))
    }
}

impl Default for SecretKeys {
    /// A random key that lives as long as the process: for tests and for
    /// servers built without settings. Anything sealed with it cannot be
    /// opened after a restart, so the binary always passes a kept key.
    fn default() -> Self {
        Self::new(&rand::random::<[u8; KEY_BYTES]>(), &[])
    }
}

/// Why a stored value could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error(
        "sealed with key {0}, which is neither OMNI_SECRETS_KEY nor one of OMNI_SECRETS_OLD_KEYS"
    )]
    UnknownKey(String),
    #[error("not a well-formed sealed value")]
    Malformed,
    #[error("does not decrypt with key {0} (altered, or another key with the same id)")]
    Altered(String),
}

impl SecretKeys {
    pub fn new(current: &[u8; KEY_BYTES], old: &[[u8; KEY_BYTES]]) -> Self {
        Self {
            current: Arc::new(Key::new(current)),
            old: old.iter().map(Key::new).collect(),
        }
    }

    /// Keys written as base64 of 32 bytes (what `openssl rand -base64 32`
    /// prints); `old` is comma-separated and may be empty. The error names
    /// the setting.
    pub fn from_base64(current: &str, old: &str) -> Result<Self, String> {
        let current = decode_key(current).map_err(|rule| format!("OMNI_SECRETS_KEY {rule}"))?;
        let mut olds = Vec::new();
        for (n, text) in old.split(',').map(str::trim).enumerate() {
            if text.is_empty() {
                continue;
            }
            olds.push(
                decode_key(text)
                    .map_err(|rule| format!("OMNI_SECRETS_OLD_KEYS (entry {}) {rule}", n + 1))?,
            );
        }
        Ok(Self::new(&current, &olds))
    }

    /// The id of the key new values are sealed with.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// `plain` sealed with the current key under a fresh random nonce.
    pub fn seal(&self, plain: &str) -> String {
        let nonce_bytes: [u8; 12] = rand::random();
        let nonce = Nonce::from(nonce_bytes);
        // Encryption fails only for inputs of more than 64 GiB; secrets are
        // at most a few hundred bytes.
        let sealed = match self.current.cipher.encrypt(&nonce, plain.as_bytes()) {
            Ok(bytes) => bytes,
            Err(_) => unreachable!("AES-GCM encrypts any input under 64 GiB"),
        };
        format!(
            "{PREFIX}{}:{}:{}",
            self.current.id,
            STANDARD.encode(nonce_bytes),
            STANDARD.encode(sealed)
        )
    }

    /// The secret a stored value holds: opened with the key it names, or
    /// the value itself when it was stored in clear by an earlier build.
    pub fn open(&self, stored: &str) -> Result<String, OpenError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let mut parts = rest.split(':');
        let (Some(id), Some(nonce), Some(body), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(OpenError::Malformed);
        };
        let key = std::iter::once(self.current.as_ref())
            .chain(self.old.iter())
            .find(|k| k.id == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_string()))?;
        let nonce = STANDARD.decode(nonce).map_err(|_| OpenError::Malformed)?;
        let nonce = <[u8; 12]>::try_from(nonce.as_slice()).map_err(|_| OpenError::Malformed)?;
        let body = STANDARD.decode(body).map_err(|_| OpenError::Malformed)?;
        let plain = key
            .cipher
            .decrypt(&Nonce::from(nonce), body.as_slice())
            .map_err(|_| OpenError::Altered(id.to_string()))?;
        String::from_utf8(plain).map_err(|_| OpenError::Malformed)
    }

    /// Like [`Self::open`], but a value in clear is refused: for values
    /// that only this server ever wrote sealed (the console's session
    /// cookie), where a value in clear can only be forged.
    pub fn open_sealed(&self, stored: &str) -> Result<String, OpenError> {
        if !stored.starts_with(PREFIX) {
            return Err(OpenError::Malformed);
        }
        self.open(stored)
    }

    /// Whether a stored value should be sealed again: it is in clear, or
    /// sealed with a key other than the current one.
    pub fn is_stale(&self, stored: &str) -> bool {
        match stored.strip_prefix(PREFIX) {
            None => true,
            Some(rest) => rest.split(':').next() != Some(self.current.id.as_str()),
        }
    }
}

impl SecretKeys {
    /// Keyed hashes (HMAC-SHA256) of `parts`, as `k1:<key id>:<hex>`: the
    /// first under the current key (the one to store), then one under each
    /// old key (to recognise what was stored before a rotation). Used where
    /// a request that may carry card data must be recognised later (the
    /// idempotency fingerprint): an unkeyed hash of a card number and CVV
    /// can be reversed by trying every one; this cannot without the key.
    pub fn fingerprints(&self, parts: &[&[u8]]) -> Vec<String> {
        std::iter::once(self.current.as_ref())
            .chain(self.old.iter())
            .map(|key| {
                // HMAC takes keys of any length, so this cannot fail.
                let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(&key.mac) {
                    Ok(mac) => mac,
                    Err(_) => unreachable!("HMAC accepts keys of every length"),
                };
                for part in parts {
                    mac.update(part);
                }
                let hex: String = mac
                    .finalize()
                    .into_bytes()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                format!("k1:{}:{hex}", key.id)
            })
            .collect()
    }
}

fn decode_key(text: &str) -> Result<[u8; KEY_BYTES], String> {
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| "must be base64 (e.g. `openssl rand -base64 32`)".to_string())?;
    <[u8; KEY_BYTES]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "must be base64 of exactly {KEY_BYTES} bytes (it decodes to {}); e.g. `openssl rand -base64 32`",
            bytes.len()
        )
    })
}

/// A new random key, as base64: what a development server keeps beside its
/// database.
pub fn new_key_base64() -> String {
    STANDARD.encode(rand::random::<[u8; KEY_BYTES]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_with_a_fresh_nonce_each_time() {
        let keys = SecretKeys::new(&[7; 32], &[]);
        let (a, b) = (keys.seal("s3cret-s3cret-16"), keys.seal("s3cret-s3cret-16"));
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("enc:v1:{}:", keys.current_id())));
        assert!(!a.contains("s3cret"));
        assert_eq!(keys.open(&a).as_deref(), Ok("s3cret-s3cret-16"));
        assert!(!keys.is_stale(&a));
    }

    #[test]
    fn key_id_is_the_first_8_hex_of_sha256() {
        let keys = SecretKeys::new(&[0; 32], &[]);
        // sha256 of 32 zero bytes: 66687aadf862bd77…
        assert_eq!(keys.current_id(), "66687aad");
    }

    #[test]
    fn clear_values_of_earlier_builds_are_read_as_they_are() {
        let keys = SecretKeys::new(&[7; 32], &[]);
        assert_eq!(
            keys.open("plain-secret-0123").as_deref(),
            Ok("plain-secret-0123")
        );
        assert!(keys.is_stale("plain-secret-0123"));
    }

    #[test]
    fn old_keys_open_and_unknown_or_altered_values_are_refused() {
        let a = SecretKeys::new(&[1; 32], &[]);
        let sealed = a.seal("secret-of-key-a!");
        let b = SecretKeys::new(&[2; 32], &[[1; 32]]);
        assert_eq!(b.open(&sealed).as_deref(), Ok("secret-of-key-a!"));
        assert!(b.is_stale(&sealed));
        let only_b = SecretKeys::new(&[2; 32], &[]);
        assert!(matches!(
            only_b.open(&sealed),
            Err(OpenError::UnknownKey(_))
        ));
        let mut altered = sealed.clone();
        let last = altered
            .pop()
            .map_or('A', |c| if c == 'A' { 'B' } else { 'A' });
        altered.push(last);
        assert!(a.open(&altered).is_err());
        assert_eq!(a.open("enc:v1:abc"), Err(OpenError::Malformed));
    }

    #[test]
    fn fingerprints_are_keyed_and_recognised_across_a_rotation() {
        let a = SecretKeys::new(&[1; 32], &[]);
        let b = SecretKeys::new(&[2; 32], &[[1; 32]]);
        let parts: [&[u8]; 2] = [b"POST\n/x\n", b"{\"card\":1}"];
        let under_a = a.fingerprints(&parts);
        assert_eq!(under_a.len(), 1);
        assert!(under_a[0].starts_with(&format!("k1:{}:", a.current_id())));
        let under_b = b.fingerprints(&parts);
        assert_eq!(under_b.len(), 2);
        assert_ne!(under_b[0], under_a[0]);
        assert_eq!(under_b[1], under_a[0], "an old key recognises its own");
        assert_ne!(a.fingerprints(&[b"POST\n/x\n", b"{}"])[0], under_a[0]);
    }

    #[test]
    fn keys_from_base64_name_the_setting() {
        let good = STANDARD.encode([3u8; 32]);
        assert!(SecretKeys::from_base64(&good, "").is_ok());
        assert!(SecretKeys::from_base64(&good, &format!(" {good} ,")).is_ok());
        let short = STANDARD.encode([3u8; 16]);
        let e = SecretKeys::from_base64(&short, "").unwrap_err();
        assert!(e.contains("OMNI_SECRETS_KEY") && e.contains("32"), "{e}");
        let e = SecretKeys::from_base64(&good, "%%").unwrap_err();
        assert!(e.contains("OMNI_SECRETS_OLD_KEYS"), "{e}");
    }
}
