//! Writing one value as a literal in each shell's syntax, exactly as that
//! shell reads it back when applied the way the usage hint says.
//!
//! A value made only of characters no shell treats specially keeps
//! docker-machine's bytes (`export X="v"`, `SET X=v`, …). Anything else is
//! escaped by the shell's documented rules, and where a shell has no way to
//! carry a character safely the value is refused with the reason
//! ([`Unrepresentable`]) rather than printed half-quoted.

use std::fmt;

use super::Shell;

/// Why a value cannot be written for a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unrepresentable {
    /// The first character that cannot be carried.
    pub ch: char,
    /// The shell's limit behind the refusal, for the error message (a user cannot fix what
    /// they are not told).
    pub why: &'static str,
}

impl fmt::Display for Unrepresentable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.ch {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => "a line break",
            c if c.is_control() => "a control character",
            _ => "the character",
        };
        write!(f, "the value contains {what} {:?}, {}", self.ch, self.why)
    }
}

fn refuse(ch: char, why: &'static str) -> Unrepresentable {
    Unrepresentable { ch, why }
}

const NO_NUL: &str = "which no environment variable can hold";

/// Characters every shell here reads literally inside its quotes and that
/// nothing (word splitting, globbing, brace or tilde expansion after
/// ``eval `…` ``) touches: letters, digits and `_ @ % + = : , . / -`, plus
/// non-ASCII letters and digits.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '_' | '@' | '%' | '+' | '=' | ':' | ',' | '.' | '/' | '-')
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// The whole assignment line for `name=value`.
pub(super) fn set_line(shell: Shell, name: &str, value: &str) -> Result<String, Unrepresentable> {
    if value.contains('\0') {
        return Err(refuse('\0', NO_NUL));
    }
    Ok(match shell {
        Shell::Bash => format!("export {name}=\"{}\"\n", posix(value)),
        Shell::Fish => format!("set -gx {name} \"{}\";\n", fish(value)),
        Shell::Tcsh => format!("setenv {name} \"{}\";\n", tcsh(value)?),
        Shell::Powershell => format!("$Env:{name} = \"{}\"\n", powershell(value)),
        Shell::Cmd => cmd(name, value)?,
        Shell::Emacs => format!("(setenv \"{name}\" \"{}\")\n", emacs(value)),
        Shell::Nu => format!("$env.{name} = \"{}\"\n", nu(value)?),
    })
}

/// POSIX sh (bash, dash, zsh, ksh), "Double-Quotes" in the Shell Command
/// Language: inside `"…"` only `$`, `` ` ``, `"` and `\` are special, and a
/// backslash before any of them makes it literal. Every other byte,
/// line breaks included, stands for itself. (`!` is history expansion only
/// on lines typed at an interactive prompt, never in `eval`'s text.)
fn posix(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// fish, "Quotes" in its language documentation: inside `"…"` the escapes
/// are `\"`, `\$` and `\\`. fish's `eval (…)` splits the output into lines
/// and joins them with spaces, so a line break, like every other control
/// character, is written outside the quotes as `\xHH` ("Escaping
/// Characters"). fish keeps U+F600–U+F6FF for bytes that are not valid in
/// the locale (its `\uF600` is a NUL byte), so those characters are written
/// as their UTF-8 bytes, `\xHH` each, outside the quotes.
fn fish(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\"\\x{:02x}\"", c as u32));
            }
            c if (0xf600..=0xf6ff).contains(&(c as u32)) => {
                let mut buf = [0u8; 4];
                out.push('"');
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
                out.push('"');
            }
            c => out.push(c),
        }
    }
    out
}

/// tcsh and csh. ``eval `flotilla env` `` splits the output into words at
/// blanks and line breaks and expands braces, globs and `~` in each word
/// before `eval` reads them again; inside `"…"` tcsh expands `$` and
/// `` ` `` and has no escape character at all (tcsh(1), "Lexical
/// structure" and "Command substitution"). So only [`is_plain`] characters
/// are written literally; every other one is produced inside the quotes by
/// a command substitution, ``"`printf '\ooo'`"``, whose text holds no
/// blank and nothing tcsh would expand: a double-quoted substitution keeps
/// blanks and tabs (tcsh(1), "Command substitution") but not line breaks,
/// which are refused.
fn tcsh(v: &str) -> Result<String, Unrepresentable> {
    let mut out = String::with_capacity(v.len());
    let mut run = String::new();
    let flush = |out: &mut String, run: &mut String| {
        if !run.is_empty() {
            out.push_str("`printf '");
            out.push_str(run);
            out.push_str("'`");
            run.clear();
        }
    };
    for c in v.chars() {
        if c == '\n' {
            return Err(refuse(c, "which tcsh cannot carry through ``eval `…` ``"));
        }
        if is_plain(c) {
            flush(&mut out, &mut run);
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                run.push_str(&format!("\\{b:03o}"));
            }
        }
    }
    flush(&mut out, &mut run);
    Ok(out)
}

