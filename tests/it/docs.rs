//! `docs/` is generated: regenerate it into a temporary directory with `secretsint docs` and
//! compare byte for byte. The hand-written guides' HCL must be canonical Terraform syntax, and
//! each guide plans as one module.

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

/// No guide, example or README picks access policies by their names: `attach_to` and `secret`
/// say whose a policy is. A name filter is one rename away from handing the workload another
/// principal's role (the Azure guide's `endswith(p.policy_name, "-user")` also matched the
/// rotator's assignment on a database plan's admin secret).
#[test]
fn no_snippet_selects_access_policies_by_name() {
    let root = repo_root();
    let mut texts = vec![root.join("README.md")];
    for dir in ["docs", "docs/guides", "docs/data-sources", "docs/functions"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            texts.extend(
                entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|x| x == "md")),
            );
        }
    }
    for entry in std::fs::read_dir(root.join("examples")).unwrap() {
        texts.push(entry.unwrap().path().join("main.tf"));
    }
    let mut checked = 0;
    for path in texts.iter().filter(|p| p.exists()) {
        let text = std::fs::read_to_string(path).unwrap();
        checked += 1;
        for line in text.lines() {
            let compact: String = line.split_whitespace().collect();
            // `regex(` also covers `can(regex(`.
            let by_name = ["endswith", "startswith", "strcontains", "regex"]
                .iter()
                .any(|f| compact.contains(&format!("{f}(p.policy_name")));
            assert!(
                !by_name,
                "{}: selects access policies by name ({line:?}); select by attach_to (and secret) instead",
                path.display()
            );
        }
    }
    assert!(checked >= 10, "{checked} files checked");
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

/// The providers a guide may use with their real binary here: hashicorp/aws 5.100.0 when the
/// machine carries its filesystem mirror (`aws_backend::AWS_MIRROR`). Terraform's own
/// `terraform_data` needs none.
fn real_providers() -> Vec<&'static str> {
    let aws = std::path::Path::new(crate::aws_backend::AWS_MIRROR).join("registry.terraform.io/hashicorp/aws/5.100.0");
    if aws.exists() {
        vec!["aws"]
    } else {
        eprintln!(
            "NOTICE: no hashicorp/aws 5.100.0 mirror at {}: the AWS guide's aws_* resources stand in as terraform_data too",
            crate::aws_backend::AWS_MIRROR
        );
        vec![]
    }
}

/// One guide as a root module Terraform can plan offline: its ```terraform blocks joined, a
/// `terraform` block naming its providers, and every resource of a provider no registry here
/// serves (vault, kubernetes, local, azurerm, google) standing in as a `terraform_data` whose
/// `input` holds the resource's arguments, so each expression the guide writes is evaluated
/// against the real data source. `module` blocks that read generated files are left out (the
/// platform and workload modules they call are validated by `aws_platform`). Returns the module,
/// the variables it declares without a default, and what stood in or was left out.
fn guide_module(blocks: &[String], real: &[&str]) -> (String, Vec<String>, Vec<String>) {
    use hcl::{Block, Body, Expression, Identifier, Object, ObjectKey, Structure};
    let mut body = Body::builder();
    let mut variables = Vec::new();
    let mut replaced = Vec::new();
    let mut aws = false;
    for text in blocks {
        let parsed: Body = hcl::parse(text).unwrap_or_else(|e| panic!("guide HCL does not parse: {e}\n{text}"));
        for structure in parsed.into_iter() {
            let Structure::Block(block) = structure else {
                body = body.add_structure(structure);
                continue;
            };
            let labels: Vec<String> = block.labels.iter().map(|l| l.as_str().to_string()).collect();
            match block.identifier.as_str() {
                "module" => replaced.push(format!("module.{} left out", labels[0])),
                "variable" => {
                    if !block.body.attributes().any(|a| a.key.as_str() == "default") {
                        variables.push(labels[0].clone());
                    }
                    body = body.add_block(block);
                }
                "resource" if labels[0] == "terraform_data" => body = body.add_block(block),
                "resource" if real.iter().any(|p| labels[0].starts_with(&format!("{p}_"))) => {
                    aws |= labels[0].starts_with("aws_");
                    body = body.add_block(block);
                }
                "resource" => {
                    let mut input = Object::new();
                    let mut stand_in = Body::builder();
                    for attr in block.body.attributes() {
                        match attr.key.as_str() {
                            "for_each" | "count" | "depends_on" => stand_in = stand_in.add_attribute(attr.clone()),
                            key => {
                                input.insert(ObjectKey::from(Identifier::unchecked(key)), attr.expr.clone());
                            }
                        }
                    }
                    assert!(
                        block.body.blocks().next().is_none(),
                        "resource {}.{} has nested blocks, which the stand-in does not carry",
                        labels[0],
                        labels[1]
                    );
                    replaced.push(format!("{}.{} stands in as terraform_data", labels[0], labels[1]));
                    let stand_in = stand_in.add_attribute(("input", Expression::Object(input))).build();
                    body = body.add_block(
                        Block::builder("resource")
                            .add_label("terraform_data")
                            .add_label(format!("{}__{}", labels[0], labels[1]))
                            .add_structures(stand_in)
                            .build(),
                    );
                }
                _ => body = body.add_block(block),
            }
        }
    }
    let aws_provider = if aws {
        "    aws = {\n      source  = \"hashicorp/aws\"\n      version = \"5.100.0\"\n    }\n"
    } else {
        ""
    };
    let mut module = format!(
        "terraform {{\n  required_providers {{\n    secretsint = {{\n      source = \"secretsint/secretsint\"\n    }}\n{aws_provider}  }}\n}}\n\n"
    );
    if aws {
        // Plan needs no AWS API: the provider is configured not to call one.
        module.push_str("provider \"aws\" {\n  region                      = \"us-east-1\"\n  access_key                  = \"REDACTED\"\n  secret_key                  = \"REDACTED\"\n  skip_credentials_validation = true\n  skip_requesting_account_id  = true\n  skip_metadata_api_check     = true\n}\n\n");
    }
    module.push_str(&hcl::to_string(&body.build()).unwrap());
    (module, variables, replaced)
}

