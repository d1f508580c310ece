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

variable "rotation_lambda_zip" {
  type        = string
  description = "Path of the zip holding the rotation function as lambda_function.py"
  default     = "rotation_lambda.zip"
}

variable "rotation_subnet_ids" {
  type        = list(string)
  description = "Subnets from which the rotation function reaches the database"
}

variable "rotation_security_group_ids" {
  type        = list(string)
  description = "Security groups allowed to connect to the database"
}

resource "aws_secretsmanager_secret" "app" {
  name                    = "prod/app/database"
  description             = "database for app (prod)"
  recovery_window_in_days = 30
  tags = {
    "environment"     = "prod"
    "workload"        = "app"
    "credential-type" = "database"
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
      "Sid": "DenyNonTlsAccess2ffb652c",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:*"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/database-??????"
      ],
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "false"
        }
      }
    },
    {
      "Sid": "DenyOtherAccounts2ffb652c",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:*"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/database-??????"
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
      "Sid": "DenyReadsByOtherPrincipals2ffb652c",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:GetSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/database-??????"
      ],
      "Condition": {
        "BoolIfExists": {
          "aws:PrincipalIsAWSService": "false"
        },
        "StringNotEquals": {
          "aws:PrincipalArn": [
            "arn:aws:iam::123456789012:role/prod--app",
            "arn:aws:iam::123456789012:role/prod--app-secret-rotation"
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
  description = "Read prod/app/database"
  policy      = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadTheSecret2ffb652c",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/database-??????"
      ]
    }
  ]
}
EOT
}

variable "ci_oidc_provider_arn" {
  type        = string
  description = "ARN of the CI platform's OIDC provider that platform/aws.tf declares once per account (its output ci_oidc_provider_arn); the role's trust policy names it"
  default     = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
}

data "aws_iam_openid_connect_provider" "ci" {
  arn = var.ci_oidc_provider_arn
}

resource "aws_iam_role" "consumer" {
  name                 = "prod--app"
  assume_role_policy   = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "CiAssumesTheRoleWithItsOidcToken2ffb652c",
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      },
      "Action": [
        "sts:AssumeRoleWithWebIdentity"
      ],
      "Condition": {
        "StringEquals": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:example-org@123456/example-repo@456789:ref:refs/heads/main"
        }
      }
    }
  ]
}
EOT
  max_session_duration = 3600

  lifecycle {
    precondition {
      condition     = data.aws_iam_openid_connect_provider.ci.arn == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
      error_message = "The role's trust policy names the OIDC provider arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com: pass that provider's ARN as var.ci_oidc_provider_arn."
    }
  }
}

resource "aws_iam_role_policy_attachment" "consumer_read" {
  role       = aws_iam_role.consumer.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_role" "rotation" {
  name               = "prod--app-secret-rotation"
  assume_role_policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "LambdaAssumesTheRotationRole2ffb652c",
      "Effect": "Allow",
      "Principal": {
        "Service": "lambda.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole"
      ],
      "Condition": {
        "StringEquals": {
          "aws:SourceAccount": "123456789012"
        }
      }
    }
  ]
}
EOT
}

resource "aws_iam_policy" "rotation" {
  name        = "prod--app-secret-rotation"
  description = "Rotate prod/app/database"
  policy      = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "RotateTheSecret2ffb652c",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/database-??????"
      ]
    },
    {
      "Sid": "ReadTheSuperuserSecretForAlternatingUsers2ffb652c",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:GetSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/database-superuser-??????"
      ]
    },
    {
      "Sid": "GenerateNewValues2ffb652c",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:GetRandomPassword"
      ],
      "Resource": [
        "*"
      ]
    },
    {
      "Sid": "WriteOwnLogs2ffb652c",
      "Effect": "Allow",
      "Action": [
        "logs:CreateLogStream",
        "logs:PutLogEvents"
      ],
      "Resource": [
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/prod--app-rotate-database:*"
      ]
    },
    {
      "Sid": "SendFailedInvocationsToTheTopic2ffb652c",
      "Effect": "Allow",
      "Action": [
        "sns:Publish"
      ],
      "Resource": [
        "arn:aws:sns:us-east-1:123456789012:prod--app-secret-rotation"
      ]
    },
    {
      "Sid": "WriteTraces2ffb652c",
      "Effect": "Allow",
      "Action": [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords"
      ],
      "Resource": [
        "*"
      ]
    },
    {
      "Sid": "ManageTheFunctionsNetworkInterfaces2ffb652c",
      "Effect": "Allow",
      "Action": [
        "ec2:AssignPrivateIpAddresses",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:UnassignPrivateIpAddresses"
      ],
      "Resource": [
        "arn:aws:ec2:us-east-1:123456789012:*"
      ]
    },
    {
      "Sid": "DescribeTheFunctionsNetwork2ffb652c",
      "Effect": "Allow",
      "Action": [
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets"
      ],
      "Resource": [
        "*"
      ]
    }
  ]
}
EOT
}

