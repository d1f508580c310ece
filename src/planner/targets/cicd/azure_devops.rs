//! Azure Pipelines: `azure-pipelines.yml` with its trigger, schedules, variables, pool and jobs,
//! rendered from typed values. Backends hand in their steps (a task or a bash step of their own).

use serde::Serialize;

/// The Microsoft-hosted image every planned job runs on (bash, curl, jq and the Azure CLI).
pub const VM_IMAGE: &str = "ubuntu-latest";

/// Where the pipeline lives in the repository.
pub const PATH: &str = "azure-pipelines.yml";

#[derive(Serialize)]
pub struct Pipeline<S: Serialize> {
    trigger: BranchFilter,
    pr: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    schedules: Vec<Schedule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variables: Option<Vec<Variable>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pool: Option<Pool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    steps: Vec<S>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    jobs: Vec<Job<S>>,
}

impl<S: Serialize> Pipeline<S> {
    /// Steps on the hosted pool, run on pushes to `branch` only (never for pull requests).
    pub fn steps(branch: &str, steps: Vec<S>) -> Pipeline<S> {
        Pipeline {
            trigger: BranchFilter::on(branch),
            pr: "none",
            schedules: Vec::new(),
            variables: None,
            pool: Some(Pool::hosted()),
            steps,
            jobs: Vec::new(),
        }
    }

    /// Jobs, with pipeline variables and optional schedules, run on pushes to `branch` only.
    pub fn jobs(branch: &str, schedules: Vec<Schedule>, variables: Vec<Variable>, jobs: Vec<Job<S>>) -> Pipeline<S> {
        Pipeline {
            trigger: BranchFilter::on(branch),
            pr: "none",
            schedules,
            variables: Some(variables),
            pool: None,
            steps: Vec::new(),
            jobs,
        }
    }

    pub fn render(&self) -> String {
        crate::render::yaml(self)
    }
}

#[derive(Serialize)]
pub struct BranchFilter {
    branches: Include,
}

impl BranchFilter {
    fn on(branch: &str) -> BranchFilter {
        BranchFilter {
            branches: Include {
                include: vec![branch.to_string()],
            },
        }
    }
}

#[derive(Serialize)]
struct Include {
    include: Vec<String>,
}

/// A cron schedule on `branch` that runs even when nothing changed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    cron: String,
    display_name: String,
    branches: Include,
    always: bool,
}

impl Schedule {
    pub fn new(cron: String, display_name: String, branch: &str) -> Schedule {
        Schedule {
            cron,
            display_name,
            branches: Include {
                include: vec![branch.to_string()],
            },
            always: true,
        }
    }
}

/// A named pipeline variable.
#[derive(Serialize)]
pub struct Variable {
    name: String,
    value: String,
}

