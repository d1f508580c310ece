//! AWS Secrets Manager plans against real components (TF_ACC=1, as scripts/test.sh sets):
//! every IAM document through moto's IAM, Secrets Manager and SNS APIs and parliament; the
//! generated rotation Lambda rotating a real PostgreSQL 15 password through moto's RotateSecret;
//! Kubernetes manifests through the shared strict validation; Terraform through `terraform
//! validate` with hashicorp/aws 5.100.0 where the machine carries its filesystem mirror.
//! The structural checks at the top run without TF_ACC.

use crate::support::WorkloadFiles;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use secretsint::planner::request::Duration;
use secretsint::planner::{
    plan, Backend, Choice, CredentialType, DbEngine, FindingKind, ManifestType, Plan, PolicyType, Request, Rotation, Target,
};
use serde_json::{json, Value};

use crate::aws_rotation::engine_requests;
use crate::backends::backends;
use crate::golden_aws::aws_cases;
use crate::support::{all_requests, repo_root, tool};

/// Every AWS plan the tests look at: the golden cases, the 36 combinations of all_requests, and
/// the database plans on each engine and on each service with managed rotation.
fn all_plans() -> Vec<(String, Plan)> {
    let mut out: Vec<(String, Plan)> = aws_cases().into_iter().map(|(case, req)| (case, plan(&req))).collect();
    for req in all_requests().into_iter().filter(|r| r.backend == Backend::AwsSecrets) {
        let case = format!("{}/{}/{:?}", req.target, req.rotation, req.credential);
        out.push((case, plan(&req)));
    }
    for (case, req) in engine_requests() {
        out.push((case, plan(&req)));
    }
    out
}

fn statements(doc: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
    v["Statement"].as_array().unwrap().clone()
}

fn list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
        Value::Null => Vec::new(),
        other => panic!("unexpected {other}"),
    }
}

/// The `policy`-like attributes of the generated Terraform: (resource type, JSON text).
fn terraform_documents(tf: &str) -> Vec<(String, String)> {
    let body: hcl::Body = hcl::from_str(tf).unwrap();
    let mut out = Vec::new();
    for block in body.blocks().filter(|b| b.identifier() == "resource") {
        let kind = block.labels()[0].as_str().to_string();
        for a in block.body().attributes() {
            if matches!(a.key(), "policy" | "assume_role_policy") {
                let hcl::Expression::TemplateExpr(t) = a.expr() else {
                    panic!("{kind}.{} is not a heredoc", a.key())
                };
                let hcl::expr::TemplateExpr::Heredoc(h) = t.as_ref() else {
                    panic!("{kind}.{} is not a heredoc", a.key())
                };
                out.push((kind.clone(), h.template.clone()));
            }
        }
    }
    out
}

