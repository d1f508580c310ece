#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test with its backtrace
//! One integration-test binary: planner goldens, protocol (v5 and v6 in process), the plugin
//! binary, the CLI, and acceptance against real Terraform.

mod acceptance;
mod bad_input;
mod cli;
mod concurrency;
mod fuzz_smoke;
mod golden;
mod plugin;
mod proto_version;
mod protocol;
mod purity;
mod security;
mod stress;
mod supply_chain;
mod support;
