//! Vault (or OpenBao) for every target, rotation policy and credential type except
//! kubernetes / dynamic / database, which `dynamic_database.rs` plans. One secret source per
//! plan (KV v2, a dynamic or static database role, or a PKI role), one consumer identity per
//! target (Kubernetes auth, GitHub Actions JWT, AppRole), least-privilege policies for it, the
//! consumer's own configuration (ESO store, pipeline step, Vault Agent), rotation and Terraform.

pub mod dynamic_database;

use hcl::expr::Expression;
use hcl::{Block, Body, Identifier, Object, ObjectKey};
use serde::Serialize;

use crate::planner::choice::*;
use crate::planner::k8s::{self, K8sObject, ObjectMeta};
use crate::planner::request::Duration;
use crate::planner::targets::cicd::jenkins::{g, Groovy, Jenkinsfile, Step};
use crate::planner::{AccessPolicy, DeploymentManifest, Finding, FindingKind, Plan, RotationScripts, SecretsConfig, Settings};
use crate::render;
use crate::render::tf;
use dynamic_database::{self as vk, Ttls, AUDIENCE, AUDIT_LOG};

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
/// Dynamic API keys and generic secrets fall back to scheduled rotation at no less than this.
const FALLBACK_FLOOR: u64 = HOUR;
/// The auth mount the rotation CronJob logs in with when the target itself is not Kubernetes.
const ROTATOR_K8S_MOUNT: &str = "kubernetes";
const ROTATE_SCRIPT: &str = include_str!("snippets/rotate-kv.sh");
const TOKEN_DIR: &str = "/var/run/secrets/vault";
const KV_VERSIONS: u32 = 10;
/// Kept versions are destroyed after this long; one year gives audits and rollbacks room.
const KV_DELETE_AFTER: &str = "8760h";
/// The PKI mount's max lease TTL bounds the issuing CA itself (10 years); the role bounds leaves.
const PKI_MOUNT_MAX_TTL: u64 = 3650 * DAY;
use crate::planner::targets::cicd::azure_devops::{
    BashStep as AdoStep, Job, Pipeline, Schedule as AdoSchedule, Variable, VM_IMAGE as ADO_VM_IMAGE,
};
use crate::planner::targets::cicd::github::{self, OIDC_ISSUER as GITHUB_ISSUER};
use crate::planner::targets::cicd::gitlab::{self, OIDC_ISSUER as GITLAB_ISSUER};

/// Where the credential comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// A KV v2 secret; `schedule` is set when a job writes new versions.
    Kv {
        schedule: Option<Schedule>,
    },
    DbDynamic(Ttls),
    DbStatic {
        period: Duration,
    },
    Pki {
        ttl: Duration,
    },
}

/// A rotation job that runs every `check` and writes a new version once `period` has passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Schedule {
    period: Duration,
    check: Duration,
}

impl Schedule {
    fn new(period: Duration) -> Schedule {
        // The largest step that divides an hour and is at most a quarter of the period.
        let quarter = period.secs() / 4;
        let step = [60, 30, 15, 5, 1].into_iter().find(|m| m * MINUTE <= quarter).unwrap_or(1);
        Schedule {
            period,
            check: Duration::from_secs(step * MINUTE),
        }
    }

    fn cron(self) -> String {
        match self.check.secs() / MINUTE {
            60 => "0 * * * *".into(),
            1 => "* * * * *".into(),
            m => format!("*/{m} * * * *"),
        }
    }
}

fn source(s: &Settings) -> (Source, Option<Finding>, Option<String>) {
    let period = s.rotation_period.unwrap_or(Duration::from_secs(HOUR));
    match (s.rotation, s.credential) {
        (Rotation::Manual, _) => (Source::Kv { schedule: None }, None, None),
        (Rotation::Automatic, CredentialType::Database) => (Source::DbStatic { period }, None, None),
        (Rotation::Automatic, CredentialType::Certificate) => (Source::Pki { ttl: s.certificate.ttl }, None, None),
        (Rotation::Automatic, _) => (
            Source::Kv {
                schedule: Some(Schedule::new(period)),
            },
            None,
            None,
        ),
        (Rotation::Dynamic, CredentialType::Database) => (Source::DbDynamic(vk::ttls(s)), None, None),
        // Short-lived certificates are Vault's native dynamic form.
        (Rotation::Dynamic, CredentialType::Certificate) => (Source::Pki { ttl: period }, None, None),
        (Rotation::Dynamic, c) => {
            let fallback = Duration::from_secs(period.secs().max(FALLBACK_FLOOR));
            let detail = format!(
                "Vault has no secrets engine that mints {c} credentials on demand, so rotation_policy \"dynamic\" falls back to \
                 \"automatic\" at {}, the shortest safe period: a scheduled job writes a new KV v2 version and consumers re-read \
                 it. Choose rotation_policy = \"automatic\" to make this explicit, or credential_type = \"database\" or \
                 \"certificate\" for credentials Vault issues itself.",
                fallback.to_text()
            );
            (
                Source::Kv {
                    schedule: Some(Schedule::new(fallback)),
                },
                Some(Finding {
                    kind: FindingKind::Fallback,
                    field: vec!["rotation_policy".into()],
                    summary: "Dynamic Credentials Fall Back To Scheduled Rotation".into(),
                    detail,
                }),
                Some(format!(
                    "rotation_policy \"dynamic\" fell back to \"automatic\" every {}: Vault cannot mint {c} credentials on demand, so a scheduled job writes a new KV v2 version instead.",
                    fallback.to_text()
                )),
            )
        }
    }
}

/// Every path and name the plan uses, computed once.
struct Names {
    role: String,
    /// `<environment>/<name>/<leaf>`, the KV key below the mount.
    kv_key: String,
    kv_data: String,
    kv_metadata: String,
    /// What the consumer reads (or writes, for PKI).
    consumer_path: String,
    consumer_policy: String,
    writer_policy: String,
    rotator_role: String,
    rotator_sa: String,
}

fn names(s: &Settings, src: Source) -> Names {
    let role = s.role_name();
    let kv_key = format!("{}/{}/{}", s.environment, s.name, s.credential.leaf());
    let kv = &s.vault.kv_mount;
    let (consumer_path, consumer_policy) = match src {
        Source::Kv { .. } => (format!("{kv}/data/{kv_key}"), format!("{role}-kv-read")),
        Source::DbDynamic(_) => (format!("{}/creds/{role}", s.vault.database_mount), format!("{role}-db-creds")),
        Source::DbStatic { .. } => (
            format!("{}/static-creds/{role}", s.vault.database_mount),
            format!("{role}-db-static-creds"),
        ),
        // cert-manager sends its own CSR (sign); Vault Agent and pipelines let Vault make the key (issue).
        Source::Pki { .. } if s.target == Target::Kubernetes => (format!("{}/sign/{role}", s.vault.pki_mount), format!("{role}-pki-sign")),
        Source::Pki { .. } => (format!("{}/issue/{role}", s.vault.pki_mount), format!("{role}-pki-issue")),
    };
    Names {
        kv_data: format!("{kv}/data/{kv_key}"),
        kv_metadata: format!("{kv}/metadata/{kv_key}"),
        kv_key,
        consumer_path,
        consumer_policy,
        writer_policy: format!("{role}-kv-write"),
        rotator_role: format!("{role}-rotator"),
        rotator_sa: format!("{}-rotator", s.name),
        role,
    }
}

// ---------------------------------------------------------------------------------------------
// Policies

fn policy_body(paths: &[(&str, &[&str])]) -> Body {
    let mut b = Body::builder();
    for (path, caps) in paths {
        b = b.add_block(
            Block::builder(tf::key("path"))
                .add_label(*path)
                .add_attribute((tf::key("capabilities"), caps.to_vec()))
                .build(),
        );
    }
    b.build()
}

fn policies(s: &Settings, src: Source, n: &Names) -> Vec<AccessPolicy> {
    let consumer_caps: &[&str] = match src {
        Source::Pki { .. } => &["create", "update"],
        _ => &["read"],
    };
    let mut out = vec![AccessPolicy {
        policy_name: n.consumer_policy.clone(),
        policy_type: PolicyType::VaultPolicy,
        policy_document: render::hcl1(&policy_body(&[(&n.consumer_path, consumer_caps)])),
        scope: n.consumer_path.clone(),
    }];
    if let Source::Kv { schedule } = src {
        // The job records rotated_at in custom_metadata (patch); a person updating by hand only reads it.
        let metadata_caps: &[&str] = if schedule.is_some() { &["read", "patch"] } else { &["read"] };
        out.push(AccessPolicy {
            policy_name: n.writer_policy.clone(),
            policy_type: PolicyType::VaultPolicy,
            policy_document: render::hcl1(&policy_body(&[
                (&n.kv_data, &["create", "update"]),
                (&n.kv_metadata, metadata_caps),
            ])),
            scope: n.kv_data.clone(),
        });
    }
    if src_is_pki_on_k8s(s, src) {
        out.push(AccessPolicy {
            policy_name: format!("{}-cert-manager-token", n.role),
            policy_type: PolicyType::KubernetesRbac,
            policy_document: cert_manager_rbac(s),
            scope: format!(
                "serviceaccounts/{}/token in namespace {}",
                s.kubernetes.service_account, s.kubernetes.namespace
            ),
        });
    }
    out
}

fn src_is_pki_on_k8s(s: &Settings, src: Source) -> bool {
    matches!(src, Source::Pki { .. }) && s.target == Target::Kubernetes
}

