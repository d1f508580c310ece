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

resource "aws_iam_role" "consumer" {
  name                 = "prod--app"
  assume_role_policy   = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EcsTasksAssumeTheRoleea00d390",
      "Effect": "Allow",
      "Principal": {
        "Service": "ecs-tasks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole"
      ],
      "Condition": {
        "ArnLike": {
          "aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"
        },
        "StringEquals": {
          "aws:SourceAccount": "123456789012"
        }
      }
    }
  ]
}
EOT
  max_session_duration = 3600
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
