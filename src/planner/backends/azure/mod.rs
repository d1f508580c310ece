//! Azure Key Vault for every target, rotation policy and credential type: an RBAC-mode vault
//! holding one secret (or one certificate), role assignments with built-in role IDs scoped to
//! that single object, one identity per consumer (AKS workload identity, a CI federated
//! credential, a managed identity), the consumer's own configuration (ESO `azurekv` store,
//! pipeline, SDK settings), rotation (expiry + Event Grid + a Python Function, or certificate
//! lifetime actions) and the Terraform for all of it (azurerm 4.x names). The pipelines for the
//! four CI/CD platforms live in `cicd.rs`.

mod cicd;
pub(crate) mod sdk;
pub(crate) mod workload;

use hcl::expr::{Expression, TemplateExpr};
use hcl::{Block, Body};
use serde::Serialize;

use crate::planner::choice::*;
use crate::planner::findings;
use crate::planner::k8s;
use crate::planner::request::Duration;
use crate::planner::window::{self, Replaced};
use crate::planner::{AccessPolicy, DeploymentManifest, Finding, Plan, RotationScripts, SecretsConfig, Settings};
use crate::render::escape::{Syntax, Var};
use crate::render::tf;
use crate::render::{self, template};
mod kubernetes;
mod terraform;
use kubernetes::*;
use terraform::*;

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
/// Key Vault publishes `SecretNearExpiry` this long before a version's expiration date.
pub(crate) const NEAR_EXPIRY_WINDOW: u64 = 30 * DAY;
/// Dynamic credentials fall back to Event Grid rotation at no less than this: every rotation is
/// a Function run and a new version, and consumers re-read on their own schedule.
const FALLBACK_FLOOR: u64 = DAY;
/// The shortest validity Key Vault issues a certificate for (`validity_in_months`).
const MIN_CERT_MONTHS: u64 = 1;
/// What every workload on the vault shares, under `platform_files`.
pub(crate) const PLATFORM_FILE: &str = "platform/azure.tf";
const FUNCTION_TEMPLATE: &str = include_str!("snippets/function_app.py");
/// The Function of a third-party API key: it logs a reminder and never writes the secret.
const REMIND_FUNCTION: &str = include_str!("snippets/remind_app.py");

/// The Function of a third-party API key with an issuer hook: it stores what the hook mints.
const HOOK_FUNCTION: &str = include_str!("snippets/hook_app.py");

/// Whether the Function only reminds: a third-party API key, which it cannot mint.
fn reminds(s: &Settings) -> bool {
    s.credential == CredentialType::ApiKey && s.api_key.rotation() == crate::planner::ApiKeyRotation::Reminder
}

/// The issuer hook the Function calls for a third-party API key, if the plan declares one.
pub(crate) fn hook(s: &Settings) -> Option<String> {
    match s.api_key.rotation() {
        crate::planner::ApiKeyRotation::Hook(h) if s.credential == CredentialType::ApiKey => Some(h),
        _ => None,
    }
}
/// Python version of the rotation Function (Flex Consumption runtime).
const FUNCTION_PYTHON: &str = "3.12";
pub(crate) const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";
const EVENT_NEAR_EXPIRY: &str = "Microsoft.KeyVault.SecretNearExpiry";
/// Azure SDKs' placeholder until the identity exists: replaced by `terraform output`.
pub(crate) const CLIENT_ID_PLACEHOLDER: &str = "00000000-0000-0000-0000-000000000000";
/// A principal's object ID where the user has not given it (`azure.*_principal_id`).
pub(crate) const PRINCIPAL_PLACEHOLDER: &str = "00000000-0000-0000-0000-000000000000";

/// The workload identity's client ID: `azure.identity_client_id`, else the placeholder.
pub(crate) fn identity_client_id(s: &Settings) -> String {
    s.azure.identity_client_id.clone().unwrap_or_else(|| CLIENT_ID_PLACEHOLDER.into())
}

/// Built-in Azure role definitions (domain-facts §4.1). Names and IDs are fixed by Azure.
pub mod roles {
    pub const KEY_VAULT_SECRETS_USER: (&str, &str) = ("Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6");
    pub const KEY_VAULT_SECRETS_OFFICER: (&str, &str) = ("Key Vault Secrets Officer", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7");
    pub const KEY_VAULT_CERTIFICATE_USER: (&str, &str) = ("Key Vault Certificate User", "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba");
    pub const KEY_VAULT_CERTIFICATES_OFFICER: (&str, &str) = ("Key Vault Certificates Officer", "a4417e6f-fecd-4de8-b567-7b0420556985");
    /// Every Key Vault role the planner assigns, for the table test.
    pub const ALL: [(&str, &str); 4] = [
        KEY_VAULT_SECRETS_USER,
        KEY_VAULT_SECRETS_OFFICER,
        KEY_VAULT_CERTIFICATE_USER,
        KEY_VAULT_CERTIFICATES_OFFICER,
    ];
}

/// What Key Vault holds and how it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A secret; `rotation` is the period the Function rotates it at, `None` for manual.
    Secret { rotation: Option<Duration> },
    /// A Key Vault certificate; `auto_renew` false means contacts are e-mailed instead.
    Certificate { months: u64, auto_renew: bool },
}

