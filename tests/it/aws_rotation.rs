//! AWS rotation by engine and service (TF_ACC=1 for the real ones): which engines the generated
//! Lambda rotates and which fall back to manual with no rotation resource, managed rotation of the
//! master password by the service `database.host` names, and the Lambda against a real MariaDB
//! 10.11 through moto (first apply, alternating and single users, the soak with its canary), and
//! its Redshift statements against the real PostgreSQL 15.
//! The PostgreSQL rotation and soak, and the helpers that drive moto, are in aws_backend.rs.

use crate::support::WorkloadFiles;
use secretsint::planner::{plan, Backend, Choice, CredentialType, DbEngine, FindingKind, Request, Rotation, Target};
use serde_json::{json, Value};

use crate::aws_backend::{rotate_with, run_soak, run_soak_with};
use crate::backends::{backends, mariadb};

/// Hosts of services that rotate their own master password, with the engine each runs.
const MANAGED_HOSTS: &[(&str, DbEngine)] = &[
    ("orders.abcdefghij12.us-east-1.rds.amazonaws.com", DbEngine::Postgresql),
    ("orders.cluster-abcdefghij12.us-east-1.rds.amazonaws.com", DbEngine::Mysql),
    ("reports.abcdefghij12.us-east-1.rds.amazonaws.com", DbEngine::Mssql),
    ("ledger.abcdefghij12.us-east-1.rds.amazonaws.com", DbEngine::Oracle),
    ("analytics.abcdefghij12.us-east-1.redshift.amazonaws.com", DbEngine::Redshift),
    ("catalog.cluster-abcdefghij12.us-east-1.docdb.amazonaws.com", DbEngine::Mongodb),
];

/// Automatic database plans for every engine on the placeholder host and on each managed host.
pub(crate) fn engine_requests() -> Vec<(String, Request)> {
    let mut out = Vec::new();
    let targets = [Target::Application, Target::Kubernetes, Target::Cicd];
    for (i, engine) in DbEngine::ALL.iter().enumerate() {
        let mut req = Request::new(Backend::AwsSecrets, targets[i % 3], Rotation::Automatic);
        req.credential = Some(CredentialType::Database);
        req.database.engine = Some(*engine);
        out.push((format!("engine/{engine}"), req));
    }
    for (i, (host, engine)) in MANAGED_HOSTS.iter().enumerate() {
        let rotation = if i % 2 == 0 { Rotation::Automatic } else { Rotation::Dynamic };
        let mut req = Request::new(Backend::AwsSecrets, targets[i % 3], rotation);
        req.credential = Some(CredentialType::Database);
        req.database.engine = Some(*engine);
        req.database.host = Some(host.to_string());
        out.push((format!("managed/{host}/{engine}"), req));
    }
    out
}

