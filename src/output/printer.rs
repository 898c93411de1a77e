//! The one place that decides where text goes. Data (tables, ids, `env`
//! lines, JSON) goes to stdout; logs, hints and progress to stderr, so
//! `eval "$(flotilla env x)"` and pipes only ever see data.

use std::io::{IsTerminal, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Printer {
    color: bool,
    progress: bool,
}

impl Printer {
    /// `NO_COLOR` (any non-empty value) turns `auto` colour off; `always`
    /// wins over it. Progress needs a terminal on stderr.
    pub fn new(color: ColorChoice, no_progress: bool) -> Self {
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stderr_tty && !no_color_env,
        };
        Printer {
            color,
            progress: stderr_tty && !no_progress,
        }
    }

    /// Whether animated progress may be drawn.
    pub fn progress(&self) -> bool {
        self.progress
    }

    /// Writes data to stdout, adding a newline when missing. A closed pipe
    /// (`flotilla ls | head -1`) is not an error.
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    /// Writes data exactly as given.
    pub fn data_raw(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A progress or status message on stderr.
    pub fn info(&self, text: &str) {
        eprintln!("{text}");
    }

    pub fn warn(&self, text: &str) {
        eprintln!("{} {text}", self.paint("1;33", "warning:"));
    }

    pub fn hint(&self, text: &str) {
        eprintln!("{} {text}", self.paint("1;36", "hint:"));
    }

    pub fn error(&self, text: &str) {
        eprintln!("{} {text}", self.paint("1;31", "error:"));
    }
}
