//! The local terminal during `run -it`: raw mode and the window size, as `docker run -it` does.
//!
//! In raw mode every key (Ctrl-C included) goes to the container's TTY, which echoes and
//! interprets it; without it the local line discipline would echo twice and keep Ctrl-C for
//! itself. The guard restores the terminal however `run` ends (return, error, panic unwinding).

use std::io::IsTerminal;

/// Raw mode on the local terminal until dropped.
#[derive(Debug)]
pub struct RawMode(());

impl RawMode {
    /// Enter raw mode when stdin is a terminal; `None` otherwise (a pipe or a file is passed
    /// through as is) or when the terminal refuses.
    pub fn enable() -> Option<RawMode> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        crossterm::terminal::enable_raw_mode().ok()?;
        Some(RawMode(()))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// The local terminal's size as (columns, rows), when stdout is a terminal.
pub fn size() -> Option<(u16, u16)> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size()
        .ok()
        .filter(|(w, h)| *w > 0 && *h > 0)
}
