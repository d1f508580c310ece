//! No input can change the meaning of an artifact (issue 16), in three parts:
//! 1. every free-form input of the data source and the CLI, with a table of hostile payloads:
//!    each is refused with an error on that input, or (none is, today) carried through every
//!    artifact to the same parsed structure as a harmless marker;
//! 2. the second wall: with the grammar bypassed (hostile values put straight into a planner
//!    `Request`), every generated SDK module still parses with its language's real parser,
//!    Python and JavaScript to the same syntax tree as with a marker value, and importing the
//!    Python modules and requiring the Node.js ones runs nothing (TF_ACC=1, real tools);
//! 3. the generated GitHub Actions and Azure Pipelines export steps run with a multi-line
//!    secret fail before they set anything, and with a one-line secret set exactly the planned
//!    variables (TF_ACC=1: bash and jq).

use crate::support::WorkloadFiles;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use secretsint::planner::{plan, plan_unchecked, Choice, CicdPlatform, FindingKind, Language, Request, Target};
use secretsint::provider::{self, ProviderConfig};
use secretsint::tf::Value;

use crate::bad_input::{error_paths, parsed_artifacts, path, swap, with};
use crate::support::*;

/// Every free-form input, with a benign value the payload is appended to (so that the payload,
/// not an empty prefix, is what a grammar must refuse).
const INPUTS: &[(&str, &str)] = &[
    ("name", "app"),
    ("environment", "prod"),
    ("rotation_period", "1h"),
    ("timestamp", "2026-01-31T12:00:00Z"),
    ("languages.0", "python"),
    ("vault.address", "https://vault.example.com:8200/x"),
    ("vault.namespace", "admin"),
    ("vault.kv_mount", "secret"),
    ("vault.auth_mount", "kubernetes"),
    ("vault.database_mount", "database"),
    ("vault.pki_mount", "pki"),
    ("aws.region", "us-east-1"),
    ("aws.account_id", "123456789012"),
    ("aws.kms_key_id", "alias/app"),
    ("azure.vault_name", "kv-app"),
    ("azure.tenant_id", "00000000-0000-0000-0000-000000000000"),
    ("azure.subscription_id", "00000000-0000-0000-0000-000000000000"),
    ("azure.resource_group", "rg-app"),
    ("gcp.project_id", "example-project"),
    ("gcp.project_number", "123456789012"),
    ("gcp.location", "us-central1"),
    ("database.engine", "postgresql"),
    ("database.host", "db.example.com"),
    ("database.database_name", "app"),
    ("kubernetes.namespace", "app"),
    ("kubernetes.service_account", "app"),
    ("kubernetes.store_kind", "SecretStore"),
    ("kubernetes.refresh_interval", "30m"),
    ("kubernetes.cluster_name", "example-cluster"),
    ("cicd.platform", "github-actions"),
    ("cicd.repository", "example-org/example-repo"),
    ("cicd.branch", "main"),
    ("certificate.common_name", "app.example.com"),
    ("certificate.alt_names.0", "www.example.com"),
    ("certificate.ttl", "90d"),
    ("credential_type", "database"),
];

/// What an attacker writes: something that means more in some artifact's syntax.
fn payloads() -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = [
        ("double quote", "\""),
        ("triple quote", "\"\"\""),
        ("single quote", "'"),
        ("newline", "\nkind: Secret"),
        ("carriage return", "\rx"),
        ("hcl interpolation", "${x}"),
        ("hcl directive", "%{ if true }"),
        ("github expression", "${{ secrets.DEPLOY_KEY }}"),
        ("gitlab variable", "$CI_JOB_TOKEN"),
        ("gitlab expression", "$[[ inputs.x ]]"),
        ("azure macro", "$(System.AccessToken)"),
        ("command substitution", "$(touch pwned)"),
        ("backticks", "`touch pwned`"),
        ("java unicode escape", "\\u0022+\\u000a"),
        ("backslash", "\\"),
        ("yaml specials", ": #&a *a !t |>"),
        ("yaml document", "\n---\n"),
        ("heredoc terminator", "\nEOF\n"),
        ("groovy gstring", "${'x'}\"\"\""),
        ("comment end", "*/"),
        ("nul", "\u{0}"),
        ("bidi override", "\u{202e}"),
        ("bidi isolate", "\u{2066}"),
        ("zero width space", "\u{200b}"),
        ("space", " x"),
    ]
    .into_iter()
    .map(|(w, p)| (w, p.to_string()))
    .collect();
    v.push(("one megabyte", "a".repeat(1 << 20)));
    v
}