/// cert-manager requests a Vault-audience token for the workload's service account itself.
fn cert_manager_rbac(s: &Settings) -> String {
    let name = format!("{}-cert-manager-vault-token", s.name);
    let role = k8s::Role {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: ObjectMeta::namespaced(&name, &s.kubernetes.namespace),
        rules: vec![k8s::PolicyRule {
            api_groups: vec![""],
            resources: vec!["serviceaccounts/token"],
            resource_names: vec![s.kubernetes.service_account.clone()],
            verbs: vec!["create"],
        }],
    };
    let binding = k8s::RoleBinding {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: ObjectMeta::namespaced(&name, &s.kubernetes.namespace),
        role_ref: k8s::RoleRef {
            api_group: "rbac.authorization.k8s.io",
            kind: "Role",
            name: name.clone(),
        },
        subjects: vec![k8s::Subject {
            kind: "ServiceAccount",
            name: "cert-manager".into(),
            namespace: "cert-manager".into(),
        }],
    };
    format!("{}---\n{}", render::yaml(&role), render::yaml(&binding))
}

// ---------------------------------------------------------------------------------------------
// Lifetimes

/// Login tokens outlive every lease they parent; CI jobs get short tokens otherwise.
fn token_ttl(s: &Settings, src: Source) -> Duration {
    let base = if s.target == Target::Cicd { 15 * MINUTE } else { HOUR };
    match src {
        Source::DbDynamic(t) => Duration::from_secs(t.max.secs().max(base)),
        _ => Duration::from_secs(base),
    }
}

fn pki_max_ttl(ttl: Duration) -> Duration {
    ttl
}

/// ESO refresh for KV and static creds: at most a quarter of the period, at most 1h.
fn refresh(s: &Settings, src: Source) -> Duration {
    if let Some(given) = s.kubernetes.refresh_interval {
        return given;
    }
    match src {
        Source::Kv { schedule: Some(sch) } => sch.check,
        // A static role has one password and no overlap: the old one stops working at rotation.
        Source::DbStatic { .. } => Duration::from_secs(MINUTE),
        _ => Duration::from_secs(HOUR),
    }
}

// ---------------------------------------------------------------------------------------------
// The plan

pub fn plan(s: &Settings) -> Plan {
    let (src, fallback, fallback_decision) = source(s);
    let n = names(s, src);
    let mut decisions: Vec<String> = fallback_decision.into_iter().collect();
    let mut findings: Vec<Finding> = fallback.into_iter().collect();
    let access_policies = policies(s, src, &n);
    let mut manifests = Vec::new();

    decisions.extend(source_decisions(s, src, &n));
    let (auth_method, config_format, config_file) = match s.target {
        Target::Kubernetes => kubernetes_target(s, src, &n, &mut manifests, &mut decisions, &mut findings),
        Target::Application => application_target(s, src, &n, &mut decisions),
        Target::Cicd => cicd_target(s, src, &n, &mut manifests, &mut decisions),
    };
    if let Source::Kv { schedule: Some(sch) } = src {
        if s.target != Target::Cicd {
            manifests.push(DeploymentManifest::new(
                ManifestType::Kubernetes,
                "kubernetes/rotator-serviceaccount.yaml",
                render::yaml(&k8s::service_account(&n.rotator_sa, &s.kubernetes.namespace)),
            ));
            manifests.push(DeploymentManifest::new(
                ManifestType::Kubernetes,
                "kubernetes/rotation-cronjob.yaml",
                render::yaml(&rotation_cronjob(s, &n, sch)),
            ));
        }
    }
    manifests.push(DeploymentManifest::new(
        ManifestType::Terraform,
        "terraform/vault.tf",
        render::hcl(&terraform(s, src, &n, &access_policies)),
    ));
    decisions.push(format!(
        "The file audit device writes {AUDIT_LOG} with mode 0600, which Vault accepts after the CVE-2025-6000 hardening (no executable modes); OpenBao refuses audit devices over the API, so on OpenBao drop vault_audit and declare the same file device in the server configuration."
    ));

    Plan {
        secrets_config: SecretsConfig {
            backend_endpoint: s.vault.address.clone(),
            authentication_method: auth_method,
            secret_path: n.consumer_path.clone(),
            config_format,
            config_file: Some(config_file),
        },
        access_policies,
        integration_code: Vec::new(),
        rotation_scripts: Some(rotation_scripts(s, src, &n)),
        deployment_manifests: manifests,
        decisions,
        findings,
    }
}

fn source_decisions(s: &Settings, src: Source, n: &Names) -> Vec<String> {
    let mut d = Vec::new();
    match src {
        Source::Kv { schedule } => {
            d.push(format!(
                "The {} lives in KV v2 at {} (metadata at {}); the plan assumes the \"{}\" mount exists as KV version 2 and writes no secret value.",
                s.credential, n.kv_data, n.kv_metadata, s.vault.kv_mount
            ));
            d.push(format!(
                "The secret keeps {KV_VERSIONS} versions and destroys old ones after {KV_DELETE_AFTER} (max_versions and delete_version_after, written to its metadata by a vault_generic_endpoint that never deletes), so a bad update can be rolled back with kv rollback."
            ));
            match schedule {
                None => d.push(format!(
                    "Rotation is manual: write a new version with `vault kv put -mount={} {} {}` under the {} policy; consumers pick it up on their next read.",
                    s.vault.kv_mount,
                    n.kv_key,
                    match s.credential.fields() {
                        [one] => format!("{one}=- < new-{one}.txt"),
                        _ => format!("@{}.json", s.credential.leaf()),
                    },
                    n.writer_policy
                )),
                Some(sch) => d.push(format!(
                    "A job checks every {} and writes a new random {} version once {} have passed since custom_metadata.rotated_at; for a key issued by a third party, replace its generate step with that provider's key-rotation call.",
                    sch.check.to_text(),
                    s.credential,
                    sch.period.to_text()
                )),
            }
        }
        Source::DbDynamic(t) => d.push(format!(
            "The database role sets default_ttl = {} (the rotation_period) and max_ttl = {} (four times the TTL, capped at 24h) explicitly, because Vault otherwise falls back to the mount's and then the system's 768h.",
            t.default.to_text(),
            t.max.to_text()
        )),
        Source::DbStatic { period } => d.push(format!(
            "Automatic database rotation uses a static role: Vault rotates the password of the existing database user \"{}\" every {} and consumers read {}; create that user before applying terraform/vault.tf.",
            n.role,
            period.to_text(),
            n.consumer_path
        )),
        Source::Pki { ttl } => d.push(format!(
            "Certificates come from the PKI role {}/roles/{} with ttl = max_ttl = {} for exactly {} (plus alt_names), EC P-256 keys, server auth only; the mount must already hold an issuer (the plan creates no CA) and allows up to 87600h so that issuer's own lifetime fits.",
            s.vault.pki_mount,
            n.role,
            ttl.to_text(),
            s.certificate.common_name
        )),
    }
    if matches!(src, Source::DbDynamic(_) | Source::DbStatic { .. }) {
        decisions_db(s, &mut d);
    }
    d
}

/// The database connection decisions every Vault database plan shares (TLS, admin password).
pub(super) fn decisions_db(s: &Settings, d: &mut Vec<String>) {
    d.push(match s.database.engine {
        DbEngine::Postgresql | DbEngine::Redshift => "Vault connects with sslmode=verify-full, so the database's TLS certificate must chain to a CA Vault trusts.",
        DbEngine::Mysql => "Vault connects with tls=true, so the MySQL server's certificate must chain to a CA Vault trusts.",
        DbEngine::Mssql => "Vault connects with encrypt=true, so the SQL Server certificate must chain to a CA Vault trusts.",
        DbEngine::Mongodb => "Vault connects with tls=true, so the MongoDB server's certificate must chain to a CA Vault trusts.",
        DbEngine::Oracle => "The Oracle easy-connect URL carries no TLS setting; enforce TCPS in the Oracle client's sqlnet configuration on the Vault hosts.",
    }
    .into());
    d.push(
        "The database admin password is a sensitive Terraform variable with no default; no secret value appears in any artifact.".into(),
    );
}

fn rotation_scripts(s: &Settings, src: Source, n: &Names) -> RotationScripts {
    match src {
        Source::Kv { schedule: None } => RotationScripts {
            rotation_type: RotationType::None,
            schedule: "manual".into(),
            rotation_logic: render::json(&KvMetadata {
                max_versions: KV_VERSIONS,
                delete_version_after: KV_DELETE_AFTER,
            }),
            notification: format!(
                "Every new version of {} is recorded by the file audit device at {AUDIT_LOG}; the versioning settings are written to {} by terraform/vault.tf.",
                n.kv_data, n.kv_metadata
            ),
        },
        Source::Kv { schedule: Some(sch) } => RotationScripts {
            rotation_type: RotationType::Cronjob,
            schedule: sch.cron(),
            rotation_logic: ROTATE_SCRIPT.to_string(),
            notification: format!(
                "Each rotation writes a new version of {} and sets custom_metadata.rotated_at; a failed run fails the job and is retried at the next check.",
                n.kv_data
            ),
        },
        Source::DbDynamic(t) => RotationScripts {
            rotation_type: RotationType::VaultEngine,
            schedule: format!("default_ttl={} max_ttl={}", t.default.to_go(), t.max.to_go()),
            rotation_logic: render::json(&vk::role_body(s, t)),
            notification: format!(
                "Vault revokes each {} lease at its TTL; issuance and revocation are recorded by the file audit device at {AUDIT_LOG}.",
                n.consumer_path
            ),
        },
        Source::DbStatic { period } => RotationScripts {
            rotation_type: RotationType::VaultEngine,
            schedule: format!("rotation_period={}", period.to_go()),
            rotation_logic: render::json(&static_role(s, period)),
            notification: format!(
                "Vault rotates the password every {} and records each rotation in the file audit device at {AUDIT_LOG}; {} reports last_vault_rotation and ttl.",
                period.to_text(),
                n.consumer_path
            ),
        },
        Source::Pki { ttl } => RotationScripts {
            rotation_type: if s.target == Target::Kubernetes {
                RotationType::CertManager
            } else {
                RotationType::VaultEngine
            },
            schedule: format!("ttl={} renew_before={}", ttl.to_go(), renew_before(ttl).to_go()),
            rotation_logic: render::json(&pki_role(s, ttl)),
            notification: format!("Every issued certificate is recorded by the file audit device at {AUDIT_LOG}."),
        },
    }
}

