//! The secrets backends. Each folder owns its identity, access policies, rotation and
//! Terraform, and hands the targets (`planner::targets`) typed values; no backend imports
//! another, and only `planner::plan` combines a backend with a target.

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod vault;

use crate::planner::choice::Backend;
use crate::planner::{Identity, Settings};

/// What the secrets of one workload share in a backend's artifacts: Terraform blocks by address
/// (`resource.TYPE.NAME`, `data.TYPE.NAME`, `variable.NAME`, `output.NAME`, `provider.NAME`,
/// `terraform`) and manifests by file name. Everything else belongs to one secret. See
/// `planner::workload`, which composes a workload's secrets.
pub struct WorkloadWide {
    pub terraform: &'static [&'static str],
    pub files: &'static [&'static str],
}

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
