//! Constraint, affinity and whitelist expressions: `<key><op><value>`.
//!
//! The grammar and the error texts are classic Swarm's (`scheduler/filter/expr.go`):
//!
//! * the operator is found by looking for `==` anywhere first, then `!=`; the text is split on the
//!   first occurrence. Anything else fails with "One of operator ==, != is expected";
//! * the key matches `^(?i)[a-z_][a-z0-9\-_.]+$` (so at least two characters) and is lowercased;
//! * the value matches `^(?i)[=!\/]?(~)?[a-z0-9:\-_\s\.\*/\(\)\?\+\[\]\\\^\$\|]+$`; a leading `~`
//!   makes the rule *soft* and is stripped.
//!
//! Matching: a value written `/re/` is an unanchored regular expression; anything else is a glob,
//! anchored and case-sensitive, in which **only `*` is special** and matches any run of characters,
//! newlines included (upstream turned `*` into `.*` and left `.`, `+`, `?`, … live as regex
//! metacharacters; here they match themselves, a documented difference).
//! `==` holds when **any** candidate string matches, `!=` when **none** does.
//!
//! Another difference, for the better: a `/re/` that is not a valid regular expression is rejected
//! when the expression is parsed (upstream logged it and treated it as "no match").

use std::fmt;

use regex::Regex;

use super::glob::Glob;

/// `==` or `!=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Holds when any candidate matches.
    Eq,
    /// Holds when no candidate matches.
    Ne,
}

impl Op {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

/// The most memory one `/regex/` may compile to (its program), and the most its lazy DFA may
/// cache while matching: a request's expressions are compiled from text any client sends, and a
/// few characters (`/\w{1000}/`) can otherwise ask for megabytes each.
pub const MAX_REGEX_SIZE: usize = 1 << 20;

/// Why an expression text is not an expression. The texts are classic Swarm's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    /// Neither `==` nor `!=` appears.
    #[error("One of operator ==, != is expected")]
    NoOperator,
    /// The key is not `[a-z_][a-z0-9-_.]+` (case-insensitive).
    #[error("Key '{0}' is invalid")]
    InvalidKey(String),
    /// The value has a character outside the allowed set, or is empty.
    #[error("Value '{0}' is invalid")]
    InvalidValue(String),
    /// The value is `/re/` but `re` does not compile.
    #[error("Value '{value}' is not a valid regular expression: {reason}")]
    InvalidRegex {
        /// The value as written.
        value: String,
        /// The regex compiler's complaint.
        reason: String,
    },
}

/// How a value matches a candidate string; compiled once at parse time.
#[derive(Debug, Clone)]
enum Matcher {
    /// A glob without `*`: plain equality.
    Exact(String),
    /// `*` alone: matches everything, including `""`.
    Any,
    /// A glob with `*`.
    Glob(Glob),
    /// A `/re/` (unanchored).
    Regex(Regex),
}

/// A parsed expression: `key`, operator, value (without the soft `~`) and softness.
#[derive(Debug, Clone)]
pub struct Expr {
    key: String,
    op: Op,
    value: String,
    soft: bool,
    matcher: Matcher,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
            && self.op == other.op
            && self.value == other.value
            && self.soft == other.soft
    }
}

impl Eq for Expr {}

fn key_is_valid(key: &str) -> bool {
    let mut chars = key.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    let rest = chars.as_str();
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The value body character set of upstream's regex (`\s` is RE2's ASCII `[\t\n\f\r ]`).
fn value_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            ':' | '-'
                | '_'
                | '\t'
                | '\n'
                | '\x0c'
                | '\r'
                | ' '
                | '.'
                | '*'
                | '/'
                | '('
                | ')'
                | '?'
                | '+'
                | '['
                | ']'
                | '\\'
                | '^'
                | '$'
                | '|'
        )
}

/// `(~)?[set]+`
fn body_is_valid(s: &str) -> bool {
    let s = s.strip_prefix('~').unwrap_or(s);
    !s.is_empty() && s.chars().all(value_char)
}

