//! The JSON shape of every list response: one page of items and how many there are in all.

use serde::{Deserialize, Serialize};

/// One page of a list: `{"items": [...], "total": N}`, where `total` counts every item the
/// list would return without `limit` and `offset`. The CRUD router's list routes return it, and
/// so can hand-written ones.
///
/// A list may stop counting past a bound (the CRUD router's `Crud::count_limit`, 1,000 rows by
/// default): `total` is then a lower bound, and the page says so with `"total_exact": false`.
/// An exact total leaves the field out, so the JSON is the same as without it.
///
/// ```
/// use multitenant_axum::Page;
///
/// let page = Page::from(vec!["a", "b"]);
/// assert_eq!(page.total, 2);
/// assert!(page.total_exact);
/// assert_eq!(serde_json::to_value(&page).unwrap(), serde_json::json!({"items": ["a", "b"], "total": 2}));
///
/// let counted_to_the_bound = Page { items: vec!["a"], total: 1000, total_exact: false };
/// assert_eq!(
///     serde_json::to_value(&counted_to_the_bound).unwrap(),
///     serde_json::json!({"items": ["a"], "total": 1000, "total_exact": false})
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items there are in all pages; only at least this many when `total_exact` is
    /// false.
    pub total: u64,
    /// Whether `total` is the exact count (sent only when false: counting stopped at a bound, and
    /// there are more items than `total`).
    #[serde(default = "exact", skip_serializing_if = "is_exact")]
    pub total_exact: bool,
}

/// The default of `total_exact` when a page leaves it out.
fn exact() -> bool {
    true
}

/// Whether `total_exact` is left out of a page's JSON: when it holds the default.
fn is_exact(total_exact: &bool) -> bool {
    *total_exact
}

impl<T> From<Vec<T>> for Page<T> {
    /// A page holding the whole list.
    fn from(items: Vec<T>) -> Self {
        Page {
            total: items.len() as u64,
            total_exact: true,
            items,
        }
    }
}
