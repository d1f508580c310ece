//! checkov over every generated Terraform and Kubernetes file of all 144 combinations (and every
//! CI platform of the cicd ones): zero failed checks except the reviewed exceptions in
//! `tests/fixtures/checkov-accepted.tsv`, each with the reason the plan cannot avoid it. An
//! exception nobody needs any more fails the test too, so the list only shrinks. A planted
//! insecure bucket proves checkov is live. Real-tool test (TF_ACC=1).

use crate::support::WorkloadFiles;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use secretsint::planner::{plan, Backend, Choice, CicdPlatform, Target};
use serde_json::Value;

use crate::support::{all_requests, repo_root, tool};

/// One reviewed exception: a check that may fail on files whose path (`<combo>/<file>`) starts
/// with `scope` ("*" for every file).
struct Accepted {
    check: String,
    scope: String,
}

fn accepted() -> Vec<Accepted> {
    let text = std::fs::read_to_string(repo_root().join("tests/fixtures/checkov-accepted.tsv")).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert!(
            cols.len() == 3 && !cols[2].trim().is_empty(),
            "checkov-accepted.tsv: every line is CHECK<TAB>SCOPE<TAB>REASON: {line:?}"
        );
        out.push(Accepted {
            check: cols[0].to_string(),
            scope: cols[1].to_string(),
        });
    }
    out
}

/// Writes the Terraform and Kubernetes files of every plan under `dir/<combo>/`.
fn write_all(dir: &Path) -> usize {
    let mut n = 0;
    // A third-party API key with an issuer hook, on each backend whose rotation calls one.
    let hooks = [
        (Backend::AwsSecrets, "arn:aws:lambda:us-east-1:123456789012:function:mint-key"),
        (Backend::AzureKeyVault, "https://keys.example.com/mint"),
        (Backend::GcpSecretManager, "https://keys.example.com/mint"),
    ]
    .map(|(b, hook)| {
        let mut req = secretsint::planner::Request::new(b, Target::Application, secretsint::planner::Rotation::Automatic);
        req.credential = Some(secretsint::planner::CredentialType::ApiKey);
        req.api_key.issuer_hook = Some(hook.into());
        (req, "-issuer-hook")
    });
    for (req, suffix) in all_requests().into_iter().map(|r| (r, "")).chain(hooks) {
        let platforms: Vec<Option<CicdPlatform>> = if req.target == Target::Cicd {
            CicdPlatform::ALL.iter().copied().map(Some).collect()
        } else {
            vec![None]
        };
        for platform in platforms {
            let mut req = req.clone();
            let mut combo = format!(
                "{}-{}-{}-{}{suffix}",
                req.backend,
                req.target,
                req.rotation,
                req.credential.unwrap()
            );
            if let Some(p) = platform {
                req.cicd.platform = Some(p);
                combo.push('-');
                combo.push_str(p.as_str());
            }
            // The platform's files beside the workload's (issue 14): checkov sees each module whole.
            let p = plan(&req);
            for (path, text) in p.workload_files().into_iter().chain(p.platform_files.clone()) {
                let kubernetes = path.ends_with(".yaml") && text.starts_with("apiVersion:");
                let keep = path.ends_with(".tf") || kubernetes;
                if !keep {
                    continue;
                }
                let file = dir.join(&combo).join(&path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, text).unwrap();
                n += 1;
            }
        }
    }
    // Every secretsint_workload of every backend (issue 14), as a module of its own.
    for b in Backend::ALL {
        for (case, p) in crate::workload::workload_plans(*b) {
            for (path, text) in p.workload_files().into_iter() {
                let kubernetes = path.ends_with(".yaml") && text.starts_with("apiVersion:");
                if !(path.ends_with(".tf") || kubernetes) {
                    continue;
                }
                let combo = format!("{b}-{}", case.replace(['/', '(', ')'], "-"));
                let file = dir.join(combo).join(&path);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, text).unwrap();
                n += 1;
            }
        }
    }
    n
}

