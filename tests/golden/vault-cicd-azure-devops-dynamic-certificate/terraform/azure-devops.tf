terraform {
  required_providers {
    azuredevops = {
      source  = "microsoft/azuredevops"
      version = ">= 1.16, < 2.0"
    }
  }
}

variable "azure_devops_project_id" {
  type        = string
  description = "ID of the Azure DevOps project that runs the pipeline."
}

variable "azure_devops_service_connection_id" {
  type        = string
  description = "ID of the service connection (Project settings > Service connections) \"prod--app-vault\"."
}

resource "azuredevops_check_branch_control" "service_connection" {
  project_id                       = var.azure_devops_project_id
  display_name                     = "prod--app-vault: only refs/heads/main"
  target_resource_id               = var.azure_devops_service_connection_id
  target_resource_type             = "endpoint"
  allowed_branches                 = "refs/heads/main"
  verify_branch_protection         = true
  ignore_unknown_protection_status = false
  timeout                          = 60
}
