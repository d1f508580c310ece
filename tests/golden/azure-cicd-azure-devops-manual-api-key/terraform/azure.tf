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

data "azurerm_client_config" "current" {}

data "azurerm_resource_group" "rg" {
  name = "rg-prod--app"
}

resource "azurerm_key_vault" "kv" {
  name                       = "kv-example"
  location                   = data.azurerm_resource_group.rg.location
  resource_group_name        = data.azurerm_resource_group.rg.name
  tenant_id                  = "00000000-0000-0000-0000-000000000000"
  sku_name                   = "standard"
  rbac_authorization_enabled = true
  purge_protection_enabled   = true
  soft_delete_retention_days = 90

  network_acls {
    default_action             = "Deny"
    bypass                     = "AzureServices"
    ip_rules                   = var.key_vault_allowed_ip_ranges
    virtual_network_subnet_ids = var.key_vault_allowed_subnet_ids
  }
}

variable "key_vault_allowed_ip_ranges" {
  type        = list(string)
  description = "Public IPv4 addresses or CIDR ranges allowed to reach the Key Vault's data plane (it denies every other network): the egress of whoever runs terraform apply and of every consumer outside the allowed subnets. [] allows none."
}

variable "log_analytics_workspace_id" {
  type        = string
  description = "Resource ID of the Log Analytics workspace that receives the vault's AuditEvent log (every read and write of a secret)."
}

resource "azurerm_monitor_diagnostic_setting" "kv_audit" {
  name                       = "audit"
  target_resource_id         = azurerm_key_vault.kv.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category = "AuditEvent"
  }
}

variable "key_vault_allowed_subnet_ids" {
  type        = list(string)
  description = "Subnet IDs allowed to reach the Key Vault (each needs the Microsoft.KeyVault service endpoint): the AKS node subnet, self-hosted runner subnets."
  default     = []
}

variable "initial_value" {
  type        = string
  description = "First version of the secret. Ephemeral: never stored in state."
  sensitive   = true
  ephemeral   = true
}

resource "azurerm_key_vault_secret" "app" {
  name             = "prod--app-api-key"
  key_vault_id     = azurerm_key_vault.kv.id
  value_wo         = var.initial_value
  value_wo_version = 1
  content_type     = "text/plain"
  depends_on       = [azurerm_role_assignment.deployer]
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
  scope              = "${azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_secret.app.name}"
  role_definition_id = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
  principal_id       = azurerm_user_assigned_identity.app.principal_id
  principal_type     = "ServicePrincipal"
  description        = "Key Vault Secrets User on /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod--app/providers/Microsoft.KeyVault/vaults/kv-example/secrets/prod--app-api-key only"
}

resource "azurerm_role_assignment" "deployer" {
  scope              = azurerm_key_vault.kv.id
  role_definition_id = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
  principal_id       = data.azurerm_client_config.current.object_id
  description        = "Key Vault Secrets Officer on /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod--app/providers/Microsoft.KeyVault/vaults/kv-example only"
}

output "workload_client_id" {
  description = "Client ID of id-prod--app, for the SDKs, service account and pipelines"
  value       = azurerm_user_assigned_identity.app.client_id
}

output "key_vault_uri" {
  value = azurerm_key_vault.kv.vault_uri
}
