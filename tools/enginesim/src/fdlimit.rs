//! The open-file limit: every engine holds a listening socket and the connections its clients
//! keep open, so N engines need several descriptors each. The soft limit is raised to the hard
//! one when that suffices (as Go programs such as dockerd do at start); otherwise the start is
//! refused with the numbers.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Descriptors per engine: its listener, an event stream and a request connection.
pub const PER_ENGINE: u64 = 3;
/// Descriptors for the rest (stdio, the control port, the runtime, files).
pub const BASE: u64 = 64;

pub fn needed(engines: usize) -> u64 {
    engines as u64 * PER_ENGINE + BASE
}

/// Makes sure `needed` descriptors can be open; the limit in force afterwards.
pub fn ensure(engines: usize) -> Result<u64, String> {
    let need = needed(engines);
    let lim = getrlimit(Resource::Nofile);
    let soft = lim.current.unwrap_or(u64::MAX);
    if soft >= need {
        return Ok(soft);
    }
    let hard = lim.maximum.unwrap_or(u64::MAX);
    if hard >= need {
        let raised = Rlimit {
            current: Some(hard.min(need.max(soft) * 2)),
            maximum: lim.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return Ok(raised.current.unwrap_or(need));
        }
    }
    Err(format!(
        "{engines} engines need about {need} open files ({PER_ENGINE} per engine: a listener, an event stream and a request connection, plus {BASE}) but the limit is {soft} (hard limit {}); lower --engines or raise `ulimit -n`",
        lim.maximum
            .map(|m| m.to_string())
            .unwrap_or_else(|| "unlimited".into())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_count_fits_and_an_absurd_one_is_refused() {
        assert!(ensure(2).is_ok());
        let err = ensure(usize::MAX / 8).unwrap_err();
        assert!(err.contains("ulimit -n"), "{err}");
    }
}
