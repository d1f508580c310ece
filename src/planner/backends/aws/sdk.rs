//! What the SDK code of a aws-secrets plan needs from the backend: the template of each
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
        // arn:aws:secretsmanager:<region>:<account>:secret:<name>
        let parts: Vec<&str> = path.splitn(7, ':').collect();
        let region = parts.get(3).copied().unwrap_or(s.aws.region.as_str()).to_string();
        let name = parts.get(6).copied().unwrap_or(path).to_string();
        sdk.vars.extend([
            ("BACKEND_LABEL", Var::from("Secrets Manager")),
            ("AWS_REGION", Var::from(region.as_str())),
            ("SECRET_ID", Var::from(name.as_str())),
        ]);
        sdk.flags.push(("payload", "text"));
        sdk.decisions.push(format!(
            "integration_code reads the AWSCURRENT version of secret {name} in {region} by name (the ARN's random suffix is only known once the secret exists) and caches it for {ttl}s."
        ));
        match cfg.authentication_method {
            AuthMethod::Irsa => (
                format!("the IAM role of service account {}/{} through IRSA (EKS injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE)", s.kubernetes.namespace, s.kubernetes.service_account),
                "the pod's IAM role".into(),
            ),
            AuthMethod::PodIdentity => (
                format!("the IAM role EKS Pod Identity associates with service account {}/{}", s.kubernetes.namespace, s.kubernetes.service_account),
                "the pod's IAM role".into(),
            ),
            AuthMethod::Oidc => (
                "the IAM role the pipeline assumed with its OIDC token (AssumeRoleWithWebIdentity; the credentials are in the job's environment)".into(),
                "the pipeline's IAM role".into(),
            ),
            _ => ("the IAM role of the instance, task or function the application runs as".into(), "the application's IAM role".into()),
        }
    };
    sdk
}
