//! The console's stylesheet and script, compiled into the binary so the
//! console works offline and needs no front-end build.

use axum::http::header;
use axum::response::IntoResponse;

const CSS: &str = include_str!("../assets/console.css");
const JS: &str = include_str!("../assets/console.js");

/// An hour: a new binary may change them, and the pages name them without a
/// version.
const CACHE: &str = "public, max-age=3600";

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        CSS,
    )
}

pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        JS,
    )
}
