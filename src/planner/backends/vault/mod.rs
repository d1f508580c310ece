//! Vault (or OpenBao) for every target, rotation policy and credential type except
//! kubernetes / dynamic / database, which `dynamic_database.rs` plans. One secret source per
//! plan (KV v2, a dynamic or static database role, or a PKI role), one consumer identity per
//! target (Kubernetes auth, GitHub Actions JWT, AppRole), least-privilege policies for it, the
//! consumer's own configuration (ESO store, pipeline step, Vault Agent), rotation and Terraform.

pub mod dynamic_database;
pub(crate) mod sdk;
pub(crate) mod workload;

use hcl::expr::Expression;
use hcl::{Block, Body, Identifier, Object, ObjectKey};
use serde::Serialize;

use crate::planner::choice::*;
use crate::planner::findings;
use crate::planner::k8s::{self, K8sObject, ObjectMeta};
use crate::planner::request::Duration;
use crate::planner::targets::cicd::{self as ci, TokenJob, TokenPlatform, TokenTrust};
use crate::planner::window::{self, Replaced};
use crate::planner::{AccessPolicy, DeploymentManifest, Finding, Plan, RotationScripts, SecretsConfig, Settings};
use crate::render;
use crate::render::tf;
use dynamic_database::{self as vk, Ttls, AUDIENCE, AUDIT_LOG};
mod api_key;
mod cicd;
mod kubernetes;
mod platform;
mod terraform;
use api_key::*;
use cicd::*;
use kubernetes::*;
use terraform::*;

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
/// Dynamic API keys and generic secrets fall back to scheduled rotation at no less than this.
const FALLBACK_FLOOR: u64 = HOUR;
/// The auth mount the rotation CronJob logs in with when the target itself is not Kubernetes.
const ROTATOR_K8S_MOUNT: &str = "kubernetes";
const ROTATE_SCRIPT: &str = include_str!("snippets/rotate-kv.sh");
/// The scheduled job of a third-party API key: it reminds, and never writes the secret.
const REMIND_SCRIPT: &str = include_str!("snippets/remind-kv.sh");
/// What every scheduled KV job does first: the Vault API helper, the login, and the check that
/// the secret is due (its `rotated_at` older than the period less one check interval).
const KV_PRELUDE: &str = include_str!("snippets/kv-prelude.sh");

