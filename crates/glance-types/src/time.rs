//! Timestamps as Glance shows them: UTC, `YYYY-MM-DDTHH:MM:SSZ`.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// A point in time, UTC, with microsecond precision (what the database keeps).
pub type Timestamp = DateTime<Utc>;

/// The current time truncated to microseconds, so that it round-trips through every database.
pub fn now() -> Timestamp {
    let t = Utc::now();
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Formats a timestamp the way the Images API does: seconds precision with a `Z`.
pub fn format_timestamp(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses an ISO 8601 timestamp as accepted by list filters (`2026-11-24T16:17:28Z`,
/// with an offset, with fractions, or without a zone meaning UTC).
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(n.and_utc());
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|n| n.and_utc());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_without_fraction() {
        let t = parse_timestamp("2026-11-24T16:17:28.123456Z").unwrap();
        assert_eq!(format_timestamp(&t), "2026-11-24T16:17:28Z");
    }

    #[test]
    fn parses_common_forms() {
        assert!(parse_timestamp("2026-11-24T16:17:28").is_some());
        assert!(parse_timestamp("2026-11-24T16:17:28+01:00").is_some());
        assert!(parse_timestamp("2026-11-24").is_some());
        assert!(parse_timestamp("yesterday").is_none());
    }
}
