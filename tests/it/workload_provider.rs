//! `secretsint_workload` through the provider: tfplugin6 and tfplugin5 in process (the same
//! state bytes, diagnostics on `secret["LABEL"].…`, unknowns), and one module on real Terraform.

use secretsint::proto::{tfplugin5 as p5, tfplugin6 as p6};
use secretsint::provider::DataSource;
use secretsint::tf::{msgpack, Value};
use tonic::transport::Channel;

use crate::support::*;

const WORKLOAD: &str = "secretsint_workload";

fn encode_as(data_source: DataSource, v: &Value) -> Vec<u8> {
    msgpack::encode(v, data_source.implied_type())
}

fn decode_as(data_source: DataSource, bytes: &[u8]) -> Value {
    msgpack::decode(bytes, data_source.implied_type()).expect("state decodes")
}

fn secret(credential: &str, rotation: &str, more: &[(&str, Value)]) -> Value {
    let mut pairs = vec![("credential_type", s(credential)), ("rotation_policy", s(rotation))];
    pairs.extend(more.iter().cloned());
    config(&pairs)
}

/// The three secrets of the contract's example: db, stripe and tls.
fn three_secrets() -> Value {
    config(&[
        (
            "db",
            secret(
                "database",
                "dynamic",
                &[("rotation_period", s("1h")), ("database", config(&[("engine", s("postgresql"))]))],
            ),
        ),
        ("stripe", secret("api-key", "manual", &[])),
        (
            "tls",
            secret(
                "certificate",
                "automatic",
                &[("certificate", config(&[("common_name", s("orders.internal"))]))],
            ),
        ),
    ])
}

fn workload(secrets: Value) -> Value {
    config(&[
        ("secrets_backend", s("vault")),
        ("integration_target", s("application")),
        ("name", s("orders")),
        ("vault", config(&[("address", s("https://vault.example.com:8200"))])),
        ("secret", secrets),
    ])
}

struct Clients {
    c6: p6::provider_client::ProviderClient<Channel>,
    c5: p5::provider_client::ProviderClient<Channel>,
}

impl Clients {
    fn new(h: &InProcess) -> Clients {
        Clients {
            c6: p6::provider_client::ProviderClient::new(h.channel.clone()),
            c5: p5::provider_client::ProviderClient::new(h.channel.clone()),
        }
    }

