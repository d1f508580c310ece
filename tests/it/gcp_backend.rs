//! GCP Secret Manager: goldens for every target × rotation × credential (and the other three CI/CD
//! platforms), structural checks on every plan, and with TF_ACC=1 the real tools: `terraform fmt`
//! over every generated `.tf`, strict Kubernetes validation, mypy over the rotation function against
//! the pinned SDKs, the function's logic with its clients replaced, and the CI access script run
//! against a stand-in curl.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use secretsint::planner::request::{DnsLabel, Duration};
use secretsint::planner::{
    plan, Backend, Choice, CicdPlatform, CredentialType, DbEngine, FindingKind, ManifestType, PolicyType, Request, Rotation, StoreKind,
    Target,
};

use crate::acceptance::{acceptance_enabled, terraform};
use crate::golden::check_golden;
use crate::k8s_validate::validate_manifests;
use crate::support::{repo_root, tool};

const TIMESTAMP: &str = "2026-11-28T00:00:00Z";

fn request(t: Target, r: Rotation, c: CredentialType) -> Request {
    let mut req = Request::new(Backend::GcpSecretManager, t, r);
    req.credential = Some(c);
    req.timestamp = Some(TIMESTAMP.into());
    req
}

/// The 36 default combinations: `tests/golden/gcp-<target>-<rotation>-<credential>/`.
fn default_combinations() -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for t in Target::ALL {
        for r in Rotation::ALL {
            for c in CredentialType::ALL {
                out.push((format!("gcp-{t}-{r}-{c}"), request(*t, *r, *c)));
            }
        }
    }
    out
}

/// GitLab CI, Jenkins and Azure DevOps, each with a manual API key and a rotated database password:
/// `tests/golden/gcp-cicd-<platform>-<rotation>-<credential>/`.
fn platform_combinations() -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for (platform, label) in [
        (CicdPlatform::GitlabCi, "gitlab"),
        (CicdPlatform::Jenkins, "jenkins"),
        (CicdPlatform::AzureDevops, "azure-devops"),
    ] {
        for (r, c) in [
            (Rotation::Manual, CredentialType::ApiKey),
            (Rotation::Automatic, CredentialType::Database),
        ] {
            let mut req = request(Target::Cicd, r, c);
            req.cicd.platform = Some(platform);
            out.push((format!("gcp-cicd-{label}-{r}-{c}"), req));
        }
    }
    out
}

fn label(text: &str) -> DnsLabel {
    DnsLabel::parse(text, 63).expect("valid label")
}

/// Non-default arguments: a region, a ClusterSecretStore, MySQL, a long name that must be shortened.
fn custom_case() -> (String, Request) {
    let mut req = request(Target::Kubernetes, Rotation::Automatic, CredentialType::Database);
    req.name = Some(label("payments-ledger-reconciliation-service"));
    req.environment = Some(label("staging"));
    req.rotation_period = Some(Duration::parse("12h").expect("duration"));
    req.gcp.project_id = Some("acme-payments-prod".into());
    req.gcp.project_number = Some("987654321098".into());
    req.gcp.location = Some("europe-west4".into());
    req.database.engine = Some(DbEngine::Mysql);
    req.database.host = Some("mysql.example.com".into());
    req.kubernetes.namespace = Some(label("payments"));
    req.kubernetes.service_account = Some("ledger".into());
    req.kubernetes.store_kind = Some(StoreKind::ClusterSecretStore);
    ("gcp-custom-kubernetes-automatic-database-mysql".into(), req)
}

fn every_case() -> Vec<(String, Request)> {
    let mut all = default_combinations();
    all.extend(platform_combinations());
    all.push(custom_case());
    all
}

/// Every GCP plan on every CI/CD platform, for the real-tool checks.
fn every_plan_on_every_platform() -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for (case, req) in default_combinations() {
        if req.target != Target::Cicd {
            out.push((case, req));
            continue;
        }
        for p in CicdPlatform::ALL {
            let mut req = req.clone();
            req.cicd.platform = Some(*p);
            out.push((format!("{case}-{p}"), req));
        }
    }
    out.push(custom_case());
    out
}

