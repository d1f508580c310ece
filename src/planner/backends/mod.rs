//! The secrets backends. Each folder owns its identity, access policies, rotation and
//! Terraform, and hands the targets (`planner::targets`) typed values; no backend imports
//! another, and only `planner::plan` combines a backend with a target.

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod vault;

use crate::planner::choice::Backend;
use crate::planner::{Identity, Settings, WorkloadWide};

pub(crate) fn workload_wide(backend: Backend) -> &'static WorkloadWide {
    match backend {
        Backend::Vault => &vault::workload::WORKLOAD_WIDE,
        Backend::AwsSecrets => &aws::workload::WORKLOAD_WIDE,
        Backend::AzureKeyVault => &azure::workload::WORKLOAD_WIDE,
        Backend::GcpSecretManager => &gcp::workload::WORKLOAD_WIDE,
    }
}

/// The workload's one consumer identity.
pub(crate) fn identity(s: &Settings) -> Identity {
    match s.backend {
        Backend::Vault => vault::workload::identity(s),
        Backend::AwsSecrets => aws::workload::identity(s),
        Backend::AzureKeyVault => azure::workload::identity(s),
        Backend::GcpSecretManager => gcp::workload::identity(s),
    }
}
