//! GCP Secret Manager for every target, rotation policy and credential type. One secret per plan
//! (its payload a JSON object of the credential's fields), IAM bindings on that single secret for
//! one consumer identity (GKE Workload Identity Federation principal, a CI workload identity pool,
//! or an application service account), rotation through the secret's Pub/Sub topic and a
//! Cloud Functions 2nd gen handler, CI/CD pipeline files and Terraform for hashicorp/google.

use hcl::expr::{Expression, FuncCall, TemplateExpr, Traversal, Variable};
use hcl::{Block, Body, Identifier, Object, ObjectKey};
use serde::Serialize;

use crate::planner::choice::*;
use crate::planner::findings;
use crate::planner::k8s::{self, K8sObject};
use crate::planner::request::Duration;
use crate::planner::targets::cicd::{self as ci, TokenJob, TokenPlatform, TokenTrust};
use crate::planner::window::{self, Replaced};
mod api_key;
pub(crate) mod workload;
use crate::planner::{versions, AccessPolicy, DeploymentManifest, Finding, Plan, RotationScripts, SecretsConfig, Settings};
use crate::render::tf;
use crate::render::{self, template};
use api_key::*;
mod cicd;
mod rotation;
pub(crate) mod sdk;
mod terraform;
use cicd::*;
use rotation::*;
use terraform::*;

const HOUR: u64 = 3600;

/// IAM roles the plan grants (domain facts §5); `tests` holds the table they are checked against.
pub(crate) const ROLE_SECRET_ACCESSOR: &str = "roles/secretmanager.secretAccessor";
pub(crate) const ROLE_SECRET_VERSION_ADDER: &str = "roles/secretmanager.secretVersionAdder";
pub(crate) const ROLE_SECRET_VERSION_MANAGER: &str = "roles/secretmanager.secretVersionManager";
pub(crate) const ROLE_SECRET_VIEWER: &str = "roles/secretmanager.viewer";
pub(crate) const ROLE_PUBSUB_PUBLISHER: &str = "roles/pubsub.publisher";
pub(crate) const ROLE_RUN_INVOKER: &str = "roles/run.invoker";
pub(crate) const ROLE_CA_REQUESTER: &str = "roles/privateca.certificateRequester";

use crate::planner::targets::cicd::azure_devops::{self as ado, Job, Pipeline};
use crate::planner::targets::cicd::github::{self, OIDC_ISSUER as GITHUB_ISSUER};
use crate::planner::targets::cicd::gitlab::{self, OIDC_ISSUER as GITLAB_ISSUER};
/// What every workload in the project shares, under `platform_files`.
pub(crate) const PLATFORM_FILE: &str = "platform/gcp.tf";
const PUBSUB_EVENT: &str = "google.cloud.pubsub.topic.v1.messagePublished";
const DEFAULT_REGION: &str = "us-central1";
const STS_URL: &str = "https://sts.googleapis.com/v1/token";
/// The generated Terraform is checked against the hashicorp/google 6.50.0 schema in tests.
const GOOGLE_PROVIDER: &str = ">= 6.50";

const ROTATE_MAIN: &str = include_str!("snippets/rotate.py");
const NEW_VALUE_RANDOM: &str = include_str!("snippets/new_value_random.py");

const NEW_VALUE_DATABASE: &str = include_str!("snippets/new_value_database.py");
const NEW_VALUE_CERTIFICATE: &str = include_str!("snippets/new_value_certificate.py");
const IMPORTS_DATABASE: &str = include_str!("snippets/imports_database.py");
const IMPORTS_CERTIFICATE: &str = include_str!("snippets/imports_certificate.py");
const ACCESS_SCRIPT: &str = include_str!("snippets/access-secret.sh");
const ACCESS_SCRIPT_PATH: &str = "ci/gcp-access-secret.sh";
/// Where config/backend.json expects the CI token: relative to the job's working directory, since
/// Google's auth libraries expand no variables in credential_source.file.
const ID_TOKEN_FILE: &str = ".gcp/id-token.jwt";

/// Whether the generated function can change this engine's passwords (pg8000 or PyMySQL).
fn function_rotates(engine: DbEngine) -> bool {
    matches!(engine, DbEngine::Postgresql | DbEngine::Redshift | DbEngine::Mysql)
}

