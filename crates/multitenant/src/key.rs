//! Tenant keys: the value that identifies one tenant, and the PostgreSQL type it is bound as.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Error, SchemaError};

/// The PostgreSQL type of a schema's tenant keys.
///
/// ```
/// use multitenant::KeyKind;
///
/// assert_eq!("uuid".parse::<KeyKind>().unwrap(), KeyKind::Uuid);
/// assert_eq!(KeyKind::BigInt.sql_type(), "bigint");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// `bigint` (`int8`); also accepts `int`/`int4` columns.
    #[default]
    #[serde(alias = "int8", alias = "integer", alias = "int")]
    BigInt,
    /// `uuid`.
    Uuid,
    /// `text` (or `varchar`).
    Text,
}

impl KeyKind {
    /// The PostgreSQL type name a key of this kind is bound as.
    ///
    /// ```
    /// assert_eq!(multitenant::KeyKind::Text.sql_type(), "text");
    /// ```
    pub fn sql_type(self) -> &'static str {
        match self {
            KeyKind::BigInt => "bigint",
            KeyKind::Uuid => "uuid",
            KeyKind::Text => "text",
        }
    }

    /// Parses `value` as a key of this kind (for keys that arrive as text: headers, paths).
    ///
    /// ```
    /// use multitenant::{KeyKind, TenantKey};
    ///
    /// assert_eq!(KeyKind::BigInt.parse_key("42").unwrap(), TenantKey::Int(42));
    /// assert!(KeyKind::BigInt.parse_key("forty-two").is_err());
    /// ```
    pub fn parse_key(self, value: &str) -> Result<TenantKey, Error> {
        let invalid = || Error::InvalidTenantKey {
            value: value.chars().take(64).collect(),
            expected: self,
        };
        match self {
            KeyKind::BigInt => value
                .trim()
                .parse::<i64>()
                .map(TenantKey::Int)
                .map_err(|_| invalid()),
            KeyKind::Uuid => Uuid::parse_str(value.trim())
                .map(TenantKey::Uuid)
                .map_err(|_| invalid()),
            KeyKind::Text if value.is_empty() => Err(invalid()),
            KeyKind::Text => Ok(TenantKey::Text(Arc::from(value))),
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql_type())
    }
}

impl FromStr for KeyKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bigint" | "int8" | "int" | "integer" | "int4" => Ok(KeyKind::BigInt),
            "uuid" => Ok(KeyKind::Uuid),
            "text" | "varchar" | "character varying" => Ok(KeyKind::Text),
            other => Err(SchemaError::UnknownKeyKind { text: other.into() }.into()),
        }
    }
}

/// The key of one tenant: the value of the tenant column in every row that tenant owns.
///
/// ```
/// use multitenant::{KeyKind, TenantKey};
///
/// let key = TenantKey::from(7_i64);
/// assert_eq!(key.kind(), KeyKind::BigInt);
/// assert_eq!(key.to_string(), "7");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TenantKey {
    /// A `bigint` key.
    Int(i64),
    /// A `uuid` key.
    Uuid(Uuid),
    /// A `text` key.
    Text(Arc<str>),
}

impl TenantKey {
    /// The kind of this key.
    ///
    /// ```
    /// assert_eq!(multitenant::TenantKey::from("acme").kind(), multitenant::KeyKind::Text);
    /// ```
    pub fn kind(&self) -> KeyKind {
        match self {
            TenantKey::Int(_) => KeyKind::BigInt,
            TenantKey::Uuid(_) => KeyKind::Uuid,
            TenantKey::Text(_) => KeyKind::Text,
        }
    }

    /// The integer, when this is an integer key.
    ///
    /// ```
    /// assert_eq!(multitenant::TenantKey::Int(4).as_int(), Some(4));
    /// assert_eq!(multitenant::TenantKey::from("a").as_int(), None);
    /// ```
    pub fn as_int(&self) -> Option<i64> {
        match self {
            TenantKey::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The UUID, when this is a UUID key.
    ///
    /// ```
    /// assert_eq!(multitenant::TenantKey::Int(4).as_uuid(), None);
    /// ```
    pub fn as_uuid(&self) -> Option<Uuid> {
        match self {
            TenantKey::Uuid(u) => Some(*u),
            _ => None,
        }
    }

    /// The text, when this is a text key.
    ///
    /// ```
    /// assert_eq!(multitenant::TenantKey::from("acme").as_text(), Some("acme"));
    /// ```
    pub fn as_text(&self) -> Option<&str> {
        match self {
            TenantKey::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The key written as a SQL literal, where that is safe without quoting rules that depend on
    /// server settings: integers, and UUIDs (which only hold hex digits and dashes).
    /// Text keys return `None`; they must be bound as parameters.
    ///
    /// ```
    /// use multitenant::TenantKey;
    ///
    /// assert_eq!(TenantKey::Int(-3).sql_literal().as_deref(), Some("-3"));
    /// assert_eq!(TenantKey::from("acme").sql_literal(), None);
    /// ```
    pub fn sql_literal(&self) -> Option<String> {
        match self {
            TenantKey::Int(v) => Some(v.to_string()),
            TenantKey::Uuid(u) => Some(format!("'{u}'::uuid")),
            TenantKey::Text(_) => None,
        }
    }
}

impl fmt::Display for TenantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TenantKey::Int(v) => write!(f, "{v}"),
            TenantKey::Uuid(u) => write!(f, "{u}"),
            TenantKey::Text(t) => f.write_str(t),
        }
    }
}

impl From<i64> for TenantKey {
    fn from(v: i64) -> Self {
        TenantKey::Int(v)
    }
}

impl From<i32> for TenantKey {
    fn from(v: i32) -> Self {
        TenantKey::Int(v.into())
    }
}

impl From<Uuid> for TenantKey {
    fn from(v: Uuid) -> Self {
        TenantKey::Uuid(v)
    }
}

impl From<&str> for TenantKey {
    fn from(v: &str) -> Self {
        TenantKey::Text(Arc::from(v))
    }
}

impl From<String> for TenantKey {
    fn from(v: String) -> Self {
        TenantKey::Text(Arc::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_kind_and_rejects_garbage() {
        let u = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
        assert_eq!(
            KeyKind::Uuid.parse_key(u).unwrap(),
            TenantKey::Uuid(u.parse().unwrap())
        );
        assert_eq!(
            KeyKind::Text.parse_key("acme").unwrap(),
            TenantKey::from("acme")
        );
        assert!(matches!(
            KeyKind::Uuid.parse_key("nope"),
            Err(Error::InvalidTenantKey {
                expected: KeyKind::Uuid,
                ..
            })
        ));
        assert!(KeyKind::Text.parse_key("").is_err());
    }

    #[test]
    fn an_unknown_key_type_is_refused() {
        assert_eq!("INT8".parse::<KeyKind>(), Ok(KeyKind::BigInt));
        assert_eq!(
            " Float ".parse::<KeyKind>(),
            Err(Error::InvalidSchema(Box::new(
                SchemaError::UnknownKeyKind {
                    text: "float".into()
                }
            )))
        );
    }

    #[test]
    fn literals_only_for_safe_kinds() {
        let u: Uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427".parse().unwrap();
        assert_eq!(
            TenantKey::Uuid(u).sql_literal().unwrap(),
            "'1b4e28ba-2fa1-11d2-883f-0016d3cca427'::uuid"
        );
        assert_eq!(TenantKey::from("x'; drop").sql_literal(), None);
    }
}
