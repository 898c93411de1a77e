//! Per-engine text from a pattern: `{i}` is the engine's index (from 0), `{i%N}` and `{i/N}`
//! its remainder and quotient, so `zone=z{i%4}` spreads engines over four zones.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Index,
    Modulo(usize),
    Divide(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern(Vec<Piece>);

impl Pattern {
    pub fn parse(s: &str) -> Result<Pattern, String> {
        let mut pieces = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| format!("{s:?}: '{{' without '}}'"))?;
            let inner = after[..close].replace(' ', "");
            let number = |n: &str| -> Result<usize, String> {
                n.parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{s:?}: {{{inner}}} needs a positive number"))
            };
            pieces.push(if inner == "i" {
                Piece::Index
            } else if let Some(n) = inner.strip_prefix("i%") {
                Piece::Modulo(number(n)?)
            } else if let Some(n) = inner.strip_prefix("i/") {
                Piece::Divide(number(n)?)
            } else {
                return Err(format!(
                    "{s:?}: unknown placeholder {{{inner}}} (use {{i}}, {{i%N}} or {{i/N}})"
                ));
            });
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(format!("{s:?}: '}}' without '{{'"));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Pattern(pieces))
    }

    pub fn expand(&self, i: usize) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Index => out.push_str(&i.to_string()),
                Piece::Modulo(n) => out.push_str(&(i % n).to_string()),
                Piece::Divide(n) => out.push_str(&(i / n).to_string()),
            }
        }
        out
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            match p {
                Piece::Text(t) => write!(f, "{t}")?,
                Piece::Index => write!(f, "{{i}}")?,
                Piece::Modulo(n) => write!(f, "{{i%{n}}}")?,
                Piece::Divide(n) => write!(f, "{{i/{n}}}")?,
            }
        }
        Ok(())
    }
}

/// `k=v,k2=v2` label patterns; every item needs a key and `=`.
pub fn parse_labels(s: &str) -> Result<Vec<Pattern>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('=') {
            Some((k, _)) if !k.trim().is_empty() => Pattern::parse(l),
            _ => Err(format!("label {l:?}: expected KEY=VALUE")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand() {
        let p = Pattern::parse("zone=z{i%4}-{i/10}-{i}").unwrap();
        assert_eq!(p.expand(0), "zone=z0-0-0");
        assert_eq!(p.expand(23), "zone=z3-2-23");
        assert_eq!(p.to_string(), "zone=z{i%4}-{i/10}-{i}");
        assert_eq!(Pattern::parse("plain").unwrap().expand(7), "plain");
    }

    #[test]
    fn bad_patterns_are_refused() {
        assert!(Pattern::parse("z{i%0}").is_err());
        assert!(Pattern::parse("z{j}").is_err());
        assert!(Pattern::parse("z{i").is_err());
        assert!(Pattern::parse("z}").is_err());
        assert!(parse_labels("zone").is_err());
        assert!(parse_labels("=x").is_err());
        let l = parse_labels("zone=z{i%4}, model=m{i%3},").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].expand(4), "model=m1");
    }
}
