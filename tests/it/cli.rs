//! The `secretsint` command against fixture arguments, including bad flags.
//!
//! `tests/fixtures/cli/NAME.args` holds one argument per line; `NAME.expected` the exit code,
//! stdout and stderr. `UPDATE_GOLDEN=1` (the one variable for every expectation file) rewrites the expectations (read them before committing).

use std::path::Path;
use std::process::Command;

use crate::support::repo_root;

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
    assert!(dir.path().join("prod--app/kubernetes/external-secret.yaml").is_file());
    assert!(dir.path().join("prod--app/policies/prod--app-db-creds.hcl").is_file());
}

/// A symbolic link planted inside the output directory (a directory link and a file link) is
/// never followed: the plan fails on it and nothing is written outside the directory.
#[test]
fn plan_files_never_follows_a_symlink_below_out() {
    for planted in ["prod--app", "prod--app/kubernetes", "prod--app/kubernetes/external-secret.yaml"] {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("out");
        let link = out_dir.join(planted);
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        let target = outside.path().join("target");
        if !planted.ends_with(".yaml") {
            std::fs::create_dir(&target).unwrap();
        }
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut args = BASE.to_vec();
        let out_arg = out_dir.to_str().unwrap().to_string();
        args.extend(["--format", "files", "--out", &out_arg, "--force"]);
        let (code, _, err) = secretsint(&args);
        assert_ne!(code, 0, "{planted}: the write through a link succeeded");
        assert!(err.contains("symbolic link"), "{planted}: {err}");
        let escaped: Vec<_> = walk(outside.path());
        assert!(
            escaped.iter().all(|p| p == &target),
            "{planted}: files appeared outside --out: {escaped:?}"
        );
    }
}

/// A used output directory is refused; `--force` replaces exactly what the earlier run listed in
/// its manifest and leaves a user's own files alone.
#[test]
fn plan_files_refuses_a_used_directory_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out_arg = out_dir.to_str().unwrap().to_string();
    let run = |backend: &str, force: bool| {
        let mut args = vec![
            "plan",
            "--backend",
            backend,
            "--target",
            "kubernetes",
            "--rotation",
            "dynamic",
            "--credential",
            "database",
        ];
        args.extend(["--format", "files", "--out", &out_arg]);
        if force {
            args.push("--force");
        }
        secretsint(&args)
    };
    assert_eq!(run("vault", false).0, 0);
    let first: Vec<_> = walk(&out_dir);
    let (code, _, err) = run("vault", false);
    assert_eq!(code, 1, "a second run into the same directory must be refused");
    assert!(err.contains("is not empty") && err.contains("--force"), "{err}");
    assert_eq!(walk(&out_dir), first, "a refused run changed nothing");

    std::fs::write(out_dir.join("NOTES.md"), "mine").unwrap();
    let (code, out, err) = run("gcp-secretmanager", true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(out_dir.join("NOTES.md")).unwrap(), "mine");
    assert!(
        !out_dir.join("prod--app/policies/prod--app-db-creds.hcl").exists(),
        "the Vault plan's files are gone"
    );
    let manifest = std::fs::read_to_string(out_dir.join(".secretsint-files")).unwrap();
    let written: Vec<String> = out
        .lines()
        .map(|l| l.strip_prefix(&format!("{out_arg}/")).unwrap().to_string())
        .collect();
    assert_eq!(manifest.lines().collect::<Vec<_>>(), written);
    let mut on_disk: Vec<String> = walk(&out_dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| p.strip_prefix(&out_dir).unwrap().to_str().unwrap().to_string())
        .collect();
    on_disk.sort();
    let mut expected = written.clone();
    expected.extend(["NOTES.md".to_string(), ".secretsint-files".to_string()]);
    expected.sort();
    assert_eq!(on_disk, expected, "exactly this plan's files, the manifest and the user's file");
}

