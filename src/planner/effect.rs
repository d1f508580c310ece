//! Which optional arguments a combination uses. An argument set where nothing reads it is a
//! mistake the user should hear about (an `aws {}` block on a Vault plan, a `kubernetes {}` block
//! on a CI/CD plan): the provider warns, or refuses under `strict`.
//!
//! The table is checked against the planner itself: a test changes each argument in every
//! combination and requires the artifacts to change exactly where the table says it is used.

use super::choice::{Backend, CicdPlatform, CredentialType, Rotation, Target};

/// The choices that decide what a plan reads: the four of every plan, and the CI/CD platform
/// (`cicd.platform`, github-actions when unset), which matters for the cicd target only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Combo {
    pub backend: Backend,
    pub target: Target,
    pub rotation: Rotation,
    pub credential: CredentialType,
    pub platform: CicdPlatform,
}

/// One optional argument: its block (or `None` at the top level), its name, whether a
/// combination reads it, and in which combinations it is read, in words.
pub struct Use {
    pub block: Option<&'static str>,
    pub attr: &'static str,
    pub used: fn(Combo) -> bool,
    pub when: &'static str,
}

use Backend::*;
use CredentialType::{ApiKey, Certificate, Database, Generic};

fn vault(c: Combo) -> bool {
    c.backend == Vault
}
fn aws(c: Combo) -> bool {
    c.backend == AwsSecrets
}
fn azure(c: Combo) -> bool {
    c.backend == AzureKeyVault
}
fn gcp(c: Combo) -> bool {
    c.backend == GcpSecretManager
}
fn database(c: Combo) -> bool {
    c.credential == Database
}
fn certificate(c: Combo) -> bool {
    c.credential == Certificate
}
fn kubernetes(c: Combo) -> bool {
    c.target == Target::Kubernetes
}
fn cicd(c: Combo) -> bool {
    c.target == Target::Cicd
}

const VAULT: &str = "secrets_backend = \"vault\"";
const AWS: &str = "secrets_backend = \"aws-secrets\"";
const AZURE: &str = "secrets_backend = \"azure-keyvault\"";
const GCP: &str = "secrets_backend = \"gcp-secretmanager\"";
const DATABASE: &str = "credential_type = \"database\"";
const KUBERNETES: &str = "integration_target = \"kubernetes\"";
const CICD: &str = "integration_target = \"cicd\"";
const PINS_IDS: &str =
    "integration_target = \"cicd\" with cicd.platform = \"github-actions\" or \"gitlab-ci\" (the platforms whose tokens carry numeric IDs)";

/// GitHub and GitLab tokens carry the numeric IDs a trust can pin.
fn pins_ids(c: Combo) -> bool {
    cicd(c) && matches!(c.platform, CicdPlatform::GithubActions | CicdPlatform::GitlabCi)
}

const ENTRA_PRINCIPAL: &str = "integration_target = \"cicd\" with cicd.platform = \"azure-devops\" on vault or gcp-secretmanager (the service principal whose Entra access token they trust)";

/// Azure DevOps reaches Vault and Google with an Entra access token of a service connection.
fn entra_principal(c: Combo) -> bool {
    cicd(c) && c.platform == CicdPlatform::AzureDevops && matches!(c.backend, Vault | GcpSecretManager)
}

