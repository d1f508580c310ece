//! The vault plans against real engines: every policy in OpenBao 2.7.2, every generated
//! `terraform/vault.tf` applied to it, database roles against PostgreSQL 15, PKI issuing,
//! the KV rotation script, and every Kubernetes manifest through strict schema validation.

use crate::support::WorkloadFiles;
use std::collections::BTreeMap;
use std::process::Command;

use secretsint::planner::{
    plan, Backend, CicdPlatform, CredentialType, DbEngine, ManifestType, Plan, PolicyType, Request, Rotation, Target,
};
use serde_json::{json, Value};

use crate::backends::{backends, Bao, ROOT};
use crate::golden::{vault_cicd_platform_combinations, vault_combinations};

/// All 36 vault combinations with default arguments (kubernetes/dynamic/database on PostgreSQL),
/// plus the 36 cicd ones on GitLab CI, Jenkins and Azure DevOps, plus the issuer hook's API-key
/// plans on the kubernetes and application targets.
fn all_plans(edit: impl Fn(&mut Request)) -> Vec<(String, Request, Plan)> {
    let mut reqs = vault_combinations();
    reqs.extend(vault_cicd_platform_combinations());
    let mut k8s_db = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Dynamic);
    k8s_db.credential = Some(CredentialType::Database);
    reqs.push(("vault-kubernetes-dynamic-database".into(), k8s_db));
    // A third-party API key with an issuer hook: the CronJob gets a second projected token.
    for target in [Target::Kubernetes, Target::Application] {
        let mut hook = Request::new(Backend::Vault, target, Rotation::Automatic);
        hook.credential = Some(CredentialType::ApiKey);
        hook.api_key.issuer_hook = Some("https://keys.example.com/mint".into());
        reqs.push((format!("vault-{target}-automatic-api-key-issuer-hook"), hook));
    }
    reqs.into_iter()
        .map(|(case, mut req)| {
            edit(&mut req);
            let p = plan(&req);
            (case, req, p)
        })
        .collect()
}

pub(crate) fn file<'a>(p: &'a Plan, name: &str) -> &'a str {
    &p.deployment_manifests
        .iter()
        .find(|m| m.filename == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .content
}

/// (path, capabilities) of every rule in a policy document.
fn rules(document: &str) -> Vec<(String, Vec<String>)> {
    let body: hcl::Body = hcl::from_str(document).unwrap();
    body.blocks()
        .map(|b| {
            let caps: Value = serde_json::to_value(&b.body().attributes().find(|a| a.key() == "capabilities").unwrap().expr).unwrap();
            let mut caps: Vec<String> = caps.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
            caps.sort();
            (b.labels()[0].as_str().to_string(), caps)
        })
        .collect()
}

