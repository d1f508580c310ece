//! Malformed and hostile configurations: each is refused with an error on the attribute it
//! concerns, or accepted and then carried through every rendered document intact: re-parsing
//! each YAML, JSON and HCL artifact gives the same tree as a benign value, with the hostile
//! text as an exact string.

use secretsint::provider::{self, ProviderConfig};
use secretsint::tf::{Diagnostics, Number, Path, Step, Value};

use crate::support::*;

/// `attr.sub` → the same attribute path the provider reports.
pub(crate) fn path(dotted: &str) -> Path {
    let mut p = Path::root();
    for part in dotted.split('.') {
        match part.parse::<i64>() {
            Ok(i) => p.push_index(i),
            Err(_) => p.push_attr(part),
        }
    }
    p
}

/// The fully planned combination, with one attribute (possibly inside a block) replaced.
pub(crate) fn with(dotted: &str, v: Value) -> Value {
    let mut root = vault_k8s_dynamic_db();
    set(&mut root, &dotted.split('.').collect::<Vec<_>>(), v);
    root
}

fn set(target: &mut Value, parts: &[&str], v: Value) {
    let Value::Map(m) = target else { panic!("not an object") };
    match parts {
        [last] => {
            m.insert(last.to_string(), v);
        }
        [first, rest @ ..] => {
            let child = m
                .entry(first.to_string())
                .or_insert_with(|| Value::object(Vec::<(String, Value)>::new()));
            if child.is_null() {
                *child = Value::object(Vec::<(String, Value)>::new());
            }
            set(child, rest, v);
        }
        [] => unreachable!(),
    }
}

fn n(i: i64) -> Value {
    Value::Number(Number::from_i64(i))
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|t| s(t)).collect())
}

