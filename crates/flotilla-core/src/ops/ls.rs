//! `ls`: every machine with its state, queried concurrently.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::filter::{Filters, Subject};
use crate::driver::handle::{self, MachineError};
use crate::driver::{DriverError, State};
use crate::store::machine::{EngineOptions, SwarmOptions};
use crate::store::{Machine, Store, StoreError};

/// One row of `ls`; the field names are the template fields
/// (`{{.Name}}`, `{{.DockerVersion}}`, …) and the JSON keys.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct HostRow {
    /// The machine's name (its directory in the store).
    pub name: String,
    /// The ACTIVE column: `*`, `* (swarm)` or `-` (see [`active_marker`]); empty when the
    /// query timed out.
    pub active: String,
    /// `DOCKER_HOST` is this machine's engine.
    pub active_host: bool,
    /// `DOCKER_HOST` is the swarm manager on this master.
    pub active_swarm: bool,
    /// The driver's name; `unknown` when the record cannot be read.
    pub driver_name: String,
    /// As the driver reports it; `Error` for a record that cannot be read, a create that
    /// failed or a driver that fails, `Timeout` when the query overran `--timeout`.
    pub state: State,
    /// The engine's URL (`tcp://IP:2376`); empty when the driver has none (a machine that is
    /// not running) or the query timed out.
    #[serde(rename = "URL")]
    pub url: String,
    /// The SWARM column: the master's name, `NAME (master)` on the master itself; empty
    /// outside a swarm or when its master is not in the store.
    pub swarm: String,
    /// The record's swarm options; `None` when the record cannot be read.
    pub swarm_options: Option<SwarmOptions>,
    /// The record's engine options; `None` when the record cannot be read.
    pub engine_options: Option<EngineOptions>,
    /// The ERRORS column; empty when there is none.
    pub error: String,
    /// The engine's version as `vX.Y.Z`; `Unknown` when it was not asked or did not answer,
    /// empty on a timeout or an unreadable record.
    pub docker_version: String,
    /// How long the query took (`12ms`), `timeout`, or empty for an unreadable record.
    pub response_time: String,
}

impl HostRow {
    /// The header record for `--format 'table …'` templates.
    pub fn header() -> serde_json::Value {
        serde_json::json!({
            "Name": "NAME", "Active": "ACTIVE", "ActiveHost": "ACTIVE_HOST",
            "ActiveSwarm": "ACTIVE_SWARM", "DriverName": "DRIVER", "State": "STATE",
            "URL": "URL", "SwarmOptions": "SWARM_OPTIONS", "Swarm": "SWARM",
            "EngineOptions": "ENGINE_OPTIONS", "Error": "ERRORS",
            "DockerVersion": "DOCKER", "ResponseTime": "RESPONSE",
        })
    }

    /// The columns of plain `ls`, as docker-machine prints them.
    pub const DEFAULT_TEMPLATE: &str = "{{.Name}}\t{{.Active}}\t{{.DriverName}}\t{{.State}}\t{{.URL}}\t{{.Swarm}}\t{{.DockerVersion}}\t{{.Error}}";
}

/// What `ls` lists and how long it waits.
#[derive(Debug, Clone)]
pub struct LsOptions {
    /// The `--filter` values; empty lists everything.
    pub filters: Filters,
    /// How long each machine's query may take (`--timeout`); a machine that overruns is listed
    /// as `Timeout`.
    pub timeout: Duration,
    /// The client's `DOCKER_HOST`, for the ACTIVE column.
    pub docker_host: Option<String>,
}

/// Machines that could not be loaded, kept as rows rather than failures.
enum Entry {
    Ok(Box<Machine>),
    Broken { name: String, error: StoreError },
}

/// discovery URL → master name, for the SWARM column and `swarm=` filter.
pub fn swarm_masters(machines: &[&Machine]) -> HashMap<String, String> {
    let mut masters = HashMap::new();
    for m in machines {
        let s = m.swarm();
        if s.master && !s.discovery.is_empty() {
            masters
                .entry(s.discovery.clone())
                .or_insert_with(|| m.name.clone());
        }
    }
    masters
}

fn swarm_column(m: &Machine, masters: &HashMap<String, String>) -> (String, Option<String>) {
    let s = m.swarm();
    if s.discovery.is_empty() {
        return (String::new(), None);
    }
    match masters.get(&s.discovery) {
        Some(master) if *master == m.name => (format!("{master} (master)"), Some(master.clone())),
        Some(master) => (master.clone(), Some(master.clone())),
        None => (String::new(), None),
    }
}

