//! Placement decisions: which node gets a container. Pure: no I/O, no clock, no global RNG.
//!
//! The pipeline is classic Swarm's (`scheduler/scheduler.go`):
//!
//! 1. the request's `constraint:`/`affinity:`/`reschedule:`/`whitelist:` env entries become
//!    `com.docker.swarm.*` labels and are parsed ([`request`], [`expr`]);
//! 2. **pass 1** applies every filter in order ([`filter`]: health, port, containerslots,
//!    dependency, affinity, constraint, whitelist) with every rule, soft ones included, then ranks the
//!    survivors ([`strategy`]);
//! 3. when pass 1 fails for any reason (a filter leaves no node, or no node has the resources),
//!    **pass 2** does the same with the soft rules skipped, and its outcome is final.
//!
//! [`schedule`] decides one request; [`explain`] says, node by node, which filter rejected it;
//! [`plan_sequence`] decides a list of requests in order, adding each placed container to the state
//! before the next; [`plan`] wraps that for `flotilla plan`. A [`Snapshot`] is a state prepared once
//! for many decisions (lookup tables instead of scans); `plan_sequence` runs on one.
//!
//! # Differences from classic Swarm (deliberate)
//!
//! * Exact ties (same weight, same container count) go to the node whose name sorts first, for every
//!   strategy; upstream's order came from a Go map. Decisions are reproducible.
//! * CPU reservations are counted in nano-CPUs: `NanoCpus` (`--cpus`, which upstream did not know),
//!   or `CpuShares` read as whole CPUs as upstream did (`--cpu-shares N` reserves N CPUs),
//!   whichever is larger ([`request::cpu_reservation`]). Overcommit is therefore computed in
//!   nano-CPUs too: 5 % of 4 CPUs is 0.2 CPU, where upstream's integer CPUs gave 0.
//! * In a glob only `*` is special, and it matches any run of characters, newlines included;
//!   upstream left `.`, `+`, `?`, … live as regex metacharacters (and its `.*` stopped at a newline).
//! * A `/regex/` that does not compile is rejected with the expression; upstream logged it and
//!   treated it as "no match". So is one that compiles to more than
//!   [`expr::MAX_REGEX_SIZE`], and a request with more than [`request::MAX_RULES`] rules:
//!   upstream had no bound, and each rule costs parsing and compiling on every request.
//! * A malformed expression or reschedule policy is reported as such (`invalid constraint 'x': One
//!   of operator ==, != is expected`), not wrapped in "Unable to find a node…".
//! * `random` picks among the nodes that fit the requested resources (upstream skipped the check),
//!   with a seed from [`Options`].
//! * A `whitelist` with `!=` excludes the listed nodes (upstream ignored the operator).
//! * Expression keys are lowercased as upstream, but a label whose key has capitals still matches
//!   (case-insensitive fallback); upstream could never match it.
//! * Exposed-port keys are normalised (`80` = `80/tcp`) for the host-mode check, host port ranges
//!   (`8000-8010`) conflict with any port inside them, and planned/pending containers count in the
//!   host-mode check too (upstream skipped pending ones there).
//! * A `com.docker.swarm.*` rule label that is not a JSON array of strings is an error.
//! * The scheduler never looks at whether a node has the requested image: a missing image is
//!   pulled at create time and never makes a node ineligible (images matter only to `image`
//!   affinities). [`plan_sequence`] records the image on the chosen node, as the pull would.

pub mod expr;
pub mod filter;
mod glob;
mod index;
pub mod plan;
pub mod request;
mod snapshot;
pub mod state;
pub mod strategy;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::state::Strategy;
use crate::state::{ClusterState, Container, DEFAULT_OVERCOMMIT, Port};
use filter::{DEFAULT_FILTERS, FilterKind};
use index::NodeIndex;
pub use request::{CreateRequest, Prepared, RequestError};
pub use snapshot::Snapshot;
use snapshot::Tables;
use strategy::{Candidate, Usage};

/// How to decide: strategy, overcommit, filter chain and the seed of the `random` strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Ranking strategy.
    pub strategy: Strategy,
    /// Overcommit fraction on CPUs and memory; must be finite and greater than -1.
    pub overcommit: f64,
    /// Filters, in order (`--filter`); classic Swarm's seven by default.
    pub filters: Vec<FilterKind>,
    /// Seed of the `random` strategy, so its decisions can be reproduced.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strategy: Strategy::Spread,
            overcommit: DEFAULT_OVERCOMMIT,
            filters: DEFAULT_FILTERS.to_vec(),
            seed: 0,
        }
    }
}

