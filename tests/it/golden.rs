//! Golden files: every planned artifact written out with its native extension, plus
//! `contract.json`. `UPDATE_GOLDEN=1 cargo test` rewrites them; read every diff before committing.

use std::collections::BTreeMap;

use crate::support::WorkloadFiles;
use std::path::Path;

use secretsint::planner::request::{DnsLabel, Duration};
use secretsint::planner::{
    contract_json, plan, Backend, Choice, CicdPlatform, CredentialType, DbEngine, FindingKind, Language, Request, Rotation, StoreKind,
    Target,
};

fn base(engine: DbEngine) -> Request {
    let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Dynamic);
    req.credential = Some(CredentialType::Database);
    req.database.engine = Some(engine);
    req.timestamp = Some("2026-11-28T00:00:00Z".into());
    req
}

fn label(text: &str) -> DnsLabel {
    DnsLabel::parse(text, 63).expect("valid label")
}

/// The cases under `tests/golden/vault-kubernetes-dynamic-database/<case>/`.
fn cases() -> Vec<(&'static str, Request)> {
    let mut mysql = base(DbEngine::Mysql);
    mysql.name = Some(label("payments"));
    mysql.environment = Some(label("staging"));
    mysql.languages = Some(vec![Language::Python, Language::Go, Language::Nodejs, Language::Java]);
    mysql.rotation_period = Some(Duration::parse("2h").expect("duration"));
    mysql.vault.address = Some("https://vault.example.com:8200".into());
    mysql.vault.namespace = Some("team-a".into());
    mysql.vault.auth_mount = Some("k8s-staging".into());
    mysql.vault.database_mount = Some("db".into());
    mysql.database.host = Some("mysql.example.com".into());
    mysql.database.database_name = Some("payments_db".into());
    mysql.kubernetes.namespace = Some(label("payments-ns"));
    mysql.kubernetes.service_account = Some("payments-api".into());
    mysql.kubernetes.store_kind = Some(StoreKind::ClusterSecretStore);
    mysql.kubernetes.refresh_interval = Some(Duration::parse("1h").expect("duration"));

    vec![
        ("postgresql", base(DbEngine::Postgresql)),
        ("mysql", mysql),
        ("mongodb", base(DbEngine::Mongodb)),
        ("mssql", base(DbEngine::Mssql)),
        ("oracle", base(DbEngine::Oracle)),
        ("redshift", base(DbEngine::Redshift)),
    ]
}

fn render(req: &Request) -> BTreeMap<String, String> {
    let p = plan(req);
    // A case directory is one workload: its files are stored without their `<env>--<name>/`.
    let prefix = format!("{}/", p.workload);
    let mut files: BTreeMap<String, String> = p
        .files()
        .into_iter()
        .map(|(k, v)| match k.strip_prefix(&prefix) {
            Some(rel) => (rel.to_string(), v),
            None => panic!("files key {k} is not under {prefix}"),
        })
        .collect();
    assert!(
        files.keys().all(|k| !k.starts_with("platform/")),
        "platform/ holds platform_files only"
    );
    assert!(
        p.platform_files.keys().all(|k| k.starts_with("platform/")),
        "platform_files live under platform/"
    );
    files.extend(p.platform_files.clone());
    files.insert("contract.json".into(), contract_json(req, &p));
    files
}

