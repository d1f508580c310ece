//! terraform-provider-secretsint: a Terraform/OpenTofu provider that plans secrets-management
//! integrations. See `docs/architecture.md` for the code map and its invariants.

pub mod tf;
pub mod planner;
pub mod proto;
pub mod render;
