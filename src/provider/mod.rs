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

/// Validates a data source configuration. Unknown values are skipped, never errors.
pub fn validate(config: &Value, provider: &ProviderConfig) -> Diagnostics {
    validate_planned(config, provider).0
}

/// A request and the plan made for it, which a later read of the same request can reuse.
pub type Planned = (planner::Request, planner::Plan);

/// [`validate`], also handing back the plan it made to find the cross-field problems.
pub fn validate_planned(config: &Value, provider: &ProviderConfig) -> (Diagnostics, Option<Planned>) {
    let (request, mut diags) = config::request(config, provider);
    let Some(req) = request else {
        return (diags, None);
    };
    // Cross-field rules (per-backend limits) are the planner's; run them at validate time too.
    let plan = planner::plan(&req);
    diags.extend(result::findings_to_diagnostics(&plan.findings, provider.strict || req.strict, true));
    diags.extend(result::placeholders_to_diagnostics(&plan, provider.strict || req.strict));
    (diags, Some((req, plan)))
}

/// Computes the full state of the data source from its configuration.
/// When inputs are unknown, only what depends on them is unknown (see [`unknowns`]), or every
/// computed attribute when that cannot be told.
pub fn read(config: &Value, provider: &ProviderConfig) -> (Value, Diagnostics) {
    read_planned(config, provider, None)
}

/// [`read`], reusing `planned` when it was made for exactly this request (the planner is a pure
/// function of the request, so the result is the same as planning again).
pub fn read_planned(config: &Value, provider: &ProviderConfig, planned: Option<Planned>) -> (Value, Diagnostics) {
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
    let plan = match planned {
        Some((planned_req, plan)) if planned_req == req => plan,
        _ => planner::plan(&req),
    };
    diags.extend(result::findings_to_diagnostics(&plan.findings, req.strict, false));
    diags.extend(result::placeholders_to_diagnostics(&plan, req.strict));
    if diags.has_errors() {
        return (result::unknown_state(config), diags);
    }
    (result::state(config, &req, &plan), diags)
}
