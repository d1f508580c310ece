//! Vault (or OpenBao) dynamic database credentials consumed from Kubernetes through the External
//! Secrets Operator (a `VaultDynamicSecret` generator feeding an `ExternalSecret`), plus the
//! Terraform for the Vault side and SDK code for workloads that talk to Vault directly.

use hcl::expr::Expression;
use hcl::{Block, Body};
use serde::Serialize;

use crate::planner::choice::*;
use crate::planner::findings;
use crate::planner::request::Duration;
use crate::planner::window::{self, Replaced};
use crate::planner::{AccessPolicy, DeploymentManifest, Finding, Plan, RotationScripts, SecretsConfig, Settings};
use crate::render;
use crate::render::tf::{heredoc, key, resource, traversal};

use crate::planner::k8s::{self, K8sObject, ObjectMeta, GENERATORS_API};
mod terraform;
pub(crate) use terraform::*;

/// The audience of every service account token presented to Vault (ESO's and the pod's).
pub(crate) const AUDIENCE: &str = "vault";
/// Where the workload patch mounts the pod's projected token for Vault.
pub(crate) const TOKEN_DIR: &str = "/var/run/secrets/vault";
pub(crate) const AUDIT_LOG: &str = "/var/log/vault/audit.log";
const DAY: u64 = 86_400;

pub fn covers(s: &Settings) -> bool {
    s.backend == Backend::Vault
        && s.target == Target::Kubernetes
        && matches!(s.rotation, Rotation::Dynamic | Rotation::Automatic)
        && s.credential == CredentialType::Database
}

/// Why an "automatic" database plan gets dynamic credentials: a static role rotates the one
/// user's password, which stops working at once while consumers still hold a copy.
pub fn automatic_decision(s: &Settings) -> String {
    let t = ttls(s);
    format!(
        "rotation_policy \"automatic\" for a database is planned as Vault dynamic credentials, not a static role: a static role changes the one database user's password, and the old password stops working at once while ESO, Vault Agent or the integration code still hold a copy; here every read creates its own database user that lives {} and consumers read a new one before it expires{}.",
        t.default.to_text(),
        match s.rotation_period {
            Some(p) if p.secs() > DAY => format!(" (the {} rotation_period is capped at 24h, the longest lease the role allows)", p.to_text()),
            _ => String::new(),
        }
    )
}

/// The lifetimes the plan writes explicitly (Vault would otherwise fall back to 768h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ttls {
    /// The role's `default_ttl`: the requested rotation period.
    pub default: Duration,
    /// The role's `max_ttl`: four times the TTL, capped at 24h, never below the TTL.
    pub max: Duration,
}

pub fn ttls(s: &Settings) -> Ttls {
    // Dynamic periods are validated to at most 24h; an automatic one may be longer.
    let default = Duration::from_secs(s.rotation_period.map_or(3600, |p| p.secs().min(DAY)));
    let max = Duration::from_secs((default.secs() * 4).min(DAY).max(default.secs()));
    Ttls { default, max }
}

