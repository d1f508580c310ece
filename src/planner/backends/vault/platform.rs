//! The Vault objects every workload on one platform shares, in `platform/vault.tf`: the KV v2,
//! database and PKI mounts (with the PKI issuer), the auth backend of the target, and the audit
//! device. Invariant: everything here reads only the platform inputs (backend, target, the
//! `vault` block, `cicd.platform`/`oidc_issuer` and, for Azure DevOps, `azure.tenant_id`), never
//! the workload's name, environment or secrets, so every plan on one platform renders the same
//! bytes. Workload Terraform names these paths and declares none.

use std::collections::BTreeMap;

use super::*;

/// The one file of the Vault platform.
pub(crate) const PLATFORM_TF: &str = "platform/vault.tf";
/// Where a Vault that runs inside the cluster reaches the Kubernetes API (the default of the
/// `kubernetes_host` variable).
const IN_CLUSTER_API: &str = "https://kubernetes.default.svc";
const ROOT_CA_NAME: &str = "platform-root";

/// `platform/vault.tf` for the platform of `s`.
pub(crate) fn platform_files(s: &Settings) -> BTreeMap<String, String> {
    BTreeMap::from([(PLATFORM_TF.to_string(), render::hcl(&body(s)))])
}

/// The JWT issuer the CI platform's tokens carry, which the JWT auth backend trusts.
fn ci_issuer(s: &Settings) -> String {
    match s.cicd.platform {
        CicdPlatform::GithubActions => GITHUB_ISSUER.to_string(),
        CicdPlatform::GitlabCi => GITLAB_ISSUER.to_string(),
        CicdPlatform::AzureDevops => ado::entra_issuer(&s.azure.tenant_id),
        platform => match ci::token_platform(platform) {
            Some(p) => p.issuer(&s.cicd),
            None => GITHUB_ISSUER.to_string(),
        },
    }
}

/// The Kubernetes auth mounts the platform enables: the target's, or on the application target
/// the one the KV rotation CronJobs log in through.
fn kubernetes_mount(s: &Settings) -> Option<&str> {
    match s.target {
        Target::Kubernetes => Some(&s.vault.auth_mount),
        Target::Application => Some(ROTATOR_K8S_MOUNT),
        Target::Cicd => None,
    }
}

/// The URL prefix of the PKI mount's own endpoints, namespace included.
fn pki_url(s: &Settings) -> String {
    match &s.vault.namespace {
        Some(ns) => format!("{}/v1/{ns}/{}", s.vault.address, s.vault.pki_mount),
        None => format!("{}/v1/{}", s.vault.address, s.vault.pki_mount),
    }
}

