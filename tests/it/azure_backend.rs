//! Azure Key Vault: goldens for every combination (and the other three CI/CD platforms), the
//! built-in role table against domain-facts §4.1, and real-tool checks (TF_ACC=1): the rotation
//! Function passes mypy against the pinned SDKs and its logic adds exactly one version with the
//! SDK client replaced; it soaks against the real PostgreSQL and MariaDB (issue 15: alternating
//! users fail no login, the single-user canary does); Kubernetes manifests pass strict schema
//! validation; workflows pass actionlint; every `.tf` parses.

use crate::support::WorkloadFiles;
use std::process::Command;

use secretsint::planner::{
    azure_roles, plan, AttachTo, Backend, Choice, CredentialType, DbEngine, FindingKind, ManifestType, Plan, Request, Rotation, StoreKind,
    Target,
};
use serde_json::{json, Value};

use crate::golden::{default_combinations, every_platform_combination, GOLDEN_TIMESTAMP};
use crate::support::{repo_root, tool};

/// Every azure combination with default arguments: `tests/golden/azure-<target>-<rotation>-<credential>/`.
pub fn azure_combinations() -> Vec<(String, Request)> {
    default_combinations(Backend::AzureKeyVault, "azure")
}

/// The cicd combinations on GitLab CI, Jenkins and Azure DevOps, every rotation and credential:
/// `tests/golden/azure-cicd-<platform>-<rotation>-<credential>/`.
pub fn azure_cicd_platform_combinations() -> Vec<(String, Request)> {
    every_platform_combination(Backend::AzureKeyVault, "azure")
}

/// Non-default arguments: a ClusterSecretStore, custom names and IDs, a certificate with
/// alt names, a MySQL database: `tests/golden/azure-custom-<case>/`.
fn custom_cases() -> Vec<(String, Request)> {
    use secretsint::planner::request::{DnsLabel, Duration};
    let label = |t: &str| DnsLabel::parse(t, 63).unwrap();
    let base = |t: Target, r: Rotation, c: CredentialType| {
        let mut req = Request::new(Backend::AzureKeyVault, t, r);
        req.credential = Some(c);
        req.timestamp = Some(GOLDEN_TIMESTAMP.into());
        req.name = Some(label("payments"));
        req.environment = Some(label("staging"));
        req.azure.vault_name = Some("kv-staging-payments".into());
        req.azure.tenant_id = Some("11111111-2222-3333-4444-555555555555".into());
        req.azure.subscription_id = Some("66666666-7777-8888-9999-000000000000".into());
        req.azure.resource_group = Some("rg-payments".into());
        req
    };
    let mut cert = base(Target::Kubernetes, Rotation::Automatic, CredentialType::Certificate);
    cert.kubernetes.namespace = Some(label("payments-ns"));
    cert.kubernetes.service_account = Some("payments-api".into());
    cert.kubernetes.store_kind = Some(StoreKind::ClusterSecretStore);
    cert.kubernetes.cluster_name = Some("aks-staging".into());
    cert.certificate.common_name = Some("payments.staging.example.com".into());
    cert.certificate.alt_names = Some(vec!["api.staging.example.com".into()]);
    cert.certificate.ttl = Some(Duration::parse("180d").unwrap());
    let mut db = base(Target::Kubernetes, Rotation::Automatic, CredentialType::Database);
    db.database.engine = Some(DbEngine::Mysql);
    db.database.host = Some("mysql.example.com".into());
    db.database.database_name = Some("payments_db".into());
    db.rotation_period = Some(Duration::parse("30d").unwrap());
    db.kubernetes.refresh_interval = Some(Duration::parse("10m").unwrap());
    let mut gh = base(Target::Cicd, Rotation::Manual, CredentialType::ApiKey);
    gh.cicd.repository = Some("acme/payments".into());
    gh.cicd.branch = Some("release".into());
    // A third-party API key whose issuer hook mints the new key (the Function calls it).
    let mut hook = base(Target::Application, Rotation::Automatic, CredentialType::ApiKey);
    hook.api_key.issuer_hook = Some("https://keys.example.com/mint".into());
    vec![
        ("azure-custom-application-api-key-issuer-hook".into(), hook),
        ("azure-custom-kubernetes-cluster-store-certificate".into(), cert),
        ("azure-custom-kubernetes-mysql".into(), db),
        ("azure-custom-github-release-branch".into(), gh),
    ]
}

pub(crate) fn every_case() -> Vec<(String, Request)> {
    azure_combinations()
        .into_iter()
        .chain(azure_cicd_platform_combinations())
        .chain(custom_cases())
        .collect()
}

fn file<'a>(p: &'a Plan, name: &str) -> &'a str {
    p.deployment_manifests
        .iter()
        .find(|m| m.filename == name)
        .map(|m| m.content.as_str())
        .unwrap_or_else(|| panic!("no {name}"))
}

