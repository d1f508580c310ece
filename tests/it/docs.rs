//! `docs/` is generated: regenerate it into a temporary directory with `secretsint docs` and
//! compare byte for byte. The hand-written guides' HCL must be canonical Terraform syntax.

use std::process::Command;

use crate::support::repo_root;

#[test]
fn generated_docs_are_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_secretsint"))
        .args(["docs", "--dir"])
        .arg(dir.path())
        .arg("--examples")
        .arg(repo_root().join("examples"))
        .output()
        .unwrap();
    assert!(out.status.success(), "secretsint docs: {}", String::from_utf8_lossy(&out.stderr));
    let pages = secretsint::docs::pages(&|_: &str| String::new());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), pages.len());
    let mut stale = Vec::new();
    for page in pages {
        let fresh = std::fs::read(dir.path().join(&page.path)).unwrap();
        let committed = std::fs::read(repo_root().join("docs").join(&page.path)).unwrap_or_default();
        if fresh != committed {
            stale.push(page.path);
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ is stale for {stale:?}: run `cargo run --bin secretsint -- docs` and commit the result"
    );
}

#[test]
fn docs_pages_have_registry_frontmatter() {
    let docs = repo_root().join("docs");
    let mut pages = vec![
        docs.join("index.md"),
        docs.join("data-sources/plan.md"),
        docs.join("data-sources/workload.md"),
    ];
    for entry in std::fs::read_dir(docs.join("functions")).unwrap() {
        pages.push(entry.unwrap().path());
    }
    for entry in std::fs::read_dir(docs.join("guides")).unwrap() {
        pages.push(entry.unwrap().path());
    }
    assert!(pages.len() >= 6, "{pages:?}");
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        let front = text.strip_prefix("---\n").and_then(|t| t.split_once("\n---\n")).map(|(f, _)| f);
        let front = front.unwrap_or_else(|| panic!("{} has no frontmatter", page.display()));
        for key in ["page_title:", "subcategory:", "description:"] {
            assert!(front.contains(key), "{} lacks {key}", page.display());
        }
    }
}

/// The ```terraform blocks of the hand-written guides are valid, canonically formatted HCL
/// (`terraform fmt -check`, which needs no providers).
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn guide_hcl_is_canonical() {
    let terraform = repo_root().join(".tools/bin/terraform");
    let dir = tempfile::tempdir().unwrap();
    let mut count = 0;
    let guides = repo_root().join("docs/guides");
    for entry in std::fs::read_dir(&guides).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, block) in text.split("```terraform\n").skip(1).enumerate() {
            let hcl = block.split("```").next().unwrap();
            let stem = path.file_stem().unwrap().to_string_lossy();
            std::fs::write(dir.path().join(format!("{stem}-{i}.tf")), hcl).unwrap();
            count += 1;
        }
    }
    assert!(count >= 4, "every guide shows HCL");
    let out = Command::new(terraform)
        .args(["fmt", "-check", "-diff", "-no-color"])
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "guide HCL is not canonical:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
