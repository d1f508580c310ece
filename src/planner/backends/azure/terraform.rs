//! The Terraform of Azure plans (azurerm 4.x).

use super::*;
use crate::planner::shape::bounded_name;

// ---------------------------------------------------------------------------------------------
// Terraform (azurerm 4.x)

/// hcl-rs writes an empty nested block as `{  }`; `terraform fmt` writes `{}`.
pub(crate) fn template(text: &str) -> Expression {
    Expression::from(TemplateExpr::QuotedString(text.to_string()))
}

pub(super) fn rg(attr: &str) -> Expression {
    tf::traversal("data", &["azurerm_resource_group", "rg", attr])
}

pub(super) fn variable(name: &str, description: &str, sensitive: bool, default: Option<Expression>) -> Block {
    let mut b = Block::builder(tf::key("variable"))
        .add_label(name)
        .add_attribute((
            "type",
            Expression::Variable(hcl::expr::Variable::unchecked(
                if default.as_ref().is_some_and(|d| matches!(d, Expression::Bool(_))) {
                    "bool"
                } else {
                    "string"
                },
            )),
        ))
        .add_attribute((tf::key("description"), description));
    if let Some(d) = default {
        b = b.add_attribute((tf::key("default"), d));
    }
    if sensitive {
        b = b.add_attribute((tf::key("sensitive"), true));
        b = b.add_attribute((tf::key("ephemeral"), true));
    }
    b.build()
}

/// A `list(string)` variable; without a default Terraform asks for it, so nobody gets an empty
/// allow-list by accident.
pub(super) fn list_variable(name: &str, description: &str, default_empty: bool) -> Block {
    let mut b = Block::builder(tf::key("variable"))
        .add_label(name)
        .add_attribute((
            "type",
            Expression::from(
                hcl::expr::FuncCall::builder("list")
                    .arg(Expression::Variable(hcl::expr::Variable::unchecked("string")))
                    .build(),
            ),
        ))
        .add_attribute((tf::key("description"), description));
    if default_empty {
        b = b.add_attribute((tf::key("default"), Expression::Array(vec![])));
    }
    b.build()
}

/// The vault's network rules: deny by default, Azure's trusted services bypass, and the
/// allow-lists from variables (every workload's rotation Function subnet goes into the subnets).
fn network_acls() -> Block {
    Block::builder(tf::key("network_acls"))
        .add_attribute((tf::key("default_action"), "Deny"))
        .add_attribute((tf::key("bypass"), "AzureServices"))
        .add_attribute((tf::key("ip_rules"), tf::traversal("var", &["key_vault_allowed_ip_ranges"])))
        .add_attribute((
            tf::key("virtual_network_subnet_ids"),
            tf::traversal("var", &["key_vault_allowed_subnet_ids"]),
        ))
        .build()
}

/// The platform's Key Vault, looked up by name (platform/azure.tf declares it).
pub(super) fn vault(attr: &str) -> Expression {
    tf::traversal("data", &["azurerm_key_vault", "kv", attr])
}

/// The vault's Event Grid system topic: Azure allows one per source resource, so every workload's
/// subscription attaches to this one, which platform/azure.tf declares.
pub(crate) fn system_topic_name(s: &Settings) -> String {
    format!("evgt-{}", s.azure.vault_name)
}

/// The `terraform`, `provider` and resource group blocks both files start with.
fn preamble(s: &Settings, time: bool) -> Body {
    let mut providers = vec![(
        "azurerm",
        tf::obj(&[("source", "hashicorp/azurerm".into()), ("version", ">= 4.65, < 5.0".into())]),
    )];
    if time {
        providers.push((
            "time",
            tf::obj(&[("source", "hashicorp/time".into()), ("version", ">= 0.12".into())]),
        ));
    }
    let mut required = Block::builder(tf::key("required_providers"));
    for (k, v) in providers {
        required = required.add_attribute((k, v));
    }
    Body::builder()
        .add_block(
            Block::builder(tf::key("terraform"))
                // value_wo (write-only attributes) and ephemeral variables need Terraform 1.11.
                .add_attribute((tf::key("required_version"), ">= 1.11"))
                .add_block(required.build())
                .build(),
        )
        .add_block(
            Block::builder(tf::key("provider"))
                .add_label("azurerm")
                .add_attribute((tf::key("subscription_id"), s.azure.subscription_id.as_str()))
                .add_block(Block::builder(tf::key("features")).build())
                .build(),
        )
        .add_block(
            Block::builder(tf::key("data"))
                .add_label("azurerm_resource_group")
                .add_label("rg")
                .add_attribute((tf::key("name"), s.azure.resource_group.as_str()))
                .build(),
        )
        .build()
}

