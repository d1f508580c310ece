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

resource "aws_iam_openid_connect_provider" "eks" {
  url            = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
  client_id_list = ["sts.amazonaws.com"]
  tags = {
    "managed-by" = "secretsint"
  }
}

output "eks_oidc_provider_arn" {
  description = "The EKS cluster's OIDC provider every workload's role on this platform trusts"
  value       = aws_iam_openid_connect_provider.eks.arn
}
