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

data "google_iam_workload_identity_pool" "ci" {
  project                   = "example-project"
  workload_identity_pool_id = "github-example-org-example-repo"
}

resource "google_secret_manager_secret_iam_member" "consumer" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "principalSet://iam.googleapis.com/${data.google_iam_workload_identity_pool.ci.name}/attribute.ref/refs/heads/main"
}

resource "google_secret_manager_secret_iam_member" "writers" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretVersionAdder"
  member    = "group:prod--app-secret-writers@example.com"
}
