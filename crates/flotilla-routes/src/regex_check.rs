//! What nginx (PCRE, a backtracking matcher) would reject or pay dearly for in a regex that
//! Rust's `regex` crate (a linear-time automaton) accepts: checked before a regex reaches the
//! configuration, so one container cannot make `nginx -t` refuse everybody's routes or let
//! anonymous requests burn CPU.
//!
//! Two rules, each with its reason:
//!
//! * **Named captures must not name an nginx variable.** nginx turns every named capture of a
//!   `server_name` or `location` regex into a variable: a built-in one (`host`, `uri`, …) makes
//!   `nginx -t` fail with `duplicate variable`, and one that shadows a variable of the generated
//!   configuration (`proxy_*`, `http_*`, …) would silently change the headers sent to every
//!   backend. Names are compared case-insensitively, as nginx does.
//! * **No nested repetition.** Under a repetition that can loop (`*`, `+`, `{n,}`, `{n,m}` with
//!   m > 1), neither another such repetition nor an alternation may appear. That is the "star
//!   height one" rule of ReDoS checkers, extended to alternation: `(a|a)+`, `(a+)+` and
//!   `(x+\.)*` are refused, because a backtracking matcher tries exponentially many ways to
//!   split a non-matching input among them. Every host pattern stays expressible with classes:
//!   `[a-z0-9.-]+\.example\.com` instead of `([a-z0-9-]+\.)+example\.com`, `[ab]+` instead of
//!   `(a|b)+`.

use regex_syntax::ast::{self, Ast, GroupKind, RepetitionKind, RepetitionRange};

/// The compiled size Rust's regex may reach for one host or path pattern.
pub const SIZE_LIMIT: usize = 256 * 1024;

/// Variables nginx defines itself (http core and the modules of Debian's and the official
/// image's builds), plus those this renderer defines with `map`.
const VARIABLES: &[&str] = &[
    "ancient_browser",
    "args",
    "binary_remote_addr",
    "body_bytes_sent",
    "bytes_received",
    "bytes_sent",
    "connection",
    "connection_requests",
    "connection_time",
    "connections_active",
    "connections_reading",
    "connections_waiting",
    "connections_writing",
    "content_length",
    "content_type",
    "date_gmt",
    "date_local",
    "document_root",
    "document_uri",
    "gzip_ratio",
    "host",
    "host_port",
    "hostname",
    "http2",
    "http3",
    "https",
    "invalid_referer",
    "is_args",
    "limit_rate",
    "modern_browser",
    "msec",
    "msie",
    "nginx_version",
    "pid",
    "pipe",
    "query_string",
    "realpath_root",
    "remote_addr",
    "remote_port",
    "remote_user",
    "request",
    "request_body",
    "request_body_file",
    "request_completion",
    "request_filename",
    "request_id",
    "request_length",
    "request_method",
    "request_time",
    "request_uri",
    "scheme",
    "server_addr",
    "server_name",
    "server_port",
    "server_protocol",
    "status",
    "time_iso8601",
    "time_local",
    "uri",
];

/// Families of variables: every name with one of these prefixes is nginx's (or the
/// configuration's own).
const PREFIXES: &[&str] = &[
    "arg_",
    "cookie_",
    "http_",
    "sent_http_",
    "sent_trailer_",
    "upstream_",
    "proxy_",
    "ssl_",
    "realip_",
    "geoip",
    "limit_",
    "tcpinfo_",
    "uid_",
    "secure_link",
    "fastcgi_",
    "uwsgi_",
    "scgi_",
    "grpc_",
    "memcached_",
    "session_",
    "slice_",
    "jwt_",
    "flotilla_",
];

