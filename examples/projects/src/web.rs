//! The web page: one HTML file, its script and its style sheet, built into the binary. The page
//! talks to the REST API only.

use axum::Router;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use http::header::CONTENT_TYPE;

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const STYLE_CSS: &str = include_str!("../web/style.css");

/// `GET /`, `/app.js` and `/style.css`.
///
/// ```
/// let router: axum::Router<()> = projects::web::router();
/// # let _ = router;
/// ```
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|| async { Html(INDEX_HTML) }))
        .route(
            "/app.js",
            get(|| async {
                ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], APP_JS).into_response()
            }),
        )
        .route(
            "/style.css",
            get(|| async {
                ([(CONTENT_TYPE, "text/css; charset=utf-8")], STYLE_CSS).into_response()
            }),
        )
}
