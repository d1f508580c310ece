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

/// The RustSec advisory check, offline: CI cannot reach the advisory database on GitHub, so a
/// dated snapshot trimmed to the locked crates is committed in `tests/fixtures/rustsec/`
/// (`update.py` refreshes it). Every locked version of Cargo.lock and fuzz/Cargo.lock is matched
/// against every advisory of its crate as cargo-deny/cargo-audit do: affected unless a `patched`
/// or `unaffected` range holds it; withdrawn advisories are skipped; informational ones
/// (unsound, unmaintained) fail too, as cargo-deny's defaults do. Exceptions live in deny.toml's
/// `[advisories] ignore`, each with a reason.
#[test]
fn no_locked_package_has_a_rustsec_advisory() {
    let root = repo_root();
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tests/fixtures/rustsec/index.json")).unwrap()).unwrap();
    let covered: Vec<&str> = index["crates"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let ignored = ignored_advisories();
    let mut locked = Vec::new();
    for lock in ["Cargo.lock", "fuzz/Cargo.lock"] {
        locked.extend(locked_packages(&std::fs::read_to_string(root.join(lock)).unwrap()));
    }
    assert!(locked.len() > 100, "only {} locked packages", locked.len());
    let uncovered: Vec<&str> = locked.iter().map(|(n, _)| n.as_str()).filter(|n| !covered.contains(n)).collect();
    assert!(
        uncovered.is_empty(),
        "the advisory snapshot was trimmed before these crates were locked: {uncovered:?}; \
         refresh it with tests/fixtures/rustsec/update.py <advisory-db clone>"
    );
    let mut found = Vec::new();
    let mut checked = 0;
    for adv in index["advisories"].as_array().unwrap() {
        if !adv["withdrawn"].is_null() || ignored.iter().any(|i| adv["id"] == i.as_str()) {
            continue;
        }
        let ranges = |k: &str| -> Vec<String> { adv[k].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect() };
        let (patched, unaffected) = (ranges("patched"), ranges("unaffected"));
        for (name, version) in locked.iter().filter(|(n, _)| adv["package"] == n.as_str()) {
            checked += 1;
            let v = parse_version(version).unwrap_or_else(|| panic!("{name} {version}: not a version"));
            if !patched.iter().chain(&unaffected).any(|r| range_matches(r, &v)) {
                found.push(format!(
                    "{name} {version}: {} {} ({}) — patched in {patched:?}",
                    adv["id"].as_str().unwrap(),
                    adv["title"].as_str().unwrap(),
                    adv["informational"].as_str().unwrap_or("vulnerability"),
                ));
            }
        }
    }
    eprintln!(
        "rustsec: {checked} (crate version, advisory) pairs checked against advisory-db {} of {}",
        &index["commit"].as_str().unwrap()[..12],
        index["commit_date"].as_str().unwrap()
    );
    assert!(checked > 20, "only {checked} pairs checked: is the snapshot empty?");
    assert!(found.is_empty(), "locked packages with RustSec advisories:\n{}", found.join("\n"));
}

/// `(name, version)` of every `[[package]]` of a Cargo.lock.
fn locked_packages(lock: &str) -> Vec<(String, String)> {
    lock.split("[[package]]")
        .skip(1)
        .filter_map(|p| {
            let field = |k: &str| {
                p.lines()
                    .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix(" = ")))
                    .map(|v| v.trim_matches('"').to_string())
            };
            Some((field("name")?, field("version")?))
        })
        .collect()
}

