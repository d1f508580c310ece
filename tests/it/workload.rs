//! `secretsint_workload` (issue 14): one consumer identity, several secrets. Each workload of
//! every platform composes: its Terraform is one module with no repeated address and no cloud
//! object declared twice, its Kubernetes objects are each deployed once, the identity holds every
//! secret's consumer policy, and a secret's names do not move when other secrets join.

use std::collections::{BTreeMap, BTreeSet};

use secretsint::planner::request::{DnsLabel, Duration};
use secretsint::planner::workload::{plan_workload, SecretSpec, WorkloadRequest};
use secretsint::planner::{Backend, CicdPlatform, CredentialType, FindingKind, Plan, Request, Rotation, Target};

use crate::composition::{kubernetes_objects, named_objects, platforms, tf_blocks};

fn label(text: &str) -> DnsLabel {
    DnsLabel::parse(text, 63).expect("valid label")
}

pub(crate) fn secret(name: &str, credential: CredentialType, rotation: Rotation) -> SecretSpec {
    SecretSpec {
        label: label(name),
        credential,
        rotation,
        rotation_period: None,
        database: Default::default(),
        certificate: Default::default(),
    }
}

/// The three secrets: a dynamic PostgreSQL credential, a third-party API key rotated by
/// hand, a certificate rotated automatically.
pub(crate) fn three() -> Vec<SecretSpec> {
    vec![
        secret("db", CredentialType::Database, Rotation::Dynamic),
        secret("stripe", CredentialType::ApiKey, Rotation::Manual),
        secret("tls", CredentialType::Certificate, Rotation::Automatic),
    ]
}

/// Mixes that stress the composition: two secrets of one type, every type with every rotation.
fn mixes() -> Vec<(&'static str, Vec<SecretSpec>)> {
    let mut every = Vec::new();
    for (c, cn) in [
        (CredentialType::Database, "db"),
        (CredentialType::ApiKey, "key"),
        (CredentialType::Certificate, "cert"),
        (CredentialType::Generic, "cfg"),
    ] {
        for (r, rn) in [(Rotation::Manual, "m"), (Rotation::Automatic, "a"), (Rotation::Dynamic, "d")] {
            every.push(secret(&format!("{cn}-{rn}"), c, r));
        }
    }
    let mut hourly = secret("db-hourly", CredentialType::Database, Rotation::Automatic);
    hourly.rotation_period = Some(Duration::from_secs(24 * 3600));
    vec![
        ("three", three()),
        (
            "two-of-a-kind",
            vec![
                secret("stripe", CredentialType::ApiKey, Rotation::Automatic),
                secret("github", CredentialType::ApiKey, Rotation::Automatic),
                secret("db", CredentialType::Database, Rotation::Dynamic),
                hourly,
            ],
        ),
        ("every", every),
    ]
}

pub(crate) fn workload(
    backend: Backend,
    target: Target,
    ci: Option<CicdPlatform>,
    name: &str,
    environment: &str,
    secrets: Vec<SecretSpec>,
) -> WorkloadRequest {
    let mut base = Request::new(backend, target, Rotation::Manual);
    base.name = Some(label(name));
    base.environment = Some(label(environment));
    base.kubernetes.namespace = Some(label("shop"));
    base.cicd.platform = ci;
    WorkloadRequest { base, secrets }
}

fn errors(p: &Plan) -> Vec<String> {
    p.findings
        .iter()
        .filter(|f| f.kind == FindingKind::Error)
        .map(|f| format!("{:?}: {}: {}", f.field, f.summary, f.detail))
        .collect()
}

/// Inside one workload of every platform and mix: no error, one module without a repeated
/// address or a cloud object declared twice, each Kubernetes object once.
#[test]
fn every_workload_of_every_platform_composes_into_one_plan() {
    let mut failures = Vec::new();
    for (backend, target, ci) in platforms() {
        for (mix, secrets) in mixes() {
            let case = format!("{backend}/{target}/{ci:?}/{mix}");
            let p = plan_workload(&workload(backend, target, ci, "orders", "prod", secrets.clone()));
            let errs = errors(&p);
            if !errs.is_empty() {
                failures.push(format!("{case}: {}", errs.join("\n  ")));
                continue;
            }
            let files = p.files();
            let blocks = std::panic::catch_unwind(|| tf_blocks(&case, files.iter()));
            let Ok(blocks) = blocks else {
                failures.push(format!("{case}: repeated Terraform address"));
                continue;
            };
            // named_objects keeps a set: count the declarations themselves.
            let mut names = BTreeMap::new();
            for (address, block) in &blocks {
                let one: BTreeMap<String, hcl::Block> = [(address.clone(), block.clone())].into();
                for name in named_objects(&one) {
                    if let Some(other) = names.insert(name.clone(), address.clone()) {
                        failures.push(format!("{case}: {address} and {other} both declare {name}"));
                    }
                }
            }
            let mut seen = BTreeSet::new();
            for object in kubernetes_objects(&case, &p) {
                if !seen.insert(object.clone()) {
                    failures.push(format!("{case}: {object} deployed twice"));
                }
            }
            let keys: Vec<&str> = p.secrets.iter().map(|s| s.key.as_str()).collect();
            let labels: Vec<&str> = secrets.iter().map(|s| s.label.as_str()).collect();
            if keys != labels {
                failures.push(format!("{case}: secrets keys {keys:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