/// Issue 15: a rotation the function cannot run is not scheduled. For MSSQL, Oracle and MongoDB
/// the plan emits no function and no rotation schedule in Terraform or CloudFormation, falls back
/// to manual with a Fallback finding (an error under strict); the engines it speaks keep both,
/// which shows the checks below can see a rotation resource.
#[test]
fn no_rotation_resource_for_an_engine_the_function_cannot_rotate() {
    let refused = [DbEngine::Mssql, DbEngine::Oracle, DbEngine::Mongodb];
    let mut checked = 0;
    for (case, req) in engine_requests() {
        for rotation in [Rotation::Automatic, Rotation::Dynamic] {
            let mut req = req.clone();
            req.rotation = rotation;
            let p = plan(&req);
            let files = p.workload_files();
            let tf = &files["terraform/aws.tf"];
            let cfn = &files["cloudformation/secret.json"];
            let engine = req.database.engine.unwrap();
            let app_rotation = tf.contains("resource \"aws_secretsmanager_secret_rotation\" \"app\"");
            let function = tf.contains("resource \"aws_lambda_function\"") || files.contains_key("functions/rotation/lambda_function.py");
            let schedule = cfn.contains("AWS::SecretsManager::RotationSchedule");
            let fallback = p
                .findings
                .iter()
                .any(|f| f.kind == FindingKind::Fallback && f.field == ["database", "engine"]);
            let case = format!("{case}/{rotation}");
            if refused.contains(&engine) {
                assert!(
                    !app_rotation && !function && !schedule,
                    "{case}: a rotation that cannot succeed is scheduled"
                );
                assert!(fallback, "{case}: {:?}", p.findings);
                assert_eq!(p.rotation_scripts.as_ref().unwrap().rotation_type.as_str(), "none", "{case}");
                assert!(
                    p.decisions
                        .iter()
                        .any(|d| d.contains("fell back to \"manual\" for database.engine")),
                    "{case}"
                );
            } else {
                assert!(
                    app_rotation && function && schedule,
                    "{case}: the function's engines keep their rotation"
                );
                assert!(!fallback, "{case}: {:?}", p.findings);
            }
            // The master password's rotation belongs to the database's owner: no workload
            // schedules it, on a managed service or elsewhere.
            let rotations = tf.matches("resource \"aws_secretsmanager_secret_rotation\"").count();
            assert_eq!(rotations, usize::from(app_rotation), "{case}: {tf}");
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * (DbEngine::ALL.len() + MANAGED_HOSTS.len()));
}

/// Managed rotation follows database.host: RDS instances and Aurora clusters are read back and
/// checked (the apply fails unless the service manages the master password); no workload
/// declares the master secret's rotation (two workloads on one database would both own it): the
/// decision gives it to whoever declares the database, says it is single-user and that
/// applications read the plan's own secret.
#[test]
fn managed_rotation_follows_the_database_host() {
    for (case, req) in engine_requests().into_iter().filter(|(c, _)| c.starts_with("managed/")) {
        let p = plan(&req);
        let tf = &p.workload_files()["terraform/aws.tf"];
        let host = req.database.host.clone().unwrap();
        let (needle, resource) = if host.contains(".cluster-") && host.ends_with(".rds.amazonaws.com") {
            (Some("data \"aws_rds_cluster\" \"database\""), "aws_rds_cluster")
        } else if host.ends_with(".rds.amazonaws.com") {
            (Some("data \"aws_db_instance\" \"database\""), "aws_db_instance")
        } else if host.ends_with(".redshift.amazonaws.com") {
            (None, "aws_redshift_cluster")
        } else {
            (None, "aws_docdb_cluster")
        };
        if let Some(needle) = needle {
            assert!(tf.contains(needle), "{case}: {tf}");
            assert!(tf.contains("manage_master_user_password = true"), "{case}: {tf}");
        }
        let body: hcl::Body = hcl::from_str(tf).unwrap();
        assert!(
            body.blocks().all(|b| b.labels().get(1).is_none_or(|l| l.as_str() != "master")),
            "{case}: a workload declares the master secret's rotation"
        );
        assert!(!tf.contains("master_secret_arn"), "{case}: an unused variable");
        let decision = p
            .decisions
            .iter()
            .find(|d| d.starts_with("Managed rotation:"))
            .unwrap_or_else(|| panic!("{case}"));
        assert!(
            decision.contains("single-user") && decision.contains("no application reads the master secret"),
            "{decision}"
        );
        assert!(
            decision.contains(&format!("belong to whoever declares the {resource}, not to this workload")),
            "{decision}"
        );
    }
    // A host of no such service plans no managed rotation.
    let mut req = Request::new(Backend::AwsSecrets, Target::Application, Rotation::Automatic);
    req.credential = Some(CredentialType::Database);
    req.database.host = Some("db.internal.example.com".into());
    let p = plan(&req);
    let tf = &p.workload_files()["terraform/aws.tf"];
    assert!(
        !tf.contains("data \"aws_db_instance\"") && !tf.contains("data \"aws_rds_cluster\""),
        "{tf}"
    );
    assert!(!p.decisions.iter().any(|d| d.starts_with("Managed rotation:")));
}

/// The soak against a real MariaDB 10.11: the plan of a MySQL-family database (the Lambda speaks
/// to it through PyMySQL), the consumer reading through the same SDK module.
fn soak_mariadb(user: &str, alternate: bool) -> Value {
    let db = mariadb();
    let old = "initial-password-for-tests";
    drop_mariadb_users(user);
    db.admin(&format!(
        "CREATE DATABASE IF NOT EXISTS aws_soak; CREATE USER '{user}'@'%' IDENTIFIED BY '{old}'; GRANT SELECT ON aws_soak.* TO '{user}'@'%'"
    ));
    let out = run_soak(
        DbEngine::Mysql,
        mariadb_secret(db.port, user, old, "aws_soak"),
        alternate.then(|| mariadb_secret(db.port, "root", &db.root_password, "")),
        alternate,
    );
    drop_mariadb_users(user);
    out
}

fn drop_mariadb_users(user: &str) {
    mariadb().admin(&format!("DROP USER IF EXISTS '{user}'@'%', '{user}_clone'@'%'"));
}

fn mariadb_secret(port: u16, user: &str, password: &str, dbname: &str) -> Value {
    json!({"engine": "mariadb", "host": "127.0.0.1", "port": port, "dbname": dbname, "username": user, "password": password, "ssl": false})
}

/// The same soak against a real MariaDB: the plan for database.engine = "mysql" alternates users
/// (a clone with the user's grants) and no login fails; one user (the canary) fails logins.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn soak_on_mariadb_alternating_users_never_fail_a_login_and_the_single_user_shape_does() {
    let v = soak_mariadb("aws_soak_my", true);
    eprintln!("MariaDB, alternating users: {v}");
    assert_eq!(v["rotations"], 20, "{v}");
    assert_eq!(v["steps"], 80, "four steps per rotation: {v}");
    assert!(v["fewest_between_rotations"].as_u64().unwrap() >= 1, "{v}");
    assert_eq!(v["failures"], 0, "a consumer login failed during rotation: {v}");
    assert_eq!(v["users"], json!(["aws_soak_my", "aws_soak_my_clone"]), "{v}");

    let canary = soak_mariadb("aws_soak_my_single", false);
    eprintln!("MariaDB, single user: {canary}");
    assert_eq!(canary["rotations"], 20, "{canary}");
    assert!(
        canary["failures"].as_u64().unwrap() > 0,
        "the harness must catch the single-user outage on MariaDB: {canary}"
    );
}

