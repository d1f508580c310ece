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
  workload_identity_pool_id = "github-example-org-example-repo"
  display_name              = "github-actions example-org/examp"
  description               = "github-actions pipelines of example-org/example-repo reading Secret Manager"
}

resource "google_iam_workload_identity_pool_provider" "ci" {
  project                            = "example-project"
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "github-actions"
  attribute_mapping = {
    "google.subject"                = "assertion.sub"
    "attribute.repository"          = "assertion.repository"
    "attribute.repository_id"       = "assertion.repository_id"
    "attribute.repository_owner"    = "assertion.repository_owner"
    "attribute.repository_owner_id" = "assertion.repository_owner_id"
    "attribute.ref"                 = "assertion.ref"
  }
  attribute_condition = "assertion.repository_owner_id == '123456' && assertion.repository_id == '456789' && assertion.sub.startsWith('repo:example-org@123456/example-repo@456789:ref:refs/heads/')"

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}
