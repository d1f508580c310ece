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
            "kubernetes/cert-manager-serviceaccount.yaml",
            render::yaml(&k8s::service_account(&n.issuer_sa, &s.kubernetes.namespace)),
        ));
        // One object per element, so `yamldecode(m.content)` reads each.
        let (role, binding) = cert_manager_rbac(s, n);
        manifests.push(DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/cert-manager-role.yaml",
            role,
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Kubernetes,
            "kubernetes/cert-manager-rolebinding.yaml",
            binding,
        ));
        decisions.push(format!(
            "cert-manager signs through the Issuer at {} with its own key (privateKey.rotationPolicy Always) and renews {} before expiry; the Issuer logs in with its own identity, service account \"{}\" and Kubernetes auth role {} (policy {}), and kubernetes/cert-manager-role.yaml with its binding kubernetes/cert-manager-rolebinding.yaml let cert-manager mint tokens for that service account only.",
            n.consumer_path,
            renew_before(ttl).to_text(),
            n.issuer_sa,
            n.issuer_role,
            n.consumer_policy
        ));
        decisions.push(format!(
            "The workload's own Kubernetes auth role {} (service account \"{}\") carries no PKI policy, so a pod running as the workload is denied {}; it reads the certificate from the Secret cert-manager writes.",
            n.role, s.kubernetes.service_account, n.consumer_path
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
    // Database plans (dynamic credentials) are planned by dynamic_database.rs: only KV is left.
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

pub(super) fn issuer(s: &Settings, n: &Names) -> K8sObject<k8s::IssuerSpec> {
    K8sObject {
        api_version: k8s::CERT_MANAGER_API,
        kind: "Issuer",
        metadata: ObjectMeta::namespaced(format!("{}-vault", s.stem()), &s.kubernetes.namespace),
        spec: Some(k8s::IssuerSpec {
            vault: k8s::VaultIssuer {
                server: s.vault.address.clone(),
                path: n.consumer_path.clone(),
                namespace: s.vault.namespace.clone(),
                auth: k8s::VaultIssuerAuth {
                    kubernetes: k8s::VaultIssuerKubernetesAuth {
                        mount_path: format!("/v1/auth/{}", s.vault.auth_mount),
                        role: n.issuer_role.clone(),
                        service_account_ref: k8s::IssuerServiceAccountRef {
                            name: n.issuer_sa.clone(),
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
        metadata: ObjectMeta::namespaced(format!("{}-tls", s.stem()), &s.kubernetes.namespace),
        spec: Some(k8s::CertificateSpec {
            secret_name: format!("{}-tls", s.stem()),
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
                name: format!("{}-vault", s.stem()),
                kind: "Issuer",
                group: "cert-manager.io",
            },
            secret_template: k8s::CertificateSecretTemplate {
                annotations: k8s::synced_secret_annotations(),
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
    env.extend(hook_env(s));
    let token_volume = |name: &'static str, audience: String| k8s::Volume {
        name,
        projected: k8s::ProjectedVolume {
            sources: vec![k8s::ProjectionSource {
                service_account_token: k8s::ServiceAccountTokenProjection {
                    audience,
                    expiration_seconds: 600,
                    path: "token",
                },
            }],
        },
    };
    let mut volume_mounts = vec![k8s::VolumeMount {
        name: "vault-token",
        mount_path: TOKEN_DIR.into(),
        read_only: true,
    }];
    let mut volumes = vec![token_volume("vault-token", AUDIENCE.into())];
    // The hook gets a token of its own audience, so it can never be replayed to Vault.
    if let Some(url) = hook(s) {
        volume_mounts.push(k8s::VolumeMount {
            name: "issuer-hook-token",
            mount_path: HOOK_TOKEN_DIR.into(),
            read_only: true,
        });
        volumes.push(token_volume("issuer-hook-token", url));
    }
    K8sObject {
        api_version: "batch/v1",
        kind: "CronJob",
        // A CronJob's name takes at most 52 characters (its Jobs add 11).
        metadata: ObjectMeta::namespaced(
            crate::planner::shape::bounded_name(&format!("{}-rotate-{}", s.stem(), s.leaf()), 52),
            &s.kubernetes.namespace,
        ),
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
                                volume_mounts,
                            }],
                            volumes,
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
