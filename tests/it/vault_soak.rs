//! Soak: the Vault plan for an "automatic" database credential, applied to OpenBao 2.7.2 with
//! its lifetimes compressed, against a real PostgreSQL 15 and a real MariaDB 10.11. A consumer
//! that reads the way the planned integration code does (a new credential at two thirds of its
//! lease) opens a new connection every 250ms while at least 20 credentials replace each other:
//! no login may fail. The canary runs the old plan shape (one static role, one user whose
//! password Vault rotates, a copy re-read 5s after the rotation as the old code did) in the
//! same harness and must see failed logins.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use secretsint::planner::{plan, Backend, CredentialType, DbEngine, Plan, Request, Rotation, Target};
use serde_json::{json, Value};

use crate::backends::{backends, mariadb, ROOT};
use crate::vault_backend::{no_tls, prepare_namespace, prepare_postgres};

/// Planned lifetimes are divided by this (the planned 1h lease lives 9s).
const COMPRESS: u64 = 400;
const EVERY: Duration = Duration::from_millis(250);
const REPLACEMENTS: usize = 20;

#[derive(Clone, Copy, Debug)]
enum Db {
    Postgres,
    MariaDb,
}

impl Db {
    fn login(self, user: &str, password: &str) -> Result<String, String> {
        match self {
            Db::Postgres => backends().pg.psql(user, password, "app", "SELECT 1"),
            Db::MariaDb => mariadb().sql(user, password, "SELECT 1"),
        }
    }

    fn port(self) -> u16 {
        match self {
            Db::Postgres => backends().pg.port,
            Db::MariaDb => mariadb().port,
        }
    }

    /// The admin user Vault connects as, created once.
    fn prepare(self) -> BTreeMap<&'static str, String> {
        match self {
            Db::Postgres => prepare_postgres(),
            Db::MariaDb => {
                static ONCE: std::sync::Once = std::sync::Once::new();
                ONCE.call_once(|| {
                    let db = mariadb();
                    db.admin("CREATE DATABASE IF NOT EXISTS app");
                    db.admin("CREATE USER IF NOT EXISTS 'vault-admin'@'%' IDENTIFIED BY 'vault-admin-password'");
                    db.admin("GRANT ALL PRIVILEGES ON *.* TO 'vault-admin'@'%' WITH GRANT OPTION");
                });
                BTreeMap::from([
                    ("db_admin_username", "vault-admin".to_string()),
                    ("db_admin_password", "vault-admin-password".to_string()),
                ])
            }
        }
    }

    fn engine(self) -> DbEngine {
        match self {
            Db::Postgres => DbEngine::Postgresql,
            Db::MariaDb => DbEngine::Mysql,
        }
    }
}

/// The test servers speak no TLS; the planned lifetimes shrink by [`COMPRESS`].
fn local_and_compressed(kind: &str, v: &mut Value) {
    no_tls(kind, v);
    if kind == "vault_database_secret_backend_connection" {
        let url = v["connection_url"].as_str().unwrap().replace("tls=true", "tls=false");
        v["connection_url"] = url.into();
    }
    for field in ["default_ttl", "max_ttl", "default_lease_ttl_seconds", "max_lease_ttl_seconds"] {
        if let Some(secs) = v.get(field).and_then(Value::as_u64) {
            v[field] = (secs / COMPRESS).into();
        }
    }
}

fn automatic_plan(db: Db, name: &str) -> Plan {
    let mut req = Request::new(Backend::Vault, Target::Application, Rotation::Automatic);
    req.credential = Some(CredentialType::Database);
    req.name = Some(secretsint::planner::request::DnsLabel::parse(name, 40).unwrap());
    req.rotation_period = Some(secretsint::planner::request::Duration::parse("1h").unwrap());
    req.database.engine = Some(db.engine());
    req.database.host = Some("127.0.0.1".into());
    req.database.port = Some(db.port());
    req.database.database_name = Some("app".into());
    plan(&req)
}

#[derive(Debug, Default)]
struct Tally {
    logins: usize,
    failed: usize,
    credentials: BTreeSet<String>,
    first_error: Option<String>,
}

impl Tally {
    fn login(&mut self, db: Db, user: &str, password: &str) {
        self.logins += 1;
        if let Err(e) = db.login(user, password) {
            self.failed += 1;
            self.first_error.get_or_insert(e);
        }
    }
}

