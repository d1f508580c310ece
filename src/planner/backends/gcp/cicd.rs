//! The CI/CD targets of GCP plans: a workload identity pool per pipeline platform.

use super::*;

// ---------------------------------------------------------------------------------------------
// CI/CD targets: a workload identity pool per pipeline, direct resource access (no service account)

/// The credential configuration file Google's auth libraries and gcloud read for workload identity
/// federation: where the subject token is and which provider accepts it.
#[derive(Serialize)]
pub(super) struct ExternalAccount {
    #[serde(rename = "type")]
    kind: &'static str,
    audience: String,
    subject_token_type: &'static str,
    token_url: &'static str,
    credential_source: CredentialSource,
    universe_domain: &'static str,
}

#[derive(Serialize)]
pub(super) struct CredentialSource {
    file: String,
}

pub(super) fn external_account(n: &Names, token_file: &str) -> String {
    render::json(&ExternalAccount {
        kind: "external_account",
        audience: format!("//iam.googleapis.com/{}", n.provider_name()),
        subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
        token_url: STS_URL,
        credential_source: CredentialSource { file: token_file.into() },
        universe_domain: "googleapis.com",
    })
}

/// The environment `ci/gcp-access-secret.sh` reads (besides GCP_ID_TOKEN).
pub(super) fn access_env(n: &Names, file: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GCP_WIF_AUDIENCE", format!("//iam.googleapis.com/{}", n.provider_name())),
        ("GCP_SECRET_VERSION", format!("{}/versions/latest", n.secret_name)),
        ("GCP_SECRET_FILE", file.into()),
    ]
}

pub(super) fn cicd_target(
    s: &Settings,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let (issuer, condition) = provider_claims(s);
    decisions.push(format!(
        "The workload identity pool {} ({PLATFORM_FILE}: one per pipeline platform and repository, shared by every workload whose pipelines run in {}) has one OIDC provider {} for issuer {issuer} with attribute_condition `{condition}`; the secret is granted directly to {}, so no Google service account or key exists.",
        n.pool,
        s.cicd.repository,
        n.provider,
        consumer_member(s, n)
    ));
    match s.cicd.platform {
        CicdPlatform::GithubActions => github_target(s, n, manifests, decisions),
        CicdPlatform::GitlabCi => gitlab_target(s, n, manifests, decisions),
        CicdPlatform::AzureDevops => azure_devops_target(s, n, manifests, decisions),
        platform => match ci::token_platform(platform) {
            Some(p) => token_target(s, n, p, manifests, decisions),
            None => (AuthMethod::Oidc, ConfigFormat::Json, String::new()),
        },
    }
}

/// Issuer and CEL attribute condition of the pool's provider for each platform. The provider is
/// the platform's, so its condition names the repository (its IDs) and never a workload's branch
/// or job: each workload's binding names those (`consumer_member`).
pub(super) fn provider_claims(s: &Settings) -> (String, String) {
    let repo = &s.cicd.repository;
    match s.cicd.platform {
        // The numeric IDs whatever the subject's format, then a branch subject of a trusted form.
        CicdPlatform::GithubActions => {
            let mut prefixes = vec![github::immutable_subject(repo, &s.cicd.owner_id, &s.cicd.repository_id, "")];
            if s.cicd.classic_subject {
                prefixes.push(github::subject(repo, ""));
            }
            let subjects: Vec<String> = prefixes.iter().map(|p| format!("assertion.sub.startsWith('{p}')")).collect();
            let subjects = if subjects.len() == 1 {
                subjects[0].clone()
            } else {
                format!("({})", subjects.join(" || "))
            };
            (
                GITHUB_ISSUER.into(),
                format!(
                    "assertion.repository_owner_id == '{}' && assertion.repository_id == '{}' && {subjects}",
                    s.cicd.owner_id, s.cicd.repository_id
                ),
            )
        }
        CicdPlatform::GitlabCi => (
            GITLAB_ISSUER.into(),
            format!(
                "assertion.namespace_id == '{}' && assertion.project_id == '{}' && assertion.project_path == '{repo}' && assertion.ref_type == 'branch' && assertion.ref_protected == 'true'",
                s.cicd.owner_id, s.cicd.repository_id
            ),
        ),
        CicdPlatform::AzureDevops => (
            ado::entra_issuer(&s.azure.tenant_id),
            format!("assertion.tid == '{}' && assertion.sub == '{}'", s.azure.tenant_id, s.cicd.principal_id),
        ),
        // The jobs under the issuer's root; each binding names its job's exact subject.
        platform => match ci::token_platform(platform) {
            Some(p) => {
                let job = p.subject(&s.cicd, "");
                let prefix = job.trim_end_matches('/');
                (p.issuer(&s.cicd), format!("assertion.sub.startsWith('{prefix}/')"))
            }
            None => (String::new(), "false".into()),
        },
    }
}

