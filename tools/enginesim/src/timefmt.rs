//! Time as dockerd writes and reads it: RFC 3339 with trimmed nanoseconds (Go's
//! `RFC3339Nano`), `seconds[.nanoseconds]` timestamps for `since`/`until`, and the
//! "Up 5 minutes" phrases of the container list (Go's `units.HumanDuration`).

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch, now.
pub fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Go's zero `time.Time`, which dockerd prints for "never" (`FinishedAt` of a running container).
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// `2026-12-03T08:06:27.120501038Z`, trailing zeros of the fraction trimmed as Go does;
/// [`ZERO_TIME`] for 0.
pub fn rfc3339(nanos: i64) -> String {
    if nanos == 0 {
        return ZERO_TIME.to_string();
    }
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos)) else {
        return ZERO_TIME.to_string();
    };
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let frac = t.nanosecond();
    if frac != 0 {
        let digits = format!("{frac:09}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// A `since`/`until` value: `seconds[.fraction]` (what the docker CLI and bollard send) or
/// RFC 3339. `None` for an empty value.
pub fn parse_timestamp(value: &str) -> Result<Option<i64>, String> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return i64::try_from(t.unix_timestamp_nanos())
            .map(Some)
            .map_err(|_| format!("timestamp out of range: {v}"));
    }
    let (secs, frac) = v.split_once('.').unwrap_or((v, ""));
    let bad = || format!("invalid timestamp {v:?} (seconds[.nanoseconds] or RFC 3339)");
    let secs: i64 = secs.parse().map_err(|_| bad())?;
    if !frac.chars().all(|c| c.is_ascii_digit()) || frac.len() > 9 {
        return Err(bad());
    }
    let nanos: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<9}").parse().map_err(|_| bad())?
    };
    secs.checked_mul(1_000_000_000)
        .and_then(|s| s.checked_add(if secs < 0 { -nanos } else { nanos }))
        .map(Some)
        .ok_or_else(bad)
}

/// Go's `units.HumanDuration`, which dockerd uses for the list's `Status` ("Up 5 minutes",
/// "Exited (0) 2 hours ago").
pub fn human_duration(nanos: i64) -> String {
    let d = nanos.max(0) as f64 / 1e9;
    let seconds = d as i64;
    if seconds < 1 {
        return "Less than a second".into();
    }
    if seconds == 1 {
        return "1 second".into();
    }
    if seconds < 60 {
        return format!("{seconds} seconds");
    }
    let minutes = (d / 60.0) as i64;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = (d / 3600.0 + 0.5) as i64;
    if hours == 1 {
        return "About an hour".into();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", (d / 3600.0) as i64 / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_trims_like_go() {
        assert_eq!(rfc3339(0), ZERO_TIME);
        assert_eq!(
            rfc3339(1_796_285_187_120_501_038),
            "2026-12-03T08:06:27.120501038Z"
        );
        assert_eq!(
            rfc3339(1_796_285_187_120_000_000),
            "2026-12-03T08:06:27.12Z"
        );
        assert_eq!(rfc3339(1_796_285_187_000_000_000), "2026-12-03T08:06:27Z");
    }

    #[test]
    fn timestamps_parse_in_both_forms() {
        assert_eq!(parse_timestamp("").unwrap(), None);
        assert_eq!(
            parse_timestamp("1796285178").unwrap(),
            Some(1_796_285_178_000_000_000)
        );
        assert_eq!(
            parse_timestamp("1796285178.5").unwrap(),
            Some(1_796_285_178_500_000_000)
        );
        assert_eq!(
            parse_timestamp("1796285178.000000001").unwrap(),
            Some(1_796_285_178_000_000_001)
        );
        assert_eq!(
            parse_timestamp("2026-12-03T08:06:27.12Z").unwrap(),
            Some(1_796_285_187_120_000_000)
        );
        assert!(parse_timestamp("soon").is_err());
        assert!(parse_timestamp("1.x").is_err());
    }

    #[test]
    fn human_durations_match_go_units() {
        let s = 1_000_000_000i64;
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(s), "1 second");
        assert_eq!(human_duration(59 * s), "59 seconds");
        assert_eq!(human_duration(60 * s), "About a minute");
        assert_eq!(human_duration(5 * 60 * s), "5 minutes");
        assert_eq!(human_duration(3600 * s), "About an hour");
        assert_eq!(human_duration(5 * 3600 * s), "5 hours");
        assert_eq!(human_duration(3 * 86400 * s), "3 days");
        assert_eq!(human_duration(21 * 86400 * s), "3 weeks");
        assert_eq!(human_duration(90 * 86400 * s), "3 months");
        assert_eq!(human_duration(3 * 365 * 86400 * s), "3 years");
    }
}
