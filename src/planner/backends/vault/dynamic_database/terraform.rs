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

pub(super) fn terraform(s: &Settings, ttls: Ttls, role: &RoleBody, policy: &AccessPolicy) -> Body {
    let mut audit_options = Object::new();
    audit_options.insert(ObjectKey::from(Identifier::unchecked("file_path")), Expression::from(AUDIT_LOG));
    audit_options.insert(ObjectKey::from(Identifier::unchecked("mode")), Expression::from("0600"));

    let [username, password] = super::super::terraform::admin_variables(s);
    Body::builder()
        .add_block(super::super::terraform::terraform_block())
        .add_block(username)
        .add_block(password)
        .add_block(
            with_namespace(resource("vault_mount", "db"), s)
                .add_attribute((key("path"), s.vault.database_mount.as_str()))
                .add_attribute((key("type"), "database"))
                .add_attribute((
                    "description",
                    format!("Dynamic {} credentials for {}", s.database.engine, s.role_name()),
                ))
                .add_attribute((key("default_lease_ttl_seconds"), ttls.default.secs()))
                .add_attribute((key("max_lease_ttl_seconds"), ttls.max.secs()))
                .build(),
        )
        .add_block(
            with_namespace(resource("vault_database_secret_backend_connection", "db"), s)
                .add_attribute((key("backend"), traversal("vault_mount", &["db", "path"])))
                .add_attribute((key("name"), role.db_name.as_str()))
                .add_attribute((key("allowed_roles"), vec![s.role_name()]))
                .add_attribute((key("verify_connection"), true))
                .add_block(super::super::terraform::engine_block(s))
                .build(),
        )
        .add_block(
            with_namespace(resource("vault_database_secret_backend_role", "app"), s)
                .add_attribute((key("backend"), traversal("vault_mount", &["db", "path"])))
                .add_attribute((key("name"), s.role_name()))
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
                .add_attribute((key("token_ttl"), ttls.max.secs()))
                .add_attribute((key("token_max_ttl"), ttls.max.secs()))
                .build(),
        )
        .add_block(
            // Audit devices live in the root namespace only.
            resource("vault_audit", "file")
                .add_attribute((key("type"), "file"))
                .add_attribute((key("path"), "file"))
                .add_attribute((key("description"), "Records every credential issued and revoked"))
                .add_attribute((key("options"), Expression::Object(audit_options)))
                .build(),
        )
        .build()
}