/// The rotation period Secret Manager schedules, or `None` for manual rotation.
fn rotation(s: &Settings) -> (Option<Duration>, Option<Finding>, Option<String>) {
    if s.rotation != Rotation::Manual && s.credential == CredentialType::Database && !function_rotates(s.database.engine) {
        return (
            None,
            Some(findings::gcp_rotation_engine(s.database.engine, s.rotation)),
            Some(format!(
                "rotation_policy \"{}\" fell back to \"manual\": the rotation function changes passwords on postgresql, redshift and mysql only, so for {} the plan emits no rotation schedule, topic or function.",
                s.rotation, s.database.engine
            )),
        );
    }
    match s.rotation {
        Rotation::Manual => (None, None, None),
        Rotation::Automatic => (s.rotation_period, None, None),
        Rotation::Dynamic => {
            let asked = s.rotation_period.unwrap_or(Duration::from_secs(HOUR));
            let period = Duration::from_secs(asked.secs().max(HOUR));
            let c = s.credential;
            // A third-party API key's function writes nothing: its own reminder finding says so.
            if reminds(s) {
                return (Some(period), None, None);
            }
            (
                Some(period),
                Some(findings::dynamic_falls_back(findings::NoDynamic::Gcp, c, period)),
                Some(format!(
                    "rotation_policy \"dynamic\" fell back to \"automatic\" every {}: GCP Secret Manager cannot mint {c} credentials on demand, so Secret Manager's rotation schedule triggers the function that adds a new version.",
                    period.to_text()
                )),
            )
        }
    }
}

/// The lifetime of each certificate the function requests: `certificate.ttl`, or for the dynamic
/// fallback one and a half rotation periods, so a certificate is replaced at two thirds of its life.
fn certificate_lifetime(s: &Settings) -> Duration {
    match s.rotation {
        Rotation::Dynamic => {
            let period = s.rotation_period.map_or(HOUR, |p| p.secs()).max(HOUR);
            Duration::from_secs(period + period / 2)
        }
        _ => s.certificate.ttl,
    }
}

/// Certificates rotate at the latest when two thirds of their lifetime have passed (as cert-manager
/// renews), so a late or retried rotation never leaves an expired certificate in "latest".
fn certificate_period(s: &Settings, period: Duration) -> (Duration, Option<Finding>, Option<String>) {
    let lifetime = certificate_lifetime(s);
    let renew_at = lifetime.secs() * 2 / 3;
    if renew_at < HOUR {
        return (Duration::from_secs(HOUR), Some(findings::gcp_certificate_too_short(lifetime)), None);
    }
    if period.secs() <= renew_at {
        return (period, None, None);
    }
    let renew = Duration::from_secs(renew_at);
    (
        renew,
        None,
        Some(format!(
            "Certificates rotate every {} instead of {}: two thirds of the {} certificate lifetime, so a late or retried rotation never leaves an expired certificate in version \"latest\".",
            renew.to_text(),
            period.to_text(),
            lifetime.to_text()
        )),
    )
}

/// A GCP resource ID of at most `max` characters that starts with a letter: the text itself when it
/// fits, else a prefix and eight hex digits of its SHA-256, so distinct inputs stay distinct.
fn short_id(text: &str, max: usize) -> String {
    let base = if text.starts_with(|c: char| c.is_ascii_lowercase()) {
        text.to_string()
    } else {
        format!("s{text}")
    };
    if base.len() <= max {
        return base;
    }
    // The digest is of the text as given (not of the prefixed base), as it always was, so no
    // existing long ID changes.
    let prefix = base[..max - 9].trim_end_matches('-');
    format!("{prefix}-{}", crate::planner::shape::digest8(text))
}

/// Every name and identifier the plan uses, computed once.
struct Names {
    role: String,
    /// The prefix of the secret's own names ([`Settings::stem`]).
    stem: String,
    project: String,
    number: String,
    secret_id: String,
    /// `projects/<project>/secrets/<id>` (= `Settings::logical_secret_path`).
    secret_name: String,
    region: String,
    topic: String,
    function: String,
    rotator_account: String,
    app_account: String,
    admin_secret_id: String,
    /// The second database user the function alternates with `role`.
    alternate_user: String,
    ca_pool: String,
    pool: String,
    provider: String,
}

fn names(s: &Settings) -> Names {
    let role = s.role_name();
    let (stem, secret_id) = (s.stem(), s.secret_id());
    let region = s.gcp.location.clone().unwrap_or_else(|| DEFAULT_REGION.to_string());
    Names {
        project: s.gcp.project_id.clone(),
        number: s.gcp.project_number.clone(),
        secret_name: format!("projects/{}/secrets/{secret_id}", s.gcp.project_id),
        topic: short_id(&format!("{secret_id}-rotation"), 255),
        function: short_id(&format!("{secret_id}-rotate"), 63),
        rotator_account: short_id(&format!("{stem}-rotator"), 30),
        app_account: short_id(&role, 30),
        admin_secret_id: format!("{stem}-database-admin"),
        alternate_user: format!("{stem}_clone"),
        ca_pool: format!(
            "projects/{}/locations/{region}/caPools/{}",
            s.gcp.project_id,
            short_id(&format!("{stem}-pool"), 63)
        ),
        pool: ci_pool_id(s),
        provider: provider_id(s),
        region,
        secret_id,
        stem,
        role,
    }
}

