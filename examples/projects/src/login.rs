//! What stands between a client and the password hashes: at most one argon2 hash per CPU at a
//! time (sign-up and log-in alike), on threads of their own, each hashing in one block of memory
//! it allocates once and reuses (so a flood of log-ins takes no more memory than one hash per
//! thread), failed log-ins throttled per username and per client address, few log-ins in flight
//! per username and per address (a flood is answered 429 at once instead of queueing for the
//! hasher), a bound on the hashes waiting server-wide (beyond it, 503 at once: many clients
//! together cannot make the queue grow without limit), and the same work for an unknown
//! username as for a known one, so that neither the answer nor its timing tells whether a
//! username exists.
//!
//! The failures are counted with `governor` (a burst of `failures_per_*`, refilled over
//! `period`); a successful log-in is not counted. Once a failure goes over the quota, the
//! username (or address) is refused with 429 and `Retry-After`, the right password included,
//! until the quota allows a new attempt.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, mpsc};
use std::time::{Duration, Instant};

use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::StatusCode;
use http::header::RETRY_AFTER;
use multitenant_axum::ApiError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::{HashMemory, hash_password_with, verify_password_with};

/// How many failed log-ins are allowed, per username and per client address, within `period`,
/// and how many may be in flight at once.
///
/// ```
/// let limits = projects::login::LoginLimits::default();
/// assert_eq!((limits.failures_per_user.get(), limits.failures_per_address.get()), (5, 20));
/// assert_eq!(limits.period, std::time::Duration::from_secs(60));
/// assert_eq!((limits.in_flight_per_user.get(), limits.in_flight_per_address.get()), (2, 8));
/// assert_eq!(limits.queued_hashes.get(), 64);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures allowed for one username (any client).
    pub failures_per_user: NonZeroU32,
    /// Failures allowed from one client address (any username).
    pub failures_per_address: NonZeroU32,
    /// The window the failures are counted over.
    pub period: Duration,
    /// Log-ins (and password changes) of one username being checked at once; more are 429.
    pub in_flight_per_user: NonZeroU32,
    /// Log-ins from one client address being checked at once; more are 429.
    pub in_flight_per_address: NonZeroU32,
    /// Password hashes (sign-ups, log-ins, password changes) admitted at once server-wide,
    /// running or waiting for a hashing thread; more are refused with 503 and `Retry-After`.
    pub queued_hashes: NonZeroU32,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            failures_per_user: NonZeroU32::new(5).expect("5 is not zero"),
            failures_per_address: NonZeroU32::new(20).expect("20 is not zero"),
            period: Duration::from_secs(60),
            in_flight_per_user: NonZeroU32::new(2).expect("2 is not zero"),
            in_flight_per_address: NonZeroU32::new(8).expect("8 is not zero"),
            queued_hashes: NonZeroU32::new(64).expect("64 is not zero"),
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
    hashing: Arc<Semaphore>,
    queue: Arc<Semaphore>,
    hasher: Mutex<mpsc::Sender<Job>>,
    per_address: DefaultKeyedRateLimiter<Attempter>,
    per_user: DefaultKeyedRateLimiter<Attempter>,
    locked: Mutex<HashMap<Attempter, Instant>>,
    in_flight: Arc<Mutex<HashMap<Attempter, u32>>>,
    limits: LoginLimits,
}

/// A hash to compute on the hashing threads, in the thread's memory.
type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

/// A log-in being checked, counted against its username and address until dropped.
pub(crate) struct InFlight {
    who: [Attempter; 2],
    in_flight: Arc<Mutex<HashMap<Attempter, u32>>>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for who in &self.who {
            if let Some(n) = in_flight.get_mut(who) {
                *n -= 1;
                if *n == 0 {
                    in_flight.remove(who);
                }
            }
        }
    }
}

/// A hash refused because too many are queued already: 503, `busy`, with `Retry-After`.
#[derive(Debug)]
pub(crate) struct Busy;

impl IntoResponse for Busy {
    fn into_response(self) -> Response {
        let error = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many passwords are being checked; try again in 1 s",
        );
        ([(RETRY_AFTER, "1")], error).into_response()
    }
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
/// one does (same algorithm and parameters as [`crate::auth::hash_password`]); made on first
/// use, in the memory of the hashing thread that needs it.
static DUMMY_HASH: OnceLock<String> = OnceLock::new();

fn dummy_hash(memory: &mut HashMemory) -> &'static str {
    DUMMY_HASH.get_or_init(|| {
        hash_password_with("no user has this password", memory)
            .expect("hashing a constant password succeeds")
    })
}

impl LoginGuard {
    pub(crate) fn new(limits: LoginLimits) -> LoginGuard {
        let quota = |burst: NonZeroU32| {
            Quota::with_period(limits.period / burst.get())
                .unwrap_or_else(|| Quota::per_second(burst))
                .allow_burst(burst)
        };
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        LoginGuard {
            hashing: Arc::new(Semaphore::new(cpus)),
            queue: Arc::new(Semaphore::new(limits.queued_hashes.get() as usize)),
            hasher: Mutex::new(hashing_threads(cpus)),
            per_address: RateLimiter::keyed(quota(limits.failures_per_address)),
            per_user: RateLimiter::keyed(quota(limits.failures_per_user)),
            locked: Mutex::new(HashMap::new()),
            in_flight: Arc::new(Mutex::new(HashMap::new())),
            limits,
        }
    }

