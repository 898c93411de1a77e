//! Durations as every flag, URL option and config value of flotilla spells them: Go's
//! `time.ParseDuration` grammar (`60s`, `1m30s`, `1.5h`, `250ms`), plus a bare number meaning
//! seconds. One grammar, so `--timeout 1m30s` and `?heartbeat=1m30s` mean the same.

use std::fmt;
use std::time::Duration;

/// A signed duration, as Go's `time.ParseDuration` reads it, so the classic
/// validation messages ("--delay should not be a negative number") can be
/// given instead of a parse error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoDuration {
    /// Nanoseconds, signed and wider than Go's int64, so no input the grammar accepts
    /// overflows before it can be judged.
    pub nanos: i128,
}

impl GoDuration {
    /// For the flags that must not be negative, which Go's grammar (unlike
    /// [`std::time::Duration`]) can express.
    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// `None` when negative.
    pub fn to_std(self) -> Option<Duration> {
        u64::try_from(self.nanos).ok().map(Duration::from_nanos)
    }
}

impl fmt::Display for GoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.nanos as f64 / 1e9;
        write!(f, "{secs}s")
    }
}

/// Parses `60s`, `1m30s`, `1.5h`, `250ms`, `-5s`, `0`, and (friendlier than
/// Go) a bare number meaning seconds.
pub fn parse_go_duration(s: &str) -> Result<GoDuration, String> {
    let err = || {
        format!(
            "invalid duration {s:?}: expected for example 60s, 1m30s or 500ms (units ns, us, ms, s, m, h)"
        )
    };
    let t = s.trim();
    let (neg, mut rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if rest.is_empty() {
        return Err(err());
    }
    if rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let v: f64 = rest.parse().map_err(|_| err())?;
        return finish(neg, v * 1e9).ok_or_else(err);
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            return Err(err());
        }
        let v: f64 = rest[..n].parse().map_err(|_| err())?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return Err(err()),
        };
        rest = &rest[u..];
        total += v * scale;
    }
    finish(neg, total).ok_or_else(err)
}

fn finish(neg: bool, nanos: f64) -> Option<GoDuration> {
    // Go's limit is about 290 years; anything near it is a typo.
    if !nanos.is_finite() || nanos > 1e18 {
        return None;
    }
    let n = nanos.round() as i128;
    Some(GoDuration {
        nanos: if neg { -n } else { n },
    })
}

/// The longest duration a flag takes: a year (anything longer is a typo).
const MAX_SECS: f64 = 86400.0 * 365.0;

/// A positive duration (timeouts, intervals): the Go grammar without a sign, at most a year.
pub fn parse_positive(s: &str) -> Result<Duration, String> {
    let g = parse_go_duration(s)?;
    let secs = g.nanos as f64 / 1e9;
    if g.nanos <= 0 || secs > MAX_SECS {
        return Err(format!("invalid duration {:?}: must be positive", s.trim()));
    }
    g.to_std()
        .ok_or_else(|| format!("invalid duration {:?}: must be positive", s.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let d = |s: &str| parse_go_duration(s).unwrap().nanos;
        assert_eq!(d("60s"), 60_000_000_000);
        assert_eq!(d("1m30s"), 90_000_000_000);
        assert_eq!(d("1.5h"), 5_400_000_000_000);
        assert_eq!(d("250ms"), 250_000_000);
        assert_eq!(d("0"), 0);
        assert_eq!(d("0s"), 0);
        assert_eq!(d("10"), 10_000_000_000);
        assert_eq!(d("-5s"), -5_000_000_000);
        assert_eq!(d("1h2m3s4ms"), 3_723_004_000_000);
        assert!(parse_go_duration("-5s").unwrap().is_negative());
        assert_eq!(
            parse_go_duration("2s").unwrap().to_std(),
            Some(Duration::from_secs(2))
        );
        assert_eq!(parse_go_duration("-2s").unwrap().to_std(), None);
        for bad in ["", "-", "s", "5x", "5 s", "1e3s", "..s", "9999999999h"] {
            assert!(parse_go_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn positive_durations() {
        assert_eq!(parse_positive("10").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_positive("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_positive("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_positive("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_positive("1m30s").unwrap(), Duration::from_secs(90));
        for bad in ["", "0", "-1", "abc", "5x", "1e400", "400d", "9000h"] {
            assert!(parse_positive(bad).is_err(), "{bad}");
        }
    }
}
