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

resource "aws_secretsmanager_secret" "app" {
  name                    = "prod/app/certificate"
  description             = "certificate for app (prod)"
  recovery_window_in_days = 30
  tags = {
    "environment"     = "prod"
    "workload"        = "app"
    "credential-type" = "certificate"
    "managed-by"      = "secretsint"
  }
}

resource "aws_secretsmanager_secret_policy" "app" {
  secret_arn          = aws_secretsmanager_secret.app.arn
  policy              = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyNonTlsAccessea00d390",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:*"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/certificate-??????"
      ],
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "false"
        }
      }
    },
    {
      "Sid": "DenyOtherAccountsea00d390",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:*"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/certificate-??????"
      ],
      "Condition": {
        "BoolIfExists": {
          "aws:PrincipalIsAWSService": "false"
        },
        "StringNotEquals": {
          "aws:PrincipalAccount": "123456789012"
        }
      }
    },
    {
      "Sid": "DenyReadsByOtherPrincipalsea00d390",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:GetSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/certificate-??????"
      ],
      "Condition": {
        "BoolIfExists": {
          "aws:PrincipalIsAWSService": "false"
        },
        "StringNotEquals": {
          "aws:PrincipalArn": [
            "arn:aws:iam::123456789012:role/prod--app"
          ]
        }
      }
    }
  ]
}
EOT
  block_public_policy = true
}

resource "aws_iam_policy" "read" {
  name        = "prod--app-secret-read"
  description = "Read prod/app/certificate"
  policy      = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadTheSecretea00d390",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/certificate-??????"
      ]
    }
  ]
}
EOT
}

variable "eks_oidc_provider_arn" {
  type        = string
  description = "ARN of the EKS cluster's OIDC provider that platform/aws.tf declares once per account (its output eks_oidc_provider_arn); the role's trust policy names it"
  default     = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}

data "aws_iam_openid_connect_provider" "eks" {
  arn = var.eks_oidc_provider_arn
}

resource "aws_iam_role" "consumer" {
  name                 = "prod--app"
  assume_role_policy   = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "IrsaForTheServiceAccountea00d390",
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      },
      "Action": [
        "sts:AssumeRoleWithWebIdentity"
      ],
      "Condition": {
        "StringEquals": {
          "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com",
          "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:app:prod--app"
        }
      }
    }
  ]
}
EOT
  max_session_duration = 3600

  lifecycle {
    precondition {
      condition     = data.aws_iam_openid_connect_provider.eks.arn == "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      error_message = "The role's trust policy names the OIDC provider arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: pass that provider's ARN as var.eks_oidc_provider_arn."
    }
  }
}

resource "aws_iam_role_policy_attachment" "consumer_read" {
  role       = aws_iam_role.consumer.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_policy" "write" {
  name        = "prod--app-secret-write"
  description = "Write new versions of prod/app/certificate"
  policy      = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "WriteNewVersionsea00d390",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:DescribeSecret",
        "secretsmanager:PutSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/certificate-??????"
      ]
    }
  ]
}
EOT
}
