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

resource "azurerm_key_vault_certificate" "app" {
  name         = "prod--app-certificate"
  key_vault_id = data.azurerm_key_vault.kv.id

  certificate_policy {
    issuer_parameters {
      name = "Self"
    }

    key_properties {
      exportable = true
      key_type   = "EC"
      curve      = "P-256"
      reuse_key  = false
    }

    lifetime_action {
      action {
        action_type = "AutoRenew"
      }

      trigger {
        days_before_expiry = 10
      }
    }

    secret_properties {
      content_type = "application/x-pem-file"
    }

    x509_certificate_properties {
      subject            = "CN=app.prod.example.com"
      validity_in_months = 1
      key_usage          = ["digitalSignature"]
      extended_key_usage = ["1.3.6.1.5.5.7.3.1"]

      subject_alternative_names {
        dns_names = ["app.prod.example.com"]
      }
    }
  }
}

resource "azurerm_user_assigned_identity" "app" {
  name                = "id-prod--app"
  resource_group_name = data.azurerm_resource_group.rg.name
  location            = data.azurerm_resource_group.rg.location
}

data "azurerm_kubernetes_cluster" "aks" {
  name                = "example-cluster"
  resource_group_name = data.azurerm_resource_group.rg.name
}

resource "azurerm_federated_identity_credential" "aks" {
  name                      = "aks-app-prod--app"
  user_assigned_identity_id = azurerm_user_assigned_identity.app.id
  audience                  = ["api://AzureADTokenExchange"]
  issuer                    = data.azurerm_kubernetes_cluster.aks.oidc_issuer_url
  subject                   = "system:serviceaccount:app:prod--app"
}

resource "azurerm_role_assignment" "app_secrets_user" {
  scope              = "${data.azurerm_key_vault.kv.id}/secrets/${azurerm_key_vault_certificate.app.name}"
  role_definition_id = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
  principal_id       = azurerm_user_assigned_identity.app.principal_id
  principal_type     = "ServicePrincipal"
  description        = "Key Vault Secrets User on /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-example/secrets/prod--app-certificate only"
}

resource "azurerm_role_assignment" "app_certificate_user" {
  scope              = "${data.azurerm_key_vault.kv.id}/certificates/${azurerm_key_vault_certificate.app.name}"
  role_definition_id = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"
  principal_id       = azurerm_user_assigned_identity.app.principal_id
  principal_type     = "ServicePrincipal"
  description        = "Key Vault Certificate User on /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-example/certificates/prod--app-certificate only"
}

output "workload_client_id" {
  description = "Client ID of id-prod--app, for the SDKs, service account and pipelines"
  value       = azurerm_user_assigned_identity.app.client_id
}

output "key_vault_uri" {
  value = data.azurerm_key_vault.kv.vault_uri
}
