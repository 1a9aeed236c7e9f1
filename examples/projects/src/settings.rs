//! What an operator may tune: log-in throttling, token lifetime, the largest request body, and
//! the server's timeouts. The binary reads them from its command line or environment
//! (`PROJECTS_*`, see `projects --help`); tests use small values.

use std::time::Duration;

use crate::login::LoginLimits;

/// The app's tunables; [`Default`] is what the binary runs with when nothing is set.
///
/// ```
/// let s = projects::Settings::default();
/// assert_eq!(s.token_lifetime, std::time::Duration::from_secs(7 * 24 * 3600));
/// assert_eq!(s.body_limit, 64 * 1024);
/// assert_eq!(s.server.header_read_timeout, std::time::Duration::from_secs(10));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Failed log-ins allowed per username and per client address.
    pub login: LoginLimits,
    /// How long a bearer token is valid after it is issued (default 7 days).
    pub token_lifetime: Duration,
    /// The largest request body, in bytes (default 64 KiB): a larger one is 413, refused from
    /// its `Content-Length` before it is read.
    pub body_limit: usize,
    /// How long a request may take from its head to its response (default 30 s): 408 after it.
    pub request_timeout: Duration,
    /// Connection limits (see [`ServerLimits`]).
    pub server: ServerLimits,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            login: LoginLimits::default(),
            token_lifetime: Duration::from_secs(7 * 24 * 3600),
            body_limit: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            server: ServerLimits::default(),
        }
    }
}

/// How long a connection may keep the server waiting.
///
/// ```
/// let limits = projects::ServerLimits::default();
/// assert_eq!(limits.idle_timeout, std::time::Duration::from_secs(5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request's head (request line and headers) must arrive within this (default 10 s),
    /// counted from when the server waits for it; the connection is closed otherwise, so a
    /// client sending half a request holds nothing for long.
    pub header_read_timeout: Duration,
    /// A kept-alive connection with no request for this long after its last response is closed
    /// (default 5 s; the header timeout also applies, the shorter one wins).
    pub idle_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
        }
    }
}
