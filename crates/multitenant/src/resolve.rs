//! Reading the tenant a web request names, from the text it carries: a header value, the host
//! name, a path segment. Pure functions over text and a [`KeyKind`], so every web framework
//! integration resolves tenants the same way; the framework only finds the text in its request.
//!
//! Each function either finds no tenant named there (`Ok(None)`: the caller tries its next
//! source), finds one ([`TenantKey`]), or finds one named badly ([`ResolveError`], which a web
//! integration answers with 400).
//!
//! ```
//! use multitenant::{KeyKind, TenantKey, resolve};
//!
//! assert_eq!(resolve::header("x-account-id", b"42", KeyKind::BigInt).unwrap(), TenantKey::Int(42));
//! assert_eq!(
//!     resolve::subdomain("acme.example.com:8000", "example.com", KeyKind::Text).unwrap(),
//!     Some(TenantKey::from("acme"))
//! );
//! assert_eq!(resolve::path_segment("/t/7/projects", 1, KeyKind::BigInt).unwrap(), Some(TenantKey::Int(7)));
//! ```

use crate::{Error, KeyKind, TenantKey};

/// A request names a tenant, but not as a key of the expected kind.
///
/// ```
/// use multitenant::{KeyKind, resolve};
///
/// let err = resolve::header("x-account-id", b"4x2", KeyKind::BigInt).unwrap_err();
/// assert_eq!(err.to_string(), "header x-account-id: `4x2` is not a valid bigint tenant key");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// A header value holds bytes other than visible ASCII, so it is no key of any kind.
    #[error("{origin} is not valid text")]
    NotText {
        /// Where the value came from (`header x-account-id`).
        origin: String,
    },
    /// The text does not parse as a key of the expected kind.
    #[error("{origin}: {error}")]
    InvalidKey {
        /// Where the text came from (`header x-account-id`, `subdomain`, `path segment`).
        origin: String,
        /// The parse failure ([`Error::InvalidTenantKey`]).
        #[source]
        error: Error,
    },
}

/// The tenant named by the value of header `name` (used only in error messages). Header values
/// are visible ASCII (RFC 9110); any other byte is refused rather than guessed at.
///
/// ```
/// use multitenant::{KeyKind, TenantKey, resolve};
///
/// assert_eq!(resolve::header("x-org", b"acme", KeyKind::Text).unwrap(), TenantKey::from("acme"));
/// assert!(resolve::header("x-org", "\u{e9}".as_bytes(), KeyKind::Text).is_err());
/// ```
pub fn header(name: &str, value: &[u8], kind: KeyKind) -> Result<TenantKey, ResolveError> {
    let origin = || format!("header {name}");
    let visible_ascii = value.iter().all(|&b| b == b'\t' || (32..127).contains(&b));
    let text = std::str::from_utf8(value)
        .ok()
        .filter(|_| visible_ascii)
        .ok_or_else(|| ResolveError::NotText { origin: origin() })?;
    parse(kind, text, origin)
}

/// The label right under `base` in a host name, lowercased: `acme.example.com` → `acme`, and
/// `a.b.example.com` → `b`. A port and a trailing dot are ignored and names compare without
/// case; the base itself, or another domain, names no label.
///
/// ```
/// use multitenant::resolve::subdomain_label;
///
/// assert_eq!(subdomain_label("ACME.Example.com.", "example.com").as_deref(), Some("acme"));
/// assert_eq!(subdomain_label("example.com", "example.com"), None);
/// assert_eq!(subdomain_label("acme.other.com", "example.com"), None);
/// ```
pub fn subdomain_label(host: &str, base: &str) -> Option<String> {
    let base = base.trim_start_matches('.').trim_end_matches('.');
    let host = host.split(':').next()?.trim_end_matches('.');
    let split = host.len().checked_sub(base.len())?;
    if !host.is_char_boundary(split) || !host[split..].eq_ignore_ascii_case(base) {
        return None;
    }
    let rest = host[..split].strip_suffix('.')?;
    rest.rsplit('.')
        .next()
        .filter(|label| !label.is_empty())
        .map(str::to_ascii_lowercase)
}

/// The tenant named by the subdomain of `host` under `base` (see [`subdomain_label`]), parsed as
/// a key of `kind`.
///
/// ```
/// use multitenant::{KeyKind, TenantKey, resolve};
///
/// assert_eq!(resolve::subdomain("7.saas.test", "saas.test", KeyKind::BigInt).unwrap(), Some(TenantKey::Int(7)));
/// assert_eq!(resolve::subdomain("saas.test", "saas.test", KeyKind::BigInt).unwrap(), None);
/// assert!(resolve::subdomain("www.saas.test", "saas.test", KeyKind::BigInt).is_err());
/// ```
pub fn subdomain(host: &str, base: &str, kind: KeyKind) -> Result<Option<TenantKey>, ResolveError> {
    subdomain_label(host, base)
        .map(|label| parse(kind, &label, || "subdomain".to_owned()))
        .transpose()
}