/// Built-in role names and IDs exactly as domain-facts §4.1 lists them ("GUIDs confirmed across
/// several public sources"); the planner's constants must match, so a typo cannot ship.
#[test]
fn role_ids_match_the_facts_table() {
    let facts: [(&str, &str); 4] = [
        ("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6"),
        ("Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"),
        ("Key Vault Certificate User", "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"),
        ("Key Vault Certificates Officer", "a4417e6f-fecd-4de8-b567-7b0420556985"),
    ];
    assert_eq!(azure_roles::ALL, facts);
    assert_eq!(azure_roles::KEY_VAULT_SECRETS_USER, facts[0]);
    assert_eq!(azure_roles::KEY_VAULT_SECRETS_OFFICER, facts[1]);
    assert_eq!(azure_roles::KEY_VAULT_CERTIFICATE_USER, facts[2]);
    assert_eq!(azure_roles::KEY_VAULT_CERTIFICATES_OFFICER, facts[3]);
    // Every role ID a plan uses is one of them, in policies and in Terraform alike.
    for (case, req) in every_case() {
        let p = plan(&req);
        let tf = file(&p, "terraform/azure.tf");
        for doc in p.access_policies.iter().map(|a| a.policy_document.as_str()).chain([tf]) {
            for (i, _) in doc.match_indices("/roleDefinitions/") {
                let id = &doc[i + "/roleDefinitions/".len()..][..36];
                assert!(facts.iter().any(|(_, f)| *f == id), "{case}: unknown role {id}");
            }
        }
    }
}

/// Readers get Secrets User (plus Certificate User for certificates) on the one object; only
/// rotators get Officer, on the same object; nothing is granted on the vault but to Terraform.
#[test]
fn role_assignments_are_least_privilege() {
    for (case, req) in azure_combinations() {
        let p = plan(&req);
        let names: Vec<&str> = p.access_policies.iter().map(|a| a.policy_name.as_str()).collect();
        let cert = req.credential == Some(CredentialType::Certificate);
        // A third-party API key (the default issuer, no hook) only reminds: its Function's
        // identity holds no role at all (`reminder_and_hook_identities_hold_only_what_they_use`).
        let rotates = !cert && req.rotation != Rotation::Manual && req.credential != Some(CredentialType::ApiKey);
        let mut want = vec!["prod--app-secrets-user"];
        if cert {
            want.push("prod--app-certificate-user");
        }
        if rotates {
            want.push("prod--app-rotator-secrets-officer");
        }
        if rotates && req.credential == Some(CredentialType::Database) {
            // Alternating users: the Function alone reads the admin secret.
            want.push("prod--app-rotator-admin-secrets-user");
        }
        want.push(if cert {
            "prod--app-deployer-certificates-officer"
        } else {
            "prod--app-deployer-secrets-officer"
        });
        assert_eq!(names, want, "{case}");
        // The consumer never holds a role on the admin secret; only the rotator reads it.
        let consumer = AttachTo::consumer(req.target);
        for a in &p.access_policies {
            let on_admin = a.scope.ends_with("/secrets/prod--app-database-admin");
            assert!(
                !(on_admin && a.attach_to != AttachTo::Rotator),
                "{case}: {} ({}) is on the admin secret",
                a.policy_name,
                a.attach_to
            );
        }
        // Why docs/guides/azure-keyvault.md selects by attach_to: a filter on the name's "-user"
        // ending (what the guide once did) also picks the rotator's admin-secret assignment.
        let by_name: Vec<&str> = p
            .access_policies
            .iter()
            .filter(|a| a.policy_name.ends_with("-user"))
            .map(|a| a.policy_name.as_str())
            .collect();
        let by_attach: Vec<&str> = p
            .access_policies
            .iter()
            .filter(|a| a.attach_to == consumer)
            .map(|a| a.policy_name.as_str())
            .collect();
        if rotates && req.credential == Some(CredentialType::Database) {
            assert_ne!(by_name, by_attach, "{case}");
            assert!(by_name.contains(&"prod--app-rotator-admin-secrets-user"), "{case}");
        }
        assert!(
            by_attach.iter().all(|n| !n.contains("-rotator-") && !n.contains("-deployer-")),
            "{case}: {by_attach:?}"
        );
        for a in &p.access_policies {
            let doc: serde_json::Value = serde_json::from_str(&a.policy_document).unwrap();
            let role = doc["properties"]["roleDefinitionId"].as_str().unwrap();
            let (role_id, scope_tail) = if a.policy_name.ends_with("-rotator-admin-secrets-user") {
                assert!(role.ends_with(azure_roles::KEY_VAULT_SECRETS_USER.1), "{case}");
                assert!(
                    a.scope.ends_with("/vaults/kv-example/secrets/prod--app-database-admin"),
                    "{case}: {}",
                    a.scope
                );
                continue;
            } else if a.policy_name.ends_with("-secrets-user") {
                (azure_roles::KEY_VAULT_SECRETS_USER.1, "/secrets/")
            } else if a.policy_name.ends_with("-certificate-user") {
                (azure_roles::KEY_VAULT_CERTIFICATE_USER.1, "/certificates/")
            } else if a.policy_name.ends_with("-rotator-secrets-officer") {
                (azure_roles::KEY_VAULT_SECRETS_OFFICER.1, "/secrets/")
            } else {
                assert!(a.scope.ends_with("/vaults/kv-example"), "{case}: {}", a.scope);
                continue;
            };
            assert!(role.ends_with(role_id), "{case}: {}", a.policy_name);
            let leaf = match req.credential {
                Some(CredentialType::Database) => "database",
                Some(CredentialType::ApiKey) => "api-key",
                Some(CredentialType::Certificate) => "certificate",
                _ => "config",
            };
            let object = format!("/vaults/kv-example{scope_tail}prod--app-{leaf}");
            assert!(a.scope.ends_with(&object), "{case}: {}", a.scope);
        }
    }
}