fn parent_and_sibling(path: &str) -> (String, String) {
    let (parent, last) = path.rsplit_once('/').unwrap();
    (parent.to_string(), format!("{parent}/other-{last}"))
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_vault_policy_is_accepted_and_enforced_by_openbao() {
    let bao = &backends().bao;
    let namespace = bao.namespace();
    bao.enable(&namespace, "secrets", "secret", json!({"type": "kv", "options": {"version": "2"}}));
    let ns = Some(namespace.as_str());
    let mut documents: BTreeMap<String, String> = BTreeMap::new();
    for (case, _, p) in all_plans(|_| {}) {
        for policy in p.access_policies.iter().filter(|a| a.policy_type == PolicyType::VaultPolicy) {
            documents
                .entry(policy.policy_document.clone())
                .or_insert(format!("{case}/{}", policy.policy_name));
        }
    }
    assert!(documents.len() >= 8, "{documents:?}");
    for (i, (document, origin)) in documents.iter().enumerate() {
        let name = format!("p{i}");
        bao.policy_write(ns, &name, document);
        let token = bao.token(ns, &[&name]);
        for (path, caps) in rules(document) {
            assert_eq!(bao.capabilities(ns, &token, &path), caps, "{origin}: {path}");
            let (parent, sibling) = parent_and_sibling(&path);
            assert_eq!(bao.capabilities(ns, &token, &sibling), ["deny"], "{origin}: sibling {sibling}");
            assert_eq!(bao.capabilities(ns, &token, &parent), ["deny"], "{origin}: parent {parent}");
            // KV paths: do what the policy promises for real, and be refused next door.
            if path.starts_with("secret/data/") {
                let key = path.trim_start_matches("secret/data/");
                let sibling_path = format!("secret/data/{}", parent_and_sibling(key).1);
                bao.write(ROOT, ns, &path, &json!({"data": {"value": "REDACTED"}})).unwrap();
                bao.write(ROOT, ns, &sibling_path, &json!({"data": {"value": "REDACTED"}})).unwrap();
                if caps.contains(&"read".to_string()) {
                    let v = bao.read(&token, ns, &path).unwrap_or_else(|e| panic!("{origin}: read {path}: {e}"));
                    assert_eq!(v["data"]["data"]["value"], "REDACTED");
                    let denied = bao.read(&token, ns, &sibling_path).unwrap_err();
                    assert!(denied.contains("permission denied"), "{origin}: {denied}");
                }
                if caps.contains(&"update".to_string()) {
                    bao.write(&token, ns, &path, &json!({"data": {"value": "REDACTED-2"}}))
                        .unwrap_or_else(|e| panic!("{origin}: write {path}: {e}"));
                    let denied = bao.write(&token, ns, &sibling_path, &json!({"data": {"value": "x"}})).unwrap_err();
                    assert!(denied.contains("permission denied"), "{origin}: {denied}");
                    // Only the issuer hook's job may read what it writes: it refuses an unchanged key.
                    if !caps.contains(&"read".to_string()) {
                        assert!(bao.read(&token, ns, &path).is_err(), "{origin}: a writer cannot read values back");
                    } else {
                        assert!(
                            origin.ends_with("-kv-hook"),
                            "{origin}: only the hook job's policy writes and reads"
                        );
                    }
                }
            }
        }
    }
}

/// A fresh namespace holding the plan's `platform/vault.tf` (mounts, the PKI issuer, auth
/// backends), applied once as a platform team would before any workload.
pub(crate) fn prepare_namespace(bao: &Bao, p: &Plan) -> String {
    let ns = bao.namespace();
    apply_platform(bao, &ns, p);
    ns
}

/// Applies the plan's `platform/vault.tf` into `ns`.
pub(crate) fn apply_platform(bao: &Bao, ns: &str, p: &Plan) -> Vec<String> {
    let tf = p
        .platform_files
        .get("platform/vault.tf")
        .expect("a Vault plan has platform/vault.tf");
    bao.apply_terraform(ns, tf, &BTreeMap::new(), &offline_platform)
}

/// This OpenBao has no network and runs in no cluster: the JWT backend keeps the planned
/// bound_issuer but checks tokens against a local key instead of fetching the issuer's
/// discovery document (tests that log in replace it with their signer through
/// `trust_jwt_signer`), and the Kubernetes backend gets the CA a Vault outside the cluster must
/// set, as the plan's decision says (in a pod the default reads the pod's own CA file).
pub(crate) fn offline_platform(kind: &str, v: &mut Value) {
    if kind == "vault_kubernetes_auth_backend_config" {
        assert_eq!(v["kubernetes_host"], "https://kubernetes.default.svc");
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(vec!["kubernetes.default.svc".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        v["kubernetes_ca_cert"] = ca.pem().into();
        v["disable_local_ca_jwt"] = true.into();
    }
    if kind == "vault_jwt_auth_backend" {
        assert_eq!(
            v["oidc_discovery_url"], v["bound_issuer"],
            "the JWT backend trusts the issuer it discovers"
        );
        let obj = v.as_object_mut().unwrap();
        obj.remove("oidc_discovery_url");
        let key = rcgen::KeyPair::generate().unwrap();
        obj.insert("jwt_validation_pubkeys".into(), json!([key.public_key_pem()]));
    }
}

/// Points a plan's database at the local cluster (which has no TLS).
pub(crate) fn local_database(port: u16) -> impl Fn(&mut Request) {
    move |req: &mut Request| {
        if req.credential == Some(CredentialType::Database) {
            req.database.engine = Some(DbEngine::Postgresql);
            req.database.host = Some("127.0.0.1".into());
            req.database.port = Some(port);
        }
    }
}

pub(crate) fn no_tls(kind: &str, v: &mut Value) {
    if kind == "vault_database_secret_backend_connection" {
        let url = v["connection_url"]
            .as_str()
            .unwrap()
            .replace("sslmode=verify-full", "sslmode=disable");
        v["connection_url"] = url.into();
    }
}

pub(crate) fn prepare_postgres() -> BTreeMap<&'static str, String> {
    let pg = &backends().pg;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        pg.admin("postgres", "CREATE DATABASE app");
        pg.admin(
            "postgres",
            "CREATE ROLE \"vault-admin\" WITH LOGIN SUPERUSER PASSWORD 'vault-admin-password'",
        );
        pg.admin("app", "CREATE TABLE orders (id serial PRIMARY KEY)");
        pg.admin("postgres", "CREATE ROLE \"prod--app\" WITH LOGIN PASSWORD 'initial-password'");
    });
    BTreeMap::from([
        ("db_admin_username", "vault-admin".to_string()),
        ("db_admin_password", "vault-admin-password".to_string()),
    ])
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_generated_terraform_is_accepted_by_openbao() {
    let b = backends();
    let vars = prepare_postgres();
    let plans = all_plans(local_database(b.pg.port));
    // Four at a time: each plan has its own namespace, and the bao CLI calls mostly wait.
    let chunk = plans.len().div_ceil(4);
    std::thread::scope(|scope| {
        for part in plans.chunks(chunk) {
            let vars = &vars;
            scope.spawn(move || {
                for (case, _, p) in part {
                    check_terraform_applies(b, vars, case, p);
                }
            });
        }
    });
}

fn check_terraform_applies(b: &crate::backends::Backends, vars: &BTreeMap<&str, String>, case: &str, p: &Plan) {
    {
        let ns = prepare_namespace(&b.bao, p);
        let applied = b.bao.apply_terraform(&ns, file(p, "terraform/vault.tf"), vars, &no_tls);
        let auth = applied.iter().filter(|a| a.starts_with("auth/")).count();
        assert!(auth >= 1, "{case}: no auth role in {applied:?}");
        if case.contains("-automatic-") && !case.ends_with("database") && !case.ends_with("certificate") {
            assert_eq!(auth, 2, "{case}: consumer and rotator roles: {applied:?}");
        }
        // The roles read back as written: audience and bound claims survive.
        for path in applied.iter().filter(|a| a.starts_with("auth/")) {
            let role = b.bao.read(ROOT, Some(&ns), path).unwrap();
            if path.starts_with("auth/approle/") {
                // A real AppRole login yields a token with exactly the role's policy.
                let role_id = b.bao.read(ROOT, Some(&ns), &format!("{path}/role-id")).unwrap()["data"]["role_id"].clone();
                let secret_id =
                    b.bao.write(ROOT, Some(&ns), &format!("{path}/secret-id"), &json!({})).unwrap()["data"]["secret_id"].clone();
                let login = b
                    .bao
                    .write(
                        ROOT,
                        Some(&ns),
                        "auth/approle/login",
                        &json!({"role_id": role_id, "secret_id": secret_id}),
                    )
                    .unwrap_or_else(|e| panic!("{case}: approle login: {e}"));
                let policies = login["auth"]["token_policies"].as_array().unwrap().clone();
                assert!(
                    policies.iter().any(|p| p.as_str().unwrap().starts_with("prod-")),
                    "{case}: {policies:?}"
                );
                assert!(policies.iter().all(|p| p != "root"), "{case}");
            }
            if path.starts_with("auth/kubernetes/") {
                assert_eq!(role["data"]["audience"], "vault", "{case}");
            }
            if path.starts_with("auth/jwt-azure-devops/") {
                let claims = &role["data"]["bound_claims"];
                assert_eq!(claims["tid"], "00000000-0000-0000-0000-000000000000", "{case}: {role}");
                assert!(claims["oid"].as_str().is_some_and(|o| o.starts_with("00000000-")), "{case}: {role}");
                assert_eq!(role["data"]["bound_claims_type"], "string", "{case}: no globs");
                assert_eq!(
                    role["data"]["bound_audiences"],
                    json!(["api://prod--app-vault-federation"]),
                    "{case}"
                );
            }
            if path.starts_with("auth/jwt/") && case.contains("gitlab") {
                assert_eq!(role["data"]["bound_claims"]["ref_protected"], "true", "{case}");
                assert_eq!(role["data"]["bound_audiences"][0], "https://vault.example.com:8200", "{case}");
            } else if path.starts_with("auth/jwt/") {
                let claims = &role["data"]["bound_claims"];
                assert_eq!(claims["repository_id"], "456789", "{case}: {role}");
                assert_eq!(claims["repository_owner_id"], "123456", "{case}: {role}");
                assert_eq!(role["data"]["bound_claims_type"], "string", "{case}: no globs");
            }
        }
    }
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn dynamic_postgres_credentials_log_in_and_are_dropped_on_revoke() {
    let b = backends();
    let vars = prepare_postgres();
    for target in [Target::Kubernetes, Target::Application, Target::Cicd] {
        let mut req = Request::new(Backend::Vault, target, Rotation::Dynamic);
        req.credential = Some(CredentialType::Database);
        local_database(b.pg.port)(&mut req);
        let p = plan(&req);
        let ns = prepare_namespace(&b.bao, &p);
        b.bao.apply_terraform(&ns, file(&p, "terraform/vault.tf"), &vars, &no_tls);
        let policy = &p.access_policies[0];
        let token = b.bao.token(Some(&ns), &[&policy.policy_name]);
        let creds = b.bao.read(&token, Some(&ns), &p.secrets_config.secret_path).unwrap();
        assert_eq!(creds["lease_duration"], 3600, "{target}: default_ttl is explicit");
        let (user, password) = (
            creds["data"]["username"].as_str().unwrap(),
            creds["data"]["password"].as_str().unwrap(),
        );
        assert_eq!(b.pg.psql(user, password, "app", "SELECT current_user").unwrap(), user);
        assert_eq!(b.pg.psql(user, password, "app", "SELECT count(*) FROM orders").unwrap(), "0");
        b.bao
            .write(ROOT, Some(&ns), "sys/leases/revoke", &json!({"lease_id": creds["lease_id"]}))
            .unwrap();
        let count =
            b.pg.admin("postgres", &format!("SELECT count(*) FROM pg_roles WHERE rolname = '{user}'"));
        assert_eq!(count, "0", "{target}: revocation drops the user");
        assert!(b.pg.psql(user, password, "app", "SELECT 1").is_err());
    }
}

pub(crate) fn subject(pem: &str) -> String {
    let mut child = Command::new("openssl")
        .args(["x509", "-noout", "-subject", "-ext", "subjectAltName"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(pem.as_bytes()).unwrap();
    String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn pki_roles_issue_and_sign_for_the_planned_name_only() {
    let b = backends();
    for (target, rotation) in [
        (Target::Application, Rotation::Automatic),
        (Target::Cicd, Rotation::Dynamic),
        (Target::Kubernetes, Rotation::Automatic),
        (Target::Kubernetes, Rotation::Dynamic),
    ] {
        let mut req = Request::new(Backend::Vault, target, rotation);
        req.credential = Some(CredentialType::Certificate);
        let p = plan(&req);
        let ns = prepare_namespace(&b.bao, &p);
        b.bao
            .apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
        let token = b.bao.token(Some(&ns), &[&p.access_policies[0].policy_name]);
        let path = &p.secrets_config.secret_path;
        let cn = "app.prod.example.com";
        let body = |name: &str| {
            if path.contains("/sign/") {
                let key = rcgen::KeyPair::generate().unwrap();
                let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
                params.distinguished_name.push(rcgen::DnType::CommonName, name);
                json!({"csr": params.serialize_request(&key).unwrap().pem().unwrap(), "common_name": name})
            } else {
                json!({"common_name": name})
            }
        };
        let issued = b
            .bao
            .write(&token, Some(&ns), path, &body(cn))
            .unwrap_or_else(|e| panic!("{target}/{rotation}: {e}"));
        let text = subject(issued["data"]["certificate"].as_str().unwrap());
        assert!(text.contains(&format!("CN = {cn}")) || text.contains(&format!("CN={cn}")), "{text}");
        let want_ttl = if rotation == Rotation::Dynamic { 3600 } else { 90 * 86_400 };
        let expiry = issued["data"]["expiration"].as_i64().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!(
            (expiry - now - want_ttl).abs() < 120,
            "{target}/{rotation}: lifetime {} want {want_ttl}",
            expiry - now
        );
        // Names outside the plan, including "localhost", which Vault's default admits.
        for other in ["evil.example.com", "localhost"] {
            let refused = b.bao.write(&token, Some(&ns), path, &body(other)).unwrap_err();
            assert!(
                refused.contains("not allowed") || refused.contains("common name"),
                "{other}: {refused}"
            );
        }
    }
}

/// Wildcard and IP alternative names, as planned, are signed by the planned role: the GitLab job's
/// issue request as it stands in the pipeline, and cert-manager's CSR with the Certificate's
/// dnsNames and ipAddresses. The bare domain stays refused, and the old role shape (no wildcard,
/// no IP SANs) refuses the same request: the canary that this test catches the bug.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn pki_roles_sign_wildcard_and_ip_alternative_names_as_planned() {
    let b = backends();
    for target in [Target::Cicd, Target::Kubernetes] {
        let mut req = Request::new(Backend::Vault, target, Rotation::Automatic);
        req.credential = Some(CredentialType::Certificate);
        req.cicd.platform = Some(CicdPlatform::GitlabCi);
        req.certificate.alt_names = Some(
            ["*.orders.example.com", "api.example.com", "10.0.0.1", "2001:db8::1"]
                .map(String::from)
                .to_vec(),
        );
        let p = plan(&req);
        let ns = prepare_namespace(&b.bao, &p);
        b.bao
            .apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
        let token = b.bao.token(Some(&ns), &[&p.access_policies[0].policy_name]);
        let path = p.secrets_config.secret_path.clone();
        let request: Value = if target == Target::Cicd {
            let pipeline: Value = serde_norway::from_str(file(&p, ".gitlab-ci.yml")).unwrap();
            let script = pipeline
                .as_object()
                .unwrap()
                .values()
                .flat_map(|job| job["script"].as_array().cloned().unwrap_or_default());
            let call = script
                .filter_map(|l| l.as_str().map(String::from))
                .find(|l| l.contains("--data '"))
                .expect("the job's issue request");
            let data = call.split("--data '").nth(1).and_then(|rest| rest.split('\'').next()).unwrap();
            serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {call}"))
        } else {
            let cert: Value = serde_norway::from_str(file(&p, "kubernetes/certificate.yaml")).unwrap();
            let spec = &cert["spec"];
            let mut names: Vec<String> = spec["dnsNames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect();
            names.extend(
                spec["ipAddresses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string()),
            );
            let key = rcgen::KeyPair::generate().unwrap();
            let cn = spec["commonName"].as_str().unwrap();
            let mut params = rcgen::CertificateParams::new(names).unwrap();
            params.distinguished_name.push(rcgen::DnType::CommonName, cn);
            json!({"csr": params.serialize_request(&key).unwrap().pem().unwrap(), "common_name": cn})
        };
        let issued = b
            .bao
            .write(&token, Some(&ns), &path, &request)
            .unwrap_or_else(|e| panic!("{target}: {request} refused: {e}"));
        let text = subject(issued["data"]["certificate"].as_str().unwrap());
        for want in [
            "DNS:*.orders.example.com",
            "DNS:api.example.com",
            "IP Address:10.0.0.1",
            "IP Address:2001:DB8:0:0:0:0:0:1",
        ] {
            assert!(text.contains(want), "{target}: {want} missing in {text}");
        }
        if target == Target::Cicd {
            let bare = json!({"common_name": "orders.example.com", "ttl": "1h"});
            let refused = b.bao.write(&token, Some(&ns), &path, &bare).unwrap_err();
            assert!(
                refused.contains("not allowed"),
                "the bare domain of a wildcard is not planned: {refused}"
            );
            // As the decision says: a name under the wildcard is admitted too.
            let under = json!({"common_name": "api.orders.example.com", "ttl": "1h"});
            b.bao
                .write(&token, Some(&ns), &path, &under)
                .unwrap_or_else(|e| panic!("a name under the wildcard: {e}"));
            let role = path.replace("/issue/", "/roles/");
            let mut old_shape = b.bao.read(ROOT, Some(&ns), &role).unwrap()["data"].clone();
            for flag in ["allow_glob_domains", "allow_wildcard_certificates", "allow_ip_sans"] {
                old_shape[flag] = json!(false);
            }
            b.bao.write(ROOT, Some(&ns), &role, &old_shape).unwrap();
            let refused = b.bao.write(&token, Some(&ns), &path, &request).unwrap_err();
            assert!(refused.contains("not allowed"), "the old role shape must refuse: {refused}");
        }
    }
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn the_kv_rotation_script_writes_a_new_version_once_per_period() {
    let bao = &backends().bao;
    let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Automatic);
    req.credential = Some(CredentialType::ApiKey);
    // Only a self-issued key may be made up; a third-party one is reminded of (the next test).
    req.api_key.issuer = Some(secretsint::planner::ApiKeyIssuer::SelfIssued);
    let p = plan(&req);
    let ns = prepare_namespace(bao, &p);
    bao.apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
    // The job of a self-issued key holds exactly the writer policy: it writes the key it makes up.
    let job = p
        .access_policies
        .iter()
        .filter(|a| a.attach_to == secretsint::planner::AttachTo::Rotator)
        .map(|a| a.policy_name.as_str())
        .collect::<Vec<_>>();
    assert_eq!(job, ["prod--app-kv-write"]);
    let token = bao.token(Some(&ns), &job);
    let cronjob: Value = serde_norway::from_str(file(&p, "kubernetes/rotation-cronjob.yaml")).unwrap();
    let container = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let script = container["command"][2].as_str().unwrap().to_string();
    assert_eq!(script, p.rotation_scripts.as_ref().unwrap().rotation_logic);
    let run = || {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script]);
        for e in container["env"].as_array().unwrap() {
            cmd.env(e["name"].as_str().unwrap(), e["value"].as_str().unwrap());
        }
        let out = cmd
            .env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &token)
            .env("VAULT_NAMESPACE", &ns)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(run().contains("wrote a new version"));
    assert!(run().contains("not due yet"), "the second run within the period writes nothing");
    let meta = bao.read(ROOT, Some(&ns), "secret/metadata/prod/app/api-key").unwrap();
    assert_eq!(meta["data"]["current_version"], 1);
    assert!(meta["data"]["custom_metadata"]["rotated_at"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());
    let value = bao.read(ROOT, Some(&ns), "secret/data/prod/app/api-key").unwrap();
    let key = value["data"]["data"]["api_key"].as_str().unwrap();
    assert!(key.len() == 43 && key.chars().all(|c| c.is_ascii_alphanumeric()), "{key}");
}

/// A third-party API key: the job fails with the reminder once the key is due, and the key in
/// OpenBao is the one people wrote, before and after; once they record rotated_at it is quiet.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn the_kv_reminder_never_changes_a_third_party_api_key() {
    let bao = &backends().bao;
    let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Automatic);
    req.credential = Some(CredentialType::ApiKey);
    let p = plan(&req);
    assert!(p.findings.iter().any(|f| f.summary == "API Key Rotation Falls Back To A Reminder"));
    let ns = prepare_namespace(bao, &p);
    bao.apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
    write_api_key(bao, &ns);
    // The job runs with its role's policy, which only reads the metadata: it cannot write the key.
    let job = p
        .access_policies
        .iter()
        .filter(|a| a.attach_to == secretsint::planner::AttachTo::Rotator)
        .map(|a| a.policy_name.as_str())
        .collect::<Vec<_>>();
    assert_eq!(job, ["prod--app-kv-remind"]);
    let token = bao.token(Some(&ns), &job);
    let denied = bao.write(
        &token,
        Some(&ns),
        "secret/data/prod/app/api-key",
        &json!({"data": {"api_key": "x"}}),
    );
    assert!(denied.is_err(), "the reminder's token wrote the key: {denied:?}");
    let cronjob: Value = serde_norway::from_str(file(&p, "kubernetes/rotation-cronjob.yaml")).unwrap();
    let container = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let script = container["command"][2].as_str().unwrap().to_string();
    assert_eq!(script, p.rotation_scripts.as_ref().unwrap().rotation_logic);
    for write_path in ["urandom", "api POST", "api PATCH"] {
        assert!(!script.contains(write_path), "the reminder holds a write path: {write_path}");
    }
    let run = || {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script]);
        for e in container["env"].as_array().unwrap() {
            cmd.env(e["name"].as_str().unwrap(), e["value"].as_str().unwrap());
        }
        cmd.env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &token)
            .env("VAULT_NAMESPACE", &ns)
            .output()
            .unwrap()
    };
    let key = || bao.read(ROOT, Some(&ns), "secret/data/prod/app/api-key").unwrap()["data"]["data"]["api_key"].clone();
    let out = run();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("is due for rotation"), "{err}");
    assert_eq!(key(), "s3cr3t-Value");
    let meta = bao.read(ROOT, Some(&ns), "secret/metadata/prod/app/api-key").unwrap();
    assert_eq!(meta["data"]["current_version"], 1, "the reminder wrote a version");
    // The person rotates at the issuer, then runs the two commands the reminder prints, word for
    // word (OpenBao's CLI takes Vault's), with a token holding only the policy the plan attaches
    // to the people who write the key.
    let commands: Vec<String> = err
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("vault "))
        .map(|l| l.replacen("vault ", &format!("{} ", crate::support::tool("bin/bao").display()), 1))
        .collect();
    assert_eq!(commands.len(), 2, "the reminder prints the write and the record: {err}");
    let writers = p
        .access_policies
        .iter()
        .filter(|a| a.attach_to == secretsint::planner::AttachTo::Writer)
        .map(|a| a.policy_name.as_str())
        .collect::<Vec<_>>();
    assert_eq!(writers, ["prod--app-kv-write"]);
    let writer = bao.token(Some(&ns), &writers);
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("new-api_key.txt"), "n3w-Value").unwrap();
    for command in &commands {
        let out = Command::new("sh")
            .args(["-c", command])
            .current_dir(home.path())
            .env("HOME", home.path())
            .env("BAO_ADDR", &bao.addr)
            .env("BAO_TOKEN", &writer)
            .env("BAO_NAMESPACE", &ns)
            .env_remove("VAULT_ADDR")
            .env_remove("VAULT_TOKEN")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the reminder's command fails under the writers' policy: {command}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not due yet"));
    assert_eq!(key(), "n3w-Value");
}

