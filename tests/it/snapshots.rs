//! Whole outputs, checked with insta snapshots (one readable file per area under
//! `tests/it/snapshots/`): every command's `--help`, the error messages of bad input, `plan`'s
//! results, and, on the testbed, `ls` (table, JSON, template), `info` and `ps`. Temp paths,
//! ports, IDs, versions and sizes are redacted by filters, so a snapshot changes only when
//! what a user sees changes. After an intended change: `INSTA_UPDATE=always cargo test --test
//! it snapshots::` (or `cargo insta review`), then read the diff.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::{TestStore, bin, engine};

/// The binary with a clean environment: no variable flotilla or clap reads leaks in (clap
/// prints `[env: NAME=value]` for a set variable), a fixed width for wrapped help, no colour.
fn clean(store: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", store)
        .env("FLOTILLA_STORAGE_PATH", store)
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

/// An argument as a shell would need it quoted, so a transcript line reads back exactly.
fn quoted(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=,@+%".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// One transcript entry: the command line, its exit code, stdout and stderr.
fn transcript(args: &[&str], o: &Output) -> String {
    let line: Vec<String> = args.iter().map(|a| quoted(a)).collect();
    let mut t = format!("$ flotilla {}\n[exit {}]\n", line.join(" "), code(o));
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    if !out.is_empty() {
        t.push_str("--- stdout\n");
        t.push_str(&out);
        if !out.ends_with('\n') {
            t.push('\n');
        }
    }
    if !err.is_empty() {
        t.push_str("--- stderr\n");
        t.push_str(&err);
        if !err.ends_with('\n') {
            t.push('\n');
        }
    }
    t.push('\n');
    t
}

fn code(o: &Output) -> String {
    o.status
        .code()
        .map(|c| c.to_string())
        .unwrap_or_else(|| "signal".into())
}

/// insta settings with the store's path redacted (and the snapshot's own header kept short).
fn settings(store: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    let real = store.canonicalize().unwrap_or_else(|_| store.to_path_buf());
    for p in [store.to_path_buf(), real] {
        s.add_filter(&regex::escape(&p.display().to_string()), "[STORE]");
    }
    s
}

/// Every command and subcommand, from the `Commands:` sections of the help texts.
fn commands(store: &Path, prefix: &[String]) -> Vec<Vec<String>> {
    let mut args = prefix.to_vec();
    args.push("--help".into());
    let o = clean(store).args(&args).output().expect("run flotilla");
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let mut found = Vec::new();
    let mut in_commands = false;
    for line in text.lines() {
        if line == "Commands:" {
            in_commands = true;
            continue;
        }
        if in_commands {
            // "  name  description"; continuation lines are indented further, a blank line ends
            let Some(rest) = line.strip_prefix("  ") else {
                break;
            };
            if rest.starts_with(' ') {
                continue;
            }
            let name = rest.split_whitespace().next().unwrap_or_default();
            if name.is_empty() || name == "help" {
                continue;
            }
            let mut cmd = prefix.to_vec();
            cmd.push(name.to_string());
            found.push(cmd.clone());
            found.extend(commands(store, &cmd));
        }
    }
    found
}

#[test]
fn help_of_every_command() {
    let s = TestStore::empty();
    let mut all = vec![Vec::new()];
    all.extend(commands(s.path(), &[]));
    assert!(all.len() > 30, "found only {all:?}");
    let mut text = String::new();
    for cmd in &all {
        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        args.push("--help");
        let o = clean(s.path()).args(&args).output().expect("run flotilla");
        assert!(o.status.success(), "{args:?}: {}", code(&o));
        text.push_str(&transcript(&args, &o));
    }
    settings(s.path()).bind(|| insta::assert_snapshot!("help", text));
}

#[test]
fn error_messages_of_bad_input() {
    let s = TestStore::empty();
    let state = s.path().join("state.json");
    std::fs::write(&state, r#"{"nodes":[{"name":"a","cpus":"four"}]}"#).expect("state");
    let state = state.display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        vec!["bogus"],
        vec!["ls", "--filter", "nonsense"],
        vec!["ls", "--filter", "colour=red"],
        vec!["ls", "--timeout", "5x"],
        vec!["ls", "--format", "{{.Nope"],
        vec!["create"],
        vec!["create", "-d", "nosuchdriver", "m1"],
        vec!["create", "-d", "none", "m1"],
        vec!["create", "-d", "none", "--url", "ftp://h:1", "m1"],
        vec![
            "create",
            "-d",
            "none",
            "--url",
            "tcp://127.0.0.1:2376",
            "bad name!",
        ],
        vec!["inspect", "missing"],
        vec!["env", "missing"],
        vec!["env", "--shell", "klingon", "missing"],
        vec!["rm", "-y", "missing"],
        vec!["ip"],
        vec!["status", "a", "b"],
        vec!["info"],
        vec!["ps"],
        vec!["run", "busybox"],
        vec!["run", "-e", "constraint:region=eu", "busybox"],
        vec!["plan", "--state", "/nonexistent/state.json", "redis"],
        vec!["plan", "--state", &state, "redis"],
        vec!["join", "token://0123456789abcdef0123456789abcdef"],
        vec!["list", "nodes://"],
        vec!["token", "create", "--discovery-url", "not a url"],
        vec!["proxy", "--wait", "500ms:100ms"],
        vec!["proxy", "--container-filter", "nonsense"],
        vec!["proxy", "status"],
        vec!["certs", "bogus"],
    ];
    let mut text = String::new();
    for args in &cases {
        let o = clean(s.path()).args(args).output().expect("run flotilla");
        assert!(!o.status.success(), "{args:?} succeeded");
        crate::support::assert_clean_failure(&o, o.status.code().unwrap_or(-1));
        text.push_str(&transcript(args, &o));
    }
    settings(s.path()).bind(|| insta::assert_snapshot!("errors", text));
}

const PLAN_STATE: &str = r#"{"nodes":[
  {"name":"node-0","cpus":2,"memory":2147483648,"labels":{"region":"us-east","storage":"ssd"}},
  {"name":"node-1","cpus":2,"memory":2147483648,"labels":{"region":"us-west","containerslots":"2"},
   "containers":[{"name":"web","image":"nginx","ports":[{"host_port":80,"container_port":80}]}]},
  {"name":"node-2","cpus":4,"memory":4294967296,"labels":{"region":"us-west","storage":"disk"},
   "containers":[{"name":"redis-1","image":"redis"}]}]}"#;

