//! The `secretsint_plan` data source: its schema (the single source of the docs), the
//! conversion of a configuration into a planner request, and of a plan into Terraform state.

pub mod config;
pub mod functions;
pub mod messages;
pub mod result;
pub mod schema;
pub mod unknowns;

use crate::planner;
use crate::tf::{Diagnostics, Value};

pub const TYPE_NAME: &str = "secretsint_plan";
pub const PROVIDER_NAME: &str = "secretsint";

/// What the provider block configured. Shared by every read in the process.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderConfig {
    pub default_languages: Option<Vec<planner::Language>>,
    pub strict: bool,
}

/// Validates a data source configuration with the checks alone (`planner::check`: the grammar,
/// the cross-field rules, each backend's limits), never the whole planner, so the validate walks
/// cost no rendering. Fallbacks and their warnings come with the read. Unknown values are
/// skipped, never errors.
pub fn validate(config: &Value, provider: &ProviderConfig) -> Diagnostics {
    let (request, mut diags) = config::request(config, provider);
    let Some(req) = request else {
        return diags;
    };
    let checked = planner::check(&req);
    let strict = provider.strict || req.strict;
    diags.extend(result::findings_to_diagnostics(&checked.findings, strict, true));
    diags.extend(result::placeholders_to_diagnostics(&checked.placeholders, strict));
    diags
}

/// Computes the full state of the data source from its configuration.
/// When inputs are unknown, only what depends on them is unknown (see [`unknowns`]), or every
/// computed attribute when that cannot be told.
pub fn read(config: &Value, provider: &ProviderConfig) -> (Value, Diagnostics) {
    let (request, mut diags) = config::request(config, provider);
    if config.contains_unknown() {
        // Only the diagnostics of the known values: a stand-in's are about a value nobody set.
        if diags.has_errors() {
            return (result::unknown_state(config), diags);
        }
        let state = unknowns::narrowed(config, provider).unwrap_or_else(|| result::unknown_state(config));
        return (state, diags);
    }
    let Some(req) = request else {
        return (result::unknown_state(config), diags);
    };
    let plan = planner::plan(&req);
    diags.extend(result::findings_to_diagnostics(&plan.findings, req.strict, false));
    diags.extend(result::placeholders_to_diagnostics(&plan.placeholders, req.strict));
    if diags.has_errors() {
        return (result::unknown_state(config), diags);
    }
    (result::state(config, &req, &plan), diags)
}