fn input_value(dotted: &str, text: String) -> (String, Value) {
    match dotted.strip_suffix(".0") {
        Some(list) => (list.to_string(), Value::List(vec![s(&text)])),
        None => (dotted.to_string(), s(&text)),
    }
}

#[test]
fn every_hostile_payload_is_refused_on_its_input() {
    let pc = ProviderConfig::default();
    let (mut refused, mut carried) = (0, 0);
    for (input, benign) in INPUTS {
        let (attr, v) = input_value(input, benign.to_string());
        let base = with(&attr, v);
        let (_, d) = provider::read(&base, &pc);
        assert!(!d.has_errors(), "{input} = {benign:?} should be accepted: {d:?}");
        for (what, payload) in payloads() {
            let (attr, v) = input_value(input, format!("{benign}{payload}"));
            let config = with(&attr, v);
            let diags = provider::validate(&config, &pc);
            if diags.has_errors() {
                let want = path(input);
                let paths = error_paths(&diags);
                assert!(
                    paths.iter().all(|p| p.as_ref() == Some(&want)),
                    "{input} + {what}: refused, but not only on {want}: {paths:?}"
                );
                assert!(
                    diags.iter().all(|d| d.detail.len() < 600),
                    "{input} + {what}: the diagnostic echoes too much"
                );
                refused += 1;
                continue;
            }
            // Accepted: every artifact must parse to the structure a marker value gives.
            carried += 1;
            let (state, d) = provider::read(&config, &pc);
            assert!(!d.has_errors(), "{input} + {what}: {d:?}");
            let (base_state, _) = provider::read(&base, &pc);
            let hostile = format!("{benign}{payload}");
            for ((name, tree), (_, want)) in parsed_artifacts(&state).iter().zip(parsed_artifacts(&base_state).iter()) {
                let mut n = 0;
                assert_eq!(
                    &swap(tree, &hostile, benign, &mut n),
                    want,
                    "{input} + {what}: {name} changed structure"
                );
            }
        }
    }
    println!(
        "injection: {} inputs x {} payloads: {refused} refused, {carried} carried intact",
        INPUTS.len(),
        payloads().len()
    );
    assert_eq!(refused + carried, INPUTS.len() * payloads().len());
}

/// The CLI reads the same schema: a hostile flag value is refused with the attribute named.
#[test]
fn the_cli_refuses_hostile_flags() {
    for (input, benign) in INPUTS.iter().filter(|(i, _)| !i.ends_with(".0")) {
        let flag = match *input {
            "credential_type" => "--credential".to_string(),
            other => format!("--{}", other.replace(['.', '_'], "-")),
        };
        let value = format!("{benign}\"$(touch pwned)${{{{x}}}}");
        let args = [
            "secretsint",
            "plan",
            "--backend",
            "vault",
            "--target",
            "kubernetes",
            "--rotation",
            "dynamic",
            &flag,
            &value,
        ];
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = secretsint::cli::run(args, &mut out, &mut err);
        let err = String::from_utf8_lossy(&err);
        assert_eq!(code, 1, "{flag}: accepted or a usage error: {err}");
        assert!(err.contains(input), "{flag}: the error does not name {input}: {err}");
    }
}

/// One hostile string for every field of a `Request` the grammar would have refused.
const HOSTILE: &str = "https://v.example/\"\"\"+str(__import__('os').system('touch MARKER'))+\"\"\" */ \\u0022;touch('MARKER')//\n${{ secrets.X }} `touch MARKER` $(touch MARKER) '; \u{202e}\u{200b}\u{2066}x";
const MARKER_VALUE: &str = "https://marker.example/marker";

