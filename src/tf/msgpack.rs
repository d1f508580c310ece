//! The msgpack form of values that Terraform sends in `DynamicValue.msgpack` (cty's encoding).
//!
//! Decoding is driven by the expected type and bounded: nesting depth is capped and no
//! allocation is sized from a length prefix larger than the bytes that remain.

use std::collections::BTreeMap;

use super::path::Path;
use super::types::Type;
use super::value::{Number, Value};

/// Deepest nesting accepted; the provider's own schema needs four levels.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub struct DecodeError {
    pub path: Path,
    pub message: String,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

enum Head {
    Nil,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext(usize),
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(format!("truncated: needed {n} more bytes, {} left", self.remaining()));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn uint(&mut self, width: usize) -> Result<u64, String> {
        let bytes = self.take(width)?;
        Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn head(&mut self) -> Result<Head, String> {
        let m = self.take(1)?[0];
        Ok(match m {
            0x00..=0x7f => Head::Int(i128::from(m)),
            0x80..=0x8f => Head::Map(usize::from(m & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(m & 0x0f)),
            0xa0..=0xbf => Head::Str(usize::from(m & 0x1f)),
            0xc0 => Head::Nil,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => Head::Bin(self.uint(1)? as usize),
            0xc5 => Head::Bin(self.uint(2)? as usize),
            0xc6 => Head::Bin(self.uint(4)? as usize),
            0xc7 => Head::Ext(self.uint(1)? as usize + 1),
            0xc8 => Head::Ext(self.uint(2)? as usize + 1),
            0xc9 => Head::Ext(self.uint(4)? as usize + 1),
            0xca => Head::Float(f64::from(f32::from_bits(self.uint(4)? as u32))),
            0xcb => Head::Float(f64::from_bits(self.uint(8)?)),
            0xcc => Head::Int(i128::from(self.uint(1)?)),
            0xcd => Head::Int(i128::from(self.uint(2)?)),
            0xce => Head::Int(i128::from(self.uint(4)?)),
            0xcf => Head::Int(i128::from(self.uint(8)?)),
            0xd0 => Head::Int(i128::from(self.uint(1)? as u8 as i8)),
            0xd1 => Head::Int(i128::from(self.uint(2)? as u16 as i16)),
            0xd2 => Head::Int(i128::from(self.uint(4)? as u32 as i32)),
            0xd3 => Head::Int(i128::from(self.uint(8)? as i64)),
            // fixext 1/2/4/8/16: one type byte plus the payload
            0xd4 => Head::Ext(2),
            0xd5 => Head::Ext(3),
            0xd6 => Head::Ext(5),
            0xd7 => Head::Ext(9),
            0xd8 => Head::Ext(17),
            0xd9 => Head::Str(self.uint(1)? as usize),
            0xda => Head::Str(self.uint(2)? as usize),
            0xdb => Head::Str(self.uint(4)? as usize),
            0xdc => Head::Array(self.uint(2)? as usize),
            0xdd => Head::Array(self.uint(4)? as usize),
            0xde => Head::Map(self.uint(2)? as usize),
            0xdf => Head::Map(self.uint(4)? as usize),
            0xe0..=0xff => Head::Int(i128::from(m as i8)),
            0xc1 => return Err("byte 0xc1 is never used in msgpack".into()),
        })
    }

    fn text(&mut self, len: usize) -> Result<String, String> {
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "string is not valid UTF-8".to_string())
    }

    /// A count from a length prefix, refused when even one byte per item would overrun the input.
    fn count(&self, n: usize, per_item: usize) -> Result<usize, String> {
        if n.saturating_mul(per_item) > self.remaining() {
            return Err(format!("length {n} exceeds the {} bytes that remain", self.remaining()));
        }
        Ok(n)
    }
}

/// Decodes a whole msgpack document as a value of type `ty`. Trailing bytes are an error.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let mut path = Path::root();
    let v = decode_value(&mut r, ty, &mut path, 0)?;
    if r.remaining() != 0 {
        return Err(DecodeError {
            path: Path::root(),
            message: format!("{} unexpected trailing bytes", r.remaining()),
        });
    }
    Ok(v)
}

