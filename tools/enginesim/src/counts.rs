//! Requests an engine received, in total and per route (`GET /containers/{id}/json`), so a
//! benchmark can show how many engine requests one manager call caused.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::Serialize;

/// Distinct paths kept per engine for requests no route matched; beyond it they are counted
/// under [`OTHER`] (a misbehaving client cannot grow the map without bound).
const MAX_UNMATCHED: usize = 64;
pub const OTHER: &str = "(other unsimulated paths)";

#[derive(Debug, Default)]
pub struct Counts {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    total: u64,
    paths: HashMap<Cow<'static, str>, u64>,
}

/// What a benchmark reads.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Snapshot {
    pub total: u64,
    pub paths: BTreeMap<String, u64>,
}

impl Snapshot {
    pub fn add(&mut self, other: &Snapshot) {
        self.total += other.total;
        for (k, v) in &other.paths {
            *self.paths.entry(k.clone()).or_default() += v;
        }
    }
}

impl Counts {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One request on a route (`GET /info`); `matched` is false for a path the simulator does
    /// not serve (the key is then the literal method and path).
    pub fn record(&self, key: Cow<'static, str>, matched: bool) {
        let mut g = self.lock();
        g.total += 1;
        let key = if matched || g.paths.contains_key(&key) || g.paths.len() < MAX_UNMATCHED {
            key
        } else {
            Cow::Borrowed(OTHER)
        };
        *g.paths.entry(key).or_default() += 1;
    }

    pub fn snapshot(&self) -> Snapshot {
        let g = self.lock();
        Snapshot {
            total: g.total,
            paths: g.paths.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        }
    }

    /// The counts so far, and zero from now on (one step, so no request is lost in between).
    pub fn take(&self) -> Snapshot {
        let mut g = self.lock();
        let s = Snapshot {
            total: g.total,
            paths: g.paths.drain().map(|(k, v)| (k.to_string(), v)).collect(),
        };
        g.total = 0;
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_reset() {
        let c = Counts::default();
        c.record(Cow::Borrowed("GET /info"), true);
        c.record(Cow::Borrowed("GET /info"), true);
        c.record(Cow::Owned("GET /nope".into()), false);
        let s = c.snapshot();
        assert_eq!(s.total, 3);
        assert_eq!(s.paths["GET /info"], 2);
        assert_eq!(c.take(), s);
        assert_eq!(c.snapshot(), Snapshot::default());
    }

    #[test]
    fn unmatched_paths_are_bounded() {
        let c = Counts::default();
        for i in 0..(MAX_UNMATCHED + 10) {
            c.record(Cow::Owned(format!("GET /x{i}")), false);
        }
        let s = c.snapshot();
        assert_eq!(s.total, MAX_UNMATCHED as u64 + 10);
        assert_eq!(s.paths.len(), MAX_UNMATCHED + 1);
        assert_eq!(s.paths[OTHER], 10);
    }
}