fn mysql_request(target: Target) -> Request {
    let mut req = Request::new(Backend::AwsSecrets, target, Rotation::Automatic);
    req.credential = Some(CredentialType::Database);
    req.database.engine = Some(DbEngine::Mysql);
    req
}

/// First apply, then the first scheduled rotation, on MariaDB: with the first version in place,
/// enabling rotation (rotate_immediately = false, as terraform/aws.tf sets it) runs only
/// testSecret, and the first rotation creates the clone with the user's grants.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn rotation_lambda_alternates_mariadb_users_from_the_first_apply() {
    let db = mariadb();
    let (user, old) = ("aws_alt_my", "initial-password-for-tests");
    let clone = format!("{user}_clone");
    drop_mariadb_users(user);
    db.admin(&format!(
        "CREATE DATABASE IF NOT EXISTS aws_rot; CREATE TABLE IF NOT EXISTS aws_rot.t (x INT); CREATE USER '{user}'@'%' IDENTIFIED BY '{old}'; GRANT SELECT ON aws_rot.* TO '{user}'@'%'"
    ));
    // The plan enables rotation without rotating (its decision says why).
    let tf = plan(&mysql_request(Target::Application)).workload_files()["terraform/aws.tf"].clone();
    let body: hcl::Body = hcl::from_str(&tf).unwrap();
    let app = body
        .blocks()
        .find(|b| b.labels().len() == 2 && b.labels()[0].as_str() == "aws_secretsmanager_secret_rotation")
        .unwrap();
    let immediately = app
        .body()
        .attributes()
        .find(|a| a.key() == "rotate_immediately")
        .map(|a| a.expr().clone());
    assert_eq!(immediately, Some(hcl::Expression::Bool(false)), "{tf}");
    let v = rotate_with(
        &mysql_request(Target::Application),
        json!({
            "name": "prod/app/database",
            "secret": mariadb_secret(db.port, user, old, "aws_rot"),
            "superuser": mariadb_secret(db.port, "root", &db.root_password, ""),
            "first_apply": true,
        }),
    );
    assert_eq!(v["enable_steps"], json!(["testSecret"]), "enabling rotation rotates nothing: {v}");
    assert_eq!(v["current"]["username"], clone, "{v}");
    let new = v["current"]["password"].as_str().unwrap();
    // The clone logs in and holds the user's grant; the previous credential still works.
    assert_eq!(
        db.sql(&clone, new, "SELECT COUNT(*) FROM aws_rot.t").expect("AWSCURRENT logs in"),
        "0"
    );
    assert_eq!(v["previous"]["username"], user);
    db.sql(user, old, "SELECT COUNT(*) FROM aws_rot.t")
        .expect("AWSPREVIOUS still logs in");
    drop_mariadb_users(user);
}

