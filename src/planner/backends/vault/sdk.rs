//! What the SDK code of a vault plan needs from the backend: the template of each
//! language, the values its placeholders take, the `@if` flags that hold and the identity the
//! code authenticates as. `targets::application` renders it.

use super::dynamic_database::{AUDIENCE, TOKEN_DIR};
use super::AGENT_DIR;
use crate::planner::choice::*;
use crate::planner::targets::application::Sdk;
use crate::planner::{SecretsConfig, Settings};
use crate::render::escape::Var;

/// The SDK template of a language.
pub(crate) fn template(language: Language) -> &'static str {
    match language {
        Language::Python => include_str!("snippets/sdk/python.py"),
        Language::Go => include_str!("snippets/sdk/go.go"),
        Language::Nodejs => include_str!("snippets/sdk/nodejs.js"),
        Language::Java => include_str!("snippets/sdk/java.java"),
    }
}

/// The values, flags and decisions of the plan's SDK code; `ttl` is how long it caches a read.
pub(crate) fn sdk(s: &Settings, cfg: &SecretsConfig, ttl: u64) -> Sdk {
    let mut sdk = Sdk::default();
    let path = cfg.secret_path.as_str();
    (sdk.identity, sdk.short) = {
        let src = vault_source(s, path);
        sdk.flags.push(("source", src.flag()));
        let role = s.role_name();
        let mount = &s.vault.auth_mount;
        sdk.vars.extend([
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
            ("ALT_NAMES", Var::from(s.certificate.dns_alt_names().join(","))),
            ("IP_SANS", Var::from(s.certificate.ip_addresses().join(","))),
            (
                "CERT_TTL",
                Var::from(
                    &s.rotation_period
                        .filter(|_| s.rotation == Rotation::Dynamic)
                        .unwrap_or(s.certificate.ttl)
                        .to_go(),
                ),
            ),
            ("CERT_DIR", Var::from(cert_dir(s))),
            // The database or PKI role the secret's path names (a workload's secret has its own;
            // a plan's is its login role).
            ("SOURCE_ROLE", Var::from(path.rsplit('/').next().unwrap_or(path))),
        ]);
        let (kv_mount, kv_key) = path.split_once("/data/").unwrap_or((s.vault.kv_mount.as_str(), path));
        sdk.vars.push(("KV_MOUNT", Var::from(kv_mount)));
        sdk.vars.push(("KV_PATH", Var::from(kv_key)));
        let auth = match (cfg.authentication_method, s.cicd.platform) {
            (AuthMethod::Kubernetes, _) => "kubernetes",
            (AuthMethod::Jwt, CicdPlatform::GithubActions) => "github",
            // The pipeline hands the job's token to the code in VAULT_ID_TOKEN.
            (AuthMethod::Jwt, _) => "id-token",
            _ => "approle-file",
        };
        sdk.flags.push(("auth", auth));
        sdk.no_backend_call = src == VaultSource::CertManagerSecret;
        if auth == "kubernetes" && !sdk.no_backend_call {
            sdk.decisions.push(format!(
                "integration_code on Kubernetes needs a projected service account token with audience \"{AUDIENCE}\" mounted at {TOKEN_DIR}/token, because the Vault role requires that audience and the default token carries the API server's."
            ));
        }
        sdk.decisions.push(match src {
            VaultSource::Kv => format!("integration_code reads the latest version of {path} (KV v2) and caches it for {ttl}s."),
            VaultSource::DbDynamic => format!("integration_code mints one credential pair from {path} per login and re-reads it at two thirds of its lease."),
            VaultSource::PkiIssue => format!("integration_code issues a certificate from {path} (Vault generates the key) and issues a new one at two thirds of its lifetime."),
            VaultSource::CertManagerSecret => format!(
                "integration_code on Kubernetes reads the certificate cert-manager keeps renewed in Secret {}-tls, mounted at {}, and re-reads it every {ttl}s: only cert-manager holds the {path} permission, so the workload makes no Vault call.",
                s.stem(),
                cert_dir(s)
            ),
        });
        match auth {
            _ if sdk.no_backend_call => (
                format!("none at Vault: the pod reads the Secret {}-tls that cert-manager keeps renewed, mounted as a volume", s.stem()),
                "nothing at Vault".into(),
            ),
            "kubernetes" => (
                format!("service account {}/{} through Vault's Kubernetes auth (mount {mount}, role {role}) with a projected token of audience \"{AUDIENCE}\" at {TOKEN_DIR}/token", s.kubernetes.namespace, s.kubernetes.service_account),
                "the pod's service account".into(),
            ),
            "github" => (
                format!("the GitHub Actions job's OIDC token (audience {}) through Vault's JWT auth (mount {mount}, role {role})", cfg.backend_endpoint),
                "the job's OIDC identity".into(),
            ),
            "id-token" => {
                let token = match (s.cicd.platform, crate::planner::targets::cicd::token_platform(s.cicd.platform)) {
                    (CicdPlatform::GitlabCi, _) => "the GitLab job's id_tokens entry VAULT_ID_TOKEN".to_string(),
                    (_, Some(p)) => super::cicd::token_text(s, p, &role),
                    _ => format!(
                        "an Entra access token of the service connection \"{}\" for {}, which an AzureCLI@2 step puts in VAULT_ID_TOKEN (az account get-access-token --resource)",
                        super::cicd::ado_connection(&role),
                        super::cicd::ado_audience(&role)
                    ),
                };
                (
                    format!("{token} through Vault's JWT auth (mount {mount}, role {role})"),
                    "the job's OIDC identity".into(),
                )
            }
            _ => (
                format!(
                    "the AppRole RoleID and SecretID files in {AGENT_DIR}{} (mount {mount}, role {role})",
                    if src == VaultSource::PkiIssue { "" } else { " that Vault Agent also uses" }
                ),
                "the application's AppRole".into(),
            ),
        }
    };
    sdk
}