#[test]
fn plan_results() {
    let s = TestStore::empty();
    let state = s.path().join("state.json");
    std::fs::write(&state, PLAN_STATE).expect("state");
    let requests = s.path().join("requests.json");
    std::fs::write(
        &requests,
        r#"[{"Name":"a","Image":"redis","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}},
            {"Name":"b","Image":"redis","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}},
            {"Name":"c","Image":"redis","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}},
            {"Name":"d","Image":"redis","HostConfig":{"PortBindings":{"80/tcp":[{"HostPort":"80"}]}}},
            {"Name":"e","Image":"busybox","Env":["constraint:storage==ssd"]},
            {"Name":"f","Image":"busybox","Env":["affinity:container==redis-*"]}]"#,
    )
    .expect("requests");
    let (state, requests) = (state.display().to_string(), requests.display().to_string());
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "plan", "--state", &state, "--name", "c1", "-p", "80:80", "redis",
        ],
        vec![
            "plan",
            "--state",
            &state,
            "-e",
            "constraint:region==us-west",
            "redis",
        ],
        vec![
            "plan",
            "--state",
            &state,
            "-e",
            "constraint:region==eu",
            "redis",
        ],
        vec!["plan", "--state", &state, "--strategy", "binpack", "redis"],
        vec![
            "plan",
            "--state",
            &state,
            "-e",
            "affinity:container==web",
            "nginx",
        ],
        vec!["plan", "--state", &state, "--requests", &requests],
    ];
    let mut text = String::new();
    for args in &cases {
        let o = clean(s.path()).args(args).output().expect("run flotilla");
        text.push_str(&transcript(args, &o));
    }
    settings(s.path()).bind(|| insta::assert_snapshot!("plan", text));
}

