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
  subscription_id = "00000000-0000-0000-0000-000000000000"

  features {}
}

data "azurerm_resource_group" "rg" {
  name = "rg-secrets"
}

data "azurerm_key_vault" "kv" {
  name                = "kv-example"
  resource_group_name = data.azurerm_resource_group.rg.name
}

variable "initial_value" {
  type        = string
  description = "First version of the secret. Ephemeral: never stored in state."
  sensitive   = true
  ephemeral   = true
}

resource "azurerm_key_vault_secret" "app" {
  name             = "prod--app-config"
  key_vault_id     = data.azurerm_key_vault.kv.id
  value_wo         = var.initial_value
  value_wo_version = 1
  content_type     = "text/plain"
}

resource "azurerm_user_assigned_identity" "app" {
  name                = "id-prod--app"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
}

variable "azure_devops_subject" {
  type        = string
  description = "Subject identifier shown on the Azure DevOps service connection (workload identity federation, manual), issued by Microsoft Entra."
}

resource "azurerm_federated_identity_credential" "azure_devops" {
  name                      = "azure-devops-prod--app"
  user_assigned_identity_id = azurerm_user_assigned_identity.app.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"
  subject                   = var.azure_devops_subject
}

resource "azurerm_role_assignment" "app_secrets_user" {
  scope              = "${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_secret.app.name}"
  role_definition_id = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
  principal_id       = azurerm_user_assigned_identity.app.principal_id
  principal_type     = "ServicePrincipal"
  description        = "Key Vault Secrets User on /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-example/secrets/prod--app-config only"
}

output "workload_client_id" {
  description = "Client ID of id-prod--app, for the SDKs, service account and pipelines"
  value       = azurerm_user_assigned_identity.app.client_id
}

output "key_vault_uri" {
  value = data.azurerm_key_vault.kv.vault_uri
}
