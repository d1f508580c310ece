//! Every integration snippet of every backend passes its language's own tools (TF_ACC=1):
//! Python with mypy against the pinned SDKs, JavaScript with `tsc --checkJs` against the pinned
//! Node packages, Go with `gofmt -l -e`, Java with javac's parser. Snippets come from
//! `plan().integration_code` for all 144 combinations × every cicd platform × all four
//! languages (the plan's own, or what it carries once its backend is planned), deduplicated by
//! content.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use secretsint::planner::{plan, versions, Backend, Choice, Language};

use crate::support::{all_requests, every_request_on_every_platform, repo_root, tool};

/// (language, joined file text) for every distinct snippet, with a readable origin for messages.
pub fn snippets() -> BTreeMap<(Language, String), String> {
    let mut out = BTreeMap::new();
    for (origin, mut req) in every_request_on_every_platform() {
        req.languages = Some(Language::ALL.to_vec());
        let code = plan(&req).integration_code;
        assert_eq!(code.len(), 4, "{origin}: one integration_code per language");
        for c in code {
            let text = format!("{}\n{}\n{}", c.authentication_snippet, c.secret_retrieval_snippet, c.error_handling);
            out.entry((c.language, text)).or_insert(origin.clone());
        }
    }
    out
}

/// The modules of the three-secret workload (`workload_sdk.rs`) of every backend, keyed as
/// [`snippets`] keys a plan's.
pub fn workload_snippets() -> BTreeMap<(Language, String), String> {
    crate::workload_sdk::modules()
        .into_iter()
        .map(|(case, language, text)| ((language, text), format!("workload-{case}")))
        .collect()
}

fn write_all(dir: &Path, language: Language, ext: &str) -> Vec<(String, String)> {
    write_these(snippets(), dir, language, ext)
}

fn write_these(all: BTreeMap<(Language, String), String>, dir: &Path, language: Language, ext: &str) -> Vec<(String, String)> {
    let mut written = Vec::new();
    for (i, ((lang, text), origin)) in all.into_iter().filter(|((l, _), _)| *l == language).enumerate() {
        let name = format!("s{i:03}_{}.{ext}", origin.replace('-', "_"));
        let path = if language == Language::Java {
            // A public class lives in a file of its name: one directory per snippet.
            let sub = dir.join(format!("s{i:03}"));
            std::fs::create_dir_all(&sub).unwrap();
            sub.join("Secrets.java")
        } else {
            dir.join(&name)
        };
        assert_eq!(lang, language);
        std::fs::write(&path, text).unwrap();
        written.push((path.display().to_string(), origin));
    }
    written
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?} did not start: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn python_snippets_pass_mypy_against_the_pinned_sdks() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(dir.path(), Language::Python, "py");
    assert!(files.len() >= 4 * 5, "too few Python snippets: {}", files.len());
    mypy(dir.path(), &files);
}

fn mypy(dir: &Path, files: &[(String, String)]) {
    let (ok, out) = run(Command::new(tool("sdk/venv/bin/python"))
        // --allow-untyped-calls: types-hvac leaves a few hvac methods unannotated.
        .args([
            "-m",
            "mypy",
            "--strict",
            "--allow-untyped-calls",
            "--no-incremental",
            "--cache-dir",
            "/dev/null",
            "--python-version",
            "3.11",
        ])
        .args(files.iter().map(|(p, _)| p))
        .current_dir(dir));
    assert!(ok, "mypy found problems in {} Python snippets:\n{out}", files.len());
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn node_snippets_pass_tsc_check_js_against_the_pinned_packages() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(dir.path(), Language::Nodejs, "js");
    tsc(dir.path(), &files);
}