/// PowerShell, about_Quoting_Rules and the language specification
/// §2.3.5.2: a double-quoted string ends at any double-quote-character (`"`
/// or U+201C, U+201D, U+201E), `$` starts a substitution, and the backtick
/// escapes any of them. `& flotilla env | Invoke-Expression` runs each
/// output line on its own, so no line break may be printed raw:
/// about_Special_Characters gives `` `n ``, `` `r `` and `` `t ``; other
/// control characters and the Unicode line separators are written as a
/// `$([char]0xN)` subexpression, which Windows PowerShell 5.1 also reads.
fn powershell(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '`' | '$' | '"' | '\u{201c}' | '\u{201d}' | '\u{201e}' => {
                out.push('`');
                out.push(c);
            }
            '\n' => out.push_str("`n"),
            '\r' => out.push_str("`r"),
            '\t' => out.push_str("`t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                out.push_str(&format!("$([char]0x{:x})", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// cmd. The hint runs each line through `FOR /f … DO @%i`, where `%` is not
/// expanded, while the same lines saved as a batch file expand `%var%`;
/// with delayed expansion on, `!var!` expands in both (`cmd /?`, `set
/// /?`). No escape means the same in both places, so `%`, `!`, `"` and
/// control characters are refused. `SET "name=value"` (`set /?`) makes
/// `& | < > ^ ( )` literal in both; a value without them keeps
/// docker-machine's `SET name=value`.
fn cmd(name: &str, v: &str) -> Result<String, Unrepresentable> {
    for c in v.chars() {
        match c {
            '%' | '!' => {
                return Err(refuse(
                    c,
                    "which cmd expands differently in a batch file and in the FOR loop of the usage hint",
                ));
            }
            '"' => {
                return Err(refuse(
                    c,
                    "which would end cmd's quoting and expose the rest of the line",
                ));
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                return Err(refuse(c, "which cmd cannot hold in a SET line"));
            }
            _ => {}
        }
    }
    Ok(
        if v.chars()
            .any(|c| matches!(c, '&' | '|' | '<' | '>' | '^' | '(' | ')'))
        {
            format!("SET \"{name}={v}\"\n")
        } else {
            format!("SET {name}={v}\n")
        },
    )
}

/// Emacs Lisp, "Syntax for Strings" in the Emacs Lisp manual: a string is
/// read up to the next unescaped `"`; `\"` and `\\` stand for `"` and `\`,
/// and every other character, a line break included, may appear literally.
fn emacs(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '\\' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// nushell. The usage hint reads the output with `lines | parse
/// '$env.{name} = "{value}"'`, which takes the text between the quotes as
/// it is, while nushell itself reads `\` in a double-quoted string as the
/// start of an escape ("Working with strings" in the Nushell book). A
/// value is printed only when both readings agree: no `"`, no `\`, no
/// control character (`lines` would also split at a line break).
fn nu(v: &str) -> Result<String, Unrepresentable> {
    for c in v.chars() {
        if matches!(c, '"' | '\\') || c.is_control() {
            return Err(refuse(
                c,
                "which the usage hint's `parse` would read differently from nushell",
            ));
        }
    }
    Ok(v.to_string())
}

/// One command-line argument as the usage hint shows it.
///
/// The hint repeats the command line inside a comment (or, for tcsh, as
/// the arguments of the `:` command, which tcsh still expands). An argument
/// made of [`is_plain`] characters is shown as typed; one that only adds
/// spaces (or, in the program name, backslashes) is wrapped in double
/// quotes, as docker-machine did; any other argument is shown as `...`, so
/// nothing from the command line can end the comment or reach the shell.
pub(super) fn hint_arg(index: usize, arg: &str) -> String {
    if !arg.is_empty() && !arg.starts_with('=') && arg.chars().all(is_plain) {
        return arg.to_string();
    }
    if arg
        .chars()
        .all(|c| is_plain(c) || c == ' ' || (index == 0 && c == '\\'))
    {
        return format!("\"{arg}\"");
    }
    "...".to_string()
}