resource "aws_iam_role_policy_attachment" "rotation" {
  role       = aws_iam_role.rotation.name
  policy_arn = aws_iam_policy.rotation.arn
}

resource "aws_cloudwatch_log_group" "rotation" {
  name              = "/aws/lambda/prod--app-rotate-database"
  retention_in_days = 365
}

resource "aws_lambda_function" "rotation" {
  function_name                  = "prod--app-rotate-database"
  description                    = "Rotates prod/app/database"
  role                           = aws_iam_role.rotation.arn
  runtime                        = "python3.13"
  handler                        = "lambda_function.lambda_handler"
  filename                       = var.rotation_lambda_zip
  source_code_hash               = filebase64sha256(var.rotation_lambda_zip)
  timeout                        = 30
  reserved_concurrent_executions = 2

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sns_topic.rotation.arn
  }

  environment {
    variables = {
      ROTATION_KIND       = "database"
      SUPERUSER_SECRET_ID = "prod/app/database-superuser"
    }
  }

  vpc_config {
    subnet_ids         = var.rotation_subnet_ids
    security_group_ids = var.rotation_security_group_ids
  }

  depends_on = [aws_cloudwatch_log_group.rotation, aws_iam_role_policy_attachment.rotation]
}

resource "aws_lambda_permission" "secretsmanager" {
  statement_id   = "AllowSecretsManagerInvoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.rotation.function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = "123456789012"
}

resource "aws_secretsmanager_secret_rotation" "app" {
  secret_id           = aws_secretsmanager_secret.app.id
  rotation_lambda_arn = aws_lambda_function.rotation.arn
  rotate_immediately  = false

  rotation_rules {
    schedule_expression = "rate(4 hours)"
  }

  depends_on = [aws_lambda_permission.secretsmanager]
}

resource "aws_sns_topic" "rotation" {
  name = "prod--app-secret-rotation"
}

resource "aws_sns_topic_policy" "rotation" {
  arn    = aws_sns_topic.rotation.arn
  policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EventBridgePublishesRotationEvents2ffb652c",
      "Effect": "Allow",
      "Principal": {
        "Service": "events.amazonaws.com"
      },
      "Action": [
        "sns:Publish"
      ],
      "Resource": [
        "arn:aws:sns:us-east-1:123456789012:prod--app-secret-rotation"
      ],
      "Condition": {
        "ArnEquals": {
          "aws:SourceArn": "arn:aws:events:us-east-1:123456789012:rule/prod--app-secret-rotation"
        }
      }
    }
  ]
}
EOT
}

resource "aws_cloudwatch_event_rule" "rotation" {
  name          = "prod--app-secret-rotation"
  description   = "Rotation outcomes of prod/app/database"
  event_pattern = jsonencode({ "source" = ["aws.secretsmanager"], "detail-type" = ["AWS Service Event via CloudTrail"], "detail" = { "eventSource" = ["secretsmanager.amazonaws.com"], "eventName" = ["RotationAbandoned", "RotationFailed", "RotationSucceeded"], "additionalEventData" = { SecretId = [aws_secretsmanager_secret.app.arn] } } })
}

resource "aws_cloudwatch_event_target" "rotation" {
  rule      = aws_cloudwatch_event_rule.rotation.name
  target_id = "sns"
  arn       = aws_sns_topic.rotation.arn
}