/// A local issuer hook for the hook job: it records each request (headers and body) as one JSON
/// line in `log` and answers the contents of `answer`. Plain http on 127.0.0.1, which the job
/// only calls through its test seam.
const ISSUER: &str = r#"
import http.server, json, sys
log, answer = sys.argv[1], sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        with open(log, "a") as f:
            f.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
        out = open(answer, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

/// A third-party API key with an issuer hook, on OpenBao: the CronJob's script refuses a plain
/// http hook, refuses an empty, missing or unchanged key (no new version), stores exactly the
/// hook's key otherwise (with the bearer token and idempotency key sent, never the Vault token),
/// does not call the hook when not due, and its token cannot write any other path.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn the_kv_issuer_hook_job_stores_exactly_the_hooks_key() {
    use std::io::BufRead;
    let bao = &backends().bao;
    let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Automatic);
    req.credential = Some(CredentialType::ApiKey);
    req.api_key.issuer_hook = Some("https://keys.example.com/mint".into());
    let p = plan(&req);
    assert!(!p.findings.iter().any(|f| f.summary == "API Key Rotation Falls Back To A Reminder"));
    let ns = prepare_namespace(bao, &p);
    bao.apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
    write_api_key(bao, &ns);
    let job = p
        .access_policies
        .iter()
        .filter(|a| a.attach_to == secretsint::planner::AttachTo::Rotator)
        .map(|a| a.policy_name.as_str())
        .collect::<Vec<_>>();
    assert_eq!(job, ["prod--app-kv-hook"]);
    let token = bao.token(Some(&ns), &job);
    for other in [
        "secret/data/prod/other/api-key",
        "secret/data/prod/app/api-key-2",
        "secret/data/prod/app",
    ] {
        let denied = bao.write(&token, Some(&ns), other, &json!({"data": {"api_key": "x"}}));
        assert!(denied.is_err(), "the hook job's token wrote {other}: {denied:?}");
    }
    let denied = bao.write(&token, Some(&ns), "secret/metadata/prod/app/api-key", &json!({"max_versions": 1}));
    assert!(denied.is_err(), "the hook job's token rewrote the metadata: {denied:?}");

    let cronjob: Value = serde_norway::from_str(file(&p, "kubernetes/rotation-cronjob.yaml")).unwrap();
    let pod = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let script = container["command"][2].as_str().unwrap().to_string();
    assert_eq!(script, p.rotation_scripts.as_ref().unwrap().rotation_logic);
    let audiences: Vec<&str> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["projected"]["sources"][0]["serviceAccountToken"]["audience"].as_str().unwrap())
        .collect();
    assert_eq!(audiences, ["vault", "https://keys.example.com/mint"]);

    let dir = tempfile::tempdir().unwrap();
    let (log, answer, jwt) = (dir.path().join("log"), dir.path().join("answer"), dir.path().join("hook-token"));
    std::fs::write(&jwt, "hook-jwt-123").unwrap();
    std::fs::write(&answer, "{}").unwrap();
    // Killed on drop, so a failed assertion leaves no server holding the test's output open.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Server(
        Command::new("python3")
            .args(["-c", ISSUER])
            .arg(&log)
            .arg(&answer)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut port = String::new();
    std::io::BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let url = format!("http://127.0.0.1:{}/mint", port.trim());
    let run = |seam: bool| {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &script]);
        for e in container["env"].as_array().unwrap() {
            cmd.env(e["name"].as_str().unwrap(), e["value"].as_str().unwrap());
        }
        cmd.env("VAULT_ADDR", &bao.addr)
            .env("VAULT_TOKEN", &token)
            .env("VAULT_NAMESPACE", &ns)
            .env("ISSUER_HOOK_URL", &url)
            .env("HOOK_JWT_FILE", &jwt);
        if seam {
            cmd.env("SECRETSINT_TEST_PLAIN_HTTP_HOOK", "1");
        }
        cmd.output().unwrap()
    };
    let requests = || -> Vec<Value> {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let key = || bao.read(ROOT, Some(&ns), "secret/data/prod/app/api-key").unwrap()["data"]["data"]["api_key"].clone();
    let version = || bao.read(ROOT, Some(&ns), "secret/metadata/prod/app/api-key").unwrap()["data"]["current_version"].clone();

    // The shipped script calls no plain-http hook.
    std::fs::write(&answer, r#"{"api_key": "m1nted-Key-1"}"#).unwrap();
    let out = run(false);
    assert!(!out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not https"));
    assert!(requests().is_empty(), "the job called a plain-http hook");
    assert_eq!(version(), 1);

    // An unchanged, empty or missing key is refused and nothing is written.
    for bad in [r#"{"api_key": "s3cr3t-Value"}"#, r#"{"api_key": ""}"#, "{}", r#"{"other": "x"}"#] {
        std::fs::write(&answer, bad).unwrap();
        let out = run(true);
        assert!(!out.status.success(), "{bad}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was written"), "{bad}");
        assert_eq!(version(), 1, "{bad}: a refused key was written");
        assert_eq!(key(), "s3cr3t-Value", "{bad}");
    }

    std::fs::write(&answer, r#"{"api_key": "m1nted-Key-1"}"#).unwrap();
    let out = run(true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(key(), "m1nted-Key-1");
    assert_eq!(version(), 2);
    let sent = requests();
    let last = sent.last().unwrap();
    let header = |name: &str| {
        last["headers"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str().unwrap().to_string())
    };
    assert_eq!(last["path"], "/mint");
    assert_eq!(header("Authorization").as_deref(), Some("Bearer hook-jwt-123"));
    assert_eq!(header("Idempotency-Key").as_deref(), Some("secret/data/prod/app/api-key@1"));
    assert_eq!(header("X-Vault-Token"), None, "the Vault token went to the hook");
    assert!(!last.to_string().contains(&token), "the Vault token went to the hook");
    let body: Value = serde_json::from_str(last["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"secret_id": "secret/data/prod/app/api-key", "idempotency_key": "secret/data/prod/app/api-key@1"})
    );
    assert!(bao.read(ROOT, Some(&ns), "secret/metadata/prod/app/api-key").unwrap()["data"]["custom_metadata"]["rotated_at"].is_string());

    // Not due: exits 0 without calling the hook.
    let calls = sent.len();
    let out = run(true);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not due yet"));
    assert_eq!(requests().len(), calls, "the job called the hook when not due");
    assert_eq!(key(), "m1nted-Key-1");
}

/// shellcheck (POSIX sh) finds nothing in the three scripts a KV CronJob runs: the random
/// rotation (self-issued key), the reminder, and the issuer hook's job.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn kv_job_scripts_pass_shellcheck() {
    let dir = tempfile::tempdir().unwrap();
    let mut scripts = std::collections::BTreeSet::new();
    for (issuer, hook) in [
        (Some(secretsint::planner::ApiKeyIssuer::SelfIssued), None),
        (None, None),
        (None, Some("https://keys.example.com/mint")),
    ] {
        let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Automatic);
        req.credential = Some(CredentialType::ApiKey);
        req.api_key.issuer = issuer;
        req.api_key.issuer_hook = hook.map(Into::into);
        scripts.insert(plan(&req).rotation_scripts.unwrap().rotation_logic);
    }
    assert_eq!(scripts.len(), 3);
    for (i, text) in scripts.iter().enumerate() {
        let file = dir.path().join(format!("job-{i}.sh"));
        std::fs::write(&file, text).unwrap();
        let out = Command::new("shellcheck")
            .args(["--shell", "sh"])
            .arg(&file)
            .output()
            .expect("shellcheck is installed");
        assert!(out.status.success(), "{}\n{text}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_kubernetes_manifest_passes_strict_schema_validation() {
    let mut manifests = Vec::new();
    for (case, req, p) in all_plans(|_| {}) {
        for m in &p.deployment_manifests {
            // A strategic-merge patch is not a whole object; everything else is validated.
            if m.kind == ManifestType::Kubernetes && !m.filename.contains("patch") {
                manifests.push((format!("{case}/{}", m.filename), m.content.clone()));
            }
        }
        for a in p.access_policies.iter().filter(|a| a.policy_type == PolicyType::KubernetesRbac) {
            manifests.push((format!("{case}/policies/{}", a.policy_name), a.policy_document.clone()));
        }
        if req.target == Target::Kubernetes {
            manifests.push((format!("{case}/config"), p.secrets_config.config_file.clone().unwrap()));
        }
        for text in p.workload_files().values() {
            assert!(!text.contains("external-secrets.io/v1beta1"), "{case}");
        }
    }
    assert!(manifests.len() > 60, "{}", manifests.len());
    crate::k8s_validate::validate_manifests(&manifests);
}

/// Configures the JWT auth `mount` of namespace `ns` to trust tokens `key` signs for `issuer`
/// (EdDSA, so a test can sign what a CI platform would).
pub(crate) fn trust_jwt_signer(bao: &Bao, ns: &str, mount: &str, key: &rcgen::KeyPair, issuer: &str) {
    bao.write(
        ROOT,
        Some(ns),
        &format!("auth/{mount}/config"),
        &json!({"jwt_validation_pubkeys": [key.public_key_pem()], "bound_issuer": issuer, "jwt_supported_algs": ["EdDSA"]}),
    )
    .unwrap();
}

/// The API key the CI tests read: `s3cr3t-Value` at the planned KV path.
fn write_api_key(bao: &Bao, ns: &str) {
    bao.write(
        ROOT,
        Some(ns),
        "secret/data/prod/app/api-key",
        &json!({"data": {"api_key": "s3cr3t-Value"}}),
    )
    .unwrap();
}

/// A JWT as a CI platform would mint it, signed with `key` (EdDSA).
pub(crate) fn ci_jwt(key: &rcgen::KeyPair, issuer: &str, claims: Value) -> String {
    use base64::Engine;
    use rcgen::SigningKey;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut body = json!({"iss": issuer, "aud": "https://vault.example.com:8200", "iat": now, "nbf": now - 5, "exp": now + 300});
    for (k, v) in claims.as_object().unwrap() {
        body[k] = v.clone();
    }
    let signing_input = format!("{}.{}", b64(br#"{"alg":"EdDSA","typ":"JWT"}"#), b64(body.to_string().as_bytes()));
    let signature = key.sign(signing_input.as_bytes()).unwrap();
    format!("{signing_input}.{}", b64(&signature))
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn jwt_roles_log_in_only_the_bound_repository_and_branch() {
    let bao = &backends().bao;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let github_iss = "https://token.actions.githubusercontent.com";
    let gitlab_iss = "https://gitlab.com";
    let jenkins_iss = "https://jenkins.example.com/oidc";
    for (platform, issuer, classic) in [
        (CicdPlatform::GithubActions, github_iss, false),
        (CicdPlatform::GitlabCi, gitlab_iss, false),
        (CicdPlatform::GithubActions, github_iss, true),
        (CicdPlatform::Jenkins, jenkins_iss, false),
    ] {
        let mut req = Request::new(Backend::Vault, Target::Cicd, Rotation::Manual);
        req.credential = Some(CredentialType::ApiKey);
        req.cicd.platform = Some(platform);
        req.cicd.classic_subject = classic.then_some(true);
        let p = plan(&req);
        let ns = prepare_namespace(bao, &p);
        let mount = if platform == CicdPlatform::Jenkins { "jwt-jenkins" } else { "jwt" };
        trust_jwt_signer(bao, &ns, mount, &key, issuer);
        bao.apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
        let login = |claims: Value| {
            bao.write(
                ROOT,
                Some(&ns),
                &format!("auth/{mount}/login"),
                &json!({"role": "prod--app", "jwt": ci_jwt(&key, issuer, claims)}),
            )
        };
        let cases: Vec<(Value, bool)> = match platform {
            CicdPlatform::Jenkins => vec![
                (json!({"sub": "https://jenkins.example.com/job/app/", "build_number": 7}), true),
                // Another job on the same controller, or the same path on another controller.
                (json!({"sub": "https://jenkins.example.com/job/other/"}), false),
                (json!({"sub": "https://jenkins.example.com/job/app-rotate/"}), false),
                (
                    json!({"sub": "https://jenkins.example.com/job/app/", "aud": "https://other.example.com"}),
                    false,
                ),
            ],
            CicdPlatform::GithubActions if classic => {
                let token = |owner_id: &str, repo_id: &str, sub: &str| {
                    json!({"repository": "example-org/example-repo", "repository_owner_id": owner_id,
                        "repository_id": repo_id, "ref": "refs/heads/main", "sub": sub})
                };
                let classic_sub = "repo:example-org/example-repo:ref:refs/heads/main";
                vec![
                    (token("123456", "456789", classic_sub), true),
                    (
                        token(
                            "123456",
                            "456789",
                            "repo:example-org@123456/example-repo@456789:ref:refs/heads/main",
                        ),
                        true,
                    ),
                    // The IDs stay pinned whatever the subject's form.
                    (token("999999", "1", classic_sub), false),
                ]
            }
            CicdPlatform::GithubActions => {
                let token = |owner_id: &str, repo_id: &str, r: &str, sub: &str| {
                    json!({"repository": "example-org/example-repo", "repository_owner_id": owner_id,
                        "repository_id": repo_id, "ref": r, "sub": sub})
                };
                let immutable = |o: &str, i: &str| format!("repo:example-org@{o}/example-repo@{i}:ref:refs/heads/main");
                let classic = "repo:example-org/example-repo:ref:refs/heads/main";
                vec![
                    (token("123456", "456789", "refs/heads/main", &immutable("123456", "456789")), true),
                    // Other IDs, in either subject form: a recycled or transferred name.
                    (token("999999", "1", "refs/heads/main", &immutable("999999", "1")), false),
                    (token("123456", "1", "refs/heads/main", &immutable("123456", "1")), false),
                    (token("999999", "456789", "refs/heads/main", classic), false),
                    // The classic form only under cicd.classic_subject (below).
                    (token("123456", "456789", "refs/heads/main", classic), false),
                    (
                        token(
                            "123456",
                            "456789",
                            "refs/heads/dev",
                            &immutable("123456", "456789").replace("main", "dev"),
                        ),
                        false,
                    ),
                    (
                        token(
                            "123456",
                            "456789",
                            "refs/heads/main",
                            "repo:example-org@123456/example-repo@456789:pull_request",
                        ),
                        false,
                    ),
                    (
                        json!({"repository": "example-org/example-repo", "repository_owner_id": "123456", "repository_id": "456789", "ref": "refs/heads/main",
                            "sub": immutable("123456", "456789"), "aud": "https://github.com/example-org"}),
                        false,
                    ),
                ]
            }
            _ => {
                let ids = |ns: &str, project: &str, protected: &str, r: &str| {
                    json!({"namespace_id": ns, "project_id": project, "project_path": "example-org/example-repo", "ref": r,
                        "ref_type": "branch", "ref_protected": protected,
                        "sub": format!("project_path:example-org/example-repo:ref_type:branch:ref:{r}")})
                };
                vec![
                    (ids("123456", "456789", "true", "main"), true),
                    (ids("123456", "456789", "false", "main"), false),
                    (ids("123456", "456789", "true", "dev"), false),
                    // The same path under another project or namespace ID: recycled or moved.
                    (ids("123456", "1", "true", "main"), false),
                    (ids("999999", "456789", "true", "main"), false),
                ]
            }
        };
        for (claims, allowed) in cases {
            let result = login(claims.clone());
            assert_eq!(result.is_ok(), allowed, "{platform}: {claims} -> {result:?}");
            if let Ok(v) = result {
                let policies = v["auth"]["token_policies"].as_array().unwrap();
                assert!(policies.contains(&json!("prod--app-kv-read")), "{policies:?}");
            }
        }
    }
}

/// The tenant, principals and audience of the Azure Pipelines tests.
pub(crate) const ADO_TENANT: &str = "3c1b5a2e-0000-4000-8000-00000000000a";
pub(crate) const ADO_PRINCIPAL: &str = "3c1b5a2e-0000-4000-8000-0000000000b1";
pub(crate) const ADO_ROTATOR: &str = "3c1b5a2e-0000-4000-8000-0000000000b2";

/// `req` on Azure Pipelines, in the test tenant, with the test principals.
pub(crate) fn ado_request(mut req: Request) -> Request {
    req.cicd.platform = Some(CicdPlatform::AzureDevops);
    req.azure.tenant_id = Some(ADO_TENANT.into());
    req.cicd.principal_id = Some(ADO_PRINCIPAL.into());
    req.cicd.rotator_principal_id = Some(ADO_ROTATOR.into());
    req
}

/// An Azure Pipelines plan for those principals, its JWT mount configured to trust `key` as the
/// tenant's Entra issuer (EdDSA instead of Entra's RS256, so the test can sign), and its
/// Terraform applied with `vars` and `rewrite` (as [`Bao::apply_terraform`]).
pub(crate) fn azure_pipelines_plan(
    bao: &Bao,
    key: &rcgen::KeyPair,
    req: Request,
    vars: &BTreeMap<&str, String>,
    rewrite: &dyn Fn(&str, &mut Value),
) -> (Plan, String) {
    let p = plan(&ado_request(req));
    let ns = prepare_namespace(bao, &p);
    trust_jwt_signer(bao, &ns, "jwt-azure-devops", key, &format!("https://sts.windows.net/{ADO_TENANT}/"));
    bao.apply_terraform(&ns, file(&p, "terraform/vault.tf"), vars, rewrite);
    (p, ns)
}

/// An Entra access token as `az account get-access-token --resource <aud>` returns it for an
/// application's service principal (version 1: issuer sts.windows.net, `oid` and `sub` the
/// principal's object ID), with `edit` applied to its claims.
pub(crate) fn entra_token(key: &rcgen::KeyPair, principal: &str, edit: Value) -> String {
    let mut claims = json!({"aud": "api://prod--app-vault-federation", "tid": ADO_TENANT, "oid": principal,
        "sub": principal, "appid": "5f0c0000-0000-4000-8000-0000000000c1", "idtyp": "app", "ver": "1.0"});
    for (k, v) in edit.as_object().unwrap() {
        claims[k] = v.clone();
    }
    let iss = claims["iss"]
        .as_str()
        .map(str::to_string)
        .unwrap_or(format!("https://sts.windows.net/{ADO_TENANT}/"));
    ci_jwt(key, &iss, claims)
}

/// A stand-in for the Azure CLI that the AzureCLI@2 task signs in: `az account get-access-token`
/// prints `$STUB_ACCESS_TOKEN`, only for the resource the pipeline is meant to ask for.
pub(crate) fn stub_az(dir: &std::path::Path, resource: &str) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let az = bin.join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\ncase \"$*\" in\n  'account get-access-token --resource {resource} --query accessToken --output tsv') printf '%s\\n' \"$STUB_ACCESS_TOKEN\" ;;\n  *) echo \"az: unexpected arguments: $*\" >&2; exit 2 ;;\nesac\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// Runs one step's script the way the Azure Pipelines agent does: bash, the pipeline's and the
/// job's variables as environment variables, `$AGENT_TEMPDIRECTORY`, and the stub CLI first on PATH.
fn run_ado_step(
    script: &str,
    vars: &[(String, String)],
    temp: &std::path::Path,
    bin: &std::path::Path,
    token: &str,
    cwd: &std::path::Path,
) -> std::process::Output {
    Command::new("bash")
        .args(["-c", script])
        .current_dir(cwd)
        .envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AGENT_TEMPDIRECTORY", temp)
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()))
        .env("STUB_ACCESS_TOKEN", token)
        .output()
        .unwrap()
}

fn ado_variables(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|v| (v["name"].as_str().unwrap().to_string(), v["value"].as_str().unwrap().to_string()))
        .collect()
}

/// The Azure Pipelines jobs as the agent runs them, against OpenBao: the AzureCLI@2 script asks
/// for its service connection's Entra access token, logs in at the JWT mount, hands the value
/// over as a masked variable only, and the always-run step revokes the token and removes the
/// files. No stored credential exists anywhere. Tokens of another principal, tenant, issuer or
/// audience get nothing; the reading job's principal cannot log in as the rotator, and the
/// rotation job's principal can and writes a new version.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn azure_pipelines_jobs_log_in_with_their_connections_entra_token_only() {
    let bao = &backends().bao;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let mut req = Request::new(Backend::Vault, Target::Cicd, Rotation::Automatic);
    req.credential = Some(CredentialType::ApiKey);
    // A self-issued key: its rotation job writes a new version (a third-party key's only reminds).
    req.api_key.issuer = Some(secretsint::planner::ApiKeyIssuer::SelfIssued);
    let (p, ns) = azure_pipelines_plan(bao, &key, req, &BTreeMap::new(), &|_, _| {});
    let pipeline: Value = serde_norway::from_str(file(&p, "azure-pipelines.yml")).unwrap();
    for text in [file(&p, "azure-pipelines.yml"), file(&p, "terraform/vault.tf")] {
        for stored in ["VAULT_SECRET_ID", "secret_id", "approle", "variablegroup"] {
            assert!(!text.contains(stored), "a stored credential ({stored}) is still planned:\n{text}");
        }
    }
    let mut vars = ado_variables(&pipeline["variables"]);
    vars.push(("VAULT_NAMESPACE".into(), ns.clone()));
    vars.iter_mut()
        .filter(|(k, _)| k == "VAULT_ADDR")
        .for_each(|(_, v)| *v = bao.addr.clone());
    let resource = "api://prod--app-vault-federation";
    let work = tempfile::tempdir().unwrap();
    let bin = stub_az(work.path(), resource);
    let secrets_job = &pipeline["jobs"][0];
    let read = &secrets_job["steps"][0];
    assert_eq!(read["task"], "AzureCLI@2");
    assert_eq!(read["inputs"]["azureSubscription"], "prod--app-vault");
    let script = read["inputs"]["inlineScript"].as_str().unwrap();
    let cleanup = secrets_job["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(cleanup["condition"], "always()");
    let cleanup = cleanup["bash"].as_str().unwrap();
    write_api_key(bao, &ns);

    let temp = tempfile::tempdir().unwrap();
    let out = run_ado_step(
        script,
        &vars,
        temp.path(),
        &bin,
        &entra_token(&key, ADO_PRINCIPAL, json!({})),
        work.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "##vso[task.setvariable variable=API_KEY;issecret=true]s3cr3t-Value\n",
        "the step prints the value once, as a secret variable, and nothing else"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cr3t"));
    let token = std::fs::read_to_string(temp.path().join("secretsint/vault-token")).unwrap();
    let me = bao.read(&token, Some(&ns), "auth/token/lookup-self").unwrap();
    assert_eq!(me["data"]["policies"], json!(["default", "prod--app-kv-read"]), "{me}");
    let done = run_ado_step(cleanup, &vars, temp.path(), &bin, "", work.path());
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert!(
        bao.read(&token, Some(&ns), "auth/token/lookup-self").is_err(),
        "the token outlived the job"
    );
    assert!(!temp.path().join("secretsint").exists(), "the job's secret directory outlived it");

    // Any other identity, tenant, issuer or audience is refused, and the step prints nothing.
    let other_tenant = "9d000000-0000-4000-8000-000000000009";
    for (what, jwt) in [
        (
            "another principal",
            entra_token(&key, "9d000000-0000-4000-8000-0000000000e1", json!({})),
        ),
        ("the rotator's principal", entra_token(&key, ADO_ROTATOR, json!({}))),
        ("another tenant", entra_token(&key, ADO_PRINCIPAL, json!({"tid": other_tenant}))),
        (
            "another issuer",
            entra_token(
                &key,
                ADO_PRINCIPAL,
                json!({"iss": format!("https://sts.windows.net/{other_tenant}/")}),
            ),
        ),
        (
            "a token for Azure Resource Manager",
            entra_token(&key, ADO_PRINCIPAL, json!({"aud": "https://management.azure.com/"})),
        ),
        (
            "the v2 issuer",
            entra_token(
                &key,
                ADO_PRINCIPAL,
                json!({"iss": format!("https://login.microsoftonline.com/{ADO_TENANT}/v2.0")}),
            ),
        ),
    ] {
        let temp = tempfile::tempdir().unwrap();
        let out = run_ado_step(script, &vars, temp.path(), &bin, &jwt, work.path());
        assert!(!out.status.success(), "{what} logged in");
        assert!(out.stdout.is_empty(), "{what}: {}", String::from_utf8_lossy(&out.stdout));
    }

    // The rotation job: its own connection and principal; the reader's principal cannot rotate.
    let rotate_job = &pipeline["jobs"][1];
    let rotate = &rotate_job["steps"][0];
    assert_eq!(rotate["inputs"]["azureSubscription"], "prod--app-rotator-vault");
    let rotate_script = rotate["inputs"]["inlineScript"].as_str().unwrap();
    let mut rotate_vars = vars.clone();
    rotate_vars.extend(ado_variables(&rotate_job["variables"]));
    std::fs::create_dir_all(work.path().join("ci")).unwrap();
    std::fs::write(work.path().join("ci/rotate-kv.sh"), file(&p, "ci/rotate-kv.sh")).unwrap();
    let temp = tempfile::tempdir().unwrap();
    let refused = run_ado_step(
        rotate_script,
        &rotate_vars,
        temp.path(),
        &bin,
        &entra_token(&key, ADO_PRINCIPAL, json!({})),
        work.path(),
    );
    assert!(!refused.status.success(), "the reading job's principal rotated the secret");
    let out = run_ado_step(
        rotate_script,
        &rotate_vars,
        temp.path(),
        &bin,
        &entra_token(&key, ADO_ROTATOR, json!({})),
        work.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta = bao.read(ROOT, Some(&ns), "secret/metadata/prod/app/api-key").unwrap();
    assert_eq!(meta["data"]["current_version"], 2, "the rotation job wrote no new version: {meta}");
    let token = std::fs::read_to_string(temp.path().join("secretsint/vault-token")).unwrap();
    let cleanup = rotate_job["steps"].as_array().unwrap().last().unwrap()["bash"].as_str().unwrap();
    assert!(run_ado_step(cleanup, &rotate_vars, temp.path(), &bin, "", work.path())
        .status
        .success());
    assert!(
        bao.read(&token, Some(&ns), "auth/token/lookup-self").is_err(),
        "the rotator's token outlived the job"
    );
}

/// The GitHub workflow as a runner runs it, against OpenBao: the job requests its own OIDC token
/// (for the planned audience only), logs in, reads the secret into a masked `$GITHUB_ENV` value,
/// and its always-run last step leaves `$RUNNER_TEMP` empty and the Vault token revoked, also
/// when a step before it failed. Canary: the same job without that step leaves a live token.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn github_workflow_reads_once_and_leaves_no_token_or_file_behind() {
    use crate::github_runner::{run_job, Outcome, TokenEndpoint};
    let bao = &backends().bao;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let issuer = "https://token.actions.githubusercontent.com";
    let mut req = Request::new(Backend::Vault, Target::Cicd, Rotation::Manual);
    req.credential = Some(CredentialType::ApiKey);
    req.cicd.platform = Some(CicdPlatform::GithubActions);
    let p = plan(&req);
    let ns = prepare_namespace(bao, &p);
    trust_jwt_signer(bao, &ns, "jwt", &key, issuer);
    bao.apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
    write_api_key(bao, &ns);
    let jwt = ci_jwt(
        &key,
        issuer,
        json!({"repository": "example-org/example-repo", "repository_owner_id": "123456", "repository_id": "456789",
            "ref": "refs/heads/main", "sub": "repo:example-org@123456/example-repo@456789:ref:refs/heads/main"}),
    );
    // The endpoint hands the token out only for the audience the role binds.
    let endpoint = TokenEndpoint::start(&jwt, "https://vault.example.com:8200");
    let workflow = file(&p, ".github/workflows/app-secrets.yml");
    let local = [("VAULT_ADDR", bao.addr.as_str()), ("VAULT_NAMESPACE", ns.as_str())];
    let token_alive = |token: &str| bao.read(token, Some(&ns), "auth/token/lookup-self").is_ok();

    let run = run_job(workflow, "deploy", &endpoint, &local, &[]);
    assert!(
        run.steps.iter().all(|(_, o)| *o == Outcome::Success),
        "{:?}\n{}",
        run.steps,
        run.stderr
    );
    assert_eq!(run.env.get("API_KEY").map(String::as_str), Some("s3cr3t-Value"));
    let token = run
        .env
        .get("VAULT_TOKEN")
        .expect("the login hands VAULT_TOKEN to later steps")
        .clone();
    // Every secret was masked, and nothing printed it but its own mask command.
    for secret in ["s3cr3t-Value", token.as_str(), jwt.as_str()] {
        assert!(run.masks.iter().any(|m| m == secret), "{secret:.12}… was never masked");
        let printed = run.stdout.lines().chain(run.stderr.lines()).filter(|l| l.contains(secret)).count();
        assert_eq!(printed, 1, "{secret:.12}… printed outside its ::add-mask::");
    }
    assert_eq!(run.temp_left, Vec::<String>::new(), "files left in $RUNNER_TEMP");
    assert!(!token_alive(&token), "the Vault token outlived the job");

    // A failing step: the always-run cleanup still revokes the token.
    bao.write(ROOT, Some(&ns), "secret/data/prod/app/api-key", &json!({"data": {"other": "x"}}))
        .unwrap();
    let run = run_job(workflow, "deploy", &endpoint, &local, &[]);
    let outcomes: Vec<Outcome> = run.steps.iter().map(|(_, o)| *o).collect();
    assert_eq!(outcomes, [Outcome::Success, Outcome::Failure, Outcome::Success], "{:?}", run.steps);
    assert!(!token_alive(&run.env["VAULT_TOKEN"]), "a failed job left its token alive");
    assert_eq!(run.temp_left, Vec::<String>::new());

    // Canary: without the last step the harness sees the live token.
    let cleanup = run.steps.last().unwrap().0.clone();
    let run = run_job(workflow, "deploy", &endpoint, &local, &[cleanup.as_str()]);
    assert!(
        token_alive(&run.env["VAULT_TOKEN"]),
        "the harness must notice a job that keeps its token"
    );
}

/// The `sh '''…'''` bodies of a Jenkinsfile, unescaped as Groovy reads them (`\\` and `\'`).
fn jenkins_sh_bodies(jenkinsfile: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = jenkinsfile;
    while let Some(start) = rest.find("sh '''\n") {
        let body = &rest[start + 7..];
        let end = body.find("'''").unwrap();
        out.push(body[..end].replace("\\'", "'").replace("\\\\", "\\"));
        rest = &body[end + 3..];
    }
    out
}

/// The Jenkins build as an agent runs it, against OpenBao: the oidc-provider token logs in at
/// the JWT mount, the secret lands in the build's private directory, and `post { always }`
/// revokes the token and removes the directory.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn jenkins_build_logs_in_with_its_oidc_token_and_leaves_nothing_behind() {
    let bao = &backends().bao;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let issuer = "https://jenkins.example.com/oidc";
    let mut req = Request::new(Backend::Vault, Target::Cicd, Rotation::Manual);
    req.credential = Some(CredentialType::ApiKey);
    req.cicd.platform = Some(CicdPlatform::Jenkins);
    let p = plan(&req);
    let ns = prepare_namespace(bao, &p);
    trust_jwt_signer(bao, &ns, "jwt-jenkins", &key, issuer);
    bao.apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
    write_api_key(bao, &ns);
    let bodies = jenkins_sh_bodies(file(&p, "Jenkinsfile"));
    assert_eq!(bodies.len(), 2, "the secrets step and the post step: {bodies:?}");
    let workspace_tmp = tempfile::tempdir().unwrap();
    let credentials = tempfile::tempdir().unwrap();
    let run = |script: &str, token: &str| {
        // The oidc-provider plugin's "id token as file" credential: a fresh file for the block.
        let token_file = credentials.path().join("id-token");
        std::fs::write(&token_file, token).unwrap();
        // Jenkins runs `sh -xe`: every command is traced to the build log.
        Command::new("sh")
            .args(["-xec", script])
            .env("VAULT_ADDR", &bao.addr)
            .env("VAULT_AUTH_PATH", "jwt-jenkins")
            .env("VAULT_NAMESPACE", &ns)
            .env("ID_TOKEN_FILE", &token_file)
            .env("WORKSPACE_TMP", workspace_tmp.path())
            .output()
            .unwrap()
    };
    let jwt = ci_jwt(&key, issuer, json!({"sub": "https://jenkins.example.com/job/app/"}));
    let out = run(&bodies[0], &jwt);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cr3t"));
    let dir = workspace_tmp.path().join("secretsint");
    let response: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("secret.json")).unwrap()).unwrap();
    assert_eq!(response["data"]["data"]["api_key"], "s3cr3t-Value");
    let token = std::fs::read_to_string(dir.join("vault-token")).unwrap();
    assert!(bao.read(&token, Some(&ns), "auth/token/lookup-self").is_ok());
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !log.contains(&token) && !log.contains("s3cr3t") && !log.contains(&jwt),
        "the build log shows a secret:\n{log}"
    );
    let out = run(&bodies[1], "");
    let log = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!log.contains(&token), "the post step's log shows the token:\n{log}");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        bao.read(&token, Some(&ns), "auth/token/lookup-self").is_err(),
        "the token outlived the build"
    );
    assert!(!dir.exists(), "the build's secret directory outlived it");
    // Another job's token gets nothing.
    let other = ci_jwt(&key, issuer, json!({"sub": "https://jenkins.example.com/job/other/"}));
    assert!(!run(&bodies[0], &other).status.success());
}

