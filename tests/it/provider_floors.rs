//! Version floors that admit every argument we use: in every generated `.tf`, each argument that
//! a provider added late requires at least that provider version, and write-only arguments or
//! ephemeral variables require Terraform 1.11. (A floor of azurerm 4.42 beside
//! `user_assigned_identity_id`, added in 4.65, let `terraform init` pick a provider that
//! rejects the file.) The table holds the arguments newer than the oldest floor we ever wrote,
//! from each provider's CHANGELOG.

use crate::support::WorkloadFiles;
use secretsint::planner::{plan, Choice, CicdPlatform, Target};

use crate::support::all_requests;

/// (provider source, resource type, argument, first provider version that has it).
const ADDED: &[(&str, &str, &str, (u32, u32))] = &[
    (
        "hashicorp/azurerm",
        "azurerm_federated_identity_credential",
        "user_assigned_identity_id",
        (4, 65),
    ),
    ("hashicorp/azurerm", "azurerm_key_vault", "rbac_authorization_enabled", (4, 42)),
    ("hashicorp/azurerm", "azurerm_key_vault_secret", "value_wo", (4, 23)),
    ("hashicorp/azurerm", "azurerm_monitor_diagnostic_setting", "enabled_log", (3, 39)),
    ("hashicorp/vault", "vault_database_secret_backend_connection", "password_wo", (5, 0)),
    (
        "hashicorp/vault",
        "vault_database_secret_backend_static_role",
        "password_wo",
        (5, 6),
    ),
    ("hashicorp/aws", "aws_secretsmanager_secret_version", "secret_string_wo", (5, 88)),
    (
        "hashicorp/google",
        "google_secret_manager_secret_version",
        "secret_data_wo",
        (6, 23),
    ),
];

/// `major.minor` of the first `>= X` constraint.
fn floor(constraint: &str) -> Option<(u32, u32)> {
    let v = constraint.split(',').find_map(|c| c.trim().strip_prefix(">="))?.trim();
    let mut parts = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    Some((parts.next()?, parts.next().unwrap_or(0)))
}

fn check(tf: &str) -> Vec<String> {
    let body: hcl::Body = hcl::from_str(tf).unwrap();
    let mut floors = std::collections::BTreeMap::new();
    let mut terraform = None;
    for t in body.blocks().filter(|b| b.identifier() == "terraform") {
        for a in t.body().attributes().filter(|a| a.key() == "required_version") {
            terraform = floor(a.expr().to_string().trim_matches('"'));
        }
        for rp in t.body().blocks().filter(|b| b.identifier() == "required_providers") {
            for a in rp.body().attributes() {
                let text = a.expr().to_string();
                let get = |key: &str| text.split(key).nth(1).and_then(|r| r.split('"').nth(1)).map(str::to_string);
                if let (Some(source), Some(version)) = (get("source"), get("version")) {
                    floors.insert(source, floor(&version));
                }
            }
        }
    }
    let mut problems = Vec::new();
    let mut needs_1_11 = body
        .blocks()
        .filter(|b| b.identifier() == "variable")
        .any(|b| b.body().attributes().any(|a| a.key() == "ephemeral"));
    for block in body.blocks().filter(|b| b.identifier() == "resource") {
        let kind = block.labels()[0].as_str();
        let mut bodies = vec![block.body()];
        bodies.extend(block.body().blocks().map(|b| b.body()));
        let keys: Vec<String> = bodies
            .iter()
            .flat_map(|b| {
                b.attributes()
                    .map(|a| a.key().to_string())
                    .chain(b.blocks().map(|x| x.identifier().to_string()))
            })
            .collect();
        needs_1_11 |= keys.iter().any(|k| k.ends_with("_wo"));
        for (source, resource, argument, added) in ADDED {
            if *resource != kind || !keys.iter().any(|k| k == argument) {
                continue;
            }
            match floors.get(*source) {
                Some(Some(have)) if have >= added => {}
                other => problems.push(format!(
                    "{kind}.{argument} needs {source} >= {}.{}, the file requires {other:?}",
                    added.0, added.1
                )),
            }
        }
    }
    if needs_1_11 && terraform.is_none_or(|v| v < (1, 11)) {
        problems.push(format!(
            "write-only arguments or ephemeral variables need Terraform >= 1.11, the file requires {terraform:?}"
        ));
    }
    problems
}

#[test]
fn provider_floors_admit_every_argument_used() {
    let mut files = 0;
    let mut problems = Vec::new();
    for req in all_requests() {
        let platforms: Vec<Option<CicdPlatform>> = match req.target {
            Target::Cicd => CicdPlatform::ALL.iter().copied().map(Some).collect(),
            _ => vec![None],
        };
        for platform in platforms {
            let mut req = req.clone();
            req.cicd.platform = platform;
            for (path, text) in plan(&req).workload_files() {
                if path.ends_with(".tf") {
                    files += 1;
                    problems.extend(
                        check(&text)
                            .into_iter()
                            .map(|p| format!("{}-{}-{}-{platform:?} {path}: {p}", req.backend, req.target, req.rotation)),
                    );
                }
            }
        }
    }
    assert!(files > 150, "only {files} Terraform files");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Canary: the floor this check was written for.
    let old = "terraform {\n  required_providers {\n    azurerm = {\n      source  = \"hashicorp/azurerm\"\n      version = \">= 4.42, < 5.0\"\n    }\n  }\n}\nresource \"azurerm_federated_identity_credential\" \"github\" {\n  user_assigned_identity_id = \"x\"\n}\n";
    assert_eq!(check(old).len(), 1, "{:?}", check(old));
}
