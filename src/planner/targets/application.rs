//! The application target: SDK integration code, one [`IntegrationCode`] per requested
//! language. A backend hands an [`Sdk`] (its template per language, placeholder values, flags
//! and identity; `backends/<backend>/sdk.rs`); this module adds the shared retry and cache code
//! and renders it, and never imports a backend.
//!
//! The snippets are the only templates (`backends/<backend>/snippets/sdk/<language>` plus the
//! shared retry and cache code in `snippets/sdk/common/<language>`). Two template features exist:
//! `{{<context>:<NAME>}}` placeholders, each escaped for its context in the template's
//! language by `render::escape` (a string literal, a comment, a number), and line markers
//! `@section: <part>`, `@if key=value[|value]` … `@end` that keep or drop whole lines.

use crate::planner::choice::*;
use crate::planner::versions::{self, Dependency};
use crate::planner::{IntegrationCode, SecretsConfig, Settings};
use std::sync::OnceLock;

use crate::render::escape::{Syntax, Var};
use crate::render::template::{self, Conditional};

/// The escaping rules of a language's templates.
pub(crate) fn syntax(language: Language) -> Syntax {
    match language {
        Language::Python => Syntax::Python,
        Language::Go => Syntax::Go,
        Language::Nodejs => Syntax::JavaScript,
        Language::Java => Syntax::Java,
    }
}

/// Cached reads of a secret nobody rotates on a schedule are re-read this often.
const MANUAL_CACHE_SECS: u64 = 300;
/// Rotated secrets are re-read at a tenth of their period, within these bounds.
const MIN_CACHE_SECS: u64 = 30;
const MAX_CACHE_SECS: u64 = 300;

/// The connect helper's waits before each re-read and retry after the database refused the
/// cached credential (database plans); the common templates spell the same list.
pub(crate) const AUTH_RETRY_DELAYS_SECS: [u64; 5] = [0, 1, 2, 4, 8];

/// How long after its first refused login the connect helper keeps re-reading and retrying.
pub(crate) fn auth_retry_secs() -> u64 {
    AUTH_RETRY_DELAYS_SECS.iter().sum()
}

/// What a backend hands the SDK code: values for the placeholders, the `@if` flags that hold,
/// the decisions they imply, and the identity the code authenticates as (long and short).
#[derive(Default)]
pub(crate) struct Sdk {
    pub vars: Vec<(&'static str, Var)>,
    pub flags: Vec<(&'static str, &'static str)>,
    pub decisions: Vec<String>,
    pub identity: String,
    pub short: String,
    /// The code reads files a platform keeps current and calls no backend (Vault's
    /// cert-manager path): it authenticates as nothing.
    pub no_backend_call: bool,
}

/// A backend's SDK template of a language.
pub(crate) type Templates = fn(Language) -> &'static str;

/// Retry with backoff and the TTL cache, the same for every backend of a language.
fn common(language: Language) -> &'static str {
    match language {
        Language::Python => include_str!("../snippets/sdk/common/python.py"),
        Language::Go => include_str!("../snippets/sdk/common/go.go"),
        Language::Nodejs => include_str!("../snippets/sdk/common/nodejs.js"),
        Language::Java => include_str!("../snippets/sdk/common/java.java"),
    }
}

