terraform {
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

# One application that reads three secrets from Vault: dynamic PostgreSQL
# credentials, a payment provider's API key and a TLS certificate.
data "secretsint_workload" "orders" {
  secrets_backend    = "vault"
  integration_target = "application"
  name               = "orders"
  environment        = "prod"

  vault {
    address = "https://vault.example.com:8200"
  }

  secret "db" {
    credential_type = "database"
    rotation_policy = "dynamic"
    rotation_period = "1h"

    database {
      engine = "postgresql"
    }
  }

  secret "stripe" {
    credential_type = "api-key"
    rotation_policy = "manual"
  }

  secret "tls" {
    credential_type = "certificate"
    rotation_policy = "automatic"

    certificate {
      common_name = "orders.internal"
    }
  }
}

# Where each secret lives, by label.
output "secret_paths" {
  value = { for label, s in data.secretsint_workload.orders.secrets : label => s.secret_path }
}

# The one identity every secret's consumer policy is attached to.
output "identity" {
  value = data.secretsint_workload.orders.identity.name
}
