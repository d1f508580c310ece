//! The planner and the provider's per-read work, on the largest combination (vault /
//! kubernetes / dynamic / database with all four languages). Target: ≤ 100 µs per plan.
//! Run: `cargo bench --bench planner` (figures in bench/README.md).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use secretsint::planner::{self, Backend, CredentialType, Language, Request, Rotation, Target};
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

fn benches(c: &mut Criterion) {
    let req = largest();
    c.bench_function("planner::plan (largest combination)", |b| b.iter(|| planner::plan(black_box(&req))));

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
}

criterion_group!(planner_benches, benches);
criterion_main!(planner_benches);
