//! API key rotation never makes up a key the plan does not issue. A third-party key (the
//! default) without an issuer hook gets a reminder on every backend, and nothing generated
//! writes a key; a self-issued key is rotated to random data; an issuer hook (a Lambda ARN on
//! AWS, an https endpoint on Azure, GCP and Vault's CronJob; none on Vault's cicd pipeline)
//! mints the key, and the rotation refuses one that is empty or not new. Run against moto here;
//! the Azure and GCP functions run against a local issuer in their backends' harnesses
//! (azure_rotation.py, gcp_rotate_test.py), and the Vault reminder and hook job on OpenBao in
//! vault_backend.rs.

use crate::support::WorkloadFiles;
use std::process::Command;

use secretsint::planner::{plan, ApiKeyIssuer, Backend, Choice, CredentialType, Plan, Request, Rotation, Target};
use serde_json::Value;

use crate::support::{repo_root, tool};

const REMINDER: &str = "API Key Rotation Falls Back To A Reminder";
const HOOK: &str = "arn:aws:lambda:us-east-1:123456789012:function:mint-key";

fn api_key(backend: Backend, target: Target, rotation: Rotation, issuer: Option<ApiKeyIssuer>) -> Request {
    let mut r = Request::new(backend, target, rotation);
    r.credential = Some(CredentialType::ApiKey);
    r.api_key.issuer = issuer;
    r
}

/// The calls and commands by which each backend's generated code writes or makes up a value.
fn write_paths(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::AwsSecrets => &["put_secret_value(", "get_random_password(", "update_secret_version_stage("],
        Backend::AzureKeyVault => &[".set_secret(", "token_urlsafe("],
        Backend::GcpSecretManager => &[".add_secret_version(", "secrets.choice("],
        Backend::Vault => &["/dev/urandom", "api POST \"${KV_MOUNT}/data/"],
    }
}

fn written(p: &Plan, backend: Backend) -> Vec<String> {
    let files = p.workload_files();
    let mut found = Vec::new();
    for (path, text) in &files {
        for w in write_paths(backend) {
            if text.contains(w) {
                found.push(format!("{path}: {w}"));
            }
        }
    }
    found
}

