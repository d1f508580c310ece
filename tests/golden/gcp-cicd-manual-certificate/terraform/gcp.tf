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
  secret_id = "prod--app-certificate"
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
  description               = "github-actions pipelines reading prod--app-certificate"
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
  attribute_condition = "assertion.repository_owner_id == '123456' && assertion.repository_id == '456789' && assertion.ref == 'refs/heads/main' && assertion.sub == 'repo:example-org@123456/example-repo@456789:ref:refs/heads/main'"

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_secret_manager_secret_iam_member" "consumer" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/prod--app-ci/attribute.repository_id/456789"
}

resource "google_secret_manager_secret_iam_member" "writers" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretVersionAdder"
  member    = "group:prod--app-secret-writers@example.com"
}