/// Configurations that must be refused, with the attribute path the error must name.
fn refused() -> Vec<(&'static str, Value, &'static str)> {
    let long = "a".repeat(5000);
    let long_url = format!("https://{}", "v".repeat(3000));
    let mut v = vec![
        // wrong types
        ("backend is a number", with("secrets_backend", n(1)), "secrets_backend"),
        ("name is a bool", with("name", Value::Bool(true)), "name"),
        // '--' joins environment and name in every identifier.
        ("name holds the joiner", with("name", s("eu--payments")), "name"),
        ("environment holds the joiner", with("environment", s("prod--eu")), "environment"),
        (
            "languages element is a number",
            with("languages", Value::List(vec![n(3)])),
            "languages.0",
        ),
        (
            "port is fractional",
            with("database.port", Value::Number(Number::parse("1.5").unwrap())),
            "database.port",
        ),
        ("port is zero", with("database.port", n(0)), "database.port"),
        ("port is negative", with("database.port", n(-1)), "database.port"),
        ("port is too large", with("database.port", n(70000)), "database.port"),
        ("vault.address is a number", with("vault.address", n(8200)), "vault.address"),
        ("missing backend", with("secrets_backend", Value::Null), "secrets_backend"),
        // enums with hostile text
        ("backend path traversal", with("secrets_backend", s("../../etc")), "secrets_backend"),
        (
            "backend yaml document break",
            with("secrets_backend", s("vault\n---\nkind: Secret")),
            "secrets_backend",
        ),
        ("backend empty", with("secrets_backend", s("")), "secrets_backend"),
        (
            "target interpolation",
            with("integration_target", s("${var.x}")),
            "integration_target",
        ),
        (
            "rotation template directive",
            with("rotation_policy", s("%{ if true }dynamic%{ endif }")),
            "rotation_policy",
        ),
        ("credential with quote", with("credential_type", s("database\"")), "credential_type"),
        (
            "credential with unicode lookalike",
            with("credential_type", s("dаtabase")),
            "credential_type",
        ),
        ("engine unknown", with("database.engine", s("sqlite")), "database.engine"),
        (
            "store kind with RTL override",
            with("kubernetes.store_kind", s("SecretStore\u{202e}")),
            "kubernetes.store_kind",
        ),
        ("platform unknown", with("cicd.platform", s("../../ci")), "cicd.platform"),
        ("language unknown", with("languages", list(&["python", "rust"])), "languages.1"),
        ("language path traversal", with("languages", list(&["../../etc"])), "languages.0"),
        (
            "language null element",
            with("languages", Value::List(vec![Value::Null])),
            "languages.0",
        ),
        ("language duplicate", with("languages", list(&["go", "go"])), "languages.1"),
        // names
        ("name path traversal", with("name", s("../../etc")), "name"),
        ("name NUL", with("name", s("app\u{0}")), "name"),
        ("name uppercase", with("name", s("APP")), "name"),
        ("name 41 characters", with("name", s(&"a".repeat(41))), "name"),
        ("name oversized", with("name", s(&long)), "name"),
        ("name yaml injection", with("name", s("app\n---\nkind: Secret")), "name"),
        ("name hcl interpolation", with("name", s("${file(\"/etc/passwd\")}")), "name"),
        ("name unicode", with("name", s("äpp")), "name"),
        ("environment traversal", with("environment", s("prod/../../etc")), "environment"),
        ("environment template", with("environment", s("%{for x in y}")), "environment"),
        // durations and times
        ("period interpolation", with("rotation_period", s("${")), "rotation_period"),
        ("period trailing newline", with("rotation_period", s("1h\n")), "rotation_period"),
        (
            "period overflow",
            with("rotation_period", s("99999999999999999999999d")),
            "rotation_period",
        ),
        (
            "refresh negative",
            with("kubernetes.refresh_interval", s("-1h")),
            "kubernetes.refresh_interval",
        ),
        ("ttl words", with("certificate.ttl", s("forever")), "certificate.ttl"),
        (
            "timestamp with injected quote",
            with("timestamp", s("2026-01-31T12:00:00${\"Z")),
            "timestamp",
        ),
        (
            "timestamp with document break",
            with("timestamp", s("2026-01-31T12:00:00Z\n---\nZ")),
            "timestamp",
        ),
        ("timestamp words", with("timestamp", s("yesterday")), "timestamp"),
        (
            "timestamp oversized",
            with("timestamp", s(&format!("2026-01-31T12:00:00.{long}Z"))),
            "timestamp",
        ),
        // vault
        ("address scheme", with("vault.address", s("ftp://vault")), "vault.address"),
        (
            "address newline",
            with("vault.address", s("https://vault\n---\nkind: Secret")),
            "vault.address",
        ),
        ("address NUL", with("vault.address", s("https://vault\u{0}x")), "vault.address"),
        (
            "address escape sequence",
            with("vault.address", s("https://vault\u{1b}[31m")),
            "vault.address",
        ),
        ("address DEL", with("vault.address", s("https://vault\u{7f}")), "vault.address"),
        (
            "address line separator",
            with("vault.address", s("https://vault\u{2028}x")),
            "vault.address",
        ),
        ("address oversized", with("vault.address", s(&long_url)), "vault.address"),
        ("address no host", with("vault.address", s("https:///")), "vault.address"),
        (
            "namespace traversal",
            with("vault.namespace", s("admin/../../etc")),
            "vault.namespace",
        ),
        ("kv mount dot segment", with("vault.kv_mount", s("./secret")), "vault.kv_mount"),
        ("kv mount interpolation", with("vault.kv_mount", s("secret/${x}")), "vault.kv_mount"),
        ("auth mount absolute", with("vault.auth_mount", s("/abs")), "vault.auth_mount"),
        (
            "database mount hcl injection",
            with("vault.database_mount", s("db\" { capabilities = [\"sudo\"] }\npath \"*")),
            "vault.database_mount",
        ),
        ("pki mount template", with("vault.pki_mount", s("pki%{")), "vault.pki_mount"),
        // aws / azure / gcp
        ("region with quote", with("aws.region", s("us-east-1\"")), "aws.region"),
        ("account id short", with("aws.account_id", s("12345678901")), "aws.account_id"),
        ("kms interpolation", with("aws.kms_key_id", s("alias/${x}")), "aws.kms_key_id"),
        ("key vault traversal", with("azure.vault_name", s("../../etc")), "azure.vault_name"),
        ("tenant not a guid", with("azure.tenant_id", s("not-a-guid")), "azure.tenant_id"),
        (
            "resource group newline",
            with("azure.resource_group", s("rg\n---")),
            "azure.resource_group",
        ),
        ("project id uppercase", with("gcp.project_id", s("Project-1")), "gcp.project_id"),
        ("project number letters", with("gcp.project_number", s("12a")), "gcp.project_number"),
        ("location backslash", with("gcp.location", s("us\\central")), "gcp.location"),
        // database / kubernetes / cicd / certificate
        (
            "host yaml injection",
            with("database.host", s("db.example.com\"\nkind: x")),
            "database.host",
        ),
        (
            "database name traversal",
            with("database.database_name", s("../../etc/passwd")),
            "database.database_name",
        ),
        (
            "namespace document break",
            with("kubernetes.namespace", s("kube-system\n---")),
            "kubernetes.namespace",
        ),
        (
            "service account injection",
            with("kubernetes.service_account", s("sa\"${")),
            "kubernetes.service_account",
        ),
        (
            "cluster name quote",
            with("kubernetes.cluster_name", s("c'; drop")),
            "kubernetes.cluster_name",
        ),
        ("repository traversal", with("cicd.repository", s("../../etc")), "cicd.repository"),
        ("branch traversal", with("cicd.branch", s("main/../../x")), "cicd.branch"),
        ("branch oversized", with("cicd.branch", s(&long)), "cicd.branch"),
        (
            "common name double wildcard",
            with("certificate.common_name", s("*.*.example.com")),
            "certificate.common_name",
        ),
        (
            "alt name with space",
            with("certificate.alt_names", list(&["ok.example.com", "bad name"])),
            "certificate.alt_names.1",
        ),
        // holes the injection probe found (issue 16): each is refused on its own attribute now
        ("location leading hyphen", with("gcp.location", s("-a")), "gcp.location"),
        ("resource group dot", with("azure.resource_group", s(".")), "azure.resource_group"),
        (
            "resource group dot dot",
            with("azure.resource_group", s("..")),
            "azure.resource_group",
        ),
        (
            "host leading hyphen",
            with("database.host", s("-oProxyCommand=id")),
            "database.host",
        ),
        ("kms colon", with("aws.kms_key_id", s(":")), "aws.kms_key_id"),
        (
            "kms half an arn",
            with("aws.kms_key_id", s("arn:aws:kms:us-east-1")),
            "aws.kms_key_id",
        ),
        ("timestamp out of range", with("timestamp", s("2026-13-45T99:99:99Z")), "timestamp"),
        ("timestamp february 30", with("timestamp", s("2026-02-30T00:00:00Z")), "timestamp"),
        (
            "ip address as dns name",
            with("certificate.common_name", s("10.0.0.1")),
            "certificate.common_name",
        ),
        (
            "wildcard over a tld",
            with("certificate.alt_names", list(&["*.com"])),
            "certificate.alt_names.0",
        ),
        (
            "duration beyond int64",
            with("rotation_period", s("18446744073709551615s")),
            "rotation_period",
        ),
        ("rotation period over 999d", with("rotation_period", s("1000d")), "rotation_period"),
        (
            "refresh interval over 24h",
            with("kubernetes.refresh_interval", s("25h")),
            "kubernetes.refresh_interval",
        ),
        ("certificate ttl over 398d", with("certificate.ttl", s("399d")), "certificate.ttl"),
        (
            "address plain http",
            with("vault.address", s("http://vault.example.com:8200")),
            "vault.address",
        ),
        (
            "address credentials",
            with("vault.address", s("https://admin:pw@vault.example.com")),
            "vault.address",
        ),
        (
            "address query",
            with("vault.address", s("https://vault.example.com/?a=b")),
            "vault.address",
        ),
        (
            "address github expression",
            with("vault.address", s("https://attacker.example:8200/${{secrets.DEPLOY_KEY}}")),
            "vault.address",
        ),
        (
            "address gitlab variable",
            with("vault.address", s("https://vault.example.com/$CI_JOB_TOKEN")),
            "vault.address",
        ),
        (
            "address azure macro",
            with("vault.address", s("https://vault.example.com/$(System.AccessToken)")),
            "vault.address",
        ),
        (
            "address python docstring",
            with(
                "vault.address",
                s("https://vault.example.com:8200/\"\"\"+str(__import__(\"os\").system(\"id\"))+\"\"\""),
            ),
            "vault.address",
        ),
        (
            "address java unicode escape",
            with("vault.address", s("https://vault.example.com/\\u0022")),
            "vault.address",
        ),
        (
            "address bidi override",
            with("vault.address", s("https://vault.example.com/\u{202e}x")),
            "vault.address",
        ),
        (
            "address zero width",
            with("vault.address", s("https://vault.example.com/\u{200b}x")),
            "vault.address",
        ),
        (
            "address isolate",
            with("vault.address", s("https://vault.example.com/\u{2066}x")),
            "vault.address",
        ),
        ("address idn", with("vault.address", s("https://vaulté.example")), "vault.address"),
    ];
    // every string attribute at the top level refuses a value over the bound, on its own path
    for attr in ["credential_type", "environment", "rotation_period", "timestamp"] {
        v.push(("oversized top-level string", with(attr, s(&long)), attr));
    }
    v
}

