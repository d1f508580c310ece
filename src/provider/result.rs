//! Plan -> Terraform state value, and planner findings -> diagnostics.

use crate::planner::placeholders::Placeholder;
use crate::planner::workload::WorkloadRequest;
use crate::planner::{self, Choice, Finding, FindingKind, Identity, Include, Plan, Request, RotationScripts, SecretPart, SecretsConfig};
use crate::tf::{Diagnostics, Path, Value};

use super::messages;
use super::schema::PER_SECRET;

/// The computed attributes of `secretsint_plan`.
const COMPUTED: [&str; 13] = [
    "id",
    "identity",
    "secrets",
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

/// The computed attributes of `secretsint_workload`.
const WORKLOAD_COMPUTED: [&str; 11] = [
    "id",
    "identity",
    "secrets",
    "access_policies",
    "integration_code",
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

/// A workload's configuration with every computed attribute unknown, except the keys of
/// `secrets`: they are the labels of the `secret` blocks, known whenever the blocks are.
pub fn unknown_workload_state(config: &Value) -> Value {
    let mut computed: Vec<(&str, Value)> = WORKLOAD_COMPUTED.iter().map(|name| (*name, Value::Unknown)).collect();
    if let Value::Map(blocks) = config.get("secret") {
        let keys = blocks.keys().map(|label| (label.clone(), Value::Unknown)).collect();
        computed[2].1 = Value::Map(keys);
    }
    with_computed(config, computed)
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

fn text_or_null(text: Option<&str>) -> Value {
    text.map_or(Value::Null, s)
}

/// `secrets_config`; `config_file` only when `full` (else a copy kept elsewhere in state).
fn secrets_config(sc: &SecretsConfig, full: bool) -> Value {
    Value::object([
        ("backend_endpoint", s(&sc.backend_endpoint)),
        ("authentication_method", s(sc.authentication_method.as_str())),
        ("secret_path", s(&sc.secret_path)),
        ("config_format", s(sc.config_format.as_str())),
        ("config_file", text_or_null(sc.config_file.as_deref().filter(|_| full))),
    ])
}

/// `rotation_scripts`; the free texts (`rotation_logic`, `notification`) only when `full`.
fn rotation_scripts(r: Option<&RotationScripts>, full: bool) -> Value {
    r.map_or(Value::Null, |r| {
        Value::object([
            ("rotation_type", s(r.rotation_type.as_str())),
            ("schedule", s(&r.schedule)),
            ("rotation_logic", text_or_null(Some(r.rotation_logic.as_str()).filter(|_| full))),
            ("notification", text_or_null(Some(r.notification.as_str()).filter(|_| full))),
            ("overlap", s(&r.overlap)),
            ("max_staleness", s(&r.max_staleness)),
        ])
    })
}

/// `secrets`, by key; `full` keeps the large texts of each entry.
fn secrets(parts: &[SecretPart], full: bool) -> Value {
    Value::Map(
        parts
            .iter()
            .map(|p| {
                let entry = Value::object([
                    ("secret_path", s(&p.secret_path)),
                    ("secrets_config", secrets_config(&p.secrets_config, full)),
                    ("rotation_scripts", rotation_scripts(p.rotation_scripts.as_ref(), full)),
                ]);
                (p.key.clone(), entry)
            })
            .collect(),
    )
}

fn identity(i: &Identity) -> Value {
    Value::object([
        ("kind", s(&i.kind)),
        ("name", s(&i.name)),
        ("fields", Value::Map(i.fields.iter().map(|(k, v)| (k.clone(), s(v))).collect())),
    ])
}

/// The computed attributes both data sources share, in their schema's order around them.
fn shared(plan: &Plan, include: &[Include]) -> Vec<(&'static str, Value)> {
    let access_policies = plan
        .access_policies
        .iter()
        .map(|p| {
            Value::object([
                ("policy_name", s(&p.policy_name)),
                ("policy_type", s(p.policy_type.as_str())),
                ("policy_document", s(&p.policy_document)),
                ("scope", s(&p.scope)),
                ("secret", s(&p.secret)),
                ("attach_to", s(p.attach_to.as_str())),
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
    let files = if include.contains(&Include::Files) {
        plan.files()
    } else {
        plan.files_unique()
    };
    let files = files.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    vec![
        ("identity", identity(&plan.identity)),
        ("access_policies", Value::List(access_policies)),
        ("integration_code", Value::List(integration_code)),
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
    ]
}

pub fn state(config: &Value, req: &Request, plan: &Plan) -> Value {
    let include = req.include.as_deref().unwrap_or_default();
    let (id, contract_json) = if include.contains(&Include::ContractJson) {
        let (id, contract) = planner::identity(req, plan);
        (id, Value::String(contract))
    } else {
        (planner::fingerprint(req), Value::Null)
    };
    let mut computed = shared(plan, include);
    computed.extend([
        ("id", Value::String(id)),
        // The one entry repeats `secrets_config` and `rotation_scripts`: its large texts only on request.
        ("secrets", secrets(&plan.secrets, include.contains(&Include::Files))),
        ("secrets_config", secrets_config(&plan.secrets_config, true)),
        ("rotation_scripts", rotation_scripts(plan.rotation_scripts.as_ref(), true)),
        ("contract_json", contract_json),
    ]);
    with_computed(config, computed)
}

/// The state of a `secretsint_workload`.
pub fn workload_state(config: &Value, w: &WorkloadRequest, plan: &Plan) -> Value {
    let include = w.base.include.as_deref().unwrap_or_default();
    let (id, contract_json) = workload_identity(w, plan, include.contains(&Include::ContractJson));
    let mut computed = shared(plan, include);
    computed.extend([
        ("id", Value::String(id)),
        ("secrets", secrets(&plan.secrets, true)),
        ("contract_json", contract_json.map_or(Value::Null, Value::String)),
    ]);
    with_computed(config, computed)
}

/// A workload's `id` and, when asked, its `contract_json`. The planner fingerprints and echoes
/// the normalized inputs of one secret's request; a workload's are those of each secret: the
/// id hashes each label with its secret's fingerprint, and the document echoes the workload's
/// arguments once with each secret's own under `secret`, then the workload's results.
fn workload_identity(w: &WorkloadRequest, plan: &Plan, contract: bool) -> (String, Option<String>) {
    use serde_json::{Map, Value as Json};
    let mut prints = Vec::new();
    let mut doc: Option<Map<String, Json>> = None;
    let mut secret_inputs = Map::new();
    for spec in &w.secrets {
        let req = w.secret_request(spec);
        if !contract {
            prints.push(Json::from(vec![spec.label.as_str().to_string(), planner::fingerprint(&req)]));
            continue;
        }
        let (print, text) = planner::identity(&req, plan);
        prints.push(Json::from(vec![spec.label.as_str().to_string(), print]));
        let Ok(Json::Object(mut one)) = serde_json::from_str::<Json>(&text) else {
            continue;
        };
        let own: Map<String, Json> = PER_SECRET
            .iter()
            .filter_map(|k| Some((k.to_string(), one.shift_remove(*k)?)))
            .collect();
        secret_inputs.insert(spec.label.as_str().to_string(), Json::Object(own));
        doc.get_or_insert(one);
    }
    let id = hex_sha256(Json::Array(prints).to_string().as_bytes());
    let Some(first) = doc else {
        return (id, None);
    };
    let mut out = Map::new();
    for (k, v) in first {
        match k.as_str() {
            "timestamp" => {
                out.insert("secret".into(), Json::Object(std::mem::take(&mut secret_inputs)));
                out.insert(k, v);
                out.insert("identity".into(), serde_json::to_value(&plan.identity).unwrap_or_default());
                out.insert("secrets".into(), serde_json::to_value(secret_parts_json(plan)).unwrap_or_default());
            }
            // The plan's one-secret copies; a workload has `secrets`.
            "secrets_config" | "rotation_scripts" => {}
            _ => {
                out.insert(k, v);
            }
        }
    }
    let mut text = serde_json::to_string_pretty(&Json::Object(out)).unwrap_or_default();
    text.push('\n');
    (id, Some(text))
}

/// `secrets` as the contract document holds it: by key, without the key inside.
fn secret_parts_json(plan: &Plan) -> serde_json::Map<String, serde_json::Value> {
    plan.secrets
        .iter()
        .map(|p| {
            let v = serde_json::json!({
                "secret_path": p.secret_path,
                "secrets_config": p.secrets_config,
                "rotation_scripts": p.rotation_scripts,
            });
            (p.key.clone(), v)
        })
        .collect()
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Errors always; fallbacks as warnings, or errors under `strict`. At validate time only what
/// blocks is reported, so warnings are shown once (by the read) rather than once per validation.
pub fn findings_to_diagnostics(findings: &[Finding], strict: bool, at_validate: bool) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for f in findings {
        let path = (!f.field.is_empty()).then(|| finding_path(&f.field));
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

/// A finding's field as an attribute path: `["secret", "db", "rotation_policy"]` is
/// `secret["db"].rotation_policy` (the label is a map key), a number an element of a list.
pub fn finding_path(field: &[String]) -> Path {
    use crate::tf::Step;
    let steps = field
        .iter()
        .enumerate()
        .map(|(i, n)| match n.parse::<i64>() {
            _ if i == 1 && field[0] == "secret" => Step::Key(n.clone()),
            Ok(index) if i > 0 => Step::Index(index),
            _ => Step::Attribute(n.clone()),
        })
        .collect();
    Path::from_steps(steps)
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

/// [`placeholders_to_diagnostics`] for a workload: a placeholder of a secret's own argument
/// (`database.host`) lands on that secret's block, once per secret that leaves it.
pub fn workload_placeholders_to_diagnostics(w: &WorkloadRequest, strict: bool) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if !strict {
        return diags;
    }
    let mut seen: Vec<String> = Vec::new();
    for spec in &w.secrets {
        for p in planner::check(&w.secret_request(spec)).placeholders {
            let mut field: Vec<String> = p.argument.split('.').map(String::from).collect();
            if PER_SECRET.contains(&field[0].as_str()) {
                field.splice(0..0, ["secret".to_string(), spec.label.as_str().to_string()]);
            }
            let path = finding_path(&field);
            let argument = path.to_string();
            if seen.contains(&argument) {
                continue;
            }
            let (summary, detail) = messages::placeholder_in_strict(&argument, &p.value);
            diags.error(Some(path), summary, detail);
            seen.push(argument);
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_fields_become_paths_with_map_keys_and_list_indexes() {
        let path = |field: &[&str]| finding_path(&field.iter().map(|f| f.to_string()).collect::<Vec<_>>()).to_string();
        assert_eq!(path(&["secret"]), "secret");
        assert_eq!(path(&["secret", "db", "rotation_policy"]), "secret[\"db\"].rotation_policy");
        assert_eq!(path(&["secret", "7", "database", "engine"]), "secret[\"7\"].database.engine");
        assert_eq!(path(&["certificate", "alt_names", "2"]), "certificate.alt_names[2]");
        assert_eq!(
            path(&["secret", "tls", "certificate", "alt_names", "0"]),
            "secret[\"tls\"].certificate.alt_names[0]"
        );
        assert_eq!(path(&["kubernetes", "namespace"]), "kubernetes.namespace");
    }
}