impl Source {
    fn renew_days(months: u64) -> u64 {
        // A third of the lifetime, as cert-manager does; Key Vault counts a month as 30 days here.
        (months * 10).max(1)
    }
}

fn months_for(ttl: Duration) -> u64 {
    ttl.secs().div_ceil(30 * DAY).max(MIN_CERT_MONTHS)
}

/// How the rotation Function changes a database password, by engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DbRotation {
    /// Two users, `<username>` and `<username>_clone`, alternate; an admin credential sets the
    /// password of the one the current version does not name (on Redshift, which has no role
    /// inheritance, the clone joins the user's groups).
    Alternating,
    /// The Function has no driver for the engine: no rotation is planned.
    Unsupported,
}

pub(crate) fn db_rotation(s: &Settings) -> DbRotation {
    match s.database.engine {
        DbEngine::Postgresql | DbEngine::Mysql | DbEngine::Redshift => DbRotation::Alternating,
        _ => DbRotation::Unsupported,
    }
}

/// Whether the plan's rotation Function alternates database users.
pub(crate) fn alternates(s: &Settings, src: Source) -> bool {
    matches!(src, Source::Secret { rotation: Some(_) })
        && s.credential == CredentialType::Database
        && db_rotation(s) == DbRotation::Alternating
}

/// The Python driver the Function imports for the engine (its `@if driver=` flag).
fn driver(s: &Settings) -> &'static str {
    match s.database.engine {
        DbEngine::Mysql => "pymysql",
        _ => "psycopg",
    }
}

fn source(s: &Settings) -> (Source, Option<Finding>, Option<String>) {
    let period = s.rotation_period.unwrap_or(Duration::from_secs(HOUR));
    let rotates = s.rotation != Rotation::Manual;
    if rotates && s.credential == CredentialType::Database && db_rotation(s) == DbRotation::Unsupported {
        let engine = s.database.engine;
        return (
            Source::Secret { rotation: None },
            Some(findings::azure_rotation_engine(engine, s.rotation)),
            Some(format!(
                "rotation_policy \"{}\" fell back to \"manual\": the rotation Function changes passwords on postgresql, mysql and redshift only, so for {engine} the plan emits no Function and the secret changes only when someone writes a new version.",
                s.rotation
            )),
        );
    }
    match (s.rotation, s.credential) {
        (Rotation::Manual, CredentialType::Certificate) => (
            Source::Certificate {
                months: months_for(s.certificate.ttl),
                auto_renew: false,
            },
            None,
            None,
        ),
        (Rotation::Manual, _) => (Source::Secret { rotation: None }, None, None),
        (Rotation::Automatic, CredentialType::Certificate) => (
            Source::Certificate {
                months: months_for(s.certificate.ttl),
                auto_renew: true,
            },
            None,
            None,
        ),
        (Rotation::Automatic, _) => (Source::Secret { rotation: Some(period) }, None, None),
        (Rotation::Dynamic, CredentialType::Certificate) => {
            (
                Source::Certificate {
                    months: MIN_CERT_MONTHS,
                    auto_renew: true,
                },
                Some(findings::azure_certificate_falls_back(
                    MIN_CERT_MONTHS,
                    Source::renew_days(MIN_CERT_MONTHS),
                    period,
                )),
                Some(format!(
                    "rotation_policy \"dynamic\" fell back to \"automatic\": Key Vault cannot mint short-lived certificates, so the certificate is valid {MIN_CERT_MONTHS} month (the shortest Key Vault issues) and auto-renews {} days before expiry.",
                    Source::renew_days(MIN_CERT_MONTHS)
                )),
            )
        }
        (Rotation::Dynamic, c) => {
            let fallback = Duration::from_secs(period.secs().max(FALLBACK_FLOOR));
            // A third-party API key's Function writes nothing: its own reminder finding says so.
            if reminds(s) {
                return (Source::Secret { rotation: Some(fallback) }, None, None);
            }
            (
                Source::Secret { rotation: Some(fallback) },
                Some(findings::dynamic_falls_back(findings::NoDynamic::Azure, c, fallback)),
                Some(format!(
                    "rotation_policy \"dynamic\" fell back to \"automatic\" every {}: Azure Key Vault cannot mint {c} credentials on demand, so the rotation Function writes a new version instead.",
                    fallback.to_text()
                )),
            )
        }
    }
}

fn content_type(c: CredentialType) -> &'static str {
    match c {
        CredentialType::Database => "application/json",
        CredentialType::Certificate => "application/x-pem-file",
        _ => "text/plain",
    }
}

/// Every name and ARM scope the plan uses, computed once.
pub(crate) struct Names {
    pub role: String,
    /// The prefix of the secret's own names ([`Settings::stem`]).
    pub stem: String,
    /// The Key Vault object name (secret or certificate; a certificate's secret has the same name).
    pub object: String,
    pub vault_id: String,
    pub secret_scope: String,
    /// The secret holding the admin credential the rotation Function alternates users with.
    pub admin_object: String,
    pub admin_scope: String,
    pub certificate_scope: String,
    pub identity: String,
    pub rotator_identity: String,
    pub vault_url: String,
}