impl Variable {
    pub fn named(name: &str, value: &str) -> Variable {
        Variable {
            name: name.into(),
            value: value.into(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job<S: Serialize> {
    job: String,
    display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<String>,
    pool: Pool,
    #[serde(skip_serializing_if = "Option::is_none")]
    variables: Option<Vec<Variable>>,
    steps: Vec<S>,
}

impl<S: Serialize> Job<S> {
    pub fn new(job: &str, display_name: String, steps: Vec<S>) -> Job<S> {
        Job {
            job: job.into(),
            display_name,
            condition: None,
            pool: Pool::hosted(),
            variables: None,
            steps,
        }
    }

    /// Runs only when `condition` holds, with job-level variables (if any).
    pub fn when(mut self, condition: &str, variables: Vec<Variable>) -> Job<S> {
        self.condition = Some(condition.into());
        self.variables = (!variables.is_empty()).then_some(variables);
        self
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    vm_image: &'static str,
}

impl Pool {
    fn hosted() -> Pool {
        Pool { vm_image: VM_IMAGE }
    }
}

/// A bash step with its environment mapping (secret variables reach scripts only through it).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BashStep {
    pub bash: String,
    pub display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'static str>,
    pub env: std::collections::BTreeMap<String, String>,
}

impl BashStep {
    pub fn new(bash: String, display_name: &str, env: std::collections::BTreeMap<String, String>) -> BashStep {
        BashStep {
            bash,
            display_name: display_name.into(),
            condition: None,
            env,
        }
    }
}

/// An `AzureCLI@2` task: a bash script run after the Azure CLI signed in through a workload
/// identity service connection, so `az account get-access-token` answers for the connection's
/// service principal. Referencing the connection in the job is also what makes Azure Pipelines
/// run the connection's checks (such as [`branch_control`]) before the job starts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureCliStep {
    task: &'static str,
    display_name: String,
    inputs: AzureCliInputs,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AzureCliInputs {
    azure_subscription: String,
    script_type: &'static str,
    script_location: &'static str,
    inline_script: String,
}

impl AzureCliStep {
    pub fn new(connection: &str, display_name: &str, script: String) -> AzureCliStep {
        AzureCliStep {
            task: "AzureCLI@2",
            display_name: display_name.into(),
            inputs: AzureCliInputs {
                azure_subscription: connection.into(),
                script_type: "bash",
                script_location: "inlineScript",
                inline_script: script,
            },
        }
    }
}

/// The issuer of the Entra access tokens an [`AzureCliStep`] requests for an application ID
/// URI (version 1 tokens, the default for an application that does not ask for version 2).
pub fn entra_issuer(tenant_id: &str) -> String {
    format!("https://sts.windows.net/{tenant_id}/")
}

/// The bash line of an [`AzureCliStep`] that puts into `var` an Entra access token of the
/// connection's service principal, for the application ID URI held by `resource_var`. A relying
/// party binds its `aud`, `tid` (the tenant) and the principal's object ID, which the token
/// carries as `oid` (and, in an app-only token, as `sub` too).
pub fn entra_token_line(var: &str, resource_var: &str) -> String {
    format!("{var}=\"$(az account get-access-token --resource \"${resource_var}\" --query accessToken --output tsv)\"")
}

/// The job's private directory for secret material, under the agent's temp directory (which
/// the agent also empties after the job), created mode 0700 and removed by [`cleanup_step`].
pub const SECRETS_DIR: &str = "$AGENT_TEMPDIRECTORY/secretsint";

/// [`SECRETS_DIR`] as a macro, for values outside scripts (pipeline variables), which Azure
/// Pipelines expands before a step runs; scripts use the environment form.
pub const SECRETS_DIR_MACRO: &str = "$(Agent.TempDirectory)/secretsint";

/// The bash line that creates [`SECRETS_DIR`]; files written after it are private (umask 077).
pub fn make_secrets_dir() -> String {
    super::make_private_dir(SECRETS_DIR)
}

/// The job's last step, run however the steps before it ended (`condition: always()`):
/// `lines` first (a token revocation), then [`SECRETS_DIR`] is removed.
pub fn cleanup_step(lines: Vec<String>, env: std::collections::BTreeMap<String, String>) -> BashStep {
    let mut all = lines;
    all.push(super::remove_dir(SECRETS_DIR));
    BashStep {
        bash: all.join("\n"),
        display_name: "Remove secret files".into(),
        condition: Some("always()"),
        env,
    }
}

/// Where [`branch_control`] is written among the plan's files.
pub const TERRAFORM_PATH: &str = "terraform/azure-devops.tf";

/// What the workload's secrets share in [`TERRAFORM_PATH`]: the project, and the check on the
/// consumer's one service connection (`planner::workload` declares it once).
pub const WORKLOAD_WIDE: &[&str] = &[
    "terraform",
    "variable.azure_devops_project_id",
    "variable.azure_devops_service_connection_id",
    "resource.azuredevops_check_branch_control.service_connection",
];

/// microsoft/azuredevops: the floor that has `azuredevops_check_branch_control` as written here.
const PROVIDER: &str = ">= 1.16, < 2.0";

/// `terraform/azure-devops.tf`: a branch control check on each thing the pipeline logs in
/// with (`targets`: the Terraform label of each, and its name as Azure DevOps shows it), so a
/// run of any other branch than `branch` (or of an unprotected one) waits and fails instead of
/// receiving the credential. The cloud-side trust (a federated credential, an OIDC subject)
/// names the connection only; this check is what binds the branch.
pub fn branch_control(targets: &[(&str, String)], branch: &str) -> String {
    use crate::render::tf;
    use hcl::{Block, Body, Expression};
    let what = "service connection (Project settings > Service connections)";
    let var = |name: &str, description: String| {
        Block::builder(tf::key("variable"))
            .add_label(name)
            .add_attribute((tf::key("type"), Expression::Variable(hcl::expr::Variable::unchecked("string"))))
            .add_attribute((tf::key("description"), description))
            .build()
    };
    let mut body = Body::builder()
        .add_block(
            Block::builder(tf::key("terraform"))
                .add_block(
                    Block::builder(tf::key("required_providers"))
                        .add_attribute((
                            "azuredevops",
                            tf::obj(&[("source", "microsoft/azuredevops".into()), ("version", PROVIDER.into())]),
                        ))
                        .build(),
                )
                .build(),
        )
        .add_block(var(
            "azure_devops_project_id",
            "ID of the Azure DevOps project that runs the pipeline.".into(),
        ));
    for (label, name) in targets {
        let variable = format!("azure_devops_{label}_id");
        body = body.add_block(var(&variable, format!("ID of the {what} \"{name}\"."))).add_block(
            tf::resource("azuredevops_check_branch_control", label)
                .add_attribute((tf::key("project_id"), tf::traversal("var", &["azure_devops_project_id"])))
                .add_attribute((tf::key("display_name"), format!("{name}: only refs/heads/{branch}")))
                .add_attribute((tf::key("target_resource_id"), tf::traversal("var", &[&variable])))
                .add_attribute((tf::key("target_resource_type"), "endpoint"))
                .add_attribute((tf::key("allowed_branches"), format!("refs/heads/{branch}")))
                .add_attribute((tf::key("verify_branch_protection"), true))
                .add_attribute((tf::key("ignore_unknown_protection_status"), false))
                .add_attribute((tf::key("timeout"), 60))
                .build(),
        );
    }
    crate::render::hcl(&body.build())
}

/// Adds [`branch_control`] to the plan's files and its decision to the plan's decisions.
pub fn protect(
    targets: &[(&str, String)],
    branch: &str,
    manifests: &mut Vec<crate::planner::DeploymentManifest>,
    decisions: &mut Vec<String>,
) {
    manifests.push(crate::planner::DeploymentManifest::new(
        crate::planner::ManifestType::Terraform,
        TERRAFORM_PATH,
        branch_control(targets, branch),
    ));
    decisions.push(branch_control_decision(branch, targets.len()));
}

/// The decision that goes with [`branch_control`].
pub fn branch_control_decision(branch: &str, connections: usize) -> String {
    let (on, it) = if connections > 1 {
        ("each service connection", "them")
    } else {
        ("the service connection", "it")
    };
    format!(
        "{TERRAFORM_PATH} (microsoft/azuredevops {PROVIDER}) puts a branch control check on {on}: only runs of refs/heads/{branch}, with branch protection verified, may use {it}; any other branch waits and fails after 60 minutes instead of receiving the credential. Apply it with the IDs of the project and {on}."
    )
}
