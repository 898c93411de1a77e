//! Pipeline tests: filter order, error texts, the two-pass fallback, strategies end to end,
//! `plan_sequence`, `explain`, and property tests of the scheduler invariants.

use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest};
use proptest::strategy::Strategy as _;
use serde_json::{Value, json};

use super::*;
use crate::state::Strategy;
use crate::state::{ClusterState, Container, Image, Node, Port};
use std::collections::HashSet;

const GIB: u64 = 1 << 30;

fn node(name: &str, cpus: f64, memory: u64) -> Node {
    let mut n = Node::named(name);
    n.cpus = cpus;
    n.memory = memory;
    n
}

fn cluster(nodes: Vec<Node>) -> ClusterState {
    ClusterState {
        nodes,
        ..ClusterState::default()
    }
}

fn three() -> ClusterState {
    let mut a = node("node-0", 2.0, 2 * GIB);
    a.labels.insert("region".into(), "us-west".into());
    let mut b = node("node-1", 2.0, 2 * GIB);
    b.labels.insert("region".into(), "us-east".into());
    b.labels.insert("storage".into(), "ssd".into());
    let mut c = node("node-2", 2.0, 2 * GIB);
    c.labels.insert("region".into(), "us-east".into());
    cluster(vec![a, b, c])
}

fn req(v: Value) -> CreateRequest {
    CreateRequest::from_value(v).unwrap()
}

fn run(state: &ClusterState, v: Value) -> Result<Decision, ScheduleError> {
    schedule(state, &req(v), &Options::from_state(state))
}

fn err(state: &ClusterState, v: Value) -> String {
    run(state, v).unwrap_err().to_string()
}

#[test]
fn spread_places_on_the_emptiest_node_with_all_candidates() {
    let mut s = three();
    s.nodes[0].containers.push(Container {
        name: "x".into(),
        ..Container::default()
    });
    let d = run(&s, json!({"Name":"c","Image":"redis"})).unwrap();
    assert_eq!(d.node, "node-1");
    assert_eq!(d.candidates, vec!["node-0", "node-1", "node-2"]);
}

#[test]
fn constraints_narrow_candidates() {
    let s = three();
    let d = run(&s, json!({"Env":["constraint:region==us-east"]})).unwrap();
    assert_eq!(d.candidates, vec!["node-1", "node-2"]);
    assert_eq!(d.node, "node-1");
    let d = run(
        &s,
        json!({"Env":["constraint:region==us-east","constraint:storage!=ssd"]}),
    )
    .unwrap();
    assert_eq!(d.node, "node-2");
    let d = run(
        &s,
        json!({"Labels":{"com.docker.swarm.constraints":"[\"node==node-2\"]"}}),
    )
    .unwrap();
    assert_eq!(d.candidates, vec!["node-2"]);
}

#[test]
fn cpu_shares_reserve_whole_cpus_as_classic() {
    let s = three();
    // Every node has 2 CPUs: 512 "CPUs" fit none, 2 fit, and 3 exceed 2 + 5 % overcommit.
    assert_eq!(
        err(&s, json!({"HostConfig":{"CpuShares": 512}})),
        "no resources available to schedule container"
    );
    assert_eq!(
        err(&s, json!({"HostConfig":{"CpuShares": 3}})),
        "no resources available to schedule container"
    );
    assert!(run(&s, json!({"HostConfig":{"CpuShares": 2}})).is_ok());
    assert_eq!(request::cpu_reservation(500_000_000, 0), 500_000_000);
    assert_eq!(request::cpu_reservation(500_000_000, 2), 2_000_000_000);
    assert_eq!(request::cpu_reservation(3_000_000_000, 2), 3_000_000_000);
    assert_eq!(request::cpu_reservation(-1, -1024), 0);
    assert_eq!(request::cpu_reservation(0, i64::MAX), u64::MAX);
}

#[test]
fn classic_error_texts() {
    let s = three();
    assert_eq!(
        err(&s, json!({"Env":["constraint:region==eu"]})),
        "Unable to find a node that satisfies the following conditions \n[available container slots]\n[region==eu]"
    );
    assert_eq!(
        err(
            &s,
            json!({"Env":["affinity:container==db","constraint:region==eu"]})
        ),
        "Unable to find a node that satisfies the following conditions \n[available container slots]\n[container==db (soft=false)]"
    );
    assert_eq!(
        err(&s, json!({"HostConfig":{"Memory": 10 * GIB}})),
        "no resources available to schedule container"
    );
    let mut sick = three();
    for n in &mut sick.nodes {
        n.healthy = false;
    }
    assert_eq!(
        err(&sick, json!({})),
        "No healthy node available in the cluster"
    );
    assert_eq!(
        err(&cluster(vec![]), json!({})),
        "No healthy node available in the cluster"
    );
    let e = run(&s, json!({"Env":["constraint:region==eu"]})).unwrap_err();
    assert!(matches!(e, ScheduleError::Unsatisfied { ref filter, .. } if filter == "constraint"));
}

