# An AKS workload reading an API key from Azure Key Vault through workload identity and the
# External Secrets Operator.
#
# The plan's files hold terraform/azure.tf (identity, federated credential, role
# assignments) and the ESO manifests; platform_files holds platform/azure.tf (the vault, its audit
# setting and system topic), shared by every workload on the vault. docs/guides/azure-keyvault.md
# shows the composition with azurerm_role_assignment and kubernetes_manifest.
terraform {
  required_version = ">= 1.0"
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

provider "secretsint" {}

data "secretsint_plan" "search" {
  secrets_backend    = "azure-keyvault"
  integration_target = "kubernetes"
  rotation_policy    = "manual"
  credential_type    = "api-key"
  name               = "search"
  environment        = "staging"

  azure {
    vault_name      = "kv-staging-search"
    tenant_id       = "11111111-2222-3333-4444-555555555555"
    subscription_id = "66666666-7777-8888-9999-000000000000"
    resource_group  = "rg-staging-search"
  }

  kubernetes {
    namespace    = "search"
    cluster_name = "aks-staging"
  }
}

output "secret_id" {
  value = data.secretsint_plan.search.secrets_config.secret_path
}

output "authentication_method" {
  value = data.secretsint_plan.search.secrets_config.authentication_method
}

output "files" {
  value = keys(data.secretsint_plan.search.files)
}

output "id" {
  value = data.secretsint_plan.search.id
}
