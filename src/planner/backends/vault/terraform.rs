//! The Terraform of Vault plans (terraform-provider-vault 5.x).

use super::*;

// ---------------------------------------------------------------------------------------------
// Terraform (terraform-provider-vault 5.x)

pub(super) fn terraform(s: &Settings, src: Source, n: &Names, policies: &[AccessPolicy]) -> Body {
    let mut b = Body::builder().add_block(terraform_block());
    let mut policy_refs = Vec::new();
    for (i, p) in policies.iter().filter(|p| p.policy_type == PolicyType::VaultPolicy).enumerate() {
        // The reminder job's read-only policy is its own resource; people keep the writer.
        let label = if i == 0 {
            "consumer"
        } else if p.attach_to == AttachTo::Rotator && reminds(s) {
            "reminder"
        } else if p.attach_to == AttachTo::Rotator && hook(s).is_some() {
            "hook"
        } else {
            "writer"
        };
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
            for block in database_blocks(s) {
                b = b.add_block(block);
            }
            let role = vk::role_body(s, t);
            b = b.add_block(
                vk::with_namespace(tf::resource("vault_database_secret_backend_role", "app"), s)
                    .add_attribute((tf::key("backend"), s.vault.database_mount.as_str()))
                    .add_attribute((tf::key("name"), n.secret_role.as_str()))
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
        Source::Pki { ttl } => {
            let role = pki_role(s, ttl);
            b = b.add_block(
                vk::with_namespace(tf::resource("vault_pki_secret_backend_role", "app"), s)
                    .add_attribute((tf::key("backend"), s.vault.pki_mount.as_str()))
                    .add_attribute((tf::key("name"), n.secret_role.as_str()))
                    .add_attribute((tf::key("allowed_domains"), role.allowed_domains))
                    .add_attribute((tf::key("allow_bare_domains"), role.allow_bare_domains))
                    .add_attribute((tf::key("allow_localhost"), role.allow_localhost))
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
    b.build()
}

/// The variables Vault's database connection reads: the admin user, and its password as an
/// ephemeral variable (Terraform keeps it in no plan and no state).
pub(super) fn admin_variables(s: &Settings) -> [Block; 2] {
    let var = |name: &str, description: String| {
        Block::builder(tf::key("variable"))
            .add_label(name)
            .add_attribute((tf::key("type"), Expression::Variable(hcl::expr::Variable::unchecked("string"))))
            .add_attribute((tf::key("description"), description))
    };
    [
        var(
            "db_admin_username",
            format!("Database user Vault connects as to manage {} credentials.", s.database.engine),
        )
        .add_attribute((tf::key("default"), "vault-admin"))
        .build(),
        var(
            "db_admin_password",
            "Password of db_admin_username, sent to Vault once through the write-only password_wo (raise password_wo_version to send a new one); rotate it afterwards with the database/rotate-root endpoint.".into(),
        )
        .add_attribute((tf::key("sensitive"), true))
        .add_attribute((tf::key("ephemeral"), true))
        .build(),
    ]
}

/// The connection's engine block (`postgresql { … }`): the admin password goes through the
/// write-only `password_wo` (terraform-provider-vault 5.0), so it never enters the state.
pub(super) fn engine_block(s: &Settings) -> Block {
    let (block_name, plugin, url) = vk::connection(s);
    let mut engine = Block::builder(block_name)
        .add_attribute((tf::key("connection_url"), url))
        .add_attribute((tf::key("username"), tf::traversal("var", &["db_admin_username"])))
        .add_attribute((tf::key("password_wo"), tf::traversal("var", &["db_admin_password"])))
        .add_attribute((tf::key("password_wo_version"), 1u64));
    if s.database.engine == DbEngine::Oracle {
        engine = engine.add_attribute((tf::key("plugin_name"), plugin));
    }
    engine.build()
}

/// `terraform { required_version, required_providers { vault } }`: write-only arguments and
/// ephemeral variables need Terraform 1.11.
pub(super) fn terraform_block() -> Block {
    Block::builder(tf::key("terraform"))
        .add_attribute((tf::key("required_version"), ">= 1.11"))
        .add_block(
            Block::builder(tf::key("required_providers"))
                .add_attribute((
                    tf::key("vault"),
                    tf::obj(&[("source", "hashicorp/vault".into()), ("version", ">= 5.0".into())]),
                ))
                .build(),
        )
        .build()
}

/// The workload's own database objects: the admin variables and the connection (it names the
/// workload's database). The mount they live on is the platform's.
pub(super) fn database_blocks(s: &Settings) -> Vec<Block> {
    let [username, password] = admin_variables(s);
    vec![
        username,
        password,
        vk::with_namespace(tf::resource("vault_database_secret_backend_connection", "db"), s)
            .add_attribute((tf::key("backend"), s.vault.database_mount.as_str()))
            .add_attribute((tf::key("name"), s.stem()))
            .add_attribute((tf::key("allowed_roles"), vec![s.stem()]))
            .add_attribute((tf::key("verify_connection"), true))
            .add_block(engine_block(s))
            .build(),
    ]
}

pub(super) fn policy_ref(label: &str) -> Expression {
    Expression::from(vec![tf::traversal("vault_policy", &[label, "name"])])
}

pub(super) fn approle_role(s: &Settings, label: &str, role: &str, policy: &str, ttl: u64) -> Block {
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

pub(super) fn auth_blocks(s: &Settings, src: Source, n: &Names) -> Vec<Block> {
    let ttl = token_ttl(s, src).secs();
    let rotates = matches!(src, Source::Kv { schedule: Some(_) });
    // A reminder job's role reads the metadata only (its policy "reminder"); an issuer hook's job
    // holds its own policy ("hook"); a rotation's writes.
    let job_policy = if reminds(s) {
        "reminder"
    } else if hook(s).is_some() {
        "hook"
    } else {
        "writer"
    };
    let mut out = Vec::new();
    let k8s_role = |label: &str, mount: &str, role: &str, sa: &str, policy: Option<&str>, ttl: u64| {
        let policies = policy.map_or(Expression::Array(Vec::new()), policy_ref);
        vk::with_namespace(tf::resource("vault_kubernetes_auth_backend_role", label), s)
            .add_attribute((tf::key("backend"), mount))
            .add_attribute((tf::key("role_name"), role))
            .add_attribute((tf::key("bound_service_account_names"), vec![sa.to_string()]))
            .add_attribute((tf::key("bound_service_account_namespaces"), vec![s.kubernetes.namespace.clone()]))
            .add_attribute((tf::key("audience"), AUDIENCE))
            .add_attribute((tf::key("token_policies"), policies))
            .add_attribute((tf::key("token_ttl"), ttl))
            .add_attribute((tf::key("token_max_ttl"), ttl))
            .build()
    };
    let pki_on_k8s = src_is_pki_on_k8s(s, src);
    match s.target {
        Target::Kubernetes => {
            // On PKI plans the sign policy belongs to cert-manager's own role, not the workload's.
            out.push(k8s_role(
                "app",
                &s.vault.auth_mount,
                &n.role,
                &s.kubernetes.service_account,
                (!pki_on_k8s).then_some("consumer"),
                ttl,
            ));
            if pki_on_k8s {
                out.push(k8s_role(
                    "cert_manager",
                    &s.vault.auth_mount,
                    &n.issuer_role,
                    &n.issuer_sa,
                    Some("consumer"),
                    ttl,
                ));
            }
            if rotates {
                out.push(k8s_role(
                    "rotator",
                    &s.vault.auth_mount,
                    &n.rotator_role,
                    &n.rotator_sa,
                    Some(job_policy),
                    15 * MINUTE,
                ));
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
                    Some(job_policy),
                    15 * MINUTE,
                ));
            }
        }
        Target::Cicd => {
            let jwt_role = |label: &str, role: &str, policy: &str| {
                let mut claims = Object::new();
                let rotator = label == "rotator";
                let (bound, user_claim, audience) = match s.cicd.platform {
                    CicdPlatform::GitlabCi => (gitlab_bound_claims(s), "project_path", github_audience(s)),
                    CicdPlatform::AzureDevops => (ado_bound_claims(s, rotator), "oid", ado_audience(&n.role)),
                    CicdPlatform::GithubActions => (github_bound_claims(s), "repository", github_audience(s)),
                    platform => match ci::token_platform(platform) {
                        Some(p) => (token_bound_claims(s, p, rotator), "sub", github_audience(s)),
                        None => (Vec::new(), "sub", github_audience(s)),
                    },
                };
                for (k, v) in bound {
                    claims.insert(ObjectKey::from(Identifier::unchecked(k)), Expression::from(v));
                }
                vk::with_namespace(tf::resource("vault_jwt_auth_backend_role", label), s)
                    .add_attribute((tf::key("backend"), s.vault.auth_mount.as_str()))
                    .add_attribute((tf::key("role_name"), role))
                    .add_attribute((tf::key("role_type"), "jwt"))
                    .add_attribute((tf::key("user_claim"), user_claim))
                    .add_attribute((tf::key("bound_audiences"), vec![audience]))
                    .add_attribute((tf::key("bound_claims_type"), "string"))
                    .add_attribute((tf::key("bound_claims"), Expression::Object(claims)))
                    .add_attribute((tf::key("token_policies"), policy_ref(policy)))
                    .add_attribute((tf::key("token_ttl"), ttl))
                    .add_attribute((tf::key("token_max_ttl"), ttl))
                    .build()
            };
            out.push(jwt_role("app", &n.role, "consumer"));
            if rotates {
                out.push(jwt_role("rotator", &n.rotator_role, job_policy));
            }
        }
    }
    out
}
