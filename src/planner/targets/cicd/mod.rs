//! CI/CD platforms. Each file owns one platform's file layout and syntax.
//!
//! Two ways lead from a backend to a pipeline. A platform with a native integration for a
//! backend (GitHub actions, GitLab's `secrets:` keyword, Azure DevOps tasks) is written by that
//! backend with the platform's types. Every other platform implements [`TokenPlatform`]: it mints
//! an OIDC token for a job into a file, runs the backend's POSIX shell and always cleans up,
//! and the backend trusts the token's issuer, audience and exact subject. A backend reaches
//! such a platform through [`token_platform`] only, so a new one is one file here and one
//! variant of [`CicdPlatform`].

pub mod azure_devops;
pub mod github;
pub mod gitlab;
pub mod jenkins;

use crate::planner::choice::CicdPlatform;
use crate::planner::resolve::CicdSettings;
use crate::planner::DeploymentManifest;

/// The variable a [`TokenPlatform`] sets, in a job's shell, to the path of a file holding the
/// job's OIDC token: fresh for the job, private to it, and gone when it ends.
pub const ID_TOKEN_FILE: &str = "ID_TOKEN_FILE";

/// A job a backend asks a [`TokenPlatform`] to run.
pub struct TokenJob {
    /// The job's name on the platform; its tokens' subject names it (see [`TokenPlatform::subject`]).
    pub name: String,
    /// What the job is for, one word: `secrets`, `rotate`. The first job's file is the
    /// platform's main pipeline file, the others are named after their purpose.
    pub purpose: &'static str,
    /// Who the token is for (a role, an identity): the platform names the job's token
    /// credential after it.
    pub principal: String,
    /// The `aud` the token must carry.
    pub audience: String,
    /// Plain settings of the job, by variable name.
    pub environment: Vec<(&'static str, String)>,
    /// Values known only after apply (an identity's client ID), by variable name, with what
    /// the user sets them to; the platform supplies them as its own kind of setting.
    pub inputs: Vec<(&'static str, String)>,
    /// A cron schedule: the job runs on it instead of on pushes to the branch.
    pub cron: Option<String>,
    /// POSIX shell. It runs with `errexit`, with the token's path in [`ID_TOKEN_FILE`], the
    /// platform's [`TokenPlatform::secrets_dir`] created (mode 0700), tracing off, and writes
    /// secret material nowhere else.
    pub script: Vec<String>,
    /// Shell lines the always-run cleanup runs before it removes the private directory (a
    /// token revocation, a logout). They must not fail.
    pub cleanup: Vec<String>,
}

/// A CI platform reached through its OIDC tokens (see the module's documentation).
pub trait TokenPlatform: Sync {
    /// The platform as decisions name it: `Jenkins`.
    fn title(&self) -> &'static str;
    /// One lower-case word for identifiers a backend derives (a Vault JWT mount `jwt-<slug>`,
    /// a GCP pool provider): `jenkins`.
    fn slug(&self) -> &'static str;
    /// The issuer of the planned jobs' tokens.
    fn issuer(&self, c: &CicdSettings) -> String;
    /// The exact `sub` of the tokens of the job named `job`.
    fn subject(&self, c: &CicdSettings, job: &str) -> String;
    /// The job's private directory for secret material, as its shell names it.
    fn secrets_dir(&self) -> &'static str;
    /// How a decision names the token a job gets for `principal` with `audience` (where it
    /// comes from, what sets it up).
    fn token_text(&self, principal: &str, audience: &str) -> String;
    /// The pipeline files of `jobs` (and the platform's own set-up files), with the decisions
    /// that say what they do. Returns the text of the platform's set-up file for the jobs'
    /// tokens, where it has one (Jenkins: the credentials' Configuration as Code), else of the
    /// first pipeline file.
    fn render(&self, c: &CicdSettings, jobs: &[TokenJob], out: &mut Vec<DeploymentManifest>, decisions: &mut Vec<String>) -> String;
}

/// The [`TokenPlatform`] of `platform`, or `None` for a platform that every backend serves
/// with a native integration.
pub fn token_platform(platform: CicdPlatform) -> Option<&'static dyn TokenPlatform> {
    match platform {
        CicdPlatform::Jenkins => Some(&jenkins::Jenkins),
        CicdPlatform::GithubActions | CicdPlatform::GitlabCi | CicdPlatform::AzureDevops => None,
    }
}

/// What a trust bound to a [`TokenPlatform`] job accepts: issuer, audience and exact subject.
pub struct TokenTrust {
    pub issuer: String,
    pub audience: String,
    pub subject: String,
}

impl TokenTrust {
    /// The trust for the tokens of the job named `job` with audience `audience`.
    pub fn new(p: &dyn TokenPlatform, c: &CicdSettings, job: &str, audience: &str) -> TokenTrust {
        TokenTrust {
            issuer: p.issuer(c),
            audience: audience.into(),
            subject: p.subject(c, job),
        }
    }

    /// The issuer without its scheme, as IAM names an OIDC provider and its condition keys.
    pub fn issuer_host(&self) -> &str {
        self.issuer.trim_start_matches("https://")
    }
}

/// The shell line that creates a job's private directory `dir` for secret material (each
/// platform has its own, `SECRETS_DIR`); files written after it are private (umask 077).
fn make_private_dir(dir: &str) -> String {
    format!("umask 077 && mkdir -p \"{dir}\"")
}

/// The shell line of an always-run cleanup that removes `dir` and everything in it.
fn remove_dir(dir: &str) -> String {
    format!("rm -rf \"{dir}\"")
}
