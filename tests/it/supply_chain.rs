//! The cargo-deny `sources` and `licenses` checks without cargo-deny (which takes ~3.5 min of
//! CPU to compile on a fresh CI machine): every locked package comes from crates.io, and every
//! package built for Linux carries a license that deny.toml allows. deny.toml is the one list.

use std::process::Command;

use crate::support::repo_root;

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

#[test]
fn every_locked_package_comes_from_crates_io() {
    let lock = std::fs::read_to_string(repo_root().join("Cargo.lock")).unwrap();
    let foreign: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("source = "))
        .filter(|s| s.trim_matches('"') != CRATES_IO)
        .collect();
    assert!(foreign.is_empty(), "packages from outside crates.io: {foreign:?}");
}

/// The `allow = [...]` list of deny.toml's [licenses] section.
fn allowed_licenses() -> Vec<String> {
    let deny = std::fs::read_to_string(repo_root().join("deny.toml")).unwrap();
    let section = deny.split("[licenses]").nth(1).unwrap();
    let list = section.split("allow = [").nth(1).unwrap().split(']').next().unwrap();
    list.lines()
        .map(|l| l.trim().trim_end_matches(',').trim_matches('"').to_string())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Whether an SPDX expression (OR, AND, WITH, parentheses) is satisfied by `allowed`.
fn satisfied(expr: &str, allowed: &[String]) -> bool {
    let spaced = expr.replace('(', " ( ").replace(')', " ) ").replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    or_expr(&tokens, &mut pos, allowed)
}

fn or_expr(t: &[&str], pos: &mut usize, allowed: &[String]) -> bool {
    let mut ok = and_expr(t, pos, allowed);
    while t.get(*pos) == Some(&"OR") {
        *pos += 1;
        ok |= and_expr(t, pos, allowed);
    }
    ok
}

fn and_expr(t: &[&str], pos: &mut usize, allowed: &[String]) -> bool {
    let mut ok = atom(t, pos, allowed);
    while t.get(*pos) == Some(&"AND") {
        *pos += 1;
        ok &= atom(t, pos, allowed);
    }
    ok
}

fn atom(t: &[&str], pos: &mut usize, allowed: &[String]) -> bool {
    if t.get(*pos) == Some(&"(") {
        *pos += 1;
        let ok = or_expr(t, pos, allowed);
        *pos += 1; // ")"
        return ok;
    }
    let mut id = t.get(*pos).copied().unwrap_or_default().to_string();
    *pos += 1;
    if t.get(*pos) == Some(&"WITH") {
        id = format!("{id} WITH {}", t.get(*pos + 1).copied().unwrap_or_default());
        *pos += 2;
    }
    allowed.contains(&id)
}

#[test]
fn spdx_expressions_are_evaluated() {
    let allowed: Vec<String> = ["MIT", "Apache-2.0 WITH LLVM-exception"].map(String::from).to_vec();
    assert!(satisfied("MIT OR GPL-3.0", &allowed));
    assert!(!satisfied("MIT AND GPL-3.0", &allowed));
    assert!(satisfied("(GPL-3.0 OR MIT) AND Apache-2.0 WITH LLVM-exception", &allowed));
    assert!(satisfied("MIT/GPL-2.0", &allowed));
}

#[test]
fn every_linux_dependency_has_an_allowed_license() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--filter-platform",
            "x86_64-unknown-linux-gnu",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let allowed = allowed_licenses();
    let mut checked = 0;
    let mut refused = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        if p["source"].is_null() {
            continue; // this crate
        }
        checked += 1;
        let license = p["license"].as_str().unwrap_or_default();
        if !satisfied(license, &allowed) {
            refused.push(format!("{} {}: {license:?}", p["name"], p["version"]));
        }
    }
    assert!(checked > 50, "only {checked} packages in the metadata");
    assert!(refused.is_empty(), "licenses deny.toml does not allow: {refused:#?}");
}
