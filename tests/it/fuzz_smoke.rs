//! A bounded, deterministic stand-in for the libFuzzer run (which needs nightly; see
//! `fuzz/`): valid documents mutated from a fixed seed, plus random bytes, through the same
//! entry points (`secretsint::fuzzing`). A panic anywhere fails the test with the input.

use secretsint::fuzzing;
use secretsint::tf::{json, Number, Value};

use crate::support::*;

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Valid data source configurations as Terraform sends them: the seed corpus.
fn seed_configs() -> Vec<Value> {
    let full = config(&[
        ("secrets_backend", s("vault")),
        ("integration_target", s("kubernetes")),
        ("rotation_policy", s("dynamic")),
        ("credential_type", s("database")),
        ("name", s("payments")),
        ("languages", Value::List(vec![s("go"), s("java")])),
        ("rotation_period", s("2h")),
        ("timestamp", s("2026-01-31T12:00:00Z")),
        (
            "vault",
            config(&[("address", s("https://vault.internal:8200")), ("namespace", s("admin/team"))]),
        ),
        (
            "database",
            config(&[("engine", s("mysql")), ("port", Value::Number(Number::from_i64(3306)))]),
        ),
        (
            "kubernetes",
            config(&[("store_kind", s("ClusterSecretStore")), ("refresh_interval", s("30m"))]),
        ),
        (
            "certificate",
            config(&[("alt_names", Value::List(vec![s("a.example.com"), s("*.b.example.com")]))]),
        ),
    ]);
    let unknown = config(&[
        ("secrets_backend", s("aws-secrets")),
        ("integration_target", Value::Unknown),
        ("rotation_policy", s("automatic")),
    ]);
    vec![vault_k8s_dynamic_db(), full, unknown]
}

fn mutate(rng: &mut Rng, seed: &[u8], pool: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(8) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] = [0x00, 0x7f, 0x80, 0xc0, 0xc1, 0xd4, 0xdc, 0xdd, 0xde, 0xdf, 0xff][rng.below(11)];
            }
            2 => {
                let i = rng.below(len + 1);
                data.insert(i, rng.next() as u8);
            }
            3 if len > 0 => {
                data.remove(rng.below(len));
            }
            4 => data.truncate(rng.below(len + 1)),
            5 if len > 4 => {
                // a huge length prefix: the decoder must refuse it without allocating
                let i = rng.below(len - 4);
                data[i] = 0xdd;
                data[i + 1..i + 5].copy_from_slice(&[0xff, 0xff, 0xff, 0xf0]);
            }
            6 => {
                // splice in part of another seed
                let other = &pool[rng.below(pool.len())];
                let (a, b) = (rng.below(other.len() + 1), rng.below(other.len() + 1));
                let (a, b) = (a.min(b), a.max(b));
                let at = rng.below(len + 1);
                data.splice(at..at, other[a..b].iter().copied());
            }
            _ => {
                // duplicate a slice (repeats containers and strings)
                if len > 0 {
                    let (a, b) = (rng.below(len), rng.below(len));
                    let (a, b) = (a.min(b), a.max(b));
                    let copy = data[a..b].to_vec();
                    data.splice(b..b, copy);
                }
            }
        }
    }
    data
}

/// Inputs per target; the whole test stays around a few seconds in a debug build.
const RUNS: usize = 20_000;

fn run(target: fn(&[u8]), seeds: &[Vec<u8>], prefix_type_byte: bool) {
    let mut rng = Rng(0x5ec2_e75e_ed00_0001);
    let mut adversarial: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x91; 100_000],                // 100k nested one-element arrays
        vec![0xdf, 0xff, 0xff, 0xff, 0xff], // a map claiming 4 billion entries
        b"[".repeat(100_000),
        format!("\"{}\"", "\\u0000".repeat(10_000)).into_bytes(),
        b"1e999999999".to_vec(),
        b"-0.00000000000000000000000000000000000000000000001e-99999".to_vec(),
    ];
    for a in adversarial.iter_mut() {
        for ty in 0..6u8 {
            let mut d = a.clone();
            if prefix_type_byte {
                d.insert(0, ty);
            }
            target(&d);
        }
    }
    for i in 0..RUNS {
        let data = if i % 10 == 0 {
            (0..rng.below(64)).map(|_| rng.next() as u8).collect()
        } else {
            let seed = &seeds[rng.below(seeds.len())];
            mutate(&mut rng, seed, seeds)
        };
        target(&data);
    }
}

fn msgpack_seeds(with_type_byte: bool) -> Vec<Vec<u8>> {
    seed_configs()
        .iter()
        .map(|v| {
            let mut d = encode(v);
            if with_type_byte {
                d.insert(0, 0); // type 0 is the data source schema
            }
            d
        })
        .collect()
}

#[test]
fn msgpack_decoder_survives_mutated_input() {
    run(fuzzing::msgpack_decode, &msgpack_seeds(true), true);
}

#[test]
fn json_decoder_survives_mutated_input() {
    let seeds: Vec<Vec<u8>> = seed_configs()
        .iter()
        .filter_map(json::encode)
        .map(|mut d| {
            d.insert(0, 0);
            d
        })
        .collect();
    assert!(!seeds.is_empty());
    run(fuzzing::json_decode, &seeds, true);
}

#[test]
fn config_to_plan_survives_mutated_input() {
    run(fuzzing::config_to_plan, &msgpack_seeds(false), false);
}

/// Writes the seeds as libFuzzer corpora: `cargo test --test it write_fuzz_seeds -- --ignored`.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let root = repo_root().join("fuzz/corpus");
    let json_seeds: Vec<Vec<u8>> = seed_configs().iter().filter_map(json::encode).collect();
    for (target, seeds) in [
        ("msgpack_decode", msgpack_seeds(true)),
        ("config_to_plan", msgpack_seeds(false)),
        ("json_decode", json_seeds.into_iter().map(|d| [vec![0u8], d].concat()).collect()),
    ] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), seed).unwrap();
        }
    }
}

/// Inputs libFuzzer found, kept as regressions.
#[test]
fn fuzzer_findings_stay_fixed() {
    // A number sent as the string "001" decoded to Number("001") but re-encoded as the integer 1
    // (found by msgpack_decode on 2026-11-28; numbers are now canonical integers on decode).
    fuzzing::msgpack_decode(&[
        0x4d, 0x93, 0xa0, 0x93, 0xd7, 0x5e, 0xd7, 0x00, 0xda, 0x00, 0x80, 0x5b, 0x5b, 0xd7, 0xa3, 0x30, 0x30, 0x31, 0x2e, 0xd4, 0xd7, 0xd7,
    ]);
}