fn decode_value(r: &mut Reader<'_>, ty: &Type, path: &mut Path, depth: usize) -> Result<Value, DecodeError> {
    let fail = |path: &Path, message: String| DecodeError {
        path: path.clone(),
        message,
    };
    if depth > MAX_DEPTH {
        return Err(fail(path, format!("nesting deeper than {MAX_DEPTH} levels")));
    }
    let head = r.head().map_err(|m| fail(path, m))?;
    match head {
        Head::Nil => return Ok(Value::Null),
        // Every extension is an unknown: type 0 is the plain form, type 12 carries refinements.
        Head::Ext(len) => {
            r.take(len).map_err(|m| fail(path, m))?;
            return Ok(Value::Unknown);
        }
        _ => {}
    }
    match (ty, head) {
        (Type::String, Head::Str(n)) => Ok(Value::String(r.text(n).map_err(|m| fail(path, m))?)),
        (Type::Bool, Head::Bool(b)) => Ok(Value::Bool(b)),
        (Type::Number, Head::Int(i)) => Ok(Value::Number(Number::from_i128(i))),
        (Type::Number, Head::Float(f)) => Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| fail(path, "number is not finite".into())),
        (Type::Number, Head::Str(n)) => {
            let text = r.text(n).map_err(|m| fail(path, m))?;
            Number::parse(&text)
                .map(Value::Number)
                .ok_or_else(|| fail(path, format!("{text:?} is not a number")))
        }
        (Type::List(elem) | Type::Set(elem), Head::Array(n)) => {
            let n = r.count(n, 1).map_err(|m| fail(path, m))?;
            let mut items = Vec::with_capacity(n);
            for i in 0..n {
                path.push_index(i as i64);
                items.push(decode_value(r, elem, path, depth + 1)?);
                path.pop();
            }
            Ok(Value::List(items))
        }
        (Type::Tuple(elems), Head::Array(n)) => {
            if n != elems.len() {
                return Err(fail(path, format!("tuple needs {} elements, got {n}", elems.len())));
            }
            let mut items = Vec::with_capacity(n);
            for (i, elem) in elems.iter().enumerate() {
                path.push_index(i as i64);
                items.push(decode_value(r, elem, path, depth + 1)?);
                path.pop();
            }
            Ok(Value::List(items))
        }
        (Type::Map(elem), Head::Map(n)) => {
            let n = r.count(n, 2).map_err(|m| fail(path, m))?;
            let mut entries = BTreeMap::new();
            for _ in 0..n {
                let key = read_key(r).map_err(|m| fail(path, m))?;
                path.push_key(&key);
                let v = decode_value(r, elem, path, depth + 1)?;
                path.pop();
                entries.insert(key, v);
            }
            Ok(Value::Map(entries))
        }
        (Type::Object(attrs), Head::Map(n)) => {
            let n = r.count(n, 2).map_err(|m| fail(path, m))?;
            let mut entries = BTreeMap::new();
            for _ in 0..n {
                let key = read_key(r).map_err(|m| fail(path, m))?;
                let Some((_, aty)) = attrs.iter().find(|(name, _)| *name == key) else {
                    return Err(fail(path, format!("unsupported attribute {key:?}")));
                };
                path.push_attr(&key);
                let v = decode_value(r, aty, path, depth + 1)?;
                path.pop();
                entries.insert(key, v);
            }
            for (name, _) in attrs {
                entries.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Map(entries))
        }
        (Type::Dynamic, Head::Array(2)) => {
            let type_json = match r.head().map_err(|m| fail(path, m))? {
                Head::Str(n) | Head::Bin(n) => r.take(n).map_err(|m| fail(path, m))?,
                _ => return Err(fail(path, "dynamic value must start with its type".into())),
            };
            let json: serde_json::Value = serde_json::from_slice(type_json).map_err(|e| fail(path, format!("dynamic type: {e}")))?;
            let inner = Type::from_json(&json).map_err(|m| fail(path, m))?;
            decode_value(r, &inner, path, depth + 1)
        }
        (ty, _) => Err(fail(path, format!("value does not match the expected type {}", ty.to_json()))),
    }
}

fn read_key(r: &mut Reader<'_>) -> Result<String, String> {
    match r.head()? {
        Head::Str(n) => r.text(n),
        _ => Err("map key must be a string".into()),
    }
}

/// Encodes `value` as type `ty`. Objects are written with their attributes in name order,
/// so equal values always produce equal bytes.
pub fn encode(value: &Value, ty: &Type) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    encode_into(&mut out, value, ty);
    out
}

fn encode_into(out: &mut Vec<u8>, value: &Value, ty: &Type) {
    // Writing into a Vec cannot fail, so the rmp results are discarded.
    match value {
        Value::Unknown => {
            let _ = rmp::encode::write_ext_meta(out, 1, 0);
            out.push(0);
        }
        Value::Null => {
            let _ = rmp::encode::write_nil(out);
        }
        Value::Bool(b) => {
            let _ = rmp::encode::write_bool(out, *b);
        }
        Value::String(s) => {
            let _ = rmp::encode::write_str(out, s);
        }
        Value::Number(n) => encode_number(out, n),
        Value::List(items) => {
            let _ = rmp::encode::write_array_len(out, items.len() as u32);
            for (i, item) in items.iter().enumerate() {
                let elem = match ty {
                    Type::List(t) | Type::Set(t) => t.as_ref(),
                    Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
                    _ => &Type::Dynamic,
                };
                encode_into(out, item, elem);
            }
        }
        Value::Map(entries) => {
            let _ = rmp::encode::write_map_len(out, entries.len() as u32);
            for (k, v) in entries {
                let _ = rmp::encode::write_str(out, k);
                let vty = match ty {
                    Type::Map(t) => t.as_ref(),
                    Type::Object(_) => ty.attribute(k).unwrap_or(&Type::Dynamic),
                    _ => &Type::Dynamic,
                };
                encode_into(out, v, vty);
            }
        }
    }
}

