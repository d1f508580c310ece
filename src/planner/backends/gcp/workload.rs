//! What a Google Cloud workload shares across its secrets: its one principal (a service
//! account, or the Kubernetes service account or pipeline Workload Identity Federation admits),
//! the CI pool it is named in, and the service account and SecretStore its pods use.

use crate::planner::choice::Target;
use crate::planner::{Identity, Settings, WorkloadWide};

pub(crate) const WORKLOAD_WIDE: WorkloadWide = WorkloadWide {
    terraform: &[
        "terraform",
        "provider.google",
        "data.google_iam_workload_identity_pool.ci",
        "resource.google_service_account.app",
    ],
    files: &["kubernetes/serviceaccount.yaml", "kubernetes/secret-store.yaml"],
};

/// The principal every secret's accessor binding names.
pub(crate) fn identity(s: &Settings) -> Identity {
    let n = super::names(s);
    let member = super::consumer_member(s, &n);
    match s.target {
        Target::Application => Identity::new("service-account", n.app_email(), &[("member", member)]),
        Target::Kubernetes => Identity::new(
            "kubernetes-service-account",
            format!("{}/{}", s.kubernetes.namespace, s.kubernetes.service_account),
            &[
                ("member", member),
                ("namespace", s.kubernetes.namespace.clone()),
                ("service_account", s.kubernetes.service_account.clone()),
            ],
        ),
        Target::Cicd => Identity::new("workload-identity-principal", member.clone(), &[("member", member)]),
    }
}
