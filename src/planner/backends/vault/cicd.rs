//! The CI/CD target of Vault plans: GitHub Actions and GitLab CI with JWT auth, Jenkins and Azure Pipelines with AppRole.

use super::*;

// ---------------------------------------------------------------------------------------------
// CI/CD target: GitHub Actions with JWT (OIDC)

/// The `aud` every GitHub token for Vault carries, matched by the role's bound_audiences.
pub(super) fn github_audience(s: &Settings) -> String {
    s.vault.address.clone()
}

pub(super) fn github_bound_claims(s: &Settings) -> Vec<(&'static str, String)> {
    let repo = &s.cicd.repository;
    let git_ref = format!("refs/heads/{}", s.cicd.branch);
    // Classic `repo:OWNER/REPO:ref:...` and the 2026 immutable `repo:OWNER@ID/REPO@ID:ref:...`.
    let subjects = [
        github::subject(repo, &s.cicd.branch),
        github::immutable_subject(repo, "*", "*", &s.cicd.branch),
    ];
    vec![("repository", repo.clone()), ("ref", git_ref), ("sub", subjects.join(","))]
}

pub(super) fn vault_action_step(s: &Settings, role: &str, secrets: Option<String>, export_token: bool) -> serde_json::Value {
    let mut with = serde_json::Map::new();
    with.insert("url".into(), s.vault.address.clone().into());
    if let Some(ns) = &s.vault.namespace {
        with.insert("namespace".into(), ns.clone().into());
    }
    with.insert("method".into(), "jwt".into());
    with.insert("path".into(), s.vault.auth_mount.clone().into());
    with.insert("role".into(), role.into());
    with.insert("jwtGithubAudience".into(), github_audience(s).into());
    if let Some(secrets) = secrets {
        with.insert("secrets".into(), secrets.into());
    }
    if export_token {
        with.insert("exportToken".into(), true.into());
    }
    serde_json::json!({
        "name": "Authenticate to Vault",
        "id": "vault",
        "uses": format!("hashicorp/vault-action@{}", crate::planner::versions::VAULT_ACTION),
        "with": with,
    })
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
        CicdPlatform::Jenkins => return jenkins_target(s, src, n, manifests, decisions),
        CicdPlatform::AzureDevops => return azure_devops_target(s, src, n, manifests, decisions),
        _ => {}
    }
    let workflow_file = github::path(&s.name, "secrets");
    let mut steps = Vec::new();
    match src {
        Source::Pki { ttl } => {
            steps.push(vault_action_step(s, &n.role, None, true));
            let body = issue_body(s, ttl).to_string();
            steps.push(serde_json::json!({
                "name": "Issue a certificate",
                "env": {"VAULT_ADDR": s.vault.address, "ISSUE_BODY": body},
                "run": format!(
                    "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request POST --header @- --data \"$ISSUE_BODY\" --output \"$RUNNER_TEMP/certificate.json\" \"$VAULT_ADDR/v1/{}\"",
                    n.consumer_path
                ),
            }));
        }
        _ => {
            let path = match src {
                Source::Kv { .. } => n.kv_data.clone(),
                _ => n.consumer_path.clone(),
            };
            let fields: &[&str] = match src {
                Source::Kv { .. } => s.credential.fields(),
                _ => &["username", "password"],
            };
            let secrets = fields
                .iter()
                .map(|f| format!("{path} {f} | {}", env_name(s, f)))
                .collect::<Vec<_>>()
                .join(" ;\n");
            steps.push(vault_action_step(s, &n.role, Some(secrets), false));
        }
    }
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
            format!("{} rotate {}", s.name, s.credential.leaf()),
            &github_cron(sch),
            "rotate",
            format!("{}-rotate", s.name),
            serde_json::json!([
                {"uses": format!("actions/checkout@{}", crate::planner::versions::CHECKOUT_ACTION)},
                vault_action_step(s, &n.rotator_role, None, true),
                {"name": "Rotate", "env": env, "run": "sh ci/rotate-kv.sh"},
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
            ROTATE_SCRIPT.to_string(),
        ));
        decisions.push(format!(
            "The rotation workflow runs on schedule \"{}\" from the default branch, which must be \"{}\" for the rotator role's ref binding to match; it logs in as {} and runs ci/rotate-kv.sh.",
            github_cron(sch),
            s.cicd.branch,
            n.rotator_role
        ));
    }
    decisions.push(format!(
        "GitHub Actions logs in through the JWT auth mount \"{}\" (configured with oidc_discovery_url = bound_issuer = {GITHUB_ISSUER}) with audience \"{}\"; the role binds repository \"{}\" and ref refs/heads/{} and accepts both the classic and the immutable (OWNER@ID/REPO@ID) sub formats.",
        s.vault.auth_mount,
        github_audience(s),
        s.cicd.repository,
        s.cicd.branch
    ));
    (AuthMethod::Jwt, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: GitLab CI with id_tokens (CI_JOB_JWT was removed in GitLab 17.0)

pub(super) fn gitlab_bound_claims(s: &Settings) -> Vec<(&'static str, String)> {
    vec![
        ("project_path", s.cicd.repository.clone()),
        ("ref", s.cicd.branch.clone()),
        ("ref_type", "branch".into()),
        ("ref_protected", "true".into()),
    ]
}

/// Logs in with the job's ID token (on curl's stdin, never its command line); the `test` line
/// fails the job when Vault refuses.
pub(super) const GITLAB_LOGIN: [&str; 3] = [
    r#"VAULT_TOKEN="$(printf '{"role":"%s","jwt":"%s"}' "$VAULT_AUTH_ROLE" "$VAULT_ID_TOKEN" | curl --silent --show-error --fail --request POST --header "X-Vault-Namespace: ${VAULT_NAMESPACE:-}" --data @- "$VAULT_SERVER_URL/v1/auth/$VAULT_AUTH_PATH/login" | sed -n 's/.*"client_token":"\([^"]*\)".*/\1/p')""#,
    r#"test -n "$VAULT_TOKEN""#,
    "export VAULT_TOKEN",
];

/// One API call with the logged-in token, for what `secrets:` cannot express (a single read of
/// a dynamic credential, a certificate issue); the response goes to a file, never the log.
pub(super) fn gitlab_call(method: &str, path: &str, body: Option<String>, output: &str) -> String {
    // The token reaches curl as a header on stdin, never on its command line.
    let mut call = format!(
        "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request {method} --header @- --header \"X-Vault-Namespace: ${{VAULT_NAMESPACE:-}}\" --output \"{output}\""
    );
    if let Some(body) = body {
        call.push_str(&format!(" --data '{body}'"));
    }
    call.push_str(&format!(" \"$VAULT_SERVER_URL/v1/{path}\""));
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
                    "$CI_PROJECT_DIR/.vault/certificate.json",
                ),
                _ => ("GET", None, "$CI_PROJECT_DIR/.vault/db-credentials.json"),
            };
            let mut script = vec![json!("mkdir -p -m 0700 \"$CI_PROJECT_DIR/.vault\"")];
            script.extend(GITLAB_LOGIN.iter().map(|l| Value::from(*l)));
            script.push(gitlab_call(method, &n.consumer_path, body, out).into());
            // curlimages/curl's entrypoint is curl itself; the job image clears it for a shell.
            job = job.image(crate::planner::versions::CURL_IMAGE).script(script);
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
        let mut script: Vec<Value> = GITLAB_LOGIN.iter().map(|l| Value::from(*l)).collect();
        script.push("sh ci/rotate-kv.sh".into());
        pipeline = pipeline.job(
            format!("{}-rotate-{}", s.name, s.credential.leaf()),
            gitlab::Job::new()
                .image(crate::planner::versions::CURL_IMAGE)
                .id_token("VAULT_ID_TOKEN", &github_audience(s))
                .variables(vars)
                .on_schedule()
                .script(script),
        );
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            ROTATE_SCRIPT.to_string(),
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
        "GitLab CI logs in through the JWT auth mount \"{}\" (configured with oidc_discovery_url = bound_issuer = {GITLAB_ISSUER}, or your instance URL) with an id_tokens token whose aud is \"{}\" (CI_JOB_JWT was removed in GitLab 17.0); the role binds project \"{}\", protected branch \"{}\".",
        s.vault.auth_mount,
        github_audience(s),
        s.cicd.repository,
        s.cicd.branch
    ));
    (AuthMethod::Jwt, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: Jenkins with the HashiCorp Vault plugin and AppRole

pub(super) fn jenkins_credential_id(role: &str) -> String {
    format!("vault-approle-{role}")
}

/// `withCredentials` exposing VAULT_ADDR and VAULT_TOKEN from an AppRole credential.
pub(super) fn vault_token_binding(s: &Settings, role: &str, body: Vec<Step>) -> Step {
    let binding = Groovy::List(vec![Groovy::Map(vec![
        ("$class", g("VaultTokenCredentialBinding")),
        ("credentialsId", g(jenkins_credential_id(role))),
        ("vaultAddr", g(&s.vault.address)),
    ])]);
    with_credentials(binding, body)
}

pub(super) fn jenkins_target(
    s: &Settings,
    src: Source,
    n: &Names,
    manifests: &mut Vec<DeploymentManifest>,
    decisions: &mut Vec<String>,
) -> (AuthMethod, ConfigFormat, String) {
    let steps = match src {
        Source::Pki { ttl } => {
            let body = issue_body(s, ttl).to_string();
            vault_token_binding(
                s,
                &n.role,
                vec![Step::Line(format!(
                    "sh {}",
                    g(format!(
                        "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request POST --header @- --data '{body}' --output certificate.json \"$VAULT_ADDR/v1/{}\"",
                        n.consumer_path
                    ))
                    .render()
                ))],
            )
        }
        _ => {
            let (path, version, fields): (String, u64, &[&str]) = match src {
                // The plugin inserts /data/ itself for KV version 2.
                Source::Kv { .. } => (format!("{}/{}", s.vault.kv_mount, n.kv_key), 2, s.credential.fields()),
                _ => (n.consumer_path.clone(), 1, &["username", "password"]),
            };
            let secrets = Groovy::List(vec![Groovy::Map(vec![
                ("path", g(path)),
                ("engineVersion", Groovy::Int(version)),
                (
                    "secretValues",
                    Groovy::List(
                        fields
                            .iter()
                            .map(|f| Groovy::Map(vec![("envVar", g(env_name(s, f))), ("vaultKey", g(*f))]))
                            .collect(),
                    ),
                ),
            ])]);
            let config = Groovy::Map(vec![
                ("vaultUrl", g(&s.vault.address)),
                ("vaultCredentialId", g(jenkins_credential_id(&n.role))),
                ("engineVersion", Groovy::Int(2)),
            ]);
            // One path entry: the plugin reads it once, so a dynamic username and password belong together.
            Step::Block(
                format!(
                    "withVault({})",
                    Groovy::Map(vec![("configuration", config), ("vaultSecrets", secrets)]).render()
                ),
                vec![Step::Line("sh 'echo \"secrets from Vault are in the environment\"'".into())],
            )
        }
    };
    manifests.push(DeploymentManifest::new(
        ManifestType::Cicd,
        "Jenkinsfile",
        Jenkinsfile::new("secrets", vec![steps]).render(),
    ));

    let mut credentials = vec![n.role.clone()];
    if let Source::Kv { schedule: Some(sch) } = src {
        credentials.push(n.rotator_role.clone());
        let env: Vec<(&'static str, String)> = rotation_env(s, n, sch).into_iter().map(|e| (e.name, e.value)).collect();
        let steps = vault_token_binding(s, &n.rotator_role, vec![Step::Line("sh 'sh ci/rotate-kv.sh'".into())]);
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "Jenkinsfile.rotate",
            Jenkinsfile {
                cron: Some(sch.cron()),
                environment: env,
                ..Jenkinsfile::new("rotate", vec![steps])
            }
            .render(),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            ROTATE_SCRIPT.to_string(),
        ));
        decisions.push(format!(
            "Jenkinsfile.rotate runs on cron \"{}\" with the {} AppRole credential and runs ci/rotate-kv.sh; point a separate pipeline job at it.",
            sch.cron(),
            n.rotator_role
        ));
    }
    let casc = serde_json::json!({
        "credentials": {"system": {"domainCredentials": [{"credentials": credentials.iter().map(|role| serde_json::json!({
            "vaultAppRoleCredential": {
                "id": jenkins_credential_id(role),
                "description": format!("Vault AppRole {role}"),
                "path": s.vault.auth_mount,
                "roleId": format!("${{VAULT_ROLE_ID_{}}}", role.to_ascii_uppercase().replace('-', "_")),
                "secretId": format!("${{VAULT_SECRET_ID_{}}}", role.to_ascii_uppercase().replace('-', "_")),
                "scope": "GLOBAL",
            }
        })).collect::<Vec<_>>()}]}},
        "unclassified": {"hashicorpVault": {"configuration": {
            "vaultUrl": s.vault.address,
            "vaultCredentialId": jenkins_credential_id(&n.role),
            "engineVersion": 2,
        }}},
    });
    let text = render::yaml(&casc);
    decisions.push(format!(
        "Jenkins authenticates with AppRole through the HashiCorp Vault plugin: config/backend.yaml is its Configuration-as-Code section, reading each RoleID and SecretID from the environment (VAULT_ROLE_ID_*/VAULT_SECRET_ID_*) so no secret is written into it; SecretIDs live {} and should be re-issued response-wrapped.",
        Duration::from_secs(30 * DAY).to_text()
    ));
    if s.vault.namespace.is_some() {
        decisions.push("Set the Vault namespace in the plugin's global configuration as well; the generated Configuration-as-Code section does not carry it.".into());
    }
    (AuthMethod::Approle, ConfigFormat::Yaml, text)
}