/// The tenant named by segment `index` of a URI path (0-based, ignoring the leading `/`): with
/// index 1, `/t/42/projects` names tenant `42`. A missing or empty segment names none. The
/// segment is taken as it appears in the path (not percent-decoded).
///
/// ```
/// use multitenant::{KeyKind, TenantKey, resolve};
///
/// assert_eq!(resolve::path_segment("/t/42/projects", 1, KeyKind::BigInt).unwrap(), Some(TenantKey::Int(42)));
/// assert_eq!(resolve::path_segment("/t", 1, KeyKind::BigInt).unwrap(), None);
/// assert!(resolve::path_segment("/t/nine", 1, KeyKind::BigInt).is_err());
/// ```
pub fn path_segment(
    path: &str,
    index: usize,
    kind: KeyKind,
) -> Result<Option<TenantKey>, ResolveError> {
    match path.trim_start_matches('/').split('/').nth(index) {
        None | Some("") => Ok(None),
        Some(segment) => parse(kind, segment, || "path segment".to_owned()).map(Some),
    }
}

fn parse(
    kind: KeyKind,
    text: &str,
    origin: impl FnOnce() -> String,
) -> Result<TenantKey, ResolveError> {
    kind.parse_key(text)
        .map_err(|error| ResolveError::InvalidKey {
            origin: origin(),
            error,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_names_a_key_of_each_kind() {
        let uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
        assert_eq!(
            header("x-t", uuid.as_bytes(), KeyKind::Uuid).unwrap(),
            TenantKey::Uuid(uuid.parse().unwrap())
        );
        assert_eq!(
            header("x-t", b" 42 ", KeyKind::BigInt).unwrap(),
            TenantKey::Int(42)
        );
        assert_eq!(
            header("x-t", b"acme", KeyKind::Text).unwrap(),
            TenantKey::from("acme")
        );
    }

    #[test]
    fn a_bad_header_says_which_header_and_why() {
        assert_eq!(
            header("x-t", b"\xff", KeyKind::Text).unwrap_err(),
            ResolveError::NotText {
                origin: "header x-t".into()
            }
        );
        assert_eq!(
            header("x-t", b"a\nb", KeyKind::Text)
                .unwrap_err()
                .to_string(),
            "header x-t is not valid text"
        );
        let err = header("x-t", b"", KeyKind::Text).unwrap_err();
        assert!(
            matches!(
                &err,
                ResolveError::InvalidKey { origin, error: Error::InvalidTenantKey { .. } }
                    if origin == "header x-t"
            ),
            "{err:?}"
        );
        assert!(header("x-t", b"not-a-uuid", KeyKind::Uuid).is_err());
    }

    #[test]
    fn the_label_is_the_one_right_under_the_base() {
        let label = |host| subdomain_label(host, "example.com");
        assert_eq!(label("acme.example.com").as_deref(), Some("acme"));
        assert_eq!(label("acme.example.com:8080").as_deref(), Some("acme"));
        assert_eq!(label("a.b.example.com").as_deref(), Some("b"));
        assert_eq!(label("ACME.EXAMPLE.COM.").as_deref(), Some("acme"));
        assert_eq!(label("example.com"), None);
        assert_eq!(label(".example.com"), None);
        assert_eq!(label("acmeexample.com"), None);
        assert_eq!(label("acme.example.org"), None);
        assert_eq!(label("com"), None);
        assert_eq!(label(""), None);
        // The base may be written with a leading dot or in capitals.
        assert_eq!(
            subdomain_label("acme.example.com", ".Example.COM").as_deref(),
            Some("acme")
        );
        // A host with multi-byte characters is never cut inside one.
        assert_eq!(subdomain_label("x.\u{e9}", "a"), None);
    }

    #[test]
    fn a_subdomain_is_parsed_as_the_kind() {
        assert_eq!(
            subdomain("acme.saas.test", "saas.test", KeyKind::Text).unwrap(),
            Some(TenantKey::from("acme"))
        );
        assert_eq!(
            subdomain("other.test", "saas.test", KeyKind::Text).unwrap(),
            None
        );
        let err = subdomain("acme.saas.test", "saas.test", KeyKind::BigInt).unwrap_err();
        assert_eq!(
            err.to_string(),
            "subdomain: `acme` is not a valid bigint tenant key"
        );
    }

    #[test]
    fn a_path_segment_is_counted_from_the_first() {
        assert_eq!(
            path_segment("/42/x", 0, KeyKind::BigInt).unwrap(),
            Some(TenantKey::Int(42))
        );
        assert_eq!(
            path_segment("t/42", 1, KeyKind::BigInt).unwrap(),
            Some(TenantKey::Int(42))
        );
        assert_eq!(path_segment("/t//x", 1, KeyKind::BigInt).unwrap(), None);
        assert_eq!(path_segment("/", 0, KeyKind::BigInt).unwrap(), None);
        assert_eq!(
            path_segment("/t/nine", 1, KeyKind::BigInt)
                .unwrap_err()
                .to_string(),
            "path segment: `nine` is not a valid bigint tenant key"
        );
    }
}
