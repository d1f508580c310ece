//! Declarative Jenkinsfiles: Groovy literals and the pipeline's block structure, rendered from
//! typed values. No backend writes Groovy text of its own. Also the facts of Jenkins' OIDC
//! provider plugin (issuer, subject) and where a build keeps secret material.

use crate::planner::resolve::CicdSettings;

/// The placeholder root URL of the Jenkins controller (`cicd.oidc_issuer` replaces it).
pub const PLACEHOLDER_URL: &str = "https://jenkins.example.com";

/// The issuer of the oidc-provider plugin's tokens: the user's, or the placeholder root URL
/// followed by `/oidc`.
pub fn issuer(c: &CicdSettings) -> String {
    c.oidc_issuer.clone().unwrap_or_else(|| format!("{PLACEHOLDER_URL}/oidc"))
}

/// The job's URL, the `sub` of its tokens (the plugin's default): under the issuer's root URL.
pub fn job_url(c: &CicdSettings, job: &str) -> String {
    let issuer = issuer(c);
    let root = issuer.strip_suffix("/oidc").unwrap_or(&issuer);
    format!("{root}/job/{job}/")
}

/// The build's private directory for secret material: under `$WORKSPACE_TMP` (outside the
/// workspace), created mode 0700 and removed by [`cleanup`] in `post { always { … } }`.
pub const SECRETS_DIR: &str = "$WORKSPACE_TMP/secretsint";

/// The shell line that creates [`SECRETS_DIR`]; files written after it are private (umask 077).
pub fn make_secrets_dir() -> String {
    super::make_private_dir(SECRETS_DIR)
}

/// The first line of a Jenkins `sh` step that handles a secret: Jenkins runs `sh -xe`, which
/// traces every command with its variables expanded into the build log, and masks only values
/// bound by `withCredentials`, not ones a script derives (a Vault token).
pub const NO_TRACE: &str = "set +x";

/// The `post { always { … } }` steps: `lines` first (a token revocation), then the directory.
pub fn cleanup(lines: Vec<String>) -> Vec<Step> {
    let mut all = vec![NO_TRACE.to_string()];
    all.extend(lines);
    all.push(super::remove_dir(SECRETS_DIR));
    vec![Step::Sh(all)]
}

/// A Groovy value, rendered in Groovy's literal syntax: strings single-quoted (never GStrings,
/// so `${…}` in a value is text), with `\` and `'` escaped.
pub enum Groovy {
    Str(String),
    Int(u64),
    List(Vec<Groovy>),
    Map(Vec<(&'static str, Groovy)>),
    /// A call with named arguments, such as a credentials binding: `string(credentialsId: 'x')`.
    Call(&'static str, Vec<(&'static str, Groovy)>),
}

impl Groovy {
    pub fn render(&self) -> String {
        match self {
            Groovy::Str(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            Groovy::Int(i) => i.to_string(),
            Groovy::List(items) => format!("[{}]", items.iter().map(Groovy::render).collect::<Vec<_>>().join(", ")),
            Groovy::Map(pairs) if pairs.is_empty() => "[:]".into(),
            Groovy::Map(pairs) => format!("[{}]", named(pairs)),
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
pub fn g(s: impl Into<String>) -> Groovy {
    Groovy::Str(s.into())
}

/// A nested part of a declarative Jenkinsfile.
pub enum Step {
    /// One line, e.g. `sh 'make'`.
    Line(String),
    /// `head {`, the body one level deeper, `}`.
    Block(String, Vec<Step>),
    /// `sh '''` with each line of the script one level deeper, then `'''`: a triple-single-quoted
    /// string (no interpolation) with `\` and `'''` escaped.
    Sh(Vec<String>),
}

impl Step {
    /// `sh '<command>'`.
    pub fn sh(command: impl Into<String>) -> Step {
        Step::Line(format!("sh {}", g(command).render()))
    }

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

/// Where the pipeline runs.
pub enum Agent {
    Any,
    /// Agents carrying this label (written on one line: `agent { label '…' }`).
    Label(String),
}

/// A one-stage declarative pipeline.
pub struct Jenkinsfile {
    pub agent: Agent,
    /// A cron schedule (`triggers { cron('…') }`).
    pub cron: Option<String>,
    pub environment: Vec<(&'static str, String)>,
    pub stage: String,
    pub steps: Vec<Step>,
    /// Steps of `post { always { … } }`, run however the stage ended.
    pub always: Vec<Step>,
}

impl Jenkinsfile {
    pub fn new(stage: &str, steps: Vec<Step>) -> Jenkinsfile {
        Jenkinsfile {
            agent: Agent::Any,
            cron: None,
            environment: Vec::new(),
            stage: stage.into(),
            steps,
            always: Vec::new(),
        }
    }

    pub fn render(self) -> String {
        let mut pipeline = vec![Step::Line(match self.agent {
            Agent::Any => "agent any".into(),
            Agent::Label(label) => format!("agent {{ label {} }}", g(label).render()),
        })];
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
pub fn with_credentials(bindings: Groovy, body: Vec<Step>) -> Step {
    Step::Block(format!("withCredentials({})", bindings.render()), body)
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
