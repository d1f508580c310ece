//! AWS Secrets Manager consumed by a CI/CD pipeline: the role's trust policy and identity
//! provider per platform (GitHub Actions and GitLab CI OIDC, Azure DevOps service-connection
//! OIDC, any other platform through the OIDC token it mints into a file) and the pipeline file.

use serde_json::json;

use super::{document, oidc_provider_arn, statement, Names};
use crate::planner::choice::*;
use crate::planner::targets::cicd::{self as ci, TokenJob, TokenPlatform, TokenTrust};
use crate::planner::versions;
use crate::planner::{DeploymentManifest, Settings};

use crate::planner::targets::cicd::azure_devops::{self as ado, Pipeline};
use crate::planner::targets::cicd::github::{self, OIDC_HOST as GITHUB_HOST};
use crate::planner::targets::cicd::gitlab::{self, OIDC_HOST as GITLAB_HOST};
/// Placeholder Azure DevOps organization ID (the issuer is per organization).
const ADO_ORG_ID: &str = "00000000-0000-0000-0000-000000000000";
const ADO_AUDIENCE: &str = "api://AzureADTokenExchange";
const STS_AUDIENCE: &str = "sts.amazonaws.com";

/// The Azure DevOps organization's issuer URL: the user's, or a placeholder.
pub(crate) fn ado_issuer(s: &Settings) -> String {
    format!("https://{}", ado_host(s))
}

/// The Azure DevOps organization's issuer as IAM names it (no scheme): the user's, or a placeholder.
fn ado_host(s: &Settings) -> String {
    match &s.cicd.oidc_issuer {
        Some(url) => url.trim_start_matches("https://").to_string(),
        None => format!("vstoken.dev.azure.com/{ADO_ORG_ID}"),
    }
}

fn owner_repo(s: &Settings) -> (&str, &str) {
    let repo = &s.cicd.repository;
    repo.split_once('/').unwrap_or((repo.as_str(), repo.as_str()))
}

/// The Azure DevOps service connection the pipeline names; also the OIDC subject's last segment.
fn ado_connection(s: &Settings) -> String {
    format!("aws-{}", s.role_name())
}

pub(super) fn trust(s: &Settings, n: &Names) -> String {
    let web_identity = |host: &str| {
        statement("CiAssumesTheRoleWithItsOidcToken", "Allow", &["sts:AssumeRoleWithWebIdentity"], &[])
            .principal(json!({"Federated": oidc_provider_arn(s, host)}))
    };
    let branch = &s.cicd.branch;
    let st = match s.cicd.platform {
        CicdPlatform::GithubActions => {
            // IAM offers only aud and sub as condition keys of this provider: the immutable
            // subject, exact, carries both IDs (the classic one only when asked for).
            let subjects = github::trusted_subjects(&s.cicd);
            web_identity(GITHUB_HOST)
                .when("StringEquals", format!("{GITHUB_HOST}:aud"), json!(STS_AUDIENCE))
                .when(
                    "StringEquals",
                    format!("{GITHUB_HOST}:sub"),
                    if subjects.len() == 1 { json!(subjects[0]) } else { json!(subjects) },
                )
        }
        CicdPlatform::GitlabCi => web_identity(GITLAB_HOST)
            .when("StringEquals", format!("{GITLAB_HOST}:aud"), json!(STS_AUDIENCE))
            .when(
                "StringEquals",
                format!("{GITLAB_HOST}:sub"),
                json!(gitlab::subject(&s.cicd.repository, branch)),
            ),
        CicdPlatform::AzureDevops => {
            let (org, project) = owner_repo(s);
            let host = ado_host(s);
            web_identity(&host)
                .when("StringEquals", format!("{host}:aud"), json!(ADO_AUDIENCE))
                .when(
                    "StringEquals",
                    format!("{host}:sub"),
                    json!(format!("sc://{org}/{project}/{}", ado_connection(s))),
                )
        }
        platform => match ci::token_platform(platform) {
            Some(p) => {
                let trust = token_trust(s, p);
                let host = trust.issuer_host();
                web_identity(host)
                    .when("StringEquals", format!("{host}:aud"), json!(trust.audience))
                    .when("StringEquals", format!("{host}:sub"), json!(trust.subject))
            }
            None => return document(n, Vec::new()),
        },
    };
    document(n, vec![st])
}

/// The CI platform's OIDC issuer URL and the audience its tokens carry for AWS: the identity
/// provider the consumer role trusts, one per issuer and account (a platform object). A function
/// of `cicd.platform` and `cicd.oidc_issuer` only.
pub(super) fn oidc_issuer(s: &Settings) -> Option<(String, String)> {
    Some(match s.cicd.platform {
        CicdPlatform::GithubActions => (format!("https://{GITHUB_HOST}"), STS_AUDIENCE.into()),
        CicdPlatform::GitlabCi => (format!("https://{GITLAB_HOST}"), STS_AUDIENCE.into()),
        CicdPlatform::AzureDevops => (format!("https://{}", ado_host(s)), ADO_AUDIENCE.into()),
        platform => {
            let p = ci::token_platform(platform)?;
            // The issuer and audience of a token job do not depend on the job's name.
            (p.issuer(&s.cicd), STS_AUDIENCE.into())
        }
    })
}

