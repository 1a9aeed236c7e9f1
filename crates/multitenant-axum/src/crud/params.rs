//! What a CRUD request says in its URI: the list's query string (`limit`, `offset`, `order`,
//! equality filters by column) and the id in the path, read into SeaORM columns and values of
//! the columns' types.

use std::collections::BTreeMap;

use sea_orm::sea_query::ColumnType;
use sea_orm::{ColumnTrait, EntityTrait, IdenStatic, Iterable, Order, Value};

use crate::ApiError;

/// How many rows a list returns when the request does not say.
const DEFAULT_LIMIT: u64 = 50;

/// The largest `limit` or `offset`: SQL takes them as `bigint`.
pub(super) const MAX_ROWS: u64 = i64::MAX as u64;

/// A list request's query string, read against entity `E`.
pub(super) struct ListQuery<E: EntityTrait> {
    /// Rows per page: 1 to the router's maximum.
    pub(super) limit: u64,
    /// Rows to skip.
    pub(super) offset: u64,
    /// `order=name` (ascending) or `order=-name` (descending); the id breaks ties.
    pub(super) order: Option<(E::Column, Order)>,
    /// `column=value` pairs, all of which a row must match.
    pub(super) filters: Vec<(E::Column, Value)>,
}

impl<E: EntityTrait> ListQuery<E> {
    /// Reads `params`; `limit` may not exceed `max_limit`, `offset` not [`MAX_ROWS`] (nor
    /// `limit`, whatever `max_limit` says). Every parameter that is not
    /// `limit`, `offset` or `order` must name a column.
    pub(super) fn parse(
        params: &BTreeMap<String, String>,
        max_limit: u64,
    ) -> Result<Self, ApiError> {
        let mut query = ListQuery {
            limit: DEFAULT_LIMIT.min(max_limit),
            offset: 0,
            order: None,
            filters: Vec::new(),
        };
        for (key, value) in params {
            match key.as_str() {
                "limit" => {
                    let max_limit = max_limit.min(MAX_ROWS);
                    query.limit = value
                        .parse()
                        .ok()
                        .filter(|l| (1..=max_limit).contains(l))
                        .ok_or_else(|| {
                            ApiError::bad_request(
                                "invalid_limit",
                                format!("limit must be 1..={max_limit}"),
                            )
                        })?;
                }
                "offset" => {
                    query.offset =
                        value
                            .parse()
                            .ok()
                            .filter(|o| *o <= MAX_ROWS)
                            .ok_or_else(|| {
                                ApiError::bad_request(
                                    "invalid_offset",
                                    format!("offset must be 0..={MAX_ROWS}"),
                                )
                            })?;
                }
                "order" => {
                    let (name, direction) = match value.strip_prefix('-') {
                        Some(name) => (name, Order::Desc),
                        None => (value.as_str(), Order::Asc),
                    };
                    let col = column::<E>(name).ok_or_else(|| {
                        ApiError::bad_request("unknown_column", format!("cannot order by `{name}`"))
                    })?;
                    query.order = Some((col, direction));
                }
                name => {
                    let col = column::<E>(name).ok_or_else(|| {
                        ApiError::bad_request("unknown_column", format!("unknown filter `{name}`"))
                    })?;
                    query.filters.push((col, parse_value::<E>(col, value)?));
                }
            }
        }
        Ok(query)
    }
}

/// The column of `E` named `name`, if there is one.
pub(super) fn column<E: EntityTrait>(name: &str) -> Option<E::Column> {
    E::Column::iter().find(|c| c.as_str() == name)
}

