//! The ambient tenant context: a tokio task-local [`Scope`] that lives exactly as long as the
//! future it wraps. Nothing is ever left set: when the future ends (or is dropped), the scope is
//! gone, and a task spawned with plain `tokio::spawn` starts with none. [`spawn`] carries the
//! current scope into a child task explicitly.

use std::future::Future;
use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::TenantKey;

/// What statements run under: one tenant, a set of tenants, or explicitly no tenant scoping.
///
/// ```
/// use multitenant::{Scope, TenantKey};
///
/// let one = Scope::one(5_i64);
/// assert_eq!(one.tenant(), Some(&TenantKey::Int(5)));
/// assert!(Scope::Unscoped.tenant().is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One tenant: `tenant_col = $n`.
    Tenant(TenantKey),
    /// A set of tenants: `tenant_col = ANY($n)`.
    Tenants(Arc<[TenantKey]>),
    /// Explicitly unscoped: only the join equalities are added. Visible and deliberate.
    Unscoped,
}

impl Scope {
    /// A one-tenant scope.
    ///
    /// ```
    /// assert!(matches!(multitenant::Scope::one("acme"), multitenant::Scope::Tenant(_)));
    /// ```
    pub fn one(key: impl Into<TenantKey>) -> Self {
        Scope::Tenant(key.into())
    }

    /// A scope over several tenants.
    ///
    /// ```
    /// let s = multitenant::Scope::many([1_i64, 2]);
    /// assert_eq!(s.tenants().len(), 2);
    /// ```
    pub fn many<I, K>(keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<TenantKey>,
    {
        Scope::Tenants(keys.into_iter().map(Into::into).collect())
    }

    /// The tenant of a one-tenant scope.
    ///
    /// ```
    /// assert!(multitenant::Scope::many([1_i64]).tenant().is_none());
    /// ```
    pub fn tenant(&self) -> Option<&TenantKey> {
        match self {
            Scope::Tenant(k) => Some(k),
            _ => None,
        }
    }

    /// Every tenant in scope (empty when unscoped).
    ///
    /// ```
    /// assert_eq!(multitenant::Scope::one(3_i64).tenants().len(), 1);
    /// ```
    pub fn tenants(&self) -> &[TenantKey] {
        match self {
            Scope::Tenant(k) => std::slice::from_ref(k),
            Scope::Tenants(ks) => ks,
            Scope::Unscoped => &[],
        }
    }
}

tokio::task_local! {
    static CURRENT: Scope;
}

/// Runs `fut` with `key` as the current tenant. Nested scopes override and restore.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use multitenant::{current_tenant, scope, TenantKey};
///
/// let seen = scope(7_i64, async { current_tenant() }).await;
/// assert_eq!(seen, Some(TenantKey::Int(7)));
/// assert_eq!(current_tenant(), None);
/// # });
/// ```
pub async fn scope<F: Future>(key: impl Into<TenantKey>, fut: F) -> F::Output {
    CURRENT.scope(Scope::Tenant(key.into()), fut).await
}

/// Runs `fut` scoped to a set of tenants (statements use `tenant_col = ANY($n)`).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let n = multitenant::scope_many([1_i64, 2, 3], async {
///     multitenant::current().unwrap().tenants().len()
/// }).await;
/// assert_eq!(n, 3);
/// # });
/// ```
pub async fn scope_many<I, K, F>(keys: I, fut: F) -> F::Output
where
    I: IntoIterator<Item = K>,
    K: Into<TenantKey>,
    F: Future,
{
    CURRENT.scope(Scope::many(keys), fut).await
}

/// Runs `fut` explicitly outside any tenant: statements are not filtered by tenant (join
/// equalities are still added). Use for admin tasks and migrations; it is logged at debug.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let s = multitenant::unscoped(async { multitenant::current() }).await;
/// assert_eq!(s, Some(multitenant::Scope::Unscoped));
/// # });
/// ```
pub async fn unscoped<F: Future>(fut: F) -> F::Output {
    tracing::debug!("entering an unscoped section");
    CURRENT.scope(Scope::Unscoped, fut).await
}

/// Runs `fut` under an explicit [`Scope`] value (for code that carries one around).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use multitenant::Scope;
/// let s = multitenant::with_scope(Scope::one(1_i64), async { multitenant::current() }).await;
/// assert_eq!(s, Some(Scope::one(1_i64)));
/// # });
/// ```
pub async fn with_scope<F: Future>(scope: Scope, fut: F) -> F::Output {
    if scope == Scope::Unscoped {
        tracing::debug!("entering an unscoped section");
    }
    CURRENT.scope(scope, fut).await
}

/// The current scope of this task, if any.
///
/// ```
/// assert_eq!(multitenant::current(), None);
/// ```
pub fn current() -> Option<Scope> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The current tenant when exactly one is in scope.
///
/// ```
/// assert_eq!(multitenant::current_tenant(), None);
/// ```
pub fn current_tenant() -> Option<TenantKey> {
    CURRENT.try_with(|s| s.tenant().cloned()).ok().flatten()
}

/// Spawns `fut` on the tokio runtime carrying the current scope into the child task (plain
/// `tokio::spawn` starts a task with no tenant).
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let child = multitenant::scope(9_i64, async {
///     multitenant::spawn(async { multitenant::current_tenant() })
/// }).await;
/// assert_eq!(child.await.unwrap(), Some(multitenant::TenantKey::Int(9)));
/// # });
/// ```
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match current() {
        Some(scope) => tokio::spawn(CURRENT.scope(scope, fut)),
        None => tokio::spawn(fut),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scopes_never_leak_between_tasks() {
        let mut handles = Vec::new();
        for i in 0..200_i64 {
            handles.push(tokio::spawn(scope(i, async move {
                tokio::task::yield_now().await;
                tokio::time::sleep(std::time::Duration::from_micros((i % 7) as u64)).await;
                let inner = tokio::spawn(async { current() }).await.unwrap();
                let carried = spawn(async { current_tenant() }).await.unwrap();
                (i, current_tenant(), inner, carried)
            })));
        }
        for h in handles {
            let (i, seen, plain_child, carried) = h.await.unwrap();
            assert_eq!(seen, Some(TenantKey::Int(i)));
            assert_eq!(plain_child, None, "tokio::spawn must not inherit a tenant");
            assert_eq!(carried, Some(TenantKey::Int(i)));
        }
        assert_eq!(current(), None);
    }

    #[tokio::test]
    async fn nested_scopes_restore() {
        scope(1_i64, async {
            scope(2_i64, async {
                assert_eq!(current_tenant(), Some(TenantKey::Int(2)))
            })
            .await;
            unscoped(async { assert_eq!(current(), Some(Scope::Unscoped)) }).await;
            assert_eq!(current_tenant(), Some(TenantKey::Int(1)));
        })
        .await;
        assert_eq!(current(), None);
    }
}