/// Everything a template needs: placeholder values and the `@if` flags that hold.
struct Fill {
    vars: Vec<(&'static str, Var)>,
    flags: Vec<(&'static str, &'static str)>,
}

/// The integration code for every requested language, plus the decisions it took.
pub(crate) fn code(s: &Settings, cfg: &SecretsConfig, sdk: Sdk, templates: Templates) -> (Vec<IntegrationCode>, Vec<String>) {
    let (fill, mut decisions) = fill(s, cfg, sdk);
    let code = s.languages.iter().map(|&l| render(s, l, &fill, templates).0).collect();
    decisions.push(format!(
        "integration_code retries failed reads at most 5 times with exponential backoff and full jitter (0.5s base, 8s cap), retries only throttling, server and network errors, and logs errors by type only, never a response or the secret; the dependency lines are under {}/code/<language>/ in files ({}).",
        s.role_name(),
        s.languages.iter().map(|l| dependency_file(*l)).collect::<Vec<_>>().join(", ")
    ));
    let names = |python: &'static str, go: &'static str, node: &'static str, java: &'static str| {
        s.languages
            .iter()
            .map(|l| match l {
                Language::Python => python,
                Language::Go => go,
                Language::Nodejs => node,
                Language::Java => java,
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    decisions.push(format!(
        "integration_code's cache has an explicit re-read that drops the cached copy, so the next read fetches the secret again ({}).",
        names(
            "secret.invalidate() in Python",
            "Secret.Invalidate() in Go",
            "secret.invalidate() in Node.js",
            "Secrets.SECRET.invalidate() in Java"
        )
    ));
    if s.credential == CredentialType::Database {
        decisions.push(format!(
            "integration_code's connect helper ({}) opens a connection with the cached credential and, when the database refuses the login (SQLSTATE 28P01 or 28000, or MySQL/MariaDB error 1045, as {} report them), invalidates the cache, reads the secret again and retries after {} ({}s in all) before surfacing the error.",
            names("connect in Python", "Connect in Go", "connect in Node.js", "Secrets.connect in Java"),
            names("psycopg, psycopg2, pg8000, PyMySQL and mysqlclient", "pgx and go-sql-driver/mysql", "node-postgres and mysql2", "JDBC drivers"),
            AUTH_RETRY_DELAYS_SECS.iter().map(|d| format!("{d}s")).collect::<Vec<_>>().join(", "),
            auth_retry_secs()
        ));
    }
    (code, decisions)
}

/// What a workload's module says about one of its secrets (where it reads from, how long it
/// caches), without rendering a module of its own: the module-wide sentences come from
/// [`workload_code`].
pub(crate) fn secret_decisions(s: &Settings, cfg: &SecretsConfig, sdk: Sdk) -> Vec<String> {
    fill(s, cfg, sdk).1
}

/// One secret of a workload, as its SDK module sees it.
pub(crate) struct SecretCode<'a> {
    pub label: &'a str,
    pub settings: &'a Settings,
    pub config: &'a SecretsConfig,
}

mod workload;
pub(crate) use workload::workload_code;
pub use workload::{secret_names, SecretNames};

/// The file name of the joined snippet (Java's public class must match its file).
pub fn source_file(l: Language) -> &'static str {
    match l {
        // Not secrets.py: that name would shadow Python's standard `secrets` module.
        Language::Python => "app_secrets.py",
        Language::Go => "secrets.go",
        Language::Nodejs => "secrets.js",
        Language::Java => "Secrets.java",
    }
}

pub(crate) fn dependency_file(l: Language) -> &'static str {
    match l {
        Language::Python => "requirements.txt",
        Language::Go => "go.mod",
        Language::Nodejs => "package.json",
        Language::Java => "pom.xml",
    }
}

fn description(c: CredentialType) -> &'static str {
    match c {
        CredentialType::Database => "Database credentials",
        CredentialType::ApiKey => "An API key",
        CredentialType::Certificate => "A certificate and private key",
        CredentialType::Generic => "A secret",
    }
}

/// How long a read stays fresh, and why, when the backend gives no lease.
pub(crate) fn cache_ttl(s: &Settings) -> (u64, String) {
    match (s.rotation, s.rotation_period) {
        (Rotation::Manual, _) | (_, None) => (
            MANUAL_CACHE_SECS,
            format!("the secret changes only by hand, so a change is seen within {MANUAL_CACHE_SECS}s"),
        ),
        (_, Some(period)) => {
            let ttl = (period.secs() / 10).clamp(MIN_CACHE_SECS, MAX_CACHE_SECS);
            (
                ttl,
                format!(
                    "a tenth of the {} rotation period, between {MIN_CACHE_SECS}s and {MAX_CACHE_SECS}s, so a rotated value is seen soon after it is written",
                    period.to_text()
                ),
            )
        }
    }
}