#[test]
fn golden_gcp_every_combination() {
    let root = repo_root().join("tests/golden");
    let combos = default_combinations();
    assert_eq!(combos.len(), 36);
    for (case, req) in every_case() {
        check_golden(&case, &root.join(&case), &req);
    }
}

#[test]
fn every_gcp_combination_is_fully_planned() {
    for (case, req) in every_plan_on_every_platform() {
        let p = plan(&req);
        assert!(
            p.secrets_config.config_file.is_some() && p.rotation_scripts.is_some(),
            "{case} is not planned: {:?}",
            p.findings
        );
        assert!(!p.findings.iter().any(|f| f.kind == FindingKind::Error), "{case}: {:?}", p.findings);
        assert!(!p.findings.iter().any(|f| f.summary.contains("Not Yet Planned")), "{case}");
        let dynamic = req.rotation == Rotation::Dynamic;
        assert_eq!(
            p.findings.iter().any(|f| f.kind == FindingKind::Fallback),
            dynamic,
            "{case}: {:?}",
            p.findings
        );
        assert_eq!(p.decisions.iter().any(|d| d.contains("fell back")), dynamic, "{case}");
        assert!(p.integration_code.is_empty(), "{case}: integration_code belongs to integration.rs");
        // Kept for the integration code generator.
        assert!(p.secrets_config.secret_path.starts_with("projects/"), "{case}");
        let rotation = p.rotation_scripts.as_ref().unwrap();
        let rotates = req.rotation != Rotation::Manual;
        assert_eq!(
            rotation.rotation_type.as_str(),
            if rotates { "cloud-function" } else { "none" },
            "{case}"
        );
        let files = p.files();
        assert!(files.contains_key("terraform/gcp.tf"), "{case}");
        if rotates {
            assert!(files.contains_key("functions/rotate/main.py") && files.contains_key("functions/rotate/requirements.txt"));
            let tf = &files["terraform/gcp.tf"];
            for needle in [
                "rotation_period",
                "next_rotation_time",
                "topics {",
                "roles/pubsub.publisher",
                "google.cloud.pubsub.topic.v1.messagePublished",
                "google_cloudfunctions2_function",
                "roles/secretmanager.secretVersionAdder",
            ] {
                assert!(tf.contains(needle), "{case}: terraform lacks {needle}");
            }
        }
        // Least privilege: IAM on single secrets only, never a project-level grant or a broad role.
        for policy in &p.access_policies {
            let doc: serde_json::Value = serde_json::from_str(&policy.policy_document).unwrap();
            let role = doc["role"].as_str().unwrap();
            assert!(
                !role.contains("admin") && !role.contains("owner") && !role.contains("editor"),
                "{case}: {role}"
            );
            if policy.policy_type == PolicyType::IamBinding {
                assert!(doc["secret_id"].is_string() && doc["member"].is_string(), "{case}");
            }
        }
        assert!(
            !files
                .values()
                .any(|t| t.contains("google_project_iam") || t.contains("external-secrets.io/v1beta1")),
            "{case}"
        );
        for (path, text) in &files {
            if path.ends_with(".tf") || path.ends_with(".hcl") {
                let _: hcl::Body = hcl::from_str(text).unwrap_or_else(|e| panic!("{case}/{path}: {e}"));
            } else if path.ends_with(".yaml") || path.ends_with(".yml") {
                let _: serde_json::Value = serde_norway::from_str(text).unwrap_or_else(|e| panic!("{case}/{path}: {e}"));
            } else if path.ends_with(".json") {
                let _: serde_json::Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{case}/{path}: {e}"));
            }
        }
    }
}

