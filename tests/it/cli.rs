//! The `secretsint` command against fixture arguments, including bad flags.

use std::process::Command;

fn secretsint(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_secretsint")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const BASE: [&str; 9] = [
    "plan",
    "--backend",
    "vault",
    "--target",
    "kubernetes",
    "--rotation",
    "dynamic",
    "--credential",
    "database",
];

#[test]
fn plan_json_is_the_contract_and_matches_the_golden() {
    let mut args = BASE.to_vec();
    args.extend([
        "--format",
        "json",
        "--timestamp",
        "2026-11-28T00:00:00Z",
        "--database-engine",
        "postgresql",
    ]);
    let (code, out, err) = secretsint(&args);
    assert_eq!(code, 0, "{err}");
    let golden = std::fs::read_to_string(
        crate::support::repo_root().join("tests/golden/vault-kubernetes-dynamic-database/postgresql/contract.json"),
    )
    .unwrap();
    assert_eq!(out, golden);
}

#[test]
fn plan_files_writes_every_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = BASE.to_vec();
    let out_dir = dir.path().to_str().unwrap().to_string();
    args.extend(["--format", "files", "--out", &out_dir]);
    let (code, out, _) = secretsint(&args);
    assert_eq!(code, 0);
    assert!(out.lines().count() >= 10, "{out}");
    assert!(dir.path().join("kubernetes/external-secret.yaml").is_file());
    assert!(dir.path().join("policies/prod-app-db-creds.hcl").is_file());
}

#[test]
fn bad_values_exit_1_with_the_terraform_wording() {
    let (code, _, err) = secretsint(&["plan", "--backend", "hashicorp", "--target", "kubernetes", "--rotation", "dynamic"]);
    assert_eq!(code, 1);
    assert!(err.contains("Error: Invalid Secrets Backend"), "{err}");
    assert!(
        err.contains(r#"Use one of "vault", "aws-secrets", "azure-keyvault" or "gcp-secretmanager"."#),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["plan", "--backend", "vault"][..],
        &["plan", "--no-such-flag"],
        &["frobnicate"],
        &[],
    ] {
        let (code, _, _) = secretsint(args);
        assert_eq!(code, 2, "{args:?}");
    }
    let (code, out, _) = secretsint(&["plan", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--kubernetes-namespace"), "every block attribute has a flag");
}

#[test]
fn schema_has_the_terraform_shape() {
    let (code, out, _) = secretsint(&["schema"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let p = &v["provider_schemas"]["registry.terraform.io/secretsint/secretsint"];
    assert_eq!(
        p["data_source_schemas"]["secretsint_plan"]["block"]["attributes"]["secrets_backend"]["required"],
        true
    );
    assert_eq!(
        p["data_source_schemas"]["secretsint_plan"]["block"]["block_types"]["vault"]["nesting_mode"],
        "single"
    );
}

#[test]
fn install_lays_out_a_filesystem_mirror_for_both_registries() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_terraform-provider-secretsint");
    let (code, out, err) = secretsint(&["install", "--dir", dir.path().to_str().unwrap(), "--binary", bin]);
    assert_eq!(code, 0, "{err}");
    let v = env!("CARGO_PKG_VERSION");
    for host in ["registry.terraform.io", "registry.opentofu.org"] {
        let p = dir.path().join(format!(
            "{host}/secretsint/secretsint/{v}/linux_amd64/terraform-provider-secretsint_v{v}"
        ));
        assert!(p.is_file(), "{} missing; output: {out}", p.display());
    }
}

/// Dynamic API keys fall back to scheduled rotation: a warning normally, an error under --strict.
#[test]
fn dynamic_api_key_fallback_warns_and_fails_under_strict() {
    let args = [
        "plan",
        "--backend",
        "vault",
        "--target",
        "application",
        "--rotation",
        "dynamic",
        "--credential",
        "api-key",
        "--format",
        "json",
    ];
    let (code, out, err) = secretsint(&args);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Dynamic Credentials Fall Back To Scheduled Rotation"), "{err}");
    let contract: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(contract["rotation_scripts"]["rotation_type"], "cronjob");
    let mut strict = args.to_vec();
    strict.push("--strict");
    let (code, _, err) = secretsint(&strict);
    assert_ne!(code, 0, "strict turns the fallback into an error: {err}");
    assert!(err.contains("rotation_policy"), "{err}");
}
