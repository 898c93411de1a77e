//! Objects each node holds under its own name (networks, volumes), as classic Swarm served
//! them: `NAME` means the object on every Healthy node, `NODE/NAME` the one on that node; an
//! object that lives on its node only is shown as `NODE/NAME`, as the lists show it.
//!
//! Create, inspect and remove are the same call for both kinds; only the path, the noun in
//! messages and what makes an inspected object node-local differ ([`Kind`]).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use super::fanout::{self, Call, Head, Outcome, Refused};
use super::{Manager, error, json_response};
use crate::cluster::model::NodeData;

/// What differs between the kinds.
pub(super) struct Kind {
    /// The API's path segment: `networks`, `volumes`.
    pub path: &'static str,
    /// The CLI's noun, for messages: `network`, `volume`.
    pub noun: &'static str,
    /// Whether an inspected object lives on its node only (then named `NODE/NAME`).
    pub is_local: fn(&Value) -> bool,
}

impl Kind {
    pub fn bad_name(&self, name: &str) -> Refused {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            format!("invalid {} name {name:?}", self.noun),
        ))
    }

    /// The nodes a call naming `name` goes to and the name on them; refused for a name that
    /// may not go into an engine's path, or a `NODE/` that is not Healthy.
    pub fn resolve<'a>(
        &self,
        m: &Manager,
        name: &'a str,
    ) -> Result<(Vec<Arc<NodeData>>, &'a str), Refused> {
        if !fanout::safe_name(name) {
            return Err(self.bad_name(name));
        }
        fanout::targets(m, name)
    }

    /// `POST /KIND/create` with `spec` (its `Name` set to the name on the nodes) on each of
    /// `nodes`; any node refusing (a 404 too: a driver plugin not found) fails the call,
    /// naming where it was done anyway. The first node's answer is the client's.
    pub async fn create(
        &self,
        version: &str,
        req: &Head,
        name: &str,
        nodes: &[Arc<NodeData>],
        spec: Map<String, Value>,
    ) -> Response<Body> {
        let call = Call::like(
            req,
            Method::POST,
            format!("{version}/{}/create", self.path),
            Bytes::from(Value::Object(spec).to_string()),
        );
        let mut o = Outcome::of(fanout::each(nodes, &call).await);
        o.failed.append(&mut o.missing);
        if let Some(f) = o.failure(&format!("{} create {name}", self.noun)) {
            return f;
        }
        match o.ok.first() {
            Some(r) => fanout::relay(r),
            None => error(StatusCode::INTERNAL_SERVER_ERROR, "no node answered"),
        }
    }

    /// `GET /KIND/{name}`: from the first Healthy node (by name) that has it.
    pub async fn inspect(
        &self,
        m: &Manager,
        version: &str,
        name: &str,
        req: &Head,
    ) -> Response<Body> {
        let o = match self.each(m, Method::GET, version, name, req).await {
            Ok(o) => o,
            Err(r) => return *r,
        };
        match o.ok.first() {
            Some(r) => {
                let mut v = r.json();
                if (self.is_local)(&v)
                    && let Some(n) = v.get("Name").and_then(Value::as_str)
                {
                    v["Name"] = json!(format!("{}/{n}", r.node.name()));
                }
                json_response(StatusCode::OK, &v)
            }
            None => o
                .failure(&format!("{} inspect {name}", self.noun))
                .unwrap_or_else(|| o.not_found()),
        }
    }

    /// `DELETE /KIND/{name}`: from every Healthy node that has it.
    pub async fn remove(
        &self,
        m: &Manager,
        version: &str,
        name: &str,
        req: &Head,
    ) -> Response<Body> {
        let o = match self.each(m, Method::DELETE, version, name, req).await {
            Ok(o) => o,
            Err(r) => return *r,
        };
        if let Some(f) = o.failure(&format!("{} rm {name}", self.noun)) {
            return f;
        }
        if o.ok.is_empty() {
            return o.not_found();
        }
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        r
    }

    /// `METHOD VERSION/KIND/NAME` (with the client's query: `force`, `verbose`, `scope`) on
    /// the nodes `name` resolves to.
    async fn each(
        &self,
        m: &Manager,
        method: Method,
        version: &str,
        name: &str,
        req: &Head,
    ) -> Result<Outcome, Refused> {
        let (nodes, rest) = self.resolve(m, name)?;
        let mut target = format!("{version}/{}/{rest}", self.path);
        if let Some(q) = req.uri().query() {
            target.push('?');
            target.push_str(q);
        }
        let call = Call::like(req, method, target, Bytes::new());
        Ok(Outcome::of(fanout::each(&nodes, &call).await))
    }
}
