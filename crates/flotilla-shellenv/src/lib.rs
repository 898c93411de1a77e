//! Rendering `env` output for each shell (pure).
//!
//! The output is meant for `eval`, so nothing in it may be code that
//! flotilla did not write: the per-shell prefix / delimiter / suffix and
//! the usage hints are docker-machine's, byte for byte, for values and
//! arguments made of ordinary characters (plus nushell); any other value
//! is written by the shell's own quoting rules (`quote`) or refused with
//! a [`RenderError`], and the hint never repeats an argument it cannot show
//! safely. docker-machine did neither (a `$` in a store path was expanded,
//! a line break in an argument ended the hint's comment).

mod quote;

pub use quote::Unrepresentable;

/// The shells `env` renders for. The command line's names for them (and aliases such as `sh`,
/// `pwsh`, `csh`) are the binary's business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// bash, sh, zsh and other POSIX shells: `export NAME="value"`, read by `eval "$(…)"`.
    Bash,
    /// fish: `set -gx`, read by `eval (…)`, whose quoting differs from POSIX.
    Fish,
    /// PowerShell: `$Env:NAME = "…"` piped to `Invoke-Expression`.
    Powershell,
    /// Windows cmd.exe: `SET` lines run by `FOR /f`, which has no quoting at all, so some
    /// values are refused.
    Cmd,
    /// tcsh/csh: `setenv`, read by ``eval `…` ``, which cannot carry a line break.
    Tcsh,
    /// Emacs Lisp `setenv` forms, evaluated from a buffer as docker-machine offered.
    Emacs,
    /// nushell: `$env.NAME = "…"` lines, parsed back and applied with `load-env`, so a value
    /// is only printed when both readings agree.
    Nu,
}

impl Shell {
    /// The shell named by `$SHELL` (its base name); POSIX for anything
    /// unrecognised, as docker-machine did.
    pub fn detect(shell_var: Option<&str>) -> Shell {
        let base = shell_var
            .map(|s| s.rsplit('/').next().unwrap_or(s))
            .unwrap_or("");
        match base {
            "fish" => Shell::Fish,
            "pwsh" | "powershell" | "pwsh.exe" | "powershell.exe" => Shell::Powershell,
            "cmd" | "cmd.exe" => Shell::Cmd,
            "tcsh" | "csh" => Shell::Tcsh,
            "nu" => Shell::Nu,
            _ => Shell::Bash,
        }
    }

    /// The name `--shell` takes for this shell, for error messages.
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
            Shell::Cmd => "cmd",
            Shell::Tcsh => "tcsh",
            Shell::Emacs => "emacs",
            Shell::Nu => "nu",
        }
    }

    fn set_line(self, name: &str, value: &str) -> Result<String, RenderError> {
        if !is_name(name) {
            return Err(RenderError::Name(name.to_string()));
        }
        quote::set_line(self, name, value).map_err(|reason| RenderError::Value {
            shell: self.name(),
            name: name.to_string(),
            reason,
        })
    }

    fn unset_line(self, name: &str) -> String {
        match self {
            Shell::Bash => format!("unset {name}\n"),
            Shell::Fish => format!("set -e {name};\n"),
            Shell::Powershell => format!("Remove-Item Env:\\\\{name}\n"),
            Shell::Cmd => format!("SET {name}=\n"),
            Shell::Tcsh => format!("unsetenv {name};\n"),
            Shell::Emacs => format!("(setenv \"{name}\" nil)\n"),
            Shell::Nu => format!("hide-env {name}\n"),
        }
    }

    /// The two comment lines telling the user how to apply the output.
    /// The command line in them is made of [`command_line`]'s safe forms of
    /// the arguments, never of the raw text.
    pub fn usage_hint(self, argv: &[String]) -> String {
        let cmdline = command_line(argv);
        let (comment, cmd) = match self {
            Shell::Bash => ("#", format!("eval $({cmdline})")),
            Shell::Fish => ("#", format!("eval ({cmdline})")),
            Shell::Powershell => ("#", format!("& {cmdline} | Invoke-Expression")),
            Shell::Cmd => (
                "REM",
                format!("\t@FOR /f \"tokens=*\" %i IN ('{cmdline}') DO @%i"),
            ),
            Shell::Tcsh => (":", format!("eval `{cmdline}`")),
            Shell::Emacs => (
                ";;",
                format!(
                    "(with-temp-buffer (shell-command \"{}\" (current-buffer)) (eval-buffer))",
                    cmdline.replace('\\', "\\\\").replace('"', "\\\"")
                ),
            ),
            Shell::Nu => (
                "#",
                format!(
                    "{cmdline} | lines | parse '$env.{{name}} = \"{{value}}\"' | transpose -r -d | load-env"
                ),
            ),
        };
        format!("{comment} Run this command to configure your shell: \n{comment} {cmd}\n")
    }
}

