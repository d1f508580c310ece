//! The secrets backends. Each folder owns its identity, access policies, rotation and
//! Terraform, and hands the targets (`planner::targets`) typed values; no backend imports
//! another, and only `planner::plan` combines a backend with a target.

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod vault;
