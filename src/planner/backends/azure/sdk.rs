//! What the SDK code of a azure-keyvault plan needs from the backend: the template of each
//! language, the values its placeholders take, the `@if` flags that hold and the identity the
//! code authenticates as. `targets::application` renders it.

use crate::planner::choice::*;
use crate::planner::targets::application::Sdk;
use crate::planner::versions;
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
        let (vault_url, name) = path.split_once("/secrets/").unwrap_or((cfg.backend_endpoint.as_str(), path));
        sdk.vars.extend([
            ("BACKEND_LABEL", Var::from("Key Vault")),
            ("VAULT_URL", Var::from(vault_url)),
            ("SECRET_NAME", Var::from(name)),
            ("IDENTITY_VERSION", Var::from(versions::AZURE_IDENTITY_PYTHON)),
        ]);
        sdk.flags.push(("payload", "text"));
        let cred = match (s.target, cfg.authentication_method) {
            (Target::Cicd, _) => "cli",
            (_, AuthMethod::ManagedIdentity) => "managed",
            _ => "workload",
        };
        sdk.flags.push(("cred", cred));
        sdk.decisions.push(format!(
            "integration_code reads the current version of secret {name} in {vault_url} and caches it for {ttl}s."
        ));
        match cred {
            "cli" => (
                "the pipeline's workload identity federation; the login step (azure/login or an AzureCLI task on a workload identity service connection) leaves the Azure CLI signed in".into(),
                "the pipeline's federated identity".into(),
            ),
            "managed" => ("the application's managed identity (AZURE_CLIENT_ID selects a user-assigned one)".into(), "the application's managed identity".into()),
            _ => (
                format!("the workload identity federated with service account {}/{} (the AKS webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE)", s.kubernetes.namespace, s.kubernetes.service_account),
                "the workload identity".into(),
            ),
        }
    };
    sdk
}
