//! Nothing left on a runner: over every pipeline of every combination and CI platform, every
//! file a job writes lies in the platform's private temp directory, an always-run step removes
//! it (GitHub `if: always()`, GitLab `after_script`, Jenkins `post { always }`, Azure Pipelines
//! `condition: always()`), a job that logs in to Vault itself revokes its token there, and a
//! static credential appears only where the plan declares a Fallback finding. Canaries: the
//! shapes these pipelines had before (a file in `$CI_PROJECT_DIR`, no cleanup) fail the check.

use secretsint::planner::{plan, Choice, CicdPlatform, FindingKind, ManifestType, Target};

use crate::support::all_requests;

/// Where a platform keeps a job's secret files, and the line that must remove them.
fn private_dir(platform: CicdPlatform) -> &'static [&'static str] {
    match platform {
        CicdPlatform::GithubActions => &["$RUNNER_TEMP/"],
        CicdPlatform::GitlabCi => &["/tmp/secretsint-$CI_JOB_ID/"],
        CicdPlatform::Jenkins => &["$WORKSPACE_TMP/secretsint/"],
        CicdPlatform::AzureDevops => &["$AGENT_TEMPDIRECTORY/secretsint/", "$(Agent.TempDirectory)/secretsint/"],
    }
}

/// Every file path a pipeline text writes to: the targets of `>`, `--output`, `--out-file=` and
/// `--file`, and the values of variables named `*_FILE` that a script writes through.
fn writes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in [
        "> \\\"",
        "> \"",
        "--output \\\"",
        "--output \"",
        "--out-file=\\\"",
        "--out-file=\"",
        "--file \\\"",
        "--file \"",
    ] {
        for (i, _) in text.match_indices(marker) {
            let rest = &text[i + marker.len()..];
            let end = rest.find(['"', '\\']).unwrap_or(rest.len());
            out.push(rest[..end].to_string());
        }
    }
    for line in text.lines() {
        let line = line.trim();
        for sep in [": ", " = "] {
            if let Some((name, value)) = line.split_once(sep) {
                let name = name.trim_start_matches("- ").trim();
                if name.ends_with("_FILE") && name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                    let value = value.trim().trim_matches(['"', '\'']);
                    // `$(NAME)` maps a pipeline variable into a step; it writes nothing.
                    let mapping = value.starts_with("$(") && value.ends_with(')') && !value.contains('/');
                    if !mapping && (value.starts_with('$') || value.starts_with('/') || value.starts_with('.')) {
                        out.push(value.to_string());
                    }
                }
            }
        }
    }
    out.retain(|p| p != "$GITHUB_ENV" && !p.starts_with("$work/") && p != "$GCP_SECRET_FILE");
    out.sort();
    out.dedup();
    out
}

/// The text of the always-run part of a pipeline, as the platform marks it.
fn always_part(platform: CicdPlatform, text: &str) -> String {
    match platform {
        CicdPlatform::Jenkins => text.split("post {").nth(1).unwrap_or_default().to_string(),
        _ => {
            let doc: serde_norway::Value = serde_norway::from_str(text).unwrap();
            let mut out = String::new();
            collect_always(platform, &doc, &mut out);
            out
        }
    }
}