/// What every workload on the vault shares (platform/azure.tf): the vault itself, its audit
/// diagnostic setting, its one Event Grid system topic and the deployer's officer roles on it.
/// Reads only the `azure {}` block, so every plan on one vault renders the same bytes.
pub(super) fn platform(s: &Settings) -> Body {
    let kv = |attr: &str| tf::traversal("azurerm_key_vault", &["kv", attr]);
    let deployer = |label: &str, role: (&str, &str), what: &str| {
        tf::resource("azurerm_role_assignment", label)
            .add_attribute((tf::key("scope"), kv("id")))
            .add_attribute((tf::key("role_definition_id"), role_definition_id(s, role)))
            .add_attribute((
                tf::key("principal_id"),
                tf::traversal("data", &["azurerm_client_config", "current", "object_id"]),
            ))
            .add_attribute((
                tf::key("description"),
                format!(
                    "{} on {} for the principal that applies Terraform: workloads create {what} that do not exist yet to be scoped to",
                    role.0, s.azure.vault_name
                ),
            ))
            .build()
    };
    let mut b = Body::builder();
    for block in preamble(s, false).into_blocks() {
        b = b.add_block(block);
    }
    // Who applies the platform: the deployer the officer roles go to.
    b.add_block(
        Block::builder(tf::key("data"))
            .add_label("azurerm_client_config")
            .add_label("current")
            .build(),
    )
    .add_block(
        tf::resource("azurerm_key_vault", "kv")
            .add_attribute((tf::key("name"), s.azure.vault_name.as_str()))
            .add_attribute((tf::key("location"), rg("location")))
            .add_attribute((tf::key("resource_group_name"), rg("name")))
            .add_attribute((tf::key("tenant_id"), s.azure.tenant_id.as_str()))
            .add_attribute((tf::key("sku_name"), "standard"))
            .add_attribute((tf::key("rbac_authorization_enabled"), true))
            .add_attribute((tf::key("purge_protection_enabled"), true))
            .add_attribute((tf::key("soft_delete_retention_days"), 90))
            .add_block(network_acls())
            .build(),
    )
    .add_block(list_variable(
        "key_vault_allowed_ip_ranges",
        "Public IPv4 addresses or CIDR ranges allowed to reach the Key Vault's data plane (it denies every other network): the egress of whoever runs terraform apply and of every consumer outside the allowed subnets. [] allows none.",
        false,
    ))
    .add_block(list_variable(
        "key_vault_allowed_subnet_ids",
        "Subnet IDs allowed to reach the Key Vault (each needs the Microsoft.KeyVault service endpoint): the AKS node subnet, self-hosted runner subnets and every workload's rotation_function_subnet_id.",
        true,
    ))
    .add_block(variable(
        "log_analytics_workspace_id",
        "Resource ID of the Log Analytics workspace that receives the vault's AuditEvent log (every read and write of a secret).",
        false,
        None,
    ))
    .add_block(
        tf::resource("azurerm_monitor_diagnostic_setting", "kv_audit")
            .add_attribute((tf::key("name"), "audit"))
            .add_attribute((tf::key("target_resource_id"), kv("id")))
            .add_attribute((
                tf::key("log_analytics_workspace_id"),
                tf::traversal("var", &["log_analytics_workspace_id"]),
            ))
            .add_block(
                Block::builder(tf::key("enabled_log"))
                    .add_attribute((tf::key("category"), "AuditEvent"))
                    .build(),
            )
            .build(),
    )
    .add_block(
        // Azure allows one system topic per source resource: every workload subscribes to this one.
        tf::resource("azurerm_eventgrid_system_topic", "kv")
            .add_attribute((tf::key("name"), system_topic_name(s)))
            .add_attribute((tf::key("resource_group_name"), rg("name")))
            .add_attribute((tf::key("location"), rg("location")))
            .add_attribute((tf::key("source_resource_id"), kv("id")))
            .add_attribute((tf::key("topic_type"), "Microsoft.KeyVault.vaults"))
            .build(),
    )
    .add_block(deployer(
        "deployer_secrets_officer",
        roles::KEY_VAULT_SECRETS_OFFICER,
        "secrets",
    ))
    .add_block(deployer(
        "deployer_certificates_officer",
        roles::KEY_VAULT_CERTIFICATES_OFFICER,
        "certificates",
    ))
    .add_block(
        Block::builder(tf::key("output"))
            .add_label("key_vault_uri")
            .add_attribute((tf::key("value"), kv("vault_uri")))
            .build(),
    )
    .build()
}