    /// Counts a log-in of `username` from `address` as in flight; 429 when either has its
    /// limit in flight already.
    pub(crate) fn begin(&self, username: &str, address: IpAddr) -> Result<InFlight, Throttled> {
        let who = [
            Attempter::User(username.to_owned()),
            Attempter::Address(address),
        ];
        let caps = [
            self.limits.in_flight_per_user.get(),
            self.limits.in_flight_per_address.get(),
        ];
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if who
            .iter()
            .zip(caps)
            .any(|(w, cap)| in_flight.get(w).copied().unwrap_or(0) >= cap)
        {
            return Err(Throttled {
                retry_after: Duration::from_secs(1),
            });
        }
        for w in &who {
            *in_flight.entry(w.clone()).or_insert(0) += 1;
        }
        Ok(InFlight {
            who,
            in_flight: self.in_flight.clone(),
        })
    }

    /// Runs `hash` (argon2: tens of milliseconds of CPU, in the thread's memory) on a hashing
    /// thread once one of the per-CPU permits is free, so that a burst of log-ins queues
    /// instead of exhausting the CPUs; 503 when [`LoginLimits::queued_hashes`] are queued
    /// already. The permits go with the hash, so a request that ends early (a timeout) does not
    /// free them while the hash still runs.
    pub(crate) async fn hash<T: Send + 'static>(
        &self,
        hash: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<T, Response> {
        let permits = self.permits().await?;
        self.run_hash(permits, hash)
            .await
            .map_err(IntoResponse::into_response)
    }

    /// A place in the queue (503 when it is full), then a hashing permit.
    async fn permits(&self) -> Result<Permits, Response> {
        let queued = self
            .queue
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy.into_response())?;
        let hashing = self
            .hashing
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal(&e).into_response())?;
        Ok(Permits {
            _queued: queued,
            _hashing: hashing,
        })
    }

    /// Verifies `password` against `hash`, or against a dummy hash when there is no such user.
    /// A log-in that waited for a hashing permit while `username` or `address` was locked out
    /// is refused (429) without hashing, so that a flood of attempts costs one hash per allowed
    /// failure, not one per attempt.
    pub(crate) async fn verify(
        &self,
        password: String,
        hash: Option<String>,
        username: &str,
        address: IpAddr,
    ) -> Result<bool, Response> {
        let known = hash.is_some();
        let permits = self.permits().await?;
        self.check(username, address)
            .map_err(IntoResponse::into_response)?;
        let matches = self
            .run_hash(permits, move |memory| {
                let hash = match &hash {
                    Some(hash) => hash,
                    None => dummy_hash(memory),
                };
                verify_password_with(&password, hash, memory)
            })
            .await
            .map_err(IntoResponse::into_response)?;
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

/// The permits a hash holds until it is done: its place in the queue and a hashing thread.
struct Permits {
    _queued: OwnedSemaphorePermit,
    _hashing: OwnedSemaphorePermit,
}

/// `count` threads computing the hashes sent to the returned sender, until it is dropped; each
/// allocates its [`HashMemory`] at its first hash and reuses it for every later one.
fn hashing_threads(count: usize) -> mpsc::Sender<Job> {
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..count {
        let queue = queue.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("argon2-{n}"))
            .spawn(move || {
                let mut memory = None;
                loop {
                    let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    match job {
                        Ok(job) => job(memory.get_or_insert_with(HashMemory::new)),
                        Err(mpsc::RecvError) => return,
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a hashing thread");
        }
    }
    jobs
}

impl LoginGuard {
    /// Runs `hash` on a hashing thread, holding `permits` until it is done.
    async fn run_hash<T: Send + 'static>(
        &self,
        permits: Permits,
        hash: impl FnOnce(&mut HashMemory) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _permits = permits;
            let _ = done.send(hash(memory));
        });
        self.hasher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| ApiError::internal(&"the hashing threads are gone"))?;
        result.await.map_err(|e| ApiError::internal(&e))
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
            ..LoginLimits::default()
        }
    }

    #[test]
    fn log_ins_in_flight_are_capped_per_username_and_address() {
        let guard = LoginGuard::new(LoginLimits::default());
        let here: IpAddr = [127, 0, 0, 1].into();
        let a = guard.begin("ada", here).unwrap();
        let _b = guard.begin("ada", here).unwrap();
        assert!(guard.begin("ada", here).is_err());
        drop(a);
        let _c = guard.begin("ada", here).unwrap();
        let others: Vec<_> = (0..6)
            .map(|i| guard.begin(&format!("u{i}"), here).unwrap())
            .collect();
        assert!(guard.begin("bob", here).is_err());
        assert!(guard.begin("bob", [127, 0, 0, 2].into()).is_ok());
        drop(others);
        assert!(guard.begin("bob", here).is_ok());
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
        assert!(
            !guard
                .verify(
                    "no user has this password".into(),
                    None,
                    "nobody",
                    [127, 0, 0, 1].into()
                )
                .await
                .unwrap()
        );
        assert!(DUMMY_HASH.get().unwrap().starts_with("$argon2id$"));
    }

    #[tokio::test]
    async fn hashes_beyond_the_queue_bound_are_refused_with_503() {
        let guard = Arc::new(LoginGuard::new(LoginLimits {
            queued_hashes: NonZeroU32::new(1).unwrap(),
            ..LoginLimits::default()
        }));
        let (release, wait) = mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel();
        let first = tokio::spawn({
            let guard = guard.clone();
            async move {
                guard
                    .hash(move |_| {
                        let _ = started.send(());
                        wait.recv().is_ok()
                    })
                    .await
                    .ok()
            }
        });
        running.await.unwrap();
        let refused = guard.hash(|_| ()).await.unwrap_err();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.headers()[RETRY_AFTER], "1");
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Some(true));
        // The place is free again once the first hash is done.
        assert!(guard.hash(|_| ()).await.is_ok());
    }
}
