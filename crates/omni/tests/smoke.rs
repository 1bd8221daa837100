mod common;

use common::TestServer;

#[tokio::test]
async fn health_ready_and_docs() {
    let s = TestServer::start().await;
    let health = s.client.get(s.url("/health")).send().await.expect("send");
    assert_eq!(health.status(), 200);
    let ready: serde_json::Value = s
        .client
        .get(s.url("/ready"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["database"], omni_store::testing::backend());
    let docs = s.client.get(s.url("/docs/")).send().await.expect("send");
    assert_eq!(docs.status(), 200);
    let api: serde_json::Value = s
        .client
        .get(s.url("/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(api["openapi"], "3.1.0");
    assert!(
        api["paths"]["/tmf-api/productCatalogManagement/v4/productOffering"]["post"].is_object()
    );
}