pub(crate) fn names(s: &Settings) -> Names {
    let role = s.role_name();
    let (stem, object) = (s.stem(), s.secret_id());
    let vault_id = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.KeyVault/vaults/{}",
        s.azure.subscription_id, s.azure.resource_group, s.azure.vault_name
    );
    let admin_object = format!("{stem}-database-admin");
    Names {
        secret_scope: format!("{vault_id}/secrets/{object}"),
        admin_scope: format!("{vault_id}/secrets/{admin_object}"),
        admin_object,
        certificate_scope: format!("{vault_id}/certificates/{object}"),
        identity: format!("id-{role}"),
        rotator_identity: format!("id-{stem}-rotator"),
        vault_url: s.backend_endpoint(),
        vault_id,
        object,
        stem,
        role,
    }
}

/// Storage account names: 3-24 lowercase letters and digits, globally unique. Dropping the
/// hyphens (and cutting long names) would let two workloads meet, so eight hex digits of the
/// SHA-256 of the full `<environment>--<name>` keep them apart.
fn storage_account_name(s: &Settings) -> String {
    let role = s.stem();
    let hash = crate::planner::shape::digest8(&role);
    let alnum: String = role.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let middle: String = alnum.chars().take(24 - "strot".len() - hash.len()).collect();
    format!("st{middle}{hash}rot")
}

// ---------------------------------------------------------------------------------------------
// Role assignments

pub(crate) fn role_definition_id(s: &Settings, role: (&str, &str)) -> String {
    format!(
        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}",
        s.azure.subscription_id, role.1
    )
}

