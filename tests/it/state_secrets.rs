//! Nothing secret in Terraform state: over every generated `.tf` of every combination and CI
//! platform, no resource argument that carries secret material is set except through its
//! write-only form (`*_wo` with its version), every variable feeding one is ephemeral, and no
//! resource whose state always holds a credential (a static key, a SecretID) is declared.
//! A planted connection with a plain `password` proves the scan catches the old shape.

use crate::support::WorkloadFiles;
use secretsint::planner::{plan, Choice, CicdPlatform, Target};

use crate::support::all_requests;

/// (resource type, argument) pairs whose value is a secret, and the write-only argument that
/// replaces each (terraform-provider-vault 5.0, aws 5.88, azurerm 4.23, google 6.23).
const SECRET_ARGUMENTS: &[(&str, &str, &str)] = &[
    ("vault_database_secret_backend_connection", "password", "password_wo"),
    ("vault_database_secret_backend_static_role", "password", "password_wo"),
    ("vault_kv_secret_v2", "data_json", "data_json_wo"),
    ("vault_generic_secret", "data_json", "(none: write the value outside Terraform)"),
    ("aws_secretsmanager_secret_version", "secret_string", "secret_string_wo"),
    ("aws_secretsmanager_secret_version", "secret_binary", "secret_string_wo"),
    ("aws_db_instance", "password", "password_wo"),
    ("aws_rds_cluster", "master_password", "master_password_wo"),
    ("azurerm_key_vault_secret", "value", "value_wo"),
    ("google_secret_manager_secret_version", "secret_data", "secret_data_wo"),
];

/// Resources whose state always holds a credential: none may be generated.
const CREDENTIAL_RESOURCES: &[&str] = &[
    "aws_iam_access_key",
    "google_service_account_key",
    "azuread_application_password",
    "azuread_service_principal_password",
    "vault_approle_auth_backend_role_secret_id",
    "vault_token",
];

/// Every problem in one `.tf` text, as `resource.label: what`.
fn scan(tf: &str) -> Vec<String> {
    let body: hcl::Body = match hcl::from_str(tf) {
        Ok(b) => b,
        Err(e) => return vec![format!("does not parse: {e}")],
    };
    let ephemeral: Vec<String> = body
        .blocks()
        .filter(|b| b.identifier() == "variable")
        .filter(|b| {
            b.body()
                .attributes()
                .any(|a| a.key() == "ephemeral" && matches!(a.expr(), hcl::Expression::Bool(true)))
        })
        .map(|b| b.labels()[0].as_str().to_string())
        .collect();
    let mut problems = Vec::new();
    for block in body.blocks().filter(|b| b.identifier() == "resource") {
        let kind = block.labels()[0].as_str();
        let name = format!("{kind}.{}", block.labels()[1].as_str());
        if CREDENTIAL_RESOURCES.contains(&kind) {
            problems.push(format!("{name}: its state holds a credential"));
        }
        // The resource's own arguments and those of its nested blocks (a connection's engine block).
        let mut bodies = vec![block.body()];
        bodies.extend(block.body().blocks().map(|b| b.body()));
        for b in bodies {
            for a in b.attributes() {
                let key = a.key();
                if let Some((_, _, wo)) = SECRET_ARGUMENTS.iter().find(|(k, arg, _)| *k == kind && *arg == key) {
                    problems.push(format!("{name}: {key} stores its value in state; use {wo}"));
                }
                if let Some(base) = key.strip_suffix("_wo") {
                    let version = format!("{base}_wo_version");
                    if !b.attributes().any(|x| x.key() == version) {
                        problems.push(format!("{name}: {key} without {version}"));
                    }
                    let feeds_from_var = a.expr().to_string();
                    if let Some(var) = feeds_from_var.strip_prefix("var.") {
                        if !ephemeral.iter().any(|e| e == var) {
                            problems.push(format!("{name}: {key} reads var.{var}, which is not ephemeral"));
                        }
                    }
                }
            }
        }
    }
    problems
}

#[test]
fn no_generated_terraform_keeps_a_secret_in_state() {
    let mut files = 0;
    let mut write_only = 0;
    let mut problems = Vec::new();
    for req in all_requests() {
        let platforms: Vec<Option<CicdPlatform>> = match req.target {
            Target::Cicd => CicdPlatform::ALL.iter().copied().map(Some).collect(),
            _ => vec![None],
        };
        for platform in platforms {
            let mut req = req.clone();
            req.cicd.platform = platform;
            let combo = format!(
                "{}-{}-{}-{}{}",
                req.backend,
                req.target,
                req.rotation,
                req.credential.unwrap(),
                platform.map_or(String::new(), |p| format!("-{p}"))
            );
            for (path, text) in plan(&req).workload_files() {
                if !path.ends_with(".tf") {
                    continue;
                }
                files += 1;
                write_only += text.matches("_wo ").count() + text.matches("_wo=").count();
                problems.extend(scan(&text).into_iter().map(|p| format!("{combo}/{path}: {p}")));
            }
        }
    }
    assert!(files > 150, "only {files} Terraform files");
    assert!(write_only > 0, "no write-only argument found at all");
    assert!(problems.is_empty(), "secrets that would reach the state:\n{}", problems.join("\n"));

    // Canary: the connection as it was written before (plain password), and a write-only
    // argument fed by a variable that is not ephemeral.
    let old = "variable \"db_admin_password\" {\n  sensitive = true\n}\nresource \"vault_database_secret_backend_connection\" \"db\" {\n  postgresql {\n    password = var.db_admin_password\n  }\n}\nresource \"azurerm_key_vault_secret\" \"app\" {\n  value_wo         = var.db_admin_password\n  value_wo_version = 1\n}\n";
    let found = scan(old);
    assert_eq!(found.len(), 2, "{found:?}");
}