/// Every hand-written guide, its ```terraform blocks joined into one root module, plans on real
/// Terraform 1.15.5 with no warning: the data sources read, and every expression over their
/// attributes (for_each filters, `jsondecode(...)`, map lookups by policy name) evaluates. With
/// no other provider's resources real, it also applies and a second plan shows no changes.
#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn every_guide_plans_as_one_module() {
    use crate::acceptance::{plugin, Workspace};
    let real = real_providers();
    let guides = repo_root().join("docs/guides");
    let mut pages: Vec<_> = std::fs::read_dir(&guides).unwrap().map(|e| e.unwrap().path()).collect();
    pages.sort();
    assert!(pages.len() >= 5, "{pages:?}");
    let mut planned_with_aws = false;
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        let blocks: Vec<String> = text
            .split("```terraform\n")
            .skip(1)
            .map(|b| b.split("```").next().unwrap().to_string())
            .collect();
        let name = page.file_name().unwrap().to_string_lossy().to_string();
        assert!(!blocks.is_empty(), "{name} shows no HCL");
        let (module, variables, replaced) = guide_module(&blocks, &real);
        eprintln!(
            "{name}: {}",
            if replaced.is_empty() {
                "as written".to_string()
            } else {
                replaced.join(", ")
            }
        );
        let ws = Workspace::new(&module, &plugin());
        let with_aws = module.contains("hashicorp/aws");
        if with_aws {
            let rc = ws.dir.path().join("terraform.rc");
            let mirror = ws.dir.path().join("mirror");
            std::fs::write(
                &rc,
                format!(
                    "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/secretsint/*\"]\n  }}\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/secretsint/*\", \"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
                    mirror.display(),
                    crate::aws_backend::AWS_MIRROR
                ),
            )
            .unwrap();
            planned_with_aws = true;
        }
        let vars: Vec<String> = variables
            .iter()
            .map(|v| format!("-var={v}=11111111-2222-3333-4444-555555555555"))
            .collect();
        let mut args = vec!["plan", "-input=false", "-no-color"];
        args.extend(vars.iter().map(String::as_str));
        ws.ok("1.15.5", &["init", "-input=false", "-no-color"]);
        let out = ws.run("1.15.5", &args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{name} does not plan:\n{module}\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!stdout.contains("Warning:"), "{name} plans with a warning:\n{stdout}");
        assert!(stdout.contains("Plan:") || stdout.contains("No changes"), "{name}:\n{stdout}");
        if !with_aws {
            let mut apply = vec!["apply", "-input=false", "-auto-approve", "-no-color"];
            apply.extend(vars.iter().map(String::as_str));
            ws.ok("1.15.5", &apply);
            let mut again = vec!["plan", "-input=false", "-no-color", "-detailed-exitcode"];
            again.extend(vars.iter().map(String::as_str));
            let second = ws.run("1.15.5", &again);
            assert_eq!(
                second.status.code(),
                Some(0),
                "{name} changes on a second plan:\n{}",
                String::from_utf8_lossy(&second.stdout)
            );
        }
    }
    if !real.is_empty() {
        assert!(planned_with_aws, "the AWS guide's aws_* resources planned on hashicorp/aws");
    }
}
