//! Declarative Jenkinsfiles: Groovy literals and the pipeline's block structure, rendered from
//! typed values. No backend writes Groovy text of its own. Also the facts of Jenkins' OIDC
//! provider plugin (issuer, subject) and where a build keeps secret material.

use super::{TokenJob, TokenPlatform, ID_TOKEN_FILE};
use crate::planner::choice::ManifestType;
use crate::planner::resolve::CicdSettings;
use crate::planner::DeploymentManifest;

/// The placeholder root URL of the Jenkins controller (`cicd.oidc_issuer` replaces it).
const PLACEHOLDER_URL: &str = "https://jenkins.example.com";

/// The issuer of the oidc-provider plugin's tokens: the user's, or the placeholder root URL
/// followed by `/oidc`.
fn issuer(c: &CicdSettings) -> String {
    c.oidc_issuer.clone().unwrap_or_else(|| format!("{PLACEHOLDER_URL}/oidc"))
}

/// The job's URL, the `sub` of its tokens (the plugin's default): under the issuer's root URL.
fn job_url(c: &CicdSettings, job: &str) -> String {
    let issuer = issuer(c);
    let root = issuer.strip_suffix("/oidc").unwrap_or(&issuer);
    format!("{root}/job/{job}/")
}

/// The build's private directory for secret material: under `$WORKSPACE_TMP` (outside the
/// workspace), created mode 0700 and removed by [`cleanup`] in `post { always { … } }`.
const SECRETS_DIR: &str = "$WORKSPACE_TMP/secretsint";

/// The shell line that creates [`SECRETS_DIR`]; files written after it are private (umask 077).
fn make_secrets_dir() -> String {
    super::make_private_dir(SECRETS_DIR)
}

/// The first line of a Jenkins `sh` step that handles a secret: Jenkins runs `sh -xe`, which
/// traces every command with its variables expanded into the build log, and masks only values
/// bound by `withCredentials`, not ones a script derives (a Vault token).
const NO_TRACE: &str = "set +x";

/// The `post { always { … } }` steps: `lines` first (a token revocation), then the directory.
fn cleanup(lines: Vec<String>) -> Vec<Step> {
    let mut all = vec![NO_TRACE.to_string()];
    all.extend(lines);
    all.push(super::remove_dir(SECRETS_DIR));
    vec![Step::Sh(all)]
}

/// A Groovy value, rendered in Groovy's literal syntax: strings single-quoted (never GStrings,
/// so `${…}` in a value is text), with `\` and `'` escaped.
enum Groovy {
    Str(String),
    List(Vec<Groovy>),
    /// A call with named arguments, such as a credentials binding: `string(credentialsId: 'x')`.
    Call(&'static str, Vec<(&'static str, Groovy)>),
}

impl Groovy {
    fn render(&self) -> String {
        match self {
            Groovy::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Groovy::List(items) => format!("[{}]", items.iter().map(Groovy::render).collect::<Vec<_>>().join(", ")),
            Groovy::Call(name, args) => format!("{name}({})", named(args)),
        }
    }
}

