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

/// The subjects a trust for jobs on the planned branch accepts: the immutable one, pinned to
/// the owner and repository IDs, and the classic name-based one only when `classic_subject`
/// asks for it (a compatibility switch for repositories still on the classic format).
pub fn trusted_subjects(c: &crate::planner::resolve::CicdSettings) -> Vec<String> {
    let mut out = vec![immutable_subject(&c.repository, &c.owner_id, &c.repository_id, &c.branch)];
    if c.classic_subject {
        out.push(subject(&c.repository, &c.branch));
    }
    out
}

/// The trusted subjects as decisions state them.
pub fn subjects_text(c: &crate::planner::resolve::CicdSettings) -> String {
    let immutable = immutable_subject(&c.repository, &c.owner_id, &c.repository_id, &c.branch);
    if c.classic_subject {
        format!(
            "the immutable subject {immutable} and, because cicd.classic_subject is set, the classic {} (which names the repository, not its IDs)",
            subject(&c.repository, &c.branch)
        )
    } else {
        format!(
            "only the immutable subject {immutable} (set cicd.classic_subject for a repository still on the classic repo:OWNER/REPO form)"
        )
    }
}

/// Where a workflow of the workload lives: `.github/workflows/<name>-<purpose>.yml`.
pub fn path(workload: &str, purpose: &str) -> String {
    format!(".github/workflows/{workload}-{purpose}.yml")
}

/// Shell lines that put this job's OIDC token for the audience in `$OIDC_AUDIENCE` into the
/// shell variable `jwt`, masked before anything could print it. The runner's request token
/// reaches curl as a header on stdin, never on its command line. Needs `id-token: write`.
pub fn id_token_lines() -> Vec<String> {
    vec![
        r#"jwt="$(printf 'Authorization: bearer %s\n' "$ACTIONS_ID_TOKEN_REQUEST_TOKEN" | curl --silent --show-error --fail --header @- --get --data-urlencode "audience=$OIDC_AUDIENCE" "$ACTIONS_ID_TOKEN_REQUEST_URL" | jq -er '.value')""#.to_string(),
        crate::planner::ci_env::single_line_guard("jwt", "the OIDC token"),
        r#"printf '::add-mask::%s\n' "$jwt""#.to_string(),
    ]
}

/// The step that ends a job holding secrets: it runs even when an earlier step failed or the
/// run was cancelled (`always()`), so what it removes never outlives the job.
pub fn cleanup_step(name: &str, env: serde_json::Map<String, Value>, lines: Vec<String>) -> Value {
    let mut step = serde_json::json!({"name": name, "if": "${{ always() }}", "shell": "bash"});
    if !env.is_empty() {
        step["env"] = Value::Object(env);
    }
    step["run"] = Value::from(lines.join("\n"));
    step
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

    /// The workflow as YAML, each pinned action's `uses:` followed by `# <version>`.
    pub fn render(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or_default();
        crate::render::yaml(&PinComments(&value))
    }
}

/// Serialises a value as it is, except that a `uses:` naming one of the pinned actions of
/// [`crate::planner::versions::ACTIONS`] carries that action's version as a YAML comment.
struct PinComments<'a>(&'a Value);

impl Serialize for PinComments<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map {
                    let pinned = match (key.as_str(), value) {
                        ("uses", Value::String(uses)) => crate::planner::versions::action(uses),
                        _ => None,
                    };
                    match pinned {
                        Some(action) => out.serialize_entry(key, &serde_saphyr::Commented(value, action.version.to_string()))?,
                        None => out.serialize_entry(key, &PinComments(value))?,
                    }
                }
                out.end()
            }
            Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    out.serialize_element(&PinComments(item))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

fn permissions() -> Value {
    serde_json::json!({"contents": "read", "id-token": "write"})
}