fn renew_before(ttl: Duration) -> Duration {
    Duration::from_secs((ttl.secs() / 3).max(1))
}

/// The body for `<kv_mount>/metadata/<key>`.
#[derive(Serialize)]
struct KvMetadata {
    max_versions: u32,
    delete_version_after: &'static str,
}

/// The body for `<database_mount>/static-roles/<role>`.
#[derive(Serialize)]
pub struct StaticRole {
    pub db_name: String,
    pub username: String,
    pub rotation_period: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rotation_statements: Vec<String>,
}

fn static_role(s: &Settings, period: Duration) -> StaticRole {
    let statements = match s.database.engine {
        DbEngine::Postgresql | DbEngine::Redshift => vec!["ALTER USER \"{{name}}\" WITH PASSWORD '{{password}}';".to_string()],
        DbEngine::Mysql => vec!["ALTER USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';".to_string()],
        DbEngine::Mssql => vec!["ALTER LOGIN [{{name}}] WITH PASSWORD = '{{password}}';".to_string()],
        // The Oracle and MongoDB plugins change the password themselves.
        DbEngine::Oracle | DbEngine::Mongodb => Vec::new(),
    };
    StaticRole {
        db_name: s.role_name(),
        username: s.role_name(),
        rotation_period: period.secs(),
        rotation_statements: statements,
    }
}

/// The body for `<pki_mount>/roles/<role>`.
#[derive(Serialize)]
pub struct PkiRole {
    pub allowed_domains: Vec<String>,
    pub allow_bare_domains: bool,
    pub allow_subdomains: bool,
    pub allow_glob_domains: bool,
    pub allow_wildcard_certificates: bool,
    pub allow_ip_sans: bool,
    pub enforce_hostnames: bool,
    pub server_flag: bool,
    pub client_flag: bool,
    pub require_cn: bool,
    pub key_type: &'static str,
    pub key_bits: u32,
    pub key_usage: Vec<&'static str>,
    pub ext_key_usage: Vec<&'static str>,
    pub ttl: u64,
    pub max_ttl: u64,
    pub no_store: bool,
}

fn pki_role(s: &Settings, ttl: Duration) -> PkiRole {
    PkiRole {
        allowed_domains: s.certificate.dns_names(),
        allow_bare_domains: true,
        allow_subdomains: false,
        allow_glob_domains: false,
        allow_wildcard_certificates: false,
        allow_ip_sans: false,
        enforce_hostnames: true,
        server_flag: true,
        client_flag: false,
        require_cn: true,
        key_type: "ec",
        key_bits: 256,
        key_usage: vec!["DigitalSignature"],
        ext_key_usage: vec!["ServerAuth"],
        ttl: ttl.secs(),
        max_ttl: pki_max_ttl(ttl).secs(),
        // Short-lived certificates are not worth storing; longer ones stay revocable by serial.
        no_store: ttl.secs() <= DAY,
    }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes target: ESO (KV, database) or cert-manager (PKI)

fn kubernetes_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) -> (AuthMethod, ConfigFormat, String) {
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/serviceaccount.yaml",
        render::yaml(&k8s::service_account(&s.kubernetes.service_account, &s.kubernetes.namespace)),
    ));
    decisions.push(format!(
        "Every service account token presented to Vault carries the audience \"{AUDIENCE}\", and the Vault role requires it, so tokens minted for the Kubernetes API are not accepted."
    ));
    if let Source::Pki { ttl } = src {
        let issuer = render::yaml(&issuer(s, n));
        manifests.push(DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/issuer.yaml",
            issuer.clone(),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/certificate.yaml",
            render::yaml(&certificate(s, ttl)),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/cert-manager-rbac.yaml",
            cert_manager_rbac(s),
        ));
        decisions.push(format!(
            "cert-manager signs through the Issuer at {} with its own key (privateKey.rotationPolicy Always) and renews {} before expiry; the Issuer logs in as service account \"{}\", which cert-manager may mint tokens for through kubernetes/cert-manager-rbac.yaml.",
            n.consumer_path,
            renew_before(ttl).to_text(),
            s.kubernetes.service_account
        ));
        return (AuthMethod::Kubernetes, ConfigFormat::Yaml, issuer);
    }

    let store = render::yaml(&vk::secret_store(s));
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/secret-store.yaml",
        store.clone(),
    ));
    let refresh = refresh(s, src);
    let period = match src {
        Source::DbStatic { period } => Some(period),
        Source::Kv { schedule: Some(sch) } => Some(sch.period),
        _ => None,
    };
    findings.extend(period.and_then(|p| k8s::refresh_finding(refresh, p)));
    match src {
        Source::DbStatic { .. } => {
            manifests.push(DeploymentManifest::new(
                ManifestType::Kubernetes,
                "kubernetes/vault-dynamic-secret.yaml",
                render::yaml(&vk::dynamic_secret(s, &n.consumer_path)),
            ));
            manifests.push(DeploymentManifest::new(
                ManifestType::Kubernetes,
                "kubernetes/external-secret.yaml",
                render::yaml(&generated_external_secret(s, refresh)),
            ));
            decisions.push(format!(
                "The static credentials are read through a VaultDynamicSecret generator (GET {}), because ESO's Vault store reads only KV; reading static-creds mints nothing. The old password stops working the moment Vault rotates it, so the ExternalSecret re-reads every {} and workloads must reconnect with the re-read Secret on an authentication failure.",
                n.consumer_path,
                refresh.to_go()
            ));
        }
        _ => {
            manifests.push(DeploymentManifest::new(
                ManifestType::Kubernetes,
                "kubernetes/external-secret.yaml",
                render::yaml(&kv_external_secret(s, n, refresh)),
            ));
            decisions.push(format!(
                "The ExternalSecret reads {} through the {} every {} in one read (all fields of one version together), with no metadata access.",
                n.kv_data,
                s.kubernetes.store_kind,
                refresh.to_go()
            ));
        }
    }
    decisions.push(format!(
        "The Kubernetes auth role {} binds service account \"{}\" in namespace \"{}\" with token_ttl {}.",
        n.role,
        s.kubernetes.service_account,
        s.kubernetes.namespace,
        token_ttl(s, src).to_text()
    ));
    (AuthMethod::Kubernetes, ConfigFormat::Yaml, store)
}

fn store_ref(s: &Settings) -> k8s::SecretStoreRef {
    k8s::store_ref(s, "vault")
}

fn kv_external_secret(s: &Settings, n: &Names, refresh: Duration) -> K8sObject<k8s::ExternalSecretSpec> {
    k8s::field_external_secret(s, store_ref(s), &n.kv_key, refresh)
}

/// The ExternalSecret that pulls from the VaultDynamicSecret generator (static-creds).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GeneratedSpec {
    refresh_interval: String,
    target: k8s::ExternalSecretTarget,
    data_from: Vec<serde_json::Value>,
}

fn generated_external_secret(s: &Settings, refresh: Duration) -> K8sObject<GeneratedSpec> {
    let name = format!("{}-db-credentials", s.name);
    k8s::external_secret(
        s,
        &name,
        GeneratedSpec {
            refresh_interval: refresh.to_go(),
            target: k8s::ExternalSecretTarget {
                name: name.clone(),
                creation_policy: "Owner",
            },
            data_from: vec![serde_json::json!({
                "sourceRef": {"generatorRef": {"apiVersion": k8s::GENERATORS_API, "kind": "VaultDynamicSecret", "name": name}}
            })],
        },
    )
}

fn issuer(s: &Settings, n: &Names) -> K8sObject<k8s::IssuerSpec> {
    K8sObject {
        api_version: k8s::CERT_MANAGER_API,
        kind: "Issuer",
        metadata: ObjectMeta::namespaced(format!("{}-vault", s.name), &s.kubernetes.namespace),
        spec: Some(k8s::IssuerSpec {
            vault: k8s::VaultIssuer {
                server: s.vault.address.clone(),
                path: n.consumer_path.clone(),
                namespace: s.vault.namespace.clone(),
                auth: k8s::VaultIssuerAuth {
                    kubernetes: k8s::VaultIssuerKubernetesAuth {
                        mount_path: format!("/v1/auth/{}", s.vault.auth_mount),
                        role: n.role.clone(),
                        service_account_ref: k8s::IssuerServiceAccountRef {
                            name: s.kubernetes.service_account.clone(),
                            audiences: vec![AUDIENCE],
                        },
                    },
                },
            },
        }),
    }
}

fn certificate(s: &Settings, ttl: Duration) -> K8sObject<k8s::CertificateSpec> {
    let dns = s.certificate.dns_names();
    K8sObject {
        api_version: k8s::CERT_MANAGER_API,
        kind: "Certificate",
        metadata: ObjectMeta::namespaced(format!("{}-tls", s.name), &s.kubernetes.namespace),
        spec: Some(k8s::CertificateSpec {
            secret_name: format!("{}-tls", s.name),
            common_name: s.certificate.common_name.clone(),
            dns_names: dns,
            duration: ttl.to_go(),
            renew_before: renew_before(ttl).to_go(),
            private_key: k8s::CertificatePrivateKey {
                algorithm: "ECDSA",
                size: 256,
                rotation_policy: "Always",
            },
            issuer_ref: k8s::IssuerRef {
                name: format!("{}-vault", s.name),
                kind: "Issuer",
                group: "cert-manager.io",
            },
        }),
    }
}

