//! Ranking the nodes that passed every filter: spread, binpack, random.
//!
//! Resources follow classic Swarm (`scheduler/strategy/weighted_node.go`), with CPU counted in
//! 1e-9 CPUs instead of whole CPUs:
//!
//! * capacity = `n + n * oc / 100` with `oc = trunc(overcommit * 100)`, integer arithmetic, for CPUs
//!   and memory (upstream did this in whole CPUs, so 5 % of 4 CPUs was 0; in nano-CPUs it is 0.2);
//! * used = the sum of the reservations of **every** container of the node, any state;
//! * a node fits when `score = (used + request) * 100 / capacity ≤ 100` for CPU and memory, where
//!   the score is 100 when nothing is requested (so with no requests ranking is by container count);
//!   a node without capacity fits only requests that reserve nothing;
//! * `weight = cpu score + memory score` (the health term is constant: only healthy nodes get here).
//!
//! Order: spread ascending weight, then fewer containers; binpack descending weight, then more
//! containers; then, for every strategy, node name ascending. Upstream broke exact ties at random;
//! here every decision is deterministic. `random` picks uniformly among the nodes that fit, with a
//! seeded generator (upstream's random skipped the resource check entirely; a documented difference).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::state::{Node, Strategy};

/// Convert CPUs to nano-CPUs, saturating; NaN and negatives give 0.
pub fn nano_cpus(cpus: f64) -> u64 {
    // `(x).round() as u64` without the call to libm's `round` (it runs for every container of every
    // node): `as` truncates, saturates and maps NaN to 0; `x - trunc(x)` is exact for doubles, and
    // rounding half away from zero adds one when that fraction is at least 0.5. Negative values
    // and NaN give 0 either way (the fraction is then negative or NaN); from 2^64 on both
    // saturate to `u64::MAX`. A property test checks it against `round`.
    let x = cpus * 1e9;
    let t = x as u64;
    if x - t as f64 >= 0.5 {
        t.saturating_add(1)
    } else {
        t
    }
}

/// Capacity and reservations of one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// CPU capacity including overcommit, in nano-CPUs.
    pub total_cpu: u64,
    /// Memory capacity including overcommit, in bytes.
    pub total_mem: u64,
    /// Sum of the CPU reservations of every container, in nano-CPUs.
    pub used_cpu: u64,
    /// Sum of the memory reservations of every container, in bytes.
    pub used_mem: u64,
    /// Containers on the node, any state.
    pub containers: usize,
}

fn with_overcommit(n: u64, overcommit: f64) -> u64 {
    // `as` saturates; the overcommit was validated to be finite and > -1.
    let oc = (overcommit * 100.0).trunc() as i128;
    let n = i128::from(n);
    u64::try_from((n + n * oc / 100).max(0)).unwrap_or(u64::MAX)
}

impl Usage {
    /// Compute a node's usage from its containers.
    pub fn of(node: &Node, overcommit: f64) -> Usage {
        let mut u = Usage {
            total_cpu: with_overcommit(nano_cpus(node.cpus), overcommit),
            total_mem: with_overcommit(node.memory, overcommit),
            ..Usage::default()
        };
        for c in &node.containers {
            u.add(nano_cpus(c.cpus), c.memory);
        }
        u
    }

    /// The same usage with overcommit applied to the capacity: `Usage::of(n, 0.0).overcommitted(oc)`
    /// equals `Usage::of(n, oc)`, so a [`Snapshot`](super::Snapshot) keeps one table for every
    /// overcommit a decision may ask for.
    pub fn overcommitted(self, overcommit: f64) -> Usage {
        Usage {
            total_cpu: with_overcommit(self.total_cpu, overcommit),
            total_mem: with_overcommit(self.total_mem, overcommit),
            ..self
        }
    }

    /// Account for one more container.
    pub fn add(&mut self, nano_cpus: u64, memory: u64) {
        self.used_cpu = self.used_cpu.saturating_add(nano_cpus);
        self.used_mem = self.used_mem.saturating_add(memory);
        self.containers += 1;
    }

