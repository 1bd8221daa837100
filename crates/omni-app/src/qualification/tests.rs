//! The use cases without HTTP, as the browser console will call them: the
//! answer is dated by the context's clock, stored with its event, owned by
//! the customer who asked and hidden from everyone else but staff.

use super::{POQ, SQ, answers, poq, sq};
use crate::clock::ManualClock;
use crate::context::{AppConfig, Context};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use omni_core::{AccessError, Principal, PrincipalKind};
use serde_json::json;
use std::sync::Arc;

fn who(kind: PrincipalKind, subject: &str, roles: &[&str]) -> Principal {
    Principal {
        kind,
        subject: Some(subject.into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        tenant: "t".into(),
        client_id: None,
    }
}

async fn context(at: DateTime<Utc>) -> Context {
    let store = omni_store::testing::fresh_store().await;
    Context::with_clock(store, AppConfig::default(), Arc::new(ManualClock::new(at)))
}

#[tokio::test]
async fn answers_are_dated_stored_and_scoped_to_who_asked() {
    let at = DateTime::parse_from_rfc3339("2030-05-06T07:08:09Z")
        .map(|t| t.with_timezone(&Utc))
        .expect("time");
    let ctx = context(at).await;
    let alice = who(PrincipalKind::Customer, "alice", &[]);
    let bob = who(PrincipalKind::Customer, "bob", &[]);
    let staff = who(PrincipalKind::User, "agent", &["sc.view"]);

    let question = json!({"channel": {"id": "ECOMM"},
        "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "nope"}}]});
    let answer = poq::create(&ctx, &alice, question, Some("conv-1"))
        .await
        .expect("answer");
    assert_eq!(answer.version, 1);
    assert_eq!(answer.body["creationDate"], "2030-05-06T07:08:09.000Z");
    assert_eq!(answer.body["qualificationResult"], "unqualified");
    let id = answer.body["id"].as_str().expect("id").to_string();

    let events = ctx.store.outbox_after(0, 10).await.expect("outbox");
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].event.event_type,
        "ProductOfferingQualificationCreateEvent"
    );
    assert_eq!(events[0].event.payload["correlationId"], "conv-1");

    let none: &[(String, String)] = &[];
    let mine = answers::get(&ctx, POQ, &alice, &id, none).await;
    assert_eq!(mine.map(|a| a.body).ok(), Some(answer.body.clone()));
    assert!(matches!(
        answers::get(&ctx, POQ, &bob, &id, none).await,
        Err(AppError::NotFound { .. })
    ));
    assert_eq!(
        answers::list(&ctx, POQ, &bob, none)
            .await
            .map(|p| p.total)
            .ok(),
        Some(0)
    );
    assert_eq!(
        answers::list(&ctx, POQ, &staff, none)
            .await
            .map(|p| p.total)
            .ok(),
        Some(1)
    );
    // A POQ answer is not an SQ answer.
    assert!(matches!(
        answers::get(&ctx, SQ, &staff, &id, none).await,
        Err(AppError::NotFound { .. })
    ));
}

#[tokio::test]
async fn who_may_not_ask_or_read_is_told_before_anything_is_read() {
    let ctx = context(Utc::now()).await;
    let staff = who(PrincipalKind::User, "agent", &["sc.view"]);
    let other = who(PrincipalKind::M2m, "system", &["catalog.admin"]);
    // Nonsense bodies: the role is checked first.
    for answer in [
        poq::create(&ctx, &staff, json!("nonsense"), None).await,
        sq::create(&ctx, &staff, json!("nonsense"), None).await,
    ] {
        assert!(matches!(
            answer,
            Err(AppError::Access(AccessError::MissingRole(_)))
        ));
    }
    let read = answers::list(&ctx, SQ, &other, &[]).await;
    assert!(
        matches!(read, Err(AppError::Forbidden(m)) if m == "missing role 'sc.view' (or 'sc.ops')")
    );
    let prospect = Principal::unauthenticated("t");
    let read = answers::list(&ctx, SQ, &prospect, &[("limit".into(), "x".into())]).await;
    assert!(matches!(
        read,
        Err(AppError::Access(AccessError::Unauthenticated))
    ));
}