fn tsc(dir: &Path, files: &[(String, String)]) {
    std::os::unix::fs::symlink(tool("sdk/node/node_modules"), dir.join("node_modules")).unwrap();
    let (ok, out) = run(Command::new("node")
        .arg(tool("sdk/node/node_modules/typescript/bin/tsc"))
        .args(["--noEmit", "--allowJs", "--checkJs", "--strict", "--skipLibCheck"])
        .args([
            "--target",
            "es2022",
            "--module",
            "commonjs",
            "--moduleResolution",
            "node10",
            "--types",
            "node",
        ])
        .args(files.iter().map(|(p, _)| p))
        .current_dir(dir));
    assert!(ok, "tsc found problems in {} JavaScript snippets:\n{out}", files.len());
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn go_snippets_are_gofmt_clean() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(dir.path(), Language::Go, "go");
    gofmt(dir.path(), &files);
}

fn gofmt(dir: &Path, files: &[(String, String)]) {
    let (ok, out) = run(Command::new("gofmt").args(["-l", "-e"]).arg(dir));
    assert!(
        ok && out.trim().is_empty(),
        "gofmt -l -e over {} Go snippets (unformatted files are listed):\n{out}",
        files.len()
    );
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn java_snippets_parse_with_javac() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(dir.path(), Language::Java, "java");
    parse_java(&files);
    // The parser is live: a broken file fails.
    let broken = dir.path().join("Broken.java");
    std::fs::write(&broken, "class Broken { void f( }\n").unwrap();
    let (ok, _) = run(Command::new("java").arg(repo_root().join("tests/it/ParseJava.java")).arg(&broken));
    assert!(!ok, "ParseJava accepted a syntax error");
}

fn parse_java(files: &[(String, String)]) {
    let (ok, out) = run(Command::new("java")
        .arg(repo_root().join("tests/it/ParseJava.java"))
        .args(files.iter().map(|(p, _)| p)));
    assert!(ok, "javac's parser rejected Java snippets:\n{out}");
}

/// The workload modules (one accessor per secret) pass the same tools as a plan's module: mypy
/// against the pinned SDKs, tsc --checkJs against the pinned packages, gofmt, javac's parser.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn workload_modules_pass_each_languages_tools() {
    let all = workload_snippets();
    assert_eq!(all.len(), 4 * 4 * 2, "one module per language, backend and target");
    let dir = tempfile::tempdir().unwrap();
    let python = dir.path().join("python");
    std::fs::create_dir_all(&python).unwrap();
    let files = write_these(all.clone(), &python, Language::Python, "py");
    assert_eq!(files.len(), 8);
    mypy(&python, &files);
    let node = dir.path().join("node");
    std::fs::create_dir_all(&node).unwrap();
    let files = write_these(all.clone(), &node, Language::Nodejs, "js");
    tsc(&node, &files);
    let go = dir.path().join("go");
    std::fs::create_dir_all(&go).unwrap();
    let files = write_these(all.clone(), &go, Language::Go, "go");
    gofmt(&go, &files);
    let java = dir.path().join("java");
    std::fs::create_dir_all(&java).unwrap();
    let files = write_these(all, &java, Language::Java, "java");
    parse_java(&files);
}

/// The pins in versions.rs are what .tools/sdk holds, so the type checks above test those versions.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn installed_sdks_match_the_versions_table() {
    let py = tool("sdk/venv/bin/python");
    for b in Backend::ALL {
        for dep in versions::dependencies(*b, Language::Python) {
            let (ok, out) = run(Command::new(&py).args([
                "-c",
                &format!("import importlib.metadata as m; print(m.version({:?}))", dep.package),
            ]));
            assert!(
                ok && out.trim() == dep.version,
                "{}: installed {out:?}, table {}",
                dep.package,
                dep.version
            );
        }
        for dep in versions::dependencies(*b, Language::Nodejs) {
            let manifest = tool("sdk/node/node_modules").join(dep.package).join("package.json");
            let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
            assert_eq!(json["version"], dep.version, "{}", dep.package);
        }
    }
}

