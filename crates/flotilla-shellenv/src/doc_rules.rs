//! The documented quoting rules of the shells this machine cannot run
//! (PowerShell, cmd, nushell; emacs is not installed), one test per rule,
//! plus tcsh's rules that the real-shell test exercises at random.

use super::Shell;

fn line(shell: Shell, v: &str) -> String {
    shell.set_line("X", v).expect("renders")
}

/// PowerShell, about_Quoting_Rules and the language specification §2.3.5.2:
/// a double-quoted string ends at any double-quote-character, which is `"`
/// or one of U+201C “, U+201D ”, U+201E „; `$` starts an expansion and the
/// backtick escapes. Each must be preceded by a backtick.
#[test]
fn powershell_escapes_every_double_quote_character() {
    assert_eq!(
        line(Shell::Powershell, "a“b”c„d\"e$f`g"),
        "$Env:X = \"a`“b`”c`„d`\"e`$f``g\"\n"
    );
    // Single quotes, typographic or not, are literal inside "…".
    assert_eq!(line(Shell::Powershell, "‘’'"), "$Env:X = \"‘’'\"\n");
}

/// PowerShell reads `& flotilla env | Invoke-Expression` line by line, so a
/// line break must never reach the output: about_Special_Characters lists
/// `` `n `` and `` `r `` (and `` `t ``); other control characters are built
/// with `[char]`, which Windows PowerShell 5.1 also understands.
#[test]
fn powershell_never_prints_a_raw_control_character() {
    assert_eq!(
        line(Shell::Powershell, "a\nb\rc\td\u{1}e\u{2028}"),
        "$Env:X = \"a`nb`rc`td$([char]0x1)e$([char]0x2028)\"\n"
    );
}

/// cmd, `set /?`: with `SET "name=value"` the quotes are removed by SET
/// and everything between them, `& | < > ^ ( )` included, is literal, both
/// when the line runs in a batch file and when `FOR /f … DO @%i` runs it.
/// A plain value keeps docker-machine's unquoted form.
#[test]
fn cmd_quotes_metacharacters() {
    assert_eq!(
        line(Shell::Cmd, "tcp://1.2.3.4:2376"),
        "SET X=tcp://1.2.3.4:2376\n"
    );
    assert_eq!(line(Shell::Cmd, "a&calc"), "SET \"X=a&calc\"\n");
    assert_eq!(line(Shell::Cmd, "a|b<c>d^e(f)"), "SET \"X=a|b<c>d^e(f)\"\n");
}

/// cmd: what a batch file and the hint's `FOR /f … DO @%i` would read
/// differently (`%`, and `!` under delayed expansion, `cmd /?`), a `"` that
/// would end the quoting, and control characters are refused, not printed.
#[test]
fn cmd_refuses_what_it_cannot_carry() {
    for bad in ["50%", "a!b", "a\"&calc", "a\nb", "a\rb", "a\u{1}"] {
        let e = Shell::Cmd.set_line("X", bad).unwrap_err();
        assert!(e.to_string().contains("cmd"), "{bad:?}: {e}");
    }
}

/// Emacs Lisp manual, "Syntax for Strings": `\"` and `\\` are the only
/// escapes needed; a line break and other characters stand for themselves.
#[test]
fn emacs_escapes_backslash_and_double_quote() {
    assert_eq!(
        line(Shell::Emacs, "a\\b\"c\nd$e“f”\u{1}"),
        "(setenv \"X\" \"a\\\\b\\\"c\nd$e“f”\u{1}\")\n"
    );
}

/// nushell: the hint's `parse '$env.{name} = "{value}"'` takes the text
/// between the quotes as it is, and nushell reads `\` in "…" as an escape
/// (Nushell book, "Working with strings"); `lines` splits at line breaks.
/// Values on which the two readings agree are printed as they are.
#[test]
fn nushell_prints_only_what_both_readings_agree_on() {
    assert_eq!(
        line(Shell::Nu, "/a b/c$d'e“f"),
        "$env.X = \"/a b/c$d'e“f\"\n"
    );
    for bad in ["a\"b", "C:\\x", "a\nb", "a\tb"] {
        let e = Shell::Nu.set_line("X", bad).unwrap_err();
        assert!(e.to_string().contains("nushell"), "{bad:?}: {e}");
    }
}

/// tcsh(1): inside "…" `$` and `` ` `` expand and nothing escapes them;
/// after ``eval `…` `` words are also split at blanks and brace-, glob-
/// and tilde-expanded. Those characters come from `printf` octal escapes.
#[test]
fn tcsh_writes_special_characters_through_printf() {
    assert_eq!(
        line(Shell::Tcsh, "/s/machines/dev"),
        "setenv X \"/s/machines/dev\";\n"
    );
    assert_eq!(
        line(Shell::Tcsh, "a$(x) `b`"),
        "setenv X \"a`printf '\\044\\050'`x`printf '\\051\\040\\140'`b`printf '\\140'`\";\n"
    );
    assert_eq!(line(Shell::Tcsh, "é!"), "setenv X \"é`printf '\\041'`\";\n");
    let e = Shell::Tcsh.set_line("X", "a\nb").unwrap_err();
    assert!(e.to_string().contains("line break"), "{e}");
}

/// No environment variable can hold NUL, in any shell.
#[test]
fn nul_is_refused_everywhere() {
    for shell in [
        Shell::Bash,
        Shell::Fish,
        Shell::Tcsh,
        Shell::Powershell,
        Shell::Cmd,
        Shell::Emacs,
        Shell::Nu,
    ] {
        assert!(shell.set_line("X", "a\0b").is_err(), "{shell:?}");
    }
}

/// The hint repeats an argument only when it is ordinary text; the issue's
/// reproduction (`-s $'/tmp/a\ntouch /tmp/pwned\n#'`) shows as `...`, and
/// every line of the output is an assignment or a comment.
#[test]
fn the_hint_never_repeats_a_dangerous_argument() {
    let argv: Vec<String> = [
        "/opt/my tools/flotilla",
        "env",
        "-s",
        "/tmp/a\ntouch /tmp/pwned\n#",
        "--x=$(id)",
        "`id`",
        "a;b",
        "{a,b}",
        "~root",
        "/store with space",
        "dev",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        super::command_line(&argv),
        "\"/opt/my tools/flotilla\" env -s ... ... ... ... ... ... \"/store with space\" dev"
    );
    for shell in [
        Shell::Bash,
        Shell::Fish,
        Shell::Tcsh,
        Shell::Powershell,
        Shell::Cmd,
        Shell::Emacs,
        Shell::Nu,
    ] {
        let out = super::render_set(shell, &[("X".into(), "v".into())], &argv).unwrap();
        let comment = match shell {
            Shell::Cmd => "REM ",
            Shell::Tcsh => ": ",
            Shell::Emacs => ";; ",
            _ => "# ",
        };
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{shell:?}: {out}");
        assert!(lines[1..].iter().all(|l| l.starts_with(comment)), "{out}");
        assert!(
            !out.contains("pwned") && !out.contains("$(id)") && !out.contains("`id`"),
            "{out}"
        );
    }
}

/// Variable names are written bare, so only portable names are accepted.
#[test]
fn names_are_checked() {
    assert!(super::render_unset(Shell::Bash, &["A;B".into()], &[]).is_err());
    assert!(super::render_set(Shell::Bash, &[("1A".into(), "v".into())], &[]).is_err());
    assert!(super::render_unset(Shell::Bash, &["no_proxy".into()], &[]).is_ok());
}