impl Options {
    /// The options a state document asks for (its strategy and overcommit).
    pub fn from_state(state: &ClusterState) -> Self {
        Options {
            strategy: state.strategy,
            overcommit: state.overcommit,
            ..Options::default()
        }
    }

    fn validate(&self) -> Result<(), ScheduleError> {
        if !self.overcommit.is_finite() || self.overcommit <= -1.0 {
            return Err(ScheduleError::InvalidOptions(format!(
                "overcommit must be a number greater than -1, got {}",
                self.overcommit
            )));
        }
        Ok(())
    }
}

/// A placement: the chosen node and every node that passed the filters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Name of the chosen node.
    pub node: String,
    /// Names (sorted) of the nodes that passed every filter in the pass that produced the
    /// decision (the pass with soft rules if it succeeded, else the pass without them). The strategy
    /// may still have set some of them aside for lack of resources.
    pub candidates: Vec<String>,
}

/// Why no node was chosen. `Display` gives classic Swarm's texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// The request cannot be used (malformed expression, invalid reschedule policy, …).
    #[error("{0}")]
    InvalidRequest(#[from] RequestError),
    /// The options cannot be used (overcommit out of range).
    #[error("{0}")]
    InvalidOptions(String),
    /// The health filter left no node (also: the cluster has no node).
    #[error("No healthy node available in the cluster")]
    NoHealthyNode,
    /// The filter chain left no node without any filter failing (only with a custom chain).
    #[error("No nodes available in the cluster")]
    NoNodes,
    /// A filter left no node. `lines` holds, for each filter up to and including the one that
    /// failed, its rules printed as `[rule rule]` (filters without rules print nothing).
    #[error(
        "Unable to find a node that satisfies the following conditions {}",
        lines.iter().map(|l| format!("\n{l}")).collect::<String>()
    )]
    Unsatisfied {
        /// The name of the filter that left no node.
        filter: String,
        /// One `[…]` line per filter, as upstream.
        lines: Vec<String>,
    },
    /// Nodes passed every filter but none has the CPU or memory requested.
    #[error("no resources available to schedule container")]
    NoResources,
}

/// Per-node data the pipeline needs beyond the state: usage, name order, lookup tables.
///
/// A one-off decision ([`schedule`]) has no tables: it computes usage lazily, only for the nodes
/// that survive the filters and only when the request reserves CPU or memory (otherwise only
/// container counts matter), and answers the filters by scanning. A [`Snapshot`] lends its tables,
/// so a decision never re-sums or rescans every container.
#[derive(Debug, Clone, Copy)]
struct View<'t> {
    overcommit: f64,
    tables: Option<&'t Tables>,
}

