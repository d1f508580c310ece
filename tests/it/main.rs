#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test with its backtrace
//! One integration-test binary: planner goldens, protocol (v5 and v6 in process), the plugin
//! binary, the CLI, docs, release, and acceptance against real Terraform.

mod acceptance;
mod api_key_rotation;
mod aws_backend;
mod aws_rotation;
mod azure_backend;
mod backends;
mod bad_input;
mod checkov;
mod cli;
mod concurrency;
mod coverage;
mod dependencies;
mod docs;
mod functions;
mod fuzz_smoke;
mod gcp_backend;
mod github_runner;
mod golden;
mod golden_aws;
mod injection;
mod k8s_validate;
mod layout;
mod pipelines;
mod plugin;
mod proto_version;
mod protocol;
mod provider_floors;
mod purity;
mod release;
mod rotation_window;
mod runner_cleanup;
mod sdk_check;
mod sdk_run;
mod security;
mod shared_rules;
mod skips;
mod state_secrets;
mod stress;
mod supply_chain;
mod support;
mod validation;
mod vault_backend;
mod vault_soak;
mod workflow_lint;
