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

/// The issue's three secrets: a dynamic PostgreSQL credential, a third-party API key rotated by
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

/// Every workload of `backend`'s platforms, in each mix, for the checks that read a backend's
/// Terraform against its provider's schema.
pub(crate) fn workload_plans(backend: Backend) -> Vec<(String, Plan)> {
    let mut out = Vec::new();
    for (b, target, ci) in platforms().into_iter().filter(|(b, _, _)| *b == backend) {
        for (mix, secrets) in mixes() {
            let p = plan_workload(&workload(b, target, ci, "orders", "prod", secrets));
            assert!(errors(&p).is_empty(), "{target}/{ci:?}/{mix}: {:?}", errors(&p));
            out.push((format!("workload/{target}/{ci:?}/{mix}"), p));
        }
    }
    out
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

/// The Terraform of a workload as one text per top-level block, by address.
fn blocks_text(p: &Plan) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (path, text) in p.files().iter().filter(|(path, _)| path.ends_with(".tf")) {
        let body: hcl::Body = hcl::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        for block in body.into_blocks() {
            let address = std::iter::once(block.identifier().to_string())
                .chain(block.labels().iter().map(|l| l.as_str().to_string()))
                .collect::<Vec<_>>()
                .join(".");
            out.insert(address, hcl::to_string(&hcl::Body::builder().add_block(block).build()).unwrap());
        }
    }
    out
}

