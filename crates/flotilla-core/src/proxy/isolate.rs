//! Finding the vhosts nginx rejects (pure): when `nginx -t` refuses a whole configuration, the
//! watcher validates halves of the vhost list, then halves of the failing halves, until each
//! failing vhost is alone. Everything else is applied; the rejected vhosts are reported in
//! `proxy status` and the log. With k bad vhosts among n this takes about 2·k·log2(n) checks
//! instead of n, which matters in node mode where each check is a `docker exec`.
//!
//! [`Bisect`] is the search as a state machine, so the caller can run each check however it
//! likes (a blocking `nginx -t`, an exec in a container):
//!
//! ```
//! use flotilla_core::proxy::isolate::Bisect;
//! let bad_ones = [3usize, 7];
//! let mut b = Bisect::after_failure(10);
//! while let Some(subset) = b.next_check() {
//!     let r = if subset.iter().any(|i| bad_ones.contains(i)) { Err("boom".into()) } else { Ok(()) };
//!     b.report(r);
//! }
//! assert_eq!(b.rejected().iter().map(|(i, _)| *i).collect::<Vec<_>>(), vec![3, 7]);
//! ```

/// The search over indices `0..n`.
#[derive(Debug, Clone)]
pub struct Bisect {
    /// Subsets still to check, the next one last.
    todo: Vec<Vec<usize>>,
    rejected: Vec<(usize, String)>,
    checks: usize,
}

impl Bisect {
    /// Starts a search for `n` items whose whole set already failed (so it is not checked again).
    pub fn after_failure(n: usize) -> Bisect {
        let mut b = Bisect {
            todo: Vec::new(),
            rejected: Vec::new(),
            checks: 0,
        };
        b.split((0..n).collect());
        b
    }

    fn split(&mut self, set: Vec<usize>) {
        if set.len() <= 1 {
            // a failed single item is settled by the caller's report; an empty set is fine
            self.todo.push(set);
            return;
        }
        let half = set.len() / 2;
        // pushed in reverse so the lower half is checked first
        self.todo.push(set[half..].to_vec());
        self.todo.push(set[..half].to_vec());
    }

    /// The subset to validate next; `None` when the search is over.
    pub fn next_check(&self) -> Option<&[usize]> {
        self.todo.last().map(Vec::as_slice)
    }

    /// The result of validating [`Bisect::next_check`]'s subset.
    pub fn report(&mut self, result: Result<(), String>) {
        let Some(set) = self.todo.pop() else {
            return;
        };
        self.checks += 1;
        match result {
            Ok(()) => {}
            Err(e) if set.len() == 1 => self.rejected.push((set[0], e)),
            Err(_) => self.split(set),
        }
    }

    /// The items that failed on their own, with the check's error, in index order.
    pub fn rejected(&self) -> Vec<(usize, String)> {
        let mut r = self.rejected.clone();
        r.sort_by_key(|(i, _)| *i);
        r
    }

    /// Checks run so far.
    pub fn checks(&self) -> usize {
        self.checks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(n: usize, bad: &[usize]) -> Bisect {
        let mut b = Bisect::after_failure(n);
        while let Some(s) = b.next_check() {
            let hit: Vec<usize> = s.iter().copied().filter(|i| bad.contains(i)).collect();
            b.report(if hit.is_empty() {
                Ok(())
            } else {
                Err(format!("bad {hit:?}"))
            });
        }
        b
    }

    #[test]
    fn one_bad_among_many_takes_logarithmic_checks() {
        let b = run(64, &[41]);
        assert_eq!(b.rejected(), vec![(41, "bad [41]".to_string())]);
        assert!(b.checks() <= 2 * 6, "{}", b.checks());
        assert!(run(1, &[0]).rejected().len() == 1);
        assert!(run(0, &[]).rejected().is_empty());
    }

    proptest! {
        #[test]
        fn finds_exactly_the_bad_items(n in 1usize..80, bad in prop::collection::btree_set(0usize..80, 0..6)) {
            let bad: Vec<usize> = bad.into_iter().filter(|i| *i < n).collect();
            let found: Vec<usize> = run(n, &bad).rejected().into_iter().map(|(i, _)| i).collect();
            prop_assert_eq!(found, bad);
        }
    }
}
