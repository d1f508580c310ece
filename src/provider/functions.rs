//! Provider-defined functions (Terraform >= 1.8): the planner called inline, as
//! `provider::secretsint::plan({...})`, with nothing kept in state.
//!
//! A function gets no provider configuration (Terraform may call it before, or without,
//! configuring the provider), so `default_languages` and `strict` of the provider block do not
//! apply: an error finding fails the call, warnings are not shown (they stay visible in
//! `decisions` and through the data source). Terraform itself answers for null arguments.
//! Unknown values reach the functions (Terraform >= 1.8 passes them only to a parameter that
//! allows them): a configuration with unknowns is planned as the data source plans it, so the
//! keys of `files` stay known where they do not depend on the unknowns and
//! `for_each = provider::secretsint::plan({...}).files` plans on the first run.

use std::sync::OnceLock;

use crate::tf::schema::Block;
use crate::tf::{Diagnostics, Number, Path, Type, Value};

use super::{schema, ProviderConfig};

pub struct Parameter {
    pub name: &'static str,
    pub ty: Type,
    pub description: &'static str,
    /// Whether Terraform passes unknown values (else it answers an unknown result itself).
    pub allow_unknown: bool,
}

pub struct Function {
    pub name: &'static str,
    pub parameters: Vec<Parameter>,
    pub returns: Type,
    pub summary: &'static str,
    pub description: String,
}

/// A call that cannot give a result: what is wrong, and which argument (from 0) it is about.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<i64>,
}

const CONFIG: &str = "The arguments of the `secretsint_plan` data source as one object: attributes by name, each nested block (`vault`, `aws`, `kubernetes`, `certificate`, ...) as an object. Unset arguments may be left out.";

/// Every function the provider offers, in name order.
pub fn functions() -> &'static [Function] {
    static FUNCTIONS: OnceLock<Vec<Function>> = OnceLock::new();
    FUNCTIONS.get_or_init(|| {
        vec![
            Function {
                name: "file",
                parameters: vec![
                    Parameter {
                        name: "config",
                        ty: Type::Dynamic,
                        description: CONFIG,
                        allow_unknown: true,
                    },
                    Parameter {
                        name: "path",
                        ty: Type::String,
                        description: "A key of the plan's `files` attribute, e.g. `prod--orders/policies/prod--orders-db-creds.hcl` (every key sits under `<environment>--<name>/`).",
                        allow_unknown: true,
                    },
                ],
                returns: Type::String,
                summary: "One artifact of a secrets integration plan",
                description: "Plans `config` as the `secretsint_plan` data source would and returns the content of one file of its `files` attribute, so a module can feed one policy or manifest to a resource without keeping the whole plan in state. Fails on the `path` argument, naming the plan's files, when the plan has no such file.".to_string(),
            },
            Function {
                name: "plan",
                parameters: vec![Parameter {
                    name: "config",
                    ty: Type::Dynamic,
                    description: CONFIG,
                    allow_unknown: true,
                }],
                returns: schema::plan().block.implied_type(),
                summary: "A secrets integration plan",
                description: "Plans `config` and returns the same object the `secretsint_plan` data source holds: the arguments as given (unset ones null) and every computed attribute. The provider block does not apply: set `languages` in `config`. An argument the planner refuses fails the call, naming the argument; warnings are not shown, the `decisions` attribute lists every default and fallback applied. Arguments unknown at plan time (an attribute of a resource not yet created) leave known what does not depend on them, so `for_each = provider::secretsint::plan({...}).files` plans on the first run; the data source cannot, since Terraform reads a data source whose arguments are unknown only at apply.".to_string(),
            },
        ]
    })
}

pub fn function(name: &str) -> Option<&'static Function> {
    functions().iter().find(|f| f.name == name)
}

/// Calls `name` with its arguments, decoded to the parameter types. Terraform ends an error's
/// text with a period of its own, so the text carries none.
pub fn call(name: &str, args: &[Value]) -> Result<Value, FunctionError> {
    call_inner(name, args).map_err(|e| FunctionError {
        text: e.text.trim_end_matches('.').to_string(),
        ..e
    })
}

/// The function `name` when it exists and takes `arguments` arguments; else the error to return.
pub fn signature(name: &str, arguments: usize) -> Result<&'static Function, FunctionError> {
    let Some(f) = function(name) else {
        return Err(FunctionError {
            text: super::messages::unknown_type("function", name).1.trim_end_matches('.').to_string(),
            argument: None,
        });
    };
    if arguments != f.parameters.len() {
        return Err(FunctionError {
            text: format!("{name} takes {} argument(s), got {arguments}", f.parameters.len()),
            argument: None,
        });
    }
    Ok(f)
}

