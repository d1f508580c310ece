//! The pure planning core: a validated [`Request`] in, a [`Plan`] of typed, rendered artifacts out.
//!
//! Invariant: no tonic/prost/tokio, no clock, no environment, no randomness, no IO. The same
//! request always yields byte-identical output.

pub mod backends;
pub mod choice;
mod ci_env;
mod contract;
pub mod duration;
pub mod effect;
pub mod findings;
pub mod placeholders;
pub mod request;
mod resolve;
pub mod shape;
mod snippets;
pub mod targets;
/// The SDK integration code (the application target), under its earlier name.
pub use targets::application as integration;
/// The Kubernetes target's objects, under the name every backend uses for them.
pub use targets::kubernetes as k8s;
pub mod versions;
pub mod window;
pub mod workload;

use std::collections::BTreeMap;

pub use backends::azure::roles as azure_roles;
pub use choice::*;
pub use contract::{contract_json, fingerprint, identity};
pub use request::Request;
pub use resolve::{ApiKeyRotation, Settings};

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SecretsConfig {
    pub backend_endpoint: String,
    pub authentication_method: AuthMethod,
    pub secret_path: String,
    pub config_format: ConfigFormat,
    /// Always set: every combination is planned (kept optional in the neutral model, null in state if ever absent).
    pub config_file: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AccessPolicy {
    pub policy_name: String,
    pub policy_type: PolicyType,
    pub policy_document: String,
    pub scope: String,
    /// The key of the secret the policy concerns (`secrets`), `""` when it is workload-wide
    /// (the consumer identity's trust, the deployer's grants).
    pub secret: String,
    /// The principal it belongs to, so HCL can attach it without parsing names.
    pub attach_to: AttachTo,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct IntegrationCode {
    pub language: Language,
    pub sdk: String,
    pub sdk_version: String,
    pub authentication_snippet: String,
    pub secret_retrieval_snippet: String,
    pub error_handling: String,
    /// Packages for the dependency file in `files`; not part of the data source's schema.
    #[serde(skip)]
    pub dependencies: Vec<versions::Dependency>,
    /// The workload name the dependency file's module/artifact is named after; not in the schema.
    #[serde(skip)]
    pub project: String,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RotationScripts {
    pub rotation_type: RotationType,
    pub schedule: String,
    pub rotation_logic: String,
    pub notification: String,
    /// How long a replaced credential keeps working after the new one exists (`window`).
    pub overlap: String,
    /// The longest a planned consumer keeps using a copy it read before (`window`).
    pub max_staleness: String,
}

/// What the secrets of one workload share in a backend's artifacts: Terraform blocks by address
/// (`resource.TYPE.NAME`, `data.TYPE.NAME`, `variable.NAME`, `output.NAME`, `provider.NAME`,
/// `terraform`) and manifests by file name. Everything else belongs to one secret. See
/// `planner::workload`, which composes a workload's secrets.
pub struct WorkloadWide {
    pub terraform: &'static [&'static str],
    pub files: &'static [&'static str],
}

/// One secret of a plan: what `secrets` holds under its key.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SecretPart {
    /// The label (`secretsint_workload`) or the credential type (`secretsint_plan`).
    pub key: String,
    pub secret_path: String,
    pub secrets_config: SecretsConfig,
    pub rotation_scripts: Option<RotationScripts>,
}

impl SecretPart {
    /// The secret's configuration and rotation files, by path relative to its directory.
    pub fn files(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(config) = &self.secrets_config.config_file {
            let ext = match self.secrets_config.config_format {
                ConfigFormat::Hcl => "hcl",
                ConfigFormat::Json => "json",
                ConfigFormat::Yaml => "yaml",
            };
            out.push((format!("config/backend.{ext}"), config.clone()));
        }
        if let Some(r) = &self.rotation_scripts {
            out.push((
                "rotation/README.txt".to_string(),
                format!(
                    "rotation: {}\nschedule: {}\nnotification: {}\n",
                    r.rotation_type, r.schedule, r.notification
                ),
            ));
            out.push((
                format!("rotation/{}", versions::rotation_logic_filename(r)),
                r.rotation_logic.clone(),
            ));
        }
        out
    }
}