/// The consumer of the planned path: reads `<mount>/creds/<role>`, keeps the pair for two
/// thirds of its lease (as the planned integration code does), logs in every [`EVERY`].
fn soak(db: Db, name: &str) -> Tally {
    let b = backends();
    let vars = db.prepare();
    let p = automatic_plan(db, name);
    let tf = &p
        .deployment_manifests
        .iter()
        .find(|m| m.filename == "terraform/vault.tf")
        .unwrap()
        .content;
    let ns = prepare_namespace(&b.bao, &p);
    b.bao.apply_terraform(&ns, tf, &vars, &local_and_compressed);
    let token = b.bao.token(Some(&ns), &[&p.access_policies[0].policy_name]);
    let path = &p.secrets_config.secret_path;
    assert!(
        path.contains("/creds/"),
        "an automatic database plan reads dynamic credentials: {path}"
    );
    let mut t = Tally::default();
    let mut held: Option<(String, String, Instant)> = None;
    let deadline = Instant::now() + Duration::from_secs(10 * 60);
    while t.credentials.len() <= REPLACEMENTS {
        assert!(Instant::now() < deadline, "{db:?}: too slow: {t:?}");
        if held.as_ref().is_none_or(|(_, _, until)| Instant::now() >= *until) {
            let read = b.bao.read(&token, Some(&ns), path).unwrap();
            let lease = read["lease_duration"].as_u64().unwrap();
            assert!(lease > 0 && lease < 60, "the lease is compressed: {read}");
            let (user, password) = (
                read["data"]["username"].as_str().unwrap().to_string(),
                read["data"]["password"].as_str().unwrap().to_string(),
            );
            t.credentials.insert(user.clone());
            held = Some((user, password, Instant::now() + Duration::from_millis(lease * 1000 * 2 / 3)));
        }
        let (user, password, _) = held.as_ref().unwrap();
        t.login(db, user, password);
        std::thread::sleep(EVERY);
    }
    t
}

/// The old plan shape: one static role over one user, read again 5s after Vault reports the
/// rotation (its `ttl`), as the old integration code did.
fn canary(db: Db, name: &str) -> Tally {
    let b = backends();
    let vars = db.prepare();
    let ns = b.bao.namespace();
    b.bao.enable(&ns, "secrets", "database", json!({"type": "database"}));
    let (plugin, url, create) = match db {
        Db::Postgres => (
            "postgresql-database-plugin",
            format!(
                "postgresql://{{{{username}}}}:{{{{password}}}}@127.0.0.1:{}/app?sslmode=disable",
                db.port()
            ),
            format!("DROP ROLE IF EXISTS \"{name}\"; CREATE ROLE \"{name}\" WITH LOGIN PASSWORD 'initial-password'"),
        ),
        Db::MariaDb => (
            "mysql-database-plugin",
            format!("{{{{username}}}}:{{{{password}}}}@tcp(127.0.0.1:{})/app", db.port()),
            format!("DROP USER IF EXISTS '{name}'@'%'; CREATE USER '{name}'@'%' IDENTIFIED BY 'initial-password'"),
        ),
    };
    match db {
        Db::Postgres => {
            backends().pg.admin("postgres", &create);
        }
        Db::MariaDb => {
            mariadb().admin(&create);
        }
    }
    let write = |path: &str, body: Value| b.bao.write(ROOT, Some(&ns), path, &body).unwrap();
    write(
        "database/config/canary",
        json!({"plugin_name": plugin, "connection_url": url, "username": vars["db_admin_username"], "password": vars["db_admin_password"], "allowed_roles": [name]}),
    );
    // OpenBao's shortest rotation period (its rotation queue ticks every 5s).
    write(
        &format!("database/static-roles/{name}"),
        json!({"db_name": "canary", "username": name, "rotation_period": "5s"}),
    );
    let path = format!("database/static-creds/{name}");
    let mut t = Tally::default();
    let mut held: Option<(String, Instant)> = None;
    let end = Instant::now() + Duration::from_secs(40);
    while Instant::now() < end {
        if held.as_ref().is_none_or(|(_, until)| Instant::now() >= *until) {
            let read = b.bao.read(ROOT, Some(&ns), &path).unwrap();
            let ttl = read["data"]["ttl"].as_u64().unwrap();
            let password = read["data"]["password"].as_str().unwrap().to_string();
            t.credentials.insert(password.clone());
            held = Some((password, Instant::now() + Duration::from_secs(ttl + 5)));
        }
        let password = held.as_ref().unwrap().0.clone();
        t.login(db, name, &password);
        std::thread::sleep(EVERY);
    }
    t
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn soak_automatic_database_credentials_never_fail_a_login_and_the_static_role_shape_does() {
    let runs = [
        (Db::Postgres, "soak-pg", false),
        (Db::MariaDb, "soak-my", false),
        (Db::Postgres, "canary-pg", true),
        (Db::MariaDb, "canary-my", true),
    ];
    let handles: Vec<_> = runs
        .into_iter()
        .map(|(db, name, is_canary)| {
            std::thread::spawn(move || {
                let t = if is_canary { canary(db, name) } else { soak(db, name) };
                (db, name, is_canary, t)
            })
        })
        .collect();
    for h in handles {
        let (db, name, is_canary, t) = h.join().unwrap();
        eprintln!(
            "{name} ({db:?}): {} credentials ({} replacements), {} logins, {} failed",
            t.credentials.len(),
            t.credentials.len().saturating_sub(1),
            t.logins,
            t.failed
        );
        if is_canary {
            assert!(t.credentials.len() >= 3, "{name}: the static role rotated: {t:?}");
            assert!(t.failed > 0, "{name}: the harness must catch the single-user outage: {t:?}");
        } else {
            assert!(t.credentials.len() > REPLACEMENTS, "{name}: {t:?}");
            assert_eq!(t.failed, 0, "{name}: {:?}", t.first_error);
        }
    }
}