/// The ids in deny.toml's `[advisories] ignore = [{ id = "...", reason = "..." }]`.
fn ignored_advisories() -> Vec<String> {
    let deny = std::fs::read_to_string(repo_root().join("deny.toml")).unwrap();
    let Some(section) = deny.split("[advisories]").nth(1) else {
        return Vec::new();
    };
    let section = section.split("\n[").next().unwrap();
    section
        .split("id = \"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

/// A semver version: numbers, then the pre-release identifiers (build metadata dropped).
#[derive(Debug, PartialEq, Eq)]
struct Version {
    numbers: [u64; 3],
    pre: Vec<String>,
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        self.numbers
            .cmp(&other.numbers)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A full or partial version (`0.12` is `0.12.0`); `None` when it is not one.
fn parse_version(text: &str) -> Option<Version> {
    let text = text.trim().split('+').next()?;
    let (core, pre) = match text.split_once('-') {
        Some((c, p)) => (c, p.split('.').map(String::from).collect()),
        None => (text, Vec::new()),
    };
    let mut numbers = [0u64; 3];
    for (i, part) in core.split('.').enumerate() {
        *numbers.get_mut(i)? = part.parse().ok()?;
    }
    Some(Version { numbers, pre })
}

/// Number of version components written (`0.12` -> 2), for caret ranges.
fn written_parts(text: &str) -> usize {
    text.split('-').next().unwrap_or_default().split('.').count()
}

/// Whether `v` satisfies a range like `>= 1.2.3, < 1.3`, `^0.3.24`, `=0.2.0` or `0.13.10` (caret).
fn range_matches(range: &str, v: &Version) -> bool {
    range.split(',').all(|comparator| {
        let c = comparator.trim();
        let (op, rest) = [">=", "<=", ">", "<", "=", "^", "~"]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|r| (*op, r.trim())))
            .unwrap_or(("^", c));
        let Some(bound) = parse_version(rest) else {
            panic!("advisory range {range:?}: cannot read {c:?}");
        };
        match op {
            ">=" => *v >= bound,
            "<=" => *v <= bound,
            ">" => *v > bound,
            "<" => *v < bound,
            "=" => *v == bound,
            "~" => {
                let mut upper = bound.numbers;
                if written_parts(rest) == 1 {
                    upper = [upper[0] + 1, 0, 0];
                } else {
                    upper = [upper[0], upper[1] + 1, 0];
                }
                *v >= bound && v.numbers < upper
            }
            _ => {
                let [major, minor, patch] = bound.numbers;
                let parts = written_parts(rest);
                let upper = if major > 0 || parts == 1 {
                    [major + 1, 0, 0]
                } else if minor > 0 || parts == 2 {
                    [0, minor + 1, 0]
                } else {
                    [0, 0, patch + 1]
                };
                *v >= bound && v.numbers < upper
            }
        }
    })
}

#[test]
fn advisory_ranges_read_as_cargo_reads_them() {
    let v = |t: &str| parse_version(t).unwrap();
    assert!(range_matches(">= 0.2.8, < 0.3.0-rc.1", &v("0.2.9")));
    assert!(!range_matches(">= 0.2.8, < 0.3.0-rc.1", &v("0.3.0")));
    assert!(range_matches("< 0.3.0-rc.1", &v("0.3.0-alpha.2")));
    assert!(range_matches("^0.3.24", &v("0.3.26")) && !range_matches("^0.3.24", &v("0.4.0")));
    assert!(range_matches("^1.2", &v("1.9.0")) && !range_matches("^1.2", &v("2.0.0")));
    assert!(range_matches("0.13.10", &v("0.13.11")) && !range_matches("0.13.10", &v("0.14.0")));
    assert!(range_matches("=0.2.3", &v("0.2.3")) && !range_matches("=0.2.3", &v("0.2.4")));
    assert!(range_matches(">= 0.17", &v("0.17.14")) && range_matches("< 0.12", &v("0.11.9")));
    assert!(range_matches(">=0.3.20", &v("0.3.20")));
    assert!(range_matches("< 0.10.0, >= 0.9.18", &v("0.9.20")));
    assert!(v("1.0.0-alpha.10") > v("1.0.0-alpha.9") && v("1.0.0-alpha") < v("1.0.0-beta"));
}