    /// Reads `type_name` on protocol 6 and 5: (state, diagnostics) of each, diagnostics as
    /// (severity, rendered path, summary, detail).
    async fn read(&mut self, type_name: &str, data_source: DataSource, config: &Value) -> [(Option<Vec<u8>>, Vec<Diag>); 2] {
        let msgpack = encode_as(data_source, config);
        let r6 = self
            .c6
            .read_data_source(p6::read_data_source::Request {
                type_name: type_name.into(),
                config: Some(p6::DynamicValue {
                    msgpack: msgpack.clone(),
                    json: vec![],
                }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let r5 = self
            .c5
            .read_data_source(p5::read_data_source::Request {
                type_name: type_name.into(),
                config: Some(p5::DynamicValue { msgpack, json: vec![] }),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        [
            (r6.state.map(|s| s.msgpack), r6.diagnostics.iter().map(Diag::from6).collect()),
            (r5.state.map(|s| s.msgpack), r5.diagnostics.iter().map(Diag::from5).collect()),
        ]
    }

    /// ValidateDataResourceConfig on protocol 6 and 5; the two must agree.
    async fn validate(&mut self, config: &Value) -> Vec<Diag> {
        let msgpack = encode_as(DataSource::Workload, config);
        let r6 = self
            .c6
            .validate_data_resource_config(p6::validate_data_resource_config::Request {
                type_name: WORKLOAD.into(),
                config: Some(p6::DynamicValue {
                    msgpack: msgpack.clone(),
                    json: vec![],
                }),
            })
            .await
            .unwrap()
            .into_inner();
        let r5 = self
            .c5
            .validate_data_source_config(p5::validate_data_source_config::Request {
                type_name: WORKLOAD.into(),
                config: Some(p5::DynamicValue { msgpack, json: vec![] }),
            })
            .await
            .unwrap()
            .into_inner();
        let d6: Vec<Diag> = r6.diagnostics.iter().map(Diag::from6).collect();
        let d5: Vec<Diag> = r5.diagnostics.iter().map(Diag::from5).collect();
        assert_eq!(d6, d5, "both protocols report the same");
        d6
    }
}

#[derive(Debug, PartialEq)]
struct Diag {
    error: bool,
    path: String,
    summary: String,
    detail: String,
}

impl Diag {
    fn from6(d: &p6::Diagnostic) -> Diag {
        use p6::attribute_path::step::Selector;
        let path = d.attribute.iter().flat_map(|p| p.steps.iter()).map(|s| match &s.selector {
            Some(Selector::AttributeName(n)) => format!(".{n}"),
            Some(Selector::ElementKeyString(k)) => format!("[{k:?}]"),
            Some(Selector::ElementKeyInt(i)) => format!("[{i}]"),
            None => "?".into(),
        });
        Diag {
            error: d.severity == p6::diagnostic::Severity::Error as i32,
            path: path.collect::<String>().trim_start_matches('.').to_string(),
            summary: d.summary.clone(),
            detail: d.detail.clone(),
        }
    }

    fn from5(d: &p5::Diagnostic) -> Diag {
        use p5::attribute_path::step::Selector;
        let path = d.attribute.iter().flat_map(|p| p.steps.iter()).map(|s| match &s.selector {
            Some(Selector::AttributeName(n)) => format!(".{n}"),
            Some(Selector::ElementKeyString(k)) => format!("[{k:?}]"),
            Some(Selector::ElementKeyInt(i)) => format!("[{i}]"),
            None => "?".into(),
        });
        Diag {
            error: d.severity == p5::diagnostic::Severity::Error as i32,
            path: path.collect::<String>().trim_start_matches('.').to_string(),
            summary: d.summary.clone(),
            detail: d.detail.clone(),
        }
    }
}

fn errors(diags: &[Diag]) -> Vec<&Diag> {
    diags.iter().filter(|d| d.error).collect()
}

fn keys(v: &Value) -> Vec<String> {
    match v {
        Value::Map(m) => m.keys().cloned().collect(),
        other => panic!("not a map: {other:?}"),
    }
}

#[tokio::test]
async fn a_three_secret_workload_reads_to_the_same_bytes_on_both_protocols() {
    let h = InProcess::start().await;
    let mut c = Clients::new(&h);
    let config = workload(three_secrets());
    let [(s6, d6), (s5, d5)] = c.read(WORKLOAD, DataSource::Workload, &config).await;
    assert!(errors(&d6).is_empty(), "{d6:?}");
    assert_eq!(d6, d5);
    let (s6, s5) = (s6.expect("v6 state"), s5.expect("v5 state"));
    assert_eq!(s6, s5, "the same state bytes on protocols 6 and 5");
    let [(again, _), _] = c.read(WORKLOAD, DataSource::Workload, &config).await;
    assert_eq!(again.as_ref(), Some(&s6), "a second read is byte-identical");

    let state = decode_as(DataSource::Workload, &s6);
    assert_eq!(keys(state.get("secrets")), ["db", "stripe", "tls"]);
    assert_eq!(
        state.get("secrets").get("db").get("secret_path").as_str(),
        Some("database/creds/prod--orders--db")
    );
    let tls = state.get("secrets").get("tls");
    assert!(
        tls.get("secrets_config").get("config_file").as_str().is_some(),
        "a workload keeps each secret's config"
    );
    assert!(tls.get("rotation_scripts").get("rotation_logic").as_str().is_some());
    let identity = state.get("identity");
    assert_eq!(identity.get("kind").as_str(), Some("vault-approle"));
    assert_eq!(identity.get("name").as_str(), Some("prod--orders"));
    assert_eq!(identity.get("fields").get("auth_mount").as_str(), Some("approle"));

    let Value::List(policies) = state.get("access_policies") else {
        panic!("access_policies is a list")
    };
    let attach: Vec<(&str, &str, &str)> = policies
        .iter()
        .map(|p| {
            (
                p.get("policy_name").as_str().unwrap(),
                p.get("secret").as_str().unwrap(),
                p.get("attach_to").as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        attach,
        [
            ("prod--orders--db-db-creds", "db", "workload"),
            ("prod--orders--stripe-kv-read", "stripe", "workload"),
            ("prod--orders--stripe-kv-write", "stripe", "writer"),
            ("prod--orders--tls-pki-issue", "tls", "workload"),
        ]
    );
    // Lean by default: files holds only what no other attribute holds, contract_json nothing.
    assert_eq!(state.get("contract_json"), &Value::Null);
    assert!(keys(state.get("files")).iter().all(|k| k.starts_with("prod--orders/code/")));
    assert!(state.get("id").as_str().is_some_and(|id| id.len() == 64));

    // Asked for, the copies are there, and the id does not change.
    let mut full = config.clone();
    if let Value::Map(m) = &mut full {
        m.insert("include".into(), Value::List(vec![s("contract_json"), s("files")]));
    }
    let [(s6, d6), (s5, _)] = c.read(WORKLOAD, DataSource::Workload, &full).await;
    assert!(errors(&d6).is_empty(), "{d6:?}");
    assert_eq!(s6, s5);
    let full_state = decode_as(DataSource::Workload, &s6.unwrap());
    assert_eq!(full_state.get("id"), state.get("id"));
    assert!(keys(full_state.get("files")).contains(&"prod--orders/secrets/db/config/backend.hcl".to_string()));
    let contract: serde_json::Value = serde_json::from_str(full_state.get("contract_json").as_str().unwrap()).unwrap();
    let top: Vec<&str> = contract.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(&top[..2], ["secrets_backend", "integration_target"]);
    assert!(!top.contains(&"credential_type") && !top.contains(&"secrets_config"), "{top:?}");
    assert_eq!(contract["secret"]["db"]["rotation_policy"], "dynamic");
    assert_eq!(contract["secrets"]["stripe"]["secret_path"], "secret/data/prod/orders/stripe");
    assert_eq!(contract["identity"]["name"], "prod--orders");
}

#[tokio::test]
async fn a_bad_rotation_policy_is_reported_on_its_secret_block_with_the_allowed_values() {
    let h = InProcess::start().await;
    let mut c = Clients::new(&h);
    let mut secrets = three_secrets();
    if let Value::Map(m) = &mut secrets {
        m.insert("db".into(), secret("database", "weekly", &[]));
        m.insert("tls".into(), secret("certificat", "automatic", &[]));
    }
    let diags = c.validate(&workload(secrets.clone())).await;
    let errs = errors(&diags);
    let paths: Vec<&str> = errs.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        ["secret[\"db\"].rotation_policy", "secret[\"tls\"].credential_type"],
        "{diags:?}"
    );
    assert_eq!(errs[0].summary, "Invalid Rotation Policy");
    assert!(
        errs[0].detail.contains("\"weekly\"") && errs[0].detail.contains("\"manual\", \"automatic\" or \"dynamic\""),
        "{}",
        errs[0].detail
    );
    assert!(errs[1].detail.contains("Did you mean \"certificate\"?"), "{}", errs[1].detail);

    // A planner finding about one secret's argument lands on that secret's block too.
    let mut secrets = three_secrets();
    if let Value::Map(m) = &mut secrets {
        m.insert("db".into(), secret("database", "dynamic", &[("rotation_period", s("30d"))]));
    }
    let diags = c.validate(&workload(secrets)).await;
    let errs = errors(&diags);
    assert_eq!(errs.len(), 1, "{diags:?}");
    assert_eq!(errs[0].path, "secret[\"db\"].rotation_period");
    let [(state, read), _] = c.read(WORKLOAD, DataSource::Workload, &workload(three_secrets())).await;
    assert!(state.is_some() && errors(&read).is_empty());
}

#[tokio::test]
async fn none_or_more_than_sixteen_secrets_are_refused_on_the_secret_block() {
    let h = InProcess::start().await;
    let mut c = Clients::new(&h);
    let many = Value::object((0..17).map(|i| (format!("s{i}"), secret("generic", "manual", &[]))));
    for (secrets, count) in [(Value::Map(Default::default()), "0"), (Value::Null, "0"), (many, "17")] {
        let diags = c.validate(&workload(secrets.clone())).await;
        let errs = errors(&diags);
        assert_eq!(errs.len(), 1, "{diags:?}");
        assert_eq!(errs[0].path, "secret");
        assert_eq!(errs[0].summary, "Wrong Number Of Secrets");
        assert!(
            errs[0].detail.contains(&format!("declares {count} secret blocks")),
            "{}",
            errs[0].detail
        );
        assert!(errs[0].detail.contains("1 to 16"), "{}", errs[0].detail);
        let [(state, read), (state5, _)] = c.read(WORKLOAD, DataSource::Workload, &workload(secrets)).await;
        assert!(state.is_none() && state5.is_none() && !errors(&read).is_empty());
    }
    let sixteen = Value::object((0..16).map(|i| (format!("s{i}"), secret("generic", "manual", &[]))));
    let diags = c.validate(&workload(sixteen)).await;
    assert!(errors(&diags).is_empty(), "{diags:?}");
}

#[tokio::test]
async fn labels_must_be_dns_labels_without_a_double_hyphen() {
    let h = InProcess::start().await;
    let mut c = Clients::new(&h);
    let long = "a".repeat(41);
    for (label, problem) in [
        ("orders--db", "holds '--'"),
        ("Db", "is not a DNS label"),
        ("db_main", "is not a DNS label"),
        ("-db", "is not a DNS label"),
        (long.as_str(), "is not a DNS label"),
    ] {
        let secrets = Value::object([(label.to_string(), secret("generic", "manual", &[]))]);
        let diags = c.validate(&workload(secrets)).await;
        let errs = errors(&diags);
        assert_eq!(errs.len(), 1, "{label}: {diags:?}");
        assert_eq!(errs[0].path, format!("secret[{label:?}]"));
        assert_eq!(errs[0].summary, "Invalid Secret Label");
        assert!(errs[0].detail.contains(problem), "{label}: {}", errs[0].detail);
    }
    let ok = Value::object([("orders-db2".to_string(), secret("generic", "manual", &[]))]);
    assert!(errors(&c.validate(&workload(ok)).await).is_empty());
}

#[tokio::test]
async fn an_unknown_value_in_one_secret_plans_without_error_and_keeps_the_labels_known() {
    let h = InProcess::start().await;
    let mut c = Clients::new(&h);
    // A free-text argument with stand-ins: only what depends on it is unknown.
    let mut secrets = three_secrets();
    if let Value::Map(m) = &mut secrets {
        m.insert(
            "db".into(),
            secret(
                "database",
                "dynamic",
                &[("database", config(&[("engine", s("postgresql")), ("host", Value::Unknown)]))],
            ),
        );
    }
    let config = workload(secrets);
    assert!(errors(&c.validate(&config).await).is_empty());
    let [(s6, d6), (s5, _)] = c.read(WORKLOAD, DataSource::Workload, &config).await;
    assert!(errors(&d6).is_empty(), "{d6:?}");
    assert_eq!(s6, s5);
    let state = decode_as(DataSource::Workload, &s6.unwrap());
    assert_eq!(keys(state.get("secrets")), ["db", "stripe", "tls"]);
    assert_eq!(
        state.get("secrets").get("stripe").get("secret_path").as_str(),
        Some("secret/data/prod/orders/stripe"),
        "a secret that does not read the host stays known"
    );
    assert!(keys(state.get("files")).iter().all(|k| k.starts_with("prod--orders/")));
    assert_eq!(
        state.get("secret").get("db").get("database").get("host"),
        &Value::Unknown,
        "the argument as given"
    );

    // A choice has no stand-ins: every computed attribute is unknown, but the labels are known.
    let mut secrets = three_secrets();
    if let Value::Map(m) = &mut secrets {
        m.insert("stripe".into(), config_with_unknown_credential());
    }
    let config = workload(secrets);
    assert!(errors(&c.validate(&config).await).is_empty());
    let [(s6, d6), (s5, _)] = c.read(WORKLOAD, DataSource::Workload, &config).await;
    assert!(d6.is_empty(), "{d6:?}");
    assert_eq!(s6, s5);
    let state = decode_as(DataSource::Workload, &s6.unwrap());
    assert_eq!(keys(state.get("secrets")), ["db", "stripe", "tls"]);
    assert!(state.get("secrets").get("db").is_unknown());
    assert!(state.get("access_policies").is_unknown() && state.get("id").is_unknown());
}

fn config_with_unknown_credential() -> Value {
    config(&[("credential_type", Value::Unknown), ("rotation_policy", s("manual"))])
}

#[tokio::test]
async fn secretsint_plan_has_identity_and_one_lean_secret() {
    let h = InProcess::start().await;
    let mut c = Clients::new(&h);
    let plan = config(&[
        ("secrets_backend", s("vault")),
        ("integration_target", s("kubernetes")),
        ("rotation_policy", s("dynamic")),
        ("credential_type", s("database")),
        ("name", s("payments")),
    ]);
    let [(s6, d6), (s5, _)] = c.read("secretsint_plan", DataSource::Plan, &plan).await;
    assert!(errors(&d6).is_empty(), "{d6:?}");
    assert_eq!(s6, s5);
    let state = decode_as(DataSource::Plan, &s6.unwrap());
    assert_eq!(state.get("identity").get("kind").as_str(), Some("vault-kubernetes-role"));
    assert_eq!(state.get("identity").get("name").as_str(), Some("prod--payments"));
    assert_eq!(keys(state.get("secrets")), ["database"]);
    let entry = state.get("secrets").get("database");
    assert_eq!(entry.get("secret_path"), state.get("secrets_config").get("secret_path"));
    assert_eq!(
        entry.get("rotation_scripts").get("schedule"),
        state.get("rotation_scripts").get("schedule")
    );
    // The free texts are held once, by the top-level attributes, unless include asks for copies.
    assert_eq!(entry.get("secrets_config").get("config_file"), &Value::Null);
    assert_eq!(entry.get("rotation_scripts").get("rotation_logic"), &Value::Null);
    assert!(state.get("secrets_config").get("config_file").as_str().is_some());
    let Value::List(policies) = state.get("access_policies") else {
        panic!("a list")
    };
    assert!(policies
        .iter()
        .all(|p| p.get("secret").as_str() == Some("database") || p.get("secret").as_str() == Some("")));
    assert!(policies.iter().any(|p| p.get("attach_to").as_str() == Some("workload")));

    let mut full = plan.clone();
    if let Value::Map(m) = &mut full {
        m.insert("include".into(), Value::List(vec![s("files")]));
    }
    let [(s6, _), _] = c.read("secretsint_plan", DataSource::Plan, &full).await;
    let state = decode_as(DataSource::Plan, &s6.unwrap());
    let entry = state.get("secrets").get("database");
    assert_eq!(entry.get("secrets_config"), state.get("secrets_config"));
    assert_eq!(entry.get("rotation_scripts"), state.get("rotation_scripts"));
}

/// The contract's three secrets in one `secretsint_workload` on real Terraform 1.15.5 (and a
/// plan over protocol 5): it plans without a warning, applies, its outputs read `secrets` by
/// label and `access_policies` by secret, and a second plan shows no changes.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn terraform_plans_a_three_secret_workload_and_then_sees_no_changes() {
    use crate::acceptance::{plugin, protocol5_wrapper, Workspace};
    let module = r#"terraform {
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

data "secretsint_workload" "orders" {
  secrets_backend    = "vault"
  integration_target = "application"
  name               = "orders"

  vault {
    address = "https://vault.example.com:8200"
  }

  secret "db" {
    credential_type = "database"
    rotation_policy = "dynamic"
    rotation_period = "1h"

    database {
      engine = "postgresql"
    }
  }

  secret "stripe" {
    credential_type = "api-key"
    rotation_policy = "manual"
  }

  secret "tls" {
    credential_type = "certificate"
    rotation_policy = "automatic"

    certificate {
      common_name = "orders.internal"
    }
  }
}

output "paths" {
  value = { for label, s in data.secretsint_workload.orders.secrets : label => s.secret_path }
}

output "consumer_policies" {
  value = { for p in data.secretsint_workload.orders.access_policies : p.secret => p.policy_name... if p.attach_to == "workload" }
}

output "identity" {
  value = data.secretsint_workload.orders.identity
}
"#;
    let ws = Workspace::new(module, &plugin());
    ws.ok("1.15.5", &["init", "-input=false", "-no-color"]);
    let plan = ws.ok("1.15.5", &["plan", "-input=false", "-no-color"]);
    assert!(!plan.contains("Warning:"), "{plan}");
    ws.ok("1.15.5", &["apply", "-input=false", "-auto-approve", "-no-color"]);
    let outputs: serde_json::Value = serde_json::from_str(&ws.ok("1.15.5", &["output", "-json"])).unwrap();
    assert_eq!(
        outputs["paths"]["value"],
        serde_json::json!({
            "db": "database/creds/prod--orders--db",
            "stripe": "secret/data/prod/orders/stripe",
            "tls": "pki/issue/prod--orders--tls",
        })
    );
    assert_eq!(
        outputs["consumer_policies"]["value"]["stripe"],
        serde_json::json!(["prod--orders--stripe-kv-read"])
    );
    assert_eq!(outputs["identity"]["value"]["name"], "prod--orders");
    ws.no_changes("1.15.5");

    let ws5 = Workspace::new(module, &protocol5_wrapper(ws.dir.path()));
    ws5.ok("1.15.5", &["init", "-input=false", "-no-color"]);
    ws5.ok("1.15.5", &["apply", "-input=false", "-auto-approve", "-no-color"]);
    let outputs5: serde_json::Value = serde_json::from_str(&ws5.ok("1.15.5", &["output", "-json"])).unwrap();
    assert_eq!(outputs5, outputs, "protocol 5 plans the same");
}