fn rotation_cronjob(s: &Settings, n: &Names, sch: Schedule) -> K8sObject<k8s::CronJobSpec> {
    let auth_mount = if s.target == Target::Kubernetes {
        s.vault.auth_mount.clone()
    } else {
        ROTATOR_K8S_MOUNT.to_string()
    };
    let mut env = vec![
        k8s::EnvVar {
            name: "VAULT_ADDR",
            value: s.vault.address.clone(),
        },
        k8s::EnvVar {
            name: "VAULT_AUTH_MOUNT",
            value: auth_mount,
        },
        k8s::EnvVar {
            name: "VAULT_ROLE",
            value: n.rotator_role.clone(),
        },
        k8s::EnvVar {
            name: "VAULT_JWT_FILE",
            value: format!("{TOKEN_DIR}/token"),
        },
    ];
    if let Some(ns) = &s.vault.namespace {
        env.push(k8s::EnvVar {
            name: "VAULT_NAMESPACE",
            value: ns.clone(),
        });
    }
    env.extend(rotation_env(s, n, sch));
    K8sObject {
        api_version: "batch/v1",
        kind: "CronJob",
        metadata: ObjectMeta::namespaced(format!("{}-rotate-{}", s.name, s.credential.leaf()), &s.kubernetes.namespace),
        spec: Some(k8s::CronJobSpec {
            schedule: sch.cron(),
            concurrency_policy: "Forbid",
            successful_jobs_history_limit: 1,
            failed_jobs_history_limit: 3,
            job_template: k8s::JobTemplate {
                spec: k8s::JobSpec {
                    backoff_limit: 2,
                    template: k8s::PodTemplate {
                        spec: k8s::PodSpec {
                            service_account_name: n.rotator_sa.clone(),
                            automount_service_account_token: false,
                            restart_policy: "OnFailure",
                            containers: vec![k8s::Container {
                                name: "rotate".into(),
                                image: crate::planner::versions::CURL_IMAGE.into(),
                                command: vec!["/bin/sh".into(), "-c".into(), ROTATE_SCRIPT.into()],
                                env,
                                volume_mounts: vec![k8s::VolumeMount {
                                    name: "vault-token",
                                    mount_path: TOKEN_DIR.into(),
                                    read_only: true,
                                }],
                            }],
                            volumes: vec![k8s::Volume {
                                name: "vault-token",
                                projected: k8s::ProjectedVolume {
                                    sources: vec![k8s::ProjectionSource {
                                        service_account_token: k8s::ServiceAccountTokenProjection {
                                            audience: AUDIENCE,
                                            expiration_seconds: 600,
                                            path: "token",
                                        },
                                    }],
                                },
                            }],
                        },
                    },
                },
            },
        }),
    }
}