/// The CI workload identity pool: one per pipeline platform and repository, shared by every
/// workload whose pipelines run there (4-32 lowercase letters, digits and '-').
fn ci_pool_id(s: &Settings) -> String {
    let repo: String = s
        .cicd
        .repository
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    short_id(&format!("{}-{repo}", provider_id(s)), 32)
        .trim_end_matches('-')
        .to_string()
}

/// The pool's one OIDC provider, named after the pipeline platform.
fn provider_id(s: &Settings) -> String {
    short_id(
        match s.cicd.platform {
            CicdPlatform::GithubActions => "github",
            CicdPlatform::GitlabCi => "gitlab",
            CicdPlatform::AzureDevops => "azure-devops",
            platform => ci::token_platform(platform).map_or("ci", |p| p.slug()),
        },
        32,
    )
}

impl Names {
    fn pool_name(&self) -> String {
        format!("projects/{}/locations/global/workloadIdentityPools/{}", self.number, self.pool)
    }

    /// The provider's full resource name: google-github-actions/auth's default audience and the
    /// audience GitLab, Jenkins and the STS exchange use.
    fn provider_name(&self) -> String {
        format!("{}/providers/{}", self.pool_name(), self.provider)
    }

    fn rotator_email(&self) -> String {
        format!("{}@{}.iam.gserviceaccount.com", self.rotator_account, self.project)
    }

    fn app_email(&self) -> String {
        format!("{}@{}.iam.gserviceaccount.com", self.app_account, self.project)
    }
}

/// The identity that reads the secret, as an IAM member string.
fn consumer_member(s: &Settings, n: &Names) -> String {
    member_in_pool(s, n, &n.pool_name())
}

