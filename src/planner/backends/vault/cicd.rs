//! The CI/CD target of Vault plans: every platform logs in at a JWT auth mount with a token of its own.

use super::*;

// ---------------------------------------------------------------------------------------------
// CI/CD target: GitHub Actions with JWT (OIDC)

/// The `aud` every GitHub token for Vault carries, matched by the role's bound_audiences.
pub(super) fn github_audience(s: &Settings) -> String {
    s.vault.address.clone()
}

/// Exact matches (`bound_claims_type = "string"`): the two numeric IDs whatever the subject's
/// format, the ref, and the trusted subjects (a comma-separated list is "any of").
pub(super) fn github_bound_claims(s: &Settings) -> Vec<(&'static str, String)> {
    vec![
        ("repository_owner_id", s.cicd.owner_id.clone()),
        ("repository_id", s.cicd.repository_id.clone()),
        ("ref", format!("refs/heads/{}", s.cicd.branch)),
        ("sub", github::trusted_subjects(&s.cicd).join(",")),
    ]
}

/// The environment every Vault step of a GitHub job reads.
fn github_vault_env(s: &Settings) -> serde_json::Map<String, serde_json::Value> {
    let mut env = serde_json::Map::new();
    env.insert("VAULT_ADDR".into(), s.vault.address.clone().into());
    if let Some(ns) = &s.vault.namespace {
        env.insert("VAULT_NAMESPACE".into(), ns.clone().into());
    }
    env
}

/// `curl` with the token as a header on stdin (never on its command line) and the namespace.
const GITHUB_VAULT_CURL: &str = "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --header @- --header \"X-Vault-Namespace: ${VAULT_NAMESPACE:-}\"";

/// Logs in with the job's own OIDC token (no action: a shell step, so no third-party code sees
/// the token) and hands the masked Vault token to later steps.
fn github_login_step(s: &Settings, role: &str) -> serde_json::Value {
    let mut env = github_vault_env(s);
    env.insert("VAULT_AUTH_PATH".into(), s.vault.auth_mount.clone().into());
    env.insert("VAULT_ROLE".into(), role.into());
    env.insert("OIDC_AUDIENCE".into(), github_audience(s).into());
    let mut lines = vec!["set -euo pipefail".to_string()];
    lines.extend(github::id_token_lines());
    lines.push(
        r#"VAULT_TOKEN="$(printf '{"role":"%s","jwt":"%s"}' "$VAULT_ROLE" "$jwt" | curl --silent --show-error --fail --request POST --header "X-Vault-Namespace: ${VAULT_NAMESPACE:-}" --data @- "$VAULT_ADDR/v1/auth/$VAULT_AUTH_PATH/login" | jq -er '.auth.client_token')""#
            .to_string(),
    );
    lines.extend(crate::planner::ci_env::github_env("VAULT_TOKEN", "VAULT_TOKEN"));
    serde_json::json!({
        "name": "Log in to Vault",
        "shell": "bash",
        "env": env,
        "run": lines.join("\n"),
    })
}

/// The job's last step, run even after a failure or a cancel: removes every file under
/// `$RUNNER_TEMP` that held secret material and revokes the Vault token (and with it every
/// lease it created, such as dynamic database credentials).
fn github_cleanup_step(s: &Settings, files: &[String]) -> serde_json::Value {
    let mut lines = Vec::new();
    if !files.is_empty() {
        let quoted: Vec<String> = files.iter().map(|f| format!("\"$RUNNER_TEMP/{f}\"")).collect();
        lines.push(format!("rm -f {}", quoted.join(" ")));
    }
    lines.push("if [ -n \"${VAULT_TOKEN:-}\" ]; then".to_string());
    lines.push(format!(
        "  {GITHUB_VAULT_CURL} --request POST \"$VAULT_ADDR/v1/auth/token/revoke-self\" || echo '::warning::the Vault token could not be revoked; it expires with its TTL'"
    ));
    lines.push("fi".to_string());
    github::cleanup_step("Revoke the Vault token and remove secret files", github_vault_env(s), lines)
}

