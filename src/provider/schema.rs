//! The provider and data source schemas. Descriptions list allowed values from the same enums
//! that validate them, and `docs/` is generated from these schemas.

use std::sync::OnceLock;

use crate::planner::*;
use crate::tf::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::tf::Type;

fn one_of<C: Choice>() -> String {
    format!("One of {}.", C::allowed())
}

pub fn provider() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema {
        version: 0,
        block: Block {
            description: "Plans secrets-management integrations. Needs no credentials: it only computes.".into(),
            attributes: vec![
                Attribute::optional(
                    "default_languages",
                    Type::list(Type::String),
                    format!(
                        "Languages for integration code when a data source sets no `languages`. Each is {} Defaults to python, go and nodejs.",
                        one_of::<Language>().replacen("One of", "one of", 1)
                    ),
                ),
                Attribute::optional(
                    "strict",
                    Type::Bool,
                    "When true, every fallback the planner takes is an error instead of a warning. Defaults to false.",
                ),
            ],
            blocks: Vec::new(),
        },
    })
}

fn s(name: &str, description: impl Into<String>) -> Attribute {
    Attribute::optional(name, Type::String, description)
}

fn block(name: &str, description: &str, attributes: Vec<Attribute>) -> NestedBlock {
    NestedBlock {
        type_name: name.into(),
        nesting: Nesting::Single,
        block: Block {
            description: description.into(),
            attributes,
            blocks: Vec::new(),
        },
    }
}

pub fn secrets_config_type() -> Type {
    Type::object(
        [
            "backend_endpoint",
            "authentication_method",
            "secret_path",
            "config_format",
            "config_file",
        ]
        .map(|n| (n, Type::String)),
    )
}

pub fn access_policy_type() -> Type {
    Type::object(["policy_name", "policy_type", "policy_document", "scope", "secret", "attach_to"].map(|n| (n, Type::String)))
}

pub fn identity_type() -> Type {
    Type::object([("kind", Type::String), ("name", Type::String), ("fields", Type::map(Type::String))])
}

/// One entry of `secrets`.
pub fn secret_type() -> Type {
    Type::object([
        ("secret_path", Type::String),
        ("secrets_config", secrets_config_type()),
        ("rotation_scripts", rotation_scripts_type()),
    ])
}

pub fn integration_code_type() -> Type {
    Type::object(
        [
            "language",
            "sdk",
            "sdk_version",
            "authentication_snippet",
            "secret_retrieval_snippet",
            "error_handling",
        ]
        .map(|n| (n, Type::String)),
    )
}

pub fn rotation_scripts_type() -> Type {
    Type::object(
        [
            "rotation_type",
            "schedule",
            "rotation_logic",
            "notification",
            "overlap",
            "max_staleness",
        ]
        .map(|n| (n, Type::String)),
    )
}

pub fn placeholder_type() -> Type {
    Type::object(["argument", "value"].map(|n| (n, Type::String)))
}

pub fn deployment_manifest_type() -> Type {
    Type::object(["type", "filename", "content"].map(|n| (n, Type::String)))
}

pub fn plan() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(build_plan)
}

fn identity_attribute() -> Attribute {
    Attribute::computed(
        "identity",
        identity_type(),
        "The workload's one consumer identity, which holds the consumer policy of every secret: `kind` (e.g. `vault-kubernetes-role`, `iam-role`, `user-assigned-identity`, `service-account`), `name`, and `fields`, the backend's reference fields (mount, ARN, resource group, IAM member …) by name.",
    )
}

/// The arguments of `secretsint_plan` that move into each `secret "LABEL" {}` block of a workload.
pub const PER_SECRET: [&str; 5] = ["credential_type", "rotation_policy", "rotation_period", "database", "certificate"];

/// The most secrets a workload holds, and the longest label (that of `name`).
pub use crate::planner::workload::MAX_SECRETS;
pub const MAX_LABEL: usize = 40;

pub fn workload() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(build_workload)
}