fn rotation_env(s: &Settings, n: &Names, sch: Schedule) -> Vec<k8s::EnvVar> {
    vec![
        k8s::EnvVar {
            name: "KV_MOUNT",
            value: s.vault.kv_mount.clone(),
        },
        k8s::EnvVar {
            name: "SECRET_PATH",
            value: n.kv_key.clone(),
        },
        k8s::EnvVar {
            name: "SECRET_FIELD",
            value: s.credential.fields()[0].into(),
        },
        k8s::EnvVar {
            name: "ROTATION_PERIOD_SECONDS",
            value: sch.period.secs().to_string(),
        },
        k8s::EnvVar {
            name: "CHECK_INTERVAL_SECONDS",
            value: sch.check.secs().to_string(),
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// Application target: Vault Agent with AppRole

const AGENT_DIR: &str = "/etc/vault-agent";

fn application_target(s: &Settings, src: Source, n: &Names, decisions: &mut Vec<String>) -> (AuthMethod, ConfigFormat, String) {
    let destination = format!(
        "/run/secrets/{}/{}",
        s.name,
        if matches!(src, Source::Pki { .. }) {
            "tls.pem"
        } else {
            "credentials.json"
        }
    );
    let contents = match src {
        Source::Kv { .. } => format!(
            "{{{{ with secret \"{}\" }}}}{{{{ .Data.data | toJSON }}}}{{{{ end }}}}\n",
            n.kv_data
        ),
        Source::DbDynamic(_) | Source::DbStatic { .. } => {
            format!(
                "{{{{ with secret \"{}\" }}}}{{{{ .Data | toJSON }}}}{{{{ end }}}}\n",
                n.consumer_path
            )
        }
        Source::Pki { ttl } => format!(
            "{{{{ with pkiCert \"{}\" \"common_name={}\" \"ttl={}\" }}}}{{{{ .Cert }}}}{{{{ .CA }}}}{{{{ .Key }}}}{{{{ end }}}}\n",
            n.consumer_path,
            s.certificate.common_name,
            ttl.to_go()
        ),
    };
    let approle_config = Block::builder(tf::key("config"))
        .add_attribute((tf::key("role_id_file_path"), format!("{AGENT_DIR}/role-id")))
        .add_attribute((tf::key("secret_id_file_path"), format!("{AGENT_DIR}/secret-id")))
        .add_attribute((tf::key("remove_secret_id_file_after_reading"), false));
    let mut auto_auth = Block::builder(tf::key("auto_auth")).add_block(
        Block::builder(tf::key("method"))
            .add_label("approle")
            .add_attribute((tf::key("mount_path"), format!("auth/{}", s.vault.auth_mount)))
            .add_block(approle_config.build())
            .build(),
    );
    if let Some(ns) = &s.vault.namespace {
        auto_auth = auto_auth.add_attribute((tf::key("namespace"), ns.as_str()));
    }
    let body = Body::builder()
        .add_block(
            Block::builder(tf::key("vault"))
                .add_attribute((tf::key("address"), s.vault.address.as_str()))
                .build(),
        )
        .add_block(auto_auth.build())
        .add_block(
            Block::builder(tf::key("template_config"))
                .add_attribute((tf::key("exit_on_retry_failure"), true))
                .build(),
        )
        .add_block(
            Block::builder(tf::key("template"))
                .add_attribute((tf::key("destination"), destination.as_str()))
                .add_attribute((tf::key("perms"), "0600"))
                .add_attribute((tf::key("error_on_missing_key"), true))
                .add_attribute((tf::key("contents"), contents))
                .build(),
        )
        .build();
    decisions.push(format!(
        "The application runs Vault Agent with this configuration: it logs in with AppRole role {} (RoleID and SecretID files in {AGENT_DIR}, delivered by your orchestrator), renders {destination} with mode 0600 and re-renders it when the secret changes{}.",
        n.role,
        match src {
            Source::DbDynamic(_) => " or the lease nears its end",
            Source::Pki { .. } => " or the certificate nears expiry",
            _ => "",
        }
    ));
    decisions.push(format!(
        "SecretIDs live {} and may be used any number of times, because Vault Agent keeps re-reading the file across restarts; deliver them response-wrapped.",
        Duration::from_secs(30 * DAY).to_text()
    ));
    if matches!(src, Source::Kv { schedule: Some(_) }) {
        decisions.push(format!(
            "The rotation job runs as a Kubernetes CronJob in namespace \"{}\" as service account \"{}\" and logs in through the \"{ROTATOR_K8S_MOUNT}\" Kubernetes auth mount with role {}.",
            s.kubernetes.namespace, n.rotator_sa, n.rotator_role
        ));
    }
    (AuthMethod::Approle, ConfigFormat::Hcl, render::hcl1(&body))
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: GitHub Actions with JWT (OIDC)

/// The `aud` every GitHub token for Vault carries, matched by the role's bound_audiences.
fn github_audience(s: &Settings) -> String {
    s.vault.address.clone()
}

fn github_bound_claims(s: &Settings) -> Vec<(&'static str, String)> {
    let repo = &s.cicd.repository;
    let git_ref = format!("refs/heads/{}", s.cicd.branch);
    // Classic `repo:OWNER/REPO:ref:...` and the 2026 immutable `repo:OWNER@ID/REPO@ID:ref:...`.
    let subjects = [
        github::subject(repo, &s.cicd.branch),
        github::immutable_subject(repo, "*", "*", &s.cicd.branch),
    ];
    vec![("repository", repo.clone()), ("ref", git_ref), ("sub", subjects.join(","))]
}

fn vault_action_step(s: &Settings, role: &str, secrets: Option<String>, export_token: bool) -> serde_json::Value {
    let mut with = serde_json::Map::new();
    with.insert("url".into(), s.vault.address.clone().into());
    if let Some(ns) = &s.vault.namespace {
        with.insert("namespace".into(), ns.clone().into());
    }
    with.insert("method".into(), "jwt".into());
    with.insert("path".into(), s.vault.auth_mount.clone().into());
    with.insert("role".into(), role.into());
    with.insert("jwtGithubAudience".into(), github_audience(s).into());
    if let Some(secrets) = secrets {
        with.insert("secrets".into(), secrets.into());
    }
    if export_token {
        with.insert("exportToken".into(), true.into());
    }
    serde_json::json!({
        "name": "Authenticate to Vault",
        "id": "vault",
        "uses": format!("hashicorp/vault-action@{}", crate::planner::versions::VAULT_ACTION),
        "with": with,
    })
}

fn env_name(s: &Settings, field: &str) -> String {
    match s.credential {
        CredentialType::Database => format!("DB_{}", field.to_ascii_uppercase()),
        _ => field.to_ascii_uppercase(),
    }
}

fn cicd_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    match s.cicd.platform {
        CicdPlatform::GitlabCi => return gitlab_target(s, src, n, manifests, decisions),
        CicdPlatform::Jenkins => return jenkins_target(s, src, n, manifests, decisions),
        CicdPlatform::AzureDevops => return azure_devops_target(s, src, n, manifests, decisions),
        _ => {}
    }
    let workflow_file = github::path(&s.name, "secrets");
    let mut steps = Vec::new();
    match src {
        Source::Pki { ttl } => {
            steps.push(vault_action_step(s, &n.role, None, true));
            let body = serde_json::json!({"common_name": s.certificate.common_name, "ttl": ttl.to_go()}).to_string();
            steps.push(serde_json::json!({
                "name": "Issue a certificate",
                "env": {"VAULT_ADDR": s.vault.address, "ISSUE_BODY": body},
                "run": format!(
                    "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request POST --header @- --data \"$ISSUE_BODY\" --output \"$RUNNER_TEMP/certificate.json\" \"$VAULT_ADDR/v1/{}\"",
                    n.consumer_path
                ),
            }));
        }
        _ => {
            let path = match src {
                Source::Kv { .. } => n.kv_data.clone(),
                _ => n.consumer_path.clone(),
            };
            let fields: &[&str] = match src {
                Source::Kv { .. } => s.credential.fields(),
                _ => &["username", "password"],
            };
            let secrets = fields
                .iter()
                .map(|f| format!("{path} {f} | {}", env_name(s, f)))
                .collect::<Vec<_>>()
                .join(" ;\n");
            steps.push(vault_action_step(s, &n.role, Some(secrets), false));
        }
    }
    let text = github::Workflow::on_push(&s.name, &s.cicd.branch, serde_json::Value::from(steps)).render();
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, &workflow_file, text.clone()));
    if let Source::Kv { schedule: Some(sch) } = src {
        let mut env = serde_json::Map::new();
        env.insert("VAULT_ADDR".into(), s.vault.address.clone().into());
        if let Some(ns) = &s.vault.namespace {
            env.insert("VAULT_NAMESPACE".into(), ns.clone().into());
        }
        for e in rotation_env(s, n, sch) {
            env.insert(e.name.into(), e.value.into());
        }
        let rotate = github::Workflow::on_schedule(
            format!("{} rotate {}", s.name, s.credential.leaf()),
            &github_cron(sch),
            "rotate",
            format!("{}-rotate", s.name),
            serde_json::json!([
                {"uses": format!("actions/checkout@{}", crate::planner::versions::CHECKOUT_ACTION)},
                vault_action_step(s, &n.rotator_role, None, true),
                {"name": "Rotate", "env": env, "run": "sh ci/rotate-kv.sh"},
            ]),
        );
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            &github::path(&s.name, "rotate"),
            rotate.render(),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            ROTATE_SCRIPT.to_string(),
        ));
        decisions.push(format!(
            "The rotation workflow runs on schedule \"{}\" from the default branch, which must be \"{}\" for the rotator role's ref binding to match; it logs in as {} and runs ci/rotate-kv.sh.",
            github_cron(sch),
            s.cicd.branch,
            n.rotator_role
        ));
    }
    decisions.push(format!(
        "GitHub Actions logs in through the JWT auth mount \"{}\" (configured with oidc_discovery_url = bound_issuer = {GITHUB_ISSUER}) with audience \"{}\"; the role binds repository \"{}\" and ref refs/heads/{} and accepts both the classic and the immutable (OWNER@ID/REPO@ID) sub formats.",
        s.vault.auth_mount,
        github_audience(s),
        s.cicd.repository,
        s.cicd.branch
    ));
    (AuthMethod::Jwt, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: GitLab CI with id_tokens (CI_JOB_JWT was removed in GitLab 17.0)

fn gitlab_bound_claims(s: &Settings) -> Vec<(&'static str, String)> {
    vec![
        ("project_path", s.cicd.repository.clone()),
        ("ref", s.cicd.branch.clone()),
        ("ref_type", "branch".into()),
        ("ref_protected", "true".into()),
    ]
}

/// Logs in with the job's ID token (on curl's stdin, never its command line); the `test` line
/// fails the job when Vault refuses.
const GITLAB_LOGIN: [&str; 3] = [
    r#"VAULT_TOKEN="$(printf '{"role":"%s","jwt":"%s"}' "$VAULT_AUTH_ROLE" "$VAULT_ID_TOKEN" | curl --silent --show-error --fail --request POST --header "X-Vault-Namespace: ${VAULT_NAMESPACE:-}" --data @- "$VAULT_SERVER_URL/v1/auth/$VAULT_AUTH_PATH/login" | sed -n 's/.*"client_token":"\([^"]*\)".*/\1/p')""#,
    r#"test -n "$VAULT_TOKEN""#,
    "export VAULT_TOKEN",
];

/// One API call with the logged-in token, for what `secrets:` cannot express (a single read of
/// a dynamic credential, a certificate issue); the response goes to a file, never the log.
fn gitlab_call(method: &str, path: &str, body: Option<String>, output: &str) -> String {
    // The token reaches curl as a header on stdin, never on its command line.
    let mut call = format!(
        "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request {method} --header @- --header \"X-Vault-Namespace: ${{VAULT_NAMESPACE:-}}\" --output \"{output}\""
    );
    if let Some(body) = body {
        call.push_str(&format!(" --data '{body}'"));
    }
    call.push_str(&format!(" \"$VAULT_SERVER_URL/v1/{path}\""));
    call
}

fn gitlab_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    use serde_json::{json, Map, Value};
    let mut variables = Map::new();
    variables.insert("VAULT_SERVER_URL".into(), s.vault.address.clone().into());
    variables.insert("VAULT_AUTH_PATH".into(), s.vault.auth_mount.clone().into());
    variables.insert("VAULT_AUTH_ROLE".into(), n.role.clone().into());
    if let Some(ns) = &s.vault.namespace {
        variables.insert("VAULT_NAMESPACE".into(), ns.clone().into());
    }
    let mut job = gitlab::Job::new().id_token("VAULT_ID_TOKEN", &github_audience(s));
    match src {
        Source::Kv { .. } => {
            let mut secrets = Map::new();
            for f in s.credential.fields() {
                secrets.insert(
                    env_name(s, f),
                    json!({
                        "vault": {"engine": {"name": "kv-v2", "path": s.vault.kv_mount}, "path": n.kv_key, "field": f},
                        "file": false,
                        "token": "$VAULT_ID_TOKEN",
                    }),
                );
            }
            job = job
                .secrets(secrets)
                .script(vec!["echo \"secrets from Vault are in the job's environment\""]);
        }
        _ => {
            let (method, body, out) = match src {
                Source::Pki { ttl } => (
                    "POST",
                    Some(json!({"common_name": s.certificate.common_name, "ttl": ttl.to_go()}).to_string()),
                    "$CI_PROJECT_DIR/.vault/certificate.json",
                ),
                _ => ("GET", None, "$CI_PROJECT_DIR/.vault/db-credentials.json"),
            };
            let mut script = vec![json!("mkdir -p -m 0700 \"$CI_PROJECT_DIR/.vault\"")];
            script.extend(GITLAB_LOGIN.iter().map(|l| Value::from(*l)));
            script.push(gitlab_call(method, &n.consumer_path, body, out).into());
            // curlimages/curl's entrypoint is curl itself; the job image clears it for a shell.
            job = job.image(crate::planner::versions::CURL_IMAGE).script(script);
        }
    }
    // Scheduled pipelines run only the rotation job.
    job = job.variables(variables.clone()).on_branch_unscheduled(&s.cicd.branch);
    let mut pipeline = gitlab::Pipeline::new().job(format!("{}-secrets", s.name), job);
    if let Source::Kv { schedule: Some(sch) } = src {
        let mut vars = variables.clone();
        vars.insert("VAULT_AUTH_ROLE".into(), n.rotator_role.clone().into());
        for e in rotation_env(s, n, sch) {
            vars.insert(e.name.into(), e.value.into());
        }
        vars.insert("VAULT_ADDR".into(), "$VAULT_SERVER_URL".into());
        let mut script: Vec<Value> = GITLAB_LOGIN.iter().map(|l| Value::from(*l)).collect();
        script.push("sh ci/rotate-kv.sh".into());
        pipeline = pipeline.job(
            format!("{}-rotate-{}", s.name, s.credential.leaf()),
            gitlab::Job::new()
                .image(crate::planner::versions::CURL_IMAGE)
                .id_token("VAULT_ID_TOKEN", &github_audience(s))
                .variables(vars)
                .on_schedule()
                .script(script),
        );
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            ROTATE_SCRIPT.to_string(),
        ));
        decisions.push(format!(
            "The rotation job runs only in scheduled pipelines: create a pipeline schedule on branch \"{}\" with cron \"{}\" in the project settings (GitLab keeps schedules outside .gitlab-ci.yml); it logs in as {} and runs ci/rotate-kv.sh.",
            s.cicd.branch,
            sch.cron(),
            n.rotator_role
        ));
    }
    let text = pipeline.render();
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, gitlab::PATH, text.clone()));
    decisions.push(format!(
        "GitLab CI logs in through the JWT auth mount \"{}\" (configured with oidc_discovery_url = bound_issuer = {GITLAB_ISSUER}, or your instance URL) with an id_tokens token whose aud is \"{}\" (CI_JOB_JWT was removed in GitLab 17.0); the role binds project \"{}\", protected branch \"{}\".",
        s.vault.auth_mount,
        github_audience(s),
        s.cicd.repository,
        s.cicd.branch
    ));
    (AuthMethod::Jwt, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: Jenkins with the HashiCorp Vault plugin and AppRole

fn jenkins_credential_id(role: &str) -> String {
    format!("vault-approle-{role}")
}

/// `withCredentials` exposing VAULT_ADDR and VAULT_TOKEN from an AppRole credential.
fn vault_token_binding(s: &Settings, role: &str, body: Vec<Step>) -> Step {
    let binding = Groovy::List(vec![Groovy::Map(vec![
        ("$class", g("VaultTokenCredentialBinding")),
        ("credentialsId", g(jenkins_credential_id(role))),
        ("vaultAddr", g(&s.vault.address)),
    ])]);
    Step::Block(format!("withCredentials({})", binding.render()), body)
}

fn jenkins_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let steps = match src {
        Source::Pki { ttl } => {
            let body = serde_json::json!({"common_name": s.certificate.common_name, "ttl": ttl.to_go()}).to_string();
            vault_token_binding(
                s,
                &n.role,
                vec![Step::Line(format!(
                    "sh {}",
                    g(format!(
                        "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request POST --header @- --data '{body}' --output certificate.json \"$VAULT_ADDR/v1/{}\"",
                        n.consumer_path
                    ))
                    .render()
                ))],
            )
        }
        _ => {
            let (path, version, fields): (String, u64, &[&str]) = match src {
                // The plugin inserts /data/ itself for KV version 2.
                Source::Kv { .. } => (format!("{}/{}", s.vault.kv_mount, n.kv_key), 2, s.credential.fields()),
                _ => (n.consumer_path.clone(), 1, &["username", "password"]),
            };
            let secrets = Groovy::List(vec![Groovy::Map(vec![
                ("path", g(path)),
                ("engineVersion", Groovy::Int(version)),
                (
                    "secretValues",
                    Groovy::List(
                        fields
                            .iter()
                            .map(|f| Groovy::Map(vec![("envVar", g(env_name(s, f))), ("vaultKey", g(*f))]))
                            .collect(),
                    ),
                ),
            ])]);
            let config = Groovy::Map(vec![
                ("vaultUrl", g(&s.vault.address)),
                ("vaultCredentialId", g(jenkins_credential_id(&n.role))),
                ("engineVersion", Groovy::Int(2)),
            ]);
            // One path entry: the plugin reads it once, so a dynamic username and password belong together.
            Step::Block(
                format!(
                    "withVault({})",
                    Groovy::Map(vec![("configuration", config), ("vaultSecrets", secrets)]).render()
                ),
                vec![Step::Line("sh 'echo \"secrets from Vault are in the environment\"'".into())],
            )
        }
    };
    manifests.push(DeploymentManifest::new(
        ManifestType::Cicd,
        "Jenkinsfile",
        Jenkinsfile::new("secrets", vec![steps]).render(),
    ));

    let mut credentials = vec![n.role.clone()];
    if let Source::Kv { schedule: Some(sch) } = src {
        credentials.push(n.rotator_role.clone());
        let env: Vec<(&'static str, String)> = rotation_env(s, n, sch).into_iter().map(|e| (e.name, e.value)).collect();
        let steps = vault_token_binding(s, &n.rotator_role, vec![Step::Line("sh 'sh ci/rotate-kv.sh'".into())]);
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "Jenkinsfile.rotate",
            Jenkinsfile {
                cron: Some(sch.cron()),
                environment: env,
                ..Jenkinsfile::new("rotate", vec![steps])
            }
            .render(),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            ROTATE_SCRIPT.to_string(),
        ));
        decisions.push(format!(
            "Jenkinsfile.rotate runs on cron \"{}\" with the {} AppRole credential and runs ci/rotate-kv.sh; point a separate pipeline job at it.",
            sch.cron(),
            n.rotator_role
        ));
    }
    let casc = serde_json::json!({
        "credentials": {"system": {"domainCredentials": [{"credentials": credentials.iter().map(|role| serde_json::json!({
            "vaultAppRoleCredential": {
                "id": jenkins_credential_id(role),
                "description": format!("Vault AppRole {role}"),
                "path": s.vault.auth_mount,
                "roleId": format!("${{VAULT_ROLE_ID_{}}}", role.to_ascii_uppercase().replace('-', "_")),
                "secretId": format!("${{VAULT_SECRET_ID_{}}}", role.to_ascii_uppercase().replace('-', "_")),
                "scope": "GLOBAL",
            }
        })).collect::<Vec<_>>()}]}},
        "unclassified": {"hashicorpVault": {"configuration": {
            "vaultUrl": s.vault.address,
            "vaultCredentialId": jenkins_credential_id(&n.role),
            "engineVersion": 2,
        }}},
    });
    let text = render::yaml(&casc);
    decisions.push(format!(
        "Jenkins authenticates with AppRole through the HashiCorp Vault plugin: config/backend.yaml is its Configuration-as-Code section, reading each RoleID and SecretID from the environment (VAULT_ROLE_ID_*/VAULT_SECRET_ID_*) so no secret is written into it; SecretIDs live {} and should be re-issued response-wrapped.",
        Duration::from_secs(30 * DAY).to_text()
    ));
    if s.vault.namespace.is_some() {
        decisions.push("Set the Vault namespace in the plugin's global configuration as well; the generated Configuration-as-Code section does not carry it.".into());
    }
    (AuthMethod::Approle, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: Azure Pipelines with AppRole (no Vault-verifiable pipeline identity token)

/// Azure Pipelines allows at most 1000 scheduled runs a week; every 15 minutes is 672.
const ADO_MIN_CHECK: u64 = 15 * MINUTE;
/// Microsoft-hosted image with bash, curl and jq.
fn ado_group(role: &str) -> String {
    format!("{role}-vault")
}

/// Secret variables reach a script only through an explicit `env` mapping.
fn ado_login_env() -> std::collections::BTreeMap<String, String> {
    ["VAULT_ROLE_ID", "VAULT_SECRET_ID"]
        .into_iter()
        .map(|v| (v.to_string(), format!("$({v})")))
        .collect()
}

/// Logs in with the job's RoleID and SecretID; the SecretID goes to curl on stdin, never argv.
const ADO_LOGIN: [&str; 5] = [
    "set -euo pipefail",
    "umask 077",
    r#"login="$(printf '{"role_id":"%s","secret_id":"%s"}' "$VAULT_ROLE_ID" "$VAULT_SECRET_ID" | curl --silent --show-error --fail --request POST --header "X-Vault-Namespace: ${VAULT_NAMESPACE:-}" --data @- "$VAULT_ADDR/v1/auth/$VAULT_AUTH_PATH/login")""#,
    r#"VAULT_TOKEN="$(printf '%s' "$login" | jq -er '.auth.client_token')""#,
    "export VAULT_TOKEN",
];

/// The bash lines that fetch the planned credential once and hand each value to later steps.
/// Returns the lines and the names of the variables they set (secret values, or file paths).
fn ado_fetch(s: &Settings, src: Source, n: &Names) -> (Vec<String>, Vec<String>) {
    let dir = "$AGENT_TEMPDIRECTORY/vault";
    let mut lines = vec![format!("mkdir -p \"{dir}\"")];
    let call = |method: &str, body: Option<String>, out: &str| {
        // The token reaches curl as a header on stdin, never on its command line.
        let mut c = format!(
            "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request {method} --header @- --header \"X-Vault-Namespace: ${{VAULT_NAMESPACE:-}}\" --output \"{out}\""
        );
        if let Some(body) = body {
            c.push_str(&format!(" --data '{body}'"));
        }
        c.push_str(&format!(" \"$VAULT_ADDR/v1/{}\"", n.consumer_path));
        c
    };
    let mut vars = Vec::new();
    match src {
        Source::Pki { ttl } => {
            let body = serde_json::json!({"common_name": s.certificate.common_name, "ttl": ttl.to_go()}).to_string();
            lines.push(call("POST", Some(body), &format!("{dir}/certificate.json")));
            lines.push(format!(
                "echo \"##vso[task.setvariable variable=CERTIFICATE_JSON_FILE]{dir}/certificate.json\""
            ));
            vars.push("CERTIFICATE_JSON_FILE".into());
        }
        _ => {
            let out = format!("{dir}/response.json");
            lines.push(call("GET", None, &out));
            let (data, fields): (&str, &[&str]) = match src {
                Source::Kv { .. } => (".data.data", s.credential.fields()),
                _ => (".data", &["username", "password"]),
            };
            for f in fields {
                let var = env_name(s, f);
                if s.credential == CredentialType::Certificate {
                    // PEM spans lines, which one logging command cannot carry: hand over a file.
                    lines.push(format!("jq -er '{data}.{f}' \"{out}\" > \"{dir}/{f}.pem\""));
                    lines.push(format!("echo \"##vso[task.setvariable variable={var}_FILE]{dir}/{f}.pem\""));
                    vars.push(format!("{var}_FILE"));
                } else {
                    lines.push(format!("value=\"$(jq -er '{data}.{f}' \"{out}\")\""));
                    lines.extend(crate::planner::ci_env::azure_devops_secret(&var, "value"));
                    vars.push(var);
                }
            }
            lines.push(format!("rm -f \"{out}\""));
        }
    }
    (lines, vars)
}

fn azure_devops_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let named = Variable::named;
    let mut variables = vec![named("VAULT_ADDR", &s.vault.address), named("VAULT_AUTH_PATH", &s.vault.auth_mount)];
    if let Some(ns) = &s.vault.namespace {
        variables.push(named("VAULT_NAMESPACE", ns));
    }
    let (fetch, handed_over) = ado_fetch(s, src, n);
    let mut script: Vec<String> = ADO_LOGIN.iter().map(|l| l.to_string()).collect();
    script.extend(fetch);
    let mut steps = vec![AdoStep {
        bash: script.join("\n"),
        display_name: "Read secrets from Vault".into(),
        env: ado_login_env(),
    }];
    steps.push(AdoStep {
        bash: "echo \"secrets from Vault (or the files holding them) are mapped into this step's environment\"".into(),
        display_name: "Use secrets".into(),
        env: handed_over.iter().map(|v| (v.clone(), format!("$({v})"))).collect(),
    });
    // Scheduled runs exist only to rotate.
    let mut jobs = vec![Job::new("secrets", format!("{} secrets", s.name), steps).when(
        "and(succeeded(), ne(variables['Build.Reason'], 'Schedule'))",
        vec![Variable::Group { group: ado_group(&n.role) }],
    )];
    let mut schedules = Vec::new();
    let mut groups = vec![format!("\"{}\" (RoleID and SecretID of {})", ado_group(&n.role), n.role)];
    if let Source::Kv { schedule: Some(sch) } = src {
        let sch = Schedule {
            check: Duration::from_secs(sch.check.secs().max(ADO_MIN_CHECK)),
            ..sch
        };
        schedules.push(AdoSchedule::new(
            sch.cron(),
            format!("rotate {} {}", s.name, s.credential.leaf()),
            &s.cicd.branch,
        ));
        let mut vars = vec![Variable::Group {
            group: ado_group(&n.rotator_role),
        }];
        vars.extend(rotation_env(s, n, sch).into_iter().map(|e| named(e.name, &e.value)));
        let mut script: Vec<String> = ADO_LOGIN.iter().map(|l| l.to_string()).collect();
        script.push("sh ci/rotate-kv.sh".into());
        jobs.push(
            Job::new(
                "rotate",
                format!("{} rotate {}", s.name, s.credential.leaf()),
                vec![AdoStep {
                    bash: script.join("\n"),
                    display_name: "Rotate".into(),
                    env: ado_login_env(),
                }],
            )
            .when("eq(variables['Build.Reason'], 'Schedule')", vars),
        );
        groups.push(format!("\"{}\" (of {})", ado_group(&n.rotator_role), n.rotator_role));
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            ROTATE_SCRIPT.to_string(),
        ));
        decisions.push(format!(
            "Azure Pipelines runs the schedule \"{}\" (UTC) on branch \"{}\" with always: true, since scheduled runs are otherwise skipped when nothing changed; scheduled runs execute only the rotate job, which logs in as {} and runs ci/rotate-kv.sh (checks are at least {} apart: Azure Pipelines allows 1000 scheduled runs a week).",
            sch.cron(),
            s.cicd.branch,
            n.rotator_role,
            Duration::from_secs(ADO_MIN_CHECK).to_text()
        ));
    }
    let text = Pipeline::jobs(&s.cicd.branch, schedules, variables, jobs).render();
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, "azure-pipelines.yml", text.clone()));
    decisions.push(
        "Azure Pipelines authenticates with AppRole, not JWT: the only OIDC token a pipeline can request (System.OidcRequestUri) is minted per Azure service connection for exchange with Microsoft Entra; its Azure DevOps issuer (https://vstoken.dev.azure.com/<org-id>, subject sc://<org>/<project>/<connection>) is deprecated and retires 2027-07-01, and the claims of the Entra-issued replacement are not documented for other relying parties, so Vault could not bind a JWT role to verified issuer, subject and audience values.".into(),
    );
    decisions.push(format!(
        "Create the variable group{} {} in the project's Library, each holding VAULT_ROLE_ID (auth/{}/role/<role>/role-id) and VAULT_SECRET_ID (a SecretID, marked secret), authorized for this pipeline only; secret variables reach scripts only through the env mappings in azure-pipelines.yml, and SecretIDs live {} and should be re-issued before then.",
        if groups.len() > 1 { "s" } else { "" },
        groups.join(" and "),
        s.vault.auth_mount,
        Duration::from_secs(30 * DAY).to_text()
    ));
    decisions.push(
        "token_bound_cidrs and secret_id_bound_cidrs are left unset because Microsoft-hosted agents have no fixed egress addresses; on self-hosted agents set both to the agents' egress CIDRs.".into(),
    );
    decisions.push(match src {
        Source::Pki { .. } => format!(
            "The certificate, its private key and chain are written to $(Agent.TempDirectory)/vault/certificate.json (the agent empties it after the job) and CERTIFICATE_JSON_FILE names it; the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq), which self-hosted agents must match."
        ),
        _ if s.credential == CredentialType::Certificate => format!(
            "PEM values span lines, which a logging command cannot carry, so they are written to $(Agent.TempDirectory)/vault (the agent empties it after the job) and CERTIFICATE_FILE and PRIVATE_KEY_FILE name them; the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq), which self-hosted agents must match."
        ),
        _ => format!(
            "Each value is read once and becomes a secret pipeline variable through a ##vso[task.setvariable ...;issecret=true] logging command, so the agent masks it in logs and later steps see it only when they map it into env (as the Use secrets step does); the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq), which self-hosted agents must match."
        ),
    });
    (AuthMethod::Approle, ConfigFormat::Yaml, text)
}