/// Reads `path` once into a file under `$RUNNER_TEMP` and hands each field to later steps:
/// single-line values masked in `$GITHUB_ENV`, PEM values as files named by `<VAR>_FILE`.
/// Returns the step and the files the cleanup step removes.
fn github_read_step(s: &Settings, path: &str, fields: &[&str], data: &str) -> (serde_json::Value, Vec<String>) {
    let response = "vault-response.json".to_string();
    let mut lines = vec![
        "set -euo pipefail".to_string(),
        "umask 077".to_string(),
        format!("{GITHUB_VAULT_CURL} --output \"$RUNNER_TEMP/{response}\" \"$VAULT_ADDR/v1/{path}\""),
    ];
    let mut files = vec![response.clone()];
    let multiline = s.credential == CredentialType::Certificate;
    let named: Vec<(&str, String)> = fields.iter().map(|f| (*f, env_name(s, f))).collect();
    lines.extend(crate::planner::ci_env::github_fields(
        &format!("$RUNNER_TEMP/{response}"),
        data,
        &named,
        multiline,
    ));
    if multiline {
        files.extend(fields.iter().map(|f| format!("{f}.pem")));
    }
    lines.push(format!("rm -f \"$RUNNER_TEMP/{response}\""));
    let step = serde_json::json!({
        "name": "Read the secret",
        "shell": "bash",
        "env": github_vault_env(s),
        "run": lines.join("\n"),
    });
    (step, files)
}

pub(super) fn env_name(s: &Settings, field: &str) -> String {
    match s.credential {
        CredentialType::Database => format!("DB_{}", field.to_ascii_uppercase()),
        _ => field.to_ascii_uppercase(),
    }
}

