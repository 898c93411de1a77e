//! `GET /_flotilla/view`: the model in the one-off view's shape, so `flotilla info` and
//! `flotilla ps` show the health states a running manager keeps (`Status`, `Last error`,
//! `UpdatedAt`) instead of fetching every engine themselves. Not part of the Engine API; the
//! same client certificate guards it.

use axum::body::Body;
use axum::http::{Response, StatusCode};

use super::{Manager, json_response};
use crate::cluster::live::ViewDoc;

pub(super) fn view(m: &Manager) -> Response<Body> {
    let doc = ViewDoc::of(&m.model.live(true));
    match serde_json::to_value(&doc) {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => super::error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