pub(crate) fn error_paths(d: &Diagnostics) -> Vec<Option<Path>> {
    d.iter()
        .filter(|d| d.severity == secretsint::tf::diag::Severity::Error)
        .map(|d| d.path.clone())
        .collect()
}

#[test]
fn malformed_configurations_get_an_error_on_their_attribute() {
    let cases = refused();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let pc = ProviderConfig::default();
    for (what, config, want) in cases {
        let want = path(want);
        for (phase, diags) in [
            ("validate", provider::validate(&config, &pc)),
            ("read", provider::read(&config, &pc).1),
        ] {
            let paths = error_paths(&diags);
            assert!(
                paths.iter().any(|p| p.as_ref() == Some(&want)),
                "{what}: {phase} gave no error on {want}; errors on {paths:?}"
            );
            assert!(
                paths.iter().all(|p| p.as_ref().is_some_and(|p| !p.is_root())),
                "{what}: {phase} has an error without an attribute path: {diags:?}"
            );
            for d in diags.iter() {
                assert!(
                    d.detail.len() < 600,
                    "{what}: the diagnostic echoes too much input ({} bytes)",
                    d.detail.len()
                );
            }
        }
    }
}

const BENIGN: &str = "https://vault.example.com:8200";

/// Vault addresses at the edges of the URL grammar: they must reach every artifact intact. What
/// used to be accepted here (quotes, `${`, `$(`, YAML and shell specials, Unicode, userinfo)
/// is now refused by the grammar: `tests/it/injection.rs` holds those payloads.
fn accepted() -> Vec<(&'static str, String)> {
    let cases: Vec<(&str, &str)> = vec![
        ("ipv4 host", "https://10.0.0.1:8200"),
        ("ipv6 host", "https://[2001:db8::1]:8200"),
        ("ipv4-mapped ipv6", "https://[::ffff:10.0.0.1]"),
        ("unreserved path", "https://vault.example.com/a-b/c_d/e.f~g"),
        ("upper-case host", "https://Vault.Example.COM:443"),
        ("plain http on loopback", "http://127.0.0.1:8200"),
        ("no port", "https://vault.example.com"),
    ];
    let mut out: Vec<(&str, String)> = cases.into_iter().map(|(w, t)| (w, t.to_string())).collect();
    let base = "https://vault.example.com/";
    out.push(("at the length bound", format!("{base}{}", "v".repeat(2048 - base.len()))));
    out
}

