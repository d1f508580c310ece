terraform {
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

# Dynamic PostgreSQL credentials from Vault, delivered to a Kubernetes workload
# by the External Secrets Operator.
data "secretsint_plan" "payments" {
  secrets_backend    = "vault"
  integration_target = "kubernetes"
  rotation_policy    = "dynamic"
  credential_type    = "database"
  name               = "payments"
  environment        = "prod"
  rotation_period    = "1h"

  vault {
    address = "https://vault.example.com:8200"
  }

  database {
    engine        = "postgresql"
    host          = "payments-db.example.com"
    database_name = "payments"
  }

  kubernetes {
    namespace       = "payments"
    service_account = "payments-api"
  }
}

# Every artifact as a file, ready to review or commit.
output "files" {
  value = keys(data.secretsint_plan.payments.files)
}
