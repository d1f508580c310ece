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
  workload_identity_pool_id = "jenkins-example-org-example-repo"
  display_name              = "jenkins example-org/example-repo"
  description               = "jenkins pipelines of example-org/example-repo reading Secret Manager"
}

resource "google_iam_workload_identity_pool_provider" "ci" {
  project                            = "example-project"
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "jenkins"
  display_name                       = "jenkins"
  attribute_mapping = {
    "google.subject" = "assertion.sub"
  }
  attribute_condition = "assertion.sub.startsWith('https://jenkins.example.com/job/')"

  oidc {
    issuer_uri = "https://jenkins.example.com/oidc"
  }
}
