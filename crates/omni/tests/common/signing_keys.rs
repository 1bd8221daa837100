//! Fixed test-only signing keys of an identity provider (`fixtures/oidc-*.pem`,
//! made with openssl for these tests and nothing else) and the JWKs that
//! publish them: the OpenID tests and the console's single sign-on test.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(path).expect("fixture")
}

/// The DER inside a PEM file (the build has no PEM parser).
pub fn der(name: &str) -> Vec<u8> {
    let text = String::from_utf8(fixture(name)).expect("utf8");
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("base64")
}

/// A signing key and the JWK that publishes its public half.
pub struct Key {
    pub kid: &'static str,
    pub alg: Algorithm,
    pub encoding: EncodingKey,
}

impl Key {
    pub fn rsa(kid: &'static str, file: &str) -> Self {
        Self {
            kid,
            alg: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_der(&der(file)),
        }
    }

    pub fn ec(kid: &'static str) -> Self {
        Self {
            kid,
            alg: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(&der("oidc-ec.pem")),
        }
    }

    pub fn ed(kid: &'static str) -> Self {
        Self {
            kid,
            alg: Algorithm::EdDSA,
            encoding: EncodingKey::from_ed_der(&der("oidc-ed25519.pem")),
        }
    }

    pub fn jwk(&self) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.encoding, self.alg).expect("jwk");
        jwk.common.key_id = Some(self.kid.to_string());
        jwk
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.to_string());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign")
    }
}
