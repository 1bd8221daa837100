//! Timestamps are UTC and written as RFC 3339 with milliseconds, so that two
//! nodes always render the same instant as the same text.

use chrono::{DateTime, SecondsFormat, Utc};

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses an RFC 3339 timestamp in any offset and returns it in UTC.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_utc_with_millis() {
        let t = parse_rfc3339("2022-02-15T19:00:00.000-05:00").expect("valid");
        assert_eq!(rfc3339(t), "2022-02-16T00:00:00.000Z");
    }
}
