//! Provider-defined functions through real Terraform 1.15.5, on both protocol versions and in
//! `terraform test`. Terraform 1.0.3, which knows no functions, keeps planning the same provider
//! (`acceptance::terraform_1_0_inits_and_plans`).

use crate::acceptance::{plugin, protocol5_wrapper, Workspace};

const MAIN_TF: &str = r#"terraform {
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

locals {
  orders = {
    secrets_backend    = "vault"
    integration_target = "kubernetes"
    rotation_policy    = "dynamic"
    credential_type    = "database"
    name               = "orders"
    environment        = "prod"
    database           = { engine = "postgresql", port = "5432" }
    kubernetes         = { namespace = "orders" }
  }
  plan = provider::secretsint::plan(local.orders)
}

data "secretsint_plan" "orders" {
  secrets_backend    = "vault"
  integration_target = "kubernetes"
  rotation_policy    = "dynamic"
  credential_type    = "database"
  name               = "orders"
  environment        = "prod"
  database {
    engine = "postgresql"
    port   = 5432
  }
  kubernetes {
    namespace = "orders"
  }
}

resource "terraform_data" "team" {
  input = "billing"
}

output "secret_path" {
  value = local.plan.secrets_config.secret_path
}

output "same_as_data_source" {
  value = local.plan.id == data.secretsint_plan.orders.id && local.plan.files == data.secretsint_plan.orders.files
}

output "policy" {
  value = provider::secretsint::file(local.orders, "prod--orders/policies/prod--orders-db-creds.hcl")
}

output "later" {
  value = provider::secretsint::plan(merge(local.orders, { name = terraform_data.team.output })).secrets_config.secret_path
}
"#;

const TEST_HCL: &str = r#"run "plans_inline" {
  command = plan

  assert {
    condition     = output.secret_path == "database/creds/prod--orders"
    error_message = "plan() gave another secret path"
  }

  assert {
    condition     = startswith(provider::secretsint::file(local.orders, "prod--orders/policies/prod--orders-db-creds.hcl"), "path \"database/creds/prod--orders\"")
    error_message = "file() gave another policy"
  }
}
"#;

fn check(ws: &Workspace) {
    ws.ok("1.15.5", &["init", "-input=false", "-no-color"]);
    let plan = ws.ok("1.15.5", &["plan", "-input=false", "-no-color"]);
    // An unknown argument gives an unknown result, not an error.
    assert!(
        plan.lines().any(|l| l.trim() == "+ later               = (known after apply)"),
        "{plan}"
    );
    ws.ok("1.15.5", &["apply", "-input=false", "-auto-approve", "-no-color"]);
    let o: serde_json::Value = serde_json::from_str(&ws.ok("1.15.5", &["output", "-json"])).unwrap();
    assert_eq!(o["secret_path"]["value"], "database/creds/prod--orders");
    assert_eq!(o["same_as_data_source"]["value"], true);
    assert_eq!(o["later"]["value"], "database/creds/prod--billing");
    let policy = o["policy"]["value"].as_str().unwrap();
    assert!(policy.starts_with("path \"database/creds/prod--orders\""), "{policy}");
    let second = ws.run("1.15.5", &["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
    assert_eq!(second.status.code(), Some(0), "{}", String::from_utf8_lossy(&second.stdout));

    std::fs::create_dir(ws.path("tests")).unwrap();
    std::fs::write(ws.path("tests/functions.tftest.hcl"), TEST_HCL).unwrap();
    let test = ws.ok("1.15.5", &["test", "-no-color"]);
    assert!(test.contains("1 passed, 0 failed"), "{test}");
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn terraform_calls_both_functions_on_protocol_6_and_5() {
    let ws = Workspace::new(MAIN_TF, &plugin());
    check(&ws);
    let ws5 = Workspace::new(MAIN_TF, &protocol5_wrapper(ws.dir.path()));
    check(&ws5);
}

#[test]
#[ignore = "needs the real tools: TF_ACC=1 scripts/test.sh runs it with --include-ignored"]
fn a_refused_argument_is_a_function_error_naming_it() {
    let tf = MAIN_TF.replace(
        r#"secrets_backend    = "vault"
    integration_target"#,
        r#"secrets_backend    = "Vault"
    integration_target"#,
    );
    let ws = Workspace::new(&tf, &plugin());
    ws.ok("1.15.5", &["init", "-input=false", "-no-color"]);
    let out = ws.run("1.15.5", &["plan", "-input=false", "-no-color"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).replace('\n', " ");
    assert!(err.contains("\"config\""), "the error names the argument: {err}");
    assert!(err.contains("secrets_backend"), "and the attribute inside it: {err}");

    let tf = MAIN_TF.replace("prod--orders/policies/prod--orders-db-creds.hcl\")", "policies/nope.hcl\")");
    let ws = Workspace::new(&tf, &plugin());
    ws.ok("1.15.5", &["init", "-input=false", "-no-color"]);
    let out = ws.run("1.15.5", &["plan", "-input=false", "-no-color"]);
    let err = String::from_utf8_lossy(&out.stderr).replace('\n', " ");
    assert!(
        err.contains("\"path\"") && err.contains("prod--orders/policies/prod--orders-db-creds.hcl"),
        "{err}"
    );
}