/// Every optional argument whose use depends on the combination. Arguments every combination
/// reads (`name`, `environment`, `languages`, `timestamp`, `credential_type`) are not listed.
pub const USES: &[Use] = &[
    Use {
        block: None,
        attr: "rotation_period",
        used: |c| c.rotation != Rotation::Manual,
        when: "rotation_policy = \"automatic\" or \"dynamic\"",
    },
    Use { block: Some("vault"), attr: "address", used: vault, when: VAULT },
    Use { block: Some("vault"), attr: "namespace", used: vault, when: VAULT },
    Use { block: Some("vault"), attr: "kv_mount", used: vault, when: VAULT },
    Use { block: Some("vault"), attr: "auth_mount", used: vault, when: VAULT },
    // Every Vault plan's platform_files mount both engines, whatever the workload's credential.
    Use { block: Some("vault"), attr: "database_mount", used: vault, when: VAULT },
    Use { block: Some("vault"), attr: "pki_mount", used: vault, when: VAULT },
    Use { block: Some("aws"), attr: "region", used: aws, when: AWS },
    Use { block: Some("aws"), attr: "account_id", used: aws, when: AWS },
    Use { block: Some("aws"), attr: "kms_key_id", used: aws, when: AWS },
    Use { block: Some("azure"), attr: "vault_name", used: azure, when: AZURE },
    Use {
        block: Some("azure"),
        attr: "tenant_id",
        // Vault and GCP trust Azure DevOps through the Entra tenant's issuer.
        used: |c| azure(c) || entra_principal(c),
        when: "secrets_backend = \"azure-keyvault\", or vault or gcp-secretmanager with cicd.platform = \"azure-devops\" (the Entra tenant whose tokens Vault or Google trusts)",
    },
    Use { block: Some("azure"), attr: "subscription_id", used: azure, when: AZURE },
    Use { block: Some("azure"), attr: "resource_group", used: azure, when: AZURE },
    Use {
        block: Some("azure"),
        attr: "identity_client_id",
        // A pipeline is told the client ID as a variable; a pod and an application carry it.
        used: |c| azure(c) && matches!(c.target, Target::Kubernetes | Target::Application),
        when: "secrets_backend = \"azure-keyvault\" with integration_target = \"kubernetes\" (the service account's annotation) or \"application\" (AZURE_CLIENT_ID)",
    },
    Use { block: Some("azure"), attr: "identity_principal_id", used: azure, when: AZURE },
    Use { block: Some("azure"), attr: "deployer_principal_id", used: azure, when: AZURE },
    Use { block: Some("gcp"), attr: "project_id", used: gcp, when: GCP },
    Use { block: Some("gcp"), attr: "project_number", used: gcp, when: GCP },
    Use { block: Some("gcp"), attr: "location", used: gcp, when: GCP },
    Use {
        block: Some("gcp"),
        attr: "writers",
        used: |c| gcp(c) && c.rotation == Rotation::Manual,
        when: "secrets_backend = \"gcp-secretmanager\" with rotation_policy = \"manual\" (people add versions by hand)",
    },
    Use { block: Some("database"), attr: "engine", used: database, when: DATABASE },
    Use { block: Some("database"), attr: "host", used: database, when: DATABASE },
    Use { block: Some("database"), attr: "port", used: database, when: DATABASE },
    Use { block: Some("database"), attr: "database_name", used: database, when: DATABASE },
    Use {
        block: Some("kubernetes"),
        attr: "namespace",
        // Vault application plans that rotate a KV secret run the rotation job in the cluster.
        used: |c| {
            kubernetes(c)
                || (vault(c)
                    && c.target == Target::Application
                    && c.rotation != Rotation::Manual
                    && matches!(c.credential, ApiKey | Generic))
        },
        when: "integration_target = \"kubernetes\", or a Vault application plan that rotates an api-key or generic secret (its rotation job runs in the cluster)",
    },
    Use { block: Some("kubernetes"), attr: "service_account", used: kubernetes, when: KUBERNETES },
    Use { block: Some("kubernetes"), attr: "store_kind", used: kubernetes, when: KUBERNETES },
    Use {
        block: Some("kubernetes"),
        attr: "refresh_interval",
        // Vault certificates reach the cluster through cert-manager, which has no refresh interval.
        used: |c| kubernetes(c) && !(vault(c) && certificate(c) && c.rotation != Rotation::Manual),
        when: "integration_target = \"kubernetes\" and an External Secrets Operator store syncs the secret (not for Vault PKI certificates, which cert-manager issues)",
    },
    Use {
        block: Some("kubernetes"),
        attr: "cluster_name",
        used: |c| kubernetes(c) && (aws(c) || azure(c)),
        when: "integration_target = \"kubernetes\" on aws-secrets (the EKS cluster) or azure-keyvault (the AKS cluster)",
    },
    Use {
        block: Some("kubernetes"),
        attr: "oidc_issuer",
        used: |c| kubernetes(c) && aws(c),
        when: "integration_target = \"kubernetes\" on aws-secrets (the EKS cluster's issuer, for IRSA)",
    },
    Use { block: Some("cicd"), attr: "platform", used: cicd, when: CICD },
    Use { block: Some("cicd"), attr: "repository", used: cicd, when: CICD },
    Use { block: Some("cicd"), attr: "branch", used: cicd, when: CICD },
    Use {
        block: Some("cicd"),
        attr: "oidc_issuer",
        used: |c| {
            cicd(c)
                && match c.platform {
                    CicdPlatform::AzureDevops => c.backend == AwsSecrets,
                    // The issuer of any platform without a fixed one (Jenkins): on every backend.
                    CicdPlatform::GithubActions | CicdPlatform::GitlabCi => false,
                    _ => true,
                }
        },
        when: "integration_target = \"cicd\" with cicd.platform = \"azure-devops\" on aws-secrets or \"jenkins\" on any backend (the issuers that are yours)",
    },
    Use {
        block: Some("cicd"),
        attr: "owner_id",
        used: pins_ids,
        when: PINS_IDS,
    },
    Use {
        block: Some("cicd"),
        attr: "repository_id",
        used: pins_ids,
        when: PINS_IDS,
    },
    Use {
        block: Some("cicd"),
        attr: "principal_id",
        used: entra_principal,
        when: ENTRA_PRINCIPAL,
    },
    Use {
        block: Some("cicd"),
        attr: "rotator_principal_id",
        used: |c| entra_principal(c) && vault(c) && c.rotation != Rotation::Manual && matches!(c.credential, CredentialType::ApiKey | CredentialType::Generic),
        when: "secrets_backend = \"vault\" with cicd.platform = \"azure-devops\", rotation_policy \"automatic\" or \"dynamic\" and credential_type \"api-key\" or \"generic\" (a pipeline job rotates the KV secret)",
    },
    Use {
        block: Some("cicd"),
        attr: "classic_subject",
        used: |c| cicd(c) && c.platform == CicdPlatform::GithubActions,
        when: "integration_target = \"cicd\" with cicd.platform = \"github-actions\"",
    },
    Use { block: Some("certificate"), attr: "common_name", used: certificate, when: "credential_type = \"certificate\"" },
    Use {
        block: Some("certificate"),
        attr: "alt_names",
        // The certificate is issued by something that takes names: Vault PKI, Key Vault, CAS.
        used: |c| {
            certificate(c)
                && match c.backend {
                    Vault | GcpSecretManager => c.rotation != Rotation::Manual,
                    AzureKeyVault => true,
                    AwsSecrets => false,
                }
        },
        when: "credential_type = \"certificate\" where the plan issues the certificate: Vault PKI or GCP CA Service (automatic or dynamic) and Azure Key Vault (any rotation); AWS and manual certificates are written by you",
    },
    Use { block: Some("certificate"), attr: "ttl", used: certificate, when: "credential_type = \"certificate\"" },
    Use { block: Some("api_key"), attr: "issuer", used: rotates_api_key, when: ROTATES_API_KEY },
    Use {
        block: Some("api_key"),
        attr: "issuer_hook",
        // The AWS, Azure and GCP rotation functions and Vault's CronJob call a hook; Vault's
        // scheduled CI pipeline does not.
        used: |c| rotates_api_key(c) && calls_hook(c.backend, c.target),
        when: "credential_type = \"api-key\" with rotation_policy \"automatic\" or \"dynamic\" on secrets_backend \"aws-secrets\", \"azure-keyvault\" or \"gcp-secretmanager\", or on \"vault\" with target \"kubernetes\" or \"application\" (the rotation CronJob calls it; Vault's scheduled CI pipeline for target \"cicd\" calls no hook)",
    },
];

