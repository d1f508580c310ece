//! GitLab CI: the OIDC issuer and the subject format of `id_tokens` tokens.

/// gitlab.com's issuer; self-managed instances use their own URL.
pub const OIDC_HOST: &str = "gitlab.com";
pub const OIDC_ISSUER: &str = "https://gitlab.com";

/// The subject of a job on `branch` of the project at `path` (`group/project`).
pub fn subject(path: &str, branch: &str) -> String {
    format!("project_path:{path}:ref_type:branch:ref:{branch}")
}
