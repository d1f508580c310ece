//! The generated Python snippets run for real (TF_ACC=1): the Vault one against the OpenBao dev
//! server, logging in at the JWT role the plan's Terraform created and reading the planned KV v2
//! secret; the boto3 one against moto reading the planned Secrets Manager secret. Both must hand
//! back exactly the stored fields and never write the secret value to their logs.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use secretsint::planner::{plan, Backend, CredentialType, Language, Request, Rotation, Target};
use serde_json::{json, Value};

use crate::backends::{backends, ROOT};
use crate::support::tool;
use crate::vault_backend::{ado_request, azure_pipelines_plan, entra_token, local_database, no_tls, prepare_postgres, ADO_PRINCIPAL};

const PASSWORD: &str = "s3cr3t-Value-for-run";

/// Writes the Python snippet as app_secrets.py, runs `driver` (test setup), then the snippet with
/// debug logging on for every library;
/// returns (fields the snippet returned, everything it logged).
fn run_python(snippet: &str, driver: &str, env: &[(&str, String)]) -> (Value, String) {
    run_python_then(snippet, driver, "", env)
}

/// As [`run_python`], with `after` run once the secret has been read (it sees `fields`).
fn run_python_then(snippet: &str, driver: &str, after: &str, env: &[(&str, String)]) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app_secrets.py"), snippet).unwrap();
    let program = format!(
        "import json, logging, sys\n{driver}\nlogging.basicConfig(level=logging.DEBUG, stream=sys.stderr)\nimport app_secrets\nfields = app_secrets.secret.get()\n{after}\nprint(json.dumps(dict(fields), sort_keys=True))\n"
    );
    let out = Command::new(tool("sdk/venv/bin/python"))
        .args(["-c", &program])
        .current_dir(dir.path())
        .env_remove("VAULT_ADDR")
        .env_remove("VAULT_TOKEN")
        .env_remove("VAULT_NAMESPACE")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "the snippet failed:\n{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn python_code(req: &Request) -> String {
    let code = secretsint::planner::plan(req)
        .integration_code
        .into_iter()
        .find(|c| c.language == Language::Python)
        .unwrap();
    format!(
        "{}\n{}\n{}",
        code.authentication_snippet, code.secret_retrieval_snippet, code.error_handling
    )
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn python_vault_snippet_reads_the_planned_kv_secret_from_openbao() {
    let bao = &backends().bao;
    // Azure DevOps runs log in with the Entra access token the pipeline puts in VAULT_ID_TOKEN.
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut req = Request::new(Backend::Vault, Target::Cicd, Rotation::Manual);
    req.credential = Some(CredentialType::Database);
    req.languages = Some(vec![Language::Python]);
    let req = ado_request(req);
    let (p, ns) = azure_pipelines_plan(bao, &key, req.clone(), &BTreeMap::new(), &|_, _| {});
    bao.write(
        ROOT,
        Some(&ns),
        &p.secrets_config.secret_path,
        &json!({"data": {"username": "app-user", "password": PASSWORD}}),
    )
    .unwrap();
    let snippet = p
        .files()
        .get("code/python/app_secrets.py")
        .cloned()
        .expect("the plan carries the Python snippet");
    assert_eq!(snippet, python_code(&req));
    let (fields, logs) = run_python(
        &snippet,
        "",
        &[
            ("VAULT_ADDR", bao.addr.clone()),
            ("VAULT_NAMESPACE", ns.clone()),
            ("VAULT_ID_TOKEN", entra_token(&key, ADO_PRINCIPAL, json!({}))),
        ],
    );
    assert_eq!(fields, json!({"username": "app-user", "password": PASSWORD}));
    assert!(!logs.contains(PASSWORD), "the secret reached the logs:\n{logs}");
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn python_vault_snippet_mints_working_postgres_credentials_once_per_lease() {
    let b = backends();
    let vars = prepare_postgres();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut req = ado_request(Request::new(Backend::Vault, Target::Cicd, Rotation::Dynamic));
    req.credential = Some(CredentialType::Database);
    req.languages = Some(vec![Language::Python]);
    local_database(b.pg.port)(&mut req);
    let (p, ns) = azure_pipelines_plan(&b.bao, &key, req, &vars, &no_tls);
    let snippet = p.files().get("code/python/app_secrets.py").cloned().unwrap();
    // A second read inside the lease's first two thirds comes from the cache: the same user.
    let (fields, logs) = run_python_then(
        &snippet,
        "",
        "again = app_secrets.secret.get()\nassert again is fields, 'the cache minted a second credential'",
        &[
            ("VAULT_ADDR", b.bao.addr.clone()),
            ("VAULT_NAMESPACE", ns.clone()),
            ("VAULT_ID_TOKEN", entra_token(&key, ADO_PRINCIPAL, json!({}))),
        ],
    );
    let user = fields["username"].as_str().unwrap();
    let password = fields["password"].as_str().unwrap();
    assert_eq!(b.pg.psql(user, password, "app", "SELECT current_user").unwrap(), user);
    assert!(!logs.contains(password), "the password reached the logs:\n{logs}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn boto3_snippet_reads_the_planned_secret_from_moto() {
    let port = free_port();
    let _moto = Moto(
        Command::new(tool("sdk/venv/bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    let endpoint = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    for (credential, stored, expected) in [
        (
            CredentialType::Database,
            json!({"username": "app-user", "password": PASSWORD}).to_string(),
            json!({"username": "app-user", "password": PASSWORD}),
        ),
        (CredentialType::ApiKey, PASSWORD.to_string(), json!({"value": PASSWORD})),
    ] {
        let mut req = Request::new(Backend::AwsSecrets, Target::Application, Rotation::Automatic);
        req.credential = Some(credential);
        let snippet = python_code(&req);
        // The planned secret: the name inside Settings::logical_secret_path()'s ARN.
        let arn = p_secret_path(&req);
        let name = arn.split(":secret:").nth(1).unwrap().to_string();
        let create = format!("import boto3\nboto3.client('secretsmanager').create_secret(Name={name:?}, SecretString={stored:?})");
        let (fields, logs) = run_python(
            &snippet,
            &create,
            &[
                ("AWS_ENDPOINT_URL", endpoint.clone()),
                ("AWS_ACCESS_KEY_ID", "testing".into()),
                ("AWS_SECRET_ACCESS_KEY", "testing".into()),
                ("AWS_DEFAULT_REGION", "us-east-1".into()),
                ("AWS_REGION", "us-east-1".into()),
            ],
        );
        assert_eq!(fields, expected, "{name}");
        assert!(!logs.contains(PASSWORD), "the secret reached the logs:\n{logs}");
    }
}

/// The secret path the plan of `req` carries (the Settings-derived ARN until the AWS planner lands).
fn p_secret_path(req: &Request) -> String {
    plan(req).secrets_config.secret_path
}