/// GitHub runs scheduled workflows at most every 5 minutes.
fn github_cron(sch: Schedule) -> String {
    if sch.check.secs() < 5 * MINUTE {
        "*/5 * * * *".into()
    } else {
        sch.cron()
    }
}

// ---------------------------------------------------------------------------------------------
// Terraform (terraform-provider-vault 5.x)

fn terraform(s: &Settings, src: Source, n: &Names, policies: &[AccessPolicy]) -> Body {
    let mut b = Body::builder().add_block(
        Block::builder(tf::key("terraform"))
            .add_block(
                Block::builder(tf::key("required_providers"))
                    .add_attribute((
                        tf::key("vault"),
                        tf::obj(&[("source", "hashicorp/vault".into()), ("version", ">= 5.0".into())]),
                    ))
                    .build(),
            )
            .build(),
    );
    let mut policy_refs = Vec::new();
    for (i, p) in policies.iter().filter(|p| p.policy_type == PolicyType::VaultPolicy).enumerate() {
        let label = if i == 0 { "consumer" } else { "writer" };
        policy_refs.push(label);
        b = b.add_block(
            vk::with_namespace(tf::resource("vault_policy", label), s)
                .add_attribute((tf::key("name"), p.policy_name.as_str()))
                .add_attribute((tf::key("policy"), tf::heredoc(&p.policy_document)))
                .build(),
        );
    }
    match src {
        Source::DbDynamic(t) => {
            for block in database_blocks(s, Some(t)) {
                b = b.add_block(block);
            }
            let role = vk::role_body(s, t);
            b = b.add_block(
                vk::with_namespace(tf::resource("vault_database_secret_backend_role", "app"), s)
                    .add_attribute((tf::key("backend"), tf::traversal("vault_mount", &["db", "path"])))
                    .add_attribute((tf::key("name"), n.role.as_str()))
                    .add_attribute((
                        "db_name",
                        tf::traversal("vault_database_secret_backend_connection", &["db", "name"]),
                    ))
                    .add_attribute((tf::key("creation_statements"), role.creation_statements))
                    .add_attribute((tf::key("revocation_statements"), role.revocation_statements))
                    .add_attribute((tf::key("default_ttl"), role.default_ttl))
                    .add_attribute((tf::key("max_ttl"), role.max_ttl))
                    .build(),
            );
        }
        Source::DbStatic { period } => {
            for block in database_blocks(s, None) {
                b = b.add_block(block);
            }
            let role = static_role(s, period);
            let mut block = vk::with_namespace(tf::resource("vault_database_secret_backend_static_role", "app"), s)
                .add_attribute((tf::key("backend"), tf::traversal("vault_mount", &["db", "path"])))
                .add_attribute((tf::key("name"), n.role.as_str()))
                .add_attribute((
                    "db_name",
                    tf::traversal("vault_database_secret_backend_connection", &["db", "name"]),
                ))
                .add_attribute((tf::key("username"), role.username))
                .add_attribute((tf::key("rotation_period"), role.rotation_period));
            if !role.rotation_statements.is_empty() {
                block = block.add_attribute((tf::key("rotation_statements"), role.rotation_statements));
            }
            b = b.add_block(block.build());
        }
        Source::Pki { ttl } => {
            let role = pki_role(s, ttl);
            b = b
                .add_block(
                    vk::with_namespace(tf::resource("vault_mount", "pki"), s)
                        .add_attribute((tf::key("path"), s.vault.pki_mount.as_str()))
                        .add_attribute((tf::key("type"), "pki"))
                        .add_attribute((tf::key("description"), format!("Certificates for {}", n.role)))
                        .add_attribute((tf::key("max_lease_ttl_seconds"), PKI_MOUNT_MAX_TTL))
                        .build(),
                )
                .add_block(
                    vk::with_namespace(tf::resource("vault_pki_secret_backend_role", "app"), s)
                        .add_attribute((tf::key("backend"), tf::traversal("vault_mount", &["pki", "path"])))
                        .add_attribute((tf::key("name"), n.role.as_str()))
                        .add_attribute((tf::key("allowed_domains"), role.allowed_domains))
                        .add_attribute((tf::key("allow_bare_domains"), role.allow_bare_domains))
                        .add_attribute((tf::key("allow_subdomains"), role.allow_subdomains))
                        .add_attribute((tf::key("allow_glob_domains"), role.allow_glob_domains))
                        .add_attribute((tf::key("allow_wildcard_certificates"), role.allow_wildcard_certificates))
                        .add_attribute((tf::key("allow_ip_sans"), role.allow_ip_sans))
                        .add_attribute((tf::key("enforce_hostnames"), role.enforce_hostnames))
                        .add_attribute((tf::key("server_flag"), role.server_flag))
                        .add_attribute((tf::key("client_flag"), role.client_flag))
                        .add_attribute((tf::key("require_cn"), role.require_cn))
                        .add_attribute((tf::key("key_type"), role.key_type))
                        .add_attribute((tf::key("key_bits"), role.key_bits))
                        .add_attribute((tf::key("key_usage"), role.key_usage))
                        .add_attribute((tf::key("ext_key_usage"), role.ext_key_usage))
                        .add_attribute((tf::key("ttl"), role.ttl))
                        .add_attribute((tf::key("max_ttl"), role.max_ttl))
                        .add_attribute((tf::key("no_store"), role.no_store))
                        .build(),
                );
        }
        Source::Kv { .. } => {
            let metadata = KvMetadata {
                max_versions: KV_VERSIONS,
                delete_version_after: KV_DELETE_AFTER,
            };
            // Deleting a metadata path destroys every version: Terraform must never do it.
            b = b.add_block(
                vk::with_namespace(tf::resource("vault_generic_endpoint", "kv_metadata"), s)
                    .add_attribute((tf::key("path"), n.kv_metadata.as_str()))
                    .add_attribute((tf::key("data_json"), serde_json::to_string(&metadata).unwrap_or_default()))
                    .add_attribute((tf::key("ignore_absent_fields"), true))
                    .add_attribute((tf::key("disable_delete"), true))
                    .build(),
            );
        }
    }
    for block in auth_blocks(s, src, n) {
        b = b.add_block(block);
    }
    b.add_block(
        // Audit devices live in the root namespace only.
        tf::resource("vault_audit", "file")
            .add_attribute((tf::key("type"), "file"))
            .add_attribute((tf::key("path"), "file"))
            .add_attribute((tf::key("description"), "Records every read, write and login of this integration"))
            .add_attribute((
                tf::key("options"),
                tf::obj(&[("file_path", AUDIT_LOG.into()), ("mode", "0600".into())]),
            ))
            .build(),
    )
    .build()
}