fn existing(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let (Ok(rel), Ok(text)) = (path.strip_prefix(base), std::fs::read_to_string(&path)) {
                out.insert(rel.to_string_lossy().replace('\\', "/"), text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// SDK code is stored once, by content, under `tests/golden/_sdk/` (most combinations share the
/// same module); a case directory lists its code files in `code.index` (`path<TAB>shared file`).
const SDK_STORE: &str = "_sdk";
const SDK_INDEX: &str = "code.index";

fn golden_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The shared file holding `text`: the first 16 hex digits of its SHA-256, then the file's name
/// (so the native extension stays for the tools that lint goldens).
fn sdk_name(rel: &str, text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{hex}-{}", rel.rsplit('/').next().unwrap_or(rel))
}

/// The golden files of a case as stored: every file but the SDK code, plus the code index.
fn stored_form(files: &BTreeMap<String, String>) -> (BTreeMap<String, String>, Vec<(String, String)>) {
    let mut stored = BTreeMap::new();
    let mut shared = Vec::new();
    let mut index = String::new();
    for (rel, text) in files {
        if rel.starts_with("code/") {
            let name = sdk_name(rel, text);
            index.push_str(&format!("{rel}\t{name}\n"));
            shared.push((name, text.clone()));
        } else {
            stored.insert(rel.clone(), text.clone());
        }
    }
    if !index.is_empty() {
        stored.insert(SDK_INDEX.to_string(), index);
    }
    (stored, shared)
}

/// Compares (or with UPDATE_GOLDEN=1 rewrites) one golden directory.
pub(crate) fn check_golden(case: &str, dir: &Path, req: &Request) {
    let first = render(req);
    assert_eq!(first, render(req), "{case}: planning twice must give byte-identical output");
    let (stored, shared) = stored_form(&first);
    let store = golden_root().join(SDK_STORE);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(dir);
        for (rel, text) in &stored {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, text).expect("write golden");
        }
        std::fs::create_dir_all(&store).expect("mkdir _sdk");
        for (name, text) in &shared {
            std::fs::write(store.join(name), text).expect("write shared golden");
        }
        return;
    }
    let want = existing(dir);
    // SDK code first, by content: a template change shows as a diff of the code, not of the
    // index's hashes.
    let old_index: BTreeMap<&str, &str> = want
        .get(SDK_INDEX)
        .map(|t| t.lines().filter_map(|l| l.split_once('\t')).collect())
        .unwrap_or_default();
    for (rel, text) in first.iter().filter(|(rel, _)| rel.starts_with("code/")) {
        let old = old_index
            .get(rel.as_str())
            .and_then(|name| std::fs::read_to_string(store.join(name)).ok())
            .unwrap_or_default();
        if &old != text {
            panic!(
                "{case}/{rel} differs from its golden (run with UPDATE_GOLDEN=1 and review):\n{}",
                crate::support::unified_diff(&old, text)
            );
        }
    }
    assert_eq!(
        stored.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{case}: file list differs (run with UPDATE_GOLDEN=1 and review)"
    );
    for (rel, text) in &stored {
        if text != &want[rel] {
            panic!(
                "{case}/{rel} differs from its golden (run with UPDATE_GOLDEN=1 and review):\n{}",
                crate::support::unified_diff(&want[rel], text)
            );
        }
    }
    // The index matched, so each shared name is the hash of the planned text: the file must be
    // there and hold exactly that text.
    for (name, text) in &shared {
        let got = std::fs::read_to_string(store.join(name)).unwrap_or_default();
        assert!(
            &got == text,
            "{case}: tests/golden/{SDK_STORE}/{name} is missing or changed (run with UPDATE_GOLDEN=1)"
        );
    }
}

/// With UPDATE_GOLDEN=1, after every case was written: drop shared SDK files no index names.
fn prune_sdk_store() {
    let root = golden_root();
    let mut named = std::collections::BTreeSet::new();
    for index in existing(&root)
        .iter()
        .filter(|(rel, _)| rel.ends_with(SDK_INDEX))
        .map(|(_, t)| t.clone())
    {
        for line in index.lines() {
            if let Some((_, name)) = line.split_once('\t') {
                named.insert(name.to_string());
            }
        }
    }
    for entry in std::fs::read_dir(root.join(SDK_STORE)).into_iter().flatten().flatten() {
        if !named.contains(&entry.file_name().to_string_lossy().into_owned()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The timestamp every golden request echoes into `contract.json`.
pub(crate) const GOLDEN_TIMESTAMP: &str = "2026-11-28T00:00:00Z";

/// The golden request of one combination, with its credential type set explicitly.
pub(crate) fn golden_request(backend: Backend, t: Target, r: Rotation, c: CredentialType) -> Request {
    let mut req = Request::new(backend, t, r);
    req.credential = Some(c);
    req.timestamp = Some(GOLDEN_TIMESTAMP.into());
    req
}

/// Every target × rotation × credential of `backend` with default arguments:
/// `tests/golden/<prefix>-<target>-<rotation>-<credential>/`.
pub(crate) fn default_combinations(backend: Backend, prefix: &str) -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for t in Target::ALL {
        for r in Rotation::ALL {
            for c in CredentialType::ALL {
                out.push((format!("{prefix}-{t}-{r}-{c}"), golden_request(backend, *t, *r, *c)));
            }
        }
    }
    out
}

/// The cicd platforms other than the default (GitHub Actions), with their golden-directory labels.
pub(crate) const OTHER_PLATFORMS: [(CicdPlatform, &str); 3] = [
    (CicdPlatform::GitlabCi, "gitlab"),
    (CicdPlatform::Jenkins, "jenkins"),
    (CicdPlatform::AzureDevops, "azure-devops"),
];

/// A cicd combination on another platform: `tests/golden/<prefix>-cicd-<label>-<rotation>-<credential>/`.
pub(crate) fn platform_case(
    backend: Backend,
    prefix: &str,
    (platform, label): (CicdPlatform, &str),
    r: Rotation,
    c: CredentialType,
) -> (String, Request) {
    let mut req = golden_request(backend, Target::Cicd, r, c);
    req.cicd.platform = Some(platform);
    (format!("{prefix}-cicd-{label}-{r}-{c}"), req)
}

/// Every rotation × credential of `backend` on each of the other cicd platforms.
pub(crate) fn every_platform_combination(backend: Backend, prefix: &str) -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for p in OTHER_PLATFORMS {
        for r in Rotation::ALL {
            for c in CredentialType::ALL {
                out.push(platform_case(backend, prefix, p, *r, *c));
            }
        }
    }
    out
}

/// Every other vault combination with default arguments, one directory each:
/// `tests/golden/vault-<target>-<rotation>-<credential>/`.
pub fn vault_combinations() -> Vec<(String, Request)> {
    let mut out = default_combinations(Backend::Vault, "vault");
    out.retain(|(_, req)| {
        (req.target, req.rotation, req.credential) != (Target::Kubernetes, Rotation::Dynamic, Some(CredentialType::Database))
    });
    out
}

/// The cicd combinations again on GitLab CI, Jenkins and Azure DevOps:
/// `tests/golden/vault-cicd-<gitlab|jenkins|azure-devops>-<rotation>-<credential>/`.
pub fn vault_cicd_platform_combinations() -> Vec<(String, Request)> {
    every_platform_combination(Backend::Vault, "vault")
}

/// Vault variants beyond the combinations: a third-party API key whose issuer hook the rotation
/// CronJob calls.
fn vault_custom_cases() -> Vec<(String, Request)> {
    let mut hook = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Automatic);
    hook.credential = Some(CredentialType::ApiKey);
    hook.api_key.issuer_hook = Some("https://keys.example.com/mint".into());
    vec![("vault-custom-kubernetes-api-key-issuer-hook".into(), hook)]
}

#[test]
fn every_case_is_fully_planned_and_parses() {
    for (case, req) in cases() {
        let p = plan(&req);
        assert!(p.rotation_scripts.is_some() && p.secrets_config.config_file.is_some(), "{case}");
        assert!(!p.findings.iter().any(|f| f.kind == FindingKind::Error), "{case}: {:?}", p.findings);
        for m in &p.deployment_manifests {
            if m.filename.ends_with(".yaml") {
                let _: serde_json::Value = serde_norway::from_str(&m.content).unwrap_or_else(|e| panic!("{case}/{}: {e}", m.filename));
            } else {
                let _: hcl::Body = hcl::from_str(&m.content).unwrap_or_else(|e| panic!("{case}/{}: {e}", m.filename));
            }
            assert!(m.content.ends_with('\n') && !m.content.ends_with("\n\n"), "{case}/{}", m.filename);
        }
        let role: serde_json::Value =
            serde_json::from_str(&p.rotation_scripts.as_ref().expect("rotation").rotation_logic).expect("role JSON");
        assert!(
            role["default_ttl"].as_u64().is_some() && role["max_ttl"].as_u64().is_some(),
            "{case}"
        );
        let warns_engine = p
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Warning && f.field == ["database", "engine"]);
        assert_eq!(warns_engine, matches!(case, "mongodb" | "oracle"), "{case}: {:?}", p.findings);
    }
}

