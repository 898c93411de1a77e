//! Docker's `filters` query parameter: a JSON object of key → values, in either of the two
//! shapes dockerd accepts (`{"label":["a=b"]}` from bollard and newer clients,
//! `{"label":{"a=b":true}}` from the docker CLI), and the matching rules dockerd applies
//! (`ExactMatch`, `FuzzyMatch`, `MatchKVList`).

use std::collections::BTreeMap;

use serde_json::Value;

/// Parsed filters; an absent or empty parameter gives no filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters(BTreeMap<String, Vec<String>>);

impl Filters {
    /// Parses the (already percent-decoded) `filters` parameter.
    pub fn parse(raw: Option<&str>) -> Result<Filters, String> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(Filters::default());
        };
        let v: Value =
            serde_json::from_str(raw).map_err(|e| format!("invalid filters {raw:?}: {e}"))?;
        let Value::Object(map) = v else {
            return Err(format!("invalid filters {raw:?}: not a JSON object"));
        };
        let mut out = BTreeMap::new();
        for (k, v) in map {
            let values: Vec<String> = match v {
                Value::Array(items) => items
                    .into_iter()
                    .map(|i| match i {
                        Value::String(s) => Ok(s),
                        other => Err(format!("invalid filter value for {k}: {other}")),
                    })
                    .collect::<Result<_, _>>()?,
                Value::Object(m) => m
                    .into_iter()
                    .filter(|(_, on)| on.as_bool().unwrap_or(false))
                    .map(|(s, _)| s)
                    .collect(),
                Value::String(s) => vec![s],
                other => return Err(format!("invalid filter value for {k}: {other}")),
            };
            out.insert(k, values);
        }
        Ok(Filters(out))
    }

    /// The keys, for validation against what an endpoint accepts.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn get(&self, key: &str) -> &[String] {
        self.0.get(key).map(Vec::as_slice).unwrap_or_default()
    }

    /// No such key, or `source` is one of its values.
    pub fn exact_match(&self, key: &str, source: &str) -> bool {
        match self.0.get(key) {
            None => true,
            Some(values) => values.iter().any(|v| v == source),
        }
    }

    /// No such key, or one of its values equals `source` or is a prefix of it.
    pub fn fuzzy_match(&self, key: &str, source: &str) -> bool {
        match self.0.get(key) {
            None => true,
            Some(values) => values.iter().any(|v| source.starts_with(v.as_str())),
        }
    }

    /// No such key, or every value (`k` or `k=v`) holds for `lookup`.
    pub fn match_kv<'a>(&self, key: &str, lookup: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.get(key).iter().all(|want| match want.split_once('=') {
            Some((k, v)) => lookup(k) == Some(v),
            None => lookup(want).is_some(),
        })
    }
}

/// Decodes a query string into (key, value) pairs (`+` is a space, `%XX` a byte).
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect()
}

/// `%XX` → the byte (and, in a query, `+` → a space); invalid escapes are kept as they are.
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query parameters by name (the first value wins, as with Go's `Form.Get`).
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn of(query: Option<&str>) -> Query {
        Query(query_pairs(query))
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Go's `httputils.BoolValue`: anything but "", "0", "no", "false", "none" is true.
    pub fn flag(&self, key: &str) -> bool {
        match self.get(key) {
            None => false,
            Some(v) => !matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "" | "0" | "no" | "false" | "none"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_parse() {
        let a = Filters::parse(Some(r#"{"label":["a=b","c"],"type":["container"]}"#)).unwrap();
        let b = Filters::parse(Some(
            r#"{"label":{"a=b":true,"c":true},"type":{"container":true}}"#,
        ))
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.get("label"), ["a=b", "c"]);
        assert!(Filters::parse(Some("[1]")).is_err());
        assert!(Filters::parse(Some("{")).is_err());
        assert_eq!(Filters::parse(Some("")).unwrap(), Filters::default());
    }

    #[test]
    fn matching_rules() {
        let f = Filters::parse(Some(r#"{"name":["web"],"label":["a=b","c"]}"#)).unwrap();
        assert!(f.exact_match("type", "anything"));
        assert!(f.exact_match("name", "web"));
        assert!(!f.exact_match("name", "web1"));
        assert!(f.fuzzy_match("name", "web1"));
        assert!(!f.fuzzy_match("name", "api"));
        let labels = [("a", "b"), ("c", "")];
        let look = |k: &str| labels.iter().find(|(x, _)| *x == k).map(|(_, v)| *v);
        assert!(f.match_kv("label", look));
        let only_a = [("a", "b")];
        let look = |k: &str| only_a.iter().find(|(x, _)| *x == k).map(|(_, v)| *v);
        assert!(!f.match_kv("label", look));
    }

    #[test]
    fn queries_decode() {
        let q = Query::of(Some(
            "all=1&filters=%7B%22a%22%3A%5B%22b+c%22%5D%7D&x=%zz&force=false",
        ));
        assert!(q.flag("all"));
        assert!(!q.flag("force"));
        assert!(!q.flag("missing"));
        assert_eq!(q.get("filters"), Some(r#"{"a":["b c"]}"#));
        assert_eq!(q.get("x"), Some("%zz"));
    }
}
