//! The planner: the expanded file and what exists now → the steps that make them agree. Pure:
//! the current state arrives as data ([`Current`]), so every case is a unit test.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use super::file::{Expanded, WantMachine, WantProxy};
use crate::store::machine::EngineOptions;

/// A machine as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct HaveMachine {
    /// The driver the record names.
    pub driver: String,
    /// The engine options the machine was last provisioned with.
    pub engine: EngineOptions,
    /// The record makes it a swarm master.
    pub master: bool,
    /// The swarm's discovery URL in the record; empty: in no swarm.
    pub discovery: String,
    /// The create hash `up` recorded when it made or adopted the machine.
    pub create_hash: Option<String>,
    /// The record's error (a create that did not finish).
    pub error: Option<String>,
    /// The driver says Stopped.
    pub stopped: bool,
}

/// A container of this cluster as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaveContainer {
    /// The swarm member it is on.
    pub node: String,
    /// Its `flotilla.spec.hash` label; empty without one (never equal to a definition's).
    pub hash: String,
    /// Whether it runs; a stopped one is started, not recreated.
    pub running: bool,
}

/// Everything the planner needs to know about the world.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Current {
    /// The store's machines (all of them: a name the file wants may exist already).
    pub machines: BTreeMap<String, HaveMachine>,
    /// Machines `up` made or adopted for this cluster (the state file).
    pub owned: BTreeSet<String>,
    /// Containers labelled with this cluster.
    pub containers: BTreeMap<String, HaveContainer>,
    /// The swarm's discovery URL `up` uses (the file's, or the token it created).
    pub discovery: Option<String>,
    /// Masters whose manager runs this binary and answers.
    pub managers_ok: BTreeSet<String>,
    /// The proxy deployed next to the first master.
    pub proxy: Option<WantProxy>,
    /// Machine → the file's images it holds.
    pub images: BTreeMap<String, BTreeSet<String>>,
}

/// What a step acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The discovery token `up` creates in the store (the step is named `swarm`).
    Token,
    /// A machine of the store.
    Machine,
    /// An image copied onto one machine (named by the image; the detail names the machine).
    Image,
    /// A master's `flotilla manage` (named by the master).
    Manager,
    /// The proxy: its watcher and nginx container (named by its node).
    Proxy,
    /// A container of the cluster.
    Container,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Token => "token",
            Kind::Machine => "machine",
            Kind::Image => "image",
            Kind::Manager => "manager",
            Kind::Proxy => "proxy",
            Kind::Container => "container",
        })
    }
}

/// What a step does to its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Make what does not exist.
    Create,
    /// Alter in place: provision a machine again, install or upgrade a manager, set the proxy up
    /// again.
    Change,
    /// Remove and create again: a machine's driver, driver options or swarm role changed, or its
    /// create did not finish; a container's definition changed or its machine is replaced.
    Recreate,
    /// Start what is stopped.
    Start,
    /// Remove what the file no longer has (machines and containers only with `--prune`).
    Remove,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Create => "create",
            Action::Change => "change",
            Action::Recreate => "recreate",
            Action::Start => "start",
            Action::Remove => "remove",
        })
    }
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What is done.
    pub action: Action,
    /// To what kind of object.
    pub kind: Kind,
    /// The object's name (see [`Kind`] for what names each kind).
    pub name: String,
    /// Why, or what changes.
    pub detail: String,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.action, self.kind, self.name)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// The plan: the steps, and what is left alone.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Plan {
    /// By phase: the token, machines, images, managers, the proxy, containers, then removals.
    pub steps: Vec<Step>,
    /// Objects made by `up` that the file no longer has, kept without `--prune`.
    pub kept: Vec<(Kind, String)>,
}

impl Plan {
    /// True when nothing is to be done; kept objects do not count.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The first step on `kind NAME`, if any.
    pub fn has(&self, kind: Kind, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.kind == kind && s.name == name)
    }

    /// One line per step, then the kept objects: what `up --dry-run` prints.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.steps.is_empty() {
            out.push_str("nothing to change\n");
        }
        for s in &self.steps {
            out.push_str(&s.to_string());
            out.push('\n');
        }
        for (k, n) in &self.kept {
            out.push_str(&format!(
                "keep {k} {n}: not in the file (--prune removes it)\n"
            ));
        }
        out
    }
}

fn step(action: Action, kind: Kind, name: &str, detail: impl Into<String>) -> Step {
    Step {
        action,
        kind,
        name: name.to_string(),
        detail: detail.into(),
    }
}

