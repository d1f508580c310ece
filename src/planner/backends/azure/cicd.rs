//! Azure Key Vault consumed from CI/CD: the pipeline file for each `cicd.platform` and the
//! federated credential that lets it act as the workload identity.
//! Every pipeline reads only the planned secret, never prints it, and hands it over masked or
//! as a file.

use hcl::expr::Expression;
use hcl::Block;
use serde_json::{json, Map};

use super::{federated_credential, Names, Source};
use crate::planner::choice::*;
use crate::planner::ci_env;
use crate::planner::targets::cicd::{self as ci, TokenJob, TokenPlatform, TokenTrust};
use crate::planner::{versions, DeploymentManifest, Settings};
use crate::render::tf;

use crate::planner::targets::cicd::azure_devops::{self as ado, Pipeline};
use crate::planner::targets::cicd::github::{self, OIDC_ISSUER as GITHUB_ISSUER};
use crate::planner::targets::cicd::gitlab::{self, OIDC_ISSUER as GITLAB_ISSUER};

fn service_connection(n: &Names) -> String {
    format!("sc-{}-keyvault", n.role)
}

/// The federated credentials (Terraform) for the platform.
pub(crate) fn federation(s: &Settings, n: &Names) -> Vec<Block> {
    let string_var = |name: &str, description: &str| {
        Block::builder(tf::key("variable"))
            .add_label(name)
            .add_attribute((tf::key("type"), Expression::Variable(hcl::expr::Variable::unchecked("string"))))
            .add_attribute((tf::key("description"), description))
            .build()
    };
    let repo = &s.cicd.repository;
    let branch = &s.cicd.branch;
    match s.cicd.platform {
        // One credential per trusted subject (the immutable one first, pinned to the IDs);
        // Azure refuses concurrent credential writes on one identity, so each waits for the last.
        CicdPlatform::GithubActions => github::trusted_subjects(&s.cicd)
            .into_iter()
            .enumerate()
            .map(|(i, subject)| {
                let (label, name) = if i == 0 {
                    ("github".to_string(), format!("github-{}", n.role))
                } else {
                    ("github_classic".to_string(), format!("github-{}-classic", n.role))
                };
                let after = (i > 0).then(|| tf::traversal("azurerm_federated_identity_credential", &["github"]));
                federated_credential(&label, &name, Expression::from(GITHUB_ISSUER), Expression::from(subject), after)
            })
            .collect(),
        CicdPlatform::GitlabCi => vec![federated_credential(
            "gitlab",
            &format!("gitlab-{}", n.role),
            Expression::from(GITLAB_ISSUER),
            Expression::from(gitlab::subject(repo, branch)),
            None,
        )],
        CicdPlatform::AzureDevops => vec![
            string_var(
                "azure_devops_subject",
                "Subject identifier shown on the Azure DevOps service connection (workload identity federation, manual), issued by Microsoft Entra.",
            ),
            federated_credential(
                "azure_devops",
                &format!("azure-devops-{}", n.role),
                Expression::from(format!("https://login.microsoftonline.com/{}/v2.0", s.azure.tenant_id)),
                tf::traversal("var", &["azure_devops_subject"]),
                None,
            ),
        ],
        // The job's token, its exact subject.
        platform => match ci::token_platform(platform) {
            Some(p) => {
                let trust = token_trust(s, p);
                vec![federated_credential(
                    p.slug(),
                    &format!("{}-{}", p.slug(), n.role),
                    Expression::from(trust.issuer),
                    Expression::from(trust.subject),
                    None,
                )]
            }
            None => Vec::new(),
        },
    }
}

