//! Text flotilla did not write itself (the command line, a store path, an
//! engine URL, a hand-edited record) never becomes code in the user's shell
//! and never points flotilla at files outside the store.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use crate::support::*;

/// A copy of a store seeded with `frontend`, under a directory in `parent`
/// whose name holds a line break, `$(…)`, backticks and quotes; run from
/// `parent`, any of them would create `parent/pwned`.
fn hostile_store(parent: &Path) -> PathBuf {
    let s = TestStore::with_testbed_certs();
    s.adopt(&engine("frontend"), "frontend");
    let dir = parent.join("st\ntouch pwned\n$(touch pwned)`touch pwned`\"'\\ {x} %p% ! “q”");
    let st = StdCommand::new("cp")
        .arg("-a")
        .arg(s.path())
        .arg(&dir)
        .status()
        .expect("cp");
    assert!(st.success());
    dir
}

fn flotilla_in(dir: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(bin());
    c.env_remove("FLOTILLA_STORAGE_PATH")
        .env_remove("DOCKER_HOST")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("NO_COLOR", "1")
        .current_dir(dir);
    c
}

/// The reproduction, end to end: `eval "$(flotilla env -s PATH …)"`
/// in bash with a line break and command substitutions in PATH sets the
/// variables to exactly PATH and runs nothing, and the real docker CLI
/// reaches the engine through them.
#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn eval_env_with_a_hostile_store_path_runs_nothing_and_points_docker_at_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let canary = tmp.path().join("pwned");
    let store = hostile_store(tmp.path());
    for args in [vec!["env", "frontend"], vec!["env", "-u"]] {
        let o = flotilla_in(tmp.path())
            .arg("-s")
            .arg(&store)
            .args(&args)
            .output()
            .expect("env");
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let script = if args.len() == 2 && args[1] == "-u" {
            "eval \"$FLOT_OUT\" && test -z \"${DOCKER_CERT_PATH+set}\""
        } else {
            "eval \"$FLOT_OUT\" && printf %s \"$DOCKER_CERT_PATH\" > cert_path && docker version --format '{{.Server.Version}}'"
        };
        let run = StdCommand::new("bash")
            .args(["--norc", "-c", script])
            .current_dir(tmp.path())
            .env("FLOT_OUT", String::from_utf8_lossy(&o.stdout).as_ref())
            .env("DOCKER_CERT_PATH", "before")
            .env_remove("DOCKER_HOST")
            .output()
            .expect("bash");
        assert!(
            run.status.success(),
            "{args:?}: {}\n{}",
            stderr(&run),
            stdout(&o)
        );
        assert!(!canary.exists(), "{args:?} ran text from the store path");
        if args.len() == 2 && args[1] == "frontend" {
            let got = std::fs::read(tmp.path().join("cert_path")).expect("cert_path");
            assert_eq!(
                got,
                store
                    .join("machines/frontend")
                    .as_os_str()
                    .as_encoded_bytes()
            );
            assert!(
                !stdout(&run).trim().is_empty(),
                "docker version printed nothing"
            );
        }
    }
}

/// tcsh cannot carry a line break through ``eval `…` ``: `env` refuses
/// with one error and prints nothing rather than something unsafe.
#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn env_for_tcsh_refuses_a_store_path_it_cannot_carry() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = hostile_store(tmp.path());
    let o = flotilla_in(tmp.path())
        .arg("-s")
        .arg(&store)
        .args(["env", "--shell", "tcsh", "frontend"])
        .output()
        .expect("env");
    assert_clean_failure(&o, 1);
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("DOCKER_CERT_PATH") && err.contains("tcsh") && err.contains("line break"),
        "{err}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn the_none_driver_refuses_a_socket_url_with_shell_text() {
    let s = TestStore::with_testbed_certs();
    for url in [
        "unix:///tmp/a\"b$(x)",
        "unix:///tmp/a`id`",
        "unix:///tmp/a\nb",
        "unix:///tmp/a b",
    ] {
        let o = s.run(&["create", "-d", "none", "--url", url, "bad"]);
        assert!(!o.status.success(), "{url:?} was accepted");
        let err = stderr(&o);
        assert!(
            err.contains("unix socket path") && !err.contains("panicked"),
            "{url:?}: {err}"
        );
        assert!(
            !s.path().join("machines/bad").exists(),
            "{url:?} left a record"
        );
    }
    // A plain socket path is still fine.
    let o = s.run(&[
        "create",
        "-d",
        "none",
        "--url",
        "unix:///var/run/docker.sock",
        "sock",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = s.run(&["url", "sock"]);
    assert_eq!(stdout(&o), "unix:///var/run/docker.sock\n");
}

/// A record names a machine's URL too: one edited by hand to carry shell
/// text is refused when it is used, with the reason.
#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn a_hand_edited_record_url_is_refused() {
    let s = TestStore::with_testbed_certs();
    s.adopt(&engine("frontend"), "edited");
    let path = s.path().join("machines/edited/config.json");
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
    v["Driver"]["URL"] = serde_json::json!("unix:///tmp/x$(touch y)");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).expect("json")).expect("write");
    let o = s.run(&["env", "edited"]);
    assert_clean_failure(&o, 1);
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("unix socket path"), "{}", stderr(&o));
}

/// Certificate paths in `config.json` are relative to the store; a record
/// edited to point elsewhere (absolute, or `..` out of the store) is
/// refused with the field named, even when the file there is a valid CA.
#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn record_certificate_paths_stay_inside_the_store() {
    let outside = tempfile::tempdir().expect("tempdir");
    let ca_copy = outside.path().join("ca.pem");
    for (field, value) in [
        ("CaCertPath", Some(ca_copy.display().to_string())),
        ("ClientKeyPath", Some("/etc/passwd".to_string())),
        ("CaCertPath", None),
    ] {
        let s = TestStore::with_testbed_certs();
        s.adopt(&engine("frontend"), "edited");
        std::fs::copy(s.path().join("certs/ca.pem"), &ca_copy).expect("copy ca");
        // The `..` case reaches a valid CA in a sibling of the store.
        let base = s
            .path()
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let sibling = s.path().with_file_name(format!("{base}-outside"));
        std::fs::create_dir(&sibling).expect("sibling");
        std::fs::copy(s.path().join("certs/ca.pem"), sibling.join("ca.pem")).expect("copy");
        let value = value.unwrap_or(format!("machines/../../{base}-outside/ca.pem"));
        let path = s.path().join("machines/edited/config.json");
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("json");
        v["HostOptions"]["AuthOptions"][field] = serde_json::json!(value);
        std::fs::write(&path, serde_json::to_vec_pretty(&v).expect("json")).expect("write");
        let o = s.run(&["env", "edited"]);
        let _ = std::fs::remove_dir_all(&sibling);
        assert_clean_failure(&o, 1);
        let err = stderr(&o);
        assert!(
            err.contains(field) && err.contains("inside the store"),
            "{field}={value}: {err}"
        );
        // ls reports the machine's error in its row rather than failing.
        let o = s.run(&["ls", "--format", "{{.Name}} {{.Error}}"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains(field), "{}", stdout(&o));
    }
}