#[test]
fn list_flags_take_commas_or_repeats() {
    let mut repeated = BASE.to_vec();
    repeated.extend(["--format", "json", "--languages", "go", "--languages", "java"]);
    let mut commas = BASE.to_vec();
    commas.extend(["--format", "json", "--languages", "go,java"]);
    let (a, b) = (secretsint(&repeated), secretsint(&commas));
    assert_eq!(a.0, 0, "{}", a.2);
    assert_eq!(a, b);
    assert!(a.1.contains("\"java\""));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && !p.is_symlink() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
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

/// Exit code, stdout and stderr in one reviewable text; the version is a placeholder so a
/// version bump does not touch every fixture.
fn transcript(code: i32, out: &str, err: &str) -> String {
    let v = env!("CARGO_PKG_VERSION");
    format!("exit: {code}\n--- stdout\n{out}--- stderr\n{err}").replace(v, "{version}")
}

#[track_caller]
fn check(fixture: &Path) {
    let args_text = std::fs::read_to_string(fixture).unwrap();
    let args: Vec<&str> = args_text.lines().filter(|l| !l.is_empty()).collect();
    let (code, out, err) = secretsint(&args);
    let actual = transcript(code, &out, &err);
    let expected_path = fixture.with_extension("expected");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_path)
        .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_GOLDEN=1 and read it", expected_path.display()));
    assert_eq!(actual, expected, "{} differs (UPDATE_GOLDEN=1 rewrites it)", fixture.display());
}

#[test]
fn fixtures() {
    let dir = repo_root().join("tests/fixtures/cli");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "args"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 10, "{fixtures:?}");
    for fixture in &fixtures {
        check(fixture);
    }
    // Each exit code is covered: ok, finding, usage.
    let codes: std::collections::BTreeSet<String> = fixtures
        .iter()
        .map(|f| std::fs::read_to_string(f.with_extension("expected")).unwrap_or_default())
        .filter_map(|t| t.lines().next().map(str::to_string))
        .collect();
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), ["exit: 0", "exit: 1", "exit: 2"]);
}

#[test]
fn every_command_has_help() {
    for (cmd, mentions) in [
        ("plan", "--timestamp"),
        ("schema", "terraform providers schema -json"),
        ("docs", "--dir"),
        ("install", "--binary"),
        ("version", "version"),
    ] {
        let (code, out, err) = secretsint(&[cmd, "--help"]);
        assert_eq!(code, 0, "{cmd}: {err}");
        assert!(out.contains(mentions), "{cmd} --help: {out}");
    }
}

#[test]
fn timestamp_now_is_the_current_utc_time() {
    let before = std::time::SystemTime::now();
    let mut args = BASE.to_vec();
    args.extend(["--format", "json", "--timestamp", "now"]);
    let (code, out, err) = secretsint(&args);
    assert_eq!(code, 0, "{err}");
    let after = std::time::SystemTime::now();
    let contract: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stamp = contract["timestamp"].as_str().unwrap();
    let secs = |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let allowed: Vec<String> = (secs(before)..=secs(after)).map(secretsint::cli::rfc3339_utc).collect();
    assert!(allowed.iter().any(|a| a == stamp), "{stamp} not in {allowed:?}");
    assert!(stamp.len() == 20 && stamp.ends_with('Z'), "{stamp}");
}

