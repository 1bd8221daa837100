//! Black-box test support: the real application on an ephemeral port, on the
//! backend `OMNI_TEST_BACKEND` names, called with a real HTTP client.
#![allow(dead_code)]

pub mod process;
pub mod receiver;
pub mod signing_keys;

use omni_api::auth::{Auth, Claims};
use omni_api::state::{ApiConfig, AppState};
use omni_core::PrincipalKind;
use omni_store::Store;
use std::sync::Arc;

pub const SECRET: &[u8] = b"test-secret";
pub const CATALOG: &str = "/tmf-api/productCatalogManagement/v4";
pub const PRODUCT_ORDERS: &str = "/tmf-api/productOrderingManagement/v4/productOrder";

/// A TMF622 product order the demo data accepts (issue 16: product orders
/// are checked like captured ones): a new line for Jordan Rivera
/// (`cust-1001`, billing account 556165899573) with the Unlimited Premium
/// plan and a physical SIM, sold online. Its `requestedStartDate` is far
/// ahead, so the order worker leaves it `acknowledged`: tests of the
/// resource itself (states, ETags, events) move it as they please. Tests
/// of fulfilment remove the date.
pub fn product_order() -> serde_json::Value {
    serde_json::json!({
        "externalId": "ECOMM-1",
        "requestedStartDate": "2099-01-01T00:00:00Z",
        "channel": [{"id": "ECOMM", "name": "Online store"}],
        "relatedParty": [{"id": "cust-1001", "role": "customer", "@referredType": "Individual"}],
        "billingAccount": {"id": "556165899573"},
        "productOrderItem": [
            {"id": "1", "action": "add", "quantity": 1,
             "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca", "name": "Unlimited Premium"}},
            {"id": "2", "action": "add", "quantity": 1,
             "productOffering": {"id": "790650ec-b512-4bee-ae7f-535668eadf1b", "name": "Physical SIM Card"},
             "productOrderItemRelationship": [{"id": "1", "relationshipType": "reliesOn"}]},
        ],
    })
}

/// Makes `ring` the process's TLS provider: reqwest is built without one
/// of its own (Omni configures its webhook client explicitly), so a plain
/// client needs one installed first.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A plain HTTP client for calling the server.
pub fn http_client() -> reqwest::Client {
    install_crypto();
    reqwest::Client::new()
}

/// `config`, with loopback allowed for webhooks when it allows nothing.
pub fn loopback_allowed(mut config: ApiConfig) -> ApiConfig {
    if config.app.webhooks.allow.is_empty() {
        config.app.webhooks.allow =
            omni_app::webhook::AddressPolicy::parse("127.0.0.0/8").expect("allow-list");
    }
    config
}

pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    /// The application state, for warming its caches.
    pub state: AppState,
    auth: Auth,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(ApiConfig::default()).await
    }

    /// With `config`; webhooks may reach loopback (where test subscribers
    /// listen) unless the config names its own allow-list.
    pub async fn start_with(config: ApiConfig) -> Self {
        Self::start_inner(loopback_allowed(config), true, Auth::new(SECRET, "default")).await
    }

    /// A server whose tokens are verified by `auth` (e.g. an identity
    /// provider's); [`Self::token`] still mints with [`SECRET`].
    pub async fn start_with_auth(auth: Auth) -> Self {
        Self::start_inner(loopback_allowed(ApiConfig::default()), true, auth).await
    }

    /// With `config` exactly as given: an empty webhook allow-list stays
    /// empty (the address rule's tests).
    pub async fn start_exactly(config: ApiConfig) -> Self {
        Self::start_inner(config, true, Auth::new(SECRET, "default")).await
    }

    /// A server whose background workers do not run, with `config`
    /// exactly as given.
    pub async fn start_without_workers(config: ApiConfig) -> Self {
        Self::start_inner(config, false, Auth::new(SECRET, "default")).await
    }

    /// Another server (with workers) on this one's database, with `config`
    /// exactly as given, except that it shares this server's keys of sealed
    /// secrets, as nodes of one database must.
    pub async fn sibling(&self, mut config: ApiConfig) -> Self {
        config.app.secrets = self.state.ctx.config.secrets.clone();
        Self::serve(
            self.store.clone(),
            config,
            true,
            Auth::new(SECRET, "default"),
        )
        .await
    }

    /// A demo server whose background workers do not run, so a test can
    /// play a worker's part (or a crashed worker's) itself.
    pub async fn start_demo_without_workers() -> Self {
        Self::start_demo_without_workers_with(ApiConfig::default()).await
    }

    /// As [`Self::start_demo_without_workers`], with `config` (e.g. a small
    /// number of job attempts).
    pub async fn start_demo_without_workers_with(config: ApiConfig) -> Self {
        let server = Self::start_inner(
            loopback_allowed(config),
            false,
            Auth::new(SECRET, "default"),
        )
        .await;
        server.load_demo().await;
        server
    }

    async fn start_inner(config: ApiConfig, workers: bool, server_auth: Auth) -> Self {
        let store = omni_store::testing::fresh_store().await;
        Self::serve(store, config, workers, server_auth).await
    }

    /// A server on an existing database, as after a restart (e.g. with
    /// other settings; webhooks may reach loopback as in [`Self::start_with`]);
    /// `workers` as in [`Self::start_demo_without_workers`].
    pub async fn start_on(store: Arc<dyn Store>, config: ApiConfig, workers: bool) -> Self {
        Self::serve(
            store,
            loopback_allowed(config),
            workers,
            Auth::new(SECRET, "default"),
        )
        .await
    }

    /// A server whose tokens are verified by `auth`, with the console
    /// configured by `console` (its single sign-on).
    pub async fn start_with_console(auth: Auth, console: omni_console::ConsoleConfig) -> Self {
        let store = omni_store::testing::fresh_store().await;
        let config = loopback_allowed(ApiConfig::default());
        Self::serve_with_console(store, config, true, auth, console).await
    }

    async fn serve(
        store: Arc<dyn Store>,
        config: ApiConfig,
        workers: bool,
        server_auth: Auth,
    ) -> Self {
        let console = omni_console::ConsoleConfig::default();
        Self::serve_with_console(store, config, workers, server_auth, console).await
    }

    async fn serve_with_console(
        store: Arc<dyn Store>,
        mut config: ApiConfig,
        workers: bool,
        server_auth: Auth,
        console: omni_console::ConsoleConfig,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.app.public_url = format!("http://{addr}");
        let auth = Auth::new(SECRET, "default");
        let state = AppState::new(store.clone(), server_auth, config);
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        // The sender lives as long as the runtime: the refresher stops with the test.
        std::mem::forget(_stop);
        if workers {
            omni_app::workers::spawn(&state.ctx, stopped);
        }
        let app = omni_console::app_with(state.clone(), console);
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            base: format!("http://{addr}"),
            client: http_client(),
            store,
            state,
            auth,
        }
    }

    /// A server whose database holds the repository's demo data (`data/`),
    /// with its discovery index already built.
    pub async fn start_with_demo() -> Self {
        let server = Self::start().await;
        server.load_demo().await;
        server
    }

    pub async fn load_demo(&self) {
        self.load_demo_into("default").await;
    }

    /// The demo data in `tenant` too (each tenant has its own catalog and
    /// inventory), caches warmed.
    pub async fn load_demo_into(&self, tenant: &str) {
        let server = self;
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
        omni::load::load_dir(server.store.as_ref(), &data, tenant)
            .await
            .expect("load the demo data");
        omni_app::workers::warm_up(&server.state.ctx)
            .await
            .expect("build the index and caches");
    }

    /// Builds this server's catalog index and caches from its database now
    /// (a sibling on a database another server loaded).
    pub async fn warm(&self) {
        omni_app::workers::warm_up(&self.state.ctx)
            .await
            .expect("build the index and caches");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A bearer token for a principal of `kind` with `roles` in `tenant`.
    pub fn token(&self, kind: PrincipalKind, roles: &[&str], tenant: &str) -> String {
        self.token_for(&format!("{}-subject", kind.as_str()), kind, roles, tenant)
    }

    /// As [`Self::token`], for the principal `subject` (e.g. a customer's party id).
    pub fn token_for(
        &self,
        subject: &str,
        kind: PrincipalKind,
        roles: &[&str],
        tenant: &str,
    ) -> String {
        let now = chrono::Utc::now().timestamp();
        self.auth
            .mint(&Claims {
                sub: subject.to_string(),
                kind,
                roles: roles.iter().map(|r| r.to_string()).collect(),
                tenant: tenant.into(),
                client_id: None,
                iat: now,
                exp: now + 3600,
            })
            .expect("mint")
    }

    /// As [`Self::token`], valid for `seconds` only.
    pub fn token_expiring_in(
        &self,
        kind: PrincipalKind,
        roles: &[&str],
        tenant: &str,
        seconds: i64,
    ) -> String {
        let now = chrono::Utc::now().timestamp();
        self.auth
            .mint(&Claims {
                sub: format!("{}-subject", kind.as_str()),
                kind,
                roles: roles.iter().map(|r| r.to_string()).collect(),
                tenant: tenant.into(),
                client_id: None,
                iat: now,
                exp: now + seconds,
            })
            .expect("mint")
    }

    /// A care token (m2m, role `care.ops`, tenant `default`) acting for the
    /// care client `client`: calls must send it as `X-ATT-ClientId`.
    pub fn care_token(&self, client: &str) -> String {
        let now = chrono::Utc::now().timestamp();
        self.auth
            .mint(&Claims {
                sub: format!("care-{client}"),
                kind: PrincipalKind::M2m,
                roles: vec!["care.ops".into()],
                tenant: "default".into(),
                client_id: Some(client.into()),
                iat: now,
                exp: now + 3600,
            })
            .expect("mint")
    }

    pub fn admin(&self) -> String {
        self.token(PrincipalKind::User, &["catalog.admin"], "default")
    }

    pub async fn create(
        &self,
        kind: &str,
        token: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let resp = self
            .client
            .post(self.url(&format!("{CATALOG}/{kind}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), 201, "create {kind}");
        resp.json().await.expect("json")
    }
}
