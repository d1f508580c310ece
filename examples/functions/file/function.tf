# One artifact of a plan, e.g. the Vault policy of the workload, without the whole plan in state.
terraform {
  required_version = ">= 1.8" # provider-defined functions
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

locals {
  payments = {
    secrets_backend    = "vault"
    integration_target = "kubernetes"
    rotation_policy    = "dynamic"
    credential_type    = "database"
    name               = "payments"
    environment        = "prod"
  }
}

output "payments_policy" {
  value = provider::secretsint::file(local.payments, "prod--payments/policies/prod--payments-db-creds.hcl")
}