fn named(pairs: &[(&'static str, Groovy)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.render()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A Groovy string literal.
fn g(s: impl Into<String>) -> Groovy {
    Groovy::Str(s.into())
}

/// A nested part of a declarative Jenkinsfile.
enum Step {
    /// One line, e.g. `sh 'make'`.
    Line(String),
    /// `head {`, the body one level deeper, `}`.
    Block(String, Vec<Step>),
    /// `sh '''` with each line of the script one level deeper, then `'''`: a triple-single-quoted
    /// string (no interpolation) with `\` and `'''` escaped.
    Sh(Vec<String>),
}

impl Step {
    fn render(&self, depth: usize, out: &mut String) {
        let pad = "  ".repeat(depth);
        match self {
            Step::Line(l) => out.push_str(&format!("{pad}{l}\n")),
            Step::Block(head, body) => {
                out.push_str(&format!("{pad}{head} {{\n"));
                for item in body {
                    item.render(depth + 1, out);
                }
                out.push_str(&format!("{pad}}}\n"));
            }
            Step::Sh(lines) => {
                out.push_str(&format!("{pad}sh '''\n"));
                for line in lines {
                    let escaped = line.replace('\\', "\\\\").replace("'''", "\\'\\'\\'");
                    out.push_str(&format!("{pad}  {escaped}\n"));
                }
                out.push_str(&format!("{pad}'''\n"));
            }
        }
    }
}

/// A one-stage declarative pipeline.
struct Jenkinsfile {
    /// A cron schedule (`triggers { cron('…') }`).
    cron: Option<String>,
    environment: Vec<(&'static str, String)>,
    stage: String,
    steps: Vec<Step>,
    /// Steps of `post { always { … } }`, run however the stage ended.
    always: Vec<Step>,
}

impl Jenkinsfile {
    fn new(stage: &str, steps: Vec<Step>) -> Jenkinsfile {
        Jenkinsfile {
            cron: None,
            environment: Vec::new(),
            stage: stage.into(),
            steps,
            always: Vec::new(),
        }
    }

    fn render(self) -> String {
        let mut pipeline = vec![Step::Line("agent any".into())];
        if let Some(cron) = self.cron {
            pipeline.push(Step::Block(
                "triggers".into(),
                vec![Step::Line(format!("cron({})", g(cron).render()))],
            ));
        }
        if !self.environment.is_empty() {
            pipeline.push(Step::Block(
                "environment".into(),
                self.environment
                    .into_iter()
                    .map(|(k, v)| Step::Line(format!("{k} = {}", g(v).render())))
                    .collect(),
            ));
        }
        pipeline.push(Step::Block(
            "stages".into(),
            vec![Step::Block(
                format!("stage({})", g(self.stage).render()),
                vec![Step::Block("steps".into(), self.steps)],
            )],
        ));
        if !self.always.is_empty() {
            pipeline.push(Step::Block("post".into(), vec![Step::Block("always".into(), self.always)]));
        }
        let mut out = String::new();
        Step::Block("pipeline".into(), pipeline).render(0, &mut out);
        out
    }
}

/// `withCredentials([...]) { … }` around `body`.
fn with_credentials(bindings: Groovy, body: Vec<Step>) -> Step {
    Step::Block(format!("withCredentials({})", bindings.render()), body)
}

/// Jenkins as a [`TokenPlatform`]: the oidc-provider plugin's "OpenID Connect id token as file"
/// credential, one per job, bound with `withCredentials`; the issuer is the controller's
/// (`cicd.oidc_issuer`), the subject the job's URL.
pub struct Jenkins;

/// Where the Configuration-as-Code section of the token credentials is written.
pub const CASC_PATH: &str = "jenkins/oidc-credentials.yaml";

impl Jenkins {
    fn credential(job: &TokenJob) -> String {
        Self::credential_of(&job.principal)
    }

    fn credential_of(principal: &str) -> String {
        format!("{principal}-id-token")
    }

    fn input_credential(job: &TokenJob, variable: &str) -> String {
        format!("{}-{}", job.principal, variable.to_ascii_lowercase().replace('_', "-"))
    }

    fn file_name(index: usize, job: &TokenJob) -> String {
        if index == 0 {
            "Jenkinsfile".into()
        } else {
            format!("Jenkinsfile.{}", job.purpose)
        }
    }
}

impl TokenPlatform for Jenkins {
    fn title(&self) -> &'static str {
        "Jenkins"
    }

    fn slug(&self) -> &'static str {
        "jenkins"
    }

    fn issuer(&self, c: &CicdSettings) -> String {
        issuer(c)
    }

    fn subject(&self, c: &CicdSettings, job: &str) -> String {
        job_url(c, job)
    }

    fn secrets_dir(&self) -> &'static str {
        SECRETS_DIR
    }

    fn token_text(&self, principal: &str, audience: &str) -> String {
        format!(
            "the Jenkins build's oidc-provider token (credential \"{}\", audience {audience})",
            Self::credential_of(principal)
        )
    }

    fn render(&self, c: &CicdSettings, jobs: &[TokenJob], out: &mut Vec<DeploymentManifest>, decisions: &mut Vec<String>) -> String {
        for (index, job) in jobs.iter().enumerate() {
            let mut bindings = vec![Groovy::Call(
                "file",
                vec![("credentialsId", g(Self::credential(job))), ("variable", g(ID_TOKEN_FILE))],
            )];
            for (variable, _) in &job.inputs {
                bindings.push(Groovy::Call(
                    "string",
                    vec![
                        ("credentialsId", g(Self::input_credential(job, variable))),
                        ("variable", g(*variable)),
                    ],
                ));
            }
            let mut script = vec![NO_TRACE.to_string(), make_secrets_dir()];
            script.extend(job.script.iter().cloned());
            let text = Jenkinsfile {
                cron: job.cron.clone(),
                environment: job.environment.clone(),
                always: cleanup(job.cleanup.clone()),
                ..Jenkinsfile::new(job.purpose, vec![with_credentials(Groovy::List(bindings), vec![Step::Sh(script)])])
            }
            .render();
            out.push(DeploymentManifest::new(ManifestType::Cicd, &Self::file_name(index, job), text));
        }
        let credentials: Vec<serde_json::Value> = jobs
            .iter()
            .map(|job| {
                serde_json::json!({"idTokenFile": {
                    "id": Self::credential(job),
                    "description": format!("OIDC token of the Jenkins job {} for {}", job.name, job.principal),
                    "audience": job.audience,
                    "scope": "GLOBAL",
                }})
            })
            .collect();
        let casc = serde_json::json!({"credentials": {"system": {"domainCredentials": [{"credentials": credentials}]}}});
        let casc = crate::render::yaml(&casc);
        out.push(DeploymentManifest::new(ManifestType::Cicd, CASC_PATH, casc.clone()));

        let tokens: Vec<String> = jobs
            .iter()
            .enumerate()
            .map(|(index, job)| {
                format!(
                    "\"{}\" (audience {}) for the pipeline job \"{}\" ({}, sub {})",
                    Self::credential(job),
                    job.audience,
                    job.name,
                    Self::file_name(index, job),
                    job_url(c, &job.name)
                )
            })
            .collect();
        decisions.push(format!(
            "Jenkins stores no secret for the backend: the oidc-provider plugin mints a fresh token for each build from an \"OpenID Connect id token as file\" credential ({CASC_PATH} is their Configuration-as-Code section): {}. withCredentials names the token's file in {ID_TOKEN_FILE}; the issuer is {}{}.",
            tokens.join("; "),
            issuer(c),
            if c.oidc_issuer.is_none() { " (a placeholder: set cicd.oidc_issuer to your controller's root URL followed by /oidc; the backend fetches its discovery document and keys from there)" } else { "" }
        ));
        for job in jobs {
            if let Some(cron) = &job.cron {
                decisions.push(format!(
                    "The pipeline job \"{}\" runs on cron \"{cron}\" (triggers {{ cron(…) }} in its Jenkinsfile), not on pushes.",
                    job.name
                ));
            }
            for (variable, what) in &job.inputs {
                decisions.push(format!(
                    "The pipeline job \"{}\" reads {variable} from the secret text credential \"{}\": create it holding {what}.",
                    job.name,
                    Self::input_credential(job, variable)
                ));
            }
        }
        decisions.push(format!(
            "Each build keeps secret material in {SECRETS_DIR} (mode 0700, under WORKSPACE_TMP, outside the workspace) and never prints it: its shell steps start with set +x, because Jenkins runs sh -xe and masks only bound credentials, not values a script derives. post {{ always {{ … }} }} removes the directory however the build ended."
        ));
        casc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_and_backslashes_and_never_interpolate() {
        assert_eq!(g("it's a \\ ${x}").render(), r"'it\'s a \\ ${x}'");
        let mut out = String::new();
        Step::Sh(vec!["echo '''\\n'''".into()]).render(1, &mut out);
        assert_eq!(out, "  sh '''\n    echo \\'\\'\\'\\\\n\\'\\'\\'\n  '''\n");
    }
}