/// The consumer as an IAM member, a CI one named within `pool` (the pool's resource name, or the
/// Terraform expression that reads it).
fn member_in_pool(s: &Settings, n: &Names, pool: &str) -> String {
    let iam = "principal://iam.googleapis.com";
    match s.target {
        Target::Kubernetes => format!(
            "{iam}/projects/{}/locations/global/workloadIdentityPools/{}.svc.id.goog/subject/ns/{}/sa/{}",
            n.number, n.project, s.kubernetes.namespace, s.kubernetes.service_account
        ),
        Target::Application => format!("serviceAccount:{}", n.app_email()),
        Target::Cicd => match s.cicd.platform {
            // The pool's provider admits only this repository's branch tokens; the binding
            // narrows them to the workload's branch.
            CicdPlatform::GithubActions => format!(
                "principalSet://iam.googleapis.com/{pool}/attribute.ref/refs/heads/{}",
                s.cicd.branch
            ),
            CicdPlatform::GitlabCi => format!("principalSet://iam.googleapis.com/{pool}/attribute.ref/{}", s.cicd.branch),
            CicdPlatform::AzureDevops => format!("{iam}/{pool}/subject/{}", s.cicd.principal_id),
            platform => {
                let subject = ci::token_platform(platform)
                    .map(|p| p.subject(&s.cicd, &s.name))
                    .unwrap_or_default();
                format!("{iam}/{pool}/subject/{subject}")
            }
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Policies

/// One IAM binding on the secret, as `google_secret_manager_secret_iam_member` takes it.
#[derive(Serialize)]
struct SecretBinding<'a> {
    project: &'a str,
    secret_id: &'a str,
    role: &'a str,
    member: String,
}

/// One IAM binding on another resource (the Pub/Sub topic, the CA pool, the function's service).
#[derive(Serialize)]
struct ResourceBinding<'a> {
    resource: String,
    role: &'a str,
    member: String,
}

fn policies(s: &Settings, n: &Names, period: Option<Duration>) -> Vec<AccessPolicy> {
    let secret = |name: String, role: &'static str, member: String, secret_id: &str| AccessPolicy {
        policy_name: name,
        policy_type: PolicyType::IamBinding,
        policy_document: render::json(&SecretBinding {
            project: &n.project,
            secret_id,
            role,
            member,
        }),
        scope: format!("projects/{}/secrets/{secret_id}", n.project),
        secret: s.secret_key(),
        attach_to: AttachTo::Rotator,
    };
    let resource = |name: String, resource: String, role: &'static str, member: String| AccessPolicy {
        policy_name: name,
        policy_type: PolicyType::ResourcePolicy,
        policy_document: render::json(&ResourceBinding {
            resource: resource.clone(),
            role,
            member,
        }),
        scope: resource,
        secret: s.secret_key(),
        attach_to: AttachTo::Rotator,
    };
    let mut out = vec![secret(
        format!("{}-secret-accessor", n.stem),
        ROLE_SECRET_ACCESSOR,
        consumer_member(s, n),
        &n.secret_id,
    )];
    let rotator = format!("serviceAccount:{}", n.rotator_email());
    match period {
        None => out.push(secret(
            format!("{}-secret-version-adder", n.stem),
            ROLE_SECRET_VERSION_ADDER,
            writers(s),
            &n.secret_id,
        )),
        Some(_) => {
            // A reminder calls no Secret Manager API: its service account holds no role on the secret.
            if !reminds(s) {
                let (label, role) = rotator_writer_role(s);
                out.push(secret(format!("{}-rotator-{label}", n.stem), role, rotator.clone(), &n.secret_id));
                out.push(secret(
                    format!("{}-rotator-viewer", n.stem),
                    ROLE_SECRET_VIEWER,
                    rotator.clone(),
                    &n.secret_id,
                ));
            }
            if hooks(s) {
                out.push(secret(
                    format!("{}-rotator-accessor", n.stem),
                    ROLE_SECRET_ACCESSOR,
                    rotator.clone(),
                    &n.secret_id,
                ));
            }
            if s.credential == CredentialType::Database {
                out.push(secret(
                    format!("{}-rotator-accessor", n.stem),
                    ROLE_SECRET_ACCESSOR,
                    rotator.clone(),
                    &n.secret_id,
                ));
                out.push(secret(
                    format!("{}-rotator-admin-accessor", n.stem),
                    ROLE_SECRET_ACCESSOR,
                    rotator.clone(),
                    &n.admin_secret_id,
                ));
            }
            if s.credential == CredentialType::Certificate {
                out.push(resource(
                    format!("{}-rotator-ca-requester", n.stem),
                    n.ca_pool.clone(),
                    ROLE_CA_REQUESTER,
                    rotator.clone(),
                ));
            }
            out.push(resource(
                format!("{}-secretmanager-publisher", n.stem),
                format!("projects/{}/topics/{}", n.project, n.topic),
                ROLE_PUBSUB_PUBLISHER,
                format!("serviceAccount:service-{}@gcp-sa-secretmanager.iam.gserviceaccount.com", n.number),
            ));
            out.push(resource(
                format!("{}-rotator-invoker", n.stem),
                format!("projects/{}/locations/{}/services/{}", n.project, n.region, n.function),
                ROLE_RUN_INVOKER,
                rotator,
            ));
        }
    }
    // Bindings are named by whom they grant: the consumer, the writers' group, Google's
    // Secret Manager service agent (bound by whoever runs Terraform), or the rotator.
    for p in &mut out {
        p.attach_to = if p.policy_name.ends_with("-secret-accessor") {
            AttachTo::consumer(s.target)
        } else if p.policy_name.ends_with("-secret-version-adder") {
            AttachTo::Writer
        } else if p.policy_name.ends_with("-secretmanager-publisher") {
            AttachTo::Deployer
        } else {
            AttachTo::Rotator
        };
    }
    out
}

/// Who may add versions by hand when rotation is manual: `gcp.writers`, else a placeholder group.
pub(crate) fn writers(s: &Settings) -> String {
    s.gcp.writers.clone().unwrap_or_else(|| writers_group(s))
}

fn writers_group(s: &Settings) -> String {
    format!("group:{}-secret-writers@example.com", s.role_name())
}

// ---------------------------------------------------------------------------------------------
// The plan

