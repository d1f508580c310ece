# Quickstart: plan dynamic database credentials from Vault for a Kubernetes workload,
# and show what the provider computes.
terraform {
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

provider "secretsint" {}

data "secretsint_plan" "payments" {
  secrets_backend    = "vault"
  integration_target = "kubernetes"
  rotation_policy    = "dynamic"
  credential_type    = "database"
  name               = "payments"

  database {
    engine = "postgresql"
  }

  kubernetes {
    namespace       = "payments"
    service_account = "payments-api"
  }
}

output "secret_path" {
  description = "Where the workload's credentials come from."
  value       = data.secretsint_plan.payments.secrets_config.secret_path
}

output "access_policies" {
  description = "Least-privilege policies to apply, e.g. with vault_policy."
  value       = { for p in data.secretsint_plan.payments.access_policies : p.policy_name => p.policy_document }
}

output "files" {
  description = "The files no other attribute holds; include = [\"files\"] adds every artifact by path."
  value       = keys(data.secretsint_plan.payments.files)
}

output "decisions" {
  description = "Every default and fallback the planner applied."
  value       = data.secretsint_plan.payments.decisions
}