/// Where the workload mounts the Secret cert-manager keeps renewed: a plan's as it always was,
/// a workload's secret after that Secret (`<stem>-tls`), so two certificates never share one.
fn cert_dir(s: &Settings) -> String {
    match s.secret_label {
        None => format!("/var/run/secrets/{}-tls", s.name),
        Some(_) => format!("/var/run/secrets/{}-tls", s.stem()),
    }
}

/// What a Vault plan lets the consumer read, recognised from the plan's secret path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VaultSource {
    Kv,
    DbDynamic,
    PkiIssue,
    /// cert-manager holds the PKI sign permission; the workload reads the Secret it keeps renewed.
    CertManagerSecret,
}

impl VaultSource {
    fn flag(self) -> &'static str {
        match self {
            VaultSource::Kv => "kv",
            VaultSource::DbDynamic => "dynamic",
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
    } else if path.starts_with(&format!("{pki}/issue/")) {
        VaultSource::PkiIssue
    } else if path.starts_with(&format!("{pki}/sign/")) {
        VaultSource::CertManagerSecret
    } else {
        VaultSource::Kv
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;

    #[test]
    fn vault_sources_follow_the_secret_path() {
        let mut req = Request::new(Backend::Vault, Target::Application, Rotation::Dynamic);
        req.credential = Some(CredentialType::Database);
        let (s, _) = crate::planner::resolve::resolve(&req);
        assert_eq!(vault_source(&s, "database/creds/prod--app"), VaultSource::DbDynamic);
        assert_eq!(vault_source(&s, "pki/issue/prod--app"), VaultSource::PkiIssue);
        assert_eq!(vault_source(&s, "pki/sign/prod--app"), VaultSource::CertManagerSecret);
        assert_eq!(vault_source(&s, "secret/data/prod/app/config"), VaultSource::Kv);
    }
}
