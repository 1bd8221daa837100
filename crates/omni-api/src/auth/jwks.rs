//! The public keys of an OpenID Connect issuer: found through its discovery
//! document, fetched as a JWKS, cached by `kid`. An unknown `kid` refreshes
//! the set, but at most once per `min_refresh_interval`, so a flood of
//! tokens naming made-up keys cannot turn Omni into a load on the identity
//! provider.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Largest discovery document or JWKS read; real ones are a few KiB.
const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// One verification key and the only algorithms it may verify: those of its
/// key type (never HMAC, so a public key can never be used as a shared
/// secret), narrowed to its `alg` when the JWKS names one.
pub struct VerifyKey {
    pub key: DecodingKey,
    pub algorithms: Vec<Algorithm>,
}

/// Why no key was found for a token.
#[derive(Debug)]
pub enum KeyError {
    /// The issuer's key set is known and holds no such key.
    Unknown,
    /// The key set could not be fetched even once.
    Unavailable(String),
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, Arc<VerifyKey>>,
    fetched_at: Option<Instant>,
}

pub struct KeySet {
    issuer: String,
    /// `Err` when the client could not be built; every fetch then fails
    /// with that reason (tokens get 503, as when the issuer is unreachable).
    client: Result<reqwest::Client, String>,
    cache: RwLock<Cache>,
    /// When the last fetch was tried; serializes refreshes and spaces them.
    last_attempt: tokio::sync::Mutex<Option<Instant>>,
    min_refresh_interval: Duration,
    max_age: Duration,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
    #[serde(default)]
    authorization_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint: Option<String>,
}

/// Where the issuer's users sign in and where a code is exchanged for
/// tokens: the Omni Console's authorization-code flow.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

impl KeySet {
    pub fn new(
        issuer: String,
        min_refresh_interval: Duration,
        max_age: Duration,
        timeout: Duration,
    ) -> Self {
        // The same verified TLS as webhooks (public roots), so an https
        // issuer works; reqwest has no TLS provider of its own here.
        let client = omni_app::webhook::client::tls(&[]).and_then(|tls| {
            reqwest::Client::builder()
                .timeout(timeout)
                .tls_backend_preconfigured(tls)
                .build()
                .map_err(|e| format!("the identity provider's HTTP client: {e}"))
        });
        Self {
            issuer,
            client,
            cache: RwLock::new(Cache::default()),
            last_attempt: tokio::sync::Mutex::new(None),
            min_refresh_interval,
            max_age,
        }
    }

    /// The key `kid` names, refreshing the set when the key is unknown or the
    /// set is older than `max_age` (both at most once per interval).
    pub async fn key(&self, kid: &str) -> Result<Arc<VerifyKey>, KeyError> {
        let (found, fresh) = self.cached(kid);
        match &found {
            Some(key) if fresh => return Ok(key.clone()),
            // A known key in an old set: refresh if no one else is, but do
            // not make every request queue behind the fetch.
            Some(key) => {
                if let Ok(last) = self.last_attempt.try_lock() {
                    self.refresh_locked(last).await;
                }
                // After a successful refresh the set is fresh and is the
                // truth (a key it lacks was removed); after a failed one,
                // or while another request refreshes, the stale key still
                // verifies: an identity provider that is down should not
                // lock everyone out.
                let (after, fresh_now) = self.cached(kid);
                return match after {
                    Some(key) => Ok(key),
                    None if fresh_now => Err(KeyError::Unknown),
                    None => Ok(key.clone()),
                };
            }
            None => {}
        }
        self.refresh().await;
        if let (Some(key), _) = self.cached(kid) {
            return Ok(key);
        }
        let fetched = self
            .cache
            .read()
            .map(|c| c.fetched_at.is_some())
            .unwrap_or(false);
        if fetched {
            Err(KeyError::Unknown)
        } else {
            Err(KeyError::Unavailable(format!(
                "the identity provider's keys ({}) could not be fetched; try again later",
                self.issuer
            )))
        }
    }

    fn cached(&self, kid: &str) -> (Option<Arc<VerifyKey>>, bool) {
        match self.cache.read() {
            Ok(cache) => (
                cache.keys.get(kid).cloned(),
                cache.fetched_at.is_some_and(|t| t.elapsed() < self.max_age),
            ),
            Err(_) => (None, false),
        }
    }

    /// Fetches the key set unless a fetch was tried within the interval.
    /// Concurrent callers wait for one fetch instead of each starting one.
    pub async fn refresh(&self) {
        let last = self.last_attempt.lock().await;
        self.refresh_locked(last).await;
    }

