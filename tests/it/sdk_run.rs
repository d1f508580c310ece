//! The generated Python snippets run for real (TF_ACC=1): the Vault one against the OpenBao dev
//! server, logging in at the JWT role the plan's Terraform created and reading the planned KV v2
//! secret; the boto3 one against moto reading the planned Secrets Manager secret. Both must hand
//! back exactly the stored fields and never write the secret value to their logs.

use crate::support::WorkloadFiles;
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
        .workload_files()
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
    let snippet = p.workload_files().get("code/python/app_secrets.py").cloned().unwrap();
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

/// One process that rotates a database user's password under the generated AWS Python module's
/// cached copy, the way single-user rotation does: the password changes on the database first
/// (setSecret), and the new value becomes the secret's current one `gap` seconds later
/// (finishSecret). After each rotation the application opens a connection through the module's
/// `connect` helper with the stale cached copy; it prints what it counted as JSON.
const REREAD_HARNESS: &str = r#"
import json, logging, os, sys, threading
import boto3
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
# The harness's own writes (the "finish-secret" thread, and create_secret before the module is
# imported) carry passwords in botocore's debug lines; only the module's logging is checked.
quiet = threading.local()
for handler in logging.getLogger().handlers:
    handler.addFilter(lambda record: record.threadName != "finish-secret" and not getattr(quiet, "on", False))
engine, port, admin_password = os.environ["ENGINE"], int(os.environ["DB_PORT"]), os.environ["DB_ADMIN_PASSWORD"]
name, user = os.environ["SECRET_NAME"], "sdk_reread"
gaps = [float(g) for g in os.environ["GAPS"].split(",")]
if engine == "postgresql":
    import pg8000.dbapi as driver
    def open_as(u, p):
        return driver.connect(user=u, password=p, host="127.0.0.1", port=port, database="postgres", timeout=5)
    admin_user, set_password = "postgres", "ALTER ROLE sdk_reread PASSWORD '{}'"
else:
    import pymysql as driver
    def open_as(u, p):
        return driver.connect(user=u, password=p, host="127.0.0.1", port=port, connect_timeout=5)
    admin_user, set_password = "root", "ALTER USER 'sdk_reread'@'%' IDENTIFIED BY '{}'"
def admin(sql):
    connection = open_as(admin_user, admin_password)
    connection.cursor().execute(sql)
    connection.commit()
    connection.close()
def document(password):
    return json.dumps({"username": user, "password": password})
admin(set_password.format("Initial-pw-0"))
client = boto3.client("secretsmanager")
quiet.on = True
client.create_secret(Name=name, SecretString=document("Initial-pw-0"))
quiet.on = False
import app_secrets
refused = []
class Count(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("the database refused the credential"):
            refused.append(record.getMessage())
app_secrets.log.addHandler(Count())
delays = app_secrets.AUTH_RETRY_DELAYS_SECONDS if os.environ["RETRY"] == "on" else ()
def open_connection(fields):
    return open_as(fields["username"], fields["password"])
counts = {"rotations": 0, "connections": 0, "errors": 0, "error_types": []}
def use():
    try:
        connection = app_secrets.connect(open_connection, delays)
        connection.cursor().execute("SELECT 1")
        connection.close()
        counts["connections"] += 1
    except Exception as error:
        counts["errors"] += 1
        counts["error_types"].append(type(error).__name__ + ":" + str(app_secrets.is_auth_failure(error)))
use()
for n, gap in enumerate(gaps, start=1):
    password = f"Rotated-pw-{n}"
    admin(set_password.format(password))
    counts["rotations"] += 1
    finish = threading.Timer(gap, lambda: client.put_secret_value(SecretId=name, SecretString=document(password)))
    finish.name = "finish-secret"
    finish.start()
    use()
    finish.join()
    # Once finishSecret has run, the next connection works whatever the first one did.
    use()
counts["retries"] = len(refused)
print(json.dumps(counts))
"#;

/// Runs [`REREAD_HARNESS`] against `engine` with the connect helper's retry on or off.
fn reread_after_rotations(engine: &str, port: u16, admin_password: &str, retry: bool, gaps: &str) -> (Value, String) {
    let port_moto = free_port();
    let _moto = Moto(
        Command::new(tool("sdk/venv/bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port_moto.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port_moto)).is_err() {
        assert!(Instant::now() < deadline, "moto did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut req = Request::new(Backend::AwsSecrets, Target::Application, Rotation::Automatic);
    req.credential = Some(CredentialType::Database);
    let snippet = python_code(&req);
    let arn = p_secret_path(&req);
    let name = arn.split(":secret:").nth(1).unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app_secrets.py"), &snippet).unwrap();
    let out = Command::new(tool("sdk/venv/bin/python"))
        .args(["-c", REREAD_HARNESS])
        .current_dir(dir.path())
        .envs([
            ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port_moto}")),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("ENGINE", engine.into()),
            ("DB_PORT", port.to_string()),
            ("DB_ADMIN_PASSWORD", admin_password.into()),
            ("SECRET_NAME", name),
            ("GAPS", gaps.into()),
            ("RETRY", if retry { "on" } else { "off" }.into()),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "the harness failed:\n{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

/// Gaps between the password change and the new value becoming readable, in seconds: none, and
/// up to 4.5s of the helper's 15s budget (its delays are 0s, 1s, 2s, 4s and 8s).
const GAPS: &str = "0,0.4,1.5,2.5,4.5";

fn check_reread(engine: &str, port: u16, admin_password: &str) {
    let (counts, logs) = reread_after_rotations(engine, port, admin_password, true, GAPS);
    eprintln!("{engine}, re-read on: {counts}");
    assert_eq!(counts["rotations"], 5, "{counts}");
    assert_eq!(counts["errors"], 0, "the connect helper surfaced errors: {counts}\n{logs}");
    assert_eq!(counts["connections"], 11, "{counts}");
    assert!(
        counts["retries"].as_u64().unwrap() >= 5,
        "every rotation refused the cached copy once: {counts}"
    );
    assert!(
        !logs.contains("Rotated-pw-") && !logs.contains("Initial-pw-"),
        "a password reached the logs:\n{logs}"
    );
    // The canary: the same rotations with the re-read switched off keep the stale copy for the
    // whole 300s cache, so every connection after the first rotation is refused, even once the
    // new value is current.
    let (canary, _) = reread_after_rotations(engine, port, admin_password, false, GAPS);
    eprintln!("{engine}, re-read off (canary): {canary}");
    assert_eq!(canary["errors"], 10, "the harness misses the stale copy: {canary}");
    assert_eq!(canary["connections"], 1, "{canary}");
    assert!(
        canary["error_types"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.as_str().unwrap().ends_with(":True")),
        "each surfaced error is a refused login the helper recognises: {canary}"
    );
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn python_connect_helper_rereads_a_rotated_postgres_password_and_surfaces_no_error() {
    let pg = &backends().pg;
    pg.admin("postgres", "DROP ROLE IF EXISTS sdk_reread");
    pg.admin("postgres", "CREATE ROLE sdk_reread LOGIN");
    check_reread("postgresql", pg.port, &pg.superuser_password);
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn python_connect_helper_rereads_a_rotated_mariadb_password_and_surfaces_no_error() {
    let db = crate::backends::mariadb();
    db.admin("DROP USER IF EXISTS 'sdk_reread'@'%'");
    db.admin("CREATE USER 'sdk_reread'@'%'");
    check_reread("mysql", db.port, &db.root_password);
}
