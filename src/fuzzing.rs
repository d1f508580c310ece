//! Entry points shared by the libFuzzer targets (`fuzz/`, nightly) and the stable smoke run in
//! `tests/it/fuzz_smoke.rs`, so both exercise exactly the same code. Each takes arbitrary bytes
//! and must return without panicking; the asserts below are the oracles.

use crate::protocol::{Core, Wire};
use crate::provider::{self, ProviderConfig};
use crate::tf::{json, msgpack, Type, Value};

/// The types a decoder is driven by: the two real schemas, and shapes that reach every branch.
/// Built once: rebuilding the schema types per input was most of the cost of an execution.
fn types() -> &'static [Type; 6] {
    static TYPES: std::sync::OnceLock<[Type; 6]> = std::sync::OnceLock::new();
    TYPES.get_or_init(|| {
        [
            provider::schema::plan().block.implied_type(),
            provider::schema::provider().block.implied_type(),
            Type::Dynamic,
            Type::list(Type::Dynamic),
            Type::map(Type::object([("a", Type::String), ("b", Type::Number), ("c", Type::Bool)])),
            Type::Tuple(vec![Type::String, Type::Set(Box::new(Type::Number)), Type::Dynamic]),
        ]
    })
}

fn pick(data: &[u8]) -> (&'static Type, &[u8]) {
    let all = types();
    match data.split_first() {
        Some((first, rest)) => (&all[*first as usize % all.len()], rest),
        None => (&all[2], data),
    }
}

/// msgpack (what Terraform sends): decode; anything decoded re-encodes to a document that
/// decodes to the same value.
pub fn msgpack_decode(data: &[u8]) {
    let (ty, bytes) = pick(data);
    if let Ok(v) = msgpack::decode(bytes, ty) {
        let again = msgpack::decode(&msgpack::encode(&v, ty), ty);
        assert!(again.as_ref() == Ok(&v), "msgpack round trip changed {v:?} into {again:?}");
    }
}

/// JSON (`DynamicValue.json`): decode; anything decoded re-encodes to JSON that decodes again.
pub fn json_decode(data: &[u8]) {
    let (ty, bytes) = pick(data);
    if let Ok(v) = json::decode(bytes, ty) {
        if let Some(text) = json::encode(&v) {
            assert!(json::decode(&text, ty).is_ok(), "re-encoded JSON does not decode: {v:?}");
        }
    }
}

/// A data source configuration as Terraform would send it, through the whole provider: decode,
/// config -> planner request, plan, state. Either diagnostics or a state that re-decodes.
pub fn config_to_plan(data: &[u8]) {
    let core = Core::new();
    let ty = &types()[0];
    let _ = core.validate_data_source(provider::TYPE_NAME, Wire::Msgpack(data));
    let (state, diags) = core.read_data_source(provider::TYPE_NAME, Wire::Msgpack(data));
    if let Some(state) = state {
        assert!(!diags.has_errors(), "a state came back with errors");
        assert!(msgpack::decode(&state, ty).is_ok(), "the state does not decode");
    }
    // Also the decoded value straight into the request builder, with strict on.
    if let Ok(v) = msgpack::decode(data, ty) {
        let strict = ProviderConfig {
            strict: true,
            ..ProviderConfig::default()
        };
        let _ = provider::validate(&v, &strict);
        let _: (Value, _) = provider::read(&v, &strict);
    }
}