/// detect-secrets finds nothing in any snippet (a plan's or a workload's) or dependency file of
/// any backend, including the backends whose planners have not landed yet (tests/it/security.rs scans the planned ones).
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn no_snippet_of_any_backend_looks_like_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    for ((language, text), origin) in snippets().into_iter().chain(workload_snippets()) {
        let (dir_name, _) = versions::source_layout(language);
        let path = dir.path().join(format!("{origin}-{dir_name}.txt"));
        std::fs::write(path, text).unwrap();
        count += 1;
    }
    // Also as contract_json carries them: each section a JSON string under its attribute name,
    // where the keyword plugin reads a line differently.
    for (i, req) in all_requests().into_iter().enumerate() {
        let mut req = req;
        req.languages = Some(Language::ALL.to_vec());
        let code = serde_json::to_string_pretty(&plan(&req).integration_code).unwrap();
        std::fs::write(dir.path().join(format!("contract-{i:03}.json")), code).unwrap();
    }
    for b in Backend::ALL {
        for l in Language::ALL {
            let deps = versions::dependencies(*b, *l);
            let text = secretsint::planner::integration::dependency_manifest("app", *l, &deps);
            std::fs::write(dir.path().join(format!("deps-{b}-{l}.txt")), text).unwrap();
        }
    }
    let mut args = vec!["scan".to_string(), "--all-files".to_string()];
    for shape in crate::security::NAME_NOT_SECRET {
        args.extend(["--exclude-lines".to_string(), shape.to_string()]);
    }
    let out = Command::new(tool("bin/detect-secrets"))
        .args(&args)
        .arg(".")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = report["results"].as_object().unwrap();
    assert!(
        results.is_empty(),
        "secret-like strings in {} of {count} snippets: {results:#?}",
        results.len()
    );
}

/// Each dependency file parses with its ecosystem's own parser and names exactly the pinned
/// versions: `go mod edit -json` (offline), Python's `packaging` requirement grammar, JSON for
/// package.json, and an XML parser plus the Maven coordinates for pom.xml.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn dependency_files_parse_and_pin_the_table() {
    let dir = tempfile::tempdir().unwrap();
    for b in Backend::ALL {
        for l in Language::ALL {
            let deps = versions::dependencies(*b, *l);
            let text = secretsint::planner::integration::dependency_manifest("app", *l, &deps);
            let sub = dir.path().join(format!("{b}-{l}"));
            std::fs::create_dir_all(&sub).unwrap();
            let (ok, out) = match l {
                Language::Go => {
                    std::fs::write(sub.join("go.mod"), &text).unwrap();
                    run(Command::new("go")
                        .args(["mod", "edit", "-json"])
                        .current_dir(&sub)
                        .env("GOFLAGS", "-mod=mod"))
                }
                Language::Python => {
                    std::fs::write(sub.join("requirements.txt"), &text).unwrap();
                    run(Command::new(tool("sdk/venv/bin/python"))
                        .args(["-c", "import sys, json\nfrom pip._vendor.packaging.requirements import Requirement\nprint(json.dumps({(r := Requirement(l)).name: str(r.specifier) for l in open('requirements.txt') if l.strip()}))"])
                        .current_dir(&sub))
                }
                Language::Nodejs => (true, text.clone()),
                Language::Java => {
                    std::fs::write(sub.join("pom.xml"), &text).unwrap();
                    run(Command::new(tool("sdk/venv/bin/python"))
                        .args(["-c", "import json, xml.etree.ElementTree as E\nns={'m':'http://maven.apache.org/POM/4.0.0'}\nr=E.parse('pom.xml').getroot()\nprint(json.dumps([d.findtext('m:groupId',namespaces=ns)+':'+d.findtext('m:artifactId',namespaces=ns) for d in r.iter('{http://maven.apache.org/POM/4.0.0}dependency')]))"])
                        .current_dir(&sub))
                }
            };
            assert!(ok, "{b} {l}: the dependency file does not parse:\n{text}\n{out}");
            let parsed: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{b} {l}: {e}: {out}"));
            for d in &deps {
                match l {
                    Language::Go => assert!(
                        parsed["Require"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|r| r["Path"] == d.package && r["Version"] == d.version),
                        "{b} {l}: {} {} not required: {parsed}",
                        d.package,
                        d.version
                    ),
                    Language::Python => assert_eq!(parsed[d.package], format!("=={}", d.version), "{b} {l}"),
                    Language::Nodejs => assert_eq!(parsed["dependencies"][d.package], d.version, "{b} {l}"),
                    Language::Java => assert!(
                        parsed.as_array().unwrap().iter().any(|c| c == d.package),
                        "{b} {l}: {} missing: {parsed}",
                        d.package
                    ),
                }
            }
        }
    }
}

