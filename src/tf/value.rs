//! Three-state values: every value is unknown, null or known; the type lives beside it.

use std::collections::BTreeMap;
use std::fmt;

/// An arbitrary-precision number kept as its canonical decimal text, so no value is rounded
/// on its way through the provider.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Number(String);

impl Number {
    /// Accepts decimal text as cty writes it (optional sign, digits, fraction, exponent).
    pub fn parse(text: &str) -> Option<Number> {
        let t = text.trim();
        let body = t.strip_prefix('-').unwrap_or(t);
        let (mantissa, exponent) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let (int, frac) = match mantissa.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (mantissa, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let exp_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
        if !(digits(int) && frac.is_none_or(digits) && exp_ok) {
            return None;
        }
        if frac.is_none() && exponent.is_none() {
            // Integers in canonical form, as cty reads them ("007" is 7, "-0" is 0): the msgpack
            // encoder writes integers as integers, so a value must equal its own re-encoding
            // (found by fuzzing: "001" came back as "1").
            let magnitude = int.trim_start_matches('0');
            return Some(Number(match (magnitude.is_empty(), t.starts_with('-')) {
                (true, _) => "0".to_string(),
                (false, true) => format!("-{magnitude}"),
                (false, false) => magnitude.to_string(),
            }));
        }
        Some(Number(t.to_string()))
    }

    pub fn from_i64(n: i64) -> Number {
        Number(n.to_string())
    }

    pub fn from_i128(n: i128) -> Number {
        Number(n.to_string())
    }

    pub fn from_u64(n: u64) -> Number {
        Number(n.to_string())
    }

    /// `None` for NaN and infinities, which cty numbers cannot hold.
    pub fn from_f64(f: f64) -> Option<Number> {
        if !f.is_finite() {
            return None;
        }
        if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
            return Some(Number((f as i64).to_string()));
        }
        Some(Number(format!("{f}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Unknown,
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    /// Elements of a list, set or tuple (the type says which).
    List(Vec<Value>),
    /// Entries of a map or attributes of an object (the type says which), sorted by key.
    Map(BTreeMap<String, Value>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True when this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::List(items) => items.iter().any(Value::contains_unknown),
            Value::Map(entries) => entries.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// Attribute of an object value; a missing attribute reads as null.
    pub fn get(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Map(m) => m.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// An object value from attribute pairs.
    pub fn object<I, S>(attrs: I) -> Value
    where
        I: IntoIterator<Item = (S, Value)>,
        S: Into<String>,
    {
        Value::Map(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_parse_table() {
        for ok in ["0", "-1", "3.14", "1e400", "123456789012345678901234567890", "-0.5E-3"] {
            assert!(Number::parse(ok).is_some(), "{ok}");
        }
        for bad in ["", "-", "1.", ".5", "1e", "NaN", "inf", "0x10", "1 2"] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Number::from_f64(2.0).unwrap().as_str(), "2");
        assert_eq!(Number::from_f64(0.1).unwrap().as_str(), "0.1");
        assert!(Number::from_f64(f64::NAN).is_none());
    }
}