fn body(s: &Settings) -> Body {
    let mut b = Body::builder().add_block(terraform_block());
    if kubernetes_mount(s).is_some() {
        b = b.add_block(
            Block::builder(tf::key("variable"))
                .add_label("kubernetes_host")
                .add_attribute((tf::key("type"), Expression::Variable(hcl::expr::Variable::unchecked("string"))))
                .add_attribute((
                    tf::key("description"),
                    "The Kubernetes API as Vault reaches it (the default: from inside the cluster).",
                ))
                .add_attribute((tf::key("default"), IN_CLUSTER_API))
                .build(),
        );
    }
    let pki = tf::traversal("vault_mount", &["pki", "path"]);
    b = b
        .add_block(
            vk::with_namespace(tf::resource("vault_mount", "kv"), s)
                .add_attribute((tf::key("path"), s.vault.kv_mount.as_str()))
                .add_attribute((tf::key("type"), "kv"))
                .add_attribute((tf::key("options"), tf::obj(&[("version", "2".into())])))
                .add_attribute((tf::key("description"), "Static secrets of every workload (KV version 2)"))
                .build(),
        )
        .add_block(
            vk::with_namespace(tf::resource("vault_mount", "database"), s)
                .add_attribute((tf::key("path"), s.vault.database_mount.as_str()))
                .add_attribute((tf::key("type"), "database"))
                .add_attribute((tf::key("description"), "Database credentials; workloads add connections and roles"))
                .build(),
        )
        .add_block(
            vk::with_namespace(tf::resource("vault_mount", "pki"), s)
                .add_attribute((tf::key("path"), s.vault.pki_mount.as_str()))
                .add_attribute((tf::key("type"), "pki"))
                .add_attribute((tf::key("description"), "Certificates; workloads add roles"))
                .add_attribute((tf::key("max_lease_ttl_seconds"), PKI_MOUNT_MAX_TTL))
                .build(),
        )
        .add_block(
            vk::with_namespace(tf::resource("vault_pki_secret_backend_root_cert", "platform"), s)
                .add_attribute((tf::key("backend"), pki.clone()))
                .add_attribute((tf::key("type"), "internal"))
                .add_attribute((tf::key("common_name"), "Platform root CA"))
                .add_attribute((tf::key("issuer_name"), ROOT_CA_NAME))
                .add_attribute((tf::key("key_name"), ROOT_CA_NAME))
                .add_attribute((tf::key("key_type"), "ec"))
                .add_attribute((tf::key("key_bits"), 384))
                .add_attribute((tf::key("ttl"), PKI_MOUNT_MAX_TTL.to_string()))
                .add_attribute((tf::key("exclude_cn_from_sans"), true))
                .build(),
        )
        .add_block(
            vk::with_namespace(tf::resource("vault_pki_secret_backend_config_issuers", "platform"), s)
                .add_attribute((tf::key("backend"), pki.clone()))
                .add_attribute((
                    tf::key("default"),
                    tf::traversal("vault_pki_secret_backend_root_cert", &["platform", "issuer_id"]),
                ))
                .add_attribute((tf::key("default_follows_latest_issuer"), false))
                .build(),
        )
        .add_block(
            vk::with_namespace(tf::resource("vault_pki_secret_backend_config_urls", "platform"), s)
                .add_attribute((tf::key("backend"), pki))
                .add_attribute((tf::key("issuing_certificates"), vec![format!("{}/ca", pki_url(s))]))
                .add_attribute((tf::key("crl_distribution_points"), vec![format!("{}/crl", pki_url(s))]))
                .build(),
        );
    match s.target {
        Target::Cicd => {
            let issuer = ci_issuer(s);
            b = b.add_block(
                vk::with_namespace(tf::resource("vault_jwt_auth_backend", "ci"), s)
                    .add_attribute((tf::key("path"), s.vault.auth_mount.as_str()))
                    .add_attribute((tf::key("type"), "jwt"))
                    .add_attribute((tf::key("description"), format!("Job tokens of {}", s.cicd.platform)))
                    .add_attribute((tf::key("oidc_discovery_url"), issuer.as_str()))
                    .add_attribute((tf::key("bound_issuer"), issuer.as_str()))
                    .build(),
            );
        }
        Target::Application => {
            b = b.add_block(
                vk::with_namespace(tf::resource("vault_auth_backend", "approle"), s)
                    .add_attribute((tf::key("type"), "approle"))
                    .add_attribute((tf::key("path"), s.vault.auth_mount.as_str()))
                    .add_attribute((tf::key("description"), "Applications that log in with a RoleID and SecretID"))
                    .build(),
            );
        }
        Target::Kubernetes => {}
    }
    if let Some(mount) = kubernetes_mount(s) {
        b = b
            .add_block(
                vk::with_namespace(tf::resource("vault_auth_backend", "kubernetes"), s)
                    .add_attribute((tf::key("type"), "kubernetes"))
                    .add_attribute((tf::key("path"), mount))
                    .add_attribute((tf::key("description"), "Service accounts of the Kubernetes cluster"))
                    .build(),
            )
            .add_block(
                vk::with_namespace(tf::resource("vault_kubernetes_auth_backend_config", "kubernetes"), s)
                    .add_attribute((tf::key("backend"), tf::traversal("vault_auth_backend", &["kubernetes", "path"])))
                    .add_attribute((tf::key("kubernetes_host"), tf::traversal("var", &["kubernetes_host"])))
                    .build(),
            );
    }
    b.add_block(
        // Audit devices live in the root namespace only.
        tf::resource("vault_audit", "file")
            .add_attribute((tf::key("type"), "file"))
            .add_attribute((tf::key("path"), "file"))
            .add_attribute((tf::key("description"), "Every request and response"))
            .add_attribute((
                tf::key("options"),
                tf::obj(&[("file_path", AUDIT_LOG.into()), ("mode", "0600".into())]),
            ))
            .build(),
    )
    .build()
}