const ROTATES_API_KEY: &str = "credential_type = \"api-key\" with rotation_policy \"automatic\" or \"dynamic\"";

/// Only a rotation needs to know who issues the key and how to mint one.
fn rotates_api_key(c: Combo) -> bool {
    c.credential == ApiKey && c.rotation != Rotation::Manual
}

/// The nested blocks `USES` names, in schema order, each with the combinations that read any of
/// its arguments, in words.
pub const BLOCKS: &[(&str, &str)] = &[
    ("vault", VAULT),
    ("aws", AWS),
    (
        "azure",
        "secrets_backend = \"azure-keyvault\" (tenant_id also for gcp-secretmanager with cicd.platform = \"azure-devops\")",
    ),
    ("gcp", GCP),
    ("database", DATABASE),
    (
        "kubernetes",
        "integration_target = \"kubernetes\", or a Vault application plan that rotates an api-key or generic secret",
    ),
    ("cicd", CICD),
    ("certificate", "credential_type = \"certificate\""),
    ("api_key", ROTATES_API_KEY),
];

/// Whether `combo` reads the argument `attr` of `block` (false for an argument not in the table).
pub fn argument_used(block: &str, attr: &str, combo: Combo) -> bool {
    USES.iter()
        .find(|u| u.block == Some(block) && u.attr == attr)
        .is_some_and(|u| (u.used)(combo))
}

/// Whether a block has any argument `combo` reads.
pub fn block_used(block: &str, combo: Combo) -> bool {
    USES.iter().filter(|u| u.block == Some(block)).any(|u| (u.used)(combo))
}

/// Whether the rotation of backend `b` for target `t` can call an issuer hook: every backend's
/// function or job does, except Vault's scheduled CI pipeline. The one rule the resolver, the
/// effect table and the reminder finding all read.
pub(crate) fn calls_hook(b: Backend, t: Target) -> bool {
    !(b == Vault && t == Target::Cicd)
}