/// What differs between two engine configurations, in words.
fn engine_diff(have: &EngineOptions, want: &EngineOptions) -> Vec<String> {
    let mut v = Vec::new();
    let set = |l: &[String]| l.iter().cloned().collect::<BTreeSet<String>>();
    let list = |name: &str, a: &[String], b: &[String], v: &mut Vec<String>| {
        let (a, b) = (set(a), set(b));
        if a != b {
            let gone: Vec<String> = a.difference(&b).map(|x| format!("-{x}")).collect();
            let new: Vec<String> = b.difference(&a).map(|x| format!("+{x}")).collect();
            v.push(format!("{name} {}", [gone, new].concat().join(" ")));
        }
    };
    list("labels", &have.labels, &want.labels, &mut v);
    list(
        "engine opts",
        &have.arbitrary_flags,
        &want.arbitrary_flags,
        &mut v,
    );
    list("engine env", &have.env, &want.env, &mut v);
    list(
        "insecure registries",
        &have.insecure_registry,
        &want.insecure_registry,
        &mut v,
    );
    list(
        "registry mirrors",
        &have.registry_mirror,
        &want.registry_mirror,
        &mut v,
    );
    if have.storage_driver != want.storage_driver {
        v.push(format!(
            "storage driver {:?} → {:?}",
            have.storage_driver, want.storage_driver
        ));
    }
    v
}

fn machine_steps(w: &WantMachine, have: Option<&HaveMachine>, discovery: &str) -> Option<Step> {
    let Some(h) = have else {
        let role = if w.master {
            " (swarm master)"
        } else if w.in_swarm {
            ""
        } else {
            " (outside the swarm)"
        };
        return Some(step(
            Action::Create,
            Kind::Machine,
            &w.name,
            format!("{} driver{role}", w.driver),
        ));
    };
    if let Some(e) = &h.error {
        return Some(step(
            Action::Recreate,
            Kind::Machine,
            &w.name,
            format!("its create did not finish ({e})"),
        ));
    }
    if h.driver != w.driver {
        return Some(step(
            Action::Recreate,
            Kind::Machine,
            &w.name,
            format!("driver {} → {}", h.driver, w.driver),
        ));
    }
    if h.create_hash.as_deref().is_some_and(|c| c != w.create_hash) {
        return Some(step(
            Action::Recreate,
            Kind::Machine,
            &w.name,
            "driver options changed",
        ));
    }
    let want_discovery = if w.in_swarm { discovery } else { "" };
    if h.discovery != want_discovery || h.master != w.master {
        return Some(step(
            Action::Recreate,
            Kind::Machine,
            &w.name,
            format!(
                "swarm role changed ({} → {})",
                role_words(h.master, &h.discovery),
                role_words(w.master, want_discovery)
            ),
        ));
    }
    let diff = engine_diff(&h.engine, &w.engine);
    if !diff.is_empty() {
        return Some(step(
            Action::Change,
            Kind::Machine,
            &w.name,
            format!("provision again: {}", diff.join("; ")),
        ));
    }
    if h.stopped {
        return Some(step(Action::Start, Kind::Machine, &w.name, "it is stopped"));
    }
    None
}

fn role_words(master: bool, discovery: &str) -> String {
    match (master, discovery.is_empty()) {
        (_, true) => "no swarm".into(),
        (true, false) => format!("master of {discovery}"),
        (false, false) => format!("member of {discovery}"),
    }
}

