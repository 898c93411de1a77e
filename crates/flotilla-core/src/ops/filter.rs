//! `ls --filter` (pure): parsing and matching.
//!
//! Filters with the same key are ORed, different keys ANDed, as in
//! docker-machine. `label=KEY` without a value matches any machine that has
//! the label (docker-machine panicked on it).

use regex::Regex;

use crate::driver::State;

/// Why a `--filter` value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    /// The value has no `=`; carries the value.
    #[error("unsupported filter syntax {0:?}: expected KEY=VALUE")]
    Syntax(String),
    /// The key is not one of `driver`, `label`, `name`, `state`, `swarm`; carries it, lowercased.
    #[error("unsupported filter key {0:?}; supported keys: driver, label, name, state, swarm")]
    UnknownKey(String),
    /// A `name=` value is not a regular expression.
    #[error("invalid name filter {pattern:?}: {message}")]
    Regex {
        /// The value after `name=`.
        pattern: String,
        /// The regex crate's verdict: the last line of its multi-line error.
        message: String,
    },
}

/// The parsed `--filter` values, by key. An empty list does not filter; values of one key are
/// ORed, keys ANDed.
#[derive(Debug, Default, Clone)]
pub struct Filters {
    /// Driver names, compared without case.
    pub driver: Vec<String>,
    /// State names (`Running`, `Stopped`, …, or `none`), compared without case; the only filter
    /// that needs to ask the driver.
    pub state: Vec<String>,
    /// Unanchored regular expressions on the machine's name.
    pub name: Vec<Regex>,
    /// Swarm master names: a machine matches when it belongs to the swarm of that master.
    pub swarm: Vec<String>,
    /// Engine labels `KEY=VALUE` (value compared without case), or `KEY` alone (`None`): any
    /// value.
    pub label: Vec<(String, Option<String>)>,
}

/// What the static filters look at; no network needed.
pub struct Subject<'a> {
    /// The machine's name.
    pub name: &'a str,
    /// Its driver's name.
    pub driver: &'a str,
    /// Its engine labels, as `(key, value)`.
    pub labels: Vec<(&'a str, &'a str)>,
    /// The name of its swarm's master; `None` outside a swarm.
    pub swarm_master: Option<&'a str>,
}

impl Filters {
    /// Parses `KEY=VALUE` items (keys without case); the first bad item is the error.
    pub fn parse(raw: &[String]) -> Result<Filters, FilterError> {
        let mut f = Filters::default();
        for item in raw {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| FilterError::Syntax(item.clone()))?;
            match k.to_ascii_lowercase().as_str() {
                "driver" => f.driver.push(v.to_string()),
                "state" => f.state.push(v.to_string()),
                "name" => f.name.push(Regex::new(v).map_err(|e| {
                    FilterError::Regex {
                        pattern: v.to_string(),
                        // regex errors are multi-line drawings; keep the verdict.
                        message: e
                            .to_string()
                            .lines()
                            .rfind(|l| !l.trim().is_empty())
                            .unwrap_or("invalid regex")
                            .trim()
                            .to_string(),
                    }
                })?),
                "swarm" => f.swarm.push(v.to_string()),
                "label" => match v.split_once('=') {
                    Some((lk, lv)) => f.label.push((lk.to_string(), Some(lv.to_string()))),
                    None => f.label.push((v.to_string(), None)),
                },
                other => return Err(FilterError::UnknownKey(other.to_string())),
            }
        }
        Ok(f)
    }

    /// True when a `state` filter is given: matching then needs each machine's state from its
    /// driver.
    pub fn has_state(&self) -> bool {
        !self.state.is_empty()
    }

    /// Every filter except `state`.
    pub fn matches_static(&self, s: &Subject<'_>) -> bool {
        let any = |v: &Vec<String>, f: &dyn Fn(&String) -> bool| v.is_empty() || v.iter().any(f);
        any(&self.driver, &|d| d.eq_ignore_ascii_case(s.driver))
            && (self.name.is_empty() || self.name.iter().any(|r| r.is_match(s.name)))
            && any(&self.swarm, &|w| {
                s.swarm_master.is_some_and(|m| m.eq_ignore_ascii_case(w))
            })
            && (self.label.is_empty()
                || self.label.iter().any(|(k, v)| {
                    s.labels.iter().any(|(lk, lv)| {
                        lk == k && v.as_ref().is_none_or(|v| v.eq_ignore_ascii_case(lv))
                    })
                }))
    }

    /// A record that cannot be read has only a name: it passes when no
    /// filter needs more than that.
    pub fn matches_unreadable(&self, name: &str) -> bool {
        self.driver.is_empty()
            && self.label.is_empty()
            && self.swarm.is_empty()
            && (self.name.is_empty() || self.name.iter().any(|r| r.is_match(name)))
    }

    /// The `state` filter alone; `none` matches the state [`State::None`] (an unknown state).
    pub fn matches_state(&self, state: State) -> bool {
        self.state.is_empty()
            || self.state.iter().any(|s| {
                s.eq_ignore_ascii_case(state.as_str())
                    || (state == State::None && s.eq_ignore_ascii_case("none"))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subj<'a>(name: &'a str, driver: &'a str, labels: Vec<(&'a str, &'a str)>) -> Subject<'a> {
        Subject {
            name,
            driver,
            labels,
            swarm_master: Some("master"),
        }
    }

    fn f(items: &[&str]) -> Filters {
        Filters::parse(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            Filters::parse(&["nope".into()]).unwrap_err(),
            FilterError::Syntax("nope".into())
        );
        assert_eq!(
            Filters::parse(&["color=red".into()]).unwrap_err(),
            FilterError::UnknownKey("color".into())
        );
        assert!(matches!(
            Filters::parse(&["name=(".into()]),
            Err(FilterError::Regex { .. })
        ));
    }

    #[test]
    fn or_within_key_and_across_keys() {
        let s = subj("node-1", "none", vec![("public", "yes")]);
        assert!(f(&["driver=NONE"]).matches_static(&s));
        assert!(f(&["driver=generic", "driver=none"]).matches_static(&s));
        assert!(!f(&["driver=none", "name=^x"]).matches_static(&s));
        assert!(f(&["name=ode"]).matches_static(&s), "unanchored regex");
        assert!(f(&["swarm=MASTER"]).matches_static(&s));
        assert!(!f(&["swarm=other"]).matches_static(&s));
    }

    #[test]
    fn labels_with_and_without_value() {
        let s = subj("a", "none", vec![("public", "yes"), ("flag", "")]);
        assert!(f(&["label=public=YES"]).matches_static(&s));
        assert!(!f(&["label=public=no"]).matches_static(&s));
        assert!(f(&["label=public"]).matches_static(&s));
        assert!(f(&["label=flag"]).matches_static(&s));
        assert!(!f(&["label=model"]).matches_static(&s));
        assert!(f(&["label=x=y=z", "label=public"]).matches_static(&s));
    }

    #[test]
    fn state() {
        assert!(f(&["state=running"]).matches_state(State::Running));
        assert!(!f(&["state=stopped"]).matches_state(State::Running));
        assert!(f(&["state=none"]).matches_state(State::None));
        assert!(f(&[]).matches_state(State::Error));
    }
}
