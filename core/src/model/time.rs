//! Calendar arithmetic without a clock: RFC 3339 text to and from seconds since the Unix epoch,
//! and the two ASN.1 time types of certificates (UTCTime, GeneralizedTime).
//!
//! Days are converted with the proleptic Gregorian "days from civil" algorithm (H. Hinnant,
//! <https://howardhinnant.github.io/date_algorithms.html>), in `i64`, so certificate times before
//! 1970 and after 2038 (up to 9999-12-31) work the same as any other.

use alloc::format;
use alloc::string::{String, ToString};
use core::time::Duration;

use pki_types::UnixTime;

use crate::Error;
use crate::text::Quoted;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// A broken-down UTC date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CivilTime {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (negative before 1970).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 }; // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The date of a day number (days since 1970-01-01).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    // `day` and `month` are within 1..=31 and 1..=12 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Whether `year` is a leap year in the proleptic Gregorian calendar.
const fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` of `year`.
const fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether a date and time of day exist (month 1–12, day within the month, 00:00:00–23:59:59).
pub(crate) fn is_valid_date_time(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
) -> bool {
    CivilTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
    }
    .is_valid()
}

impl CivilTime {
    /// Seconds since the Unix epoch (negative before 1970).
    pub(crate) fn to_unix_seconds(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * DAY
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The UTC date and time of a number of seconds since the Unix epoch.
    pub(crate) fn from_unix_seconds(seconds: i64) -> Self {
        let days = seconds.div_euclid(DAY);
        let rest = seconds.rem_euclid(DAY); // [0, 86399]
        let (year, month, day) = civil_from_days(days);
        let rest = u32::try_from(rest).unwrap_or(0);
        Self {
            year,
            month,
            day,
            hour: rest / 3600,
            minute: rest % 3600 / 60,
            second: rest % 60,
        }
    }

    /// Checks the ranges of every field (month 1–12, day within the month, 00:00:00–23:59:59).
    fn is_valid(self) -> bool {
        (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for a number of seconds since the Unix epoch (negative before 1970).
///
/// Years outside 0000–9999 (never produced by a certificate) are written with a sign, as in
/// ISO 8601's expanded representation.
pub(crate) fn format_unix_seconds(seconds: i64) -> String {
    let t = CivilTime::from_unix_seconds(seconds);
    let year = if (0..=9999).contains(&t.year) {
        format!("{:04}", t.year)
    } else {
        format!("{:+05}", t.year)
    };
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.month, t.day, t.hour, t.minute, t.second
    )
}

/// Formats a time as RFC 3339 UTC with second precision: `2025-01-31T23:59:59Z`.
#[must_use]
pub fn format_rfc3339(time: UnixTime) -> String {
    format_unix_seconds(i64::try_from(time.as_secs()).unwrap_or(i64::MAX))
}

/// Reads an RFC 3339 date-time (RFC 3339 §5.6): `2025-01-31T23:59:59Z`,
/// `2025-01-31T23:59:59.5+01:00`, `2025-01-31 23:59:59z`.
///
/// The date and time must both be present, with a `Z` or a numeric UTC offset. `T` and `Z` may be
/// lowercase, and a space may separate date and time (both allowed by RFC 3339 §5.6). Fractions of
/// a second are accepted and dropped (a [`UnixTime`] counts whole seconds). A leap second (`:60`)
/// is read as the first second of the next minute, as POSIX time does. The result must not be
/// before 1970-01-01T00:00:00Z, which a [`UnixTime`] cannot hold.
///
/// # Errors
/// [`Error::InvalidTime`] naming the part that is wrong.
pub fn parse_rfc3339(text: &str) -> Result<UnixTime, Error> {
    let invalid = |reason: &str| Error::InvalidTime {
        input: text.to_string(),
        reason: reason.to_string(),
    };
    let bytes = text.as_bytes();
    if bytes.len() > 64 {
        return Err(invalid("too long for a date-time"));
    }
    let mut p = Parser { bytes, pos: 0 };
    let year = p
        .digits(4)
        .ok_or_else(|| invalid("expected a 4-digit year at the start"))?;
    p.expect(b'-')
        .ok_or_else(|| invalid("expected '-' after the year"))?;
    let month = p
        .digits(2)
        .ok_or_else(|| invalid("expected a 2-digit month after the year"))?;
    p.expect(b'-')
        .ok_or_else(|| invalid("expected '-' after the month"))?;
    let day = p
        .digits(2)
        .ok_or_else(|| invalid("expected a 2-digit day after the month"))?;
    match p.next() {
        Some(b'T' | b't' | b' ') => {}
        None => return Err(invalid("the time of day is missing (e.g. T00:00:00Z)")),
        Some(_) => return Err(invalid("expected 'T' between the date and the time")),
    }
    let hour = p
        .digits(2)
        .ok_or_else(|| invalid("expected a 2-digit hour after 'T'"))?;
    p.expect(b':')
        .ok_or_else(|| invalid("expected ':' after the hour"))?;
    let minute = p
        .digits(2)
        .ok_or_else(|| invalid("expected 2-digit minutes"))?;
    p.expect(b':').ok_or_else(|| {
        invalid("expected ':' and seconds after the minutes (RFC 3339 requires them)")
    })?;
    let second = p
        .digits(2)
        .ok_or_else(|| invalid("expected 2-digit seconds"))?;
    if p.peek() == Some(b'.') {
        p.pos += 1;
        let start = p.pos;
        while p.peek().is_some_and(|b| b.is_ascii_digit()) {
            p.pos += 1;
        }
        if p.pos == start {
            return Err(invalid("expected digits after the decimal point"));
        }
    }
    let offset_seconds: i64 = match p.next() {
        Some(b'Z' | b'z') => 0,
        Some(sign @ (b'+' | b'-')) => {
            let h = p
                .digits(2)
                .ok_or_else(|| invalid("expected a 2-digit offset hour"))?;
            p.expect(b':')
                .ok_or_else(|| invalid("expected ':' in the UTC offset"))?;
            let m = p
                .digits(2)
                .ok_or_else(|| invalid("expected 2-digit offset minutes"))?;
            if h > 23 || m > 59 {
                return Err(invalid("the UTC offset is out of range"));
            }
            let magnitude = i64::from(h) * 3600 + i64::from(m) * 60;
            if sign == b'+' { magnitude } else { -magnitude }
        }
        None => return Err(invalid("the UTC offset is missing (add 'Z' for UTC)")),
        Some(_) => return Err(invalid("expected 'Z' or a UTC offset such as +01:00")),
    };
    if p.pos != bytes.len() {
        return Err(invalid("unexpected characters after the date-time"));
    }
    // A leap second is folded into the next minute; everything else must be in range.
    let leap = u32::from(second == 60);
    let civil = CivilTime {
        year: i64::from(year),
        month,
        day,
        hour,
        minute,
        second: second - leap,
    };
    if !civil.is_valid() {
        return Err(invalid("the date or time is out of range"));
    }
    let seconds = civil.to_unix_seconds() + i64::from(leap) - offset_seconds;
    let seconds = u64::try_from(seconds)
        .map_err(|_| invalid("before 1970-01-01T00:00:00Z, which certbind cannot represent"))?;
    Ok(UnixTime::since_unix_epoch(Duration::from_secs(seconds)))
}

/// A cursor over ASCII text.
struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, wanted: u8) -> Option<()> {
        (self.next()? == wanted).then_some(())
    }

    /// Exactly `count` ASCII digits as a number.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let mut value = 0u32;
        for _ in 0..count {
            let b = self.next()?;
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        Some(value)
    }
}

/// What is wrong with a certificate time (see [`parse_certificate_time`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeProblem {
    /// Not 13 (UTCTime) or 15 (GeneralizedTime) characters ending in `Z`.
    Form,
    /// A character that should be a digit is not one.
    NonDigit,
    /// A month, day, hour, minute or second out of range.
    InvalidDate,
}

/// The content of an ASN.1 UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) as
/// RFC 5280 §4.1.2.5 requires them, as seconds since the Unix epoch.
///
/// UTCTime years 50–99 are 1950–1999 and 00–49 are 2000–2049 (RFC 5280 §4.1.2.5.1).
pub(crate) fn certificate_time(generalized: bool, content: &[u8]) -> Result<i64, TimeProblem> {
    let expected_len = if generalized { 15 } else { 13 };
    if content.len() != expected_len || content.last() != Some(&b'Z') {
        return Err(TimeProblem::Form);
    }
    let mut p = Parser {
        bytes: content,
        pos: 0,
    };
    let mut two = || p.digits(2).ok_or(TimeProblem::NonDigit);
    let year = if generalized {
        i64::from(two()?) * 100 + i64::from(two()?)
    } else {
        let yy = i64::from(two()?);
        if yy >= 50 { 1900 + yy } else { 2000 + yy }
    };
    let civil = CivilTime {
        year,
        month: two()?,
        day: two()?,
        hour: two()?,
        minute: two()?,
        second: two()?,
    };
    if !civil.is_valid() {
        return Err(TimeProblem::InvalidDate);
    }
    Ok(civil.to_unix_seconds())
}

/// [`certificate_time`] with the problem in words, naming the time as it was written.
pub(crate) fn parse_certificate_time(generalized: bool, content: &[u8]) -> Result<i64, String> {
    certificate_time(generalized, content).map_err(|problem| {
        let kind = if generalized {
            "GeneralizedTime"
        } else {
            "UTCTime"
        };
        let text = String::from_utf8_lossy(content);
        match problem {
            TimeProblem::Form => format!(
                "{kind} {} is not in the form RFC 5280 requires ({})",
                Quoted(&text),
                if generalized {
                    "YYYYMMDDHHMMSSZ"
                } else {
                    "YYMMDDHHMMSSZ"
                }
            ),
            TimeProblem::NonDigit => format!("{kind} {} has a non-digit", Quoted(&text)),
            TimeProblem::InvalidDate => format!("{kind} {} is not a valid date", Quoted(&text)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_days_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        for days in (-800_000..3_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn certificate_times_follow_rfc5280_year_rules() {
        // Expected values: `date -u -d '1950-01-01' +%s` and `date -u -d '2049-12-31 23:59:59' +%s`.
        assert_eq!(
            parse_certificate_time(false, b"500101000000Z"),
            Ok(-631_152_000)
        );
        assert_eq!(
            parse_certificate_time(false, b"491231235959Z"),
            Ok(2_524_607_999)
        );
        assert_eq!(
            parse_certificate_time(true, b"19500101000000Z"),
            Ok(-631_152_000)
        );
        assert!(parse_certificate_time(false, b"500101000000").is_err());
        assert!(parse_certificate_time(false, b"500230000000Z").is_err());
        assert!(parse_certificate_time(true, b"20240229120000.5Z").is_err());
        assert_eq!(format_unix_seconds(-631_152_000), "1950-01-01T00:00:00Z");
    }

    #[test]
    fn formats_before_1970_and_after_2038() {
        assert_eq!(format_unix_seconds(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_unix_seconds(2_147_483_648), "2038-01-19T03:14:08Z");
        assert_eq!(format_unix_seconds(253_402_300_799), "9999-12-31T23:59:59Z");
    }
}
