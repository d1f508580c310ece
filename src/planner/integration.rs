//! Integration code for every backend and language: one [`IntegrationCode`] per requested
//! language, derived only from [`Settings`] and the plan's [`SecretsConfig`] (endpoint,
//! authentication method, secret path), so a backend planner needs to know nothing about SDKs.
//!
//! The snippets are the only templates (`snippets/sdk/<backend>/<language>` plus the shared
//! retry and cache code in `snippets/sdk/common/<language>`). Two template features exist:
//! `{{<context>:<NAME>}}` placeholders, each escaped for its context in the template's
//! language by `render::escape` (a string literal, a comment, a number), and line markers
//! `@section: <part>`, `@if key=value[|value]` … `@end` that keep or drop whole lines.

use super::backends::vault::dynamic_database::{AUDIENCE, TOKEN_DIR};
use super::choice::*;
use super::versions::{self, Dependency};
use super::{IntegrationCode, SecretsConfig, Settings};
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
/// Where Vault Agent (application target) finds its AppRole credentials; the snippet reads the same files.
const AGENT_DIR: &str = "/etc/vault-agent";

fn template(backend: Backend, language: Language) -> &'static str {
    match (backend, language) {
        (Backend::Vault, Language::Python) => include_str!("snippets/sdk/vault/python.py"),
        (Backend::Vault, Language::Go) => include_str!("snippets/sdk/vault/go.go"),
        (Backend::Vault, Language::Nodejs) => include_str!("snippets/sdk/vault/nodejs.js"),
        (Backend::Vault, Language::Java) => include_str!("snippets/sdk/vault/java.java"),
        (Backend::AwsSecrets, Language::Python) => include_str!("snippets/sdk/aws-secrets/python.py"),
        (Backend::AwsSecrets, Language::Go) => include_str!("snippets/sdk/aws-secrets/go.go"),
        (Backend::AwsSecrets, Language::Nodejs) => include_str!("snippets/sdk/aws-secrets/nodejs.js"),
        (Backend::AwsSecrets, Language::Java) => include_str!("snippets/sdk/aws-secrets/java.java"),
        (Backend::AzureKeyVault, Language::Python) => include_str!("snippets/sdk/azure-keyvault/python.py"),
        (Backend::AzureKeyVault, Language::Go) => include_str!("snippets/sdk/azure-keyvault/go.go"),
        (Backend::AzureKeyVault, Language::Nodejs) => include_str!("snippets/sdk/azure-keyvault/nodejs.js"),
        (Backend::AzureKeyVault, Language::Java) => include_str!("snippets/sdk/azure-keyvault/java.java"),
        (Backend::GcpSecretManager, Language::Python) => include_str!("snippets/sdk/gcp-secretmanager/python.py"),
        (Backend::GcpSecretManager, Language::Go) => include_str!("snippets/sdk/gcp-secretmanager/go.go"),
        (Backend::GcpSecretManager, Language::Nodejs) => include_str!("snippets/sdk/gcp-secretmanager/nodejs.js"),
        (Backend::GcpSecretManager, Language::Java) => include_str!("snippets/sdk/gcp-secretmanager/java.java"),
    }
}

/// Retry with backoff and the TTL cache, the same for every backend of a language.
fn common(language: Language) -> &'static str {
    match language {
        Language::Python => include_str!("snippets/sdk/common/python.py"),
        Language::Go => include_str!("snippets/sdk/common/go.go"),
        Language::Nodejs => include_str!("snippets/sdk/common/nodejs.js"),
        Language::Java => include_str!("snippets/sdk/common/java.java"),
    }
}

/// What a Vault plan lets the consumer read, recognised from the plan's secret path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VaultSource {
    Kv,
    DbDynamic,
    DbStatic,
    PkiIssue,
    /// cert-manager holds the PKI sign permission; the workload reads the Secret it keeps renewed.
    CertManagerSecret,
}

