//! What an Azure workload shares across its secrets: its one user-assigned identity and its
//! federated credentials, the lookups of the platform's vault, and the service account,
//! SecretStore and Deployment patch its pods use.

use crate::planner::choice::Target;
use crate::planner::{Identity, Settings, WorkloadWide};

pub(crate) const WORKLOAD_WIDE: WorkloadWide = WorkloadWide {
    terraform: &[
        "terraform",
        "provider.azurerm",
        "data.azurerm_client_config.current",
        "data.azurerm_key_vault.kv",
        "data.azurerm_kubernetes_cluster.aks",
        "data.azurerm_resource_group.rg",
        "output.key_vault_uri",
        "variable.azure_devops_subject",
        "output.workload_client_id",
        "resource.azurerm_user_assigned_identity.app",
        "resource.azurerm_federated_identity_credential.aks",
        "resource.azurerm_federated_identity_credential.github",
        "resource.azurerm_federated_identity_credential.github_classic",
        "resource.azurerm_federated_identity_credential.gitlab",
        "resource.azurerm_federated_identity_credential.jenkins",
        "resource.azurerm_federated_identity_credential.azure_devops",
    ],
    files: &[
        "kubernetes/serviceaccount.yaml",
        "kubernetes/secret-store.yaml",
        "kubernetes/workload-patch.yaml",
    ],
};

/// The user-assigned identity every secret's reader role is assigned to.
pub(crate) fn identity(s: &Settings) -> Identity {
    let n = super::names(s);
    let mut fields = vec![("resource_group", s.azure.resource_group.clone())];
    if s.target == Target::Kubernetes {
        fields.push(("namespace", s.kubernetes.namespace.clone()));
        fields.push(("service_account", s.kubernetes.service_account.clone()));
    }
    Identity::new("user-assigned-identity", n.identity, &fields)
}
