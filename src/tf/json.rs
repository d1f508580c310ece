//! The JSON form of values (`DynamicValue.json`), which Terraform uses for some state payloads.
//! JSON cannot express unknown; a null is null.

use std::collections::BTreeMap;

use super::msgpack::{DecodeError, MAX_DEPTH};
use super::path::Path;
use super::types::Type;
use super::value::{Number, Value};

pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let root_err = |message: String| DecodeError {
        path: Path::root(),
        message: format!("invalid JSON: {message}"),
    };
    let mut p = Parser { s: bytes, pos: 0 };
    let tree = p.value(0).map_err(root_err)?;
    p.ws();
    if p.pos != bytes.len() {
        return Err(root_err(format!("trailing characters at byte {}", p.pos)));
    }
    let mut path = Path::root();
    from_tree(&tree, ty, &mut path)
}

/// A parsed JSON document whose numbers keep their exact text.
enum Tree {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Tree>),
    Object(Vec<(String, Tree)>),
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, word: &str) -> Result<(), String> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(format!("unexpected input at byte {}", self.pos))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Tree, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        self.ws();
        match self.peek() {
            None => Err("unexpected end of input".into()),
            Some(b'n') => self.expect("null").map(|_| Tree::Null),
            Some(b't') => self.expect("true").map(|_| Tree::Bool(true)),
            Some(b'f') => self.expect("false").map(|_| Tree::Bool(false)),
            Some(b'"') => self.string().map(Tree::String),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Tree::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Tree::Array(items));
                        }
                        _ => return Err(format!("expected ',' or ']' at byte {}", self.pos)),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut fields = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Tree::Object(fields));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err(format!("expected a string key at byte {}", self.pos));
                    }
                    let key = self.string()?;
                    self.ws();
                    self.expect(":")?;
                    fields.push((key, self.value(depth + 1)?));
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Tree::Object(fields));
                        }
                        _ => return Err(format!("expected ',' or '}}' at byte {}", self.pos)),
                    }
                }
            }
            Some(_) => {
                let start = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or_default();
                Number::parse(text)
                    .map(|n| Tree::Number(n.as_str().to_string()))
                    .ok_or_else(|| format!("unexpected input at byte {start}"))
            }
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let start = self.pos;
        self.pos += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(format!("unterminated string at byte {start}"));
            };
            self.pos += 1;
            match b {
                b'"' => return String::from_utf8(out).map_err(|_| "string is not valid UTF-8".to_string()),
                b'\\' => {
                    let esc = self.peek().ok_or("unterminated escape")?;
                    self.pos += 1;
                    let ch = match esc {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi) {
                                self.expect("\\u")?;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xd800) << 10) + (lo.wrapping_sub(0xdc00) & 0x3ff)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or("invalid unicode escape")?
                        }
                        _ => return Err(format!("invalid escape at byte {}", self.pos - 1)),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                0x00..=0x1f => return Err(format!("control character in string at byte {}", self.pos - 1)),
                _ => out.push(b),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.s.get(self.pos..self.pos + 4).ok_or("truncated unicode escape")?;
        let text = std::str::from_utf8(digits).map_err(|_| "invalid unicode escape")?;
        self.pos += 4;
        u32::from_str_radix(text, 16).map_err(|_| "invalid unicode escape".to_string())
    }
}

fn from_tree(j: &Tree, ty: &Type, path: &mut Path) -> Result<Value, DecodeError> {
    let fail = |path: &Path, message: String| DecodeError {
        path: path.clone(),
        message,
    };
    match (ty, j) {
        (_, Tree::Null) => Ok(Value::Null),
        (Type::String, Tree::String(s)) => Ok(Value::String(s.clone())),
        (Type::Bool, Tree::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Number, Tree::Number(n)) => Number::parse(n)
            .map(Value::Number)
            .ok_or_else(|| fail(path, format!("{n} is not a number"))),
        (Type::List(elem) | Type::Set(elem), Tree::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push_index(i as i64);
                out.push(from_tree(item, elem, path)?);
                path.pop();
            }
            Ok(Value::List(out))
        }
        (Type::Tuple(elems), Tree::Array(items)) if elems.len() == items.len() => {
            let mut out = Vec::with_capacity(items.len());
            for (i, (item, elem)) in items.iter().zip(elems).enumerate() {
                path.push_index(i as i64);
                out.push(from_tree(item, elem, path)?);
                path.pop();
            }
            Ok(Value::List(out))
        }
        (Type::Map(elem), Tree::Object(fields)) => {
            let mut out = BTreeMap::new();
            for (k, v) in fields {
                path.push_key(k);
                out.insert(k.clone(), from_tree(v, elem, path)?);
                path.pop();
            }
            Ok(Value::Map(out))
        }
        (Type::Object(attrs), Tree::Object(fields)) => {
            let mut out = BTreeMap::new();
            for (k, v) in fields {
                let Some(aty) = ty.attribute(k) else {
                    return Err(fail(path, format!("unsupported attribute {k:?}")));
                };
                path.push_attr(k);
                out.insert(k.clone(), from_tree(v, aty, path)?);
                path.pop();
            }
            for (name, _) in attrs {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Map(out))
        }
        (ty, _) => Err(fail(path, format!("value does not match the expected type {}", ty.to_json()))),
    }
}

/// JSON text for a wholly known value; `None` when it holds an unknown, which JSON cannot carry.
pub fn encode(value: &Value) -> Option<Vec<u8>> {
    let mut out = String::new();
    write(&mut out, value)?;
    Some(out.into_bytes())
}

fn write(out: &mut String, v: &Value) -> Option<()> {
    match v {
        Value::Unknown => return None,
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::String(s) => out.push_str(&serde_json::to_string(s).ok()?),
        // Numbers are written as their exact decimal text.
        Value::Number(n) => out.push_str(n.as_str()),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item)?;
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).ok()?);
                out.push(':');
                write(out, item)?;
            }
            out.push('}');
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_errors() {
        let ty = Type::object([("n", Type::Number), ("l", Type::list(Type::String))]);
        let v = decode(br#"{"n": 123456789012345678901234567890, "l": ["a"]}"#, &ty).unwrap();
        assert_eq!(v.get("n"), &Value::Number(Number::parse("123456789012345678901234567890").unwrap()));
        assert_eq!(decode(&encode(&v).unwrap(), &ty).unwrap(), v);
        let err = decode(br#"{"l": [1]}"#, &ty).unwrap_err();
        assert_eq!(err.path.to_string(), "l[0]");
        assert!(decode(b"{", &ty).unwrap_err().message.contains("invalid JSON"));
        let s = decode(br#""a\u00e9\ud83d\ude00\n""#, &Type::String).unwrap();
        assert_eq!(s, Value::string("a\u{e9}\u{1f600}\n"));
        for bad in [&b"[1,]"[..], b"01x", b"\"abc", b"[1] 2", b"{\"a\" 1}"] {
            assert!(decode(bad, &Type::list(Type::Number)).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 5);
        assert!(decode(deep.as_bytes(), &Type::Dynamic).unwrap_err().message.contains("nesting"));
        assert!(encode(&Value::Unknown).is_none());
    }
}