pub(super) fn cicd_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    match s.cicd.platform {
        CicdPlatform::GitlabCi => return gitlab_target(s, src, n, manifests, decisions),
        CicdPlatform::AzureDevops => return azure_devops_target(s, src, n, manifests, decisions),
        CicdPlatform::GithubActions => {}
        platform => {
            if let Some(p) = ci::token_platform(platform) {
                return token_target(s, src, n, p, manifests, decisions);
            }
        }
    }
    let workflow_file = github::path(&s.name, "secrets");
    let mut steps = vec![github_login_step(s, &n.role)];
    let files = match src {
        Source::Pki { ttl } => {
            let body = issue_body(s, ttl).to_string();
            let mut env = github_vault_env(s);
            env.insert("ISSUE_BODY".into(), body.into());
            steps.push(serde_json::json!({
                "name": "Issue a certificate",
                "shell": "bash",
                "env": env,
                "run": format!(
                    "set -euo pipefail\numask 077\n{GITHUB_VAULT_CURL} --request POST --data \"$ISSUE_BODY\" --output \"$RUNNER_TEMP/certificate.json\" \"$VAULT_ADDR/v1/{}\"",
                    n.consumer_path
                ),
            }));
            vec!["certificate.json".to_string()]
        }
        Source::Kv { .. } => {
            let (step, files) = github_read_step(s, &n.kv_data, s.credential.fields(), ".data.data");
            steps.push(step);
            files
        }
        _ => {
            let (step, files) = github_read_step(s, &n.consumer_path, &["username", "password"], ".data");
            steps.push(step);
            files
        }
    };
    steps.push(github_cleanup_step(s, &files));
    let text = github::Workflow::on_push(&s.name, &s.cicd.branch, serde_json::Value::from(steps)).render();
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, &workflow_file, text.clone()));
    if let Source::Kv { schedule: Some(sch) } = src {
        let mut env = serde_json::Map::new();
        env.insert("VAULT_ADDR".into(), s.vault.address.clone().into());
        if let Some(ns) = &s.vault.namespace {
            env.insert("VAULT_NAMESPACE".into(), ns.clone().into());
        }
        for e in rotation_env(s, n, sch) {
            env.insert(e.name.into(), e.value.into());
        }
        let rotate = github::Workflow::on_schedule(
            format!("{} rotate {}", s.name, s.leaf()),
            &github_cron(sch),
            "rotate",
            format!("{}-rotate", s.name),
            serde_json::json!([
                {"uses": crate::planner::versions::CHECKOUT.uses(), "with": {"persist-credentials": false}},
                github_login_step(s, &n.rotator_role),
                {"name": "Rotate", "env": env, "run": "sh ci/rotate-kv.sh"},
                github_cleanup_step(s, &[]),
            ]),
        );
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            &github::path(&s.name, "rotate"),
            rotate.render(),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            rotate_script(s).to_string(),
        ));
        decisions.push(format!(
            "The rotation workflow runs on schedule \"{}\" from the default branch, which must be \"{}\" for the rotator role's ref binding to match; it logs in as {} and runs ci/rotate-kv.sh.",
            github_cron(sch),
            s.cicd.branch,
            n.rotator_role
        ));
    }
    let handover = match src {
        Source::Pki { .. } => "the issued certificate, key and chain are in $RUNNER_TEMP/certificate.json".to_string(),
        _ if s.credential == CredentialType::Certificate => {
            "each PEM field is written to $RUNNER_TEMP/<field>.pem and <FIELD>_FILE names it".to_string()
        }
        _ => "each field is masked with ::add-mask:: before it reaches $GITHUB_ENV, and a value that spans lines fails the step before anything prints it".to_string(),
    };
    decisions.push(format!(
        "The workflow runs no third-party action for Vault: a bash step requests the job's OIDC token from the runner and logs in with it, masking both tokens before use, then {handover}. Its last step runs even after a failure or a cancel (if: always()), removes those files from $RUNNER_TEMP and revokes the Vault token (auth/token/revoke-self), which also revokes every lease the job created; put your own steps before it."
    ));
    decisions.push(format!(
        "GitHub Actions logs in through the JWT auth mount \"{}\" (configured with oidc_discovery_url = bound_issuer = {GITHUB_ISSUER}) with audience \"{}\"; the role matches claims exactly (bound_claims_type = \"string\"): repository_owner_id {}, repository_id {}, ref refs/heads/{} and {}.",
        s.vault.auth_mount,
        github_audience(s),
        s.cicd.owner_id,
        s.cicd.repository_id,
        s.cicd.branch,
        github::subjects_text(&s.cicd)
    ));
    (AuthMethod::Jwt, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: GitLab CI with id_tokens (CI_JOB_JWT was removed in GitLab 17.0)

pub(super) fn gitlab_bound_claims(s: &Settings) -> Vec<(&'static str, String)> {
    vec![
        ("namespace_id", s.cicd.owner_id.clone()),
        ("project_id", s.cicd.repository_id.clone()),
        ("project_path", s.cicd.repository.clone()),
        ("ref", s.cicd.branch.clone()),
        ("ref_type", "branch".into()),
        ("ref_protected", "true".into()),
    ]
}

/// Logs in at the JWT mount `$VAULT_AUTH_PATH` as `role` (a shell word: a literal role name or
/// a variable) with the CI platform's token in `$VAULT_ID_TOKEN`, at the Vault address held by
/// the variable `addr`. The token reaches curl on stdin, never its command line; the response is
/// parsed with sed (no jq on every CI image); the `test` line fails the job when Vault refuses.
pub(super) fn jwt_login(role: &str, addr: &str) -> [String; 3] {
    [
        format!(
            r#"VAULT_TOKEN="$(printf '{{"role":"%s","jwt":"%s"}}' "{role}" "$VAULT_ID_TOKEN" | curl --silent --show-error --fail --request POST --header "X-Vault-Namespace: ${{VAULT_NAMESPACE:-}}" --data @- "${addr}/v1/auth/$VAULT_AUTH_PATH/login" | sed -n 's/.*"client_token":"\([^"]*\)".*/\1/p')""#
        ),
        r#"test -n "$VAULT_TOKEN""#.to_string(),
        "export VAULT_TOKEN".to_string(),
    ]
}

/// After the login: keeps the token in the job's private directory `dir` (mode 0600), where the
/// cleanup, another shell or step, finds it for [`revoke_kept_token`].
fn keep_token(dir: &str) -> String {
    format!("printf '%s' \"$VAULT_TOKEN\" > \"{dir}/vault-token\"")
}

/// The shell line of a cleanup step that revokes the Vault token a job kept in `dir` (and with
/// it every lease the token created), where `addr` names the variable holding Vault's address.
/// A missing token (the login never happened) is no error, nor is a Vault that cannot be reached.
fn revoke_kept_token(dir: &str, addr: &str) -> String {
    let token = format!("{dir}/vault-token");
    format!(
        "if [ -s \"{token}\" ]; then printf 'X-Vault-Token: %s\\n' \"$(cat \"{token}\")\" | curl --silent --show-error --request POST --header @- --header \"X-Vault-Namespace: ${{VAULT_NAMESPACE:-}}\" \"${addr}/v1/auth/token/revoke-self\" || echo 'the Vault token could not be revoked; it expires with its TTL'; fi"
    )
}

/// `after_script` lines that revoke the job's Vault token (and every lease it created).
fn gitlab_revoke() -> Vec<String> {
    vec![revoke_kept_token(gitlab::SECRETS_DIR, "VAULT_SERVER_URL")]
}

/// One API call with the logged-in token, at the Vault address held by the variable `addr`: the
/// token reaches curl as a header on stdin, never its command line, and the response goes to
/// the file `output`, never the log.
pub(super) fn vault_call(addr: &str, method: &str, path: &str, body: Option<String>, output: &str) -> String {
    let mut call = format!(
        "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request {method} --header @- --header \"X-Vault-Namespace: ${{VAULT_NAMESPACE:-}}\" --output \"{output}\""
    );
    if let Some(body) = body {
        call.push_str(&format!(" --data '{body}'"));
    }
    call.push_str(&format!(" \"${addr}/v1/{path}\""));
    call
}

pub(super) fn gitlab_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    use serde_json::{json, Map, Value};
    let mut variables = Map::new();
    variables.insert("VAULT_SERVER_URL".into(), s.vault.address.clone().into());
    variables.insert("VAULT_AUTH_PATH".into(), s.vault.auth_mount.clone().into());
    variables.insert("VAULT_AUTH_ROLE".into(), n.role.clone().into());
    if let Some(ns) = &s.vault.namespace {
        variables.insert("VAULT_NAMESPACE".into(), ns.clone().into());
    }
    let mut job = gitlab::Job::new().id_token("VAULT_ID_TOKEN", &github_audience(s));
    match src {
        Source::Kv { .. } => {
            let mut secrets = Map::new();
            for f in s.credential.fields() {
                secrets.insert(
                    env_name(s, f),
                    json!({
                        "vault": {"engine": {"name": "kv-v2", "path": s.vault.kv_mount}, "path": n.kv_key, "field": f},
                        "file": false,
                        "token": "$VAULT_ID_TOKEN",
                    }),
                );
            }
            job = job
                .secrets(secrets)
                .script(vec!["echo \"secrets from Vault are in the job's environment\""]);
        }
        _ => {
            let (method, body, out) = match src {
                Source::Pki { ttl } => (
                    "POST",
                    Some(issue_body(s, ttl).to_string()),
                    format!("{}/certificate.json", gitlab::SECRETS_DIR),
                ),
                _ => ("GET", None, format!("{}/db-credentials.json", gitlab::SECRETS_DIR)),
            };
            let mut script = vec![json!(gitlab::make_secrets_dir())];
            script.extend(jwt_login("$VAULT_AUTH_ROLE", "VAULT_SERVER_URL").map(Value::from));
            script.push(keep_token(gitlab::SECRETS_DIR).into());
            script.push(vault_call("VAULT_SERVER_URL", method, &n.consumer_path, body, &out).into());
            // curlimages/curl's entrypoint is curl itself; the job image clears it for a shell.
            job = job
                .image(crate::planner::versions::CURL_IMAGE)
                .script(script)
                .cleanup(gitlab_revoke());
        }
    }
    // Scheduled pipelines run only the rotation job.
    job = job.variables(variables.clone()).on_branch_unscheduled(&s.cicd.branch);
    let mut pipeline = gitlab::Pipeline::new().job(format!("{}-secrets", s.name), job);
    if let Source::Kv { schedule: Some(sch) } = src {
        let mut vars = variables.clone();
        vars.insert("VAULT_AUTH_ROLE".into(), n.rotator_role.clone().into());
        for e in rotation_env(s, n, sch) {
            vars.insert(e.name.into(), e.value.into());
        }
        vars.insert("VAULT_ADDR".into(), "$VAULT_SERVER_URL".into());
        let mut script: Vec<Value> = vec![gitlab::make_secrets_dir().into()];
        script.extend(jwt_login("$VAULT_AUTH_ROLE", "VAULT_SERVER_URL").map(Value::from));
        script.push(keep_token(gitlab::SECRETS_DIR).into());
        script.push("sh ci/rotate-kv.sh".into());
        pipeline = pipeline.job(
            format!("{}-rotate-{}", s.name, s.leaf()),
            gitlab::Job::new()
                .image(crate::planner::versions::CURL_IMAGE)
                .id_token("VAULT_ID_TOKEN", &github_audience(s))
                .variables(vars)
                .on_schedule()
                .script(script)
                .cleanup(gitlab_revoke()),
        );
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            rotate_script(s).to_string(),
        ));
        decisions.push(format!(
            "The rotation job runs only in scheduled pipelines: create a pipeline schedule on branch \"{}\" with cron \"{}\" in the project settings (GitLab keeps schedules outside .gitlab-ci.yml); it logs in as {} and runs ci/rotate-kv.sh.",
            s.cicd.branch,
            sch.cron(),
            n.rotator_role
        ));
    }
    let text = pipeline.render();
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, gitlab::PATH, text.clone()));
    decisions.push(format!(
        "GitLab CI logs in through the JWT auth mount \"{}\" (configured with oidc_discovery_url = bound_issuer = {GITLAB_ISSUER}, or your instance URL) with an id_tokens token whose aud is \"{}\" (CI_JOB_JWT was removed in GitLab 17.0); the role binds namespace_id {} and project_id {} (so a recycled or moved path gets nothing), project \"{}\" and protected branch \"{}\".",
        s.vault.auth_mount,
        github_audience(s),
        s.cicd.owner_id,
        s.cicd.repository_id,
        s.cicd.repository,
        s.cicd.branch
    ));
    (AuthMethod::Jwt, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: any platform that mints OIDC tokens into a file (Jenkins, …), at a JWT auth mount

/// The platform's name of the token credential (or setting) of a role.
fn token_principal(role: &str) -> String {
    format!("vault-{role}")
}

/// The job a role's token comes from: the secrets job, or the rotation job.
fn token_job_name(s: &Settings, rotator: bool) -> String {
    if rotator {
        format!("{}-rotate", s.name)
    } else {
        s.name.clone()
    }
}

/// The exact `sub` of the tokens of the secrets job, or of the rotation job.
fn token_subject(s: &Settings, p: &dyn TokenPlatform, rotator: bool) -> String {
    p.subject(&s.cicd, &token_job_name(s, rotator))
}

/// Exact matches on the token of the planned job: its subject, which names the job.
pub(super) fn token_bound_claims(s: &Settings, p: &dyn TokenPlatform, rotator: bool) -> Vec<(&'static str, String)> {
    vec![("sub", token_subject(s, p, rotator))]
}

/// How the SDK's decisions name the job's token.
pub(super) fn token_text(s: &Settings, p: &dyn TokenPlatform, role: &str) -> String {
    format!(
        "{}, which the step that runs the code exports from its file (export VAULT_ID_TOKEN=\"$(cat \"${}\")\")",
        p.token_text(&token_principal(role), &github_audience(s)),
        ci::ID_TOKEN_FILE
    )
}

pub(super) fn token_target(
    s: &Settings,
    src: Source,
    n: &Names,
    p: &dyn TokenPlatform,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let dir = p.secrets_dir();
    let mut environment = vec![
        ("VAULT_ADDR", s.vault.address.clone()),
        ("VAULT_AUTH_PATH", s.vault.auth_mount.clone()),
    ];
    if let Some(ns) = &s.vault.namespace {
        environment.push(("VAULT_NAMESPACE", ns.clone()));
    }
    let curl =
        |method: &str, body: Option<String>, out: &str, path: &str| vault_call("VAULT_ADDR", method, path, body, &format!("{dir}/{out}"));
    let (out, read) = match src {
        Source::Pki { ttl } => (
            "certificate.json",
            curl("POST", Some(issue_body(s, ttl).to_string()), "certificate.json", &n.consumer_path),
        ),
        Source::Kv { .. } => ("secret.json", curl("GET", None, "secret.json", &n.kv_data)),
        _ => ("db-credentials.json", curl("GET", None, "db-credentials.json", &n.consumer_path)),
    };
    // The token file's content goes to curl on stdin (jwt_login), never on a command line; the
    // Vault token is kept where the always-run cleanup finds it to revoke it.
    let login = |role: &str| {
        let mut lines = vec![format!("VAULT_ID_TOKEN=\"$(cat \"${}\")\"", ci::ID_TOKEN_FILE)];
        lines.extend(jwt_login(role, "VAULT_ADDR"));
        lines.push(keep_token(dir));
        lines
    };
    let job = |rotator: bool, role: &str, environment: Vec<(&'static str, String)>, cron: Option<String>, work: String| {
        let mut script = login(role);
        script.push(work);
        TokenJob {
            name: token_job_name(s, rotator),
            purpose: if rotator { "rotate" } else { "secrets" },
            principal: token_principal(role),
            audience: github_audience(s),
            environment,
            inputs: Vec::new(),
            cron,
            script,
            cleanup: vec![revoke_kept_token(dir, "VAULT_ADDR")],
        }
    };
    let mut jobs = vec![job(false, &n.role, environment.clone(), None, read)];
    let mut subjects = vec![format!("{} only {}", n.role, token_subject(s, p, false))];
    if let Source::Kv { schedule: Some(sch) } = src {
        let mut env = environment.clone();
        env.extend(rotation_env(s, n, sch).into_iter().map(|e| (e.name, e.value)));
        jobs.push(job(true, &n.rotator_role, env, Some(sch.cron()), "sh ci/rotate-kv.sh".into()));
        subjects.push(format!("{} only {}", n.rotator_role, token_subject(s, p, true)));
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            rotate_script(s).to_string(),
        ));
        decisions.push(format!(
            "The rotation job \"{}\" logs in as {} and runs ci/rotate-kv.sh; the secrets job's token cannot log in as that role.",
            token_job_name(s, true),
            n.rotator_role
        ));
    }
    let trust = TokenTrust::new(p, &s.cicd, &s.name, &github_audience(s));
    // Each job has its own token: the rotation job's is not the secrets job's.
    let tokens: Vec<String> = jobs
        .iter()
        .map(|job| format!("{} job: {}", job.purpose, p.token_text(&job.principal, &job.audience)))
        .collect();
    decisions.push(format!(
        "{} logs in to Vault with no stored credential: each job exchanges its own token ({}) at the JWT auth mount \"{}\", configured with oidc_discovery_url = bound_issuer = {} (Vault fetches its discovery document and keys from there). Each role matches the audience and sub exactly (bound_claims_type = \"string\"): {}.",
        p.title(),
        tokens.join("; "),
        s.vault.auth_mount,
        trust.issuer,
        subjects.join("; ")
    ));
    decisions.push(format!(
        "The secrets job writes the Vault response to {dir}/{out} and never prints it; each job's always-run cleanup revokes its Vault token (auth/token/revoke-self, which also ends every lease it created)."
    ));
    let text = p.render(&s.cicd, &jobs, manifests, decisions);
    (AuthMethod::Jwt, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: Azure Pipelines with an Entra access token of its service connection

/// Azure Pipelines allows at most 1000 scheduled runs a week; every 15 minutes is 672.
pub(super) const ADO_MIN_CHECK: u64 = 15 * MINUTE;

/// The workload identity service connection a role's job signs in through.
pub(super) fn ado_connection(role: &str) -> String {
    format!("{role}-vault")
}

/// The application ID URI the pipeline requests an Entra access token for: the `aud` Vault's
/// role requires, so a token the principal holds for anything else (Azure Resource Manager,
/// Microsoft Graph) does not log in.
pub(super) fn ado_audience(role: &str) -> String {
    format!("api://{role}-vault-federation")
}

/// Exact matches on the Entra access token: the tenant (`tid`), and the object ID (`oid`) of the
/// service principal behind the job's service connection.
pub(super) fn ado_bound_claims(s: &Settings, rotator: bool) -> Vec<(&'static str, String)> {
    let principal = if rotator {
        &s.cicd.rotator_principal_id
    } else {
        &s.cicd.principal_id
    };
    vec![("tid", s.azure.tenant_id.clone()), ("oid", principal.clone())]
}

/// The job's last step: revokes the Vault token the job left in the secrets directory (and every
/// lease it created), then removes the directory.
fn ado_cleanup() -> AdoStep {
    ado::cleanup_step(vec![revoke_kept_token(ado::SECRETS_DIR, "VAULT_ADDR")], Default::default())
}

/// The script of a job's AzureCLI@2 step: the Entra access token, the login as `role` with it,
/// the Vault token kept where the cleanup step finds it, then `lines`.
fn ado_login_script(role: &str, lines: Vec<String>) -> String {
    let mut script = vec![
        "set -euo pipefail".to_string(),
        ado::make_secrets_dir(),
        ado::entra_token_line("VAULT_ID_TOKEN", "VAULT_TOKEN_RESOURCE"),
    ];
    script.extend(jwt_login(role, "VAULT_ADDR"));
    script.push(keep_token(ado::SECRETS_DIR));
    script.extend(lines);
    script.join("\n")
}

/// The bash lines that fetch the planned credential once and hand each value to later steps.
/// Returns the lines and the names of the variables they set (secret values, or file paths).
pub(super) fn ado_fetch(s: &Settings, src: Source, n: &Names) -> (Vec<String>, Vec<String>) {
    let dir = ado::SECRETS_DIR;
    let call = |method: &str, body: Option<String>, out: &str| vault_call("VAULT_ADDR", method, &n.consumer_path, body, out);
    let mut lines = Vec::new();
    let mut vars = Vec::new();
    match src {
        Source::Pki { ttl } => {
            let body = issue_body(s, ttl).to_string();
            lines.push(call("POST", Some(body), &format!("{dir}/certificate.json")));
            lines.push(format!(
                "echo \"##vso[task.setvariable variable=CERTIFICATE_JSON_FILE]{dir}/certificate.json\""
            ));
            vars.push("CERTIFICATE_JSON_FILE".into());
        }
        _ => {
            let out = format!("{dir}/response.json");
            lines.push(call("GET", None, &out));
            let (data, fields): (&str, &[&str]) = match src {
                Source::Kv { .. } => (".data.data", s.credential.fields()),
                _ => (".data", &["username", "password"]),
            };
            for f in fields {
                let var = env_name(s, f);
                if s.credential == CredentialType::Certificate {
                    // PEM spans lines, which one logging command cannot carry: hand over a file.
                    lines.push(format!("jq -er '{data}.{f}' \"{out}\" > \"{dir}/{f}.pem\""));
                    lines.push(format!("echo \"##vso[task.setvariable variable={var}_FILE]{dir}/{f}.pem\""));
                    vars.push(format!("{var}_FILE"));
                } else {
                    lines.push(format!("value=\"$(jq -er '{data}.{f}' \"{out}\")\""));
                    lines.extend(crate::planner::ci_env::azure_devops_secret(&var, "value"));
                    vars.push(var);
                }
            }
            lines.push(format!("rm -f \"{out}\""));
        }
    }
    (lines, vars)
}

pub(super) fn azure_devops_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let named = Variable::named;
    let mut variables = vec![
        named("VAULT_ADDR", &s.vault.address),
        named("VAULT_AUTH_PATH", &s.vault.auth_mount),
        named("VAULT_TOKEN_RESOURCE", &ado_audience(&n.role)),
    ];
    if let Some(ns) = &s.vault.namespace {
        variables.push(named("VAULT_NAMESPACE", ns));
    }
    let (fetch, handed_over) = ado_fetch(s, src, n);
    let read = ado::AzureCliStep::new(
        &ado_connection(&n.role),
        "Read secrets from Vault",
        ado_login_script(&n.role, fetch),
    );
    let steps = vec![
        serde_json::to_value(read).unwrap_or_default(),
        serde_json::to_value(AdoStep::new(
            "echo \"secrets from Vault (or the files holding them) are mapped into this step's environment\"".into(),
            "Use secrets",
            handed_over.iter().map(|v| (v.clone(), format!("$({v})"))).collect(),
        ))
        .unwrap_or_default(),
        serde_json::to_value(ado_cleanup()).unwrap_or_default(),
    ];
    // Scheduled runs exist only to rotate.
    let mut jobs = vec![Job::new("secrets", format!("{} secrets", s.name), steps)
        .when("and(succeeded(), ne(variables['Build.Reason'], 'Schedule'))", Vec::new())];
    let mut schedules = Vec::new();
    let mut connections = vec![("service_connection", ado_connection(&n.role))];
    if let Source::Kv { schedule: Some(sch) } = src {
        let sch = Schedule {
            check: Duration::from_secs(sch.check.secs().max(ADO_MIN_CHECK)),
            ..sch
        };
        schedules.push(AdoSchedule::new(
            sch.cron(),
            format!("rotate {} {}", s.name, s.leaf()),
            &s.cicd.branch,
        ));
        let vars = rotation_env(s, n, sch).into_iter().map(|e| named(e.name, &e.value)).collect();
        let rotate = ado::AzureCliStep::new(
            &ado_connection(&n.rotator_role),
            "Rotate",
            ado_login_script(&n.rotator_role, vec!["sh ci/rotate-kv.sh".into()]),
        );
        jobs.push(
            Job::new(
                "rotate",
                format!("{} rotate {}", s.name, s.leaf()),
                vec![
                    serde_json::to_value(rotate).unwrap_or_default(),
                    serde_json::to_value(ado_cleanup()).unwrap_or_default(),
                ],
            )
            .when("eq(variables['Build.Reason'], 'Schedule')", vars),
        );
        connections.push(("rotator_service_connection", ado_connection(&n.rotator_role)));
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            rotate_script(s).to_string(),
        ));
        decisions.push(format!(
            "Azure Pipelines runs the schedule \"{}\" (UTC) on branch \"{}\" with always: true, since scheduled runs are otherwise skipped when nothing changed; scheduled runs execute only the rotate job, which signs in through its own service connection \"{}\", logs in as {} and runs ci/rotate-kv.sh (checks are at least {} apart: Azure Pipelines allows 1000 scheduled runs a week).",
            sch.cron(),
            s.cicd.branch,
            ado_connection(&n.rotator_role),
            n.rotator_role,
            Duration::from_secs(ADO_MIN_CHECK).to_text()
        ));
    }
    let text = Pipeline::jobs(&s.cicd.branch, schedules, variables, jobs).render();
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, ado::PATH, text.clone()));
    ado::protect(&connections, &s.cicd.branch, manifests, decisions);
    let principals = if connections.len() > 1 {
        format!(
            "{} (cicd.principal_id) for role {} and {} (cicd.rotator_principal_id, behind \"{}\") for role {}",
            s.cicd.principal_id,
            n.role,
            s.cicd.rotator_principal_id,
            ado_connection(&n.rotator_role),
            n.rotator_role
        )
    } else {
        format!("{} (cicd.principal_id) for role {}", s.cicd.principal_id, n.role)
    };
    decisions.push(format!(
        "Azure Pipelines logs in to Vault with no stored credential: an AzureCLI@2 step signs in through the workload identity service connection \"{}\" and asks Microsoft Entra for an access token for the application ID URI {} (register it on an Entra application and leave its requestedAccessTokenVersion unset or 1: version 2 tokens carry another issuer), which the JWT auth mount \"{}\" accepts once configured with oidc_discovery_url = bound_issuer = {}. The roles match exactly (bound_claims_type = \"string\") the audience, tid {} and the oid (object ID) of the connection's service principal: {}.",
        ado_connection(&n.role),
        ado_audience(&n.role),
        s.vault.auth_mount,
        ado::entra_issuer(&s.azure.tenant_id),
        s.azure.tenant_id,
        principals
    ));
    decisions.push(
        "token_bound_cidrs is left unset because Microsoft-hosted agents have no fixed egress addresses; on self-hosted agents set it to the agents' egress CIDRs.".into(),
    );
    decisions.push("Each job ends with a step that runs however the job went (condition: always()): it revokes the job's Vault token (auth/token/revoke-self, which also ends every lease the token created) and removes $(Agent.TempDirectory)/secretsint, where the token and any secret file were kept; put your own steps before it.".into());
    decisions.push(match src {
        Source::Pki { .. } => format!(
            "The certificate, its private key and chain are written to $(Agent.TempDirectory)/secretsint/certificate.json (a mode 0700 directory) and CERTIFICATE_JSON_FILE names it; the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq, Azure CLI), which self-hosted agents must match."
        ),
        _ if s.credential == CredentialType::Certificate => format!(
            "PEM values span lines, which a logging command cannot carry, so they are written to $(Agent.TempDirectory)/secretsint (a mode 0700 directory) and CERTIFICATE_FILE and PRIVATE_KEY_FILE name them; the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq, Azure CLI), which self-hosted agents must match."
        ),
        _ => format!(
            "Each value is read once and becomes a secret pipeline variable through a ##vso[task.setvariable ...;issecret=true] logging command, so the agent masks it in logs and later steps see it only when they map it into env (as the Use secrets step does); the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq, Azure CLI), which self-hosted agents must match."
        ),
    });
    (AuthMethod::Jwt, ConfigFormat::Yaml, text)
}

/// GitHub runs scheduled workflows at most every 5 minutes.
pub(super) fn github_cron(sch: Schedule) -> String {
    if sch.check.secs() < 5 * MINUTE {
        "*/5 * * * *".into()
    } else {
        sch.cron()
    }
}
