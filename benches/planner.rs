//! The planner and the provider's per-read work, on the largest combination (vault /
//! kubernetes / dynamic / database with all four languages). Target: ≤ 100 µs per plan.
//! Run: `cargo bench --bench planner` (figures in bench/README.md).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use secretsint::planner::{self, Backend, Choice, CredentialType, Language, Request, Rotation, Target};
use secretsint::protocol::{Core, Wire};
use secretsint::provider::{self, ProviderConfig};
use secretsint::tf::{msgpack, Value};

fn largest() -> Request {
    let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Dynamic);
    req.credential = Some(CredentialType::Database);
    req.languages = Some(vec![Language::Python, Language::Go, Language::Nodejs, Language::Java]);
    req
}

fn largest_config() -> Value {
    let s = Value::string;
    Value::object([
        ("secrets_backend", s("vault")),
        ("integration_target", s("kubernetes")),
        ("rotation_policy", s("dynamic")),
        ("credential_type", s("database")),
        ("languages", Value::List(vec![s("python"), s("go"), s("nodejs"), s("java")])),
    ])
}

fn request(b: Backend, t: Target, r: Rotation, c: CredentialType) -> Request {
    let mut req = Request::new(b, t, r);
    req.credential = Some(c);
    req.languages = Some(Language::ALL.to_vec());
    req
}

/// The heaviest combinations of each backend (four languages): kubernetes with a rotated
/// database credential carries the most artifacts (policies, trust documents, store, rotation
/// function, Terraform), and the CI/CD target adds a pipeline.
fn heaviest() -> Vec<Request> {
    let mut out = Vec::new();
    for &b in Backend::ALL {
        for (t, r) in [
            (Target::Kubernetes, Rotation::Dynamic),
            (Target::Kubernetes, Rotation::Automatic),
            (Target::Cicd, Rotation::Dynamic),
        ] {
            out.push(request(b, t, r, CredentialType::Database));
        }
    }
    out
}

fn benches(c: &mut Criterion) {
    let req = largest();
    c.bench_function("planner::plan (largest combination)", |b| b.iter(|| planner::plan(black_box(&req))));
    for req in heaviest() {
        let name = [req.backend.as_str(), req.target.as_str(), req.rotation.as_str(), "database"].join(" / ");
        c.bench_function(&format!("planner::plan/{name}"), |b| b.iter(|| planner::plan(black_box(&req))));
    }
    // Every combination once per iteration: the mean plan is this divided by 144.
    let all: Vec<Request> = Backend::ALL
        .iter()
        .flat_map(|&b| Target::ALL.iter().map(move |&t| (b, t)))
        .flat_map(|(b, t)| Rotation::ALL.iter().map(move |&r| (b, t, r)))
        .flat_map(|(b, t, r)| CredentialType::ALL.iter().map(move |&c| request(b, t, r, c)))
        .collect();
    c.bench_function("planner::plan/all 144 combinations", |b| {
        b.iter(|| all.iter().map(|r| planner::plan(black_box(r)).decisions.len()).sum::<usize>())
    });

    let config = largest_config();
    let pc = ProviderConfig::default();
    c.bench_function("provider::read (config -> request -> plan -> state)", |b| {
        b.iter(|| provider::read(black_box(&config), &pc))
    });

    // Terraform validates every data source three times per plan (once in each provider process).
    c.bench_function("provider::validate (config -> request -> plan findings)", |b| {
        b.iter(|| provider::validate(black_box(&config), &pc))
    });

    let ty = provider::schema::plan().block.implied_type();
    let wire = msgpack::encode(&config, &ty);
    let core = Core::new();
    c.bench_function("Core::read_data_source (msgpack in, msgpack out)", |b| {
        b.iter(|| core.read_data_source(provider::TYPE_NAME, Wire::Msgpack(black_box(&wire))))
    });

    // What Terraform's plan walk sends per data source: a validation, then the read of the same
    // configuration, which reuses the validation's plan.
    c.bench_function("Core validate + read_data_source (the plan walk's pair)", |b| {
        b.iter(|| {
            let _ = core.validate_data_source(provider::TYPE_NAME, Wire::Msgpack(black_box(&wire)));
            core.read_data_source(provider::TYPE_NAME, Wire::Msgpack(black_box(&wire)))
        })
    });
}

/// The snippet templates of the largest combination, filled and split the way the backends did it
/// (one `replace` per placeholder, a substring search per line) and with `render::template`.
/// perf put the former at ~40% of planning the largest combination.
fn snippet_benches(c: &mut Criterion) {
    use secretsint::render::template;
    let templates = [
        include_str!("../src/planner/backends/vault/snippets/sdk/python.py"),
        include_str!("../src/planner/backends/vault/snippets/sdk/go.go"),
        include_str!("../src/planner/backends/vault/snippets/sdk/nodejs.js"),
        include_str!("../src/planner/backends/vault/snippets/sdk/java.java"),
    ];
    let vars = [
        ("__NAME__", "app"),
        ("__SDK_VERSION__", "2.4.0"),
        ("__VAULT_ADDR__", "\"https://vault.example.com:8200\""),
        ("__VAULT_NAMESPACE__", "\"\""),
        ("__AUTH_MOUNT__", "\"kubernetes\""),
        ("__VAULT_ROLE__", "\"prod-app\""),
        ("__DATABASE_MOUNT__", "\"database\""),
        ("__TOKEN_PATH__", "\"/var/run/secrets/vault/token\""),
    ];
    c.bench_function("snippets, four languages: replace chain + per-line find", |b| {
        b.iter(|| {
            templates.map(|t| {
                let filled = vars.iter().fold(black_box(t).to_string(), |text, (k, v)| text.replace(k, v));
                naive_sections(&filled)
            })
        })
    });
    c.bench_function("snippets, four languages: render::template::{fill, sections}", |b| {
        b.iter(|| templates.map(|t| template::sections(&template::fill(black_box(t), &vars))))
    });
}

fn naive_sections(text: &str) -> [String; 3] {
    let mut out: [String; 3] = Default::default();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        if let Some(pos) = line.find("@section: ") {
            current = match line[pos + "@section: ".len()..].trim() {
                "authentication" => Some(0),
                "secret_retrieval" => Some(1),
                "error_handling" => Some(2),
                _ => None,
            };
            continue;
        }
        if let Some(i) = current {
            out[i].push_str(line);
            out[i].push('\n');
        }
    }
    out.map(|part| format!("{}\n", part.trim_matches('\n')))
}

criterion_group!(planner_benches, benches, snippet_benches);
criterion_main!(planner_benches);