/// Single user on MariaDB (no superuser secret): the user changes its own password (MariaDB's
/// SET PASSWORD = PASSWORD(...)); the old one is refused at once.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn rotation_lambda_rotates_a_single_mariadb_user() {
    let db = mariadb();
    let (user, old) = ("aws_single_my", "initial-password-for-tests");
    drop_mariadb_users(user);
    db.admin(&format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{old}'"));
    let mut secret = mariadb_secret(db.port, user, old, "");
    // The engine name MySQL secrets carry; the function asks the server whether it is MariaDB.
    secret["engine"] = json!("mysql");
    let v = rotate_with(
        &mysql_request(Target::Kubernetes),
        json!({"name": "prod/app/database", "secret": secret, "superuser": null, "first_apply": true}),
    );
    let new = v["current"]["password"].as_str().unwrap();
    assert_eq!(v["current"]["username"], user, "{v}");
    assert_eq!(
        db.sql(user, new, "SELECT CURRENT_USER()").expect("AWSCURRENT logs in"),
        format!("{user}@%")
    );
    let refused = db.sql(user, old, "SELECT 1").expect_err("AWSPREVIOUS no longer logs in");
    assert!(refused.contains("Access denied"), "{refused}");
    drop_mariadb_users(user);
}

// ---------------------------------------------------------------------------------------------
// Redshift (issue 15): AWS's multi-user strategy for Redshift, run on PostgreSQL 15. Redshift
// speaks PostgreSQL's wire protocol, and every statement the Lambda runs for it (CREATE USER "<u>"
// PASSWORD '<pw>', the groups from pg_group/pg_user, ALTER GROUP "<g>" ADD USER "<u>", ALTER USER
// "<u>" PASSWORD '<pw>') also runs on PostgreSQL 15, so the secret's engine "redshift" drives the
// Redshift path here; a real Redshift cluster needs a cloud account.

fn redshift_request(target: Target) -> Request {
    let mut req = Request::new(Backend::AwsSecrets, target, Rotation::Automatic);
    req.credential = Some(CredentialType::Database);
    req.database.engine = Some(DbEngine::Redshift);
    req
}

fn redshift_secret(port: u16, user: &str, password: &str) -> Value {
    json!({"engine": "redshift", "host": "127.0.0.1", "port": port, "dbname": "postgres", "username": user, "password": password, "ssl": false})
}

