terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["123456789012"]
}

variable "rotation_lambda_zip" {
  type        = string
  description = "Path of the zip holding the rotation function as lambda_function.py"
  default     = "rotation_lambda.zip"
}

resource "aws_secretsmanager_secret" "app" {
  name                    = "staging/payments/api-key"
  description             = "api-key for payments (staging)"
  kms_key_id              = "1234abcd-12ab-34cd-56ef-1234567890ab"
  recovery_window_in_days = 30
  tags = {
    "environment"     = "staging"
    "workload"        = "payments"
    "credential-type" = "api-key"
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
      "Sid": "DenyNonTlsAccess933ce78e",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:*"
      ],
      "Resource": [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/api-key-??????"
      ],
      "Condition": {
        "Bool": {
          "aws:SecureTransport": "false"
        }
      }
    },
    {
      "Sid": "DenyOtherAccounts933ce78e",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:*"
      ],
      "Resource": [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/api-key-??????"
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
      "Sid": "DenyReadsByOtherPrincipals933ce78e",
      "Effect": "Deny",
      "Principal": {
        "AWS": "*"
      },
      "Action": [
        "secretsmanager:GetSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/api-key-??????"
      ],
      "Condition": {
        "BoolIfExists": {
          "aws:PrincipalIsAWSService": "false"
        },
        "StringNotEquals": {
          "aws:PrincipalArn": [
            "arn:aws:iam::123456789012:role/staging--payments",
            "arn:aws:iam::123456789012:role/staging--payments-secret-rotation"
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
  name        = "staging--payments-secret-read"
  description = "Read staging/payments/api-key"
  policy      = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadTheSecret933ce78e",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/api-key-??????"
      ]
    },
    {
      "Sid": "DecryptWithTheSecretsKey933ce78e",
      "Effect": "Allow",
      "Action": [
        "kms:Decrypt"
      ],
      "Resource": [
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      ],
      "Condition": {
        "StringEquals": {
          "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"
        }
      }
    }
  ]
}
EOT
}

variable "eks_oidc_provider_arn" {
  type        = string
  description = "ARN of the EKS cluster's OIDC provider that platform/aws.tf declares once per account (its output eks_oidc_provider_arn); the role's trust policy names it"
  default     = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}

data "aws_iam_openid_connect_provider" "eks" {
  arn = var.eks_oidc_provider_arn
}

resource "aws_iam_role" "consumer" {
  name                 = "staging--payments"
  assume_role_policy   = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "IrsaForTheServiceAccount933ce78e",
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      },
      "Action": [
        "sts:AssumeRoleWithWebIdentity"
      ],
      "Condition": {
        "StringEquals": {
          "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud": "sts.amazonaws.com",
          "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub": "system:serviceaccount:payments-ns:staging--payments"
        }
      }
    }
  ]
}
EOT
  max_session_duration = 3600

  lifecycle {
    precondition {
      condition     = data.aws_iam_openid_connect_provider.eks.arn == "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      error_message = "The role's trust policy names the OIDC provider arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: pass that provider's ARN as var.eks_oidc_provider_arn."
    }
  }
}

resource "aws_iam_role_policy_attachment" "consumer_read" {
  role       = aws_iam_role.consumer.name
  policy_arn = aws_iam_policy.read.arn
}

resource "aws_iam_policy" "write" {
  name        = "staging--payments-secret-write"
  description = "Write new versions of staging/payments/api-key"
  policy      = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "WriteNewVersions933ce78e",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:DescribeSecret",
        "secretsmanager:PutSecretValue"
      ],
      "Resource": [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/api-key-??????"
      ]
    },
    {
      "Sid": "EncryptWithTheSecretsKey933ce78e",
      "Effect": "Allow",
      "Action": [
        "kms:GenerateDataKey"
      ],
      "Resource": [
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      ],
      "Condition": {
        "StringEquals": {
          "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"
        },
        "StringLike": {
          "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/api-key-*"
        }
      }
    }
  ]
}
EOT
}

resource "aws_iam_role" "rotation" {
  name               = "staging--payments-secret-rotation"
  assume_role_policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "LambdaAssumesTheRotationRole933ce78e",
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
  name        = "staging--payments-secret-rotation"
  description = "Rotate staging/payments/api-key"
  policy      = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DescribeTheSecretItReminds933ce78e",
      "Effect": "Allow",
      "Action": [
        "secretsmanager:DescribeSecret"
      ],
      "Resource": [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/api-key-??????"
      ]
    },
    {
      "Sid": "WriteOwnLogs933ce78e",
      "Effect": "Allow",
      "Action": [
        "logs:CreateLogStream",
        "logs:PutLogEvents"
      ],
      "Resource": [
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/staging--payments-rotate-api-key:*"
      ]
    },
    {
      "Sid": "SendFailedInvocationsToTheTopic933ce78e",
      "Effect": "Allow",
      "Action": [
        "sns:Publish"
      ],
      "Resource": [
        "arn:aws:sns:eu-west-1:123456789012:staging--payments-secret-rotation"
      ]
    },
    {
      "Sid": "WriteTraces933ce78e",
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
      "Sid": "UseTheSecretsKey933ce78e",
      "Effect": "Allow",
      "Action": [
        "kms:Decrypt",
        "kms:GenerateDataKey"
      ],
      "Resource": [
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      ],
      "Condition": {
        "StringEquals": {
          "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"
        },
        "StringLike": {
          "kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:staging/payments/api-key-*"
        }
      }
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
  name              = "/aws/lambda/staging--payments-rotate-api-key"
  retention_in_days = 365
}

resource "aws_lambda_function" "rotation" {
  function_name                  = "staging--payments-rotate-api-key"
  description                    = "Rotates staging/payments/api-key"
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
      ROTATION_KIND = "value"
      VALUE_FIELD   = "api_key"
    }
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
    schedule_expression = "rate(12 hours)"
  }

  depends_on = [aws_lambda_permission.secretsmanager]
}

resource "aws_sns_topic" "rotation" {
  name = "staging--payments-secret-rotation"
}

resource "aws_sns_topic_policy" "rotation" {
  arn    = aws_sns_topic.rotation.arn
  policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EventBridgePublishesRotationEvents933ce78e",
      "Effect": "Allow",
      "Principal": {
        "Service": "events.amazonaws.com"
      },
      "Action": [
        "sns:Publish"
      ],
      "Resource": [
        "arn:aws:sns:eu-west-1:123456789012:staging--payments-secret-rotation"
      ],
      "Condition": {
        "ArnEquals": {
          "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/staging--payments-secret-rotation"
        }
      }
    }
  ]
}
EOT
}

resource "aws_cloudwatch_event_rule" "rotation" {
  name          = "staging--payments-secret-rotation"
  description   = "Rotation outcomes of staging/payments/api-key"
  event_pattern = jsonencode({ "source" = ["aws.secretsmanager"], "detail-type" = ["AWS Service Event via CloudTrail"], "detail" = { "eventSource" = ["secretsmanager.amazonaws.com"], "eventName" = ["RotationAbandoned", "RotationFailed", "RotationSucceeded"], "additionalEventData" = { SecretId = [aws_secretsmanager_secret.app.arn] } } })
}

resource "aws_cloudwatch_event_target" "rotation" {
  rule      = aws_cloudwatch_event_rule.rotation.name
  target_id = "sns"
  arn       = aws_sns_topic.rotation.arn
}