    /// The node's weight for a request, or `None` when the request does not fit.
    pub fn weight(&self, req_cpu: u64, req_mem: u64) -> Option<u64> {
        fn score(used: u64, req: u64, total: u64) -> Option<u128> {
            if req == 0 {
                return Some(100);
            }
            if total < req {
                return None;
            }
            let s = (u128::from(used) + u128::from(req)) * 100 / u128::from(total);
            (s <= 100).then_some(s)
        }
        let cpu = score(self.used_cpu, req_cpu, self.total_cpu)?;
        let mem = score(self.used_mem, req_mem, self.total_mem)?;
        u64::try_from(cpu + mem).ok()
    }
}

/// One candidate for ranking.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Index of the node in the state.
    pub index: usize,
    /// The node's name (the final tie-break, ascending).
    pub name: &'a str,
    /// Its usage. When the request reserves nothing only `containers` is read.
    pub usage: Usage,
}

/// Sort key: smaller is better.
fn key<'a>(strategy: Strategy, weight: u64, c: &Candidate<'a>) -> (i128, i128, &'a str) {
    let (w, n) = (i128::from(weight), c.usage.containers as i128);
    match strategy {
        Strategy::Binpack => (-w, -n, c.name),
        Strategy::Spread | Strategy::Random => (w, n, c.name),
    }
}

