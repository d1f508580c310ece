terraform {
  required_version = ">= 1.11"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.65, < 5.0"
    }
  }
}

provider "azurerm" {
  subscription_id = "66666666-7777-8888-9999-000000000000"

  features {}
}

data "azurerm_resource_group" "rg" {
  name = "rg-payments"
}

data "azurerm_key_vault" "kv" {
  name                = "kv-staging-payments"
  resource_group_name = data.azurerm_resource_group.rg.name
}

variable "initial_value" {
  type        = string
  description = "First version of the secret. Ephemeral: never stored in state."
  sensitive   = true
  ephemeral   = true
}

resource "azurerm_key_vault_secret" "app" {
  name             = "staging--payments-api-key"
  key_vault_id     = data.azurerm_key_vault.kv.id
  value_wo         = var.initial_value
  value_wo_version = 1
  content_type     = "text/plain"
}

resource "azurerm_user_assigned_identity" "app" {
  name                = "id-staging--payments"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
}

resource "azurerm_federated_identity_credential" "github" {
  name                      = "github-staging--payments"
  user_assigned_identity_id = azurerm_user_assigned_identity.app.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://token.actions.githubusercontent.com"
  subject                   = "repo:acme@123456/payments@456789:ref:refs/heads/release"
}

resource "azurerm_role_assignment" "app_secrets_user" {
  scope              = "${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_secret.app.name}"
  role_definition_id = "/subscriptions/66666666-7777-8888-9999-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
  principal_id       = azurerm_user_assigned_identity.app.principal_id
  principal_type     = "ServicePrincipal"
  description        = "Key Vault Secrets User on /subscriptions/66666666-7777-8888-9999-000000000000/resourceGroups/rg-payments/providers/Microsoft.KeyVault/vaults/kv-staging-payments/secrets/staging--payments-api-key only"
}

output "workload_client_id" {
  description = "Client ID of id-staging--payments, for the SDKs, service account and pipelines"
  value       = azurerm_user_assigned_identity.app.client_id
}

output "key_vault_uri" {
  value = data.azurerm_key_vault.kv.vault_uri
}