/// The ACTIVE column: `*` when `DOCKER_HOST` is this engine, `* (swarm)`
/// when it is this master's manager (pure).
pub fn active_marker(
    state: State,
    url: &str,
    swarm: &SwarmOptions,
    docker_host: Option<&str>,
) -> (String, bool, bool) {
    let Some(dh) = docker_host.filter(|d| !d.is_empty()) else {
        return ("-".into(), false, false);
    };
    if state != State::Running || url.is_empty() {
        return ("-".into(), false, false);
    }
    if url == dh {
        return ("*".into(), true, false);
    }
    if swarm.master
        && let Ok(addr) = url.parse::<crate::engine::EngineAddr>()
        && addr.with_port(swarm.host_port()).to_string() == dh
    {
        return ("* (swarm)".into(), false, true);
    }
    ("-".into(), false, false)
}

fn load_all(store: &Store) -> Result<Vec<Entry>, StoreError> {
    Ok(store
        .list_names()?
        .into_iter()
        .map(|name| match store.load(&name) {
            Ok(m) => Entry::Ok(Box::new(m)),
            Err(error) => Entry::Broken { name, error },
        })
        .collect())
}

fn masters_of(entries: &[Entry]) -> HashMap<String, String> {
    let machines: Vec<&Machine> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Ok(m) => Some(m.as_ref()),
            Entry::Broken { .. } => None,
        })
        .collect();
    swarm_masters(&machines)
}

fn broken_row(name: String, error: &StoreError) -> HostRow {
    HostRow {
        name,
        active: "-".into(),
        active_host: false,
        active_swarm: false,
        driver_name: "unknown".into(),
        state: State::Error,
        url: String::new(),
        swarm: String::new(),
        swarm_options: None,
        engine_options: None,
        error: error.to_string().replace('\n', " "),
        docker_version: String::new(),
        response_time: String::new(),
    }
}

/// Names only, without touching the network (unless a `state=` filter
/// needs the state, as in docker-machine).
pub async fn names(store: &Store, opts: &LsOptions) -> Result<Vec<String>, StoreError> {
    if opts.filters.has_state() {
        return Ok(list(store, opts)
            .await?
            .into_iter()
            .map(|r| r.name)
            .collect());
    }
    let entries = load_all(store)?;
    let masters = masters_of(&entries);
    Ok(entries
        .iter()
        .filter(|e| match e {
            Entry::Ok(m) => opts.filters.matches_static(&subject(m, &masters)),
            Entry::Broken { .. } => {
                opts.filters.driver.is_empty()
                    && opts.filters.label.is_empty()
                    && opts.filters.swarm.is_empty()
            }
        })
        .map(|e| match e {
            Entry::Ok(m) => m.name.clone(),
            Entry::Broken { name, .. } => name.clone(),
        })
        .collect())
}

fn subject<'a>(m: &'a Machine, masters: &'a HashMap<String, String>) -> Subject<'a> {
    Subject {
        name: &m.name,
        driver: &m.driver_name,
        labels: m.engine().label_pairs().collect(),
        swarm_master: masters.get(&m.swarm().discovery).map(String::as_str),
    }
}

/// Every machine that passes the filters, each queried concurrently and
/// bounded by the timeout, sorted by name.
pub async fn list(store: &Store, opts: &LsOptions) -> Result<Vec<HostRow>, StoreError> {
    let entries = load_all(store)?;
    let masters = masters_of(&entries);

    let mut set = tokio::task::JoinSet::new();
    let mut rows: Vec<HostRow> = Vec::new();
    for (idx, e) in entries.iter().enumerate() {
        match e {
            Entry::Broken { name, error } => {
                if opts.filters.matches_unreadable(name) {
                    rows.push(broken_row(name.clone(), error));
                }
            }
            Entry::Ok(m) => {
                if !opts.filters.matches_static(&subject(m, &masters)) {
                    continue;
                }
                let (swarm, _) = swarm_column(m, &masters);
                let m = m.clone();
                let store = store.clone();
                let timeout = opts.timeout;
                let docker_host = opts.docker_host.clone();
                set.spawn(async move {
                    let started = Instant::now();
                    let row = match tokio::time::timeout(
                        timeout,
                        query(&store, &m, swarm.clone(), docker_host.as_deref(), timeout),
                    )
                    .await
                    {
                        Ok(mut row) => {
                            if row.state != State::Timeout {
                                row.response_time = format!("{}ms", started.elapsed().as_millis());
                            }
                            row
                        }
                        Err(_) => HostRow {
                            name: m.name.clone(),
                            active: String::new(),
                            active_host: false,
                            active_swarm: false,
                            driver_name: m.driver_name.clone(),
                            state: State::Timeout,
                            url: String::new(),
                            swarm,
                            swarm_options: Some(m.swarm().clone()),
                            engine_options: Some(m.engine().clone()),
                            error: String::new(),
                            docker_version: String::new(),
                            response_time: "timeout".into(),
                        },
                    };
                    (idx, row)
                });
            }
        }
    }
    let mut queried: Vec<(usize, HostRow)> = Vec::new();
    while let Some(res) = set.join_next().await {
        if let Ok(r) = res {
            queried.push(r);
        }
    }
    rows.extend(queried.into_iter().map(|(_, r)| r));
    rows.retain(|r| opts.filters.matches_state(r.state));
    rows.sort_by(|a, b| crate::store::natural_cmp(&a.name.to_lowercase(), &b.name.to_lowercase()));
    Ok(rows)
}