pub(super) fn attribute_mapping(s: &Settings) -> Vec<(&'static str, &'static str)> {
    match s.cicd.platform {
        CicdPlatform::GithubActions => vec![
            ("google.subject", "assertion.sub"),
            ("attribute.repository", "assertion.repository"),
            ("attribute.repository_id", "assertion.repository_id"),
            ("attribute.repository_owner", "assertion.repository_owner"),
            ("attribute.repository_owner_id", "assertion.repository_owner_id"),
            ("attribute.ref", "assertion.ref"),
        ],
        CicdPlatform::GitlabCi => vec![
            ("google.subject", "assertion.sub"),
            ("attribute.namespace_id", "assertion.namespace_id"),
            ("attribute.project_id", "assertion.project_id"),
            ("attribute.project_path", "assertion.project_path"),
            ("attribute.ref", "assertion.ref"),
        ],
        _ => vec![("google.subject", "assertion.sub")],
    }
}

pub(super) fn env_name(s: &Settings, field: &str) -> String {
    match s.credential {
        CredentialType::Database => format!("DB_{}", field.to_ascii_uppercase()),
        _ => field.to_ascii_uppercase(),
    }
}

/// Every file under `$RUNNER_TEMP` the GitHub job may write, quoted for the shell.
fn github_files(s: &Settings) -> Vec<String> {
    let mut out = vec![format!("\"$RUNNER_TEMP/{}.json\"", s.leaf())];
    if s.credential == CredentialType::Certificate {
        out.extend(s.credential.fields().iter().map(|f| format!("\"$RUNNER_TEMP/{f}.pem\"")));
    }
    out
}

pub(super) fn github_target(
    s: &Settings,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let file = github::path(&s.name, "secrets");
    let mut lines = vec![
        "set -euo pipefail".to_string(),
        "umask 077".to_string(),
        format!(
            "gcloud secrets versions access {}/versions/latest --out-file=\"$RUNNER_TEMP/{}.json\"",
            n.secret_name,
            s.leaf()
        ),
    ];
    let multiline = s.credential == CredentialType::Certificate;
    let fields: Vec<(&str, String)> = s.credential.fields().iter().map(|f| (*f, env_name(s, f))).collect();
    lines.extend(crate::planner::ci_env::github_fields(
        &format!("$RUNNER_TEMP/{}.json", s.leaf()),
        "",
        &fields,
        multiline,
    ));
    if !multiline {
        lines.push(format!("rm -f \"$RUNNER_TEMP/{}.json\"", s.leaf()));
    }
    let steps = serde_json::json!([
        {
            "name": "Authenticate to Google Cloud",
            "id": "auth",
            "uses": versions::GCP_AUTH.uses(),
            "with": {"workload_identity_provider": n.provider_name()},
        },
        {
            "name": "Read the secret from Secret Manager",
            "shell": "bash",
            "run": lines.join("\n"),
        },
        github::cleanup_step("Remove secret files", serde_json::Map::new(), vec![format!("rm -f {}", github_files(s).join(" "))]),
    ]);
    let text = github::Workflow::on_push(&s.name, &s.cicd.branch, steps).render();
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, &file, text.clone()));
    decisions.push(format!(
        "GitHub Actions authenticates with {} (permissions id-token: write) through provider {} with its default audience, then gcloud (preinstalled on ubuntu-latest) reads version \"latest\" once; {}",
        versions::GCP_AUTH.named(),
        n.provider_name(),
        if multiline {
            "PEM values span lines, so they are written to files under $RUNNER_TEMP and CERTIFICATE_FILE and PRIVATE_KEY_FILE name them."
        } else {
            "each field is masked with ::add-mask:: before it reaches $GITHUB_ENV, and a field that spans lines fails the step before it is printed or written."
        }
    ));
    decisions.push("The workflow's last step runs even after a failure or a cancel (if: always()) and removes every secret file from $RUNNER_TEMP; google-github-actions/auth removes its own credentials file in its post step. Put your own steps before the last one.".into());
    (AuthMethod::Oidc, ConfigFormat::Yaml, text)
}

