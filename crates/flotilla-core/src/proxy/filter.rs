//! `--container-filter` (docker-gen's `-container-filter`): which containers one proxy routes,
//! so one engine can carry containers for several proxies.
//!
//! The watcher reads containers from the swarm's model, which holds every container of every
//! engine, so the filter is evaluated here rather than by the engine. It keeps `docker ps
//! --filter`'s meaning for the keys it takes: values of one key are ORed, different keys ANDed;
//! `label=KEY` asks for the label, `label=KEY=VALUE` for that value; `name` and `id` match a
//! value exactly or, as the engine does, as an unanchored regular expression. Other `ps` keys
//! are refused when the proxy starts rather than silently ignored.

use std::collections::BTreeMap;

use regex::Regex;

use super::source::ProxyContainer;

/// The keys a filter may use.
pub const KEYS: &[&str] = &["label", "name", "id", "health"];

/// The largest compiled pattern a `name` or `id` value may produce (the scheduler's bound).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Why a filter was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    /// A `ps` key this filter does not evaluate.
    #[error("unsupported container filter key {0:?} (supported: label, name, id, health)")]
    UnknownKey(String),
    /// An empty value, or `label==V`.
    #[error("container filter {key}={value:?}: empty value")]
    Empty {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
    },
    /// A `name` or `id` value that is not a usable regular expression.
    #[error("container filter {key}={value:?}: {message}")]
    Pattern {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
        /// The regex compiler's reason.
        message: String,
    },
}

/// One value of `name` or `id`: equal to it, or matched by it as a regular expression.
#[derive(Debug, Clone)]
struct Pattern {
    exact: String,
    regex: Regex,
}

impl Pattern {
    fn matches(&self, s: &str) -> bool {
        s == self.exact || self.regex.is_match(s)
    }
}

/// A parsed `--container-filter` set. The default selects every container.
#[derive(Debug, Clone, Default)]
pub struct ContainerFilter {
    labels: Vec<(String, Option<String>)>,
    names: Vec<Pattern>,
    ids: Vec<Pattern>,
    health: Vec<String>,
}

impl ContainerFilter {
    /// Parses `(key, value)` pairs as given on the command line.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FilterError> {
        let mut f = ContainerFilter::default();
        for (key, value) in pairs {
            let empty = || FilterError::Empty {
                key: key.to_string(),
                value: value.to_string(),
            };
            if value.is_empty() {
                return Err(empty());
            }
            match key {
                "label" => {
                    let (k, v) = match value.split_once('=') {
                        Some((k, v)) => (k, Some(v.to_string())),
                        None => (value, None),
                    };
                    if k.is_empty() {
                        return Err(empty());
                    }
                    f.labels.push((k.to_string(), v));
                }
                "name" | "id" => {
                    let regex = regex::RegexBuilder::new(value)
                        .size_limit(REGEX_SIZE_LIMIT)
                        .build()
                        .map_err(|e| FilterError::Pattern {
                            key: key.to_string(),
                            value: value.to_string(),
                            message: e.to_string(),
                        })?;
                    let p = Pattern {
                        exact: value.to_string(),
                        regex,
                    };
                    if key == "name" {
                        f.names.push(p);
                    } else {
                        f.ids.push(p);
                    }
                }
                "health" => f.health.push(value.to_string()),
                other => return Err(FilterError::UnknownKey(other.to_string())),
            }
        }
        Ok(f)
    }

    /// True when the filter selects every container.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
            && self.names.is_empty()
            && self.ids.is_empty()
            && self.health.is_empty()
    }

    /// Whether the container is selected.
    pub fn selects(&self, c: &ProxyContainer) -> bool {
        self.selects_parts(&c.id, &c.name, &c.labels, c.health.as_deref())
    }

    fn selects_parts(
        &self,
        id: &str,
        name: &str,
        labels: &BTreeMap<String, String>,
        health: Option<&str>,
    ) -> bool {
        // Docker ANDs label filters (each must hold) and ORs the values of other keys.
        let labels_ok = self.labels.iter().all(|(k, v)| match v {
            None => labels.contains_key(k),
            Some(v) => labels.get(k) == Some(v),
        });
        let any = |ps: &[Pattern], s: &str| ps.is_empty() || ps.iter().any(|p| p.matches(s));
        let health_ok =
            self.health.is_empty() || self.health.iter().any(|h| h == health.unwrap_or("none"));
        labels_ok && any(&self.names, name) && any(&self.ids, id) && health_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_are_anded_and_take_a_key_or_a_value() {
        let f = ContainerFilter::parse([("label", "a=1"), ("label", "b")]).unwrap();
        assert!(f.selects_parts("x", "n", &labels(&[("a", "1"), ("b", "")]), None));
        assert!(!f.selects_parts("x", "n", &labels(&[("a", "1")]), None));
        assert!(!f.selects_parts("x", "n", &labels(&[("a", "2"), ("b", "z")]), None));
        // a value holding `=` stays whole
        let f = ContainerFilter::parse([("label", "k=v=w")]).unwrap();
        assert!(f.selects_parts("x", "n", &labels(&[("k", "v=w")]), None));
        assert!(!f.selects_parts("x", "n", &labels(&[("k", "v")]), None));
    }

    #[test]
    fn names_and_ids_match_exactly_or_as_unanchored_regexes_ored() {
        let f = ContainerFilter::parse([("name", "web"), ("name", "^db$")]).unwrap();
        assert!(f.selects_parts("x", "my-web-1", &labels(&[]), None));
        assert!(f.selects_parts("x", "db", &labels(&[]), None));
        assert!(!f.selects_parts("x", "db2", &labels(&[]), None));
        let f = ContainerFilter::parse([("id", "abc")]).unwrap();
        assert!(f.selects_parts("abc123", "n", &labels(&[]), None));
        assert!(!f.selects_parts("123", "n", &labels(&[]), None));
        // an exact value that is not a valid regex is refused, not ignored
        assert!(matches!(
            ContainerFilter::parse([("name", "a(")]),
            Err(FilterError::Pattern { .. })
        ));
    }

    #[test]
    fn health_without_a_check_is_none() {
        let f = ContainerFilter::parse([("health", "none")]).unwrap();
        assert!(f.selects_parts("x", "n", &labels(&[]), None));
        assert!(!f.selects_parts("x", "n", &labels(&[]), Some("healthy")));
    }

    #[test]
    fn unknown_keys_and_empty_values_are_refused() {
        assert_eq!(
            ContainerFilter::parse([("status", "running")]).unwrap_err(),
            FilterError::UnknownKey("status".into())
        );
        assert!(matches!(
            ContainerFilter::parse([("label", "=v")]),
            Err(FilterError::Empty { .. })
        ));
        assert!(ContainerFilter::parse([]).unwrap().is_empty());
    }
}