pub fn plan(s: &Settings) -> Plan {
    let (mut period, fallback, fallback_decision) = rotation(s);
    let n = names(s);
    let mut decisions: Vec<String> = fallback_decision.into_iter().collect();
    let mut findings: Vec<Finding> = fallback.into_iter().collect();
    if period.is_some() && reminds(s) {
        findings.push(findings::api_key_rotation_reminds(s.backend, s.target, s.rotation));
    }
    if let (Some(p), CredentialType::Certificate) = (period, s.credential) {
        let (p, finding, decision) = certificate_period(s, p);
        period = Some(p);
        findings.extend(finding);
        decisions.extend(decision);
    }
    let access_policies = policies(s, &n, period);
    let mut manifests = Vec::new();

    decisions.push(format!(
        "The {} lives in secret {} with automatic replication{}; each version's payload is one JSON object with the field{} {}, so every field of a version is read together, and the plan writes no secret value.",
        match s.credential {
            CredentialType::Database => "database credential",
            CredentialType::ApiKey => "API key",
            CredentialType::Certificate => "certificate",
            CredentialType::Generic => "generic secret",
        },
        n.secret_name,
        match &s.gcp.location {
            Some(l) => format!(
                " replaced by user-managed replication in {l} (a global secret whose payload stays in {l}; regional secrets, google_secret_manager_regional_secret, are not planned)"
            ),
            None => String::new(),
        },
        if s.credential.fields().len() > 1 { "s" } else { "" },
        s.credential.fields().join(", ")
    ));
    decisions.push(format!(
        "IAM is granted on the single secret with google_secret_manager_secret_iam_member (additive, never authoritative): {ROLE_SECRET_ACCESSOR} (versions.access only) for {}.",
        consumer_member(s, &n)
    ));
    let (auth_method, config_format, config_file) = match s.target {
        Target::Kubernetes => kubernetes_target(s, &n, period, &mut manifests, &mut decisions, &mut findings),
        Target::Application => application_target(s, &n, &mut decisions),
        Target::Cicd => cicd_target(s, &n, &mut manifests, &mut decisions),
    };
    let mut rotation_scripts = match period {
        None => {
            decisions.push(format!(
                "Rotation is manual: add a version with `gcloud secrets versions add {} --project={} --data-file=new-{}.json` as {} (granted {ROLE_SECRET_VERSION_ADDER}); consumers reading version \"latest\" pick it up on their next read.",
                n.secret_id,
                n.project,
                s.leaf(),
                match &s.gcp.writers {
                    None => format!("a member of the placeholder group {}", writers_group(s).trim_start_matches("group:")),
                    Some(m) => m.clone(),
                }
            ));
            RotationScripts {
                overlap: String::new(),
                max_staleness: String::new(),
                rotation_type: RotationType::None,
                schedule: "manual".into(),
                rotation_logic: render::json(&ManualRotation {
                    secret: n.secret_name.clone(),
                    payload_fields: s.credential.fields().to_vec(),
                    add_version: format!(
                        "gcloud secrets versions add {} --project={} --data-file=new-{}.json",
                        n.secret_id,
                        n.project,
                        s.leaf()
                    ),
                }),
                notification: format!(
                    "Every version added to {} is recorded in Cloud Audit Logs (Admin Activity, AddSecretVersion); enable Data Access logs for secretmanager.googleapis.com to record reads as well.",
                    n.secret_name
                ),
            }
        }
        Some(p) => {
            let function = function_source(s);
            manifests.push(DeploymentManifest::new(
                ManifestType::Terraform,
                "functions/rotate/main.py",
                function.clone(),
            ));
            manifests.push(DeploymentManifest::new(
                ManifestType::Terraform,
                "functions/rotate/requirements.txt",
                requirements(s),
            ));
            rotation_decisions(s, &n, p, &mut decisions);
            RotationScripts {
                overlap: String::new(),
                max_staleness: String::new(),
                rotation_type: RotationType::CloudFunction,
                schedule: format!("rotation_period={}s", p.secs()),
                rotation_logic: function,
                notification: notification(s, &n, p),
            }
        }
    };
    // The function sets the password of the user the latest version does not hold, so the
    // previous version's user works a whole period; a certificate is replaced before its
    // lifetime ends, and the old one works until then; other values are overwritten.
    let replaced = match (period, s.credential) {
        (None, _) => Replaced::NotRotated,
        (Some(period), CredentialType::Database) => Replaced::Overlapping { period, overlap: period },
        // A reminder replaces nothing: people rotate the third-party key.
        (Some(_), CredentialType::ApiKey) if reminds(s) => Replaced::NotRotated,
        (Some(period), CredentialType::Certificate) => Replaced::Overlapping {
            period,
            overlap: Duration::from_secs(certificate_lifetime(s).secs().saturating_sub(period.secs())),
        },
        (Some(period), _) => Replaced::AtOnce { period },
    };
    // (kubernetes_target raised the refresh rule's finding)
    let refresh = window::refresh(s, resync(period)).0;
    window::apply(s, replaced, refresh, &mut rotation_scripts, &mut decisions, &mut findings);
    manifests.push(DeploymentManifest::new(
        ManifestType::Terraform,
        "terraform/gcp.tf",
        render::hcl(&terraform(s, &n, period)),
    ));
    decisions.push(format!(
        "terraform/gcp.tf requires hashicorp/google {GOOGLE_PROVIDER}: every resource type, argument and attribute it uses exists in the 6.50.0 schema."
    ));
    decisions.push(format!(
        "{PLATFORM_FILE} holds what every workload in project {} shares{}, and depends on no workload: apply it once, before the workloads, whose terraform/gcp.tf only refers to it, so destroying one workload leaves it in place.",
        n.project,
        if s.target == Target::Cicd {
            format!(
                ": the Data Access audit config, the Secret Manager service agent (google-beta) and the workload identity pool {} with its provider {}",
                n.pool, n.provider
            )
        } else {
            ": the Data Access audit config and the Secret Manager service agent (google-beta)".to_string()
        }
    ));
    decisions.push(format!(
        "Data Access audit logs are off by default, so {PLATFORM_FILE} turns them on for Secret Manager in project {} (google_project_iam_audit_config, DATA_READ and DATA_WRITE): every AccessSecretVersion and AddSecretVersion is recorded. The config is one per project and service: if the project already declares it elsewhere, keep that one and drop this block.",
        n.project
    ));

    Plan {
        // Set by planner::plan_unchecked, which knows the settings of every backend.
        workload: String::new(),
        secrets: Vec::new(),
        identity: Default::default(),
        labelled: false,
        secrets_config: SecretsConfig {
            backend_endpoint: s.backend_endpoint(),
            authentication_method: auth_method,
            secret_path: s.logical_secret_path(),
            config_format,
            config_file: Some(config_file),
        },
        access_policies,
        integration_code: Vec::new(),
        rotation_scripts: Some(rotation_scripts),
        deployment_manifests: manifests,
        decisions,
        findings,
        placeholders: Vec::new(),
        platform_files: [(PLATFORM_FILE.to_string(), render::hcl(&platform(s, &n)))].into(),
    }
}