/// The plan that takes `cur` to what `want` says. `prune`: remove what `up` made that the file
/// no longer has.
pub fn plan(want: &Expanded, cur: &Current, prune: bool) -> Plan {
    let mut p = Plan::default();
    let discovery = match (&want.swarm, &cur.discovery) {
        (None, _) => String::new(),
        (Some(s), _) if s.discovery.is_some() => s.discovery.clone().unwrap_or_default(),
        (Some(_), Some(d)) => d.clone(),
        (Some(_), None) => {
            p.steps.push(step(
                Action::Create,
                Kind::Token,
                "swarm",
                "a discovery token in the store",
            ));
            // Every machine of the swarm is new to a new token.
            "token://(new)".to_string()
        }
    };
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for w in &want.machines {
        if let Some(s) = machine_steps(w, cur.machines.get(&w.name), &discovery) {
            touched.insert(w.name.clone());
            p.steps.push(s);
        }
    }
    let recreated = |n: &str| {
        p.steps.iter().any(|s| {
            s.kind == Kind::Machine
                && s.name == n
                && matches!(s.action, Action::Create | Action::Recreate)
        })
    };
    // Images on every machine that lacks them (a new machine lacks all).
    let mut image_steps = Vec::new();
    for w in &want.machines {
        let have = cur.images.get(&w.name);
        for img in &want.images {
            if recreated(&w.name) || !have.is_some_and(|h| h.contains(img)) {
                image_steps.push(step(
                    Action::Create,
                    Kind::Image,
                    img,
                    format!("copy onto {}", w.name),
                ));
            }
        }
    }
    // Managers: each master's, when it is not up to date (a created master gets one anyway).
    let mut manager_steps = Vec::new();
    if let Some(s) = &want.swarm {
        for m in &s.masters {
            if !recreated(m) && !cur.managers_ok.contains(m) {
                manager_steps.push(step(
                    Action::Change,
                    Kind::Manager,
                    m,
                    "install or upgrade flotilla manage on the master",
                ));
            }
        }
    }
    // The proxy: its watcher on the first master, nginx on its node.
    let mut proxy_steps = Vec::new();
    let first_master = want.swarm.as_ref().and_then(|s| s.masters.first().cloned());
    match (&want.proxy, &cur.proxy) {
        (Some(w), None) => proxy_steps.push(step(
            Action::Create,
            Kind::Proxy,
            &w.node,
            format!(
                "nginx ({}) on port {}, watcher on {}",
                w.image,
                w.http,
                first_master.clone().unwrap_or_default()
            ),
        )),
        (Some(w), Some(h)) if w != h => proxy_steps.push(step(
            Action::Change,
            Kind::Proxy,
            &w.node,
            "its settings changed",
        )),
        (Some(w), Some(_)) if first_master.as_deref().is_some_and(recreated) => proxy_steps.push(
            step(Action::Create, Kind::Proxy, &w.node, "its master is new"),
        ),
        (None, Some(h)) => proxy_steps.push(step(
            Action::Remove,
            Kind::Proxy,
            &h.node,
            "not in the file",
        )),
        _ => {}
    }
    // Containers: missing, changed (hash) or stopped; and those whose machine is replaced.
    let mut container_steps = Vec::new();
    for c in &want.containers {
        match cur.containers.get(&c.name) {
            None => container_steps.push(step(
                Action::Create,
                Kind::Container,
                &c.name,
                c.image.clone(),
            )),
            Some(h) if h.hash != c.hash => container_steps.push(step(
                Action::Recreate,
                Kind::Container,
                &c.name,
                "its definition changed",
            )),
            Some(h)
                if recreated(&h.node)
                    || touched.contains(&h.node) && !cur.machines.contains_key(&h.node) =>
            {
                container_steps.push(step(
                    Action::Recreate,
                    Kind::Container,
                    &c.name,
                    format!("its machine {} is replaced", h.node),
                ))
            }
            Some(h) if !h.running => container_steps.push(step(
                Action::Start,
                Kind::Container,
                &c.name,
                format!("stopped on {}", h.node),
            )),
            Some(_) => {}
        }
    }
    // What `up` made that the file no longer has.
    let wanted_c: BTreeSet<&str> = want.containers.iter().map(|c| c.name.as_str()).collect();
    let mut prune_steps = Vec::new();
    for n in cur
        .containers
        .keys()
        .filter(|n| !wanted_c.contains(n.as_str()))
    {
        if prune {
            prune_steps.push(step(Action::Remove, Kind::Container, n, "not in the file"));
        } else {
            p.kept.push((Kind::Container, n.clone()));
        }
    }
    let wanted_m: BTreeSet<&str> = want.machines.iter().map(|m| m.name.as_str()).collect();
    for n in cur.owned.iter().filter(|n| !wanted_m.contains(n.as_str())) {
        if !cur.machines.contains_key(n) {
            continue;
        }
        if prune {
            prune_steps.push(step(Action::Remove, Kind::Machine, n, "not in the file"));
        } else {
            p.kept.push((Kind::Machine, n.clone()));
        }
    }
    p.steps.extend(image_steps);
    p.steps.extend(manager_steps);
    p.steps.extend(proxy_steps);
    p.steps.extend(container_steps);
    p.steps.extend(prune_steps);
    p
}

#[cfg(test)]
mod tests {
    use super::super::file::{expand, parse};
    use super::*;

    const FILE: &str = r#"
name: t
images: [app:1]
machines:
  m: {labels: {public: "no"}}
  f: {labels: {public: "yes"}}
swarm: {master: m, discovery: "token://0123456789abcdef0123456789abcdef"}
proxy: {node: f, image: nginx:x}
containers:
  db: {image: db:1, constraints: ["public==no"]}
  web: {image: app:1, links: [db], env: [VIRTUAL_HOST=web.docker], ports: ["80"]}
"#;

