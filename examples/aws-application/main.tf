# An application reading rotated database credentials from AWS Secrets Manager.
#
# Not yet planned by this version: Terraform shows a "Combination Not Yet Planned" warning and
# the plan carries only the endpoint, authentication method and ARN. docs/guides/aws-secrets.md
# shows how the planned IAM policy will feed aws_iam_policy once it lands.
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
    engine = "mysql"
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
