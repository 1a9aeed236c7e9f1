//! The JSON shape of every list response: one page of items and how many there are in all.

use serde::{Deserialize, Serialize};

/// One page of a list: `{"items": [...], "total": N}`, where `total` counts every item the
/// list would return without `limit` and `offset`. The CRUD router's list routes return it, and
/// so can hand-written ones.
///
/// ```
/// use multitenant_axum::Page;
///
/// let page = Page::from(vec!["a", "b"]);
/// assert_eq!(page.total, 2);
/// assert_eq!(serde_json::to_value(&page).unwrap(), serde_json::json!({"items": ["a", "b"], "total": 2}));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items there are in all pages.
    pub total: u64,
}

impl<T> From<Vec<T>> for Page<T> {
    /// A page holding the whole list.
    fn from(items: Vec<T>) -> Self {
        Page {
            total: items.len() as u64,
            items,
        }
    }
}