fn env_prefix(s: &Settings) -> String {
    match s.credential {
        CredentialType::Database => "DB".into(),
        _ => s.name.to_ascii_uppercase().replace('-', "_") + "_SECRET",
    }
}

pub(super) fn plan(s: &Settings, n: &Names, manifests: &mut Vec<DeploymentManifest>, d: &mut Vec<String>) {
    match s.cicd.platform {
        CicdPlatform::GithubActions => github(s, n, manifests, d),
        CicdPlatform::GitlabCi => gitlab(s, n, manifests, d),
        CicdPlatform::AzureDevops => azure_devops(s, n, manifests, d),
        platform => {
            if let Some(p) = ci::token_platform(platform) {
                token_job(s, n, p, manifests, d)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions

fn github(s: &Settings, n: &Names, manifests: &mut Vec<DeploymentManifest>, d: &mut Vec<String>) {
    let prefix = env_prefix(s);
    let steps = json!([
        {
            "name": "Configure AWS credentials",
            "uses": versions::AWS_CREDENTIALS.uses(),
            "with": {
                "role-to-assume": n.consumer_role_arn,
                "role-session-name": format!("{}-${{{{ github.run_id }}}}", s.name),
                "aws-region": s.aws.region,
                "audience": STS_AUDIENCE,
            },
        },
        {
            "name": "Read the secret",
            "uses": versions::AWS_GET_SECRETS.uses(),
            "with": {
                "secret-ids": format!("{prefix},{}", n.secret_name),
                "parse-json-secrets": true,
            },
        },
    ]);
    manifests.push(DeploymentManifest::new(
        ManifestType::Cicd,
        &github::path(&s.name, "secrets"),
        github::Workflow::on_push(&s.name, &s.cicd.branch, steps).render(),
    ));
    d.push(format!(
        "GitHub Actions assumes {} with its OIDC token (permissions id-token: write, {} with audience {STS_AUDIENCE}); the trust policy requires aud = {STS_AUDIENCE} and, exactly (StringEquals), {}.",
        n.role,
        versions::AWS_CREDENTIALS.named(),
        github::subjects_text(&s.cicd)
    ));
    d.push(format!(
        "{} reads only {} and exports each JSON key as {prefix}_<KEY>, masking every value in the log.",
        versions::AWS_GET_SECRETS.named(),
        n.secret_name
    ));
}

// ---------------------------------------------------------------------------------------------
// GitLab CI

fn gitlab(s: &Settings, n: &Names, manifests: &mut Vec<DeploymentManifest>, d: &mut Vec<String>) {
    let dir = gitlab::SECRETS_DIR;
    let script = vec![
        gitlab::make_secrets_dir(),
        // The CLI's web identity provider reads the token from a file: it never stands on a
        // command line, where the process list would show it.
        format!("printf '%s' \"$AWS_ID_TOKEN\" > \"{dir}/web-identity-token\""),
        format!("export AWS_WEB_IDENTITY_TOKEN_FILE=\"{dir}/web-identity-token\" AWS_ROLE_SESSION_NAME=\"gitlab-$CI_PIPELINE_ID\""),
        format!(
            "aws secretsmanager get-secret-value --secret-id \"$SECRET_ID\" --query SecretString --output text > \"{dir}/secret.json\""
        ),
    ];
    let variables = json!({
        "AWS_REGION": s.aws.region,
        "AWS_ROLE_ARN": n.consumer_role_arn,
        "SECRET_ID": n.secret_name,
    });
    let job = gitlab::Job::new()
        .image(versions::AWS_CLI_IMAGE)
        .id_token("AWS_ID_TOKEN", STS_AUDIENCE)
        .variables(variables.as_object().cloned().unwrap_or_default())
        .on_branch(&s.cicd.branch)
        .script(script)
        .cleanup(Vec::new());
    let pipeline = gitlab::Pipeline::new().job(format!("{}-secrets", s.name), job);
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, gitlab::PATH, pipeline.render()));
    d.push(format!(
        "GitLab CI requests an id_tokens token with aud = {STS_AUDIENCE} (CI_JOB_JWT was removed in GitLab 17.0), writes it to a mode 0600 file named by AWS_WEB_IDENTITY_TOKEN_FILE, and the AWS CLI exchanges it (AssumeRoleWithWebIdentity, for AWS_ROLE_ARN) for temporary credentials of {}, so the token never stands on a command line; the trust policy requires sub = project_path:{}:ref_type:branch:ref:{} (protect that branch).",
        n.role, s.cicd.repository, s.cicd.branch
    ));
    d.push(gitlab::subject_only_decision("The role's trust policy"));
    d.push(format!(
        "GitLab cannot mask values read at run time, so the job writes the secret JSON to {dir}/secret.json (mode 0600, in a private directory outside the project directory) and never prints it; after_script removes the directory (with the web identity token) however the job ended; the OIDC provider is https://{GITLAB_HOST} (use your instance URL when self-managed)."
    ));
}

// ---------------------------------------------------------------------------------------------
// Any platform that mints OIDC tokens into a file (Jenkins, …): the AWS CLI exchanges it

/// The job's token: its issuer, the STS audience, the job's exact subject.
fn token_trust(s: &Settings, p: &dyn TokenPlatform) -> TokenTrust {
    TokenTrust::new(p, &s.cicd, &s.name, STS_AUDIENCE)
}

fn token_job(s: &Settings, n: &Names, p: &dyn TokenPlatform, manifests: &mut Vec<DeploymentManifest>, d: &mut Vec<String>) {
    let out = format!("{}/secret.json", p.secrets_dir());
    let job = TokenJob {
        name: s.name.clone(),
        purpose: "secrets",
        principal: format!("aws-{}", s.role_name()),
        audience: STS_AUDIENCE.into(),
        environment: vec![
            ("AWS_REGION", s.aws.region.clone()),
            ("AWS_ROLE_ARN", n.consumer_role_arn.clone()),
            ("AWS_ROLE_SESSION_NAME", format!("{}-{}", p.slug(), s.name)),
            ("SECRET_ID", n.secret_name.clone()),
        ],
        inputs: Vec::new(),
        cron: None,
        // The AWS CLI's web identity provider reads the token file and AWS_ROLE_ARN itself.
        script: vec![
            format!("export AWS_WEB_IDENTITY_TOKEN_FILE=\"${}\"", ci::ID_TOKEN_FILE),
            format!("aws secretsmanager get-secret-value --secret-id \"$SECRET_ID\" --query SecretString --output text > \"{out}\""),
        ],
        cleanup: Vec::new(),
    };
    let trust = token_trust(s, p);
    d.push(format!(
        "{} needs no AWS key: the AWS CLI exchanges {} (AssumeRoleWithWebIdentity, AWS_WEB_IDENTITY_TOKEN_FILE) for temporary credentials of {}. The trust accepts issuer {} (AWS fetches its discovery document, so it must be reachable from the internet) with aud {} and sub {} exactly.",
        p.title(),
        p.token_text(&job.principal, &job.audience),
        n.role,
        trust.issuer,
        trust.audience,
        trust.subject
    ));
    d.push(format!("The job writes the secret JSON to {out} and never prints it."));
    p.render(&s.cicd, &[job], manifests, d);
}

// ---------------------------------------------------------------------------------------------
// Azure DevOps

fn azure_devops(s: &Settings, n: &Names, manifests: &mut Vec<DeploymentManifest>, d: &mut Vec<String>) {
    let var = format!("{}_JSON", env_prefix(s));
    let pipeline = Pipeline::steps(
        &s.cicd.branch,
        vec![
            json!({
                "task": versions::AWS_ADO_SECRET_TASK,
                "displayName": format!("Read {} from AWS Secrets Manager", n.secret_name),
                "inputs": {
                    "awsCredentials": ado_connection(s),
                    "regionName": s.aws.region,
                    "secretIdOrName": n.secret_name,
                    "variableName": var,
                },
            }),
            json!({
                "bash": format!("test -n \"${var}\""),
                "displayName": "Use the secret",
                "env": {var.clone(): format!("$({var})")},
            }),
        ],
    );
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, ado::PATH, pipeline.render()));
    let connection = [("service_connection", ado_connection(s))];
    ado::protect(&connection, &s.cicd.branch, manifests, d);
    let (org, project) = owner_repo(s);
    d.push(format!(
        "Azure Pipelines reads the secret with the AWS Toolkit task {} through the AWS service connection \"{}\" configured with \"Use OIDC\" and role {}; the task stores the value as a secret pipeline variable {var} (masked in logs), which later steps see only through an explicit env mapping.",
        versions::AWS_ADO_SECRET_TASK,
        ado_connection(s),
        n.consumer_role_arn
    ));
    d.push(format!(
        "The role trusts the Azure DevOps issuer https://{}{} with aud = {ADO_AUDIENCE} and sub = sc://{org}/{project}/{}; that issuer is deprecated and retires 2027-07-01 (the toolkit still requests tokens from it, aws-toolkit-azure-devops issue 614), so plan the move to the Entra issuer, before then.",
        ado_host(s),
        if s.cicd.oidc_issuer.is_none() { " (organization ID placeholder: set cicd.oidc_issuer)" } else { "" },
        ado_connection(s)
    ));
}
