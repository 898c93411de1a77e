//! Everything that reaches the terminal: data on stdout, messages on stderr.

mod printer;
pub mod progress;
pub mod table;
pub mod template;
pub mod terminal;

pub use printer::{ColorChoice, Printer};