/// Every golden case of every backend, one table: the Vault kubernetes/dynamic/database engines,
/// then each backend's 36 combinations and its CI/CD platform and custom variants.
fn every_golden_case() -> Vec<(String, Request)> {
    let mut all: Vec<(String, Request)> = cases()
        .into_iter()
        .map(|(c, r)| (format!("vault-kubernetes-dynamic-database/{c}"), r))
        .collect();
    all.extend(vault_combinations());
    all.extend(vault_cicd_platform_combinations());
    all.extend(vault_custom_cases());
    all.extend(crate::golden_aws::aws_cases());
    all.extend(crate::azure_backend::every_case());
    all.extend(crate::gcp_backend::every_case());
    all
}

/// Whether a combination falls back (a `Fallback` finding and a "fell back" decision), by
/// backend: `None` where the backend's own tests decide it case by case.
fn falls_back(req: &Request) -> Option<bool> {
    let (r, c) = (req.rotation, req.credential);
    // A third-party API key (the default issuer) falls back to a reminder on every backend,
    // unless an issuer hook mints it (every backend calls one, but Vault's cicd pipeline).
    let hooked = req.api_key.issuer_hook.is_some() && !(req.backend == Backend::Vault && req.target == Target::Cicd);
    if r != Rotation::Manual && c == Some(CredentialType::ApiKey) && req.api_key.issuer.is_none() && !hooked {
        return Some(true);
    }
    match req.backend {
        Backend::Vault => Some(r == Rotation::Dynamic && matches!(c, Some(CredentialType::ApiKey | CredentialType::Generic))),
        Backend::AwsSecrets => Some(r == Rotation::Dynamic || (r == Rotation::Automatic && c == Some(CredentialType::Certificate))),
        Backend::AzureKeyVault => Some(r == Rotation::Dynamic),
        Backend::GcpSecretManager => None,
    }
}

