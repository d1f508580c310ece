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

variable "db_username" {
  type        = string
  description = "Database user the application logs in as."
  default     = "prod--app"
}

variable "db_password" {
  type        = string
  description = "Current password of db_username, written once into the first version. Ephemeral: never stored in state."
  sensitive   = true
  ephemeral   = true
}

resource "azurerm_key_vault_secret" "app" {
  name             = "prod--app-database"
  key_vault_id     = data.azurerm_key_vault.kv.id
  value_wo         = jsonencode({ dbname = "app", engine = "postgresql", host = "db.example.com", password = var.db_password, port = 5432, username = var.db_username })
  value_wo_version = 1
  content_type     = "application/json"
}

resource "azurerm_user_assigned_identity" "app" {
  name                = "id-prod--app"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
}

resource "azurerm_federated_identity_credential" "github" {
  name                      = "github-prod--app"
  user_assigned_identity_id = azurerm_user_assigned_identity.app.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://token.actions.githubusercontent.com"
  subject                   = "repo:example-org@123456/example-repo@456789:ref:refs/heads/main"
}

resource "azurerm_role_assignment" "app_secrets_user" {
  scope              = "${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_secret.app.name}"
  role_definition_id = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
  principal_id       = azurerm_user_assigned_identity.app.principal_id
  principal_type     = "ServicePrincipal"
  description        = "Key Vault Secrets User on /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-example/secrets/prod--app-database only"
}

output "workload_client_id" {
  description = "Client ID of id-prod--app, for the SDKs, service account and pipelines"
  value       = azurerm_user_assigned_identity.app.client_id
}

output "key_vault_uri" {
  value = data.azurerm_key_vault.kv.vault_uri
}
