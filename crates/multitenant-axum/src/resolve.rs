//! Tenant resolvers: how a request names its tenant. Each looks at the request's head and says
//! "this tenant", "not named here" (`Ok(None)`, so a composed resolver tries the next), or
//! rejects the request outright. Reading a key out of a header value, a host name or a path is
//! [`multitenant::resolve`]'s, shared with other web frameworks; this module finds that text
//! in an axum request.
//!
//! ```
//! use multitenant_axum::resolve::{Header, ResolveTenant, Subdomain};
//! use multitenant_axum::TenantLayer;
//!
//! // The header wins; otherwise the subdomain.
//! let layer = TenantLayer::new(Header::new("x-account-id").or(Subdomain::new("example.com")));
//! # let _ = layer;
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;
use multitenant::{KeyKind, TenantKey};

use crate::ApiError;

/// What a resolver yields: a tenant, no tenant named here, or an error sent as the response.
pub type Resolution = Result<Option<TenantKey>, ApiError>;

/// A boxed, sendable future of a [`Resolution`].
pub type ResolveFuture = Pin<Box<dyn Future<Output = Resolution> + Send>>;

/// Resolves the tenant of a request from its head.
///
/// ```
/// use multitenant_axum::resolve::{Header, ResolveTenant, Subdomain};
///
/// // The header wins; otherwise the subdomain.
/// let resolver = Header::new("x-account-id").or(Subdomain::new("example.com"));
/// # let _ = resolver;
/// ```
pub trait ResolveTenant: Clone + Send + Sync + 'static {
    /// Looks at the request head.
    fn resolve(&self, parts: &Parts) -> ResolveFuture;

    /// Tries `self`, then `other` when `self` finds no tenant.
    ///
    /// ```
    /// use multitenant_axum::resolve::{Header, PathSegment, ResolveTenant};
    /// let r = Header::new("x-tenant").or(PathSegment::new(1));
    /// # let _ = r;
    /// ```
    fn or<R: ResolveTenant>(self, other: R) -> Or<Self, R> {
        Or {
            first: self,
            second: other,
        }
    }
}

fn ready(r: Resolution) -> ResolveFuture {
    Box::pin(std::future::ready(r))
}

/// The tenant named by a request header, e.g. `X-Account-Id: 42`. A request giving the header
/// more than once is refused (400, `invalid_tenant`).
///
/// ```
/// use multitenant::KeyKind;
/// let r = multitenant_axum::resolve::Header::new("x-account-id").kind(KeyKind::Uuid);
/// # let _ = r;
/// ```
#[derive(Clone, Debug)]
pub struct Header {
    name: http::HeaderName,
    kind: KeyKind,
}

impl Header {
    /// Reads the header `name`; keys are `bigint` unless [`Header::kind`] says otherwise.
    /// Panics if `name` is not a valid header name (a programming error).
    ///
    /// ```
    /// let r = multitenant_axum::resolve::Header::new("x-account-id");
    /// # let _ = r;
    /// ```
    pub fn new(name: &str) -> Self {
        Header {
            name: http::HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            kind: KeyKind::BigInt,
        }
    }

    /// Sets the key type.
    ///
    /// ```
    /// let r = multitenant_axum::resolve::Header::new("x-org").kind(multitenant::KeyKind::Text);
    /// # let _ = r;
    /// ```
    pub fn kind(mut self, kind: KeyKind) -> Self {
        self.kind = kind;
        self
    }
}

impl ResolveTenant for Header {
    fn resolve(&self, parts: &Parts) -> ResolveFuture {
        ready(match tenant_header(&parts.headers, &self.name) {
            Err(e) => Err(e),
            Ok(None) => Ok(None),
            Ok(Some(value)) => {
                multitenant::resolve::header(self.name.as_str(), value.as_bytes(), self.kind)
                    .map(Some)
                    .map_err(ApiError::from)
            }
        })
    }
}