#[test]
fn cicd_files_follow_each_platform() {
    for p in CicdPlatform::ALL {
        let mut req = request(Target::Cicd, Rotation::Manual, CredentialType::Generic);
        req.cicd.platform = Some(*p);
        let files = plan(&req).files();
        let cicd = plan(&req)
            .deployment_manifests
            .iter()
            .filter(|m| m.kind == ManifestType::Cicd)
            .count();
        match p {
            CicdPlatform::GithubActions => {
                let wf = &files[".github/workflows/app-secrets.yml"];
                assert!(
                    wf.contains("id-token: write") && wf.contains("google-github-actions/auth@v3"),
                    "{wf}"
                );
                assert!(wf.contains("::add-mask::"), "{wf}");
            }
            CicdPlatform::GitlabCi => {
                let ci = &files[".gitlab-ci.yml"];
                assert!(
                    ci.contains("id_tokens:") && ci.contains("aud: https://iam.googleapis.com/projects/"),
                    "{ci}"
                );
                assert!(!ci.contains("CI_JOB_JWT"), "{ci}");
            }
            CicdPlatform::Jenkins => {
                let jf = &files["Jenkinsfile"];
                assert!(
                    jf.contains("withCredentials([string(credentialsId: 'prod-app-gcp-id-token'"),
                    "{jf}"
                );
            }
            CicdPlatform::AzureDevops => {
                let ado = &files["azure-pipelines.yml"];
                assert!(
                    ado.contains("task: AzureCLI@2") && ado.contains("azureSubscription: prod-app-gcp"),
                    "{ado}"
                );
            }
        }
        assert!(cicd > 0, "{p}");
        let tf = &files["terraform/gcp.tf"];
        assert!(tf.contains("attribute_condition"), "{p}: every provider has an attribute_condition");
    }
}

/// The manifests under `kubernetes/` of every kubernetes plan pass the shared strict validation.
#[test]
fn kubernetes_manifests_pass_strict_validation() {
    if !acceptance_enabled() {
        return;
    }
    let mut manifests = Vec::new();
    for (case, req) in every_plan_on_every_platform() {
        for m in plan(&req).deployment_manifests {
            if m.kind == ManifestType::Kubernetes {
                manifests.push((format!("{case}/{}", m.filename), m.content));
            }
        }
        if req.target == Target::Kubernetes {
            let p = plan(&req);
            manifests.push((format!("{case}/config"), p.secrets_config.config_file.unwrap()));
        }
    }
    assert!(manifests.len() > 36, "{}", manifests.len());
    validate_manifests(&manifests);
}

