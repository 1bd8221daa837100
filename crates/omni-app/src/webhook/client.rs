//! The HTTP client of every delivery, and how its failures are told.
//!
//! - Name resolution goes through [`GuardedResolver`], which drops every
//!   address the [`AddressPolicy`] refuses: the client connects only to the
//!   addresses that were checked, so a name that resolves to a public
//!   address at registration and to an internal one later gets nowhere.
//!   Address literals are not resolved; [`guard_literal`] checks them.
//! - HTTPS verifies certificates against the webpki roots plus the
//!   operator's own CA bundle (`OMNI_WEBHOOK_CA_FILE`), with rustls on
//!   `ring` (no system library needed).
//! - Proxy variables of the environment are ignored: a proxy would connect
//!   on Omni's behalf to addresses this check never sees.
//! - No redirects: a redirect could point anywhere.
//!
//! [`describe`] turns a failure into its class only (`connection refused`,
//! `timed out`, ...): neither the remote's answer nor socket details reach
//! `lastError`, so registering callbacks cannot be used to map a network.

use super::WebhookConfig;
use super::address::AddressPolicy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::error::Error as StdError;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

/// `lastError` when the address rule refused every address of the callback.
pub const POLICY_REFUSED: &str = "refused by the address policy";

/// The resolver error that carries a refusal, recognised by [`describe`].
#[derive(Debug)]
struct PolicyRefused;

impl std::fmt::Display for PolicyRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(POLICY_REFUSED)
    }
}

impl StdError for PolicyRefused {}

/// The system resolver, keeping only the addresses the policy allows.
struct GuardedResolver {
    policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            // The port is replaced by the URL's own; 0 is a placeholder.
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found
                .filter(|a| policy.check(Some(&host), a.ip()).is_ok())
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(PolicyRefused) as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Checks a callback whose host is an address literal (the resolver never
/// sees those) right before the request.
pub(super) fn guard_literal(policy: &AddressPolicy, url: &reqwest::Url) -> Result<(), String> {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let Ok(ip) = host.parse::<IpAddr>() else {
        return Ok(());
    };
    policy
        .check(None, ip)
        .map_err(|_| POLICY_REFUSED.to_string())
}

/// TLS for Omni's outgoing calls (webhooks, the identity provider's keys):
/// rustls on `ring`, certificates verified against the public webpki roots
/// plus `extra_roots` (DER), never switched off.
pub fn tls(extra_roots: &[Vec<u8>]) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for der in extra_roots {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| format!("a certificate of OMNI_WEBHOOK_CA_FILE is not usable: {e}"))?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("TLS setup: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// The client deliveries are made with.
pub fn build(config: &WebhookConfig) -> Result<reqwest::Client, String> {
    let tls = tls(&config.extra_roots)?;
    reqwest::Client::builder()
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver {
            policy: config.allow.clone(),
        }))
        .tls_backend_preconfigured(tls)
        .build()
        .map_err(|e| format!("the webhook HTTP client could not be built: {e}"))
}

/// The certificates of a PEM bundle (`OMNI_WEBHOOK_CA_FILE`), as DER.
pub fn read_ca_file(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("OMNI_WEBHOOK_CA_FILE {shown}: {e}"))?
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("OMNI_WEBHOOK_CA_FILE {shown}: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "OMNI_WEBHOOK_CA_FILE {shown} holds no PEM certificate"
        ));
    }
    Ok(certs)
}

/// The class of a failed request, for `lastError`.
pub(super) fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "timed out".into();
    }
    let mut refused = false;
    let mut tls = false;
    let mut io = None;
    walk(error, &mut |e| {
        if e.is::<PolicyRefused>() {
            refused = true;
        }
        if e.is::<rustls::Error>() {
            tls = true;
        }
        if let Some(i) = e.downcast_ref::<std::io::Error>() {
            io.get_or_insert(i.kind());
        }
    });
    if refused {
        return POLICY_REFUSED.into();
    }
    if tls {
        return "TLS failure".into();
    }
    use std::io::ErrorKind::*;
    match io {
        Some(ConnectionRefused) => "connection refused".into(),
        Some(TimedOut) => "timed out".into(),
        Some(ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof) => {
            "connection closed".into()
        }
        Some(HostUnreachable | NetworkUnreachable) => "host unreachable".into(),
        _ if error.is_connect() => "connection failed".into(),
        _ => "request failed".into(),
    }
}

/// Visits `error` and every error under it, including the ones an
/// `io::Error` wraps (its `source` skips over them).
fn walk(error: &(dyn StdError + 'static), visit: &mut dyn FnMut(&(dyn StdError + 'static))) {
    let mut at = Some(error);
    while let Some(e) = at {
        visit(e);
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            walk(inner, visit);
        }
        at = e.source();
    }
}