#[test]
fn error_lines_list_every_filter_up_to_the_failing_one() {
    let mut s = three();
    for n in &mut s.nodes {
        n.containers.push(Container {
            name: format!("web-{}", n.name),
            ports: vec![Port {
                host_ip: String::new(),
                host_port: 80,
                container_port: 80,
                protocol: "tcp".into(),
            }],
            ..Container::default()
        });
    }
    let body = json!({"Env":["constraint:region==us-east","whitelist:node==node-1"],
        "HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]},"Links":["db:db"]}});
    assert_eq!(
        err(&s, body),
        "Unable to find a node that satisfies the following conditions \n[port 80 (Bridge mode)]"
    );
    let body = json!({"Env":["constraint:region==us-east","whitelist:node==node-9"],
        "HostConfig":{"PortBindings":{"81/tcp":[{"HostPort":"81"}]},"VolumesFrom":["web-node-1"]}});
    assert_eq!(
        err(&s, body),
        "Unable to find a node that satisfies the following conditions \n[port 81 (Bridge mode)]\n[available container slots]\n[--volumes-from=web-node-1]\n[region==us-east]\n[node==node-9 (soft=false)]"
    );
}

#[test]
fn malformed_rules_are_request_errors() {
    let s = three();
    assert_eq!(
        err(&s, json!({"Env":["constraint:region=us"]})),
        "invalid constraint 'region=us': One of operator ==, != is expected"
    );
    assert_eq!(
        err(&s, json!({"Env":["affinity:c==x"]})),
        "invalid affinity 'c==x': Key 'c' is invalid"
    );
    assert_eq!(
        err(&s, json!({"Env":["reschedule:sometimes"]})),
        "invalid reschedule policy: sometimes"
    );
}

#[test]
fn soft_rules_fall_back_to_the_pass_without_them() {
    let s = three();
    let d = run(&s, json!({"Env":["constraint:region==~eu"]})).unwrap();
    assert_eq!(d.node, "node-0");
    assert_eq!(
        d.candidates,
        vec!["node-0", "node-1", "node-2"],
        "from pass 2"
    );
    let d = run(&s, json!({"Env":["constraint:region==~us-east"]})).unwrap();
    assert_eq!(d.candidates, vec!["node-1", "node-2"], "from pass 1");
    // A soft rule never overrides a hard one (#1374).
    let d = run(
        &s,
        json!({"Env":["constraint:node==~node-0","constraint:region==us-east"]}),
    )
    .unwrap();
    assert_eq!(d.candidates, vec!["node-1", "node-2"]);
    // Hard failure stays a failure, with every rule listed.
    assert_eq!(
        err(
            &s,
            json!({"Env":["constraint:region==~eu","constraint:region==ap"]})
        ),
        "Unable to find a node that satisfies the following conditions \n[available container slots]\n[region==eu region==ap]"
    );
}

#[test]
fn soft_fallback_also_runs_when_resources_are_missing() {
    let mut s = three();
    s.nodes[1].containers.push(Container {
        name: "hog".into(),
        memory: 2 * GIB,
        ..Container::default()
    });
    s.nodes[2].containers.push(Container {
        name: "hog2".into(),
        memory: 2 * GIB,
        ..Container::default()
    });
    let d = run(
        &s,
        json!({"Env":["constraint:region==~us-east"],"HostConfig":{"Memory": GIB}}),
    )
    .unwrap();
    assert_eq!(d.node, "node-0");
    assert_eq!(
        err(
            &s,
            json!({"Env":["constraint:region==us-east"],"HostConfig":{"Memory": GIB}})
        ),
        "no resources available to schedule container"
    );
}

#[test]
fn node_constraint_matches_name_or_id() {
    let mut s = three();
    s.nodes[2].id = "ABCD:EFGH".into();
    let d = run(&s, json!({"Env":["constraint:node==ABCD:EFGH"]})).unwrap();
    assert_eq!(d.node, "node-2");
    let d = run(&s, json!({"Env":["constraint:node!=node-0"]})).unwrap();
    assert_eq!(d.candidates, vec!["node-1", "node-2"]);
}

#[test]
fn dependency_pins_to_the_node_holding_the_container() {
    let mut s = three();
    s.nodes[2].containers.push(Container {
        id: "f00dcafe0000".into(),
        name: "/db".into(),
        state: "exited".into(),
        ..Container::default()
    });
    for body in [
        json!({"HostConfig":{"Links":["db:database"]}}),
        json!({"HostConfig":{"VolumesFrom":["db:ro"]}}),
        json!({"HostConfig":{"NetworkMode":"container:f00dcafe"}}),
    ] {
        let d = run(&s, body).unwrap();
        assert_eq!(d.node, "node-2");
        assert_eq!(d.candidates, vec!["node-2"]);
    }
    assert_eq!(
        err(&s, json!({"HostConfig":{"Links":["nope:x"]}})),
        "Unable to find a node that satisfies the following conditions \n[available container slots]\n[--link=nope:x]"
    );
}

#[test]
fn image_affinity_never_requires_the_image_for_placement() {
    let mut s = three();
    s.nodes[1].images.push(Image {
        id: "sha256:abc".into(),
        tags: vec!["redis:7".into()],
    });
    let d = run(&s, json!({"Image":"nginx"})).unwrap();
    assert_eq!(
        d.candidates.len(),
        3,
        "a missing image never makes a node ineligible"
    );
    let d = run(
        &s,
        json!({"Image":"redis:7","Env":["affinity:image==redis"]}),
    )
    .unwrap();
    assert_eq!(d.node, "node-1");
}

#[test]
fn containerslots_counts_every_container() {
    let mut s = three();
    for n in &mut s.nodes {
        n.labels.insert("containerslots".into(), "1".into());
    }
    s.nodes[0].containers.push(Container::default());
    s.nodes[1].containers.push(Container {
        state: "exited".into(),
        ..Container::default()
    });
    assert_eq!(run(&s, json!({})).unwrap().candidates, vec!["node-2"]);
    s.nodes[2].containers.push(Container::default());
    assert_eq!(
        err(&s, json!({})),
        "Unable to find a node that satisfies the following conditions \n[available container slots]"
    );
}

#[test]
fn binpack_fills_one_node_then_the_next() {
    let mut s = three();
    s.strategy = Strategy::Binpack;
    let reqs: Vec<Value> = (0..5)
        .map(|i| json!({"Name": format!("c{i}"), "HostConfig":{"NanoCpus": 1_000_000_000i64}}))
        .collect();
    let opts = Options::from_state(&s);
    let r = plan_sequence(&mut s, reqs, &opts);
    let nodes: Vec<_> = r
        .iter()
        .map(|r| r.node.clone().unwrap_or_default())
        .collect();
    assert_eq!(nodes, ["node-0", "node-0", "node-1", "node-1", "node-2"]);
}

#[test]
fn spread_round_robins_by_container_count_then_name() {
    let mut s = three();
    let reqs: Vec<Value> = (0..6).map(|i| json!({"Name": format!("c{i}")})).collect();
    let opts = Options::from_state(&s);
    let r = plan_sequence(&mut s, reqs, &opts);
    let nodes: Vec<_> = r
        .iter()
        .map(|r| r.node.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        nodes,
        ["node-0", "node-1", "node-2", "node-0", "node-1", "node-2"]
    );
}

#[test]
fn plan_sequence_adds_placed_containers_with_their_reservations_ports_and_labels() {
    let mut s = three();
    let reqs = vec![
        json!({"Name":"web1","Image":"nginx","Labels":{"app":"web"},
               "HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]},"Memory": GIB}}),
        json!({"Name":"web2","Image":"nginx","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}}),
        json!({"Name":"web3","Image":"nginx","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}}),
        json!({"Name":"web4","Image":"nginx","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}}),
        json!({"Name":"side","Env":["affinity:container==web1"]}),
        json!({"Name":"notweb","Env":["affinity:app!=web"]}),
        json!({"Name":"cache","Image":"redis","Env":["affinity:image==nginx","constraint:node!=node-0"]}),
        json!({"Name":"web1"}),
        json!("not an object"),
        json!({"Name":"bad","Env":["constraint:x"]}),
        json!({"Name":"last"}),
    ];
    let opts = Options::from_state(&s);
    let r = plan_sequence(&mut s, reqs, &opts);
    assert_eq!(r[0].node.as_deref(), Some("node-0"));
    assert_eq!(r[1].node.as_deref(), Some("node-1"));
    assert_eq!(r[2].node.as_deref(), Some("node-2"));
    assert_eq!(
        r[3].error.as_deref(),
        Some(
            "Unable to find a node that satisfies the following conditions \n[port 80 (Bridge mode)]"
        )
    );
    assert_eq!(r[3].candidates, Vec::<String>::new());
    assert_eq!(r[4].node.as_deref(), Some("node-0"));
    assert_eq!(r[5].candidates, vec!["node-1", "node-2"]);
    assert_eq!(
        r[6].candidates,
        vec!["node-1", "node-2"],
        "the image arrived with web2/web3"
    );
    assert!(
        r[7].error
            .as_deref()
            .unwrap_or("")
            .starts_with("Conflict: The name web1 is already assigned.")
    );
    assert_eq!(r[8].name, "");
    assert!(
        r[8].error
            .as_deref()
            .unwrap_or("")
            .starts_with("invalid request: invalid type: string")
    );
    assert_eq!(
        r[9].error.as_deref(),
        Some("invalid constraint 'x': One of operator ==, != is expected")
    );
    assert!(r[10].placed());
    let web1 = &s.nodes[0].containers[0];
    assert_eq!(web1.state, "pending");
    assert_eq!(web1.memory, GIB);
    assert_eq!(web1.ports[0].host_port, 80);
    assert_eq!(web1.labels["app"], "web");
    let side = &s.nodes[0].containers[1];
    assert_eq!(
        side.labels[request::LABEL_AFFINITIES],
        r#"["container==web1"]"#
    );
}

#[test]
fn plan_results_are_deterministic_with_random() {
    let mk = || {
        let mut s = cluster((0..10).map(|i| node(&format!("n{i}"), 1.0, GIB)).collect());
        s.strategy = Strategy::Random;
        s
    };
    let reqs: Vec<Value> = (0..20).map(|i| json!({"Name": format!("c{i}")})).collect();
    let mut a = mk();
    let mut b = mk();
    let opts = Options {
        seed: 9,
        ..Options::from_state(&a)
    };
    let ra = plan_sequence(&mut a, reqs.clone(), &opts);
    let rb = plan_sequence(&mut b, reqs, &opts);
    assert_eq!(ra, rb);
    let distinct: HashSet<_> = ra.iter().filter_map(|r| r.node.clone()).collect();
    assert!(distinct.len() > 3);
}

#[test]
fn explain_says_which_filter_rejected_each_node() {
    let mut s = three();
    s.nodes[0].healthy = false;
    s.nodes[0].error = Some("connection refused".into());
    let e = explain(
        &s,
        &req(json!({"Env":["constraint:storage==~ssd","constraint:region==us-east"],"HostConfig":{"Memory": GIB}})),
        &Options::from_state(&s),
    )
    .unwrap();
    assert_eq!(e.passes.len(), 1);
    let p = &e.passes[0];
    assert_eq!(p.nodes[0].rejected_by.as_deref(), Some("health"));
    assert_eq!(
        p.nodes[0].reason.as_deref(),
        Some("node is unhealthy: connection refused")
    );
    assert_eq!(p.nodes[1].rank, Some(0));
    assert_eq!(p.nodes[2].rejected_by.as_deref(), Some("constraint"));
    assert_eq!(
        p.nodes[2].reason.as_deref(),
        Some("constraint storage==~ssd does not hold")
    );
    assert_eq!(e.decision.as_ref().map(|d| d.node.as_str()), Some("node-1"));

    // Fallback pass appears when the soft pass fails; resources are explained too.
    s.nodes[1].containers.push(Container {
        memory: 2 * GIB,
        ..Container::default()
    });
    let e = explain(
        &s,
        &req(json!({"Env":["constraint:storage==~ssd"],"HostConfig":{"Memory": GIB}})),
        &Options::from_state(&s),
    )
    .unwrap();
    assert_eq!(e.passes.len(), 2);
    assert_eq!(
        e.passes[0].error.as_deref(),
        Some("no resources available to schedule container")
    );
    assert_eq!(
        e.passes[0].nodes[1].rejected_by.as_deref(),
        Some("resources")
    );
    assert_eq!(e.decision.as_ref().map(|d| d.node.as_str()), Some("node-2"));
    assert!(e.error.is_none());
}

#[test]
fn custom_filter_chain_is_respected() {
    let mut s = three();
    s.nodes[0].healthy = false;
    let opts = Options {
        filters: vec![FilterKind::Constraint],
        ..Options::default()
    };
    let d = schedule(
        &s,
        &req(json!({"Env":["constraint:region==us-west"]})),
        &opts,
    )
    .unwrap();
    assert_eq!(d.node, "node-0", "no health filter in the chain");
}

#[test]
fn invalid_overcommit_is_an_error_not_a_panic() {
    let s = three();
    let opts = Options {
        overcommit: f64::NAN,
        ..Options::default()
    };
    assert!(matches!(
        schedule(&s, &req(json!({})), &opts),
        Err(ScheduleError::InvalidOptions(_))
    ));
}

#[test]
fn plan_one_checks_names_and_decides() {
    let mut s = three();
    s.nodes[0].containers.push(Container {
        name: "/taken".into(),
        ..Container::default()
    });
    let r = plan_one(&s, &req(json!({"Name":"taken"})), &Options::default());
    assert!(r.error.unwrap_or_default().starts_with("Conflict"));
    let r = plan_one(&s, &req(json!({"Name":"free"})), &Options::default());
    assert_eq!(r.node.as_deref(), Some("node-1"));
}

#[test]
fn empty_cluster_without_health_filter_has_no_nodes() {
    let opts = Options {
        filters: vec![FilterKind::Constraint],
        ..Options::default()
    };
    assert_eq!(
        schedule(&cluster(vec![]), &req(json!({})), &opts)
            .unwrap_err()
            .to_string(),
        "No nodes available in the cluster"
    );
}

#[test]
fn planned_host_mode_containers_block_their_ports() {
    let mut s = cluster(vec![node("a", 1.0, GIB), node("b", 1.0, GIB)]);
    let host = |n: &str| json!({"Name": n, "ExposedPorts": {"80/tcp": {}}, "HostConfig": {"NetworkMode": "host"}});
    let opts = Options::default();
    let r = plan_sequence(&mut s, vec![host("h1"), host("h2"), host("h3")], &opts);
    assert_eq!(r[0].node.as_deref(), Some("a"));
    assert_eq!(r[1].node.as_deref(), Some("b"));
    assert_eq!(
        r[2].error.as_deref(),
        Some(
            "Unable to find a node that satisfies the following conditions \n[port 80/tcp (Host mode)]"
        )
    );
}

#[test]
fn label_affinity_in_parallel_places_exactly_two_of_three() {
    // Upstream's "label affinity in parallel": 3 runs with --label test.label=true and
    // affinity:test.label!=true on 2 nodes; exactly one fails.
    let mut s = cluster(vec![node("node-0", 1.0, GIB), node("node-1", 1.0, GIB)]);
    let body = |n: &str| json!({"Name": n, "Labels": {"test.label": "true"}, "Env": ["affinity:test.label!=true"]});
    let r = plan_sequence(
        &mut s,
        vec![body("a"), body("b"), body("c")],
        &Options::default(),
    );
    assert_eq!(r.iter().filter(|r| r.placed()).count(), 2);
    assert_eq!(
        r[2].error.as_deref(),
        Some(
            "Unable to find a node that satisfies the following conditions \n[available container slots]\n[test.label!=true (soft=false)]"
        )
    );
}

#[test]
fn explanation_serializes_to_json() {
    let s = three();
    let e = explain(
        &s,
        &req(json!({"Env":["constraint:region==us-west"]})),
        &Options::default(),
    )
    .unwrap();
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(v["decision"]["node"], "node-0");
    assert_eq!(v["passes"][0]["nodes"][1]["rejected_by"], "constraint");
    assert_eq!(v["error"], Value::Null);
}

// ---- property tests -------------------------------------------------------------------------

fn arb_node(i: usize) -> impl proptest::strategy::Strategy<Value = Node> {
    (
        any::<bool>(),
        0u8..4,
        0u64..4,
        prop::sample::select(vec!["us-east", "us-west", "eu"]),
        prop::collection::vec(
            (
                0u8..3,
                prop::sample::select(vec![0u16, 80, 443]),
                0u64..2,
                prop::sample::select(vec!["a", "b", "web", "db"]),
            ),
            0..4,
        ),
        prop::option::of(0u8..4),
    )
        .prop_map(move |(healthy, cpus, mem, region, cs, slots)| {
            let mut n = node(&format!("n{i}"), f64::from(cpus), mem * GIB);
            n.healthy = healthy || i == 0;
            n.labels.insert("region".into(), region.into());
            if let Some(s) = slots {
                n.labels.insert("containerslots".into(), s.to_string());
            }
            for (k, (cpu, port, m, name)) in cs.into_iter().enumerate() {
                let mut c = Container {
                    id: format!("{i}{k}{name}"),
                    name: name.to_string(),
                    cpus: f64::from(cpu) * 0.5,
                    memory: m * GIB / 2,
                    ..Container::default()
                };
                if port != 0 {
                    c.ports.push(Port {
                        host_ip: String::new(),
                        host_port: port,
                        container_port: port,
                        protocol: "tcp".into(),
                    });
                }
                c.labels.insert("app".into(), name.into());
                n.containers.push(c);
            }
            n
        })
}

fn arb_state() -> impl proptest::strategy::Strategy<Value = ClusterState> {
    (1usize..6)
        .prop_flat_map(|n| (0..n).map(arb_node).collect::<Vec<_>>())
        .prop_map(cluster)
}

fn arb_request() -> impl proptest::strategy::Strategy<Value = Value> {
    (
        prop::collection::vec(
            prop::sample::select(vec![
                "constraint:region==us-east",
                "constraint:region!=eu",
                "constraint:region==~us-*",
                "constraint:node!=n1",
                "affinity:container==web",
                "affinity:container!=db",
                "affinity:container==*e*",
                "affinity:container!=~d*",
                "affinity:container==/^w/",
                "affinity:app==~a",
                "affinity:image==redis",
                "whitelist:node==n0|n2",
            ]),
            0..3,
        ),
        prop::sample::select(vec![0u16, 80, 443]),
        0u64..3,
        0i64..3,
        prop::option::of(prop::sample::select(vec!["web", "db", "a"])),
    )
        .prop_map(|(env, port, mem, cpu, link)| {
            let mut hc = json!({"Memory": mem * GIB / 2, "NanoCpus": cpu * 500_000_000});
            if port != 0 {
                hc["PortBindings"] =
                    json!({format!("{port}/tcp"): [{"HostPort": port.to_string()}]});
            }
            if let Some(l) = link {
                hc["Links"] = json!([format!("{l}:x")]);
            }
            json!({"Name":"new","Image":"redis","Env": env, "HostConfig": hc})
        })
}

fn hard_filters_pass(state: &ClusterState, p: &Prepared, node: &str) -> bool {
    let n = state
        .nodes
        .iter()
        .find(|n| n.name == node)
        .expect("chosen node exists");
    DEFAULT_FILTERS
        .iter()
        .all(|f| f.check(p, n, false).is_none())
}

proptest! {
    #[test]
    fn chosen_node_passes_every_hard_filter_and_fits(state in arb_state(), body in arb_request(), strat in prop::sample::select(vec![Strategy::Spread, Strategy::Binpack, Strategy::Random])) {
        let r = req(body);
        let p = r.prepare().unwrap();
        let opts = Options { strategy: strat, ..Options::default() };
        match schedule(&state, &r, &opts) {
            Ok(d) => {
                prop_assert!(hard_filters_pass(&state, &p, &d.node));
                prop_assert!(d.candidates.contains(&d.node));
                prop_assert!(d.candidates.windows(2).all(|w| w[0] < w[1]));
                for c in &d.candidates {
                    prop_assert!(hard_filters_pass(&state, &p, c));
                }
                let i = state.nodes.iter().position(|n| n.name == d.node).unwrap();
                prop_assert!(Usage::of(&state.nodes[i], opts.overcommit).weight(p.nano_cpus, p.memory).is_some());
            }
            Err(e) => {
                // When it fails, no node passes the hard filters and fits.
                let any = state.nodes.iter().any(|n| {
                    DEFAULT_FILTERS.iter().all(|f| f.check(&p, n, false).is_none())
                        && Usage::of(n, opts.overcommit).weight(p.nano_cpus, p.memory).is_some()
                });
                prop_assert!(!any, "failed with {} although a node fits", e);
            }
        }
    }

    #[test]
    fn cheap_first_order_gives_the_same_survivors_and_errors(state in arb_state(), body in arb_request(), soft in any::<bool>()) {
        let p = req(body).prepare().unwrap();
        let opts = Options::default();
        let lazy = View::lazy(opts.overcommit);
        let tables = Tables::of(&state);
        let cached = View { overcommit: opts.overcommit, tables: Some(&tables) };
        let canonical = filter_pass(&state, &lazy, &p, &opts, soft);
        prop_assert_eq!(&filter_pass_fast(&state, &lazy, &p, &opts, soft, true), &canonical);
        // The lookup tables of long plans give the same answers as the scans.
        prop_assert_eq!(&filter_pass_fast(&state, &cached, &p, &opts, soft, true), &canonical);
        prop_assert_eq!(&filter_pass(&state, &cached, &p, &opts, soft), &canonical);
    }

    #[test]
    fn explain_agrees_with_schedule(state in arb_state(), body in arb_request()) {
        let r = req(body);
        let opts = Options::default();
        let e = explain(&state, &r, &opts).unwrap();
        match schedule(&state, &r, &opts) {
            Ok(d) => prop_assert_eq!(e.decision, Some(d)),
            Err(err) => prop_assert_eq!(e.error, Some(err.to_string())),
        }
    }

    #[test]
    fn snapshot_decides_as_a_one_off_decision(state in arb_state(), body in arb_request(), strat in prop::sample::select(vec![Strategy::Spread, Strategy::Binpack, Strategy::Random]), overcommit in prop::sample::select(vec![0.0, 0.05, 0.5, -0.5])) {
        let r = req(body);
        let opts = Options { strategy: strat, overcommit, ..Options::default() };
        let snap = Snapshot::new(state.clone());
        prop_assert_eq!(snap.schedule(&r, &opts), schedule(&state, &r, &opts));
    }

    #[test]
    fn overcommit_applied_later_gives_the_same_usage(state in arb_state(), overcommit in -0.99f64..3.0) {
        for n in &state.nodes {
            prop_assert_eq!(Usage::of(n, 0.0).overcommitted(overcommit), Usage::of(n, overcommit));
        }
    }

    #[test]
    fn every_step_of_a_plan_decides_as_a_one_off_decision(state in arb_state(), bodies in prop::collection::vec(arb_request(), 1..6)) {
        // Each step on the snapshot (tables updated in place) against a one-off decision on the
        // state as the previous steps left it.
        let opts = Options::default();
        let mut snap = Snapshot::new(state);
        for (k, mut body) in bodies.into_iter().enumerate() {
            body["Name"] = json!(format!("new-{k}"));
            // Refer to containers placed by earlier steps, which only the updated tables know.
            match k % 3 {
                1 => body["HostConfig"]["Links"] = json!([format!("new-{}:p", k - 1)]),
                2 => body["Env"] = json!([format!("affinity:container!=new-{}", k - 1)]),
                _ => {}
            }
            let expected = schedule(snap.state(), &req(body.clone()), &opts);
            let got = snap.plan(body, &opts);
            match expected {
                Ok(d) => {
                    prop_assert_eq!(got.node, Some(d.node));
                    prop_assert_eq!(got.candidates, d.candidates);
                }
                Err(e) => prop_assert_eq!(got.error, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn a_snapshot_kept_in_step_decides_as_a_fresh_one(state in arb_state(), edits in prop::collection::vec((0u8..6, 0usize..8, arb_node(7)), 1..8), bodies in prop::collection::vec(arb_request(), 1..4), strat in prop::sample::select(vec![Strategy::Spread, Strategy::Binpack, Strategy::Random])) {
        // A long-lived model edits its snapshot as engines report changes: a container upserted
        // or removed, a node replaced (health, labels, capacity), added or removed. After every
        // edit a decision on the kept snapshot equals a one-off decision on the same state, and
        // equals a decision on a snapshot built afresh from it.
        let opts = Options { strategy: strat, ..Options::default() };
        let mut snap = Snapshot::new(state);
        for (k, (op, at, mut other)) in edits.into_iter().enumerate() {
            let n = snap.state().nodes.len();
            let i = at % n.max(1);
            match op {
                0 if n > 0 => {
                    // Replace a container by one with the same ID and other facts.
                    if let Some(c) = snap.state().nodes[i].containers.first().cloned() {
                        let mut c2 = other.containers.pop().unwrap_or_default();
                        c2.id = c.id.clone();
                        snap.upsert_container(i, c2);
                    }
                }
                1 if n > 0 => {
                    let c = Container { id: format!("added{k}"), name: format!("web{k}"), cpus: 0.5, ports: vec![Port { host_ip: String::new(), host_port: 80, container_port: 80, protocol: "tcp".into() }], ..Container::default() };
                    snap.upsert_container(i, c);
                }
                2 if n > 0 => {
                    if let Some(id) = snap.state().nodes[i].containers.last().map(|c| c.id.clone()) {
                        prop_assert!(snap.remove_container(i, &id));
                    }
                }
                3 if n > 0 => {
                    other.name = snap.state().nodes[i].name.clone();
                    snap.replace_node(i, other);
                }
                4 => {
                    other.name = format!("m{k}");
                    snap.push_node(other);
                }
                5 if n > 1 => {
                    snap.remove_node(i);
                }
                _ => {}
            }
            for body in &bodies {
                let r = req(body.clone());
                let kept = snap.schedule(&r, &opts);
                prop_assert_eq!(&kept, &schedule(snap.state(), &r, &opts));
                prop_assert_eq!(&kept, &Snapshot::new(snap.state().clone()).schedule(&r, &opts));
            }
        }
    }

    #[test]
    fn plan_sequence_never_panics_and_keeps_order(state in arb_state(), bodies in prop::collection::vec(arb_request(), 0..6)) {
        let mut s = state;
        let n = bodies.len();
        let before: usize = s.nodes.iter().map(|n| n.containers.len()).sum();
        let r = plan_sequence(&mut s, bodies, &Options::default());
        prop_assert_eq!(r.len(), n);
        let after: usize = s.nodes.iter().map(|n| n.containers.len()).sum();
        // All requests are named "new": at most one is placed, the rest conflict or fail.
        let placed = r.iter().filter(|r| r.placed()).count();
        prop_assert!(placed <= 1);
        prop_assert_eq!(after, before + placed);
    }
}

// ---- fast paths against the plain scans -------------------------------------------------------

/// A node whose containers' IDs, names and swarm IDs collide often with the looked-up strings.
fn arb_lookup_node() -> impl proptest::strategy::Strategy<Value = Node> {
    let ids = vec![
        "",
        "a",
        "ab",
        "abc",
        "abcdef012345",
        "abcdef0123456789",
        "abcdef012345ff",
        "x",
        "/a",
    ];
    let names = vec!["", "a", "/a", "//a", "ab", "n1/a", "/", "abc", "x/a", "E1"];
    let swarm = vec!["", "a", "ab", "abcdef012345", "abcdef0123456789", "zz"];
    prop::collection::vec(
        (
            prop::sample::select(ids),
            prop::sample::select(names),
            prop::option::of(prop::sample::select(swarm)),
            any::<bool>(),
        ),
        0..6,
    )
    .prop_map(|cs| {
        let mut n = Node::named("n1");
        n.id = "E1".into();
        for (id, name, swarm, app) in cs {
            let mut c = Container {
                id: id.into(),
                name: name.into(),
                ..Container::default()
            };
            if let Some(s) = swarm {
                c.labels.insert("com.docker.swarm.id".into(), s.into());
            }
            if app {
                c.labels.insert("app".into(), "web".into());
                c.labels.insert("com.docker.swarm.idx".into(), "a".into());
            }
            n.containers.push(c);
        }
        n
    })
}

fn arb_lookup_value() -> impl proptest::strategy::Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "",
        "a",
        "/a",
        "//a",
        "ab",
        "abc",
        "abcdef012345",
        "abcdef0123456789",
        "abcdef01234",
        "n1/a",
        "E1/ab",
        "n1//a",
        "x",
        "/",
        "zz",
        "E1",
    ])
}

/// Both filter passes with a snapshot's tables give the survivors and errors of the plain scans.
fn tables_agree_with_scans(
    state: &ClusterState,
    p: &Prepared,
) -> Result<(), proptest::test_runner::TestCaseError> {
    let opts = Options::default();
    let tables = Tables::of(state);
    let cached = View {
        overcommit: opts.overcommit,
        tables: Some(&tables),
    };
    let canonical = filter_pass(state, &View::lazy(opts.overcommit), p, &opts, true);
    prop_assert_eq!(&filter_pass(state, &cached, p, &opts, true), &canonical);
    prop_assert_eq!(
        &filter_pass_fast(state, &cached, p, &opts, true, true),
        &canonical
    );
    Ok(())
}

proptest! {
    #[test]
    fn dependency_lookup_agrees_with_the_plain_scan(n in arb_lookup_node(), what in arb_lookup_value()) {
        prop_assert_eq!(
            filter::dependency::holds(&n, what),
            filter::dependency::holds_scan(&n, what),
            "{}", what
        );
    }

    #[test]
    fn lookup_tables_give_the_scans_answers_on_odd_names(
        nodes in prop::collection::vec(arb_lookup_node(), 1..5),
        links in prop::collection::vec(arb_lookup_value(), 0..3),
        volumes in prop::collection::vec(arb_lookup_value(), 0..2),
        net in prop::option::of(arb_lookup_value()),
        affinity in prop::option::of((arb_lookup_value(), any::<bool>())),
        pattern in prop::option::of((prop::sample::select(vec!["*a", "a*", "*b*", "/a$/", "*", "E1*", "ab*c*", "*/a", "/^$/"]), any::<bool>())),
    ) {
        // Nodes n0, n1 (engine E1), n2, …: `n1/a` and `E1/ab` name a node, the others do not.
        let nodes = nodes.into_iter().enumerate().map(|(i, mut n)| {
            n.name = format!("n{i}");
            n.id = format!("E{i}");
            n
        }).collect();
        let state = cluster(nodes);
        let mut hc = json!({
            "Links": links.iter().map(|l| format!("{l}:x")).collect::<Vec<_>>(),
            "VolumesFrom": volumes,
        });
        if let Some(c) = net {
            hc["NetworkMode"] = json!(format!("container:{c}"));
        }
        let env: Vec<String> = affinity
            .iter()
            .chain(&pattern)
            .map(|(v, ne)| format!("affinity:container{}{v}", if *ne { "!=" } else { "==" }))
            .collect();
        let body = json!({"Name": "new", "Image": "i", "Env": env, "HostConfig": hc});
        let Ok(r) = CreateRequest::from_value(body) else {
            return Ok(());
        };
        let Ok(p) = r.prepare() else { return Ok(()) };
        tables_agree_with_scans(&state, &p)?;
    }

    #[test]
    fn port_tables_give_the_scans_answers(
        nodes in prop::collection::vec(
            prop::collection::vec(
                (
                    prop::sample::select(vec!["", "0.0.0.0", "10.0.0.1", "10.0.0.2", "::"]),
                    prop::sample::select(vec![0u16, 80, 81, 443, 8000]),
                    any::<bool>(),
                    prop::sample::select(vec!["80", "80/tcp", "80/UDP", "443/tcp", "81"]),
                ),
                0..4,
            ),
            1..4,
        ),
        host_mode in any::<bool>(),
        ip in prop::sample::select(vec!["", "10.0.0.1", "10.0.0.2", "::"]),
        host_port in prop::sample::select(vec!["80", "81", "79-81", "82-90", "443", "", "8000-8000"]),
        container_port in prop::sample::select(vec!["80/tcp", "80/udp", "443", "81/tcp"]),
    ) {
        let nodes = nodes.into_iter().enumerate().map(|(i, cs)| {
            let mut n = Node::named(format!("n{i}"));
            for (k, (ip, port, host, exposed)) in cs.into_iter().enumerate() {
                let mut c = Container { name: format!("c{i}{k}"), ..Container::default() };
                c.ports.push(Port { host_ip: ip.into(), host_port: port, container_port: 80, protocol: "tcp".into() });
                c.exposed_ports.push(exposed.into());
                if host {
                    c.network_mode = "host".into();
                }
                n.containers.push(c);
            }
            n
        }).collect();
        let state = cluster(nodes);
        let mut hc = json!({"PortBindings": {container_port: [{"HostIp": ip, "HostPort": host_port}]}});
        if host_mode {
            hc["NetworkMode"] = json!("host");
        }
        let body = json!({"Name": "new", "Image": "i", "ExposedPorts": {container_port: {}}, "HostConfig": hc});
        let Ok(r) = CreateRequest::from_value(body) else { return Ok(()) };
        let Ok(p) = r.prepare() else { return Ok(()) };
        tables_agree_with_scans(&state, &p)?;
    }

    #[test]
    fn exact_container_affinity_agrees_with_the_plain_scan(n in arb_lookup_node(), v in arb_lookup_value(), ne in any::<bool>()) {
        // Values the expression grammar accepts as exact (no `*`, not `/re/`).
        if let Ok(e) = expr::Expr::parse(&format!("container{}{v}", if ne { "!=" } else { "==" })) {
            prop_assert_eq!(
                filter::affinity::holds(&e, &n),
                filter::affinity::holds_scan(&e, &n),
                "{}", v
            );
        }
    }

    #[test]
    fn nano_cpus_rounds_like_round(x in any::<f64>(), k in 0u64..40_000, half in any::<bool>()) {
        let expect = |c: f64| (c * 1e9).round() as u64;
        prop_assert_eq!(strategy::nano_cpus(x), expect(x));
        // Values near halves and the usual CPU counts.
        let c = k as f64 / 1e4 + if half { 5e-10 } else { 0.0 };
        prop_assert_eq!(strategy::nano_cpus(c), expect(c));
        prop_assert_eq!(strategy::nano_cpus(-c), expect(-c));
    }
}

#[test]
fn nano_cpus_edge_cases_round_like_round() {
    for c in [
        0.0,
        -0.0,
        0.5e-9,
        f64::from_bits(0.5e-9_f64.to_bits() - 1),
        f64::from_bits(2.5e-9_f64.to_bits() - 1),
        2.5e-9,
        1.5,
        0.1,
        0.3,
        64.0,
        1e10,
        9.007_199_254_740_993e6,
        1.8446744073709552e10,
        1.9e10,
        f64::MAX,
        f64::MIN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        -0.7e-9,
    ] {
        assert_eq!(strategy::nano_cpus(c), (c * 1e9).round() as u64, "{c}");
    }
}
