//! Issue 14's proof 2 on OpenBao 2.7.2 and PostgreSQL 15, with `secretsint_workload`: the
//! platform file applied once, then two workloads of three secrets each (a dynamic PostgreSQL
//! credential, a KV API key, a PKI certificate). Each workload has one AppRole role; a token
//! from it reads all three of its secrets (the database credential logs in) and is denied the
//! other workload's; destroying one workload leaves the mounts, auth backends and issuer, and the
//! other workload still works.

use std::collections::BTreeMap;

use secretsint::planner::request::DnsLabel;
use secretsint::planner::workload::plan_workload;
use secretsint::planner::{Backend, Plan, Request, Rotation, Target};
use serde_json::{json, Value};

use crate::backends::{backends, ROOT};
use crate::vault_backend::{apply_platform, approle_login, file, local_database, mounts, no_tls, prepare_postgres, subject};
use crate::workload::{three, workload};

fn secret<'a>(p: &'a Plan, key: &str) -> &'a secretsint::planner::SecretPart {
    p.secrets.iter().find(|s| s.key == key).unwrap_or_else(|| panic!("no secret {key}"))
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn two_workloads_of_three_secrets_each_share_one_platform_with_one_role_each() {
    let b = backends();
    let admin = prepare_postgres();
    let plan_of = |name: &str| {
        let mut secrets = three();
        // The database secret points at the local cluster, database "app".
        let mut req = Request::new(Backend::Vault, Target::Application, Rotation::Dynamic);
        req.credential = Some(secrets[0].credential);
        local_database(b.pg.port)(&mut req);
        secrets[0].database = req.database;
        secrets[0].database.database_name = Some("app".into());
        let mut w = workload(Backend::Vault, Target::Application, None, name, "prod", secrets);
        w.base.kubernetes.namespace = Some(DnsLabel::parse(name, 63).unwrap());
        plan_workload(&w)
    };
    let (orders, billing) = (plan_of("orders"), plan_of("billing"));
    assert!(
        orders.findings.iter().all(|f| f.kind != secretsint::planner::FindingKind::Error),
        "{:?}",
        orders.findings
    );
    assert_eq!(orders.platform_files, billing.platform_files);

    let ns = b.bao.namespace();
    apply_platform(&b.bao, &ns, &orders);
    let before = mounts(&b.bao, &ns);
    // The database secret's admin variables carry its label, like every block of it.
    let vars: BTreeMap<&str, String> = admin
        .iter()
        .map(|(k, v)| {
            (
                if *k == "db_admin_username" {
                    "db__db_admin_username"
                } else {
                    "db__db_admin_password"
                },
                v.clone(),
            )
        })
        .collect();
    let applied: Vec<Vec<String>> = [&orders, &billing]
        .iter()
        .map(|p| b.bao.apply_terraform(&ns, file(p, "terraform/vault.tf"), &vars, &no_tls))
        .collect();
    let mut tokens = Vec::new();
    for a in &applied {
        assert!(
            a.iter().all(|x| !x.starts_with("mount ") && !x.starts_with("auth method ")),
            "{a:?}"
        );
        let roles: Vec<&String> = a.iter().filter(|x| x.starts_with("auth/approle/role/")).collect();
        assert_eq!(roles.len(), 1, "one consumer identity per workload: {roles:?}");
        tokens.push(approle_login(&b.bao, &ns, roles[0]));
    }
    for p in [&orders, &billing] {
        b.bao
            .write(
                ROOT,
                Some(&ns),
                &secret(p, "stripe").secret_path,
                &json!({"data": {"api_key": "REDACTED"}}),
            )
            .unwrap();
    }

    let reads_database = |token: &str, p: &Plan| {
        let creds = b.bao.read(token, Some(&ns), &secret(p, "db").secret_path)?;
        let (user, password) = (
            creds["data"]["username"].as_str().unwrap(),
            creds["data"]["password"].as_str().unwrap(),
        );
        b.pg.psql(user, password, "app", "SELECT current_user")
    };
    let issues_certificate = |token: &str, p: &Plan| {
        let tls = secret(p, "tls");
        let body: Value = serde_json::from_str(tls.secrets_config.config_file.as_deref().unwrap()).unwrap();
        let cert = b.bao.write(token, Some(&ns), &tls.secret_path, &body)?;
        Ok::<String, String>(cert["data"]["certificate"].as_str().unwrap().to_string())
    };
    let reads_api_key = |token: &str, p: &Plan| {
        let v = b.bao.read(token, Some(&ns), &secret(p, "stripe").secret_path)?;
        Ok::<String, String>(v["data"]["data"]["api_key"].as_str().unwrap().to_string())
    };
    // One token per workload reads all three of its secrets...
    for (token, p, name) in [(&tokens[0], &orders, "orders"), (&tokens[1], &billing, "billing")] {
        assert!(
            reads_database(token, p).unwrap().starts_with('v'),
            "{name}: a Vault-made user logs in"
        );
        let certificate = issues_certificate(token, p).unwrap();
        assert!(
            subject(&certificate).contains(&format!("{name}.prod.example.com")),
            "{}",
            subject(&certificate)
        );
        assert_eq!(reads_api_key(token, p).unwrap(), "REDACTED");
    }
    // ...and is denied every path of the other workload.
    for (token, other) in [(&tokens[0], &billing), (&tokens[1], &orders)] {
        for s in &other.secrets {
            let caps = b.bao.capabilities(Some(&ns), token, &s.secret_path);
            assert_eq!(caps, ["deny"], "{} on {}", s.key, s.secret_path);
        }
    }
    assert!(reads_database(&tokens[0], &billing).unwrap_err().contains("permission denied"));

    // Destroying one workload removes its own objects only.
    b.bao.destroy_applied(&ns, &applied[0]);
    assert_eq!(mounts(&b.bao, &ns), before, "the platform's mounts and auth backends stay");
    let issuer = b.bao.read(ROOT, Some(&ns), "pki/issuer/default").unwrap();
    assert_eq!(issuer["data"]["issuer_name"], "platform-root");
    assert!(
        reads_database(&tokens[1], &billing).unwrap().starts_with('v'),
        "billing still works"
    );
    assert!(issues_certificate(&tokens[1], &billing).is_ok());
    assert_eq!(reads_api_key(&tokens[1], &billing).unwrap(), "REDACTED");
}