/// Filters for what the testbed's engines answer differently from run to run.
fn testbed_settings(store: &Path) -> insta::Settings {
    let mut s = settings(store);
    // engine versions, API versions, kernel and OS strings
    s.add_filter(r"v\d+\.\d+\.\d+[\w.+~-]*", "v[VERSION]");
    s.add_filter(r#""\d+\.\d+\.\d+[\w.+~-]*""#, r#""[VERSION]""#);
    s
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn ls_table_json_and_template() {
    // the names live in this test's own store: they need not be unique on the engines
    let s = TestStore::with_testbed_certs();
    s.adopt(&engine("frontend"), "front");
    s.adopt(&engine("backend1"), "back");
    let cases: Vec<Vec<&str>> = vec![
        vec!["ls"],
        vec!["ls", "-q"],
        vec!["ls", "--filter", "label=public=yes"],
        vec!["ls", "--format", "json"],
        vec![
            "ls",
            "--format",
            "{{.Name}}: {{.URL}} {{.State}} {{.DriverName}}",
        ],
        vec![
            "ls",
            "--format",
            r"table {{.Name}}\t{{.Active}}\t{{.State}}",
        ],
    ];
    let mut text = String::new();
    for args in &cases {
        let o = clean(s.path()).args(args).output().expect("run flotilla");
        text.push_str(&transcript(args, &o));
    }
    let mut settings = testbed_settings(s.path());
    // ls's response time
    settings.add_filter(r#""ResponseTime": "\d+ms""#, r#""ResponseTime": "[MS]""#);
    settings.bind(|| insta::assert_snapshot!("ls", text));
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn swarm_info_and_ps() {
    let (s, token) = crate::cluster::swarm_store();
    let mut cleanup = crate::cluster::Cleanup::new();
    let name = cleanup.name("snap");
    let label = format!("snap={name}");
    let o = clean(s.path())
        .args([
            "run",
            "-d",
            "--name",
            &name,
            "-l",
            "flotilla-testbed=1",
            "-l",
            &label,
        ])
        .args(["-e", "constraint:node==backend2", "-p", "8080"])
        .args(["flotilla-busybox", "sleep", "600"])
        .output()
        .expect("run flotilla");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let filter = format!("label={label}");
    let cases: Vec<Vec<&str>> = vec![
        vec!["info"],
        vec!["ps", "--filter", &filter],
        vec!["ps", "-q", "--filter", &filter],
        vec![
            "ps",
            "--no-trunc",
            "--format",
            "{{.Names}} {{.Image}} {{.Command}} {{.Ports}}",
            "--filter",
            &filter,
        ],
    ];
    let mut text = String::new();
    for args in &cases {
        let o = clean(s.path()).args(args).output().expect("run flotilla");
        text.push_str(&transcript(args, &o));
    }
    let mut settings = testbed_settings(s.path());
    settings.add_filter(&regex::escape(&name), "[NAME]");
    settings.add_filter(
        &regex::escape(token.trim_start_matches("token://")),
        "[TOKEN]",
    );
    settings.add_filter(r"\b[0-9a-f]{64}\b", "[ID64]");
    settings.add_filter(r"\b[0-9a-f]{12}\b", "[ID12]");
    // what other tests and engineers run on the shared engines, and when
    settings.add_filter(
        r"(Containers|Images|Running|Paused|Stopped|Reserved CPUs|Reserved Memory): [^\n]*",
        "$1: [N]",
    );
    settings.add_filter(r"(UpdatedAt): [^\n]*", "$1: [TIME]");
    // the hosts' engines and machines
    settings.add_filter(r"└ ID: [^\n]*", "└ ID: [ENGINE-ID]");
    settings.add_filter(r"(ServerVersion): [^\n]*", "$1: [VERSION]");
    settings.add_filter(r"kernelversion=[^,\n]*", "kernelversion=[KERNEL]");
    settings.add_filter(r"(?m)^(CPUs|Total Memory): [^\n]*", "$1: [N]");
    settings.add_filter(
        r"(About a |About an |Less than a |\d+ )(second|minute|hour)s?( ago)?",
        "[TIME]",
    );
    settings.add_filter(r"Up \[TIME\]", "Up [TIME]");
    settings.add_filter(r":\d{5}->", ":[PORT]->");
    // ps's table pads columns to the widest cell, which the redactions above change
    settings.add_filter(r"  +", "  ");
    settings.bind(|| insta::assert_snapshot!("swarm", text));
}
