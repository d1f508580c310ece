# Two workloads on one Vault and one Kubernetes cluster, each with three secrets: a dynamic
# PostgreSQL credential, a third-party API key rotated by hand, and a certificate Vault's PKI
# issues. Each workload gets one consumer identity (one Vault Kubernetes auth role) that holds
# the consumer policy of all three; what both share (mounts, the issuer, the auth backend, the
# audit device) sits in platform_files, the same bytes in both.
terraform {
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

provider "secretsint" {}

locals {
  workloads = {
    orders  = "shop"
    billing = "finance"
  }
}

data "secretsint_workload" "this" {
  for_each = local.workloads

  secrets_backend    = "vault"
  integration_target = "kubernetes"
  name               = each.key
  environment        = "prod"

  kubernetes {
    namespace = each.value
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
      common_name = "${each.key}.prod.example.com"
    }
  }
}

output "identities" {
  description = "Each workload's one consumer identity."
  value       = { for k, w in data.secretsint_workload.this : k => "${w.identity.kind} ${w.identity.name}" }
}

output "secret_paths" {
  description = "Where each secret of each workload lives."
  value       = { for k, w in data.secretsint_workload.this : k => { for label, s in w.secrets : label => s.secret_path } }
}

output "workload_policies" {
  description = "The policies to attach to each workload's identity, by secret."
  value = {
    for k, w in data.secretsint_workload.this : k => {
      for p in w.access_policies : p.policy_name => p.secret if p.attach_to == "workload"
    }
  }
}

output "platform_files_agree" {
  description = "Both workloads hold the same platform files: apply them once."
  value       = data.secretsint_workload.this["orders"].platform_files == data.secretsint_workload.this["billing"].platform_files
}