#[test]
fn version_is_the_crate_version() {
    let (code, out, _) = secretsint(&["version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(&format!("secretsint {} ", env!("CARGO_PKG_VERSION"))), "{out}");
    let (code, out, _) = secretsint(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), format!("secretsint {}", env!("CARGO_PKG_VERSION")));
}

/// A rotation that can leave consumers with a dead credential (a generic secret overwritten in
/// place behind a synced copy) is a warning normally and an error under --strict, on
/// rotation_policy; a database plan with dynamic credentials passes --strict.
#[test]
fn a_rotation_window_that_breaks_consumers_fails_under_strict() {
    // BASE with another rotation_policy.
    let args = |rotation: &'static str| {
        let mut a = BASE.to_vec();
        a[6] = rotation;
        if rotation == "automatic" {
            a[8] = "generic";
        }
        a.extend(["--format", "json"]);
        a
    };
    let (code, out, err) = secretsint(&args("automatic"));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Rotation Can Break Consumers"), "{err}");
    let contract: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(contract["rotation_scripts"]["overlap"], "0s");
    let mut strict = args("automatic");
    strict.push("--strict");
    let (code, _, err) = secretsint(&strict);
    assert_ne!(code, 0, "strict turns the window finding into an error: {err}");
    assert!(err.contains("rotation_policy") && err.contains("can fail for up to"), "{err}");
    let mut strict = args("dynamic");
    strict.push("--strict");
    let (_, _, err) = secretsint(&strict);
    // (strict still refuses the placeholders of an unset address and host)
    assert!(
        !err.contains("Rotation Can Break Consumers"),
        "a lease read again before it expires holds: {err}"
    );
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
    // A third-party API key (the default issuer): the scheduled job only reminds.
    let (code, out, err) = secretsint(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Warning: API Key Rotation Falls Back To A Reminder\n  on rotation_policy"),
        "{err}"
    );
    let contract: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(contract["rotation_scripts"]["rotation_type"], "cronjob");
    let script = contract["rotation_scripts"]["rotation_logic"].as_str().unwrap();
    assert!(!script.contains("urandom") && !script.contains("api POST"), "{script}");
    let mut strict = args.to_vec();
    strict.push("--strict");
    let (code, _, err) = secretsint(&strict);
    assert_ne!(code, 0, "strict turns the fallback into an error: {err}");
    assert!(
        err.contains("Error: API Key Rotation Falls Back To A Reminder (strict mode)\n  on rotation_policy"),
        "{err}"
    );
    // A self-issued key is the plan's own to make up: the dynamic fallback writes a random one.
    let mut own = args.to_vec();
    own.extend(["--api-key-issuer", "self"]);
    let (code, out, err) = secretsint(&own);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Dynamic Credentials Fall Back To Scheduled Rotation") && !err.contains("Reminder"),
        "{err}"
    );
    let contract: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(contract["rotation_scripts"]["rotation_logic"].as_str().unwrap().contains("urandom"));
}

/// `secretsint workload`: `--secret LABEL:CREDENTIAL:ROTATION[:PERIOD]`, repeated or
/// comma-separated, plans as the `secretsint_workload` data source does.
#[test]
fn workload_takes_secrets_as_flags_and_writes_json_or_files() {
    let base = [
        "workload",
        "--backend",
        "vault",
        "--target",
        "application",
        "--name",
        "orders",
        "--secret",
        "db:database:dynamic:1h,stripe:api-key:manual",
        "--secret",
        "tls:certificate:automatic",
    ];
    let mut args = base.to_vec();
    args.extend(["--format", "json"]);
    let (code, out, err) = secretsint(&args);
    assert_eq!(code, 0, "{err}");
    let contract: serde_json::Value = serde_json::from_str(&out).unwrap();
    let labels: Vec<&String> = contract["secrets"].as_object().unwrap().keys().collect();
    assert_eq!(labels, ["db", "stripe", "tls"]);
    assert_eq!(contract["secret"]["db"]["rotation_period"], "1h");
    assert_eq!(secretsint(&args).1, out, "deterministic");

    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap().to_string();
    let mut args = base.to_vec();
    args.extend(["--format", "files", "--out", &out_dir]);
    let (code, _, err) = secretsint(&args);
    assert_eq!(code, 0, "{err}");
    for file in [
        "prod--orders/secrets/db/config/backend.hcl",
        "prod--orders/terraform/vault.tf",
        "platform/vault.tf",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }

    let mut twice = base.to_vec();
    twice.extend(["--secret", "db:generic:manual"]);
    let (code, _, err) = secretsint(&twice);
    assert_eq!(code, 1);
    assert!(err.contains("--secret names \"db\" twice"), "{err}");
}
