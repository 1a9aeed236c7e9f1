//! The tower layer that resolves each request's tenant and runs the rest of the request inside
//! that tenant's scope. The scope ends with the request's future: nothing survives it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::{Request, StatusCode};
use tower::{Layer, Service};
use tracing::Instrument;

use crate::resolve::ResolveTenant;
use crate::{ApiError, Tenant};

/// Resolves the tenant of every request with a [`ResolveTenant`], then runs the inner service
/// inside [`multitenant::scope`] and a tracing span carrying the tenant, with the key in the
/// request's extensions (read it with the [`Tenant`] extractor). A request whose tenant cannot
/// be resolved gets a JSON error ([`TenantLayer::on_missing`], 403 by default) and the inner
/// service never sees it.
///
/// ```
/// use axum::{routing::get, Router};
/// use multitenant_axum::resolve::Header;
/// use multitenant_axum::{Tenant, TenantLayer};
///
/// let app: Router = Router::new()
///     .route("/whoami", get(|Tenant(key): Tenant| async move { key.to_string() }))
///     .layer(TenantLayer::new(Header::new("x-account-id")));
/// ```
#[derive(Clone, Debug)]
pub struct TenantLayer<R> {
    resolver: R,
    missing: ApiError,
}

impl<R: ResolveTenant> TenantLayer<R> {
    /// A layer resolving with `resolver`.
    ///
    /// ```
    /// use multitenant_axum::{TenantLayer, resolve::Header};
    /// let layer = TenantLayer::new(Header::new("x-tenant"));
    /// # let _ = layer;
    /// ```
    pub fn new(resolver: R) -> Self {
        TenantLayer {
            resolver,
            missing: ApiError::forbidden("tenant_required", "this request names no tenant"),
        }
    }

    /// The status of the error sent when no resolver names a tenant (401, 403 or 404 usually).
    ///
    /// ```
    /// use multitenant_axum::{TenantLayer, resolve::Header};
    /// let layer = TenantLayer::new(Header::new("x-tenant")).on_missing(http::StatusCode::NOT_FOUND);
    /// # let _ = layer;
    /// ```
    pub fn on_missing(mut self, status: StatusCode) -> Self {
        self.missing = self.missing.with_status(status);
        self
    }

    /// The whole error sent when no resolver names a tenant.
    ///
    /// ```
    /// use multitenant_axum::{ApiError, TenantLayer, resolve::Header};
    /// let layer = TenantLayer::new(Header::new("x-tenant"))
    ///     .on_missing_reject(ApiError::forbidden("no_account", "create an account first"));
    /// # let _ = layer;
    /// ```
    pub fn on_missing_reject(mut self, rejection: ApiError) -> Self {
        self.missing = rejection;
        self
    }
}

impl<S, R: ResolveTenant> Layer<S> for TenantLayer<R> {
    type Service = TenantService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        TenantService {
            inner,
            resolver: self.resolver.clone(),
            missing: self.missing.clone(),
        }
    }
}

/// The service of [`TenantLayer`].
#[derive(Clone, Debug)]
pub struct TenantService<S, R> {
    inner: S,
    resolver: R,
    missing: ApiError,
}

impl<S, R> Service<Request<Body>> for TenantService<S, R>
where
    S: Service<Request<Body>, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
    R: ResolveTenant,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        // The clone that was driven ready goes with this request; a fresh clone stays.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let resolver = self.resolver.clone();
        let missing = self.missing.clone();
        Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let key = match resolver.resolve(&parts).await {
                Ok(Some(key)) => key,
                Ok(None) => return Ok(missing.into_response()),
                Err(rejection) => return Ok(rejection.into_response()),
            };
            parts.extensions.insert(Tenant(key.clone()));
            let span = tracing::info_span!("tenant", tenant = %key);
            let req = Request::from_parts(parts, body);
            multitenant::scope(key, inner.call(req))
                .instrument(span)
                .await
        })
    }
}