/// Invariant 3: one consumer identity per workload and environment, holding the consumer
/// policy of every secret. On each platform the identity is declared once, and every secret
/// is tied to it: Vault's role lists the secret's policy, a cloud's attachment, assignment or
/// binding of the secret names the identity.
#[test]
fn one_identity_holds_the_consumer_policy_of_every_secret() {
    let mut failures = Vec::new();
    for (backend, target, ci) in platforms() {
        let case = format!("{backend}/{target}/{ci:?}");
        let p = plan_workload(&workload(backend, target, ci, "orders", "prod", three()));
        assert!(errors(&p).is_empty(), "{case}: {:?}", errors(&p));
        let blocks = blocks_text(&p);
        let identity_blocks: &[&str] = match backend {
            Backend::Vault => &[
                "resource.vault_kubernetes_auth_backend_role.app",
                "resource.vault_jwt_auth_backend_role.app",
                "resource.vault_approle_auth_backend_role.app",
            ],
            Backend::AwsSecrets => &["resource.aws_iam_role.consumer"],
            Backend::AzureKeyVault => &["resource.azurerm_user_assigned_identity.app"],
            Backend::GcpSecretManager => &["resource.google_service_account.app"],
        };
        let declared: Vec<&&str> = identity_blocks.iter().filter(|a| blocks.contains_key(**a)).collect();
        let principal_only = backend == Backend::GcpSecretManager && target != Target::Application;
        if declared.len() != usize::from(!principal_only) {
            failures.push(format!("{case}: identity blocks {declared:?}"));
            continue;
        }
        for spec in three() {
            let label = spec.label.as_str();
            let prefix = format!("{}__", label.replace('-', "_"));
            let consumer: Vec<_> = p
                .access_policies
                .iter()
                .filter(|a| a.secret == label && a.attach_to == secretsint::planner::AttachTo::consumer(target))
                .collect();
            // On Kubernetes, Vault's cert-manager holds the certificate's policy, not the workload.
            let cert_manager = backend == Backend::Vault && target == Target::Kubernetes && label == "tls";
            if consumer.is_empty() && !cert_manager {
                failures.push(format!("{case}: no consumer policy for {label}"));
            }
            let tied = match declared.first() {
                Some(identity) if backend == Backend::Vault => cert_manager || blocks[**identity].contains(&format!(".{prefix}")),
                Some(identity) => {
                    let reference = identity.trim_start_matches("resource.");
                    blocks
                        .iter()
                        .any(|(address, text)| address.contains(&prefix) && text.contains(reference))
                }
                // A principal, not a block: the binding names it (a CI pool by reference, so
                // what follows the pool's ID).
                None => {
                    let member = &p.identity.fields["member"];
                    let tail = member
                        .split_once("workloadIdentityPools/")
                        .and_then(|(_, rest)| rest.split_once('/'))
                        .map_or(member.as_str(), |(_, tail)| tail);
                    blocks
                        .iter()
                        .any(|(address, text)| address.contains(&prefix) && text.contains(tail))
                }
            };
            if !tied {
                failures.push(format!("{case}: secret {label} is not tied to the identity"));
            }
        }
        if p.identity.name.is_empty() || p.identity.kind.is_empty() {
            failures.push(format!("{case}: identity {:?}", p.identity));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// A secret's names and Terraform do not move when another secret joins the workload: adding
/// `stripe` to a workload of `db` leaves every block of `db` as it was, so the next apply
/// neither replaces nor renames anything of it.
#[test]
fn a_secret_keeps_its_names_when_another_joins() {
    let mut failures = Vec::new();
    for (backend, target, ci) in platforms() {
        let case = format!("{backend}/{target}/{ci:?}");
        let alone = plan_workload(&workload(backend, target, ci, "orders", "prod", three()[..1].to_vec()));
        let joined = plan_workload(&workload(backend, target, ci, "orders", "prod", three()));
        let (alone, joined) = (blocks_text(&alone), blocks_text(&joined));
        for (address, text) in alone.iter().filter(|(a, _)| a.contains("db__")) {
            match joined.get(address) {
                Some(t) if t == text => {}
                Some(_) => failures.push(format!("{case}: {address} changes when stripe and tls join")),
                None => failures.push(format!("{case}: {address} disappears when stripe and tls join")),
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Invariants 1, 2 and 4 across a repo of workloads: two workloads (`orders`, `billing`) in two
/// environments each, three secrets each, on every platform, in one shared namespace. A
/// `merge()` of their `files` loses nothing, every plan holds the same `platform_files`, and no
/// cloud or Kubernetes object is declared by two plans.
#[test]
fn a_repo_of_workloads_composes_on_every_platform() {
    let mut failures = Vec::new();
    for (backend, target, ci) in platforms() {
        let mut plans = Vec::new();
        for name in ["orders", "billing"] {
            for environment in ["prod", "staging"] {
                let p = plan_workload(&workload(backend, target, ci, name, environment, three()));
                assert!(errors(&p).is_empty(), "{name}/{environment}: {:?}", errors(&p));
                plans.push((format!("{backend}/{target}/{ci:?}/{name}/{environment}"), p));
            }
        }
        let mut merged: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut owners: BTreeMap<String, String> = BTreeMap::new();
        for (case, p) in &plans {
            if p.platform_files != plans[0].1.platform_files {
                failures.push(format!("{case}: platform_files differ from {}'s", plans[0].0));
            }
            let files = p.files();
            for (path, content) in &files {
                match merged.get(path) {
                    Some((other, before)) if before != content => {
                        failures.push(format!("{case} and {other} both write {path} differently"))
                    }
                    Some(_) => {}
                    None => {
                        merged.insert(path.clone(), (case.clone(), content.clone()));
                    }
                }
            }
            for name in named_objects(&tf_blocks(case, files.iter())) {
                if let Some(other) = owners.insert(name.clone(), case.clone()) {
                    failures.push(format!("{case} and {other} both declare {name}"));
                }
            }
            for object in kubernetes_objects(case, p) {
                if let Some(other) = owners.insert(object.clone(), case.clone()) {
                    failures.push(format!("{case} and {other} both deploy {object}"));
                }
            }
        }
    }
    failures.sort();
    failures.dedup();
    assert!(failures.is_empty(), "{} collisions:\n{}", failures.len(), failures.join("\n"));
}

/// Every Kubernetes object a workload of any backend deploys passes kubernetes-validate's strict
/// schema check (with the External Secrets Operator's and cert-manager's CRDs), every
/// `deployment_manifests` element of type `kubernetes` holds exactly one object (so
/// `yamldecode(m.content)` works), and the merged Deployment patch mounts every secret's volume.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_workload_kubernetes_object_passes_strict_schema_validation() {
    use secretsint::planner::{Choice, ManifestType, PolicyType};
    let mut manifests = Vec::new();
    for b in Backend::ALL {
        for (case, p) in workload_plans(*b) {
            for m in p.deployment_manifests.iter().filter(|m| m.kind == ManifestType::Kubernetes) {
                let objects = m.content.split("\n---\n").filter(|d| !d.trim().is_empty()).count();
                assert_eq!(objects, 1, "{b}/{case}/{}: one object per manifest", m.filename);
                // A strategic-merge patch is not a whole object; everything else is validated.
                if !m.filename.contains("patch") {
                    manifests.push((format!("{b}/{case}/{}", m.filename), m.content.clone()));
                }
            }
            for a in p.access_policies.iter().filter(|a| a.policy_type == PolicyType::KubernetesRbac) {
                manifests.push((format!("{b}/{case}/policies/{}", a.policy_name), a.policy_document.clone()));
            }
        }
    }
    assert!(manifests.len() > 100, "{}", manifests.len());
    crate::k8s_validate::validate_manifests(&manifests);
}

/// What a workload's `decisions` name exists in its artifacts: every file path a sentence
/// names is one of its files (or the platform's), and every Terraform address or variable
/// (`aws_iam_role.consumer`, `var.db__rotation_subnet_ids`) is declared in its module, after
/// the composition moved and renamed the secrets' own.
#[test]
fn workload_decisions_name_only_what_the_workload_has() {
    use secretsint::planner::Choice;
    let mut failures = Vec::new();
    let providers = ["vault_", "aws_", "azurerm_", "google_", "time_", "archive_"];
    for b in Backend::ALL {
        for (case, p) in workload_plans(*b) {
            let files = crate::support::WorkloadFiles::workload_files(&p);
            let mut blocks = blocks_text(&p);
            // What the platform file declares, which the workload's Terraform looks up.
            for (path, text) in &p.platform_files {
                let body: hcl::Body = hcl::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
                for block in body.into_blocks() {
                    let address = std::iter::once(block.identifier().to_string())
                        .chain(block.labels().iter().map(|l| l.as_str().to_string()))
                        .collect::<Vec<_>>()
                        .join(".");
                    blocks.insert(address, String::new());
                }
            }
            let declared: BTreeSet<String> = blocks
                .keys()
                .filter_map(|a| {
                    let parts: Vec<&str> = a.split('.').collect();
                    match parts.as_slice() {
                        ["resource", kind, name] => Some(format!("{kind}.{name}")),
                        ["data", kind, name] => Some(format!("data.{kind}.{name}")),
                        ["variable", name] => Some(format!("var.{name}")),
                        _ => None,
                    }
                })
                .collect();
            for d in &p.decisions {
                for word in d.split(|c: char| c.is_whitespace() || "(),;:\"'`".contains(c)) {
                    let word = word.trim_end_matches(['.', ',']);
                    let is_path = word.contains('/')
                        && [".yaml", ".yml", ".tf", ".py", ".json", ".sh", ".txt"]
                            .iter()
                            .any(|e| word.ends_with(e))
                        && !word.contains("://")
                        && !word.starts_with('/')
                        && !word.contains('*')
                        && !word.contains(['{', '}', '$', '<', '>']);
                    if is_path && !files.contains_key(word) && !p.platform_files.contains_key(word) {
                        failures.push(format!("{b}/{case}: decision names {word}, not a file: {d}"));
                    }
                    let is_address =
                        (providers.iter().any(|pr| word.starts_with(pr)) || word.starts_with("var.") || word.starts_with("data."))
                            && word.matches('.').count() >= 1
                            && !word.contains('/')
                            && !word.contains('=');
                    if is_address {
                        let parts: Vec<&str> = word.split('.').collect();
                        let address = if parts[0] == "data" {
                            parts.iter().take(3).copied().collect::<Vec<_>>().join(".")
                        } else {
                            parts.iter().take(2).copied().collect::<Vec<_>>().join(".")
                        };
                        if !declared.contains(&address) && !address.ends_with('.') {
                            failures.push(format!("{b}/{case}: decision names {address}, not declared: {d}"));
                        }
                    }
                }
            }
        }
    }
    failures.sort();
    failures.dedup();
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// On Azure DevOps the consumer's one service connection gets one branch check, however many
/// secrets the workload reads through it.
#[test]
fn azure_devops_checks_the_one_service_connection_once() {
    use secretsint::planner::Choice;
    for b in Backend::ALL {
        let p = plan_workload(&workload(
            *b,
            Target::Cicd,
            Some(CicdPlatform::AzureDevops),
            "orders",
            "prod",
            three(),
        ));
        assert!(errors(&p).is_empty(), "{b}: {:?}", errors(&p));
        let blocks = blocks_text(&p);
        let checks: Vec<&String> = blocks
            .iter()
            .filter(|(a, t)| {
                a.starts_with("resource.azuredevops_check_branch_control.") && t.contains("var.azure_devops_service_connection_id")
            })
            .map(|(a, _)| a)
            .collect();
        assert_eq!(checks.len(), 1, "{b}: {checks:?}");
    }
}

/// Issue 15: an AWS rotation rule hears only its own secret's outcomes. Every
/// `aws_cloudwatch_event_rule` of every workload matches the ARN of the secret beside it (the
/// same `<label>__` prefix), so a workload's topic, or another workload's, never receives the
/// outcomes of a secret that is not its own. The canary: the old pattern, which named no secret.
#[test]
fn every_aws_rotation_rule_matches_its_own_secret_only() {
    let mut rules = 0;
    for (case, p) in workload_plans(Backend::AwsSecrets) {
        for (address, text) in blocks_text(&p)
            .iter()
            .filter(|(a, _)| a.starts_with("resource.aws_cloudwatch_event_rule."))
        {
            let prefix = address
                .trim_start_matches("resource.aws_cloudwatch_event_rule.")
                .trim_end_matches("rotation");
            let own = format!("aws_secretsmanager_secret.{prefix}app.arn");
            assert!(
                text.contains("additionalEventData") && text.contains(&own),
                "{case}: {address} does not match {own}:\n{text}"
            );
            rules += 1;
        }
    }
    assert!(rules > 20, "{rules}");
    let old = r#"resource "aws_cloudwatch_event_rule" "rotation" { event_pattern = "{\"source\":[\"aws.secretsmanager\"]}" }"#;
    assert!(!old.contains("aws_secretsmanager_secret.app.arn"), "the canary names no secret");
}

/// A workload's Azure identity IDs and GCP writers come from the workload-level `azure` and
/// `gcp` blocks: set, they reach every secret's artifacts and leave no zero GUID or placeholder
/// group, except the principalId of each secret's own rotation Function identity (per secret,
/// so no workload-level argument names it).
#[test]
fn identity_and_writer_arguments_reach_every_secret_of_a_workload() {
    const CLIENT: &str = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a";
    const PRINCIPAL: &str = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
    const DEPLOYER: &str = "6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c";
    const WRITERS: &str = "group:orders-writers@acme.test";
    let zero = "00000000-0000-0000-0000-000000000000";
    for (backend, target, ci) in platforms()
        .into_iter()
        .filter(|(b, _, _)| matches!(b, Backend::AzureKeyVault | Backend::GcpSecretManager))
    {
        for (mix, secrets) in mixes() {
            let mut w = workload(backend, target, ci, "orders", "prod", secrets);
            w.base.azure.identity_client_id = Some(CLIENT.into());
            w.base.azure.identity_principal_id = Some(PRINCIPAL.into());
            w.base.azure.deployer_principal_id = Some(DEPLOYER.into());
            w.base.gcp.writers = Some(WRITERS.into());
            w.base.azure.tenant_id = Some("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f".into());
            w.base.azure.subscription_id = Some("7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d".into());
            w.base.cicd.principal_id = Some("2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e".into());
            let p = plan_workload(&w);
            let at = format!("{backend}/{target}/{ci:?}/{mix}");
            let listed: Vec<&str> = p.placeholders.iter().map(|ph| ph.argument.as_str()).collect();
            for arg in [
                "azure.identity_client_id",
                "azure.identity_principal_id",
                "azure.deployer_principal_id",
                "gcp.writers",
            ] {
                assert!(!listed.contains(&arg), "{at}: {arg} set, yet listed");
            }
            let files = crate::support::WorkloadFiles::workload_files(&p);
            let all: String = files.values().cloned().collect();
            for (path, content) in &files {
                for line in content.lines() {
                    let rotator_doc = path.starts_with("policies/") && path.contains("-rotator-");
                    assert!(!line.contains(zero) || rotator_doc, "{at} {path}: {line}");
                    assert!(!line.contains("secret-writers@example.com"), "{at} {path}: {line}");
                }
            }
            match backend {
                Backend::AzureKeyVault => {
                    assert!(all.contains(PRINCIPAL) && all.contains(DEPLOYER), "{at}");
                    assert_eq!(all.contains(CLIENT), target != Target::Cicd, "{at}");
                }
                _ => {
                    let manual = w.secrets.iter().any(|s| s.rotation == Rotation::Manual);
                    assert_eq!(all.contains(WRITERS), manual, "{at}");
                }
            }
        }
    }
}
