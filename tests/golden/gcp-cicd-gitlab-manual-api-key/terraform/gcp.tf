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
  secret_id = "prod-app-api-key"
  labels = {
    app         = "app"
    environment = "prod"
    managed-by  = "secretsint"
  }

  replication {
    auto {}
  }
}

resource "google_iam_workload_identity_pool" "ci" {
  project                   = "example-project"
  workload_identity_pool_id = "prod-app-ci"
  display_name              = "prod-app CI"
  description               = "gitlab-ci pipelines reading prod-app-api-key"
}

resource "google_iam_workload_identity_pool_provider" "ci" {
  project                            = "example-project"
  workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
  workload_identity_pool_provider_id = "gitlab"
  display_name                       = "gitlab-ci"
  attribute_mapping = {
    "google.subject"         = "assertion.sub"
    "attribute.project_path" = "assertion.project_path"
    "attribute.ref"          = "assertion.ref"
  }
  attribute_condition = "assertion.project_path == 'example-org/example-repo' && assertion.ref_type == 'branch' && assertion.ref == 'main' && assertion.ref_protected == 'true'"

  oidc {
    issuer_uri = "https://gitlab.com"
  }
}

resource "google_secret_manager_secret_iam_member" "consumer" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/prod-app-ci/attribute.project_path/example-org/example-repo"
}

resource "google_secret_manager_secret_iam_member" "writers" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretVersionAdder"
  member    = "group:prod-app-secret-writers@example.com"
}
