//! A run without the real tools must not look green: every test that reaches for a real tool
//! (`support::tool`, a Terraform CLI, the OpenBao/PostgreSQL backends) is `#[ignore]`d, so a
//! bare `cargo test` reports it as ignored, and `scripts/test.sh` runs it with
//! `--include-ignored`. No test may skip itself with an early `return` (reported as passed).

use crate::support::repo_root;

/// Each `#[test]` function of a file: its name, its attributes and its body.
fn tests_of(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let parts: Vec<&str> = text.split("#[test]\n").collect();
    for part in &parts[1..] {
        let (head, body) = part.split_once("fn ").unwrap_or(("", part));
        let name = body.split('(').next().unwrap_or_default().to_string();
        // The function ends at its closing brace in column 0; helpers after it are not its code.
        let body = body.split("\n}\n").next().unwrap_or(body);
        // Comments may mention TF_ACC; only code counts.
        let code: Vec<&str> = body.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
        out.push((name, head.to_string(), code.join("\n")));
    }
    out
}

#[test]
fn tests_that_need_real_tools_are_ignored_not_silently_skipped() {
    let dir = repo_root().join("tests/it");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("skips.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (name, attrs, body) in tests_of(&text) {
            checked += 1;
            let file = path.file_name().unwrap().to_string_lossy();
            for gate in ["TF_ACC", "enabled()"] {
                assert!(!body.contains(gate), "{file}::{name} skips itself on {gate}: use #[ignore] instead");
            }
            let needs_tools = [
                "tool(\"",
                "terraform(\"",
                "backends()",
                "k8s_validate::",
                "validate_manifests(",
                ".tools/",
            ]
            .iter()
            .any(|t| body.contains(t));
            if needs_tools {
                assert!(attrs.contains("#[ignore"), "{file}::{name} needs real tools but is not #[ignore]d");
            }
        }
    }
    assert!(checked > 100, "only {checked} tests read");
}
