//! Reusable Kubernetes manifest validation, strict about unknown fields:
//! - core kinds with kubernetes-validate 1.37.0 `--strict`;
//! - CRD kinds (ESO, cert-manager) twice: against the upstream CRD schemas in
//!   `tests/fixtures/crd-schemas.json` (ESO helm-chart-2.9.0, cert-manager main of 2026-08-22;
//!   `_source` in the file names the commits; descriptions stripped) by a strict structural walk,
//!   and with the npm `@kubernetes-models` validators (types, enums, required).
//!
//! Any backend's test calls [`validate_manifests`] with (label, YAML text) pairs.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use crate::support::{repo_root, tool};

fn crd_schemas() -> &'static Value {
    static SCHEMAS: OnceLock<Value> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let text = std::fs::read_to_string(repo_root().join("tests/fixtures/crd-schemas.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    })
}

fn is_core(api_version: &str) -> bool {
    match api_version.split_once('/') {
        None => true,
        Some((group, _)) => !group.contains('.') || group.ends_with(".k8s.io"),
    }
}

/// Parses every document of every text; panics with the label on YAML errors. Each document
/// comes with its exact text, which the YAML 1.1 validators read as written.
pub fn documents(manifests: &[(String, String)]) -> Vec<(String, Value, String)> {
    let mut out = Vec::new();
    for (label, text) in manifests {
        assert!(
            !text.contains("external-secrets.io/v1beta1"),
            "{label}: v1beta1 is not served by any supported ESO"
        );
        for (i, doc) in text.split("\n---\n").enumerate() {
            let value: Value = serde_norway::from_str(doc).unwrap_or_else(|e| panic!("{label} document {i}: {e}"));
            out.push((format!("{label}#{i}"), value, doc.to_string()));
        }
    }
    out
}

/// Validates every document strictly; panics listing every problem found.
pub fn validate_manifests(manifests: &[(String, String)]) {
    let docs = documents(manifests);
    let mut problems = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let mut core_files = Vec::new();
    let mut crds = Vec::new();
    for (i, (label, doc, text)) in docs.iter().enumerate() {
        let api = doc["apiVersion"].as_str().unwrap_or_default();
        let kind = doc["kind"].as_str().unwrap_or_default();
        if is_core(api) {
            let path = dir.path().join(format!("{i}.yaml"));
            // Our bytes, not a re-serialisation: kubernetes-validate reads them with PyYAML (YAML
            // 1.1), as the API server's YAML reader would, so an unquoted `yes` or date fails here.
            std::fs::write(&path, text).unwrap();
            core_files.push((label.clone(), path));
        } else {
            match crd_schemas().get(format!("{api}/{kind}")) {
                Some(schema) => strict(schema, doc, label, &mut problems),
                None => problems.push(format!("{label}: no CRD schema for {api} {kind}")),
            }
            crds.push(doc.clone());
        }
    }
    if !core_files.is_empty() {
        let out = Command::new(tool("bin/kubernetes-validate"))
            .args(["--strict", "--quiet", "-k", "1.37.0"])
            .args(core_files.iter().map(|(_, p)| p))
            .output()
            .unwrap();
        if !out.status.success() {
            let mut report = String::from_utf8_lossy(&out.stdout).into_owned();
            for (label, path) in &core_files {
                report = report.replace(&path.display().to_string(), label);
            }
            problems.push(format!(
                "kubernetes-validate --strict: {report}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    if !crds.is_empty() {
        let mut child = Command::new("node")
            .arg(repo_root().join("tests/it/validate_crds.mjs"))
            .arg(tool("node/node_modules"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node is installed (Debian nodejs)");
        child.stdin.take().unwrap().write_all(&serde_json::to_vec(&crds).unwrap()).unwrap();
        let out = child.wait_with_output().unwrap();
        if !out.status.success() {
            problems.push(format!(
                "@kubernetes-models validation: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(problems.is_empty(), "manifest validation failed:\n{}", problems.join("\n"));
}

/// A strict structural check against an openAPIV3Schema: types, required, enums, and no
/// property the schema does not declare (unless it preserves unknown fields). `metadata` is
/// left to the API server's ObjectMeta validation, as for every CRD.
pub fn strict(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let mut value = value.clone();
    if let Some(name) = value.pointer("/metadata/name") {
        assert!(name.is_string(), "{at}: metadata.name");
    }
    if let Some(obj) = value.as_object_mut() {
        obj.remove("metadata");
    }
    walk(schema, &value, at, problems);
}

fn walk(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        if !(value.is_string() || value.is_i64() || value.is_u64()) {
            problems.push(format!("{at}: want int or string, got {value}"));
        }
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            problems.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let ty = schema.get("type").and_then(Value::as_str);
    let ok = match ty {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !ok {
        problems.push(format!("{at}: want {}, got {value}", ty.unwrap_or("?")));
        return;
    }
    if let Some(items) = schema.get("items") {
        for (i, v) in value.as_array().into_iter().flatten().enumerate() {
            walk(items, v, &format!("{at}[{i}]"), problems);
        }
    }
    let Some(obj) = value.as_object() else { return };
    for req in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        if let Some(name) = req.as_str() {
            if !obj.contains_key(name) {
                problems.push(format!("{at}: missing required {name}"));
            }
        }
    }
    let props = schema.get("properties").and_then(Value::as_object);
    let additional = schema.get("additionalProperties");
    let preserve = schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    for (key, v) in obj {
        let path = format!("{at}.{key}");
        if let Some(sub) = props.and_then(|p| p.get(key)) {
            walk(sub, v, &path, problems);
        } else if let Some(add) = additional.filter(|a| a.is_object()) {
            walk(add, v, &path, problems);
        } else if !(preserve || additional == Some(&Value::Bool(true))) {
            problems.push(format!("{path}: unknown field"));
        }
    }
}

#[test]
fn the_strict_walk_rejects_unknown_fields_and_bad_types() {
    let schema = &crd_schemas()["external-secrets.io/v1/ExternalSecret"];
    let good = serde_json::json!({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "a"},
        "spec": {"refreshInterval": "1h", "dataFrom": [{"extract": {"key": "k"}}]}});
    let mut problems = Vec::new();
    strict(schema, &good, "good", &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    let bad = serde_json::json!({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "a"},
        "spec": {"refreshInterval": 5, "bogus": true, "target": {"creationPolicy": "Sometimes"}}});
    strict(schema, &bad, "bad", &mut problems);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(crd_schemas().get("external-secrets.io/v1beta1/ExternalSecret").is_none());
}

/// Names that YAML 1.1 readers (the API server's sigs.k8s.io/yaml, PyYAML) take for booleans
/// stay strings in every backend's manifests; kubernetes-validate reads our exact bytes with
/// PyYAML. The unquoted canary proves that reader would catch the mistake.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn yaml_1_1_look_alike_names_stay_strings() {
    use secretsint::planner::request::{DnsLabel, Request};
    use secretsint::planner::{plan, Backend, Choice, CredentialType, ManifestType, Rotation, Target};
    let mut manifests = Vec::new();
    for &b in Backend::ALL {
        let mut req = Request::new(b, Target::Kubernetes, Rotation::Automatic);
        req.credential = Some(CredentialType::Database);
        req.name = Some(DnsLabel::parse("on", 40).unwrap());
        req.kubernetes.namespace = Some(DnsLabel::parse("yes", 63).unwrap());
        req.kubernetes.service_account = Some("off".into());
        for m in plan(&req)
            .deployment_manifests
            .iter()
            .filter(|m| m.kind == ManifestType::Kubernetes)
        {
            assert!(
                m.content.contains("\"yes\""),
                "{b}/{}: namespace not quoted:\n{}",
                m.filename,
                m.content
            );
            // A strategic-merge patch is not a whole object (see azure_backend.rs).
            if !m.filename.contains("patch") {
                manifests.push((format!("{b}/{}", m.filename), m.content.clone()));
            }
        }
    }
    assert!(manifests.len() >= 8, "{}", manifests.len());
    validate_manifests(&manifests);

    let canary = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: yes\n  namespace: app\n".to_string();
    let caught = std::panic::catch_unwind(|| validate_manifests(&[("canary".into(), canary)]));
    assert!(caught.is_err(), "an unquoted `yes` must fail kubernetes-validate");
}
