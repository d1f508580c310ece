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

/// The longest length each platform accepts for a name the plans give an object: (resource type,
/// naming attribute, limit). From AWS's IAM, Lambda, EventBridge, SNS and Secrets Manager quotas,
/// Azure's resource naming rules and Google Cloud's resource ID rules.
const TERRAFORM_NAME_LIMITS: &[(&str, &str, usize)] = &[
    ("aws_iam_role", "name", 64),
    ("aws_iam_policy", "name", 128),
    ("aws_lambda_function", "function_name", 64),
    ("aws_cloudwatch_event_rule", "name", 64),
    ("aws_sns_topic", "name", 256),
    ("aws_secretsmanager_secret", "name", 512),
    ("aws_cloudwatch_log_group", "name", 512),
    ("azurerm_user_assigned_identity", "name", 128),
    ("azurerm_federated_identity_credential", "name", 120),
    ("azurerm_key_vault_secret", "name", 127),
    ("azurerm_key_vault_certificate", "name", 127),
    ("azurerm_storage_account", "name", 24),
    ("azurerm_service_plan", "name", 60),
    ("azurerm_function_app_flex_consumption", "name", 60),
    ("azurerm_eventgrid_system_topic_event_subscription", "name", 64),
    ("google_service_account", "account_id", 30),
    ("google_secret_manager_secret", "secret_id", 255),
    ("google_cloudfunctions2_function", "name", 63),
    ("google_pubsub_topic", "name", 255),
    ("google_storage_bucket", "name", 63),
];

/// With the longest `name` and `environment` the grammar allows (40 characters each), every
/// object a plan names fits its platform's limit: the Terraform names above, every Kubernetes
/// object (253, a CronJob 52 since its Jobs add 11) and every Vault policy and role name
/// (Vault takes any length, so those are not bounded here).
#[test]
fn the_longest_name_and_environment_fit_every_platform_limit() {
    let (environment, name) = ("e".repeat(39) + "x", "n".repeat(39) + "y");
    let mut problems = BTreeSet::new();
    let mut checked = 0;
    for (case, base) in every_request_on_every_platform() {
        let p = planner::plan(&named(&base, &environment, &name));
        for (path, text) in p.files().into_iter().chain(p.platform_files.clone()) {
            if !path.ends_with(".tf") {
                continue;
            }
            let body: hcl::Body = hcl::from_str(&text).unwrap();
            for block in body.blocks().filter(|b| b.identifier() == "resource") {
                let kind = block.labels()[0].as_str();
                for (_, attr, limit) in TERRAFORM_NAME_LIMITS.iter().filter(|(k, _, _)| *k == kind) {
                    if let Some(hcl::Expression::String(value)) = block.body().attributes().find(|a| a.key() == *attr).map(|a| a.expr()) {
                        checked += 1;
                        if value.len() > *limit {
                            problems.insert(format!("{case}: {kind}.{attr} {value:?} is {} > {limit}", value.len()));
                        }
                    }
                }
            }
        }
        for (_, kind, _, object) in kubernetes_objects(&p) {
            checked += 1;
            let limit = if kind == "CronJob" { 52 } else { 253 };
            if object.len() > limit {
                problems.insert(format!("{case}: {kind} {object:?} is {} > {limit}", object.len()));
            }
        }
    }
    assert!(checked > 1000, "only {checked} names checked");
    assert!(
        problems.is_empty(),
        "{} names too long:\n{}",
        problems.len(),
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}