/// Every language's module exposes the explicit re-read (invalidate) and, for a database
/// credential, the connect helper that uses it; other credentials carry no helper.
#[test]
fn every_module_exposes_invalidate_and_database_modules_the_connect_helper() {
    let names = |l: Language| match l {
        Language::Python => ("def invalidate(self)", "def connect(", "secret.invalidate()"),
        Language::Nodejs => ("  invalidate() {", "async function connect(", "secret.invalidate();"),
        Language::Go => ("func (c *SecretCache) Invalidate()", "func Connect[C any](", "Secret.Invalidate()"),
        Language::Java => (
            "public synchronized void invalidate()",
            "public static <C> C connect(",
            "SECRET.invalidate();",
        ),
    };
    let mut database = 0;
    for ((l, text), origin) in snippets() {
        let (invalidate, connect, use_it) = names(l);
        assert!(text.contains(invalidate), "{origin} {l}: no invalidate");
        let is_database = origin.contains("-database");
        assert_eq!(text.contains(connect), is_database, "{origin} {l}: connect helper");
        assert_eq!(text.contains(use_it), is_database, "{origin} {l}: the helper invalidates");
        database += usize::from(is_database);
    }
    assert!(database >= 4 * 4, "too few database snippets: {database}");
}

/// The shared cache and connect helper type-check beyond a parser: the common Go code passes
/// `go vet` and runs, the common Java code compiles with javac -Xlint:all -Werror, each with a
/// stub fetchSecret (the backends' SDKs cannot be fetched offline). The Go run checks that a
/// wrapped go-sql-driver/mysql 1045 message counts as an authentication failure.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn the_common_go_and_java_code_compiles_with_a_stub_backend() {
    let mut req = secretsint::planner::Request::new(
        Backend::Vault,
        secretsint::planner::Target::Application,
        secretsint::planner::Rotation::Automatic,
    );
    req.credential = Some(secretsint::planner::CredentialType::Database);
    req.languages = Some(vec![Language::Go, Language::Java]);
    let code = plan(&req).integration_code;
    let dir = tempfile::tempdir().unwrap();
    for c in code {
        let common = c.error_handling;
        match c.language {
            Language::Go => {
                let start = common.find("const (\n\tmaxAttempts").expect("the common Go code");
                let program = format!(
                    "package main\n\nimport (\n\t\"context\"\n\t\"encoding/json\"\n\t\"errors\"\n\t\"fmt\"\n\t\"log\"\n\t\"math/rand\"\n\t\"sync\"\n\t\"time\"\n)\n\nvar _ = json.Marshal\n\nfunc isRetryable(err error) bool {{ return false }}\n\nfunc fetchSecret(ctx context.Context) (map[string]string, time.Duration, error) {{\n\treturn map[string]string{{\"username\": \"u\"}}, time.Minute, nil\n}}\n\nfunc main() {{\n\tcalls := 0\n\t_, err := Connect(context.Background(), func(ctx context.Context, f map[string]string) (int, error) {{\n\t\tcalls++\n\t\treturn 0, fmt.Errorf(\"open: %w\", errors.New(\"Error 1045 (28000): Access denied\"))\n\t}}, AuthRetryDelays[:2])\n\tif err == nil || calls != 3 || !IsAuthFailure(err) {{\n\t\tpanic(fmt.Sprint(\"calls \", calls, err))\n\t}}\n\tfmt.Println(\"ok\")\n}}\n\n{}",
                    &common[start..]
                );
                let sub = dir.path().join("go");
                std::fs::create_dir_all(&sub).unwrap();
                std::fs::write(sub.join("main.go"), program).unwrap();
                std::fs::write(sub.join("go.mod"), "module example.com/check\n\ngo 1.19\n").unwrap();
                let env = [("GOFLAGS", "-mod=mod"), ("GOPROXY", "off"), ("GOCACHE", "/tmp/secretsint-gocache")];
                let (ok, out) = run(Command::new("go").arg("vet").arg(".").current_dir(&sub).envs(env));
                assert!(ok, "go vet:\n{out}");
                let (ok, out) = run(Command::new("go").args(["run", "."]).current_dir(&sub).envs(env));
                assert!(ok && out.contains("ok"), "go run:\n{out}");
            }
            Language::Java => {
                let start = common
                    .find("    private static final int MAX_ATTEMPTS")
                    .expect("the common Java code");
                let program = format!(
                    "import java.time.Duration;\nimport java.time.Instant;\nimport java.util.Map;\nimport java.util.concurrent.Callable;\nimport java.util.concurrent.ThreadLocalRandom;\nimport java.util.logging.Logger;\n\npublic final class Secrets {{\n    static boolean isRetryable(Exception error) {{\n        return false;\n    }}\n\n    static Fetched fetchSecret() {{\n        return new Fetched(Map.of(\"username\", \"u\"), Duration.ofMinutes(1));\n    }}\n\n{}",
                    &common[start..]
                );
                let sub = dir.path().join("java");
                std::fs::create_dir_all(&sub).unwrap();
                std::fs::write(sub.join("Secrets.java"), program).unwrap();
                let (ok, out) = run(Command::new("javac")
                    .args(["-Xlint:all", "-Werror", "-d", "."])
                    .arg("Secrets.java")
                    .current_dir(&sub));
                assert!(ok, "javac:\n{out}");
            }
            _ => unreachable!(),
        }
    }
}

