terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0"
    }
  }
}

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["123456789012"]
}

resource "aws_iam_openid_connect_provider" "ci" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  tags = {
    "managed-by" = "secretsint"
  }
}

output "ci_oidc_provider_arn" {
  description = "The CI platform's OIDC provider every workload's role on this platform trusts"
  value       = aws_iam_openid_connect_provider.ci.arn
}