/// The workload's one consumer identity, by name.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Identity {
    /// e.g. `vault-kubernetes-role`, `iam-role`, `user-assigned-identity`, `service-account`.
    pub kind: String,
    pub name: String,
    /// The backend's reference fields (mount, ARN, resource group, IAM member …).
    pub fields: BTreeMap<String, String>,
}

impl Identity {
    pub fn new(kind: &str, name: impl Into<String>, fields: &[(&str, String)]) -> Identity {
        Identity {
            kind: kind.into(),
            name: name.into(),
            fields: fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DeploymentManifest {
    #[serde(rename = "type")]
    pub kind: ManifestType,
    pub filename: String,
    pub content: String,
    /// A strategic-merge patch's value, which a workload merges across its secrets
    /// (`planner::workload`); not part of the data source's schema.
    #[serde(skip)]
    pub patch: Option<serde_json::Value>,
}

impl DeploymentManifest {
    pub fn new(kind: ManifestType, filename: &str, content: String) -> DeploymentManifest {
        DeploymentManifest {
            kind,
            filename: filename.into(),
            content,
            patch: None,
        }
    }

    /// A Kubernetes strategic-merge patch (`kubectl patch --patch-file`), rendered and kept as a
    /// value, so the patches of a workload's secrets merge as kubectl would merge them.
    pub fn patch<T: serde::Serialize>(filename: &str, value: &T) -> DeploymentManifest {
        DeploymentManifest {
            patch: serde_json::to_value(value).ok(),
            ..DeploymentManifest::new(ManifestType::Kubernetes, filename, crate::render::yaml(value))
        }
    }
}

/// Something the user should hear about, tied to the argument it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// Attribute path as names, e.g. `["database", "engine"]`; empty for the whole data source.
    pub field: Vec<String>,
    pub summary: String,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingKind {
    /// The request cannot be planned as written.
    Error,
    /// The planner substituted something; an error under `strict = true`.
    Fallback,
    /// Worth knowing; never blocks.
    Warning,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub secrets_config: SecretsConfig,
    pub access_policies: Vec<AccessPolicy>,
    pub integration_code: Vec<IntegrationCode>,
    /// Always set: every combination is planned.
    pub rotation_scripts: Option<RotationScripts>,
    pub deployment_manifests: Vec<DeploymentManifest>,
    pub decisions: Vec<String>,
    pub findings: Vec<Finding>,
    /// Placeholders left in the artifacts, each with the argument that replaces it.
    pub placeholders: Vec<placeholders::Placeholder>,
    /// What every workload on the same platform shares (secrets-engine mounts, auth backends,
    /// audit devices, OIDC providers, workload-identity pools): relative path under `platform/`
    /// -> content. A function of the platform inputs only (backend, target, the backend's block,
    /// the cluster and store kind, the CI platform and repository), never of the workload, its
    /// environment or its secrets, so every plan on one platform holds the same bytes.
    pub platform_files: BTreeMap<String, String>,
    /// `<environment>--<name>` ([`Settings::role_name`]): the directory every key of `files` sits
    /// under, so plans of different workloads or environments never share a `files` key.
    pub workload: String,
    /// Every secret, by key, in the order the configuration lists them.
    pub secrets: Vec<SecretPart>,
    /// The one consumer identity every secret's consumer policy is attached to.
    pub identity: Identity,
    /// A `secretsint_workload`: each secret's configuration and rotation files sit under
    /// `secrets/<key>/` (a `secretsint_plan` keeps `config/` and `rotation/`).
    pub labelled: bool,
}

impl Plan {
    /// No artifacts, only the findings that say why.
    fn refused(findings: Vec<Finding>) -> Plan {
        Plan {
            secrets_config: SecretsConfig {
                backend_endpoint: String::new(),
                authentication_method: AuthMethod::Kubernetes,
                secret_path: String::new(),
                config_format: ConfigFormat::Hcl,
                config_file: None,
            },
            access_policies: Vec::new(),
            integration_code: Vec::new(),
            rotation_scripts: None,
            deployment_manifests: Vec::new(),
            decisions: Vec::new(),
            findings,
            placeholders: Vec::new(),
            platform_files: BTreeMap::new(),
            workload: String::new(),
            secrets: Vec::new(),
            identity: Identity::default(),
            labelled: false,
        }
    }

    /// The files no other attribute holds (the SDK dependency files): what the data source keeps
    /// in `files` unless asked for every copy.
    pub fn files_unique(&self) -> BTreeMap<String, String> {
        self.integration_code
            .iter()
            .map(|code| {
                let (dir, _) = versions::source_layout(code.language);
                (
                    self.file_key(&format!("code/{dir}/{}", integration::dependency_file(code.language))),
                    integration::dependency_manifest(&code.project, code.language, &code.dependencies),
                )
            })
            .collect()
    }

    /// The secrets `files` writes configuration and rotation files for: each of a workload's,
    /// or a plan's one secret as its top-level `secrets_config` and `rotation_scripts` hold it.
    fn secret_parts(&self) -> Vec<SecretPart> {
        if self.labelled {
            return self.secrets.clone();
        }
        vec![SecretPart {
            key: String::new(),
            secret_path: self.secrets_config.secret_path.clone(),
            secrets_config: self.secrets_config.clone(),
            rotation_scripts: self.rotation_scripts.clone(),
        }]
    }

    /// A `files` key: `path` under the workload's directory `<environment>--<name>/`.
    pub fn file_key(&self, path: &str) -> String {
        format!("{}/{path}", self.workload)
    }

    /// Every artifact as a file: relative path -> content, for `local_file` and `--format files`.
    /// Every key sits under `<environment>--<name>/` ([`Plan::file_key`]), so `merge()` over the
    /// plans of different workloads or environments loses nothing.
    pub fn files(&self) -> BTreeMap<String, String> {
        let mut files = self.files_unique();
        for part in self.secret_parts() {
            let dir = if self.labelled {
                format!("secrets/{}/", part.key)
            } else {
                String::new()
            };
            for (path, content) in part.files() {
                files.insert(self.file_key(&format!("{dir}{path}")), content);
            }
        }
        for p in &self.access_policies {
            let ext = if p.policy_type == PolicyType::VaultPolicy {
                "hcl"
            } else if p.policy_document.trim_start().starts_with('{') {
                "json"
            } else {
                "yaml"
            };
            files.insert(
                self.file_key(&format!("policies/{}.{ext}", p.policy_name)),
                p.policy_document.clone(),
            );
        }
        for code in &self.integration_code {
            let (dir, _) = versions::source_layout(code.language);
            let body = format!(
                "{}\n{}\n{}",
                code.authentication_snippet, code.secret_retrieval_snippet, code.error_handling
            );
            files.insert(
                self.file_key(&format!("code/{dir}/{}", integration::source_file(code.language))),
                body,
            );
        }
        for m in &self.deployment_manifests {
            files.insert(self.file_key(&m.filename), m.content.clone());
        }
        files
    }
}

/// Plans a request. Never panics; problems come back as findings. A request whose string
/// arguments fail their grammar (possible only when built by hand, not through the provider or
/// the CLI) is refused whole: the grammar is the wall every artifact format relies on.
pub fn plan(req: &Request) -> Plan {
    let refused = req.grammar_findings();
    if !refused.is_empty() {
        return Plan::refused(refused);
    }
    plan_unchecked(req)
}

/// The checks alone, without rendering a single artifact: the grammar, the cross-field rules,
/// and every error a plan of the request would raise (each backend's limits). This is what
/// `validate` runs; the fallbacks a backend takes and the warnings about them come with the plan
/// itself (`plan`), where `strict` makes the fallbacks errors. `tests/it/validation.rs` checks
/// that the errors are exactly the plan's, over every combination.
pub fn check(req: &Request) -> Checked {
    let refused = req.grammar_findings();
    if !refused.is_empty() {
        return Checked {
            findings: refused,
            placeholders: Vec::new(),
        };
    }
    let (settings, mut findings) = resolve::resolve(req);
    let errors = match settings.backend {
        Backend::Vault if backends::vault::dynamic_database::covers(&settings) => backends::vault::dynamic_database::errors(&settings),
        Backend::Vault => backends::vault::errors(&settings),
        Backend::AwsSecrets => backends::aws::errors(&settings),
        Backend::AzureKeyVault => backends::azure::errors(&settings),
        Backend::GcpSecretManager => backends::gcp::errors(&settings),
    };
    findings.extend(errors.into_iter().filter(|f| f.kind == FindingKind::Error));
    Checked {
        findings,
        placeholders: placeholders::left(req, &settings),
    }
}

/// What [`check`] finds: the findings that need no plan, and the placeholders a plan would leave.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub findings: Vec<Finding>,
    pub placeholders: Vec<placeholders::Placeholder>,
}

/// What the backend of `s` hands the application target: its SDK values and templates.
pub(crate) fn sdk_parts(s: &Settings, cfg: &SecretsConfig, ttl: u64) -> (integration::Sdk, integration::Templates) {
    let sdk = match s.backend {
        Backend::Vault => backends::vault::sdk::sdk(s, cfg, ttl),
        Backend::AwsSecrets => backends::aws::sdk::sdk(s, cfg, ttl),
        Backend::AzureKeyVault => backends::azure::sdk::sdk(s, cfg, ttl),
        Backend::GcpSecretManager => backends::gcp::sdk::sdk(s, cfg, ttl),
    };
    (sdk, sdk_templates(s.backend))
}

/// A backend's SDK template per language.
pub(crate) fn sdk_templates(backend: Backend) -> integration::Templates {
    match backend {
        Backend::Vault => backends::vault::sdk::template,
        Backend::AwsSecrets => backends::aws::sdk::template,
        Backend::AzureKeyVault => backends::azure::sdk::template,
        Backend::GcpSecretManager => backends::gcp::sdk::template,
    }
}

/// `plan` without the grammar check, so that tests can show what the escapers of each context
/// do with values the grammar refuses. The provider and the CLI never call it.
#[doc(hidden)]
pub fn plan_unchecked(req: &Request) -> Plan {
    let (settings, findings) = resolve::resolve(req);
    plan_resolved(req, settings, findings)
}

/// A plan of settings already resolved from `req` (a workload adjusts what its secrets share).
pub(crate) fn plan_resolved(req: &Request, settings: Settings, mut findings: Vec<Finding>) -> Plan {
    let mut plan = match settings.backend {
        Backend::Vault if backends::vault::dynamic_database::covers(&settings) => backends::vault::dynamic_database::plan(&settings),
        Backend::Vault => backends::vault::plan(&settings),
        Backend::AwsSecrets => backends::aws::plan(&settings),
        Backend::AzureKeyVault => backends::azure::plan(&settings),
        Backend::GcpSecretManager => backends::gcp::plan(&settings),
    };
    // Backend planners leave integration_code empty; it follows from the plan's secrets_config.
    if plan.secrets_config.config_file.is_some() && plan.integration_code.is_empty() {
        let (ttl, _) = integration::cache_ttl(&settings);
        let (sdk, templates) = sdk_parts(&settings, &plan.secrets_config, ttl);
        if settings.secret_label.is_some() {
            // A workload's secret: its module is the workload's (planner::workload), which
            // says what the module does; this secret adds only what it reads and how long it keeps it.
            plan.decisions
                .extend(integration::secret_decisions(&settings, &plan.secrets_config, sdk));
        } else {
            let (code, mut decisions) = integration::code(&settings, &plan.secrets_config, sdk, templates);
            plan.integration_code = code;
            plan.decisions.append(&mut decisions);
        }
    }
    findings.append(&mut plan.findings);
    plan.findings = findings;
    plan.decisions = settings.decisions.iter().cloned().chain(plan.decisions).collect();
    plan.placeholders = placeholders::left(req, &settings);
    plan.workload = settings.role_name();
    plan.secrets = vec![SecretPart {
        key: settings.secret_key(),
        secret_path: plan.secrets_config.secret_path.clone(),
        secrets_config: plan.secrets_config.clone(),
        rotation_scripts: plan.rotation_scripts.clone(),
    }];
    plan.identity = backends::identity(&settings);
    plan
}