fn requests_with(value: &str) -> Vec<(String, Request)> {
    let mut out = Vec::new();
    for (origin, mut req) in every_request_on_every_platform() {
        req.languages = Some(Language::ALL.to_vec());
        let v = || Some(value.to_string());
        req.vault.address = v();
        req.vault.namespace = v();
        req.vault.auth_mount = v();
        req.vault.database_mount = v();
        req.vault.pki_mount = v();
        req.aws.region = v();
        req.azure.vault_name = v();
        req.gcp.project_id = v();
        req.kubernetes.service_account = v();
        req.certificate.common_name = v();
        out.push((origin, req));
    }
    out
}

/// (language, hostile code) -> (marker code, origin), distinct by hostile code.
fn sdk_pairs() -> BTreeMap<(Language, String), (String, String)> {
    let join = |c: &secretsint::planner::IntegrationCode| {
        format!("{}\n{}\n{}", c.authentication_snippet, c.secret_retrieval_snippet, c.error_handling)
    };
    let mut out = BTreeMap::new();
    for ((origin, hostile), (_, marker)) in requests_with(HOSTILE).into_iter().zip(requests_with(MARKER_VALUE)) {
        let (h, m) = (plan_unchecked(&hostile).integration_code, plan_unchecked(&marker).integration_code);
        assert_eq!(h.len(), m.len(), "{origin}");
        for (hc, mc) in h.iter().zip(&m) {
            out.entry((hc.language, join(hc))).or_insert((join(mc), origin.clone()));
        }
    }
    out
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?} did not start: {e}"));
    (
        out.status.success(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

/// Every hostile value stays printable ASCII in the code (no Trojan Source), whatever it held.
#[test]
fn generated_code_is_printable_ascii_whatever_the_input() {
    for ((language, code), (_, origin)) in sdk_pairs() {
        let bad: Vec<char> = code
            .chars()
            .filter(|c| !(*c == '\n' || *c == '\t' || (' '..='~').contains(c)))
            .collect();
        assert!(bad.is_empty(), "{origin} {language:?}: characters outside printable ASCII: {bad:?}");
    }
}

const PY_CHECK: &str = r#"
import ast, importlib.util, os, sys
def shape(src):
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree)
failures = 0
for hostile, marker in zip(sys.argv[1::2], sys.argv[2::2]):
    with open(hostile) as h, open(marker) as m:
        if shape(h.read()) != shape(m.read()):
            print("different syntax tree:", hostile); failures += 1
    spec = importlib.util.spec_from_file_location("m%d" % failures + os.path.basename(hostile)[:-3], hostile)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
print(len(sys.argv) // 2, "modules compared and imported")
sys.exit(1 if failures else 0)
"#;

const JS_CHECK: &str = r#"
const fs = require("fs");
const ts = require("typescript");
function shape(file) {
  const src = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  if (src.parseDiagnostics.length) throw new Error(file + ": " + src.parseDiagnostics[0].messageText);
  const kinds = [];
  (function walk(n) { kinds.push(n.kind); ts.forEachChild(n, walk); })(src);
  return kinds.join(",");
}
// Under `node -e` the arguments start right after the executable.
const args = process.argv.slice(1);
let failures = 0;
for (let i = 0; i < args.length; i += 2) {
  if (shape(args[i]) !== shape(args[i + 1])) { console.log("different syntax tree:", args[i]); failures++; }
  require(args[i]);
}
console.log(args.length / 2, "modules compared and required");
process.exit(failures ? 1 : 0);
"#;

/// The second wall, with the real parsers: hostile values put straight into the planner reach
/// every SDK module escaped for their context. Python and JavaScript parse to the syntax tree
/// the marker value gives (string contents aside) and run nothing when imported; Java parses
/// with javac's parser and Go with gofmt.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn sdk_code_keeps_its_structure_when_the_grammar_is_bypassed() {
    let dir = tempfile::tempdir().unwrap();
    let marker_file = dir.path().join("MARKER");
    let pairs = sdk_pairs();
    let (mut py, mut js, mut java, mut go) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, ((language, hostile), (marker, _))) in pairs.iter().enumerate() {
        // The payload names the marker file relative to the working directory of the import.
        let (ext, list) = match language {
            Language::Python => ("py", &mut py),
            Language::Nodejs => ("js", &mut js),
            Language::Java => ("java", &mut java),
            Language::Go => ("go", &mut go),
        };
        let sub = dir.path().join(format!("{ext}{i:04}"));
        std::fs::create_dir_all(sub.join("marker")).unwrap();
        let name = if *language == Language::Java {
            "Secrets.java".to_string()
        } else {
            format!("secrets_{i:04}.{ext}")
        };
        std::fs::write(sub.join(&name), hostile).unwrap();
        std::fs::write(sub.join("marker").join(&name), marker).unwrap();
        list.push((sub.join(&name), sub.join("marker").join(&name)));
    }
    let flat = |l: &Vec<(std::path::PathBuf, std::path::PathBuf)>| -> Vec<String> {
        l.iter()
            .flat_map(|(h, m)| [h.display().to_string(), m.display().to_string()])
            .collect()
    };
    assert!(
        py.len() >= 10 && js.len() >= 10 && java.len() >= 10 && go.len() >= 10,
        "too few modules"
    );

    let (ok, out) = run(Command::new(tool("sdk/venv/bin/python"))
        .current_dir(dir.path())
        .arg("-c")
        .arg(PY_CHECK)
        .args(flat(&py)));
    assert!(ok, "python:\n{out}");
    let (ok, out) = run(Command::new("node")
        .current_dir(dir.path())
        .env("NODE_PATH", tool("sdk/node/node_modules"))
        .arg("-e")
        .arg(JS_CHECK)
        .args(flat(&js)));
    assert!(ok, "node:\n{out}");
    assert!(!marker_file.exists(), "importing or requiring a generated module ran the payload");

    let (ok, out) = run(Command::new("java")
        .arg(repo_root().join("tests/it/ParseJava.java"))
        .args(java.iter().map(|(h, _)| h.display().to_string())));
    assert!(ok, "javac's parser:\n{out}");
    let (ok, out) = run(Command::new("gofmt")
        .arg("-e")
        .arg("-l")
        .args(go.iter().map(|(h, _)| h.display().to_string())));
    assert!(ok, "gofmt:\n{out}");
    println!(
        "injection: {} Python, {} Node.js, {} Java and {} Go modules with hostile values parsed",
        py.len(),
        js.len(),
        java.len(),
        go.len()
    );

    // Canary: the same Python check catches a payload written raw into a docstring.
    let raw = dir.path().join("canary.py");
    let raw_marker = dir.path().join("canary_marker.py");
    std::fs::write(
        &raw,
        "\"\"\"Vault at https://v.example/\"\"\"+str(__import__('os').system('touch MARKER'))+\"\"\".\"\"\"\n",
    )
    .unwrap();
    std::fs::write(&raw_marker, "\"\"\"Vault at https://marker.example/marker.\"\"\"\n").unwrap();
    let (ok, _) = run(Command::new(tool("sdk/venv/bin/python"))
        .current_dir(dir.path())
        .arg("-c")
        .arg(PY_CHECK)
        .args([raw.display().to_string(), raw_marker.display().to_string()]));
    assert!(!ok, "the check did not notice a payload that escaped its docstring");
    assert!(marker_file.exists(), "the canary should have run its payload");
}