/// The policies a Kubernetes auth login as `role` gets: its token_policies plus "default".
fn login_policies(bao: &Bao, ns: &str, role: &str) -> (Vec<String>, Value) {
    let r = bao.read(ROOT, Some(ns), &format!("auth/kubernetes/role/{role}")).unwrap();
    let mut policies: Vec<String> = r["data"]["token_policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    policies.push("default".into());
    (policies, r["data"].clone())
}

/// cert-manager signs with its own service account and Vault role; the workload's own login is
/// denied pki/sign (the old shape, where the Issuer logged in as the workload, granted it).
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn cert_manager_signs_with_its_own_role_and_the_workload_is_denied_pki_sign() {
    let b = backends();
    for rotation in [Rotation::Automatic, Rotation::Dynamic] {
        let mut req = Request::new(Backend::Vault, Target::Kubernetes, rotation);
        req.credential = Some(CredentialType::Certificate);
        let p = plan(&req);
        let ns = prepare_namespace(&b.bao, &p);
        b.bao
            .apply_terraform(&ns, file(&p, "terraform/vault.tf"), &BTreeMap::new(), &|_, _| {});
        let issuer: Value = serde_norway::from_str(file(&p, "kubernetes/issuer.yaml")).unwrap();
        let auth = &issuer["spec"]["vault"]["auth"]["kubernetes"];
        let (issuer_role, issuer_sa) = (auth["role"].as_str().unwrap(), auth["serviceAccountRef"]["name"].as_str().unwrap());
        assert_eq!((issuer_role, issuer_sa), ("prod--app-cert-manager", "prod--app-cert-manager"));
        assert!(file(&p, "kubernetes/cert-manager-role.yaml").contains("- prod--app-cert-manager"));
        assert!(!file(&p, "kubernetes/cert-manager-role.yaml").contains("- prod--app\n"));
        let path = p.secrets_config.secret_path.clone();
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["app.prod.example.com".to_string()]).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "app.prod.example.com");
        let csr = json!({"csr": params.serialize_request(&key).unwrap().pem().unwrap(), "common_name": "app.prod.example.com"});

        // cert-manager's own role: bound to the Issuer's service account, and it signs.
        let (policies, role) = login_policies(&b.bao, &ns, issuer_role);
        assert_eq!(role["bound_service_account_names"], json!([issuer_sa]));
        let refs: Vec<&str> = policies.iter().map(String::as_str).collect();
        let token = b.bao.token(Some(&ns), &refs);
        let signed = b.bao.write(&token, Some(&ns), &path, &csr).unwrap();
        assert!(signed["data"]["certificate"].as_str().unwrap().contains("BEGIN CERTIFICATE"));

        // The workload's own role: bound to its service account, denied pki/sign.
        let (policies, role) = login_policies(&b.bao, &ns, "prod--app");
        assert_eq!(role["bound_service_account_names"], json!(["prod--app"]));
        let refs: Vec<&str> = policies.iter().map(String::as_str).collect();
        let token = b.bao.token(Some(&ns), &refs);
        let denied = b.bao.write(&token, Some(&ns), &path, &csr).unwrap_err();
        assert!(denied.contains("403") && denied.contains("permission denied"), "{denied}");
        assert_eq!(b.bao.capabilities(Some(&ns), &token, &path), vec!["deny".to_string()]);
    }
}