/// The image GitLab, and any container runner, uses for the access script (sh, curl, sed, base64).
pub(super) fn gitlab_target(
    s: &Settings,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    use serde_json::Map;
    let out = format!("{}/{}.json", gitlab::SECRETS_DIR, s.leaf());
    let mut variables = Map::new();
    for (k, v) in access_env(n, &out) {
        variables.insert(k.into(), v.into());
    }
    // curlimages/curl: the access script needs only sh, curl, sed, tr and base64.
    let job = gitlab::Job::new()
        .image(versions::CURL_IMAGE)
        .id_token("GCP_ID_TOKEN", &format!("https://iam.googleapis.com/{}", n.provider_name()))
        .variables(variables)
        .script(vec![
            gitlab::make_secrets_dir(),
            format!("sh {ACCESS_SCRIPT_PATH}"),
            "echo \"the secret version is in $GCP_SECRET_FILE (mode 0600)\"".to_string(),
        ])
        .cleanup(Vec::new())
        .on_branch(&s.cicd.branch);
    let pipeline = gitlab::Pipeline::new().job(format!("{}-secrets", s.name), job);
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, gitlab::PATH, pipeline.render()));
    manifests.push(DeploymentManifest::new(
        ManifestType::Cicd,
        ACCESS_SCRIPT_PATH,
        ACCESS_SCRIPT.to_string(),
    ));
    decisions.push(format!(
        "GitLab CI requests an id_tokens token with aud https://iam.googleapis.com/{} (the provider's default allowed audience; CI_JOB_JWT was removed in GitLab 17.0), exchanges it at the Security Token Service and reads version \"latest\" into {} with {ACCESS_SCRIPT_PATH} (a mode 0700 directory outside the project directory, which after_script removes however the job ended); the provider accepts only project \"{}\" on a protected branch, and the secret's binding only branch \"{}\".",
        n.provider_name(),
        gitlab::SECRETS_DIR,
        s.cicd.repository,
        s.cicd.branch
    ));
    let config = external_account(n, ID_TOKEN_FILE);
    decisions.push("config/backend.json is a workload identity federation credential configuration: write $GCP_ID_TOKEN to .gcp/id-token.jwt in the job's working directory and point GOOGLE_APPLICATION_CREDENTIALS at the configuration to use Google's client libraries or gcloud instead of the script.".into());
    (AuthMethod::Oidc, ConfigFormat::Json, config)
}

/// Any platform that mints OIDC tokens into a file (Jenkins, …): the token's audience is the
/// provider's default, and ci/gcp-access-secret.sh exchanges it.
pub(super) fn token_target(
    s: &Settings,
    n: &Names,
    p: &dyn TokenPlatform,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let out = format!("{}/{}.json", p.secrets_dir(), s.leaf());
    // The file's path is set in the shell, where the platform's directory variable expands.
    let mut environment = access_env(n, &out);
    environment.retain(|(k, _)| *k != "GCP_SECRET_FILE");
    let job = TokenJob {
        name: s.name.clone(),
        purpose: "secrets",
        principal: format!("{}-gcp", n.role),
        audience: format!("https://iam.googleapis.com/{}", n.provider_name()),
        environment,
        inputs: Vec::new(),
        cron: None,
        script: vec![
            format!("GCP_ID_TOKEN=\"$(cat \"${}\")\"", ci::ID_TOKEN_FILE),
            "export GCP_ID_TOKEN".into(),
            format!("GCP_SECRET_FILE=\"{out}\" sh {ACCESS_SCRIPT_PATH}"),
        ],
        cleanup: Vec::new(),
    };
    let trust = TokenTrust::new(p, &s.cicd, &job.name, &job.audience);
    decisions.push(format!(
        "{} needs no Google key: {ACCESS_SCRIPT_PATH} exchanges {} with the STS for the federated identity and writes the version to {out}; the provider trusts issuer {} and accepts only sub {}, the planned job's.",
        p.title(),
        p.token_text(&job.principal, &job.audience),
        trust.issuer,
        trust.subject
    ));
    p.render(&s.cicd, &[job], manifests, decisions);
    manifests.push(DeploymentManifest::new(
        ManifestType::Cicd,
        ACCESS_SCRIPT_PATH,
        ACCESS_SCRIPT.to_string(),
    ));
    let config = external_account(n, ID_TOKEN_FILE);
    decisions.push(format!("config/backend.json is a workload identity federation credential configuration for Google's client libraries and gcloud: copy the job's token to {ID_TOKEN_FILE} in the working directory and point GOOGLE_APPLICATION_CREDENTIALS at the configuration."));
    (AuthMethod::Oidc, ConfigFormat::Json, config)
}