    fn want(text: &str) -> Expanded {
        expand("f", &parse("f", text).unwrap(), "x").unwrap()
    }

    /// The world after a complete `up` of `w`.
    fn converged(w: &Expanded) -> Current {
        let mut c = Current {
            discovery: Some("token://0123456789abcdef0123456789abcdef".into()),
            proxy: w.proxy.clone(),
            ..Default::default()
        };
        for m in &w.machines {
            c.machines.insert(
                m.name.clone(),
                HaveMachine {
                    driver: m.driver.clone(),
                    engine: m.engine.clone(),
                    master: m.master,
                    discovery: "token://0123456789abcdef0123456789abcdef".into(),
                    create_hash: Some(m.create_hash.clone()),
                    error: None,
                    stopped: false,
                },
            );
            c.owned.insert(m.name.clone());
            c.images
                .insert(m.name.clone(), w.images.iter().cloned().collect());
            if m.master {
                c.managers_ok.insert(m.name.clone());
            }
        }
        for x in &w.containers {
            c.containers.insert(
                x.name.clone(),
                HaveContainer {
                    node: "m".into(),
                    hash: x.hash.clone(),
                    running: true,
                },
            );
        }
        c
    }

    fn lines(p: &Plan) -> Vec<String> {
        p.steps.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn from_nothing_everything_is_created_in_order() {
        let w = want(FILE);
        let p = plan(&w, &Current::default(), false);
        assert_eq!(
            lines(&p),
            vec![
                "create machine f: docker driver",
                "create machine m: docker driver (swarm master)",
                "create image app:1: copy onto f",
                "create image app:1: copy onto m",
                "create proxy f: nginx (nginx:x) on port 80, watcher on m",
                "create container db: db:1",
                "create container web: app:1",
            ]
        );
    }

    #[test]
    fn a_converged_world_needs_nothing() {
        let w = want(FILE);
        let p = plan(&w, &converged(&w), false);
        assert!(p.is_empty(), "{:?}", p);
        assert_eq!(p.render(), "nothing to change\n");
    }

    #[test]
    fn a_changed_label_reprovisions_only_that_machine() {
        let w = want(FILE);
        let cur = converged(&w);
        let w2 = want(&FILE.replace(
            "f: {labels: {public: \"yes\"}}",
            "f: {labels: {public: \"yes\", zone: a}}",
        ));
        assert_eq!(
            lines(&plan(&w2, &cur, false)),
            vec!["change machine f: provision again: labels +zone=a"]
        );
    }

    #[test]
    fn a_changed_env_recreates_only_that_container() {
        let w = want(FILE);
        let cur = converged(&w);
        let w2 = want(&FILE.replace("VIRTUAL_HOST=web.docker", "VIRTUAL_HOST=www.docker"));
        assert_eq!(
            lines(&plan(&w2, &cur, false)),
            vec!["recreate container web: its definition changed"]
        );
    }

    #[test]
    fn removed_objects_are_kept_unless_pruned() {
        let w = want(FILE);
        let cur = converged(&w);
        let smaller = FILE.replace(
            "  web: {image: app:1, links: [db], env: [VIRTUAL_HOST=web.docker], ports: [\"80\"]}\n",
            "",
        );
        let w2 = want(&smaller);
        let p = plan(&w2, &cur, false);
        assert!(p.is_empty());
        assert_eq!(p.kept, vec![(Kind::Container, "web".to_string())]);
        assert!(p.render().contains("keep container web"));
        let p = plan(&w2, &cur, true);
        assert_eq!(lines(&p), vec!["remove container web: not in the file"]);
    }

    #[test]
    fn a_new_token_is_created_once() {
        let w = want(&FILE.replace(
            ", discovery: \"token://0123456789abcdef0123456789abcdef\"",
            "",
        ));
        let p = plan(&w, &Current::default(), false);
        assert_eq!(
            lines(&p)[0],
            "create token swarm: a discovery token in the store"
        );
        let mut cur = converged(&w);
        cur.discovery = Some("token://0123456789abcdef0123456789abcdef".into());
        assert!(plan(&w, &cur, false).is_empty());
    }

    #[test]
    fn a_stale_manager_or_missing_image_is_fixed() {
        let w = want(FILE);
        let mut cur = converged(&w);
        cur.managers_ok.clear();
        cur.images.get_mut("f").unwrap().clear();
        assert_eq!(
            lines(&plan(&w, &cur, false)),
            vec![
                "create image app:1: copy onto f",
                "change manager m: install or upgrade flotilla manage on the master",
            ]
        );
    }
}
