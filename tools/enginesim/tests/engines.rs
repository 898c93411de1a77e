//! The simulator in-process, driven by real clients: a TLS HTTP client for exact shapes,
//! bollard (the Engine API client flotilla uses) for model compatibility, and the control port.

mod common;

use common::{Answer, QUIET, client_config, connect, control, lines, store};
use flotilla_enginesim::pattern::{Pattern, parse_labels};
use flotilla_enginesim::{Sim, SimConfig};
use serde_json::{Value, json};

async fn sim(store: &common::Store, engines: usize) -> Sim {
    let mut cfg = SimConfig::new(store.path(), engines);
    cfg.containers_per_engine = 10;
    cfg.labels = parse_labels("zone=z{i%2},model=m{i%3}").expect("labels");
    cfg.name = Pattern::parse("sim-{i}").expect("name");
    Sim::start(cfg).await.expect("simulator starts")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engines_answer_with_dockerds_shapes() {
    let st = store();
    let sim = sim(&st, 3).await;
    let cfg = client_config(&st, Some(&st));
    let addrs = sim.addresses();
    let mut c = connect(addrs[1], cfg.clone()).await.expect("connect");

    let ping = c.call("GET", "/_ping", None).await;
    assert_eq!(ping.status, 200);
    assert_eq!(ping.body, json!("OK"));
    assert_eq!(ping.headers["api-version"], "1.41");
    assert_eq!(ping.headers["ostype"], "linux");
    assert!(
        ping.headers["server"]
            .to_str()
            .unwrap_or_default()
            .starts_with("Docker/")
    );
    let head = c.call("HEAD", "/_ping", None).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.headers["api-version"], "1.41");

    let v = c.call("GET", "/version", None).await;
    assert_eq!(v.body["ApiVersion"], "1.41");
    assert_eq!(v.body["MinAPIVersion"], "1.12");

    let info = c.call("GET", "/v1.41/info", None).await;
    assert_eq!(info.status, 200);
    assert_eq!(info.body["Name"], "sim-1");
    assert_eq!(info.body["Labels"], json!(["zone=z1", "model=m1"]));
    assert_eq!(info.body["NCPU"], 4);
    assert_eq!(info.body["MemTotal"], 8i64 << 30);
    assert_eq!(info.body["Containers"], 10);
    assert_eq!(info.body["ContainersRunning"], 8);
    assert!(
        info.body["SystemTime"]
            .as_str()
            .unwrap_or_default()
            .ends_with('Z')
    );
    let mut other = connect(addrs[2], cfg.clone()).await.expect("connect");
    let info2 = other.call("GET", "/info", None).await;
    assert_eq!(info2.body["Name"], "sim-2");
    assert_eq!(info2.body["Labels"], json!(["zone=z0", "model=m2"]));
    assert_ne!(info.body["ID"], info2.body["ID"]);

    // Running only by default, everything with all=1, newest first, limit.
    let running = c.call("GET", "/containers/json", None).await;
    assert_eq!(running.body.as_array().map(Vec::len), Some(8));
    let all = c.call("GET", "/v1.41/containers/json?all=1", None).await;
    let all = all.body.as_array().cloned().unwrap_or_default();
    assert_eq!(all.len(), 10);
    assert_eq!(all[0]["Names"], json!(["/sim-1-c9"]));
    assert_eq!(all[0]["State"], "exited");
    let created: Vec<i64> = all.iter().filter_map(|c| c["Created"].as_i64()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
    let limited = c.call("GET", "/containers/json?limit=3", None).await;
    assert_eq!(limited.body.as_array().map(Vec::len), Some(3));
    // A published port, as dockerd lists it (IPv4 and IPv6 entries).
    let c0 = all
        .iter()
        .find(|x| x["Names"][0] == "/sim-1-c0")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        c0["Ports"][0],
        json!({"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 20000, "Type": "tcp"})
    );
    assert_eq!(c0["Ports"][1]["IP"], "::");
    assert_eq!(c0["Labels"]["enginesim.engine"], "1");

    let f = enc(r#"{"label":["app=app1"],"status":["running"]}"#);
    let filtered = c
        .call("GET", &format!("/containers/json?filters={f}"), None)
        .await;
    let names: Vec<&str> = filtered
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["Names"][0].as_str())
        .collect();
    assert_eq!(names, ["/sim-1-c6", "/sim-1-c1"]);
    let bad = c
        .call(
            "GET",
            &format!("/containers/json?filters={}", enc(r#"{"colour":["x"]}"#)),
            None,
        )
        .await;
    assert_eq!(
        (bad.status, bad.body.clone()),
        (400, json!({"message": "Invalid filter 'colour'"}))
    );

    let insp = c.call("GET", "/containers/sim-1-c0/json", None).await;
    assert_eq!(insp.status, 200);
    assert_eq!(insp.body["Name"], "/sim-1-c0");
    assert_eq!(insp.body["State"]["Running"], true);
    assert_eq!(insp.body["HostConfig"]["Memory"], 64 << 20);
    assert_eq!(
        insp.body["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"],
        "20000"
    );
    assert_eq!(
        insp.body["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"],
        "20000"
    );
    let id = insp.body["Id"].as_str().unwrap_or_default().to_string();
    let by_prefix = c
        .call("GET", &format!("/containers/{}/json", &id[..10]), None)
        .await;
    assert_eq!(by_prefix.body["Id"], json!(id));
    let missing = c.call("GET", "/containers/nope/json", None).await;
    assert_eq!(
        (missing.status, missing.body),
        (404, json!({"message": "No such container: nope"}))
    );

    let images = c.call("GET", "/images/json", None).await;
    let tags: Vec<&str> = images
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["RepoTags"][0].as_str())
        .collect();
    assert_eq!(
        tags,
        [
            "flotilla-busybox:latest",
            "flotilla-nginx:latest",
            "enginesim/app:1.0"
        ]
    );
    let img = c.call("GET", "/images/enginesim/app:1.0/json", None).await;
    assert_eq!(img.status, 200);
    assert_eq!(img.body["RepoTags"], json!(["enginesim/app:1.0"]));
    // The same image has the same ID on every engine.
    let img2 = other
        .call("GET", "/images/enginesim/app:1.0/json", None)
        .await;
    assert_eq!(img.body["Id"], img2.body["Id"]);

    let nets = c.call("GET", "/networks", None).await;
    let net_names: Vec<&str> = nets
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["Name"].as_str())
        .collect();
    assert_eq!(net_names, ["bridge", "host", "none"]);
    let vols = c.call("GET", "/volumes", None).await;
    assert_eq!(vols.body["Volumes"][0]["Name"], "sim-1-data");
    assert_eq!(vols.body["Volumes"][0]["Driver"], "local");

    let nf = c
        .call("GET", "/v1.41/containers/abc/logs?stdout=1", None)
        .await;
    assert_eq!(nf.status, 404);
    let msg = nf.body["message"].as_str().unwrap_or_default();
    assert!(msg.contains("GET /containers/abc/logs"), "{msg}");
    let nf = c.call("POST", "/swarm/init", Some(json!({}))).await;
    assert!(
        nf.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("POST /swarm/init")
    );
    let too_new = c.call("GET", "/v1.50/info", None).await;
    assert_eq!(too_new.status, 400);
    assert_eq!(
        too_new.body["message"],
        "client version 1.50 is too new. Maximum supported API version is 1.41"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_events_and_waits() {
    let st = store();
    let sim = sim(&st, 2).await;
    let cfg = client_config(&st, Some(&st));
    let addr = sim.addresses()[0];
    let mut c = connect(addr, cfg.clone()).await.expect("connect");
    let t0 = flotilla_enginesim::timefmt::now_nanos();

    // A live subscription, containers only.
    let mut events_conn = connect(addr, cfg.clone()).await.expect("connect");
    let f = enc(r#"{"type":["container"]}"#);
    let resp = events_conn
        .send("GET", &format!("/events?filters={f}"), None)
        .await
        .expect("events");
    assert_eq!(resp.status(), 200);
    let mut events = resp.into_body();
    let mut buf = Vec::new();

    let body = json!({"Image": "flotilla-nginx", "Labels": {"team": "a"},
        "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": "8080"}]}}});
    let created = c
        .call(
            "POST",
            "/v1.41/containers/create?name=web-a",
            Some(body.clone()),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["Warnings"], json!([]));
    let id = created.body["Id"].as_str().unwrap_or_default().to_string();
    assert_eq!(id.len(), 64);
    let again = c
        .call("POST", "/containers/create?name=web-a", Some(body.clone()))
        .await;
    assert_eq!(again.status, 409);
    let no_image = c
        .call(
            "POST",
            "/containers/create?name=web-b",
            Some(json!({"Image": "nosuch"})),
        )
        .await;
    assert_eq!(
        (no_image.status, no_image.body),
        (404, json!({"message": "No such image: nosuch:latest"}))
    );

    assert_eq!(
        c.call("POST", "/containers/web-a/start", None).await.status,
        204
    );
    assert_eq!(
        c.call("POST", "/containers/web-a/start", None).await.status,
        304
    );
    // Same host port: dockerd's allocation error, the container stays created.
    c.call("POST", "/containers/create?name=web-b", Some(body))
        .await;
    let clash = c.call("POST", "/containers/web-b/start", None).await;
    assert_eq!(clash.status, 500);
    assert!(
        clash.body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("port is already allocated")
    );

    let got = lines(&mut events, &mut buf, 3).await;
    let actions: Vec<&str> = got.iter().filter_map(|e| e["Action"].as_str()).collect();
    assert_eq!(actions, ["create", "start", "create"]);
    assert_eq!(got[0]["id"], json!(id));
    assert_eq!(
        got[0]["Actor"]["Attributes"],
        json!({"image": "flotilla-nginx", "name": "web-a", "team": "a"})
    );
    assert_eq!(got[1]["from"], "flotilla-nginx");

    // A wait answers when the container stops.
    let mut wait_conn = connect(addr, cfg.clone()).await.expect("connect");
    let wait = wait_conn
        .send("POST", "/containers/web-a/wait", None)
        .await
        .expect("wait");
    assert_eq!(wait.status(), 200);
    let waited = tokio::spawn(Answer::read(wait));
    tokio::time::sleep(QUIET).await;
    assert!(
        !waited.is_finished(),
        "wait answered while the container runs"
    );
    assert_eq!(
        c.call("POST", "/containers/web-a/kill", None).await.status,
        204
    );
    let w = waited.await.expect("wait task");
    assert_eq!(w.body, json!({"Error": null, "StatusCode": 137}));

    let insp = c.call("GET", "/containers/web-a/json", None).await;
    assert_eq!(insp.body["State"]["Status"], "exited");
    assert_eq!(insp.body["State"]["ExitCode"], 137);
    assert_eq!(insp.body["NetworkSettings"]["Ports"], json!({}));
    assert_eq!(
        c.call("POST", "/containers/web-a/kill", None).await.status,
        409
    );
    assert_eq!(
        c.call("POST", "/containers/web-a/stop", None).await.status,
        304
    );
    assert_eq!(
        c.call("DELETE", "/containers/web-a", None).await.status,
        204
    );
    assert_eq!(
        c.call("DELETE", "/containers/web-b?force=1", None)
            .await
            .status,
        204
    );
    assert_eq!(
        c.call("DELETE", "/containers/web-a", None).await.status,
        404
    );

    let got = lines(&mut events, &mut buf, 4).await;
    let got: Vec<String> = got
        .iter()
        .map(|e| {
            let a = &e["Actor"]["Attributes"];
            format!(
                "{} {} {}",
                e["Action"].as_str().unwrap_or(""),
                a["name"].as_str().unwrap_or(""),
                a["exitCode"]
                    .as_str()
                    .or(a["signal"].as_str())
                    .unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "kill web-a 9",
            "die web-a 137",
            "destroy web-a ",
            "destroy web-b "
        ]
    );

    // The same history replayed with since/until (network events included), then the end.
    let t1 = flotilla_enginesim::timefmt::now_nanos();
    let q = format!(
        "/events?since={}.{:09}&until={}.{:09}",
        t0 / 1_000_000_000,
        t0 % 1_000_000_000,
        t1 / 1_000_000_000,
        t1 % 1_000_000_000
    );
    let past = c.call("GET", &q, None).await;
    let past: Vec<String> = past
        .body
        .as_str()
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("line");
            format!(
                "{}:{}",
                v["Type"].as_str().unwrap_or(""),
                v["Action"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        past,
        [
            "container:create",
            "network:connect",
            "container:start",
            "container:create",
            "container:kill",
            "container:die",
            "network:disconnect",
            "container:destroy",
            "container:destroy"
        ]
    );
    let backwards = c.call("GET", "/events?since=20&until=10", None).await;
    assert_eq!(backwards.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_counted_per_engine_and_path() {
    let st = store();
    let sim = sim(&st, 3).await;
    let cfg = client_config(&st, Some(&st));
    let ctl = sim.control_addr();
    let addrs = sim.addresses();
    let mut a = connect(addrs[0], cfg.clone()).await.expect("connect");
    let mut b = connect(addrs[2], cfg.clone()).await.expect("connect");
    for _ in 0..3 {
        a.call("GET", "/v1.41/containers/json?all=1", None).await;
    }
    a.call("GET", "/containers/sim-0-c1/json", None).await;
    a.call("GET", "/containers/sim-0-c2/json", None).await;
    b.call("GET", "/info", None).await;
    b.call("GET", "/not/served", None).await;
    // Calls through the control port act "directly" and are not counted.
    control(ctl, "GET", "/engines/1/docker/info", None).await;

    let counts = control(ctl, "GET", "/counts", None).await;
    assert_eq!(counts.status, 200);
    assert_eq!(counts.body["total"], 7);
    assert_eq!(counts.body["engines"], json!({"0": 5, "2": 2}));
    assert_eq!(counts.body["paths"]["GET /containers/json"], 3);
    assert_eq!(counts.body["paths"]["GET /containers/{id}/json"], 2);
    assert_eq!(counts.body["paths"]["GET /info"], 1);
    assert_eq!(counts.body["paths"]["GET /not/served"], 1);
    let one = control(ctl, "GET", "/engines/2/counts", None).await;
    assert_eq!(
        one.body,
        json!({"total": 2, "paths": {"GET /info": 1, "GET /not/served": 1}})
    );

    let reset = control(ctl, "POST", "/counts/reset", None).await;
    assert_eq!(reset.body["total"], 7);
    let after = control(ctl, "GET", "/counts", None).await;
    assert_eq!(after.body, json!({"total": 0, "paths": {}, "engines": {}}));
    a.call("GET", "/_ping", None).await;
    let after = control(ctl, "GET", "/counts", None).await;
    assert_eq!(after.body["paths"], json!({"GET /_ping": 1}));

    let missing = control(ctl, "POST", "/engines/7/hang", None).await;
    assert_eq!(missing.status, 404);
    let engines = control(ctl, "GET", "/engines", None).await;
    assert_eq!(engines.body[2]["addr"], json!(addrs[2].to_string()));
    assert_eq!(engines.body[2]["mode"], "up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_engine_answers_nothing_until_it_comes_back() {
    let st = store();
    let sim = sim(&st, 2).await;
    let cfg = client_config(&st, Some(&st));
    let ctl = sim.control_addr();
    let addr = sim.addresses()[1];
    let mut open = connect(addr, cfg.clone()).await.expect("connect");
    assert_eq!(open.call("GET", "/_ping", None).await.status, 200);

    let hung = control(ctl, "POST", "/engines/1/hang", None).await;
    assert_eq!(hung.body["mode"], "hung");
    // On an open connection: the request is read but not answered.
    let pending = tokio::spawn(async move { open.call("GET", "/info", None).await });
    // A new connection: TCP connects (the kernel's backlog) but TLS never completes.
    let fresh = tokio::spawn({
        let cfg = cfg.clone();
        async move {
            let mut c = connect(addr, cfg).await.expect("connect after the hang");
            c.call("GET", "/version", None).await
        }
    });
    // The other engine is unaffected.
    let mut other = connect(sim.addresses()[0], cfg.clone())
        .await
        .expect("connect");
    assert_eq!(other.call("GET", "/_ping", None).await.status, 200);
    tokio::time::sleep(QUIET).await;
    assert!(!pending.is_finished(), "a hung engine answered");
    assert!(!fresh.is_finished(), "a hung engine completed a handshake");
    let counts = control(ctl, "GET", "/engines/1/counts", None).await;
    assert_eq!(counts.body["total"], 1, "only the ping before the hang");

    let up = control(ctl, "POST", "/engines/1/up", None).await;
    assert_eq!(up.body["mode"], "up");
    let info = pending.await.expect("task");
    assert_eq!(info.body["Name"], "sim-1");
    let version = fresh.await.expect("task");
    assert_eq!(version.body["ApiVersion"], "1.41");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_engine_closes_its_port_and_comes_back() {
    let st = store();
    let sim = sim(&st, 2).await;
    let cfg = client_config(&st, Some(&st));
    let ctl = sim.control_addr();
    let addr = sim.addresses()[0];
    let mut open = connect(addr, cfg.clone()).await.expect("connect");
    assert_eq!(open.call("GET", "/_ping", None).await.status, 200);

    let r = control(ctl, "POST", "/engines/0/refuse", None).await;
    assert_eq!(r.body["mode"], "refusing");
    let err = tokio::net::TcpStream::connect(addr)
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(
        open.send("GET", "/_ping", None).await.is_err(),
        "open connection dropped"
    );

    let r = control(ctl, "POST", "/engines/0/up", None).await;
    assert_eq!(r.body["mode"], "up");
    let mut again = connect(addr, cfg.clone()).await.expect("reconnect");
    let info = again.call("GET", "/info", None).await;
    assert_eq!(info.body["Containers"], 10, "state survives");
    // Refuse, hang (binds again but answers nothing), up.
    control(ctl, "POST", "/engines/0/refuse", None).await;
    control(ctl, "POST", "/engines/0/hang", None).await;
    let pending = tokio::spawn({
        let cfg = cfg.clone();
        async move { connect(addr, cfg).await.map(|_| ()) }
    });
    tokio::time::sleep(QUIET).await;
    assert!(!pending.is_finished());
    control(ctl, "POST", "/engines/0/up", None).await;
    pending.await.expect("task").expect("handshake after up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_without_a_certificate_from_the_stores_ca_are_refused() {
    let st = store();
    let foreign = store();
    let sim = sim(&st, 1).await;
    let addr = sim.addresses()[0];
    // Trusts the engine but presents a certificate from another CA.
    let cfg = client_config(&st, Some(&foreign));
    let refused = match connect(addr, cfg).await {
        Err(_) => true,
        // TLS 1.3: the client finishes first; the refusal arrives with the first answer.
        Ok(mut c) => c.send("GET", "/_ping", None).await.is_err(),
    };
    assert!(refused, "a foreign client certificate was accepted");
    let cfg = client_config(&st, None);
    let refused = match connect(addr, cfg).await {
        Err(_) => true,
        Ok(mut c) => c.send("GET", "/_ping", None).await.is_err(),
    };
    assert!(refused, "a client without a certificate was accepted");
    // The server's certificate is signed by the store's CA: a client trusting another CA
    // refuses it.
    let cfg = client_config(&foreign, Some(&st));
    assert!(connect(addr, cfg).await.is_err());
    assert_eq!(sim.engines()[0].counts.snapshot().total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_changes_show_in_the_event_stream() {
    let st = store();
    let sim = sim(&st, 2).await;
    let cfg = client_config(&st, Some(&st));
    let ctl = sim.control_addr();
    let mut ev = connect(sim.addresses()[1], cfg).await.expect("connect");
    let resp = ev.send("GET", "/events", None).await.expect("events");
    let mut body = resp.into_body();
    let mut buf = Vec::new();
    let run = control(
        ctl,
        "POST",
        "/engines/1/run?name=direct-1",
        Some(json!({"Image": "flotilla-busybox", "Labels": {"k": "v"}})),
    )
    .await;
    assert_eq!(run.status, 201);
    assert_eq!(run.body["Name"], "direct-1");
    let got = lines(&mut body, &mut buf, 3).await;
    assert_eq!(got[0]["Action"], "create");
    assert_eq!(got[1]["Type"], "network");
    assert_eq!(got[2]["Action"], "start");
    assert_eq!(got[2]["timeNano"], run.body["TimeNano"]);
    assert_eq!(got[2]["Actor"]["Attributes"]["k"], "v");
    let rm = control(
        ctl,
        "DELETE",
        "/engines/1/docker/containers/direct-1?force=1",
        None,
    )
    .await;
    assert_eq!(rm.status, 204);
    let got = lines(&mut body, &mut buf, 4).await;
    let actions: Vec<&str> = got.iter().filter_map(|e| e["Action"].as_str()).collect();
    assert_eq!(actions, ["kill", "die", "disconnect", "destroy"]);
    let bad = control(
        ctl,
        "POST",
        "/engines/1/run",
        Some(json!({"Image": "nosuch"})),
    )
    .await;
    assert_eq!(bad.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bollard_parses_every_answer() {
    use bollard::query_parameters::{
        CreateContainerOptionsBuilder, EventsOptionsBuilder, InspectContainerOptions,
        ListContainersOptionsBuilder, ListImagesOptions, ListNetworksOptions, ListVolumesOptions,
        RemoveContainerOptionsBuilder, StopContainerOptions, WaitContainerOptions,
    };
    use futures_util::StreamExt;

    let st = store();
    let sim = sim(&st, 1).await;
    let certs = st.certs();
    let addr = format!("https://{}", sim.addresses()[0]);
    let docker = bollard::Docker::connect_with_ssl(
        &addr,
        &certs.join("key.pem"),
        &certs.join("cert.pem"),
        &certs.join("ca.pem"),
        30,
        bollard::API_DEFAULT_VERSION,
    )
    .expect("client");
    // Negotiation reads `/version` as flotilla does for older engines.
    let docker = docker.negotiate_version().await.expect("negotiate");
    assert_eq!(docker.client_version().to_string(), "1.41");

    let info = docker.info().await.expect("info");
    assert_eq!(info.name.as_deref(), Some("sim-0"));
    assert_eq!(info.ncpu, Some(4));
    let version = docker.version().await.expect("version");
    assert_eq!(version.api_version.as_deref(), Some("1.41"));
    docker.ping().await.expect("ping");

    let all = docker
        .list_containers(Some(ListContainersOptionsBuilder::new().all(true).build()))
        .await
        .expect("list");
    assert_eq!(all.len(), 10);
    for c in &all {
        let id = c.id.as_deref().unwrap_or_default();
        let i = docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .expect("inspect");
        assert_eq!(i.id.as_deref(), Some(id));
    }
    let images = docker
        .list_images(None::<ListImagesOptions>)
        .await
        .expect("images");
    assert_eq!(images.len(), 3);
    let img = docker.inspect_image("flotilla-nginx").await.expect("image");
    assert_eq!(
        img.repo_tags,
        Some(vec!["flotilla-nginx:latest".to_string()])
    );
    let nets = docker
        .list_networks(None::<ListNetworksOptions>)
        .await
        .expect("networks");
    assert_eq!(nets.len(), 3);
    let vols = docker
        .list_volumes(None::<ListVolumesOptions>)
        .await
        .expect("volumes");
    assert_eq!(vols.volumes.map(|v| v.len()), Some(1));

    let since = flotilla_enginesim::timefmt::now_nanos() / 1_000_000_000 - 1;
    let body = bollard::models::ContainerCreateBody {
        image: Some("flotilla-busybox".into()),
        cmd: Some(vec!["sleep".into(), "60".into()]),
        ..Default::default()
    };
    let created = docker
        .create_container(
            Some(
                CreateContainerOptionsBuilder::new()
                    .name("bollard-1")
                    .build(),
            ),
            body,
        )
        .await
        .expect("create");
    docker
        .start_container("bollard-1", None)
        .await
        .expect("start");
    let inspected = docker
        .inspect_container("bollard-1", None::<InspectContainerOptions>)
        .await
        .expect("inspect");
    assert_eq!(inspected.path.as_deref(), Some("sleep"));
    assert_eq!(inspected.state.and_then(|s| s.running), Some(true));
    let mut wait = docker.wait_container("bollard-1", None::<WaitContainerOptions>);
    docker
        .stop_container("bollard-1", None::<StopContainerOptions>)
        .await
        .expect("stop");
    // bollard turns a non-zero exit into an error, as with a real dockerd.
    match wait.next().await.expect("an answer") {
        Err(bollard::errors::Error::DockerContainerWaitError { code, .. }) => assert_eq!(code, 143),
        other => panic!("unexpected wait answer: {other:?}"),
    }
    docker
        .remove_container(
            "bollard-1",
            Some(RemoveContainerOptionsBuilder::new().force(true).build()),
        )
        .await
        .expect("remove");
    let until = flotilla_enginesim::timefmt::now_nanos() / 1_000_000_000 + 1;
    let opts = EventsOptionsBuilder::new()
        .since(&since.to_string())
        .until(&until.to_string())
        .filters(&std::collections::HashMap::from([(
            "container",
            vec![created.id.as_str()],
        )]))
        .build();
    let events: Vec<_> = docker.events(Some(opts)).collect().await;
    let actions: Vec<String> = events
        .into_iter()
        .map(|e| e.expect("event").action.unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["create", "start", "kill", "die", "stop", "destroy"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_discovery_file_lists_every_engine() {
    let st = store();
    let path = st.path().join("sub/addresses");
    let mut cfg = SimConfig::new(st.path(), 4);
    cfg.containers_per_engine = 0;
    cfg.discovery_file = Some(path.clone());
    let sim = Sim::start(cfg).await.expect("start");
    let text = std::fs::read_to_string(&path).expect("discovery file");
    let want: Vec<String> = sim.addresses().iter().map(|a| a.to_string()).collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), want);
    assert!(want.iter().all(|a| a.starts_with("127.0.0.1:")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_without_a_ca_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let err = Sim::start(SimConfig::new(dir.path(), 1))
        .await
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(
        text.contains("cannot read") && text.contains("ca.pem"),
        "{text}"
    );
}