impl View<'_> {
    fn lazy(overcommit: f64) -> View<'static> {
        View {
            overcommit,
            tables: None,
        }
    }

    fn node_index(&self, i: usize) -> Option<&NodeIndex> {
        self.tables.map(|t| &t.index[i])
    }

    /// With tables, what can be said of every node at once before the filter `f` runs node by
    /// node (`None`: nothing), from the cluster-wide tables:
    ///
    /// * dependency: a node that holds no container by a dependency's name or ID is out; the
    ///   per-node check runs only on the few that do;
    /// * affinity: a `container` rule with a glob or regex is decided here outright (one search
    ///   over every container name and ID) and the per-node check skips it;
    /// * port: in host mode the answer is known outright; in bridge mode a node where no container
    ///   publishes a requested port is in, and only the others are checked.
    fn screen(
        &self,
        f: FilterKind,
        req: &Prepared,
        soft: bool,
        nodes: usize,
    ) -> Option<Vec<Screen>> {
        let t = self.tables?;
        let mut screen: Option<Vec<Screen>> = None;
        let mut combine = |one: Vec<Screen>| {
            screen = Some(match screen.take() {
                None => one,
                Some(s) => s.iter().zip(&one).map(|(a, b)| (*a).max(*b)).collect(),
            });
        };
        match f {
            FilterKind::Dependency => {
                for what in filter::dependency::targets(req) {
                    let mut marks = vec![false; nodes];
                    t.owners.mark_candidates(what, &mut marks);
                    combine(Screen::from_marks(&marks, Screen::Check, Screen::Out));
                }
            }
            FilterKind::Affinity => {
                let decided = req
                    .affinities
                    .iter()
                    .filter(|e| (soft || !e.is_soft()) && filter::affinity::decided_by_tables(e));
                for e in decided {
                    let mut marks = vec![false; nodes];
                    t.owners.mark_container_matches(e, &mut marks);
                    // The other rules are still checked node by node.
                    combine(match e.op() {
                        expr::Op::Eq => Screen::from_marks(&marks, Screen::Check, Screen::Out),
                        expr::Op::Ne => Screen::from_marks(&marks, Screen::Out, Screen::Check),
                    });
                }
            }
            FilterKind::Port if req.host_mode() => {
                let mut marks = vec![false; nodes];
                for port in &req.exposed_ports {
                    t.owners.mark_host_mode_exposing(port, &mut marks);
                }
                combine(Screen::from_marks(&marks, Screen::Out, Screen::In));
            }
            FilterKind::Port => {
                let mut marks = vec![false; nodes];
                for (lo, hi) in req.bindings.iter().filter_map(|b| b.host_ports) {
                    t.owners.mark_publishing(lo, hi, &mut marks);
                }
                combine(Screen::from_marks(&marks, Screen::Check, Screen::In));
            }
            _ => {}
        }
        screen
    }

    fn usage(&self, state: &ClusterState, i: usize, req: &Prepared) -> Usage {
        match self.tables {
            Some(t) => t.usage[i].overcommitted(self.overcommit),
            None if req.nano_cpus == 0 && req.memory == 0 => Usage {
                containers: state.nodes[i].containers.len(),
                ..Usage::default()
            },
            None => Usage::of(&state.nodes[i], self.overcommit),
        }
    }

    fn candidates<'s>(
        &self,
        state: &'s ClusterState,
        alive: &[usize],
        req: &Prepared,
    ) -> Vec<Candidate<'s>> {
        alive
            .iter()
            .map(|&i| Candidate {
                index: i,
                name: &state.nodes[i].name,
                usage: self.usage(state, i, req),
            })
            .collect()
    }

    fn sorted_names(&self, state: &ClusterState, alive: &[usize]) -> Vec<String> {
        let mut sorted = alive.to_vec();
        match self.tables {
            Some(t) => sorted.sort_unstable_by_key(|&i| t.name_rank[i]),
            None => sorted.sort_by(|&a, &b| state.nodes[a].name.cmp(&state.nodes[b].name)),
        }
        sorted
            .into_iter()
            .map(|i| state.nodes[i].name.clone())
            .collect()
    }
}

/// What the cluster-wide tables say of a node for one filter ([`View::screen`]). Ordered so that
/// combining two answers keeps the stronger: `Out` over `Check` over `In`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Screen {
    /// The node passes the filter; no per-node check needed.
    In,
    /// The per-node check decides.
    Check,
    /// The node fails the filter.
    Out,
}

impl Screen {
    fn from_marks(marks: &[bool], marked: Screen, unmarked: Screen) -> Vec<Screen> {
        marks
            .iter()
            .map(|&m| if m { marked } else { unmarked })
            .collect()
    }
}

/// Outcome of one pass: the chosen node index and the survivors of the filters.
struct PassOutcome {
    chosen: usize,
    alive: Vec<usize>,
}

/// Keep the nodes of `alive` that pass filter `f`: screened by the cluster-wide tables when there
/// are any, checked one by one where they leave the answer open.
fn apply(
    f: FilterKind,
    state: &ClusterState,
    view: &View,
    req: &Prepared,
    soft: bool,
    alive: &mut Vec<usize>,
) {
    let screen = view.screen(f, req, soft, state.nodes.len());
    alive.retain(|&i| match screen.as_ref().map_or(Screen::Check, |s| s[i]) {
        Screen::In => true,
        Screen::Out => false,
        Screen::Check => f
            .check_indexed(req, &state.nodes[i], view.node_index(i), soft)
            .is_none(),
    });
}

