//! Real backends for the tests: one OpenBao 2.7.2 dev server and one PostgreSQL 15 cluster per
//! test binary, on free loopback ports, started on first use. Each runs under a small `sh`
//! watchdog that holds a pipe from this process: when the test binary exits (normally, by panic
//! or by signal) the pipe closes and the watchdog stops the server and removes its directory.
//!
//! [`Bao::apply_terraform`] applies a generated `terraform/vault.tf` resource by resource
//! through the same API paths terraform-provider-vault uses, so the Terraform itself is tested.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::tool;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `sh -c script` whose stdin stays open for the life of this process.
fn watchdog(script: &str) -> (Child, ChildStdin) {
    let mut child = Command::new("sh")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    (child, stdin)
}

fn sh_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

pub struct Backends {
    pub bao: Bao,
    pub pg: Postgres,
}

/// Starts both servers once; later calls return the same ones.
pub fn backends() -> &'static Backends {
    static BACKENDS: OnceLock<Backends> = OnceLock::new();
    BACKENDS.get_or_init(|| {
        let started = Instant::now();
        let backends = Backends {
            bao: Bao::start(),
            pg: Postgres::start(),
        };
        eprintln!("backends: OpenBao and PostgreSQL up in {:?}", started.elapsed());
        backends
    })
}

// ---------------------------------------------------------------------------------------------
// OpenBao

pub struct Bao {
    pub addr: String,
    home: PathBuf,
    namespaces: Mutex<u32>,
    _watchdog: Mutex<(Child, ChildStdin)>,
}

pub const ROOT: &str = "root-token-for-tests";

