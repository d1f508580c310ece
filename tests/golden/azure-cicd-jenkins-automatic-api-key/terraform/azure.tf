terraform {
  required_version = ">= 1.11"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.65, < 5.0"
    }
    time = {
      source  = "hashicorp/time"
      version = ">= 0.12"
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

resource "time_static" "secret_created" {}

resource "azurerm_key_vault_secret" "app" {
  name             = "prod--app-api-key"
  key_vault_id     = data.azurerm_key_vault.kv.id
  value_wo         = var.initial_value
  value_wo_version = 1
  content_type     = "text/plain"
  expiration_date  = timeadd(time_static.secret_created.rfc3339, "2880h")

  lifecycle {
    ignore_changes = [expiration_date, tags]
  }
}

resource "azurerm_user_assigned_identity" "app" {
  name                = "id-prod--app"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
}

resource "azurerm_federated_identity_credential" "jenkins" {
  name                      = "jenkins-prod--app"
  user_assigned_identity_id = azurerm_user_assigned_identity.app.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = "https://jenkins.example.com/oidc"
  subject                   = "https://jenkins.example.com/job/app/"
}

resource "azurerm_role_assignment" "app_secrets_user" {
  scope              = "${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_secret.app.name}"
  role_definition_id = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
  principal_id       = azurerm_user_assigned_identity.app.principal_id
  principal_type     = "ServicePrincipal"
  description        = "Key Vault Secrets User on /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-example/secrets/prod--app-api-key only"
}

resource "azurerm_user_assigned_identity" "rotator" {
  name                = "id-prod--app-rotator"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
}

resource "azurerm_storage_account" "rotation" {
  name                            = "stprodappd97cfcb3rot"
  resource_group_name             = data.azurerm_resource_group.rg.name
  location                        = data.azurerm_resource_group.rg.location
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  shared_access_key_enabled       = true

  sas_policy {
    expiration_period = "0.01:00:00"
    expiration_action = "Log"
  }

  blob_properties {
    delete_retention_policy {
      days = 7
    }

    container_delete_retention_policy {
      days = 7
    }
  }
}

resource "azurerm_storage_container" "rotation" {
  name                  = "function-deployments"
  storage_account_id    = azurerm_storage_account.rotation.id
  container_access_type = "private"
}

resource "azurerm_service_plan" "rotation" {
  name                = "asp-prod--app-rotate"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
  os_type             = "Linux"
  sku_name            = "FC1"
}

resource "azurerm_function_app_flex_consumption" "rotation" {
  name                        = "func-prod--app-rotate"
  resource_group_name         = data.azurerm_resource_group.rg.name
  location                    = data.azurerm_resource_group.rg.location
  service_plan_id             = azurerm_service_plan.rotation.id
  storage_container_type      = "blobContainer"
  storage_container_endpoint  = "${azurerm_storage_account.rotation.primary_blob_endpoint}${azurerm_storage_container.rotation.name}"
  storage_authentication_type = "StorageAccountConnectionString"
  storage_access_key          = azurerm_storage_account.rotation.primary_access_key
  runtime_name                = "python"
  runtime_version             = "3.12"
  maximum_instance_count      = 40
  instance_memory_in_mb       = 2048
  https_only                  = true
  virtual_network_subnet_id   = var.rotation_function_subnet_id
  app_settings = {
    AZURE_CLIENT_ID            = azurerm_user_assigned_identity.rotator.client_id
    KEY_VAULT_URL              = "https://kv-example.vault.azure.net"
    NEAR_EXPIRY_WINDOW_SECONDS = "2592000"
    ROTATION_PERIOD_SECONDS    = "7776000"
    SECRET_NAME                = azurerm_key_vault_secret.app.name
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.rotator.id]
  }

  site_config {}
}

variable "rotation_function_subnet_id" {
  type        = string
  description = "Subnet (delegated to Microsoft.App/environments, with the Microsoft.KeyVault service endpoint) the rotation Function's outbound traffic leaves through; the Key Vault allows it."
}

variable "rotation_function_published" {
  type        = bool
  description = "Set to true once function/ is published to the Function App: Event Grid refuses a subscription to a function that does not exist yet."
  default     = false
}

resource "azurerm_eventgrid_system_topic_event_subscription" "near_expiry" {
  count                = var.rotation_function_published ? 1 : 0
  name                 = "prod--app-api-key-near-expiry"
  system_topic         = "evgt-kv-example"
  resource_group_name  = data.azurerm_resource_group.rg.name
  included_event_types = ["Microsoft.KeyVault.SecretNearExpiry"]

  subject_filter {
    subject_begins_with = "prod--app-api-key"
    subject_ends_with   = "prod--app-api-key"
    case_sensitive      = true
  }

  azure_function_endpoint {
    function_id          = "${azurerm_function_app_flex_consumption.rotation.id}/functions/rotate_secret"
    max_events_per_batch = 1
  }

  retry_policy {
    max_delivery_attempts = 30
    event_time_to_live    = 1440
  }
}

output "workload_client_id" {
  description = "Client ID of id-prod--app, for the SDKs, service account and pipelines"
  value       = azurerm_user_assigned_identity.app.client_id
}

output "key_vault_uri" {
  value = data.azurerm_key_vault.kv.vault_uri
}
