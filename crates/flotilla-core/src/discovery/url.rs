//! Discovery URLs, parsed without I/O. The forms are classic swarm's
//! (`docs/discovery.md`), with errors that name the URL instead of failing
//! later on a connection.

use super::addr::{self, Addr};

/// Where etcd keeps nodes under the URL's prefix (classic swarm's default
/// `kv.path` for `join`, `manage` and `list`).
pub const ETCD_NODES_PATH: &str = "docker/swarm/nodes";

/// A parsed discovery URL: the backend it names and what that backend needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryUrl {
    /// `token://TOKEN`: the embedded registry, or the service named by
    /// `--discovery-url`; `token://HOST[:PORT][/PATH]/TOKEN`: the service
    /// at `https://HOST[:PORT][/PATH]`.
    Token {
        /// The cluster token: 32 lowercase hexadecimal characters.
        token: String,
        /// `https://HOST[:PORT][/PATH]` when the URL names its service; `None` for
        /// `token://TOKEN`.
        service: Option<String>,
    },
    /// `file://PATH`: one address per line.
    File {
        /// The list file's path, as written after `file://`.
        path: String,
    },
    /// `nodes://a:1,b:2` or a bare `a:1,b:2`, ranges expanded.
    Nodes {
        /// The addresses, ranges expanded; never empty.
        addrs: Vec<Addr>,
    },
    /// `etcd://h1:2379,h2:2379[/prefix]`.
    Etcd {
        /// etcd's client endpoints (port 2379 when none is given); never empty.
        endpoints: Vec<Addr>,
        /// The key prefix, without leading or trailing `/`; empty for none.
        prefix: String,
    },
}

/// A discovery URL that does not parse; the message quotes the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid discovery URL {url:?}: {reason}")]
pub struct UrlError {
    /// The URL as given.
    pub url: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The schemes flotilla supports, as its error messages list them.
pub const SCHEMES: &str = "token://, file://, nodes:// and etcd://";

impl DiscoveryUrl {
    /// Parses a discovery URL, without I/O. A string without `://` is a `nodes://` list, as in
    /// classic Swarm; `consul://` and `zk://` are refused by name.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let err = |reason: String| UrlError {
            url: url.to_string(),
            reason,
        };
        let (scheme, rest) = match url.split_once("://") {
            Some((s, r)) => (s, r),
            None => ("nodes", url),
        };
        match scheme {
            "token" => {
                if rest.is_empty() {
                    return Err(err("token is empty".into()));
                }
                let (service, token) = match rest.rsplit_once('/') {
                    None => (None, rest),
                    Some((base, token)) => {
                        let host = base.split('/').next().unwrap_or_default();
                        if host.is_empty() {
                            return Err(err("the token service host is empty".into()));
                        }
                        if with_default_port(host, 443).parse::<Addr>().is_err() {
                            return Err(err(format!(
                                "{host:?} is not a host or host:port for the token service"
                            )));
                        }
                        (Some(format!("https://{base}")), token)
                    }
                };
                if token.is_empty() {
                    return Err(err("token is empty".into()));
                }
                if !addr::valid_token(token) {
                    return Err(err(format!(
                        "{token:?} is not a cluster token (32 lowercase hexadecimal characters, as `flotilla token create` prints)"
                    )));
                }
                Ok(DiscoveryUrl::Token {
                    token: token.to_string(),
                    service,
                })
            }
            "file" => {
                if rest.is_empty() {
                    return Err(err("the file path is empty".into()));
                }
                Ok(DiscoveryUrl::File {
                    path: rest.to_string(),
                })
            }
            "nodes" => {
                let addrs = addr::expand_addrs(rest.split(',')).map_err(|e| {
                    if scheme == "nodes" && !url.starts_with("nodes://") {
                        err(format!("{e} (missing token:// ?)"))
                    } else {
                        err(e)
                    }
                })?;
                if addrs.is_empty() {
                    return Err(err("the node list is empty".into()));
                }
                Ok(DiscoveryUrl::Nodes { addrs })
            }
            "etcd" => {
                let (hosts, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                let mut endpoints = Vec::new();
                for h in hosts.split(',') {
                    let h = h.trim();
                    if h.is_empty() {
                        continue;
                    }
                    endpoints.push(
                        with_default_port(h, 2379)
                            .parse::<Addr>()
                            .map_err(|e| err(format!("etcd endpoint: {e}")))?,
                    );
                }
                if endpoints.is_empty() {
                    return Err(err("no etcd endpoint (etcd://HOST:2379[/prefix])".into()));
                }
                let prefix = prefix.trim_matches('/');
                if prefix.split('/').any(|s| s == "." || s == "..")
                    || prefix.contains("//")
                    || prefix.chars().any(|c| c.is_control() || c.is_whitespace())
                {
                    return Err(err(format!("{prefix:?} is not a usable key prefix")));
                }
                Ok(DiscoveryUrl::Etcd {
                    endpoints,
                    prefix: prefix.to_string(),
                })
            }
            "consul" | "zk" => Err(err(format!(
                "{scheme}:// is not supported by flotilla; use {SCHEMES}"
            ))),
            "" => Err(err(format!("the scheme is empty; use {SCHEMES}"))),
            other => Err(err(format!("unknown scheme {other:?}; use {SCHEMES}"))),
        }
    }

    /// The etcd directory holding node keys: `<prefix>/docker/swarm/nodes`.
    pub fn etcd_dir(prefix: &str) -> String {
        if prefix.is_empty() {
            ETCD_NODES_PATH.to_string()
        } else {
            format!("{prefix}/{ETCD_NODES_PATH}")
        }
    }
}