/// The reminder Function of a third-party API key writes nothing, so its identity holds no
/// Key Vault role, in the access policies or the Terraform; with an issuer hook it holds
/// Secrets Officer on the one secret, the only role it needs to write a version.
#[test]
fn reminder_and_hook_identities_hold_only_what_they_use() {
    for target in Target::ALL {
        for rotation in [Rotation::Automatic, Rotation::Dynamic] {
            let case = format!("{target}-{rotation}");
            let mut req = Request::new(Backend::AzureKeyVault, *target, rotation);
            req.credential = Some(CredentialType::ApiKey);
            let p = plan(&req);
            let tf = file(&p, "terraform/azure.tf");
            assert!(!p.access_policies.iter().any(|a| a.policy_name.contains("rotator")), "{case}");
            let body: hcl::Body = hcl::from_str(tf).unwrap();
            let rotator_roles: Vec<String> = body
                .blocks()
                .filter(|b| b.identifier() == "resource" && b.labels().first().map(|l| l.as_str()) == Some("azurerm_role_assignment"))
                .filter(|b| hcl::to_string(&b.body).unwrap().contains("azurerm_user_assigned_identity.rotator"))
                .map(|b| b.labels()[1].as_str().to_string())
                .collect();
            assert_eq!(rotator_roles, Vec::<String>::new(), "{case}: the reminder's identity holds a role");
            assert!(
                tf.contains("azurerm_user_assigned_identity\" \"rotator"),
                "{case}: the canary found no rotator"
            );

            req.api_key.issuer_hook = Some("https://keys.example.com/mint".into());
            let p = plan(&req);
            let tf = file(&p, "terraform/azure.tf");
            let rotator: Vec<&str> = p
                .access_policies
                .iter()
                .filter(|a| a.policy_name.contains("rotator"))
                .map(|a| a.policy_name.as_str())
                .collect();
            assert_eq!(rotator, ["prod--app-rotator-secrets-officer"], "{case}");
            let officer = p.access_policies.iter().find(|a| a.policy_name.contains("rotator")).unwrap();
            assert!(
                officer.scope.ends_with("/vaults/kv-example/secrets/prod--app-api-key"),
                "{case}: {}",
                officer.scope
            );
            assert!(
                tf.contains("ISSUER_HOOK_URL") && tf.contains("https://keys.example.com/mint"),
                "{case}"
            );
            assert!(tf.contains("variable \"issuer_hook_audience\""), "{case}");
        }
    }
}

