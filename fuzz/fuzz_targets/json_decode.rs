#![no_main]
//! See src/fuzzing.rs: the same entry point runs on stable in tests/it/fuzz_smoke.rs.

libfuzzer_sys::fuzz_target!(|data: &[u8]| secretsint::fuzzing::json_decode(data));
