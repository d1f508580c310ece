//! Generated code runs with only the dependencies it declares (TF_ACC=1): every Python module
//! beside a generated `requirements.txt` imports in a fresh venv that has exactly those pins
//! installed from PyPI, and every generated Node.js module `require`s after `npm install` of its
//! own `package.json` from the npm registry. (A shared environment hid a runtime import of
//! mypy_boto3_secretsmanager, a typing-only package, in every AWS module, and the AWS rotation
//! function imported pg8000 inside a function with no requirements.txt at all.) Every package a
//! module imports, at any depth, must resolve. A module importing a package it does not declare
//! is the canary.

use crate::support::WorkloadFiles;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use secretsint::planner::plan;

use crate::support::{all_requests, repo_root};

/// Distinct dependency sets: (directory's dependency file text) -> (directory, files) of one plan.
fn groups(manifest: &str) -> BTreeMap<String, (String, BTreeMap<String, String>)> {
    let mut out = BTreeMap::new();
    for req in all_requests() {
        let files = plan(&req).workload_files();
        for (path, text) in &files {
            let Some(dir) = path.strip_suffix(manifest) else {
                continue;
            };
            let in_dir: BTreeMap<String, String> = files
                .iter()
                .filter_map(|(p, t)| {
                    p.strip_prefix(dir)
                        .filter(|rest| !rest.contains('/'))
                        .map(|rest| (rest.to_string(), t.clone()))
                })
                .collect();
            // The same pins and the same module names: one install covers them.
            let key = format!("{text}\n{:?}", in_dir.keys().collect::<Vec<_>>());
            out.entry(key).or_insert_with(|| (dir.to_string(), in_dir));
        }
    }
    out
}

fn write_all(dir: &Path, files: &BTreeMap<String, String>) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// A fresh venv with exactly `requirements.txt` installed (pip's cache under .tools).
fn venv(dir: &Path) -> std::path::PathBuf {
    run(
        Command::new("python3").args(["-m", "venv"]).arg(dir.join("venv")),
        "python3 -m venv",
    );
    let py = dir.join("venv/bin/python");
    run(
        Command::new(&py)
            .args(["-m", "pip", "install", "-q", "--disable-pip-version-check", "--cache-dir"])
            .arg(repo_root().join(".tools/pip-cache"))
            .arg("-r")
            .arg(dir.join("requirements.txt")),
        "pip install -r requirements.txt",
    );
    py
}

/// Imports the module, then every package it imports anywhere, also inside a function (a lazy
/// import fails only on the code path that reaches it, in production); imports under
/// `if TYPE_CHECKING:` are for type checkers only and are skipped.
const IMPORT_EVERYTHING: &str = r#"
import ast, importlib, sys
name = sys.argv[1]
importlib.import_module(name)
tree = ast.parse(open(name + ".py", encoding="utf-8").read())
def typing_only(node):
    test = node.test
    return isinstance(node, ast.If) and (getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING")
def walk(node):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and typing_only(child):
            for other in child.orelse:
                yield from walk_one(other)
            continue
        yield from walk_one(child)
def walk_one(node):
    yield node
    yield from walk(node)
for node in walk(tree):
    if isinstance(node, ast.Import):
        for alias in node.names:
            importlib.import_module(alias.name)
    elif isinstance(node, ast.ImportFrom) and node.level == 0:
        importlib.import_module(node.module)
"#;

fn import_all(py: &Path, dir: &Path, modules: &[String]) -> Result<(), String> {
    for m in modules {
        let out = Command::new(py)
            .args(["-c", IMPORT_EVERYTHING, m])
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(format!("import {m}: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    Ok(())
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn python_modules_import_with_only_their_requirements() {
    let groups = groups("requirements.txt");
    assert!(groups.len() >= 6, "only {} Python dependency sets", groups.len());
    let mut failures = Vec::new();
    let mut canary_done = false;
    for (dir_name, files) in groups.values() {
        let temp = tempfile::tempdir().unwrap();
        write_all(temp.path(), files);
        let py = venv(temp.path());
        let modules: Vec<String> = files.keys().filter_map(|f| f.strip_suffix(".py")).map(String::from).collect();
        assert!(!modules.is_empty(), "{dir_name}: a requirements.txt with no module beside it");
        if let Err(e) = import_all(&py, temp.path(), &modules) {
            failures.push(format!("{dir_name}: {e}"));
        }
        if !canary_done {
            // Canary: a module that imports a package nobody declared fails here.
            std::fs::write(temp.path().join("undeclared.py"), "import mypy_boto3_secretsmanager\n").unwrap();
            assert!(
                import_all(&py, temp.path(), &["undeclared".into()]).is_err(),
                "the fresh venv is not fresh"
            );
            // Canary: an undeclared package imported only inside a function (as the rotation
            // function imported pg8000 before it had a requirements.txt) fails too; one imported
            // only for type checkers does not.
            std::fs::write(temp.path().join("lazy.py"), "def client():\n    import mypy_boto3_secretsmanager\n").unwrap();
            assert!(
                import_all(&py, temp.path(), &["lazy".into()]).is_err(),
                "a lazy import went unchecked"
            );
            std::fs::write(
                temp.path().join("typing_only.py"),
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy_boto3_secretsmanager\n",
            )
            .unwrap();
            import_all(&py, temp.path(), &["typing_only".into()]).expect("a typing-only import counted as a runtime one");
            canary_done = true;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("dependencies: {} Python dependency sets imported in fresh venvs", groups.len());
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn node_modules_require_with_only_their_package_json() {
    let groups = groups("package.json");
    assert!(groups.len() >= 4, "only {} Node.js dependency sets", groups.len());
    let mut failures = Vec::new();
    for (dir_name, files) in groups.values() {
        let temp = tempfile::tempdir().unwrap();
        write_all(temp.path(), files);
        run(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--silent", "--engine-strict=false", "--cache"])
                .arg(repo_root().join(".tools/npm-cache"))
                .current_dir(temp.path()),
            "npm install",
        );
        for module in files.keys().filter(|f| f.ends_with(".js")) {
            let out = Command::new("node")
                .args(["-e", &format!("require('./{module}')")])
                .current_dir(temp.path())
                .output()
                .unwrap();
            if !out.status.success() {
                failures.push(format!("{dir_name}{module}: {}", String::from_utf8_lossy(&out.stderr)));
            }
        }
        // Canary: a package the package.json does not declare cannot be required.
        let out = Command::new("node")
            .args(["-e", "require('left-pad')"])
            .current_dir(temp.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "an undeclared package resolved: the install is not isolated");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("dependencies: {} Node.js dependency sets required after npm install", groups.len());
}