// ---------------------------------------------------------------------------------------------
// CI/CD target: Azure Pipelines with AppRole (no Vault-verifiable pipeline identity token)

/// Azure Pipelines allows at most 1000 scheduled runs a week; every 15 minutes is 672.
pub(super) const ADO_MIN_CHECK: u64 = 15 * MINUTE;
/// Microsoft-hosted image with bash, curl and jq.
pub(super) fn ado_group(role: &str) -> String {
    format!("{role}-vault")
}

/// Secret variables reach a script only through an explicit `env` mapping.
pub(super) fn ado_login_env() -> std::collections::BTreeMap<String, String> {
    ["VAULT_ROLE_ID", "VAULT_SECRET_ID"]
        .into_iter()
        .map(|v| (v.to_string(), format!("$({v})")))
        .collect()
}

/// Logs in with the job's RoleID and SecretID; the SecretID goes to curl on stdin, never argv.
pub(super) const ADO_LOGIN: [&str; 5] = [
    "set -euo pipefail",
    "umask 077",
    r#"login="$(printf '{"role_id":"%s","secret_id":"%s"}' "$VAULT_ROLE_ID" "$VAULT_SECRET_ID" | curl --silent --show-error --fail --request POST --header "X-Vault-Namespace: ${VAULT_NAMESPACE:-}" --data @- "$VAULT_ADDR/v1/auth/$VAULT_AUTH_PATH/login")""#,
    r#"VAULT_TOKEN="$(printf '%s' "$login" | jq -er '.auth.client_token')""#,
    "export VAULT_TOKEN",
];

