//! The Terraform of the kubernetes / dynamic / database combination (terraform-provider-vault 5.x resource names).

use super::*;

// ---------------------------------------------------------------------------------------------
// Terraform (terraform-provider-vault 5.x resource names)

pub(crate) fn with_namespace(b: hcl::structure::BlockBuilder, s: &Settings) -> hcl::structure::BlockBuilder {
    match &s.vault.namespace {
        Some(ns) => b.add_attribute((key("namespace"), ns.as_str())),
        None => b,
    }
}

/// The workload's own objects: the connection, the role, the policy and the auth role. The
/// database mount, the auth backend and the audit device are the platform's (`platform.rs`).
pub(super) fn terraform(s: &Settings, role: &RoleBody, policy: &AccessPolicy) -> Body {
    let [username, password] = super::super::terraform::admin_variables(s);
    Body::builder()
        .add_block(super::super::terraform::terraform_block())
        .add_block(username)
        .add_block(password)
        .add_block(
            with_namespace(resource("vault_database_secret_backend_connection", "db"), s)
                .add_attribute((key("backend"), s.vault.database_mount.as_str()))
                .add_attribute((key("name"), role.db_name.as_str()))
                .add_attribute((key("allowed_roles"), vec![s.stem()]))
                .add_attribute((key("verify_connection"), true))
                .add_block(super::super::terraform::engine_block(s))
                .build(),
        )
        .add_block(
            with_namespace(resource("vault_database_secret_backend_role", "app"), s)
                .add_attribute((key("backend"), s.vault.database_mount.as_str()))
                .add_attribute((key("name"), s.stem()))
                .add_attribute((
                    key("db_name"),
                    traversal("vault_database_secret_backend_connection", &["db", "name"]),
                ))
                .add_attribute((key("creation_statements"), role.creation_statements.clone()))
                .add_attribute((key("revocation_statements"), role.revocation_statements.clone()))
                .add_attribute((key("default_ttl"), role.default_ttl))
                .add_attribute((key("max_ttl"), role.max_ttl))
                .build(),
        )
        .add_block(
            with_namespace(resource("vault_policy", "db_creds"), s)
                .add_attribute((key("name"), policy.policy_name.as_str()))
                .add_attribute((key("policy"), heredoc(&policy.policy_document)))
                .build(),
        )
        .add_block(
            with_namespace(resource("vault_kubernetes_auth_backend_role", "app"), s)
                .add_attribute((key("backend"), s.vault.auth_mount.as_str()))
                .add_attribute((key("role_name"), s.role_name()))
                .add_attribute((key("bound_service_account_names"), vec![s.kubernetes.service_account.clone()]))
                .add_attribute((key("bound_service_account_namespaces"), vec![s.kubernetes.namespace.clone()]))
                .add_attribute((key("audience"), AUDIENCE))
                .add_attribute((
                    "token_policies",
                    Expression::from(vec![traversal("vault_policy", &["db_creds", "name"])]),
                ))
                .add_attribute((key("token_ttl"), super::token_ttl(s).secs()))
                .add_attribute((key("token_max_ttl"), super::token_ttl(s).secs()))
                .build(),
        )
        .build()
}