/// True when a named capture called `name` would collide with an nginx variable.
pub fn is_nginx_variable(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    VARIABLES.contains(&lower.as_str()) || PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Checks one regex (without nginx's `~`) against both rules; the error is one sentence that
/// names the rule.
pub fn check(re: &str) -> Result<(), String> {
    let ast = ast::parse::Parser::new()
        .parse(re)
        .map_err(|e| format!("regex does not compile: {}", e.kind()))?;
    let mut captures = Vec::new();
    walk(&ast, 0, &mut captures)?;
    for name in captures {
        if is_nginx_variable(&name) {
            return Err(format!(
                "the named capture \"{name}\" would redefine nginx's variable ${name} (nginx rejects or misroutes that); rename it"
            ));
        }
    }
    if let Err(e) = regex::RegexBuilder::new(re).size_limit(SIZE_LIMIT).build() {
        let last = e.to_string().lines().last().unwrap_or_default().to_string();
        return Err(format!("regex does not compile: {last}"));
    }
    Ok(())
}

/// True when a repetition can match its operand more than once.
fn loops(kind: &RepetitionKind) -> bool {
    match kind {
        RepetitionKind::ZeroOrOne => false,
        RepetitionKind::ZeroOrMore | RepetitionKind::OneOrMore => true,
        RepetitionKind::Range(RepetitionRange::Exactly(_)) => false,
        RepetitionKind::Range(RepetitionRange::AtLeast(_)) => true,
        RepetitionKind::Range(RepetitionRange::Bounded(_, max)) => *max > 1,
    }
}

/// Collects named captures and enforces the nesting rule; `depth` counts enclosing loops.
fn walk(ast: &Ast, depth: usize, captures: &mut Vec<String>) -> Result<(), String> {
    const NESTED: &str = "a repeated group contains another repetition or an alternation, which a backtracking matcher (nginx's PCRE) can take exponential time on; use a character class instead, e.g. [a-z0-9.-]+ or [ab]+";
    match ast {
        Ast::Repetition(r) => {
            let l = loops(&r.op.kind);
            if l && depth > 0 {
                return Err(NESTED.to_string());
            }
            walk(&r.ast, depth + usize::from(l), captures)
        }
        Ast::Alternation(a) => {
            if depth > 0 {
                return Err(NESTED.to_string());
            }
            for x in &a.asts {
                walk(x, depth, captures)?;
            }
            Ok(())
        }
        Ast::Concat(c) => {
            for x in &c.asts {
                walk(x, depth, captures)?;
            }
            Ok(())
        }
        Ast::Group(g) => {
            if let GroupKind::CaptureName { name, .. } = &g.kind {
                captures.push(name.name.clone());
            }
            walk(&g.ast, depth, captures)
        }
        Ast::Empty(_)
        | Ast::Flags(_)
        | Ast::Literal(_)
        | Ast::Dot(_)
        | Ast::Assertion(_)
        | Ast::ClassUnicode(_)
        | Ast::ClassPerl(_)
        | Ast::ClassBracketed(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_patterns_pass() {
        for re in [
            r"^foo\.bar\..*\.nip\.io$",
            r"^(?<name>[a-z]+)\.nip\.io$",
            r"^(?P<sub>[a-z0-9-]+)\.x\.com$",
            r"^(www|api)\.example\.com$",
            r"^[a-z0-9.-]+\.example\.com$",
            r"^a{2}\.b;c$",
            r"^(ab)?c+$",
            r"^(a{3})+$",
            r"^/(a|b)/",
        ] {
            assert_eq!(check(re), Ok(()), "{re}");
        }
    }

    #[test]
    fn catastrophic_patterns_are_refused() {
        for re in [
            r"^(a|a)+$",
            r"^(a+)+$",
            r"^(a*)*$",
            r"^([a-z0-9-]+\.)+example\.com$",
            r"^(?:a|b){2,10}$",
            r"^((ab)*c)+$",
            r"^(x?y+)*$",
        ] {
            let e = check(re).expect_err(re);
            assert!(e.contains("exponential time"), "{re}: {e}");
        }
    }

    #[test]
    fn captures_naming_nginx_variables_are_refused() {
        for (re, name) in [
            (r"^(?<host>.+)\.dup\.test$", "host"),
            (r"^(?<Host>.+)\.dup\.test$", "Host"),
            (r"^(?<uri>.+)$", "uri"),
            (r"^(?<http_x_forwarded_proto>.+)$", "http_x_forwarded_proto"),
            (r"^(?<proxy_connection>.+)$", "proxy_connection"),
            (r"^(?<ssl_anything>.+)$", "ssl_anything"),
        ] {
            let e = check(re).expect_err(re);
            assert!(e.contains(&format!("\"{name}\"")), "{re}: {e}");
        }
        assert!(!is_nginx_variable("name"));
        assert!(!is_nginx_variable("sub"));
    }

    #[test]
    fn oversized_and_invalid_patterns_are_refused() {
        assert!(check("(").expect_err("(").contains("does not compile"));
        let huge = format!("^{}$", r"\w{1000}".repeat(20));
        assert!(check(&huge).expect_err("huge").contains("does not compile"));
    }
}