fn encode_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(i) = n.as_i64() {
        let _ = rmp::encode::write_sint(out, i);
        return;
    }
    if let Ok(f) = n.as_str().parse::<f64>() {
        if Number::from_f64(f).as_ref() == Some(n) {
            let _ = rmp::encode::write_f64(out, f);
            return;
        }
    }
    // Precision a float64 cannot hold travels as decimal text, which cty accepts.
    let _ = rmp::encode::write_str(out, n.as_str());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj_ty() -> Type {
        Type::object([
            ("name", Type::String),
            ("port", Type::Number),
            ("tags", Type::list(Type::String)),
            ("labels", Type::map(Type::String)),
            ("on", Type::Bool),
        ])
    }

    #[test]
    fn round_trip_keeps_every_state() {
        let v = Value::object([
            ("name", Value::string("app")),
            ("port", Value::Number(Number::from_i64(5432))),
            ("tags", Value::List(vec![Value::string("a"), Value::Unknown, Value::Null])),
            ("labels", Value::Unknown),
            ("on", Value::Null),
        ]);
        let bytes = encode(&v, &obj_ty());
        assert_eq!(decode(&bytes, &obj_ty()).unwrap(), v);
    }

    #[test]
    fn both_unknown_encodings_decode_as_unknown() {
        // plain unknown (fixext1, type 0) and a refined unknown (ext8, type 12, refinement map)
        assert_eq!(decode(&[0xd4, 0, 0], &Type::String).unwrap(), Value::Unknown);
        let refined = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        assert_eq!(decode(&refined, &Type::String).unwrap(), Value::Unknown);
    }

    #[test]
    fn numbers_keep_precision() {
        for text in [
            "0",
            "-7",
            "9223372036854775807",
            "18446744073709551616",
            "0.1",
            "3.141592653589793238462643383279",
            "001",
            "-0",
            "-000",
            "-007",
            "00018446744073709551616",
        ] {
            let n = Value::Number(Number::parse(text).unwrap());
            let back = decode(&encode(&n, &Type::Number), &Type::Number).unwrap();
            assert_eq!(back, n, "{text}");
        }
        assert_eq!(Number::parse("-007").unwrap(), Number::from_i64(-7));
        // uint64 max arrives as 0xcf
        let mut b = vec![0xcf];
        b.extend_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(decode(&b, &Type::Number).unwrap(), Value::Number(Number::from_u64(u64::MAX)));
    }

    #[test]
    fn malformed_input_is_an_error_with_a_path() {
        let cases: &[(&[u8], &str)] = &[
            (&[], "truncated"),
            (&[0xc1], "never used"),
            (&[0xdf, 0xff, 0xff, 0xff, 0xff], "exceeds"),
            (&[0x81, 0xa4, b'n', b'a', b'm', b'e', 0x05], "expected type"),
            (&[0x81, 0xa3, b'b', b'a', b'd', 0xc0], "unsupported attribute"),
            (&[0x80, 0x00], "trailing"),
        ];
        for (bytes, want) in cases {
            let err = decode(bytes, &obj_ty()).unwrap_err();
            assert!(err.message.contains(want), "{bytes:?}: {}", err.message);
        }
        let err = decode(&[0x81, 0xa4, b'n', b'a', b'm', b'e', 0x05], &obj_ty()).unwrap_err();
        assert_eq!(err.path.to_string(), "name");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut ty = Type::String;
        for _ in 0..(MAX_DEPTH + 2) {
            ty = Type::list(ty);
        }
        let mut bytes = vec![0x91; MAX_DEPTH + 2];
        bytes.push(0xa0);
        assert!(decode(&bytes, &ty).unwrap_err().message.contains("nesting"));
    }

    #[test]
    fn objects_encode_in_name_order() {
        let v = Value::object([("b", Value::string("2")), ("a", Value::string("1"))]);
        let ty = Type::object([("a", Type::String), ("b", Type::String)]);
        assert_eq!(encode(&v, &ty), vec![0x82, 0xa1, b'a', 0xa1, b'1', 0xa1, b'b', 0xa1, b'2']);
    }
}
