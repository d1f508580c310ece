//! Every CI/CD pipeline of every combination and platform is accepted by the platform's own
//! validator (TF_ACC=1). The harness iterates `all_requests()` × every `cicd.platform` and takes
//! each `cicd` deployment manifest, so backends that land later are covered unchanged:
//! - `.gitlab-ci.yml`: GitLab's CI JSON schema (`app/assets/javascripts/editor/schema/ci.json`);
//! - `azure-pipelines.yml`: the Azure Pipelines schema (microsoft/azure-pipelines-vscode
//!   `service-schema.json`, byte-identical to its commit e8090fd5 of 2026-08-20);
//!   both as vendored by PyPI check-jsonschema 0.39.0; GitLab's through check-jsonschema itself,
//!   Azure's through tests/it/azure_pipelines_check.py, which reads YAML as Azure does (all
//!   scalars are strings: the schema spells booleans as string patterns);
//! - `.github/workflows/*.yml`: actionlint with zero findings;
//! - `Jenkinsfile`: Groovy's parser plus the declarative structure (tests/it/jenkinsfile_check.groovy);
//! - scripts the pipelines run (`*.sh`): `sh -n` (POSIX shell syntax, as the job's `sh` reads them);
//!
//! It also checks the rules the issue sets: GitHub OIDC jobs hold `id-token: write`, and every
//! action is pinned by the full commit of an entry of `versions::ACTIONS` (on node24) with its
//! version as a comment; GitLab uses `id_tokens` with `aud` and never `CI_JOB_JWT`, Azure
//! DevOps uses `AzureKeyVault@2` and marks every variable it sets secret. Canaries prove each
//! validator rejects a broken file.

use crate::support::WorkloadFiles;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use secretsint::planner::{plan, versions, CicdPlatform, ManifestType, Target};
use serde_norway::Value;

use crate::support::{all_requests, every_request_on_every_platform, repo_root, tool};
use crate::workflow_lint::actionlint;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Github,
    Gitlab,
    AzureDevops,
    Jenkins,
    /// Jenkins Configuration as Code (the token credentials a Jenkinsfile binds); checked
    /// against the plan's Jenkinsfiles and trust by `jenkins_token_credentials_…`.
    JenkinsCasc,
    /// A script a pipeline runs (e.g. `ci/rotate-kv.sh`).
    Shell,
}

fn kind(filename: &str) -> Option<Kind> {
    let base = filename.rsplit('/').next().unwrap_or(filename);
    if filename.starts_with(".github/workflows/") {
        Some(Kind::Github)
    } else if filename.ends_with(".gitlab-ci.yml") {
        Some(Kind::Gitlab)
    } else if base.starts_with("azure-pipelines") && base.ends_with(".yml") {
        Some(Kind::AzureDevops)
    } else if base.starts_with("Jenkinsfile") {
        Some(Kind::Jenkins)
    } else if filename.starts_with("jenkins/") && filename.ends_with(".yaml") {
        Some(Kind::JenkinsCasc)
    } else if filename.ends_with(".sh") {
        Some(Kind::Shell)
    } else {
        None
    }
}

/// (origin/filename, kind, content) of every cicd manifest, distinct by content.
fn pipelines() -> Vec<(String, Kind, String)> {
    let mut out: Vec<(String, Kind, String)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (origin, req) in every_request_on_every_platform() {
        for m in plan(&req).deployment_manifests {
            if m.kind != ManifestType::Cicd {
                continue;
            }
            let k = kind(&m.filename).unwrap_or_else(|| panic!("{origin}: cicd manifest {} has no validator here: add one", m.filename));
            if seen.insert(m.content.clone()) {
                out.push((format!("{origin}/{}", m.filename), k, m.content));
            }
        }
    }
    out
}

fn write(dir: &Path, items: &[(String, String)]) -> Vec<String> {
    items
        .iter()
        .enumerate()
        .map(|(i, (origin, text))| {
            let name = format!("{i:03}-{}", origin.replace('/', "__"));
            let name = if name.ends_with(".yml") { name } else { format!("{name}.yml") };
            std::fs::write(dir.join(&name), text).unwrap();
            name
        })
        .collect()
}

