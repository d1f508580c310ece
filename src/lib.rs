//! terraform-provider-secretsint: a Terraform/OpenTofu provider that plans secrets-management
//! integrations. See `docs/architecture.md` for the code map and its invariants.

pub mod cli;
pub mod docs;
#[doc(hidden)]
pub mod fuzzing;
pub mod planner;
pub mod proto;
pub mod protocol;
pub mod provider;
pub mod render;
pub mod server;
pub mod tf;
