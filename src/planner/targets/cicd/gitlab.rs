//! GitLab CI: the OIDC issuer and the subject format of `id_tokens` tokens.

/// gitlab.com's issuer; self-managed instances use their own URL.
pub const OIDC_HOST: &str = "gitlab.com";
pub const OIDC_ISSUER: &str = "https://gitlab.com";

/// The subject of a job on `branch` of the project at `path` (`group/project`).
pub fn subject(path: &str, branch: &str) -> String {
    format!("project_path:{path}:ref_type:branch:ref:{branch}")
}

/// What a trust that matches the subject alone (`trust`: an IAM role's trust policy, an Entra
/// federated credential) cannot check, where Vault and GCP bind more claims.
pub fn subject_only_decision(trust: &str) -> String {
    format!(
        "{trust} matches the token's sub alone, and GitLab builds sub only from project_path, ref_type and ref (the components a project may choose): it cannot pin namespace_id and project_id or require ref_protected as the Vault and GCP plans do, so a group or project path deleted and registered again by someone else would match. Keep those paths and protect the branch, or choose vault or gcp-secretmanager for a trust bound to the IDs."
    )
}

use serde_json::{json, Map, Value};

/// Where the pipeline lives in the repository.
pub const PATH: &str = ".gitlab-ci.yml";

/// The job's private directory for secret material: outside `$CI_PROJECT_DIR` (which persists
/// between jobs on shell runners and feeds caches and artifacts), created mode 0700 by
/// [`make_secrets_dir`] and removed by the job's `after_script` ([`Job::cleanup`]).
pub const SECRETS_DIR: &str = "/tmp/secretsint-$CI_JOB_ID";

/// The script line that creates [`SECRETS_DIR`]; files written after it are private (umask 077).
pub fn make_secrets_dir() -> String {
    super::make_private_dir(SECRETS_DIR)
}

/// One job of `.gitlab-ci.yml`. Keywords are written here only; a backend chooses which, and
/// in which order they appear (the order is the file's).
#[derive(Default)]
pub struct Job(Map<String, Value>);

impl Job {
    pub fn new() -> Job {
        Job::default()
    }

    fn set(mut self, key: &str, value: Value) -> Job {
        self.0.insert(key.into(), value);
        self
    }

    /// A container image whose entrypoint is cleared, so GitLab's shell runs the script.
    pub fn image(self, image: &str) -> Job {
        self.set("image", json!({"name": image, "entrypoint": [""]}))
    }

    /// An OIDC token in `$variable` whose `aud` is `audience`.
    pub fn id_token(self, variable: &str, audience: &str) -> Job {
        self.set("id_tokens", json!({ variable: {"aud": audience} }))
    }

    pub fn variables(self, variables: Map<String, Value>) -> Job {
        self.set("variables", Value::Object(variables))
    }

    /// GitLab's native Vault integration: each entry becomes a variable the job reads.
    pub fn secrets(self, secrets: Map<String, Value>) -> Job {
        self.set("secrets", Value::Object(secrets))
    }

    pub fn script<T: Into<Value>>(self, lines: Vec<T>) -> Job {
        self.set("script", Value::Array(lines.into_iter().map(Into::into).collect()))
    }

    /// `after_script`, which GitLab runs in its own shell however the script ended (failure,
    /// timeout or cancel): `lines` first (a token revocation), then [`SECRETS_DIR`] is removed.
    pub fn cleanup(self, lines: Vec<String>) -> Job {
        let mut all = lines;
        all.push(super::remove_dir(SECRETS_DIR));
        self.set("after_script", Value::Array(all.into_iter().map(Value::from).collect()))
    }

    /// Runs on pipelines of `branch`.
    pub fn on_branch(self, branch: &str) -> Job {
        self.set("rules", json!([{"if": format!("$CI_COMMIT_BRANCH == \"{branch}\"")}]))
    }

    /// Runs on pipelines of `branch`, except scheduled ones.
    pub fn on_branch_unscheduled(self, branch: &str) -> Job {
        self.set(
            "rules",
            json!([{"if": format!("$CI_COMMIT_BRANCH == \"{branch}\" && $CI_PIPELINE_SOURCE != \"schedule\"")}]),
        )
    }

    /// Runs on scheduled pipelines only.
    pub fn on_schedule(self) -> Job {
        self.set("rules", json!([{"if": "$CI_PIPELINE_SOURCE == \"schedule\""}]))
    }
}

/// The jobs of `.gitlab-ci.yml`, by name.
#[derive(Default)]
pub struct Pipeline(Map<String, Value>);

impl Pipeline {
    pub fn new() -> Pipeline {
        Pipeline::default()
    }

    pub fn job(mut self, name: String, job: Job) -> Pipeline {
        self.0.insert(name, Value::Object(job.0));
        self
    }

    pub fn render(&self) -> String {
        crate::render::yaml(&self.0)
    }
}