fn fill(s: &Settings, cfg: &SecretsConfig, sdk: Sdk) -> (Fill, Vec<String>) {
    let (ttl, reason) = cache_ttl(s);
    let mut vars = vec![
        ("NAME", Var::from(s.name.as_str())),
        ("DESCRIPTION", Var::from(description(s.credential))),
        ("SECRET_PATH", Var::from(cfg.secret_path.as_str())),
        ("CACHE_TTL", Var::Int(ttl)),
        ("CACHE_REASON", Var::Text(reason)),
    ];
    let Sdk {
        vars: backend_vars,
        mut flags,
        mut decisions,
        identity,
        short,
        no_backend_call,
    } = sdk;
    vars.extend(backend_vars);
    // `credential=database` adds the common code's connect helper (re-read and retry on a refused login).
    flags.push(("credential", s.credential.as_str()));
    // A plan's module names its one secret's code plainly: no suffixes, no `@each` copies.
    vars.push(("SUFFIX", Var::from("")));
    vars.push(("SUFFIX_UPPER", Var::from("")));
    if !no_backend_call {
        decisions.push(format!("integration_code authenticates as {identity}."));
    }
    if s.backend != Backend::Vault && s.languages.contains(&Language::Java) {
        decisions.push(
            "The Java integration code returns the secret's text as the field \"value\" (the other languages split a JSON object into fields), because none of the Java SDKs exports a JSON parser; parse it with the JSON library the application already uses."
                .into(),
        );
    }
    vars.push(("IDENTITY", Var::Text(identity)));
    vars.push(("IDENTITY_SHORT", Var::Text(short)));
    (Fill { vars, flags }, decisions)
}

/// The code of one language, and the placeholders that could not be filled (none, as the
/// tests require: a placeholder without a known context or variable is a template bug).
fn render(s: &Settings, language: Language, fill: &Fill, templates: Templates) -> (IntegrationCode, Vec<String>) {
    let sdk = versions::sdk(s.backend, language);
    let (sdk_template, common_template) = compiled(s.backend, language, templates);
    let mut flags = fill.flags.clone();
    flags.push(("module", "single"));
    let [authentication_snippet, mut secret_retrieval_snippet, mut error_handling] = sdk_template.sections(&flags);
    // Python wants two blank lines between top-level definitions, the others one.
    let gap = match language {
        Language::Python => "\n\n\n",
        Language::Go | Language::Nodejs | Language::Java => "\n\n",
    };
    error_handling = format!("{}{gap}{}", error_handling.trim_end_matches('\n'), common_template.select(&flags));
    // One pass per text: a value (user input) is never scanned again for placeholders, and
    // each is escaped for the context its placeholder names, in the template's language.
    let mut vars: Vec<(&str, Var)> = fill.vars.iter().map(|(k, v)| (*k, v.clone())).collect();
    vars.push(("SDK_VERSION", Var::from(sdk.version)));
    let mut problems = Vec::new();
    let mut replace = |text: String| {
        let (filled, unfilled) = template::fill_in(&text, syntax(language), &vars);
        problems.extend(unfilled);
        filled
    };
    let authentication_snippet = replace(authentication_snippet);
    secret_retrieval_snippet = replace(secret_retrieval_snippet);
    error_handling = format!("{}\n", replace(error_handling).trim_end_matches('\n'));
    if language == Language::Python {
        // PEP 8: two blank lines between top-level definitions once `files` joins the sections.
        secret_retrieval_snippet.insert(0, '\n');
        error_handling.insert(0, '\n');
    }
    let code = IntegrationCode {
        language,
        sdk: sdk.package.to_string(),
        sdk_version: sdk.version.to_string(),
        authentication_snippet,
        secret_retrieval_snippet,
        error_handling,
        dependencies: versions::dependencies(s.backend, language),
        project: s.name.clone(),
    };
    (code, problems)
}

/// The template of a backend and language, and the common code of a language, each split into
/// its `@if` runs once per process.
fn compiled(backend: Backend, language: Language, templates: Templates) -> (&'static Conditional, &'static Conditional) {
    // One slot per backend and language: each backend always hands the same templates
    // (`planner::sdk_templates`), so the backend's index names them.
    const SLOTS: usize = <Backend as Choice>::ALL.len() * <Language as Choice>::ALL.len();
    static SDK: [OnceLock<Conditional>; SLOTS] = [const { OnceLock::new() }; SLOTS];
    static COMMON: OnceLock<Vec<Conditional>> = OnceLock::new();
    let common = COMMON.get_or_init(|| Language::ALL.iter().map(|&l| Conditional::new(common(l))).collect());
    let b = Backend::ALL.iter().position(|&x| x == backend).unwrap_or(0);
    let l = Language::ALL.iter().position(|&x| x == language).unwrap_or(0);
    let sdk = SDK[b * Language::ALL.len() + l].get_or_init(|| Conditional::new(templates(language)));
    (sdk, &common[l])
}