/// A token from a real AppRole login as `role` (auth/approle/role/<role>).
pub(crate) fn approle_login(bao: &Bao, ns: &str, role_path: &str) -> String {
    let role_id = bao.read(ROOT, Some(ns), &format!("{role_path}/role-id")).unwrap()["data"]["role_id"].clone();
    let secret_id = bao.write(ROOT, Some(ns), &format!("{role_path}/secret-id"), &json!({})).unwrap()["data"]["secret_id"].clone();
    let login = bao
        .write(
            ROOT,
            Some(ns),
            "auth/approle/login",
            &json!({"role_id": role_id, "secret_id": secret_id}),
        )
        .unwrap_or_else(|e| panic!("approle login at {role_path}: {e}"));
    login["auth"]["client_token"].as_str().unwrap().to_string()
}

/// Mount paths (`database/`, `auth/approle/`...) that exist in `ns`.
pub(crate) fn mounts(bao: &Bao, ns: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (list, prefix) in [("sys/mounts", ""), ("sys/auth", "auth/")] {
        let v = bao.read(ROOT, Some(ns), list).unwrap();
        out.extend(v["data"].as_object().unwrap().keys().map(|k| format!("{prefix}{k}")));
    }
    out.sort();
    out
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn workloads_share_one_platform_and_destroying_one_leaves_it_in_place() {
    let b = backends();
    let vars = prepare_postgres();
    let workload = |name: &str, rotation: Rotation, credential: CredentialType| {
        let mut req = Request::new(Backend::Vault, Target::Application, rotation);
        req.credential = Some(credential);
        req.name = Some(secretsint::planner::request::DnsLabel::parse(name, 40).unwrap());
        local_database(b.pg.port)(&mut req);
        req.database.database_name = Some("app".into());
        plan(&req)
    };
    let orders = workload("orders", Rotation::Dynamic, CredentialType::Database);
    let billing = workload("billing", Rotation::Automatic, CredentialType::Certificate);
    let payments = workload("payments", Rotation::Manual, CredentialType::ApiKey);
    assert_eq!(orders.platform_files, billing.platform_files);
    assert_eq!(orders.platform_files, payments.platform_files);

    // The platform once, then each workload on top of it: no workload mounts anything, so the
    // second and third apply cannot collide with the first (`path is already in use`).
    let ns = b.bao.namespace();
    let platform = apply_platform(&b.bao, &ns, &orders);
    assert!(platform.iter().any(|a| a == "pki/root/generate/internal"), "{platform:?}");
    let before = mounts(&b.bao, &ns);
    for path in ["database/", "pki/", "secret/", "auth/approle/", "auth/kubernetes/"] {
        assert!(before.iter().any(|m| m == path), "{path} in {before:?}");
    }
    let applied: Vec<Vec<String>> = [&orders, &billing, &payments]
        .iter()
        .map(|p| b.bao.apply_terraform(&ns, file(p, "terraform/vault.tf"), &vars, &no_tls))
        .collect();
    for a in &applied {
        assert!(
            a.iter().all(|x| !x.starts_with("mount ") && !x.starts_with("auth method ")),
            "{a:?}"
        );
    }
    let login = |a: &[String]| {
        let role = a.iter().find(|x| x.starts_with("auth/approle/role/")).expect("an AppRole role");
        approle_login(&b.bao, &ns, role)
    };
    let tokens: Vec<String> = applied.iter().map(|a| login(a)).collect();
    b.bao
        .write(
            ROOT,
            Some(&ns),
            &payments.secrets_config.secret_path,
            &json!({"data": {"api_key": "REDACTED"}}),
        )
        .unwrap();

    let reads_database = |token: &str| {
        let creds = b.bao.read(token, Some(&ns), &orders.secrets_config.secret_path)?;
        let (user, password) = (
            creds["data"]["username"].as_str().unwrap(),
            creds["data"]["password"].as_str().unwrap(),
        );
        b.pg.psql(user, password, "app", "SELECT current_user")
    };
    let issues_certificate = |token: &str| {
        let body: Value = serde_json::from_str(billing.secrets_config.config_file.as_deref().unwrap()).unwrap();
        let cert = b.bao.write(token, Some(&ns), &billing.secrets_config.secret_path, &body)?;
        Ok::<String, String>(cert["data"]["certificate"].as_str().unwrap().to_string())
    };
    let reads_api_key = |token: &str| {
        let v = b.bao.read(token, Some(&ns), &payments.secrets_config.secret_path)?;
        Ok::<String, String>(v["data"]["data"]["api_key"].as_str().unwrap().to_string())
    };
    // Each workload's own token reads its own secret...
    assert!(
        reads_database(&tokens[0]).unwrap().starts_with('v'),
        "a Vault-made user logs in to PostgreSQL"
    );
    let certificate = issues_certificate(&tokens[1]).unwrap();
    assert!(
        subject(&certificate).contains("billing.prod.example.com"),
        "{}",
        subject(&certificate)
    );
    assert_eq!(reads_api_key(&tokens[2]).unwrap(), "REDACTED");
    // ...and is denied the others'.
    let secret_paths = [&orders, &billing, &payments].map(|p| p.secrets_config.secret_path.clone());
    for (i, token) in tokens.iter().enumerate() {
        for (j, path) in secret_paths.iter().enumerate() {
            let caps = b.bao.capabilities(Some(&ns), token, path);
            assert_eq!(caps == ["deny"], i != j, "token {i} on {path}: {caps:?}");
        }
    }
    assert!(reads_database(&tokens[1]).unwrap_err().contains("permission denied"));
    assert!(issues_certificate(&tokens[2]).unwrap_err().contains("permission denied"));
    assert!(reads_api_key(&tokens[0]).unwrap_err().contains("permission denied"));

    // Destroying one workload removes its own objects only.
    b.bao.destroy_applied(&ns, &applied[0]);
    assert_eq!(mounts(&b.bao, &ns), before, "the platform's mounts and auth backends stay");
    assert!(
        b.bao.read(ROOT, Some(&ns), &orders.secrets_config.secret_path).is_err(),
        "the role is gone"
    );
    let issuer = b.bao.read(ROOT, Some(&ns), "pki/issuer/default").unwrap();
    assert_eq!(issuer["data"]["issuer_name"], "platform-root");
    assert!(issues_certificate(&tokens[1]).is_ok(), "the other workloads still work");
    assert_eq!(reads_api_key(&tokens[2]).unwrap(), "REDACTED");
}
