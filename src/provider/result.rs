//! Plan -> Terraform state value, and planner findings -> diagnostics.

use crate::planner::placeholders::Placeholder;
use crate::planner::{self, Choice, Finding, FindingKind, Include, Plan, Request};
use crate::tf::{Diagnostics, Path, Value};

use super::messages;

const COMPUTED: [&str; 11] = [
    "id",
    "secrets_config",
    "access_policies",
    "integration_code",
    "rotation_scripts",
    "deployment_manifests",
    "decisions",
    "placeholders",
    "files",
    "platform_files",
    "contract_json",
];

/// The configuration with every computed attribute unknown (inputs not yet known).
pub fn unknown_state(config: &Value) -> Value {
    with_computed(config, COMPUTED.iter().map(|name| (*name, Value::Unknown)).collect())
}

fn with_computed(config: &Value, computed: Vec<(&str, Value)>) -> Value {
    let mut attrs = match config {
        Value::Map(m) => m.clone(),
        _ => Default::default(),
    };
    for (name, v) in computed {
        attrs.insert(name.to_string(), v);
    }
    Value::Map(attrs)
}

fn s(text: &str) -> Value {
    Value::string(text)
}

pub fn state(config: &Value, req: &Request, plan: &Plan) -> Value {
    let sc = &plan.secrets_config;
    let secrets_config = Value::object([
        ("backend_endpoint", s(&sc.backend_endpoint)),
        ("authentication_method", s(sc.authentication_method.as_str())),
        ("secret_path", s(&sc.secret_path)),
        ("config_format", s(sc.config_format.as_str())),
        ("config_file", sc.config_file.as_deref().map_or(Value::Null, s)),
    ]);
    let access_policies = plan
        .access_policies
        .iter()
        .map(|p| {
            Value::object([
                ("policy_name", s(&p.policy_name)),
                ("policy_type", s(p.policy_type.as_str())),
                ("policy_document", s(&p.policy_document)),
                ("scope", s(&p.scope)),
            ])
        })
        .collect();
    let integration_code = plan
        .integration_code
        .iter()
        .map(|c| {
            Value::object([
                ("language", s(c.language.as_str())),
                ("sdk", s(&c.sdk)),
                ("sdk_version", s(&c.sdk_version)),
                ("authentication_snippet", s(&c.authentication_snippet)),
                ("secret_retrieval_snippet", s(&c.secret_retrieval_snippet)),
                ("error_handling", s(&c.error_handling)),
            ])
        })
        .collect();
    let rotation_scripts = plan.rotation_scripts.as_ref().map_or(Value::Null, |r| {
        Value::object([
            ("rotation_type", s(r.rotation_type.as_str())),
            ("schedule", s(&r.schedule)),
            ("rotation_logic", s(&r.rotation_logic)),
            ("notification", s(&r.notification)),
            ("overlap", s(&r.overlap)),
            ("max_staleness", s(&r.max_staleness)),
        ])
    });
    let manifests = plan
        .deployment_manifests
        .iter()
        .map(|m| {
            Value::object([
                ("type", s(m.kind.as_str())),
                ("filename", s(&m.filename)),
                ("content", s(&m.content)),
            ])
        })
        .collect();
    let include = req.include.as_deref().unwrap_or_default();
    let files = if include.contains(&Include::Files) {
        plan.files()
    } else {
        plan.files_unique()
    };
    let files = files.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    let (id, contract_json) = if include.contains(&Include::ContractJson) {
        let (id, contract) = planner::identity(req, plan);
        (id, Value::String(contract))
    } else {
        (planner::fingerprint(req), Value::Null)
    };
    with_computed(
        config,
        vec![
            ("id", Value::String(id)),
            ("secrets_config", secrets_config),
            ("access_policies", Value::List(access_policies)),
            ("integration_code", Value::List(integration_code)),
            ("rotation_scripts", rotation_scripts),
            ("deployment_manifests", Value::List(manifests)),
            ("decisions", Value::List(plan.decisions.iter().map(|d| s(d)).collect())),
            (
                "placeholders",
                Value::List(
                    plan.placeholders
                        .iter()
                        .map(|p| Value::object([("argument", s(&p.argument)), ("value", s(&p.value))]))
                        .collect(),
                ),
            ),
            ("files", Value::Map(files)),
            (
                "platform_files",
                Value::Map(plan.platform_files.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
            ),
            ("contract_json", contract_json),
        ],
    )
}

/// Errors always; fallbacks as warnings, or errors under `strict`. At validate time only what
/// blocks is reported, so warnings are shown once (by the read) rather than once per validation.
pub fn findings_to_diagnostics(findings: &[Finding], strict: bool, at_validate: bool) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for f in findings {
        let path = (!f.field.is_empty()).then(|| Path::from_steps(f.field.iter().map(|n| crate::tf::Step::Attribute(n.clone())).collect()));
        match (f.kind, strict) {
            (FindingKind::Error, _) => diags.error(path, &f.summary, &f.detail),
            (FindingKind::Fallback, true) => diags.error(
                path,
                messages::fallback_in_strict(&f.summary),
                format!("{} {}", f.detail, messages::strict_note()),
            ),
            (FindingKind::Fallback | FindingKind::Warning, _) if !at_validate => diags.warning(path, &f.summary, &f.detail),
            _ => {}
        }
    }
    diags
}

/// Under `strict`, every placeholder left in the plan is an error on the argument that replaces it.
pub fn placeholders_to_diagnostics(placeholders: &[Placeholder], strict: bool) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if strict {
        for p in placeholders {
            let path = Path::from_steps(p.argument.split('.').map(|n| crate::tf::Step::Attribute(n.to_string())).collect());
            let (summary, detail) = messages::placeholder_in_strict(&p.argument, &p.value);
            diags.error(Some(path), summary, detail);
        }
    }
    diags
}
