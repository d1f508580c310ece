//! Typed Kubernetes, External Secrets Operator and cert-manager objects shared by every backend.
//! Field names and order follow the upstream Go types; serde renders them, nothing is templated.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::planner::choice::{Choice, StoreKind};
use crate::planner::request::Duration;
use crate::planner::{Finding, Settings};

pub const ESO_API: &str = "external-secrets.io/v1";
pub const GENERATORS_API: &str = "generators.external-secrets.io/v1alpha1";
pub const CERT_MANAGER_API: &str = "cert-manager.io/v1";

#[derive(Serialize, Default)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<&'static str, String>,
}

impl ObjectMeta {
    pub fn namespaced(name: impl Into<String>, namespace: impl Into<String>) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            namespace: Some(namespace.into()),
            ..ObjectMeta::default()
        }
    }
}

/// A ServiceAccount carrying the annotations a workload identity webhook reads.
pub fn annotated_service_account(s: &Settings, annotations: BTreeMap<&'static str, String>) -> K8sObject<()> {
    K8sObject {
        api_version: "v1",
        kind: "ServiceAccount",
        metadata: ObjectMeta {
            annotations,
            ..ObjectMeta::namespaced(&s.kubernetes.service_account, &s.kubernetes.namespace)
        },
        spec: None,
    }
}

/// Any object with a `spec` (or none, for a ServiceAccount).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct K8sObject<S: Serialize> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<S>,
}

pub fn service_account(name: &str, namespace: &str) -> K8sObject<()> {
    K8sObject {
        api_version: "v1",
        kind: "ServiceAccount",
        metadata: ObjectMeta::namespaced(name, namespace),
        spec: None,
    }
}

// ---------------------------------------------------------------------------------------------
// External Secrets Operator

/// `spec` of a SecretStore or ClusterSecretStore: the backend's provider block and, for a
/// ClusterSecretStore, the condition that limits it to the workload's namespace.
#[derive(Serialize)]
pub struct StoreSpec<P: Serialize> {
    pub provider: P,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<StoreCondition>,
}

/// Limits a ClusterSecretStore to the namespaces listed.
#[derive(Serialize)]
pub struct StoreCondition {
    pub namespaces: Vec<String>,
}

impl<P: Serialize> StoreSpec<P> {
    pub fn new(s: &Settings, provider: P) -> StoreSpec<P> {
        let conditions = match s.kubernetes.store_kind {
            StoreKind::ClusterSecretStore => vec![StoreCondition {
                namespaces: vec![s.kubernetes.namespace.clone()],
            }],
            StoreKind::SecretStore => Vec::new(),
        };
        StoreSpec { provider, conditions }
    }
}

/// How a secret's value changes, as a backend knows it: the one input of the refresh rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resync {
    /// Only people change it.
    Manual,
    /// Rotated every `period`; the old value keeps working for a while after.
    Overlapping { period: Duration },
    /// Rotated every `period`, and the old value stops working at once (one database user):
    /// re-read within `within` to shorten the window of failed logins.
    SingleUser { period: Duration, within: Duration },
    /// A job checks every `check` whether `period` has passed and writes a new version then.
    Scheduled { period: Duration, check: Duration },
    /// Every read mints a new credential that lives `ttl`; the old lease is never renewed.
    Lease { ttl: Duration },
}

/// The one refresh rule of every backend: the user's `kubernetes.refresh_interval`, or a default
/// from how the value changes, and the finding when the interval lets the synced Secret keep a
/// value the rotation (or the lease) already ended.
pub fn refresh_interval(s: &Settings, resync: Resync) -> (Duration, Option<Finding>) {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 3600;
    use crate::planner::findings::{refresh_not_below_period, refresh_not_below_ttl};
    let default = match resync {
        Resync::Manual => Duration::from_secs(HOUR),
        Resync::Overlapping { period } => Duration::from_secs((period.secs() / 4).clamp(MINUTE, HOUR)),
        Resync::SingleUser { within, .. } => within,
        Resync::Scheduled { check, .. } => check,
        // Two thirds of the TTL: a new credential well before the old one expires.
        Resync::Lease { ttl } => Duration::from_secs((ttl.secs() * 2 / 3).max(1)),
    };
    let refresh = s.kubernetes.refresh_interval.unwrap_or(default);
    let finding = match resync {
        Resync::Manual => None,
        Resync::Overlapping { period } | Resync::SingleUser { period, .. } | Resync::Scheduled { period, .. } => {
            (refresh >= period).then(|| refresh_not_below_period(refresh, period))
        }
        Resync::Lease { ttl } => (refresh >= ttl).then(|| refresh_not_below_ttl(refresh, ttl, default)),
    };
    (refresh, finding)
}

