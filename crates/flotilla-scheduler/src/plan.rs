//! `flotilla plan`: placement decisions with no engine at all, from a state document.
//!
//! The command reads the files, calls [`plan_from_files`] (or [`plan_single`] for one request
//! built from `run` options) and prints the results as JSON. Exit codes: [`PlanOutcome::exit_code`]
//! is 0 when every request was placed and 1 otherwise; a [`PlanError`] (the files themselves are
//! unusable) is exit code 2.

use crate::state::{ClusterState, StateError, Strategy};
use crate::{CreateRequest, Options, PlanResult, plan_one, plan_sequence};

/// Command-line values that override the state document's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanOverrides {
    /// `--strategy`.
    pub strategy: Option<Strategy>,
    /// `--overcommit` (a fraction, e.g. 0.05).
    pub overcommit: Option<f64>,
    /// Seed for the `random` strategy (default 0).
    pub seed: Option<u64>,
}

/// The files or options are unusable: exit code 2, nothing decided.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The state file is not JSON, or not the state schema.
    #[error("state file is not a flotilla state document: {0}")]
    State(#[from] StateError),
    /// The requests file is not JSON.
    #[error("requests file is not valid JSON: {0}")]
    RequestsSyntax(String),
    /// The requests file is JSON but not an array.
    #[error("requests file must be a JSON array of create requests, found {found}: {snippet}")]
    RequestsNotArray {
        /// `an object`, `a string`, …
        found: &'static str,
        /// The beginning of the file, for the user to recognise it.
        snippet: String,
    },
    /// `--overcommit` out of range.
    #[error("invalid --overcommit {0}: must be a number greater than -1")]
    Overcommit(f64),
}

impl PlanError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

/// The results of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanOutcome {
    /// One result per request, in order.
    pub results: Vec<PlanResult>,
    /// Whether every request was placed.
    pub all_placed: bool,
}

impl PlanOutcome {
    /// 0 when every request was placed, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.all_placed { 0 } else { 1 }
    }
}

/// Parse a state document.
pub fn load_state(state_json: &str) -> Result<ClusterState, PlanError> {
    Ok(ClusterState::from_json(state_json)?)
}

/// The options for a state with the command line's overrides applied.
pub fn options_for(state: &ClusterState, overrides: &PlanOverrides) -> Result<Options, PlanError> {
    let mut opts = Options::from_state(state);
    if let Some(s) = overrides.strategy {
        opts.strategy = s;
    }
    if let Some(oc) = overrides.overcommit {
        if !oc.is_finite() || oc <= -1.0 {
            return Err(PlanError::Overcommit(oc));
        }
        opts.overcommit = oc;
    }
    if let Some(seed) = overrides.seed {
        opts.seed = seed;
    }
    Ok(opts)
}

