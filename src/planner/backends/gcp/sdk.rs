//! What the SDK code of a gcp-secretmanager plan needs from the backend: the template of each
//! language, the values its placeholders take, the `@if` flags that hold and the identity the
//! code authenticates as. `targets::application` renders it.

use crate::planner::choice::*;
use crate::planner::targets::application::Sdk;
use crate::planner::{SecretsConfig, Settings};
use crate::render::escape::Var;

/// The SDK template of a language.
pub(crate) fn template(language: Language) -> &'static str {
    match language {
        Language::Python => include_str!("snippets/sdk/python.py"),
        Language::Go => include_str!("snippets/sdk/go.go"),
        Language::Nodejs => include_str!("snippets/sdk/nodejs.js"),
        Language::Java => include_str!("snippets/sdk/java.java"),
    }
}

/// The values, flags and decisions of the plan's SDK code; `ttl` is how long it caches a read.
pub(crate) fn sdk(s: &Settings, cfg: &SecretsConfig, ttl: u64) -> Sdk {
    let mut sdk = Sdk::default();
    let path = cfg.secret_path.as_str();
    (sdk.identity, sdk.short) = {
        sdk.vars.extend([
            ("BACKEND_LABEL", Var::from("Secret Manager")),
            ("SECRET_VERSION", Var::from(format!("{path}/versions/latest"))),
        ]);
        sdk.flags.push(("payload", "text"));
        sdk.decisions.push(format!(
            "integration_code accesses {path}/versions/latest (the newest enabled version) and caches it for {ttl}s."
        ));
        match (s.target, cfg.authentication_method) {
            (Target::Kubernetes, _) => (
                format!(
                    "service account {}/{} through GKE Workload Identity Federation (Application Default Credentials)",
                    s.kubernetes.namespace, s.kubernetes.service_account
                ),
                "the pod's Kubernetes service account".into(),
            ),
            (Target::Cicd, _) => (
                "the pipeline's Workload Identity Federation credentials (the auth step writes GOOGLE_APPLICATION_CREDENTIALS)".into(),
                "the pipeline's federated identity".into(),
            ),
            _ => (
                "the service account attached to the application (Application Default Credentials)".into(),
                "the application's service account".into(),
            ),
        }
    };
    sdk
}
