# The planner inline, with nothing kept in state (Terraform >= 1.8).
terraform {
  required_version = ">= 1.8" # provider-defined functions
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

locals {
  payments = provider::secretsint::plan({
    secrets_backend    = "vault"
    integration_target = "kubernetes"
    rotation_policy    = "dynamic"
    credential_type    = "database"
    name               = "payments"
    environment        = "prod"
    database           = { engine = "postgresql" }
    kubernetes         = { namespace = "payments" }
  })
}

output "payments_secret_path" {
  value = local.payments.secrets_config.secret_path
}