impl Bao {
    fn start() -> Bao {
        let bao = tool("bin/bao");
        let home = tempfile::tempdir().unwrap().keep();
        let port = free_port();
        let script = format!(
            "HOME={h} {b} server -dev -dev-root-token-id={ROOT} -dev-listen-address=127.0.0.1:{port} >{h}/server.log 2>&1 & pid=$!; read _; kill $pid; wait $pid; rm -rf {h}",
            h = sh_quote(&home),
            b = sh_quote(&bao),
        );
        let guard = watchdog(&script);
        let b = Bao {
            addr: format!("http://127.0.0.1:{port}"),
            home,
            namespaces: Mutex::new(0),
            _watchdog: Mutex::new(guard),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !b.run(ROOT, None, &["status"], None).status.success() {
            assert!(
                Instant::now() < deadline,
                "OpenBao did not start: {}",
                std::fs::read_to_string(b.home.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        b
    }

    /// Runs `bao` with a token, optionally inside a namespace, with `stdin` as input.
    pub fn run(&self, token: &str, namespace: Option<&str>, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(tool("bin/bao"));
        cmd.args(args)
            .env("HOME", &self.home)
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", token)
            .env_remove("VAULT_ADDR")
            .env_remove("VAULT_TOKEN")
            .env_remove("BAO_NAMESPACE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(ns) = namespace {
            cmd.env("BAO_NAMESPACE", ns);
        }
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    /// `bao write -format=json path -` with a JSON body; Err carries OpenBao's message.
    pub fn write(&self, token: &str, ns: Option<&str>, path: &str, body: &Value) -> Result<Value, String> {
        let out = self.run(token, ns, &["write", "-format=json", path, "-"], Some(&body.to_string()));
        parse(out)
    }

    pub fn read(&self, token: &str, ns: Option<&str>, path: &str) -> Result<Value, String> {
        parse(self.run(token, ns, &["read", "-format=json", path], None))
    }

    /// A fresh namespace, so every plan applies into clean mounts and role names.
    pub fn namespace(&self) -> String {
        let mut n = self.namespaces.lock().unwrap();
        *n += 1;
        let name = format!("t{}", *n);
        let out = self.run(ROOT, None, &["namespace", "create", &name], None);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        name
    }

    pub fn policy_write(&self, ns: Option<&str>, name: &str, document: &str) {
        let out = self.run(ROOT, ns, &["policy", "write", name, "-"], Some(document));
        assert!(
            out.status.success(),
            "OpenBao rejects policy {name}:\n{document}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A token holding exactly `policies` (no default policy).
    pub fn token(&self, ns: Option<&str>, policies: &[&str]) -> String {
        let mut body = json!({"policies": policies, "no_default_policy": true, "ttl": "1h"});
        if policies.is_empty() {
            body["policies"] = json!([]);
        }
        let v = self.write(ROOT, ns, "auth/token/create", &body).unwrap();
        v["auth"]["client_token"].as_str().unwrap().to_string()
    }

    /// What `token` may do on `path`, as OpenBao's ACL evaluates it.
    pub fn capabilities(&self, ns: Option<&str>, token: &str, path: &str) -> Vec<String> {
        let v = self
            .write(ROOT, ns, "sys/capabilities", &json!({"token": token, "paths": [path]}))
            .unwrap();
        let mut caps: Vec<String> = v["data"][path]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        caps.sort();
        caps
    }

    pub fn enable(&self, ns: &str, kind: &str, path: &str, body: Value) {
        let mount = if kind == "auth" {
            format!("sys/auth/{path}")
        } else {
            format!("sys/mounts/{path}")
        };
        self.write(ROOT, Some(ns), &mount, &body)
            .unwrap_or_else(|e| panic!("enable {mount}: {e}"));
    }

    /// Applies `vault.tf` into namespace `ns`: mounts, policies, database connection and roles,
    /// PKI and auth roles, each written to the API path terraform-provider-vault writes. `vars`
    /// supplies Terraform variables; `rewrite` adjusts the body before it is written (tests use
    /// it only to point the database connection at the local cluster).
    pub fn apply_terraform(&self, ns: &str, tf: &str, vars: &BTreeMap<&str, String>, rewrite: &dyn Fn(&str, &mut Value)) -> Vec<String> {
        let body: hcl::Body = hcl::from_str(tf).unwrap();
        let mut state: BTreeMap<String, Value> = BTreeMap::new();
        let mut applied = Vec::new();
        // Variables the caller leaves out take their declared default, as `terraform apply` does.
        let mut vars = vars.clone();
        for block in body.blocks().filter(|b| b.identifier() == "variable") {
            let name = block.labels()[0].as_str();
            if let Some(default) = block.body().attributes().find(|a| a.key() == "default") {
                if let hcl::Expression::String(d) = default.expr() {
                    vars.entry(name).or_insert_with(|| d.clone());
                }
            }
        }
        let vars = &vars;
        for block in body.blocks().filter(|b| b.identifier() == "resource") {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            let (kind, label) = (labels[0], labels[1]);
            let mut attrs = serde_json::Map::new();
            for a in block.body().attributes() {
                attrs.insert(a.key().to_string(), expr(a.expr(), &state, vars));
            }
            for nested in block.body().blocks() {
                // The engine block of a database connection: its attributes go to the top level.
                attrs.insert("plugin_name".into(), format!("{}-database-plugin", nested.identifier()).into());
                for a in nested.body().attributes() {
                    attrs.insert(a.key().to_string(), expr(a.expr(), &state, vars));
                }
            }
            let mut v = Value::Object(attrs);
            rewrite(kind, &mut v);
            state.insert(format!("{kind}.{label}"), v.clone());
            let take = |v: &mut Value, key: &str| v.as_object_mut().unwrap().remove(key).unwrap().as_str().unwrap().to_string();
            let path = match kind {
                "vault_policy" => {
                    self.policy_write(Some(ns), v["name"].as_str().unwrap(), v["policy"].as_str().unwrap());
                    applied.push(format!("policy {}", v["name"]));
                    continue;
                }
                "vault_audit" => {
                    // OpenBao refuses audit devices over the API (declared in server config instead).
                    assert_eq!(v["options"]["mode"], "0600");
                    continue;
                }
                "vault_mount" => {
                    let mut body = json!({"type": v["type"], "description": v["description"], "config": {}});
                    if let Some(options) = v.get("options") {
                        body["options"] = options.clone();
                    }
                    for (tf_key, api_key) in [
                        ("default_lease_ttl_seconds", "default_lease_ttl"),
                        ("max_lease_ttl_seconds", "max_lease_ttl"),
                    ] {
                        if let Some(x) = v.get(tf_key) {
                            body["config"][api_key] = x.clone();
                        }
                    }
                    let path = v["path"].as_str().unwrap();
                    self.write(ROOT, Some(ns), &format!("sys/mounts/{path}"), &body)
                        .unwrap_or_else(|e| panic!("{kind}.{label}: {e}"));
                    applied.push(format!("mount {path}"));
                    continue;
                }
                "vault_auth_backend" | "vault_jwt_auth_backend" => {
                    // terraform-provider-vault enables the method, then (JWT) writes its config.
                    let path = take(&mut v, "path");
                    let body = json!({"type": take(&mut v, "type"), "description": take(&mut v, "description")});
                    self.write(ROOT, Some(ns), &format!("sys/auth/{path}"), &body)
                        .unwrap_or_else(|e| panic!("{kind}.{label}: {e}"));
                    applied.push(format!("auth method {path}"));
                    if kind == "vault_auth_backend" {
                        continue;
                    }
                    format!("auth/{path}/config")
                }
                "vault_kubernetes_auth_backend_config" => format!("auth/{}/config", take(&mut v, "backend")),
                "vault_pki_secret_backend_root_cert" => {
                    let backend = take(&mut v, "backend");
                    let path = format!("{backend}/root/generate/{}", take(&mut v, "type"));
                    let out = self
                        .write(ROOT, Some(ns), &path, &v)
                        .unwrap_or_else(|e| panic!("OpenBao rejects {kind}.{label} at {path}: {e}\n{v:#}"));
                    // The computed attributes (issuer_id, key_id, certificate) later blocks read.
                    let entry = state.get_mut(&format!("{kind}.{label}")).unwrap();
                    for (k, x) in out["data"].as_object().unwrap() {
                        entry[k] = x.clone();
                    }
                    applied.push(path);
                    continue;
                }
                "vault_pki_secret_backend_config_issuers" => format!("{}/config/issuers", take(&mut v, "backend")),
                "vault_pki_secret_backend_config_urls" => format!("{}/config/urls", take(&mut v, "backend")),
                "vault_generic_endpoint" => {
                    assert_eq!(v["disable_delete"], true, "{kind}.{label} must never delete");
                    let data: Value = serde_json::from_str(v["data_json"].as_str().unwrap()).unwrap();
                    let path = v["path"].as_str().unwrap().to_string();
                    self.write(ROOT, Some(ns), &path, &data)
                        .unwrap_or_else(|e| panic!("{kind}.{label}: {e}"));
                    applied.push(path);
                    continue;
                }
                "vault_database_secret_backend_connection" => {
                    // terraform-provider-vault sends the write-only password_wo as `password`
                    // and keeps password_wo_version to itself.
                    let obj = v.as_object_mut().unwrap();
                    if let Some(p) = obj.remove("password_wo") {
                        assert!(
                            obj.remove("password_wo_version").is_some(),
                            "{kind}.{label}: password_wo without its version"
                        );
                        obj.insert("password".into(), p);
                    }
                    let backend = take(&mut v, "backend");
                    format!("{backend}/config/{}", take(&mut v, "name"))
                }
                "vault_database_secret_backend_role" => format!("{}/roles/{}", take(&mut v, "backend"), take(&mut v, "name")),
                "vault_database_secret_backend_static_role" => {
                    format!("{}/static-roles/{}", take(&mut v, "backend"), take(&mut v, "name"))
                }
                "vault_pki_secret_backend_role" => format!("{}/roles/{}", take(&mut v, "backend"), take(&mut v, "name")),
                "vault_kubernetes_auth_backend_role" | "vault_jwt_auth_backend_role" | "vault_approle_auth_backend_role" => {
                    if let Some(claims) = v.get_mut("bound_claims").and_then(Value::as_object_mut) {
                        // terraform-provider-vault sends comma-separated values as lists.
                        for c in claims.values_mut() {
                            let parts: Vec<Value> = c.as_str().unwrap().split(',').map(|p| Value::from(p.trim())).collect();
                            *c = if parts.len() == 1 { parts[0].clone() } else { Value::Array(parts) };
                        }
                    }
                    format!("auth/{}/role/{}", take(&mut v, "backend"), take(&mut v, "role_name"))
                }
                other => panic!("apply_terraform does not know {other}"),
            };
            self.write(ROOT, Some(ns), &path, &v)
                .unwrap_or_else(|e| panic!("OpenBao rejects {kind}.{label} at {path}: {e}\n{v:#}"));
            applied.push(path);
        }
        applied
    }
}

impl Bao {
    /// Destroys what [`Bao::apply_terraform`] applied, newest first, as `terraform destroy`
    /// would: policies, roles, connections and configs. Metadata written by a
    /// `vault_generic_endpoint` stays (it sets disable_delete).
    pub fn destroy_applied(&self, ns: &str, applied: &[String]) {
        for item in applied.iter().rev() {
            let out = if let Some(name) = item.strip_prefix("policy ") {
                self.run(ROOT, Some(ns), &["policy", "delete", name.trim_matches('"')], None)
            } else if item.contains("/metadata/") {
                continue;
            } else if let Some(path) = item.strip_prefix("mount ") {
                self.run(ROOT, Some(ns), &["secrets", "disable", path], None)
            } else if let Some(path) = item.strip_prefix("auth method ") {
                self.run(ROOT, Some(ns), &["auth", "disable", path], None)
            } else {
                self.run(ROOT, Some(ns), &["delete", item], None)
            };
            assert!(out.status.success(), "destroy {item}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

fn parse(out: Output) -> Result<Value, String> {
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// An HCL expression as JSON, resolving `var.x` and `<type>.<label>.<attr>` references.
fn expr(e: &hcl::Expression, state: &BTreeMap<String, Value>, vars: &BTreeMap<&str, String>) -> Value {
    use hcl::expr::{Expression as E, TemplateExpr, TraversalOperator};
    match e {
        E::Null => Value::Null,
        E::Bool(b) => Value::Bool(*b),
        E::Number(n) => serde_json::to_value(n).unwrap(),
        E::String(s) => Value::String(s.clone()),
        E::Array(items) => Value::Array(items.iter().map(|i| expr(i, state, vars)).collect()),
        E::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.to_string(), expr(v, state, vars))).collect()),
        E::TemplateExpr(t) => match t.as_ref() {
            TemplateExpr::Heredoc(h) => Value::String(h.template.clone()),
            TemplateExpr::QuotedString(s) => Value::String(s.clone()),
        },
        E::Traversal(t) => {
            let root = match &t.expr {
                E::Variable(v) => v.to_string(),
                other => panic!("unsupported traversal root {other:?}"),
            };
            let names: Vec<String> = t
                .operators
                .iter()
                .map(|op| match op {
                    TraversalOperator::GetAttr(id) => id.to_string(),
                    other => panic!("unsupported traversal {other:?}"),
                })
                .collect();
            if root == "var" {
                return Value::String(
                    vars.get(names[0].as_str())
                        .unwrap_or_else(|| panic!("no value for var.{}", names[0]))
                        .clone(),
                );
            }
            let resource = &state[&format!("{root}.{}", names[0])];
            resource[&names[1]].clone()
        }
        other => panic!("unsupported expression {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

pub struct Postgres {
    pub port: u16,
    pub superuser_password: String,
    bin: PathBuf,
    _watchdog: Mutex<(Child, ChildStdin)>,
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

impl Postgres {
    fn start() -> Postgres {
        let bin = tool("pgbin");
        let root = tempfile::tempdir().unwrap().keep();
        let data = root.join("data");
        let port = free_port();
        let password = "postgres-test-password".to_string();
        std::fs::write(root.join("pwfile"), &password).unwrap();
        // initdb refuses root: the cluster belongs to the postgres user.
        let as_pg = if running_as_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::set_permissions(root.join("pwfile"), std::fs::Permissions::from_mode(0o644)).unwrap();
            let out = Command::new("chown").args(["postgres:postgres"]).arg(&root).output().unwrap();
            assert!(out.status.success(), "chown postgres: {}", String::from_utf8_lossy(&out.stderr));
            "runuser -u postgres -- ".to_string()
        } else {
            String::new()
        };
        let run = |script: String| {
            let out = Command::new("sh").args(["-c", &script]).output().unwrap();
            assert!(
                out.status.success(),
                "{script}\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let (r, d, b) = (sh_quote(&root), sh_quote(&data), sh_quote(&bin));
        run(format!(
            "{as_pg}{b}/initdb -D {d} -U postgres --pwfile={r}/pwfile --auth-local=trust --auth-host=scram-sha-256 >{r}/initdb.log 2>&1"
        ));
        run(format!(
            "{as_pg}{b}/pg_ctl -D {d} -l {r}/server.log -w -o \"-p {port} -k {r} -c listen_addresses=127.0.0.1\" start >/dev/null"
        ));
        let guard = watchdog(&format!("read _; {as_pg}{b}/pg_ctl -D {d} -m immediate stop; rm -rf {r}"));
        Postgres {
            port,
            superuser_password: password,
            bin,
            _watchdog: Mutex::new(guard),
        }
    }

    /// Runs one SQL command as `user` over TCP with a password; Err carries psql's message.
    pub fn psql(&self, user: &str, password: &str, database: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(self.bin.join("psql"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", user, "-d", database])
            .args(["-v", "ON_ERROR_STOP=1", "-tAc", sql])
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "5")
            .env_remove("PGSERVICE")
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    pub fn admin(&self, database: &str, sql: &str) -> String {
        self.psql("postgres", &self.superuser_password, database, sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

// ---------------------------------------------------------------------------------------------
// MariaDB

/// One MariaDB 10.11 server per test binary (Debian's `mariadbd`), started on first use, with a
/// `root` account that logs in over TCP with a password from any host, as an RDS or Azure
/// Database for MySQL admin does.
pub struct MariaDb {
    pub port: u16,
    pub root_password: String,
    client: PathBuf,
    socket: PathBuf,
    _watchdog: Mutex<(Child, ChildStdin)>,
}

pub fn mariadb() -> &'static MariaDb {
    static MARIADB: OnceLock<MariaDb> = OnceLock::new();
    MARIADB.get_or_init(|| {
        let started = Instant::now();
        let server = MariaDb::start();
        eprintln!("backends: MariaDB up in {:?}", started.elapsed());
        server
    })
}

impl MariaDb {
    fn start() -> MariaDb {
        let dir = tool("mariadb");
        let root = tempfile::tempdir().unwrap().keep();
        let data = root.join("data");
        let socket = root.join("mysqld.sock");
        let port = free_port();
        // mariadbd refuses to run as root without --user; the data belongs to the mysql user.
        let user = if running_as_root() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
            let out = Command::new("chown").args(["mysql:mysql"]).arg(&root).output().unwrap();
            assert!(out.status.success(), "chown mysql: {}", String::from_utf8_lossy(&out.stderr));
            "--user=mysql"
        } else {
            ""
        };
        let (r, d, s, b) = (sh_quote(&root), sh_quote(&data), sh_quote(&socket), sh_quote(&dir));
        let install = format!(
            "{b}/mariadb-install-db --no-defaults {user} --datadir={d} --auth-root-authentication-method=socket --skip-test-db >{r}/install.log 2>&1"
        );
        let out = Command::new("sh").args(["-c", &install]).output().unwrap();
        assert!(
            out.status.success(),
            "{install}: {}",
            std::fs::read_to_string(root.join("install.log")).unwrap_or_default()
        );
        let guard = watchdog(&format!(
            "{b}/mariadbd --no-defaults {user} --datadir={d} --socket={s} --port={port} --bind-address=127.0.0.1 --skip-name-resolve --log-error={r}/server.log --pid-file={r}/mariadbd.pid & pid=$!; read _; kill $pid; wait $pid; rm -rf {r}"
        ));
        let server = MariaDb {
            port,
            root_password: "mariadb-test-password".to_string(),
            client: dir.join("mariadb"),
            socket,
            _watchdog: Mutex::new(guard),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = Command::new(&server.client)
                .arg("--no-defaults")
                .arg(format!("--socket={}", server.socket.display()))
                .args(["-u", "root", "-e", "SELECT 1"])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "mariadbd did not start: {}",
                std::fs::read_to_string(root.join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        // The admin a rotation logs in as: password auth over TCP, allowed to create users and
        // grant what it holds.
        let admin = format!(
            "CREATE USER 'root'@'%' IDENTIFIED BY '{p}'; GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION; FLUSH PRIVILEGES;",
            p = server.root_password
        );
        let out = Command::new(&server.client)
            .arg("--no-defaults")
            .arg(format!("--socket={}", server.socket.display()))
            .args(["-u", "root", "-e", &admin])
            .output()
            .unwrap();
        assert!(out.status.success(), "{admin}: {}", String::from_utf8_lossy(&out.stderr));
        server
    }

    /// Runs SQL as `user` over TCP with a password; Err carries the client's message.
    pub fn sql(&self, user: &str, password: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(&self.client)
            .arg("--no-defaults")
            .args(["-h", "127.0.0.1", "-P", &self.port.to_string(), "--protocol=TCP"])
            .args(["-u", user, "--connect-timeout=5", "-N", "-B", "-e", sql])
            .env("MYSQL_PWD", password)
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    pub fn admin(&self, sql: &str) -> String {
        self.sql("root", &self.root_password, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn mariadb_takes_password_logins_over_tcp_and_refuses_a_wrong_one() {
    let db = mariadb();
    db.admin("CREATE USER IF NOT EXISTS 'probe'@'%' IDENTIFIED BY 'probe-pass-1'");
    assert_eq!(db.sql("probe", "probe-pass-1", "SELECT 1").unwrap(), "1");
    let refused = db.sql("probe", "wrong", "SELECT 1").unwrap_err();
    assert!(refused.contains("Access denied"), "{refused}");
    assert!(db.admin("SELECT VERSION()").contains("MariaDB"));
}
