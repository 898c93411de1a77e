//! The layering of `docs/ARCHITECTURE.md`, checked: a module of the core names only modules of
//! lower layers (the two services may also name each other's layer), and the pure crates depend
//! on no I/O, async runtime or command-line crate. The crate graph already keeps clap and the
//! terminal out of the library; this keeps the layers inside it from drifting.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules of `flotilla-core`, lowest layer first. A module may name the modules of
/// the layers before its own.
const LAYERS: &[&[&str]] = &[
    &["store", "duration", "tls_listener", "serve"],
    &["engine", "certs", "acme"],
    &["remote"],
    &["provision"],
    &["driver", "discovery"],
    &["cluster"],
    &["ops"],
    &["proxy", "manager"],
    &["spec"],
];

/// Re-exported pure crates: any layer may use them.
const PURE: &[&str] = &["scheduler", "shellenv"];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level modules a file names as `crate::NAME`, outside comments.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            let after = &rest[i + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
            rest = after;
        }
    }
    out
}

#[test]
fn core_modules_import_only_downward() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&src).expect("src").flatten() {
        let path = entry.path();
        let module = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        if module == "lib" {
            continue;
        }
        let Some(own) = layer_of(&module) else {
            violations.push(format!(
                "{module}: not in any layer (add it to LAYERS and to docs/ARCHITECTURE.md)"
            ));
            continue;
        };
        seen.insert(module.clone());
        let mut files = Vec::new();
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path.clone());
        }
        for f in files {
            let text = std::fs::read_to_string(&f).expect("read");
            for named in named_modules(&text) {
                if named == module || PURE.contains(&named.as_str()) {
                    continue;
                }
                match layer_of(&named) {
                    Some(l) if l < own => {}
                    Some(l) => violations.push(format!(
                        "{}: {module} (layer {own}) names crate::{named} (layer {l})",
                        f.strip_prefix(&src).unwrap_or(&f).display(),
                    )),
                    None => {}
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations:\n{}",
        violations.join("\n")
    );
    for layer in LAYERS {
        for m in *layer {
            assert!(
                seen.contains(*m),
                "LAYERS names {m}, which is not a module any more"
            );
        }
    }
}

#[test]
fn a_lower_layer_naming_a_higher_one_is_caught() {
    // The checker itself: a store file that names the manager would be reported, a comment not.
    let names = named_modules("use crate::manager::Bound; // crate::ops in a comment");
    assert_eq!(names, BTreeSet::from(["manager".to_string()]));
    assert!(layer_of("manager") > layer_of("store"));
}

#[test]
fn pure_crates_do_no_io() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for name in ["flotilla-scheduler", "flotilla-routes", "flotilla-shellenv"] {
        let manifest =
            std::fs::read_to_string(crates.join(name).join("Cargo.toml")).expect("manifest");
        let deps = manifest
            .split("[dependencies]")
            .nth(1)
            .and_then(|s| s.split("\n[").next())
            .unwrap_or_default();
        for forbidden in [
            "tokio",
            "hyper",
            "axum",
            "reqwest",
            "clap",
            "openssh",
            "crossterm",
            "indicatif",
            "flotilla-core",
        ] {
            assert!(
                !deps.lines().any(|l| l.trim_start().starts_with(forbidden)),
                "{name} depends on {forbidden}: the pure crates take plain data and return plain data"
            );
        }
    }
}
