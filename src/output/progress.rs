//! Per-machine progress: a spinner line per machine on a terminal, plain
//! `(machine) message` log lines otherwise (CI logs, pipes).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::Printer;

pub struct MachineProgress {
    printer: Printer,
    bars: Option<(MultiProgress, Mutex<HashMap<String, ProgressBar>>)>,
}

impl MachineProgress {
    pub fn new(printer: &Printer, names: &[String]) -> Self {
        let bars = printer.progress().then(|| {
            let mp = MultiProgress::new();
            let style =
                ProgressStyle::with_template("{spinner} ({prefix}) {wide_msg} {elapsed:.dim}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let mut map = HashMap::new();
            for n in names {
                let pb = mp.add(ProgressBar::new_spinner());
                pb.set_style(style.clone());
                pb.set_prefix(n.clone());
                pb.enable_steady_tick(Duration::from_millis(120));
                map.insert(n.clone(), pb);
            }
            (mp, Mutex::new(map))
        });
        MachineProgress {
            printer: printer.clone(),
            bars,
        }
    }

    pub fn step(&self, machine: &str, message: &str) {
        if let Some((_, bars)) = &self.bars
            && let Ok(b) = bars.lock()
            && let Some(pb) = b.get(machine)
        {
            pb.set_message(message.to_string());
            return;
        }
        self.printer.info(&format!("({machine}) {message}"));
    }

    /// Ends a machine's line with a final message.
    pub fn finish(&self, machine: &str, message: &str) {
        if let Some((_, bars)) = &self.bars
            && let Ok(b) = bars.lock()
            && let Some(pb) = b.get(machine)
        {
            pb.finish_with_message(message.to_string());
            return;
        }
        self.printer.info(&format!("({machine}) {message}"));
    }

    /// A warning printed above the progress lines.
    pub fn warn(&self, machine: &str, message: &str) {
        match &self.bars {
            Some((mp, _)) => {
                let _ = mp.println(format!("warning: ({machine}) {message}"));
            }
            None => self.printer.warn(&format!("({machine}) {message}")),
        }
    }
}
