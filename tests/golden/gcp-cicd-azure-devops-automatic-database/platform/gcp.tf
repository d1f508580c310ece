terraform {
  required_version = ">= 1.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.50"
    }
  }
}

resource "google_project_iam_audit_config" "secretmanager" {
  project = "example-project"
  service = "secretmanager.googleapis.com"

  audit_log_config {
    log_type = "DATA_READ"
  }

  audit_log_config {
    log_type = "DATA_WRITE"
  }
}

resource "google_project_service_identity" "secretmanager" {
  provider = google-beta
  project  = "example-project"
  service  = "secretmanager.googleapis.com"
}

resource "google_iam_workload_identity_pool" "ci" {
  project                   = "example-project"
  workload_identity_pool_id = "azure-devops-example-or-7dce28d2"
  display_name              = "azure-devops example-org/example"
  description               = "azure-devops pipelines of example-org/example-repo reading Secret Manager"
}

resource "google_iam_workload_identity_pool_provider" "ci" {
  project                            = "example-project"
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "azure-devops"
  display_name                       = "azure-devops"
  attribute_mapping = {
    "google.subject" = "assertion.sub"
  }
  attribute_condition = "assertion.tid == '00000000-0000-0000-0000-000000000000' && assertion.sub == '00000000-0000-0000-0000-000000000000'"

  oidc {
    issuer_uri        = "https://sts.windows.net/00000000-0000-0000-0000-000000000000/"
    allowed_audiences = ["api://example-project-gcp-federation"]
  }
}