async fn query(
    store: &Store,
    m: &Machine,
    swarm: String,
    docker_host: Option<&str>,
    timeout: Duration,
) -> HostRow {
    let mut row = HostRow {
        name: m.name.clone(),
        active: "-".into(),
        active_host: false,
        active_swarm: false,
        driver_name: m.driver_name.clone(),
        state: State::None,
        url: String::new(),
        swarm,
        swarm_options: Some(m.swarm().clone()),
        engine_options: Some(m.engine().clone()),
        error: String::new(),
        docker_version: "Unknown".into(),
        response_time: String::new(),
    };
    if let Some(e) = &m.error {
        row.state = State::Error;
        row.error = e.replace('\n', " ");
        return row;
    }
    let loaded = match handle::with_driver(store, m.clone()) {
        Ok(l) => l,
        Err(e) => {
            row.state = State::Error;
            row.error = e.to_string();
            return row;
        }
    };
    match loaded.driver.url().await {
        Ok(url) if loaded.driver.url_implies_running() => {
            row.state = State::Running;
            row.url = url;
        }
        Ok(url) => {
            row.url = url;
            row.state = loaded.driver.state().await.unwrap_or(State::Error);
        }
        Err(DriverError::NotRunning) => {
            row.state = loaded.driver.state().await.unwrap_or(State::Error);
            return row;
        }
        Err(e) => {
            row.state = loaded.driver.state().await.unwrap_or(State::Error);
            row.error = e.to_string();
            return row;
        }
    }
    let (active, ah, asw) = active_marker(row.state, &row.url, m.swarm(), docker_host);
    row.active = active;
    row.active_host = ah;
    row.active_swarm = asw;
    if row.state == State::Running {
        match row.url.parse() {
            Ok(addr) => match loaded.probe(store, &addr, timeout).await {
                Ok(v) => row.docker_version = format!("v{}", v.version),
                // The engine did not answer within the budget: the same
                // verdict as the outer timeout, whichever fires first.
                Err(MachineError::Probe {
                    source: crate::engine::ProbeError::Timeout { .. },
                    ..
                }) => {
                    row.state = State::Timeout;
                    row.active = String::new();
                    row.url = String::new();
                    row.docker_version = String::new();
                    row.response_time = "timeout".into();
                }
                Err(MachineError::Probe { source, .. }) => {
                    row.error = format!("Unable to query docker version: {source}")
                }
                Err(e) => row.error = format!("Unable to query docker version: {e}"),
            },
            Err(e) => row.error = format!("{e}"),
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_column() {
        let s = SwarmOptions::default();
        let url = "tcp://10.0.0.1:2376";
        assert_eq!(active_marker(State::Running, url, &s, Some(url)).0, "*");
        assert_eq!(
            active_marker(State::Running, url, &s, Some("tcp://x:1")).0,
            "-"
        );
        assert_eq!(active_marker(State::Stopped, url, &s, Some(url)).0, "-");
        assert_eq!(active_marker(State::Running, url, &s, None).0, "-");
        let master = SwarmOptions {
            master: true,
            ..Default::default()
        };
        assert_eq!(
            active_marker(State::Running, url, &master, Some("tcp://10.0.0.1:3376")).0,
            "* (swarm)"
        );
        assert_eq!(
            active_marker(State::Running, url, &s, Some("tcp://10.0.0.1:3376")).0,
            "-"
        );
    }

    #[test]
    fn swarm_column_names_the_master() {
        let mut a = Machine::new("a", "none");
        a.host_options.swarm_options.discovery = "token://x".into();
        a.host_options.swarm_options.master = true;
        let mut b = Machine::new("b", "none");
        b.host_options.swarm_options.discovery = "token://x".into();
        let c = Machine::new("c", "none");
        let masters = swarm_masters(&[&a, &b, &c]);
        assert_eq!(swarm_column(&a, &masters).0, "a (master)");
        assert_eq!(swarm_column(&b, &masters).0, "a");
        assert_eq!(swarm_column(&c, &masters).0, "");
    }
}