/// Rank the candidates that fit, best first, with their weights. `seed` drives `random`.
pub fn rank<'a>(
    strategy: Strategy,
    candidates: &[Candidate<'a>],
    req_cpu: u64,
    req_mem: u64,
    seed: u64,
) -> Vec<(Candidate<'a>, u64)> {
    let mut fit: Vec<(Candidate<'a>, u64)> = candidates
        .iter()
        .filter_map(|c| c.usage.weight(req_cpu, req_mem).map(|w| (*c, w)))
        .collect();
    match strategy {
        Strategy::Random => {
            fit.sort_by_key(|(c, _)| c.name);
            let mut rng = StdRng::seed_from_u64(seed);
            // Fisher–Yates, so `rank(..)[0]` is uniform among the nodes that fit.
            for i in (1..fit.len()).rev() {
                let j = rng.random_range(0..=i);
                fit.swap(i, j);
            }
        }
        _ => fit.sort_by_key(|(c, w)| key(strategy, *w, c)),
    }
    fit
}

/// The best candidate, or `None` when no candidate fits (no resources). Same answer as
/// `rank(..).first()` without sorting everything.
pub fn best(
    strategy: Strategy,
    candidates: &[Candidate],
    req_cpu: u64,
    req_mem: u64,
    seed: u64,
) -> Option<usize> {
    match strategy {
        Strategy::Random => rank(strategy, candidates, req_cpu, req_mem, seed)
            .first()
            .map(|(c, _)| c.index),
        _ => candidates
            .iter()
            .filter_map(|c| {
                c.usage
                    .weight(req_cpu, req_mem)
                    .map(|w| (key(strategy, w, c), c.index))
            })
            .min()
            .map(|(_, i)| i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;

    const NAMES: [&str; 20] = [
        "n00", "n01", "n02", "n03", "n04", "n05", "n06", "n07", "n08", "n09", "n10", "n11", "n12",
        "n13", "n14", "n15", "n16", "n17", "n18", "n19",
    ];

    fn cand(
        index: usize,
        cpus: f64,
        mem: u64,
        used_cpu: f64,
        used_mem: u64,
        n: usize,
    ) -> Candidate<'static> {
        Candidate {
            index,
            name: NAMES[index],
            usage: Usage {
                total_cpu: with_overcommit(nano_cpus(cpus), 0.05),
                total_mem: with_overcommit(mem, 0.05),
                used_cpu: nano_cpus(used_cpu),
                used_mem,
                containers: n,
            },
        }
    }

    #[test]
    fn overcommit_is_integer_percent() {
        assert_eq!(with_overcommit(100, 0.05), 105);
        assert_eq!(with_overcommit(4_000_000_000, 0.05), 4_200_000_000);
        assert_eq!(with_overcommit(100, 0.059), 105, "trunc(5.9) = 5");
        assert_eq!(with_overcommit(100, 0.0), 100);
        assert_eq!(with_overcommit(100, -0.5), 50);
        assert_eq!(with_overcommit(u64::MAX, 1.0), u64::MAX);
    }

    #[test]
    fn weights_follow_upstream() {
        let c = cand(0, 2.0, 2 * GIB, 0.0, 0, 0);
        assert_eq!(c.usage.weight(0, 0), Some(200));
        // 1 CPU of 2.1: (1e9*100/2.1e9) = 47; 1 GiB of 2.1 GiB: 47.
        assert_eq!(c.usage.weight(1_000_000_000, GIB), Some(47 + 47));
        assert_eq!(c.usage.weight(3_000_000_000, 0), None);
        let none = cand(0, 0.0, 0, 0.0, 0, 0);
        assert_eq!(
            none.usage.weight(0, 0),
            Some(200),
            "no request fits anywhere"
        );
        assert_eq!(none.usage.weight(1, 0), None, "no capacity, no reservation");
        assert_eq!(none.usage.weight(0, 1), None);
    }

    #[test]
    fn overcommit_allows_five_percent_more() {
        let c = cand(0, 1.0, GIB, 0.0, GIB, 1);
        assert!(c.usage.weight(0, GIB / 25).is_some(), "4 % more fits");
        assert!(c.usage.weight(0, GIB / 10).is_none(), "10 % more does not");
    }

    #[test]
    fn spread_prefers_least_reserved_then_fewer_containers_then_name() {
        let cs = [
            cand(0, 2.0, 2 * GIB, 1.0, 0, 1),
            cand(1, 2.0, 2 * GIB, 0.0, 0, 3),
            cand(2, 2.0, 2 * GIB, 0.0, 0, 3),
        ];
        assert_eq!(best(Strategy::Spread, &cs, 1_000_000_000, 0, 0), Some(1));
        // Without requests, container count decides, then name.
        assert_eq!(best(Strategy::Spread, &cs, 0, 0, 0), Some(0));
        let tie = [cand(1, 1.0, GIB, 0.0, 0, 2), cand(0, 1.0, GIB, 0.0, 0, 2)];
        assert_eq!(best(Strategy::Spread, &tie, 0, 0, 0), Some(0));
    }

    #[test]
    fn binpack_prefers_most_reserved_that_fits_then_more_containers_then_name() {
        let cs = [
            cand(0, 2.0, 2 * GIB, 1.0, 0, 1),
            cand(1, 2.0, 2 * GIB, 0.0, 0, 3),
            cand(2, 2.0, 2 * GIB, 2.0, 0, 5),
        ];
        // Node 2 is full, node 0 is the most reserved that fits.
        assert_eq!(best(Strategy::Binpack, &cs, 1_000_000_000, 0, 0), Some(0));
        // Without requests: more containers first.
        assert_eq!(best(Strategy::Binpack, &cs, 0, 0, 0), Some(2));
        let tie = [cand(1, 1.0, GIB, 0.0, 0, 2), cand(0, 1.0, GIB, 0.0, 0, 2)];
        assert_eq!(best(Strategy::Binpack, &tie, 0, 0, 0), Some(0));
    }

    #[test]
    fn best_agrees_with_rank() {
        let cs: Vec<Candidate> = (0..20)
            .map(|i| {
                cand(
                    i,
                    (i % 4) as f64,
                    GIB * (i as u64 % 3),
                    (i % 3) as f64 * 0.5,
                    0,
                    i % 5,
                )
            })
            .collect();
        for s in [Strategy::Spread, Strategy::Binpack, Strategy::Random] {
            for (cpu, mem) in [(0, 0), (500_000_000, 0), (0, GIB / 2)] {
                let r = rank(s, &cs, cpu, mem, 7);
                assert_eq!(best(s, &cs, cpu, mem, 7), r.first().map(|(c, _)| c.index));
            }
        }
    }

    #[test]
    fn random_is_seeded_and_respects_resources() {
        let cs: Vec<Candidate> = (0..10).map(|i| cand(i, 1.0, GIB, 0.0, 0, 0)).collect();
        let a = best(Strategy::Random, &cs, 0, 0, 42);
        assert_eq!(a, best(Strategy::Random, &cs, 0, 0, 42));
        let picks: std::collections::HashSet<_> = (0..50)
            .filter_map(|s| best(Strategy::Random, &cs, 0, 0, s))
            .collect();
        assert!(picks.len() > 3, "different seeds pick different nodes");
        let mut full = cs.clone();
        for c in full.iter_mut().skip(1) {
            c.usage.used_mem = GIB * 2;
        }
        for s in 0..20 {
            assert_eq!(best(Strategy::Random, &full, 0, GIB / 2, s), Some(0));
        }
        assert_eq!(best(Strategy::Random, &full[1..], 0, GIB / 2, 0), None);
    }
}