/// The application ID URI the pool's provider accepts as audience: the platform's, one per project.
pub(super) fn ado_app_uri(n: &Names) -> String {
    format!("api://{}-gcp-federation", n.project)
}

pub(super) fn azure_devops_target(
    s: &Settings,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let connection = format!("{}-gcp", n.role);
    // A pipeline variable: the macro form, which Azure Pipelines expands (it would not expand $AGENT_TEMPDIRECTORY there).
    let out = format!("{}/{}.json", ado::SECRETS_DIR_MACRO, s.leaf());
    let mut variables: Vec<ado::Variable> = access_env(n, &out).into_iter().map(|(k, v)| ado::Variable::named(k, &v)).collect();
    variables.push(ado::Variable::named("GCP_TOKEN_RESOURCE", &ado_app_uri(n)));
    let script = [
        "set -euo pipefail".to_string(),
        ado::entra_token_line("GCP_ID_TOKEN", "GCP_TOKEN_RESOURCE"),
        "export GCP_ID_TOKEN".to_string(),
        ado::make_secrets_dir(),
        format!("sh {ACCESS_SCRIPT_PATH}"),
    ]
    .join("\n");
    let step = ado::AzureCliStep::new(&connection, "Read the secret from Secret Manager", script);
    let steps = vec![
        serde_json::to_value(step).unwrap_or_default(),
        serde_json::to_value(ado::cleanup_step(Vec::new(), Default::default())).unwrap_or_default(),
    ];
    let job = Job::new("secrets", format!("{} secrets", s.name), steps);
    manifests.push(DeploymentManifest::new(
        ManifestType::Cicd,
        ado::PATH,
        Pipeline::jobs(&s.cicd.branch, Vec::new(), variables, vec![job]).render(),
    ));
    let protected = [("service_connection", connection.clone())];
    ado::protect(&protected, &s.cicd.branch, manifests, decisions);
    manifests.push(DeploymentManifest::new(
        ManifestType::Cicd,
        ACCESS_SCRIPT_PATH,
        ACCESS_SCRIPT.to_string(),
    ));
    decisions.push(format!(
        "Azure Pipelines has no OIDC token Google can verify for a pipeline itself, so the AzureCLI@2 task logs in through the workload identity service connection \"{connection}\" (Entra issuer, not the retiring Azure DevOps issuer) and asks Entra for an access token for the application ID URI {}, which the pool's provider trusts (issuer {}, allowed audience {}); register that URI on an Entra application; the provider admits the connection's service principal {} (cicd.principal_id) only.",
        ado_app_uri(n),
        ado::entra_issuer(&s.azure.tenant_id),
        ado_app_uri(n),
        s.cicd.principal_id
    ));
    let config = external_account(n, ID_TOKEN_FILE);
    decisions.push("config/backend.json is a workload identity federation credential configuration for Google's client libraries and gcloud: write the Entra access token to .gcp/id-token.jwt in the working directory and point GOOGLE_APPLICATION_CREDENTIALS at the configuration.".into());
    (AuthMethod::Oidc, ConfigFormat::Json, config)
}