/// Every structured artifact of a state, parsed: `files` entries by extension, plus contract_json.
pub(crate) fn parsed_artifacts(state: &Value) -> Vec<(String, serde_json::Value)> {
    let Value::Map(files) = state.get("files") else {
        panic!("no files")
    };
    let mut out = Vec::new();
    for (name, content) in files {
        assert!(
            !name.starts_with('/') && name.split('/').all(|seg| !seg.is_empty() && seg != "." && seg != ".."),
            "file name {name:?} is not a plain relative path"
        );
        let text = content.as_str().unwrap();
        let ext = name.rsplit('.').next().unwrap_or_default();
        let parsed = match ext {
            "json" => Some(serde_json::from_str::<serde_json::Value>(text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"))),
            "yaml" | "yml" => {
                use serde::Deserialize;
                let docs: Vec<serde_json::Value> = serde_norway::Deserializer::from_str(text)
                    .map(|d| serde_json::Value::deserialize(d).unwrap_or_else(|e| panic!("{name}: {e}\n{text}")))
                    .collect();
                Some(serde_json::Value::Array(docs))
            }
            "hcl" | "tf" => {
                let body = hcl::parse(text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
                Some(hcl_tree(&body))
            }
            _ => None,
        };
        if let Some(p) = parsed {
            out.push((name.clone(), p));
        }
    }
    out
}

/// HCL as a tree in which every expression that needs no variables is evaluated to the text it
/// stands for: a string that reads `$${x}` in the file is the value `${x}`, exactly what
/// Terraform and Vault see. References (`type = string`, `var.x`) stay as written.
fn hcl_tree(body: &hcl::Body) -> serde_json::Value {
    use serde_json::{json, Value as J};
    let items = body
        .iter()
        .map(|structure| match structure {
            hcl::Structure::Attribute(a) => json!({ "attr": a.key.as_str(), "value": hcl_expr(&a.expr) }),
            hcl::Structure::Block(b) => json!({
                "block": b.identifier.as_str(),
                "labels": b.labels.iter().map(|l| J::String(l.as_str().to_string())).collect::<Vec<_>>(),
                "body": hcl_tree(&b.body),
            }),
        })
        .collect();
    J::Array(items)
}

fn hcl_expr(expr: &hcl::Expression) -> serde_json::Value {
    use hcl::eval::Evaluate;
    match expr {
        hcl::Expression::Array(items) => serde_json::Value::Array(items.iter().map(hcl_expr).collect()),
        hcl::Expression::Object(o) => serde_json::Value::Object(
            o.iter()
                .map(|(k, v)| {
                    (
                        serde_json::to_value(k).unwrap().as_str().unwrap_or_default().to_string(),
                        hcl_expr(v),
                    )
                })
                .collect(),
        ),
        other => match other.evaluate(&hcl::eval::Context::new()) {
            Ok(v) => serde_json::to_value(v).unwrap(),
            Err(_) => serde_json::json!({ "unevaluated": other.to_string() }),
        },
    }
}

/// Replaces every occurrence of `from` in the tree's strings (keys and values) with `to`,
/// counting the occurrences.
pub(crate) fn swap(v: &serde_json::Value, from: &str, to: &str, count: &mut usize) -> serde_json::Value {
    use serde_json::Value as J;
    // SDK snippets hold the value as a string literal of their language (JSON escaping):
    // that form is the value too.
    fn text(t: &str, from: &str, to: &str, count: &mut usize) -> String {
        let quoted = |x: &str| {
            let q = serde_json::to_string(x).unwrap();
            q[1..q.len() - 1].to_string()
        };
        let (qf, qt) = (quoted(from), quoted(to));
        let mut out = t.to_string();
        if qf != from {
            *count += out.matches(&qf).count();
            out = out.replace(&qf, &qt);
        }
        *count += out.matches(from).count();
        out.replace(from, to)
    }
    match v {
        J::String(t) => J::String(text(t, from, to, count)),
        J::Array(a) => J::Array(a.iter().map(|x| swap(x, from, to, count)).collect()),
        J::Object(o) => J::Object(
            o.iter()
                .map(|(k, x)| (text(k, from, to, count), swap(x, from, to, count)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn hostile_but_legal_values_round_trip_through_every_format() {
    let pc = ProviderConfig::default();
    let (base_state, base_diags) = provider::read(&with("vault.address", s(BENIGN)), &pc);
    assert!(!base_diags.has_errors(), "{base_diags:?}");
    let baseline = parsed_artifacts(&base_state);
    let mut benign_count = 0;
    for (_, tree) in &baseline {
        swap(tree, BENIGN, BENIGN, &mut benign_count);
    }
    assert!(
        benign_count >= 3,
        "the address should reach several artifacts, found {benign_count}"
    );

    for (what, address) in accepted() {
        let config = with("vault.address", s(&address));
        let diags = provider::validate(&config, &pc);
        assert!(!diags.has_errors(), "{what}: refused at validate: {diags:?}");
        let (state, diags) = provider::read(&config, &pc);
        assert!(!diags.has_errors(), "{what}: refused at read: {diags:?}");
        let got = parsed_artifacts(&state);
        assert_eq!(
            got.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            baseline.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "{what}: a different set of files"
        );
        let mut seen = 0;
        for ((name, tree), (_, base)) in got.iter().zip(&baseline) {
            let normalised = swap(tree, &address, BENIGN, &mut seen);
            if &normalised != base {
                let (a, b) = (
                    serde_json::to_string_pretty(&normalised).unwrap(),
                    serde_json::to_string_pretty(base).unwrap(),
                );
                let diff = a.lines().zip(b.lines()).find(|(x, y)| x != y);
                panic!("{what}: {name} does not round-trip {address:?}; first difference (got, want): {diff:?}");
            }
        }
        assert_eq!(
            seen, benign_count,
            "{what}: the value reached {seen} places, the benign one {benign_count}"
        );
        // contract_json embeds the rendered documents as text (their quoting differs by value,
        // and the files above check them); its own fields must carry the value exactly.
        let contract: serde_json::Value = serde_json::from_str(state.get("contract_json").as_str().unwrap()).unwrap();
        assert_eq!(contract["vault"]["address"], address.as_str(), "{what}");
        assert_eq!(contract["secrets_config"]["backend_endpoint"], address.as_str(), "{what}");
    }
}

#[test]
fn a_legal_timestamp_with_fraction_and_offset_is_accepted() {
    let pc = ProviderConfig::default();
    for t in [
        "2026-01-31T12:00:00Z",
        "2026-01-31T12:00:00.123456789+05:30",
        "2026-01-31t12:00:00-00:00",
    ] {
        let d = provider::validate(&with("timestamp", s(t)), &pc);
        assert!(!d.has_errors(), "{t}: {d:?}");
    }
}

/// Oversized and malformed wire values end as a root diagnostic from the decoder, not a panic.
#[test]
fn oversized_values_are_bounded_on_the_wire_too() {
    let core = secretsint::protocol::Core::new();
    let big = with("name", s(&"a".repeat(1 << 20)));
    let diags = core.validate_data_source("secretsint_plan", secretsint::protocol::Wire::Msgpack(&encode(&big)));
    assert!(diags
        .iter()
        .any(|d| d.path.as_ref().map(|p| p.steps()) == Some(&[Step::Attribute("name".into())][..])));
    let (state, diags) = core.read_data_source(
        "secretsint_plan",
        secretsint::protocol::Wire::Msgpack(&[0xdd, 0xff, 0xff, 0xff, 0xff]),
    );
    assert!(state.is_none() && diags.has_errors());
}

/// A huge list costs one diagnostic, not one per element: 10,000 copies of a language and
/// 100,001 alt names are each refused once, on the list, and repeats within the bound are
/// reported once per language with a count.
#[test]
fn lists_are_bounded_and_repeats_reported_once() {
    let pc = ProviderConfig::default();
    let langs = Value::List(vec![s("python"); 10_000]);
    let d = provider::validate(&with("languages", langs), &pc);
    assert_eq!(error_paths(&d), vec![Some(path("languages"))], "{d:?}");
    assert!(d.iter().any(|x| x.detail.contains("at most 4")), "{d:?}");
    let names = Value::List(vec![s("a.example.com"); 100_001]);
    let d = provider::validate(&with("certificate.alt_names", names), &pc);
    assert_eq!(error_paths(&d), vec![Some(path("certificate.alt_names"))], "{d:?}");
    let bad: Vec<String> = (0..100).map(|i| format!("bad name {i}")).collect();
    let d = provider::validate(&with("certificate.alt_names", Value::List(bad.iter().map(|n| s(n)).collect())), &pc);
    assert_eq!(error_paths(&d), vec![Some(path("certificate.alt_names.0"))], "{d:?}");
    assert!(
        d.iter().any(|x| x.detail.contains("99 more elements of certificate.alt_names")),
        "{d:?}"
    );
    let d = provider::validate(&with("languages", list(&["go", "go", "python", "go"])), &pc);
    assert_eq!(error_paths(&d), vec![Some(path("languages.1"))], "{d:?}");
    assert!(d.iter().any(|x| x.detail.contains("\"go\" 2 more times")), "{d:?}");
}

/// A loopback dev server may be plain http, with a warning on the address that says why.
#[test]
fn plain_http_on_loopback_is_a_warning() {
    let pc = ProviderConfig::default();
    let d = provider::validate(&with("vault.address", s("http://127.0.0.1:8200")), &pc);
    assert!(!d.has_errors(), "{d:?}");
    assert!(
        d.iter().any(|x| x.severity == secretsint::tf::diag::Severity::Warning
            && x.path.as_ref() == Some(&path("vault.address"))
            && x.detail.contains("loopback")),
        "{d:?}"
    );
}