fn database_blocks(s: &Settings, ttls: Option<Ttls>) -> Vec<Block> {
    let (block_name, plugin, url) = vk::connection(s);
    let string_var = |name: &str, description: String, default: Option<&str>, sensitive: bool| {
        let mut b = Block::builder(tf::key("variable"))
            .add_label(name)
            .add_attribute((tf::key("type"), Expression::Variable(hcl::expr::Variable::unchecked("string"))))
            .add_attribute((tf::key("description"), description));
        if let Some(d) = default {
            b = b.add_attribute((tf::key("default"), d));
        }
        if sensitive {
            b = b.add_attribute((tf::key("sensitive"), true));
        }
        b.build()
    };
    let mut mount = vk::with_namespace(tf::resource("vault_mount", "db"), s)
        .add_attribute((tf::key("path"), s.vault.database_mount.as_str()))
        .add_attribute((tf::key("type"), "database"))
        .add_attribute((
            tf::key("description"),
            format!("{} credentials for {}", s.database.engine, s.role_name()),
        ));
    if let Some(t) = ttls {
        mount = mount
            .add_attribute((tf::key("default_lease_ttl_seconds"), t.default.secs()))
            .add_attribute((tf::key("max_lease_ttl_seconds"), t.max.secs()));
    }
    let mut engine = Block::builder(block_name)
        .add_attribute((tf::key("connection_url"), url))
        .add_attribute((tf::key("username"), tf::traversal("var", &["db_admin_username"])))
        .add_attribute((tf::key("password"), tf::traversal("var", &["db_admin_password"])));
    if s.database.engine == DbEngine::Oracle {
        engine = engine.add_attribute((tf::key("plugin_name"), plugin));
    }
    vec![
        string_var(
            "db_admin_username",
            format!("Database user Vault connects as to manage {} credentials.", s.database.engine),
            Some("vault-admin"),
            false,
        ),
        string_var(
            "db_admin_password",
            "Password of db_admin_username; rotate it afterwards with the database/rotate-root endpoint.".into(),
            None,
            true,
        ),
        mount.build(),
        vk::with_namespace(tf::resource("vault_database_secret_backend_connection", "db"), s)
            .add_attribute((tf::key("backend"), tf::traversal("vault_mount", &["db", "path"])))
            .add_attribute((tf::key("name"), s.role_name()))
            .add_attribute((tf::key("allowed_roles"), vec![s.role_name()]))
            .add_attribute((tf::key("verify_connection"), true))
            .add_block(engine.build())
            .build(),
    ]
}

