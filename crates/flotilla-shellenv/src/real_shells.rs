//! Round trips through the real shells: what `env` prints, run the way its
//! usage hint says, must set exactly the bytes it was given, and the hint
//! comment must never run anything, whatever the command line held.
//!
//! Each shell reads the rendered file as its hint does (`eval "$(…)"`,
//! fish's `eval (…)`, tcsh's ``eval `…` ``) and then runs `printenv` for
//! every variable into its own file: an external program reading the
//! exported environment, so neither the shell's quoting nor its echo can
//! change what is compared.

use std::path::Path;
use std::process::Command;

use proptest::prelude::{
    ProptestConfig, Strategy, any, prop, prop_assert, prop_assert_eq, proptest,
};
use proptest::test_runner::TestCaseError;

use super::{Shell, render_set, render_unset};

/// A shell's name, the dialect `env` renders for it, and the script that
/// applies `$FLOT_OUT` the way the usage hint does and prints `$FLOT_NAMES`
/// one variable per file `$FLOT_RES.N`.
type ShellCase = (&'static str, Shell, &'static str);

/// The shells every Debian machine has (bash, dash): their tests run under a
/// plain `cargo test`.
const PLAIN_SHELLS: [ShellCase; 2] = [
    (
        "bash",
        Shell::Bash,
        r#"eval "$(cat "$FLOT_OUT")" || exit 9; i=0; for n in $FLOT_NAMES; do printenv "$n" > "$FLOT_RES.$i" || exit 8; i=$((i+1)); done"#,
    ),
    (
        "dash",
        Shell::Bash,
        r#"eval "$(cat "$FLOT_OUT")" || exit 9; i=0; for n in $FLOT_NAMES; do printenv "$n" > "$FLOT_RES.$i" || exit 8; i=$((i+1)); done"#,
    ),
];

/// The shells a plain Debian lacks (zsh, fish, tcsh; `scripts/test` installs
/// them): their tests need the `testbed` feature.
const MORE_SHELLS: [ShellCase; 3] = [
    (
        "zsh",
        Shell::Bash,
        r#"eval "$(cat "$FLOT_OUT")" || exit 9; i=0; for n in ${=FLOT_NAMES}; do printenv "$n" > "$FLOT_RES.$i" || exit 8; i=$((i+1)); done"#,
    ),
    (
        "fish",
        Shell::Fish,
        r#"eval (cat $FLOT_OUT); or exit 9; set i 0; for n in (string split ' ' -- $FLOT_NAMES); printenv $n > $FLOT_RES.$i; or exit 8; set i (math $i + 1); end"#,
    ),
    (
        "tcsh",
        Shell::Tcsh,
        "eval `cat $FLOT_OUT:q`\nif ($status) exit 9\n@ i = 0\nforeach n ($FLOT_NAMES)\n  printenv $n > $FLOT_RES:q.$i\n  if ($status) exit 8\n  @ i++\nend\n",
    ),
];

fn shell_path(name: &str) -> String {
    format!("/usr/bin/{name}")
}