/// A Redshift-shaped user on PostgreSQL 15: a user in group `<user>_readers`, which alone may read
/// table `<user>_orders` (the user holds no grant of its own).
fn create_redshift_user(user: &str, password: &str) {
    let pg = &backends().pg;
    drop_redshift_user(user);
    for sql in [
        format!("CREATE GROUP {user}_readers"),
        format!("CREATE USER {user} PASSWORD '{password}'"),
        format!("ALTER GROUP {user}_readers ADD USER {user}"),
        format!("CREATE TABLE {user}_orders (id int)"),
        format!("GRANT SELECT ON {user}_orders TO GROUP {user}_readers"),
    ] {
        pg.admin("postgres", &sql);
    }
}

fn drop_redshift_user(user: &str) {
    let pg = &backends().pg;
    for sql in [
        format!("DROP TABLE IF EXISTS {user}_orders"),
        format!("DROP USER IF EXISTS {user}_clone"),
        format!("DROP USER IF EXISTS {user}"),
        format!("DROP GROUP IF EXISTS {user}_readers"),
    ] {
        pg.admin("postgres", &sql);
    }
}

/// The Redshift plan alternates users like PostgreSQL's: the window holds with an overlap of one
/// rotation period, no finding says rotation can break consumers, the function gets its
/// superuser secret and the decision says how the clone gets the user's groups.
#[test]
fn redshift_plans_alternate_users() {
    for target in [Target::Application, Target::Kubernetes] {
        let p = plan(&redshift_request(target));
        let s = p.rotation_scripts.as_ref().unwrap();
        assert_eq!(s.overlap, "90d", "{target}");
        assert!(
            !p.findings.iter().any(|f| f.summary == crate::support::WINDOW_FINDING),
            "{target}: {:?}",
            p.findings
        );
        let tf = &p.workload_files()["terraform/aws.tf"];
        assert!(tf.contains("SUPERUSER_SECRET_ID"), "{target}: {tf}");
        assert!(tf.contains("ReadTheSuperuserSecretForAlternatingUsers"), "{target}");
        assert!(
            p.decisions
                .iter()
                .any(|d| d.starts_with("Database rotation alternates users") && d.contains("adds it to every group <username> belongs to")),
            "{target}: {:?}",
            p.decisions
        );
        assert!(!p.decisions.iter().any(|d| d.contains("Database rotation is single-user")));
    }
}

/// First apply, then the first scheduled rotation, on the Redshift path: the superuser creates
/// <user>_clone, which joins the user's group and so reads the table granted to that group; the
/// previous credential keeps working; the new password has what Redshift requires.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn rotation_lambda_alternates_redshift_users_and_the_clone_joins_the_users_groups() {
    let pg = &backends().pg;
    let (user, old) = ("aws_alt_rs", "initial-password-for-tests");
    let clone = format!("{user}_clone");
    create_redshift_user(user, old);
    let v = rotate_with(
        &redshift_request(Target::Application),
        json!({
            "name": "prod/app/database",
            "secret": redshift_secret(pg.port, user, old),
            "superuser": redshift_secret(pg.port, "postgres", &pg.superuser_password),
            "first_apply": true,
        }),
    );
    assert_eq!(v["enable_steps"], json!(["testSecret"]), "enabling rotation rotates nothing: {v}");
    assert_eq!(v["current"]["username"], clone, "{v}");
    let new = v["current"]["password"].as_str().unwrap();
    assert!(
        (8..=64).contains(&new.len())
            && new.chars().any(|c| c.is_ascii_uppercase())
            && new.chars().any(|c| c.is_ascii_lowercase())
            && new.chars().any(|c| c.is_ascii_digit())
            && !new.contains(['\'', '"', '\\', '/', '@', ' ']),
        "not a Redshift password: {new}"
    );
    assert_eq!(
        pg.psql(&clone, new, "postgres", &format!("SELECT count(*) FROM {user}_orders"))
            .expect("the clone reads what the user's group may read"),
        "0"
    );
    assert_eq!(
        pg.admin(
            "postgres",
            &format!("SELECT string_agg(groname, ',') FROM pg_group WHERE (SELECT usesysid FROM pg_user WHERE usename = '{clone}') = ANY(grolist)")
        ),
        format!("{user}_readers")
    );
    assert_eq!(v["previous"]["username"], user, "{v}");
    pg.psql(user, old, "postgres", &format!("SELECT count(*) FROM {user}_orders"))
        .expect("AWSPREVIOUS still logs in");
    drop_redshift_user(user);
}