/// One table-driven golden test for every backend: each case is fully planned without errors,
/// falls back exactly where its backend must, carries its Terraform and integration code, uses
/// no retired API (ESO v1beta1, CI_JOB_JWT; for Azure also Azure DevOps' retiring issuer and
/// azurerm's deprecated RBAC flag), and matches its golden files byte for byte.
#[test]
fn every_golden_case_of_every_backend() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let all = every_golden_case();
    let per_backend = |b: Backend| all.iter().filter(|(_, r)| r.backend == b).count();
    assert_eq!(
        [
            Backend::Vault,
            Backend::AwsSecrets,
            Backend::AzureKeyVault,
            Backend::GcpSecretManager
        ]
        .map(per_backend),
        [
            cases().len() + 35 + vault_cicd_platform_combinations().len() + vault_custom_cases().len(),
            40,
            crate::azure_backend::every_case().len(),
            crate::gcp_backend::every_case().len()
        ]
    );
    for (case, req) in &all {
        let p = plan(req);
        assert!(
            p.secrets_config.config_file.is_some() && p.rotation_scripts.is_some(),
            "{case} is not planned: {:?}",
            p.findings
        );
        assert!(!p.findings.iter().any(|f| f.kind == FindingKind::Error), "{case}: {:?}", p.findings);
        if let Some(expected) = falls_back(req) {
            assert_eq!(
                p.findings.iter().any(crate::support::substitutes),
                expected,
                "{case}: {:?}",
                p.findings
            );
            assert_eq!(p.decisions.iter().any(|d| d.contains("fell back")), expected, "{case}");
        }
        assert!(
            !p.integration_code.is_empty(),
            "{case}: integration.rs fills integration_code for every backend"
        );
        match req.backend {
            Backend::AwsSecrets => {
                let path = &p.secrets_config.secret_path;
                assert!(
                    path.starts_with("arn:aws:secretsmanager:") && !path.ends_with('?'),
                    "{case}: {path}"
                );
            }
            Backend::AzureKeyVault => {
                // Every golden engine is one the rotation Function rotates (postgresql, mysql).
                let warns_engine = p.findings.iter().any(|f| f.field == ["database", "engine"]);
                assert!(!warns_engine, "{case}: {:?}", p.findings);
            }
            Backend::Vault | Backend::GcpSecretManager => {}
        }
        let tf = match req.backend {
            Backend::Vault => "terraform/vault.tf",
            Backend::AwsSecrets => "terraform/aws.tf",
            Backend::AzureKeyVault => "terraform/azure.tf",
            Backend::GcpSecretManager => "terraform/gcp.tf",
        };
        let files = p.workload_files();
        assert!(files.contains_key(tf), "{case}: no {tf}");
        // Azure plans no longer trust Azure DevOps' retiring issuer; the AWS Azure DevOps
        // connection still names it (left for the least-privilege issue).
        let retired: &[&str] = match req.backend {
            Backend::AzureKeyVault => &[
                "external-secrets.io/v1beta1",
                "CI_JOB_JWT",
                "vstoken.dev.azure.com",
                "enable_rbac_authorization",
            ],
            _ => &["external-secrets.io/v1beta1", "CI_JOB_JWT"],
        };
        for text in files.values() {
            for r in retired {
                assert!(!text.contains(r), "{case}: {r}");
            }
        }
        check_golden(case, &root.join(case), req);
    }
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        prune_sdk_store();
    }
}