/// The workload's shared code type-checks beyond a parser and behaves: with stub fetch functions
/// for the three secrets, the Go code passes `go vet` and runs (each accessor caches on its own,
/// invalidating one re-reads only that one, and Connect re-reads the accessor it was given after
/// a refused login), and the Java code compiles with javac -Xlint:all -Werror.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn the_workload_go_and_java_code_compiles_and_keeps_a_cache_per_accessor() {
    let p = secretsint::planner::workload::plan_workload(&crate::workload_sdk::workload(
        Backend::AwsSecrets,
        secretsint::planner::Target::Application,
        &crate::workload_sdk::SECRETS,
    ));
    let dir = tempfile::tempdir().unwrap();
    for c in p.integration_code {
        let common = c.error_handling;
        match c.language {
            Language::Go => {
                let start = common.find("const (\n\tmaxAttempts").expect("the common Go code");
                let program = format!(
                    "package main\n\nimport (\n\t\"context\"\n\t\"encoding/json\"\n\t\"errors\"\n\t\"fmt\"\n\t\"log\"\n\t\"math/rand\"\n\t\"sync\"\n\t\"time\"\n)\n\nfunc isRetryable(err error) bool {{ return false }}\n\nvar reads = map[string]int{{}}\n\nfunc stub(name string) func(context.Context) (map[string]string, time.Duration, error) {{\n\treturn func(context.Context) (map[string]string, time.Duration, error) {{\n\t\treads[name]++\n\t\treturn parseFields(`{{\"username\": \"u\"}}`), time.Minute, nil\n\t}}\n}}\n\nvar (\n\tfetchSecretDb        = stub(\"db\")\n\tfetchSecretStripeKey = stub(\"stripe-key\")\n\tfetchSecretTls       = stub(\"tls\")\n)\n\nfunc main() {{\n\tctx := context.Background()\n\tfor i := 0; i < 2; i++ {{\n\t\tfor _, s := range []*SecretCache{{Secrets.Db, Secrets.StripeKey, Secrets.Tls}} {{\n\t\t\tif _, err := s.Get(ctx); err != nil {{\n\t\t\t\tpanic(err)\n\t\t\t}}\n\t\t}}\n\t}}\n\tSecrets.StripeKey.Invalidate()\n\t_, _ = Secrets.StripeKey.Get(ctx)\n\tcalls := 0\n\t_, err := Connect(ctx, Secrets.Db, func(ctx context.Context, f map[string]string) (int, error) {{\n\t\tcalls++\n\t\treturn 0, fmt.Errorf(\"open: %w\", errors.New(\"Error 1045 (28000): Access denied\"))\n\t}}, AuthRetryDelays[:2])\n\tif err == nil || calls != 3 || !IsAuthFailure(err) {{\n\t\tpanic(fmt.Sprint(\"calls \", calls, err))\n\t}}\n\tout, _ := json.Marshal(reads)\n\tfmt.Println(string(out))\n}}\n\n{}",
                    &common[start..]
                );
                let sub = dir.path().join("go");
                std::fs::create_dir_all(&sub).unwrap();
                std::fs::write(sub.join("main.go"), program).unwrap();
                std::fs::write(sub.join("go.mod"), "module example.com/check\n\ngo 1.19\n").unwrap();
                let env = [("GOFLAGS", "-mod=mod"), ("GOPROXY", "off"), ("GOCACHE", "/tmp/secretsint-gocache")];
                let (ok, out) = run(Command::new("go").arg("vet").arg(".").current_dir(&sub).envs(env));
                assert!(ok, "go vet:\n{out}");
                let (ok, out) = run(Command::new("go").args(["run", "."]).current_dir(&sub).envs(env));
                // db: first read, then two re-reads by Connect; stripe-key: first read and one
                // after its invalidate; tls: one read, cached.
                assert!(ok && out.contains(r#"{"db":3,"stripe-key":2,"tls":1}"#), "go run:\n{out}");
            }
            Language::Java => {
                let start = common
                    .find("    private static final int MAX_ATTEMPTS")
                    .expect("the common Java code");
                let stub = |name: &str| {
                    format!("    static Fetched fetchSecret{name}() {{\n        return new Fetched(Map.of(\"username\", \"u\"), Duration.ofMinutes(1));\n    }}\n\n")
                };
                let program = format!(
                    "import java.time.Duration;\nimport java.time.Instant;\nimport java.util.Map;\nimport java.util.concurrent.Callable;\nimport java.util.concurrent.ThreadLocalRandom;\nimport java.util.logging.Logger;\n\npublic final class Secrets {{\n    static boolean isRetryable(Exception error) {{\n        return false;\n    }}\n\n{}{}{}    static Object openDatabase() throws Exception {{\n        return connect(db, f -> f);\n    }}\n\n{}",
                    stub("Db"),
                    stub("StripeKey"),
                    stub("Tls"),
                    &common[start..]
                );
                let sub = dir.path().join("java");
                std::fs::create_dir_all(&sub).unwrap();
                std::fs::write(sub.join("Secrets.java"), program).unwrap();
                let (ok, out) = run(Command::new("javac")
                    .args(["-Xlint:all", "-Werror", "-d", "."])
                    .arg("Secrets.java")
                    .current_dir(&sub));
                assert!(ok, "javac:\n{out}");
            }
            _ => {}
        }
    }
}
