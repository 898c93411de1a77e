//! Command-line parsing with a plugin driver's flags: when `create` names a
//! driver that is not built in, the plugin is asked for its flags and they
//! are added to `create` before parsing (docker-machine re-ran its whole
//! CLI for this; here it is one extra step).

use std::collections::BTreeMap;

use clap::{Arg, ArgAction, ArgMatches, CommandFactory, FromArgMatches};
use serde_json::Value;

use super::{Cli, Commands};
use flotilla_core::driver::{BUILTIN, plugin};

fn leak(s: String) -> &'static str {
    // Flag names must outlive the clap command; they are few and the
    // process is short-lived.
    Box::leak(s.into_boxed_str())
}

/// The `--driver` of a `create` command line, or `FLOTILLA_DRIVER`.
pub fn create_driver(argv: &[String]) -> Option<String> {
    let pos = argv.iter().position(|a| a == "create")?;
    let rest = &argv[pos + 1..];
    for (i, a) in rest.iter().enumerate() {
        if a == "--" {
            break;
        }
        if a == "-d" || a == "--driver" {
            return rest.get(i + 1).cloned();
        }
        if let Some(v) = a.strip_prefix("--driver=") {
            return Some(v.to_string());
        }
        if let Some(v) = a.strip_prefix("-d")
            && !v.is_empty()
            && !a.starts_with("--")
        {
            return Some(v.trim_start_matches('=').to_string());
        }
    }
    std::env::var("FLOTILLA_DRIVER").ok()
}

fn to_arg(f: &plugin::FlagSpec) -> Arg {
    let id = leak(f.name.clone());
    let mut a = Arg::new(id)
        .long(id)
        .help(leak(f.usage.clone()))
        .help_heading(leak("Plugin driver options".to_string()));
    if let Some(e) = &f.env {
        a = a.env(leak(e.clone()));
    }
    a = match f.kind.as_str() {
        "bool" => a.action(ArgAction::SetTrue),
        "int" => a
            .value_parser(clap::value_parser!(i64))
            .action(ArgAction::Set),
        "list" => a.action(ArgAction::Append),
        _ => a.action(ArgAction::Set),
    };
    if f.kind != "bool"
        && let Some(d) = &f.default
    {
        let text = match d {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        a = a.default_value(leak(text));
    }
    a
}

fn values(m: &ArgMatches, flags: &[plugin::FlagSpec]) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for f in flags {
        let v = match f.kind.as_str() {
            "bool" => Value::Bool(m.get_flag(&f.name)),
            "int" => m
                .get_one::<i64>(&f.name)
                .map(|n| Value::from(*n))
                .unwrap_or(Value::Null),
            "list" => Value::from(
                m.get_many::<String>(&f.name)
                    .map(|v| v.cloned().collect::<Vec<_>>())
                    .unwrap_or_default(),
            ),
            _ => m
                .get_one::<String>(&f.name)
                .map(|s| Value::String(s.clone()))
                .unwrap_or(Value::Null),
        };
        out.insert(f.name.clone(), v);
    }
    out
}

/// Parses the command line, with a plugin driver's flags when `create`
/// names one. A plugin that cannot describe itself is reported by
/// `create` itself (its flags are then unknown here).
/// `argv_os` is what clap parses (paths stay lossless); `argv`, its lossy text, is only searched
/// for the driver's name.
pub fn parse(argv_os: &[std::ffi::OsString], argv: &[String]) -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command();
    let mut specs: Vec<plugin::FlagSpec> = vec![];
    if let Some(d) = create_driver(argv).filter(|d| !BUILTIN.contains(&d.as_str()))
        && let Some(path) = plugin::find(&d)
    {
        match plugin::describe_blocking(&d, &path) {
            Ok(desc) => {
                specs = desc.flags;
                let args: Vec<Arg> = specs.iter().map(to_arg).collect();
                cmd = cmd.mut_subcommand("create", |c| c.args(args));
            }
            Err(e) => tracing::warn!("{e}"),
        }
    }
    let matches = cmd.try_get_matches_from(argv_os)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let (Commands::Create(a), Some(("create", m))) = (&mut cli.command, matches.subcommand()) {
        a.drivers.plugin = values(m, &specs);
    }
    Ok(cli)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn finds_the_create_driver() {
        assert_eq!(
            create_driver(&v("flotilla create -d x a")),
            Some("x".into())
        );
        assert_eq!(
            create_driver(&v("flotilla -s /s create --driver=y a")),
            Some("y".into())
        );
        assert_eq!(create_driver(&v("flotilla create -dz a")), Some("z".into()));
        assert_eq!(
            create_driver(&v("flotilla create --driver w a")),
            Some("w".into())
        );
    }

    #[test]
    fn plugin_flags_become_values() {
        let specs = vec![
            plugin::FlagSpec {
                name: "ex-url".into(),
                kind: "string".into(),
                usage: "u".into(),
                default: None,
                env: None,
            },
            plugin::FlagSpec {
                name: "ex-n".into(),
                kind: "int".into(),
                usage: "n".into(),
                default: Some(Value::from(3)),
                env: None,
            },
            plugin::FlagSpec {
                name: "ex-on".into(),
                kind: "bool".into(),
                usage: "b".into(),
                default: None,
                env: None,
            },
            plugin::FlagSpec {
                name: "ex-l".into(),
                kind: "list".into(),
                usage: "l".into(),
                default: None,
                env: None,
            },
        ];
        let args: Vec<Arg> = specs.iter().map(to_arg).collect();
        let cmd = clap::Command::new("t").args(args);
        let m = cmd
            .try_get_matches_from(v("t --ex-url u1 --ex-on --ex-l a --ex-l b"))
            .unwrap();
        let vals = values(&m, &specs);
        assert_eq!(vals["ex-url"], Value::from("u1"));
        assert_eq!(vals["ex-n"], Value::from(3));
        assert_eq!(vals["ex-on"], Value::Bool(true));
        assert_eq!(vals["ex-l"], serde_json::json!(["a", "b"]));
    }
}