/// Every generated `.tf` (all platforms, regions, rotations) is exactly as `terraform fmt` writes it.
#[test]
fn terraform_is_fmt_clean() {
    if !acceptance_enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (case, req) in every_plan_on_every_platform() {
        for (path, text) in plan(&req).files() {
            if path.ends_with(".tf") {
                std::fs::write(dir.path().join(format!("{case}-{}", path.replace('/', "_"))), text).unwrap();
            }
        }
    }
    let out = Command::new(terraform("1.15.5"))
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

/// The function's environment as the generated Terraform sets it.
fn function_env(tf: &str) -> BTreeMap<String, String> {
    let value: serde_json::Value = hcl::from_str(tf).unwrap();
    let env = &value["resource"]["google_cloudfunctions2_function"]["rotate"]["service_config"]["environment_variables"];
    env.as_object()
        .unwrap_or_else(|| panic!("no environment_variables in {tf}"))
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect()
}

/// Writes `<dir>/<credential>/main.py` and `env.json` for each credential type's rotation function.
fn write_functions(dir: &Path) {
    for c in CredentialType::ALL {
        let files = plan(&request(Target::Application, Rotation::Automatic, *c)).files();
        let sub = dir.join(c.as_str());
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(files["functions/rotate/main.py"], files["rotation/cloud-function.py"]);
        std::fs::write(sub.join("main.py"), &files["functions/rotate/main.py"]).unwrap();
        let env = function_env(&files["terraform/gcp.tf"]);
        std::fs::write(sub.join("env.json"), serde_json::to_string(&env).unwrap()).unwrap();
        let requirements = &files["functions/rotate/requirements.txt"];
        assert!(requirements.contains("google-cloud-secret-manager==2.32.0"), "{requirements}");
        assert!(requirements.contains("functions-framework=="), "{requirements}");
    }
}

/// mypy --strict accepts every variant of the rotation function against the pinned SDKs in .tools/gcp.
#[test]
fn rotation_function_passes_mypy_against_pinned_sdks() {
    if !acceptance_enabled() {
        return;
    }
    let mypy = tool("gcp/bin/mypy");
    let dir = tempfile::tempdir().unwrap();
    write_functions(dir.path());
    for c in CredentialType::ALL {
        let out = Command::new(&mypy)
            .args([
                "--strict",
                "--no-incremental",
                "--python-version",
                "3.13",
                "--cache-dir",
                "/dev/null",
            ])
            .arg(dir.path().join(c.as_str()).join("main.py"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "mypy rejects the {c} rotation function:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A planted type error proves mypy is really checking against the SDK's hints.
    let broken = dir.path().join("broken.py");
    std::fs::write(
        &broken,
        "from google.cloud import secretmanager\n\nsecretmanager.SecretManagerServiceClient().add_secret_version(parent=1)\n",
    )
    .unwrap();
    let out = Command::new(&mypy)
        .args(["--strict", "--cache-dir", "/dev/null"])
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!out.status.success(), "mypy missed the planted error");
}

/// The rotation logic runs with the Secret Manager client (and database/CA clients) replaced:
/// SECRET_ROTATE adds exactly one version, redeliveries and other events add none.
#[test]
fn rotation_function_adds_exactly_one_version() {
    if !acceptance_enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write_functions(dir.path());
    let out = Command::new(tool("gcp/bin/python"))
        .arg(repo_root().join("tests/it/gcp_rotate_test.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "rotation function tests failed:\n{report}");
    assert!(report.contains("\nOK"), "{report}");
}

/// `ci/gcp-access-secret.sh` against a stand-in curl: it posts the token on stdin, sends the bearer
/// token only through curl's config on stdin, and writes the decoded payload with mode 0600.
#[test]
fn access_script_exchanges_and_writes_the_payload() {
    let mut req = request(Target::Cicd, Rotation::Manual, CredentialType::Database);
    req.cicd.platform = Some(CicdPlatform::GitlabCi);
    let files = plan(&req).files();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.path().join("curl.log");
    let curl = format!(
        "#!/bin/sh\nstdin=\"$(cat)\"\nprintf '%s|%s\\n' \"$*\" \"$stdin\" >> '{}'\ncase \"$*\" in\n  *sts.googleapis.com*) printf '{{\\n  \"access_token\": \"ya29.fake\",\\n  \"token_type\": \"Bearer\"\\n}}\\n' ;;\n  *:access*) printf '{{\\n  \"name\": \"v\",\\n  \"payload\": {{\\n    \"data\": \"%s\",\\n    \"dataCrc32c\": \"1\"\\n  }}\\n}}\\n' \"$(printf '{{\"password\":\"p\",\"username\":\"u\"}}' | base64)\" ;;\n  *) exit 22 ;;\nesac\n",
        log.display()
    );
    std::fs::write(bin.join("curl"), curl).unwrap();
    Command::new("chmod").arg("+x").arg(bin.join("curl")).status().unwrap();
    let script = dir.path().join("access.sh");
    std::fs::write(&script, &files["ci/gcp-access-secret.sh"]).unwrap();
    let out_file = dir.path().join("out/database.json");
    let out = Command::new("sh")
        .arg(&script)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("GCP_ID_TOKEN", "header.claims.signature")
        .env(
            "GCP_WIF_AUDIENCE",
            "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x",
        )
        .env(
            "GCP_SECRET_VERSION",
            "projects/example-project/secrets/prod-app-database/versions/latest",
        )
        .env("GCP_SECRET_FILE", &out_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&out_file).unwrap(),
        "{\"password\":\"p\",\"username\":\"u\"}"
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&out_file).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    let calls = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = calls.lines().collect();
    assert_eq!(lines.len(), 2, "{calls}");
    assert!(
        !lines[0].split('|').next().unwrap().contains("header.claims.signature"),
        "token on argv: {calls}"
    );
    assert!(lines[0].contains("\"subjectToken\":\"header.claims.signature\""), "{calls}");
    assert!(
        !lines[1].split('|').next().unwrap().contains("ya29.fake"),
        "bearer on argv: {calls}"
    );
    assert!(lines[1].contains("secrets/prod-app-database/versions/latest:access"), "{calls}");
    assert!(out.stdout.is_empty(), "the script prints nothing");
}