/// What the pipeline does with the one secret it reads.
enum Handover {
    /// One single-line value into this variable.
    Value(&'static str),
    /// A JSON document whose username and password become DB_USERNAME and DB_PASSWORD.
    Database,
    /// A PEM bundle written to a file.
    File,
}

fn handover(s: &Settings, src: Source) -> Handover {
    match (src, s.credential) {
        (Source::Certificate { .. }, _) | (_, CredentialType::Certificate) => Handover::File,
        (_, CredentialType::Database) => Handover::Database,
        (_, CredentialType::ApiKey) => Handover::Value("API_KEY"),
        _ => Handover::Value("VALUE"),
    }
}

pub(crate) fn cicd_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (ConfigFormat, String) {
    let native = match s.cicd.platform {
        CicdPlatform::GithubActions => Some((github::path(&s.name, "secrets"), github_workflow(s, src, n, decisions))),
        CicdPlatform::GitlabCi => Some((gitlab::PATH.to_string(), gitlab_pipeline(s, src, n, decisions))),
        CicdPlatform::AzureDevops => Some(("azure-pipelines.yml".to_string(), azure_devops(s, src, n, decisions))),
        _ => None,
    };
    let text = match native {
        Some((filename, text)) => {
            manifests.push(DeploymentManifest::new(ManifestType::Cicd, &filename, text.clone()));
            text
        }
        None => ci::token_platform(s.cicd.platform)
            .map(|p| token_target(s, n, p, manifests, decisions))
            .unwrap_or_default(),
    };
    if s.cicd.platform == CicdPlatform::AzureDevops {
        let connection = [("service_connection", service_connection(n))];
        ado::protect(&connection, &s.cicd.branch, manifests, decisions);
    }
    decisions.push(format!(
        "The pipeline reads only the secret {} and needs no subscription-level role: the identity {} holds data-plane roles on that one object, so the Azure login allows no subscriptions.",
        n.object, n.identity
    ));
    // A pipeline file in another language (a Jenkinsfile is Groovy), which no config_format
    // names, is returned as text like the YAML ones.
    (ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions: azure/login with OIDC

fn github_workflow(s: &Settings, src: Source, n: &Names, decisions: &mut Vec<String>) -> String {
    let show = "az keyvault secret show --vault-name \"$KEY_VAULT_NAME\" --name \"$KEY_VAULT_OBJECT\" --query value --output tsv";
    let mut lines = vec!["set -euo pipefail".to_string()];
    match handover(s, src) {
        Handover::Value(var) => {
            lines.push(format!("value=\"$({show})\""));
            lines.extend(ci_env::github_env(var, "value"));
        }
        Handover::Database => {
            lines.push(format!("doc=\"$({show})\""));
            lines.push("username=\"$(printf '%s' \"$doc\" | jq -er .username)\"".into());
            lines.push("password=\"$(printf '%s' \"$doc\" | jq -er .password)\"".into());
            lines.extend(ci_env::github_env("DB_USERNAME", "username"));
            lines.extend(ci_env::github_env("DB_PASSWORD", "password"));
        }
        Handover::File => {
            lines.push("umask 077".into());
            lines.push(format!(
                "az keyvault secret download --vault-name \"$KEY_VAULT_NAME\" --name \"$KEY_VAULT_OBJECT\" --file \"$RUNNER_TEMP/{}.pem\"",
                n.object
            ));
            lines.push(ci_env::github_env_path(
                "CERTIFICATE_FILE",
                &format!("$RUNNER_TEMP/{}.pem", n.object),
            ));
        }
    }
    let steps = json!([
        {
            "name": "Log in to Azure",
            "uses": versions::AZURE_LOGIN.uses(),
            "with": {
                "client-id": "${{ secrets.AZURE_CLIENT_ID }}",
                "tenant-id": s.azure.tenant_id,
                "allow-no-subscriptions": true,
            },
        },
        {
            "name": "Read secrets from Key Vault",
            "env": {"KEY_VAULT_NAME": s.azure.vault_name, "KEY_VAULT_OBJECT": n.object},
            "run": lines.join("\n"),
        },
        github::cleanup_step(
            "Log out of Azure and remove secret files",
            serde_json::Map::new(),
            vec![format!("rm -f \"$RUNNER_TEMP/{}.pem\"", n.object), "az logout || true".to_string()],
        ),
    ]);
    let workflow = github::Workflow::on_push(&s.name, &s.cicd.branch, steps);
    decisions.push(format!(
        "GitHub Actions logs in with {} (OIDC, audience api://AzureADTokenExchange) as {}; set the repository secret AZURE_CLIENT_ID (as azure/login's own examples do; it is an identifier, not a credential) to `terraform output -raw workload_client_id`. Its federated credentials trust issuer {GITHUB_ISSUER} with {} (a federated credential matches the subject alone).",
        versions::AZURE_LOGIN.named(),
        n.identity,
        github::subjects_text(&s.cicd)
    ));
    decisions.push(match handover(s, src) {
        Handover::File => "The certificate's PEM bundle (key and chain) is downloaded to $RUNNER_TEMP with mode 0600 and CERTIFICATE_FILE names it.".into(),
        _ => "Each value is masked with ::add-mask:: before it is written to $GITHUB_ENV, so later steps see it and the log never does; a value that spans lines fails the step before it is printed or written.".into(),
    });
    decisions.push("The workflow's last step runs even after a failure or a cancel (if: always()): it removes any secret file from $RUNNER_TEMP and logs the Azure CLI out, so a self-hosted runner keeps no session; put your own steps before it.".into());
    workflow.render()
}

// ---------------------------------------------------------------------------------------------
// GitLab CI: id_tokens with the token-exchange audience, az login --federated-token

fn download_line(dir: &str, n: &Names, s: &Settings) -> String {
    format!(
        "az keyvault secret download --vault-name \"$KEY_VAULT_NAME\" --name \"$KEY_VAULT_OBJECT\" --file \"{dir}/{}\"",
        file_name(s, n)
    )
}

fn file_name(s: &Settings, n: &Names) -> String {
    match s.credential {
        CredentialType::Certificate => format!("{}.pem", n.object),
        CredentialType::Database => format!("{}.json", n.object),
        _ => n.object.clone(),
    }
}

fn gitlab_pipeline(s: &Settings, _src: Source, n: &Names, decisions: &mut Vec<String>) -> String {
    let dir = gitlab::SECRETS_DIR;
    let mut variables = Map::new();
    variables.insert("AZURE_TENANT_ID".into(), s.azure.tenant_id.clone().into());
    variables.insert("KEY_VAULT_NAME".into(), s.azure.vault_name.clone().into());
    variables.insert("KEY_VAULT_OBJECT".into(), n.object.clone().into());
    let job = gitlab::Job::new()
        .image(versions::AZURE_CLI_IMAGE)
        .id_token("AZURE_ID_TOKEN", super::TOKEN_EXCHANGE_AUDIENCE)
        .variables(variables)
        .on_branch(&s.cicd.branch)
        .script(vec![
            "az login --service-principal --username \"$AZURE_CLIENT_ID\" --tenant \"$AZURE_TENANT_ID\" --federated-token \"$AZURE_ID_TOKEN\" --allow-no-subscriptions --output none".to_string(),
            gitlab::make_secrets_dir(),
            download_line(dir, n, s),
        ])
        .cleanup(vec!["az logout || true".to_string()]);
    let pipeline = gitlab::Pipeline::new().job(format!("{}-secrets", s.name), job);
    decisions.push(format!(
        "GitLab CI requests an id_tokens token with aud {} (CI_JOB_JWT was removed in GitLab 17.0) and exchanges it with az login --federated-token as {}; set the CI/CD variable AZURE_CLIENT_ID to `terraform output -raw workload_client_id`. The federated credential trusts issuer {GITLAB_ISSUER} (use your instance URL when self-managed) for subject project_path:{}:ref_type:branch:ref:{}.",
        super::TOKEN_EXCHANGE_AUDIENCE,
        n.identity,
        s.cicd.repository,
        s.cicd.branch
    ));
    decisions.push(gitlab::subject_only_decision("The federated credential"));
    decisions.push(format!(
        "The job downloads the secret to {dir}/{} (a mode 0700 directory outside the project directory) instead of printing it; after_script logs out of Azure and removes the directory however the job ended; the job image is {}.",
        file_name(s, n),
        versions::AZURE_CLI_IMAGE
    ));
    pipeline.render()
}

// ---------------------------------------------------------------------------------------------
// Any platform that mints OIDC tokens into a file (Jenkins, …): az login --federated-token

/// The job's token: its issuer, the token-exchange audience, the job's exact subject.
fn token_trust(s: &Settings, p: &dyn TokenPlatform) -> TokenTrust {
    TokenTrust::new(p, &s.cicd, &s.name, super::TOKEN_EXCHANGE_AUDIENCE)
}

/// The job, rendered by the platform; returns the text of its pipeline file.
fn token_target(
    s: &Settings,
    n: &Names,
    p: &dyn TokenPlatform,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> String {
    let dir = p.secrets_dir();
    let job = TokenJob {
        name: s.name.clone(),
        purpose: "secrets",
        principal: format!("azure-{}", n.role),
        audience: super::TOKEN_EXCHANGE_AUDIENCE.into(),
        environment: vec![
            ("AZURE_TENANT_ID", s.azure.tenant_id.clone()),
            ("KEY_VAULT_NAME", s.azure.vault_name.clone()),
            ("KEY_VAULT_OBJECT", n.object.clone()),
        ],
        inputs: vec![(
            "AZURE_CLIENT_ID",
            format!("the client ID of {} (`terraform output -raw workload_client_id`)", n.identity),
        )],
        cron: None,
        script: vec![
            format!(
                "az login --service-principal --username \"$AZURE_CLIENT_ID\" --tenant \"$AZURE_TENANT_ID\" --federated-token \"$(cat \"${}\")\" --allow-no-subscriptions --output none",
                ci::ID_TOKEN_FILE
            ),
            download_line(dir, n, s),
        ],
        cleanup: vec!["az logout || true".to_string()],
    };
    let trust = token_trust(s, p);
    decisions.push(format!(
        "{} signs in to Microsoft Entra with no client secret: az login --federated-token exchanges {} as {}; its federated credential trusts issuer {} (Entra fetches the issuer's discovery document, so it must be reachable from the internet) with audience {} and subject {} exactly.",
        p.title(),
        p.token_text(&job.principal, &job.audience),
        n.identity,
        trust.issuer,
        trust.audience,
        trust.subject
    ));
    decisions.push(format!(
        "The job downloads the secret to {dir}/{} instead of printing it; its always-run cleanup logs out of Azure.",
        file_name(s, n)
    ));
    let first = manifests.len();
    p.render(&s.cicd, &[job], manifests, decisions);
    manifests.get(first).map(|m| m.content.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Azure Pipelines: AzureKeyVault@2 over a workload-identity service connection

fn azure_devops(s: &Settings, src: Source, n: &Names, decisions: &mut Vec<String>) -> String {
    let var = format!("$({})", n.object);
    let (env, script) = match handover(s, src) {
        Handover::Value(name) => (
            json!({ name: var }),
            format!("test -n \"${name}\" && echo \"{name} is mapped into this step's environment\""),
        ),
        Handover::Database => (
            json!({"DB_DOCUMENT": var}),
            "set -euo pipefail\nDB_USERNAME=\"$(printf '%s' \"$DB_DOCUMENT\" | jq -er .username)\"\nDB_PASSWORD=\"$(printf '%s' \"$DB_DOCUMENT\" | jq -er .password)\"\nexport DB_USERNAME DB_PASSWORD\necho \"DB_USERNAME and DB_PASSWORD are set for the commands below\"".to_string(),
        ),
        Handover::File => (
            json!({"CERTIFICATE_PEM": var}),
            format!(
                "set -euo pipefail\n{}\nprintf '%s\\n' \"$CERTIFICATE_PEM\" > \"{dir}/{}.pem\"\necho \"the certificate bundle is in {dir}/{}.pem\"",
                ado::make_secrets_dir(),
                n.object,
                n.object,
                dir = ado::SECRETS_DIR
            ),
        ),
    };
    let pipeline = Pipeline::steps(
        &s.cicd.branch,
        vec![
            json!({
                "task": "AzureKeyVault@2",
                "displayName": "Read secrets from Key Vault",
                "inputs": {
                    "azureSubscription": service_connection(n),
                    "KeyVaultName": s.azure.vault_name,
                    "SecretsFilter": n.object,
                },
            }),
            json!({
                "bash": script,
                "displayName": "Use secrets",
                "env": env,
            }),
            serde_json::to_value(ado::cleanup_step(Vec::new(), Default::default())).unwrap_or_default(),
        ],
    );
    decisions.push(format!(
        "Azure Pipelines reads the secret with AzureKeyVault@2 through the service connection \"{}\": create it as Azure Resource Manager, workload identity federation (manual), for the managed identity {} (client ID from `terraform output -raw workload_client_id`); new connections are issued by Microsoft Entra (https://login.microsoftonline.com/{}/v2.0), and the federated credential takes the subject identifier the connection shows through the azure_devops_subject variable, because the Azure DevOps issuer (vstoken.dev.azure.com) retires on 2027-07-01.",
        service_connection(n),
        n.identity,
        s.azure.tenant_id
    ));
    decisions.push(format!(
        "AzureKeyVault@2 makes the secret a secret pipeline variable $({}), masked in logs; a script sees it only through the explicit env mapping of the Use secrets step. A last step runs however the job went (condition: always()) and removes $(Agent.TempDirectory)/secretsint, where any secret file was written; put your own steps before it.",
        n.object
    ));
    pipeline.render()
}
