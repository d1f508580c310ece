//! What an AWS workload shares across its secrets: its one consumer role, the OIDC provider it
//! trusts, and the service account and SecretStore its pods use.

use crate::planner::choice::Target;
use crate::planner::{Identity, Settings, WorkloadWide};

pub(crate) const WORKLOAD_WIDE: WorkloadWide = WorkloadWide {
    terraform: &[
        "terraform",
        "provider.aws",
        "data.aws_iam_openid_connect_provider.ci",
        "data.aws_iam_openid_connect_provider.eks",
        "variable.ci_oidc_provider_arn",
        "variable.eks_oidc_provider_arn",
        "resource.aws_iam_role.consumer",
    ],
    files: &["kubernetes/serviceaccount.yaml", "kubernetes/secret-store.yaml"],
};

/// The consumer IAM role every secret's read policy is attached to.
pub(crate) fn identity(s: &Settings) -> Identity {
    let n = super::names(s);
    let mut fields = vec![("arn", n.consumer_role_arn.clone())];
    if s.target == Target::Kubernetes {
        fields.push(("namespace", s.kubernetes.namespace.clone()));
        fields.push(("service_account", s.kubernetes.service_account.clone()));
    }
    Identity::new("iam-role", n.role, &fields)
}
