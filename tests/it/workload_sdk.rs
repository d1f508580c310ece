//! A workload's SDK code (`secretsint_workload`'s `integration_code`): one module per language
//! with one accessor per secret and one login path. The three-secret workload below (database
//! dynamic, API key manual, certificate automatic) on the Kubernetes and application targets of
//! every backend is stored under `tests/golden/workload-sdk/<backend>-<target>/` (UPDATE_GOLDEN=1
//! rewrites it), and `sdk_check.rs` type-checks the same modules with each language's tools.

use std::path::Path;

use secretsint::planner::integration::{secret_names, source_file};
use secretsint::planner::request::DnsLabel;
use secretsint::planner::workload::{plan_workload, SecretSpec, WorkloadRequest};
use secretsint::planner::{Backend, Choice, CredentialType, Language, Request, Rotation, Target};

/// The secrets of the proof workload: (label, credential, rotation).
pub const SECRETS: [(&str, CredentialType, Rotation); 3] = [
    ("db", CredentialType::Database, Rotation::Dynamic),
    ("stripe-key", CredentialType::ApiKey, Rotation::Manual),
    ("tls", CredentialType::Certificate, Rotation::Automatic),
];

pub fn workload(backend: Backend, target: Target, secrets: &[(&str, CredentialType, Rotation)]) -> WorkloadRequest {
    let mut base = Request::new(backend, target, Rotation::Manual);
    base.languages = Some(Language::ALL.to_vec());
    WorkloadRequest {
        base,
        secrets: secrets
            .iter()
            .map(|(label, credential, rotation)| SecretSpec {
                label: DnsLabel::parse(label, 40).unwrap(),
                credential: *credential,
                rotation: *rotation,
                rotation_period: None,
                database: Default::default(),
                certificate: Default::default(),
            })
            .collect(),
    }
}

/// (case, language, module text) of the proof workload for every backend, on Kubernetes and as
/// an application.
pub fn modules() -> Vec<(String, Language, String)> {
    let mut out = Vec::new();
    for b in Backend::ALL {
        for t in [Target::Kubernetes, Target::Application] {
            let p = plan_workload(&workload(*b, t, &SECRETS));
            // The module is rendered even where composing the rest of the workload reports a
            // collision (Vault on Kubernetes today, in workload.rs), so it is checked regardless.
            assert_eq!(p.integration_code.len(), 4, "{b}-{t}: one module per language");
            for c in p.integration_code {
                let text = format!("{}\n{}\n{}", c.authentication_snippet, c.secret_retrieval_snippet, c.error_handling);
                out.push((format!("{b}-{t}"), c.language, text));
            }
        }
    }
    out
}

#[test]
fn workload_modules_match_their_goldens() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/workload-sdk");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let all = modules();
    assert_eq!(all, modules(), "planning twice must give byte-identical modules");
    for (case, language, text) in all {
        let path = root.join(&case).join(source_file(language));
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != text {
            panic!(
                "{} differs from its golden (run with UPDATE_GOLDEN=1 and review):\n{}",
                path.display(),
                crate::support::unified_diff(&want, &text)
            );
        }
    }
}

/// Lines of `text` that contain `needle`.
fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// The module holds exactly one accessor per secret, each reading with its own fetch function and
/// keeping its own cache time to live, one login path for all of them, and one connect helper that
/// takes an accessor; no template marker or placeholder is left.
#[test]
fn a_workload_module_has_one_accessor_per_secret_and_one_login_path() {
    for (case, language, text) in modules() {
        let at = format!("{case} {language}");
        for marker in [
            "@each", "@if", "@end", "@section", "{{id:", "{{str:", "{{text:", "{{int:", "{{code:", "{{part:",
        ] {
            assert!(!text.contains(marker), "{at}: {marker} left in\n{text}");
        }
        let backend = case.split('-').next().unwrap();
        // The one function each backend's code logs in or builds its client with.
        let login = match (backend, language) {
            ("vault", Language::Python) => "def vault_login(",
            ("vault", Language::Go) => "func vaultClient(",
            ("vault", Language::Nodejs) => "async function vaultClient(",
            ("vault", Language::Java) => "static VaultTemplate vaultTemplate(",
            ("aws", Language::Python) => "def secrets_client(",
            ("aws", Language::Go) => "func secretsClient(",
            ("aws", Language::Nodejs) => "function secretsClient(",
            ("aws", Language::Java) => "static SecretsManagerClient secretsClient(",
            (_, Language::Python) => "def secret_client(",
            (_, Language::Go) => "func secretClient(",
            (_, Language::Nodejs) => "function secretClient(",
            (_, Language::Java) => "secretClient() ",
        };
        assert_eq!(count(&text, login), 1, "{at}: one login path ({login})");
        let mut accessors = 0;
        for (label, credential, _) in SECRETS {
            let names = secret_names(label, language);
            let (accessor, fetch, ttl) = match language {
                Language::Python => (
                    format!("    {} = SecretCache(fetch_secret{})\n", names.accessor, names.suffix),
                    format!("def fetch_secret{}(", names.suffix),
                    format!("CACHE_TTL_SECONDS{} = ", names.suffix_upper),
                ),
                Language::Go => (
                    format!("\t{}: &SecretCache{{fetch: fetchSecret{}}},\n", names.accessor, names.suffix),
                    format!("func fetchSecret{}(", names.suffix),
                    format!("cacheTTL{} = ", names.suffix),
                ),
                Language::Nodejs => (
                    format!("  {}: new SecretCache(fetchSecret{}),\n", names.accessor, names.suffix),
                    format!("async function fetchSecret{}(", names.suffix),
                    format!("const CACHE_TTL_MS{} = ", names.suffix_upper),
                ),
                Language::Java => (
                    format!(
                        "    public static final SecretCache {} = new SecretCache(Secrets::fetchSecret{});\n",
                        names.accessor, names.suffix
                    ),
                    format!(" fetchSecret{}() ", names.suffix),
                    format!("Duration CACHE_TTL{} = ", names.suffix_upper),
                ),
            };
            assert_eq!(count(&text, &accessor), 1, "{at}: accessor of {label} ({credential}): {accessor}");
            assert_eq!(count(&text, &fetch), 1, "{at}: fetch of {label}: {fetch}");
            assert_eq!(count(&text, &ttl), 1, "{at}: cache TTL of {label}: {ttl}");
            accessors += 1;
        }
        let all_caches = match language {
            Language::Python => " = SecretCache(",
            Language::Go => ": &SecretCache{",
            Language::Nodejs => ": new SecretCache(",
            Language::Java => " = new SecretCache(",
        };
        assert_eq!(count(&text, all_caches), accessors, "{at}: no accessor beyond one per secret");
        // The database secret keeps its connect helper, which takes the accessor it re-reads.
        let connect = match language {
            Language::Python => "def connect(\n    secret: SecretCache,",
            Language::Go => "func Connect[C any](ctx context.Context, secret *SecretCache,",
            Language::Nodejs => "async function connect(secret, openConnection,",
            Language::Java => "public static <C> C connect(SecretCache secret, Opener<C> opener, long[] retryDelayMillis)",
        };
        assert_eq!(count(&text, connect), 1, "{at}: one connect helper");
        let invalidate = match language {
            Language::Go => "secret.Invalidate()",
            _ => "secret.invalidate()",
        };
        assert_eq!(
            count(&text, invalidate),
            1,
            "{at}: the helper invalidates the accessor it was given"
        );
    }
}