/// The body of `PUT {scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`.
#[derive(Serialize)]
struct RoleAssignmentBody {
    properties: RoleAssignmentProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleAssignmentProperties {
    role_definition_id: String,
    principal_id: String,
    /// Left out for the deployer, which may be a user or a service principal.
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_type: Option<&'static str>,
    description: String,
}

/// One assignment: who gets which role on which scope.
struct Assignment {
    label: &'static str,
    policy_name: String,
    role: (&'static str, &'static str),
    scope: String,
    /// The Terraform expression of the scope.
    scope_expr: Expression,
    /// The principal as a Terraform expression, and its name for people.
    principal: Expression,
    principal_name: String,
}

fn assignments(s: &Settings, src: Source, n: &Names) -> Vec<Assignment> {
    let app = || tf::traversal("azurerm_user_assigned_identity", &["app", "principal_id"]);
    let mut out = Vec::new();
    match src {
        Source::Secret { rotation } => {
            out.push(Assignment {
                label: "app_secrets_user",
                policy_name: format!("{}-secrets-user", n.stem),
                role: roles::KEY_VAULT_SECRETS_USER,
                scope: n.secret_scope.clone(),
                scope_expr: template("${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_secret.app.name}"),
                principal: app(),
                principal_name: n.identity.clone(),
            });
            // A reminder writes nothing, so its identity holds no role on the secret at all.
            if rotation.is_some() && !reminds(s) {
                out.push(Assignment {
                    label: "rotator_secrets_officer",
                    policy_name: format!("{}-rotator-secrets-officer", n.stem),
                    role: roles::KEY_VAULT_SECRETS_OFFICER,
                    scope: n.secret_scope.clone(),
                    scope_expr: template("${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_secret.app.name}"),
                    principal: tf::traversal("azurerm_user_assigned_identity", &["rotator", "principal_id"]),
                    principal_name: n.rotator_identity.clone(),
                });
            }
            if alternates(s, src) {
                // Only the rotation Function reads the admin credential; consumers never can.
                out.push(Assignment {
                    label: "rotator_admin_secrets_user",
                    policy_name: format!("{}-rotator-admin-secrets-user", n.stem),
                    role: roles::KEY_VAULT_SECRETS_USER,
                    scope: n.admin_scope.clone(),
                    scope_expr: template("${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_secret.db_admin.name}"),
                    principal: tf::traversal("azurerm_user_assigned_identity", &["rotator", "principal_id"]),
                    principal_name: n.rotator_identity.clone(),
                });
            }
        }
        Source::Certificate { .. } => {
            // The private key is only readable through the certificate's secret.
            out.push(Assignment {
                label: "app_secrets_user",
                policy_name: format!("{}-secrets-user", n.stem),
                role: roles::KEY_VAULT_SECRETS_USER,
                scope: n.secret_scope.clone(),
                scope_expr: template("${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_certificate.app.name}"),
                principal: app(),
                principal_name: n.identity.clone(),
            });
            out.push(Assignment {
                label: "app_certificate_user",
                policy_name: format!("{}-certificate-user", n.stem),
                role: roles::KEY_VAULT_CERTIFICATE_USER,
                scope: n.certificate_scope.clone(),
                scope_expr: template("${data.azurerm_key_vault.kv.id}/certificates/${azurerm_key_vault_certificate.app.name}"),
                principal: app(),
                principal_name: n.identity.clone(),
            });
        }
    }
    // Terraform itself creates the object, which does not exist yet to be scoped to: the vault.
    let (deployer_role, what) = match src {
        Source::Secret { .. } => (roles::KEY_VAULT_SECRETS_OFFICER, "secrets"),
        Source::Certificate { .. } => (roles::KEY_VAULT_CERTIFICATES_OFFICER, "certificates"),
    };
    out.push(Assignment {
        label: "deployer",
        policy_name: format!("{}-deployer-{what}-officer", n.role),
        role: deployer_role,
        scope: n.vault_id.clone(),
        scope_expr: vault("id"),
        principal: tf::traversal("data", &["azurerm_client_config", "current", "object_id"]),
        principal_name: "the principal that runs Terraform".into(),
    });
    out
}

/// The object ID the user gave for the principal of an assignment: the deployer's, or the
/// workload identity's. The rotator's identity is per secret, so it has no argument.
fn principal_id(s: &Settings, label: &str) -> Option<String> {
    match label {
        "deployer" => s.azure.deployer_principal_id.clone(),
        label if label.starts_with("app_") => s.azure.identity_principal_id.clone(),
        _ => None,
    }
}

fn policies(s: &Settings, list: &[Assignment]) -> Vec<AccessPolicy> {
    list.iter()
        .map(|a| AccessPolicy {
            policy_name: a.policy_name.clone(),
            policy_type: PolicyType::RbacAssignment,
            policy_document: render::json(&RoleAssignmentBody {
                properties: RoleAssignmentProperties {
                    role_definition_id: role_definition_id(s, a.role),
                    principal_id: principal_id(s, a.label).unwrap_or_else(|| PRINCIPAL_PLACEHOLDER.into()),
                    principal_type: (a.label != "deployer").then_some("ServicePrincipal"),
                    description: format!(
                        "{} for {} on {} only{}",
                        a.role.0,
                        a.principal_name,
                        a.scope,
                        if principal_id(s, a.label).is_some() {
                            ""
                        } else {
                            "; replace principalId with its object ID"
                        }
                    ),
                },
            }),
            scope: a.scope.clone(),
            // The deployer's Officer role is on the vault, the same for every secret.
            secret: if a.label == "deployer" { String::new() } else { s.secret_key() },
            attach_to: match a.label {
                "deployer" => AttachTo::Deployer,
                label if label.starts_with("rotator") => AttachTo::Rotator,
                _ => AttachTo::consumer(s.target),
            },
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The plan

pub fn plan(s: &Settings) -> Plan {
    let (src, fallback, fallback_decision) = source(s);
    let n = names(s);
    let mut decisions: Vec<String> = fallback_decision.into_iter().collect();
    let mut findings: Vec<Finding> = fallback.into_iter().collect();
    let list = assignments(s, src, &n);
    let access_policies = policies(s, &list);
    let mut manifests = Vec::new();

    decisions.extend(source_decisions(s, src, &n));
    if reminds(s) && matches!(src, Source::Secret { rotation: Some(_) }) {
        findings.push(findings::api_key_rotation_reminds(s.backend, s.target, s.rotation));
    }
    let ips = s.certificate.ip_addresses();
    if s.credential == CredentialType::Certificate && !ips.is_empty() {
        findings.push(findings::azure_certificate_ip_sans(&ips));
    }
    let (refresh, refresh_finding) = window::refresh(s, resync(src));
    findings.extend(refresh_finding);
    let (config_format, config_file) = match s.target {
        Target::Kubernetes => kubernetes_target(s, src, &n, &mut manifests, &mut decisions),
        Target::Application => application_target(s, &n, &mut decisions),
        Target::Cicd => cicd::cicd_target(s, src, &n, &mut manifests, &mut decisions),
    };
    let function = match src {
        Source::Secret { rotation: Some(_) } => Some(function_source(s)),
        _ => None,
    };
    if let Some(code) = &function {
        manifests.push(DeploymentManifest::new(
            ManifestType::Terraform,
            "function/function_app.py",
            code.clone(),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Terraform,
            "function/host.json",
            render::json(&host_json()),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Terraform,
            "function/requirements.txt",
            requirements_txt(s),
        ));
    }
    manifests.push(DeploymentManifest::new(
        ManifestType::Terraform,
        "terraform/azure.tf",
        render::hcl(&terraform(s, src, &n, &list)),
    ));
    decisions.push(format!(
        "The vault {vault} is a platform object: {PLATFORM_FILE} declares it once for every workload on it (with its audit setting, its Event Grid system topic {topic} and the deployer's roles), and terraform/azure.tf only looks it up (data \"azurerm_key_vault\"), so destroying one workload leaves the vault and every other workload's secrets in place; apply {PLATFORM_FILE} once, before the workloads.",
        vault = s.azure.vault_name,
        topic = system_topic_name(s),
    ));
    decisions.push(format!(
        "The vault {} uses Azure RBAC (rbac_authorization_enabled = true, no access policies), purge protection and 90-day soft delete; every role assignment names a built-in role by its ID and is scoped to the single {} it concerns, except that {PLATFORM_FILE} gives the principal that applies it {} and {} on the vault, because a workload's objects do not exist yet to be scoped to (apply the workloads as that principal, or grant yours the same).",
        s.azure.vault_name,
        if matches!(src, Source::Certificate { .. }) { "certificate" } else { "secret" },
        roles::KEY_VAULT_SECRETS_OFFICER.0,
        roles::KEY_VAULT_CERTIFICATES_OFFICER.0,
    ));
    decisions.push(format!(
        "The vault's AuditEvent log (every read and write of its secrets) goes to the Log Analytics workspace var.log_analytics_workspace_id through the diagnostic setting \"audit\" that {PLATFORM_FILE} declares."
    ));
    decisions.push(format!(
        "The vault's network rules ({PLATFORM_FILE}) deny by default (network_acls default_action = \"Deny\", bypass AzureServices): only var.key_vault_allowed_ip_ranges and the subnets in var.key_vault_allowed_subnet_ids reach its data plane, so put the egress of whoever runs terraform apply and of every consumer there{} (a GitHub-hosted runner has no fixed address: use a self-hosted runner in an allowed subnet). The public endpoint stays on for those rules to apply; a private endpoint needs a virtual network the plan does not own.",
        if matches!(src, Source::Secret { rotation: Some(_) }) {
            ", including this workload's var.rotation_function_subnet_id, the rotation Function's outbound subnet"
        } else {
            ""
        }
    ));
    decisions.push(format!(
        "terraform/azure.tf reads the existing resource group \"{}\" and creates everything else in its region; new role assignments can take a few minutes to apply, so a first run may need a second apply.",
        s.azure.resource_group
    ));

    let mut scripts = rotation_scripts(s, src, &n, function);
    // Alternating users keep the previous version's user working until the next rotation; one
    // user's password or an overwritten value stops working at once. Key Vault renews a
    // certificate a third of its lifetime before it expires.
    let replaced = match src {
        Source::Secret { rotation: Some(period) } if alternates(s, src) => Replaced::Overlapping { period, overlap: period },
        // A reminder replaces nothing: people rotate the third-party key.
        Source::Secret { rotation: Some(_) } if reminds(s) => Replaced::NotRotated,
        Source::Secret { rotation: Some(period) } => Replaced::AtOnce { period },
        Source::Certificate { months, auto_renew: true } => Replaced::Overlapping {
            period: Duration::from_secs((months * 30 - Source::renew_days(months)) * DAY),
            overlap: Duration::from_secs(Source::renew_days(months) * DAY),
        },
        _ => Replaced::NotRotated,
    };
    window::apply(s, replaced, refresh, &mut scripts, &mut decisions, &mut findings);

    Plan {
        // Set by planner::plan_unchecked, which knows the settings of every backend.
        workload: String::new(),
        secrets: Vec::new(),
        identity: Default::default(),
        labelled: false,
        secrets_config: SecretsConfig {
            backend_endpoint: s.backend_endpoint(),
            authentication_method: s.default_auth_method(),
            secret_path: s.logical_secret_path(),
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
        platform_files: [(PLATFORM_FILE.to_string(), render::hcl(&platform(s)))].into(),
    }
}

fn source_decisions(s: &Settings, src: Source, n: &Names) -> Vec<String> {
    let mut d = Vec::new();
    match src {
        Source::Secret { rotation } => {
            d.push(format!(
                "The {} is the Key Vault secret \"{}\" ({}, content type {}); Key Vault names allow only letters, digits and '-', so the path is flattened to {}.",
                s.credential,
                n.object,
                s.logical_secret_path(),
                content_type(s.credential),
                n.object
            ));
            d.push(match s.credential {
                CredentialType::Database => "The secret value is one JSON document with engine, host, port, dbname, username and password (and optionally sslmode, verify-full when absent), so a reader always gets a username and password that belong together.".to_string(),
                _ => "The secret holds the value itself; terraform/azure.tf writes the first version from the sensitive variable initial_value through the write-only value_wo, so it never enters the Terraform state or any artifact.".to_string(),
            });
            if s.credential == CredentialType::Database {
                d.push(format!(
                    "terraform/azure.tf writes the first version as that document from database.host, port and database_name, the variable db_username (default \"{}\") and the ephemeral variable db_password, through the write-only value_wo, so the password never enters the Terraform state or any artifact.",
                    n.role
                ));
            }
            match rotation {
                None => d.push(format!(
                    "Rotation is manual: write a new version with `az keyvault secret set --vault-name {} --name {} --file new-value.txt` as a principal holding {} on it; readers get the new version on their next read.",
                    s.azure.vault_name, n.object, roles::KEY_VAULT_SECRETS_OFFICER.0
                )),
                Some(period) => {
                    d.push(format!(
                        "Key Vault has no native secret rotation: {} expires {} after it is written (the rotation period {} plus the {}-day window in which Key Vault publishes {EVENT_NEAR_EXPIRY}), and an Event Grid subscription on the vault's system topic (declared by {PLATFORM_FILE}; the subscription is this workload's) sends that event for \"{}\" to the Python Function rotate_secret, which {}.",
                        if reminds(s) {
                            "the version terraform/azure.tf writes (and each key written later with the reminder's --expires)"
                        } else {
                            "every version"
                        },
                        Duration::from_secs(period.secs() + NEAR_EXPIRY_WINDOW).to_text(),
                        period.to_text(),
                        NEAR_EXPIRY_WINDOW / DAY,
                        n.object,
                        if reminds(s) {
                            "reminds people to rotate the key (below)"
                        } else {
                            "writes exactly one new version; the previous version stays readable in Key Vault (unexpired) for 30 more days"
                        }
                    ));
                    if !reminds(s) {
                        d.push("The Function ignores an event whose version is no longer the current one, so a redelivered event or a manual update in between never adds a second version.".into());
                    }
                    d.push(format!(
                        "The Function runs on Flex Consumption (Python {FUNCTION_PYTHON}) as the user-assigned identity {} ({}); publish the function/ folder with `func azure functionapp publish` after the first apply, then set rotation_function_published = true and apply again, because Event Grid refuses a subscription to a function that does not exist yet; its storage account {} must be globally unique (rename it if taken) and is reached with its access key, because azurerm 4.x still writes an empty AzureWebJobsStorage when a Flex Consumption app uses an identity for storage (hashicorp/terraform-provider-azurerm#29693); the account keeps deleted blobs and containers for 7 days and logs any SAS signed for longer than an hour. Its outbound traffic leaves through var.rotation_function_subnet_id (virtual network integration), a subnet the vault must allow: list it in key_vault_allowed_subnet_ids of {PLATFORM_FILE}.",
                        n.rotator_identity,
                        if reminds(s) {
                            "no role on the vault or on the secret, since the reminder reads and writes nothing".to_string()
                        } else {
                            format!("{} on the secret only", roles::KEY_VAULT_SECRETS_OFFICER.0)
                        },
                        storage_account_name(s)
                    ));
                    d.push(match s.credential {
                        // Only engines it alternates users on get a Function (db_rotation).
                        CredentialType::Database => format!(
                                "Database passwords rotate with alternating users: the Function reads the admin credential from the Key Vault secret \"{admin}\" (app setting ADMIN_SECRET_NAME; terraform/azure.tf writes it from the variables db_admin_username and the ephemeral db_admin_password, and only {rotator} may read it, as {user_role}), logs in as that admin to the same server over TLS (sslmode=verify-full unless the documents set sslmode), sets and commits a new password on whichever of the user db_username (default \"{role}\") and its clone \"<db_username>_clone\" the current version does not name ({create}) and only then writes a new version naming that user, so a reader of the new version logs in at once and the user of the previous version keeps working until the rotation after, one rotation period later; the admin must be allowed to create users and change their passwords{grant}, and the Function must reach the database (for a private one, give the Function App virtual_network_subnet_id).",
                                admin = n.admin_object,
                                role = n.role,
                                rotator = n.rotator_identity,
                                user_role = roles::KEY_VAULT_SECRETS_USER.0,
                                create = match s.database.engine {
                                    DbEngine::Mysql => "creating the clone on the first rotation with the same hosts as db_username and copying db_username's grants to it before each of its rotations; revoke a grant from both",
                                    DbEngine::Redshift => "creating the clone on the first rotation with CREATE USER and adding it to every group db_username belongs to (pg_group), because Redshift has no role inheritance: privileges granted to db_username directly rather than to a group do not carry over, so grant them to a group or to both users; each new password has 32 letters and digits with an upper, a lower and a digit, as Redshift requires",
                                    _ => "creating the clone on the first rotation as a member of db_username, so it holds the same privileges",
                                },
                                grant = match s.database.engine {
                                    DbEngine::Mysql => " (CREATE USER, SELECT on mysql.user) and to grant what db_username holds (WITH GRANT OPTION)",
                                    DbEngine::Redshift => " (a superuser: CREATE USER, ALTER GROUP ... ADD USER)",
                                    _ => " (CREATEROLE)",
                                },
                            ),
                        CredentialType::ApiKey if reminds(s) => format!(
                            "rotation_policy \"{}\" fell back to a reminder for the third-party API key: the Function holds no Key Vault client and never writes the secret (a random value would be a key the issuer does not know); on {EVENT_NEAR_EXPIRY} for \"{}\" it logs one error with the az keyvault secret set command (with --expires) that writes the new key, for an Azure Monitor alert to send to people. Rotate the key at its issuer, or set api_key.issuer = \"self\" if the plan may make it up.",
                            s.rotation, n.object
                        ),
                        CredentialType::ApiKey if hook(s).is_some() => format!(
                            "The third-party API key is minted by the issuer hook {hook}: on {EVENT_NEAR_EXPIRY} for the current version the Function POSTs {{\"secret_id\", \"idempotency_key\"}} to it (the secret's Key Vault URL, and the Event Grid event ID, also sent as the Idempotency-Key header, the same on every redelivery of the event) with an Entra ID access token of {rotator} for the audience in the Terraform variable issuer_hook_audience (the hook's application ID URI; the hook must validate it), over https only and following no redirect; it writes exactly the api_key of the JSON answer as the new version with the same expiry as any other rotation, and refuses (writes nothing, fails so Event Grid retries) an empty or missing api_key or one equal to the current version. It holds no random source.",
                            hook = hook(s).unwrap_or_default(),
                            rotator = n.rotator_identity,
                        ),
                        CredentialType::ApiKey => "The Function writes a new random API key (32 random bytes, URL-safe): the key is self-issued (api_key.issuer = \"self\"), so the service that checks it must read this secret.".to_string(),
                        _ => "The Function writes a new random value (32 random bytes, URL-safe).".to_string(),
                    });
                }
            }
        }
        Source::Certificate { months, auto_renew } => {
            d.push(format!(
                "The certificate \"{}\" is created by Key Vault itself (issuer Self, EC P-256, exportable, new key on every renewal) for {}, valid {months} month{}; its PEM bundle with the private key is readable as the secret of the same name.",
                n.object,
                s.certificate.dns_names().join(", "),
                if months == 1 { "" } else { "s" }
            ));
            d.push(format!(
                "Issuer Self makes a self-signed certificate; for a publicly trusted one, register an integrated CA (DigiCert or GlobalSign) issuer in the vault and put its name in issuer_parameters, which keeps {}.",
                if auto_renew { "auto-renewal" } else { "the same lifetime action" }
            ));
            if auto_renew {
                d.push(format!(
                    "A lifetime action AutoRenew renews the certificate {} days before it expires (a third of its lifetime); readers pick the new version up on their next read.",
                    Source::renew_days(months)
                ));
            } else {
                d.push(format!(
                    "Rotation is manual: a lifetime action EmailContacts mails the vault's certificate contacts {} days before expiry (set them with azurerm_key_vault_certificate_contacts); renew with `az keyvault certificate create` using the same policy.",
                    Source::renew_days(months)
                ));
            }
        }
    }
    d
}

fn rotation_scripts(s: &Settings, src: Source, n: &Names, function: Option<String>) -> RotationScripts {
    match (src, function) {
        (Source::Secret { rotation: Some(period) }, Some(code)) => RotationScripts {
            overlap: String::new(),
            max_staleness: String::new(),
            rotation_type: RotationType::EventGridFunction,
            schedule: format!(
                "every {} ({EVENT_NEAR_EXPIRY} with expiration_date = written + {})",
                period.to_text(),
                Duration::from_secs(period.secs() + NEAR_EXPIRY_WINDOW).to_text()
            ),
            rotation_logic: code,
            notification: format!(
                "Key Vault publishes {EVENT_NEAR_EXPIRY} for {} on the vault's Event Grid system topic; Event Grid retries delivery for 24h, and every new version also raises Microsoft.KeyVault.SecretNewVersionCreated for other subscribers.",
                n.object
            ),
        },
        (Source::Certificate { months, auto_renew }, _) => RotationScripts {
            overlap: String::new(),
            max_staleness: String::new(),
            rotation_type: if auto_renew { RotationType::Managed } else { RotationType::None },
            schedule: format!(
                "validity {months} month{}, {} {} days before expiry",
                if months == 1 { "" } else { "s" },
                if auto_renew { "AutoRenew" } else { "EmailContacts" },
                Source::renew_days(months)
            ),
            rotation_logic: render::json(&certificate_policy_json(s, months, auto_renew)),
            notification: format!(
                "Key Vault publishes Microsoft.KeyVault.CertificateNearExpiry and CertificateNewVersionCreated for {} on the vault's Event Grid system topic.",
                n.object
            ),
        },
        _ => RotationScripts {
            overlap: String::new(),
            max_staleness: String::new(),
            rotation_type: RotationType::None,
            schedule: "manual".into(),
            rotation_logic: render::json(&serde_json::json!({
                "name": n.object,
                "contentType": content_type(s.credential),
                "expires": null,
                "rotation": "manual: az keyvault secret set writes a new version",
            })),
            notification: format!(
                "Every new version of {} raises Microsoft.KeyVault.SecretNewVersionCreated on the vault's Event Grid system topic; subscribe to it to be told.",
                n.object
            ),
        },
    }
}

/// The certificate policy as the Key Vault REST API takes it (`CertificatePolicy`).
fn certificate_policy_json(s: &Settings, months: u64, auto_renew: bool) -> serde_json::Value {
    serde_json::json!({
        "issuer": {"name": "Self"},
        "key_props": {"exportable": true, "kty": "EC", "crv": "P-256", "reuse_key": false},
        "secret_props": {"contentType": content_type(CredentialType::Certificate)},
        "x509_props": {
            "subject": format!("CN={}", s.certificate.common_name),
            "sans": {"dns_names": s.certificate.dns_names()},
            "ekus": ["1.3.6.1.5.5.7.3.1"],
            "key_usage": ["digitalSignature"],
            "validity_months": months,
        },
        "lifetime_actions": [{
            "trigger": {"days_before_expiry": Source::renew_days(months)},
            "action": {"action_type": if auto_renew { "AutoRenew" } else { "EmailContacts" }},
        }],
    })
}

/// The Function's code: only the rotation its credential needs (a database password change
/// carries the one driver its engine needs; a value rotation carries no database code at all).
fn function_source(s: &Settings) -> String {
    if reminds(s) {
        return REMIND_FUNCTION.to_string();
    }
    if hook(s).is_some() {
        static HOOK: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        return crate::planner::snippets::with_hook_call(&HOOK, HOOK_FUNCTION).to_string();
    }
    let (kind, engine, driver) = if s.credential == CredentialType::Database {
        ("database", s.database.engine.as_str(), driver(s))
    } else {
        ("value", "none", "none")
    };
    template::fill_in(
        &template::Conditional::new(FUNCTION_TEMPLATE).select(&[("kind", kind), ("driver", driver), ("engine", engine)]),
        Syntax::Python,
        &[
            ("DATABASE_ENGINE", Var::from(engine)),
            ("CONTENT_TYPE", Var::from(content_type(s.credential))),
        ],
    )
    .0
}

fn host_json() -> serde_json::Value {
    serde_json::json!({
        "version": "2.0",
        "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5.0.0)"},
    })
}

/// The Function's dependencies, pinned from the versions table.
fn requirements_txt(s: &Settings) -> String {
    use crate::planner::versions;
    let mut lines = vec![
        format!("azure-functions=={}", versions::AZURE_FUNCTIONS_PYTHON),
        format!("azure-identity=={}", versions::AZURE_IDENTITY_PYTHON),
        format!(
            "{}=={}",
            versions::sdk(Backend::AzureKeyVault, Language::Python).package,
            versions::sdk(Backend::AzureKeyVault, Language::Python).version
        ),
    ];
    if s.credential == CredentialType::Database {
        lines.push(match driver(s) {
            "pymysql" => format!("PyMySQL=={}", versions::AZURE_PYMYSQL_PYTHON),
            _ => format!("psycopg[binary]=={}", versions::PSYCOPG_PYTHON),
        });
    }
    lines.join("\n") + "\n"
}

// ---------------------------------------------------------------------------------------------
// Application target: a user-assigned managed identity

fn application_target(s: &Settings, n: &Names, decisions: &mut Vec<String>) -> (ConfigFormat, String) {
    let config = serde_json::json!({
        "AZURE_CLIENT_ID": identity_client_id(s),
        "AZURE_TENANT_ID": s.azure.tenant_id,
        "KEY_VAULT_URL": n.vault_url,
        "KEY_VAULT_OBJECT": n.object,
    });
    decisions.push(match &s.azure.identity_client_id {
        None => format!(
            "The application authenticates as the user-assigned managed identity {}: attach it to the VM, App Service, Container App or Function that runs the workload, and set AZURE_CLIENT_ID in config/backend.json to `terraform output -raw workload_client_id` (the file holds a placeholder) so ManagedIdentityCredential picks that identity.",
            n.identity
        ),
        Some(id) => format!(
            "The application authenticates as the user-assigned managed identity {} (client ID {id}, azure.identity_client_id): attach it to the VM, App Service, Container App or Function that runs the workload; AZURE_CLIENT_ID in config/backend.json makes ManagedIdentityCredential pick that identity.",
            n.identity
        ),
    });
    (ConfigFormat::Json, render::json(&config))
}

/// The errors [`plan`] raises, found without rendering anything (what `validate` checks).
pub fn errors(s: &Settings) -> Vec<Finding> {
    let (src, _, _) = source(s);
    let ips = s.certificate.ip_addresses();
    let ip_sans = (s.credential == CredentialType::Certificate && !ips.is_empty()).then(|| findings::azure_certificate_ip_sans(&ips));
    ip_sans.into_iter().chain(window::refresh(s, resync(src)).1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;
    use crate::planner::resolve::resolve;
    use crate::planner::FindingKind;

    fn settings(t: Target, r: Rotation, c: CredentialType) -> Settings {
        let mut req = Request::new(Backend::AzureKeyVault, t, r);
        req.credential = Some(c);
        resolve(&req).0
    }

    #[test]
    fn dynamic_always_falls_back() {
        for c in CredentialType::ALL {
            let s = settings(Target::Application, Rotation::Dynamic, *c);
            let (_, finding, decision) = source(&s);
            if *c == CredentialType::ApiKey {
                // A third-party key falls back to a reminder, which the plan reports instead.
                assert!(finding.is_none() && decision.is_none());
                assert!(plan(&s)
                    .findings
                    .iter()
                    .any(|f| f.summary == "API Key Rotation Falls Back To A Reminder"));
                continue;
            }
            assert_eq!(finding.map(|f| f.kind), Some(FindingKind::Fallback), "{c}");
            assert!(decision.is_some_and(|d| d.contains("fell back")), "{c}");
        }
    }

    #[test]
    fn storage_account_names_fit_azure_rules() {
        let mut req = Request::new(Backend::AzureKeyVault, Target::Application, Rotation::Automatic);
        req.name =
            Some(crate::planner::request::DnsLabel::parse("a-very-long-workload-name-for-testing", 40).unwrap_or_else(|e| panic!("{e}")));
        let name = storage_account_name(&resolve(&req).0);
        assert!((3..=24).contains(&name.len()), "{name}");
        assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{name}");
        // Differs only past the cut: still another account.
        req.name =
            Some(crate::planner::request::DnsLabel::parse("a-very-long-workload-name-for-testin", 40).unwrap_or_else(|e| panic!("{e}")));
        assert_ne!(storage_account_name(&resolve(&req).0), name);
    }

    #[test]
    fn every_reader_assignment_is_scoped_to_one_object() {
        for t in Target::ALL {
            for r in Rotation::ALL {
                for c in CredentialType::ALL {
                    let s = settings(*t, *r, *c);
                    for p in plan(&s).access_policies {
                        if p.policy_name.contains("deployer") {
                            assert!(p.scope.ends_with("/vaults/kv-example"), "{}", p.scope);
                        } else {
                            assert!(p.scope.contains("/secrets/") || p.scope.contains("/certificates/"), "{}", p.scope);
                        }
                    }
                }
            }
        }
    }
}
