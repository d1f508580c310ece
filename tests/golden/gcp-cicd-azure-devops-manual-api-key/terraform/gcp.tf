terraform {
  required_version = ">= 1.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50"
    }
  }
}

resource "google_secret_manager_secret" "secret" {
  project   = "example-project"
  secret_id = "prod--app-api-key"
  labels = {
    app         = "app"
    environment = "prod"
    managed-by  = "secretsint"
  }

  replication {
    auto {}
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

resource "google_iam_workload_identity_pool" "ci" {
  project                   = "example-project"
  workload_identity_pool_id = "prod--app-ci"
  display_name              = "prod--app CI"
  description               = "azure-devops pipelines reading prod--app-api-key"
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
    allowed_audiences = ["api://prod--app-gcp-federation"]
  }
}

resource "google_secret_manager_secret_iam_member" "consumer" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/prod--app-ci/subject/00000000-0000-0000-0000-000000000000"
}

resource "google_secret_manager_secret_iam_member" "writers" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretVersionAdder"
  member    = "group:prod--app-secret-writers@example.com"
}