/// The service account a store authenticates as; a ClusterSecretStore must name its namespace.
#[derive(Serialize)]
pub struct StoreServiceAccountRef {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl StoreServiceAccountRef {
    pub fn new(s: &Settings) -> StoreServiceAccountRef {
        StoreServiceAccountRef {
            name: s.kubernetes.service_account.clone(),
            namespace: (s.kubernetes.store_kind == StoreKind::ClusterSecretStore).then(|| s.kubernetes.namespace.clone()),
        }
    }
}

/// The one store-name rule: `<environment>--<name>-<provider>`, so neither two environments
/// sharing a namespace nor (for a cluster-scoped ClusterSecretStore) two namespaces meet.
pub fn store_name(s: &Settings, provider: &str) -> String {
    format!("{}-{provider}", s.role_name())
}

/// The reference an ExternalSecret holds to the workload's store.
pub fn store_ref(s: &Settings, provider: &str) -> SecretStoreRef {
    SecretStoreRef {
        name: store_name(s, provider),
        kind: s.kubernetes.store_kind.as_str(),
    }
}

/// The workload's SecretStore or ClusterSecretStore for `provider` (the ESO provider block,
/// named `provider_name` in the store's name): a ClusterSecretStore is cluster-scoped (no
/// namespace) and limited to the workload's namespace by its conditions.
pub fn secret_store<P: Serialize>(s: &Settings, provider_name: &str, provider: P) -> K8sObject<StoreSpec<P>> {
    let cluster = s.kubernetes.store_kind == StoreKind::ClusterSecretStore;
    K8sObject {
        api_version: ESO_API,
        kind: s.kubernetes.store_kind.as_str(),
        metadata: ObjectMeta {
            name: store_name(s, provider_name),
            namespace: (!cluster).then(|| s.kubernetes.namespace.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(StoreSpec::new(s, provider)),
    }
}

/// An ExternalSecret named `name` in the workload's namespace: every backend's goes through
/// here, whatever its spec.
pub fn external_secret<S: Serialize>(s: &Settings, name: &str, spec: S) -> K8sObject<S> {
    K8sObject {
        api_version: ESO_API,
        kind: "ExternalSecret",
        metadata: ObjectMeta::namespaced(name, &s.kubernetes.namespace),
        spec: Some(spec),
    }
}

/// The ExternalSecret that copies the credential's fields from `key` into the Secret
/// `<name>-<leaf>`. One field is a `data` entry; several are one `dataFrom.extract`, because each
/// `data` entry is its own read and a write between two reads would pair fields from different
/// versions.
pub fn field_external_secret(s: &Settings, store: SecretStoreRef, key: &str, refresh: Duration) -> K8sObject<ExternalSecretSpec> {
    let secret = s.secret_id();
    let (data, data_from) = match s.credential.fields() {
        [one] => (
            vec![ExternalSecretData {
                secret_key: one.to_string(),
                remote_ref: RemoteRef {
                    key: key.to_string(),
                    property: one.to_string(),
                },
            }],
            Vec::new(),
        ),
        _ => (
            Vec::new(),
            vec![DataFromExtract {
                extract: ExtractRef { key: key.to_string() },
            }],
        ),
    };
    external_secret(
        s,
        &secret,
        ExternalSecretSpec {
            refresh_interval: refresh.to_go(),
            secret_store_ref: store,
            target: ExternalSecretTarget::owned(secret.clone(), None),
            data,
            data_from,
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretSpec {
    pub refresh_interval: String,
    pub secret_store_ref: SecretStoreRef,
    pub target: ExternalSecretTarget,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<ExternalSecretData>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_from: Vec<DataFromExtract>,
}

/// `dataFrom[].extract`: every field of one secret in a single read.
#[derive(Serialize)]
pub struct DataFromExtract {
    pub extract: ExtractRef,
}

#[derive(Serialize)]
pub struct ExtractRef {
    pub key: String,
}

#[derive(Serialize)]
pub struct SecretStoreRef {
    pub name: String,
    pub kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretTarget {
    pub name: String,
    pub creation_policy: &'static str,
    pub template: TargetTemplate,
}

/// The annotation Stakater Reloader's search mode matches on a Secret: a Deployment annotated
/// `reloader.stakater.com/search: "true"` is restarted when such a Secret changes.
pub const RELOADER_MATCH: &str = "reloader.stakater.com/match";

/// The annotations every Secret a plan keeps current carries (ESO's target template, cert-manager's
/// secretTemplate), so its consumers can be restarted when it changes.
pub fn synced_secret_annotations() -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([(RELOADER_MATCH, "true")])
}

impl ExternalSecretTarget {
    /// The Secret `name`, owned by its ExternalSecret and marked for Reloader; `shape` is the
    /// Secret's type and templated data where the plan reshapes the fields (a TLS Secret).
    pub fn owned(name: String, shape: Option<(&'static str, BTreeMap<&'static str, &'static str>)>) -> Self {
        let (kind, data) = match shape {
            Some((kind, data)) => (Some(kind), data),
            None => (None, BTreeMap::new()),
        };
        ExternalSecretTarget {
            name,
            creation_policy: "Owner",
            template: TargetTemplate {
                kind,
                engine_version: "v2",
                metadata: TemplateMetadata {
                    annotations: synced_secret_annotations(),
                },
                data,
            },
        }
    }
}

/// `target.template`: with no `data`, ESO writes the provider's fields as they are and applies
/// only the metadata.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetTemplate {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    pub engine_version: &'static str,
    pub metadata: TemplateMetadata,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<&'static str, &'static str>,
}

#[derive(Serialize)]
pub struct TemplateMetadata {
    pub annotations: BTreeMap<&'static str, &'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretData {
    pub secret_key: String,
    pub remote_ref: RemoteRef,
}

#[derive(Serialize)]
pub struct RemoteRef {
    pub key: String,
    pub property: String,
}

// ---------------------------------------------------------------------------------------------
// RBAC

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub rules: Vec<PolicyRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    pub api_groups: Vec<&'static str>,
    pub resources: Vec<&'static str>,
    pub resource_names: Vec<String>,
    pub verbs: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleBinding {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub role_ref: RoleRef,
    pub subjects: Vec<Subject>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    pub api_group: &'static str,
    pub kind: &'static str,
    pub name: String,
}

#[derive(Serialize)]
pub struct Subject {
    pub kind: &'static str,
    pub name: String,
    pub namespace: String,
}

// ---------------------------------------------------------------------------------------------
// Workloads

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CronJobSpec {
    pub schedule: String,
    pub concurrency_policy: &'static str,
    pub successful_jobs_history_limit: u32,
    pub failed_jobs_history_limit: u32,
    pub job_template: JobTemplate,
}

#[derive(Serialize)]
pub struct JobTemplate {
    pub spec: JobSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    pub backoff_limit: u32,
    pub template: PodTemplate,
}

#[derive(Serialize)]
pub struct PodTemplate {
    pub spec: PodSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    pub service_account_name: String,
    pub automount_service_account_token: bool,
    pub restart_policy: &'static str,
    pub containers: Vec<Container>,
    pub volumes: Vec<Volume>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub env: Vec<EnvVar>,
    pub volume_mounts: Vec<VolumeMount>,
}

#[derive(Serialize)]
pub struct EnvVar {
    pub name: &'static str,
    pub value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    pub name: &'static str,
    pub mount_path: String,
    pub read_only: bool,
}

#[derive(Serialize)]
pub struct Volume {
    pub name: &'static str,
    pub projected: ProjectedVolume,
}

#[derive(Serialize)]
pub struct ProjectedVolume {
    pub sources: Vec<ProjectionSource>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectionSource {
    pub service_account_token: ServiceAccountTokenProjection,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountTokenProjection {
    pub audience: String,
    pub expiration_seconds: u32,
    pub path: &'static str,
}

// ---------------------------------------------------------------------------------------------
// cert-manager

#[derive(Serialize)]
pub struct IssuerSpec {
    pub vault: VaultIssuer,
}

#[derive(Serialize)]
pub struct VaultIssuer {
    pub server: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub auth: VaultIssuerAuth,
}

#[derive(Serialize)]
pub struct VaultIssuerAuth {
    pub kubernetes: VaultIssuerKubernetesAuth,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultIssuerKubernetesAuth {
    /// cert-manager wants the full API path, `/v1/auth/<mount>`.
    pub mount_path: String,
    pub role: String,
    pub service_account_ref: IssuerServiceAccountRef,
}

#[derive(Serialize)]
pub struct IssuerServiceAccountRef {
    pub name: String,
    pub audiences: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSpec {
    pub secret_name: String,
    pub common_name: String,
    pub dns_names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ip_addresses: Vec<String>,
    pub duration: String,
    pub renew_before: String,
    pub private_key: CertificatePrivateKey,
    pub issuer_ref: IssuerRef,
    pub secret_template: CertificateSecretTemplate,
}

/// `secretTemplate`: annotations cert-manager puts on the Secret it keeps renewed.
#[derive(Serialize)]
pub struct CertificateSecretTemplate {
    pub annotations: BTreeMap<&'static str, &'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificatePrivateKey {
    pub algorithm: &'static str,
    pub size: u32,
    pub rotation_policy: &'static str,
}

#[derive(Serialize)]
pub struct IssuerRef {
    pub name: String,
    pub kind: &'static str,
    pub group: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;
    use crate::planner::resolve::resolve;
    use crate::planner::{Backend, Rotation, Target};

    fn settings(refresh: Option<u64>) -> Settings {
        let mut r = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Automatic);
        r.kubernetes.refresh_interval = refresh.map(Duration::from_secs);
        resolve(&r).0
    }

    fn default(resync: Resync) -> u64 {
        refresh_interval(&settings(None), resync).0.secs()
    }

    const fn d(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn each_kind_of_change_has_its_default() {
        assert_eq!(default(Resync::Manual), 3600);
        // A quarter of the period, between a minute and an hour.
        assert_eq!(default(Resync::Overlapping { period: d(2 * 3600) }), 1800);
        assert_eq!(default(Resync::Overlapping { period: d(90 * 86_400) }), 3600);
        assert_eq!(default(Resync::Overlapping { period: d(120) }), 60);
        assert_eq!(
            default(Resync::SingleUser {
                period: d(86_400),
                within: d(300)
            }),
            300
        );
        assert_eq!(
            default(Resync::Scheduled {
                period: d(86_400),
                check: d(900)
            }),
            900
        );
        assert_eq!(default(Resync::Lease { ttl: d(3600) }), 2400);
    }

    #[test]
    fn no_default_breaks_its_own_rule() {
        for resync in [
            Resync::Manual,
            Resync::Overlapping { period: d(120) },
            Resync::SingleUser {
                period: d(120),
                within: d(60),
            },
            Resync::Scheduled {
                period: d(300),
                check: d(60),
            },
            Resync::Lease { ttl: d(60) },
        ] {
            assert_eq!(refresh_interval(&settings(None), resync).1, None, "{resync:?}");
        }
    }

    #[test]
    fn a_given_interval_is_kept_and_checked_against_the_period_or_ttl() {
        let s = settings(Some(3600));
        for resync in [
            Resync::Overlapping { period: d(3600) },
            Resync::SingleUser {
                period: d(3600),
                within: d(60),
            },
            Resync::Scheduled {
                period: d(1800),
                check: d(60),
            },
            Resync::Lease { ttl: d(3600) },
        ] {
            let (refresh, finding) = refresh_interval(&s, resync);
            assert_eq!(refresh.secs(), 3600);
            let finding = finding.unwrap_or_else(|| panic!("{resync:?}: refresh >= period must be an error"));
            assert_eq!(finding.field, ["kubernetes", "refresh_interval"]);
        }
        assert_eq!(refresh_interval(&s, Resync::Manual), (d(3600), None));
        assert_eq!(refresh_interval(&s, Resync::Overlapping { period: d(7200) }).1, None);
    }
}