/// The `run:` script of every step of a GitHub workflow, and of every bash step of an Azure
/// pipeline, that hands a secret to later steps.
fn export_scripts(text: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_norway::from_str(text).unwrap();
    let mut out = Vec::new();
    let mut visit = |steps: &serde_json::Value| {
        for step in steps.as_array().into_iter().flatten() {
            for key in ["run", "bash"] {
                if let Some(script) = step[key].as_str() {
                    if script.contains("GITHUB_ENV") || script.contains("task.setvariable") {
                        out.push(script.to_string());
                    }
                }
            }
        }
    };
    if let Some(jobs) = doc["jobs"].as_object() {
        for job in jobs.values() {
            visit(&job["steps"]);
        }
    }
    visit(&doc["steps"]);
    out
}

/// Stubs for the cloud CLIs (which cannot run here): each prints the secret document the real
/// one would, or writes it where the script asks. jq and bash are real.
fn stub_bin(dir: &Path, secret: &str, script: &str) {
    // Key Vault holds a database credential as one JSON document in the secret's value.
    let value = if script.contains("jq -er .username") {
        serde_json::json!({"username": "app", "password": secret}).to_string()
    } else {
        secret.to_string()
    };
    let fields = |value: &str| {
        serde_json::json!({
            "value": value, "username": "app", "password": secret, "api_key": secret,
            "certificate": secret, "private_key": secret, "issuing_ca": secret, "ca_chain": [secret],
        })
    };
    let mut doc = fields(&value);
    doc["data"] = fields(secret);
    doc["data"]["data"] = fields(secret);
    doc["auth"] = serde_json::json!({"client_token": secret});
    let doc = doc.to_string();
    std::fs::write(dir.join("doc.json"), &doc).unwrap();
    let script = format!(
        "#!/bin/sh\n# prints or writes the secret document; reads its stdin first, as curl reads a header or body from it (a\n# stub that exits first would SIGPIPE the printf feeding it and fail the step under pipefail)\ncat >/dev/null\nfor a in \"$@\"; do case $a in --out-file=*) cat {d} > \"${{a#--out-file=}}\"; exit 0;; esac; done\nprev=''\nfor a in \"$@\"; do if [ \"$prev\" = --output ] && [ \"$a\" != tsv ]; then cat {d} > \"$a\"; exit 0; fi; prev=$a; done\ncase \" $* \" in *' --query value '*) jq -r .value {d};; *) cat {d};; esac\n",
        d = dir.join("doc.json").display()
    );
    for name in ["gcloud", "az", "curl"] {
        let p = dir.join(name);
        std::fs::write(&p, &script).unwrap();
        std::os::unix::fs::PermissionsExt::set_mode(&mut std::fs::metadata(&p).unwrap().permissions(), 0o755);
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
}

/// Variables a `$GITHUB_ENV` file sets, read as the runner reads it (`NAME=value` lines and
/// `NAME<<DELIMITER` heredocs).
fn github_env_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let eq = line.find('=');
        let heredoc = line.find("<<");
        match (eq, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => names.push(line[..e].to_string()),
            (_, Some(h)) => {
                names.push(line[..h].to_string());
                let delimiter = &line[h + 2..];
                for l in lines.by_ref() {
                    if l == delimiter {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    names
}

/// Variables Azure Pipelines logging commands on stdout set.
fn ado_names(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split("##vso[task.setvariable variable=").nth(1))
        .map(|rest| rest.split([';', ']']).next().unwrap_or_default().to_string())
        .collect()
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn ci_exports_refuse_a_multi_line_secret_and_set_only_planned_variables() {
    let mut checked = 0;
    for req in all_requests() {
        if req.target != Target::Cicd {
            continue;
        }
        for platform in [CicdPlatform::GithubActions, CicdPlatform::AzureDevops, CicdPlatform::GitlabCi] {
            let mut req = req.clone();
            req.cicd.platform = Some(platform);
            let files = plan(&req).workload_files();
            let origin = format!("{}-{}-{}-{platform}", req.backend, req.rotation, req.credential.unwrap());
            for (name, text) in &files {
                if platform == CicdPlatform::GitlabCi && name == ".gitlab-ci.yml" {
                    // GitLab hands secrets over as files, never as variables a job sets.
                    assert!(!text.contains("dotenv"), "{origin}: a dotenv report would carry the secret");
                }
                let is_pipeline = name.starts_with(".github/workflows/") || name == "azure-pipelines.yml";
                if !is_pipeline {
                    continue;
                }
                for script in export_scripts(text) {
                    let planned: Vec<String> = {
                        let dir = tempfile::tempdir().unwrap();
                        run_export(dir.path(), &script, "one-line-secret").1
                    };
                    let dir = tempfile::tempdir().unwrap();
                    let (ok, names, out) = run_export_full(dir.path(), &script, "line1\nBASH_ENV=/tmp/x\nNODE_OPTIONS=--require=/tmp/x");
                    let secret_vars = names.iter().filter(|n| !n.ends_with("_FILE")).count();
                    if secret_vars > 0 || !ok {
                        assert!(!ok, "{origin} {name}: a multi-line secret was accepted:\n{script}\n{out}");
                        assert!(!out.contains("line1"), "{origin} {name}: the refused secret was printed:\n{out}");
                    }
                    assert!(
                        names.iter().all(|n| planned.contains(n)),
                        "{origin} {name}: a multi-line secret set {names:?}, planned {planned:?}"
                    );
                    assert!(
                        !names.iter().any(|n| n == "BASH_ENV" || n == "NODE_OPTIONS"),
                        "{origin} {name}: {names:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 10, "only {checked} export steps found");
    // Canary: the shape these steps had before (echo without a line check) lets the second
    // line of the secret set BASH_ENV, and the harness sees it.
    let old = "set -euo pipefail\nvalue=\"$(az keyvault secret show --query value --output tsv)\"\necho \"::add-mask::$value\"\necho \"API_KEY=$value\" >> \"$GITHUB_ENV\"";
    let dir = tempfile::tempdir().unwrap();
    let (_, names, _) = run_export_full(dir.path(), old, "line1\nBASH_ENV=/tmp/x");
    assert!(names.iter().any(|n| n == "BASH_ENV"), "the harness missed the old shape: {names:?}");
    println!("injection: {checked} CI export steps run with a multi-line secret");
}

fn run_export(dir: &Path, script: &str, secret: &str) -> (bool, Vec<String>) {
    let (ok, names, out) = run_export_full(dir, script, secret);
    assert!(ok, "a one-line secret failed the step:\n{script}\n{out}");
    (ok, names)
}

/// Runs one step script under bash with stubbed cloud CLIs; returns whether it succeeded, the
/// variables it set (GitHub env file and Azure logging commands) and its output.
fn run_export_full(dir: &Path, script: &str, secret: &str) -> (bool, Vec<String>, String) {
    let bin = dir.join("bin");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    stub_bin(&bin, secret, script);
    let env_file = dir.join("github_env");
    std::fs::write(&env_file, "").unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .env("GITHUB_ENV", &env_file)
        .env("RUNNER_TEMP", &tmp)
        .env("AGENT_TEMPDIRECTORY", &tmp)
        .env("VAULT_TOKEN", "token")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", "https://runner.example.com/token?api-version=2.0")
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token")
        .env("OIDC_AUDIENCE", "https://vault.example.com")
        .env("VAULT_ROLE", "prod--app")
        .env("VAULT_AUTH_PATH", "jwt")
        .env("VAULT_ADDR", "https://vault.example.com")
        .env("KEY_VAULT_NAME", "kv")
        .env("KEY_VAULT_OBJECT", "obj")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let mut names = github_env_names(&std::fs::read_to_string(&env_file).unwrap());
    names.extend(ado_names(&stdout));
    (
        out.status.success(),
        names,
        format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)),
    )
}

/// Vault and OpenBao read policies as HCL1: a path holding `${`, `%{`, a quote and a backslash
/// (the grammar refuses all four; here it is bypassed) reaches the real parser as exactly the
/// planned path (`bao policy fmt` parses and re-prints it).
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn vault_policies_carry_hostile_paths_exactly() {
    use secretsint::planner::{Backend, CredentialType, Rotation};
    let mount = "db${x}%{y}\"q\\z";
    // The grammar refuses this mount; plan_unchecked shows what the HCL1 renderer does with it.
    let mut req = Request::new(Backend::Vault, Target::Kubernetes, Rotation::Dynamic);
    req.credential = Some(CredentialType::Database);
    req.vault.database_mount = Some(mount.to_string());
    let p = plan_unchecked(&req);
    let policy = &p.access_policies[0];
    let want = format!("{mount}/creds/prod--app");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.hcl");
    std::fs::write(&file, &policy.policy_document).unwrap();
    let (ok, out) = run(Command::new(tool("bin/bao"))
        .env("HOME", dir.path())
        .arg("policy")
        .arg("fmt")
        .arg(&file));
    assert!(ok, "bao policy fmt refused {}:\n{out}", policy.policy_document);
    let formatted = std::fs::read_to_string(&file).unwrap();
    // The printed path is an HCL1 quoted string: undo its two escapes and compare.
    let line = formatted.lines().find(|l| l.starts_with("path ")).expect("a path block");
    let quoted = line.trim_start_matches("path ").trim_end_matches(" {").trim();
    let got = quoted[1..quoted.len() - 1].replace("\\\"", "\"").replace("\\\\", "\\");
    assert_eq!(got, want, "{formatted}");
}

/// A value for every string field of a request, for the CI check below.
fn ci_request(base: &Request, platform: CicdPlatform, value: &str) -> Request {
    let mut req = base.clone();
    req.cicd.platform = Some(platform);
    let v = || Some(value.to_string());
    req.vault.address = v();
    req.vault.namespace = v();
    req.vault.kv_mount = v();
    req.vault.auth_mount = v();
    req.vault.database_mount = v();
    req.vault.pki_mount = v();
    req.aws.region = v();
    req.aws.account_id = v();
    req.aws.kms_key_id = v();
    req.azure.vault_name = v();
    req.azure.tenant_id = v();
    req.azure.subscription_id = v();
    req.azure.resource_group = v();
    req.gcp.project_id = v();
    req.gcp.project_number = v();
    req.gcp.location = v();
    req.database.host = v();
    req.database.database_name = v();
    req.cicd.repository = Some(format!("{value}/{value}"));
    req.cicd.branch = v();
    req.certificate.common_name = v();
    req
}

/// What a CI system evaluates in a file: GitHub and Azure `${{ }}`, GitLab `$[[ ]]`, Azure
/// `$( )` and `$[ ]`, shell `$(`, backticks and `${`, and a bare `$NAME` (GitLab expands it in
/// variables).
const CI_OPENERS: &[&str] = &["${{", "$[[", "$(", "$[", "`", "${", "$CI_", "$System", "\n"];
const CI_HOSTILE: &str = "h${{ secrets.X }}$[[ inputs.y ]]$(System.AccessToken)$[variables.z]$CI_JOB_TOKEN`id`${HOME}'\"\\\nx: y";
const CI_MARKER: &str = "marker";

/// The planner's own wall: a request built by hand with a hostile value in any string field is
/// refused whole (an error finding on that field, no artifact), so nothing reaches a CI file,
/// whose expression syntaxes (`${{ }}`, `$[[ ]]`, `$( )`) no YAML serializer escapes. Canary:
/// without the check the same value adds expressions and lines to the pipeline files.
#[test]
fn hand_built_requests_are_refused_before_any_artifact() {
    let mut refused = 0;
    let mut canary_hits = 0;
    for base in all_requests().into_iter().filter(|r| r.target == Target::Cicd) {
        for platform in CicdPlatform::ALL {
            let req = ci_request(&base, *platform, CI_HOSTILE);
            let p = plan(&req);
            assert!(
                p.workload_files().is_empty(),
                "{} {platform}: artifacts from a hostile request",
                base.backend
            );
            let fields: Vec<String> = p
                .findings
                .iter()
                .filter(|f| f.kind == FindingKind::Error)
                .map(|f| f.field.join("."))
                .collect();
            assert!(fields.len() >= 20, "{} {platform}: only {fields:?} refused", base.backend);
            refused += 1;
            let hostile = plan_unchecked(&req).workload_files();
            let marker = plan_unchecked(&ci_request(&base, *platform, CI_MARKER)).workload_files();
            for (name, text) in &hostile {
                let is_ci =
                    name.starts_with(".github/") || name == ".gitlab-ci.yml" || name == "azure-pipelines.yml" || name == "Jenkinsfile";
                if let (true, Some(want)) = (is_ci, marker.get(name)) {
                    if CI_OPENERS.iter().any(|o| text.matches(o).count() != want.matches(o).count()) {
                        canary_hits += 1;
                    }
                }
            }
        }
    }
    assert!(refused >= 100, "{refused}");
    assert!(
        canary_hits >= 100,
        "the canary found only {canary_hits} pipeline files changed by the value"
    );
}
