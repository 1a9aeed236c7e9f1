//! Tenant resolvers: how a request names its tenant. Each looks at the request's head and says
//! "this tenant", "not named here" (`Ok(None)`, so a composed resolver tries the next), or
//! rejects the request outright.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;
use multitenant::{KeyKind, TenantKey};

use crate::TenantRejection;

/// What a resolver yields.
pub type Resolution = Result<Option<TenantKey>, TenantRejection>;

/// A boxed, sendable future of a [`Resolution`].
pub type ResolveFuture = Pin<Box<dyn Future<Output = Resolution> + Send>>;

/// Resolves the tenant of a request from its head.
///
/// ```
/// use multitenant_axum::{Header, ResolveTenant, Subdomain};
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
    /// use multitenant_axum::{Header, PathSegment, ResolveTenant};
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

fn parse(kind: KeyKind, text: &str, source: &str) -> Resolution {
    kind.parse_key(text)
        .map(Some)
        .map_err(|e| TenantRejection::bad_request("invalid_tenant", format!("{source}: {e}")))
}

/// The tenant named by a request header, e.g. `X-Account-Id: 42`.
///
/// ```
/// use multitenant::KeyKind;
/// let r = multitenant_axum::Header::new("x-account-id").kind(KeyKind::Uuid);
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
    /// let r = multitenant_axum::Header::new("x-account-id");
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
    /// let r = multitenant_axum::Header::new("x-org").kind(multitenant::KeyKind::Text);
    /// # let _ = r;
    /// ```
    pub fn kind(mut self, kind: KeyKind) -> Self {
        self.kind = kind;
        self
    }
}

impl ResolveTenant for Header {
    fn resolve(&self, parts: &Parts) -> ResolveFuture {
        let r = match parts.headers.get(&self.name) {
            None => Ok(None),
            Some(v) => match v.to_str() {
                Ok(text) => parse(self.kind, text, &format!("header {}", self.name)),
                Err(_) => Err(TenantRejection::bad_request(
                    "invalid_tenant",
                    format!("header {} is not valid text", self.name),
                )),
            },
        };
        ready(r)
    }
}

/// The tenant named by the first label of the `Host` header under a base domain:
/// `acme.example.com` → `acme`. Requests to the base domain itself, or to another domain, name
/// no tenant. The label is parsed as the key ([`Subdomain::kind`], default `text`), or mapped
/// to a key by [`Subdomain::lookup`].
///
/// ```
/// let r = multitenant_axum::Subdomain::new("example.com");
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
    /// let r = multitenant_axum::Subdomain::new("saas.test");
    /// # let _ = r;
    /// ```
    pub fn new(base: &str) -> Self {
        Subdomain {
            base: Arc::from(base.trim_start_matches('.').to_ascii_lowercase()),
            kind: KeyKind::Text,
            lookup: None,
        }
    }

    /// Parses the label as a key of `kind`.
    ///
    /// ```
    /// let r = multitenant_axum::Subdomain::new("saas.test").kind(multitenant::KeyKind::BigInt);
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
    /// let r = multitenant_axum::Subdomain::new("saas.test").lookup(|label| async move {
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

    fn label(&self, parts: &Parts) -> Option<String> {
        let host = parts
            .headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.host())?;
        let host = host
            .split(':')
            .next()?
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let rest = host.strip_suffix(&*self.base)?.strip_suffix('.')?;
        // Only the label right under the base names the tenant (`a.b.example.com` → `b`).
        rest.rsplit('.')
            .next()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
    }
}

impl ResolveTenant for Subdomain {
    fn resolve(&self, parts: &Parts) -> ResolveFuture {
        match (self.label(parts), &self.lookup) {
            (None, _) => ready(Ok(None)),
            (Some(label), Some(lookup)) => lookup(label),
            (Some(label), None) => ready(parse(self.kind, &label, "subdomain")),
        }
    }
}

/// The tenant named by one segment of the URI path (0-based, ignoring the leading `/`):
/// with `PathSegment::new(1)`, `/t/42/projects` names tenant `42`.
///
/// ```
/// let r = multitenant_axum::PathSegment::new(1).kind(multitenant::KeyKind::BigInt);
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
    /// let r = multitenant_axum::PathSegment::new(0);
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
    /// let r = multitenant_axum::PathSegment::new(0).kind(multitenant::KeyKind::Uuid);
    /// # let _ = r;
    /// ```
    pub fn kind(mut self, kind: KeyKind) -> Self {
        self.kind = kind;
        self
    }
}

impl ResolveTenant for PathSegment {
    fn resolve(&self, parts: &Parts) -> ResolveFuture {
        let segment = parts
            .uri
            .path()
            .trim_start_matches('/')
            .split('/')
            .nth(self.index);
        ready(match segment {
            None | Some("") => Ok(None),
            Some(s) => parse(self.kind, s, "path segment"),
        })
    }
}

/// A resolver from an async function over the request head (a clone of it), like
/// django-multitenant's `get_tenant(request)`: e.g. "the account of the authenticated user".
///
/// ```
/// use multitenant::TenantKey;
/// use multitenant_axum::{from_fn, TenantRejection};
///
/// let r = from_fn(|parts: http::request::Parts| async move {
///     match parts.headers.get("authorization") {
///         None => Err(TenantRejection::unauthorized("no_token", "sign in first")),
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
        let mut head = http::Request::new(());
        *head.method_mut() = parts.method.clone();
        *head.uri_mut() = parts.uri.clone();
        *head.version_mut() = parts.version;
        *head.headers_mut() = parts.headers.clone();
        *head.extensions_mut() = parts.extensions.clone();
        (self.f)(head.into_parts().0)
    }
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