/// Every rotating third-party plan on every backend and target falls back to a reminder and holds
/// no code that writes or makes up a key; the same plans with a self-issued key do hold it, so
/// the scan is live (the canary).
#[test]
fn no_generated_code_writes_a_third_party_api_key() {
    let mut checked = 0;
    for backend in Backend::ALL {
        for target in Target::ALL {
            for rotation in [Rotation::Automatic, Rotation::Dynamic] {
                let case = format!("{backend}-{target}-{rotation}");
                let p = plan(&api_key(*backend, *target, rotation, None));
                let reminders: Vec<_> = p.findings.iter().filter(|f| f.summary == REMINDER).collect();
                assert_eq!(reminders.len(), 1, "{case}: {:?}", p.findings);
                assert_eq!(reminders[0].field, ["rotation_policy"], "{case}");
                assert!(p.decisions.iter().any(|d| d.contains("fell back to a reminder")), "{case}");
                let scripts = p.rotation_scripts.as_ref().unwrap();
                assert_eq!(scripts.overlap, "0s", "{case}: a reminder replaces nothing");
                assert_eq!(written(&p, *backend), Vec::<String>::new(), "{case}");

                let own = plan(&api_key(*backend, *target, rotation, Some(ApiKeyIssuer::SelfIssued)));
                assert!(!own.findings.iter().any(|f| f.summary == REMINDER), "{case}");
                assert!(
                    !written(&own, *backend).is_empty(),
                    "{case}: the canary found no write path in the self-issued plan"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 24);
}

/// A manual API key plan reads no `api_key` block: nothing rotates.
#[test]
fn manual_api_keys_raise_no_reminder() {
    for backend in Backend::ALL {
        let p = plan(&api_key(*backend, Target::Application, Rotation::Manual, None));
        assert!(!p.findings.iter().any(|f| f.summary == REMINDER), "{backend}");
    }
}

/// A self-issued key has no issuer hook: the contradiction is an error on the hook's path.
#[test]
fn a_self_issued_key_with_an_issuer_hook_is_refused_on_its_path() {
    let mut r = api_key(
        Backend::AwsSecrets,
        Target::Application,
        Rotation::Automatic,
        Some(ApiKeyIssuer::SelfIssued),
    );
    r.api_key.issuer_hook = Some(HOOK.into());
    let p = plan(&r);
    let f = p
        .findings
        .iter()
        .find(|f| f.field == ["api_key", "issuer_hook"])
        .expect("an error on api_key.issuer_hook");
    assert_eq!(f.kind, secretsint::planner::FindingKind::Error);
    // A hook that is no Lambda ARN is refused by its grammar.
    r.api_key.issuer = None;
    r.api_key.issuer_hook = Some("https://keys.example.com/mint".into());
    let p = plan(&r);
    assert!(
        p.findings
            .iter()
            .any(|f| f.field == ["api_key", "issuer_hook"] && f.detail.contains("Lambda function ARN")),
        "{:?}",
        p.findings
    );
}

/// The AWS hook plan: the function may invoke the hook and nothing else mints a value.
#[test]
fn the_aws_issuer_hook_plan_invokes_only_the_hook() {
    let mut r = api_key(Backend::AwsSecrets, Target::Application, Rotation::Automatic, None);
    r.api_key.issuer_hook = Some(HOOK.into());
    let p = plan(&r);
    assert!(!p.findings.iter().any(|f| f.summary == REMINDER));
    let code = &p.rotation_scripts.as_ref().unwrap().rotation_logic;
    assert!(
        code.contains(HOOK) && !code.contains("get_random_password") && !code.contains("RotationNeedsAPerson"),
        "{code}"
    );
    let policy = &p.workload_files()["policies/prod--app-secret-rotation.json"];
    let doc: Value = serde_json::from_str(policy).unwrap();
    let invoke: Vec<&Value> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Action"].to_string().contains("lambda:"))
        .collect();
    assert_eq!(invoke.len(), 1, "{policy}");
    assert_eq!(invoke[0]["Resource"], serde_json::json!([HOOK]));
    assert!(!policy.contains("GetRandomPassword"), "{policy}");
}

/// Runs the plan's Lambda through moto's RotateSecret (tests/it/aws/rotate_api_key.py).
fn moto_rotation(r: &Request, scenario: &str) -> Value {
    let p = plan(r);
    let source = p.rotation_scripts.as_ref().unwrap().rotation_logic.clone();
    assert_eq!(p.workload_files()["functions/rotation/lambda_function.py"], source);
    let dir = tempfile::tempdir().unwrap();
    let lambda = dir.path().join("lambda_function.py");
    std::fs::write(&lambda, &source).unwrap();
    let out = Command::new(tool("aws/bin/python"))
        .arg(repo_root().join("tests/it/aws/rotate_api_key.py"))
        .arg(&lambda)
        .arg(scenario)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The generated reminder Lambda under moto: RotateSecret fails at createSecret, AWSCURRENT keeps
/// the key people wrote, and no version holds any other key.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn aws_reminder_leaves_the_stored_key_unchanged() {
    let r = api_key(Backend::AwsSecrets, Target::Application, Rotation::Automatic, None);
    for write_path in write_paths(Backend::AwsSecrets) {
        assert!(
            !plan(&r).rotation_scripts.unwrap().rotation_logic.contains(write_path),
            "{write_path}"
        );
    }
    let v = moto_rotation(&r, "reminder");
    assert!(v["error"].is_string(), "RotateSecret must report the reminder as a failure: {v}");
    assert_eq!(v["steps"], serde_json::json!(["createSecret"]), "{v}");
    assert_eq!(v["current"], "initial-key-for-tests", "{v}");
    let keys: Vec<&Value> = v["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| &x["api_key"])
        .filter(|k| !k.is_null())
        .collect();
    assert_eq!(
        keys,
        [&Value::from("initial-key-for-tests")],
        "no version may hold another key: {v}"
    );
}

/// With an issuer hook, the key the hook mints becomes AWSCURRENT; a hook that returns the
/// current key or none leaves AWSCURRENT as it was (testSecret and createSecret refuse them).
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn aws_issuer_hook_mints_the_key_and_a_stale_one_is_refused() {
    let mut r = api_key(Backend::AwsSecrets, Target::Application, Rotation::Automatic, None);
    r.api_key.issuer_hook = Some(HOOK.into());
    let v = moto_rotation(&r, "hook");
    assert_eq!(v["error"], Value::Null, "{v}");
    assert_eq!(
        v["steps"],
        serde_json::json!(["createSecret", "setSecret", "testSecret", "finishSecret"]),
        "{v}"
    );
    assert_eq!(v["hook_calls"], serde_json::json!([["ClientRequestToken", "SecretId"]]), "{v}");
    assert_eq!(v["current"], "minted-key-1", "{v}");
    for (scenario, steps) in [
        ("hook-same", vec!["createSecret", "setSecret", "testSecret"]),
        ("hook-empty", vec!["createSecret"]),
    ] {
        let v = moto_rotation(&r, scenario);
        assert!(v["error"].is_string(), "{scenario}: {v}");
        assert_eq!(v["steps"], serde_json::json!(steps), "{scenario}: {v}");
        assert_eq!(v["current"], "initial-key-for-tests", "{scenario}: {v}");
    }
}

/// A self-issued key is the plan's own: the rotation writes a new random one.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn aws_self_issued_key_rotates_to_a_new_random_key() {
    let r = api_key(
        Backend::AwsSecrets,
        Target::Cicd,
        Rotation::Automatic,
        Some(ApiKeyIssuer::SelfIssued),
    );
    let v = moto_rotation(&r, "reminder");
    assert_eq!(v["error"], Value::Null, "{v}");
    let new = v["current"].as_str().unwrap();
    assert!(new.len() == 32 && new != "initial-key-for-tests", "{v}");
}

const HTTPS_HOOK: &str = "https://keys.example.com/mint";

/// Azure and GCP call an https hook: no reminder, and the only write in the generated code is
/// the store of the hook's key (no random source anywhere); the hook and its token are wired in.
#[test]
fn with_an_issuer_hook_the_only_write_path_is_the_hooks_key() {
    let mut checked = 0;
    for backend in [Backend::AzureKeyVault, Backend::GcpSecretManager] {
        let (store, random): (&str, &[&str]) = match backend {
            Backend::AzureKeyVault => (".set_secret(", &["token_urlsafe(", "import secrets", "import random"]),
            _ => (".add_secret_version(", &["secrets.choice(", "import secrets", "import random"]),
        };
        for target in Target::ALL {
            for rotation in [Rotation::Automatic, Rotation::Dynamic] {
                let case = format!("{backend}-{target}-{rotation}");
                let mut r = api_key(backend, *target, rotation, None);
                r.api_key.issuer_hook = Some(HTTPS_HOOK.into());
                let p = plan(&r);
                assert!(!p.findings.iter().any(|f| f.summary == REMINDER), "{case}: {:?}", p.findings);
                assert!(
                    !p.findings.iter().any(|f| f.kind == secretsint::planner::FindingKind::Error),
                    "{case}: {:?}",
                    p.findings
                );
                let code = &p.rotation_scripts.as_ref().unwrap().rotation_logic;
                assert!(code.contains("call_hook(") && code.contains("Idempotency-Key"), "{case}");
                assert_eq!(code.matches(store).count(), 1, "{case}: one store call, of the hook's key");
                // The rotation function's files (the SDK modules' retry jitter is no key).
                for (path, text) in p.workload_files() {
                    if path.starts_with("function") || path.starts_with("rotation") {
                        for r in random {
                            assert!(!text.contains(r), "{case}: {path} holds {r}");
                        }
                    }
                }
                assert!(random.iter().all(|r| !code.contains(r)), "{case}");
                let decisions = p.decisions.join("\n");
                assert!(decisions.contains(&format!("minted by the issuer hook {HTTPS_HOOK}")), "{case}");
                assert!(decisions.contains("idempotency_key") && decisions.contains("refuses"), "{case}");
                assert!(!decisions.contains("fell back to a reminder"), "{case}");
                let tf_name = if backend == Backend::AzureKeyVault {
                    "terraform/azure.tf"
                } else {
                    "terraform/gcp.tf"
                };
                assert!(p.workload_files()[tf_name].contains(HTTPS_HOOK), "{case}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 12);
}

/// Each backend takes the hook shape its rotation can call, with the error on the hook's path
/// naming that shape; Vault's CronJob (kubernetes, application) takes an https endpoint, and its
/// cicd pipeline calls no hook, so there the argument has no effect (the provider warns) and the
/// key falls back to a reminder.
#[test]
fn the_issuer_hook_shape_is_checked_per_backend() {
    let error = |b: Backend, hook: &str| -> Option<String> {
        let mut r = api_key(b, Target::Application, Rotation::Automatic, None);
        r.api_key.issuer_hook = Some(hook.into());
        let details: Vec<String> = plan(&r)
            .findings
            .into_iter()
            .filter(|f| f.field == ["api_key", "issuer_hook"])
            .map(|f| f.detail)
            .collect();
        (!details.is_empty()).then(|| details.join("\n"))
    };
    assert_eq!(error(Backend::AwsSecrets, HOOK), None);
    assert!(error(Backend::AwsSecrets, HTTPS_HOOK).unwrap().contains("Lambda function ARN"));
    for b in [Backend::AzureKeyVault, Backend::GcpSecretManager, Backend::Vault] {
        assert_eq!(error(b, HTTPS_HOOK), None, "{b}");
        assert_eq!(error(b, "https://keys.example.com:8443/v1/mint"), None, "{b}");
        for bad in [
            HOOK,
            "http://keys.example.com/mint",
            "https://user:pass@keys.example.com/mint",
            "https://keys.example.com/mint?token=x",
            "https://keys.example.com/mint#x",
            "keys.example.com",
        ] {
            let e = error(b, bad).unwrap_or_else(|| panic!("{b}: {bad} was accepted"));
            assert!(e.contains("an https endpoint"), "{b}: {bad}: {e}");
        }
    }
    let combo = |backend| secretsint::planner::effect::Combo {
        backend,
        target: Target::Cicd,
        rotation: Rotation::Automatic,
        credential: CredentialType::ApiKey,
        platform: secretsint::planner::CicdPlatform::GithubActions,
    };
    assert!(!secretsint::planner::effect::argument_used(
        "api_key",
        "issuer_hook",
        combo(Backend::Vault)
    ));
    for b in [Backend::AwsSecrets, Backend::AzureKeyVault, Backend::GcpSecretManager] {
        assert!(
            secretsint::planner::effect::argument_used("api_key", "issuer_hook", combo(b)),
            "{b}"
        );
    }
    for target in [Target::Kubernetes, Target::Application] {
        let c = secretsint::planner::effect::Combo {
            target,
            ..combo(Backend::Vault)
        };
        assert!(secretsint::planner::effect::argument_used("api_key", "issuer_hook", c), "{target}");
    }
    // On Vault's cicd pipeline the hook has no effect: a reminder, and the hook nowhere.
    let mut r = api_key(Backend::Vault, Target::Cicd, Rotation::Automatic, None);
    r.api_key.issuer_hook = Some(HTTPS_HOOK.into());
    let p = plan(&r);
    let reminder = p.findings.iter().find(|f| f.summary == REMINDER).expect("a reminder");
    assert!(
        reminder.detail.contains("target \"cicd\" calls no api_key.issuer_hook"),
        "{}",
        reminder.detail
    );
    assert!(!p.workload_files().values().any(|t| t.contains(HTTPS_HOOK)));
    let k8s_no_hook = plan(&api_key(Backend::Vault, Target::Kubernetes, Rotation::Automatic, None));
    let reminder = k8s_no_hook.findings.iter().find(|f| f.summary == REMINDER).expect("a reminder");
    assert!(
        reminder.detail.contains("or set api_key.issuer_hook to an https endpoint"),
        "{}",
        reminder.detail
    );
}

/// Vault's CronJob (kubernetes, application) with a hook: no reminder and no kv-remind policy,
/// the only write is the hook's key with a check-and-set (no random source), its token has the
/// hook URL as audience, and its role holds the hook policy on this secret only. Without a hook
/// the same plans keep the reminder.
#[test]
fn vault_issuer_hook_job_writes_only_the_hooks_key() {
    for target in [Target::Kubernetes, Target::Application] {
        for rotation in [Rotation::Automatic, Rotation::Dynamic] {
            let case = format!("{target}-{rotation}");
            let mut r = api_key(Backend::Vault, target, rotation, None);
            r.api_key.issuer_hook = Some(HTTPS_HOOK.into());
            let p = plan(&r);
            assert!(!p.findings.iter().any(|f| f.summary == REMINDER), "{case}: {:?}", p.findings);
            assert!(
                !p.findings.iter().any(|f| f.kind == secretsint::planner::FindingKind::Error),
                "{case}: {:?}",
                p.findings
            );
            let script = &p.rotation_scripts.as_ref().unwrap().rotation_logic;
            assert!(!script.contains("/dev/urandom"), "{case}");
            assert_eq!(script.matches("api POST \"${KV_MOUNT}/data/").count(), 1, "{case}");
            assert!(script.contains("\"options\":{\"cas\":%s}"), "{case}");
            assert!(
                script.contains("--proto \"$hook_proto\"") && script.contains("hook_proto='=https'"),
                "{case}"
            );
            assert!(
                script.contains("Idempotency-Key") && script.contains("Authorization: Bearer"),
                "{case}"
            );
            let files = p.workload_files();
            let cronjob = &files["kubernetes/rotation-cronjob.yaml"];
            assert!(cronjob.contains(&format!("audience: {HTTPS_HOOK}")), "{case}: {cronjob}");
            // The test seam that admits a plain-http hook is never set by the plan.
            assert!(
                cronjob.contains("name: ISSUER_HOOK_URL") && !cronjob.contains("name: SECRETSINT_TEST"),
                "{case}"
            );
            let names: Vec<&str> = p.access_policies.iter().map(|a| a.policy_name.as_str()).collect();
            assert!(!names.iter().any(|n| n.ends_with("-kv-remind")), "{case}: {names:?}");
            let job: Vec<_> = p
                .access_policies
                .iter()
                .filter(|a| a.attach_to == secretsint::planner::AttachTo::Rotator)
                .collect();
            assert_eq!(job.len(), 1, "{case}");
            assert!(job[0].policy_name.ends_with("-kv-hook"), "{case}");
            assert!(
                !job[0].policy_document.contains("delete") && !job[0].policy_document.contains('*'),
                "{case}"
            );
            let tf = &files["terraform/vault.tf"];
            assert!(
                tf.contains("[vault_policy.hook.name]") && !tf.contains("vault_policy.reminder"),
                "{case}"
            );
            let decisions = p.decisions.join("\n");
            assert!(decisions.contains(&format!("minted by the issuer hook {HTTPS_HOOK}")), "{case}");
            assert!(decisions.contains("TokenReview") && decisions.contains("options.cas"), "{case}");
            assert!(!decisions.contains("fell back to a reminder"), "{case}");

            let p = plan(&api_key(Backend::Vault, target, rotation, None));
            assert!(p.findings.iter().any(|f| f.summary == REMINDER), "{case}");
            assert!(p.access_policies.iter().any(|a| a.policy_name.ends_with("-kv-remind")), "{case}");
            assert!(!p.rotation_scripts.unwrap().rotation_logic.contains("ISSUER_HOOK_URL"), "{case}");
        }
    }
}

/// The reminder writes nothing, so its identity cannot write the secret: no Key Vault role on
/// Azure, no Secret Manager role on GCP (only run.invoker for Eventarc), a metadata-read policy
/// on Vault, in the access policies and in the Terraform. With a hook the identity may add
/// versions of this one secret only.
#[test]
fn a_reminders_identity_cannot_write_the_secret() {
    for target in Target::ALL {
        let case = format!("{target}");
        let p = plan(&api_key(Backend::Vault, *target, Rotation::Automatic, None));
        let job: Vec<_> = p
            .access_policies
            .iter()
            .filter(|a| a.attach_to == secretsint::planner::AttachTo::Rotator)
            .collect();
        assert_eq!(job.len(), 1, "{case}");
        assert!(job[0].policy_name.ends_with("-kv-remind"), "{case}");
        assert!(!job[0].scope.contains("/data/"), "{case}: {}", job[0].scope);
        for cap in ["create", "update", "patch", "delete"] {
            assert!(!job[0].policy_document.contains(cap), "{case}: the reminder job may {cap}");
        }
        let tf = &p.workload_files()["terraform/vault.tf"];
        assert!(
            tf.contains("token_policies = [vault_policy.reminder.name]") || tf.contains("[vault_policy.reminder.name]"),
            "{case}"
        );
        assert!(
            !tf.contains("= [vault_policy.writer.name]"),
            "{case}: a role holds the writer policy"
        );

        let p = plan(&api_key(Backend::AzureKeyVault, *target, Rotation::Automatic, None));
        let tf = &p.workload_files()["terraform/azure.tf"];
        assert!(!p.access_policies.iter().any(|a| a.policy_name.contains("rotator")), "{case}");
        assert!(!tf.contains("rotator_secrets_officer"), "{case}");

        let p = plan(&api_key(Backend::GcpSecretManager, *target, Rotation::Automatic, None));
        let tf = &p.workload_files()["terraform/gcp.tf"];
        let rotator: Vec<(&str, &str)> = p
            .access_policies
            .iter()
            .filter(|a| a.policy_name.contains("rotator"))
            .map(|a| (a.policy_name.as_str(), a.scope.as_str()))
            .collect();
        assert_eq!(rotator.len(), 1, "{case}: {rotator:?}");
        assert!(rotator[0].0.ends_with("-rotator-invoker"), "{case}: {rotator:?}");
        for role in [
            "secretmanager.secretVersionAdder",
            "secretmanager.secretVersionManager",
            "secretmanager.viewer",
            "secretmanager.admin",
        ] {
            assert!(!tf.contains(role), "{case}: the reminder's Terraform grants {role}");
        }

        let mut r = api_key(Backend::GcpSecretManager, *target, Rotation::Automatic, None);
        r.api_key.issuer_hook = Some(HTTPS_HOOK.into());
        let p = plan(&r);
        let secret_roles: Vec<String> = p
            .access_policies
            .iter()
            .filter(|a| a.policy_name.contains("rotator") && !a.policy_name.ends_with("-invoker"))
            .map(|a| {
                assert!(a.scope.ends_with("/secrets/prod--app-api-key"), "{case}: {}", a.scope);
                a.policy_name.clone()
            })
            .collect();
        assert_eq!(
            secret_roles,
            [
                "prod--app-rotator-version-adder",
                "prod--app-rotator-viewer",
                "prod--app-rotator-accessor"
            ],
            "{case}"
        );
        let tf = &p.workload_files()["terraform/gcp.tf"];
        assert_eq!(tf.matches("secretmanager.secretVersionAdder").count(), 1, "{case}");
    }
}
