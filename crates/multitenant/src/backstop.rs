//! The row-level-security backstop's side of the core: the name of the custom setting the
//! database policies read, and the text an adapter stores in it for a scope.
//!
//! When a [`Scoper`](crate::Scoper) is made with
//! [`with_row_level_security`](crate::Scoper::with_row_level_security), every adapter sets that
//! setting for the length of each transaction it opens (`SET LOCAL`), so a policy created by `multitenant-citus`'s `rls` module lets a statement
//! that bypassed the scoper see only the current tenant's rows.
//!
//! ```
//! use multitenant::{Scope, Setting};
//!
//! let setting = Setting::new("multitenant.tenant").unwrap();
//! assert_eq!(setting.value(&Scope::one(7_i64)).unwrap().as_deref(), Some("7"));
//! assert_eq!(setting.value(&Scope::many([1_i64, 2])).unwrap().as_deref(), Some("1,2"));
//! assert_eq!(setting.value(&Scope::Unscoped).unwrap(), None); // nothing is set
//! ```

use std::fmt;
use std::sync::Arc;

use crate::{Error, Scope, TenantKey};

/// The name of a custom PostgreSQL setting holding the current tenants (`multitenant.tenant`
/// by default): a dotted name of identifiers, checked when made, so it can be written into a
/// policy's text as it is.
///
/// ```
/// use multitenant::Setting;
///
/// assert_eq!(Setting::default().as_str(), "multitenant.tenant");
/// assert!(Setting::new("app.account").is_ok());
/// assert!(Setting::new("account").is_err());          // custom settings need a prefix
/// assert!(Setting::new("app.x'; DROP").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Setting(Arc<str>);

impl Setting {
    /// The setting the policies read unless told otherwise.
    pub const DEFAULT: &'static str = "multitenant.tenant";

    /// A setting name: at least two dot-separated parts, each an ASCII identifier (letters,
    /// digits, `_`, not starting with a digit).
    ///
    /// ```
    /// let err = multitenant::Setting::new("tenant").unwrap_err();
    /// assert!(matches!(err, multitenant::Error::InvalidSetting { .. }));
    /// ```
    pub fn new(name: &str) -> Result<Self, Error> {
        let part_ok = |p: &str| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() < 2 || !parts.iter().all(|p| part_ok(p)) {
            return Err(Error::InvalidSetting {
                name: name.to_owned(),
            });
        }
        Ok(Setting(Arc::from(name)))
    }

    /// The name.
    ///
    /// ```
    /// assert_eq!(multitenant::Setting::new("app.tenant").unwrap().as_str(), "app.tenant");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `SET LOCAL name = 'value'`: sets the setting until the transaction ends. A `SET`
    /// statement rather than `set_config()`, because only `SET` commands reach the workers on
    /// Citus (with `citus.propagate_set_commands = 'local'`). Send it as a simple query.
    ///
    /// ```
    /// let s = multitenant::Setting::default();
    /// assert_eq!(s.set_local("1,2"), "SET LOCAL multitenant.tenant = '1,2'");
    /// assert_eq!(s.set_local("o'neil"), "SET LOCAL multitenant.tenant = 'o''neil'");
    /// ```
    pub fn set_local(&self, value: &str) -> String {
        format!("SET LOCAL {} = '{}'", self.0, value.replace('\'', "''"))
    }

    /// The text stored in the setting for `scope`: one key, or the set as a comma list (empty
    /// for an empty set, which the policies read as no tenant); `None` when unscoped, where
    /// nothing is set. A text key containing a comma cannot be told apart in a list and is
    /// refused.
    ///
    /// ```
    /// use multitenant::{Error, Scope, Setting};
    ///
    /// let s = Setting::default();
    /// assert_eq!(s.value(&Scope::one("acme")).unwrap().as_deref(), Some("acme"));
    /// assert_eq!(s.value(&Scope::many(Vec::<i64>::new())).unwrap().as_deref(), Some(""));
    /// assert!(matches!(s.value(&Scope::one("a,b")), Err(Error::KeyNotSettable { .. })));
    /// ```
    pub fn value(&self, scope: &Scope) -> Result<Option<String>, Error> {
        if *scope == Scope::Unscoped {
            return Ok(None);
        }
        let keys = scope.tenants();
        if let Some(bad) = keys
            .iter()
            .find(|k| matches!(k, TenantKey::Text(t) if t.contains(',')))
        {
            return Err(Error::KeyNotSettable {
                value: bad.to_string(),
            });
        }
        let texts: Vec<String> = keys.iter().map(ToString::to_string).collect();
        Ok(Some(texts.join(",")))
    }
}

impl Default for Setting {
    fn default() -> Self {
        Setting(Arc::from(Setting::DEFAULT))
    }
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Setting {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Setting::new(s)
    }
}
