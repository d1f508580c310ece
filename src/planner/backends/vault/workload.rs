//! What a Vault workload shares across its secrets: its one auth role, and the service account
//! and SecretStore its pods use.

use crate::planner::choice::Target;
use crate::planner::{Identity, Settings, WorkloadWide};

pub(crate) const WORKLOAD_WIDE: WorkloadWide = WorkloadWide {
    terraform: &[
        "terraform",
        "resource.vault_kubernetes_auth_backend_role.app",
        "resource.vault_jwt_auth_backend_role.app",
        "resource.vault_approle_auth_backend_role.app",
    ],
    files: &[
        "kubernetes/serviceaccount.yaml",
        "kubernetes/secret-store.yaml",
        "kubernetes/workload-patch.yaml",
    ],
};

/// The workload's auth role on the target's auth mount.
pub(crate) fn identity(s: &Settings) -> Identity {
    let mut fields = vec![("auth_mount", s.vault.auth_mount.clone())];
    let kind = match s.target {
        Target::Kubernetes => {
            fields.push(("namespace", s.kubernetes.namespace.clone()));
            fields.push(("service_account", s.kubernetes.service_account.clone()));
            "vault-kubernetes-role"
        }
        Target::Cicd => {
            fields.push(("repository", s.cicd.repository.clone()));
            "vault-jwt-role"
        }
        Target::Application => "vault-approle",
    };
    if let Some(ns) = &s.vault.namespace {
        fields.push(("vault_namespace", ns.clone()));
    }
    Identity::new(kind, s.role_name(), &fields)
}
