//! Composition invariant 3 (no two workloads or environments share an identifier) and the parts of
//! invariant 1 that naming carries: `files` keys per workload and environment, one Kubernetes
//! object per manifest element.

use std::collections::{BTreeMap, BTreeSet};

use secretsint::planner::request::DnsLabel;
use secretsint::planner::{self, ManifestType, Plan, Request, Target};

use crate::support::every_request_on_every_platform;

fn label(text: &str) -> DnsLabel {
    DnsLabel::parse(text, 40).unwrap()
}

fn named(base: &Request, environment: &str, name: &str) -> Request {
    let mut req = base.clone();
    req.environment = Some(label(environment));
    req.name = Some(label(name));
    req
}

/// Every name-like token of a plan's workload artifacts that mentions `marker`: maximal runs of
/// letters, digits, '-' and '_' (so a path or ARN is split into its names) in every file key and
/// content, the secret path and the policy names. Platform files are shared by design.
fn identifiers(plan: &Plan, marker: &str) -> BTreeSet<String> {
    let mut texts: Vec<String> = vec![plan.secrets_config.secret_path.clone()];
    for (path, content) in plan.files() {
        texts.push(path);
        texts.push(content);
    }
    texts.extend(plan.access_policies.iter().map(|p| p.policy_name.clone()));
    texts
        .iter()
        .flat_map(|t| t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')))
        .filter(|t| t.to_ascii_lowercase().contains(marker))
        .map(String::from)
        .collect()
}

/// (environment `prod-eu`, name `payments`) and (environment `prod`, name `eu-payments`) share no
/// identifier on any backend, target, rotation, credential or CI platform; under the old `-` join
/// (simulated by folding `--` into `-`) every combination would share some.
#[test]
fn distinct_name_environment_pairs_share_no_identifier() {
    let mut failures = Vec::new();
    let mut folded_overlaps = 0;
    for (case, base) in every_request_on_every_platform() {
        let a = planner::plan(&named(&base, "prod-eu", "payments"));
        let b = planner::plan(&named(&base, "prod", "eu-payments"));
        assert!(
            a.findings.iter().all(|f| f.kind != planner::FindingKind::Error),
            "{case}: {:?}",
            a.findings
        );
        let ids_a = identifiers(&a, "payments");
        let ids_b = identifiers(&b, "payments");
        assert!(ids_a.len() >= 3, "{case}: the collector found only {ids_a:?}");
        let shared: Vec<_> = ids_a.intersection(&ids_b).collect();
        if !shared.is_empty() {
            failures.push(format!("{case}: {shared:?}"));
        }
        let fold = |ids: &BTreeSet<String>| ids.iter().map(|i| i.replace("--", "-")).collect::<BTreeSet<_>>();
        if !fold(&ids_a).is_disjoint(&fold(&ids_b)) {
            folded_overlaps += 1;
        }
    }
    assert!(failures.is_empty(), "shared identifiers:\n{}", failures.join("\n"));
    // Canary: the collector sees the joined identifiers; joined with one '-', they collide.
    let cases = every_request_on_every_platform().len();
    assert_eq!(folded_overlaps, cases, "the old '-' join collides in every combination");
}

/// (apiVersion, kind, namespace, name) of every object in a plan's Kubernetes manifests.
fn kubernetes_objects(plan: &Plan) -> BTreeSet<(String, String, String, String)> {
    let mut out = BTreeSet::new();
    for m in plan.deployment_manifests.iter().filter(|m| m.kind == ManifestType::Kubernetes) {
        for doc in documents(&m.content) {
            let get = |path: &[&str]| {
                let mut v = &doc;
                for p in path {
                    v = &v[*p];
                }
                v.as_str().unwrap_or("").to_string()
            };
            out.insert((
                get(&["apiVersion"]),
                get(&["kind"]),
                get(&["metadata", "namespace"]),
                get(&["metadata", "name"]),
            ));
        }
    }
    out
}

fn documents(text: &str) -> Vec<serde_json::Value> {
    use serde::Deserialize;
    serde_norway::Deserializer::from_str(text)
        .map(|d| serde_json::Value::deserialize(d).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

/// Two environments of one workload in one namespace share no Kubernetes object.
#[test]
fn two_environments_in_one_namespace_share_no_kubernetes_object() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for (case, base) in every_request_on_every_platform() {
        if base.target != Target::Kubernetes {
            continue;
        }
        let mut base = base.clone();
        base.kubernetes.namespace = Some(label("shop"));
        let prod = planner::plan(&named(&base, "prod", "orders"));
        let staging = planner::plan(&named(&base, "staging", "orders"));
        let (a, b) = (kubernetes_objects(&prod), kubernetes_objects(&staging));
        assert!(!a.is_empty(), "{case}: no Kubernetes objects");
        assert!(a.iter().all(|o| o.2 == "shop" || o.2.is_empty()), "{case}: {a:?}");
        compared += a.len();
        let shared: Vec<_> = a.intersection(&b).collect();
        if !shared.is_empty() {
            failures.push(format!("{case}: {shared:?}"));
        }
    }
    assert!(compared > 100, "only {compared} objects compared");
    assert!(failures.is_empty(), "shared Kubernetes objects:\n{}", failures.join("\n"));
}

/// Every `kubernetes` element of `deployment_manifests` is exactly one YAML document holding one
/// object, so `yamldecode(m.content)` works on each.
#[test]
fn every_kubernetes_manifest_holds_one_object() {
    let mut failures = Vec::new();
    for (case, req) in every_request_on_every_platform() {
        let plan = planner::plan(&req);
        for m in plan.deployment_manifests.iter().filter(|m| m.kind == ManifestType::Kubernetes) {
            let docs: Vec<_> = serde_norway::Deserializer::from_str(&m.content).collect();
            let one_object = docs.len() == 1 && {
                use serde::Deserialize;
                let v = serde_json::Value::deserialize(serde_norway::Deserializer::from_str(&m.content)).unwrap();
                v["kind"].is_string() && v["metadata"]["name"].is_string()
            };
            if !one_object {
                failures.push(format!("{case}: {} holds {} documents", m.filename, docs.len()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `merge()` of `files` over many workloads and environments of one combination loses no entry:
/// every key is under `<environment>--<name>/`, so two plans never share one.
#[test]
fn files_of_distinct_workloads_merge_without_loss() {
    let pairs = [
        ("prod", "orders"),
        ("staging", "orders"),
        ("prod", "payments"),
        ("prod-eu", "payments"),
        ("prod", "eu-payments"),
    ];
    for (case, base) in every_request_on_every_platform() {
        let mut merged: BTreeMap<String, String> = BTreeMap::new();
        let mut total = 0;
        for (env, name) in pairs {
            let files = planner::plan(&named(&base, env, name)).files();
            assert!(!files.is_empty(), "{case}");
            for (path, content) in files {
                let prefix = format!("{env}--{name}/");
                assert!(path.starts_with(&prefix), "{case}: {path} is not under {prefix}");
                total += 1;
                if let Some(old) = merged.insert(path.clone(), content.clone()) {
                    assert_eq!(old, content, "{case}: {path} differs between two plans");
                }
            }
        }
        assert_eq!(merged.len(), total, "{case}: merge() dropped entries");
    }
}

/// A name or environment holding `--` is refused on its own attribute: `--` joins the two.
#[test]
fn double_hyphen_in_name_or_environment_is_refused() {
    use secretsint::planner::{Backend, Rotation};
    let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Manual);
    req.name = Some(label("a--b"));
    req.environment = Some(label("prod--eu"));
    let plan = planner::plan(&req);
    let fields: Vec<_> = plan.findings.iter().map(|f| f.field.join(".")).collect();
    assert_eq!(fields, ["name", "environment"], "{:?}", plan.findings);
    let name = &plan.findings[0];
    assert_eq!(name.kind, planner::FindingKind::Error);
    assert_eq!(name.summary, "Invalid Attribute Value");
    assert_eq!(
        name.detail,
        "name: \"a--b\" holds '--', which joins environment and name in every identifier the plan names (\"<environment>--<name>\"), so neither may contain it: use single hyphens."
    );
    assert!(plan.files().is_empty());
}