/// Issue 15: PostgreSQL, MySQL and Redshift rotate with alternating users (the previous
/// version's user keeps working a whole period, so the window holds; Redshift's clone joins the
/// user's groups); an engine the Function has no driver for gets no Function and a fallback to
/// manual instead of a Function that fails.
#[test]
fn database_rotation_alternates_users_where_the_function_can() {
    for engine in DbEngine::ALL {
        for rotation in [Rotation::Automatic, Rotation::Dynamic] {
            let mut req = Request::new(Backend::AzureKeyVault, Target::Kubernetes, rotation);
            req.credential = Some(CredentialType::Database);
            req.database.engine = Some(*engine);
            let p = plan(&req);
            let case = format!("{engine}/{rotation}");
            let files = p.workload_files();
            let tf = &files["terraform/azure.tf"];
            let scripts = p.rotation_scripts.as_ref().unwrap();
            let window_finding = p.findings.iter().any(|f| f.summary == crate::support::WINDOW_FINDING);
            match engine {
                DbEngine::Postgresql | DbEngine::Mysql | DbEngine::Redshift => {
                    assert!(tf.contains("resource \"azurerm_key_vault_secret\" \"db_admin\""), "{case}");
                    assert!(tf.contains("ADMIN_SECRET_NAME"), "{case}");
                    assert!(
                        tf.contains("resource \"azurerm_role_assignment\" \"rotator_admin_secrets_user\""),
                        "{case}"
                    );
                    assert_eq!(
                        scripts.overlap,
                        scripts.schedule.split(' ').nth(1).unwrap(),
                        "{case}: overlap = period"
                    );
                    assert!(!window_finding, "{case}: {:?}", p.findings);
                    assert!(
                        p.decisions
                            .iter()
                            .any(|d| d.contains("alternating users") && d.contains("prod--app-database-admin")),
                        "{case}"
                    );
                    let driver = if *engine == DbEngine::Mysql {
                        "PyMySQL=="
                    } else {
                        "psycopg[binary]=="
                    };
                    assert!(files["function/requirements.txt"].contains(driver), "{case}");
                    // Each engine's Function carries its own clone statements only.
                    let function = &files["function/function_app.py"];
                    let redshift = *engine == DbEngine::Redshift;
                    assert_eq!(function.contains("ALTER GROUP {} ADD USER {}"), redshift, "{case}");
                    assert_eq!(
                        function.contains("WITH LOGIN IN ROLE {}"),
                        *engine == DbEngine::Postgresql,
                        "{case}"
                    );
                    if redshift {
                        assert!(
                            p.decisions.iter().any(|d| d.contains("every group db_username belongs to")),
                            "{case}"
                        );
                    }
                }
                _ => {
                    assert!(!files.contains_key("function/function_app.py"), "{case}");
                    assert!(!tf.contains("azurerm_function_app_flex_consumption"), "{case}");
                    let fallback: Vec<_> = p.findings.iter().filter(|f| f.kind == FindingKind::Fallback).collect();
                    assert_eq!(fallback.len(), 1, "{case}: {fallback:?}");
                    assert_eq!(fallback[0].field, ["database", "engine"], "{case}");
                    assert!(p.decisions.iter().any(|d| d.contains("fell back to \"manual\"")), "{case}");
                    assert_eq!(scripts.rotation_type.as_str(), "none", "{case}");
                }
            }
        }
    }
}