/// The nodes surviving the filters of one pass, or the filter error.
fn filter_pass(
    state: &ClusterState,
    view: &View,
    req: &Prepared,
    opts: &Options,
    soft: bool,
) -> Result<Vec<usize>, ScheduleError> {
    if state.nodes.is_empty() {
        // Upstream's health filter fails first on an empty cluster.
        return Err(if opts.filters.contains(&FilterKind::Health) {
            ScheduleError::NoHealthyNode
        } else {
            ScheduleError::NoNodes
        });
    }
    let mut alive: Vec<usize> = (0..state.nodes.len()).collect();
    for (k, f) in opts.filters.iter().copied().enumerate() {
        if f.is_noop(req, soft) {
            continue;
        }
        apply(f, state, view, req, soft, &mut alive);
        if alive.is_empty() {
            if f == FilterKind::Health {
                return Err(ScheduleError::NoHealthyNode);
            }
            return Err(ScheduleError::Unsatisfied {
                filter: f.name().to_string(),
                lines: opts.filters[..=k]
                    .iter()
                    .map(|f| f.lines(req))
                    .filter(|l| !l.is_empty())
                    .map(|l| format!("[{}]", l.join(" ")))
                    .collect(),
            });
        }
    }
    Ok(alive)
}

/// Relative cost of a filter on one node: the node-level ones first, the ones that scan every
/// container of the node last.
fn cost(f: FilterKind) -> u8 {
    match f {
        FilterKind::Health | FilterKind::ContainerSlots | FilterKind::Whitelist => 0,
        FilterKind::Constraint => 1,
        FilterKind::Port => 2,
        FilterKind::Affinity => 3,
        FilterKind::Dependency => 4,
    }
}

/// [`filter_pass`] with the cheap filters first. Every filter is a per-node predicate, so the
/// survivors do not depend on the order; only the error does, so when no node survives the pass
/// is redone in the configured order to report the filter that failed, as upstream would.
fn filter_pass_fast(
    state: &ClusterState,
    view: &View,
    req: &Prepared,
    opts: &Options,
    soft: bool,
    exact_error: bool,
) -> Result<Vec<usize>, ScheduleError> {
    let mut order: Vec<FilterKind> = opts
        .filters
        .iter()
        .copied()
        .filter(|f| !f.is_noop(req, soft))
        .collect();
    order.sort_by_key(|f| cost(*f));
    let mut alive: Vec<usize> = (0..state.nodes.len()).collect();
    for f in order {
        apply(f, state, view, req, soft, &mut alive);
        if alive.is_empty() {
            break;
        }
    }
    if alive.is_empty() {
        if !exact_error {
            return Err(ScheduleError::NoNodes);
        }
        return filter_pass(state, view, req, opts, soft);
    }
    Ok(alive)
}

/// One pass. With `exact_error == false` a filter failure is reported as [`ScheduleError::NoNodes`]
/// without working out which filter failed (for a first pass whose error is discarded).
fn run_pass(
    state: &ClusterState,
    view: &View,
    req: &Prepared,
    opts: &Options,
    soft: bool,
    exact_error: bool,
) -> Result<PassOutcome, ScheduleError> {
    let alive = filter_pass_fast(state, view, req, opts, soft, exact_error)?;
    let chosen = strategy::best(
        opts.strategy,
        &view.candidates(state, &alive, req),
        req.nano_cpus,
        req.memory,
        opts.seed,
    )
    .ok_or(ScheduleError::NoResources)?;
    Ok(PassOutcome { chosen, alive })
}

/// Both passes: the soft one, then, when it fails and there are soft rules to drop, the hard one.
fn decide(
    state: &ClusterState,
    view: &View,
    req: &Prepared,
    opts: &Options,
) -> Result<PassOutcome, ScheduleError> {
    let soft_rules = req.has_soft_rules();
    match run_pass(state, view, req, opts, true, !soft_rules) {
        Ok(outcome) => Ok(outcome),
        Err(_) if soft_rules => run_pass(state, view, req, opts, false, true),
        Err(e) => Err(e),
    }
}

/// Decide where one container goes.
pub fn schedule(
    state: &ClusterState,
    req: &CreateRequest,
    opts: &Options,
) -> Result<Decision, ScheduleError> {
    opts.validate()?;
    let prepared = req.prepare()?;
    schedule_prepared(state, &prepared, opts)
}

/// [`schedule`] for a request already prepared (its rules extracted and parsed).
pub fn schedule_prepared(
    state: &ClusterState,
    req: &Prepared,
    opts: &Options,
) -> Result<Decision, ScheduleError> {
    opts.validate()?;
    let view = View::lazy(opts.overcommit);
    let outcome = decide(state, &view, req, opts)?;
    Ok(Decision {
        node: state.nodes[outcome.chosen].name.clone(),
        candidates: view.sorted_names(state, &outcome.alive),
    })
}

