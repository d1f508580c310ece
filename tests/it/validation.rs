//! Validation that helps: the exact diagnostic for each narrow check, on its attribute path.

use crate::support::WorkloadFiles;
use secretsint::provider::{self, ProviderConfig};
use secretsint::tf::{Diagnostics, Severity, Value};

use crate::bad_input::{path, with};
use crate::support::*;

/// The one diagnostic of `severity` on `at`, as (summary, detail).
fn only(diags: &Diagnostics, severity: Severity, at: &str) -> (String, String) {
    let found: Vec<_> = diags
        .iter()
        .filter(|d| d.severity == severity && d.path.as_ref() == Some(&path(at)))
        .collect();
    assert_eq!(found.len(), 1, "one {severity:?} on {at}: {diags:?}");
    (found[0].summary.clone(), found[0].detail.clone())
}

fn validate(config: &Value) -> Diagnostics {
    provider::validate(config, &ProviderConfig::default())
}

#[test]
fn enum_values_get_a_did_you_mean() {
    let cases = [
        (
            "secrets_backend",
            "Vault",
            "secrets_backend = \"Vault\" is not a supported secrets backend. Did you mean \"vault\"? Use one of \"vault\", \"aws-secrets\", \"azure-keyvault\" or \"gcp-secretmanager\".",
        ),
        (
            "integration_target",
            "k8s",
            "integration_target = \"k8s\" is not a supported integration target. Did you mean \"kubernetes\"? Use one of \"kubernetes\", \"cicd\" or \"application\".",
        ),
        (
            "database.engine",
            "postgres",
            "database.engine = \"postgres\" is not a supported database engine. Did you mean \"postgresql\"? Use one of \"postgresql\", \"mysql\", \"mongodb\", \"mssql\", \"oracle\" or \"redshift\".",
        ),
        (
            "rotation_policy",
            "weekly",
            "rotation_policy = \"weekly\" is not a supported rotation policy. Use one of \"manual\", \"automatic\" or \"dynamic\".",
        ),
    ];
    for (at, given, detail) in cases {
        let d = validate(&with(at, s(given)));
        assert_eq!(only(&d, Severity::Error, at).1, detail);
    }
}

#[test]
fn durations_take_weeks_and_messages_quote_them_as_written() {
    let mut weekly = with("rotation_period", s("1w"));
    if let Value::Map(m) = &mut weekly {
        m.insert("rotation_policy".into(), s("automatic"));
    }
    let d = validate(&weekly);
    assert!(!d.has_errors(), "1w is a duration: {d:?}");
    // dynamic credentials live at most 24h: the message quotes "48h", not its canonical "2d".
    let d = validate(&with("rotation_period", s("48h")));
    assert_eq!(
        only(&d, Severity::Error, "rotation_period").1,
        "rotation_period 48h is too long for dynamic credentials: short-lived credentials live at most 24h. Use a value from 1m to 24h, or choose rotation_policy = \"automatic\"."
    );
    let d = validate(&with("kubernetes.refresh_interval", s("90m")));
    assert!(
        only(&d, Severity::Error, "kubernetes.refresh_interval")
            .1
            .starts_with("kubernetes.refresh_interval 90m is not shorter than"),
        "{d:?}"
    );
}

type Edit = fn(&mut secretsint::planner::Request);

