#![no_main]
//! See src/fuzzing.rs: the same entry point runs on stable in tests/it/fuzz_smoke.rs.

#[path = "common/alloc_limit.rs"]
mod alloc_limit;

libfuzzer_sys::fuzz_target!(|data: &[u8]| secretsint::fuzzing::config_to_plan(data));
