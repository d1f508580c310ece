//! The Kubernetes target of Azure plans: AKS workload identity and the ESO azurekv store.

use super::*;

// ---------------------------------------------------------------------------------------------
// Kubernetes target: AKS workload identity + ESO azurekv store

#[derive(Serialize)]
pub(super) struct StoreProvider {
    azurekv: AzureKvProvider,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AzureKvProvider {
    auth_type: &'static str,
    vault_url: String,
    tenant_id: String,
    environment_type: &'static str,
    service_account_ref: k8s::StoreServiceAccountRef,
}

pub(super) fn secret_store(s: &Settings, n: &Names) -> k8s::K8sObject<k8s::StoreSpec<StoreProvider>> {
    k8s::secret_store(
        s,
        "azure-keyvault",
        StoreProvider {
            azurekv: AzureKvProvider {
                auth_type: "WorkloadIdentity",
                vault_url: n.vault_url.clone(),
                tenant_id: s.azure.tenant_id.clone(),
                environment_type: "PublicCloud",
                service_account_ref: k8s::StoreServiceAccountRef::new(s),
            },
        },
    )
}

pub(super) fn store_yaml(s: &Settings, n: &Names) -> String {
    render::yaml(&secret_store(s, n))
}

pub(super) fn service_account(s: &Settings) -> k8s::K8sObject<()> {
    let mut annotations = std::collections::BTreeMap::new();
    annotations.insert("azure.workload.identity/client-id", super::identity_client_id(s));
    annotations.insert("azure.workload.identity/tenant-id", s.azure.tenant_id.clone());
    k8s::annotated_service_account(s, annotations)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RemoteKey {
    key: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EsData {
    secret_key: &'static str,
    remote_ref: RemoteKey,
}

/// How the synced value changes, for the one refresh rule (`k8s::refresh_interval`).
pub(super) fn resync(src: Source) -> k8s::Resync {
    match src {
        Source::Secret { rotation: Some(period) } => k8s::Resync::Overlapping { period },
        _ => k8s::Resync::Manual,
    }
}

/// How often ESO re-reads.
pub(super) fn refresh(s: &Settings, src: Source) -> Duration {
    k8s::refresh_interval(s, resync(src)).0
}

pub(super) fn external_secret(s: &Settings, src: Source, n: &Names) -> serde_json::Value {
    let secret = s.secret_id();
    let key = format!("secret/{}", n.object);
    let (data, data_from, template) = match (src, s.credential) {
        (Source::Certificate { .. }, _) => {
            let mut t = std::collections::BTreeMap::new();
            t.insert("tls.crt", "{{ .bundle | filterPEM \"CERTIFICATE\" }}");
            t.insert("tls.key", "{{ .bundle | filterPEM \"PRIVATE KEY\" }}");
            (
                vec![EsData {
                    secret_key: "bundle",
                    remote_ref: RemoteKey { key },
                }],
                Vec::new(),
                Some(("kubernetes.io/tls", t)),
            )
        }
        (_, CredentialType::Database) => (
            Vec::new(),
            vec![k8s::DataFromExtract {
                extract: k8s::ExtractRef { key },
            }],
            None,
        ),
        (_, c) => (
            vec![EsData {
                secret_key: if c == CredentialType::ApiKey { "api_key" } else { "value" },
                remote_ref: RemoteKey { key },
            }],
            Vec::new(),
            None,
        ),
    };
    let spec = serde_json::json!({
        "refreshInterval": refresh(s, src).to_go(),
        "secretStoreRef": k8s::store_ref(s, "azure-keyvault"),
        "target": k8s::ExternalSecretTarget::owned(secret.clone(), template),
    });
    let mut spec = spec.as_object().cloned().unwrap_or_default();
    if !data.is_empty() {
        spec.insert("data".into(), serde_json::to_value(&data).unwrap_or_default());
    }
    if !data_from.is_empty() {
        spec.insert("dataFrom".into(), serde_json::to_value(&data_from).unwrap_or_default());
    }
    serde_json::to_value(k8s::external_secret(s, &secret, spec)).unwrap_or_default()
}

/// A strategic-merge patch for the workload: runs it as the federated service account and lets
/// the workload identity webhook inject the token for SDK calls of its own.
pub(super) fn workload_patch(s: &Settings) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": s.role_name(), "namespace": s.kubernetes.namespace},
        "spec": {"template": {
            "metadata": {"labels": {"azure.workload.identity/use": "true"}},
            "spec": {"serviceAccountName": s.kubernetes.service_account},
        }},
    })
}

pub(super) fn kubernetes_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (ConfigFormat, String) {
    let store = store_yaml(s, n);
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/serviceaccount.yaml",
        render::yaml(&service_account(s)),
    ));
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/secret-store.yaml",
        store.clone(),
    ));
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/external-secret.yaml",
        render::yaml(&external_secret(s, src, n)),
    ));
    manifests.push(DeploymentManifest::patch("kubernetes/workload-patch.yaml", &workload_patch(s)));
    decisions.push(format!(
        "The AKS cluster \"{}\" must run with oidc_issuer_enabled and workload_identity_enabled; the federated credential on {} trusts its OIDC issuer for subject system:serviceaccount:{}:{} with audience {TOKEN_EXCHANGE_AUDIENCE}.",
        s.kubernetes.cluster_name, n.identity, s.kubernetes.namespace, s.kubernetes.service_account
    ));
    decisions.push(match &s.azure.identity_client_id {
        None => format!(
            "The service account carries azure.workload.identity/client-id = {CLIENT_ID_PLACEHOLDER} as a placeholder: set it to `terraform output -raw workload_client_id` before applying; ESO's {} uses authType WorkloadIdentity with serviceAccountRef, so no client secret exists anywhere.",
            s.kubernetes.store_kind
        ),
        Some(id) => format!(
            "The service account carries azure.workload.identity/client-id = {id} (azure.identity_client_id); ESO's {} uses authType WorkloadIdentity with serviceAccountRef, so no client secret exists anywhere.",
            s.kubernetes.store_kind
        ),
    });
    decisions.push(format!(
        "The ExternalSecret re-reads secret/{} every {}{}.",
        n.object,
        refresh(s, src).to_go(),
        match (src, s.credential) {
            (Source::Certificate { .. }, _) =>
                " and splits the PEM bundle into tls.crt and tls.key with filterPEM, making a kubernetes.io/tls Secret",
            (_, CredentialType::Database) => " and extracts every JSON field into its own key in one read",
            _ => "",
        }
    ));
    decisions.push(format!(
        "kubernetes/workload-patch.yaml (kubectl patch deployment {} --patch-file) sets serviceAccountName and the pod label azure.workload.identity/use: \"true\", so the webhook injects the federated token for SDK calls made by the workload itself.",
        s.role_name()
    ));
    (ConfigFormat::Yaml, store)
}
