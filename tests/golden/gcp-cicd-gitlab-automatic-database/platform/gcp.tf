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
  workload_identity_pool_id = "gitlab-example-org-example-repo"
  display_name              = "gitlab-ci example-org/example-re"
  description               = "gitlab-ci pipelines of example-org/example-repo reading Secret Manager"
}

resource "google_iam_workload_identity_pool_provider" "ci" {
  project                            = "example-project"
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "gitlab"
  display_name                       = "gitlab-ci"
  attribute_mapping = {
    "google.subject"         = "assertion.sub"
    "attribute.namespace_id" = "assertion.namespace_id"
    "attribute.project_id"   = "assertion.project_id"
    "attribute.project_path" = "assertion.project_path"
    "attribute.ref"          = "assertion.ref"
  }
  attribute_condition = "assertion.namespace_id == '123456' && assertion.project_id == '456789' && assertion.project_path == 'example-org/example-repo' && assertion.ref_type == 'branch' && assertion.ref_protected == 'true'"

  oidc {
    issuer_uri = "https://gitlab.com"
  }
}
