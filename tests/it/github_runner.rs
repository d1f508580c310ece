//! A GitHub-hosted runner, as far as the generated workflows use one: each `run:` step under
//! `bash --noprofile --norc -eo pipefail`, `$GITHUB_ENV` carried into later steps, `$RUNNER_TEMP`,
//! an OIDC token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`) that hands out a token only for the
//! audience it expects and only with the runner's request token, `::add-mask::` collected, and
//! `if: ${{ always() }}` steps run after a failure while the others are skipped.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_norway::Value;

/// The runner's own credential for the token endpoint (not a secret of the plan).
const REQUEST_TOKEN: &str = "runner-request-token";

/// What a job run left: the outcome of each step, the masks registered, everything printed,
/// the final `$GITHUB_ENV` values and the files left under `$RUNNER_TEMP`.
pub struct JobRun {
    pub steps: Vec<(String, Outcome)>,
    pub masks: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    pub env: BTreeMap<String, String>,
    pub temp_left: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Skipped,
}

/// The token endpoint: a Python HTTP server on a free port that answers
/// `GET …?api-version=2.0&audience=<aud>` with `{"value": token}`.
pub struct TokenEndpoint {
    child: Child,
    pub url: String,
}

impl TokenEndpoint {
    pub fn start(token: &str, audience: &str) -> TokenEndpoint {
        let script = r#"
import http.server, json, sys, urllib.parse
token, audience, request_token = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        ok = self.headers.get("Authorization") == "bearer " + request_token and q.get("audience") == [audience] and q.get("api-version") == ["2.0"]
        body = json.dumps({"value": token} if ok else {"message": "refused"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;
        let mut child = Command::new("python3")
            .args(["-c", script, token, audience, REQUEST_TOKEN])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port: u16 = line.trim().parse().expect("the token endpoint prints its port");
        TokenEndpoint {
            child,
            url: format!("http://127.0.0.1:{port}/_apis/distributedtask/token?api-version=2.0"),
        }
    }
}

impl Drop for TokenEndpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs job `job` of `workflow` (YAML text). `env_override` replaces step env values (a local
/// server's address for the placeholder); `skip` names steps left out, as a broken workflow would.
pub fn run_job(workflow: &str, job: &str, endpoint: &TokenEndpoint, env_override: &[(&str, &str)], skip: &[&str]) -> JobRun {
    let doc: Value = serde_norway::from_str(workflow).unwrap();
    let temp = tempfile::tempdir().unwrap();
    let runner_temp = temp.path().join("_temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let github_env = temp.path().join("github_env");
    std::fs::write(&github_env, "").unwrap();
    let mut run = JobRun {
        steps: Vec::new(),
        masks: Vec::new(),
        stdout: String::new(),
        stderr: String::new(),
        env: BTreeMap::new(),
        temp_left: Vec::new(),
    };
    let mut failed = false;
    for step in doc["jobs"][job]["steps"].as_sequence().unwrap() {
        let name = step.get("name").and_then(Value::as_str).unwrap_or("(unnamed)").to_string();
        let always = step.get("if").and_then(Value::as_str) == Some("${{ always() }}");
        let Some(script) = step.get("run").and_then(Value::as_str) else {
            // A `uses:` step (checkout): nothing to emulate.
            run.steps.push((name, Outcome::Success));
            continue;
        };
        if skip.contains(&name.as_str()) || (failed && !always) {
            run.steps.push((name, Outcome::Skipped));
            continue;
        }
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", temp.path())
            .env("RUNNER_TEMP", &runner_temp)
            .env("GITHUB_ENV", &github_env)
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", &endpoint.url)
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", REQUEST_TOKEN)
            .current_dir(temp.path());
        for (k, v) in &run.env {
            cmd.env(k, v);
        }
        if let Some(env) = step.get("env").and_then(Value::as_mapping) {
            for (k, v) in env {
                let k = k.as_str().unwrap();
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => serde_norway::to_string(other).unwrap().trim().to_string(),
                };
                cmd.env(k, v);
            }
        }
        for (k, v) in env_override {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        for line in stdout.lines() {
            if let Some(mask) = line.strip_prefix("::add-mask::") {
                run.masks.push(mask.to_string());
            }
        }
        run.stdout.push_str(&stdout);
        run.stderr.push_str(&String::from_utf8_lossy(&out.stderr));
        run.env = read_env(&github_env);
        let outcome = if out.status.success() { Outcome::Success } else { Outcome::Failure };
        failed |= outcome == Outcome::Failure;
        run.steps.push((name, outcome));
    }
    run.temp_left = list(&runner_temp);
    run
}

/// `NAME=value` lines of a `$GITHUB_ENV` file (the generated steps write no multi-line values).
fn read_env(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn list(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| PathBuf::from(e.unwrap().file_name()).display().to_string())
        .collect();
    out.sort();
    out
}
