//! The rules a sign-up's username and password meet, and how a username is compared: NFKC
//! normalised and lowercased, so that `Ada`, `ADA` and `Ａｄａ` (full-width) are one user, both
//! when it is stored and when it is looked up. Characters that make two names look alike or
//! reorder the text around them (controls, zero-width and bidirectional marks) are refused.
//! The password rules apply to sign-up only: existing users (the seeded `demo` ones) still log
//! in with the password they have. An account's subdomain is a DNS label, stored lowercased;
//! its name and domain are bounded text.

use multitenant_axum::ApiError;

use super::errors::invalid;

/// Longest username, in characters.
const MAX_USERNAME: usize = 64;
/// Shortest password, in characters.
const MIN_PASSWORD: usize = 10;

/// Longest account name or domain, in characters.
const MAX_ACCOUNT_TEXT: usize = 200;

/// Passwords of at least [`MIN_PASSWORD`] characters that lists of leaked passwords start with.
const COMMON_PASSWORDS: &[&str] = &[
    "0123456789",
    "1234567890",
    "12345678910",
    "123456789a",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abcdefghij",
    "administrator",
    "iloveyou123",
    "letmein123",
    "password01",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "qwerty1234",
    "qwerty123456",
    "qwertyuiop",
    "welcome123",
    "zaq12wsxcde",
];

pub(super) use crate::auth::fold_username;

/// Whether `c` is invisible or changes how the text around it is shown.
fn deceptive(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The username a sign-up stores (see [`fold_username`]), or 422 naming `username`.
pub(super) fn new_username(raw: &str) -> Result<String, ApiError> {
    let username = fold_username(raw);
    let length = username.chars().count();
    if length == 0 || length > MAX_USERNAME {
        return Err(invalid(
            "username",
            "must be 1 to 64 characters without spaces",
        ));
    }
    if username.chars().any(deceptive) {
        return Err(invalid(
            "username",
            "must not contain spaces, control, zero-width or bidirectional characters",
        ));
    }
    Ok(username)
}

/// 422 naming `field` unless `password` is acceptable as the new password of the user called
/// `username` (already folded).
pub(super) fn check_new_password(
    field: &str,
    password: &str,
    username: &str,
) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid(field, "must be at least 10 characters"));
    }
    if password.trim().is_empty() {
        return Err(invalid(field, "must not be only spaces"));
    }
    let folded = fold_username(password);
    if folded == username {
        return Err(invalid(field, "must not be the username"));
    }
    if COMMON_PASSWORDS.contains(&folded.as_str()) {
        return Err(invalid(
            field,
            "is one of the most common passwords; choose another",
        ));
    }
    Ok(())
}

/// `raw` trimmed, or 422 naming `field` when it is empty, longer than 200 characters or holds
/// a control character (NUL included, which PostgreSQL text cannot store).
pub(super) fn account_text(field: &str, raw: &str) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if text.chars().count() > MAX_ACCOUNT_TEXT {
        return Err(invalid(field, "must be at most 200 characters"));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(text.to_owned())
}

/// `raw` trimmed and lowercased when it is a DNS label (1 to 63 of `a-z`, `0-9` and `-`, no
/// `-` at either end), or 422 naming `subdomain`.
pub(super) fn subdomain(raw: &str) -> Result<String, ApiError> {
    let label = raw.trim().to_ascii_lowercase();
    let valid = (1..=63).contains(&label.len())
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-');
    if valid {
        Ok(label)
    } else {
        Err(invalid(
            "subdomain",
            "must be a DNS label: 1 to 63 letters, digits or `-`, not starting or ending with `-`",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_folded() {
        assert_eq!(new_username("  Ada ").unwrap(), "ada");
        assert_eq!(new_username("ＡＤＡ").unwrap(), "ada");
        assert_eq!(new_username("ﬁne").unwrap(), "fine");
        assert_eq!(fold_username("Demo1"), "demo1");
    }

    #[test]
    fn deceptive_usernames_are_refused() {
        for bad in [
            "",
            "a b",
            "a\u{0}b",
            "a\tb",
            "a\u{200B}b",
            "a\u{200D}b",
            "a\u{2060}b",
            "a\u{FEFF}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{2069}b",
        ] {
            let err = new_username(bad).unwrap_err();
            assert!(err.message().starts_with("`username`"), "{bad:?}: {err}");
        }
        assert!(new_username(&"a".repeat(64)).is_ok());
        assert!(new_username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn weak_passwords_are_refused() {
        for bad in [
            "short",
            "          ",
            "Ada Lovelace",
            "PASSWORD123",
            "qwertyuiop",
        ] {
            let err = check_new_password("password", bad, "ada lovelace").unwrap_err();
            assert!(err.message().starts_with("`password`"), "{bad:?}: {err}");
        }
        assert!(check_new_password("password", "correct horse battery", "ada").is_ok());
    }

    #[test]
    fn subdomains_are_dns_labels() {
        assert_eq!(subdomain(" Ada-One ").unwrap(), "ada-one");
        assert_eq!(subdomain(&"a".repeat(63)).unwrap(), "a".repeat(63));
        for bad in ["", "-a", "a-", "a.b", "a_b", "ä", "a b", &"a".repeat(64)] {
            assert!(subdomain(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn account_text_is_bounded() {
        assert_eq!(account_text("name", " Acme ").unwrap(), "Acme");
        for bad in [" ", "a\u{0}b", &"x".repeat(201)] {
            let err = account_text("name", bad).unwrap_err();
            assert!(err.message().starts_with("`name`"), "{bad:?}: {err}");
        }
    }
}
