//! Globs of constraint and affinity values: only `*` is special (any run of characters, empty
//! included); every other character matches itself; the whole string must match.
//!
//! Matched by hand rather than through a regular expression: a glob is a list of literal pieces,
//! so a match is a prefix test, a suffix test and a left-to-right search for the pieces between.
//! It avoids the regex engine's per-call overhead on short strings (a throwaway measurement, not a
//! shipped benchmark, put it near ten times faster on cached strings; `benches/plan` measures the
//! decisions that use it). The longest piece doubles as a prefilter when a glob is run over many
//! strings at once ([`Owners`](super::index::Owners) searches one buffer of every
//! container name and ID).

use memchr::memmem::Finder;

/// A compiled glob.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    /// The text before the first `*`, which the string must start with.
    first: String,
    /// The text after the last `*`, which the string must end with.
    last: String,
    /// The pieces between `*`s, in order, non-empty.
    middle: Vec<Finder<'static>>,
    /// The longest of all the pieces (for [`Glob::longest_piece`]).
    longest: String,
}

impl Glob {
    /// Compile a glob; `pattern` contains at least one `*`.
    pub(crate) fn new(pattern: &str) -> Glob {
        let pieces: Vec<&str> = pattern.split('*').collect();
        let first = pieces[0].to_string();
        let last = pieces[pieces.len() - 1].to_string();
        let inner = if pieces.len() > 2 {
            &pieces[1..pieces.len() - 1]
        } else {
            &[][..]
        };
        let longest = pieces
            .iter()
            .max_by_key(|p| p.len())
            .map_or_else(String::new, |p| (*p).to_string());
        Glob {
            first,
            last,
            middle: inner
                .iter()
                .filter(|p| !p.is_empty())
                .map(|p| Finder::new(p.as_bytes()).into_owned())
                .collect(),
            longest,
        }
    }

    /// Whether the whole of `s` matches. Leftmost placement of each middle piece is enough: a
    /// piece placed further right never leaves more room for the ones after it.
    pub(crate) fn is_match(&self, s: &str) -> bool {
        let s = s.as_bytes();
        let (first, last) = (self.first.as_bytes(), self.last.as_bytes());
        if s.len() < first.len() + last.len()
            || (!first.is_empty() && !s.starts_with(first))
            || (!last.is_empty() && !s.ends_with(last))
        {
            return false;
        }
        let mut rest = &s[first.len()..s.len() - last.len()];
        for piece in &self.middle {
            match piece.find(rest) {
                Some(at) => rest = &rest[at + piece.needle().len()..],
                None => return false,
            }
        }
        true
    }

    /// The longest literal piece: every matching string contains it (empty when the glob is only
    /// `*`s).
    pub(crate) fn longest_piece(&self) -> &str {
        &self.longest
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;
    use proptest::prelude::{prop_assert_eq, proptest};

    /// The anchored regex a glob stands for (`*` is any run of characters, newlines included).
    fn as_regex(pattern: &str) -> regex::Regex {
        let body: Vec<String> = pattern.split('*').map(regex::escape).collect();
        regex::Regex::new(&format!("(?s)^{}$", body.join(".*"))).unwrap()
    }

    #[test]
    fn pieces_anchor_at_both_ends() {
        let g = Glob::new("a*b*c");
        assert!(g.is_match("abc"));
        assert!(g.is_match("a-b-c"));
        assert!(!g.is_match("a-b-c-d"));
        assert!(!g.is_match("ac"));
        // The prefix and the suffix may not overlap.
        assert!(!Glob::new("ab*ba").is_match("aba"));
        assert!(Glob::new("ab*ba").is_match("abba"));
        assert!(Glob::new("*redis*").is_match("my-redis-1"));
        assert!(Glob::new("**").is_match(""));
        assert_eq!(Glob::new("a*redis*b").longest_piece(), "redis");
        assert_eq!(Glob::new("**").longest_piece(), "");
    }

    proptest! {
        #[test]
        fn matches_like_the_anchored_regex(pattern in "[ab*.\n]{0,6}", s in "[ab.\n]{0,8}") {
            let pattern = format!("{pattern}*");
            prop_assert_eq!(Glob::new(&pattern).is_match(&s), as_regex(&pattern).is_match(&s), "{:?} {:?}", pattern, s);
            let pattern = format!("*{pattern}");
            prop_assert_eq!(Glob::new(&pattern).is_match(&s), as_regex(&pattern).is_match(&s), "{:?} {:?}", pattern, s);
        }
    }
}
