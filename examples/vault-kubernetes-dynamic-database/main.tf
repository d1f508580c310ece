# Dynamic PostgreSQL credentials minted by Vault (or OpenBao) for a Kubernetes workload, delivered
# by the External Secrets Operator. Fully planned today.
#
# This module only computes. docs/guides/vault.md shows the same attributes feeding vault_policy,
# kubernetes_manifest and local_file; here terraform_data keeps the scenario runnable offline.
terraform {
  required_version = ">= 1.3" # endswith()
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

provider "secretsint" {
  default_languages = ["python", "go", "nodejs", "java"]
}

variable "name" {
  description = "Workload name: a DNS label used in every path and role name."
  type        = string
  default     = "payments"
}

data "secretsint_plan" "db" {
  secrets_backend    = "vault"
  integration_target = "kubernetes"
  rotation_policy    = "dynamic"
  credential_type    = "database"
  name               = var.name
  environment        = "prod"
  rotation_period    = "1h"
  include            = ["files"] # every artifact by path, for the artifacts below

  vault {
    address        = "https://vault.example.com:8200"
    database_mount = "database"
  }

  database {
    engine        = "postgresql"
    host          = "payments-db.internal.example.com"
    database_name = "payments"
  }

  kubernetes {
    namespace        = "payments"
    service_account  = "payments-api"
    store_kind       = "SecretStore"
    refresh_interval = "40m"
  }
}

locals {
  # Kubernetes objects as kubernetes_manifest takes them; the workload patch is merged into
  # the team's own Deployment instead.
  manifests = {
    for m in data.secretsint_plan.db.deployment_manifests : m.filename => yamldecode(m.content)
    if m.type == "kubernetes" && !endswith(m.filename, "-patch.yaml")
  }
}

# Stands in for local_file: the artifacts become part of the state, so a change shows in the plan.
resource "terraform_data" "artifacts" {
  input = data.secretsint_plan.db.files
}

output "secret_path" {
  value = data.secretsint_plan.db.secrets_config.secret_path
}

output "vault_policies" {
  description = "policy name => HCL, ready for vault_policy."
  value       = { for p in data.secretsint_plan.db.access_policies : p.policy_name => p.policy_document if p.policy_type == "vault-policy" }
}

output "manifest_kinds" {
  value = { for f, m in local.manifests : f => m.kind }
}

output "rotation" {
  value = data.secretsint_plan.db.rotation_scripts.schedule
}