impl VaultSource {
    fn flag(self) -> &'static str {
        match self {
            VaultSource::Kv => "kv",
            VaultSource::DbDynamic => "dynamic",
            VaultSource::DbStatic => "static",
            VaultSource::PkiIssue => "pki",
            VaultSource::CertManagerSecret => "mounted",
        }
    }
}

fn vault_source(s: &Settings, path: &str) -> VaultSource {
    let db = &s.vault.database_mount;
    let pki = &s.vault.pki_mount;
    if path.starts_with(&format!("{db}/creds/")) {
        VaultSource::DbDynamic
    } else if path.starts_with(&format!("{db}/static-creds/")) {
        VaultSource::DbStatic
    } else if path.starts_with(&format!("{pki}/issue/")) {
        VaultSource::PkiIssue
    } else if path.starts_with(&format!("{pki}/sign/")) {
        VaultSource::CertManagerSecret
    } else {
        VaultSource::Kv
    }
}

/// Everything a template needs: placeholder values and the `@if` flags that hold.
struct Fill {
    vars: Vec<(&'static str, Var)>,
    flags: Vec<(&'static str, &'static str)>,
}

/// The integration code for every requested language, plus the decisions it took.
pub(crate) fn code(s: &Settings, cfg: &SecretsConfig) -> (Vec<IntegrationCode>, Vec<String>) {
    let (fill, mut decisions) = fill(s, cfg);
    let code = s.languages.iter().map(|&l| render(s, l, &fill).0).collect();
    decisions.push(format!(
        "integration_code retries failed reads at most 5 times with exponential backoff and full jitter (0.5s base, 8s cap), retries only throttling, server and network errors, and logs errors by type only, never a response or the secret; the dependency lines are under code/<language>/ in files ({}).",
        s.languages.iter().map(|l| dependency_file(*l)).collect::<Vec<_>>().join(", ")
    ));
    (code, decisions)
}

/// The file name of the joined snippet (Java's public class must match its file).
pub(crate) fn source_file(l: Language) -> &'static str {
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
fn cache_ttl(s: &Settings) -> (u64, String) {
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

fn fill(s: &Settings, cfg: &SecretsConfig) -> (Fill, Vec<String>) {
    let (ttl, reason) = cache_ttl(s);
    let mut vars = vec![
        ("NAME", Var::from(s.name.as_str())),
        ("DESCRIPTION", Var::from(description(s.credential))),
        ("SECRET_PATH", Var::from(cfg.secret_path.as_str())),
        ("CACHE_TTL", Var::Int(ttl)),
        ("CACHE_REASON", Var::Text(reason)),
    ];
    let mut flags: Vec<(&'static str, &'static str)> = Vec::new();
    let mut decisions = Vec::new();
    let path = cfg.secret_path.as_str();
    let (identity, short): (String, String) = match s.backend {
        Backend::Vault => {
            let src = vault_source(s, path);
            flags.push(("source", src.flag()));
            let role = s.role_name();
            let mount = &s.vault.auth_mount;
            vars.extend([
                ("BACKEND_LABEL", Var::from("Vault")),
                ("VAULT_ADDR", Var::from(cfg.backend_endpoint.as_str())),
                ("VAULT_NAMESPACE", Var::from(s.vault.namespace.as_deref().unwrap_or(""))),
                ("AUTH_MOUNT", Var::from(mount)),
                ("VAULT_ROLE", Var::from(role.as_str())),
                ("TOKEN_PATH", Var::from(format!("{TOKEN_DIR}/token"))),
                ("AUDIENCE", Var::from(cfg.backend_endpoint.as_str())),
                ("ROLE_ID_PATH", Var::from(format!("{AGENT_DIR}/role-id"))),
                ("SECRET_ID_PATH", Var::from(format!("{AGENT_DIR}/secret-id"))),
                ("DATABASE_MOUNT", Var::from(s.vault.database_mount.as_str())),
                ("PKI_MOUNT", Var::from(s.vault.pki_mount.as_str())),
                ("COMMON_NAME", Var::from(s.certificate.common_name.as_str())),
                (
                    "CERT_TTL",
                    Var::from(
                        &s.rotation_period
                            .filter(|_| s.rotation == Rotation::Dynamic)
                            .unwrap_or(s.certificate.ttl)
                            .to_go(),
                    ),
                ),
                ("CERT_DIR", Var::from(format!("/var/run/secrets/{}-tls", s.name))),
            ]);
            let (kv_mount, kv_key) = path.split_once("/data/").unwrap_or((s.vault.kv_mount.as_str(), path));
            vars.push(("KV_MOUNT", Var::from(kv_mount)));
            vars.push(("KV_PATH", Var::from(kv_key)));
            let auth = match (cfg.authentication_method, s.cicd.platform) {
                (AuthMethod::Kubernetes, _) => "kubernetes",
                (AuthMethod::Jwt, CicdPlatform::GitlabCi) => "gitlab",
                (AuthMethod::Jwt, _) => "github",
                (_, _) if s.target == Target::Cicd => "approle-env",
                _ => "approle-file",
            };
            flags.push(("auth", auth));
            if auth == "kubernetes" {
                decisions.push(format!(
                    "integration_code on Kubernetes needs a projected service account token with audience \"{AUDIENCE}\" mounted at {TOKEN_DIR}/token, because the Vault role requires that audience and the default token carries the API server's."
                ));
            }
            decisions.push(match src {
                VaultSource::Kv => format!("integration_code reads the latest version of {path} (KV v2) and caches it for {ttl}s."),
                VaultSource::DbDynamic => format!("integration_code mints one credential pair from {path} per login and re-reads it at two thirds of its lease."),
                VaultSource::DbStatic => format!("integration_code reads {path} and re-reads it just after the next rotation, which Vault reports as ttl."),
                VaultSource::PkiIssue => format!("integration_code issues a certificate from {path} (Vault generates the key) and issues a new one at two thirds of its lifetime."),
                VaultSource::CertManagerSecret => format!(
                    "integration_code on Kubernetes reads the certificate cert-manager keeps renewed in Secret {}-tls, mounted at /var/run/secrets/{}-tls, and re-reads it every {ttl}s: only cert-manager holds the {path} permission, so the workload makes no Vault call.",
                    s.name, s.name
                ),
            });
            match auth {
                "kubernetes" => (
                    format!("service account {}/{} through Vault's Kubernetes auth (mount {mount}, role {role}) with a projected token of audience \"{AUDIENCE}\" at {TOKEN_DIR}/token", s.kubernetes.namespace, s.kubernetes.service_account),
                    "the pod's service account".into(),
                ),
                "github" => (
                    format!("the GitHub Actions job's OIDC token (audience {}) through Vault's JWT auth (mount {mount}, role {role})", cfg.backend_endpoint),
                    "the job's OIDC identity".into(),
                ),
                "gitlab" => (
                    format!("the GitLab job's id_tokens entry VAULT_ID_TOKEN through Vault's JWT auth (mount {mount}, role {role})"),
                    "the job's OIDC identity".into(),
                ),
                "approle-env" => (
                    format!("the AppRole RoleID and SecretID the pipeline injects as VAULT_ROLE_ID and VAULT_SECRET_ID (mount {mount}, role {role})"),
                    "the pipeline's AppRole".into(),
                ),
                _ => (
                    format!("the AppRole RoleID and SecretID files in {AGENT_DIR} that Vault Agent also uses (mount {mount}, role {role})"),
                    "the application's AppRole".into(),
                ),
            }
        }
        Backend::AwsSecrets => {
            // arn:aws:secretsmanager:<region>:<account>:secret:<name>
            let parts: Vec<&str> = path.splitn(7, ':').collect();
            let region = parts.get(3).copied().unwrap_or(s.aws.region.as_str()).to_string();
            let name = parts.get(6).copied().unwrap_or(path).to_string();
            vars.extend([
                ("BACKEND_LABEL", Var::from("Secrets Manager")),
                ("AWS_REGION", Var::from(region.as_str())),
                ("SECRET_ID", Var::from(name.as_str())),
            ]);
            flags.push(("payload", "text"));
            decisions.push(format!(
                "integration_code reads the AWSCURRENT version of secret {name} in {region} by name (the ARN's random suffix is only known once the secret exists) and caches it for {ttl}s."
            ));
            match cfg.authentication_method {
                AuthMethod::Irsa => (
                    format!("the IAM role of service account {}/{} through IRSA (EKS injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)", s.kubernetes.namespace, s.kubernetes.service_account),
                    "the pod's IAM role".into(),
                ),
                AuthMethod::PodIdentity => (
                    format!("the IAM role EKS Pod Identity associates with service account {}/{}", s.kubernetes.namespace, s.kubernetes.service_account),
                    "the pod's IAM role".into(),
                ),
                AuthMethod::Oidc => (
                    "the IAM role the pipeline assumed with its OIDC token (AssumeRoleWithWebIdentity; the credentials are in the job's environment)".into(),
                    "the pipeline's IAM role".into(),
                ),
                _ => ("the IAM role of the instance, task or function the application runs as".into(), "the application's IAM role".into()),
            }
        }
        Backend::AzureKeyVault => {
            let (vault_url, name) = path.split_once("/secrets/").unwrap_or((cfg.backend_endpoint.as_str(), path));
            vars.extend([
                ("BACKEND_LABEL", Var::from("Key Vault")),
                ("VAULT_URL", Var::from(vault_url)),
                ("SECRET_NAME", Var::from(name)),
                ("IDENTITY_VERSION", Var::from(versions::AZURE_IDENTITY_PYTHON)),
            ]);
            flags.push(("payload", "text"));
            let cred = match (s.target, cfg.authentication_method) {
                (Target::Cicd, _) => "cli",
                (_, AuthMethod::ManagedIdentity) => "managed",
                _ => "workload",
            };
            flags.push(("cred", cred));
            decisions.push(format!(
                "integration_code reads the current version of secret {name} in {vault_url} and caches it for {ttl}s."
            ));
            match cred {
                "cli" => (
                    "the pipeline's workload identity federation; the login step (azure/login or an AzureCLI task on a workload identity service connection) leaves the Azure CLI signed in".into(),
                    "the pipeline's federated identity".into(),
                ),
                "managed" => ("the application's managed identity (AZURE_CLIENT_ID selects a user-assigned one)".into(), "the application's managed identity".into()),
                _ => (
                    format!("the workload identity federated with service account {}/{} (the AKS webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE)", s.kubernetes.namespace, s.kubernetes.service_account),
                    "the workload identity".into(),
                ),
            }
        }
        Backend::GcpSecretManager => {
            vars.extend([
                ("BACKEND_LABEL", Var::from("Secret Manager")),
                ("SECRET_VERSION", Var::from(format!("{path}/versions/latest"))),
            ]);
            flags.push(("payload", "text"));
            decisions.push(format!(
                "integration_code accesses {path}/versions/latest (the newest enabled version) and caches it for {ttl}s."
            ));
            match (s.target, cfg.authentication_method) {
                (Target::Kubernetes, _) => (
                    format!(
                        "service account {}/{} through GKE Workload Identity Federation (Application Default Credentials)",
                        s.kubernetes.namespace, s.kubernetes.service_account
                    ),
                    "the pod's Kubernetes service account".into(),
                ),
                (Target::Cicd, _) => (
                    "the pipeline's Workload Identity Federation credentials (the auth step writes GOOGLE_APPLICATION_CREDENTIALS)".into(),
                    "the pipeline's federated identity".into(),
                ),
                _ => (
                    "the service account attached to the application (Application Default Credentials)".into(),
                    "the application's service account".into(),
                ),
            }
        }
    };
    decisions.push(format!("integration_code authenticates as {identity}."));
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
fn render(s: &Settings, language: Language, fill: &Fill) -> (IntegrationCode, Vec<String>) {
    let sdk = versions::sdk(s.backend, language);
    let (sdk_template, common_template) = compiled(s.backend, language);
    let [authentication_snippet, mut secret_retrieval_snippet, mut error_handling] = sdk_template.sections(&fill.flags);
    // Python wants two blank lines between top-level definitions, the others one.
    let gap = match language {
        Language::Python => "\n\n\n",
        Language::Go | Language::Nodejs | Language::Java => "\n\n",
    };
    error_handling = format!(
        "{}{gap}{}",
        error_handling.trim_end_matches('\n'),
        common_template.select(&fill.flags)
    );
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
fn compiled(backend: Backend, language: Language) -> (&'static Conditional, &'static Conditional) {
    static SDK: OnceLock<Vec<Conditional>> = OnceLock::new();
    static COMMON: OnceLock<Vec<Conditional>> = OnceLock::new();
    let sdk = SDK.get_or_init(|| {
        Backend::ALL
            .iter()
            .flat_map(|&b| Language::ALL.iter().map(move |&l| Conditional::new(template(b, l))))
            .collect()
    });
    let common = COMMON.get_or_init(|| Language::ALL.iter().map(|&l| Conditional::new(common(l))).collect());
    let b = Backend::ALL.iter().position(|&x| x == backend).unwrap_or(0);
    let l = Language::ALL.iter().position(|&x| x == language).unwrap_or(0);
    (&sdk[b * Language::ALL.len() + l], &common[l])
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
            let (f, _) = fill(&settings, &cfg);
            for l in Language::ALL {
                let (_, problems) = render(&settings, *l, &f);
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
    fn vault_sources_follow_the_secret_path() {
        let mut req = Request::new(Backend::Vault, Target::Application, Rotation::Dynamic);
        req.credential = Some(CredentialType::Database);
        let (s, _) = crate::planner::resolve::resolve(&req);
        assert_eq!(vault_source(&s, "database/creds/prod-app"), VaultSource::DbDynamic);
        assert_eq!(vault_source(&s, "database/static-creds/prod-app"), VaultSource::DbStatic);
        assert_eq!(vault_source(&s, "pki/issue/prod-app"), VaultSource::PkiIssue);
        assert_eq!(vault_source(&s, "pki/sign/prod-app"), VaultSource::CertManagerSecret);
        assert_eq!(vault_source(&s, "secret/data/prod/app/config"), VaultSource::Kv);
    }

    #[test]
    fn cloud_backends_read_exactly_the_logical_secret() {
        let cases = [
            (Backend::AwsSecrets, "\"prod/app/api-key\"", "\"us-east-1\""),
            (
                Backend::AzureKeyVault,
                "\"prod-app-api-key\"",
                "\"https://kv-example.vault.azure.net\"",
            ),
            (
                Backend::GcpSecretManager,
                "\"projects/example-project/secrets/prod-app-api-key/versions/latest\"",
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
                let text = template(b, l);
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

    #[test]
    fn cache_ttl_is_bounded() {
        let mut req = Request::new(Backend::AwsSecrets, Target::Application, Rotation::Automatic);
        assert_eq!(cache_ttl(&crate::planner::resolve::resolve(&req).0).0, MAX_CACHE_SECS);
        req.rotation = Rotation::Dynamic;
        req.rotation_period = Some(crate::planner::request::Duration::from_secs(60));
        assert_eq!(cache_ttl(&crate::planner::resolve::resolve(&req).0).0, MIN_CACHE_SECS);
    }
}