pub fn plan(s: &Settings) -> Plan {
    let role = s.stem();
    let creds_path = format!("{}/creds/{role}", s.vault.database_mount);
    let ttls = ttls(s);
    // Every refresh mints a new credential and the old one simply expires.
    let (refresh, refresh_finding) = k8s::refresh_interval(s, k8s::Resync::Lease { ttl: ttls.default });
    let mut decisions: Vec<String> = (s.rotation == Rotation::Automatic)
        .then(|| automatic_decision(s))
        .into_iter()
        .collect();
    let mut findings: Vec<Finding> = refresh_finding.into_iter().collect();

    decisions.push(format!(
        "The database role sets default_ttl = {} (the rotation_period, at most 24h) and max_ttl = {} (four times the TTL, capped at 24h) explicitly, because Vault otherwise falls back to the mount's and then the system's 768h.",
        ttls.default.to_text(),
        ttls.max.to_text()
    ));
    decisions.push(if s.kubernetes.refresh_interval.is_some() {
        format!("The ExternalSecret refreshes every {} as requested; each refresh mints a new credential and the previous one expires at its TTL.", refresh.to_go())
    } else {
        format!(
            "The ExternalSecret refreshes every {} (two thirds of the {} TTL), so a new credential is synced while the previous one still has a third of its life left.",
            refresh.to_go(),
            ttls.default.to_text()
        )
    });
    decisions.push("Credentials come from a VaultDynamicSecret generator consumed once through dataFrom, because ESO's Vault store provider reads only KV and two data[] entries would mint two unrelated leases.".into());
    decisions.push(format!(
        "The {} is the workload's entry point for static KV v2 secrets under mount \"{}\" with the same Kubernetes auth role; it is not used for the database credentials and the role grants it no KV paths until a KV policy is added.",
        s.kubernetes.store_kind, s.vault.kv_mount
    ));
    if s.kubernetes.store_kind == StoreKind::ClusterSecretStore {
        decisions.push(format!(
            "The ClusterSecretStore accepts ExternalSecrets only from namespace \"{}\", because it logs in as that namespace's service account.",
            s.kubernetes.namespace
        ));
    }
    decisions.push(format!(
        "Every service account token presented to Vault carries the audience \"{AUDIENCE}\", and the Vault role requires it, so tokens minted for the Kubernetes API are not accepted."
    ));
    decisions.push(format!(
        "The Kubernetes auth role's token_ttl and token_max_ttl {}, because leases are children of the login token and the generator never renews it (ESO issue #2198).",
        match token_ttl(s) {
            ttl if ttl == ttls.max => format!("equal the database max_ttl ({})", ttl.to_text()),
            ttl => format!(
                "are {}, longer than the database max_ttl ({}): another secret of the workload reads through the same role and needs it",
                ttl.to_text(),
                ttls.max.to_text()
            ),
        }
    ));
    decisions.push("No kubernetes-rbac policy is emitted: the External Secrets Operator's controller ClusterRole already grants create on serviceaccounts/token, and TokenReview access belongs to the Kubernetes auth backend that platform/vault.tf configures.".into());
    decisions.push(format!(
        "integration_code logs in to Vault with the pod's projected token and reads {creds_path} itself, refreshing at two thirds of the lease, for workloads that open their own connections; workloads that read the synced Secret need no SDK, and one workload should use one path, not both, to avoid minting two credentials per cycle."
    ));
    decisions.push(format!(
        "kubernetes/workload-patch.yaml assumes a Deployment named \"{}\" with a container named \"{}\" in namespace \"{}\"; it mounts the projected token at {TOKEN_DIR}/token and the synced Secret at {}.",
        s.role_name(),
        s.name,
        s.kubernetes.namespace,
        credentials_mount(s).1
    ));
    super::decisions_db(s, &mut decisions);
    decisions.extend(super::platform::decisions(s));

    match s.database.engine {
        DbEngine::Mongodb => findings.push(findings::openbao_mongodb()),
        DbEngine::Oracle => findings.push(findings::vault_oracle_plugin()),
        _ => {}
    }

    let store = secret_store(s);
    let config_file = render::yaml(&store);
    let policy_doc = vault_policy(&creds_path);
    let role_body = role_body(s, ttls);
    let rotation_logic = render::json(&role_body);

    let access_policies = vec![AccessPolicy {
        policy_name: format!("{role}-db-creds"),
        policy_type: PolicyType::VaultPolicy,
        policy_document: render::hcl1(&policy_doc),
        scope: creds_path.clone(),
        secret: s.secret_key(),
        attach_to: AttachTo::consumer(s.target),
    }];

    let deployment_manifests = vec![
        DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/serviceaccount.yaml",
            render::yaml(&service_account(s)),
        ),
        DeploymentManifest::new(ManifestType::Kubernetes, "kubernetes/secret-store.yaml", config_file.clone()),
        DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/vault-dynamic-secret.yaml",
            render::yaml(&dynamic_secret(s, &creds_path)),
        ),
        DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/external-secret.yaml",
            render::yaml(&external_secret(s, refresh)),
        ),
        DeploymentManifest::patch("kubernetes/workload-patch.yaml", &workload_patch(s)),
        DeploymentManifest::new(
            ManifestType::Terraform,
            "terraform/vault.tf",
            render::hcl(&terraform(s, &role_body, &access_policies[0])),
        ),
    ];

    let mut scripts = RotationScripts {
        overlap: String::new(),
        max_staleness: String::new(),
        rotation_type: RotationType::VaultEngine,
        schedule: format!("default_ttl={} max_ttl={} refresh_interval={}", ttls.default.to_go(), ttls.max.to_go(), refresh.to_go()),
        rotation_logic,
        notification: format!(
            "Vault revokes each {creds_path} lease at its TTL; issuance and revocation are recorded by the file audit device at {AUDIT_LOG}."
        ),
    };
    window::apply(
        s,
        Replaced::Lease { ttl: ttls.default },
        Some(refresh),
        &mut scripts,
        &mut decisions,
        &mut findings,
    );

    Plan {
        // Set by planner::plan_unchecked, which knows the settings of every backend.
        workload: String::new(),
        secrets: Vec::new(),
        identity: Default::default(),
        labelled: false,
        secrets_config: SecretsConfig {
            backend_endpoint: s.vault.address.clone(),
            authentication_method: AuthMethod::Kubernetes,
            secret_path: creds_path.clone(),
            config_format: ConfigFormat::Yaml,
            config_file: Some(config_file),
        },
        access_policies,
        integration_code: Vec::new(),
        rotation_scripts: Some(scripts),
        deployment_manifests,
        decisions,
        findings,
        placeholders: Vec::new(),
        platform_files: super::platform::platform_files(s),
    }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects (field names as in the ESO and core Go types)