#[test]
fn every_terraform_file_parses() {
    for (case, req) in every_case() {
        let p = plan(&req);
        for m in p.deployment_manifests.iter().filter(|m| m.filename.ends_with(".tf")) {
            let _: hcl::Body = hcl::from_str(&m.content).unwrap_or_else(|e| panic!("{case}/{}: {e}", m.filename));
        }
        let yaml = |m: &&secretsint::planner::DeploymentManifest| m.filename.ends_with(".yml") || m.filename.ends_with(".yaml");
        for m in p.deployment_manifests.iter().filter(yaml) {
            let _: serde_json::Value = serde_norway::from_str(&m.content).unwrap_or_else(|e| panic!("{case}/{}: {e}", m.filename));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Real tools (TF_ACC=1): mypy, the rotation Function's logic, strict Kubernetes validation

/// Every distinct rotation Function the plans generate, with its credential type and engine.
fn functions() -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut reqs = every_case();
    for engine in DbEngine::ALL {
        let mut req = Request::new(Backend::AzureKeyVault, Target::Application, Rotation::Automatic);
        req.credential = Some(CredentialType::Database);
        req.database.engine = Some(*engine);
        let p = plan(&req);
        let rotates = matches!(engine, DbEngine::Postgresql | DbEngine::Mysql | DbEngine::Redshift);
        // An engine the Function cannot rotate gets no Function and an honest fallback.
        assert_eq!(p.workload_files().contains_key("function/function_app.py"), rotates, "{engine}");
        assert_eq!(
            p.findings
                .iter()
                .any(|f| f.kind == FindingKind::Fallback && f.field == ["database", "engine"]),
            !rotates,
            "{engine}"
        );
        reqs.push((format!("azure-application-automatic-database-{engine}"), req));
    }
    // A self-issued API key keeps the random-value Function; a third-party one only reminds.
    let mut own = Request::new(Backend::AzureKeyVault, Target::Application, Rotation::Automatic);
    own.credential = Some(CredentialType::ApiKey);
    own.api_key.issuer = Some(secretsint::planner::ApiKeyIssuer::SelfIssued);
    reqs.push(("azure-application-automatic-api-key-self".into(), own));
    // A third-party key with an issuer hook stores what the hook mints.
    let mut hooked = Request::new(Backend::AzureKeyVault, Target::Application, Rotation::Automatic);
    hooked.credential = Some(CredentialType::ApiKey);
    hooked.api_key.issuer_hook = Some("https://keys.example.com/mint".into());
    reqs.push(("azure-application-automatic-api-key-hook".into(), hooked));
    for (_, req) in reqs {
        let p = plan(&req);
        let Some(code) = p.workload_files().get("function/function_app.py").cloned() else {
            continue;
        };
        if out.iter().any(|(c, _, _)| *c == code) {
            continue;
        }
        let credential = req.credential.unwrap().as_str().to_string();
        let reminds = p.findings.iter().any(|f| f.summary == "API Key Rotation Falls Back To A Reminder");
        let engine = if credential == "database" {
            req.database.engine.unwrap_or(DbEngine::Postgresql).as_str().to_string()
        } else if reminds {
            "reminder".to_string()
        } else if req.api_key.issuer_hook.is_some() {
            "hook".to_string()
        } else {
            "none".to_string()
        };
        assert_eq!(p.rotation_scripts.as_ref().unwrap().rotation_logic, code);
        out.push((code, credential, engine));
    }
    out
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn rotation_function_passes_mypy_strict_against_the_pinned_sdks() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (code, credential, engine)) in functions().iter().enumerate() {
        let path = dir
            .path()
            .join(format!("function_app_{i}_{}_{engine}.py", credential.replace('-', "_")));
        std::fs::write(&path, code).unwrap();
        paths.push(path);
    }
    // The value rotation (a self-issued api-key and generic share it), the third-party API key's
    // reminder and issuer hook, and one per engine the Function rotates (postgresql, mysql,
    // redshift); the other engines plan no Function.
    assert_eq!(paths.len(), 6, "{paths:?}");
    let mypy = |files: &[std::path::PathBuf]| {
        Command::new(tool("azure/bin/mypy"))
            .args(["--strict", "--no-error-summary", "--cache-dir"])
            .arg(dir.path().join(".mypy_cache"))
            .args(files)
            .output()
            .unwrap()
    };
    let out = mypy(&paths);
    assert!(
        out.status.success(),
        "mypy --strict:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The checker is live: a wrong argument type to the real SecretClient is caught.
    let canary = dir.path().join("canary.py");
    std::fs::write(
        &canary,
        "from azure.keyvault.secrets import SecretClient\n\n\ndef f(c: SecretClient) -> None:\n    c.set_secret(\"n\", 42)\n",
    )
    .unwrap();
    let out = mypy(&[canary]);
    assert!(!out.status.success(), "mypy must reject set_secret(name, int)");
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn rotation_function_adds_exactly_one_version() {
    let b = crate::backends::backends();
    let dir = tempfile::tempdir().unwrap();
    for (i, (code, credential, engine)) in functions().iter().enumerate() {
        let path = dir.path().join(format!("function_app_{i}.py"));
        std::fs::write(&path, code).unwrap();
        let mut cmd = Command::new(tool("azure/bin/python"));
        cmd.arg(repo_root().join("tests/it/azure_rotation.py"))
            .arg(&path)
            .args([credential, engine]);
        if engine == "mysql" {
            // The soak below runs the MySQL Function against the real MariaDB.
            continue;
        }
        if matches!(engine.as_str(), "postgresql" | "redshift") {
            // A real PostgreSQL login whose password the Function must change (without
            // ADMIN_SECRET_NAME the user's own; the Redshift Function's ALTER USER ... PASSWORD
            // runs on PostgreSQL 15 too).
            let user = format!("azure-rotation-{i}");
            b.pg.admin("postgres", &format!("CREATE ROLE \"{user}\" LOGIN PASSWORD 'initial-password-{i}'"));
            cmd.env("PGHOST", "127.0.0.1")
                .env("PGPORT", b.pg.port.to_string())
                .env("PGDATABASE", "postgres")
                .env("PGUSER", &user)
                .env("PGPASSWORD", format!("initial-password-{i}"));
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{credential}/{engine}:\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let wants = if engine == "reminder" {
            "reminds and writes nothing"
        } else if engine == "hook" {
            "the issuer hook Function writes exactly one version"
        } else {
            "writes exactly one version"
        };
        assert!(stdout.contains(wants), "{credential}/{engine}: {stdout}");
    }
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_kubernetes_manifest_passes_strict_schema_validation() {
    let mut manifests = Vec::new();
    for (case, req) in every_case() {
        let p = plan(&req);
        for m in &p.deployment_manifests {
            // A strategic-merge patch is not a whole object; everything else is validated.
            if m.kind == ManifestType::Kubernetes && !m.filename.contains("patch") {
                manifests.push((format!("{case}/{}", m.filename), m.content.clone()));
            }
        }
    }
    assert!(manifests.len() >= 36, "{}", manifests.len());
    crate::k8s_validate::validate_manifests(&manifests);
}

// ---------------------------------------------------------------------------------------------
// azurerm names: no provider mirror exists offline, so `terraform validate` cannot run. Instead
// every resource, argument, nested block and referenced attribute must appear in the azurerm
// 4.x docs (tests/fixtures/azurerm-arguments.json, names only, `_source` names the commit), and
// every top-level required argument must be set.

fn azurerm_names() -> serde_json::Value {
    let text = std::fs::read_to_string(repo_root().join("tests/fixtures/azurerm-arguments.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn names_of(schema: &serde_json::Value, kind: &str, field: &str) -> Vec<String> {
    schema[kind][field]
        .as_array()
        .unwrap_or_else(|| panic!("{kind} is not in the azurerm fixture"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Every attribute key and block identifier under `body`, except inside `lifecycle`.
fn used_names(body: &hcl::Body, out: &mut Vec<String>) {
    for attr in body.attributes() {
        out.push(attr.key.to_string());
    }
    for block in body.blocks() {
        out.push(block.identifier.to_string());
        if block.identifier.as_str() != "lifecycle" {
            used_names(&block.body, out);
        }
    }
}

/// `kind.label.attribute` references in the text (also inside `${...}` templates).
fn references(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
    let mut i = 0;
    while i < bytes.len() {
        if word(bytes[i]) && (i == 0 || !word(bytes[i - 1])) {
            let start = i;
            while i < bytes.len() && word(bytes[i]) {
                i += 1;
            }
            let parts: Vec<&str> = text[start..i].split('.').collect();
            match parts.as_slice() {
                ["data", kind, _, attr, ..] if kind.starts_with("azurerm_") => out.push((format!("data.{kind}"), attr.to_string())),
                [kind, _, attr, ..] if kind.starts_with("azurerm_") || *kind == "time_static" => {
                    out.push((kind.to_string(), attr.to_string()))
                }
                _ => {}
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn every_terraform_name_is_a_current_azurerm_name() {
    let schema = azurerm_names();
    let meta = ["count", "depends_on", "for_each", "provider", "lifecycle"];
    let mut checked = 0;
    let mut platforms = 0;
    // Every single-secret plan, and every secretsint_workload (issue 14).
    let plans = every_case().into_iter().map(|(case, req)| (case, plan(&req)));
    for (case, p) in plans.chain(crate::workload::workload_plans(Backend::AzureKeyVault)) {
        // The workload's Terraform and the platform's (issue 14), each against the same names.
        for (name, text) in [
            ("terraform/azure.tf", file(&p, "terraform/azure.tf")),
            ("platform/azure.tf", p.platform_files["platform/azure.tf"].as_str()),
        ] {
            platforms += usize::from(name.starts_with("platform/"));
            let case = format!("{case}/{name}");
            let body: hcl::Body = hcl::from_str(text).unwrap();
            for block in body.blocks() {
                let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
                let kind = match (block.identifier.as_str(), labels.as_slice()) {
                    ("resource", [kind, _]) => kind.to_string(),
                    ("data", [kind, _]) => format!("data.{kind}"),
                    _ => continue,
                };
                let arguments = names_of(&schema, &kind, "arguments");
                let mut used = Vec::new();
                used_names(&block.body, &mut used);
                for name in &used {
                    assert!(
                        arguments.contains(name) || meta.contains(&name.as_str()),
                        "{case}: {kind} has no argument or block {name:?} in azurerm 4.x"
                    );
                }
                let top: Vec<String> = block
                    .body
                    .attributes()
                    .map(|a| a.key.to_string())
                    .chain(block.body.blocks().map(|b| b.identifier.to_string()))
                    .collect();
                for required in names_of(&schema, &kind, "required") {
                    assert!(top.contains(&required), "{case}: {kind} lacks required {required:?}");
                }
                checked += 1;
            }
            let refs = references(text);
            assert!(refs.len() > 5, "{case}: {refs:?}");
            for (kind, attr) in refs {
                let known = names_of(&schema, &kind, "attributes");
                let args = names_of(&schema, &kind, "arguments");
                assert!(
                    attr == "id" || known.contains(&attr) || args.contains(&attr),
                    "{case}: {kind} exports no {attr:?}"
                );
            }
        }
    }
    assert!(checked > 500, "{checked}");
    assert_eq!(
        platforms,
        every_case().len() + crate::workload::workload_plans(Backend::AzureKeyVault).len()
    );
    // The check is live: a misspelled or deprecated argument is caught.
    let schema_args = names_of(&schema, "azurerm_key_vault", "arguments");
    assert!(!schema_args.contains(&"enable_rbac_authorization".to_string()));
    assert!(!names_of(&schema, "azurerm_federated_identity_credential", "arguments").contains(&"parent_id".to_string()));
}

/// `terraform fmt -check` over every azure.tf, the CI/CD platform variants included (the shared
/// acceptance test covers the default platform only).
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_terraform_file_is_fmt_clean() {
    let dir = tempfile::tempdir().unwrap();
    for (case, req) in every_case() {
        let p = plan(&req);
        std::fs::write(dir.path().join(format!("{case}.tf")), file(&p, "terraform/azure.tf")).unwrap();
        std::fs::write(
            dir.path().join(format!("{case}-platform.tf")),
            &p.platform_files["platform/azure.tf"],
        )
        .unwrap();
    }
    let out = Command::new(crate::acceptance::terraform("1.15.5"))
        .args(["fmt", "-check", "-list=true", "-no-color"])
        .arg(dir.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "not terraform-fmt clean:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------------
// Soak (issue 15): the plan's own Function rotating a real database under consumers that read
// through the planned paths

/// The kubernetes/dynamic/database plan of `engine` (the example: daily rotation behind
/// a 1h ESO refresh), its Function and Python SDK module written to `dir`.
fn soak_plan(engine: DbEngine, dir: &std::path::Path) -> (Plan, std::path::PathBuf, std::path::PathBuf) {
    let mut req = Request::new(Backend::AzureKeyVault, Target::Kubernetes, Rotation::Dynamic);
    req.credential = Some(CredentialType::Database);
    req.database.engine = Some(engine);
    let p = plan(&req);
    let files = p.workload_files();
    let (function, sdk) = (dir.join("function_app.py"), dir.join("app_secrets.py"));
    std::fs::write(&function, &files["function/function_app.py"]).unwrap();
    std::fs::write(&sdk, &files["code/python/app_secrets.py"]).unwrap();
    (p, function, sdk)
}

/// Runs tests/it/azure_soak.py: `rotations` rotations one second apart while an ESO-synced copy
/// (refresh 300ms + kubelet 100ms) and the SDK module (cache 250ms) feed two consumers that log
/// in every 100ms. `alternate` false runs the same Function without ADMIN_SECRET_NAME: the old
/// single-user shape.
fn azure_soak(engine: DbEngine, user: &str, alternate: bool, rotations: u32) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (p, function, sdk) = soak_plan(engine, dir.path());
    let tf = file(&p, "terraform/azure.tf");
    let planned = tf.contains("ADMIN_SECRET_NAME");
    assert!(planned, "the {engine} plan must give the Function its admin secret");
    // The compressed staleness is a larger share of the period than the plan's own.
    let scripts = p.rotation_scripts.as_ref().unwrap();
    let secs = |d: &str| secretsint::planner::request::Duration::parse(d).unwrap().secs() as f64;
    let (period, refresh, sync, cache) = (1.0, 0.3, 0.1, 0.25);
    assert!(
        (refresh + sync) / period > secs(&scripts.max_staleness) / secs(&scripts.overlap),
        "{scripts:?}"
    );
    let (secret, admin, query) = match engine {
        DbEngine::Postgresql => {
            let pg = &crate::backends::backends().pg;
            let table = format!("{user}_orders");
            for sql in [
                format!("DROP TABLE IF EXISTS {table}"),
                format!("DROP ROLE IF EXISTS {user}_clone"),
                format!("DROP ROLE IF EXISTS {user}"),
                format!("CREATE ROLE {user} LOGIN PASSWORD 'initial-password-{user}'"),
                format!("CREATE TABLE {table} (id int)"),
                format!("GRANT SELECT ON {table} TO {user}"),
            ] {
                pg.admin("postgres", &sql);
            }
            (
                json!({"engine": "postgresql", "host": "127.0.0.1", "port": pg.port, "dbname": "postgres",
                       "username": user, "password": format!("initial-password-{user}"), "sslmode": "disable"}),
                json!({"username": "postgres", "password": pg.superuser_password}),
                format!("SELECT count(*) FROM {table}"),
            )
        }
        DbEngine::Redshift => {
            // Redshift's SQL on PostgreSQL 15 (see the test below): the table is granted to a
            // group only, so the clone reads it only if it joined the user's groups.
            let pg = &crate::backends::backends().pg;
            let (table, group) = (format!("{user}_orders"), format!("{user}_readers"));
            for sql in [
                format!("DROP TABLE IF EXISTS {table}"),
                format!("DROP ROLE IF EXISTS {user}_clone"),
                format!("DROP ROLE IF EXISTS {user}"),
                format!("DROP GROUP IF EXISTS {group}"),
                format!("CREATE GROUP {group}"),
                format!("CREATE USER {user} PASSWORD 'initial-password-{user}'"),
                format!("ALTER GROUP {group} ADD USER {user}"),
                format!("CREATE TABLE {table} (id int)"),
                format!("GRANT SELECT ON {table} TO GROUP {group}"),
            ] {
                pg.admin("postgres", &sql);
            }
            (
                json!({"engine": "redshift", "host": "127.0.0.1", "port": pg.port, "dbname": "postgres",
                       "username": user, "password": format!("initial-password-{user}"), "sslmode": "disable"}),
                json!({"username": "postgres", "password": pg.superuser_password}),
                format!("SELECT count(*) FROM {table}"),
            )
        }
        _ => {
            let db = crate::backends::mariadb();
            let schema = format!("{user}_db");
            db.admin(&format!(
                "DROP USER IF EXISTS '{user}'@'%', '{user}_clone'@'%'; DROP DATABASE IF EXISTS {schema}; CREATE DATABASE {schema}; \
                 CREATE TABLE {schema}.orders (id int); CREATE USER '{user}'@'%' IDENTIFIED BY 'initial-password-{user}'; \
                 GRANT SELECT ON {schema}.* TO '{user}'@'%'"
            ));
            (
                json!({"engine": "mysql", "host": "127.0.0.1", "port": db.port, "dbname": schema,
                       "username": user, "password": format!("initial-password-{user}"), "sslmode": "disable"}),
                json!({"username": "root", "password": db.root_password}),
                "SELECT count(*) FROM orders".to_string(),
            )
        }
    };
    let spec = json!({
        "engine": engine.as_str(), "secret": secret, "admin": admin, "alternate": alternate,
        "rotations": rotations, "period_seconds": period, "eso_refresh_seconds": refresh,
        "kubelet_sync_seconds": sync, "cache_seconds": cache, "connect_every_seconds": 0.1, "query": query,
    });
    let out = Command::new(tool("azure/bin/python"))
        .arg(repo_root().join("tests/it/azure_soak.py"))
        .arg(&function)
        .arg(&sdk)
        .arg(spec.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "azure_soak.py {engine}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_soak_holds(engine: DbEngine, user: &str) {
    let v = azure_soak(engine, user, true, 20);
    eprintln!("{engine} alternating users: {v}");
    assert_eq!(v["rotations"], 20, "{v}");
    assert_eq!(v["versions_written"], 20, "one version per event, redeliveries write nothing: {v}");
    assert_eq!(v["redeliveries_ignored"], 20, "{v}");
    // A version read the instant it is written logs in: the new user's password is set first.
    assert_eq!(
        v["refused_at_write"],
        json!([]),
        "a new version was readable before its password worked: {v}"
    );
    for path in ["eso", "sdk"] {
        let c = &v["consumers"][path];
        assert!(c["fewest_between_rotations"].as_u64().unwrap() >= 1, "{path}: {v}");
        assert_eq!(c["failed_logins"], 0, "{path}: a consumer login failed during rotation: {v}");
        assert_eq!(c["other_errors"], 0, "{path}: {v}");
        assert_eq!(c["users"], json!([user, format!("{user}_clone")]), "{path}: {v}");
    }
    let canary = azure_soak(engine, &format!("{user}_single"), false, 8);
    eprintln!("{engine} single user (canary): {canary}");
    assert_eq!(canary["rotations"], 8, "{canary}");
    let failed: u64 = ["eso", "sdk"]
        .iter()
        .map(|p| canary["consumers"][p]["failed_logins"].as_u64().unwrap())
        .sum();
    assert!(failed > 0, "the harness must catch the single-user outage: {canary}");
}

/// Issue 15 on Azure, PostgreSQL 15: the plan's Function alternating users fails no login across
/// 20 rotations for either planned read path; the single-user shape (no admin secret) does.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn soak_postgresql_alternating_users_never_fail_a_login_and_the_single_user_shape_does() {
    assert_soak_holds(DbEngine::Postgresql, "azsoak_pg");
}

/// The same for database.engine = "redshift": the Redshift Function's SQL (CREATE USER for the
/// clone, its groups read from pg_group/pg_user and joined with ALTER GROUP ... ADD USER, ALTER
/// USER ... PASSWORD) runs against the harness's PostgreSQL 15, which speaks every one of those
/// statements and the wire protocol Redshift speaks; a real Redshift cluster needs a cloud
/// account. Both consumers read a table granted to a group of the user only, so every login as
/// the clone also proves it joined that group.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn soak_redshift_alternating_users_never_fail_a_login_and_the_single_user_shape_does() {
    assert_soak_holds(DbEngine::Redshift, "azsoak_rs");
    // The clone is in the user's group, not a member of the user (Redshift has no IN ROLE).
    let pg = &crate::backends::backends().pg;
    let groups = pg.admin(
        "postgres",
        "SELECT string_agg(groname, ',') FROM pg_group WHERE (SELECT usesysid FROM pg_user WHERE usename = 'azsoak_rs_clone') = ANY(grolist)",
    );
    assert_eq!(groups.trim(), "azsoak_rs_readers");
    let inherits = pg.admin(
        "postgres",
        "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'azsoak_rs_clone' AND m.roleid = (SELECT oid FROM pg_roles WHERE rolname = 'azsoak_rs')",
    );
    assert_eq!(inherits.trim(), "0");
}

/// The same on MariaDB 10.11 (the MySQL Function: grants copied to the clone).
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn soak_mariadb_alternating_users_never_fail_a_login_and_the_single_user_shape_does() {
    assert_soak_holds(DbEngine::Mysql, "azsoak_my");
}