/// Other values for every optional argument: an argument is used when some other value changes
/// an artifact. Choices get two, so a value that happens to equal the default cannot hide a use.
fn other_values(field: &str) -> Vec<Edit> {
    use secretsint::planner::request::{DnsLabel, Duration};
    use secretsint::planner::{CicdPlatform, DbEngine, StoreKind};
    match field {
        "rotation_period" => vec![|r| r.rotation_period = Some(Duration::from_secs(12 * 3600))],
        "vault.address" => vec![|r| r.vault.address = Some("https://vault.example.org:8200".into())],
        "vault.namespace" => vec![|r| r.vault.namespace = Some("team-a".into())],
        "vault.kv_mount" => vec![|r| r.vault.kv_mount = Some("kv2".into())],
        "vault.auth_mount" => vec![|r| r.vault.auth_mount = Some("auth2".into())],
        "vault.database_mount" => vec![|r| r.vault.database_mount = Some("db2".into())],
        "vault.pki_mount" => vec![|r| r.vault.pki_mount = Some("pki2".into())],
        "aws.region" => vec![|r| r.aws.region = Some("eu-west-1".into())],
        "aws.account_id" => vec![|r| r.aws.account_id = Some("210987654321".into())],
        "aws.kms_key_id" => vec![|r| r.aws.kms_key_id = Some("alias/secrets".into())],
        "azure.vault_name" => vec![|r| r.azure.vault_name = Some("kv-other".into())],
        "azure.tenant_id" => vec![|r| r.azure.tenant_id = Some("11111111-1111-1111-1111-111111111111".into())],
        "azure.subscription_id" => vec![|r| r.azure.subscription_id = Some("22222222-2222-2222-2222-222222222222".into())],
        "azure.resource_group" => vec![|r| r.azure.resource_group = Some("rg-other".into())],
        "azure.identity_client_id" => {
            vec![|r| r.azure.identity_client_id = Some("66666666-6666-4666-8666-666666666666".into())]
        }
        "azure.identity_principal_id" => {
            vec![|r| r.azure.identity_principal_id = Some("77777777-7777-4777-8777-777777777777".into())]
        }
        "azure.deployer_principal_id" => {
            vec![|r| r.azure.deployer_principal_id = Some("88888888-8888-4888-8888-888888888888".into())]
        }
        "gcp.project_id" => vec![|r| r.gcp.project_id = Some("other-project".into())],
        "gcp.project_number" => vec![|r| r.gcp.project_number = Some("210987654321".into())],
        "gcp.location" => vec![|r| r.gcp.location = Some("europe-west1".into())],
        "gcp.writers" => vec![|r| r.gcp.writers = Some("group:other-writers@example.org".into())],
        "database.engine" => vec![|r| r.database.engine = Some(DbEngine::Mysql), |r| {
            r.database.engine = Some(DbEngine::Mongodb)
        }],
        "database.host" => vec![|r| r.database.host = Some("db2.example.com".into())],
        "database.port" => vec![|r| r.database.port = Some(6543)],
        "database.database_name" => vec![|r| r.database.database_name = Some("otherdb".into())],
        "kubernetes.namespace" => vec![|r| r.kubernetes.namespace = Some(DnsLabel::parse("other", 63).unwrap())],
        "kubernetes.service_account" => vec![|r| r.kubernetes.service_account = Some("other-sa".into())],
        "kubernetes.store_kind" => vec![|r| r.kubernetes.store_kind = Some(StoreKind::ClusterSecretStore), |r| {
            r.kubernetes.store_kind = Some(StoreKind::SecretStore)
        }],
        "kubernetes.refresh_interval" => vec![|r| r.kubernetes.refresh_interval = Some(Duration::from_secs(7 * 60))],
        "kubernetes.cluster_name" => vec![|r| r.kubernetes.cluster_name = Some("other-cluster".into())],
        "kubernetes.oidc_issuer" => {
            vec![|r| r.kubernetes.oidc_issuer = Some("https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF".into())]
        }
        "cicd.platform" => vec![|r| r.cicd.platform = Some(CicdPlatform::GitlabCi), |r| {
            r.cicd.platform = Some(CicdPlatform::Jenkins)
        }],
        "cicd.repository" => vec![|r| r.cicd.repository = Some("other-org/other-repo".into())],
        "cicd.branch" => vec![|r| r.cicd.branch = Some("release".into())],
        "cicd.oidc_issuer" => vec![|r| r.cicd.oidc_issuer = Some("https://ci.example.org/oidc".into())],
        "cicd.owner_id" => vec![|r| r.cicd.owner_id = Some("24680".into())],
        "cicd.repository_id" => vec![|r| r.cicd.repository_id = Some("13579".into())],
        "cicd.classic_subject" => vec![|r| r.cicd.classic_subject = Some(true)],
        "cicd.principal_id" => vec![|r| r.cicd.principal_id = Some("44444444-4444-4444-8444-444444444444".into())],
        "cicd.rotator_principal_id" => {
            vec![|r| r.cicd.rotator_principal_id = Some("55555555-5555-4555-8555-555555555555".into())]
        }
        "certificate.common_name" => vec![|r| r.certificate.common_name = Some("other.example.com".into())],
        "certificate.alt_names" => vec![|r| r.certificate.alt_names = Some(vec!["alt.example.com".into()])],
        "certificate.ttl" => vec![|r| r.certificate.ttl = Some(Duration::from_secs(30 * 86_400))],
        "api_key.issuer" => vec![|r| r.api_key.issuer = Some(secretsint::planner::ApiKeyIssuer::SelfIssued)],
        // Each backend's own hook shape: a Lambda ARN on AWS, an https endpoint elsewhere.
        "api_key.issuer_hook" => vec![|r| {
            r.api_key.issuer_hook = Some(match r.backend {
                secretsint::planner::Backend::AwsSecrets => "arn:aws:lambda:us-east-1:123456789012:function:mint-key".into(),
                _ => "https://keys.example.com/mint".into(),
            })
        }],
        other => panic!("{other} has no other value here: add one"),
    }
}