/// Runs `script` in the named shell with the rendered output in a file;
/// returns the values read back, in order, or the failure as text.
fn run(
    dir: &Path,
    shell: &str,
    script: &str,
    rendered: &str,
    names: &[String],
) -> Result<Vec<Vec<u8>>, String> {
    let out = dir.join("out");
    let res = dir.join("res");
    let script_file = dir.join("script");
    std::fs::write(&out, rendered).map_err(|e| e.to_string())?;
    std::fs::write(&script_file, script).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(shell_path(shell));
    match shell {
        "bash" => cmd.args(["--norc", "--noprofile"]),
        "zsh" | "tcsh" => cmd.arg("-f"),
        "fish" => cmd.arg("--no-config"),
        _ => &mut cmd,
    };
    cmd.arg(&script_file);
    let o = cmd
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C.UTF-8")
        .env("HOME", dir)
        .env("FLOT_OUT", &out)
        .env("FLOT_RES", &res)
        .env("FLOT_NAMES", names.join(" "))
        // What the unset tests remove (fish's `set -e` fails on a variable
        // that is not there).
        .env("FLOT_GONE", "x")
        .output()
        .map_err(|e| {
            format!("cannot run {shell}: {e} (scripts/test installs fish, tcsh and zsh)")
        })?;
    if !o.status.success() || !o.stderr.is_empty() {
        return Err(format!(
            "{shell} exited {:?}, stderr {:?}, for {rendered:?}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    (0..names.len())
        .map(|i| {
            let mut v = std::fs::read(dir.join(format!("res.{i}"))).map_err(|e| e.to_string())?;
            // printenv ends the value with one newline of its own.
            if v.pop() != Some(b'\n') {
                return Err("printenv output without its newline".into());
            }
            Ok(v)
        })
        .collect()
}

/// Characters that mean something to at least one shell, or that a
/// renderer might mishandle.
fn tricky_char() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        '\n', '\r', '\t', ' ', '"', '\'', '`', '$', '%', '!', '\\', '“', '”', '„', '‘', '’', '*',
        '?', '[', ']', '{', '}', '~', '#', ';', '&', '|', '<', '>', '(', ')', '=', '^', ',', ':',
        '@', '-', '\u{1}', '\u{1b}', '\u{7f}', '\u{85}', '\u{a0}', '\u{2028}', 'é', 'ß', '日',
        '🦀', '\u{f600}', '\u{f6ff}', '\u{fffd}',
    ])
}

fn any_char() -> impl Strategy<Value = char> {
    prop::strategy::Union::new_weighted(vec![
        (4, tricky_char().boxed()),
        (3, prop::char::range('a', 'z').boxed()),
        (1, prop::char::range('\u{1}', '\u{7f}').boxed()),
        (
            1,
            any::<char>().prop_filter("no NUL", |c| *c != '\0').boxed(),
        ),
    ])
}

fn value() -> impl Strategy<Value = String> {
    prop::collection::vec(any_char(), 0..24).prop_map(|v| v.into_iter().collect())
}

/// Whether a shell may refuse a value (with an error, never with wrong
/// output): tcsh cannot carry a line break through ``eval `…` ``.
fn may_refuse(shell: Shell, v: &str) -> bool {
    shell == Shell::Tcsh && v.contains('\n')
}

/// Every value rendered for each of `shells` reads back byte for byte, or
/// the shell's dialect refuses it (never a wrong value).
fn reads_back(
    shells: &[ShellCase],
    values: Vec<String>,
    argv_tail: Vec<String>,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let names: Vec<String> = (0..values.len()).map(|i| format!("FLOT_V{i}")).collect();
    let vars: Vec<(String, String)> = names.iter().cloned().zip(values.iter().cloned()).collect();
    let mut argv = vec!["flotilla".to_string(), "env".to_string()];
    argv.extend(argv_tail);
    for &(name, shell, script) in shells {
        match render_set(shell, &vars, &argv) {
            Ok(text) => {
                let got = run(dir.path(), name, script, &text, &names);
                prop_assert!(got.is_ok(), "{}", got.err().unwrap_or_default());
                let got = got.unwrap_or_default();
                for (v, g) in values.iter().zip(&got) {
                    prop_assert_eq!(v.as_bytes(), g.as_slice(), "{} rendered {:?}", name, text);
                }
            }
            Err(e) => prop_assert!(
                values.iter().any(|v| may_refuse(shell, v)),
                "{name} refused {values:?}: {e}"
            ),
        }
    }
    Ok(())
}