#[test]
fn iam_documents_are_least_privilege() {
    for (case, p) in all_plans() {
        let tf = &p.workload_files()["terraform/aws.tf"];
        let mut docs: Vec<(PolicyType, String)> = p
            .access_policies
            .iter()
            .filter(|a| a.policy_type != PolicyType::KubernetesRbac)
            .map(|a| (a.policy_type, a.policy_document.clone()))
            .collect();
        for (kind, text) in terraform_documents(tf) {
            // Terraform deploys exactly the documents access_policies shows (plus the SNS topic policy).
            if kind != "aws_sns_topic_policy" {
                assert!(
                    docs.iter().any(|(_, d)| *d == text),
                    "{case}: {kind} policy differs from access_policies"
                );
            }
            docs.push((PolicyType::IamPolicy, text));
        }
        for (kind, doc) in &docs {
            for st in statements(doc) {
                let actions = list(&st["Action"]);
                let resources = list(&st["Resource"]);
                assert!(!actions.iter().any(|a| a == "*"), "{case}: Action * in {doc}");
                if st["Effect"] == "Allow" {
                    assert!(!actions.iter().any(|a| a.ends_with(":*")), "{case}: service-wide Allow in {doc}");
                    if resources.iter().any(|r| r == "*") {
                        // Only actions IAM defines no resource type for (the Service Authorization
                        // Reference lists none), where "*" is the narrowest resource there is.
                        const NO_RESOURCE_TYPE: &[&str] = &[
                            "secretsmanager:GetRandomPassword",
                            "xray:PutTraceSegments",
                            "xray:PutTelemetryRecords",
                            "ec2:DescribeNetworkInterfaces",
                            "ec2:DescribeSubnets",
                        ];
                        for a in &actions {
                            assert!(NO_RESOURCE_TYPE.contains(&a.as_str()), "{case}: Resource * for {a} in {doc}");
                        }
                    }
                    for r in &resources {
                        if r.contains(":secretsmanager:") {
                            assert!(r.ends_with("-??????"), "{case}: secret ARN without the exact suffix: {r}");
                        }
                    }
                }
                if *kind == PolicyType::IamTrustPolicy {
                    assert!(resources.is_empty(), "{case}: a trust policy has no Resource");
                    let conditions = st["Condition"].as_object().map(|c| c.len()).unwrap_or(0);
                    assert!(
                        conditions > 0 || st["Principal"]["AWS"].is_string(),
                        "{case}: unconditioned trust {doc}"
                    );
                }
            }
        }
        let read = p.access_policies.iter().find(|a| a.policy_name.ends_with("-secret-read")).unwrap();
        let st = statements(&read.policy_document);
        assert_eq!(
            list(&st[0]["Action"]),
            ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "{case}"
        );
        let kms = st.iter().find(|s| list(&s["Action"]).iter().any(|a| a.starts_with("kms:")));
        if case.contains("kms") {
            let kms = kms.unwrap_or_else(|| panic!("{case}: no kms:Decrypt for the customer key"));
            assert_eq!(list(&kms["Action"]), ["kms:Decrypt"], "{case}");
            assert!(kms["Condition"]["StringEquals"]["kms:ViaService"]
                .as_str()
                .unwrap()
                .starts_with("secretsmanager."));
        } else {
            assert!(kms.is_none(), "{case}: kms grant without a customer-managed key");
        }
    }
}

/// IAM's evaluation of an `sts:AssumeRoleWithWebIdentity` trust for a token's claims: some
/// Allow statement whose every condition holds (StringEquals exact, StringLike with `*`/`?`;
/// a list of values is "any of"). Only the operators our trusts use are known; others fail.
fn trust_allows(policy: &str, claims: &BTreeMap<String, String>) -> bool {
    fn like(pattern: &[u8], text: &[u8]) -> bool {
        match (pattern.first(), text.first()) {
            (None, None) => true,
            (Some(b'*'), _) => like(&pattern[1..], text) || (!text.is_empty() && like(pattern, &text[1..])),
            (Some(b'?'), Some(_)) => like(&pattern[1..], &text[1..]),
            (Some(p), Some(t)) if p == t => like(&pattern[1..], &text[1..]),
            _ => false,
        }
    }
    let doc: Value = serde_json::from_str(policy).unwrap();
    doc["Statement"].as_array().unwrap().iter().any(|st| {
        st["Effect"] == "Allow"
            && st["Condition"].as_object().into_iter().flatten().all(|(op, conds)| {
                conds.as_object().unwrap().iter().all(|(key, want)| {
                    let Some(have) = claims.get(key) else { return false };
                    let wanted: Vec<&str> = match want {
                        Value::Array(a) => a.iter().map(|v| v.as_str().unwrap()).collect(),
                        v => vec![v.as_str().unwrap()],
                    };
                    wanted.iter().any(|w| match op.as_str() {
                        "StringEquals" => w == have,
                        "StringLike" => like(w.as_bytes(), have.as_bytes()),
                        other => panic!("unknown condition operator {other}"),
                    })
                })
            })
    })
}

