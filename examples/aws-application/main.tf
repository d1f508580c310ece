# An application reading rotated database credentials from AWS Secrets Manager: the secret
# prod/orders/database, its resource policy, the ECS task role that reads it, and a rotation
# Lambda on rate(30 days) whose Terraform is in files["prod--orders/terraform/aws.tf"] (with include = ["files"]).
terraform {
  required_version = ">= 1.0"
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

provider "secretsint" {}

data "secretsint_plan" "orders" {
  secrets_backend    = "aws-secrets"
  integration_target = "application"
  rotation_policy    = "automatic"
  credential_type    = "database"
  name               = "orders"
  environment        = "prod"
  rotation_period    = "30d"
  languages          = ["python", "java"]

  aws {
    region     = "eu-west-1"
    account_id = "111122223333"
  }

  database {
    engine = "postgresql"
    host   = "orders.cluster-abc.eu-west-1.rds.amazonaws.com"
  }
}

output "secret_arn" {
  value = data.secretsint_plan.orders.secrets_config.secret_path
}

output "endpoint" {
  value = data.secretsint_plan.orders.secrets_config.backend_endpoint
}

output "authentication_method" {
  value = data.secretsint_plan.orders.secrets_config.authentication_method
}

output "decisions" {
  value = data.secretsint_plan.orders.decisions
}

output "rotation" {
  value = data.secretsint_plan.orders.rotation_scripts.schedule
}
