//! Pure parsing of what discovery stores and passes around: `host:port`
//! addresses, the `[from:to]` range syntax, cluster tokens and Go-style
//! durations. No I/O here; everything is unit tested below.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The most addresses one `[from:to]` item may expand to. Classic swarm had
/// no bound, so `10.0.[0:99999999].1:2375` would exhaust memory; 65 536 is
/// a whole /16 or every port.
pub const MAX_RANGE: u64 = 65_536;

/// An engine address as discovery keeps it: `host:port`, with IPv6 hosts in
/// brackets (Go's `net.JoinHostPort`), so entries written by classic swarm
/// tooling round-trip byte for byte.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Addr {
    /// An IPv4 address, an IPv6 address (without its brackets) or a host name.
    pub host: String,
    /// Never 0.
    pub port: u16,
}

/// Why a `host:port` was refused; each variant holds the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddrError {
    /// Not `host:port`: no port, an empty host, or an IPv6 address without brackets.
    #[error("invalid address {0:?}: expected host:port")]
    Form(String),
    /// The port is not a number from 1 to 65535.
    #[error("invalid address {0:?}: the port must be a number from 1 to 65535")]
    Port(String),
    /// The host (the second field) is neither an IP address nor an RFC 1123 host name.
    #[error("invalid address {0:?}: {1:?} is not an IP address or a host name")]
    Host(String, String),
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for Addr {
    type Err = AddrError;

    /// `net.SplitHostPort` semantics, plus checks Go left to the dialer: the
    /// host must be an IPv4 address, a bracketed IPv6 address or an RFC 1123
    /// host name, and the port 1–65535.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let form = || AddrError::Form(s.to_string());
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, p) = rest.split_once(']').ok_or_else(form)?;
            let p = p.strip_prefix(':').ok_or_else(form)?;
            if h.parse::<Ipv6Addr>().is_err() {
                return Err(AddrError::Host(s.to_string(), h.to_string()));
            }
            (h, p)
        } else {
            let (h, p) = s.rsplit_once(':').ok_or_else(form)?;
            if h.contains(':') {
                // An unbracketed IPv6 address is ambiguous (Go: "too many colons").
                return Err(form());
            }
            if !valid_host(h) {
                return Err(AddrError::Host(s.to_string(), h.to_string()));
            }
            (h, p)
        };
        if host.is_empty() {
            return Err(form());
        }
        if p_is_digits(port) {
            match port.parse::<u16>() {
                Ok(n) if n > 0 => Ok(Addr {
                    host: host.to_string(),
                    port: n,
                }),
                _ => Err(AddrError::Port(s.to_string())),
            }
        } else {
            Err(AddrError::Port(s.to_string()))
        }
    }
}

fn p_is_digits(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
}

/// An IPv4 address or an RFC 1123 host name (labels of letters, digits and
/// inner hyphens, at most 63 bytes each, 253 in all).
pub fn valid_host(h: &str) -> bool {
    if h.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    if h.is_empty() || h.len() > 253 {
        return false;
    }
    // All-numeric dotted names are malformed IPv4 addresses, not host names.
    if h.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return false;
    }
    h.trim_end_matches('.').split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// A `[from:to]` range that cannot be expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// Bounds that are not integers, in the wrong order, or more than [`MAX_RANGE`] values apart.
    #[error("bad range {range:?} in {item:?}: {reason}")]
    Bad {
        /// The whole entry.
        item: String,
        /// The `[from:to]` part.
        range: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A second range in one entry.
    #[error("{item:?} has more than one [from:to] range; only one is supported per address")]
    Several {
        /// The whole entry.
        item: String,
    },
}

/// Expands the first `[from:to]` (inclusive, integers) in `item`, as classic
/// swarm's `generator.go` did: `10.0.0.[1:3]:2375` gives three addresses and
/// `h:[2:4]375` gives ports 2375, 3375, 4375.
///
/// Differences from classic swarm, on purpose: a bracketed IPv6 address
/// (`[::1]:2375`) is left alone instead of being mistaken for a range, and a
/// range that cannot be expanded (`[a:5]`, `[9:2]`, a second range, more
/// than [`MAX_RANGE`] values) is an error instead of being passed through
/// as a literal that fails later with a less helpful message.
pub fn expand_range(item: &str) -> Result<Vec<String>, RangeError> {
    let mut found: Option<(usize, usize, u64, u64, usize)> = None;
    let mut pos = 0;
    while let Some(open) = item[pos..].find('[').map(|i| i + pos) {
        let Some(close) = item[open..].find(']').map(|i| i + open) else {
            break;
        };
        let inner = &item[open + 1..close];
        pos = close + 1;
        if inner.parse::<Ipv6Addr>().is_ok() {
            continue;
        }
        let bad = |reason: &str| RangeError::Bad {
            item: item.to_string(),
            range: item[open..=close].to_string(),
            reason: reason.to_string(),
        };
        let Some((from, to)) = inner.split_once(':') else {
            continue;
        };
        if found.is_some() {
            return Err(RangeError::Several {
                item: item.to_string(),
            });
        }
        let num = |s: &str| -> Option<u64> {
            if !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        };
        let (Some(a), Some(b)) = (num(from), num(to)) else {
            return Err(bad("both bounds must be non-negative integers"));
        };
        if a > b {
            return Err(bad("the first bound must not be greater than the second"));
        }
        if b - a >= MAX_RANGE {
            return Err(bad(&format!("it expands to more than {MAX_RANGE} values")));
        }
        found = Some((open, close, a, b, 0));
    }
    match found {
        None => Ok(vec![item.to_string()]),
        Some((open, close, a, b, _)) => Ok((a..=b)
            .map(|n| format!("{}{n}{}", &item[..open], &item[close + 1..]))
            .collect()),
    }
}