/// Converts a path or query value to the column's type; 400 when it does not fit, or when the
/// column's type cannot be compared with text from a URI.
pub(super) fn parse_value<E: EntityTrait>(col: E::Column, text: &str) -> Result<Value, ApiError> {
    let bad = |what: &str| {
        ApiError::bad_request(
            "invalid_value",
            format!("`{text}` is not a valid {what} for `{}`", col.as_str()),
        )
    };
    Ok(match col.def().get_column_type() {
        ColumnType::BigInteger | ColumnType::BigUnsigned => {
            text.parse::<i64>().map_err(|_| bad("integer"))?.into()
        }
        ColumnType::Integer | ColumnType::Unsigned => {
            text.parse::<i32>().map_err(|_| bad("integer"))?.into()
        }
        ColumnType::SmallInteger | ColumnType::SmallUnsigned => {
            text.parse::<i16>().map_err(|_| bad("integer"))?.into()
        }
        ColumnType::Boolean => text.parse::<bool>().map_err(|_| bad("boolean"))?.into(),
        ColumnType::Uuid => uuid::Uuid::parse_str(text).map_err(|_| bad("UUID"))?.into(),
        // Out of the type's range a number parses as infinite; only finite ones compare.
        ColumnType::Double => text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| bad("number"))?
            .into(),
        ColumnType::Float => text
            .parse::<f32>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| bad("number"))?
            .into(),
        // PostgreSQL's text cannot hold NUL.
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) if text.contains('\0') => {
            return Err(bad("text (it holds NUL)"));
        }
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => text.to_owned().into(),
        _ => {
            return Err(ApiError::bad_request(
                "unsupported_filter",
                format!("`{}` cannot be used as a filter or id", col.as_str()),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crud::test_entity::tasks::{Column, Entity};

    fn parse(pairs: &[(&str, &str)]) -> Result<ListQuery<Entity>, ApiError> {
        let params = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ListQuery::parse(&params, 100)
    }

    fn code(err: Result<ListQuery<Entity>, ApiError>) -> (u16, String) {
        let err = err.err().expect("an error");
        (err.status().as_u16(), err.code().to_owned())
    }

    #[test]
    fn an_empty_query_string_is_the_first_page_in_id_order() {
        let q = parse(&[]).unwrap();
        assert_eq!((q.limit, q.offset), (DEFAULT_LIMIT, 0));
        assert!(q.order.is_none() && q.filters.is_empty());
    }

    #[test]
    fn limit_offset_order_and_filters_are_read() {
        let q = parse(&[
            ("limit", "100"),
            ("offset", "20"),
            ("order", "-name"),
            ("done", "true"),
            ("id", "7"),
        ])
        .unwrap();
        assert_eq!((q.limit, q.offset), (100, 20));
        assert!(matches!(q.order, Some((Column::Name, Order::Desc))));
        assert_eq!(q.filters.len(), 2);
        assert!(
            q.filters
                .iter()
                .any(|f| matches!(f, (Column::Done, v) if *v == Value::from(true)))
        );
        assert!(
            q.filters
                .iter()
                .any(|f| matches!(f, (Column::Id, v) if *v == Value::from(7_i64)))
        );
        let q = parse(&[("order", "name")]).unwrap();
        assert!(matches!(q.order, Some((Column::Name, Order::Asc))));
    }

    #[test]
    fn a_bad_parameter_is_a_400_naming_it() {
        let bad = code(parse(&[("limit", "0")]));
        assert_eq!(bad, (400, "invalid_limit".to_owned()));
        assert_eq!(code(parse(&[("limit", "101")])).1, "invalid_limit");
        assert_eq!(code(parse(&[("limit", "ten")])).1, "invalid_limit");
        assert_eq!(code(parse(&[("offset", "-1")])).1, "invalid_offset");
        // Beyond bigint: refused here, or SQL building would panic.
        let over = (MAX_ROWS + 1).to_string();
        assert_eq!(code(parse(&[("offset", &over)])).1, "invalid_offset");
        let q = parse(&[("offset", &MAX_ROWS.to_string())]).unwrap();
        assert_eq!(q.offset, MAX_ROWS);
        let params = [("limit".to_owned(), over.clone())].into();
        let err = ListQuery::<Entity>::parse(&params, u64::MAX).err().unwrap();
        assert_eq!(err.message(), format!("limit must be 1..={MAX_ROWS}"));
        assert_eq!(code(parse(&[("order", "-color")])).1, "unknown_column");
        assert_eq!(code(parse(&[("color", "red")])).1, "unknown_column");
        assert_eq!(code(parse(&[("id", "seven")])).1, "invalid_value");
        assert_eq!(
            code(parse(&[("due", "2024-01-01")])).1,
            "unsupported_filter"
        );
    }

    #[test]
    fn values_take_the_columns_type() {
        let uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
        assert_eq!(
            parse_value::<Entity>(Column::ExternalId, uuid).unwrap(),
            Value::from(uuid::Uuid::parse_str(uuid).unwrap())
        );
        assert_eq!(
            parse_value::<Entity>(Column::Name, "42").unwrap(),
            Value::from("42".to_owned())
        );
        assert_eq!(
            parse_value::<Entity>(Column::Priority, "3").unwrap(),
            Value::from(3_i32)
        );
        assert_eq!(
            parse_value::<Entity>(Column::Weight, "0.5").unwrap(),
            Value::from(0.5_f64)
        );
        let err = parse_value::<Entity>(Column::ExternalId, "nope").unwrap_err();
        assert_eq!(
            err.message(),
            "`nope` is not a valid UUID for `external_id`"
        );
        assert!(parse_value::<Entity>(Column::Priority, "3000000000").is_err());
        for out_of_range in ["1e400", "-1e400", "inf", "NaN"] {
            let err = parse_value::<Entity>(Column::Weight, out_of_range).unwrap_err();
            assert_eq!(err.code(), "invalid_value", "{out_of_range}");
        }
        assert!(parse_value::<Entity>(Column::Id, "9223372036854775808").is_err());
        assert!(parse_value::<Entity>(Column::Done, "yes").is_err());
    }

    #[test]
    fn columns_are_found_by_their_sql_name() {
        assert!(matches!(
            column::<Entity>("external_id"),
            Some(Column::ExternalId)
        ));
        assert!(column::<Entity>("ExternalId").is_none());
    }
}
