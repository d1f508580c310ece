//! GitHub Actions: the workflow file layout, the OIDC issuer, and the subject formats a trust
//! policy matches. Backends hand in their steps; the workflow around them is written here.

use serde::Serialize;
use serde_json::Value;

/// The issuer of GitHub Actions OIDC tokens, and its host (AWS condition keys are `host:claim`).
pub const OIDC_HOST: &str = "token.actions.githubusercontent.com";
pub const OIDC_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The runner every planned job uses.
pub const RUNNER: &str = "ubuntu-latest";

/// The classic subject of a job on `branch` of `repository` (`owner/name`).
pub fn subject(repository: &str, branch: &str) -> String {
    format!("repo:{repository}:ref:refs/heads/{branch}")
}

/// The 2026 immutable subject (`repo:OWNER@ID/NAME@ID:…`), with the two IDs as given (a
/// wildcard, or a Terraform variable reference).
pub fn immutable_subject(repository: &str, owner_id: &str, repository_id: &str, branch: &str) -> String {
    let (owner, name) = repository.split_once('/').unwrap_or((repository, ""));
    format!("repo:{owner}@{owner_id}/{name}@{repository_id}:ref:refs/heads/{branch}")
}

/// Where a workflow of the workload lives: `.github/workflows/<name>-<purpose>.yml`.
pub fn path(workload: &str, purpose: &str) -> String {
    format!(".github/workflows/{workload}-{purpose}.yml")
}

#[derive(Serialize)]
pub struct Workflow {
    name: String,
    on: Value,
    permissions: Value,
    jobs: serde_json::Map<String, Value>,
}

impl Workflow {
    /// `<workload> secrets`: one `deploy` job on pushes to `branch`, allowed to request an OIDC
    /// token and nothing else.
    pub fn on_push(workload: &str, branch: &str, steps: Value) -> Workflow {
        Workflow {
            name: format!("{workload} secrets"),
            on: serde_json::json!({"push": {"branches": [branch]}}),
            permissions: permissions(),
            jobs: [("deploy".to_string(), serde_json::json!({"runs-on": RUNNER, "steps": steps}))]
                .into_iter()
                .collect(),
        }
    }

    /// A scheduled (and manually dispatchable) workflow with one job that never runs twice at once.
    pub fn on_schedule(name: String, cron: &str, job: &str, concurrency_group: String, steps: Value) -> Workflow {
        Workflow {
            name,
            on: serde_json::json!({"schedule": [{"cron": cron}], "workflow_dispatch": {}}),
            permissions: permissions(),
            jobs: [(
                job.to_string(),
                serde_json::json!({
                    "runs-on": RUNNER,
                    "concurrency": {"group": concurrency_group, "cancel-in-progress": false},
                    "steps": steps,
                }),
            )]
            .into_iter()
            .collect(),
        }
    }

    pub fn render(&self) -> String {
        crate::render::yaml(self)
    }
}

fn permissions() -> Value {
    serde_json::json!({"contents": "read", "id-token": "write"})
}
