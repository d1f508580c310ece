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

/// A variable group or a named value.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Variable {
    Group { group: String },
    Named { name: String, value: String },
}

impl Variable {
    pub fn named(name: &str, value: &str) -> Variable {
        Variable::Named {
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

    /// Runs only when `condition` holds, with job-level variables.
    pub fn when(mut self, condition: &str, variables: Vec<Variable>) -> Job<S> {
        self.condition = Some(condition.into());
        self.variables = Some(variables);
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
    pub env: std::collections::BTreeMap<String, String>,
}