fn collect_always(platform: CicdPlatform, v: &serde_norway::Value, out: &mut String) {
    use serde_norway::Value;
    match v {
        Value::Mapping(m) => {
            let always = match platform {
                CicdPlatform::GithubActions => m.get("if").and_then(Value::as_str) == Some("${{ always() }}"),
                CicdPlatform::AzureDevops => m.get("condition").and_then(Value::as_str) == Some("always()"),
                _ => false,
            };
            if always {
                out.push_str(&serde_norway::to_string(v).unwrap());
            }
            if platform == CicdPlatform::GitlabCi {
                if let Some(after) = m.get("after_script") {
                    out.push_str(&serde_norway::to_string(after).unwrap());
                }
            }
            for value in m.values() {
                collect_always(platform, value, out);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|i| collect_always(platform, i, out)),
        _ => {}
    }
}

/// Problems of one pipeline: files outside the private directory, files no always-run step
/// removes, a Vault login without a revocation there.
fn check(platform: CicdPlatform, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let dirs = private_dir(platform);
    let always = always_part(platform, text);
    for path in writes(text) {
        let Some(dir) = dirs.iter().find(|d| path.starts_with(*d)) else {
            problems.push(format!("writes {path} outside {}", dirs[0]));
            continue;
        };
        let dir = dir.trim_end_matches('/');
        let removed = always.contains(&format!("rm -rf \\\"{dir}\\\""))
            || always.contains(&format!("rm -rf \"{dir}\""))
            || always.contains(&format!("\\\"{path}\\\""))
            || always.contains(&format!("\"{path}\""));
        if !removed {
            problems.push(format!("nothing that always runs removes {path}"));
        }
    }
    // Jenkins `environment`, Azure Pipelines `variables` and GitHub `env` values are literal:
    // a shell `$NAME` there reaches the script unexpanded (only GitLab expands it).
    if platform != CicdPlatform::GitlabCi {
        for line in text.lines() {
            let t = line.trim();
            let literal =
                t.contains(" = '") || t.starts_with("value:") || (t.contains(": ") && !t.starts_with("- ") && !t.starts_with("run:"));
            if let Some(i) = t.find('$') {
                let next = t[i + 1..].chars().next().unwrap_or(' ');
                if literal && next.is_ascii_uppercase() && (t.contains("_FILE") || t.starts_with("value:")) {
                    problems.push(format!("{t}: a shell variable in a value the platform does not expand"));
                }
            }
        }
    }
    let logs_in = text.contains("/login\\\"") || text.contains("/login\"") || text.contains("auth/$VAULT_AUTH_PATH/login");
    if logs_in && !always.contains("auth/token/revoke-self") {
        problems.push("logs in to Vault but no always-run step revokes the token".into());
    }
    problems
}

/// Marks of a credential stored on the CI system.
const STATIC_CREDENTIALS: &[&str] = &[
    "AmazonWebServicesCredentialsBinding",
    "accessKeyVariable",
    "VAULT_SECRET_ID",
    "client_secret",
    "--password",
];

#[test]
fn no_pipeline_leaves_a_secret_file_or_a_live_token_behind() {
    let mut checked = 0;
    let mut written = 0;
    let mut problems = Vec::new();
    for req in all_requests().into_iter().filter(|r| r.target == Target::Cicd) {
        for platform in CicdPlatform::ALL {
            let mut req = req.clone();
            req.cicd.platform = Some(*platform);
            let combo = format!("{}-{}-{}-{platform}", req.backend, req.rotation, req.credential.unwrap());
            let p = plan(&req);
            // Every platform logs in keylessly on every backend: no plan falls back to a
            // credential stored on the CI system.
            if let Some(f) = p
                .findings
                .iter()
                .find(|f| f.kind == FindingKind::Fallback && f.field == ["cicd", "platform"])
            {
                problems.push(format!("{combo}: falls back to a stored CI credential: {}", f.summary));
            }
            for m in p.deployment_manifests.iter().filter(|m| m.kind == ManifestType::Cicd) {
                if m.filename.ends_with(".sh") {
                    continue;
                }
                checked += 1;
                written += writes(&m.content).len();
                problems.extend(
                    check(*platform, &m.content)
                        .into_iter()
                        .map(|e| format!("{combo} {}: {e}", m.filename)),
                );
                if let Some(mark) = STATIC_CREDENTIALS.iter().find(|c| m.content.contains(*c)) {
                    problems.push(format!("{combo} {}: a stored credential ({mark})", m.filename));
                }
            }
        }
    }
    assert!(checked >= 144, "only {checked} pipelines");
    assert!(
        written >= 100,
        "the scan found only {written} file writes: it no longer reads the pipelines"
    );
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));

    // Canaries: the shapes before this check.
    let gitlab_old = "app-secrets:\n  script:\n  - mkdir -p -m 0700 \"$CI_PROJECT_DIR/.vault\"\n  - curl --output \"$CI_PROJECT_DIR/.vault/db-credentials.json\" x\n";
    assert!(!check(CicdPlatform::GitlabCi, gitlab_old).is_empty());
    let jenkins_env = "pipeline {\n  environment {\n    GCP_SECRET_FILE = '$WORKSPACE_TMP/secretsint/x.json'\n  }\n}\n";
    assert!(!check(CicdPlatform::Jenkins, jenkins_env).is_empty());
    let ado_variable = "variables:\n- name: GCP_SECRET_FILE\n  value: $AGENT_TEMPDIRECTORY/secretsint/x.json\n";
    assert!(!check(CicdPlatform::AzureDevops, ado_variable).is_empty());
    let jenkins_old = "pipeline {\n  stages {\n    stage('s') {\n      steps {\n        sh 'aws x > \"$WORKSPACE_TMP/secret.json\"'\n      }\n    }\n  }\n}\n";
    assert!(!check(CicdPlatform::Jenkins, jenkins_old).is_empty());
    let github_no_revoke = "jobs:\n  d:\n    steps:\n    - run: curl --data @- \"$VAULT_ADDR/v1/auth/$VAULT_AUTH_PATH/login\"\n";
    assert!(!check(CicdPlatform::GithubActions, github_no_revoke).is_empty());
    println!("runner cleanup: {checked} pipelines, {written} file writes checked");
}