/// `secretsint_plan`'s schema with the per-secret arguments moved into the `secret` block and
/// `secrets_config`/`rotation_scripts` replaced by `secrets`: one source for both descriptions.
fn build_workload() -> Schema {
    let plan = build_plan();
    let only_plan = ["secrets_config", "rotation_scripts"];
    let mut attributes: Vec<Attribute> = plan
        .block
        .attributes
        .iter()
        .filter(|a| !PER_SECRET.contains(&a.name.as_str()) && !only_plan.contains(&a.name.as_str()))
        .cloned()
        .collect();
    for a in &mut attributes {
        if a.name == "secrets" {
            a.description = "Every secret, by its label: `secret_path` (logical path, ARN or resource ID), `secrets_config` (`backend_endpoint`, `authentication_method`, `secret_path`, `config_format`, `config_file`) and `rotation_scripts` (`rotation_type`, `schedule`, `rotation_logic`, `notification`, `overlap`, `max_staleness`), as `secretsint_plan` has them for its one secret.".into();
        }
    }
    let per_secret = |name: &str| plan.block.attribute(name).cloned();
    let mut secret_attributes = vec![Attribute::required(
        "credential_type",
        Type::String,
        format!("What kind of secret this is. {}", one_of::<CredentialType>()),
    )];
    secret_attributes.extend(per_secret("rotation_policy").map(|mut a| {
        a.description = format!("How this secret changes over time. {}", one_of::<Rotation>());
        a
    }));
    secret_attributes.extend(per_secret("rotation_period"));
    let mut blocks: Vec<NestedBlock> = plan
        .block
        .blocks
        .iter()
        .filter(|b| !PER_SECRET.contains(&b.type_name.as_str()))
        .cloned()
        .collect();
    blocks.push(NestedBlock {
        type_name: "secret".into(),
        nesting: Nesting::Map,
        block: Block {
            description: format!(
                "One secret of the workload, labelled `secret \"LABEL\" {{ … }}`: 1 to {MAX_SECRETS} blocks. The label is a DNS label of at most {MAX_LABEL} characters without '--', unique in the workload: it keys the secret in `secrets`, names its objects (`<environment>--<name>--<label>`) and its files (`secrets/<label>/`)."
            ),
            attributes: secret_attributes,
            blocks: plan
                .block
                .blocks
                .iter()
                .filter(|b| PER_SECRET.contains(&b.type_name.as_str()))
                .cloned()
                .collect(),
        },
    });
    Schema {
        version: 0,
        block: Block {
            description: "Plans one workload (a service or pipeline in one environment) that needs one or more secrets: one consumer identity holding the policy of each secret, each secret's own configuration and rotation, and the manifests and integration code for all of them.".into(),
            attributes,
            blocks,
        },
    }
}