/// The bash lines that fetch the planned credential once and hand each value to later steps.
/// Returns the lines and the names of the variables they set (secret values, or file paths).
pub(super) fn ado_fetch(s: &Settings, src: Source, n: &Names) -> (Vec<String>, Vec<String>) {
    let dir = "$AGENT_TEMPDIRECTORY/vault";
    let mut lines = vec![format!("mkdir -p \"{dir}\"")];
    let call = |method: &str, body: Option<String>, out: &str| {
        // The token reaches curl as a header on stdin, never on its command line.
        let mut c = format!(
            "printf 'X-Vault-Token: %s\\n' \"$VAULT_TOKEN\" | curl --silent --show-error --fail --request {method} --header @- --header \"X-Vault-Namespace: ${{VAULT_NAMESPACE:-}}\" --output \"{out}\""
        );
        if let Some(body) = body {
            c.push_str(&format!(" --data '{body}'"));
        }
        c.push_str(&format!(" \"$VAULT_ADDR/v1/{}\"", n.consumer_path));
        c
    };
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
    let mut variables = vec![named("VAULT_ADDR", &s.vault.address), named("VAULT_AUTH_PATH", &s.vault.auth_mount)];
    if let Some(ns) = &s.vault.namespace {
        variables.push(named("VAULT_NAMESPACE", ns));
    }
    let (fetch, handed_over) = ado_fetch(s, src, n);
    let mut script: Vec<String> = ADO_LOGIN.iter().map(|l| l.to_string()).collect();
    script.extend(fetch);
    let mut steps = vec![AdoStep {
        bash: script.join("\n"),
        display_name: "Read secrets from Vault".into(),
        env: ado_login_env(),
    }];
    steps.push(AdoStep {
        bash: "echo \"secrets from Vault (or the files holding them) are mapped into this step's environment\"".into(),
        display_name: "Use secrets".into(),
        env: handed_over.iter().map(|v| (v.clone(), format!("$({v})"))).collect(),
    });
    // Scheduled runs exist only to rotate.
    let mut jobs = vec![Job::new("secrets", format!("{} secrets", s.name), steps).when(
        "and(succeeded(), ne(variables['Build.Reason'], 'Schedule'))",
        vec![Variable::Group { group: ado_group(&n.role) }],
    )];
    let mut schedules = Vec::new();
    let mut groups = vec![format!("\"{}\" (RoleID and SecretID of {})", ado_group(&n.role), n.role)];
    if let Source::Kv { schedule: Some(sch) } = src {
        let sch = Schedule {
            check: Duration::from_secs(sch.check.secs().max(ADO_MIN_CHECK)),
            ..sch
        };
        schedules.push(AdoSchedule::new(
            sch.cron(),
            format!("rotate {} {}", s.name, s.credential.leaf()),
            &s.cicd.branch,
        ));
        let mut vars = vec![Variable::Group {
            group: ado_group(&n.rotator_role),
        }];
        vars.extend(rotation_env(s, n, sch).into_iter().map(|e| named(e.name, &e.value)));
        let mut script: Vec<String> = ADO_LOGIN.iter().map(|l| l.to_string()).collect();
        script.push("sh ci/rotate-kv.sh".into());
        jobs.push(
            Job::new(
                "rotate",
                format!("{} rotate {}", s.name, s.credential.leaf()),
                vec![AdoStep {
                    bash: script.join("\n"),
                    display_name: "Rotate".into(),
                    env: ado_login_env(),
                }],
            )
            .when("eq(variables['Build.Reason'], 'Schedule')", vars),
        );
        groups.push(format!("\"{}\" (of {})", ado_group(&n.rotator_role), n.rotator_role));
        manifests.push(DeploymentManifest::new(
            ManifestType::Cicd,
            "ci/rotate-kv.sh",
            ROTATE_SCRIPT.to_string(),
        ));
        decisions.push(format!(
            "Azure Pipelines runs the schedule \"{}\" (UTC) on branch \"{}\" with always: true, since scheduled runs are otherwise skipped when nothing changed; scheduled runs execute only the rotate job, which logs in as {} and runs ci/rotate-kv.sh (checks are at least {} apart: Azure Pipelines allows 1000 scheduled runs a week).",
            sch.cron(),
            s.cicd.branch,
            n.rotator_role,
            Duration::from_secs(ADO_MIN_CHECK).to_text()
        ));
    }
    let text = Pipeline::jobs(&s.cicd.branch, schedules, variables, jobs).render();
    manifests.push(DeploymentManifest::new(ManifestType::Cicd, "azure-pipelines.yml", text.clone()));
    decisions.push(
        "Azure Pipelines authenticates with AppRole, not JWT: the only OIDC token a pipeline can request (System.OidcRequestUri) is minted per Azure service connection for exchange with Microsoft Entra; its Azure DevOps issuer (https://vstoken.dev.azure.com/<org-id>, subject sc://<org>/<project>/<connection>) is deprecated and retires 2027-07-01, and the claims of the Entra-issued replacement are not documented for other relying parties, so Vault could not bind a JWT role to verified issuer, subject and audience values.".into(),
    );
    decisions.push(format!(
        "Create the variable group{} {} in the project's Library, each holding VAULT_ROLE_ID (auth/{}/role/<role>/role-id) and VAULT_SECRET_ID (a SecretID, marked secret), authorized for this pipeline only; secret variables reach scripts only through the env mappings in azure-pipelines.yml, and SecretIDs live {} and should be re-issued before then.",
        if groups.len() > 1 { "s" } else { "" },
        groups.join(" and "),
        s.vault.auth_mount,
        Duration::from_secs(30 * DAY).to_text()
    ));
    decisions.push(
        "token_bound_cidrs and secret_id_bound_cidrs are left unset because Microsoft-hosted agents have no fixed egress addresses; on self-hosted agents set both to the agents' egress CIDRs.".into(),
    );
    decisions.push(match src {
        Source::Pki { .. } => format!(
            "The certificate, its private key and chain are written to $(Agent.TempDirectory)/vault/certificate.json (the agent empties it after the job) and CERTIFICATE_JSON_FILE names it; the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq), which self-hosted agents must match."
        ),
        _ if s.credential == CredentialType::Certificate => format!(
            "PEM values span lines, which a logging command cannot carry, so they are written to $(Agent.TempDirectory)/vault (the agent empties it after the job) and CERTIFICATE_FILE and PRIVATE_KEY_FILE name them; the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq), which self-hosted agents must match."
        ),
        _ => format!(
            "Each value is read once and becomes a secret pipeline variable through a ##vso[task.setvariable ...;issecret=true] logging command, so the agent masks it in logs and later steps see it only when they map it into env (as the Use secrets step does); the jobs run on the Microsoft-hosted {ADO_VM_IMAGE} image (bash, curl, jq), which self-hosted agents must match."
        ),
    });
    (AuthMethod::Approle, ConfigFormat::Yaml, text)
}

/// GitHub runs scheduled workflows at most every 5 minutes.
pub(super) fn github_cron(sch: Schedule) -> String {
    if sch.check.secs() < 5 * MINUTE {
        "*/5 * * * *".into()
    } else {
        sch.cron()
    }
}