fn call_inner(name: &str, args: &[Value]) -> Result<Value, FunctionError> {
    signature(name, args.len())?;
    // A wholly unknown argument (the whole configuration, or the path) leaves nothing to plan.
    if args.iter().any(Value::is_unknown) {
        return Ok(Value::Unknown);
    }
    // file() reads one artifact, so it plans with every file whatever `include` says.
    let state = plan_state(&args[0], name == "file")?;
    match name {
        "plan" => Ok(state),
        _ => {
            let path = args[1].as_str().unwrap_or_default();
            // A workload file, or one the platform shares (under platform/).
            let found = match state.get("files").get(path) {
                Value::Null => state.get("platform_files").get(path),
                v => v,
            };
            let keys_unknown = ["files", "platform_files"].iter().any(|attr| state.get(attr).is_unknown());
            match found {
                Value::String(content) => Ok(Value::String(content.clone())),
                // Content that depends on an unknown argument, or keys that do.
                Value::Unknown => Ok(Value::Unknown),
                _ if keys_unknown => Ok(Value::Unknown),
                _ => {
                    let files = ["files", "platform_files"]
                        .iter()
                        .filter_map(|attr| match state.get(attr) {
                            Value::Map(m) => Some(m.keys().map(String::as_str).collect::<Vec<_>>()),
                            _ => None,
                        })
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                    Err(FunctionError {
                        text: format!("This plan has no file {path:?}. Its files are: {files}."),
                        argument: Some(1),
                    })
                }
            }
        }
    }
}

/// The data source's state for a configuration object, or the first argument's error.
fn plan_state(config: &Value, all_files: bool) -> Result<Value, FunctionError> {
    let config_error = |text: String| FunctionError { text, argument: Some(0) };
    let mut config = conform(config, &config_type(), &Path::root())
        .map_err(|(path, problem)| config_error(if path.is_root() { problem } else { format!("{path}: {problem}") }))?;
    if let (true, Value::Map(attrs)) = (all_files, &mut config) {
        attrs.insert("include".into(), Value::List(vec![Value::string("files")]));
    }
    let (state, diags) = super::read(&config, &ProviderConfig::default());
    if diags.has_errors() {
        return Err(config_error(errors_text(&diags)));
    }
    Ok(state)
}

