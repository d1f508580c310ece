//! The Kubernetes target of Vault plans: ESO stores and ExternalSecrets, cert-manager, the KV rotation CronJob.

use super::*;

// ---------------------------------------------------------------------------------------------
// Kubernetes target: ESO (KV, database) or cert-manager (PKI)

pub(super) fn kubernetes_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
    findings: &mut Vec<Finding>,
) -> (AuthMethod, ConfigFormat, String) {
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/serviceaccount.yaml",
        render::yaml(&k8s::service_account(&s.kubernetes.service_account, &s.kubernetes.namespace)),
    ));
    decisions.push(format!(
        "Every service account token presented to Vault carries the audience \"{AUDIENCE}\", and the Vault role requires it, so tokens minted for the Kubernetes API are not accepted."
    ));
    if let Source::Pki { ttl } = src {
        let issuer = render::yaml(&issuer(s, n));
        manifests.push(DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/issuer.yaml",
            issuer.clone(),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/certificate.yaml",
            render::yaml(&certificate(s, ttl)),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/cert-manager-rbac.yaml",
            cert_manager_rbac(s),
        ));
        decisions.push(format!(
            "cert-manager signs through the Issuer at {} with its own key (privateKey.rotationPolicy Always) and renews {} before expiry; the Issuer logs in as service account \"{}\", which cert-manager may mint tokens for through kubernetes/cert-manager-rbac.yaml.",
            n.consumer_path,
            renew_before(ttl).to_text(),
            s.kubernetes.service_account
        ));
        return (AuthMethod::Kubernetes, ConfigFormat::Yaml, issuer);
    }

    let store = render::yaml(&vk::secret_store(s));
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/secret-store.yaml",
        store.clone(),
    ));
    let (refresh, refresh_finding) = k8s::refresh_interval(s, resync(src));
    findings.extend(refresh_finding);
    match src {
        Source::DbStatic { .. } => {
            manifests.push(DeploymentManifest::new(
                ManifestType::Kubernetes,
                "kubernetes/vault-dynamic-secret.yaml",
                render::yaml(&vk::dynamic_secret(s, &n.consumer_path)),
            ));
            manifests.push(DeploymentManifest::new(
                ManifestType::Kubernetes,
                "kubernetes/external-secret.yaml",
                render::yaml(&generated_external_secret(s, refresh)),
            ));
            decisions.push(format!(
                "The static credentials are read through a VaultDynamicSecret generator (GET {}), because ESO's Vault store reads only KV; reading static-creds mints nothing. The old password stops working the moment Vault rotates it, so the ExternalSecret re-reads every {} and workloads must reconnect with the re-read Secret on an authentication failure.",
                n.consumer_path,
                refresh.to_go()
            ));
        }
        _ => {
            manifests.push(DeploymentManifest::new(
                ManifestType::Kubernetes,
                "kubernetes/external-secret.yaml",
                render::yaml(&kv_external_secret(s, n, refresh)),
            ));
            decisions.push(format!(
                "The ExternalSecret reads {} through the {} every {} in one read (all fields of one version together), with no metadata access.",
                n.kv_data,
                s.kubernetes.store_kind,
                refresh.to_go()
            ));
        }
    }
    decisions.push(format!(
        "The Kubernetes auth role {} binds service account \"{}\" in namespace \"{}\" with token_ttl {}.",
        n.role,
        s.kubernetes.service_account,
        s.kubernetes.namespace,
        token_ttl(s, src).to_text()
    ));
    (AuthMethod::Kubernetes, ConfigFormat::Yaml, store)
}

pub(super) fn store_ref(s: &Settings) -> k8s::SecretStoreRef {
    k8s::store_ref(s, "vault")
}

pub(super) fn kv_external_secret(s: &Settings, n: &Names, refresh: Duration) -> K8sObject<k8s::ExternalSecretSpec> {
    k8s::field_external_secret(s, store_ref(s), &n.kv_key, refresh)
}

/// The ExternalSecret that pulls from the VaultDynamicSecret generator (static-creds).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GeneratedSpec {
    refresh_interval: String,
    target: k8s::ExternalSecretTarget,
    data_from: Vec<serde_json::Value>,
}

pub(super) fn generated_external_secret(s: &Settings, refresh: Duration) -> K8sObject<GeneratedSpec> {
    let name = format!("{}-db-credentials", s.name);
    k8s::external_secret(
        s,
        &name,
        GeneratedSpec {
            refresh_interval: refresh.to_go(),
            target: k8s::ExternalSecretTarget {
                name: name.clone(),
                creation_policy: "Owner",
            },
            data_from: vec![serde_json::json!({
                "sourceRef": {"generatorRef": {"apiVersion": k8s::GENERATORS_API, "kind": "VaultDynamicSecret", "name": name}}
            })],
        },
    )
}

