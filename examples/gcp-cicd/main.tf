# A GitHub Actions deployment job reading a generic secret from GCP Secret Manager through
# workload identity federation.
#
# docs/guides/gcp-secretmanager.md shows the composition with google_secret_manager_secret_iam_member.
terraform {
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

provider "secretsint" {}

data "secretsint_plan" "deploy" {
  secrets_backend    = "gcp-secretmanager"
  integration_target = "cicd"
  rotation_policy    = "manual"
  credential_type    = "generic"
  name               = "deploy"

  gcp {
    project_id     = "acme-prod"
    project_number = "987654321098"
  }

  cicd {
    platform   = "github-actions"
    repository = "acme/storefront"
    branch     = "main"
  }
}

output "secret_name" {
  value = data.secretsint_plan.deploy.secrets_config.secret_path
}

output "authentication_method" {
  value = data.secretsint_plan.deploy.secrets_config.authentication_method
}