/// A KV job's script with its `# {{code:KV_PRELUDE}}` line filled, once per process.
fn kv_script(cell: &'static std::sync::OnceLock<String>, template: &str) -> &'static str {
    crate::planner::snippets::compose(cell, template, "# {{code:KV_PRELUDE}}\n", KV_PRELUDE)
}

/// Whether the scheduled KV job only reminds: a third-party API key, which no Vault job can mint.
pub(super) fn reminds(s: &Settings) -> bool {
    s.credential == CredentialType::ApiKey && s.api_key.rotation() == crate::planner::ApiKeyRotation::Reminder
}

/// The scheduled KV job's script: a new random value, for a third-party API key its issuer
/// hook's (kubernetes and application targets), or else a reminder.
pub(super) fn rotate_script(s: &Settings) -> &'static str {
    static REMIND: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static HOOK: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static ROTATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if reminds(s) {
        kv_script(&REMIND, REMIND_SCRIPT)
    } else if hook(s).is_some() {
        kv_script(&HOOK, HOOK_SCRIPT)
    } else {
        kv_script(&ROTATE, ROTATE_SCRIPT)
    }
}
const TOKEN_DIR: &str = "/var/run/secrets/vault";
const KV_VERSIONS: u32 = 10;
/// Kept versions are destroyed after this long; one year gives audits and rollbacks room.
const KV_DELETE_AFTER: &str = "8760h";
/// The PKI mount's max lease TTL bounds the issuing CA itself (10 years); the role bounds leaves.
const PKI_MOUNT_MAX_TTL: u64 = 3650 * DAY;
use crate::planner::targets::cicd::azure_devops::{
    self as ado, BashStep as AdoStep, Job, Pipeline, Schedule as AdoSchedule, Variable, VM_IMAGE as ADO_VM_IMAGE,
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
        // A static role changes one user's password, which stops working at once while ESO, Vault
        // Agent or the integration code still hold the old copy: every consumer gets its own user.
        (Rotation::Automatic, CredentialType::Database) => (Source::DbDynamic(vk::ttls(s)), None, Some(vk::automatic_decision(s))),
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
            // A third-party API key's job writes nothing: its own reminder finding says so.
            if reminds(s) {
                return (
                    Source::Kv {
                        schedule: Some(Schedule::new(fallback)),
                    },
                    None,
                    None,
                );
            }
            (
                Source::Kv {
                    schedule: Some(Schedule::new(fallback)),
                },
                Some(findings::dynamic_falls_back(findings::NoDynamic::Vault, c, fallback)),
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
    /// The workload's one consumer identity (its auth role): [`Settings::role_name`].
    role: String,
    /// The secret's own Vault roles (database, PKI) and the prefix of its policies:
    /// [`Settings::stem`].
    secret_role: String,
    /// `<environment>/<name>/<leaf>`, the KV key below the mount.
    kv_key: String,
    kv_data: String,
    kv_metadata: String,
    /// What the consumer reads (or writes, for PKI).
    consumer_path: String,
    consumer_policy: String,
    writer_policy: String,
    /// The reminder job's policy (a third-party API key's): it reads the metadata only.
    reminder_policy: String,
    /// The issuer hook job's policy: it reads and writes this secret's data and patches its metadata.
    hook_policy: String,
    rotator_role: String,
    rotator_sa: String,
    /// cert-manager's own Vault role and the service account its Issuer logs in as (PKI on
    /// Kubernetes): never the workload's.
    issuer_role: String,
    issuer_sa: String,
}

fn names(s: &Settings, src: Source) -> Names {
    let role = s.role_name();
    let stem = s.stem();
    let kv_key = format!("{}/{}/{}", s.environment, s.name, s.leaf());
    let kv = &s.vault.kv_mount;
    let (consumer_path, consumer_policy) = match src {
        Source::Kv { .. } => (format!("{kv}/data/{kv_key}"), format!("{stem}-kv-read")),
        Source::DbDynamic(_) => (format!("{}/creds/{stem}", s.vault.database_mount), format!("{stem}-db-creds")),
        // cert-manager sends its own CSR (sign); Vault Agent and pipelines let Vault make the key (issue).
        Source::Pki { .. } if s.target == Target::Kubernetes => (format!("{}/sign/{stem}", s.vault.pki_mount), format!("{stem}-pki-sign")),
        Source::Pki { .. } => (format!("{}/issue/{stem}", s.vault.pki_mount), format!("{stem}-pki-issue")),
    };
    Names {
        kv_data: format!("{kv}/data/{kv_key}"),
        kv_metadata: format!("{kv}/metadata/{kv_key}"),
        kv_key,
        consumer_path,
        consumer_policy,
        writer_policy: format!("{stem}-kv-write"),
        reminder_policy: format!("{stem}-kv-remind"),
        hook_policy: format!("{stem}-kv-hook"),
        rotator_role: format!("{stem}-rotator"),
        rotator_sa: format!("{stem}-rotator"),
        issuer_role: format!("{stem}-cert-manager"),
        issuer_sa: format!("{stem}-cert-manager"),
        secret_role: stem,
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
    // On Kubernetes cert-manager's own role holds the PKI policy: it renews the certificate.
    let consumer = if src_is_pki_on_k8s(s, src) {
        AttachTo::Rotator
    } else {
        AttachTo::consumer(s.target)
    };
    let mut out = vec![AccessPolicy {
        policy_name: n.consumer_policy.clone(),
        policy_type: PolicyType::VaultPolicy,
        policy_document: render::hcl1(&policy_body(&[(&n.consumer_path, consumer_caps)])),
        scope: n.consumer_path.clone(),
        secret: s.secret_key(),
        attach_to: consumer,
    }];
    if let (Source::Kv { schedule: Some(_) }, true) = (src, reminds(s)) {
        // The reminder job only reads custom_metadata.rotated_at: its role cannot write the secret.
        out.push(AccessPolicy {
            policy_name: n.reminder_policy.clone(),
            policy_type: PolicyType::VaultPolicy,
            policy_document: render::hcl1(&policy_body(&[(&n.kv_metadata, &["read"])])),
            scope: n.kv_metadata.clone(),
            secret: s.secret_key(),
            attach_to: AttachTo::Rotator,
        });
    }
    if let (Source::Kv { schedule: Some(_) }, Some(_)) = (src, hook(s)) {
        out.push(hook_policy(s, n));
    }
    if let Source::Kv { schedule } = src {
        // The job records rotated_at in custom_metadata (patch); a person updating by hand only
        // reads it. A reminder's job writes nothing: its people write the key and rotated_at.
        // A hook's job writes under its own policy, which also reads the key it compares.
        let job_writes = schedule.is_some() && !reminds(s) && hook(s).is_none();
        let metadata_caps: &[&str] = if schedule.is_some() { &["read", "patch"] } else { &["read"] };
        out.push(AccessPolicy {
            policy_name: n.writer_policy.clone(),
            policy_type: PolicyType::VaultPolicy,
            policy_document: render::hcl1(&policy_body(&[
                (&n.kv_data, &["create", "update"]),
                (&n.kv_metadata, metadata_caps),
            ])),
            scope: n.kv_data.clone(),
            secret: s.secret_key(),
            // A scheduled job's role holds it; otherwise whoever writes the value by hand.
            attach_to: if job_writes { AttachTo::Rotator } else { AttachTo::Writer },
        });
    }
    if src_is_pki_on_k8s(s, src) {
        out.push(AccessPolicy {
            policy_name: format!("{}-cert-manager-token", n.secret_role),
            policy_type: PolicyType::KubernetesRbac,
            policy_document: {
                let (role, binding) = cert_manager_rbac(s, n);
                format!("{role}---\n{binding}")
            },
            scope: format!("serviceaccounts/{}/token in namespace {}", n.issuer_sa, s.kubernetes.namespace),
            secret: s.secret_key(),
            attach_to: AttachTo::Rotator,
        });
    }
    out
}

fn src_is_pki_on_k8s(s: &Settings, src: Source) -> bool {
    matches!(src, Source::Pki { .. }) && s.target == Target::Kubernetes
}

/// cert-manager may request a Vault-audience token for the Issuer's own service account only,
/// never for the workload's: the Role and its RoleBinding, each rendered alone.
fn cert_manager_rbac(s: &Settings, n: &Names) -> (String, String) {
    let name = format!("{}-cert-manager-vault-token", s.stem());
    let role = k8s::Role {
        api_version: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: ObjectMeta::namespaced(&name, &s.kubernetes.namespace),
        rules: vec![k8s::PolicyRule {
            api_groups: vec![""],
            resources: vec!["serviceaccounts/token"],
            resource_names: vec![n.issuer_sa.clone()],
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
    (render::yaml(&role), render::yaml(&binding))
}

// ---------------------------------------------------------------------------------------------
// Lifetimes

/// Login tokens outlive every lease they parent; CI jobs get short tokens otherwise.
/// In a workload, every secret's plan gives the shared role the longest any secret needs
/// ([`Settings::token_ttl_floor`]).
fn token_ttl(s: &Settings, src: Source) -> Duration {
    let base = if s.target == Target::Cicd { 15 * MINUTE } else { HOUR };
    let own = match src {
        Source::DbDynamic(t) => t.max.secs().max(base),
        _ => base,
    };
    Duration::from_secs(own.max(s.token_ttl_floor.map_or(0, |f| f.secs())))
}

/// The token TTL this secret alone needs from the workload's auth role.
pub(crate) fn consumer_token_ttl(s: &Settings) -> Duration {
    if dynamic_database::covers(s) {
        return dynamic_database::token_ttl(s);
    }
    token_ttl(s, source(s).0)
}

fn pki_max_ttl(ttl: Duration) -> Duration {
    ttl
}

/// How the synced value changes, for the one refresh rule (`k8s::refresh_interval`).
fn resync(src: Source) -> k8s::Resync {
    match src {
        Source::Kv { schedule: Some(sch) } => k8s::Resync::Scheduled {
            period: sch.period,
            check: sch.check,
        },
        _ => k8s::Resync::Manual,
    }
}

// ---------------------------------------------------------------------------------------------
// The plan

pub fn plan(s: &Settings) -> Plan {
    let (src, fallback, fallback_decision) = source(s);
    let n = names(s, src);
    let mut decisions: Vec<String> = fallback_decision.into_iter().collect();
    let mut findings: Vec<Finding> = fallback.into_iter().collect();
    if reminds(s) && matches!(src, Source::Kv { schedule: Some(_) }) {
        findings.push(findings::api_key_rotation_reminds(s.backend, s.target, s.rotation));
    }
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
    decisions.extend(platform::decisions(s));
    let mut scripts = rotation_scripts(s, src, &n);
    // The job overwrites the KV value; leases and certificates are read again at two thirds of
    // their lifetime.
    let replaced = match src {
        // A reminder replaces nothing: people rotate the third-party key.
        Source::Kv { schedule: Some(_) } if reminds(s) => Replaced::NotRotated,
        Source::Kv { schedule: Some(sch) } => Replaced::AtOnce { period: sch.period },
        Source::DbDynamic(t) => Replaced::Lease { ttl: t.default },
        Source::Pki { ttl } => Replaced::Lease { ttl },
        Source::Kv { schedule: None } => Replaced::NotRotated,
    };
    // cert-manager, not ESO, renews a certificate on Kubernetes.
    let refresh = match src {
        Source::Pki { .. } => None,
        // (kubernetes_target raised the refresh rule's finding)
        _ => window::refresh(s, resync(src)).0,
    };
    window::apply(s, replaced, refresh, &mut scripts, &mut decisions, &mut findings);

    Plan {
        // Set by planner::plan_unchecked, which knows the settings of every backend.
        workload: String::new(),
        secrets: Vec::new(),
        identity: Default::default(),
        labelled: false,
        secrets_config: SecretsConfig {
            backend_endpoint: s.vault.address.clone(),
            authentication_method: auth_method,
            secret_path: n.consumer_path.clone(),
            config_format,
            config_file: Some(config_file),
        },
        access_policies,
        integration_code: Vec::new(),
        rotation_scripts: Some(scripts),
        deployment_manifests: manifests,
        decisions,
        findings,
        placeholders: Vec::new(),
        platform_files: platform::platform_files(s),
    }
}

fn source_decisions(s: &Settings, src: Source, n: &Names) -> Vec<String> {
    let mut d = Vec::new();
    match src {
        Source::Kv { schedule } => {
            d.push(format!(
                "The {} lives in KV v2 at {} (metadata at {}) on the \"{}\" KV version 2 mount of platform/vault.tf; the plan writes no secret value.",
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
                        _ => format!("@{}.json", s.leaf()),
                    },
                    n.writer_policy
                )),
                Some(sch) if reminds(s) => d.push(format!(
                    "rotation_policy \"{}\" fell back to a reminder for the third-party API key: a job checks every {} and, once {} have passed since custom_metadata.rotated_at, fails with the commands that write a new key and record rotated_at, so the schedule's failure notice is the reminder; it never writes the secret (a random value would be a key the issuer does not know), and its role holds only the policy {} (read on {}), so it cannot: whoever rotates the key writes it and rotated_at under {}. Rotate the key at its issuer, or set api_key.issuer = \"self\" if the plan may make it up.",
                    s.rotation,
                    sch.check.to_text(),
                    sch.period.to_text(),
                    n.reminder_policy,
                    n.kv_metadata,
                    n.writer_policy
                )),
                Some(sch) if hook(s).is_some() => d.push(hook_decision(s, n, sch)),
                Some(sch) => d.push(format!(
                    "A job checks every {} and writes a new random {} version once {} have passed since custom_metadata.rotated_at{}.",
                    sch.check.to_text(),
                    s.credential,
                    sch.period.to_text(),
                    if s.credential == CredentialType::ApiKey {
                        ": the key is self-issued (api_key.issuer = \"self\"), so the service that checks it must read this secret"
                    } else {
                        ""
                    }
                )),
            }
        }
        Source::DbDynamic(t) => d.push(format!(
            "The database role sets default_ttl = {} (the rotation_period) and max_ttl = {} (four times the TTL, capped at 24h) explicitly, because Vault otherwise falls back to the mount's and then the system's 768h.",
            t.default.to_text(),
            t.max.to_text()
        )),
        Source::Pki { ttl } => {
            d.push(format!(
                "Certificates come from the PKI role {}/roles/{} with ttl = max_ttl = {} for exactly {} (allow_localhost = false, no subdomains), EC P-256 keys, server auth only; they are signed by the default issuer platform/vault.tf gives the \"{}\" mount.",
                s.vault.pki_mount,
                n.role,
                ttl.to_text(),
                s.certificate.all_names().join(", "),
                s.vault.pki_mount
            ));
            if s.certificate.has_wildcard() {
                d.push("The role allows its wildcard names through glob matching (allow_glob_domains, allow_wildcard_certificates): each admits the wildcard itself and names under it, never the bare domain.".into());
            }
            if !s.certificate.ip_addresses().is_empty() {
                d.push("The role has allow_ip_sans = true because the plan asks for IP addresses: Vault cannot limit IP SANs to a list, so whoever may use the role can have any IP address in a certificate.".into());
            }
        }
    }
    if matches!(src, Source::DbDynamic(_)) {
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
            overlap: String::new(),
            max_staleness: String::new(),
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
            overlap: String::new(),
            max_staleness: String::new(),
            rotation_type: RotationType::Cronjob,
            schedule: sch.cron(),
            rotation_logic: rotate_script(s).to_string(),
            notification: if hook(s).is_some() {
                hook_notification(n)
            } else if reminds(s) {
                format!(
                    "Once the key in {} is due, every check fails the job with the reminder until someone writes a new key and sets custom_metadata.rotated_at; alert on the job's failures.",
                    n.kv_data
                )
            } else {
                format!(
                    "Each rotation writes a new version of {} and sets custom_metadata.rotated_at; a failed run fails the job and is retried at the next check.",
                    n.kv_data
                )
            },
        },
        Source::DbDynamic(t) => RotationScripts {
            overlap: String::new(),
            max_staleness: String::new(),
            rotation_type: RotationType::VaultEngine,
            schedule: format!("default_ttl={} max_ttl={}", t.default.to_go(), t.max.to_go()),
            rotation_logic: render::json(&vk::role_body(s, t)),
            notification: format!(
                "Vault revokes each {} lease at its TTL; issuance and revocation are recorded by the file audit device at {AUDIT_LOG}.",
                n.consumer_path
            ),
        },
        Source::Pki { ttl } => RotationScripts {
            overlap: String::new(),
            max_staleness: String::new(),
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

/// The body of a `<pki_mount>/issue/<role>` request for the planned certificate: its common name,
/// its other DNS names and its IP addresses (each only when there are some), and its lifetime.
pub(super) fn issue_body(s: &Settings, ttl: Duration) -> serde_json::Value {
    let mut body = serde_json::Map::new();
    body.insert("common_name".into(), s.certificate.common_name.clone().into());
    let (alt, ips) = (s.certificate.dns_alt_names(), s.certificate.ip_addresses());
    if !alt.is_empty() {
        body.insert("alt_names".into(), alt.join(",").into());
    }
    if !ips.is_empty() {
        body.insert("ip_sans".into(), ips.join(",").into());
    }
    body.insert("ttl".into(), ttl.to_go().into());
    serde_json::Value::Object(body)
}

/// The body for `<pki_mount>/roles/<role>`.
#[derive(Serialize)]
pub struct PkiRole {
    pub allowed_domains: Vec<String>,
    pub allow_bare_domains: bool,
    pub allow_localhost: bool,
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
        // A wildcard name is allowed as itself: with glob matching on, "*.orders.example.com" in
        // allowed_domains admits that wildcard (and names under it), never the bare domain.
        allowed_domains: s.certificate.dns_names(),
        allow_bare_domains: true,
        // Vault's default admits "localhost" beside allowed_domains: only the planned names.
        allow_localhost: false,
        allow_subdomains: false,
        allow_glob_domains: s.certificate.has_wildcard(),
        allow_wildcard_certificates: s.certificate.has_wildcard(),
        // Vault has no allow-list for IP SANs: on only when the plan asks for one.
        allow_ip_sans: !s.certificate.ip_addresses().is_empty(),
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
// Application target: Vault Agent with AppRole

const AGENT_DIR: &str = "/etc/vault-agent";

fn application_target(s: &Settings, src: Source, n: &Names, decisions: &mut Vec<String>) -> (AuthMethod, ConfigFormat, String) {
    if let Source::Pki { ttl } = src {
        // One issuing path: a Vault Agent template beside the integration code would issue a
        // second certificate (a second live key) on every start, and two Agent templates for the
        // certificate and the key issue twice and disagree, so only the integration code issues.
        decisions.push(format!(
            "Only the integration code issues certificates (POST {} with the request shown in config_file, a new one at two thirds of its lifetime), so each process holds one live key; the plan configures no Vault Agent template that would issue a second one. It logs in with AppRole role {} from the RoleID and SecretID files in {AGENT_DIR}, delivered by your orchestrator.",
            n.consumer_path, n.role
        ));
        decisions.push(format!(
            "SecretIDs live {} and may be used any number of times, because the integration code logs in again with the same files after each restart; deliver them response-wrapped.",
            Duration::from_secs(30 * DAY).to_text()
        ));
        return (AuthMethod::Approle, ConfigFormat::Json, render::json(&issue_body(s, ttl)));
    }
    let destination = format!("/run/secrets/{}/credentials.json", s.name);
    let read = match src {
        Source::Kv { .. } => format!(
            "{{{{ with secret \"{}\" }}}}{{{{ .Data.data | toJSON }}}}{{{{ end }}}}\n",
            n.kv_data
        ),
        // (certificates returned above)
        Source::DbDynamic(_) | Source::Pki { .. } => {
            format!(
                "{{{{ with secret \"{}\" }}}}{{{{ .Data | toJSON }}}}{{{{ end }}}}\n",
                n.consumer_path
            )
        }
    };
    let contents = read;
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

/// The errors [`plan`] raises, found without rendering anything (what `validate` checks).
pub fn errors(s: &Settings) -> Vec<Finding> {
    let (src, _, _) = source(s);
    // cert-manager signs a Kubernetes plan's certificate; nothing is synced, nothing refreshes.
    if s.target != Target::Kubernetes || matches!(src, Source::Pki { .. }) {
        return Vec::new();
    }
    k8s::refresh_interval(s, resync(src)).1.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;
    use crate::planner::resolve::resolve;
    use crate::planner::FindingKind;

    fn settings(t: Target, r: Rotation, c: CredentialType) -> Settings {
        let mut req = Request::new(Backend::Vault, t, r);
        req.credential = Some(c);
        resolve(&req).0
    }

    #[test]
    fn dynamic_falls_back_only_where_vault_cannot_mint() {
        for c in CredentialType::ALL {
            let (src, finding, decision) = source(&settings(Target::Application, Rotation::Dynamic, *c));
            // A third-party API key (the default issuer) falls back to a reminder instead.
            let falls_back = matches!(c, CredentialType::Generic);
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