/// The dependency file of a language for the code's pinned packages, rendered from typed values.
pub fn dependency_manifest(name: &str, language: Language, deps: &[Dependency]) -> String {
    match language {
        Language::Python => deps.iter().map(|d| format!("{}=={}\n", d.package, d.version)).collect(),
        Language::Go => {
            let mut text = format!("module example.com/{name}/secrets\n\ngo {}\n\nrequire (\n", versions::GO_VERSION);
            for d in deps {
                text.push_str(&format!("\t{} {}\n", d.package, d.version));
            }
            text.push_str(")\n");
            text
        }
        Language::Nodejs => {
            let dependencies: serde_json::Map<String, serde_json::Value> = deps
                .iter()
                .map(|d| (d.package.to_string(), serde_json::Value::from(d.version)))
                .collect();
            let doc = serde_json::json!({
                "name": format!("{name}-secrets"),
                "private": true,
                "type": "commonjs",
                "engines": { "node": versions::NODE_ENGINES },
                "dependencies": dependencies,
            });
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
        Language::Java => pom(name, deps),
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn pom(name: &str, deps: &[Dependency]) -> String {
    let coords = |d: &Dependency| {
        let (group, artifact) = d.package.split_once(':').unwrap_or(("", d.package));
        (xml_escape(group), xml_escape(artifact))
    };
    let mut boms = String::new();
    let mut libs = String::new();
    for d in deps {
        let (g, a) = coords(d);
        if d.bom {
            boms.push_str(&format!(
                "      <dependency>\n        <groupId>{g}</groupId>\n        <artifactId>{a}</artifactId>\n        <version>{}</version>\n        <type>pom</type>\n        <scope>import</scope>\n      </dependency>\n",
                xml_escape(d.version)
            ));
        } else {
            libs.push_str(&format!(
                "    <dependency>\n      <groupId>{g}</groupId>\n      <artifactId>{a}</artifactId>\n    </dependency>\n"
            ));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd\">\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.example</groupId>\n  <artifactId>{}-secrets</artifactId>\n  <version>1.0.0</version>\n  <properties>\n    <maven.compiler.release>{}</maven.compiler.release>\n  </properties>\n  <dependencyManagement>\n    <dependencies>\n{boms}    </dependencies>\n  </dependencyManagement>\n  <dependencies>\n{libs}  </dependencies>\n</project>\n",
        xml_escape(name),
        versions::JAVA_RELEASE
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;

    fn all_requests() -> Vec<Request> {
        let mut out = Vec::new();
        for b in Backend::ALL {
            for t in Target::ALL {
                for r in Rotation::ALL {
                    for c in CredentialType::ALL {
                        let mut req = Request::new(*b, *t, *r);
                        req.credential = Some(*c);
                        req.languages = Some(Language::ALL.to_vec());
                        out.push(req);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_backend_gets_complete_code_for_every_language() {
        for req in all_requests() {
            let code = crate::planner::plan(&req).integration_code;
            assert_eq!(code.len(), 4);
            // Every placeholder of every template under this request's flags names a known
            // context and a variable that fits it.
            let (settings, _) = crate::planner::resolve::resolve(&req);
            let cfg = crate::planner::plan(&req).secrets_config;
            let (ttl, _) = cache_ttl(&settings);
            let (sdk, templates) = crate::planner::sdk_parts(&settings, &cfg, ttl);
            let (f, _) = fill(&settings, &cfg, sdk);
            for l in Language::ALL {
                let (_, problems) = render(&settings, *l, &f, templates);
                assert!(problems.is_empty(), "{:?} {l:?}: unfilled placeholders {problems:?}", req.backend);
            }
            for c in &code {
                let all = format!("{}{}{}", c.authentication_snippet, c.secret_retrieval_snippet, c.error_handling);
                let unfilled = ["{{str:", "{{part:", "{{text:", "{{int:", "{{code:"]
                    .iter()
                    .any(|p| all.contains(p));
                assert!(!unfilled, "unfilled placeholder in {:?} {:?}: {all}", req.backend, c.language);
                assert!(!all.contains("@if") && !all.contains("@end") && !all.contains("@section"), "{all}");
                assert_eq!(c.sdk_version, versions::sdk(req.backend, c.language).version);
                assert!(!c.dependencies.is_empty());
            }
        }
    }

    #[test]
    fn cloud_backends_read_exactly_the_logical_secret() {
        let cases = [
            (Backend::AwsSecrets, "\"prod/app/api-key\"", "\"us-east-1\""),
            (
                Backend::AzureKeyVault,
                "\"prod--app-api-key\"",
                "\"https://kv-example.vault.azure.net\"",
            ),
            (
                Backend::GcpSecretManager,
                "\"projects/example-project/secrets/prod--app-api-key/versions/latest\"",
                "",
            ),
        ];
        for (b, id, extra) in cases {
            let mut req = Request::new(b, Target::Application, Rotation::Manual);
            req.credential = Some(CredentialType::ApiKey);
            for c in crate::planner::plan(&req).integration_code {
                assert!(
                    c.authentication_snippet.contains(id) || c.secret_retrieval_snippet.contains(id),
                    "{b:?} {:?}",
                    c.language
                );
                assert!(c.authentication_snippet.contains(extra), "{b:?} {:?}", c.language);
            }
        }
    }

    /// The compiled split equals selecting the text and then splitting it, for every template and
    /// for flags that switch on each single `@if` value, all of them, and none.
    #[test]
    fn compiled_sections_equal_select_then_sections() {
        for &b in Backend::ALL {
            for &l in Language::ALL {
                let text = crate::planner::sdk_templates(b)(l);
                let mut pairs: Vec<(&str, &str)> = Vec::new();
                for line in text.lines() {
                    if let Some(pos) = line.find("@if ") {
                        if let Some((k, values)) = line[pos + 4..].trim().split_once('=') {
                            pairs.extend(values.split('|').map(|v| (k, v)));
                        }
                    }
                }
                let compiled = Conditional::new(text);
                let mut flag_sets: Vec<Vec<(&str, &str)>> = vec![Vec::new(), pairs.clone()];
                flag_sets.extend(pairs.iter().map(|p| vec![*p]));
                for flags in &flag_sets {
                    assert_eq!(
                        compiled.sections(flags),
                        template::sections(&compiled.select(flags)),
                        "{b}/{l} with {flags:?}"
                    );
                }
            }
        }
    }

    /// The connect helper of every language waits exactly AUTH_RETRY_DELAYS_SECS, which the
    /// rotation window counts on.
    #[test]
    fn every_language_retries_a_refused_login_after_the_same_delays() {
        let py = AUTH_RETRY_DELAYS_SECS
            .iter()
            .map(|d| format!("{d}.0"))
            .collect::<Vec<_>>()
            .join(", ");
        let ms = AUTH_RETRY_DELAYS_SECS
            .iter()
            .map(|d| (d * 1000).to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let go = AUTH_RETRY_DELAYS_SECS
            .iter()
            .map(|d| match d {
                0 => "0".to_string(),
                1 => "time.Second".to_string(),
                d => format!("{d} * time.Second"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let total = format!("({}s in all)", auth_retry_secs());
        for (l, list) in [
            (Language::Python, format!("AUTH_RETRY_DELAYS_SECONDS = ({py})")),
            (Language::Nodejs, format!("AUTH_RETRY_DELAYS_MS = [{ms}]")),
            (Language::Go, format!("[]time.Duration{{{go}}}")),
            (Language::Java, format!("AUTH_RETRY_DELAY_MILLIS = {{{ms}}}")),
        ] {
            let text = common(l);
            assert!(text.contains(&list), "{l:?}: {list}");
            assert!(text.contains(&total), "{l:?}: {total}");
        }
    }

    #[test]
    fn cache_ttl_is_bounded() {
        let mut req = Request::new(Backend::AwsSecrets, Target::Application, Rotation::Automatic);
        assert_eq!(cache_ttl(&crate::planner::resolve::resolve(&req).0).0, MAX_CACHE_SECS);
        req.rotation = Rotation::Dynamic;
        req.rotation_period = Some(crate::planner::request::Duration::from_secs(60));
        assert_eq!(cache_ttl(&crate::planner::resolve::resolve(&req).0).0, MIN_CACHE_SECS);
    }
}