/// Without a database secret there is no connect helper; labels that are keywords or hold
/// hyphens and digits still give valid, distinct names.
#[test]
fn labels_map_to_distinct_valid_identifiers() {
    assert_eq!(secret_names("stripe-key", Language::Python).accessor, "stripe_key");
    assert_eq!(secret_names("stripe-key", Language::Go).accessor, "StripeKey");
    assert_eq!(secret_names("stripe-key", Language::Nodejs).accessor, "stripeKey");
    assert_eq!(secret_names("stripe-key", Language::Java).accessor, "stripeKey");
    assert_eq!(secret_names("stripe-key", Language::Java).suffix_upper, "_STRIPE_KEY");
    assert_eq!(secret_names("class", Language::Python).accessor, "class_");
    assert_eq!(secret_names("new", Language::Java).accessor, "new_");
    let labels = ["a-1", "a1", "a--b", "a-b", "ab", "a-bc", "ab-c", "abc"];
    for l in Language::ALL {
        let mut seen = std::collections::BTreeSet::new();
        for label in labels {
            let n = secret_names(label, *l);
            assert!(seen.insert(n.accessor.clone()), "{l}: {label} -> {} twice", n.accessor);
            assert!(
                n.accessor.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && n.accessor.starts_with(|c: char| c.is_ascii_alphabetic()),
                "{l}: {label} -> {}",
                n.accessor
            );
        }
    }
    let p = plan_workload(&workload(
        Backend::AwsSecrets,
        Target::Application,
        &[
            ("class", CredentialType::ApiKey, Rotation::Manual),
            ("x-1", CredentialType::Generic, Rotation::Manual),
        ],
    ));
    for c in &p.integration_code {
        let text = format!("{}{}{}", c.authentication_snippet, c.secret_retrieval_snippet, c.error_handling);
        assert!(!text.contains("connect("), "{}: no database secret, no connect helper", c.language);
    }
    let python = p.integration_code.iter().find(|c| c.language == Language::Python).unwrap();
    assert!(python.error_handling.contains("    class_ = SecretCache(fetch_secret_class)\n"));
    assert!(python.error_handling.contains("    x_1 = SecretCache(fetch_secret_x_1)\n"));
}

/// The decisions name the accessors the code holds.
#[test]
fn decisions_name_the_accessors() {
    let p = plan_workload(&workload(Backend::Vault, Target::Kubernetes, &SECRETS));
    let accessors = p
        .decisions
        .iter()
        .find(|d| d.starts_with("integration_code is one module per language"))
        .expect("the accessor decision");
    for name in [
        "Secrets.db, Secrets.stripe_key and Secrets.tls",
        "Secrets.Db, Secrets.StripeKey and Secrets.Tls",
        "secrets.db, secrets.stripeKey and secrets.tls",
        "Secrets.db, Secrets.stripeKey and Secrets.tls",
    ] {
        assert!(accessors.contains(name), "{name}: {accessors}");
    }
    assert!(
        p.decisions
            .iter()
            .any(|d| d.contains("connect(Secrets.db, open_connection) in Python")),
        "{:#?}",
        p.decisions
    );
}
