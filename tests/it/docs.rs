//! Help, completions and man pages.

use crate::support::*;

#[test]
fn committed_completions_and_man_pages_are_fresh() {
    let tmp = tempfile::tempdir().unwrap();
    let o = assert_cmd::Command::new(bin())
        .args(["generate-docs", "--out-dir"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["completions", "man"] {
        let mut fresh: Vec<_> = std::fs::read_dir(tmp.path().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        fresh.sort();
        let mut committed: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| {
                panic!("{dir}/ is missing ({e}); run `cargo run -- generate-docs --out-dir .`")
            })
            .map(|e| e.unwrap().file_name())
            .collect();
        committed.sort();
        assert_eq!(
            fresh, committed,
            "{dir}/ is stale: run `cargo run -- generate-docs --out-dir .`"
        );
        for f in fresh {
            let a = std::fs::read(tmp.path().join(dir).join(&f)).unwrap();
            let b = std::fs::read(root.join(dir).join(&f)).unwrap();
            assert!(
                a == b,
                "{dir}/{} is stale: run `cargo run -- generate-docs --out-dir .`",
                f.to_string_lossy()
            );
        }
    }
}

#[test]
fn every_command_has_help_with_defaults() {
    let s = TestStore::empty();
    let o = s.run(&["--help"]);
    let top = stdout(&o);
    let commands = [
        "active",
        "config",
        "create",
        "env",
        "inspect",
        "ip",
        "ls",
        "rm",
        "status",
        "url",
        "version",
        "certs",
        "completions",
    ];
    for c in commands {
        assert!(top.contains(&format!("  {c} ")), "--help lists {c}: {top}");
        let o = s.run(&[c, "--help"]);
        assert!(o.status.success(), "{c} --help");
    }
    let ls = stdout(&s.run(&["ls", "--help"]));
    assert!(ls.contains("[default: 10s]"), "{ls}");
    let create = stdout(&s.run(&["create", "--help"]));
    assert!(
        create.contains("[default: spread]") && create.contains("[default: tcp://0.0.0.0:3376]"),
        "{create}"
    );
}

#[test]
fn completions_print_a_script() {
    let s = TestStore::empty();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = s.run(&["completions", shell]);
        assert!(o.status.success());
        assert!(stdout(&o).contains("flotilla"), "{shell}");
    }
}
