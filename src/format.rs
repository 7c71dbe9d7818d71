//! Human text for times and sizes, shared by the TUI and the CLI tables.

use humansize::{BINARY, format_size};
use jiff::{Timestamp, tz::TimeZone};

/// Compact age like k9s and docker ps: `45s`, `12m`, `5h`, `3d`, `2y`.
pub fn age(now: Timestamp, then: Option<Timestamp>) -> String {
    let Some(then) = then else {
        return "-".into();
    };
    let secs = now.as_second().saturating_sub(then.as_second()).max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s if s < 365 * 86_400 => format!("{}d", s / 86_400),
        s => format!("{}y", s / (365 * 86_400)),
    }
}

/// `2026-11-23 10:00` in UTC: the same on every operator's screen and in every snapshot.
pub fn datetime(ts: Option<Timestamp>) -> String {
    match ts {
        Some(ts) => ts
            .to_zoned(TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        None => "-".into(),
    }
}

pub fn bytes(n: u64) -> String {
    format_size(n, BINARY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn ages_pick_the_largest_whole_unit() {
        let now = ts("2026-11-23T12:00:00Z");
        assert_eq!(age(now, Some(ts("2026-11-23T11:59:15Z"))), "45s");
        assert_eq!(age(now, Some(ts("2026-11-23T11:48:00Z"))), "12m");
        assert_eq!(age(now, Some(ts("2026-11-23T07:00:00Z"))), "5h");
        assert_eq!(age(now, Some(ts("2026-11-20T12:00:00Z"))), "3d");
        assert_eq!(age(now, Some(ts("2024-11-20T12:00:00Z"))), "2y");
        assert_eq!(
            age(now, Some(ts("2026-11-24T12:00:00Z"))),
            "0s",
            "clock skew"
        );
        assert_eq!(age(now, None), "-");
    }

    #[test]
    fn datetimes_are_utc_and_sizes_binary() {
        assert_eq!(
            datetime(Some(ts("2026-11-23T11:00:00+01:00"))),
            "2026-11-23 10:00"
        );
        assert_eq!(bytes(10 * 1024 * 1024 * 1024), "10 GiB");
        assert_eq!(bytes(1536), "1.50 KiB");
    }
}
