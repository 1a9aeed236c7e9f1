//! What stands between a client and the password hashes: at most one argon2 hash per CPU at a
//! time (sign-up and log-in alike), failed log-ins throttled per username and per client
//! address, and the same work for an unknown username as for a known one, so that neither the
//! answer nor its timing tells whether a username exists.
//!
//! The failures are counted with `governor` (a burst of `failures_per_*`, refilled over
//! `period`); a successful log-in is not counted. Once a failure goes over the quota, the
//! username (or address) is refused with 429 and `Retry-After`, the right password included,
//! until the quota allows a new attempt.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::StatusCode;
use http::header::RETRY_AFTER;
use multitenant_axum::ApiError;
use tokio::sync::Semaphore;

/// How many failed log-ins are allowed, per username and per client address, within `period`.
///
/// ```
/// let limits = projects::login::LoginLimits::default();
/// assert_eq!((limits.failures_per_user.get(), limits.failures_per_address.get()), (5, 20));
/// assert_eq!(limits.period, std::time::Duration::from_secs(60));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures allowed for one username (any client).
    pub failures_per_user: NonZeroU32,
    /// Failures allowed from one client address (any username).
    pub failures_per_address: NonZeroU32,
    /// The window the failures are counted over.
    pub period: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            failures_per_user: NonZeroU32::new(5).expect("5 is not zero"),
            failures_per_address: NonZeroU32::new(20).expect("20 is not zero"),
            period: Duration::from_secs(60),
        }
    }
}

/// Who a failed log-in is counted against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Attempter {
    User(String),
    Address(IpAddr),
}

/// The log-in defences of one server (see the module documentation).
pub(crate) struct LoginGuard {
    hashing: Semaphore,
    per_address: DefaultKeyedRateLimiter<Attempter>,
    per_user: DefaultKeyedRateLimiter<Attempter>,
    locked: Mutex<HashMap<Attempter, Instant>>,
}

/// A log-in refused for too many failures: 429, `too_many_attempts`, with `Retry-After`.
#[derive(Debug)]
pub(crate) struct Throttled {
    retry_after: Duration,
}

impl IntoResponse for Throttled {
    fn into_response(self) -> Response {
        let seconds = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        let error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!("too many failed log-ins; try again in {} s", seconds.max(1)),
        );
        ([(RETRY_AFTER, seconds.max(1).to_string())], error).into_response()
    }
}

/// The hash an unknown username's password is checked against, so that it costs what a known
/// one does (same algorithm and parameters as [`crate::auth::hash_password`]).
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    crate::auth::hash_password("no user has this password")
        .expect("hashing a constant password succeeds")
});

impl LoginGuard {
    pub(crate) fn new(limits: LoginLimits) -> LoginGuard {
        let quota = |burst: NonZeroU32| {
            Quota::with_period(limits.period / burst.get())
                .unwrap_or_else(|| Quota::per_second(burst))
                .allow_burst(burst)
        };
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        LoginGuard {
            hashing: Semaphore::new(cpus),
            per_address: RateLimiter::keyed(quota(limits.failures_per_address)),
            per_user: RateLimiter::keyed(quota(limits.failures_per_user)),
            locked: Mutex::new(HashMap::new()),
        }
    }

    /// Runs `hash` (argon2: tens of milliseconds of CPU, tens of MiB) on the blocking pool once
    /// one of the per-CPU permits is free, so that a burst of log-ins queues instead of
    /// exhausting the memory and the blocking pool.
    pub(crate) async fn hash<T: Send + 'static>(
        &self,
        hash: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|e| ApiError::internal(&e))?;
        tokio::task::spawn_blocking(hash)
            .await
            .map_err(|e| ApiError::internal(&e))
    }

    /// Verifies `password` against `hash`, or against a dummy hash when there is no such user.
    pub(crate) async fn verify(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, ApiError> {
        let known = hash.is_some();
        let matches = self
            .hash(move || {
                let hash = hash.as_deref().unwrap_or(&DUMMY_HASH);
                crate::auth::verify_password(&password, hash)
            })
            .await?;
        Ok(known && matches)
    }

    /// 429 while `username` or `address` is locked out.
    pub(crate) fn check(&self, username: &str, address: IpAddr) -> Result<(), Throttled> {
        let now = Instant::now();
        let locked = self.locked.lock().unwrap_or_else(PoisonError::into_inner);
        let until = [
            Attempter::User(username.to_owned()),
            Attempter::Address(address),
        ]
        .iter()
        .filter_map(|who| locked.get(who))
        .filter(|until| **until > now)
        .max()
        .copied();
        match until {
            Some(until) => Err(Throttled {
                retry_after: until - now,
            }),
            None => Ok(()),
        }
    }

    /// Counts a failed log-in; 429 (and a lock-out) when it goes over either quota.
    pub(crate) fn failed(&self, username: &str, address: IpAddr) -> Result<(), Throttled> {
        let clock = DefaultClock::default();
        let over = [
            (&self.per_user, Attempter::User(username.to_owned())),
            (&self.per_address, Attempter::Address(address)),
        ]
        .into_iter()
        .filter_map(|(limiter, who)| {
            limiter
                .check_key(&who)
                .err()
                .map(|not_until| (who, not_until.wait_time_from(clock.now())))
        })
        .collect::<Vec<_>>();
        let Some(retry_after) = over.iter().map(|(_, wait)| *wait).max() else {
            return Ok(());
        };
        let now = Instant::now();
        let mut locked = self.locked.lock().unwrap_or_else(PoisonError::into_inner);
        locked.retain(|_, until| *until > now);
        for (who, wait) in over {
            locked.insert(who, now + wait);
        }
        self.per_user.retain_recent();
        self.per_address.retain_recent();
        Err(Throttled { retry_after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_user: u32, per_address: u32) -> LoginLimits {
        LoginLimits {
            failures_per_user: NonZeroU32::new(per_user).unwrap(),
            failures_per_address: NonZeroU32::new(per_address).unwrap(),
            period: Duration::from_secs(60),
        }
    }

    #[test]
    fn failures_over_the_quota_lock_the_username_out() {
        let guard = LoginGuard::new(limits(2, 100));
        let here: IpAddr = [127, 0, 0, 1].into();
        assert!(guard.failed("ada", here).is_ok());
        assert!(guard.failed("ada", here).is_ok());
        assert!(guard.check("ada", here).is_ok());
        let throttled = guard.failed("ada", here).unwrap_err();
        assert!(throttled.retry_after > Duration::ZERO);
        assert!(guard.check("ada", here).is_err());
        // Another username from the same address is not locked.
        assert!(guard.check("bob", here).is_ok());
    }

    #[test]
    fn failures_over_the_address_quota_lock_the_address_out() {
        let guard = LoginGuard::new(limits(100, 2));
        let here: IpAddr = [127, 0, 0, 1].into();
        let there: IpAddr = [127, 0, 0, 2].into();
        assert!(guard.failed("a", here).is_ok());
        assert!(guard.failed("b", here).is_ok());
        assert!(guard.failed("c", here).is_err());
        assert!(guard.check("d", here).is_err());
        assert!(guard.check("d", there).is_ok());
    }

    #[tokio::test]
    async fn an_unknown_user_never_matches() {
        let guard = LoginGuard::new(LoginLimits::default());
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
        assert!(
            !guard
                .verify("no user has this password".into(), None)
                .await
                .unwrap()
        );
    }
}