#[derive(Serialize)]
pub(crate) struct ProviderSpec {
    vault: VaultProvider,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VaultProvider {
    server: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    auth: VaultAuth,
}

#[derive(Serialize)]
pub(crate) struct VaultAuth {
    kubernetes: VaultKubernetesAuth,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VaultKubernetesAuth {
    mount_path: String,
    role: String,
    service_account_ref: ServiceAccountRef,
}

#[derive(Serialize)]
pub(crate) struct ServiceAccountRef {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    audiences: Vec<&'static str>,
}

#[derive(Serialize)]
pub(crate) struct VaultDynamicSecretSpec {
    method: &'static str,
    path: String,
    provider: VaultProvider,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalSecretSpec {
    refresh_interval: String,
    target: k8s::ExternalSecretTarget,
    data_from: Vec<DataFrom>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DataFrom {
    source_ref: SourceRef,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SourceRef {
    generator_ref: GeneratorRef,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GeneratorRef {
    api_version: &'static str,
    kind: &'static str,
    name: String,
}

fn namespaced(name: String, s: &Settings) -> ObjectMeta {
    ObjectMeta::namespaced(name, &s.kubernetes.namespace)
}

fn credentials_name(s: &Settings) -> String {
    format!("{}-db-credentials", s.stem())
}

/// The `VaultProvider` block; `kv` adds the KV mount (the store), `sa_namespace` the
/// service account's namespace (required in a ClusterSecretStore).
pub(crate) fn vault_provider(s: &Settings, kv: bool, sa_namespace: bool) -> VaultProvider {
    VaultProvider {
        server: s.vault.address.clone(),
        path: kv.then(|| s.vault.kv_mount.clone()),
        version: kv.then_some("v2"),
        namespace: s.vault.namespace.clone(),
        auth: VaultAuth {
            kubernetes: VaultKubernetesAuth {
                mount_path: s.vault.auth_mount.clone(),
                role: s.role_name(),
                service_account_ref: ServiceAccountRef {
                    name: s.kubernetes.service_account.clone(),
                    namespace: sa_namespace.then(|| s.kubernetes.namespace.clone()),
                    audiences: vec![AUDIENCE],
                },
            },
        },
    }
}

pub(crate) fn secret_store(s: &Settings) -> K8sObject<k8s::StoreSpec<ProviderSpec>> {
    let cluster = s.kubernetes.store_kind == StoreKind::ClusterSecretStore;
    k8s::secret_store(
        s,
        "vault",
        ProviderSpec {
            vault: vault_provider(s, true, cluster),
        },
    )
}

pub(crate) fn service_account(s: &Settings) -> K8sObject<()> {
    K8sObject {
        api_version: "v1",
        kind: "ServiceAccount",
        metadata: namespaced(s.kubernetes.service_account.clone(), s),
        spec: None,
    }
}

pub(crate) fn dynamic_secret(s: &Settings, creds_path: &str) -> K8sObject<VaultDynamicSecretSpec> {
    K8sObject {
        api_version: GENERATORS_API,
        kind: "VaultDynamicSecret",
        metadata: namespaced(credentials_name(s), s),
        spec: Some(VaultDynamicSecretSpec {
            method: "GET",
            path: creds_path.into(),
            provider: vault_provider(s, false, false),
        }),
    }
}

fn external_secret(s: &Settings, refresh: Duration) -> K8sObject<ExternalSecretSpec> {
    k8s::external_secret(
        s,
        &credentials_name(s),
        ExternalSecretSpec {
            refresh_interval: refresh.to_go(),
            target: k8s::ExternalSecretTarget::owned(credentials_name(s), None),
            data_from: vec![DataFrom {
                source_ref: SourceRef {
                    generator_ref: GeneratorRef {
                        api_version: GENERATORS_API,
                        kind: "VaultDynamicSecret",
                        name: credentials_name(s),
                    },
                },
            }],
        },
    )
}

#[derive(Serialize)]
struct DeploymentSpec {
    template: PodTemplate,
}

#[derive(Serialize)]
struct PodTemplate {
    spec: PodSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodSpec {
    service_account_name: String,
    containers: Vec<Container>,
    volumes: Vec<Volume>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Container {
    name: String,
    volume_mounts: Vec<VolumeMount>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VolumeMount {
    name: String,
    mount_path: String,
    read_only: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Volume {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    projected: Option<ProjectedVolume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<SecretVolume>,
}

#[derive(Serialize)]
struct ProjectedVolume {
    sources: Vec<ProjectionSource>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProjectionSource {
    service_account_token: ServiceAccountTokenProjection,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceAccountTokenProjection {
    audience: &'static str,
    expiration_seconds: u32,
    path: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SecretVolume {
    secret_name: String,
}

/// The workload auth role's token TTL: the database max_ttl, or the longer one another secret
/// of the workload needs ([`Settings::token_ttl_floor`]).
pub(crate) fn token_ttl(s: &Settings) -> Duration {
    let max = ttls(s).max.secs();
    Duration::from_secs(max.max(s.token_ttl_floor.map_or(0, |f| f.secs())))
}

/// The synced Secret's volume and where the container sees it: `db-credentials` at
/// `/var/run/secrets/<name>` in a `secretsint_plan`; in a workload each secret has its own,
/// `<label>-credentials` at `/var/run/secrets/<name>/<label>`.
pub(crate) fn credentials_mount(s: &Settings) -> (String, String) {
    match &s.secret_label {
        Some(label) => (format!("{label}-credentials"), format!("/var/run/secrets/{}/{label}", s.name)),
        None => ("db-credentials".into(), format!("/var/run/secrets/{}", s.name)),
    }
}

/// A strategic-merge patch (`kubectl patch deployment --patch-file`) that runs the pod as the
/// bound service account, projects a Vault-audience token and mounts the synced Secret as files.
fn workload_patch(s: &Settings) -> K8sObject<DeploymentSpec> {
    let (volume, mount) = credentials_mount(s);
    K8sObject {
        api_version: "apps/v1",
        kind: "Deployment",
        metadata: namespaced(s.role_name(), s),
        spec: Some(DeploymentSpec {
            template: PodTemplate {
                spec: PodSpec {
                    service_account_name: s.kubernetes.service_account.clone(),
                    containers: vec![Container {
                        name: s.name.clone(),
                        volume_mounts: vec![
                            VolumeMount {
                                name: "vault-token".into(),
                                mount_path: TOKEN_DIR.into(),
                                read_only: true,
                            },
                            VolumeMount {
                                name: volume.clone(),
                                mount_path: mount,
                                read_only: true,
                            },
                        ],
                    }],
                    volumes: vec![
                        Volume {
                            name: "vault-token".into(),
                            projected: Some(ProjectedVolume {
                                sources: vec![ProjectionSource {
                                    service_account_token: ServiceAccountTokenProjection {
                                        audience: AUDIENCE,
                                        expiration_seconds: 600,
                                        path: "token",
                                    },
                                }],
                            }),
                            secret: None,
                        },
                        Volume {
                            name: volume,
                            projected: None,
                            secret: Some(SecretVolume {
                                secret_name: credentials_name(s),
                            }),
                        },
                    ],
                },
            },
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Vault: policy, database role

/// Exactly `read` on the one creds path: generating credentials is a GET.
pub(crate) fn vault_policy(creds_path: &str) -> Body {
    Body::builder()
        .add_block(
            Block::builder(key("path"))
                .add_label(creds_path)
                .add_attribute((key("capabilities"), vec!["read"]))
                .build(),
        )
        .build()
}

/// The body written to `<database_mount>/roles/<role>`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoleBody {
    pub db_name: String,
    pub creation_statements: Vec<String>,
    pub revocation_statements: Vec<String>,
    /// Seconds.
    pub default_ttl: u64,
    /// Seconds.
    pub max_ttl: u64,
}

fn connection_name(s: &Settings) -> String {
    s.stem()
}

pub fn role_body(s: &Settings, ttls: Ttls) -> RoleBody {
    let (creation_statements, revocation_statements) = statements(s.database.engine, &s.database.database_name);
    RoleBody {
        db_name: connection_name(s),
        creation_statements,
        revocation_statements,
        default_ttl: ttls.default.secs(),
        max_ttl: ttls.max.secs(),
    }
}

fn pg_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn mysql_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

fn oracle_ident(name: &str) -> String {
    format!("\"{}\"", name.to_ascii_uppercase().replace('"', ""))
}

/// Creation and revocation statements per engine; `{{name}}`, `{{password}}` and
/// `{{expiration}}` are Vault's own templating. One statement per entry.
pub(crate) fn statements(engine: DbEngine, database: &str) -> (Vec<String>, Vec<String>) {
    let v = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match engine {
        DbEngine::Postgresql => {
            let db = pg_ident(database);
            (
                vec![
                    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';".into(),
                    format!("GRANT CONNECT ON DATABASE {db} TO \"{{{{name}}}}\";"),
                    "GRANT USAGE ON SCHEMA public TO \"{{name}}\";".into(),
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{{name}}\";".into(),
                    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \"{{name}}\";".into(),
                ],
                vec![
                    "REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM \"{{name}}\";".into(),
                    "REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM \"{{name}}\";".into(),
                    "REVOKE USAGE ON SCHEMA public FROM \"{{name}}\";".into(),
                    format!("REVOKE CONNECT ON DATABASE {db} FROM \"{{{{name}}}}\";"),
                    "DROP ROLE IF EXISTS \"{{name}}\";".into(),
                ],
            )
        }
        DbEngine::Redshift => (
            v(&[
                "CREATE USER \"{{name}}\" WITH PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
                "GRANT USAGE ON SCHEMA public TO \"{{name}}\";",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{{name}}\";",
            ]),
            v(&[
                "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM \"{{name}}\";",
                "REVOKE USAGE ON SCHEMA public FROM \"{{name}}\";",
                "DROP USER IF EXISTS \"{{name}}\";",
            ]),
        ),
        DbEngine::Mysql => {
            let db = mysql_ident(database);
            (
                vec![
                    "CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';".into(),
                    format!("GRANT SELECT, INSERT, UPDATE, DELETE ON {db}.* TO '{{{{name}}}}'@'%';"),
                ],
                v(&[
                    "REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{{name}}'@'%';",
                    "DROP USER IF EXISTS '{{name}}'@'%';",
                ]),
            )
        }
        // The connection URL selects the database; CREATE USER there implies CONNECT.
        DbEngine::Mssql => (
            v(&[
                "CREATE LOGIN [{{name}}] WITH PASSWORD = '{{password}}';",
                "CREATE USER [{{name}}] FOR LOGIN [{{name}}];",
                "GRANT SELECT, INSERT, UPDATE, DELETE ON SCHEMA::[dbo] TO [{{name}}];",
            ]),
            v(&[
                "ALTER LOGIN [{{name}}] DISABLE;",
                "DROP USER IF EXISTS [{{name}}];",
                "DROP LOGIN [{{name}}];",
            ]),
        ),
        DbEngine::Oracle => {
            let schema = oracle_ident(database);
            (
                vec![
                    "CREATE USER {{username}} IDENTIFIED BY \"{{password}}\";".into(),
                    "GRANT CREATE SESSION TO {{username}};".into(),
                    format!("GRANT SELECT ANY TABLE, INSERT ANY TABLE, UPDATE ANY TABLE, DELETE ANY TABLE ON SCHEMA {schema} TO {{{{username}}}};"),
                ],
                v(&["REVOKE CREATE SESSION FROM {{username}};", "DROP USER {{username}} CASCADE;"]),
            )
        }
        DbEngine::Mongodb => {
            let creation = serde_json::json!({"db": "admin", "roles": [{"role": "readWrite", "db": database}]});
            (vec![creation.to_string()], vec![serde_json::json!({"db": "admin"}).to_string()])
        }
    }
}

/// The plugin and the templated connection URL Vault uses to reach the database as its admin.
pub(crate) fn connection(s: &Settings) -> (&'static str, &'static str, String) {
    let d = &s.database;
    let (host, port, db) = (&d.host, d.port, &d.database_name);
    match d.engine {
        DbEngine::Postgresql => (
            "postgresql",
            "postgresql-database-plugin",
            format!("postgresql://{{{{username}}}}:{{{{password}}}}@{host}:{port}/{db}?sslmode=verify-full"),
        ),
        DbEngine::Redshift => (
            "redshift",
            "redshift-database-plugin",
            format!("postgresql://{{{{username}}}}:{{{{password}}}}@{host}:{port}/{db}?sslmode=verify-full"),
        ),
        DbEngine::Mysql => (
            "mysql",
            "mysql-database-plugin",
            format!("{{{{username}}}}:{{{{password}}}}@tcp({host}:{port})/{db}?tls=true"),
        ),
        DbEngine::Mssql => (
            "mssql",
            "mssql-database-plugin",
            format!("sqlserver://{{{{username}}}}:{{{{password}}}}@{host}:{port}?database={db}&encrypt=true"),
        ),
        DbEngine::Oracle => (
            "oracle",
            "vault-plugin-database-oracle",
            format!("{{{{username}}}}/{{{{password}}}}@//{host}:{port}/{db}"),
        ),
        DbEngine::Mongodb => (
            "mongodb",
            "mongodb-database-plugin",
            format!("mongodb://{{{{username}}}}:{{{{password}}}}@{host}:{port}/admin?tls=true"),
        ),
    }
}

/// The errors [`plan`] raises, found without rendering anything (what `validate` checks).
pub fn errors(s: &Settings) -> Vec<Finding> {
    k8s::refresh_interval(s, k8s::Resync::Lease { ttl: ttls(s).default })
        .1
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::{Duration, Request};
    use crate::planner::resolve::resolve;
    use crate::planner::FindingKind;

    fn settings(edit: impl FnOnce(&mut Request)) -> Settings {
        let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Dynamic);
        req.credential = Some(CredentialType::Database);
        edit(&mut req);
        resolve(&req).0
    }

    #[test]
    fn covers_vault_kubernetes_database_plans_that_rotate() {
        assert!(covers(&settings(|_| {})));
        assert!(!covers(&settings(|r| r.credential = Some(CredentialType::Generic))));
        // An automatic database credential is a dynamic one (no single-user static role).
        assert!(covers(&settings(|r| r.rotation = Rotation::Automatic)));
        assert!(!covers(&settings(|r| r.rotation = Rotation::Manual)));
        assert!(!covers(&settings(|r| r.target = Target::Application)));
    }

    #[test]
    fn an_automatic_period_longer_than_a_day_is_capped_and_says_so() {
        let s = settings(|r| r.rotation = Rotation::Automatic);
        assert_eq!(ttls(&s).default, Duration::from_secs(DAY));
        assert!(automatic_decision(&s).contains("capped at 24h"), "{}", automatic_decision(&s));
    }

    #[test]
    fn refresh_interval_defaults_to_two_thirds_and_must_stay_below_ttl() {
        let s = settings(|_| {});
        assert_eq!(
            k8s::refresh_interval(
                &s,
                k8s::Resync::Lease {
                    ttl: Duration::from_secs(3600)
                }
            ),
            (Duration::from_secs(2400), None)
        );
        let s = settings(|r| r.kubernetes.refresh_interval = Some(Duration::from_secs(1800)));
        assert_eq!(
            k8s::refresh_interval(
                &s,
                k8s::Resync::Lease {
                    ttl: Duration::from_secs(3600)
                }
            ),
            (Duration::from_secs(1800), None)
        );
        for given in [3600, 7200] {
            let s = settings(|r| r.kubernetes.refresh_interval = Some(Duration::from_secs(given)));
            let (_, finding) = k8s::refresh_interval(
                &s,
                k8s::Resync::Lease {
                    ttl: Duration::from_secs(3600),
                },
            );
            let finding = finding.expect("refresh >= TTL is an error");
            assert_eq!(finding.kind, FindingKind::Error);
            assert_eq!(finding.field, vec!["kubernetes".to_string(), "refresh_interval".to_string()]);
        }
        let p = crate::planner::plan(&{
            let mut r = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Dynamic);
            r.credential = Some(CredentialType::Database);
            r.kubernetes.refresh_interval = Some(Duration::from_secs(3600));
            r
        });
        assert!(p
            .findings
            .iter()
            .any(|f| f.kind == FindingKind::Error && f.field == ["kubernetes", "refresh_interval"]));
    }

    #[test]
    fn policy_is_exactly_read_on_the_creds_path() {
        let p = plan(&settings(|_| {}));
        assert_eq!(p.access_policies.len(), 1);
        let policy = &p.access_policies[0];
        assert_eq!(policy.policy_type, PolicyType::VaultPolicy);
        assert_eq!(policy.scope, "database/creds/prod--app");
        assert_eq!(
            policy.policy_document,
            "path \"database/creds/prod--app\" {\n  capabilities = [\"read\"]\n}\n"
        );
        let parsed: hcl::Body = hcl::from_str(&policy.policy_document).expect("policy parses as HCL");
        assert_eq!(parsed.blocks().count(), 1);
    }

    #[test]
    fn ttl_choices() {
        let cases = [(3600, 4 * 3600), (1800, 7200), (8 * 3600, DAY), (DAY, DAY), (60, 240)];
        for (ttl, max) in cases {
            let s = settings(|r| r.rotation_period = Some(Duration::from_secs(ttl)));
            assert_eq!(
                ttls(&s),
                Ttls {
                    default: Duration::from_secs(ttl),
                    max: Duration::from_secs(max)
                },
                "ttl {ttl}"
            );
            let role = role_body(&s, ttls(&s));
            assert_eq!((role.default_ttl, role.max_ttl), (ttl, max));
        }
        // The auth role's tokens outlive every lease they parent (ESO issue #2198).
        let p = plan(&settings(|_| {}));
        let tf = &p
            .deployment_manifests
            .iter()
            .find(|m| m.filename == "terraform/vault.tf")
            .expect("vault.tf")
            .content;
        // Compare with whitespace folded: `terraform fmt` alignment pads the `=`.
        let folded = tf.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            folded.contains("token_ttl = 14400") && folded.contains("token_max_ttl = 14400"),
            "{tf}"
        );
    }
}
