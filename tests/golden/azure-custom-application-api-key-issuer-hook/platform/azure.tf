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

data "azurerm_client_config" "current" {}

resource "azurerm_key_vault" "kv" {
  name                       = "kv-staging-payments"
  location                   = data.azurerm_resource_group.rg.location
  resource_group_name        = data.azurerm_resource_group.rg.name
  tenant_id                  = "11111111-2222-3333-4444-555555555555"
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

variable "key_vault_allowed_subnet_ids" {
  type        = list(string)
  description = "Subnet IDs allowed to reach the Key Vault (each needs the Microsoft.KeyVault service endpoint): the AKS node subnet, self-hosted runner subnets and every workload's rotation_function_subnet_id."
  default     = []
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

resource "azurerm_eventgrid_system_topic" "kv" {
  name                = "evgt-kv-staging-payments"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
  source_resource_id  = azurerm_key_vault.kv.id
  topic_type          = "Microsoft.KeyVault.vaults"
}

resource "azurerm_role_assignment" "deployer_secrets_officer" {
  scope              = azurerm_key_vault.kv.id
  role_definition_id = "/subscriptions/66666666-7777-8888-9999-000000000000/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
  principal_id       = data.azurerm_client_config.current.object_id
  description        = "Key Vault Secrets Officer on kv-staging-payments for the principal that applies Terraform: workloads create secrets that do not exist yet to be scoped to"
}

resource "azurerm_role_assignment" "deployer_certificates_officer" {
  scope              = azurerm_key_vault.kv.id
  role_definition_id = "/subscriptions/66666666-7777-8888-9999-000000000000/providers/Microsoft.Authorization/roleDefinitions/a4417e6f-fecd-4de8-b567-7b0420556985"
  principal_id       = data.azurerm_client_config.current.object_id
  description        = "Key Vault Certificates Officer on kv-staging-payments for the principal that applies Terraform: workloads create certificates that do not exist yet to be scoped to"
}

output "key_vault_uri" {
  value = azurerm_key_vault.kv.vault_uri
}