/// What the platform file does, one sentence each; as platform-only as the file itself.
pub(crate) fn decisions(s: &Settings) -> Vec<String> {
    let mut d = vec![
        format!(
            "{PLATFORM_TF}, applied once per platform from its own root module before any workload, mounts \"{}\" (KV version 2), \"{}\" (database) and \"{}\" (PKI, max lease 87600h for its issuer); terraform/vault.tf only names these paths, so destroying a workload leaves them and other workloads' leases in place. Import a mount that already exists (terraform import vault_mount.kv {}).",
            s.vault.kv_mount, s.vault.database_mount, s.vault.pki_mount, s.vault.kv_mount
        ),
        format!(
            "{PLATFORM_TF} makes a self-signed EC P-384 root (issuer \"{ROOT_CA_NAME}\", 87600h, key kept in Vault) the \"{}\" default issuer; in production generate an intermediate CSR in Vault instead, have your organisation's root sign it and make it the default (vault_pki_secret_backend_intermediate_cert_request, vault_pki_secret_backend_intermediate_set_signed).",
            s.vault.pki_mount
        ),
        format!(
            "{PLATFORM_TF} enables the file audit device (root namespace, {AUDIT_LOG}, mode 0600: no executable modes since CVE-2025-6000); OpenBao refuses audit devices over the API, so there declare it in the server configuration instead."
        ),
    ];
    match s.target {
        Target::Cicd => d.push(format!(
            "{PLATFORM_TF} enables JWT auth at \"{}\" with oidc_discovery_url = bound_issuer = {}, where Vault fetches the {} signing keys.",
            s.vault.auth_mount,
            ci_issuer(s),
            s.cicd.platform
        )),
        Target::Application => d.push(format!(
            "{PLATFORM_TF} enables AppRole auth at \"{}\" for the applications, and Kubernetes auth for the KV rotation CronJobs.",
            s.vault.auth_mount
        )),
        Target::Kubernetes => {}
    }
    if let Some(mount) = kubernetes_mount(s) {
        d.push(format!(
            "{PLATFORM_TF} enables Kubernetes auth at \"{mount}\" with kubernetes_host = var.kubernetes_host (default {IN_CLUSTER_API}: Vault in the cluster, reviewing tokens as its own service account with system:auth-delegator); a Vault outside it also sets kubernetes_ca_cert and token_reviewer_jwt."
        ));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::{DnsLabel, Request};

    /// The kinds only the platform may declare: a workload that declares one would unmount or
    /// disable it for every other workload when it is destroyed.
    const SHARED_KINDS: &[&str] = &[
        "vault_mount",
        "vault_auth_backend",
        "vault_jwt_auth_backend",
        "vault_kubernetes_auth_backend_config",
        "vault_audit",
        "vault_pki_secret_backend_root_cert",
        "vault_pki_secret_backend_config_issuers",
        "vault_pki_secret_backend_config_urls",
    ];

    fn resource_kinds(tf: &str) -> Vec<String> {
        let body: hcl::Body = hcl::from_str(tf).expect("HCL");
        body.blocks()
            .filter(|b| b.identifier() == "resource")
            .map(|b| b.labels()[0].as_str().to_string())
            .collect()
    }

    /// Every platform of the Vault backend: each target, each CI platform, both store kinds,
    /// with and without a namespace.
    fn platforms() -> Vec<Request> {
        let mut out = Vec::new();
        for t in Target::ALL {
            let platforms: Vec<Option<CicdPlatform>> = if *t == Target::Cicd {
                CicdPlatform::ALL.iter().copied().map(Some).collect()
            } else {
                vec![None]
            };
            for platform in platforms {
                for store in StoreKind::ALL {
                    for namespace in [None, Some("team-a")] {
                        let mut r = Request::new(Backend::Vault, *t, Rotation::Manual);
                        r.cicd.platform = platform;
                        r.kubernetes.store_kind = Some(*store);
                        r.vault.namespace = namespace.map(str::to_string);
                        out.push(r);
                    }
                }
            }
        }
        out
    }

    /// The workload inputs varied over one platform: everything but the platform inputs.
    fn workloads(platform: &Request) -> Vec<Request> {
        let mut out = Vec::new();
        for r in Rotation::ALL {
            for c in CredentialType::ALL {
                for (name, env, engine) in [
                    ("app", "prod", DbEngine::Postgresql),
                    ("orders", "staging", DbEngine::Mysql),
                    ("eu-payments", "prod", DbEngine::Mssql),
                ] {
                    let mut req = platform.clone();
                    req.rotation = *r;
                    req.credential = Some(*c);
                    req.name = Some(DnsLabel::parse(name, 40).unwrap());
                    req.environment = Some(DnsLabel::parse(env, 40).unwrap());
                    req.database.engine = Some(engine);
                    req.database.database_name = Some(format!("{name}db"));
                    req.kubernetes.namespace = Some(DnsLabel::parse(name, 63).unwrap());
                    req.kubernetes.service_account = Some(name.to_string());
                    req.cicd.branch = Some(env.to_string());
                    if *r != Rotation::Manual {
                        req.rotation_period = Some(crate::planner::request::Duration::from_secs(if name == "app" {
                            3600
                        } else {
                            7200
                        }));
                    }
                    req.certificate.common_name = Some(format!("{name}.example.com"));
                    out.push(req);
                }
            }
        }
        out
    }

    #[test]
    fn every_plan_on_one_platform_holds_the_same_platform_files_and_declares_none_of_them() {
        let mut distinct = std::collections::BTreeSet::new();
        for platform in platforms() {
            let mut first: Option<BTreeMap<String, String>> = None;
            for req in workloads(&platform) {
                let p = crate::planner::plan(&req);
                assert!(
                    p.findings.iter().all(|f| f.kind != crate::planner::FindingKind::Error),
                    "{req:?}: {:?}",
                    p.findings
                );
                assert_eq!(p.platform_files.keys().collect::<Vec<_>>(), [PLATFORM_TF], "{req:?}");
                match &first {
                    None => first = Some(p.platform_files.clone()),
                    Some(f) => assert_eq!(f, &p.platform_files, "{req:?}"),
                }
                let workload: Vec<&DeploymentManifest> = p
                    .deployment_manifests
                    .iter()
                    .filter(|m| m.kind == ManifestType::Terraform)
                    .collect();
                assert!(!workload.is_empty(), "{req:?}");
                for m in workload {
                    for kind in resource_kinds(&m.content) {
                        assert!(!SHARED_KINDS.contains(&kind.as_str()), "{req:?}: the workload declares {kind}");
                    }
                }
            }
            let platform_tf = &first.expect("plans")[PLATFORM_TF];
            let kinds = resource_kinds(platform_tf);
            for kind in ["vault_mount", "vault_pki_secret_backend_root_cert", "vault_audit"] {
                assert!(kinds.iter().any(|k| k == kind), "{platform:?}: no {kind}");
            }
            assert!(
                kinds.iter().any(|k| k == "vault_auth_backend" || k == "vault_jwt_auth_backend"),
                "{platform:?}: no auth backend"
            );
            distinct.insert(platform_tf.clone());
        }
        // A canary that the platform inputs matter: targets, CI platforms and namespaces differ.
        assert!(distinct.len() >= 10, "{}", distinct.len());
    }
}
