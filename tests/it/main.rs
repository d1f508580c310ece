//! One integration-test binary: planner goldens, protocol (v5 and v6 in process), the plugin
//! binary, the CLI, and acceptance against real Terraform.

mod plugin;
mod protocol;
mod support;