/// `env -u` output, whatever the command line held, runs nothing in any of `shells`.
fn unset_runs_nothing(shells: &[ShellCase], argv_tail: Vec<String>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut argv = vec!["flotilla".to_string(), "env".to_string(), "-u".to_string()];
    argv.extend(argv_tail);
    for &(name, shell, _) in shells {
        let text = render_unset(shell, &["FLOT_GONE".to_string()], &argv).expect("renders");
        // printenv fails for an unset variable, so read nothing back.
        let script = match shell {
            Shell::Tcsh => "eval `cat $FLOT_OUT:q`",
            Shell::Fish => "eval (cat $FLOT_OUT)",
            _ => r#"eval "$(cat "$FLOT_OUT")""#,
        };
        let got = run(dir.path(), name, script, &text, &[]);
        prop_assert!(got.is_ok(), "{}", got.err().unwrap_or_default());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn bash_and_dash_read_back_exactly_what_was_rendered(
        values in prop::collection::vec(value(), 1..4),
        argv_tail in prop::collection::vec(value(), 0..3),
    ) {
        reads_back(&PLAIN_SHELLS, values, argv_tail)?;
    }

    #[test]
    #[cfg_attr(not(feature = "testbed"), ignore = "needs the testbed: run scripts/test")]
    fn zsh_fish_and_tcsh_read_back_exactly_what_was_rendered(
        values in prop::collection::vec(value(), 1..4),
        argv_tail in prop::collection::vec(value(), 0..3),
    ) {
        reads_back(&MORE_SHELLS, values, argv_tail)?;
    }

    #[test]
    fn bash_and_dash_run_nothing_from_the_command_line_on_unset(
        argv_tail in prop::collection::vec(value(), 1..4),
    ) {
        unset_runs_nothing(&PLAIN_SHELLS, argv_tail)?;
    }

    #[test]
    #[cfg_attr(not(feature = "testbed"), ignore = "needs the testbed: run scripts/test")]
    fn zsh_fish_and_tcsh_run_nothing_from_the_command_line_on_unset(
        argv_tail in prop::collection::vec(value(), 1..4),
    ) {
        unset_runs_nothing(&MORE_SHELLS, argv_tail)?;
    }
}

/// The issue's reproduction: a store path with a line break ends the hint
/// comment and `eval` runs the next line.
fn a_line_break_runs_nothing_in(shells: &[ShellCase]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let canary = dir.path().join("pwned");
    let argv: Vec<String> = [
        "flotilla",
        "env",
        "-s",
        &format!("/tmp/a\ntouch {}\n#", canary.display()),
        "dev",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let vars = vec![("FLOT_V0".to_string(), "plain".to_string())];
    for &(name, shell, script) in shells {
        let text = render_set(shell, &vars, &argv).expect("renders");
        let got = run(dir.path(), name, script, &text, &["FLOT_V0".to_string()]);
        assert_eq!(got, Ok(vec![b"plain".to_vec()]), "{name}: {text:?}");
        assert!(!canary.exists(), "{name} ran the command line: {text:?}");
        let text = render_unset(shell, &["FLOT_V0".to_string()], &argv).expect("renders");
        let _ = run(dir.path(), name, script, &text, &[]);
        assert!(!canary.exists(), "{name} ran the command line: {text:?}");
    }
}

#[test]
fn a_line_break_in_the_command_line_runs_nothing_in_bash_and_dash() {
    a_line_break_runs_nothing_in(&PLAIN_SHELLS);
}

#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn a_line_break_in_the_command_line_runs_nothing_in_zsh_fish_and_tcsh() {
    a_line_break_runs_nothing_in(&MORE_SHELLS);
}

/// An interactive tcsh expands `!` history references even in the words
/// ``eval `…` `` reads (a plain `"x!!y"` becomes `x` + the previous
/// command + `y`), which the scripted runs above cannot show. Values with
/// history references survive a real interactive tcsh.
#[test]
#[cfg_attr(
    not(feature = "testbed"),
    ignore = "needs the testbed: run scripts/test"
)]
fn interactive_tcsh_history_does_not_touch_values() {
    let dir = tempfile::tempdir().expect("tempdir");
    let value = "a!!b!$c!-1d^e^f!#g";
    let text = render_set(Shell::Tcsh, &[("FLOT_V0".into(), value.into())], &[]).expect("renders");
    let out = dir.path().join("out");
    std::fs::write(&out, &text).expect("write");
    let res = dir.path().join("res");
    let input = format!(
        "echo previous\neval `cat {}`\nprintenv FLOT_V0 > {}\nexit\n",
        out.display(),
        res.display()
    );
    let mut child = Command::new(shell_path("tcsh"))
        .args(["-f", "-i"])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C.UTF-8")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("tcsh");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(input.as_bytes()).expect("write stdin");
    }
    assert!(child.wait().expect("wait").success());
    let got = std::fs::read(&res).expect("printenv output");
    assert_eq!(got, format!("{value}\n").into_bytes(), "{text:?}");
}
