//! Code fragments that more than one backend writes into the functions it generates. Each
//! backend keeps its own templates in its folder; what is here is filled into them, so a
//! contract they share (the issuer hook's call) is written once.

/// The issuer hook's HTTP call in Python, one text for the Azure and GCP rotation functions:
/// https only, no redirect followed, a bearer token, and only a non-empty `api_key` comes back.
const ISSUER_HOOK_CALL: &str = include_str!("issuer_hook_call.py");

/// `source` with its `# {{code:HOOK_CALL}}` line replaced by [`ISSUER_HOOK_CALL`].
pub(crate) fn with_hook_call(source: &str) -> String {
    crate::render::template::fill(source, &[("# {{code:HOOK_CALL}}\n", ISSUER_HOOK_CALL)])
}