/// Every error of `diags`, one per line, each led by the argument it is about.
fn errors_text(diags: &Diagnostics) -> String {
    diags
        .iter()
        .filter(|d| d.severity == crate::tf::Severity::Error)
        .map(|d| match &d.path {
            Some(p) => format!("{p}: {}: {}", d.summary, d.detail),
            None => format!("{}: {}", d.summary, d.detail),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The data source's configuration type: its arguments and nested blocks, no computed attribute.
fn config_type() -> Type {
    fn arguments(b: &Block) -> Block {
        let mut b = b.clone();
        b.attributes.retain(|a| a.required || a.optional);
        for nb in &mut b.blocks {
            nb.block = arguments(&nb.block);
        }
        b
    }
    arguments(&schema::plan().block).implied_type()
}

/// Converts a value of any type to `ty` as Terraform converts arguments (numbers and booleans
/// to strings and back, tuples to lists, objects to objects), and refuses attributes `ty` lacks,
/// so a misspelt argument is an error instead of being ignored.
fn conform(v: &Value, ty: &Type, path: &Path) -> Result<Value, (Path, String)> {
    let wrong = |what: &str| {
        let given = match v {
            Value::String(s) => format!("{s:?}"),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::List(_) => "a list".into(),
            _ => "an object".into(),
        };
        Err((path.clone(), format!("must be {what}, not {given}")))
    };
    match (ty, v) {
        (_, Value::Null | Value::Unknown) | (Type::Dynamic, _) => Ok(v.clone()),
        (Type::String, Value::String(_)) => Ok(v.clone()),
        (Type::String, Value::Number(n)) => Ok(Value::String(n.to_string())),
        (Type::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
        (Type::String, _) => wrong("a string"),
        (Type::Number, Value::Number(_)) => Ok(v.clone()),
        (Type::Number, Value::String(s)) => Number::parse(s).map(Value::Number).map_or_else(|| wrong("a number"), Ok),
        (Type::Number, _) => wrong("a number"),
        (Type::Bool, Value::Bool(_)) => Ok(v.clone()),
        (Type::Bool, Value::String(s)) if s == "true" || s == "false" => Ok(Value::Bool(s == "true")),
        (Type::Bool, _) => wrong("a bool"),
        (Type::List(t) | Type::Set(t), Value::List(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| conform(item, t, &path.with_index(i as i64)))
            .collect::<Result<_, _>>()
            .map(Value::List),
        (Type::List(_) | Type::Set(_), _) => wrong("a list"),
        (Type::Map(t), Value::Map(m)) => m
            .iter()
            .map(|(k, item)| {
                let mut at = path.clone();
                at.push_key(k);
                Ok((k.clone(), conform(item, t, &at)?))
            })
            .collect::<Result<_, _>>()
            .map(Value::Map),
        (Type::Object(attrs), Value::Map(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.iter().any(|(n, _)| n == *k)) {
                let names: Vec<&str> = attrs.iter().map(|(n, _)| n.as_str()).collect();
                return Err((
                    path.clone(),
                    format!("{extra:?} is not an argument here; the arguments are: {}", names.join(", ")),
                ));
            }
            attrs
                .iter()
                .map(|(n, t)| Ok((n.clone(), conform(v.get(n), t, &path.with_attr(n))?)))
                .collect::<Result<_, _>>()
                .map(Value::Map)
        }
        (Type::Map(_) | Type::Object(_), _) => wrong("an object"),
        (Type::Tuple(_), _) => wrong("a tuple"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs.iter().cloned())
    }

    fn quickstart() -> Value {
        config(&[
            ("secrets_backend", Value::string("vault")),
            ("integration_target", Value::string("kubernetes")),
            ("rotation_policy", Value::string("dynamic")),
            ("credential_type", Value::string("database")),
            ("name", Value::string("orders")),
        ])
    }

    #[test]
    fn plan_returns_the_data_source_state() {
        let state = call("plan", &[quickstart()]).unwrap();
        let expected = super::super::read(
            &conform(&quickstart(), &config_type(), &Path::root()).unwrap(),
            &ProviderConfig::default(),
        )
        .0;
        assert_eq!(state, expected);
        assert!(matches!(state.get("files"), Value::Map(m) if !m.is_empty()));
    }

    #[test]
    fn file_returns_one_artifact_and_names_the_files_when_missing() {
        let mut full = quickstart();
        if let Value::Map(m) = &mut full {
            m.insert("include".into(), Value::List(vec![Value::string("files")]));
        }
        let Value::Map(files) = call("plan", &[full]).unwrap().get("files").clone() else {
            panic!("files is a map");
        };
        let (path, content) = files.iter().next().unwrap();
        assert_eq!(
            call("file", &[quickstart(), Value::string(path.as_str())]).unwrap(),
            content.clone()
        );
        let err = call("file", &[quickstart(), Value::string("nope.txt")]).unwrap_err();
        assert_eq!(err.argument, Some(1));
        assert!(err.text.contains(path.as_str()), "{}", err.text);
    }

    #[test]
    fn bad_arguments_fail_on_the_config_argument_with_their_path() {
        let mut bad = quickstart();
        if let Value::Map(m) = &mut bad {
            m.insert("secrets_backend".into(), Value::string("Vault"));
        }
        let err = call("plan", &[bad]).unwrap_err();
        assert_eq!(err.argument, Some(0));
        assert!(err.text.starts_with("secrets_backend: "), "{}", err.text);

        let mut typo = quickstart();
        if let Value::Map(m) = &mut typo {
            m.insert("kubernetes".into(), config(&[("namespaec", Value::string("x"))]));
        }
        let err = call("plan", &[typo]).unwrap_err();
        assert!(
            err.text.starts_with("kubernetes: \"namespaec\" is not an argument here"),
            "{}",
            err.text
        );

        let mut computed = quickstart();
        if let Value::Map(m) = &mut computed {
            m.insert("files".into(), Value::Map(Default::default()));
        }
        assert!(call("plan", &[computed]).unwrap_err().text.contains("\"files\" is not an argument"));
    }

    #[test]
    fn arguments_convert_as_terraform_converts_them() {
        let mut c = quickstart();
        if let Value::Map(m) = &mut c {
            m.insert("database".into(), config(&[("port", Value::string("6432"))]));
        }
        let state = call("plan", &[c]).unwrap();
        assert_eq!(state.get("database").get("port"), &Value::Number(Number::parse("6432").unwrap()));
        let mut c = quickstart();
        if let Value::Map(m) = &mut c {
            m.insert("database".into(), config(&[("port", Value::string("many"))]));
        }
        assert_eq!(
            call("plan", &[c]).unwrap_err().text,
            "database.port: must be a number, not \"many\""
        );
    }

    #[test]
    fn unknown_functions_and_wrong_arities_are_errors_not_panics() {
        assert_eq!(call("nope", &[]).unwrap_err().argument, None);
        assert!(call("plan", &[]).is_err());
        assert!(call("file", &[quickstart()]).is_err());
    }
}