#[test]
fn trust_policies_bind_the_planned_identity() {
    let trust = |req: &Request| {
        let p = plan(req);
        p.access_policies
            .iter()
            .find(|a| a.policy_name == "prod--app-trust")
            .unwrap()
            .policy_document
            .clone()
    };
    let mut k8s = Request::new(Backend::AwsSecrets, Target::Kubernetes, Rotation::Manual);
    k8s.credential = Some(CredentialType::Generic);
    let t = trust(&k8s);
    assert!(
        t.contains(r#""oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:app:prod--app""#),
        "{t}"
    );
    assert!(t.contains(r#":aud": "sts.amazonaws.com""#), "{t}");
    let mut gh = Request::new(Backend::AwsSecrets, Target::Cicd, Rotation::Manual);
    gh.credential = Some(CredentialType::ApiKey);
    let t = trust(&gh);
    assert!(
        t.contains(r#""token.actions.githubusercontent.com:aud": "sts.amazonaws.com""#),
        "{t}"
    );
    // A simulation of the trust's conditions: only the pinned IDs, in the immutable subject.
    let token = |sub: &str| {
        BTreeMap::from([
            (
                "token.actions.githubusercontent.com:aud".to_string(),
                "sts.amazonaws.com".to_string(),
            ),
            ("token.actions.githubusercontent.com:sub".to_string(), sub.to_string()),
        ])
    };
    let pinned = "repo:example-org@123456/example-repo@456789:ref:refs/heads/main";
    let other_ids = [
        "repo:example-org@999999/example-repo@456789:ref:refs/heads/main",
        "repo:example-org@123456/example-repo@1:ref:refs/heads/main",
    ];
    let classic = "repo:example-org/example-repo:ref:refs/heads/main";
    assert!(trust_allows(&t, &token(pinned)), "{t}");
    for sub in other_ids.iter().chain([&classic]) {
        assert!(!trust_allows(&t, &token(sub)), "{sub} must be denied: {t}");
    }
    // The compatibility switch adds the classic name-based subject, nothing else.
    let mut compat = gh.clone();
    compat.cicd.classic_subject = Some(true);
    let t2 = trust(&compat);
    assert!(trust_allows(&t2, &token(pinned)) && trust_allows(&t2, &token(classic)), "{t2}");
    assert!(other_ids.iter().all(|sub| !trust_allows(&t2, &token(sub))), "{t2}");
    // Canary: the simulation catches the wildcard form this plan used to emit.
    let mut doc: Value = serde_json::from_str(&t).unwrap();
    let cond = doc["Statement"][0]["Condition"].as_object_mut().unwrap();
    let sub_key = "token.actions.githubusercontent.com:sub";
    assert!(cond["StringEquals"].as_object_mut().unwrap().remove(sub_key).is_some(), "{t}");
    cond.insert(
        "StringLike".into(),
        json!({sub_key: "repo:example-org@*/example-repo@*:ref:refs/heads/main"}),
    );
    let wildcard = doc.to_string();
    assert!(other_ids.iter().all(|sub| trust_allows(&wildcard, &token(sub))), "{wildcard}");
    let p = plan(&gh);
    let wf = &p.workload_files()[".github/workflows/app-secrets.yml"];
    assert!(
        wf.contains(&secretsint::planner::versions::AWS_CREDENTIALS.uses()) && wf.contains("id-token: write"),
        "{wf}"
    );
    assert!(wf.contains("secret-ids: APP_SECRET,prod/app/api-key"), "{wf}");
}

#[test]
fn schedules_follow_the_rotation_period_and_aws_limits() {
    let schedule = |period: &str, rotation: Rotation| {
        let mut req = Request::new(Backend::AwsSecrets, Target::Application, rotation);
        req.credential = Some(CredentialType::ApiKey);
        req.rotation_period = Some(Duration::parse(period).unwrap());
        let p = plan(&req);
        (p.rotation_scripts.map(|r| r.schedule), p.findings)
    };
    assert_eq!(schedule("90d", Rotation::Automatic).0.unwrap(), "rate(90 days)");
    assert_eq!(schedule("1d", Rotation::Automatic).0.unwrap(), "rate(24 hours)");
    assert_eq!(schedule("4h", Rotation::Automatic).0.unwrap(), "rate(4 hours)");
    assert_eq!(schedule("999d", Rotation::Automatic).0.unwrap(), "rate(999 days)");
    for bad in ["3h", "1000d"] {
        let (_, findings) = schedule(bad, Rotation::Automatic);
        assert!(
            findings
                .iter()
                .any(|f| f.kind == FindingKind::Error && f.field == ["rotation_period"]),
            "{bad}: {findings:?}"
        );
    }
    let (dynamic, findings) = schedule("15m", Rotation::Dynamic);
    assert_eq!(dynamic.unwrap(), "rate(4 hours)");
    assert!(findings.iter().any(|f| f.kind == FindingKind::Fallback));
}

#[test]
fn every_cicd_platform_plans_every_rotation_and_credential() {
    use secretsint::planner::CicdPlatform;
    for platform in CicdPlatform::ALL {
        for r in Rotation::ALL {
            for c in CredentialType::ALL {
                let mut req = Request::new(Backend::AwsSecrets, Target::Cicd, *r);
                req.credential = Some(*c);
                req.cicd.platform = Some(*platform);
                let p = plan(&req);
                let case = format!("{platform}/{r}/{c}");
                assert!(!p.findings.iter().any(|f| f.kind == FindingKind::Error), "{case}: {:?}", p.findings);
                let pipeline = match platform {
                    CicdPlatform::GithubActions => ".github/workflows/app-secrets.yml",
                    CicdPlatform::GitlabCi => ".gitlab-ci.yml",
                    CicdPlatform::Jenkins => "Jenkinsfile",
                    CicdPlatform::AzureDevops => "azure-pipelines.yml",
                };
                let files = p.workload_files();
                let text = files.get(pipeline).unwrap_or_else(|| panic!("{case}: no {pipeline}"));
                assert!(text.contains(&leaf_of(*c)), "{case}: the pipeline reads another secret");
                assert!(!text.contains("CI_JOB_JWT"), "{case}");
                if *platform == CicdPlatform::GitlabCi {
                    let v: Value = serde_norway::from_str(text).unwrap();
                    assert_eq!(v["app-secrets"]["id_tokens"]["AWS_ID_TOKEN"]["aud"], "sts.amazonaws.com", "{case}");
                    // The CLI's web identity provider exchanges the token from a file: it is
                    // never an argument (the process list would show it).
                    assert!(text.contains("AWS_WEB_IDENTITY_TOKEN_FILE="), "{case}");
                    assert!(!text.contains("--web-identity-token"), "{case}");
                }
                if *platform == CicdPlatform::AzureDevops {
                    let v: Value = serde_norway::from_str(text).unwrap();
                    assert_eq!(v["steps"][0]["task"], "SecretsManagerGetSecret@1", "{case}");
                }
            }
        }
    }
}

fn leaf_of(c: CredentialType) -> String {
    let leaf = match c {
        CredentialType::Database => "database",
        CredentialType::ApiKey => "api-key",
        CredentialType::Certificate => "certificate",
        CredentialType::Generic => "config",
    };
    format!("prod/app/{leaf}")
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_iam_document_is_accepted_by_moto_and_parliament() {
    let mut docs: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (case, p) in all_plans() {
        for a in &p.access_policies {
            docs.entry(a.policy_document.clone())
                .or_insert((format!("{case}/{}", a.policy_name), a.policy_type.to_string()));
        }
        for (kind, text) in terraform_documents(&p.workload_files()["terraform/aws.tf"]) {
            if kind == "aws_sns_topic_policy" {
                docs.entry(text).or_insert((format!("{case}/{kind}"), "sns-topic-policy".into()));
            }
        }
    }
    let input: Vec<Value> = docs
        .iter()
        .map(|(doc, (id, kind))| json!({"id": id, "type": kind, "document": doc}))
        .collect();
    assert!(input.len() > 25, "{}", input.len());
    let problems = python(
        &repo_root().join("tests/it/aws/check_iam.py"),
        &[],
        Some(&Value::Array(input).to_string()),
    );
    let problems: Vec<String> = serde_json::from_str(&problems).unwrap();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Runs a helper script with the AWS tools' Python; returns stdout, panics with stderr.
pub(crate) fn python(script: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(tool("aws/bin/python"))
        .arg(script)
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Writes the plan's rotation function exactly as generated and runs moto's RotateSecret with it.
fn rotate(target: Target, credential: CredentialType, spec: Value) -> Value {
    let mut req = Request::new(Backend::AwsSecrets, target, Rotation::Automatic);
    req.credential = Some(credential);
    rotate_with(&req, spec)
}

pub(crate) fn rotate_with(req: &Request, spec: Value) -> Value {
    let p = plan(req);
    let source = p.rotation_scripts.as_ref().unwrap().rotation_logic.clone();
    assert_eq!(p.workload_files()["rotation/lambda.py"], source);
    let dir = tempfile::tempdir().unwrap();
    let lambda = dir.path().join("lambda_function.py");
    std::fs::write(&lambda, &source).unwrap();
    let out = python(
        &repo_root().join("tests/it/aws/rotate.py"),
        &[lambda.to_str().unwrap(), &spec.to_string()],
        None,
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["steps"],
        json!(["createSecret", "setSecret", "testSecret", "finishSecret"]),
        "{v}"
    );
    v
}

fn db_secret(port: u16, user: &str, password: &str) -> Value {
    json!({"engine": "postgres", "host": "127.0.0.1", "port": port, "dbname": "postgres", "username": user, "password": password, "ssl": false})
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn rotation_lambda_rotates_a_real_postgres_password() {
    let pg = &backends().pg;
    let (user, old) = ("aws_rotated_app", "initial-password-for-tests");
    pg.admin("postgres", &format!("DROP ROLE IF EXISTS {user}"));
    pg.admin("postgres", &format!("CREATE ROLE {user} LOGIN PASSWORD '{old}'"));
    pg.psql(user, old, "postgres", "SELECT 1")
        .expect("the user logs in before rotation");

    let v = rotate(
        Target::Kubernetes,
        CredentialType::Database,
        json!({"name": "prod/app/database", "secret": db_secret(pg.port, user, old), "superuser": null}),
    );
    let new = v["current"]["password"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(v["current"]["username"], user);
    assert_eq!(v["previous"]["password"], old, "AWSPREVIOUS holds the old password: {v}");
    assert_eq!(
        pg.psql(user, new, "postgres", "SELECT current_user").expect("AWSCURRENT logs in"),
        user
    );
    let refused = pg
        .psql(user, old, "postgres", "SELECT 1")
        .expect_err("AWSPREVIOUS no longer logs in");
    assert!(refused.contains("password authentication failed"), "{refused}");
    pg.admin("postgres", &format!("DROP ROLE {user}"));
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn rotation_lambda_alternates_users_when_a_superuser_secret_is_named() {
    let pg = &backends().pg;
    let (user, old) = ("aws_alternating_app", "initial-password-for-tests");
    let clone = format!("{user}_clone");
    pg.admin("postgres", &format!("DROP ROLE IF EXISTS {clone}"));
    pg.admin("postgres", &format!("DROP ROLE IF EXISTS {user}"));
    pg.admin("postgres", &format!("CREATE ROLE {user} LOGIN PASSWORD '{old}'"));

    let v = rotate(
        Target::Application,
        CredentialType::Database,
        json!({
            "name": "prod/app/database",
            "secret": db_secret(pg.port, user, old),
            "superuser": db_secret(pg.port, "postgres", &pg.superuser_password),
        }),
    );
    assert_eq!(v["current"]["username"], clone, "{v}");
    let new = v["current"]["password"].as_str().unwrap();
    assert_eq!(
        pg.psql(&clone, new, "postgres", "SELECT current_user").expect("AWSCURRENT logs in"),
        clone
    );
    // Alternating users: the previous credential keeps working until the next rotation.
    assert_eq!(v["previous"]["username"], user);
    pg.psql(user, old, "postgres", "SELECT 1").expect("AWSPREVIOUS still logs in");
    pg.admin("postgres", &format!("DROP ROLE {clone}"));
    pg.admin("postgres", &format!("DROP ROLE {user}"));
}

/// Runs tests/it/aws/soak.py with the plan's own rotation function and Python SDK module: a
/// consumer connects to PostgreSQL every 50ms with what the SDK hands it (cache 250ms) while the
/// function rotates the secret every second under moto, 20 times.
fn soak(user: &str, alternate: bool) -> Value {
    let pg = &backends().pg;
    let (old, clone) = ("initial-password-for-tests", format!("{user}_clone"));
    pg.admin("postgres", &format!("DROP ROLE IF EXISTS {clone}"));
    pg.admin("postgres", &format!("DROP ROLE IF EXISTS {user}"));
    pg.admin("postgres", &format!("CREATE ROLE {user} LOGIN PASSWORD '{old}'"));
    let out = run_soak(
        DbEngine::Postgresql,
        db_secret(pg.port, user, old),
        alternate.then(|| db_secret(pg.port, "postgres", &pg.superuser_password)),
        alternate,
    );
    pg.admin("postgres", &format!("DROP ROLE IF EXISTS {clone}"));
    pg.admin("postgres", &format!("DROP ROLE IF EXISTS {user}"));
    out
}

pub(crate) fn run_soak(engine: DbEngine, secret: Value, superuser: Option<Value>, alternate: bool) -> Value {
    run_soak_with(engine, secret, superuser, alternate, None)
}

/// [`run_soak`] with the query each consumer login runs (SELECT 1 without one).
pub(crate) fn run_soak_with(engine: DbEngine, secret: Value, superuser: Option<Value>, alternate: bool, query: Option<&str>) -> Value {
    let mut req = Request::new(Backend::AwsSecrets, Target::Application, Rotation::Automatic);
    req.credential = Some(CredentialType::Database);
    req.database.engine = Some(engine);
    let p = plan(&req);
    let files = p.workload_files();
    let dir = tempfile::tempdir().unwrap();
    let (lambda, sdk) = (dir.path().join("lambda_function.py"), dir.path().join("app_secrets.py"));
    std::fs::write(&lambda, &files["functions/rotation/lambda_function.py"]).unwrap();
    std::fs::write(&sdk, &files["code/python/app_secrets.py"]).unwrap();
    let spec = json!({
        "name": "prod/app/database",
        "secret": secret,
        "superuser": superuser,
        "alternate": alternate,
        "rotations": 20,
        "period_seconds": 1.0,
        "cache_seconds": 0.25,
        "connect_every_seconds": 0.05,
        "query": query,
    });
    let out = python(
        &repo_root().join("tests/it/aws/soak.py"),
        &[lambda.to_str().unwrap(), sdk.to_str().unwrap(), &spec.to_string()],
        None,
    );
    serde_json::from_str(&out).unwrap()
}

/// The soak of issue 15 on AWS: with the plan as generated (alternating users, the superuser
/// named by SUPERUSER_SECRET_ID) no login fails across 20 rotations. The canary: the same
/// function and consumer with one user (the old plan's shape) fail logins after rotations.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn soak_alternating_users_never_fail_a_login_and_the_single_user_shape_does() {
    let v = soak("aws_soak_app", true);
    eprintln!("alternating users: {v}");
    assert_eq!(v["rotations"], 20, "{v}");
    assert_eq!(v["steps"], 80, "four steps per rotation: {v}");
    // However loaded the machine, the consumer logged in between every two rotations.
    assert!(v["fewest_between_rotations"].as_u64().unwrap() >= 1, "{v}");
    assert_eq!(v["failures"], 0, "a consumer login failed during rotation: {v}");
    assert_eq!(v["users"], json!(["aws_soak_app", "aws_soak_app_clone"]), "{v}");

    let canary = soak("aws_soak_single", false);
    eprintln!("single user: {canary}");
    assert_eq!(canary["rotations"], 20, "{canary}");
    assert!(
        canary["failures"].as_u64().unwrap() > 0,
        "the harness must catch the single-user outage: {canary}"
    );
}

// API keys: tests/it/api_key_rotation.rs (a key is made up only when the plan issues it).

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_kubernetes_manifest_passes_strict_schema_validation() {
    let mut manifests = Vec::new();
    for (case, p) in all_plans() {
        for m in p.deployment_manifests.iter().filter(|m| m.kind == ManifestType::Kubernetes) {
            manifests.push((format!("{case}/{}", m.filename), m.content.clone()));
        }
    }
    assert!(manifests.len() >= 40, "{}", manifests.len());
    crate::k8s_validate::validate_manifests(&manifests);
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn cloudformation_templates_pass_cfn_lint() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = BTreeMap::new();
    for (case, p) in all_plans() {
        let text = p.workload_files()["cloudformation/secret.json"].clone();
        let name = format!("t{}.json", files.len());
        files.entry(text).or_insert_with(|| (name, case));
    }
    let mut paths = Vec::new();
    for (text, (name, _)) in &files {
        std::fs::write(dir.path().join(name), text).unwrap();
        paths.push(dir.path().join(name));
    }
    let out = Command::new(tool("aws/bin/cfn-lint"))
        .args(["--format", "parseable", "--"])
        .args(&paths)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let names: BTreeMap<&str, &str> = files.values().map(|(n, c)| (n.as_str(), c.as_str())).collect();
    assert!(
        out.status.success(),
        "cfn-lint findings (file -> case {names:?}):\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) const AWS_MIRROR: &str = "/opt/tf-plugins";

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn generated_terraform_passes_terraform_validate() {
    let provider = Path::new(AWS_MIRROR).join("registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5");
    if !provider.exists() {
        eprintln!(
            "NOTICE: terraform validate of the AWS Terraform skipped: no hashicorp/aws 5.100.0 filesystem mirror at {AWS_MIRROR} on this machine"
        );
        return;
    }
    // One root module calling every plan's terraform/aws.tf as a child: one init, one validate.
    let dir = tempfile::tempdir().unwrap();
    let mut root = String::new();
    for (i, (_, p)) in all_plans().iter().enumerate() {
        let tf = &p.workload_files()["terraform/aws.tf"];
        let module = dir.path().join(format!("m{i}"));
        std::fs::create_dir_all(&module).unwrap();
        std::fs::write(module.join("aws.tf"), tf).unwrap();
        root.push_str(&format!("module \"m{i}\" {{\n  source = \"./m{i}\"\n"));
        for var in ["rotation_subnet_ids", "rotation_security_group_ids"] {
            if tf.contains(&format!("variable \"{var}\"")) {
                root.push_str(&format!("  {var} = []\n"));
            }
        }
        root.push_str("}\n");
    }
    std::fs::write(dir.path().join("main.tf"), root).unwrap();
    let rc = dir.path().join("terraform.rc");
    std::fs::write(
        &rc,
        format!("provider_installation {{\n  filesystem_mirror {{\n    path    = \"{AWS_MIRROR}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n"),
    )
    .unwrap();
    let terraform = |args: &[&str]| {
        let out = Command::new(tool("bin/terraform"))
            .args(args)
            .current_dir(dir.path())
            .env("TF_CLI_CONFIG_FILE", &rc)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "terraform {args:?}:\n{text}");
        text
    };
    terraform(&["init", "-backend=false", "-input=false", "-no-color"]);
    let out = terraform(&["validate", "-no-color"]);
    assert!(out.contains("The configuration is valid"), "{out}");
}