/// What happened to one node in one pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeReport {
    /// Node name.
    pub node: String,
    /// The filter that rejected the node, or `resources` when it passed every filter but lacks
    /// CPU or memory; `null` when the node was ranked.
    pub rejected_by: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// Position in the strategy's order (0 = chosen) when it was ranked.
    pub rank: Option<usize>,
    /// Strategy weight (CPU score + memory score) when it was ranked.
    pub weight: Option<u64>,
}

/// One pass of the pipeline, node by node (sorted by name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassReport {
    /// `true` for the first pass (soft rules applied), `false` for the fallback.
    pub soft: bool,
    /// Every node of the cluster.
    pub nodes: Vec<NodeReport>,
    /// This pass's error, if it failed.
    pub error: Option<String>,
}

/// Why the scheduler decided what it decided (`run --explain`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The passes that ran: the soft one, and the fallback when it was needed.
    pub passes: Vec<PassReport>,
    /// The decision, as [`schedule`] would return it.
    pub decision: Option<Decision>,
    /// The final error, as [`schedule`] would return it.
    pub error: Option<String>,
}

fn explain_pass(
    state: &ClusterState,
    view: &View,
    req: &Prepared,
    opts: &Options,
    soft: bool,
) -> PassReport {
    let mut reports: Vec<Option<NodeReport>> = vec![None; state.nodes.len()];
    let mut passed = Vec::new();
    for (i, node) in state.nodes.iter().enumerate() {
        let rejection = opts
            .filters
            .iter()
            .find_map(|f| f.check(req, node, soft).map(|r| (f.name(), r.to_string())));
        match rejection {
            Some((filter, reason)) => {
                reports[i] = Some(NodeReport {
                    node: node.name.clone(),
                    rejected_by: Some(filter.to_string()),
                    reason: Some(reason),
                    rank: None,
                    weight: None,
                });
            }
            None => passed.push(i),
        }
    }
    let ranked = strategy::rank(
        opts.strategy,
        &view.candidates(state, &passed, req),
        req.nano_cpus,
        req.memory,
        opts.seed,
    );
    for (rank, (c, weight)) in ranked.iter().enumerate() {
        reports[c.index] = Some(NodeReport {
            node: state.nodes[c.index].name.clone(),
            rejected_by: None,
            reason: None,
            rank: Some(rank),
            weight: Some(*weight),
        });
    }
    for &i in &passed {
        if reports[i].is_none() {
            let u = view.usage(state, i, req);
            reports[i] = Some(NodeReport {
                node: state.nodes[i].name.clone(),
                rejected_by: Some("resources".to_string()),
                reason: Some(format!(
                    "not enough resources: cpus {} + {} of {}, memory {} + {} of {} bytes",
                    u.used_cpu as f64 / 1e9,
                    req.nano_cpus as f64 / 1e9,
                    u.total_cpu as f64 / 1e9,
                    u.used_mem,
                    req.memory,
                    u.total_mem
                )),
                rank: None,
                weight: None,
            });
        }
    }
    let mut nodes: Vec<NodeReport> = reports.into_iter().flatten().collect();
    nodes.sort_by(|a, b| a.node.cmp(&b.node));
    let error = run_pass(state, view, req, opts, soft, true)
        .err()
        .map(|e| e.to_string());
    PassReport { soft, nodes, error }
}

/// Explain a decision: for each pass that ran, every node with the filter that rejected it and why,
/// or its rank and weight. The final decision or error is the one [`schedule`] returns.
pub fn explain(
    state: &ClusterState,
    req: &CreateRequest,
    opts: &Options,
) -> Result<Explanation, ScheduleError> {
    opts.validate()?;
    let prepared = req.prepare()?;
    let view = View::lazy(opts.overcommit);
    let mut passes = vec![explain_pass(state, &view, &prepared, opts, true)];
    if passes[0].error.is_some() && prepared.has_soft_rules() {
        passes.push(explain_pass(state, &view, &prepared, opts, false));
    }
    let (decision, error) = match decide(state, &view, &prepared, opts) {
        Ok(o) => (
            Some(Decision {
                node: state.nodes[o.chosen].name.clone(),
                candidates: view.sorted_names(state, &o.alive),
            }),
            None,
        ),
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(Explanation {
        passes,
        decision,
        error,
    })
}

/// The outcome of one request of a plan; serializes exactly to
/// `{"name": "c1", "node": "node-1"|null, "candidates": [...], "error": null|"message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanResult {
    /// The request's `Name` (empty when it has none).
    pub name: String,
    /// The chosen node, `null` when the request could not be placed.
    pub node: Option<String>,
    /// See [`Decision::candidates`]; `[]` on failure.
    pub candidates: Vec<String>,
    /// The full error message on failure, `null` on success.
    pub error: Option<String>,
}