/// Runs checkov over `dir`; returns (check id, file relative to `dir`, resource) per failed check.
fn checkov(dir: &Path) -> Vec<(String, String, String)> {
    let out = Command::new(tool("checkov/bin/checkov"))
        .args([
            "--quiet",
            "--compact",
            "--output",
            "json",
            "--framework",
            "terraform,kubernetes",
            "-d",
        ])
        .arg(dir)
        .env("BC_SKIP_MAPPING", "TRUE")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .env("LOG_LEVEL", "ERROR")
        .output()
        .expect("checkov runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let parsed: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            &stdout[..stdout.len().min(2000)],
            String::from_utf8_lossy(&out.stderr)
        )
    });
    // One report per framework (a list), or one object when only one framework found files.
    let reports: Vec<Value> = match parsed {
        Value::Array(a) => a,
        other => vec![other],
    };
    let mut failed = Vec::new();
    for report in reports {
        let Some(list) = report.pointer("/results/failed_checks").and_then(Value::as_array) else {
            continue;
        };
        for f in list {
            let file = f["file_path"].as_str().unwrap_or_default().trim_start_matches('/').to_string();
            failed.push((
                f["check_id"].as_str().unwrap_or_default().to_string(),
                file,
                f["resource"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    failed
}

fn backend_of(file: &str) -> &str {
    file.split('-').next().unwrap_or(file)
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn checkov_passes_every_generated_terraform_and_kubernetes_file() {
    let accepted = accepted();
    let dir = tempfile::tempdir().unwrap();
    let n = write_all(dir.path());
    assert!(n > 400, "only {n} files written");
    let failed = checkov(dir.path());

    let mut per_backend: BTreeMap<String, usize> = BTreeMap::new();
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut unexpected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (check, file, resource) in &failed {
        *per_backend.entry(backend_of(file).to_string()).or_default() += 1;
        match accepted
            .iter()
            .position(|a| a.check == *check && (a.scope == "*" || file.starts_with(&a.scope)))
        {
            Some(i) => {
                used.insert(i);
            }
            None => {
                unexpected.entry(check.clone()).or_default().insert(format!("{file} ({resource})"));
            }
        }
    }
    if let Some(out) = std::env::var_os("SECRETSINT_CHECKOV_REPORT") {
        let lines: Vec<String> = failed.iter().map(|(c, f, r)| format!("{c}\t{f}\t{r}")).collect();
        std::fs::write(out, lines.join("\n") + "\n").unwrap();
    }
    println!("checkov: {n} files, {} failed checks, per backend: {per_backend:?}", failed.len());
    let report: Vec<String> = unexpected
        .iter()
        .map(|(check, files)| {
            let first: Vec<&String> = files.iter().take(4).collect();
            format!("{check}: {} file(s), e.g. {first:?}", files.len())
        })
        .collect();
    assert!(
        report.is_empty(),
        "checkov failures outside the accepted list:\n{}",
        report.join("\n")
    );
    let stale: Vec<String> = accepted
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, a)| format!("{}\t{}", a.check, a.scope))
        .collect();
    assert!(
        stale.is_empty(),
        "accepted exceptions no file needs any more (remove them):\n{}",
        stale.join("\n")
    );

    // Canary: a public, unencrypted bucket must fail.
    let canary = tempfile::tempdir().unwrap();
    std::fs::write(
        canary.path().join("main.tf"),
        "resource \"aws_s3_bucket\" \"canary\" {\n  bucket = \"canary\"\n}\nresource \"aws_s3_bucket_acl\" \"canary\" {\n  bucket = aws_s3_bucket.canary.id\n  acl    = \"public-read\"\n}\n",
    )
    .unwrap();
    let caught = checkov(canary.path());
    assert!(
        caught.iter().any(|(c, _, _)| c == "CKV_AWS_20"),
        "checkov missed the public bucket: {caught:?}"
    );
}