/// `h` with `:port` added when it has none (`[::1]` counts as none).
fn with_default_port(h: &str, port: u16) -> String {
    let has_port = if h.starts_with('[') {
        !h.ends_with(']')
    } else {
        h.contains(':')
    };
    if has_port {
        h.to_string()
    } else {
        format!("{h}:{port}")
    }
}

/// The base URL requests are made under (`{base}/clusters/…`) for a token
/// service named by `--discovery-url`: a URL without a path gets `/v1`, the
/// Docker Hub layout; with a path it is used as given, like the classic
/// `token://HOST/PATH/TOKEN` form.
pub fn service_base(url: &str) -> Result<String, UrlError> {
    let err = |reason: &str| UrlError {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| err("a token service URL starts with http:// or https://"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() {
        return Err(err("the host is empty"));
    }
    if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace()) {
        return Err(err("a token service URL has no query, fragment or spaces"));
    }
    let scheme_len = url.len() - rest.len();
    let base = &url[..scheme_len + host.len()];
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        Ok(format!("{base}/v1"))
    } else {
        Ok(format!("{base}/{path}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "0123456789abcdef0123456789abcdef";

    fn p(s: &str) -> Result<DiscoveryUrl, UrlError> {
        DiscoveryUrl::parse(s)
    }

    #[test]
    fn token_forms() {
        assert_eq!(
            p(&format!("token://{T}")).unwrap(),
            DiscoveryUrl::Token {
                token: T.into(),
                service: None
            }
        );
        assert_eq!(
            p(&format!("token://custom/path/{T}")).unwrap(),
            DiscoveryUrl::Token {
                token: T.into(),
                service: Some("https://custom/path".into())
            }
        );
        assert_eq!(
            p(&format!("token://127.0.0.1:8400/v1/{T}")).unwrap(),
            DiscoveryUrl::Token {
                token: T.into(),
                service: Some("https://127.0.0.1:8400/v1".into())
            }
        );
        for bad in [
            "token://".to_string(),
            "token://abc".to_string(),
            format!("token://host/{}", "A".repeat(32)),
            "token://host/".to_string(),
            format!("token:///{T}"),
            format!("token://bad host/{T}"),
            format!("token://h:0/{T}"),
        ] {
            let e = p(&bad).unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
        assert!(p("token://").unwrap_err().reason.contains("token is empty"));
    }

    #[test]
    fn file_nodes_and_bare_lists() {
        assert_eq!(
            p("file:///tmp/c").unwrap(),
            DiscoveryUrl::File {
                path: "/tmp/c".into()
            }
        );
        assert!(p("file://").is_err());
        let DiscoveryUrl::Nodes { addrs } = p("nodes://10.0.0.[1:3]:2375,b:1").unwrap() else {
            panic!()
        };
        assert_eq!(addrs.len(), 4);
        let DiscoveryUrl::Nodes { addrs } = p("10.0.0.1:2375,10.0.0.2:2375").unwrap() else {
            panic!()
        };
        assert_eq!(addrs.len(), 2);
        let e = p("10.0.0.1").unwrap_err();
        assert!(e.reason.contains("missing token://"), "{e}");
        assert!(p("nodes://").is_err());
        assert!(
            p("nodes://a:1,[3:1]:1")
                .unwrap_err()
                .reason
                .contains("bad range")
        );
    }

    #[test]
    fn etcd_forms() {
        let DiscoveryUrl::Etcd { endpoints, prefix } =
            p("etcd://127.0.0.1:2379,h2/swarm/prod/").unwrap()
        else {
            panic!()
        };
        let e: Vec<String> = endpoints.iter().map(|a| a.to_string()).collect();
        assert_eq!(e, vec!["127.0.0.1:2379", "h2:2379"]);
        assert_eq!(prefix, "swarm/prod");
        assert_eq!(
            DiscoveryUrl::etcd_dir(&prefix),
            "swarm/prod/docker/swarm/nodes"
        );
        assert_eq!(DiscoveryUrl::etcd_dir(""), "docker/swarm/nodes");
        let DiscoveryUrl::Etcd { endpoints, .. } = p("etcd://[::1]").unwrap() else {
            panic!()
        };
        assert_eq!(endpoints[0].to_string(), "[::1]:2379");
        for bad in [
            "etcd://",
            "etcd:///p",
            "etcd://h:99999",
            "etcd://h/a/../b",
            "etcd://h/a b",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_and_unsupported_schemes() {
        let e = p("consul://h:8500/x").unwrap_err();
        assert!(e.reason.contains("not supported"), "{e}");
        let e = p("bogus://x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid discovery URL \"bogus://x\": unknown scheme \"bogus\"; use token://, file://, nodes:// and etcd://"
        );
        assert!(p("://x").is_err());
    }

    #[test]
    fn service_bases() {
        assert_eq!(
            service_base("http://127.0.0.1:8400").unwrap(),
            "http://127.0.0.1:8400/v1"
        );
        assert_eq!(
            service_base("https://d.example/").unwrap(),
            "https://d.example/v1"
        );
        assert_eq!(
            service_base("https://d.example/disco/v1/").unwrap(),
            "https://d.example/disco/v1"
        );
        for bad in [
            "",
            "ftp://x",
            "http://",
            "http:///x",
            "http://h/?a",
            "http://h x",
        ] {
            assert!(service_base(bad).is_err(), "{bad}");
        }
    }
}
