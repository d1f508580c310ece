//! Durations as the provider's arguments write them (`90d`, `12h`, `1h30m`, `2w`), bounded.

use std::cmp::Ordering;

/// A span of time written like `2w`, `90d`, `12h`, `30m`, `45s` or `1h30m`. It remembers how a
/// user wrote it, so a message about the value quotes `48h` rather than its canonical `2d`;
/// equality and order look at the span only.
#[derive(Clone, Copy, Debug)]
pub struct Duration {
    seconds: u64,
    written: Written,
}

/// The text a duration was parsed from, kept inline so `Duration` stays `Copy`; empty for a
/// duration the planner made, or for a text too long to keep (then the canonical text stands in).
#[derive(Clone, Copy, Debug, Default)]
struct Written {
    len: u8,
    bytes: [u8; 22],
}

impl Written {
    fn new(text: &str) -> Written {
        let mut w = Written::default();
        if text.len() <= w.bytes.len() {
            w.bytes[..text.len()].copy_from_slice(text.as_bytes());
            w.len = text.len() as u8;
        }
        w
    }

    fn as_str(&self) -> Option<&str> {
        (self.len > 0)
            .then(|| std::str::from_utf8(&self.bytes[..self.len as usize]).ok())
            .flatten()
    }
}

impl PartialEq for Duration {
    fn eq(&self, other: &Self) -> bool {
        self.seconds == other.seconds
    }
}

impl Eq for Duration {}

impl PartialOrd for Duration {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Duration {
    fn cmp(&self, other: &Self) -> Ordering {
        self.seconds.cmp(&other.seconds)
    }
}

impl Duration {
    /// No duration argument may exceed ten years: every bound a backend or a renderer has
    /// (int64 nanoseconds in Go, 32-bit seconds in shell arithmetic) lies well beyond it.
    pub const MAX: Duration = Duration::from_secs(3650 * 86_400);

    pub const fn from_secs(seconds: u64) -> Duration {
        Duration {
            seconds,
            written: Written { len: 0, bytes: [0; 22] },
        }
    }

    pub const fn secs(self) -> u64 {
        self.seconds
    }

    pub fn parse(text: &str) -> Result<Duration, String> {
        let hint = "write a whole number followed by a unit s, m, h, d or w, such as \"90d\", \"12h\", \"2w\" or \"1h30m\"";
        if text.is_empty() {
            return Err(format!("an empty string is not a duration; {hint}"));
        }
        let mut total: u64 = 0;
        let mut digits = String::new();
        for ch in text.chars() {
            if ch.is_ascii_digit() {
                digits.push(ch);
                continue;
            }
            let unit = match ch {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => return Err(format!("{text:?} is not a duration; {hint}")),
            };
            if digits.is_empty() {
                return Err(format!("{text:?} is not a duration; {hint}"));
            }
            let n: u64 = digits
                .parse()
                .map_err(|_| format!("{text:?} is longer than 3650d, the longest duration the provider accepts"))?;
            total = n
                .checked_mul(unit)
                .and_then(|s| total.checked_add(s))
                .ok_or_else(|| format!("{text:?} is longer than 3650d, the longest duration the provider accepts"))?;
            digits.clear();
        }
        if !digits.is_empty() {
            return Err(format!("{text:?} has no unit; {hint}"));
        }
        if total == 0 {
            return Err(format!("{text:?} is zero; a duration must be positive"));
        }
        if total > Duration::MAX.seconds {
            return Err(format!("{text:?} is longer than 3650d, the longest duration the provider accepts"));
        }
        Ok(Duration {
            seconds: total,
            written: Written::new(text),
        })
    }

    /// The text the user wrote, for messages about their value; the canonical text otherwise.
    pub fn as_written(&self) -> String {
        self.written.as_str().map_or_else(|| self.to_text(), str::to_string)
    }

    /// Canonical text: the largest units that divide it, e.g. `90d`, `36h`, `1h30m`.
    pub fn to_text(self) -> String {
        let mut rest = self.seconds;
        let mut out = String::new();
        for (unit, name) in [(86_400, 'd'), (3600, 'h'), (60, 'm'), (1, 's')] {
            if rest >= unit {
                out.push_str(&format!("{}{name}", rest / unit));
                rest %= unit;
            }
        }
        if out.is_empty() {
            out.push_str("0s");
        }
        out
    }

    /// Go duration syntax (hours at most), as Kubernetes controllers and Vault accept: `40m`, `2160h`.
    pub fn to_go(self) -> String {
        let (h, m, s) = (self.seconds / 3600, (self.seconds % 3600) / 60, self.seconds % 60);
        let mut out = String::new();
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        if s > 0 || out.is_empty() {
            out.push_str(&format!("{s}s"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ok = [
            ("90d", 7_776_000, "90d", "2160h"),
            ("12h", 43_200, "12h", "12h"),
            ("1h30m", 5400, "1h30m", "1h30m"),
            ("40m", 2400, "40m", "40m"),
            ("36h", 129_600, "1d12h", "36h"),
            ("2w", 1_209_600, "14d", "336h"),
            ("1w2d", 777_600, "9d", "216h"),
        ];
        for (text, secs, canon, go) in ok {
            let d = Duration::parse(text).unwrap();
            assert_eq!(d.secs(), secs, "{text}");
            assert_eq!(d.to_text(), canon);
            assert_eq!(d.to_go(), go);
            assert_eq!(d.as_written(), text);
        }
        // Equal spans are equal however they were written; a planner-made one reads canonically.
        assert_eq!(Duration::parse("48h").unwrap(), Duration::parse("2d").unwrap());
        assert!(Duration::parse("60m").unwrap() >= Duration::from_secs(3600));
        assert!(Duration::parse("60m").unwrap() <= Duration::from_secs(3600));
        assert_eq!(Duration::from_secs(172_800).as_written(), "2d");
        for bad in [
            "",
            "90",
            "d",
            "1y",
            "-1h",
            "1.5h",
            "0h",
            "99999999999999999999d",
            "18446744073709551615s",
            "3651d",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }
}