#[derive(Serialize)]
struct ManualRotation {
    secret: String,
    payload_fields: Vec<&'static str>,
    add_version: String,
}

// ---------------------------------------------------------------------------------------------
// Kubernetes target: ESO gcpsm store with GKE Workload Identity Federation

#[derive(Serialize)]
struct GcpProvider {
    gcpsm: Gcpsm,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Gcpsm {
    #[serde(rename = "projectID")]
    project_id: String,
    auth: GcpsmAuth,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GcpsmAuth {
    workload_identity: WorkloadIdentity,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WorkloadIdentity {
    service_account_ref: k8s::StoreServiceAccountRef,
}

fn store_name(s: &Settings) -> String {
    k8s::store_name(s, "gcpsm")
}

fn secret_store(s: &Settings, n: &Names) -> K8sObject<k8s::StoreSpec<GcpProvider>> {
    k8s::secret_store(
        s,
        "gcpsm",
        GcpProvider {
            gcpsm: Gcpsm {
                project_id: n.project.clone(),
                auth: GcpsmAuth {
                    workload_identity: WorkloadIdentity {
                        service_account_ref: k8s::StoreServiceAccountRef::new(s),
                    },
                },
            },
        },
    )
}

fn external_secret(s: &Settings, n: &Names, refresh: Duration) -> K8sObject<k8s::ExternalSecretSpec> {
    let store = k8s::SecretStoreRef {
        name: store_name(s),
        kind: s.kubernetes.store_kind.as_str(),
    };
    k8s::field_external_secret(s, store, &n.secret_id, refresh)
}

/// How the synced value changes, for the one refresh rule (`k8s::refresh_interval`).
fn resync(period: Option<Duration>) -> k8s::Resync {
    match period {
        None => k8s::Resync::Manual,
        // Alternating database users: the previous version's user keeps working a whole period.
        Some(period) => k8s::Resync::Overlapping { period },
    }
}

fn kubernetes_target(
    s: &Settings,
    n: &Names,
    period: Option<Duration>,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) -> (AuthMethod, ConfigFormat, String) {
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/serviceaccount.yaml",
        render::yaml(&k8s::service_account(&s.kubernetes.service_account, &s.kubernetes.namespace)),
    ));
    let store = render::yaml(&secret_store(s, n));
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/secret-store.yaml",
        store.clone(),
    ));
    let (refresh, refresh_finding) = k8s::refresh_interval(s, resync(period));
    findings.extend(refresh_finding);
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/external-secret.yaml",
        render::yaml(&external_secret(s, n, refresh)),
    ));
    decisions.push(format!(
        "The External Secrets Operator {} uses the gcpsm provider with auth.workloadIdentity for service account \"{}\" in namespace \"{}\": ESO requests a token for it and exchanges it through the GKE workload identity pool {}.svc.id.goog, and the secret grants that principal directly (no Google service account, no iam.gke.io/gcp-service-account annotation). clusterLocation, clusterName and clusterProjectID are left out because ESO discovers them from the GKE metadata server; the cluster needs Workload Identity Federation for GKE enabled.",
        s.kubernetes.store_kind, s.kubernetes.service_account, s.kubernetes.namespace, n.project
    ));
    decisions.push(format!(
        "The ExternalSecret reads version \"latest\" of {} every {} in one read (all fields of one version together).",
        n.secret_id,
        refresh.to_go()
    ));
    (AuthMethod::WorkloadIdentity, ConfigFormat::Yaml, store)
}

