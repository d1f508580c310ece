//! Neutral `tf` types <-> wire messages. The v5 and v6 messages share their shapes, so one
//! macro writes the conversions for both; each version's module holds its own copy.

macro_rules! conversions {
    ($pb:path) => {
        use crate::protocol::Wire;
        use crate::tf::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
        use crate::tf::{Diagnostics, Path, Severity, Step};
        use $pb as pb;

        pub fn diagnostics(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
            diags
                .iter()
                .map(|d| pb::Diagnostic {
                    severity: match d.severity {
                        Severity::Error => pb::diagnostic::Severity::Error as i32,
                        Severity::Warning => pb::diagnostic::Severity::Warning as i32,
                    },
                    summary: d.summary.clone(),
                    detail: d.detail.clone(),
                    attribute: d.path.as_ref().map(path),
                })
                .collect()
        }

        pub fn path(p: &Path) -> pb::AttributePath {
            use pb::attribute_path::step::Selector;
            let steps = p
                .steps()
                .iter()
                .map(|s| pb::attribute_path::Step {
                    selector: Some(match s {
                        Step::Attribute(n) => Selector::AttributeName(n.clone()),
                        Step::Key(k) => Selector::ElementKeyString(k.clone()),
                        Step::Index(i) => Selector::ElementKeyInt(*i),
                    }),
                })
                .collect();
            pb::AttributePath { steps }
        }

        pub fn wire(dv: Option<&pb::DynamicValue>) -> Wire<'_> {
            match dv {
                Some(v) if !v.msgpack.is_empty() => Wire::Msgpack(&v.msgpack),
                Some(v) if !v.json.is_empty() => Wire::Json(&v.json),
                _ => Wire::Missing,
            }
        }

        pub fn dynamic(msgpack: Vec<u8>) -> pb::DynamicValue {
            pb::DynamicValue {
                msgpack,
                json: Vec::new(),
            }
        }

        pub fn function(f: &crate::provider::functions::Function) -> pb::Function {
            let parameter = |p: &crate::provider::functions::Parameter| pb::function::Parameter {
                name: p.name.to_string(),
                r#type: p.ty.to_json_bytes(),
                allow_null_value: false,
                allow_unknown_values: p.allow_unknown,
                description: p.description.to_string(),
                description_kind: pb::StringKind::Markdown as i32,
            };
            pb::Function {
                parameters: f.parameters.iter().map(parameter).collect(),
                variadic_parameter: None,
                r#return: Some(pb::function::Return {
                    r#type: f.returns.to_json_bytes(),
                }),
                summary: f.summary.to_string(),
                description: f.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
                deprecation_message: String::new(),
            }
        }

        pub fn functions(fs: &[crate::provider::functions::Function]) -> std::collections::HashMap<String, pb::Function> {
            fs.iter().map(|f| (f.name.to_string(), function(f))).collect()
        }

        pub fn function_result(
            r: Result<Vec<u8>, crate::provider::functions::FunctionError>,
        ) -> (Option<pb::DynamicValue>, Option<pb::FunctionError>) {
            match r {
                Ok(msgpack) => (Some(dynamic(msgpack)), None),
                Err(e) => (
                    None,
                    Some(pb::FunctionError {
                        text: e.text,
                        function_argument: e.argument,
                    }),
                ),
            }
        }

        pub fn schema(s: &Schema) -> pb::Schema {
            pb::Schema {
                version: s.version,
                block: Some(block(s.version, &s.block)),
            }
        }

        fn block(version: i64, b: &Block) -> pb::schema::Block {
            pb::schema::Block {
                version,
                attributes: b.attributes.iter().map(attribute).collect(),
                block_types: b.blocks.iter().map(|nb| nested(version, nb)).collect(),
                description: b.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
                ..Default::default()
            }
        }

        fn attribute(a: &Attribute) -> pb::schema::Attribute {
            pb::schema::Attribute {
                name: a.name.clone(),
                r#type: a.ty.to_json_bytes(),
                description: a.description.clone(),
                required: a.required,
                optional: a.optional,
                computed: a.computed,
                sensitive: a.sensitive,
                description_kind: pb::StringKind::Markdown as i32,
                ..Default::default()
            }
        }

        fn nested(version: i64, nb: &NestedBlock) -> pb::schema::NestedBlock {
            pb::schema::NestedBlock {
                type_name: nb.type_name.clone(),
                block: Some(block(version, &nb.block)),
                nesting: match nb.nesting {
                    Nesting::Single => pb::schema::nested_block::NestingMode::Single as i32,
                    Nesting::List => pb::schema::nested_block::NestingMode::List as i32,
                    Nesting::Map => pb::schema::nested_block::NestingMode::Map as i32,
                },
                min_items: 0,
                max_items: 0,
            }
        }
    };
}

pub(crate) use conversions;
