//! The tenant layer over a real HTTP server on 127.0.0.1.

use std::time::Duration;

use axum::{Router, routing::get};
use multitenant::{KeyKind, TenantKey};
use multitenant_axum::resolve::{Header, PathSegment, ResolveTenant, Subdomain, from_fn};
use multitenant_axum::{ApiError, Tenant, TenantLayer};
use multitenant_test_support::WatchedServer;
use serde_json::Value;

/// Reports the tenant seen by the extractor and by the task-local scope, after yielding so
/// concurrent requests interleave.
async fn whoami(Tenant(key): Tenant) -> String {
    tokio::time::sleep(Duration::from_millis(1)).await;
    let ambient = multitenant::current_tenant()
        .map(|k| k.to_string())
        .unwrap_or_default();
    format!("{key}/{ambient}")
}

/// `app` served under watch: the test fails if it answers a 5xx it did not expect or a server
/// thread panics.
async fn serve(app: Router) -> WatchedServer {
    WatchedServer::start(app).await
}

fn app<R: ResolveTenant>(resolver: R) -> Router {
    Router::new()
        .route("/whoami", get(whoami))
        .route("/t/{tenant}/whoami", get(whoami))
        .layer(TenantLayer::new(resolver))
        .route(
            "/outside",
            get(|| async { format!("{:?}", multitenant::current()) }),
        )
}

#[tokio::test]
async fn header_resolver() {
    let base = serve(app(Header::new("x-account-id"))).await;
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{base}/whoami"))
        .header("x-account-id", "42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "42/42");

    let bad = c
        .get(format!("{base}/whoami"))
        .header("x-account-id", "4x2")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_tenant");

    let none = c.get(format!("{base}/whoami")).send().await.unwrap();
    assert_eq!(none.status(), 403);
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], "tenant_required");

    // Routes outside the layer run with no tenant, and nothing is left set by earlier requests.
    let outside = c.get(format!("{base}/outside")).send().await.unwrap();
    assert_eq!(outside.text().await.unwrap(), "None");
}

#[tokio::test]
async fn subdomain_resolver_parses_or_looks_up() {
    let base = serve(app(Subdomain::new("saas.test"))).await;
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{base}/whoami"))
        .header("host", "acme.saas.test:8000")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "acme/acme");
    let apex = c
        .get(format!("{base}/whoami"))
        .header("host", "saas.test")
        .send()
        .await
        .unwrap();
    assert_eq!(apex.status(), 403);
    let other = c
        .get(format!("{base}/whoami"))
        .header("host", "acme.other.test")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);

    let looked_up = Subdomain::new("saas.test").lookup(|label| async move {
        match label.as_str() {
            "acme" => Ok(Some(TenantKey::Int(7))),
            _ => Err(ApiError::new(
                http::StatusCode::NOT_FOUND,
                "unknown_tenant",
                format!("no tenant {label}"),
            )),
        }
    });
    let base = serve(app(looked_up)).await;
    let r = c
        .get(format!("{base}/whoami"))
        .header("host", "ACME.saas.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.text().await.unwrap(), "7/7");
    let missing = c
        .get(format!("{base}/whoami"))
        .header("host", "zed.saas.test")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn path_segment_resolver() {
    let base = serve(app(PathSegment::new(1).kind(KeyKind::BigInt))).await;
    let c = reqwest::Client::new();
    let r = c.get(format!("{base}/t/9/whoami")).send().await.unwrap();
    assert_eq!(r.text().await.unwrap(), "9/9");
    let bad = c.get(format!("{base}/t/nine/whoami")).send().await.unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn function_resolver_and_composition() {
    let by_token = from_fn(|parts: http::request::Parts| async move {
        match parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        {
            None => Ok(None),
            Some("Bearer good") => Ok(Some(TenantKey::Int(5))),
            Some(_) => Err(ApiError::unauthorized(
                "bad_token",
                "the token is not valid",
            )),
        }
    });
    let resolver = Header::new("x-account-id").or(by_token);
    let layer = TenantLayer::new(resolver).on_missing(http::StatusCode::UNAUTHORIZED);
    let base = serve(Router::new().route("/whoami", get(whoami)).layer(layer)).await;
    let c = reqwest::Client::new();
    let header_first = c
        .get(format!("{base}/whoami"))
        .header("x-account-id", "1")
        .header("authorization", "Bearer good")
        .send()
        .await
        .unwrap();
    assert_eq!(header_first.text().await.unwrap(), "1/1");
    let token = c
        .get(format!("{base}/whoami"))
        .header("authorization", "Bearer good")
        .send()
        .await
        .unwrap();
    assert_eq!(token.text().await.unwrap(), "5/5");
    let bad = c
        .get(format!("{base}/whoami"))
        .header("authorization", "Bearer nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"]["code"],
        "bad_token"
    );
    let none = c.get(format!("{base}/whoami")).send().await.unwrap();
    assert_eq!(none.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_never_see_each_others_tenant() {
    let base = serve(app(Header::new("x-account-id"))).await;
    let c = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..400_i64 {
        let c = c.clone();
        let url = format!("{base}/whoami");
        tasks.push(tokio::spawn(async move {
            let tenant = i % 50;
            let body = c
                .get(url)
                .header("x-account-id", tenant.to_string())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            (tenant, body)
        }));
    }
    for t in tasks {
        let (tenant, body) = t.await.unwrap();
        assert_eq!(body, format!("{tenant}/{tenant}"));
    }
}

#[tokio::test]
async fn tenant_extractor_without_layer_is_a_clear_error() {
    let base = serve(Router::new().route("/whoami", get(whoami))).await;
    // A programming error of the router's author: the one 500 this test provokes.
    base.answers.expect(500);
    let r = reqwest::get(format!("{base}/whoami")).await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "tenant_layer_missing"
    );
}
