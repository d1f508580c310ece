//! Issue 14's proof 1 with `secretsint_workload` on real Terraform 1.15.5: a root module with
//! two workloads × two environments on each backend, three secrets each (a database, an API key
//! and a certificate, with three rotation policies). The outputs satisfy the composition
//! invariants (`merge()` over the plans' files loses nothing, every plan holds the same platform
//! files, no two plans deploy one Kubernetes object, one identity per workload and environment),
//! a second plan shows no changes, and Terraform 1.0.3 plans the same module.

use std::collections::{BTreeMap, BTreeSet};

use crate::acceptance::{plugin, Workspace};

/// The repo: on each backend, `orders` and `billing` in `prod` and `staging`.
pub(crate) fn repo_module() -> String {
    let mut hcl = String::from(
        "terraform {\n  required_providers {\n    secretsint = {\n      source = \"secretsint/secretsint\"\n    }\n  }\n}\n\nprovider \"secretsint\" {}\n",
    );
    for backend in ["vault", "aws-secrets", "azure-keyvault", "gcp-secretmanager"] {
        let key = backend.replace('-', "_");
        hcl.push_str(&format!(
            r#"
data "secretsint_workload" "{key}" {{
  for_each = toset(["orders/prod", "orders/staging", "billing/prod", "billing/staging"])

  secrets_backend    = "{backend}"
  integration_target = "kubernetes"
  name               = split("/", each.key)[0]
  environment        = split("/", each.key)[1]
  include            = ["files"]

  kubernetes {{
    namespace = "shop"
  }}

  secret "db" {{
    credential_type = "database"
    rotation_policy = "dynamic"
  }}

  secret "stripe" {{
    credential_type = "api-key"
    rotation_policy = "manual"
  }}

  secret "tls" {{
    credential_type = "certificate"
    rotation_policy = "automatic"
  }}
}}

output "{key}" {{
  value = {{
    merged_files   = merge([for w in data.secretsint_workload.{key} : w.files]...)
    files          = [for w in data.secretsint_workload.{key} : w.files]
    platform_files = [for w in data.secretsint_workload.{key} : w.platform_files]
    identities     = [for w in data.secretsint_workload.{key} : w.identity.name]
    secrets        = [for w in data.secretsint_workload.{key} : keys(w.secrets)]
    objects        = flatten([for w in data.secretsint_workload.{key} : [for m in w.deployment_manifests : yamldecode(m.content) if m.type == "kubernetes"]])
  }}
}}
"#
        ));
    }
    hcl
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn a_repo_of_three_secret_workloads_plans_on_real_terraform_and_composes() {
    let ws = Workspace::new(&repo_module(), &plugin());
    ws.ok("1.15.5", &["init", "-input=false", "-no-color"]);
    ws.ok("1.15.5", &["apply", "-input=false", "-auto-approve", "-no-color"]);
    let outputs: serde_json::Value = serde_json::from_str(&ws.ok("1.15.5", &["output", "-json"])).unwrap();
    assert_eq!(outputs.as_object().unwrap().len(), 4);
    for (backend, out) in outputs.as_object().unwrap() {
        let out = &out["value"];
        let merged = out["merged_files"].as_object().unwrap();
        let mut all = BTreeMap::new();
        for files in out["files"].as_array().unwrap() {
            for (path, content) in files.as_object().unwrap() {
                if let Some(before) = all.insert(path.clone(), content.clone()) {
                    assert_eq!(&before, content, "{backend}: two workloads write {path} differently");
                }
            }
        }
        assert_eq!(merged.len(), all.len(), "{backend}: merge() lost files");
        let platform = out["platform_files"].as_array().unwrap();
        assert!(!platform[0].as_object().unwrap().is_empty(), "{backend}: no platform files");
        assert!(platform.iter().all(|p| p == &platform[0]), "{backend}: platform files differ");
        let identities: BTreeSet<&str> = out["identities"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
        assert_eq!(
            identities.len(),
            4,
            "{backend}: one identity per workload and environment: {identities:?}"
        );
        for keys in out["secrets"].as_array().unwrap() {
            assert_eq!(keys, &serde_json::json!(["db", "stripe", "tls"]), "{backend}");
        }
        let mut seen = BTreeSet::new();
        for object in out["objects"].as_array().unwrap() {
            let id = format!(
                "{}/{}/{}/{}",
                object["apiVersion"], object["kind"], object["metadata"]["namespace"], object["metadata"]["name"]
            );
            assert!(seen.insert(id.clone()), "{backend}: two manifests deploy {id}");
        }
    }
    ws.no_changes("1.15.5");
    let old = Workspace::new(&repo_module(), &plugin());
    old.ok("1.0.3", &["init", "-input=false", "-no-color"]);
    old.ok("1.0.3", &["plan", "-input=false", "-no-color"]);
}