/// The one value of the header `name` that names a request's tenant, `None` when absent; a
/// header given more than once is refused (400, `invalid_tenant`): two values name two tenants,
/// or one twice, and which one a proxy or a framework would pick is not left open. For
/// resolvers written by hand that read a tenant header; [`Header`] reads it this way.
///
/// ```
/// use http::{HeaderMap, HeaderName};
/// let name = HeaderName::from_static("x-account-id");
/// let mut headers = HeaderMap::new();
/// headers.append(&name, "1".parse().unwrap());
/// let one = multitenant_axum::resolve::tenant_header(&headers, &name).unwrap();
/// assert_eq!(one.unwrap(), "1");
/// headers.append(&name, "2".parse().unwrap());
/// let twice = multitenant_axum::resolve::tenant_header(&headers, &name).unwrap_err();
/// assert_eq!((twice.status().as_u16(), twice.code()), (400, "invalid_tenant"));
/// ```
pub fn tenant_header<'a>(
    headers: &'a http::HeaderMap,
    name: &http::HeaderName,
) -> Result<Option<&'a http::HeaderValue>, ApiError> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "invalid_tenant",
            format!("header {name} is given more than once; name one tenant"),
        )),
        (value, _) => Ok(value),
    }
}

/// The tenant named by the label of the `Host` right under a base domain:
/// `acme.example.com` → `acme` (as [`multitenant::resolve::subdomain_label`] reads it).
/// Requests to the base domain itself, or to another domain, name no tenant. The label is parsed as the key ([`Subdomain::kind`], default `text`), or mapped
/// to a key by [`Subdomain::lookup`].
///
/// ```
/// let r = multitenant_axum::resolve::Subdomain::new("example.com");
/// # let _ = r;
/// ```
#[derive(Clone)]
pub struct Subdomain {
    base: Arc<str>,
    kind: KeyKind,
    lookup: Option<Arc<dyn Fn(String) -> ResolveFuture + Send + Sync>>,
}

impl std::fmt::Debug for Subdomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subdomain")
            .field("base", &self.base)
            .field("kind", &self.kind)
            .finish()
    }
}

impl Subdomain {
    /// Tenants are subdomains of `base` (without a leading dot).
    ///
    /// ```
    /// let r = multitenant_axum::resolve::Subdomain::new("saas.test");
    /// # let _ = r;
    /// ```
    pub fn new(base: &str) -> Self {
        Subdomain {
            base: Arc::from(base),
            kind: KeyKind::Text,
            lookup: None,
        }
    }

    /// Parses the label as a key of `kind`.
    ///
    /// ```
    /// let r = multitenant_axum::resolve::Subdomain::new("saas.test").kind(multitenant::KeyKind::BigInt);
    /// # let _ = r;
    /// ```
    pub fn kind(mut self, kind: KeyKind) -> Self {
        self.kind = kind;
        self
    }

    /// Maps the label to a key with an async function (e.g. a lookup of `accounts.subdomain`).
    ///
    /// ```
    /// use multitenant::TenantKey;
    /// let r = multitenant_axum::resolve::Subdomain::new("saas.test").lookup(|label| async move {
    ///     Ok((label == "acme").then_some(TenantKey::Int(1)))
    /// });
    /// # let _ = r;
    /// ```
    pub fn lookup<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Resolution> + Send + 'static,
    {
        self.lookup = Some(Arc::new(move |label| Box::pin(f(label))));
        self
    }

    /// The host the request was sent to: the `Host` header, else the URI's authority.
    fn host(parts: &Parts) -> Option<&str> {
        parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.host())
    }
}

impl ResolveTenant for Subdomain {
    fn resolve(&self, parts: &Parts) -> ResolveFuture {
        let Some(host) = Self::host(parts) else {
            return ready(Ok(None));
        };
        match &self.lookup {
            Some(lookup) => match multitenant::resolve::subdomain_label(host, &self.base) {
                Some(label) => lookup(label),
                None => ready(Ok(None)),
            },
            None => ready(
                multitenant::resolve::subdomain(host, &self.base, self.kind)
                    .map_err(ApiError::from),
            ),
        }
    }
}

