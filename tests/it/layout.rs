//! The code map holds: every source file is small enough to read, the planner's units import
//! one another without cycles (a backend never imports another backend, a target never imports
//! a backend), each platform's syntax is written in exactly one file, and every path the code
//! map in docs/architecture.md names exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::repo_root;

const MAX_LINES: usize = 900;

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn no_source_file_is_over_900_lines() {
    let src = repo_root().join("src");
    let long: Vec<String> = rust_files(&src)
        .iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", p.strip_prefix(&src).unwrap().display()))
        })
        .collect();
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}

/// The unit a planner file belongs to: `backends/<name>` for a backend (all its children),
/// `targets` for the targets, else the module's own name.
fn unit(rel: &Path) -> String {
    let parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    match parts.first().map(String::as_str) {
        Some("backends") if parts.len() > 2 => format!("backends/{}", parts[1]),
        Some("targets") => "targets".into(),
        _ => parts[0].trim_end_matches(".rs").to_string(),
    }
}

/// Units a file refers to, from `crate::planner::…` paths and a top-level file's `super::…`.
fn references(text: &str, top_level: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut scan = |prefix: &str| {
        for (i, _) in text.match_indices(prefix) {
            let rest = &text[i + prefix.len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if name == "backends" {
                let sub: String = rest["backends::".len().min(rest.len())..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.insert(format!("backends/{sub}"));
            } else if !name.is_empty() {
                out.insert(name);
            }
        }
    };
    scan("crate::planner::");
    if top_level {
        scan("super::");
    }
    out
}

#[test]
fn planner_units_import_each_other_without_cycles() {
    let planner = repo_root().join("src/planner");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in rust_files(&planner) {
        let rel = path.strip_prefix(&planner).unwrap().to_path_buf();
        if rel == Path::new("mod.rs") {
            continue; // the root: plan() combines the units
        }
        let u = unit(&rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let refs = references(&code, rel.components().count() == 1);
        let entry = graph.entry(u.clone()).or_default();
        entry.extend(refs.into_iter().filter(|r| *r != u && !r.is_empty()));
    }
    for (u, deps) in &graph {
        if u.starts_with("backends/") {
            let other: Vec<_> = deps.iter().filter(|d| d.starts_with("backends/")).collect();
            assert!(other.is_empty(), "{u} imports another backend: {other:?}");
        }
        if u == "targets" {
            assert!(
                !deps.iter().any(|d| d.starts_with("backends")),
                "targets import a backend: {deps:?}"
            );
        }
    }
    let cycle = find_cycle(&graph);
    assert!(cycle.is_none(), "import cycle among planner units: {cycle:?}");
    assert!(graph.len() >= 10, "{graph:?}");
}

/// A cycle of the graph, if it has one (depth-first search).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        u: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == u) {
            return Some(path[i..].to_vec());
        }
        if done.contains(u) {
            return None;
        }
        path.push(u.to_string());
        for d in graph.get(u).into_iter().flatten() {
            if let Some(c) = visit(d, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(u.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|u| visit(u, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_cycle_search_finds_a_cycle() {
    let g = |edges: &[(&str, &str)]| {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            m.entry(a.to_string()).or_default().insert(b.to_string());
        }
        m
    };
    assert!(find_cycle(&g(&[("aws", "aws_cicd"), ("aws_cicd", "aws")])).is_some());
    assert!(find_cycle(&g(&[("a", "b"), ("b", "c"), ("c", "a")])).is_some());
    assert!(find_cycle(&g(&[("a", "b"), ("b", "c"), ("a", "c")])).is_none());
}

/// Each platform's syntax, and each ESO kind, is spelled in exactly one source file.
#[test]
fn each_platform_syntax_is_written_once() {
    let src = repo_root().join("src");
    let files: Vec<(String, String)> = rust_files(&src)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(&src).unwrap().display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    let table = [
        ("\"runs-on\"", "planner/targets/cicd/github.rs"),
        ("\"id_tokens\"", "planner/targets/cicd/gitlab.rs"),
        ("vm_image", "planner/targets/cicd/azure_devops.rs"),
        ("withCredentials(", "planner/targets/cicd/jenkins.rs"),
        ("\"agent any\"", "planner/targets/cicd/jenkins.rs"),
        ("\"ExternalSecret\"", "planner/targets/kubernetes.rs"),
        ("\"SecretStore\"", "planner/choice.rs"),
        ("\"ClusterSecretStore\"", "planner/choice.rs"),
        ("token.actions.githubusercontent.com", "planner/targets/cicd/github.rs"),
    ];
    for (literal, home) in table {
        let holders: Vec<&str> = files
            .iter()
            .filter(|(_, text)| {
                text.lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .any(|l| l.contains(literal))
            })
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(holders, [home], "{literal} is written in {holders:?}");
    }
}

/// A platform reached through its OIDC tokens (`targets::cicd::TokenPlatform`, Jenkins today) is
/// named only in its own file, `targets/cicd/mod.rs` and the `CicdPlatform` enum: no backend,
/// and no rule of the planner, names it. So a new such platform touches `targets/cicd/` and one
/// enum variant. Canary: a backend line that names the platform is found.
#[test]
fn token_platforms_are_named_only_in_their_folder() {
    use secretsint::planner::targets::cicd::token_platform;
    use secretsint::planner::{Choice, CicdPlatform};
    let src = repo_root().join("src");
    let token: Vec<CicdPlatform> = CicdPlatform::ALL.iter().copied().filter(|p| token_platform(*p).is_some()).collect();
    assert!(!token.is_empty(), "no platform goes through the generic path");
    let mentions = |text: &str, p: CicdPlatform| -> bool {
        let slug = token_platform(p).unwrap().slug();
        let needles = [format!("CicdPlatform::{p:?}"), format!("cicd::{slug}"), format!("{slug}::")];
        text.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .any(|l| needles.iter().any(|n| l.contains(n.as_str())))
    };
    for p in &token {
        let slug = token_platform(*p).unwrap().slug();
        let allowed = [
            format!("planner/targets/cicd/{slug}.rs"),
            "planner/targets/cicd/mod.rs".to_string(),
            "planner/choice.rs".to_string(),
        ];
        let holders: Vec<String> = rust_files(&src)
            .into_iter()
            .filter(|f| mentions(&std::fs::read_to_string(f).unwrap(), *p))
            .map(|f| f.strip_prefix(&src).unwrap().display().to_string())
            .filter(|name| !allowed.contains(name))
            .collect();
        assert!(holders.is_empty(), "{p:?} is named outside its folder, in {holders:?}");
    }
    assert!(mentions(
        "        CicdPlatform::Jenkins => jenkins_target(s, n, manifests, d),",
        CicdPlatform::Jenkins
    ));
    assert!(mentions(
        "use crate::planner::targets::cicd::jenkins::{self, g};",
        CicdPlatform::Jenkins
    ));
}

/// Every path in the code map of docs/architecture.md exists.
#[test]
fn every_code_map_path_exists() {
    let text = std::fs::read_to_string(repo_root().join("docs/architecture.md")).unwrap();
    let map = text.split("## Code map").nth(1).unwrap().split("\n## ").next().unwrap();
    let mut checked = 0;
    for row in map.lines().filter(|l| l.starts_with("| `")) {
        let cell = row.split('|').nth(1).unwrap();
        for path in cell.split('`').skip(1).step_by(2) {
            let path = path.trim_end_matches('/');
            assert!(repo_root().join(path).exists(), "the code map names {path}, which does not exist");
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} paths in the code map");
}