fn artifacts(p: &secretsint::planner::Plan) -> String {
    format!(
        "{:?}",
        (
            &p.secrets_config,
            &p.access_policies,
            &p.integration_code,
            &p.rotation_scripts,
            &p.deployment_manifests,
            &p.decisions,
            &p.platform_files
        )
    )
}

/// `planner::effect::USES` says which combinations read each argument; the planner must agree:
/// some other value changes an artifact exactly where the table says the argument is used.
#[test]
fn the_effect_table_matches_what_the_planner_reads() {
    use secretsint::planner::effect::{Combo, USES};
    use secretsint::planner::{Choice, CicdPlatform, Target};
    let mut wrong = Vec::new();
    for u in USES {
        let field = match u.block {
            Some(b) => format!("{b}.{}", u.attr),
            None => u.attr.to_string(),
        };
        let with_platforms = all_requests().into_iter().flat_map(|r| {
            let platforms: Vec<Option<CicdPlatform>> = match r.target {
                Target::Cicd => CicdPlatform::ALL.iter().copied().map(Some).collect(),
                _ => vec![None],
            };
            platforms.into_iter().map(move |p| {
                let mut r = r.clone();
                r.cicd.platform = p;
                r
            })
        });
        for base in with_platforms {
            let combo = Combo {
                backend: base.backend,
                target: base.target,
                rotation: base.rotation,
                credential: base.credential.unwrap(),
                platform: base.cicd.platform.unwrap_or(CicdPlatform::GithubActions),
            };
            let before = artifacts(&secretsint::planner::plan(&base));
            let changed = other_values(&field).into_iter().any(|edit| {
                let mut r = base.clone();
                edit(&mut r);
                artifacts(&secretsint::planner::plan(&r)) != before
            });
            if changed != (u.used)(combo) {
                wrong.push(format!(
                    "{field} on {combo:?}: the planner {} it",
                    if changed { "reads" } else { "ignores" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} disagreements:\n{}", wrong.len(), wrong.join("\n"));
}

/// Every optional argument of the schema is in the table, or read by every combination.
#[test]
fn the_effect_table_covers_every_optional_argument() {
    use secretsint::planner::effect::USES;
    const EVERYWHERE: [&str; 5] = ["name", "environment", "languages", "timestamp", "include"];
    let schema = provider::schema::plan();
    let mut args: Vec<String> = schema
        .block
        .attributes
        .iter()
        .filter(|a| a.optional && !EVERYWHERE.contains(&a.name.as_str()) && a.name != "credential_type")
        .map(|a| a.name.clone())
        .collect();
    for b in &schema.block.blocks {
        args.extend(b.block.attributes.iter().map(|a| format!("{}.{}", b.type_name, a.name)));
    }
    let table: Vec<String> = USES
        .iter()
        .map(|u| match u.block {
            Some(b) => format!("{b}.{}", u.attr),
            None => u.attr.to_string(),
        })
        .collect();
    args.sort();
    let mut sorted = table.clone();
    sorted.sort();
    assert_eq!(args, sorted);
}

#[test]
fn blocks_and_arguments_with_no_effect_warn_and_fail_under_strict() {
    // An aws block on a Vault plan: one warning on the block, none on its arguments.
    let config = with("aws.region", s("eu-west-1"));
    let d = validate(&config);
    assert_eq!(
        only(&d, Severity::Warning, "aws"),
        (
            "Block Has No Effect".to_string(),
            "The block aws has no effect on this plan (secrets_backend \"vault\", integration_target \"kubernetes\", rotation_policy \"dynamic\", credential_type \"database\"): it is used only when secrets_backend = \"aws-secrets\". Remove it, or change the choice it belongs to; with strict = true this is an error.".to_string()
        )
    );
    assert!(!d.iter().any(|x| x.path.as_ref() == Some(&path("aws.region"))));
    let strict = provider::validate(
        &config,
        &ProviderConfig {
            strict: true,
            ..Default::default()
        },
    );
    assert_eq!(only(&strict, Severity::Error, "aws").0, "Block Has No Effect");

    // A used block with one argument this combination ignores: the argument is named.
    let mut cert = with("certificate.alt_names", Value::List(vec![s("alt.example.com")]));
    if let Value::Map(m) = &mut cert {
        m.insert("credential_type".into(), s("certificate"));
        m.insert("rotation_policy".into(), s("manual"));
        m.insert("database".into(), Value::Null);
        m.insert("rotation_period".into(), Value::Null);
    }
    let d = validate(&cert);
    let (summary, detail) = only(&d, Severity::Warning, "certificate.alt_names");
    assert_eq!(summary, "Argument Has No Effect");
    assert!(detail.starts_with("The argument certificate.alt_names has no effect on this plan (secrets_backend \"vault\", integration_target \"kubernetes\", rotation_policy \"manual\", credential_type \"certificate\")"), "{detail}");

    // rotation_period on a manual plan; nothing for arguments the combination reads.
    let mut manual = with("rotation_policy", s("manual"));
    if let Value::Map(m) = &mut manual {
        m.insert("rotation_period".into(), s("30d"));
    }
    assert_eq!(
        only(&validate(&manual), Severity::Warning, "rotation_period").0,
        "Argument Has No Effect"
    );
    let d = validate(&vault_k8s_dynamic_db());
    assert!(!d.iter().any(|x| x.summary.ends_with("Has No Effect")), "{d:?}");
}

fn certificate_plan(backend: &str, alt_names: &[&str]) -> Value {
    let mut c = with("certificate.alt_names", Value::List(alt_names.iter().map(|n| s(n)).collect()));
    if let Value::Map(m) = &mut c {
        m.insert("secrets_backend".into(), s(backend));
        m.insert("credential_type".into(), s("certificate"));
        m.insert("rotation_policy".into(), s("automatic"));
        m.insert("rotation_period".into(), Value::Null);
        m.insert("database".into(), Value::Null);
    }
    c
}

#[test]
fn alt_names_take_dns_names_wildcards_and_ip_addresses() {
    let d = validate(&certificate_plan("vault", &["*.orders.example.com", "10.0.0.1", "2001:db8::1"]));
    assert!(!d.has_errors(), "{d:?}");
    let d = validate(&certificate_plan("vault", &["orders.example.com", "10.0.0.999"]));
    assert_eq!(
        only(&d, Severity::Error, "certificate.alt_names.1").1,
        "certificate.alt_names[1]: \"10.0.0.999\" is not a DNS name for a certificate: use lowercase labels of letters, digits and inner '-' (at most 63 each, 253 in all) whose last label is not all digits (IP addresses are not DNS names), optionally after one leading \"*.\"; or write an IP address, such as \"10.0.0.1\" or \"2001:db8::1\"."
    );
    // Key Vault certificate policies have no IP SANs: refused on the attribute, never dropped.
    let d = validate(&certificate_plan("azure-keyvault", &["api.example.com", "10.0.0.1"]));
    assert_eq!(
        only(&d, Severity::Error, "certificate.alt_names"),
        (
            "IP Address Not Supported By Key Vault".to_string(),
            "certificate.alt_names lists 10.0.0.1, but an Azure Key Vault certificate policy takes only DNS names, e-mail addresses and user principal names as alternative names. Remove the IP address, or issue this certificate through Vault PKI or GCP Certificate Authority Service.".to_string()
        )
    );
}

/// The names a plan issues follow the alt names: the PKI role, cert-manager's Certificate and
/// every issue request carry the wildcard and the IP addresses, and nothing else widens.
#[test]
fn the_planned_certificate_carries_every_alternative_name() {
    use secretsint::planner::{plan, Backend, CicdPlatform, CredentialType, Request, Rotation, Target};
    let names = ["*.orders.example.com", "10.0.0.1", "2001:DB8::1"].map(String::from).to_vec();
    let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Automatic);
    req.credential = Some(CredentialType::Certificate);
    req.certificate.alt_names = Some(
        names
            .iter()
            .map(|n| secretsint::planner::shape::subject_alt_name(n).unwrap())
            .collect(),
    );
    let files = plan(&req).workload_files();
    let cert = &files["kubernetes/certificate.yaml"];
    assert!(
        cert.contains(
            "dnsNames:\n  - app.prod.example.com\n  - \"*.orders.example.com\"\n  ipAddresses:\n  - \"10.0.0.1\"\n  - 2001:db8::1\n"
        ),
        "{cert}"
    );
    let tf = &files["terraform/vault.tf"];
    for line in [
        "allow_glob_domains          = true",
        "allow_wildcard_certificates = true",
        "allow_ip_sans               = true",
    ] {
        assert!(tf.contains(line), "{line} in {tf}");
    }
    req.target = Target::Cicd;
    req.cicd.platform = Some(CicdPlatform::GitlabCi);
    let job = &plan(&req).workload_files()[".gitlab-ci.yml"];
    assert!(
        job.contains(r#"\"alt_names\":\"*.orders.example.com\",\"ip_sans\":\"10.0.0.1,2001:db8::1\""#),
        "{job}"
    );
    // Without alt names the role stays as narrow as before.
    req.certificate.alt_names = None;
    let tf = &plan(&req).workload_files()["terraform/vault.tf"];
    assert!(
        tf.contains("allow_ip_sans               = false") && tf.contains("allow_glob_domains          = false"),
        "{tf}"
    );
}

/// Every argument that replaces a placeholder, set to a real-looking value.
fn everything_real(r: &mut secretsint::planner::Request) {
    r.vault.address = Some("https://vault.acme.test:8200".into());
    r.aws.account_id = Some("210987654321".into());
    r.azure.vault_name = Some("kv-acme-prod".into());
    r.azure.tenant_id = Some("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f".into());
    r.azure.subscription_id = Some("7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d".into());
    r.azure.identity_client_id = Some("4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a".into());
    r.azure.identity_principal_id = Some("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b".into());
    r.azure.deployer_principal_id = Some("6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c".into());
    r.gcp.project_id = Some("acme-prod".into());
    r.gcp.project_number = Some("210987654321".into());
    r.gcp.writers = Some("group:orders-writers@acme.test".into());
    r.database.host = Some("orders-db.acme.test".into());
    r.kubernetes.cluster_name = Some("acme-prod".into());
    r.kubernetes.oidc_issuer = Some("https://oidc.eks.us-east-1.amazonaws.com/id/5C8F0D2A9B7E4F1C3A6D8B0E2F4A6C8E".into());
    r.cicd.repository = Some("acme/orders".into());
    r.cicd.owner_id = Some("8675309".into());
    r.cicd.repository_id = Some("31337001".into());
    r.cicd.oidc_issuer = Some(match r.cicd.platform {
        Some(secretsint::planner::CicdPlatform::Jenkins) => "https://ci.acme.test/oidc".into(),
        _ => "https://vstoken.dev.azure.com/1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a".into(),
    });
    r.cicd.principal_id = Some("2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e".into());
    r.cicd.rotator_principal_id = Some("3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f".into());
    r.certificate.common_name = Some("orders.acme.test".into());
}

/// What stands for a value only the user knows, in any artifact.
const MARKERS: [&str; 10] = [
    "example.com",
    "123456789012",
    "123456",
    "456789",
    "00000000-0000-0000-0000-000000000000",
    "00000000-0000-0000-0000-000000000001",
    "EXAMPLE",
    "example-org",
    "example-project",
    "example-cluster",
];

/// Placeholders that no argument replaces, each with where it may stand. The list is the known
/// gap: a new placeholder, or one of these spreading, fails the test.
/// - A Go module path is a name the generated module gives itself, not a value only the user
///   knows: nothing fetches or resolves it, and `example.com/` is the prefix Go's own docs give
///   a module nobody publishes.
/// - The rotation Function's identity is created per secret by the plan's own Terraform, whose
///   role assignments reference its principal_id; only the JSON policy document, which cannot
///   reference, carries the zero GUID. One workload-level argument could not name one identity
///   per secret.
fn known_gap(combo: &str, path: &str, marker: &str, line: &str) -> bool {
    line.contains("module example.com/")
        || (combo.starts_with("azure-keyvault/")
            && marker == "00000000-0000-0000-0000-000000000000"
            && path.starts_with("policies/")
            && path.contains("-rotator-")
            && line.contains("\"principalId\""))
}

/// The placeholders a plan lists are in its artifacts, and with every argument that replaces one
/// set, no placeholder is left anywhere but in the known gap (in any combination and platform).
#[test]
fn every_listed_placeholder_is_real_and_the_arguments_replace_them_all() {
    use secretsint::planner::{plan, Choice, CicdPlatform, Target};
    let mut leaks = Vec::new();
    for base in all_requests() {
        let platforms: Vec<Option<CicdPlatform>> = match base.target {
            Target::Cicd => CicdPlatform::ALL.iter().copied().map(Some).collect(),
            _ => vec![None],
        };
        for platform in platforms {
            let mut r = base.clone();
            r.cicd.platform = platform;
            let combo = format!(
                "{}/{}/{}/{}{}",
                r.backend,
                r.target,
                r.rotation,
                r.credential.unwrap(),
                platform.map_or(String::new(), |p| format!("/{p}"))
            );
            let p = plan(&r);
            let text: String = p.workload_files().into_values().collect::<Vec<_>>().join("\n") + &p.decisions.join("\n");
            for ph in &p.placeholders {
                let bare = ph.value.trim_start_matches("https://");
                assert!(text.contains(bare), "{combo}: listed placeholder {ph:?} is in no artifact");
            }
            everything_real(&mut r);
            let p = plan(&r);
            assert_eq!(p.placeholders, vec![], "{combo}");
            for (path, content) in p.workload_files() {
                for line in content.lines() {
                    for marker in MARKERS.iter().filter(|m| line.contains(*m)) {
                        if !known_gap(&combo, &path, marker, line) {
                            leaks.push(format!("{combo} {path}: {marker} in {}", line.trim()));
                        }
                    }
                }
            }
        }
    }
    leaks.sort();
    leaks.dedup();
    assert!(
        leaks.is_empty(),
        "{} placeholders no argument replaces:\n{}",
        leaks.len(),
        leaks[..leaks.len().min(40)].join("\n")
    );
}

#[test]
fn placeholders_are_listed_with_their_argument_and_strict_refuses_them() {
    let (state, d) = provider::read(&vault_k8s_dynamic_db(), &ProviderConfig::default());
    assert!(!d.has_errors(), "{d:?}");
    let listed: Vec<(String, String)> = match state.get("placeholders") {
        Value::List(items) => items
            .iter()
            .map(|p| {
                (
                    p.get("argument").as_str().unwrap().to_string(),
                    p.get("value").as_str().unwrap().to_string(),
                )
            })
            .collect(),
        other => panic!("placeholders is a list: {other:?}"),
    };
    assert_eq!(
        listed,
        [
            ("vault.address".to_string(), "https://vault.example.com:8200".to_string()),
            ("database.host".to_string(), "db.example.com".to_string()),
        ]
    );
    let strict = ProviderConfig {
        strict: true,
        ..Default::default()
    };
    let d = provider::validate(&vault_k8s_dynamic_db(), &strict);
    assert_eq!(
        only(&d, Severity::Error, "vault.address"),
        (
            "Placeholder Left In Plan".to_string(),
            "vault.address is unset, so the plan carries the placeholder \"https://vault.example.com:8200\" in its place. With strict = true every placeholder is an error: set vault.address to the real value.".to_string()
        )
    );
    // Set, they are gone: from the list and from strict's errors.
    let mut real = with("vault.address", s("https://vault.acme.test:8200"));
    if let Value::Map(m) = &mut real {
        let mut db = match m.get("database") {
            Some(Value::Map(db)) => db.clone(),
            _ => Default::default(),
        };
        db.insert("host".into(), s("orders-db.acme.test"));
        m.insert("database".into(), Value::Map(db));
    }
    let (state, _) = provider::read(&real, &ProviderConfig::default());
    assert_eq!(state.get("placeholders"), &Value::List(vec![]));
    assert!(!provider::validate(&real, &strict).has_errors());
}

/// `validate` runs `planner::check`, not the planner: its errors must be exactly the errors a plan
/// of the same request raises, on every combination and CI platform, with the arguments that
/// make a backend's own limits bite (refresh intervals against the rotation, short certificate
/// lifetimes, IP alternative names, short and long rotation periods).
#[test]
fn the_checks_alone_find_every_error_the_plan_finds() {
    use secretsint::planner::duration::Duration;
    use secretsint::planner::{check, plan, Finding, FindingKind, Request};
    let d = |text: &str| Some(Duration::parse(text).unwrap());
    type Edit = Box<dyn Fn(&mut Request)>;
    let variants: Vec<(&str, Edit)> = vec![
        ("as given", Box::new(|_: &mut Request| {})),
        (
            "refresh 1m",
            Box::new(move |r: &mut Request| r.kubernetes.refresh_interval = d("1m")),
        ),
        (
            "refresh 48h",
            Box::new(move |r: &mut Request| r.kubernetes.refresh_interval = d("48h")),
        ),
        (
            "refresh 200d",
            Box::new(move |r: &mut Request| r.kubernetes.refresh_interval = d("200d")),
        ),
        ("period 1h", Box::new(move |r: &mut Request| r.rotation_period = d("1h"))),
        ("period 30d", Box::new(move |r: &mut Request| r.rotation_period = d("30d"))),
        (
            "short certificate with an IP",
            Box::new(move |r: &mut Request| {
                r.certificate.ttl = d("30m");
                r.certificate.alt_names = Some(vec!["orders.example.com".into(), "10.0.0.1".into()]);
            }),
        ),
    ];
    let errors = |findings: &[Finding]| {
        let mut out: Vec<String> = findings
            .iter()
            .filter(|f| f.kind == FindingKind::Error)
            .map(|f| format!("{}: {} ({})", f.field.join("."), f.summary, f.detail))
            .collect();
        out.sort();
        out
    };
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for (case, base) in every_request_on_every_platform() {
        for (variant, edit) in &variants {
            let mut req = base.clone();
            edit(&mut req);
            let findings = plan(&req).findings;
            assert_eq!(errors(&check(&req).findings), errors(&findings), "{case}, {variant}");
            for f in findings.iter().filter(|f| f.kind == FindingKind::Error) {
                *seen.entry(f.summary.clone()).or_default() += 1;
            }
        }
    }
    // The variants reach every error a backend raises while planning, or the comparison would
    // prove nothing about them.
    for summary in [
        "Refresh Interval Not Below Rotation Period",
        "Refresh Interval Not Below Credential TTL",
        "Certificate Lifetime Too Short For Secret Manager Rotation",
        "IP Address Not Supported By Key Vault",
    ] {
        assert!(seen.get(summary).is_some_and(|n| *n > 0), "no request raised {summary:?}: {seen:?}");
    }
}

/// The arguments that replace the Azure identities' and the GCP writers' placeholders take only
/// their own shape, and the diagnostic names it on the attribute.
#[test]
fn identity_and_writer_arguments_name_their_shape() {
    let cases = [
        (
            "azure.identity_client_id",
            "id-prod--app",
            "azure.identity_client_id: \"id-prod--app\" is not a client ID: write a GUID like \"00000000-0000-0000-0000-000000000000\".",
        ),
        (
            "azure.identity_principal_id",
            "6f7a8b9c0d1e4f2a9b3c4d5e6f7a8b9c",
            "azure.identity_principal_id: \"6f7a8b9c0d1e4f2a9b3c4d5e6f7a8b9c\" is not an object ID: write a GUID like \"00000000-0000-0000-0000-000000000000\".",
        ),
        (
            "azure.deployer_principal_id",
            "terraform@acme.test",
            "azure.deployer_principal_id: \"terraform@acme.test\" is not an object ID: write a GUID like \"00000000-0000-0000-0000-000000000000\".",
        ),
        (
            "gcp.writers",
            "orders-writers@acme.test",
            "gcp.writers: \"orders-writers@acme.test\" is not an IAM member: write group:<email>, user:<email> or serviceAccount:<email>, like \"group:orders-writers@acme.com\".",
        ),
        (
            "gcp.writers",
            "group:orders-writers",
            "gcp.writers: \"group:orders-writers\" is not an IAM member: write group:<email>, user:<email> or serviceAccount:<email>, like \"group:orders-writers@acme.com\".",
        ),
    ];
    for (at, given, detail) in cases {
        let d = validate(&with(at, s(given)));
        assert_eq!(
            only(&d, Severity::Error, at),
            ("Invalid Attribute Value".to_string(), detail.to_string())
        );
    }
    for (at, good) in [
        ("gcp.writers", "group:orders-writers@acme.test"),
        ("gcp.writers", "user:ops.lead+secrets@acme.test"),
        ("gcp.writers", "serviceAccount:writer@acme-prod.iam.gserviceaccount.com"),
        ("azure.identity_client_id", "4D5E6F7A-8B9C-4D0E-9F1A-2B3C4D5E6F7A"),
    ] {
        let d = validate(&with(at, s(good)));
        assert!(!d.has_errors(), "{at} = {good}: {d:?}");
    }
}

/// An Azure plan lists its identities' IDs and a manual GCP plan its writers as placeholders
/// with the arguments that set them; strict refuses them; set, they are gone.
#[test]
fn identity_and_writer_placeholders_are_listed_and_strict_refuses_them() {
    let listed = |config: &Value| -> Vec<String> {
        let (state, d) = provider::read(config, &ProviderConfig::default());
        assert!(!d.has_errors(), "{d:?}");
        match state.get("placeholders") {
            Value::List(items) => items.iter().map(|p| p.get("argument").as_str().unwrap().to_string()).collect(),
            other => panic!("placeholders is a list: {other:?}"),
        }
    };
    let strict = ProviderConfig {
        strict: true,
        ..Default::default()
    };
    let azure = config(&[
        ("secrets_backend", s("azure-keyvault")),
        ("integration_target", s("kubernetes")),
        ("rotation_policy", s("manual")),
        ("credential_type", s("generic")),
    ]);
    let args = listed(&azure);
    for arg in [
        "azure.identity_client_id",
        "azure.identity_principal_id",
        "azure.deployer_principal_id",
    ] {
        assert!(args.contains(&arg.to_string()), "{arg} in {args:?}");
    }
    assert_eq!(
        only(&provider::validate(&azure, &strict), Severity::Error, "azure.deployer_principal_id"),
        (
            "Placeholder Left In Plan".to_string(),
            "azure.deployer_principal_id is unset, so the plan carries the placeholder \"00000000-0000-0000-0000-000000000000\" in its place. With strict = true every placeholder is an error: set azure.deployer_principal_id to the real value.".to_string()
        )
    );
    let mut set = azure.clone();
    if let Value::Map(m) = &mut set {
        m.insert(
            "azure".into(),
            Value::object([
                ("identity_client_id".to_string(), s("4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a")),
                ("identity_principal_id".to_string(), s("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b")),
                ("deployer_principal_id".to_string(), s("6f7a8b9c-0d1e-4f2a-9b3c-4d5e6f7a8b9c")),
            ]),
        );
    }
    let args = listed(&set);
    for arg in [
        "azure.identity_client_id",
        "azure.identity_principal_id",
        "azure.deployer_principal_id",
    ] {
        assert!(!args.contains(&arg.to_string()), "{arg} set, yet listed in {args:?}");
    }
    let gcp = config(&[
        ("secrets_backend", s("gcp-secretmanager")),
        ("integration_target", s("application")),
        ("rotation_policy", s("manual")),
        ("credential_type", s("api-key")),
    ]);
    assert!(listed(&gcp).contains(&"gcp.writers".to_string()));
    assert_eq!(
        only(&provider::validate(&gcp, &strict), Severity::Error, "gcp.writers"),
        (
            "Placeholder Left In Plan".to_string(),
            "gcp.writers is unset, so the plan carries the placeholder \"group:prod--app-secret-writers@example.com\" in its place. With strict = true every placeholder is an error: set gcp.writers to the real value.".to_string()
        )
    );
}
