#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test with its backtrace
//! One integration-test binary: planner goldens, protocol (v5 and v6 in process), the plugin
//! binary, the CLI, docs, release, and acceptance against real Terraform.

mod acceptance;
mod aws_backend;
mod azure_backend;
mod backends;
mod bad_input;
mod cli;
mod concurrency;
mod coverage;
mod docs;
mod functions;
mod fuzz_smoke;
mod gcp_backend;
mod golden;
mod golden_aws;
mod injection;
mod k8s_validate;
mod layout;
mod pipelines;
mod plugin;
mod proto_version;
mod protocol;
mod purity;
mod release;
mod sdk_check;
mod sdk_run;
mod security;
mod shared_rules;
mod skips;
mod stress;
mod supply_chain;
mod support;
mod validation;
mod vault_backend;
mod workflow_lint;
