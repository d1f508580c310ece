//! No artifact of any combination looks like a secret: detect-secrets (installed by
//! scripts/install-tools.sh) scans every file and every computed string of all 144 plans.
//! A planted canary proves the scan is live. Runs with the other real-tool tests (TF_ACC=1).

use crate::support::WorkloadFiles;
use std::process::Command;

use secretsint::provider::{self, ProviderConfig};
use secretsint::tf::Value;

use crate::concurrency::all_combinations;
use crate::support::repo_root;

const CANARY: &str = "canary/leak.txt";

/// Lines where the keyword plugin fires on a *name* (a schema attribute, a Kubernetes field, a
/// Go variable), never on a value that could be a secret. Every plugin stays on; only these
/// exact shapes are skipped. Add a shape here only after reading the flagged line.
pub(crate) const NAME_NOT_SECRET: &[&str] = &[
    r#"^\s*"secrets_backend": "[a-z-]+",?$"#,       // contract_json: the backend enum
    r#"^\s*"secret_path": "[A-Za-z0-9:/._-]+",?$"#, // contract_json: a path or ARN, not a value
    r#"^\s*secretName: "?[a-z0-9-]+"?$"#,           // Kubernetes volume: the name of a Secret object
    r#"^\s*if secret == nil \|\|"#,                 // Go: the response variable is named `secret`
    // The shapes below match lowercase names and paths only, so no key-like value (mixed case,
    // high entropy) can hide on an excluded line from the other plugins.
    r#"^\s*-?\s*secretKey: "?[a-z0-9_.-]+"?$"#, // ESO data[].secretKey: the key's name in the target Secret
    // vault-action's `secrets:` input (detect-secrets folds the block into one line): only
    // `<lowercase path> <lowercase field> | <ENV_NAME>` entries.
    r#"^\s*secrets: (\|-?|"?([a-z0-9/._-]+ [a-z0-9_.-]+ \| [A-Z][A-Z0-9_]*( ;)?(\\n|\s)*)+"?)$"#,
    r#"^\s*SECRET_PATH: "?[a-z0-9/._-]+"?$"#, // rotation job env: the KV path it writes
    r#"^\s*SECRET_FIELD: "?[a-z0-9_.-]+"?$"#, // rotation job env: the field name it rotates
    // A GCP Secret Manager resource name (lowercase IDs only) under any key: a name, not a value.
    r#"^\s*"?[A-Za-z_]+"?\s*[:=]\s*"projects/[a-z0-9-]+/secrets/[a-z0-9_-]+(/versions/latest)?",?$"#,
    // google-github-actions/auth input: the provider's resource name (project number, lowercase IDs).
    r#"^\s*workload_identity_provider: "?projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]+/providers/[a-z0-9-]+"?$"#,
    // An IAM statement ID (JSON or CloudFormation YAML): CamelCase words and the eight lowercase
    // hex digits of its secret's name digest, which the entropy plugin takes for base64.
    r#"^\s*"?Sid"?: "?(?:[A-Z][a-z]+)+[0-9a-f]{8}"?,?$"#,
];

/// Every string leaf of a state, with a path-like name.
fn strings(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(t) => out.push((prefix.to_string(), t.clone())),
        Value::List(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(&format!("{prefix}/{i}"), item, out);
            }
        }
        Value::Map(m) => {
            for (k, item) in m {
                strings(&format!("{prefix}/{k}"), item, out);
            }
        }
        _ => {}
    }
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn no_planned_artifact_contains_a_secret_like_string() {
    let tool = repo_root().join(".tools/bin/detect-secrets");
    assert!(
        tool.exists(),
        "detect-secrets is missing at {}: run scripts/install-tools.sh",
        tool.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut written = 0;
    for (i, cfg) in all_combinations().iter().enumerate() {
        let (state, diags) = provider::read(cfg, &ProviderConfig::default());
        assert!(!diags.has_errors(), "combination {i}: {diags:?}");
        let mut leaves = Vec::new();
        strings("", &state, &mut leaves);
        for (name, text) in leaves {
            // files/<relative path> keep their extension, so format-aware plugins apply
            let rel = name.trim_start_matches('/').replace("files/", "files__");
            let path = dir.path().join(format!("c{i:03}")).join(rel.replace('/', "__"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            written += 1;
        }
    }
    let canary = dir.path().join(CANARY);
    std::fs::create_dir_all(canary.parent().unwrap()).unwrap();
    std::fs::write(&canary, "aws_access_key_id = AKIAIOSFODNN7ABCDEFG\n").unwrap();

    let mut args = vec!["scan", "--all-files"];
    for shape in NAME_NOT_SECRET {
        args.extend(["--exclude-lines", shape]);
    }
    args.push(".");
    let out = Command::new(&tool).args(&args).current_dir(dir.path()).output().unwrap();
    assert!(
        out.status.success(),
        "detect-secrets failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = report["results"].as_object().unwrap();
    assert!(results.contains_key(CANARY), "the canary was not found; is the scan live? {report}");
    let found: Vec<_> = results.iter().filter(|(f, _)| f.as_str() != CANARY).collect();
    if !found.is_empty() {
        let keep = dir.keep();
        panic!(
            "secret-like strings in {} of {written} artifacts (kept in {}): {found:?}",
            found.len(),
            keep.display()
        );
    }
}

/// No artifact of any combination or CI platform carries a control character (other than line
/// feed and tab): one once hid inside a Jenkinsfile's sed expression, where it broke the login
/// while every parser accepted the file.
#[test]
fn no_artifact_carries_a_control_character() {
    use secretsint::planner::{plan, Choice, CicdPlatform, Target};
    let mut files = 0;
    for req in crate::support::all_requests() {
        let platforms: Vec<Option<CicdPlatform>> = match req.target {
            Target::Cicd => CicdPlatform::ALL.iter().copied().map(Some).collect(),
            _ => vec![None],
        };
        for platform in platforms {
            let mut req = req.clone();
            req.cicd.platform = platform;
            for (path, text) in plan(&req).workload_files() {
                files += 1;
                if let Some((i, c)) = text.char_indices().find(|(_, c)| c.is_control() && *c != '\n' && *c != '\t') {
                    panic!(
                        "{}-{}-{}-{:?} {path}: control character {:?} at byte {i}",
                        req.backend, req.target, req.rotation, platform, c
                    );
                }
            }
        }
    }
    assert!(files > 3000, "only {files} files");
}