// ---------------------------------------------------------------------------------------------
// Application target: a dedicated service account attached to the workload

#[derive(Serialize)]
struct ApplicationConfig {
    project_id: String,
    secret_version: String,
    service_account: String,
    payload_format: &'static str,
    payload_fields: Vec<&'static str>,
}

fn application_target(s: &Settings, n: &Names, decisions: &mut Vec<String>) -> (AuthMethod, ConfigFormat, String) {
    let config = ApplicationConfig {
        project_id: n.project.clone(),
        secret_version: format!("{}/versions/latest", n.secret_name),
        service_account: n.app_email(),
        payload_format: "json",
        payload_fields: s.credential.fields().to_vec(),
    };
    decisions.push(format!(
        "The application runs as the dedicated service account {} (attach it to its Cloud Run service, Compute Engine VM or GKE workload) and authenticates with Application Default Credentials from the metadata server, so no key file exists; config/backend.json names the secret version it reads.",
        n.app_email()
    ));
    (AuthMethod::WorkloadIdentity, ConfigFormat::Json, render::json(&config))
}

/// The errors [`plan`] raises, found without rendering anything (what `validate` checks).
pub fn errors(s: &Settings) -> Vec<Finding> {
    let (mut period, _, _) = rotation(s);
    let mut out = Vec::new();
    if let (Some(p), CredentialType::Certificate) = (period, s.credential) {
        let (p, finding, _) = certificate_period(s, p);
        period = Some(p);
        out.extend(finding);
    }
    if s.target == Target::Kubernetes {
        out.extend(k8s::refresh_interval(s, resync(period)).1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;
    use crate::planner::resolve::resolve;
    use crate::planner::FindingKind;

    fn settings(t: Target, r: Rotation, c: CredentialType) -> Settings {
        let mut req = Request::new(Backend::GcpSecretManager, t, r);
        req.credential = Some(c);
        resolve(&req).0
    }

    /// Role names the plan grants, as listed in domain-facts.md §5 (Secret Manager, Pub/Sub
    /// publisher for the service agent) and the Cloud Run / CA Service roles the function needs.
    const EXPECTED_ROLES: [(&str, &str); 7] = [
        ("secret reader", "roles/secretmanager.secretAccessor"),
        ("version adder", "roles/secretmanager.secretVersionAdder"),
        ("version manager (disable, destroy)", "roles/secretmanager.secretVersionManager"),
        ("metadata viewer", "roles/secretmanager.viewer"),
        ("service agent on the topic", "roles/pubsub.publisher"),
        ("eventarc push to the function", "roles/run.invoker"),
        ("certificate requester", "roles/privateca.certificateRequester"),
    ];

    #[test]
    fn role_constants_match_the_facts_table() {
        let ours = [
            ROLE_SECRET_ACCESSOR,
            ROLE_SECRET_VERSION_ADDER,
            ROLE_SECRET_VERSION_MANAGER,
            ROLE_SECRET_VIEWER,
            ROLE_PUBSUB_PUBLISHER,
            ROLE_RUN_INVOKER,
            ROLE_CA_REQUESTER,
        ];
        for ((what, want), got) in EXPECTED_ROLES.iter().zip(ours) {
            assert_eq!(got, *want, "{what}");
        }
    }

    #[test]
    fn every_granted_role_is_in_the_table() {
        for t in Target::ALL {
            for r in Rotation::ALL {
                for c in CredentialType::ALL {
                    let p = plan(&settings(*t, *r, *c));
                    for policy in &p.access_policies {
                        let doc: serde_json::Value = serde_json::from_str(&policy.policy_document).unwrap_or_default();
                        let role = doc["role"].as_str().unwrap_or_default();
                        assert!(EXPECTED_ROLES.iter().any(|(_, r)| *r == role), "{t}/{r}/{c}: {role}");
                    }
                    let tf = &p
                        .deployment_manifests
                        .iter()
                        .find(|m| m.filename == "terraform/gcp.tf")
                        .map(|m| m.content.clone())
                        .unwrap_or_default();
                    for line in tf.lines().filter(|l| l.trim_start().starts_with("role ")) {
                        assert!(EXPECTED_ROLES.iter().any(|(_, r)| line.contains(&format!("\"{r}\""))), "{line}");
                    }
                }
            }
        }
    }

    #[test]
    fn certificates_rotate_at_two_thirds_of_their_lifetime() {
        let s = settings(Target::Application, Rotation::Automatic, CredentialType::Certificate);
        let (p, f, d) = certificate_period(&s, Duration::from_secs(90 * 86_400));
        assert_eq!(p.secs(), 60 * 86_400);
        assert!(f.is_none() && d.is_some());
        let s = settings(Target::Application, Rotation::Dynamic, CredentialType::Certificate);
        assert_eq!(certificate_lifetime(&s).secs(), 5400);
        assert_eq!(certificate_period(&s, Duration::from_secs(HOUR)).0.secs(), HOUR);
        let mut req = Request::new(Backend::GcpSecretManager, Target::Application, Rotation::Automatic);
        req.credential = Some(CredentialType::Certificate);
        req.certificate.ttl = Some(Duration::from_secs(HOUR));
        let s = resolve(&req).0;
        assert_eq!(
            certificate_period(&s, Duration::from_secs(HOUR)).1.map(|f| f.kind),
            Some(FindingKind::Error)
        );
    }

    #[test]
    fn short_ids_fit_and_stay_distinct() {
        assert_eq!(short_id("prod-app-rotator", 30), "prod-app-rotator");
        let a = short_id("production-a-very-long-workload-name-rotator", 30);
        let b = short_id("production-a-very-long-workload-name-rotatos", 30);
        assert!(a.len() <= 30 && b.len() <= 30 && a != b, "{a} {b}");
        assert!(short_id("1env-app", 30).starts_with('s'));
    }

    #[test]
    fn dynamic_always_falls_back_at_one_hour_or_more() {
        for c in CredentialType::ALL {
            let (period, finding, decision) = rotation(&settings(Target::Application, Rotation::Dynamic, *c));
            assert_eq!(period.map(|p| p.secs()), Some(HOUR));
            if *c == CredentialType::ApiKey {
                continue; // a reminder instead: api_key::tests
            }
            assert_eq!(finding.map(|f| f.kind), Some(FindingKind::Fallback));
            assert!(decision.is_some());
        }
    }

    #[test]
    fn database_rotation_alternates_users_for_a_whole_period() {
        let p = plan(&settings(Target::Kubernetes, Rotation::Dynamic, CredentialType::Database));
        let r = p.rotation_scripts.clone().unwrap();
        assert_eq!(r.overlap, "1h", "{r:?}");
        assert!(p.decisions.iter().any(|d| d.starts_with("Alternating users:")));
        assert!(!p.decisions.iter().any(|d| d.contains("Single-user")));
        let tf = &p.files()[&p.file_key("terraform/gcp.tf")];
        assert!(tf.contains("DB_ALTERNATE_USERNAME") && tf.contains("rotator_accessor"), "{tf}");
    }

    #[test]
    fn engines_the_function_cannot_rotate_get_no_rotation_resources() {
        for engine in [DbEngine::Mongodb, DbEngine::Mssql, DbEngine::Oracle] {
            let mut req = Request::new(Backend::GcpSecretManager, Target::Kubernetes, Rotation::Automatic);
            req.credential = Some(CredentialType::Database);
            req.database.engine = Some(engine);
            let p = plan(&resolve(&req).0);
            assert_eq!(p.rotation_scripts.as_ref().unwrap().rotation_type, RotationType::None, "{engine}");
            assert!(p
                .findings
                .iter()
                .any(|f| f.kind == FindingKind::Fallback && f.field == ["database", "engine"]));
            let files = p.files();
            assert!(!files.contains_key(&p.file_key("functions/rotate/main.py")));
            assert!(!files[&p.file_key("terraform/gcp.tf")].contains("google_cloudfunctions2_function"));
        }
    }

    #[test]
    fn function_source_has_no_placeholder_left() {
        for c in CredentialType::ALL {
            let src = function_source(&settings(Target::Application, Rotation::Automatic, *c));
            assert!(!src.contains("{{"), "{c}");
            assert!(src.starts_with("#!/usr/bin/env python3"));
        }
    }
}