/// `[=!\/]?(~)?[set]+`, trying with and without the optional first character.
fn value_is_valid(value: &str) -> bool {
    if body_is_valid(value) {
        return true;
    }
    match value.chars().next() {
        Some(c @ ('=' | '!' | '/')) => body_is_valid(&value[c.len_utf8()..]),
        _ => false,
    }
}

impl Expr {
    /// Parse one expression, e.g. `region==us-east`, `node!=~n1`, `image==/redis:[0-9]+/`.
    pub fn parse(text: &str) -> Result<Expr, ExprError> {
        let (op, (key, value)) = if let Some(parts) = text.split_once("==") {
            (Op::Eq, parts)
        } else if let Some(parts) = text.split_once("!=") {
            (Op::Ne, parts)
        } else {
            return Err(ExprError::NoOperator);
        };
        if !key_is_valid(key) {
            return Err(ExprError::InvalidKey(key.to_string()));
        }
        if !value_is_valid(value) {
            return Err(ExprError::InvalidValue(value.to_string()));
        }
        let soft = value.starts_with('~');
        let value = value.trim_start_matches('~').to_string();
        let matcher = Self::compile(&value)?;
        Ok(Expr {
            key: key.to_ascii_lowercase(),
            op,
            value,
            soft,
            matcher,
        })
    }

    fn compile(value: &str) -> Result<Matcher, ExprError> {
        if value.len() >= 2 && value.starts_with('/') && value.ends_with('/') {
            let inner = &value[1..value.len() - 1];
            return regex::RegexBuilder::new(inner)
                .size_limit(MAX_REGEX_SIZE)
                .dfa_size_limit(MAX_REGEX_SIZE)
                .build()
                .map(Matcher::Regex)
                .map_err(|e| ExprError::InvalidRegex {
                    value: value.to_string(),
                    reason: match e {
                        regex::Error::CompiledTooBig(limit) => format!(
                            "it compiles to more than {} KiB, the limit for one rule's regular expression",
                            limit >> 10
                        ),
                        e => e
                            .to_string()
                            .lines()
                            .last()
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    },
                });
        }
        if value == "*" {
            return Ok(Matcher::Any);
        }
        if !value.contains('*') {
            return Ok(Matcher::Exact(value.to_string()));
        }
        Ok(Matcher::Glob(Glob::new(value)))
    }

    /// The key, lowercased.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn op(&self) -> Op {
        self.op
    }

    /// The value, without the soft marker `~`.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the rule is soft (`==~` / `!=~`): ignored by the fallback pass.
    pub fn is_soft(&self) -> bool {
        self.soft
    }

    /// The value when it matches only itself (a glob without `*`), for exact lookups.
    pub fn exact_value(&self) -> Option<&str> {
        match &self.matcher {
            Matcher::Exact(v) => Some(v),
            _ => None,
        }
    }

    /// Whether one string matches the value (glob or regex), regardless of the operator.
    pub fn value_matches(&self, candidate: &str) -> bool {
        match &self.matcher {
            Matcher::Exact(v) => v == candidate,
            Matcher::Any => true,
            Matcher::Glob(g) => g.is_match(candidate),
            Matcher::Regex(re) => re.is_match(candidate),
        }
    }

    /// A text every matching string contains, for searching many strings at once; `None` when
    /// there is none to use (`*`, a `/re/`).
    pub(crate) fn required_text(&self) -> Option<&str> {
        match &self.matcher {
            Matcher::Exact(v) => Some(v),
            Matcher::Glob(g) => Some(g.longest_piece()).filter(|p| !p.is_empty()),
            Matcher::Any | Matcher::Regex(_) => None,
        }
    }

    /// Evaluate the expression over a set of candidate strings: `==` any matches, `!=` none does.
    pub fn matches<'a, I>(&self, candidates: I) -> bool
    where
        I: IntoIterator<Item = &'a str>,
    {
        let any = candidates.into_iter().any(|c| self.value_matches(c));
        match self.op {
            Op::Eq => any,
            Op::Ne => !any,
        }
    }

    /// `key==value (soft=false)`: how affinities and whitelists appear in error lines.
    pub fn describe_with_softness(&self) -> String {
        format!(
            "{}{}{} (soft={})",
            self.key,
            self.op.as_str(),
            self.value,
            self.soft
        )
    }

    /// `key==value`: how constraints appear in error lines (softness not shown, as upstream).
    pub fn describe(&self) -> String {
        format!("{}{}{}", self.key, self.op.as_str(), self.value)
    }
}

