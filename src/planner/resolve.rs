//! Fills every unset argument with its default, records each default as a decision, and checks
//! the rules that span several arguments (per-backend limits on rotation periods).

use super::choice::*;
use super::findings;
use super::request::{Duration, Request};
use super::Finding;

#[derive(Clone, Debug, PartialEq)]
pub struct VaultSettings {
    pub address: String,
    pub namespace: Option<String>,
    pub kv_mount: String,
    pub auth_mount: String,
    pub database_mount: String,
    pub pki_mount: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AwsSettings {
    pub region: String,
    pub account_id: String,
    pub kms_key_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AzureSettings {
    pub vault_name: String,
    pub tenant_id: String,
    pub subscription_id: String,
    pub resource_group: String,
    /// The workload's user-assigned identity as Entra knows it once created: its client ID
    /// and its principal (object) ID. `None` for the placeholder.
    pub identity_client_id: Option<String>,
    pub identity_principal_id: Option<String>,
    /// Object ID of the principal that runs Terraform (Key Vault Officer on the vault), `None`
    /// for the placeholder.
    pub deployer_principal_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GcpSettings {
    pub project_id: String,
    pub project_number: String,
    pub location: Option<String>,
    /// The IAM member that adds versions by hand when rotation is manual, `None` for the
    /// placeholder group.
    pub writers: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseSettings {
    pub engine: DbEngine,
    pub host: String,
    pub port: u16,
    pub database_name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KubernetesSettings {
    pub namespace: String,
    pub service_account: String,
    pub store_kind: StoreKind,
    /// Set only when the user chose it; targets derive their own from the rotation period.
    pub refresh_interval: Option<Duration>,
    pub cluster_name: String,
    /// The cluster's OIDC issuer URL (IRSA), `None` for the placeholder.
    pub oidc_issuer: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CicdSettings {
    pub platform: CicdPlatform,
    pub repository: String,
    pub branch: String,
    /// The platform's OIDC issuer URL where it is the user's (Jenkins, Azure DevOps), `None` for
    /// the placeholder.
    pub oidc_issuer: Option<String>,
    /// The owner's (GitHub) or namespace's (GitLab) numeric ID the trust pins.
    pub owner_id: String,
    /// The repository's (GitHub) or project's (GitLab) numeric ID the trust pins.
    pub repository_id: String,
    /// GitHub: also trust the classic name-based subject (`repo:OWNER/REPO:…`).
    pub classic_subject: bool,
    /// Azure DevOps: object ID of the Entra service principal behind the workload identity
    /// service connection whose access token Vault or Google trusts.
    pub principal_id: String,
    /// Azure DevOps to Vault: the same for the rotation job's own service connection.
    pub rotator_principal_id: String,
}

/// How an API key's rotation gets a new key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiKeyRotation {
    /// The plan issues the key (`api_key.issuer = "self"`): random bytes are a valid new key.
    SelfIssued,
    /// A third party issues it and `api_key.issuer_hook` mints a new one there.
    Hook(String),
    /// A third party issues it and nothing here can mint one: people rotate, the plan reminds.
    Reminder,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeySettings {
    pub issuer: ApiKeyIssuer,
    pub issuer_hook: Option<String>,
}

impl ApiKeySettings {
    pub fn rotation(&self) -> ApiKeyRotation {
        match (self.issuer, &self.issuer_hook) {
            (ApiKeyIssuer::SelfIssued, _) => ApiKeyRotation::SelfIssued,
            (ApiKeyIssuer::ThirdParty, Some(hook)) => ApiKeyRotation::Hook(hook.clone()),
            (ApiKeyIssuer::ThirdParty, None) => ApiKeyRotation::Reminder,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct CertificateSettings {
    pub common_name: String,
    pub alt_names: Vec<String>,
    pub ttl: Duration,
}

impl CertificateSettings {
    /// Every DNS name of the certificate once: the common name, then each DNS alt name not
    /// listed before it, in the order given (a duplicate anywhere in the list is dropped, not
    /// only one next to its twin). IP addresses are not DNS names: see [`Self::ip_addresses`].
    pub fn dns_names(&self) -> Vec<String> {
        let mut out = vec![self.common_name.clone()];
        for name in self.alt_names.iter().filter(|n| !super::shape::is_ip_san(n)) {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }

    /// The DNS alt names other than the common name, for issue requests that take the common
    /// name apart.
    pub fn dns_alt_names(&self) -> Vec<String> {
        self.dns_names().split_off(1)
    }

    /// Every IP address among the alt names once, in the order given.
    pub fn ip_addresses(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for name in self.alt_names.iter().filter(|n| super::shape::is_ip_san(n)) {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }

    /// Every name of the certificate once: its DNS names, then its IP addresses.
    pub fn all_names(&self) -> Vec<String> {
        let mut names = self.dns_names();
        names.extend(self.ip_addresses());
        names
    }

    /// Whether any DNS name of the certificate is a wildcard (`*.orders.example.com`).
    pub fn has_wildcard(&self) -> bool {
        self.dns_names().iter().any(|n| n.starts_with("*."))
    }
}

/// A request with every default applied. `decisions` lists each default, in argument order.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub backend: Backend,
    pub target: Target,
    pub rotation: Rotation,
    pub credential: CredentialType,
    pub name: String,
    pub environment: String,
    pub languages: Vec<Language>,
    /// The effective period: TTL for dynamic, interval for automatic, none for manual.
    pub rotation_period: Option<Duration>,
    pub vault: VaultSettings,
    pub aws: AwsSettings,
    pub azure: AzureSettings,
    pub gcp: GcpSettings,
    pub database: DatabaseSettings,
    pub kubernetes: KubernetesSettings,
    pub cicd: CicdSettings,
    pub certificate: CertificateSettings,
    pub api_key: ApiKeySettings,
    pub strict: bool,
    pub decisions: Vec<String>,
    /// The secret's label in a `secretsint_workload`, `None` in a `secretsint_plan`.
    pub secret_label: Option<String>,
    /// In a workload, the shortest lifetime the one consumer identity's login tokens may have:
    /// the longest any of its secrets needs (a token parents every lease it reads), so every
    /// secret's plan sets the same TTL on the shared role. `None` in a `secretsint_plan`.
    pub token_ttl_floor: Option<Duration>,
}

pub const DEFAULT_LANGUAGES: [Language; 3] = [Language::Python, Language::Go, Language::Nodejs];
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

/// Records the default it picks; keeps the user's value silently.
struct Defaults {
    decisions: Vec<String>,
}

impl Defaults {
    fn pick<T: Clone>(&mut self, given: &Option<T>, default: T, record: bool, sentence: impl FnOnce(&T) -> String) -> T {
        match given {
            Some(v) => v.clone(),
            None => {
                if record {
                    self.decisions.push(sentence(&default));
                }
                default
            }
        }
    }
}

/// The placeholder object ID of the service principal behind an Azure DevOps service connection.
pub const ADO_PRINCIPAL: &str = "00000000-0000-0000-0000-000000000000";
/// The same for the connection of a Vault rotation job: another principal, so the two roles differ.
pub const ADO_ROTATOR_PRINCIPAL: &str = "00000000-0000-0000-0000-000000000001";

pub fn default_port(engine: DbEngine) -> u16 {
    match engine {
        DbEngine::Postgresql => 5432,
        DbEngine::Mysql => 3306,
        DbEngine::Mongodb => 27017,
        DbEngine::Mssql => 1433,
        DbEngine::Oracle => 1521,
        DbEngine::Redshift => 5439,
    }
}

pub fn resolve(req: &Request) -> (Settings, Vec<Finding>) {
    let mut d = Defaults { decisions: Vec::new() };
    let mut findings = Vec::new();
    let b = req.backend;
    let t = req.target;

    let credential = d.pick(&req.credential, CredentialType::Generic, true, |c| {
        format!("credential_type defaults to \"{c}\".")
    });
    let name = d.pick(&req.name.as_ref().map(|n| n.as_str().to_string()), "app".into(), true, |n| {
        format!("name defaults to \"{n}\".")
    });
    let environment = d.pick(
        &req.environment.as_ref().map(|n| n.as_str().to_string()),
        "prod".into(),
        true,
        |n| format!("environment defaults to \"{n}\"."),
    );
    let languages = match (&req.languages, &req.default_languages) {
        (Some(l), _) => l.clone(),
        (None, Some(l)) => {
            d.decisions
                .push(format!("languages come from the provider's default_languages: {}.", join(l)));
            l.clone()
        }
        (None, None) => {
            d.decisions.push(format!("languages default to {}.", join(&DEFAULT_LANGUAGES)));
            DEFAULT_LANGUAGES.to_vec()
        }
    };

    let rotation_period = match req.rotation {
        Rotation::Manual => {
            if req.rotation_period.is_some() {
                findings.push(findings::rotation_period_ignored());
            }
            None
        }
        Rotation::Automatic => Some(d.pick(&req.rotation_period, Duration::from_secs(90 * DAY), true, |p| {
            format!("rotation_period defaults to {} for automatic rotation.", p.to_text())
        })),
        Rotation::Dynamic => Some(d.pick(&req.rotation_period, Duration::from_secs(HOUR), true, |p| {
            format!(
                "rotation_period (the credential TTL) defaults to {} for dynamic credentials.",
                p.to_text()
            )
        })),
    };
    if let Some(period) = rotation_period {
        if let Some(f) = check_period(b, req.rotation, period) {
            findings.push(f);
        }
    }

    let auth_default = match (t, req.cicd.platform) {
        (Target::Kubernetes, _) => "kubernetes".to_string(),
        // Entra access tokens of the pipeline's service connection: another issuer, another mount.
        (Target::Cicd, Some(CicdPlatform::AzureDevops)) => "jwt-azure-devops".into(),
        (Target::Cicd, None | Some(CicdPlatform::GithubActions | CicdPlatform::GitlabCi)) => "jwt".into(),
        // A JWT mount trusts one issuer, so a platform whose issuer is yours (Jenkins) has its own.
        (Target::Cicd, Some(p)) => format!("jwt-{}", p.as_str()),
        (Target::Application, _) => "approle".into(),
    };
    let is_vault = b == Backend::Vault;
    let vault = VaultSettings {
        address: d.pick(&req.vault.address, "https://vault.example.com:8200".into(), is_vault, |v| {
            format!("vault.address defaults to the placeholder {v}.")
        }),
        namespace: req.vault.namespace.clone(),
        kv_mount: d.pick(&req.vault.kv_mount, "secret".into(), is_vault, |v| {
            format!("vault.kv_mount defaults to \"{v}\" (KV version 2).")
        }),
        auth_mount: d.pick(&req.vault.auth_mount, auth_default, is_vault, |v| {
            format!("vault.auth_mount defaults to \"{v}\" for the {t} target.")
        }),
        database_mount: d.pick(
            &req.vault.database_mount,
            "database".into(),
            is_vault && credential == CredentialType::Database,
            |v| format!("vault.database_mount defaults to \"{v}\"."),
        ),
        pki_mount: d.pick(
            &req.vault.pki_mount,
            "pki".into(),
            is_vault && credential == CredentialType::Certificate,
            |v| format!("vault.pki_mount defaults to \"{v}\"."),
        ),
    };
    let is_aws = b == Backend::AwsSecrets;
    let aws = AwsSettings {
        region: d.pick(&req.aws.region, "us-east-1".into(), is_aws, |v| {
            format!("aws.region defaults to \"{v}\".")
        }),
        account_id: d.pick(&req.aws.account_id, "123456789012".into(), is_aws, |v| {
            format!("aws.account_id defaults to the placeholder {v}.")
        }),
        kms_key_id: req.aws.kms_key_id.clone(),
    };
    let is_azure = b == Backend::AzureKeyVault;
    let azure = AzureSettings {
        vault_name: d.pick(&req.azure.vault_name, "kv-example".into(), is_azure, |v| {
            format!("azure.vault_name defaults to the placeholder \"{v}\".")
        }),
        tenant_id: d.pick(&req.azure.tenant_id, "00000000-0000-0000-0000-000000000000".into(), is_azure, |v| {
            format!("azure.tenant_id defaults to the placeholder {v}.")
        }),
        subscription_id: d.pick(
            &req.azure.subscription_id,
            "00000000-0000-0000-0000-000000000000".into(),
            is_azure,
            |v| format!("azure.subscription_id defaults to the placeholder {v}."),
        ),
        // The vault's group is the platform's, so its default cannot name a workload.
        resource_group: d.pick(&req.azure.resource_group, "rg-secrets".into(), is_azure, |v| {
            format!("azure.resource_group defaults to \"{v}\".")
        }),
        identity_client_id: req.azure.identity_client_id.clone(),
        identity_principal_id: req.azure.identity_principal_id.clone(),
        deployer_principal_id: req.azure.deployer_principal_id.clone(),
    };
    let is_gcp = b == Backend::GcpSecretManager;
    let gcp = GcpSettings {
        project_id: d.pick(&req.gcp.project_id, "example-project".into(), is_gcp, |v| {
            format!("gcp.project_id defaults to the placeholder \"{v}\".")
        }),
        project_number: d.pick(&req.gcp.project_number, "123456789012".into(), is_gcp, |v| {
            format!("gcp.project_number defaults to the placeholder {v}.")
        }),
        location: req.gcp.location.clone(),
        writers: req.gcp.writers.clone(),
    };
    let is_db = credential == CredentialType::Database;
    let engine = d.pick(&req.database.engine, DbEngine::Postgresql, is_db, |v| {
        format!("database.engine defaults to \"{v}\".")
    });
    let database = DatabaseSettings {
        engine,
        host: d.pick(&req.database.host, "db.example.com".into(), is_db, |v| {
            format!("database.host defaults to the placeholder {v}.")
        }),
        port: d.pick(&req.database.port, default_port(engine), is_db, |v| {
            format!("database.port defaults to {v}, the {engine} default.")
        }),
        database_name: d.pick(&req.database.database_name, name.clone(), is_db, |v| {
            format!("database.database_name defaults to the workload name \"{v}\".")
        }),
    };
    let is_k8s = t == Target::Kubernetes;
    let kubernetes = KubernetesSettings {
        namespace: d.pick(
            &req.kubernetes.namespace.as_ref().map(|n| n.as_str().to_string()),
            name.clone(),
            is_k8s,
            |v| format!("kubernetes.namespace defaults to the workload name \"{v}\"."),
        ),
        // Two environments of one workload may share a namespace: the default names both.
        service_account: d.pick(&req.kubernetes.service_account, workload_id(&environment, &name), is_k8s, |v| {
            format!("kubernetes.service_account defaults to \"{v}\" (<environment>--<name>).")
        }),
        store_kind: d.pick(&req.kubernetes.store_kind, StoreKind::SecretStore, is_k8s, |v| {
            format!("kubernetes.store_kind defaults to {v}, which keeps the store inside the workload's namespace.")
        }),
        refresh_interval: req.kubernetes.refresh_interval,
        cluster_name: d.pick(&req.kubernetes.cluster_name, "example-cluster".into(), false, |_| String::new()),
        oidc_issuer: req.kubernetes.oidc_issuer.clone(),
    };
    let is_cicd = t == Target::Cicd;
    // Which CI arguments this combination reads is the effect table's to say (the numeric IDs on
    // GitHub and GitLab, the Entra principals on Azure DevOps), not a second copy of its rules.
    let combo = super::effect::Combo {
        backend: b,
        target: t,
        rotation: req.rotation,
        credential,
        platform: req.cicd.platform.unwrap_or(CicdPlatform::GithubActions),
    };
    let reads = |attr: &str| super::effect::argument_used("cicd", attr, combo);
    let cicd = CicdSettings {
        platform: d.pick(&req.cicd.platform, CicdPlatform::GithubActions, is_cicd, |v| {
            format!("cicd.platform defaults to \"{v}\".")
        }),
        repository: d.pick(&req.cicd.repository, "example-org/example-repo".into(), is_cicd, |v| {
            format!("cicd.repository defaults to the placeholder \"{v}\".")
        }),
        branch: d.pick(&req.cicd.branch, "main".into(), is_cicd, |v| {
            format!("cicd.branch defaults to \"{v}\".")
        }),
        oidc_issuer: req.cicd.oidc_issuer.clone(),
        owner_id: d.pick(&req.cicd.owner_id, "123456".into(), reads("owner_id"), |v| {
            format!("cicd.owner_id defaults to the placeholder \"{v}\".")
        }),
        repository_id: d.pick(&req.cicd.repository_id, "456789".into(), reads("repository_id"), |v| {
            format!("cicd.repository_id defaults to the placeholder \"{v}\".")
        }),
        classic_subject: req.cicd.classic_subject.unwrap_or(false),
        principal_id: d.pick(&req.cicd.principal_id, ADO_PRINCIPAL.into(), reads("principal_id"), |v| {
            format!("cicd.principal_id defaults to the placeholder {v}.")
        }),
        rotator_principal_id: d.pick(
            &req.cicd.rotator_principal_id,
            ADO_ROTATOR_PRINCIPAL.into(),
            reads("rotator_principal_id"),
            |v| format!("cicd.rotator_principal_id defaults to the placeholder {v}."),
        ),
    };
    let is_cert = credential == CredentialType::Certificate;
    let certificate = CertificateSettings {
        common_name: d.pick(
            &req.certificate.common_name,
            format!("{name}.{environment}.example.com"),
            is_cert,
            |v| format!("certificate.common_name defaults to the placeholder {v}."),
        ),
        alt_names: req.certificate.alt_names.clone().unwrap_or_default(),
        ttl: d.pick(&req.certificate.ttl, Duration::from_secs(90 * DAY), is_cert, |v| {
            format!("certificate.ttl defaults to {}.", v.to_text())
        }),
    };

    let rotates_api_key = credential == CredentialType::ApiKey && req.rotation != Rotation::Manual;
    let api_key = ApiKeySettings {
        issuer: d.pick(&req.api_key.issuer, ApiKeyIssuer::ThirdParty, rotates_api_key, |v| {
            format!("api_key.issuer defaults to \"{v}\": the plan never replaces a key it did not issue with random data.")
        }),
        // The AWS, Azure and GCP rotation functions and Vault's CronJob call a hook; Vault's
        // scheduled pipeline (target cicd) does not (the effect table warns), so there the key
        // falls back to a reminder.
        issuer_hook: req
            .api_key
            .issuer_hook
            .clone()
            .filter(|h| super::effect::calls_hook(b, t) && hook_shape(b, h).is_ok()),
    };
    if let (Some(hook), true, true) = (&req.api_key.issuer_hook, rotates_api_key, super::effect::calls_hook(b, t)) {
        findings.extend(check_issuer_hook(api_key.issuer));
        findings.extend(hook_shape(b, hook).err());
    }

    let settings = Settings {
        backend: b,
        target: t,
        rotation: req.rotation,
        credential,
        name,
        environment,
        languages,
        rotation_period,
        vault,
        aws,
        azure,
        gcp,
        database,
        kubernetes,
        cicd,
        certificate,
        api_key,
        strict: req.strict,
        decisions: d.decisions,
        secret_label: req.secret_label.as_ref().map(|l| l.as_str().to_string()),
        token_ttl_floor: None,
    };
    (settings, findings)
}

/// Only a third-party key has an issuer hook: a self-issued one is made up by the rotation.
fn check_issuer_hook(issuer: ApiKeyIssuer) -> Option<Finding> {
    (issuer == ApiKeyIssuer::SelfIssued).then(|| {
        findings::invalid_value(
            vec!["api_key".into(), "issuer_hook".into()],
            "api_key.issuer_hook",
            "a self-issued key is generated by the rotation itself, so it has no issuer hook; remove issuer_hook, or set issuer = \"third-party\"",
        )
    })
}

/// The hook a backend's rotation function can call: a Lambda function ARN on AWS (invoked with
/// the function's role), an https endpoint on Azure, GCP and Vault (called with its identity's token).
fn hook_shape(b: Backend, hook: &str) -> Result<(), Finding> {
    let problem = match b {
        Backend::AwsSecrets => super::shape::lambda_arn(hook).err(),
        _ => super::shape::hook_url(hook).err(),
    };
    match problem {
        None => Ok(()),
        Some(p) => Err(findings::invalid_value(
            vec!["api_key".into(), "issuer_hook".into()],
            "api_key.issuer_hook",
            &format!(
                "{p}; secrets_backend \"{b}\" takes {}",
                match b {
                    Backend::AwsSecrets => super::shape::LAMBDA_HOOK,
                    _ => super::shape::URL_HOOK,
                }
            ),
        )),
    }
}

/// The real limits each backend puts on a rotation period.
fn check_period(b: Backend, rotation: Rotation, period: Duration) -> Option<Finding> {
    use findings::PeriodProblem::*;
    let s = period.secs();
    let problem = match (rotation, b) {
        (Rotation::Dynamic, _) if s > DAY => DynamicTooLong,
        (Rotation::Dynamic, _) if s < 60 => DynamicTooShort,
        (Rotation::Automatic, Backend::AwsSecrets) if !(4 * HOUR..=999 * DAY).contains(&s) => AwsSchedule,
        (Rotation::Automatic, Backend::GcpSecretManager) if s < HOUR => GcpMinimum,
        (Rotation::Automatic, _) if s < 60 => ScheduleMinimum,
        _ => return None,
    };
    Some(findings::rotation_period_out_of_range(problem, period))
}

/// The one place environment and name are joined into one identifier (see [`Settings::role_name`]).
fn workload_id(environment: &str, name: &str) -> String {
    format!("{environment}--{name}")
}

fn join(langs: &[Language]) -> String {
    langs.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(", ")
}

impl Settings {
    pub fn backend_endpoint(&self) -> String {
        match self.backend {
            Backend::Vault => self.vault.address.clone(),
            Backend::AwsSecrets => {
                format!("https://secretsmanager.{}.amazonaws.com", self.aws.region)
            }
            Backend::AzureKeyVault => format!("https://{}.vault.azure.net", self.azure.vault_name),
            Backend::GcpSecretManager => "https://secretmanager.googleapis.com".to_string(),
        }
    }

    pub fn default_auth_method(&self) -> AuthMethod {
        match (self.backend, self.target) {
            (Backend::Vault, Target::Kubernetes) => AuthMethod::Kubernetes,
            (Backend::Vault, Target::Cicd) => AuthMethod::Jwt,
            (Backend::Vault, Target::Application) => AuthMethod::Approle,
            (Backend::AwsSecrets, Target::Kubernetes) => AuthMethod::Irsa,
            (Backend::AwsSecrets, Target::Cicd) => AuthMethod::Oidc,
            (Backend::AwsSecrets, Target::Application) => AuthMethod::Iam,
            (Backend::AzureKeyVault, Target::Application) => AuthMethod::ManagedIdentity,
            (Backend::AzureKeyVault, _) => AuthMethod::WorkloadIdentity,
            (Backend::GcpSecretManager, Target::Cicd) => AuthMethod::Oidc,
            (Backend::GcpSecretManager, _) => AuthMethod::WorkloadIdentity,
        }
    }

    /// The workload's identifier wherever environment and name form one name (roles, policies,
    /// identities, secret IDs, defaulted Kubernetes objects): `<environment>--<name>`. Neither part
    /// may hold `--` (the grammar refuses it), so distinct pairs never meet in one identifier:
    /// (`prod-eu`, `payments`) is `prod-eu--payments`, (`prod`, `eu-payments`) is `prod--eu-payments`.
    pub fn role_name(&self) -> String {
        workload_id(&self.environment, &self.name)
    }

    /// The prefix of every per-secret identifier (policies, rotation roles, functions, Kubernetes
    /// objects of one secret). In a `secretsint_plan` it is the workload's [`Settings::role_name`]
    /// (the names every earlier release planned). In a `secretsint_workload` it is
    /// `<environment>--<name>--<label>`: no part may hold `--`, so two secrets of one workload,
    /// and the secrets of different workloads, never meet in one identifier, and a secret's names
    /// do not change when other secrets join or leave the workload.
    pub fn stem(&self) -> String {
        match &self.secret_label {
            Some(label) => format!("{}--{label}", self.role_name()),
            None => self.role_name(),
        }
    }

    /// The one identifier of the secret itself where a platform names secrets in one flat space
    /// (Key Vault, Secret Manager, Kubernetes Secrets): `<environment>--<name>-<type>` in a
    /// `secretsint_plan`, [`Settings::stem`] in a `secretsint_workload`.
    pub fn secret_id(&self) -> String {
        match &self.secret_label {
            Some(_) => self.stem(),
            None => format!("{}-{}", self.role_name(), self.credential.leaf()),
        }
    }

    /// The last segment of the secret's path where a platform names secrets by path (Vault KV,
    /// AWS Secrets Manager): the credential type in a `secretsint_plan`, the label in a
    /// `secretsint_workload`.
    pub fn leaf(&self) -> &str {
        match &self.secret_label {
            Some(label) => label,
            None => self.credential.leaf(),
        }
    }

    /// The key of this secret in the `secrets` attribute: the label in a `secretsint_workload`,
    /// the credential type in a `secretsint_plan`.
    pub fn secret_key(&self) -> String {
        match &self.secret_label {
            Some(label) => label.clone(),
            None => Choice::as_str(self.credential).to_string(),
        }
    }

    pub fn logical_secret_path(&self) -> String {
        let leaf = self.leaf();
        match self.backend {
            Backend::Vault => match (self.rotation, self.credential) {
                (Rotation::Dynamic, CredentialType::Database) => {
                    format!("{}/creds/{}", self.vault.database_mount, self.stem())
                }
                _ => format!("{}/data/{}/{}/{leaf}", self.vault.kv_mount, self.environment, self.name),
            },
            Backend::AwsSecrets => format!(
                "arn:aws:secretsmanager:{}:{}:secret:{}/{}/{leaf}",
                self.aws.region, self.aws.account_id, self.environment, self.name
            ),
            Backend::AzureKeyVault => format!("https://{}.vault.azure.net/secrets/{}", self.azure.vault_name, self.secret_id()),
            Backend::GcpSecretManager => format!("projects/{}/secrets/{}", self.gcp.project_id, self.secret_id()),
        }
    }
}
