//! The data sources `secretsint_plan` and `secretsint_workload`: their schemas (the single
//! source of the docs), the conversion of a configuration into a planner request, and of a
//! plan into Terraform state.

pub mod config;
pub mod functions;
pub mod messages;
pub mod result;
pub mod schema;
pub mod unknowns;

use crate::planner;
use crate::tf::schema::Schema;
use crate::tf::{Diagnostics, Type, Value};

/// The provider's data sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataSource {
    Plan,
    Workload,
}

impl DataSource {
    pub const ALL: [DataSource; 2] = [DataSource::Plan, DataSource::Workload];

    pub fn type_name(self) -> &'static str {
        match self {
            DataSource::Plan => TYPE_NAME,
            DataSource::Workload => WORKLOAD_TYPE_NAME,
        }
    }

    pub fn from_type_name(name: &str) -> Option<DataSource> {
        DataSource::ALL.into_iter().find(|d| d.type_name() == name)
    }

    pub fn schema(self) -> &'static Schema {
        match self {
            DataSource::Plan => schema::plan(),
            DataSource::Workload => schema::workload(),
        }
    }

    /// The value type of a configuration or state, built once.
    pub fn implied_type(self) -> &'static Type {
        static PLAN: std::sync::OnceLock<Type> = std::sync::OnceLock::new();
        static WORKLOAD: std::sync::OnceLock<Type> = std::sync::OnceLock::new();
        let cell = match self {
            DataSource::Plan => &PLAN,
            DataSource::Workload => &WORKLOAD,
        };
        cell.get_or_init(|| self.schema().block.implied_type())
    }

    pub fn validate(self, config: &Value, provider: &ProviderConfig) -> Diagnostics {
        match self {
            DataSource::Plan => validate(config, provider),
            DataSource::Workload => validate_workload(config, provider),
        }
    }

    pub fn read(self, config: &Value, provider: &ProviderConfig) -> (Value, Diagnostics) {
        match self {
            DataSource::Plan => read(config, provider),
            DataSource::Workload => read_workload(config, provider),
        }
    }
}

pub const TYPE_NAME: &str = "secretsint_plan";
pub const WORKLOAD_TYPE_NAME: &str = "secretsint_workload";
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

/// [`validate`] for a `secretsint_workload`: `planner::workload::check_workload` only.
pub fn validate_workload(config: &Value, provider: &ProviderConfig) -> Diagnostics {
    let (request, mut diags) = config::workload_request(config, provider);
    let Some(w) = request else {
        return diags;
    };
    let checked = planner::workload::check_workload(&w);
    let strict = provider.strict || w.base.strict;
    diags.extend(result::findings_to_diagnostics(&checked.findings, strict, true));
    diags.extend(result::workload_placeholders_to_diagnostics(&w, strict));
    diags
}

/// [`read`] for a `secretsint_workload`.
pub fn read_workload(config: &Value, provider: &ProviderConfig) -> (Value, Diagnostics) {
    let (request, mut diags) = config::workload_request(config, provider);
    if config.contains_unknown() {
        if diags.has_errors() {
            return (result::unknown_workload_state(config), diags);
        }
        let state = unknowns::narrowed_workload(config, provider).unwrap_or_else(|| result::unknown_workload_state(config));
        return (state, diags);
    }
    let Some(w) = request else {
        return (result::unknown_workload_state(config), diags);
    };
    let plan = planner::workload::plan_workload(&w);
    diags.extend(result::findings_to_diagnostics(&plan.findings, w.base.strict, false));
    diags.extend(result::workload_placeholders_to_diagnostics(&w, w.base.strict));
    if diags.has_errors() {
        return (result::unknown_workload_state(config), diags);
    }
    (result::workload_state(config, &w, &plan), diags)
}