/// The Azure Pipelines schema as Azure's language server applies it (every scalar a string):
/// tests/it/azure_pipelines_check.py; returns (ok, report).
fn check_azure(items: &[(String, String)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let names = write(dir.path(), items);
    let out = Command::new(tool("sdk/venv/bin/python"))
        .arg(repo_root().join("tests/it/azure_pipelines_check.py"))
        .args(&names)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), report)
}

/// check-jsonschema with a vendored schema over `items`; returns (ok, report).
fn check_schema(schema: &str, transform: &str, items: &[(String, String)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let names = write(dir.path(), items);
    let out = Command::new(tool("sdk/venv/bin/check-jsonschema"))
        .args(["--builtin-schema", schema, "--data-transform", transform])
        .args(["--output-format", "text"])
        .args(&names)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), report)
}

fn of(kind_wanted: Kind) -> Vec<(String, String)> {
    pipelines()
        .into_iter()
        .filter(|(_, k, _)| *k == kind_wanted)
        .map(|(o, _, t)| (o, t))
        .collect()
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn gitlab_pipelines_match_gitlabs_ci_schema_and_use_id_tokens() {
    let files = of(Kind::Gitlab);
    assert!(!files.is_empty(), "no .gitlab-ci.yml was generated");
    let (ok, report) = check_schema("vendor.gitlab-ci", "gitlab-ci", &files);
    assert!(ok, "GitLab CI schema rejects generated pipelines:\n{report}");
    for (origin, text) in &files {
        assert!(
            !text.contains("CI_JOB_JWT"),
            "{origin}: CI_JOB_JWT was removed in GitLab 17.0; use id_tokens"
        );
        let doc: Value = serde_norway::from_str(text).unwrap();
        for (job, body) in doc.as_mapping().unwrap() {
            if let Some(tokens) = body.get("id_tokens").and_then(Value::as_mapping) {
                for (name, token) in tokens {
                    let aud = token.get("aud");
                    assert!(
                        aud.is_some_and(|a| a.as_str().is_some_and(|s| !s.is_empty()) || a.is_sequence()),
                        "{origin}: job {job:?} id_tokens.{name:?} has no aud"
                    );
                }
            }
        }
    }
    let canary = "job:\n  script: [echo]\n  id_token:\n    T:\n      aud: x\n".to_string();
    let (ok, _) = check_schema("vendor.gitlab-ci", "gitlab-ci", &[("canary.yml".into(), canary)]);
    assert!(!ok, "the GitLab schema must reject an unknown job keyword");
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn azure_pipelines_match_the_azure_pipelines_schema() {
    let files = of(Kind::AzureDevops);
    assert!(!files.is_empty(), "no azure-pipelines.yml was generated");
    let (ok, report) = check_azure(&files);
    assert!(ok, "Azure Pipelines schema rejects generated pipelines:\n{report}");
    for (origin, text) in &files {
        for task in text
            .match_indices("AzureKeyVault@")
            .map(|(i, _)| &text[i..i + "AzureKeyVault@2".len().min(text.len() - i)])
        {
            assert_eq!(task, "AzureKeyVault@2", "{origin}: use AzureKeyVault@2");
        }
        for line in text.lines().filter(|l| l.contains("##vso[task.setvariable")) {
            // A value is masked, or it is the path of a file in the agent's temp directory.
            let value = line.split_once(']').map(|(_, v)| v).unwrap_or("");
            assert!(
                line.contains("issecret=true") || value.starts_with("$AGENT_TEMPDIRECTORY/"),
                "{origin}: a variable set from a secret must be masked (issecret=true): {line}"
            );
        }
    }
    let canary = "trigger: none\njobs:\n- job: a\n  stepz:\n  - bash: echo\n".to_string();
    let (ok, _) = check_azure(&[("canary.yml".into(), canary)]);
    assert!(!ok, "the Azure Pipelines schema must reject an unknown job keyword");
    let (ok, _) = check_azure(&[(
        "canary2.yml".into(),
        "trigger: none\nschedules:\n- cron: '0 * * * *'\n  always: maybe\nsteps:\n- bash: echo\n".into(),
    )]);
    assert!(!ok, "the Azure Pipelines schema must reject a non-boolean `always`");
}

/// Actions that exchange the job's OIDC token.
const OIDC_ACTIONS: &[&str] = &["aws-actions/configure-aws-credentials", "azure/login", "google-github-actions/auth"];

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn github_workflows_pass_actionlint_use_current_actions_and_request_id_tokens() {
    let files = of(Kind::Github);
    assert!(!files.is_empty(), "no GitHub workflow was generated");
    let findings = actionlint(&files);
    assert!(findings.is_empty(), "actionlint findings:\n{}", findings.join("\n"));
    for (origin, text) in &files {
        let doc: Value = serde_norway::from_str(text).unwrap();
        let top_write = id_token_write(doc.get("permissions"));
        for (job_name, job) in doc["jobs"].as_mapping().unwrap() {
            let mut uses_oidc = false;
            for step in job.get("steps").and_then(Value::as_sequence).into_iter().flatten() {
                let Some(uses) = step.get("uses").and_then(Value::as_str) else {
                    continue;
                };
                let (action, commit) = uses.split_once('@').unwrap_or((uses, ""));
                assert!(
                    commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                    "{origin}: {uses} is not pinned by a full commit SHA"
                );
                let pinned = versions::action(uses).unwrap_or_else(|| panic!("{origin}: {uses} is not in versions::ACTIONS"));
                assert_eq!(pinned.runtime, "node24", "{origin}: {action} runs on {}", pinned.runtime);
                let line = format!("uses: {uses} # {}", pinned.version);
                assert!(text.contains(&line), "{origin}: no `{line}` (the version comment Dependabot reads)");
                uses_oidc |= OIDC_ACTIONS.contains(&action);
            }
            for step in job.get("steps").and_then(Value::as_sequence).into_iter().flatten() {
                // A shell step that requests the token itself (the Vault login).
                let run = step.get("run").and_then(Value::as_str).unwrap_or_default();
                uses_oidc |= run.contains("$ACTIONS_ID_TOKEN_REQUEST_URL");
            }
            if uses_oidc {
                assert!(
                    top_write || id_token_write(job.get("permissions")),
                    "{origin}: job {job_name:?} exchanges an OIDC token but lacks permissions id-token: write"
                );
            }
        }
    }
}

fn id_token_write(permissions: Option<&Value>) -> bool {
    permissions
        .and_then(|p| p.get("id-token"))
        .and_then(Value::as_str)
        .is_some_and(|v| v == "write")
}

/// JAVA_HOME of the `java` on PATH (Debian's groovy script needs it set).
fn java_home() -> String {
    let out = Command::new("sh")
        .args(["-c", "dirname \"$(dirname \"$(readlink -f \"$(command -v java)\")\")\""])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn jenkins_check(dir: &Path, names: &[String]) -> (bool, String) {
    let out = Command::new("groovy")
        .arg(repo_root().join("tests/it/jenkinsfile_check.groovy"))
        .args(names)
        .current_dir(dir)
        .env("JAVA_HOME", java_home())
        .output()
        .unwrap_or_else(|e| panic!("groovy did not start ({e}): run scripts/install-tools.sh"));
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn jenkinsfiles_parse_as_declarative_pipelines_with_a_credential_binding() {
    let files = of(Kind::Jenkins);
    assert!(!files.is_empty(), "no Jenkinsfile was generated");
    let dir = tempfile::tempdir().unwrap();
    let names = write(dir.path(), &files);
    let (ok, report) = jenkins_check(dir.path(), &names);
    assert!(ok, "Jenkinsfiles are not valid declarative pipelines:\n{report}");
    for (origin, text) in &files {
        // Secrets arrive through a credential binding, which also masks them in the console log.
        assert!(
            ["withVault(", "withCredentials(", "withAWS("].iter().any(|b| text.contains(b)),
            "{origin}: no credential binding (withVault, withCredentials or withAWS)"
        );
    }
    let broken = vec![
        (
            "broken-syntax".to_string(),
            "pipeline {\n  agent any\n  stages { stage('x') { steps { sh 'true' }\n}\n".to_string(),
        ),
        (
            "no-stages".to_string(),
            "pipeline {\n  agent any\n  stage('x') { steps { sh 'true' } }\n}\n".to_string(),
        ),
    ];
    let names = write(dir.path(), &broken);
    let (_, report) = jenkins_check(dir.path(), &names);
    assert_eq!(report.lines().count(), 2, "both canaries must be caught:\n{report}");
}

/// The `file(credentialsId: …, variable: 'ID_TOKEN_FILE')` bindings of a plan's Jenkinsfiles.
fn bound_token_credentials(jenkinsfiles: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for text in jenkinsfiles {
        let mut rest = *text;
        while let Some(at) = rest.find("file(credentialsId: '") {
            let tail = &rest[at + 21..];
            let end = tail.find('\'').unwrap();
            assert!(
                tail[end..].starts_with("', variable: 'ID_TOKEN_FILE')"),
                "a token file bound to another variable: {text}"
            );
            out.push(tail[..end].to_string());
            rest = &tail[end..];
        }
    }
    out.sort();
    out
}

/// The ids and audiences of the `idTokenFile` credentials of a Configuration-as-Code document,
/// or what is wrong with it.
fn casc_token_credentials(text: &str) -> Result<Vec<(String, String)>, String> {
    let doc: Value = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let domains = doc["credentials"]["system"]["domainCredentials"]
        .as_sequence()
        .ok_or("no credentials.system.domainCredentials")?;
    let mut out = Vec::new();
    for domain in domains {
        for entry in domain["credentials"].as_sequence().ok_or("a domain without credentials")? {
            let cred = entry
                .get("idTokenFile")
                .ok_or_else(|| format!("not an idTokenFile credential: {entry:?}"))?;
            let field = |k: &str| cred.get(k).and_then(Value::as_str).map(str::to_string);
            let id = field("id").ok_or("a credential without id")?;
            let audience = field("audience").ok_or_else(|| format!("{id}: no audience (the backend's trust requires one)"))?;
            match field("scope").as_deref() {
                Some("GLOBAL") => {}
                other => return Err(format!("{id}: scope {other:?}, not GLOBAL (pipelines could not bind it)")),
            }
            out.push((id, audience));
        }
    }
    out.sort();
    Ok(out)
}

/// Every Jenkins plan, on every backend: the Configuration-as-Code section defines exactly the
/// token credentials its Jenkinsfiles bind, each with the audience the plan's Terraform trusts.
/// Canaries: a missing credential, a wrong kind, a missing audience are caught.
#[test]
fn jenkins_token_credentials_as_code_match_the_bindings_and_the_trust() {
    let mut checked = 0;
    for mut req in all_requests().into_iter().filter(|r| r.target == Target::Cicd) {
        req.cicd.platform = Some(CicdPlatform::Jenkins);
        let p = plan(&req);
        let origin = format!("{}-{}-{}", req.backend, req.rotation, req.credential.unwrap());
        let m = &p.deployment_manifests;
        let jenkinsfiles: Vec<&str> = m
            .iter()
            .filter(|m| m.filename.starts_with("Jenkinsfile"))
            .map(|m| m.content.as_str())
            .collect();
        let casc = m
            .iter()
            .find(|m| kind(&m.filename) == Some(Kind::JenkinsCasc))
            .unwrap_or_else(|| panic!("{origin}: no credentials as code"));
        // The workload's Terraform and the platform's, where a shared pool and provider live.
        let terraform: String = m
            .iter()
            .filter(|m| m.filename.ends_with(".tf"))
            .map(|m| m.content.as_str())
            .chain(p.platform_files.values().map(String::as_str))
            .collect();
        let defined = casc_token_credentials(&casc.content).unwrap_or_else(|e| panic!("{origin}: {e}"));
        let ids: Vec<String> = defined.iter().map(|(id, _)| id.clone()).collect();
        assert_eq!(ids, bound_token_credentials(&jenkinsfiles), "{origin}: defined ≠ bound");
        for (id, audience) in &defined {
            // Google's default audience is the provider's own resource name.
            let mut path = audience.rsplit('/');
            let (provider, pool) = (path.next().unwrap(), path.nth(1).unwrap_or_default());
            let google_default = audience.starts_with("https://iam.googleapis.com/projects/")
                && terraform.contains(&format!("workload_identity_pool_provider_id = \"{provider}\""))
                && terraform.contains(&format!("workload_identity_pool_id = \"{pool}\""));
            assert!(
                terraform.contains(audience.as_str()) || google_default,
                "{origin}: {id}'s audience {audience} is not trusted"
            );
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} Jenkins plans");
    let good =
        "credentials:\n  system:\n    domainCredentials:\n    - credentials:\n      - idTokenFile: {id: a, audience: x, scope: GLOBAL}\n";
    assert!(casc_token_credentials(good).is_ok());
    assert!(
        casc_token_credentials(&good.replace("idTokenFile", "idToken")).is_err(),
        "the string kind binds no file"
    );
    assert!(casc_token_credentials(&good.replace("audience: x, ", "")).is_err());
    assert_ne!(
        bound_token_credentials(&["withCredentials([file(credentialsId: 'a', variable: 'ID_TOKEN_FILE')])"]),
        vec!["b".to_string()]
    );
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn pipeline_scripts_are_valid_posix_shell() {
    for (origin, text) in of(Kind::Shell) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script.sh");
        std::fs::write(&path, &text).unwrap();
        let out = Command::new("sh").arg("-n").arg(&path).output().unwrap();
        assert!(out.status.success(), "{origin}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(
            text.starts_with("#!/bin/sh"),
            "{origin}: a script the job runs with sh starts with #!/bin/sh"
        );
    }
}

/// Azure DevOps trust names a service connection (or a variable group) only, so every Azure
/// Pipelines plan binds the planned branch with a branch control check on what it logs in with:
/// arguments as microsoft/azuredevops 1.16 declares them (tests/fixtures/azuredevops-arguments.json),
/// allowed_branches exactly the planned branch, branch protection verified.
#[test]
fn azure_pipelines_logins_are_bound_to_the_planned_branch() {
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo_root().join("tests/fixtures/azuredevops-arguments.json")).unwrap()).unwrap();
    let schema = &fixture["azuredevops_check_branch_control"];
    let known: Vec<&str> = schema["arguments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let required: Vec<&str> = schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let kinds: Vec<&str> = schema["target_resource_type"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut checked = 0;
    for req in all_requests().into_iter().filter(|r| r.target == Target::Cicd) {
        let mut req = req.clone();
        req.cicd.platform = Some(CicdPlatform::AzureDevops);
        req.cicd.branch = Some("release".into());
        let files = plan(&req).workload_files();
        let origin = format!("{}-{}-{}", req.backend, req.rotation, req.credential.unwrap());
        let tf = files
            .get("terraform/azure-devops.tf")
            .unwrap_or_else(|| panic!("{origin}: no branch control"));
        let body: hcl::Body = hcl::from_str(tf).unwrap();
        let checks: Vec<&hcl::Block> = body
            .blocks()
            .filter(|b| b.identifier() == "resource" && b.labels()[0].as_str() == "azuredevops_check_branch_control")
            .collect();
        assert!(!checks.is_empty(), "{origin}: no azuredevops_check_branch_control");
        for check in checks {
            let attrs: BTreeMap<String, String> = check
                .body()
                .attributes()
                .map(|a| (a.key().to_string(), a.expr().to_string()))
                .collect();
            for key in attrs.keys() {
                assert!(
                    known.contains(&key.as_str()),
                    "{origin}: {key} is no argument of azuredevops_check_branch_control"
                );
            }
            for key in &required {
                assert!(attrs.contains_key(*key), "{origin}: required {key} missing");
            }
            let kind = attrs["target_resource_type"].trim_matches('"');
            assert!(kinds.contains(&kind), "{origin}: target_resource_type {kind}");
            assert_eq!(attrs["allowed_branches"], "\"refs/heads/release\"", "{origin}");
            assert_eq!(attrs["verify_branch_protection"], "true", "{origin}");
            checked += 1;
        }
    }
    assert!(checked >= 48, "only {checked} checks");
}
