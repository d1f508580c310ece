//! Code fragments filled into the functions and scripts the backends generate. A backend's
//! templates and its own fragments stay in its folder; what several backends write (the issuer
//! hook's call) is here, and so is the one way a fragment is filled in.

use std::sync::OnceLock;

/// The issuer hook's HTTP call in Python, one text for the Azure and GCP rotation functions:
/// https only, no redirect followed, a bearer token, and only a non-empty `api_key` comes back.
const ISSUER_HOOK_CALL: &str = include_str!("issuer_hook_call.py");

/// `template` with its `key` line (a `# {{code:NAME}}` comment, so the template stays valid
/// code) replaced by `fragment`. Both are texts compiled into the binary, so the result is the
/// same on every plan: it is made once per process and kept in `cell`.
pub(crate) fn compose(cell: &'static OnceLock<String>, template: &str, key: &str, fragment: &str) -> &'static str {
    cell.get_or_init(|| crate::render::template::fill(template, &[(key, fragment)]))
}

/// `source` with its `# {{code:HOOK_CALL}}` line replaced by [`ISSUER_HOOK_CALL`] (see [`compose`]).
pub(crate) fn with_hook_call(cell: &'static OnceLock<String>, source: &str) -> &'static str {
    compose(cell, source, "# {{code:HOOK_CALL}}\n", ISSUER_HOOK_CALL)
}