/// Why `env` output cannot be written for a shell.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A value holds a character the shell's syntax cannot carry: refused rather than written
    /// in a form `eval` would read differently.
    #[error("cannot write {name} for {shell}: {reason}")]
    Value {
        /// The shell's name as the user chose it.
        shell: &'static str,
        /// The variable whose value was refused.
        name: String,
        /// The character and the shell's limit behind it.
        reason: Unrepresentable,
    },
    /// A variable name some shell would not take bare (every name must work in every shell).
    #[error("{0:?} is not a variable name (letters, digits and _, not starting with a digit)")]
    Name(String),
}

/// A portable environment variable name: every shell here takes it bare.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The user's argv as the usage hint shows it: each argument as typed when
/// that is safe, in double quotes when it only adds spaces (docker-machine's
/// rule), `...` otherwise (see `quote::hint_arg`).
pub fn command_line(argv: &[String]) -> String {
    argv.iter()
        .enumerate()
        .map(|(i, a)| quote::hint_arg(i, a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Renders assignments in order, then the usage hint; or, when any value
/// cannot be written safely for this shell, the reason and nothing else.
pub fn render_set(
    shell: Shell,
    vars: &[(String, String)],
    argv: &[String],
) -> Result<String, RenderError> {
    let mut out = String::new();
    for (k, v) in vars {
        out.push_str(&shell.set_line(k, v)?);
    }
    out.push_str(&shell.usage_hint(argv));
    Ok(out)
}

/// Renders removals in order, then the usage hint.
pub fn render_unset(
    shell: Shell,
    names: &[String],
    argv: &[String],
) -> Result<String, RenderError> {
    let mut out = String::new();
    for k in names {
        if !is_name(k) {
            return Err(RenderError::Name(k.clone()));
        }
        out.push_str(&shell.unset_line(k));
    }
    out.push_str(&shell.usage_hint(argv));
    Ok(out)
}

/// Adds `ip` to a NO_PROXY list unless an entry already equals it (an
/// exact entry match, not docker-machine's substring test).
pub fn no_proxy_with(existing: &str, ip: &str) -> String {
    if existing.trim().is_empty() {
        return ip.to_string();
    }
    if existing.split(',').any(|e| e.trim() == ip) {
        return existing.to_string();
    }
    format!("{existing},{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vec<(String, String)> {
        vec![
            ("DOCKER_TLS_VERIFY".into(), "1".into()),
            ("DOCKER_HOST".into(), "tcp://1.2.3.4:2376".into()),
            ("DOCKER_CERT_PATH".into(), "/s/machines/dev".into()),
            ("DOCKER_MACHINE_NAME".into(), "dev".into()),
        ]
    }

    fn argv() -> Vec<String> {
        vec!["flotilla".into(), "env".into(), "dev".into()]
    }

    #[test]
    fn bash_is_byte_for_byte_docker_machine() {
        assert_eq!(
            render_set(Shell::Bash, &vars(), &argv()).unwrap(),
            "export DOCKER_TLS_VERIFY=\"1\"\nexport DOCKER_HOST=\"tcp://1.2.3.4:2376\"\n\
             export DOCKER_CERT_PATH=\"/s/machines/dev\"\nexport DOCKER_MACHINE_NAME=\"dev\"\n\
             # Run this command to configure your shell: \n# eval $(flotilla env dev)\n"
        );
    }

    #[test]
    fn every_shell_set_and_unset_line() {
        let cases = [
            (
                Shell::Fish,
                "set -gx DOCKER_HOST \"tcp://1.2.3.4:2376\";\n",
                "set -e DOCKER_HOST;\n",
            ),
            (
                Shell::Powershell,
                "$Env:DOCKER_HOST = \"tcp://1.2.3.4:2376\"\n",
                "Remove-Item Env:\\\\DOCKER_HOST\n",
            ),
            (
                Shell::Cmd,
                "SET DOCKER_HOST=tcp://1.2.3.4:2376\n",
                "SET DOCKER_HOST=\n",
            ),
            (
                Shell::Tcsh,
                "setenv DOCKER_HOST \"tcp://1.2.3.4:2376\";\n",
                "unsetenv DOCKER_HOST;\n",
            ),
            (
                Shell::Emacs,
                "(setenv \"DOCKER_HOST\" \"tcp://1.2.3.4:2376\")\n",
                "(setenv \"DOCKER_HOST\" nil)\n",
            ),
            (
                Shell::Nu,
                "$env.DOCKER_HOST = \"tcp://1.2.3.4:2376\"\n",
                "hide-env DOCKER_HOST\n",
            ),
            (
                Shell::Bash,
                "export DOCKER_HOST=\"tcp://1.2.3.4:2376\"\n",
                "unset DOCKER_HOST\n",
            ),
        ];
        for (shell, set, unset) in cases {
            assert_eq!(
                shell.set_line("DOCKER_HOST", "tcp://1.2.3.4:2376").unwrap(),
                set
            );
            assert_eq!(shell.unset_line("DOCKER_HOST"), unset);
        }
    }

    #[test]
    fn hints() {
        let a = argv();
        assert_eq!(
            Shell::Fish.usage_hint(&a),
            "# Run this command to configure your shell: \n# eval (flotilla env dev)\n"
        );
        assert_eq!(
            Shell::Powershell.usage_hint(&a),
            "# Run this command to configure your shell: \n# & flotilla env dev | Invoke-Expression\n"
        );
        assert_eq!(
            Shell::Cmd.usage_hint(&a),
            "REM Run this command to configure your shell: \nREM \t@FOR /f \"tokens=*\" %i IN ('flotilla env dev') DO @%i\n"
        );
        assert_eq!(
            Shell::Tcsh.usage_hint(&a),
            ": Run this command to configure your shell: \n: eval `flotilla env dev`\n"
        );
        assert_eq!(
            Shell::Emacs.usage_hint(&a),
            ";; Run this command to configure your shell: \n;; (with-temp-buffer (shell-command \"flotilla env dev\" (current-buffer)) (eval-buffer))\n"
        );
        let spaced = vec![
            "/opt/my tools/flotilla".to_string(),
            "env".into(),
            "dev".into(),
        ];
        assert_eq!(command_line(&spaced), "\"/opt/my tools/flotilla\" env dev");
    }

    #[test]
    fn escaping_keeps_values_literal() {
        assert_eq!(
            Shell::Bash.set_line("X", "a$b\"c").unwrap(),
            "export X=\"a\\$b\\\"c\"\n"
        );
        assert_eq!(
            Shell::Powershell.set_line("X", "a$b").unwrap(),
            "$Env:X = \"a`$b\"\n"
        );
    }

    #[test]
    fn detection() {
        assert_eq!(Shell::detect(Some("/usr/bin/fish")), Shell::Fish);
        assert_eq!(Shell::detect(Some("/bin/zsh")), Shell::Bash);
        assert_eq!(Shell::detect(Some("/usr/bin/tcsh")), Shell::Tcsh);
        assert_eq!(Shell::detect(None), Shell::Bash);
    }

    #[test]
    fn no_proxy() {
        assert_eq!(no_proxy_with("", "10.0.0.1"), "10.0.0.1");
        assert_eq!(no_proxy_with("localhost", "10.0.0.1"), "localhost,10.0.0.1");
        assert_eq!(
            no_proxy_with("localhost,10.0.0.1", "10.0.0.1"),
            "localhost,10.0.0.1"
        );
        // A longer address that merely contains the IP is not a match.
        assert_eq!(no_proxy_with("10.0.0.10", "10.0.0.1"), "10.0.0.10,10.0.0.1");
    }
}

#[cfg(test)]
mod real_shells;

#[cfg(test)]
mod doc_rules;