fn build_plan() -> Schema {
    let attributes = vec![
        Attribute::required("secrets_backend", Type::String, format!("Where the secrets live. {}", one_of::<Backend>())),
        Attribute::required("integration_target", Type::String, format!("Who consumes the secrets. {}", one_of::<Target>())),
        Attribute::required("rotation_policy", Type::String, format!("How credentials change over time. {}", one_of::<Rotation>())),
        s("credential_type", format!("What kind of secret is managed. {} Defaults to \"generic\".", one_of::<CredentialType>())),
        s("name", "Workload name used in every path and resource name: a DNS label of at most 40 characters without '--' (identifiers join environment and name as \"<environment>--<name>\", so distinct pairs never share one). Defaults to \"app\"."),
        s("environment", "Environment name used in paths and role names: a DNS label of at most 40 characters without '--' (identifiers join environment and name as \"<environment>--<name>\"). Defaults to \"prod\"."),
        Attribute::optional(
            "languages",
            Type::list(Type::String),
            format!(
                "Languages for integration code, each listed once (at most 4). Each is {} Defaults to the provider's `default_languages`, else python, go and nodejs.",
                one_of::<Language>().replacen("One of", "one of", 1)
            ),
        ),
        s(
            "rotation_period",
            "Rotation interval (automatic) or credential TTL (dynamic), written like \"90d\", \"2w\", \"12h\" or \"30m\" (units s, m, h, d, w). Defaults to 90d for automatic and 1h for dynamic. Limits: at most 999d; dynamic from 1m to 24h; AWS from 4h to 999d; GCP at least 1h.",
        ),
        s("timestamp", "RFC 3339 time echoed into `contract_json`, e.g. from `plantimestamp()`; every field must be in range. The plan itself never reads a clock."),
        Attribute::optional(
            "include",
            Type::list(Type::String),
            format!(
                "Copies to keep in state besides the lean default, each listed once: \"contract_json\" fills `contract_json`; \"files\" fills `files` with every artifact by path (copies of the manifests, policies, configuration, rotation logic and SDK sources the other attributes hold) and, in `secretsint_plan`, the copies in `secrets` of `config_file`, `rotation_logic` and `notification`. {} Unset, no attribute repeats another, which keeps a plan's state small; `provider::secretsint::file()` reads one artifact without state.",
                one_of::<Include>()
            ),
        ),
        Attribute::computed("id", Type::String, "Hex SHA-256 fingerprint of the normalized inputs."),
        identity_attribute(),
        Attribute::computed(
            "secrets",
            Type::map(secret_type()),
            "The plan's one secret, keyed by its credential type (e.g. `database`): `secret_path`, and `secrets_config` and `rotation_scripts` as the attributes of those names hold them, except that their free texts (`config_file`, `rotation_logic` and `notification`) are null here unless `include` lists \"files\": the top-level attributes hold them.",
        ),
        Attribute::computed(
            "secrets_config",
            secrets_config_type(),
            format!(
                "Backend configuration: `backend_endpoint`, `authentication_method` ({}), `secret_path`, `config_format` ({}) and `config_file`.",
                AuthMethod::allowed(),
                ConfigFormat::allowed()
            ),
        ),
        Attribute::computed(
            "access_policies",
            Type::list(access_policy_type()),
            format!(
                "Least-privilege policies: `policy_name`, `policy_type` ({}), `policy_document`, `scope`, `secret` (the key in `secrets` the policy concerns, \"\" when it is workload-wide) and `attach_to`, the principal it belongs to ({}), so HCL attaches it without parsing names.",
                PolicyType::allowed(),
                AttachTo::allowed()
            ),
        ),
        Attribute::computed(
            "integration_code",
            Type::list(integration_code_type()),
            "One entry per language: `language`, `sdk`, `sdk_version` (pinned), `authentication_snippet`, `secret_retrieval_snippet` and `error_handling`.",
        ),
        Attribute::computed(
            "rotation_scripts",
            rotation_scripts_type(),
            format!("Rotation workflow: `rotation_type` ({}), `schedule`, `rotation_logic`, `notification`, `overlap` (how long a replaced credential keeps working after the new one exists, e.g. `30d` or `0s`) and `max_staleness` (the longest a planned consumer keeps using a copy it read before: refresh interval plus sync delay, or cache TTL). A plan that rotates with `overlap` not above `max_staleness` carries a warning, an error under the provider's `strict = true`.", RotationType::allowed()),
        ),
        Attribute::computed(
            "deployment_manifests",
            Type::list(deployment_manifest_type()),
            format!("Manifests to deploy: `type` ({}), `filename` and `content`.", ManifestType::allowed()),
        ),
        Attribute::computed("decisions", Type::list(Type::String), "Every default and fallback the planner applied, one sentence each."),
        Attribute::computed(
            "placeholders",
            Type::list(placeholder_type()),
            "Every placeholder left in the artifacts (an example account ID, Vault address or issuer) with the `argument` that replaces it and the `value` standing in. Empty when every value is real; under the provider's `strict = true` a placeholder left is an error.",
        ),
        Attribute::computed("files", Type::map(Type::String), "Relative path to content for every artifact, ready for `for_each` into `local_file`, with `include = [\"files\"]`; otherwise only the files no other attribute holds (the SDK dependency files such as requirements.txt and go.mod). Every path sits under the workload's own directory `<environment>--<name>/` (e.g. `prod--orders/terraform/vault.tf`), so `merge()` over the plans of different workloads and environments loses nothing; `deployment_manifests[].filename` stays relative to it."),
        Attribute::computed("platform_files", Type::map(Type::String), "What every workload on the same platform shares, by relative path under `platform/`: secrets-engine mounts and their issuers, auth backends, audit devices, OIDC providers, workload-identity pools. It depends only on the platform inputs (`secrets_backend`, `integration_target`, the backend's block, `kubernetes.cluster_name` and `store_kind`, `cicd.platform` and `repository`), never on `name`, `environment` or the secret, so every plan on one platform holds the same bytes: apply it once, from one place, before the workloads, whose Terraform only references these objects."),
        Attribute::computed("contract_json", Type::String, "The whole result as one JSON document: the inputs echoed plus every computed artifact. Null unless `include` lists \"contract_json\"."),
    ];
    let blocks = vec![
        block(
            "vault",
            "HashiCorp Vault or OpenBao settings.",
            vec![
                s(
                    "address",
                    "Vault address, https://host[:port][/path]: the host a DNS name, an IPv4 address or a bracketed IPv6 address, the path only letters, digits, '-', '.', '_', '~' and '/'; no credentials, query or fragment; at most 2048 characters. http:// only for a loopback dev server (with a warning). Defaults to the placeholder https://vault.example.com:8200.",
                ),
                s("namespace", "Vault Enterprise or OpenBao namespace. Unset by default."),
                s("kv_mount", "KV version 2 mount. Defaults to \"secret\"."),
                s(
                    "auth_mount",
                    "Auth method mount. Defaults to \"kubernetes\", \"jwt\" or \"approle\" by integration target.",
                ),
                s("database_mount", "Database secrets engine mount. Defaults to \"database\"."),
                s("pki_mount", "PKI secrets engine mount. Defaults to \"pki\"."),
            ],
        ),
        block(
            "aws",
            "AWS Secrets Manager settings.",
            vec![
                s("region", "AWS region. Defaults to \"us-east-1\"."),
                s("account_id", "12-digit AWS account ID. Defaults to the placeholder 123456789012."),
                s("kms_key_id", "Customer-managed KMS key: a key ID, an alias (\"alias/...\") or the ARN of either. Unset means the AWS-managed key."),
            ],
        ),
        block(
            "azure",
            "Azure Key Vault settings.",
            vec![
                s(
                    "vault_name",
                    "Key Vault name: 3 to 24 letters, digits and hyphens. Defaults to the placeholder \"kv-example\".",
                ),
                s("tenant_id", "Entra tenant ID (GUID). Defaults to a zero GUID placeholder."),
                s("subscription_id", "Subscription ID (GUID). Defaults to a zero GUID placeholder."),
                s("resource_group", "Resource group name: 1 to 90 letters, digits, '-', '_', '.', '(' and ')', not ending with '.'. Holds the vault (a platform object) and every workload's identities. Defaults to \"rg-secrets\"."),
                s(
                    "identity_client_id",
                    "kubernetes and application targets: client ID (GUID) of the workload's user-assigned managed identity \"id-<environment>--<name>\", which the service account's azure.workload.identity/client-id annotation or the application's AZURE_CLIENT_ID carries: `terraform output -raw workload_client_id` after the first apply, or `az identity show -g <resource group> -n <identity> --query clientId -o tsv`. Defaults to a zero GUID placeholder.",
                ),
                s(
                    "identity_principal_id",
                    "Principal (object) ID (GUID) of the workload's user-assigned managed identity, the principalId of its role assignments in access_policies: `az identity show -g <resource group> -n <identity> --query principalId -o tsv`. Defaults to a zero GUID placeholder.",
                ),
                s(
                    "deployer_principal_id",
                    "Object ID (GUID) of the principal that runs Terraform, which gets the Key Vault Secrets or Certificates Officer role on the vault to create the secret: the same for every workload on the vault. For a service principal `az ad sp show --id <client ID> --query id -o tsv`, for a user `az ad signed-in-user show --query id -o tsv`. Defaults to a zero GUID placeholder.",
                ),
            ],
        ),
        block(
            "gcp",
            "GCP Secret Manager settings.",
            vec![
                s("project_id", "Project ID. Defaults to the placeholder \"example-project\"."),
                s("project_number", "Project number. Defaults to the placeholder 123456789012."),
                s("location", "Region for regional secrets: lowercase letters, digits and inner '-', starting with a letter. Unset means global secrets."),
                s(
                    "writers",
                    "rotation_policy = \"manual\": the IAM member granted roles/secretmanager.secretVersionAdder on the secret, who adds versions by hand: \"group:<email>\" (a Google group, as `gcloud identity groups describe <email>` shows it), \"user:<email>\" or \"serviceAccount:<email>\". Defaults to the placeholder group \"group:<environment>--<name>-secret-writers@example.com\".",
                ),
            ],
        ),
        block(
            "database",
            "The database whose credentials are managed (credential_type = \"database\").",
            vec![
                s(
                    "engine",
                    format!("Database engine. {} Defaults to \"postgresql\".", one_of::<DbEngine>()),
                ),
                s("host", "Database host: a host name or an IPv4 address. Defaults to the placeholder db.example.com."),
                Attribute::optional(
                    "port",
                    Type::Number,
                    "Database port, 1 to 65535. Defaults to the engine's standard port.",
                ),
                s("database_name", "Database name. Defaults to the workload name."),
            ],
        ),
        block(
            "kubernetes",
            "Kubernetes settings (integration_target = \"kubernetes\").",
            vec![
                s(
                    "namespace",
                    "Namespace of the workload: a DNS label. Defaults to the workload name.",
                ),
                s("service_account", "Service account of the workload. Defaults to the workload name."),
                s(
                    "store_kind",
                    format!(
                        "External Secrets Operator store kind. {} Defaults to \"SecretStore\".",
                        one_of::<StoreKind>()
                    ),
                ),
                s(
                    "refresh_interval",
                    "How often External Secrets Operator refreshes, like \"1h\"; at most 24h. Defaults from the rotation period.",
                ),
                s(
                    "cluster_name",
                    "Cluster name used in identity bindings. Defaults to the placeholder \"example-cluster\".",
                ),
                s(
                    "oidc_issuer",
                    "The cluster's OIDC issuer URL, for aws-secrets (IRSA): `aws_eks_cluster.<name>.identity[0].oidc[0].issuer`, like \"https://oidc.eks.us-east-1.amazonaws.com/id/<ID>\". Defaults to a placeholder in aws.region.",
                ),
            ],
        ),
        block(
            "cicd",
            "CI/CD settings (integration_target = \"cicd\").",
            vec![
                s(
                    "platform",
                    format!("CI/CD platform. {} Defaults to \"github-actions\".", one_of::<CicdPlatform>()),
                ),
                s(
                    "repository",
                    "Repository as \"owner/name\". Defaults to the placeholder \"example-org/example-repo\".",
                ),
                s("branch", "Branch allowed to read secrets. Defaults to \"main\"."),
                s(
                    "oidc_issuer",
                    "The CI platform's OIDC issuer URL where it is yours, not a fixed one: Jenkins (its root URL followed by \"oidc\", from the oidc-provider plugin) on every backend, and the Azure DevOps organization's issuer (\"https://vstoken.dev.azure.com/<organization ID>\") for aws-secrets. Defaults to a placeholder.",
                ),
                s(
                    "owner_id",
                    "Numeric ID of the repository's owner, which every trust pins so a recycled or transferred name gets nothing: github-actions `repository_owner_id` (`gh api users/<owner> --jq .id`), gitlab-ci `namespace_id` (the group's ID). Defaults to the placeholder \"123456\".",
                ),
                s(
                    "repository_id",
                    "Numeric ID of the repository, which every trust pins: github-actions `repository_id` (`gh api repos/<owner>/<name> --jq .id`), gitlab-ci `project_id` (the project's ID). Defaults to the placeholder \"456789\".",
                ),
                s(
                    "principal_id",
                    "azure-devops with vault or gcp-secretmanager: object ID of the Entra service principal behind the pipeline's workload identity service connection (`az ad sp show --id <client ID> --query id`). The pipeline asks Entra for an access token of that principal, and the Vault role or Google pool trusts that principal only. Defaults to a zero GUID placeholder.",
                ),
                s(
                    "rotator_principal_id",
                    "azure-devops with vault, when a pipeline job rotates a KV secret: object ID of the service principal behind the rotation job's own service connection, so the job that reads cannot write. Defaults to the placeholder GUID ending in 1.",
                ),
                Attribute::optional(
                    "classic_subject",
                    Type::Bool,
                    "github-actions only, a compatibility switch: also trust the classic name-based subject `repo:<owner>/<name>:ref:refs/heads/<branch>` beside the immutable `repo:<owner>@<owner_id>/<name>@<repository_id>:…` that repositories created or renamed after July 2026 get. Backends that can check the ID claims (Vault, GCP) still require both IDs; AWS and Azure match the subject alone, so there the classic form trusts the name. Defaults to false.",
                ),
            ],
        ),
        block(
            "certificate",
            "Certificate settings (credential_type = \"certificate\").",
            vec![
                s(
                    "common_name",
                    "Certificate common name: a lowercase DNS name (not an IP address), optionally behind one \"*.\" that covers at least two labels. Defaults to \"<name>.<environment>.example.com\".",
                ),
                Attribute::optional("alt_names", Type::list(Type::String), "Additional names: DNS names as common_name (a leading \"*.\" makes a wildcard) or IP addresses; at most 100. IP addresses become IP SANs (not on azure-keyvault, whose certificate policies have none)."),
                s("ttl", "Certificate lifetime, like \"90d\" or \"72h\"; at most 398d. Defaults to 90d."),
            ],
        ),
        block(
            "api_key",
            "Who issues the API key (credential_type = \"api-key\" with rotation_policy \"automatic\" or \"dynamic\"). The plan never replaces a key it did not issue with random data: without an issuer hook a third-party key is rotated by people, and the plan's schedule only reminds them.",
            vec![
                s(
                    "issuer",
                    format!(
                        "{} \"self\" when the key is a shared secret this plan may mint (the service that checks it reads the same secret): rotation writes 32 random characters. \"third-party\" when another system issues it (a SaaS API, a partner): rotation calls issuer_hook, or without one falls back to a reminder on the rotation schedule with a warning (an error under the provider's `strict = true`). Defaults to \"third-party\".",
                        one_of::<ApiKeyIssuer>()
                    ),
                ),
                s(
                    "issuer_hook",
                    "Third-party keys only: what mints a new key at its issuer, called once per rotation with an idempotency key for that rotation, and expected to answer {\"api_key\": \"<new key>\"}; the rotation stores that key only when it is non-empty and differs from the current one. aws-secrets: the ARN of a Lambda function (arn:aws:lambda:<region>:<account>:function:<name>), invoked by the rotation Lambda with {\"SecretId\", \"ClientRequestToken\"}. azure-keyvault: an https endpoint (https://host[:port][/path], no credentials, query or fragment; an Azure Function or any HTTPS service) that the rotation Function POSTs {\"secret_id\", \"idempotency_key\"} to (the Event Grid event ID, also in the Idempotency-Key header) with an Entra ID access token of its managed identity for the audience you set in the Terraform variable issuer_hook_audience (the hook's application ID URI, e.g. api://<client ID>); the new key is written with the same expiry as every other Azure rotation. gcp-secretmanager: an https endpoint (Cloud Run, Cloud Functions or any HTTPS service) that the rotation function POSTs the same body to (the Pub/Sub message ID as idempotency key) with a Google-signed ID token of its service account whose audience is this URL; granting that service account roles/run.invoker on the hook is yours. vault with target kubernetes or application: an https endpoint (same shape) that the rotation CronJob POSTs the same body to (the secret path and its current version as idempotency key) with a Kubernetes service account token of the job's own service account whose audience is this URL (the hook verifies it against the cluster's OIDC issuer or a TokenReview); vault with target cicd: no effect (the scheduled pipeline calls no hook, and a third-party key falls back to a reminder). Unset means no hook: a third-party key falls back to a reminder.",
                ),
            ],
        ),
    ];
    Schema {
        version: 0,
        block: Block {
            description: "Computes a complete secrets-management integration plan: backend configuration, least-privilege access policies, SDK integration code, rotation workflows and deployment manifests.".into(),
            attributes,
            blocks,
        },
    }
}
