//! The planner stays pure: no gRPC/runtime crates, no clock, no environment, no randomness.

use std::path::Path;

const FORBIDDEN: [&str; 7] = ["tonic", "prost", "tokio", "std::env", "SystemTime", "Instant", "rand"];

fn words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty())
}

fn hits(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        // Comments may name what is forbidden (the module header does); code may not.
        if line.trim_start().starts_with("//") {
            continue;
        }
        for word in words(line) {
            for bad in FORBIDDEN {
                // Whole identifiers or path segments: `rand::`, `tokio`, `std::env::var`, not `operand`.
                if word == bad || word.split("::").any(|seg| seg == bad) || word.starts_with(&format!("{bad}::")) {
                    out.push(format!("line {}: {bad}", n + 1));
                }
            }
        }
    }
    out
}

#[test]
fn the_scan_catches_what_it_should() {
    assert_eq!(hits("use rand::Rng;").len(), 1);
    assert_eq!(hits("let x = std::env::var(\"A\");").len(), 1);
    assert_eq!(hits("let t = Instant::now();").len(), 1);
    assert!(hits("let operand = brand; // grand").is_empty());
}

#[test]
fn planner_sources_use_no_forbidden_words() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/planner");
    let mut found = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read src/planner").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                // Snippet templates under snippets/ are generated user code, not planner code.
                let text = std::fs::read_to_string(&path).expect("read");
                found.extend(hits(&text).into_iter().map(|h| format!("{}: {h}", path.display())));
            }
        }
    }
    assert!(found.is_empty(), "forbidden words in src/planner: {found:#?}");
}