/// A user or group name that would need more than quoting, or a password Redshift would refuse,
/// never reaches the SQL: the function's checks refuse them.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn rotation_lambda_refuses_a_redshift_name_it_would_not_quote() {
    let p = plan(&redshift_request(Target::Application));
    let dir = tempfile::tempdir().unwrap();
    let lambda = dir.path().join("lambda_function.py");
    std::fs::write(&lambda, &p.rotation_scripts.as_ref().unwrap().rotation_logic).unwrap();
    let check = r#"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("f", sys.argv[1])
f = importlib.util.module_from_spec(spec)
spec.loader.exec_module(f)
for bad in ['x"; DROP TABLE t; --', "a b", "1abc", ""]:
    try:
        f.checked_redshift_name(bad)
        sys.exit("accepted %r" % bad)
    except ValueError:
        pass
for bad in ["short1A", "nouppercase1", "NOLOWERCASE1", "NoDigitsHere", "Has'Quote1", "Has@At1aaaa", "A1a" * 30]:
    try:
        f.check_redshift_password(bad)
        sys.exit("accepted password %r" % bad)
    except ValueError:
        pass
f.check_redshift_password("Abcdefg1")
print(f.checked_redshift_name("app_user$1"))
"#;
    let out = std::process::Command::new(crate::support::tool("aws/bin/python"))
        .args(["-c", check, lambda.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "app_user$1");
}

/// The soak on the Redshift path: a consumer reads through the plan's Python SDK module (cache
/// 250ms) and logs in every 50ms, reading the table granted to the user's group, while the
/// function rotates 20 times; with the plan's alternating users no login is refused (every login
/// as the clone also proves it joined the group). The canary: one user fails logins.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn soak_on_the_redshift_path_alternating_users_never_fail_a_login_and_the_single_user_shape_does() {
    let pg = &backends().pg;
    let soak = |user: &str, alternate: bool| {
        let old = "initial-password-for-tests";
        create_redshift_user(user, old);
        let v = run_soak_with(
            DbEngine::Redshift,
            redshift_secret(pg.port, user, old),
            alternate.then(|| redshift_secret(pg.port, "postgres", &pg.superuser_password)),
            alternate,
            Some(&format!("SELECT count(*) FROM {user}_orders")),
        );
        drop_redshift_user(user);
        v
    };
    let v = soak("aws_soak_rs", true);
    eprintln!("Redshift path, alternating users: {v}");
    assert_eq!(v["rotations"], 20, "{v}");
    assert_eq!(v["steps"], 80, "four steps per rotation: {v}");
    assert!(v["fewest_between_rotations"].as_u64().unwrap() >= 1, "{v}");
    assert_eq!(v["failures"], 0, "a consumer login failed during rotation: {v}");
    assert_eq!(v["users"], json!(["aws_soak_rs", "aws_soak_rs_clone"]), "{v}");

    let canary = soak("aws_soak_rs_single", false);
    eprintln!("Redshift path, single user: {canary}");
    assert_eq!(canary["rotations"], 20, "{canary}");
    assert!(
        canary["failures"].as_u64().unwrap() > 0,
        "the harness must catch the single-user outage: {canary}"
    );
}