impl PlanResult {
    fn failed(name: String, error: impl fmt::Display) -> Self {
        PlanResult {
            name,
            node: None,
            candidates: Vec::new(),
            error: Some(error.to_string()),
        }
    }

    /// Whether the request was placed.
    pub fn placed(&self) -> bool {
        self.node.is_some()
    }
}

fn name_conflict(name: &str) -> String {
    format!(
        "Conflict: The name {name} is already assigned. You have to delete (or rename) that container to be able to assign {name} to a container again."
    )
}

/// The container a placed request becomes in the state: name, image, state `pending`, labels with
/// the `com.docker.swarm.*` arrays, reservations, published ports, exposed ports, network mode.
pub fn planned_container(req: &Prepared) -> Container {
    let mut exposed: Vec<String> = req.exposed_ports.clone();
    exposed.extend(req.bindings.iter().map(|b| b.container_port.clone()));
    exposed.sort();
    exposed.dedup();
    let ports = req
        .bindings
        .iter()
        .filter_map(|b| {
            let (host_port, _) = b.host_ports?;
            let (port, proto) = b
                .container_port
                .split_once('/')
                .unwrap_or((b.container_port.as_str(), "tcp"));
            Some(Port {
                host_ip: b.host_ip.clone(),
                host_port,
                container_port: port.parse().unwrap_or(0),
                protocol: proto.to_string(),
            })
        })
        .collect();
    Container {
        id: String::new(),
        name: req.name.clone(),
        image: req.image.clone(),
        state: "pending".to_string(),
        labels: req.labels.clone(),
        cpus: req.nano_cpus as f64 / 1e9,
        memory: req.memory,
        ports,
        exposed_ports: exposed,
        network_mode: req.network_mode.clone(),
    }
}

/// The tag an image reference gets on the engine once pulled (`redis` → `redis:latest`).
fn pulled_tag(image: &str) -> String {
    if image.contains('@') || filter::affinity::repository(image) != image {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

/// Decide requests in order, adding each placed container to `state` (as `pending`, with its
/// reservations, ports and labels, and its image on the node) before deciding the next. A request
/// that cannot be decided for any reason (malformed object, bad expression, invalid reschedule
/// policy, name already taken, no node fits) gets a result with `node: null` and the error; the
/// others still proceed. Request `k` of a `random` plan uses seed `opts.seed + k`. Runs on a
/// [`Snapshot`] of the state ([`Snapshot::plan`] for each request).
pub fn plan_sequence(
    state: &mut ClusterState,
    reqs: Vec<serde_json::Value>,
    opts: &Options,
) -> Vec<PlanResult> {
    let mut snapshot = Snapshot::new(std::mem::take(state));
    snapshot.reserve(reqs.len());
    let results = reqs
        .into_iter()
        .enumerate()
        .map(|(k, value)| {
            if opts.strategy == Strategy::Random {
                let step = Options {
                    seed: opts.seed.wrapping_add(k as u64),
                    ..opts.clone()
                };
                snapshot.plan(value, &step)
            } else {
                snapshot.plan(value, opts)
            }
        })
        .collect();
    *state = snapshot.into_state();
    results
}

/// Decide one request without changing the state (`plan --state FILE IMAGE`).
pub fn plan_one(state: &ClusterState, req: &CreateRequest, opts: &Options) -> PlanResult {
    let name = req.name.trim_start_matches('/').to_string();
    let prepared = match opts.validate().and_then(|()| Ok(req.prepare()?)) {
        Ok(p) => p,
        Err(e) => return PlanResult::failed(name, e),
    };
    let taken = !prepared.name.is_empty()
        && state
            .nodes
            .iter()
            .flat_map(|n| &n.containers)
            .any(|c| c.name.trim_start_matches('/') == prepared.name);
    if taken {
        return PlanResult::failed(name, name_conflict(&prepared.name));
    }
    match schedule_prepared(state, &prepared, opts) {
        Ok(d) => PlanResult {
            name,
            node: Some(d.node),
            candidates: d.candidates,
            error: None,
        },
        Err(e) => PlanResult::failed(name, e),
    }
}

#[cfg(test)]
mod tests;