/// The tenant named by one segment of the URI path (0-based, ignoring the leading `/`):
/// with `PathSegment::new(1)`, `/t/42/projects` names tenant `42`.
///
/// ```
/// let r = multitenant_axum::resolve::PathSegment::new(1).kind(multitenant::KeyKind::BigInt);
/// # let _ = r;
/// ```
#[derive(Clone, Debug)]
pub struct PathSegment {
    index: usize,
    kind: KeyKind,
}

impl PathSegment {
    /// Reads segment `index`; keys are `bigint` unless [`PathSegment::kind`] says otherwise.
    ///
    /// ```
    /// let r = multitenant_axum::resolve::PathSegment::new(0);
    /// # let _ = r;
    /// ```
    pub fn new(index: usize) -> Self {
        PathSegment {
            index,
            kind: KeyKind::BigInt,
        }
    }

    /// Sets the key type.
    ///
    /// ```
    /// let r = multitenant_axum::resolve::PathSegment::new(0).kind(multitenant::KeyKind::Uuid);
    /// # let _ = r;
    /// ```
    pub fn kind(mut self, kind: KeyKind) -> Self {
        self.kind = kind;
        self
    }
}

impl ResolveTenant for PathSegment {
    fn resolve(&self, parts: &Parts) -> ResolveFuture {
        ready(
            multitenant::resolve::path_segment(parts.uri.path(), self.index, self.kind)
                .map_err(ApiError::from),
        )
    }
}

/// A resolver from an async function over the request head (a clone of it), like
/// django-multitenant's `get_tenant(request)`: e.g. "the account of the authenticated user".
///
/// ```
/// use multitenant::TenantKey;
/// use multitenant_axum::ApiError;
/// use multitenant_axum::resolve::from_fn;
///
/// let r = from_fn(|parts: http::request::Parts| async move {
///     match parts.headers.get("authorization") {
///         None => Err(ApiError::unauthorized("no_token", "sign in first")),
///         Some(_) => Ok(Some(TenantKey::Int(1))),
///     }
/// });
/// # let _ = r;
/// ```
pub fn from_fn<F, Fut>(f: F) -> FromFn
where
    F: Fn(Parts) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Resolution> + Send + 'static,
{
    FromFn {
        f: Arc::new(move |parts| Box::pin(f(parts))),
    }
}

/// See [`from_fn`].
#[derive(Clone)]
pub struct FromFn {
    f: Arc<dyn Fn(Parts) -> ResolveFuture + Send + Sync>,
}

impl std::fmt::Debug for FromFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FromFn")
    }
}

impl ResolveTenant for FromFn {
    fn resolve(&self, parts: &Parts) -> ResolveFuture {
        (self.f)(copy_head(parts))
    }
}

/// A copy of a request head, for a function that runs while the request itself goes on
/// (`Parts` is not `Clone`).
pub(crate) fn copy_head(parts: &Parts) -> Parts {
    let mut head = http::Request::new(());
    *head.method_mut() = parts.method.clone();
    *head.uri_mut() = parts.uri.clone();
    *head.version_mut() = parts.version;
    *head.headers_mut() = parts.headers.clone();
    *head.extensions_mut() = parts.extensions.clone();
    head.into_parts().0
}

/// Two resolvers in order: see [`ResolveTenant::or`].
#[derive(Clone, Debug)]
pub struct Or<A, B> {
    first: A,
    second: B,
}

impl<A: ResolveTenant, B: ResolveTenant> ResolveTenant for Or<A, B> {
    fn resolve(&self, parts: &Parts) -> ResolveFuture {
        let first = self.first.resolve(parts);
        let second = self.second.resolve(parts);
        Box::pin(async move {
            match first.await? {
                Some(key) => Ok(Some(key)),
                None => second.await,
            }
        })
    }
}
