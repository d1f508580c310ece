//! cty types and their JSON encoding (the form Terraform expects in `Schema.Attribute.type`).

use serde_json::json;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Bool,
    Number,
    String,
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    /// Attributes sorted by name, as cty orders them.
    Object(Vec<(String, Type)>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    /// An object type; attribute order is normalised so equal types compare equal.
    pub fn object<I, S>(attrs: I) -> Type
    where
        I: IntoIterator<Item = (S, Type)>,
        S: Into<String>,
    {
        let mut attrs: Vec<(String, Type)> = attrs.into_iter().map(|(n, t)| (n.into(), t)).collect();
        attrs.sort_by(|a, b| a.0.cmp(&b.0));
        Type::Object(attrs)
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Type::Bool => json!("bool"),
            Type::Number => json!("number"),
            Type::String => json!("string"),
            Type::Dynamic => json!("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(attrs) => {
                let fields: serde_json::Map<String, serde_json::Value> = attrs.iter().map(|(n, t)| (n.clone(), t.to_json())).collect();
                json!(["object", fields])
            }
            Type::Tuple(elems) => {
                json!(["tuple", elems.iter().map(Type::to_json).collect::<Vec<_>>()])
            }
        }
    }

    /// The compact JSON bytes Terraform reads from `Schema.Attribute.type`.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    pub fn from_json(v: &serde_json::Value) -> Result<Type, String> {
        match v {
            serde_json::Value::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            serde_json::Value::Array(parts) if parts.len() == 2 => {
                let kind = parts[0].as_str().ok_or("type kind must be a string")?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(&parts[1])?)),
                    "set" => Ok(Type::Set(Box::new(Type::from_json(&parts[1])?))),
                    "map" => Ok(Type::map(Type::from_json(&parts[1])?)),
                    "object" => {
                        let fields = parts[1].as_object().ok_or("object type needs a map of attributes")?;
                        let attrs = fields
                            .iter()
                            .map(|(k, t)| Ok((k.clone(), Type::from_json(t)?)))
                            .collect::<Result<Vec<_>, String>>()?;
                        Ok(Type::object(attrs))
                    }
                    "tuple" => {
                        let elems = parts[1].as_array().ok_or("tuple type needs a list of element types")?;
                        Ok(Type::Tuple(elems.iter().map(Type::from_json).collect::<Result<_, _>>()?))
                    }
                    other => Err(format!("unknown type kind {other:?}")),
                }
            }
            _ => Err("malformed type".to_string()),
        }
    }

    pub fn attribute(&self, name: &str) -> Option<&Type> {
        match self {
            Type::Object(attrs) => attrs.iter().find(|(n, _)| n == name).map(|(_, t)| t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_table() {
        let cases = [
            (Type::String, r#""string""#),
            (Type::list(Type::String), r#"["list","string"]"#),
            (Type::map(Type::Number), r#"["map","number"]"#),
            (
                Type::object([("b", Type::Bool), ("a", Type::String)]),
                r#"["object",{"a":"string","b":"bool"}]"#,
            ),
            (
                Type::Tuple(vec![Type::Dynamic, Type::Set(Box::new(Type::Bool))]),
                r#"["tuple",["dynamic",["set","bool"]]]"#,
            ),
        ];
        for (ty, text) in cases {
            assert_eq!(ty.to_json().to_string(), text);
            let back = Type::from_json(&serde_json::from_str(text).unwrap()).unwrap();
            assert_eq!(back, ty);
        }
    }
}