fn policy_ref(label: &str) -> Expression {
    Expression::from(vec![tf::traversal("vault_policy", &[label, "name"])])
}

fn approle_role(s: &Settings, label: &str, role: &str, policy: &str, ttl: u64) -> Block {
    vk::with_namespace(tf::resource("vault_approle_auth_backend_role", label), s)
        .add_attribute((tf::key("backend"), s.vault.auth_mount.as_str()))
        .add_attribute((tf::key("role_name"), role))
        .add_attribute((tf::key("token_policies"), policy_ref(policy)))
        .add_attribute((tf::key("token_ttl"), ttl))
        .add_attribute((tf::key("token_max_ttl"), ttl * 4))
        .add_attribute((tf::key("bind_secret_id"), true))
        .add_attribute((tf::key("secret_id_ttl"), 30 * DAY))
        .add_attribute((tf::key("secret_id_num_uses"), 0))
        .build()
}

fn auth_blocks(s: &Settings, src: Source, n: &Names) -> Vec<Block> {
    let ttl = token_ttl(s, src).secs();
    let rotates = matches!(src, Source::Kv { schedule: Some(_) });
    let mut out = Vec::new();
    let k8s_role = |label: &str, mount: &str, role: &str, sa: &str, policy: &str, ttl: u64| {
        vk::with_namespace(tf::resource("vault_kubernetes_auth_backend_role", label), s)
            .add_attribute((tf::key("backend"), mount))
            .add_attribute((tf::key("role_name"), role))
            .add_attribute((tf::key("bound_service_account_names"), vec![sa.to_string()]))
            .add_attribute((tf::key("bound_service_account_namespaces"), vec![s.kubernetes.namespace.clone()]))
            .add_attribute((tf::key("audience"), AUDIENCE))
            .add_attribute((tf::key("token_policies"), policy_ref(policy)))
            .add_attribute((tf::key("token_ttl"), ttl))
            .add_attribute((tf::key("token_max_ttl"), ttl))
            .build()
    };
    match s.target {
        Target::Kubernetes => {
            out.push(k8s_role(
                "app",
                &s.vault.auth_mount,
                &n.role,
                &s.kubernetes.service_account,
                "consumer",
                ttl,
            ));
            if rotates {
                out.push(k8s_role(
                    "rotator",
                    &s.vault.auth_mount,
                    &n.rotator_role,
                    &n.rotator_sa,
                    "writer",
                    15 * MINUTE,
                ));
            }
        }
        Target::Cicd if matches!(s.cicd.platform, CicdPlatform::Jenkins | CicdPlatform::AzureDevops) => {
            out.push(approle_role(s, "app", &n.role, "consumer", ttl));
            if rotates {
                out.push(approle_role(s, "rotator", &n.rotator_role, "writer", 15 * MINUTE));
            }
        }
        Target::Application => {
            out.push(approle_role(s, "app", &n.role, "consumer", ttl));
            if rotates {
                out.push(k8s_role(
                    "rotator",
                    ROTATOR_K8S_MOUNT,
                    &n.rotator_role,
                    &n.rotator_sa,
                    "writer",
                    15 * MINUTE,
                ));
            }
        }
        Target::Cicd => {
            let gitlab = s.cicd.platform == CicdPlatform::GitlabCi;
            let jwt_role = |label: &str, role: &str, policy: &str| {
                let mut claims = Object::new();
                let bound = if gitlab { gitlab_bound_claims(s) } else { github_bound_claims(s) };
                for (k, v) in bound {
                    claims.insert(ObjectKey::from(Identifier::unchecked(k)), Expression::from(v));
                }
                vk::with_namespace(tf::resource("vault_jwt_auth_backend_role", label), s)
                    .add_attribute((tf::key("backend"), s.vault.auth_mount.as_str()))
                    .add_attribute((tf::key("role_name"), role))
                    .add_attribute((tf::key("role_type"), "jwt"))
                    .add_attribute((tf::key("user_claim"), if gitlab { "project_path" } else { "repository" }))
                    .add_attribute((tf::key("bound_audiences"), vec![github_audience(s)]))
                    .add_attribute((tf::key("bound_claims_type"), if gitlab { "string" } else { "glob" }))
                    .add_attribute((tf::key("bound_claims"), Expression::Object(claims)))
                    .add_attribute((tf::key("token_policies"), policy_ref(policy)))
                    .add_attribute((tf::key("token_ttl"), ttl))
                    .add_attribute((tf::key("token_max_ttl"), ttl))
                    .build()
            };
            out.push(jwt_role("app", &n.role, "consumer"));
            if rotates {
                out.push(jwt_role("rotator", &n.rotator_role, "writer"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;
    use crate::planner::resolve::resolve;

    fn settings(t: Target, r: Rotation, c: CredentialType) -> Settings {
        let mut req = Request::new(Backend::Vault, t, r);
        req.credential = Some(c);
        resolve(&req).0
    }

    #[test]
    fn dynamic_falls_back_only_where_vault_cannot_mint() {
        for c in CredentialType::ALL {
            let (src, finding, decision) = source(&settings(Target::Application, Rotation::Dynamic, *c));
            let falls_back = matches!(c, CredentialType::ApiKey | CredentialType::Generic);
            assert_eq!(finding.is_some(), falls_back, "{c}");
            assert_eq!(decision.is_some(), falls_back, "{c}");
            if falls_back {
                assert_eq!(finding.map(|f| f.kind), Some(FindingKind::Fallback));
                assert!(matches!(src, Source::Kv { schedule: Some(sch) } if sch.period.secs() == HOUR));
            }
        }
    }

    #[test]
    fn schedules_check_at_most_a_quarter_of_the_period() {
        let cases = [
            (60, "* * * * *"),
            (HOUR, "*/15 * * * *"),
            (4 * HOUR, "0 * * * *"),
            (90 * DAY, "0 * * * *"),
            (20 * MINUTE, "*/5 * * * *"),
        ];
        for (period, cron) in cases {
            assert_eq!(Schedule::new(Duration::from_secs(period)).cron(), cron, "{period}");
        }
    }

    #[test]
    fn policies_grant_nothing_broad() {
        for t in Target::ALL {
            for r in Rotation::ALL {
                for c in CredentialType::ALL {
                    let s = settings(*t, *r, *c);
                    for p in plan(&s).access_policies.iter().filter(|p| p.policy_type == PolicyType::VaultPolicy) {
                        let doc = &p.policy_document;
                        assert!(
                            !doc.contains('*') && !doc.contains('+') && !doc.contains("sudo") && !doc.contains("list"),
                            "{doc}"
                        );
                    }
                }
            }
        }
    }
}
