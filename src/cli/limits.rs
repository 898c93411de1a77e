//! The flags that bound what one client may cost a server (`manage`, `discovery serve`), with
//! each server's defaults shown in its `--help` (`flotilla_core::serve::Limits`).

use std::time::Duration;

use super::parse_duration;
use flotilla_core::serve::Limits;

/// Byte sizes on the command line: a number of bytes, or with a binary unit: `1024`, `512KiB`,
/// `64MiB`, `1GiB` (docker's `k`, `m`, `g` mean the same).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let err = || format!("invalid size {s:?}: expected bytes, or a number with KiB, MiB or GiB");
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| err())?;
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return Err(err()),
    };
    let v = n.checked_mul(1u64 << shift).ok_or_else(err)?;
    if v == 0 {
        return Err(format!("invalid size {s:?}: must be more than 0"));
    }
    Ok(v)
}

fn parse_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "invalid count {s:?}: expected a whole number above 0"
        )),
    }
}

/// One struct per server, so each shows its own defaults.
macro_rules! limits_args {
    ($name:ident, $heading:literal, $handshake:literal, $header:literal, $idle:literal, $body:literal, $max_body:literal, $conns:literal, $drain:literal) => {
        #[derive(Debug, Clone, clap::Args)]
        #[command(next_help_heading = $heading)]
        pub struct $name {
            /// How long a client may take to finish the TLS handshake
            #[arg(long, default_value = $handshake, value_parser = parse_duration, value_name = "DURATION")]
            pub handshake_timeout: Duration,
            /// How long a request's headers may take to arrive (from the first byte, or from
            /// the connection's start for the first request)
            #[arg(long, default_value = $header, value_parser = parse_duration, value_name = "DURATION")]
            pub header_timeout: Duration,
            /// How long a connection with no request in flight stays open (responses that
            /// stream, such as events and logs -f, and hijacked streams are never cut)
            #[arg(long, default_value = $idle, value_parser = parse_duration, value_name = "DURATION")]
            pub idle_timeout: Duration,
            /// How long a request body may stall between two reads
            #[arg(long, default_value = $body, value_parser = parse_duration, value_name = "DURATION")]
            pub body_timeout: Duration,
            /// The largest request body (bytes, or with KiB, MiB, GiB)
            #[arg(long, default_value = $max_body, value_parser = parse_size, value_name = "SIZE")]
            pub max_body_size: u64,
            /// The most connections at once, counting those still in the TLS handshake; when
            /// reached, the oldest connection that has not yet sent a complete request is closed
            #[arg(long, default_value = $conns, value_parser = parse_count, value_name = "N")]
            pub max_connections: usize,
            /// How long stopping waits for requests in flight
            #[arg(long, default_value = $drain, value_parser = parse_duration, value_name = "DURATION")]
            pub drain_timeout: Duration,
        }

        impl $name {
            pub fn to_limits(&self) -> Limits {
                Limits {
                    handshake_timeout: self.handshake_timeout,
                    header_timeout: self.header_timeout,
                    idle_timeout: self.idle_timeout,
                    body_timeout: self.body_timeout,
                    max_body: self.max_body_size,
                    max_connections: self.max_connections,
                    drain_timeout: self.drain_timeout,
                }
            }
        }
    };
}

limits_args!(
    ManagerLimitsArgs,
    "Client limits",
    "10s",
    "30s",
    "1m",
    "1m",
    "1GiB",
    "512",
    "10s"
);

limits_args!(
    TokenServiceLimitsArgs,
    "Client limits",
    "10s",
    "10s",
    "30s",
    "10s",
    "1KiB",
    "512",
    "10s"
);

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct M {
        #[command(flatten)]
        l: ManagerLimitsArgs,
    }

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        l: TokenServiceLimitsArgs,
    }

    /// The defaults `--help` shows are the library's.
    #[test]
    fn defaults_are_the_librarys() {
        assert_eq!(M::parse_from(["m"]).l.to_limits(), Limits::MANAGER);
        assert_eq!(T::parse_from(["t"]).l.to_limits(), Limits::TOKEN_SERVICE);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("1KiB"), Ok(1024));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        for bad in ["", "0", "1.5MiB", "MiB", "-1", "1TiB", "99999999999999GiB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