    async fn refresh_locked(&self, mut last: tokio::sync::MutexGuard<'_, Option<Instant>>) {
        if last.is_some_and(|t| t.elapsed() < self.min_refresh_interval) {
            return;
        }
        *last = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => {
                tracing::info!(issuer = %self.issuer, keys = keys.len(), "identity provider keys fetched");
                if let Ok(mut cache) = self.cache.write() {
                    cache.keys = keys;
                    cache.fetched_at = Some(Instant::now());
                }
            }
            Err(error) => {
                tracing::warn!(issuer = %self.issuer, %error, "could not fetch the identity provider's keys");
            }
        }
    }

    /// The issuer's discovery document, checked to be its own.
    async fn discovery(&self) -> Result<Discovery, String> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&url).await?;
        // OpenID Connect Discovery 1.0, section 4.3: a document that names
        // another issuer must not be used (it may be an impostor's).
        if discovery.issuer != self.issuer {
            return Err(format!(
                "{url} names the issuer '{}', not '{}'",
                discovery.issuer, self.issuer
            ));
        }
        Ok(discovery)
    }

    /// The issuer's authorization and token endpoints, read from its
    /// discovery document each time (a sign-in is rare; an issuer that
    /// moves its endpoints is followed at once).
    pub async fn endpoints(&self) -> Result<Endpoints, String> {
        let discovery = self.discovery().await?;
        match (discovery.authorization_endpoint, discovery.token_endpoint) {
            (Some(authorization), Some(token)) => Ok(Endpoints {
                authorization,
                token,
            }),
            _ => Err(format!(
                "the issuer {} names no authorization_endpoint or token_endpoint",
                self.issuer
            )),
        }
    }

    /// POSTs `form` to `url` (the token endpoint) and reads the JSON answer,
    /// with the same client, timeout and size bound as the key fetches. An
    /// error answer's `error` and `error_description` are in the message.
    pub async fn post_form(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<serde_json::Value, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = client
            .post(url)
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST {url}: {e}"))?;
        let status = response.status();
        let answer: serde_json::Value = read_json(response, url).await?;
        if !status.is_success() {
            let what = |k: &str| {
                answer
                    .get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            return Err(format!(
                "POST {url}: status {status} {} {}",
                what("error"),
                what("error_description")
            ));
        }
        Ok(answer)
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<VerifyKey>>, String> {
        let discovery = self.discovery().await?;
        let set: RawSet = self.get_json(&discovery.jwks_uri).await?;
        let mut keys = HashMap::new();
        for value in set.keys {
            // One key Omni cannot use (an encryption key, an unknown type)
            // must not cost it the others.
            let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
                continue;
            };
            if let (Some(kid), Some(key)) = (jwk.common.key_id.clone(), verify_key(&jwk)) {
                keys.insert(kid, Arc::new(key));
            }
        }
        Ok(keys)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let client = self.client.as_ref().map_err(Clone::clone)?;
        let response = client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("GET {url}: status {}", response.status()));
        }
        read_json(response, url).await
    }
}

/// A response's JSON body, read at most [`MAX_DOCUMENT_BYTES`].
async fn read_json<T: serde::de::DeserializeOwned>(
    mut response: reqwest::Response,
    url: &str,
) -> Result<T, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err(format!("{url}: larger than {MAX_DOCUMENT_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| format!("{url}: {e}"))
}

/// The key a JWK describes and the algorithms it may verify, or `None` for a
/// key that must not verify signatures (encryption keys, symmetric keys).
fn verify_key(jwk: &Jwk) -> Option<VerifyKey> {
    if jwk.common.public_key_use == Some(PublicKeyUse::Encryption) {
        return None;
    }
    let by_type: &[Algorithm] = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => &[
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => &[Algorithm::ES256],
            EllipticCurve::P384 => &[Algorithm::ES384],
            _ => return None,
        },
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            &[Algorithm::EdDSA]
        }
        // A symmetric key published in a JWKS is public: anyone could sign
        // with it.
        _ => return None,
    };
    let algorithms: Vec<Algorithm> = match jwk.common.key_algorithm {
        None => by_type.to_vec(),
        Some(named) => by_type
            .iter()
            .copied()
            .filter(|a| key_algorithm(*a) == Some(named))
            .collect(),
    };
    if algorithms.is_empty() {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(VerifyKey { key, algorithms })
}

fn key_algorithm(a: Algorithm) -> Option<KeyAlgorithm> {
    Some(match a {
        Algorithm::RS256 => KeyAlgorithm::RS256,
        Algorithm::RS384 => KeyAlgorithm::RS384,
        Algorithm::RS512 => KeyAlgorithm::RS512,
        Algorithm::PS256 => KeyAlgorithm::PS256,
        Algorithm::PS384 => KeyAlgorithm::PS384,
        Algorithm::PS512 => KeyAlgorithm::PS512,
        Algorithm::ES256 => KeyAlgorithm::ES256,
        Algorithm::ES384 => KeyAlgorithm::ES384,
        Algorithm::EdDSA => KeyAlgorithm::EdDSA,
        _ => return None,
    })
}
