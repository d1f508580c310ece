//! The secrets backends. Each folder owns its identity, access policies, rotation and
//! Terraform, and hands the targets (`planner::targets`) typed values; no backend imports
//! another, and only `planner::plan` combines a backend with a target.

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod vault;

use crate::planner::choice::Backend;
use crate::planner::{Identity, Settings, WorkloadWide};

/// The issuer hook's HTTP call in Python, one text for the Azure and GCP rotation functions:
/// https only, no redirect followed, a bearer token, and only a non-empty `api_key` comes back.
const ISSUER_HOOK_CALL: &str = include_str!("../snippets/issuer_hook_call.py");

/// `source` with its `# {{code:HOOK_CALL}}` line replaced by [`ISSUER_HOOK_CALL`].
pub(crate) fn with_hook_call(source: &str) -> String {
    crate::render::template::fill(source, &[("# {{code:HOOK_CALL}}\n", ISSUER_HOOK_CALL)])
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
