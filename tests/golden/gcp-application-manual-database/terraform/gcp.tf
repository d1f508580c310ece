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
  secret_id = "prod--app-database"
  labels = {
    app         = "app"
    environment = "prod"
    managed-by  = "secretsint"
  }

  replication {
    auto {}
  }
}

resource "google_service_account" "app" {
  project      = "example-project"
  account_id   = "prod--app"
  display_name = "app (prod)"
  description  = "Reads prod--app-database only"
}

resource "google_secret_manager_secret_iam_member" "consumer" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.app.member
}

resource "google_secret_manager_secret_iam_member" "writers" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretVersionAdder"
  member    = "group:prod--app-secret-writers@example.com"
}