pub(super) fn identity_block(label: &str, name: &str) -> Block {
    tf::resource("azurerm_user_assigned_identity", label)
        .add_attribute((tf::key("name"), name))
        .add_attribute((tf::key("resource_group_name"), rg("name")))
        .add_attribute((tf::key("location"), rg("location")))
        .build()
}

pub(crate) fn federated_credential(label: &str, name: &str, issuer: Expression, subject: Expression, after: Option<Expression>) -> Block {
    let mut b = tf::resource("azurerm_federated_identity_credential", label)
        // Entra takes at most 120 characters.
        .add_attribute((tf::key("name"), bounded_name(name, 120)))
        .add_attribute((
            "user_assigned_identity_id",
            tf::traversal("azurerm_user_assigned_identity", &["app", "id"]),
        ))
        .add_attribute((tf::key("audience"), vec![TOKEN_EXCHANGE_AUDIENCE]))
        .add_attribute((tf::key("issuer"), issuer))
        .add_attribute((tf::key("subject"), subject));
    if let Some(previous) = after {
        b = b.add_attribute((tf::key("depends_on"), Expression::from(vec![previous])));
    }
    b.build()
}

pub(super) fn terraform(s: &Settings, src: Source, n: &Names, list: &[Assignment]) -> Body {
    let rotation = match src {
        Source::Secret { rotation } => rotation,
        Source::Certificate { .. } => None,
    };
    let mut b = Body::builder();
    for block in preamble(s, rotation.is_some()).into_blocks() {
        b = b.add_block(block);
    }
    let mut b = b.add_block(
        // The vault belongs to the platform (platform/azure.tf): the workload only looks it up.
        Block::builder(tf::key("data"))
            .add_label("azurerm_key_vault")
            .add_label("kv")
            .add_attribute((tf::key("name"), s.azure.vault_name.as_str()))
            .add_attribute((tf::key("resource_group_name"), rg("name")))
            .build(),
    );
    match src {
        Source::Secret { rotation } => {
            let value = if s.credential == CredentialType::Database {
                b = b
                    .add_block(variable(
                        "db_username",
                        match (rotation, alternates(s, src)) {
                            (None, _) => "Database user the application logs in as.",
                            (Some(_), true) => "Database user the application logs in as first; the rotation Function alternates it with <db_username>_clone, which it creates.",
                            (Some(_), false) => "Database user the application logs in as; the rotation Function changes this user's own password.",
                        },
                        false,
                        Some(Expression::from(n.role.clone())),
                    ))
                    .add_block(variable(
                        "db_password",
                        "Current password of db_username, written once into the first version. Ephemeral: never stored in state.",
                        true,
                        None,
                    ));
                // The JSON document every reader and the rotation Function share.
                Expression::from(
                    hcl::expr::FuncCall::builder("jsonencode")
                        .arg(tf::obj(&[
                            ("dbname", Expression::from(s.database.database_name.clone())),
                            ("engine", Expression::from(s.database.engine.as_str())),
                            ("host", Expression::from(s.database.host.clone())),
                            ("password", tf::traversal("var", &["db_password"])),
                            ("port", Expression::from(u64::from(s.database.port))),
                            ("username", tf::traversal("var", &["db_username"])),
                        ]))
                        .build(),
                )
            } else {
                b = b.add_block(variable(
                    "initial_value",
                    "First version of the secret. Ephemeral: never stored in state.",
                    true,
                    None,
                ));
                tf::traversal("var", &["initial_value"])
            };
            let mut secret = tf::resource("azurerm_key_vault_secret", "app")
                .add_attribute((tf::key("name"), n.object.as_str()))
                .add_attribute((tf::key("key_vault_id"), vault("id")))
                .add_attribute((tf::key("value_wo"), value))
                .add_attribute((tf::key("value_wo_version"), 1))
                .add_attribute((tf::key("content_type"), content_type(s.credential)));
            if let Some(period) = rotation {
                b = b.add_block(tf::resource("time_static", "secret_created").build());
                secret = secret.add_attribute((
                    "expiration_date",
                    Expression::from(
                        hcl::expr::FuncCall::builder("timeadd")
                            .arg(tf::traversal("time_static", &["secret_created", "rfc3339"]))
                            .arg(format!("{}h", (period.secs() + NEAR_EXPIRY_WINDOW) / HOUR))
                            .build(),
                    ),
                ));
            }
            if rotation.is_some() {
                // Later versions belong to the rotation Function.
                secret = secret.add_block(
                    Block::builder(tf::key("lifecycle"))
                        .add_attribute((
                            "ignore_changes",
                            Expression::from(vec![
                                Expression::Variable(hcl::expr::Variable::unchecked("expiration_date")),
                                Expression::Variable(hcl::expr::Variable::unchecked("tags")),
                            ]),
                        ))
                        .build(),
                );
            }
            b = b.add_block(secret.build());
            if alternates(s, src) {
                b = b
                    .add_block(variable(
                        "db_admin_username",
                        "Database user the rotation Function logs in as to create db_username's clone and set passwords (PostgreSQL: CREATEROLE; MySQL: CREATE USER, SELECT on mysql.user and the grants db_username holds, WITH GRANT OPTION).",
                        false,
                        None,
                    ))
                    .add_block(variable(
                        "db_admin_password",
                        "Password of db_admin_username, written once into the admin secret. Ephemeral: never stored in state.",
                        true,
                        None,
                    ))
                    .add_block(
                        tf::resource("azurerm_key_vault_secret", "db_admin")
                            .add_attribute((tf::key("name"), n.admin_object.as_str()))
                            .add_attribute((tf::key("key_vault_id"), vault("id")))
                            .add_attribute((
                                "value_wo",
                                Expression::from(
                                    hcl::expr::FuncCall::builder("jsonencode")
                                        .arg(tf::obj(&[
                                            ("password", tf::traversal("var", &["db_admin_password"])),
                                            ("username", tf::traversal("var", &["db_admin_username"])),
                                        ]))
                                        .build(),
                                ),
                            ))
                            .add_attribute((tf::key("value_wo_version"), 1))
                            .add_attribute((tf::key("content_type"), content_type(CredentialType::Database)))
                            .build(),
                    );
            }
        }
        Source::Certificate { months, auto_renew } => {
            let action = if auto_renew { "AutoRenew" } else { "EmailContacts" };
            b = b.add_block(
                tf::resource("azurerm_key_vault_certificate", "app")
                    .add_attribute((tf::key("name"), n.object.as_str()))
                    .add_attribute((tf::key("key_vault_id"), vault("id")))
                    .add_block(
                        Block::builder(tf::key("certificate_policy"))
                            .add_block(
                                Block::builder(tf::key("issuer_parameters"))
                                    .add_attribute((tf::key("name"), "Self"))
                                    .build(),
                            )
                            .add_block(
                                Block::builder(tf::key("key_properties"))
                                    .add_attribute((tf::key("exportable"), true))
                                    .add_attribute((tf::key("key_type"), "EC"))
                                    .add_attribute((tf::key("curve"), "P-256"))
                                    .add_attribute((tf::key("reuse_key"), false))
                                    .build(),
                            )
                            .add_block(
                                Block::builder(tf::key("lifetime_action"))
                                    .add_block(
                                        Block::builder(tf::key("action"))
                                            .add_attribute((tf::key("action_type"), action))
                                            .build(),
                                    )
                                    .add_block(
                                        Block::builder(tf::key("trigger"))
                                            .add_attribute((tf::key("days_before_expiry"), Source::renew_days(months)))
                                            .build(),
                                    )
                                    .build(),
                            )
                            .add_block(
                                Block::builder(tf::key("secret_properties"))
                                    .add_attribute((tf::key("content_type"), content_type(CredentialType::Certificate)))
                                    .build(),
                            )
                            .add_block(
                                Block::builder(tf::key("x509_certificate_properties"))
                                    .add_attribute((tf::key("subject"), format!("CN={}", s.certificate.common_name)))
                                    .add_attribute((tf::key("validity_in_months"), months))
                                    .add_attribute((tf::key("key_usage"), vec!["digitalSignature"]))
                                    // Server Authentication.
                                    .add_attribute((tf::key("extended_key_usage"), vec!["1.3.6.1.5.5.7.3.1"]))
                                    .add_block(
                                        Block::builder(tf::key("subject_alternative_names"))
                                            .add_attribute((tf::key("dns_names"), s.certificate.dns_names()))
                                            .build(),
                                    )
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            );
        }
    }
    b = b.add_block(identity_block("app", &n.identity));
    for block in identity_federation(s, n) {
        b = b.add_block(block);
    }
    // The deployer's assignment on the whole vault is the platform's (platform/azure.tf).
    for a in list.iter().filter(|a| a.label != "deployer") {
        let mut block = tf::resource("azurerm_role_assignment", a.label)
            .add_attribute((tf::key("scope"), a.scope_expr.clone()))
            .add_attribute((tf::key("role_definition_id"), role_definition_id(s, a.role)))
            .add_attribute((tf::key("principal_id"), a.principal.clone()));
        block = block.add_attribute((tf::key("principal_type"), "ServicePrincipal"));
        block = block.add_attribute((tf::key("description"), format!("{} on {} only", a.role.0, a.scope)));
        b = b.add_block(block.build());
    }
    if let Some(period) = rotation {
        for block in rotation_blocks(s, src, n, period) {
            b = b.add_block(block);
        }
    }
    b.add_block(
        Block::builder(tf::key("output"))
            .add_label("workload_client_id")
            .add_attribute((
                "description",
                format!("Client ID of {}, for the SDKs, service account and pipelines", n.identity),
            ))
            .add_attribute((
                tf::key("value"),
                tf::traversal("azurerm_user_assigned_identity", &["app", "client_id"]),
            ))
            .build(),
    )
    .add_block(
        Block::builder(tf::key("output"))
            .add_label("key_vault_uri")
            .add_attribute((tf::key("value"), vault("vault_uri")))
            .build(),
    )
    .build()
}

/// The federated credentials (or none, for a managed identity) that let the consumer act as `app`.
pub(super) fn identity_federation(s: &Settings, n: &Names) -> Vec<Block> {
    match s.target {
        Target::Kubernetes => vec![
            Block::builder(tf::key("data"))
                .add_label("azurerm_kubernetes_cluster")
                .add_label("aks")
                .add_attribute((tf::key("name"), s.kubernetes.cluster_name.as_str()))
                .add_attribute((tf::key("resource_group_name"), rg("name")))
                .build(),
            federated_credential(
                "aks",
                &format!("aks-{}-{}", s.kubernetes.namespace, s.kubernetes.service_account),
                tf::traversal("data", &["azurerm_kubernetes_cluster", "aks", "oidc_issuer_url"]),
                Expression::from(format!(
                    "system:serviceaccount:{}:{}",
                    s.kubernetes.namespace, s.kubernetes.service_account
                )),
                None,
            ),
        ],
        Target::Cicd => cicd::federation(s, n),
        Target::Application => Vec::new(),
    }
}

pub(super) fn rotation_blocks(s: &Settings, src: Source, n: &Names, period: Duration) -> Vec<Block> {
    // Function app and plan names take at most 60 characters.
    let func_name = bounded_name(&format!("func-{}-rotate", n.stem), 60);
    let storage = storage_account_name(s);
    let mut settings = vec![
        ("KEY_VAULT_URL", Expression::from(n.vault_url.clone())),
        ("SECRET_NAME", tf::traversal("azurerm_key_vault_secret", &["app", "name"])),
        ("ROTATION_PERIOD_SECONDS", Expression::from(period.secs().to_string())),
        ("NEAR_EXPIRY_WINDOW_SECONDS", Expression::from(NEAR_EXPIRY_WINDOW.to_string())),
        (
            "AZURE_CLIENT_ID",
            tf::traversal("azurerm_user_assigned_identity", &["rotator", "client_id"]),
        ),
    ];
    if alternates(s, src) {
        settings.push((
            "ADMIN_SECRET_NAME",
            tf::traversal("azurerm_key_vault_secret", &["db_admin", "name"]),
        ));
    }
    let hook = super::hook(s);
    if let Some(url) = &hook {
        settings.push(("ISSUER_HOOK_URL", Expression::from(url.clone())));
        settings.push(("ISSUER_HOOK_AUDIENCE", tf::traversal("var", &["issuer_hook_audience"])));
    }
    settings.sort_by(|a, b| a.0.cmp(b.0));
    let hook_variable = hook.map(|_| {
        variable(
            "issuer_hook_audience",
            "Application ID URI (api://<client ID>) or client ID of the Entra app registration that protects the API key's issuer hook: the rotation Function calls the hook with an access token of its managed identity for this audience.",
            false,
            None,
        )
    });
    let mut blocks = vec![
        identity_block("rotator", &n.rotator_identity),
        tf::resource("azurerm_storage_account", "rotation")
            .add_attribute((tf::key("name"), storage.as_str()))
            .add_attribute((tf::key("resource_group_name"), rg("name")))
            .add_attribute((tf::key("location"), rg("location")))
            .add_attribute((tf::key("account_tier"), "Standard"))
            .add_attribute((tf::key("account_replication_type"), "LRS"))
            .add_attribute((tf::key("min_tls_version"), "TLS1_2"))
            .add_attribute((tf::key("allow_nested_items_to_be_public"), false))
            // The host reads the account with its key (below); nothing else needs a SAS, so any
            // SAS someone signs expires within the hour and is logged.
            .add_attribute((tf::key("shared_access_key_enabled"), true))
            .add_block(
                Block::builder(tf::key("sas_policy"))
                    .add_attribute((tf::key("expiration_period"), "0.01:00:00"))
                    .add_attribute((tf::key("expiration_action"), "Log"))
                    .build(),
            )
            .add_block(
                Block::builder(tf::key("blob_properties"))
                    .add_block(
                        Block::builder(tf::key("delete_retention_policy"))
                            .add_attribute((tf::key("days"), 7))
                            .build(),
                    )
                    .add_block(
                        Block::builder(tf::key("container_delete_retention_policy"))
                            .add_attribute((tf::key("days"), 7))
                            .build(),
                    )
                    .build(),
            )
            .build(),
        tf::resource("azurerm_storage_container", "rotation")
            .add_attribute((tf::key("name"), "function-deployments"))
            .add_attribute((tf::key("storage_account_id"), tf::traversal("azurerm_storage_account", &["rotation", "id"])))
            .add_attribute((tf::key("container_access_type"), "private"))
            .build(),
        tf::resource("azurerm_service_plan", "rotation")
            .add_attribute((tf::key("name"), bounded_name(&format!("asp-{}-rotate", n.stem), 60)))
            .add_attribute((tf::key("resource_group_name"), rg("name")))
            .add_attribute((tf::key("location"), rg("location")))
            .add_attribute((tf::key("os_type"), "Linux"))
            .add_attribute((tf::key("sku_name"), "FC1"))
            .build(),
        tf::resource("azurerm_function_app_flex_consumption", "rotation")
            .add_attribute((tf::key("name"), func_name.as_str()))
            .add_attribute((tf::key("resource_group_name"), rg("name")))
            .add_attribute((tf::key("location"), rg("location")))
            .add_attribute((tf::key("service_plan_id"), tf::traversal("azurerm_service_plan", &["rotation", "id"])))
            .add_attribute((tf::key("storage_container_type"), "blobContainer"))
            .add_attribute((
                "storage_container_endpoint",
                template("${azurerm_storage_account.rotation.primary_blob_endpoint}${azurerm_storage_container.rotation.name}"),
            ))
            // Identity-based host storage is broken in azurerm 4.x (it still injects an empty
            // AzureWebJobsStorage, hashicorp/terraform-provider-azurerm#29693): use the account key.
            .add_attribute((tf::key("storage_authentication_type"), "StorageAccountConnectionString"))
            .add_attribute((
                "storage_access_key",
                tf::traversal("azurerm_storage_account", &["rotation", "primary_access_key"]),
            ))
            .add_attribute((tf::key("runtime_name"), "python"))
            .add_attribute((tf::key("runtime_version"), FUNCTION_PYTHON))
            .add_attribute((tf::key("maximum_instance_count"), 40))
            .add_attribute((tf::key("instance_memory_in_mb"), 2048))
            .add_attribute((tf::key("https_only"), true))
            .add_attribute((tf::key("virtual_network_subnet_id"), tf::traversal("var", &["rotation_function_subnet_id"])))
            .add_attribute((tf::key("app_settings"), tf::obj(&settings)))
            .add_block(
                Block::builder(tf::key("identity"))
                    .add_attribute((tf::key("type"), "UserAssigned"))
                    .add_attribute((
                        "identity_ids",
                        Expression::from(vec![tf::traversal("azurerm_user_assigned_identity", &["rotator", "id"])]),
                    ))
                    .build(),
            )
            .add_block(Block::builder(tf::key("site_config")).build())
            .build(),
        variable(
            "rotation_function_subnet_id",
            "Subnet (delegated to Microsoft.App/environments, with the Microsoft.KeyVault service endpoint) the rotation Function's outbound traffic leaves through; the Key Vault allows it.",
            false,
            None,
        ),
        variable(
            "rotation_function_published",
            "Set to true once function/ is published to the Function App: Event Grid refuses a subscription to a function that does not exist yet.",
            false,
            Some(Expression::Bool(false)),
        ),
        tf::resource("azurerm_eventgrid_system_topic_event_subscription", "near_expiry")
            .add_attribute((
                "count",
                Expression::from(hcl::expr::Conditional::new(
                    tf::traversal("var", &["rotation_function_published"]),
                    1,
                    0,
                )),
            ))
            .add_attribute((tf::key("name"), bounded_name(&format!("{}-near-expiry", n.object), 64)))
            // The vault's one system topic is the platform's: attached to by name.
            .add_attribute((tf::key("system_topic"), system_topic_name(s)))
            .add_attribute((tf::key("resource_group_name"), rg("name")))
            .add_attribute((tf::key("included_event_types"), vec![EVENT_NEAR_EXPIRY]))
            .add_block(
                Block::builder(tf::key("subject_filter"))
                    .add_attribute((tf::key("subject_begins_with"), n.object.as_str()))
                    .add_attribute((tf::key("subject_ends_with"), n.object.as_str()))
                    .add_attribute((tf::key("case_sensitive"), true))
                    .build(),
            )
            .add_block(
                Block::builder(tf::key("azure_function_endpoint"))
                    .add_attribute((
                        "function_id",
                        template("${azurerm_function_app_flex_consumption.rotation.id}/functions/rotate_secret"),
                    ))
                    .add_attribute((tf::key("max_events_per_batch"), 1))
                    .build(),
            )
            .add_block(
                Block::builder(tf::key("retry_policy"))
                    .add_attribute((tf::key("max_delivery_attempts"), 30))
                    .add_attribute((tf::key("event_time_to_live"), 1440))
                    .build(),
            )
            .build(),
    ];
    blocks.extend(hook_variable);
    blocks
}