/// Prints the expression so that parsing the text gives the same expression back
/// (`node==~n1` stays `node==~n1`).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}{}{}",
            self.key,
            self.op.as_str(),
            if self.soft { "~" } else { "" },
            self.value
        )
    }
}

impl std::str::FromStr for Expr {
    type Err = ExprError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Expr::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Expr {
        Expr::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_operators_and_softness() {
        let e = p("region==us-east");
        assert_eq!(
            (e.key(), e.op(), e.value(), e.is_soft()),
            ("region", Op::Eq, "us-east", false)
        );
        let e = p("node!=~n1");
        assert_eq!(
            (e.key(), e.op(), e.value(), e.is_soft()),
            ("node", Op::Ne, "n1", true)
        );
        let e = p("Storage==~ssd");
        assert_eq!(e.key(), "storage");
        assert!(e.is_soft());
    }

    #[test]
    fn equality_is_found_before_inequality() {
        // "a!=b==c" splits on "==" first, so the key is "a!=b", which is invalid.
        assert_eq!(
            Expr::parse("a!=b==c"),
            Err(ExprError::InvalidKey("a!=b".into()))
        );
        // A leading '=' or '!' in the value is allowed.
        let e = p("key===x");
        assert_eq!(e.value(), "=x");
        let e = p("key==!x");
        assert_eq!(e.value(), "!x");
    }

    #[test]
    fn error_texts_are_upstreams() {
        assert_eq!(
            Expr::parse("region=us").unwrap_err().to_string(),
            "One of operator ==, != is expected"
        );
        assert_eq!(
            Expr::parse("region=!us").unwrap_err(),
            ExprError::NoOperator
        );
        assert_eq!(
            Expr::parse("r==x").unwrap_err().to_string(),
            "Key 'r' is invalid"
        );
        assert_eq!(
            Expr::parse("a b==x").unwrap_err().to_string(),
            "Key 'a b' is invalid"
        );
        assert_eq!(
            Expr::parse("1a==x").unwrap_err().to_string(),
            "Key '1a' is invalid"
        );
        assert_eq!(
            Expr::parse("a*==x").unwrap_err().to_string(),
            "Key 'a*' is invalid"
        );
        assert_eq!(
            Expr::parse("==x").unwrap_err().to_string(),
            "Key '' is invalid"
        );
        assert_eq!(
            Expr::parse("key==").unwrap_err().to_string(),
            "Value '' is invalid"
        );
        assert_eq!(
            Expr::parse("image==~ima~ge").unwrap_err().to_string(),
            "Value '~ima~ge' is invalid"
        );
        assert_eq!(
            Expr::parse("key==a,b").unwrap_err().to_string(),
            "Value 'a,b' is invalid"
        );
        assert_eq!(
            Expr::parse("key==a@b").unwrap_err().to_string(),
            "Value 'a@b' is invalid"
        );
        assert_eq!(
            Expr::parse("key==~").unwrap_err().to_string(),
            "Value '~' is invalid"
        );
        assert_eq!(
            Expr::parse("key==é").unwrap_err().to_string(),
            "Value 'é' is invalid"
        );
        assert!(matches!(
            Expr::parse("key==/(/").unwrap_err(),
            ExprError::InvalidRegex { .. }
        ));
    }

    #[test]
    fn globs_are_anchored_case_sensitive_and_only_star_is_special() {
        let e = p("image==redis*");
        assert!(e.matches(["redis:7"]));
        assert!(e.matches(["redis"]));
        assert!(!e.matches(["myredis"]));
        assert!(!e.matches(["Redis"]));
        let e = p("name==a.c");
        assert!(e.matches(["a.c"]));
        assert!(!e.matches(["abc"]), "a dot in a glob is a literal dot");
        let e = p("name==a+");
        assert!(!e.matches(["aa"]));
        assert!(e.matches(["a+"]));
        let e = p("name==*");
        assert!(e.matches([""]));
        let e = p("name==a*b*c");
        assert!(e.matches(["abc", "zzz"]));
        assert!(e.matches(["a-b-c"]));
        assert!(!e.matches(["a-b-c-d"]));
    }

    #[test]
    fn a_regex_too_big_to_compile_is_refused_with_the_reason() {
        // 300 Unicode word classes: a 600-byte text that compiles to megabytes.
        let text = format!("node==/{}/", r"\w".repeat(300));
        let e = Expr::parse(&text).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "Value '/{}/' is not a valid regular expression: it compiles to more than 1024 KiB, the limit for one rule's regular expression",
                r"\w".repeat(300)
            )
        );
        // Ordinary ones are well within the limit.
        assert!(Expr::parse("node==/^(web|db)-[0-9]+$/").is_ok());
        assert!(Expr::parse(&format!("node==/{}/", r"\w".repeat(10))).is_ok());
    }

    #[test]
    fn regexes_are_unanchored() {
        let e = p("name==/dis/");
        assert!(e.matches(["redis"]));
        let e = p("name==/^r.d/");
        assert!(e.matches(["redis"]));
        assert!(!e.matches(["Redis"]));
        let e = p("name==/(?i)^r.d/");
        assert!(e.matches(["REDIS"]));
        // A single "/" is a glob, not an empty regex.
        let e = p("name==/");
        assert!(e.matches(["/"]));
        assert!(!e.matches(["x"]));
    }

    #[test]
    fn eq_is_any_and_ne_is_none() {
        let eq = p("key==a");
        let ne = p("key!=a");
        assert!(eq.matches(["b", "a"]));
        assert!(!ne.matches(["b", "a"]));
        assert!(!eq.matches([]));
        assert!(ne.matches([]));
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "region==us-east",
            "node!=~n1",
            "image==/redis:[0-9]+/",
            "key===x",
            "key==~*",
        ] {
            assert_eq!(p(s).to_string(), s);
        }
        assert_eq!(p("Region==x").to_string(), "region==x");
        assert_eq!(
            p("node==~n1").describe_with_softness(),
            "node==n1 (soft=true)"
        );
        assert_eq!(p("node==~n1").describe(), "node==n1");
    }

    fn arb_value() -> impl Strategy<Value = String> {
        proptest::string::string_regex(r"[=!/]?~?[a-zA-Z0-9:\-_ .*/()?+\[\]\\^$|]{1,12}").unwrap()
    }

    proptest! {
        #[test]
        fn parse_print_parse_round_trips(key in "[a-zA-Z_][a-zA-Z0-9._-]{1,10}", op in prop_oneof![Just("=="), Just("!=")], value in arb_value()) {
            let text = format!("{key}{op}{value}");
            if let Ok(e) = Expr::parse(&text) {
                let printed = e.to_string();
                let again = Expr::parse(&printed);
                prop_assert_eq!(again.as_ref(), Ok(&e), "{} -> {}", text, printed);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,24}") {
            let _ = Expr::parse(&text);
        }

        #[test]
        fn eq_and_ne_are_complements(value in "[a-z*.]{1,6}", cands in proptest::collection::vec("[a-z.]{0,6}", 0..5)) {
            let eq = Expr::parse(&format!("key=={value}")).unwrap();
            let ne = Expr::parse(&format!("key!={value}")).unwrap();
            let c: Vec<&str> = cands.iter().map(String::as_str).collect();
            prop_assert_ne!(eq.matches(c.iter().copied()), ne.matches(c.iter().copied()));
        }
    }
}