fn snippet(text: &str) -> String {
    let t = text.trim();
    let cut: String = t.chars().take(60).collect();
    if cut.len() < t.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Parse a requests file: a JSON array whose elements are decided one by one (an element that is
/// not a create request becomes a failed result, not an error of the file).
pub fn parse_requests(requests_json: &str) -> Result<Vec<serde_json::Value>, PlanError> {
    let value: serde_json::Value = serde_json::from_str(requests_json)
        .map_err(|e| PlanError::RequestsSyntax(e.to_string()))?;
    let found = match &value {
        serde_json::Value::Array(_) => None,
        serde_json::Value::Object(_) => Some("an object"),
        serde_json::Value::String(_) => Some("a string"),
        serde_json::Value::Number(_) => Some("a number"),
        serde_json::Value::Bool(_) => Some("a boolean"),
        serde_json::Value::Null => Some("null"),
    };
    match (found, value) {
        (None, serde_json::Value::Array(items)) => Ok(items),
        (found, _) => Err(PlanError::RequestsNotArray {
            found: found.unwrap_or("something else"),
            snippet: snippet(requests_json),
        }),
    }
}

/// `plan --state FILE --requests FILE`: decide every request in order, each placed container added
/// to the state before the next.
pub fn plan_from_files(
    state_json: &str,
    requests_json: &str,
    overrides: &PlanOverrides,
) -> Result<PlanOutcome, PlanError> {
    let mut state = load_state(state_json)?;
    let opts = options_for(&state, overrides)?;
    let requests = parse_requests(requests_json)?;
    let results = plan_sequence(&mut state, requests, &opts);
    let all_placed = results.iter().all(PlanResult::placed);
    Ok(PlanOutcome {
        results,
        all_placed,
    })
}

/// `plan --state FILE [run options] IMAGE`: decide one request (built by the command from the run
/// options).
pub fn plan_single(
    state_json: &str,
    request: &CreateRequest,
    overrides: &PlanOverrides,
) -> Result<PlanResult, PlanError> {
    let state = load_state(state_json)?;
    let opts = options_for(&state, overrides)?;
    Ok(plan_one(&state, request, &opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = r#"{"nodes":[{"name":"node-0","cpus":2,"memory":2147483648},
                                      {"name":"node-1","cpus":2,"memory":2147483648}]}"#;

    #[test]
    fn results_serialize_exactly() {
        let out = plan_from_files(
            STATE,
            r#"[{"Name":"c1","Image":"redis"},{"Name":"c2","Env":["constraint:node==nowhere"]}]"#,
            &PlanOverrides::default(),
        )
        .unwrap();
        assert!(!out.all_placed);
        assert_eq!(out.exit_code(), 1);
        let json = serde_json::to_string(&out.results).unwrap();
        assert_eq!(
            json,
            r#"[{"name":"c1","node":"node-0","candidates":["node-0","node-1"],"error":null},{"name":"c2","node":null,"candidates":[],"error":"Unable to find a node that satisfies the following conditions \n[available container slots]\n[node==nowhere]"}]"#
        );
    }

    #[test]
    fn unusable_files_are_exit_code_2_with_the_offending_text() {
        let e = plan_from_files("{\"nodes\": 3}", "[]", &PlanOverrides::default()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(
            e.to_string().starts_with(
                "state file is not a flotilla state document: nodes: invalid type: integer `3`"
            ),
            "{e}"
        );
        let e = plan_from_files(STATE, r#"{"Name":"c1"}"#, &PlanOverrides::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"requests file must be a JSON array of create requests, found an object: {"Name":"c1"}"#
        );
        let e = plan_from_files(STATE, "[{", &PlanOverrides::default()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("requests file is not valid JSON: "),
            "{e}"
        );
        let e = plan_from_files(
            STATE,
            "[]",
            &PlanOverrides {
                overcommit: Some(-1.0),
                ..PlanOverrides::default()
            },
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid --overcommit -1: must be a number greater than -1"
        );
    }

    #[test]
    fn overrides_apply() {
        let state = r#"{"strategy":"binpack","nodes":[{"name":"a"},{"name":"b","containers":[{"name":"x"}]}]}"#;
        let reqs = r#"[{"Name":"c"}]"#;
        let out = plan_from_files(state, reqs, &PlanOverrides::default()).unwrap();
        assert_eq!(out.results[0].node.as_deref(), Some("b"));
        let spread = PlanOverrides {
            strategy: Some(Strategy::Spread),
            ..PlanOverrides::default()
        };
        let out = plan_from_files(state, reqs, &spread).unwrap();
        assert_eq!(out.results[0].node.as_deref(), Some("a"));
        assert!(out.all_placed);
        assert_eq!(out.exit_code(), 0);
    }

    #[test]
    fn single_request() {
        let req = CreateRequest {
            name: "c1".into(),
            image: "redis".into(),
            env: vec!["constraint:node==node-1".into()],
            ..CreateRequest::default()
        };
        let r = plan_single(STATE, &req, &PlanOverrides::default()).unwrap();
        assert_eq!(r.node.as_deref(), Some("node-1"));
        assert_eq!(r.candidates, vec!["node-1"]);
    }
}