pub(super) fn issuer(s: &Settings, n: &Names) -> K8sObject<k8s::IssuerSpec> {
    K8sObject {
        api_version: k8s::CERT_MANAGER_API,
        kind: "Issuer",
        metadata: ObjectMeta::namespaced(format!("{}-vault", s.name), &s.kubernetes.namespace),
        spec: Some(k8s::IssuerSpec {
            vault: k8s::VaultIssuer {
                server: s.vault.address.clone(),
                path: n.consumer_path.clone(),
                namespace: s.vault.namespace.clone(),
                auth: k8s::VaultIssuerAuth {
                    kubernetes: k8s::VaultIssuerKubernetesAuth {
                        mount_path: format!("/v1/auth/{}", s.vault.auth_mount),
                        role: n.role.clone(),
                        service_account_ref: k8s::IssuerServiceAccountRef {
                            name: s.kubernetes.service_account.clone(),
                            audiences: vec![AUDIENCE],
                        },
                    },
                },
            },
        }),
    }
}

pub(super) fn certificate(s: &Settings, ttl: Duration) -> K8sObject<k8s::CertificateSpec> {
    let dns = s.certificate.dns_names();
    K8sObject {
        api_version: k8s::CERT_MANAGER_API,
        kind: "Certificate",
        metadata: ObjectMeta::namespaced(format!("{}-tls", s.name), &s.kubernetes.namespace),
        spec: Some(k8s::CertificateSpec {
            secret_name: format!("{}-tls", s.name),
            common_name: s.certificate.common_name.clone(),
            dns_names: dns,
            ip_addresses: s.certificate.ip_addresses(),
            duration: ttl.to_go(),
            renew_before: renew_before(ttl).to_go(),
            private_key: k8s::CertificatePrivateKey {
                algorithm: "ECDSA",
                size: 256,
                rotation_policy: "Always",
            },
            issuer_ref: k8s::IssuerRef {
                name: format!("{}-vault", s.name),
                kind: "Issuer",
                group: "cert-manager.io",
            },
        }),
    }
}

pub(super) fn rotation_cronjob(s: &Settings, n: &Names, sch: Schedule) -> K8sObject<k8s::CronJobSpec> {
    let auth_mount = if s.target == Target::Kubernetes {
        s.vault.auth_mount.clone()
    } else {
        ROTATOR_K8S_MOUNT.to_string()
    };
    let mut env = vec![
        k8s::EnvVar {
            name: "VAULT_ADDR",
            value: s.vault.address.clone(),
        },
        k8s::EnvVar {
            name: "VAULT_AUTH_MOUNT",
            value: auth_mount,
        },
        k8s::EnvVar {
            name: "VAULT_ROLE",
            value: n.rotator_role.clone(),
        },
        k8s::EnvVar {
            name: "VAULT_JWT_FILE",
            value: format!("{TOKEN_DIR}/token"),
        },
    ];
    if let Some(ns) = &s.vault.namespace {
        env.push(k8s::EnvVar {
            name: "VAULT_NAMESPACE",
            value: ns.clone(),
        });
    }
    env.extend(rotation_env(s, n, sch));
    K8sObject {
        api_version: "batch/v1",
        kind: "CronJob",
        metadata: ObjectMeta::namespaced(format!("{}-rotate-{}", s.name, s.credential.leaf()), &s.kubernetes.namespace),
        spec: Some(k8s::CronJobSpec {
            schedule: sch.cron(),
            concurrency_policy: "Forbid",
            successful_jobs_history_limit: 1,
            failed_jobs_history_limit: 3,
            job_template: k8s::JobTemplate {
                spec: k8s::JobSpec {
                    backoff_limit: 2,
                    template: k8s::PodTemplate {
                        spec: k8s::PodSpec {
                            service_account_name: n.rotator_sa.clone(),
                            automount_service_account_token: false,
                            restart_policy: "OnFailure",
                            containers: vec![k8s::Container {
                                name: "rotate".into(),
                                image: crate::planner::versions::CURL_IMAGE.into(),
                                command: vec!["/bin/sh".into(), "-c".into(), rotate_script(s).into()],
                                env,
                                volume_mounts: vec![k8s::VolumeMount {
                                    name: "vault-token",
                                    mount_path: TOKEN_DIR.into(),
                                    read_only: true,
                                }],
                            }],
                            volumes: vec![k8s::Volume {
                                name: "vault-token",
                                projected: k8s::ProjectedVolume {
                                    sources: vec![k8s::ProjectionSource {
                                        service_account_token: k8s::ServiceAccountTokenProjection {
                                            audience: AUDIENCE,
                                            expiration_seconds: 600,
                                            path: "token",
                                        },
                                    }],
                                },
                            }],
                        },
                    },
                },
            },
        }),
    }
}

pub(super) fn rotation_env(s: &Settings, n: &Names, sch: Schedule) -> Vec<k8s::EnvVar> {
    vec![
        k8s::EnvVar {
            name: "KV_MOUNT",
            value: s.vault.kv_mount.clone(),
        },
        k8s::EnvVar {
            name: "SECRET_PATH",
            value: n.kv_key.clone(),
        },
        k8s::EnvVar {
            name: "SECRET_FIELD",
            value: s.credential.fields()[0].into(),
        },
        k8s::EnvVar {
            name: "ROTATION_PERIOD_SECONDS",
            value: sch.period.secs().to_string(),
        },
        k8s::EnvVar {
            name: "CHECK_INTERVAL_SECONDS",
            value: sch.check.secs().to_string(),
        },
    ]
}