/// Expands ranges in each item and parses the results as addresses;
/// empty items are skipped (classic `CreateEntries`).
pub fn expand_addrs<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Vec<Addr>, String> {
    let mut out = Vec::new();
    for item in items {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        for a in expand_range(item).map_err(|e| e.to_string())? {
            out.push(a.parse::<Addr>().map_err(|e| e.to_string())?);
        }
    }
    Ok(out)
}

/// Cluster tokens are 32 lowercase hexadecimal characters, as Docker Hub
/// issued them and `flotilla token create` does.
pub fn valid_token(t: &str) -> bool {
    t.len() == 32
        && t.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A new random token (128 bits from the OS generator).
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Result<Addr, AddrError> {
        s.parse()
    }

    #[test]
    fn addresses_parse_and_print() {
        for (input, host, port) in [
            ("10.0.0.1:2375", "10.0.0.1", 2375),
            ("node-1:1", "node-1", 1),
            ("a.example.com:65535", "a.example.com", 65535),
            ("[::1]:2376", "::1", 2376),
            ("[fe80::1:2]:80", "fe80::1:2", 80),
            ("localhost:2376", "localhost", 2376),
            ("my_host:10", "my_host", 10),
        ] {
            let got = a(input).unwrap();
            assert_eq!((got.host.as_str(), got.port), (host, port), "{input}");
            assert_eq!(got.to_string(), input);
        }
    }

    #[test]
    fn bad_addresses_are_rejected_with_the_reason() {
        for bad in [
            "",
            "10.0.0.1",
            ":2375",
            "host:",
            "::1:2375",
            "[::1]",
            "[::1]2375",
            "[zz]:1",
        ] {
            assert!(a(bad).is_err(), "{bad}");
        }
        for port in ["h:0", "h:65536", "h:-1", "h:12x", "h:999999"] {
            assert!(matches!(a(port), Err(AddrError::Port(_))), "{port}");
        }
        for host in [
            "-a:1",
            "a-:1",
            "a..b:1",
            "a b:1",
            "1.2.3.256:1",
            "1.2.3:1",
            "é:1",
        ] {
            assert!(matches!(a(host), Err(AddrError::Host(..))), "{host}");
        }
        let long = format!("{}:1", "a".repeat(64));
        assert!(a(&long).is_err());
    }

    #[test]
    fn ranges_expand_like_classic_swarm() {
        assert_eq!(
            expand_range("10.0.0.[1:3]:2375").unwrap(),
            vec!["10.0.0.1:2375", "10.0.0.2:2375", "10.0.0.3:2375"]
        );
        assert_eq!(
            expand_range("192.168.1.2:[2:4]375").unwrap(),
            vec!["192.168.1.2:2375", "192.168.1.2:3375", "192.168.1.2:4375"]
        );
        assert_eq!(expand_range("h:[7:7]").unwrap(), vec!["h:7"]);
        assert_eq!(expand_range("plain:1").unwrap(), vec!["plain:1"]);
        assert_eq!(expand_range("[::1]:2375").unwrap(), vec!["[::1]:2375"]);
        assert_eq!(
            expand_range("[fe80::1]:[1:2]").unwrap(),
            vec!["[fe80::1]:1", "[fe80::1]:2"]
        );
        assert_eq!(expand_range("10.0.0.[1:200]:2375").unwrap().len(), 200);
    }

    #[test]
    fn bad_ranges_are_errors() {
        for bad in [
            "10.0.0.[a:5]:1",
            "10.0.0.[5:]:1",
            "10.0.0.[9:2]:1",
            "h:[0:70000]",
            "10.0.[-1:2].1:1",
        ] {
            assert!(
                matches!(expand_range(bad), Err(RangeError::Bad { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            expand_range("10.0.[1:2].[1:2]:1"),
            Err(RangeError::Several { .. })
        ));
        let e = expand_range("10.0.0.[9:2]:1").unwrap_err().to_string();
        assert!(e.contains("[9:2]") && e.contains("10.0.0.[9:2]:1"), "{e}");
    }

    #[test]
    fn address_lists() {
        let got = expand_addrs(["10.0.0.[1:2]:2375", "", " b:1 "]).unwrap();
        let got: Vec<String> = got.iter().map(|a| a.to_string()).collect();
        assert_eq!(got, vec!["10.0.0.1:2375", "10.0.0.2:2375", "b:1"]);
        assert!(expand_addrs(["ok:1", "nope"]).is_err());
        assert!(expand_addrs(["10.0.0.[1:300]:1"]).is_err()); // 10.0.0.256 is no address
    }

    #[test]
    fn tokens() {
        let t = new_token();
        assert!(valid_token(&t), "{t}");
        assert_ne!(t, new_token());
        for bad in ["", "abc", &"A".repeat(32), &"g".repeat(32), &"a".repeat(33)] {
            assert!(!valid_token(bad), "{bad}");
        }
        assert!(valid_token("0123456789abcdef0123456789abcdef"));
    }
}
